"""Real exports nobody here prepared load with the layout their README states.

The files are in ``../shared/datasets/real_formats`` (copied byte for byte
from public repositories; see each folder's SOURCE.txt).  The expected
counts of ratings, items and annotators, and the rows that are not ratings,
come from that folder's README, computed independently of this package.
"""

from __future__ import annotations

import numpy as np
import pytest

import raer_agreement as ra

# (file, layout, ratings, items, annotators or None for anonymous, {reason: rows not ratings})
CASES = [
    (
        "ferplus/fer2013new.csv",
        "counts",
        357_139,
        35_710,
        None,
        {"missing_item_id": 1_730},
    ),
    (
        "mturk_speaker/Batch_3795612_batch_results-2.csv",
        "mturk",
        2_842,
        30,
        166,
        {"rejected_assignment": 158},
    ),
    ("mturk_facial/Batch_4350992_batch_results.csv", "mturk", 2_100, 700, 73, {}),
    (
        "toloka_camarg/assignments_from_pool_42774131__05-02-2024.tsv",
        "toloka",
        6_409,
        1_729,
        282,
        {"expired_assignment": 445},
    ),
    ("lewidi2023/HS-Brexit_train.json", "lewidi", 4_704, 784, 6, {}),
    ("lewidi2023/ArMIS_train.json", "lewidi", 1_971, 657, 3, {}),
    (
        "prodigy_presto/presto_distortion.jsonl",
        "prodigy",
        1_776,
        593,
        3,
        # 2 rejected answers and 2 empty choices, on 3 lines (one line is both)
        {"answer_reject": 2, "empty_answer": 1},
    ),
]


@pytest.fixture
def real_dir(shared_dir):
    d = shared_dir / "datasets" / "real_formats"
    if not d.is_dir():
        pytest.skip("../shared/datasets/real_formats is absent")
    return d


@pytest.mark.parametrize("case", CASES, ids=[c[0].split("/")[0] for c in CASES])
def test_counts_match_the_readme(real_dir, case):
    name, layout, n_ratings, n_items, n_annotators, not_ratings = case
    ann = ra.load_ratings(real_dir / name)
    assert ann.n_ratings == n_ratings
    assert ann.n_items == n_items
    if n_annotators is None:
        assert ann.anonymous
        assert ann.ledger.to_dict()["n_annotators"] is None
    else:
        assert not ann.anonymous
        assert ann.n_annotators == n_annotators
    led = ann.ledger
    assert led.rows_used == n_ratings
    assert led.dropped_by_reason == not_ratings
    assert led.rows_read == led.rows_used + led.rows_dropped
    assert any(n.startswith(f"layout: {layout} ") for n in led.notes), led.notes


def test_ferplus_duplicated_names_are_in_the_ledger(real_dir):
    ann = ra.load_ratings(real_dir / "ferplus" / "fer2013new.csv")
    note = next(n for n in ann.ledger.notes if "occur on several rows" in n)
    for name in ("fer0006953.png", "fer0008403.png", "fer0011785.png", "fer0033120.png"):
        assert name in note
    # the split column is item metadata, not a category
    assert set(ann.items["Usage"].dropna()) == {"Training", "PublicTest", "PrivateTest"}
    assert ann.categories() == (
        "neutral",
        "happiness",
        "surprise",
        "sadness",
        "anger",
        "disgust",
        "fear",
        "contempt",
        "unknown",
        "NF",
    )


def test_ferplus_fleiss_matches_statsmodels(real_dir):
    """The README's independent value: statsmodels' fleiss_kappa on the 35,713
    named rows with exactly 10 votes is 0.51159; the package's Fleiss kappa on
    everything it loads (4 names merged, one 9-vote row) agrees to 3 decimals."""
    from raer_agreement import metrics

    ann = ra.load_ratings(real_dir / "ferplus" / "fer2013new.csv")
    table = metrics.agreement_table(ann, n_boot=0, coefficients=["fleiss_kappa"])
    fleiss = float(table.set_index("coefficient").loc["fleiss_kappa", "estimate"])
    assert fleiss == pytest.approx(0.51159, abs=5e-4)


def test_toloka_gold_answers_become_item_gold(real_dir):
    ann = ra.load_ratings(
        real_dir / "toloka_camarg" / "assignments_from_pool_42774131__05-02-2024.tsv"
    )
    gold = ann.items["gold"].dropna()
    # 20 control tasks carry GOLDEN:R-4 (README)
    assert len(gold) == 20
    assert set(gold) <= {"0", "1", "2", "3"}


def test_mturk_labels_are_the_answers_not_columns(real_dir):
    ann = ra.load_ratings(real_dir / "mturk_facial" / "Batch_4350992_batch_results.csv")
    assert set(ann.categories()) == {
        "angry",
        "disgust",
        "fear",
        "happy",
        "neutral",
        "sad",
        "surprise",
    }
    # 3 assignments per HIT (SOURCE.txt)
    assert np.all(ann.ratings_per_item() == 3)
