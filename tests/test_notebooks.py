"""The notebooks: ``.ipynb`` files paired with jupytext percent scripts (one
source of truth), committed with their outputs, and run top to bottom here;
every cell that draws a plot leaves an image.

``03_real_export`` reads a real Toloka export from ``../shared`` (beside the
checkout) and skips with the reason where it is absent.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
SCRIPTS = sorted((REPO / "notebooks").glob("*.py"))
SHARED = REPO.parent / "shared"
#: A cell that calls one of the report's plotting functions.
PLOTS = re.compile(r"\bplots\.plot_\w+\(")


def _code(nb) -> list[str]:
    return [c.source.strip() for c in nb.cells if c.cell_type == "code"]


def _images(cell) -> int:
    return sum("image/png" in o.get("data", {}) for o in cell.get("outputs", []))


def _plot_cells_without_image(nb) -> list[str]:
    return [
        c.source.splitlines()[0]
        for c in nb.cells
        if c.cell_type == "code" and PLOTS.search(c.source) and not _images(c)
    ]


def test_every_script_has_its_notebook():
    assert [p.stem for p in SCRIPTS] == [p.stem for p in NOTEBOOKS]
    assert len(NOTEBOOKS) >= 3


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_and_script_are_paired(path):
    jupytext = pytest.importorskip("jupytext")
    nb = jupytext.read(path)
    script = jupytext.read(path.with_suffix(".py"))
    assert _code(nb) == _code(script), "run `jupytext --sync notebooks/*.ipynb`"
    assert "ipynb" in nb.metadata["jupytext"]["formats"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_committed_notebook_shows_its_plots(path):
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.read(path, as_version=4)
    assert not _plot_cells_without_image(nb)
    # what a reader opens: outputs, no error and no temporary folder in them
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert outputs and not [o for o in outputs if o.get("output_type") == "error"]
    assert "/tmp" not in str(outputs)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_executes_with_an_image_per_plot(path, tmp_path, monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    if path.stem == "03_real_export":
        if not (SHARED / "datasets" / "real_formats").is_dir():
            pytest.skip(f"../shared/datasets/real_formats is absent ({SHARED})")
        monkeypatch.setenv("RAER_AGREEMENT_SHARED", str(SHARED))
    nb = nbformat.read(path, as_version=4)
    for c in nb.cells:
        if c.cell_type == "code":
            c.outputs = []
    client = nbclient.NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()
    plotted = [c for c in nb.cells if c.cell_type == "code" and PLOTS.search(c.source)]
    assert not _plot_cells_without_image(nb)
    if path.stem != "02_soft_label_targets":  # the two others draw
        assert len(plotted) >= 2
