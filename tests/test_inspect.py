"""``raer-agreement inspect`` on the real exports, and reading recipes that round-trip.

The expected counts are those of ``../shared/datasets/real_formats/README.md``,
computed independently of the package.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from raer_agreement.cli import main

REAL = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "real_formats"

#: file -> (layout, ratings, items, annotators or None for anonymous votes)
EXPECTED = {
    "ferplus/fer2013new.csv": ("counts", 357_139, 35_710, None),
    "mturk_speaker/Batch_3795612_batch_results-2.csv": ("mturk", 2_842, 30, 166),
    "mturk_facial/Batch_4350992_batch_results.csv": ("mturk", 2_100, 700, 73),
    "toloka_camarg/assignments_from_pool_42774131__05-02-2024.tsv": ("toloka", 6_409, 1_729, 282),
    "lewidi2023/HS-Brexit_train.json": ("lewidi", 4_704, 784, 6),
    "lewidi2023/ArMIS_train.json": ("lewidi", 1_971, 657, 3),
    "prodigy_presto/presto_distortion.jsonl": ("prodigy", 1_776, 593, 3),
}


def _inspect(capsys, *argv) -> tuple[int, dict]:
    code = main(["inspect", *map(str, argv), "--json"])
    return code, json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_inspect_shows_the_right_reading_and_recipe_round_trips(name, capsys, tmp_path):
    layout, ratings, items, annotators = EXPECTED[name]
    recipe = tmp_path / "reading.json"
    code, report = _inspect(capsys, REAL / name, "--save-recipe", recipe)
    assert code == 0
    assert report["layout"].split(" ", 1)[0] == layout
    c = report["counts"]
    assert (c["ratings"], c["items"], c["annotators"]) == (ratings, items, annotators)
    assert report["evidence"] and report["checks"]
    assert len(report["first_rows"]) == 5
    assert {"item_id", "annotator_id"} <= set(report["first_rows"][0])
    for alt in report["alternatives"]:
        assert alt["flags"].startswith("--format ") and alt["why_not"]
        assert len(alt["why_not"]) <= 200
    saved = json.loads(recipe.read_text())
    assert saved["counts"]["ratings"] == ratings
    assert saved["reading"]["format"] == layout
    # the recipe alone reads the file to the same counts
    assert main(["validate", str(REAL / name), "--recipe", str(recipe), "--json"]) == 0
    ledger = json.loads(capsys.readouterr().out)["ledger"]
    assert ledger["n_items"] == items


def test_recipe_refuses_a_file_that_reads_otherwise(capsys, tmp_path):
    p = tmp_path / "r.csv"
    p.write_text(
        "item,annotator,label\n"
        + "".join(f"i{i},a{j},{'xy'[(i * j) % 2]}\n" for i in range(6) for j in range(3))
    )
    recipe = tmp_path / "reading.json"
    code, report = _inspect(capsys, p, "--save-recipe", recipe)
    assert code == 0 and report["counts"]["ratings"] == 18
    p.write_text(p.read_text() + "i9,a1,x\n")
    assert main(["validate", str(p), "--recipe", str(recipe)]) == 2
    err = capsys.readouterr().err
    assert "ratings 19 (recipe: 18)" in err and len(err.strip().split(": error: ", 1)[1]) <= 300


def test_refused_file_is_inspected_with_its_alternatives(capsys, tmp_path):
    p = tmp_path / "items.jsonl"
    p.write_text(
        json.dumps({"id": "a", "worker_ids": ["w1", "w2"], "annotations": ["x", "y"]}) + "\n"
    )
    code, report = _inspect(capsys, p)
    assert code == 2 and "refused" in report
    assert report["alternatives"] and report["checks"]
    # the parallel lists are found and the flags that read them are shown, with their counts
    suggested = report["alternatives"][0]
    assert suggested["flags"] == "--item-col id --annotator-col worker_ids --label-col annotations"
    assert suggested["counts"]["ratings"] == 2
    code, report = _inspect(
        capsys,
        p,
        "--item-col",
        "id",
        "--annotator-col",
        "worker_ids",
        "--label-col",
        "annotations",
    )
    assert code == 0 and report["counts"]["ratings"] == 2
    assert any("parallel lists" in n for n in report["evidence"])


def test_io_refusals_point_to_inspect(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("r.csv").write_text("item,annotator,label\ni1,a1,x\ni1,a1\n")
    assert main(["validate", "r.csv"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.endswith("see `raer-agreement inspect r.csv`") and "\n" not in err
    message = err.split(": error: ", 1)[1]
    assert len(message) <= 300
