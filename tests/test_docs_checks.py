"""The checks of ``make docs`` catch what a reader of the API pages trips over:
raw Sphinx roles, built-in help in place of an attribute's description, links
to folders (which show a directory listing when the site is opened from disk).

Run on small hand-written sites; the real site is checked by ``make docs``.
"""

from __future__ import annotations

import html
import importlib.util
import sys
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parents[1] / "docs" / "_scripts"


def _module(name: str):
    spec = importlib.util.spec_from_file_location(name, SCRIPTS / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


check_site = _module("check_site")


def _site(tmp_path: Path, api_body: str) -> Path:
    (tmp_path / "api").mkdir()
    (tmp_path / "index.html").write_text('<a href="api/metrics.html">API</a>')
    (tmp_path / "api" / "metrics.html").write_text(f"<html><body>{api_body}</body></html>")
    return tmp_path


def test_a_clean_site_passes(tmp_path):
    site = _site(tmp_path, '<h2 id="raer_agreement.metrics.x">x</h2><p>See <code>x</code>.</p>')
    assert check_site.check(site) == []


def test_raw_role_fails(tmp_path):
    site = _site(tmp_path, "<p>See :func:<code>~raer_agreement.metrics.agreement_table</code>.</p>")
    assert any("raw role" in p for p in check_site.check(site))


def test_builtin_help_fails(tmp_path):
    body = "<h4>n_boot</h4><p>" + html.escape(int.__doc__.splitlines()[0]) + "</p>"
    assert "int([x]) -&gt; integer" in body  # as the page shows it
    problems = check_site.check(_site(tmp_path, body))
    assert any("built-in help" in p for p in problems)


def test_folder_link_fails(tmp_path):
    site = _site(tmp_path, "<p>x</p>")
    (site / "tutorial").mkdir()
    (site / "tutorial" / "index.html").write_text("<p>t</p>")
    (site / "index.html").write_text('<a href="tutorial/">Tutorial</a>')
    assert any("names a folder" in p for p in check_site.check(site))


def test_roles_become_links_or_code(tmp_path):
    pytest.importorskip("mkdocs")
    hooks = _module("hooks")
    page = tmp_path / "api" / "metrics.html"
    other = tmp_path / "api" / "io.html"
    ids = {
        "raer_agreement.metrics.agreement_table": page,
        "raer_agreement.metrics.table.agreement_table": page,
        "raer_agreement.io.load_ratings": other,
    }
    text = (
        ":func:<code>~raer_agreement.metrics.agreement_table</code> "
        ":func:<code>raer_agreement.io.load.load_ratings</code> "
        ":class:<code>Nowhere</code>"
    )
    out = hooks.resolve_roles(text, page, ids)
    assert 'href="#raer_agreement.metrics.agreement_table"><code>agreement_table</code>' in out
    assert 'href="io.html#raer_agreement.io.load_ratings"' in out
    assert out.endswith("<code>Nowhere</code>")
    assert ":func:" not in out and ":class:" not in out


def test_attributes_take_the_class_description():
    griffe = pytest.importorskip("griffe")
    ext = _module("griffe_attributes")
    code = '''
from dataclasses import dataclass

@dataclass
class Result:
    """A result.

    Attributes
    ----------
    n_boot : int
        Bootstrap resamples behind the interval.
    """

    n_boot: int = 0
    se: float = 0.0
'''
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        pkg = Path(d) / "pkg_attr_demo"
        pkg.mkdir()
        (pkg / "__init__.py").write_text(code)
        sys.path.insert(0, d)
        try:
            loaded = griffe.load(
                "pkg_attr_demo",
                force_inspection=True,
                extensions=griffe.load_extensions(ext.AttributesFromClass),
            )
        finally:
            sys.path.remove(d)
            sys.modules.pop("pkg_attr_demo", None)
    cls = loaded["Result"]
    assert cls["n_boot"].docstring.value == "Bootstrap resamples behind the interval."
    assert cls["se"].docstring is None  # not in the section: nothing, never float's help
