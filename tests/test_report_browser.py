"""The report page in a real browser: nothing overflows the page horizontally
(wide tables scroll inside their own box), at a desktop and a narrow width.

Runs headless Chromium on report.html with a script that measures the
layout; skipped with the reason when no Chromium is installed.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from raer_agreement.cli import main

BROWSER = next(
    (shutil.which(b) for b in ("chromium", "chromium-browser", "google-chrome") if shutil.which(b)),
    None,
)

pytestmark = pytest.mark.skipif(
    BROWSER is None, reason="no Chromium on this machine: the layout is not measured"
)

#: Writes what sticks out of the page into <body data-overflow="...">.
MEASURE = """
<script>
window.addEventListener("load", () => {
  const out = [];
  const W = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth > W + 1)
    out.push("page " + document.documentElement.scrollWidth + " > " + W);
  document.querySelectorAll("main *").forEach((e) => {
    const r = e.getBoundingClientRect();
    const box = e.closest(".scroll");
    if (box && box !== e) return;  // inside a scrolling box: allowed to be wide
    if (r.width > 0 && r.right > W + 1)
      out.push(e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + " right " + Math.round(r.right));
  });
  document.body.setAttribute("data-overflow", out.length ? out.slice(0, 12).join("; ") : "none");
});
</script>
"""


def overflow(html: Path, width: int) -> str:
    page = html.with_name(f"measure_{width}.html")
    page.write_text(html.read_text(encoding="utf-8").replace("</body>", MEASURE + "</body>"))
    with tempfile.TemporaryDirectory() as profile:
        out = subprocess.run(
            [
                BROWSER,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                f"--user-data-dir={profile}",
                f"--window-size={width},900",
                "--virtual-time-budget=5000",
                "--dump-dom",
                page.as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=180,
        )
    m = re.search(r'data-overflow="([^"]*)"', out.stdout)
    assert m, f"the measuring script did not run: {out.stderr[-500:]}"
    return m.group(1)


@pytest.fixture(scope="module")
def report_html(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("browser") / "rep"
    argv = ["report", "--out", str(out), "--n-boot", "20", "--quiet", "--no-exports"]
    assert main(argv) == 0
    return out / "report.html"


def test_the_measure_sees_an_overflowing_element(tmp_path):
    page = tmp_path / "wide.html"
    page.write_text('<html><body><main><div style="width:3000px">x</div></main></body></html>')
    assert overflow(page, 800) != "none"


@pytest.mark.parametrize("width", [1280, 760])
def test_nothing_overflows_the_page(report_html, width):
    assert overflow(report_html, width) == "none"
