"""Smoke test of the benchmark harness (benchmarks/): it imports, generates a
tiny corpus, measures one of our rows and writes a well-formed table.  No
peers, no timing assertions: speed is measured by ``make bench``, not here."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
pytestmark = pytest.mark.skipif(not (BENCH / "run.py").exists(), reason="benchmarks/ not present")


NAMES = ("data", "run", "peers", "scale", "commands")


@pytest.fixture(scope="module")
def harness():
    # the harness modules have plain names (data, run, ...): import them from
    # benchmarks/ only, and put back whatever held those names before
    saved = {n: sys.modules.pop(n) for n in NAMES if n in sys.modules}
    sys.path.insert(0, str(BENCH))
    try:
        import data
        import run

        yield data, run
    finally:
        sys.path.remove(str(BENCH))
        for n in NAMES:
            sys.modules.pop(n, None)
        sys.modules.update(saved)


def test_synthetic_corpus_is_well_formed(harness):
    data, _ = harness
    d = data.synthetic(2_000, seed=1)
    n_items = d["meta"]["n_items"]
    assert n_items == 200 and len(d["item"]) == 2_000 and len(d["truth"]) == n_items
    assert d["label"].min() >= 0 and d["label"].max() < len(data.CATEGORIES)
    # ten distinct annotators per item
    pairs = d["item"] * data.N_ANNOTATORS + d["annotator"]
    assert len(np.unique(pairs)) == len(pairs)
    assert np.all(np.bincount(d["item"]) == data.RATINGS_PER_ITEM)
    again = data.synthetic(2_000, seed=1)
    assert np.array_equal(again["label"], d["label"])


def test_our_row_and_table(harness, tmp_path):
    data, run = harness
    folder = data.ensure("1e4", 2_000, seed=3, root=tmp_path)
    out = tmp_path / "mv.json"
    try:
        run.ours_task("mv", folder, 2, out)
    except run.Unavailable as exc:
        pytest.skip(str(exc))
    ours = json.loads(out.read_text())
    assert len(ours["times"]) == 2 and ours["peak_rss_mb"] > 0
    assert 0.5 < ours["result"]["accuracy"] <= 1.0
    # a pretend peer that found the same labels, twice as slow
    peer = {**ours, "median": 2 * ours["median"], "cpu_median": 2 * ours["cpu_median"]}
    row = {
        "key": "mv",
        "size": "raer",
        "n_ratings": 2_000,
        "title": "Majority vote",
        "peer_name": "peer",
        "note": "",
        "ours": ours,
        "peer": peer,
        "ratio": 2.0,
        "cpu_ratio": 2.0,
        "compare": run.compare("mv", ours, peer),
    }
    assert row["compare"]["same_labels"] == 1.0 and row["compare"]["diff"] == 0.0
    md, js = tmp_path / "RESULTS.md", tmp_path / "results.json"
    run.write_results(
        [row], run.check_targets([row]), run.machine(), None, md_path=md, json_path=js
    )
    text = md.read_text()
    assert "| size | computation | ours | peer | ratio |" in text
    assert "**2.0x**" in text
    assert json.loads(js.read_text())["rows"][0]["key"] == "mv"


def test_commands_harness_measures_a_child_and_tabulates(harness):
    import commands

    rec = commands.run_measured([sys.executable, "-c", "x = bytearray(50 * 2**20)"])
    assert "error" not in rec and rec["wall"] > 0
    assert rec["peak_rss_mb"] >= 50  # the child's own peak: it held 50 MB
    rows = [
        {
            "row": "aggregate",
            "corpus": "raer",
            "title": "agg",
            "wall": 2.0,
            "cpu": 1.0,
            "peak_rss_mb": 100.0,
        },
        {
            "row": "ck_ds",
            "corpus": "raer",
            "title": "ck",
            "wall": 10.0,
            "cpu": 9.0,
            "peak_rss_mb": 200.0,
        },
    ]
    md = commands.markdown(rows)
    assert "**5.0x**" in md  # peer wall / our wall


def test_honeypot_corpus_has_one_clip_rated_by_everyone(harness):
    data, _ = harness
    d = data.honeypot(n_workers=50, n_other=200)
    assert np.sum(d["item"] == 0) == 50
    assert len(np.unique(d["annotator"][d["item"] == 0])) == 50
    assert len(d["item"]) == 250 and len(d["truth"]) == d["meta"]["n_items"]
