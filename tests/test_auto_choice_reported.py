"""``--method auto``: one choice, with the candidates' scores, wherever it is printed.

The simulated crowd's truth is known, so the chosen method's labels are checked against
it; the choice itself is checked for agreement across every output that carries it (the
``aggregate --json`` document, the labels file, the report JSON and its pages) and against
the library call that makes it.
"""

from __future__ import annotations

import json
from importlib import resources

import jsonschema
import pandas as pd
import pytest
from referencing import Registry, Resource

from raer_agreement import load_ratings
from raer_agreement.aggregation.auto import AUTO_CANDIDATES, choose_method
from raer_agreement.cli import main
from raer_agreement.simulate import SimulationParams, simulate_corpus


@pytest.fixture(scope="module")
def crowd(tmp_path_factory):
    """A small RAER-like corpus written as a long CSV (coarse scheme only), and its truth."""
    sim = simulate_corpus(SimulationParams.scaled(150), seed=4)
    ann = sim.annotations
    path = tmp_path_factory.mktemp("auto") / "ratings.csv"
    long = ann.to_long()
    long[["item_id", "annotator_id", "coarse"]].rename(columns={"coarse": "label"}).to_csv(
        path, index=False
    )
    return ann, sim, path


def _schema_text(name: str) -> str:
    return resources.files("raer_agreement").joinpath(f"data_schema/{name}.schema.json").read_text()


def _aggregate_json(path, out, capsys, *extra):
    capsys.readouterr()
    assert main(["aggregate", str(path), "--out", str(out), "--json", *extra]) == 0
    return json.loads(capsys.readouterr().out)


def test_aggregate_json_names_the_choice_the_library_makes(crowd, tmp_path, capsys):
    _, _, path = crowd
    doc = _aggregate_json(path, tmp_path / "a.csv", capsys, "--method", "auto")
    ann = load_ratings(path)  # the very reading the command makes: the same folds
    lib = choose_method(ann, seed=0)
    choice = doc["method_choice"]
    assert doc["method"] == choice["method"] == lib.method
    assert sorted(choice["held_out_log_likelihood"]) == sorted(AUTO_CANDIDATES)
    scores = choice["held_out_log_likelihood"]
    assert scores[choice["method"]] == max(scores.values())
    for m, v in lib.scores.items():
        assert scores[m] == pytest.approx(v, abs=1e-6)
    assert doc["n_clips"] == ann.n_items


def test_auto_labels_are_the_chosen_methods_labels(crowd, tmp_path, capsys):
    ann, sim, path = crowd
    doc = _aggregate_json(path, tmp_path / "auto.csv", capsys, "--method", "auto")
    direct = _aggregate_json(path, tmp_path / "direct.csv", capsys, "--method", doc["method"])
    assert direct["method_choice"] is None
    a = pd.read_csv(tmp_path / "auto.csv", dtype={"clip_id": str})
    b = pd.read_csv(tmp_path / "direct.csv", dtype={"clip_id": str})
    pd.testing.assert_frame_equal(a, b)
    # the known truth of the simulation: the chosen model labels the clips well
    truth = sim.truth["coarse"].astype(str)
    got = a.set_index("clip_id")["label"].astype(str).reindex(truth.index)
    assert (got == truth).mean() > 0.8


def test_report_carries_the_same_choice_in_json_and_pages(crowd, tmp_path, capsys):
    _, _, path = crowd
    doc = _aggregate_json(path, tmp_path / "a.csv", capsys, "--method", "auto")
    out = tmp_path / "rep"
    argv = ["report", str(path), "--method", "auto", "--n-boot", "0", "--out", str(out)]
    assert main([*argv, "--quiet", "--no-exports"]) == 0
    rep = json.loads((out / "report.json").read_text())
    schema = {n: json.loads(_schema_text(n)) for n in ("report", "agreement")}
    registry = Registry().with_resource(
        schema["agreement"]["$id"], Resource.from_contents(schema["agreement"])
    )
    jsonschema.Draft202012Validator(schema["report"], registry=registry).validate(rep)
    agg = rep["aggregation"]
    assert agg["chosen"] == doc["method"]
    assert agg["method_choice"] == doc["method_choice"]
    md = (out / "report.md").read_text()
    assert "chosen by --method auto, without gold" in md
    for v in doc["method_choice"]["held_out_log_likelihood"].values():
        assert f"{v:.4f}" in md


def test_report_without_auto_has_no_choice(crowd, tmp_path):
    _, _, path = crowd
    out = tmp_path / "rep"
    argv = ["report", str(path), "--method", "majority", "--n-boot", "0", "--out", str(out)]
    assert main([*argv, "--quiet", "--no-exports"]) == 0
    rep = json.loads((out / "report.json").read_text())
    assert rep["aggregation"]["method_choice"] is None
    assert "--method auto" not in (out / "report.md").read_text()
