"""The ledger tells file rows from the ratings they hold (counts, wide tables, lists
in cells): counted here independently of the package, with the csv module."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import pandas as pd
import pytest

from raer_agreement.io import load_ratings
from raer_agreement.ledger import Ledger
from raer_agreement.report import build_report, render_report

FERPLUS = ("real_formats", "ferplus", "fer2013new.csv")


def _cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "raer_agreement", *map(str, args)],
        capture_output=True,
        text=True,
        check=True,
    )


def _ferplus_counts(path) -> tuple[int, int]:
    """Data rows of the file and the votes in its ten count columns, by hand."""
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    votes = sum(int(v or 0) for r in body for v in r[header.index("neutral") :])
    return len(body), votes


@pytest.fixture
def ferplus(shared_dir):
    path = shared_dir.joinpath("datasets", *FERPLUS)
    if not path.exists():
        pytest.fail(f"{path} is missing")
    return path


def test_ferplus_rows_read_and_ratings_differ(ferplus):
    n_rows, n_votes = _ferplus_counts(ferplus)
    # the published counts (real_formats/README.md): 357,139 kept + 1,730 on unnamed rows
    assert (n_rows, n_votes) == (35_887, 357_139 + 1_730)
    text = _cli("validate", ferplus).stdout
    assert f"rows read: {n_rows:,} -> {n_votes:,} ratings" in text
    assert "ratings used: 357,139" in text and "ratings dropped: 1,730" in text
    led = json.loads(_cli("validate", ferplus, "--json").stdout)["ledger"]
    assert led["file_rows_read"] == n_rows
    assert led["ratings_read"] == led["rows_read"] == n_votes
    assert led["rows_used"] + led["rows_dropped"] == n_votes
    shown = _cli("inspect", ferplus).stdout
    assert f"{n_rows:,} rows read -> {n_votes:,} ratings" in shown
    assert f"account: {n_votes:,} ratings read (from {n_rows:,} rows) = 357,139 kept" in shown


def _report_ledger(ann) -> str:
    report = build_report(ann, n_boot=0, seed=0)
    _, md = render_report(report.document)
    return md.split("## What was read", 1)[1].split("\n## ", 1)[0]


def test_counts_table_in_the_report(tmp_path):
    table = pd.DataFrame(
        {
            "item": [f"f{i}" for i in range(12)],
            "a": [3, 0, 2, 1, 4, 0, 1, 2, 3, 0, 2, 1],
            "b": [1, 4, 2, 2, 0, 3, 3, 2, 1, 4, 1, 3],
            "c": [0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 1, 0],
        }
    )
    path = tmp_path / "counts.csv"
    table.to_csv(path, index=False)
    votes = int(table[["a", "b", "c"]].to_numpy().sum())
    ann = load_ratings(path)
    assert ann.ledger.rows_in_files == len(table) and ann.ledger.rows_read == votes
    page = _report_ledger(ann)
    assert f"| rows read | {len(table)} -> {votes} ratings |" in page
    assert "| ratings used |" in page and "| rows used |" not in page


def test_wide_table_rows_and_ratings(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text("clip_id,r1,r2,r3\nc1,a,b,a\nc2,b,,b\nc3,a,a,\nc4,b,b,b\n", encoding="utf-8")
    filled = 10  # 12 cells, 2 empty
    led = load_ratings(path, format="wide").ledger
    assert (led.rows_in_files, led.rows_read, led.expanded) == (4, filled, True)
    assert "rows read: 4 -> 10 ratings" in led.summary()


def test_lists_in_cells_rows_and_ratings(tmp_path):
    records = [
        {"id": "t1", "workers": ["w1", "w2", "w3"], "answers": ["x", "y", "x"]},
        {"id": "t2", "workers": ["w1", "w3"], "answers": ["y", "y"]},
        {"id": "t3", "workers": ["w2", "w4"], "answers": ["x", "x"]},
    ]
    path = tmp_path / "lists.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    ann = load_ratings(path, item_col="id", annotator_col="workers", label_cols=["answers"])
    assert ann.ledger.rows_in_files == 3 and ann.ledger.rows_read == ann.n_ratings == 7
    assert "rows read: 3 -> 7 ratings" in ann.ledger.summary()


def test_long_file_reads_one_rating_a_row():
    led = Ledger(("long.csv",), rows_read=1234)
    assert not led.expanded and led.rows_in_files == 1234
    assert led.summary().splitlines()[1:3] == ["rows read: 1,234", "rows used: 1,234"]
    assert led.to_dict()["file_rows_read"] == led.to_dict()["ratings_read"] == 1234


def test_merged_ledgers_add_file_rows():
    both = Ledger(("a",), rows_read=50, file_rows=5).merged(Ledger(("b",), rows_read=7))
    assert (both.rows_in_files, both.rows_read) == (12, 57)


def test_lewidi_objects_and_ratings(shared_dir):
    path = shared_dir / "datasets" / "real_formats" / "lewidi2023" / "HS-Brexit_train.json"
    if not path.exists():
        pytest.fail(f"{path} is missing")
    data = json.loads(path.read_text(encoding="utf-8"))
    ratings = sum(len([a for a in o["annotators"].split(",") if a.strip()]) for o in data.values())
    assert (len(data), ratings) == (784, 4_704)  # real_formats/README.md
    led = load_ratings(path).ledger
    assert (led.rows_in_files, led.rows_read) == (len(data), ratings)


def test_labelstudio_tasks_and_annotations(tmp_path):
    def task(k, *votes):
        anns = [
            {
                "completed_by": who,
                "result": [{"from_name": "label", "type": "choices", "value": {"choices": [v]}}],
            }
            for who, v in votes
        ]
        return {"id": k, "data": {"clip_id": f"c{k}"}, "annotations": anns}

    tasks = [task(1, (1, "a"), (2, "b")), task(2, (1, "a"), (2, "a"), (3, "b")), task(3, (2, "b"))]
    path = tmp_path / "ls.json"
    path.write_text(json.dumps(tasks), encoding="utf-8")
    led = load_ratings(path, format="labelstudio").ledger
    assert (led.rows_in_files, led.rows_read, led.rows_used) == (3, 6, 6)
