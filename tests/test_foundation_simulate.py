"""The simulator honours RAER's published facts and the realism targets of
DESIGN.md ("The simulator"), measured with peers where one exists."""

import krippendorff
import numpy as np
import pytest

from raer_agreement.cli import main
from raer_agreement.io import read_list_file
from raer_agreement.simulate import (
    RAER_TEST_COUNTS,
    RAER_TRAIN_COUNTS,
    SimulationParams,
    load_sample,
    sample_path,
    simulate_corpus,
)

CLASSES = ["Neutrality", "Enjoyment", "Confusion", "Fatigue", "Distraction"]


@pytest.fixture(scope="module")
def corpus():
    return simulate_corpus(seed=11)


def test_published_class_counts_per_split(corpus):
    clips = corpus.clips.set_index("clip_id")
    truth = corpus.truth.loc[clips.index, "coarse"]
    for split, counts in (("train", RAER_TRAIN_COUNTS), ("test", RAER_TEST_COUNTS)):
        got = truth[clips["split"] == split].value_counts().reindex(CLASSES).tolist()
        assert got == list(counts)


def test_contexts_students_and_paths(corpus):
    items = corpus.annotations.items
    assert set(items["environment"]) == {"Classroom", "Library", "Laboratory", "Dormitory"}
    assert set(items["session_type"]) == {"class", "self_study"}
    assert 120 <= items["student"].nunique() <= 140
    assert all(
        i.startswith(("RAER/images/Class/Classroom/Class", "RAER/images/SelfStudy/"))
        for i in corpus.annotations.item_ids
    )


def test_agreement_like_real_affect_annotation(corpus):
    ann = corpus.annotations
    alpha = krippendorff.alpha(
        ann.to_raters_x_items("coarse"), level_of_measurement="nominal", value_domain=range(5)
    )
    assert 0.4 <= alpha <= 0.6
    # kappa paradox: AC1 (Gwet 2008) clearly above Fleiss' kappa when Neutrality dominates
    c = ann.counts("coarse")
    n = c.sum(1)
    ok = n >= 2
    pa = ((c * (c - 1)).sum(1)[ok] / (n * (n - 1))[ok]).mean()
    pi = (c[ok] / n[ok, None]).mean(0)
    kappa = (pa - (pi**2).sum()) / (1 - (pi**2).sum())
    pe_ac1 = (pi * (1 - pi)).sum() / 4
    ac1 = (pa - pe_ac1) / (1 - pe_ac1)
    assert ac1 > kappa + 0.08
    # Confusion is the least reliable class (Fleiss 1971 category kappa)
    kj = [
        1
        - (c[ok, j] * (n[ok] - c[ok, j]) / (n[ok] * (n[ok] - 1))).sum()
        / (ok.sum() * pi[j] * (1 - pi[j]))
        for j in range(5)
    ]
    assert int(np.argmin(kj)) == CLASSES.index("Confusion")


def test_annotators_differ_as_described(corpus):
    ann = corpus.annotations
    truth = np.array([CLASSES.index(x) for x in corpus.truth["coarse"]])
    it, an, lab = ann.ratings("coarse")
    acc = np.bincount(an, weights=lab == truth[it], minlength=ann.n_annotators) / np.bincount(an)
    neutral_share = np.bincount(an, weights=lab == 0, minlength=ann.n_annotators) / np.bincount(an)
    kinds = corpus.annotator_profiles["kind"].to_numpy()
    spam = np.flatnonzero(kinds == "spammer")[0]
    biased = np.flatnonzero(kinds == "biased")[0]
    assert acc[spam] < 0.4 and acc[spam] == acc.min()
    assert neutral_share[biased] == neutral_share.max()
    decent = kinds == "decent"
    assert (acc[decent] > 0.7).all()


def test_missing_ratings_and_short_clips(corpus):
    per = corpus.annotations.ratings_per_item("coarse")
    assert per.max() == 10 and per.min() <= 6
    assert 8.5 < per.mean() < 10


def test_fine_votes_mostly_under_own_coarse(corpus):
    ann = corpus.annotations
    both = ann.labels["fine"] >= 0
    same = ann.collapse("fine", "coarse")[both] == ann.labels["coarse"][both]
    assert 0.9 < same.mean() < 0.99
    flagged = {e.reason: e.count for e in ann.ledger.entries}
    assert (
        flagged == {} or "inconsistent_fine_coarse" not in flagged
    )  # simulator output is not re-validated


def test_seeded_and_scalable():
    a = simulate_corpus(SimulationParams.scaled(300), seed=3)
    b = simulate_corpus(SimulationParams.scaled(300), seed=3)
    c = simulate_corpus(SimulationParams.scaled(300), seed=4)
    assert a.ratings.equals(b.ratings)
    assert not a.ratings.equals(c.ratings)
    assert a.annotations.n_items == 300


def test_true_confusions_predict_observed_votes(corpus):
    ann = corpus.annotations
    truth = np.array([CLASSES.index(x) for x in corpus.truth["coarse"]])
    it, an, lab = ann.ratings("coarse")
    # observed hit rate of all annotators on Neutrality vs the known generating matrices
    # (environment and clip ambiguity average out within a few points)
    m = truth[it] == 0
    observed = (lab[m] == 0).mean()
    expected = np.mean(corpus.confusions["coarse"][an[m], 0, 0])
    assert abs(observed - expected) < 0.05


def test_bundled_sample_is_the_documented_corpus(tmp_path):
    ann = load_sample()
    assert ann.n_items == 2649 and ann.schemes == ("coarse", "fine")
    train = read_list_file(sample_path() / "train.txt")
    assert train["list_label"].value_counts().reindex(["1", "2", "3", "4", "5"]).tolist() == list(
        RAER_TRAIN_COUNTS
    )
    assert ann.ledger.rows_read == ann.ledger.rows_used == ann.n_ratings


def test_simulate_command_writes_user_files(tmp_path, capsys):
    assert main(["simulate", "--out", str(tmp_path / "c"), "--seed", "5", "--n-clips", "120"]) == 0
    names = sorted(p.name for p in (tmp_path / "c").iterdir())
    assert names == [
        "annotators.csv",
        "clips.csv",
        "params.json",
        "ratings.csv",
        "test.txt",
        "train.txt",
        "truth.csv",
    ]
    assert (
        main(
            [
                "validate",
                str(tmp_path / "c" / "ratings.csv"),
                "--clips",
                str(tmp_path / "c" / "train.txt"),
                "--clips",
                str(tmp_path / "c" / "test.txt"),
            ]
        )
        == 0
    )
    assert "clips: 120" in capsys.readouterr().out
    # refuses to overwrite without --force
    assert main(["simulate", "--out", str(tmp_path / "c"), "--seed", "5", "--n-clips", "120"]) == 2
