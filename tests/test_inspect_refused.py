"""``inspect`` on a file no reader can read right suggests no reading.

A SageMaker Ground Truth output manifest (JSON Lines: ``source-ref`` and a
``<job>-metadata`` object per data object) holds one consolidated label per
object and no worker's answer: the loader refuses it, and ``inspect`` must not
offer another layout (a table reading of its JSON text, say) as if it read it.
A Figure Eight / Appen aggregated report (one consensus answer per unit) is the
same case in a table.
"""

from __future__ import annotations

import json
import shlex

import pandas as pd
import pytest

from raer_agreement.cli import main

CLASSES = ("cat", "dog", "bird")


def _manifest(path, n=8, job="pets-labeling"):
    with open(path, "w", encoding="utf-8") as f:
        for i in range(n):
            record = {
                "source-ref": f"s3://bucket/images/{i:04d}.jpg",
                job: i % len(CLASSES),
                f"{job}-metadata": {
                    "class-name": CLASSES[i % len(CLASSES)],
                    "job-name": f"labeling-job/{job}",
                    "confidence": 0.87,
                    "type": "groundtruth/image-classification",
                    "human-annotated": "yes",
                    "creation-date": "2020-01-01T00:00:00.000000",
                },
            }
            f.write(json.dumps(record) + "\n")
    return path


def _inspect(capsys, path, *flags) -> tuple[int, dict]:
    code = main(["inspect", str(path), *flags, "--json"])
    return code, json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("name", ["output.manifest", "output.jsonl", "output.json", "out.txt"])
def test_a_ground_truth_manifest_is_refused_with_no_reading_suggested(name, tmp_path, capsys):
    path = _manifest(tmp_path / name)
    code, report = _inspect(capsys, path)
    assert code == 2
    assert "consolidated labels only" in report["refused"]
    assert report["alternatives"] == []
    assert report["no_alternative"].startswith("none: ")
    assert "groundtruth reader" in report["no_alternative"]
    assert main(["inspect", str(path)]) == 2
    text = capsys.readouterr().out
    considered = text.split("other readings considered:\n", 1)[1].split("checks run:", 1)[0]
    assert considered.strip().startswith("none: ")
    assert "--format" not in considered and "reads" not in considered


def _validated(capsys, path, flags: str):
    code = main(["validate", str(path), *shlex.split(flags), "--json"])
    out = capsys.readouterr().out
    return json.loads(out)["ledger"] if code == 0 else None


def _ratings_manifest(path):
    """Ordinary rating records in a ``.manifest``: JSON Lines by their content."""
    with open(path, "w", encoding="utf-8") as f:
        for i in range(6):
            for w in ("w1", "w2"):
                f.write(json.dumps({"item": f"i{i}", "annotator": w, "label": CLASSES[i % 2]}))
                f.write("\n")
    return path


def test_json_lines_by_content_are_offered_json_lines_readings_only(tmp_path, capsys):
    path = _ratings_manifest(tmp_path / "ratings.manifest")
    code, report = _inspect(capsys, path)
    assert code == 0 and report["counts"]["ratings"] == 12
    flags = {a["flags"] for a in report["alternatives"]}
    # a table reading of JSON text is no reading of it
    assert flags <= {"--format jsonl", "--format prodigy"}


@pytest.mark.parametrize("make", [_manifest, _ratings_manifest])
def test_every_alternative_said_to_read_does_read_as_said(make, tmp_path, capsys):
    path = make(tmp_path / "f.manifest")
    _, report = _inspect(capsys, path)
    for alt in report["alternatives"]:
        if alt["outcome"] != "read":
            continue
        ledger = _validated(capsys, path, alt["flags"])
        assert ledger is not None
        assert (ledger["rows_used"], ledger["n_items"]) == (
            alt["counts"]["ratings"],
            alt["counts"]["items"],
        )


def _appen_aggregated(path):
    pd.DataFrame(
        {
            "_unit_id": [11, 12, 13, 14, 15],
            "_golden": ["false"] * 5,
            "_unit_state": ["finalized"] * 5,
            "_trusted_judgments": [5, 5, 4, 5, 3],
            "_last_judgment_at": ["3/2/2020 10:05:00"] * 5,
            "answer": ["yes", "no", "yes", "no", "yes"],
            "answer:confidence": [0.8, 0.6, 1.0, 0.7, 0.67],
        }
    ).to_csv(path, index=False)
    return path


def test_an_appen_aggregated_report_is_refused_with_no_reading_suggested(tmp_path, capsys):
    """Read as a wide or counts table it could give ratings (the trusted-judgment
    counts and confidences as votes): none is offered."""
    path = _appen_aggregated(tmp_path / "a1234567.csv")
    code, report = _inspect(capsys, path)
    assert code == 2 and "aggregated report" in report["refused"]
    assert report["alternatives"] == []
    assert "appen reader" in report["no_alternative"]


def test_an_appen_full_report_still_gets_its_alternatives(tmp_path, capsys):
    path = tmp_path / "f1234567.csv"
    pd.DataFrame(
        {
            "_unit_id": [1, 1, 2, 2],
            "_worker_id": [7, 8, 7, 8],
            "_tainted": ["false"] * 4,
            "answer": ["yes", "no", "no", "no"],
            "answer_gold": [""] * 4,
        }
    ).to_csv(path, index=False)
    code, report = _inspect(capsys, path)
    assert code == 0 and report["counts"]["ratings"] == 4
    assert report["alternatives"] and "no_alternative" not in report
