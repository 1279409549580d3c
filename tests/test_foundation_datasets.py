"""`validate` on the public data sets in ../shared/datasets gives the counts
published in ../shared/datasets/README.md (labels, items, annotators, classes)."""

import pytest

from raer_agreement import load_ratings
from raer_agreement.cli import main

# ../shared/datasets/README.md, table "Public multi-annotator data sets"
PUBLISHED = {
    "dawid_skene_1979": (315, 45, 5, 4),
    "snow2008_rte": (8000, 800, 164, 2),
    "snow2008_temp": (4620, 462, 76, 2),
    "bluebirds": (4212, 108, 39, 2),
    "zhou_web": (15567, 2665, 177, 5),
    "zheng_dog": (8070, 807, 109, 4),
    "zheng_face": (5242, 584, 27, 4),
    "weather_sentiment_amt": (6025, 300, 110, 5),
}


@pytest.mark.parametrize("name", sorted(PUBLISHED))
def test_counts_match_readme(shared_dir, name):
    labels, items, annotators, classes = PUBLISHED[name]
    ann = load_ratings(shared_dir / "datasets" / name / "labels.csv")
    assert ann.ledger.rows_read == labels
    assert ann.ledger.rows_used == labels
    assert ann.n_ratings == labels
    assert ann.n_items == items
    assert ann.n_annotators == annotators
    assert ann.n_categories() == classes


def test_validate_cli_prints_ledger(shared_dir, capsys):
    rc = main(["validate", str(shared_dir / "datasets" / "dawid_skene_1979" / "labels.csv")])
    out = capsys.readouterr().out
    assert rc == 0
    assert "rows read: 315" in out and "clips: 45" in out and "annotators: 5" in out
    # observer 1 rated each patient three times: 2 repeats x 45 patients
    assert "flagged      90 repeated rating" in out
