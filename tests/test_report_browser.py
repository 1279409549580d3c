"""The report page in a real browser (headless Chromium), on the bundled corpus
and on two real exports (FER+ counts, a Toloka pool download): at 1,280 px
and as printed, no table overflows its box, nothing sticks out of the page,
no cell clips its text and no two blocks overlap, measured from the DOM's
bounding boxes.

The screenshots (1,280 px) and the PDFs are kept under
``build/report-browser/`` for a person to look at. Skipped with the reason
where no Chromium is installed (``apt-get install chromium``); the real
exports need ``../shared``.
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

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "build" / "report-browser"
REAL = REPO.parent / "shared" / "datasets" / "real_formats"
INPUTS = {
    "sample": None,
    "ferplus": REAL / "ferplus" / "fer2013new.csv",
    "toloka": REAL / "toloka_camarg" / "assignments_from_pool_42774131__05-02-2024.tsv",
}
#: A4 with 10 mm margins at 96 px per inch: the width a printed page gives the content.
PRINT_WIDTH = 718

#: Writes what is wrong with the layout into <body data-layout="...">.
MEASURE = """
<script>
window.addEventListener("load", () => {
  const out = [];
  const W = document.documentElement.clientWidth;
  const name = (e) => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "");
  if (document.documentElement.scrollWidth > W + 1)
    out.push("page " + document.documentElement.scrollWidth + " > " + W);
  document.querySelectorAll("main *").forEach((e) => {
    const r = e.getBoundingClientRect();
    if (e.closest(".scroll") && !e.classList.contains("scroll")) return;
    if (r.width > 0 && r.right > W + 1) out.push(name(e) + " right " + Math.round(r.right));
  });
  document.querySelectorAll(".scroll").forEach((b, k) => {
    if (b.scrollWidth > b.clientWidth + 1)
      out.push("table " + k + " overflows its box: " + b.scrollWidth + " > " + b.clientWidth);
  });
  document.querySelectorAll("td, th").forEach((c) => {
    if (c.scrollWidth > c.clientWidth + 1) out.push("cell clips " + c.textContent.slice(0, 30));
  });
  const blocks = [...document.querySelectorAll("main > *")].filter((e) => e.offsetHeight > 0);
  for (let k = 1; k < blocks.length; k++) {
    const a = blocks[k - 1].getBoundingClientRect(), b = blocks[k].getBoundingClientRect();
    if (b.top < a.bottom - 1) out.push(name(blocks[k]) + " overlaps " + name(blocks[k - 1]));
  }
  document.body.setAttribute("data-layout", out.length ? out.slice(0, 12).join(" | ") : "none");
});
</script>
"""


def chromium(*args: str) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run(
            [
                BROWSER,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--hide-scrollbars",
                f"--user-data-dir={profile}",
                *args,
            ],
            capture_output=True,
            text=True,
            timeout=300,
        )


def layout(html: Path, width: int, *, printed: bool = False) -> str:
    """Problems of the page at ``width`` (as printed: the print styles applied)."""
    text = html.read_text(encoding="utf-8")
    if printed:
        text = text.replace("@media print{", "@media all{")
    page = html.with_name(f"measure_{width}{'_print' if printed else ''}.html")
    page.write_text(text.replace("</body>", MEASURE + "</body>"), encoding="utf-8")
    out = chromium(
        f"--window-size={width},900", "--virtual-time-budget=5000", "--dump-dom", page.as_uri()
    )
    m = re.search(r'data-layout="([^"]*)"', out.stdout)
    assert m, f"the measuring script did not run: {out.stderr[-500:]}"
    return m.group(1)


def _report(out: Path, name: str) -> Path:
    source = INPUTS[name]
    if source is not None and not source.is_file():
        pytest.skip(f"{source} is absent")
    argv = ["report", "--out", str(out), "--quiet", "--no-exports"]
    argv += ["--n-boot", "20"] if source is None else [str(source), "--n-boot", "0"]
    assert main(argv) == 0
    return out / "report.html"


@pytest.fixture(scope="module", params=list(INPUTS))
def report_html(request, tmp_path_factory) -> tuple[str, Path]:
    name = request.param
    return name, _report(tmp_path_factory.mktemp("browser") / name, name)


def test_the_measure_sees_overflow_and_overlap(tmp_path):
    page = tmp_path / "bad.html"
    page.write_text(
        "<html><body><main>"
        '<div class="scroll" style="overflow-x:auto"><table><tr><td>'
        '<div style="width:3000px">x</div></td></tr></table></div>'
        '<p style="height:40px">a</p><p style="margin-top:-30px">b</p>'
        "</main></body></html>"
    )
    found = layout(page, 800)
    assert "overflows its box" in found
    assert "overlaps" in found


def test_fits_1280_px(report_html):
    name, html = report_html
    assert layout(html, 1280) == "none"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / f"{name}-1280.png"
    chromium("--window-size=1280,4000", f"--screenshot={shot}", html.as_uri())
    assert shot.is_file() and shot.read_bytes()[:4] == b"\x89PNG"


def test_fits_the_printed_page(report_html):
    name, html = report_html
    assert layout(html, PRINT_WIDTH, printed=True) == "none"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pdf = ARTIFACTS / f"{name}.pdf"
    chromium("--no-pdf-header-footer", f"--print-to-pdf={pdf}", html.as_uri())
    assert pdf.is_file() and pdf.read_bytes()[:5] == b"%PDF-"


def test_narrow_screen_scrolls_wide_tables_inside_their_box(report_html):
    # at 760 px wide tables may scroll, but only inside their own box
    _, html = report_html
    found = layout(html, 760)
    assert not [p for p in found.split(" | ") if p != "none" and "overflows its box" not in p]
