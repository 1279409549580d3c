"""Annotator triage: spam scores, traces, entropy filtering and exclusion.

References: Raykar & Yu (2012), JMLR 13, 491-518 (for two classes the spammer
score is ``(sensitivity + specificity - 1)^2``, their eq. for the binary
case; in general the squared Frobenius distance of the confusion matrix to
the nearest rank-one matrix ``e u^T``, scaled to [0, 1]); crowd-kit's
``uncertainty`` / ``entropy_threshold`` run side by side; the known truth
of the bundled simulated corpus (``data/sample/annotators.csv``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from raer_agreement import Annotations
from raer_agreement.aggregation import MajorityVote
from raer_agreement.aggregation.triage import (
    annotator_entropy,
    annotator_triage,
    confusion_traces,
    drop_spammers,
    exclude_annotators,
    exclusion_effect,
    low_entropy,
    spam_scores,
)
from raer_agreement.errors import InputError
from raer_agreement.io.frames import from_long
from raer_agreement.metrics import agreement_table


def random_confusions(rng, n, k):
    return rng.dirichlet(np.ones(k), size=(n, k))


def test_binary_spam_score_is_raykar_yu_closed_form():
    rng = np.random.default_rng(1)
    sens, spec = rng.uniform(0, 1, 50), rng.uniform(0, 1, 50)
    # rows = true class (negative, positive), columns = vote
    A = np.stack([[[b, 1 - b], [1 - a, a]] for a, b in zip(sens, spec)])
    np.testing.assert_allclose(spam_scores(A), (sens + spec - 1) ** 2, rtol=1e-12)


def test_spam_score_is_scaled_distance_to_nearest_rank_one_matrix():
    # min over u (sum u = 1) of ||A - e u^T||_F^2, solved as least squares per column,
    # divided by (K - 1) (Raykar & Yu 2012, sec. 3)
    rng = np.random.default_rng(2)
    for k in (2, 3, 5):
        A = random_confusions(rng, 20, k)
        e = np.ones((k, 1))
        dist = []
        for a in A:
            u, *_ = np.linalg.lstsq(e, a, rcond=None)  # column means; they sum to 1
            dist.append(((a - e @ u) ** 2).sum())
        np.testing.assert_allclose(spam_scores(A), np.array(dist) / (k - 1), rtol=1e-10)


def test_spam_score_pairwise_form_as_documented_by_peerannot():
    # peerannot's docstring: 1 / (K (K-1)) * sum_{k < k'} sum_l (A[k, l] - A[k', l])^2
    rng = np.random.default_rng(3)
    A = random_confusions(rng, 10, 4)
    ref = [
        sum(((a[i] - a[j]) ** 2).sum() for i in range(4) for j in range(i + 1, 4)) / 12 for a in A
    ]
    np.testing.assert_allclose(spam_scores(A), ref, rtol=1e-12)


def test_traces():
    rng = np.random.default_rng(4)
    A = random_confusions(rng, 5, 3)
    np.testing.assert_allclose(confusion_traces(A), [np.trace(a) for a in A])


def crowd_frame(ann, scheme):
    df = ann.to_crowdkit(scheme)
    df["label"] = df["label"].astype(str)
    return df


@pytest.fixture(scope="module")
def sample():
    from raer_agreement.simulate import load_sample

    return load_sample()


@pytest.mark.filterwarnings("ignore")  # crowd-kit's own pandas deprecation warnings
def test_entropy_matches_crowdkit(sample):
    uncertainty = pytest.importorskip("crowdkit.metrics.data").uncertainty
    df = crowd_frame(sample, "coarse")
    ref = uncertainty(df, compute_by="worker", aggregate=False)
    ours = annotator_entropy(sample, "coarse")
    np.testing.assert_allclose(ours.loc[ref.index].to_numpy(), ref.to_numpy(), rtol=1e-10)


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("percentile", [10, 30])
def test_low_entropy_flags_what_crowdkit_filters(sample, percentile):
    entropy_threshold = pytest.importorskip("crowdkit.postprocessing").entropy_threshold
    df = crowd_frame(sample, "coarse")
    kept = set(entropy_threshold(df, percentile=percentile, min_answers=2)["worker"])
    t = annotator_triage(sample, "coarse", entropy_percentile=percentile)
    assert set(t.index[t["low_entropy"]]) == set(sample.annotator_ids) - kept


@pytest.mark.parametrize("scheme", ["coarse", "fine"])
def test_bundled_corpus_flags_the_near_random_annotator(sample, scheme):
    from importlib.resources import files

    truth = pd.read_csv(files("raer_agreement") / "data" / "sample" / "annotators.csv")
    random_ones = set(truth.loc[truth["kind"] == "spammer", "annotator_id"])
    t = annotator_triage(sample, scheme)
    assert set(t.index[t["spammer"]]) == random_ones
    # and it has the lowest spam score and the lowest trace by a margin
    assert t["spam_score"].idxmin() in random_ones and t["trace"].idxmin() in random_ones


def test_simulated_pure_guesser_is_scored_near_zero():
    rng = np.random.default_rng(5)
    n, k = 600, 4
    z = rng.integers(0, k, n)
    rows = []
    for a in range(6):
        good = a < 5
        lab = (
            np.where(rng.random(n) < 0.8, z, rng.integers(0, k, n))
            if good
            else rng.integers(0, k, n)
        )
        rows += [(i, f"w{a}", int(lab[i])) for i in range(n)]
    df = pd.DataFrame(rows, columns=["item", "annotator", "label"])
    t = annotator_triage(df)
    assert t.loc["w5", "spam_score"] < 0.02
    # the others: A = 0.8 I + 0.2/k: spam score = 0.8^2 = 0.64 (Raykar & Yu, known truth)
    np.testing.assert_allclose(t.loc[[f"w{a}" for a in range(5)], "spam_score"], 0.64, atol=0.06)
    assert t.index[t["spammer"]].tolist() == ["w5"]


def long_frame():
    return pd.DataFrame(
        {
            "item": ["1"] * 5 + ["2"] * 5 + ["3"] * 2,
            "annotator": list("abcde") * 2 + ["d", "e"],
            "label": list("xxyyy") + list("xxxyy") + ["y", "x"],
        }
    )


def test_exclusion_is_counted_in_the_ledger():
    ann = from_long(long_frame())
    sub = exclude_annotators(ann, ["d", "e"])
    led = sub.ledger
    assert led.rows_read == 12 and led.rows_dropped == 6 and led.rows_used == 6 == sub.n_ratings
    assert led.dropped_by_reason == {"excluded_annotator": 6}
    assert "d, e" in led.to_dict()["dropped"][0]["detail"]
    assert sub.n_annotators == 3 and sub.n_items == 2  # clip 3 lost every rating


def test_exclusion_errors():
    ann = from_long(long_frame())
    with pytest.raises(InputError, match="no annotator 'zz'.*annotators: a, b, c, d, e"):
        exclude_annotators(ann, ["zz"])
    anon = Annotations.from_counts([[2, 1], [0, 3]])
    with pytest.raises(InputError, match="needs annotator identities"):
        exclude_annotators(anon, ["vote_1"])
    with pytest.raises(InputError, match="anonymous"):
        annotator_triage(anon)
    with pytest.raises(InputError, match="between 0 and 1"):
        drop_spammers(ann, 1.5)


def test_exclusion_effect_against_an_independent_path():
    df = long_frame()
    ann = from_long(df)
    eff = exclusion_effect(ann, ["d", "e"])
    # independent: load the ratings without d and e from the start
    ref = from_long(df[~df["annotator"].isin(["d", "e"])])
    with np.errstate(all="ignore"):
        t = agreement_table(ref, n_boot=0, coefficients=["krippendorff_alpha", "gwet_ac1"])
    after = t.set_index("coefficient")["estimate"]
    np.testing.assert_allclose(eff.coefficients.loc[after.index, "after"], after)
    # majority vote by hand: clip 1 y -> x, clip 2 x -> x, clip 3 tie -> no rating left
    mv = MajorityVote(tie_break="unresolved").fit_predict(ann)
    assert pd.isna(mv["3"])
    assert eff.labels_changed["item_id"].tolist() == ["1"]
    assert eff.ratings_removed == 6
    doc = eff.to_dict()
    assert doc["n_labels_changed"] == 1 and set(doc["coefficients"]) == {
        "krippendorff_alpha",
        "gwet_ac1",
    }


def test_drop_spammers_on_the_bundled_corpus(sample):
    sub, ids = drop_spammers(sample, 0.1, "coarse")
    assert ids == ["A05"]
    assert sub.ledger.dropped_by_reason["spammer"] == int((np.asarray(sample.annotator) == 4).sum())
    eff = exclusion_effect(sample, ids, "coarse")
    # dropping the near-random annotator raises agreement
    assert (eff.coefficients["change"] > 0).all()


def test_low_entropy_ignores_annotators_with_few_answers():
    e = pd.Series([0.0, 0.5, 0.9, 1.0], index=list("abcd"))
    assert low_entropy(e, [1, 5, 5, 5], percentile=10, min_answers=2).tolist() == [
        False,
        True,
        False,
        False,
    ]


def test_triage_document_for_the_report(sample):
    import json

    from raer_agreement.aggregation.triage import triage_document

    kept = exclude_annotators(sample, ["A05"])
    from importlib.resources import files

    truth = pd.read_csv(files("raer_agreement") / "data" / "sample" / "truth.csv", dtype=str)
    truth = truth.set_index("clip_id")["coarse"]
    doc = triage_document(kept, "coarse", original=sample, excluded=["A05"], gold=truth)
    json.dumps(doc, allow_nan=False)
    ex = doc["exclusion"]
    assert ex["hypothetical"] is False and ex["excluded"] == ["A05"]
    assert ex["ratings_removed"] == int((np.asarray(sample.annotator) == 4).sum())
    assert doc["flagged"] == []  # the spammer is gone
    assert {r["annotator_id"] for r in doc["gold_accuracy"]} == set(kept.annotator_ids)
    # without exclusion the flagged annotator's removal is shown as a what-if
    what_if = triage_document(sample, "coarse")
    assert what_if["flagged"] == ["A05"] and what_if["exclusion"]["hypothetical"] is True
    assert what_if["exclusion"]["coefficients"]["gwet_ac1"]["after"] == pytest.approx(
        ex["coefficients"]["gwet_ac1"]["after"]
    )
