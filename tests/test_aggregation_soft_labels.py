"""Soft labels, evaluation and the review queue."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from raer_agreement.aggregation import (
    DawidSkene,
    HierarchicalDawidSkene,
    MajorityVote,
    coarse_from_fine,
    confidence_table,
    evaluate,
    model_soft_labels,
    review_queue,
    soft_labels,
    vote_distribution,
)
from raer_agreement.aggregation.soft_labels import apply_temperature
from raer_agreement.simulate import SimulationParams, simulate_corpus

DF = pd.DataFrame(
    {
        "item": ["c1"] * 4 + ["c2"] * 2 + ["c3"],
        "annotator": list("abcdabc"),
        "label": ["x", "x", "x", "y", "y", "z", "z"],
    }
)


def test_vote_distribution_smoothing_and_min_votes():
    s = vote_distribution(DF)
    assert s.classes == ("x", "y", "z")
    np.testing.assert_allclose(s.probs[0], [0.75, 0.25, 0.0])
    sm = vote_distribution(DF, alpha=1.0, min_votes=2)
    assert sm.clip_ids.tolist() == ["c1", "c2"]
    np.testing.assert_allclose(sm.probs[0], [4 / 7, 2 / 7, 1 / 7])
    assert sm.params["n_clips_left_out"] == 1
    np.testing.assert_array_equal(sm.counts[0], [3, 1, 0])


def test_temperature():
    p = np.array([[0.7, 0.2, 0.1]])
    assert apply_temperature(p, 1.0) is p
    flat = apply_temperature(p, 1e6)
    np.testing.assert_allclose(flat, 1 / 3, atol=1e-5)
    sharp = apply_temperature(p, 0.01)
    assert sharp[0, 0] > 0.999
    with pytest.raises(ValueError):
        apply_temperature(p, 0)


def test_model_soft_labels_use_estimator_labels():
    s = soft_labels(DF, method="majority", seed=0)
    np.testing.assert_allclose(s.probs.sum(axis=1), 1.0)
    assert s.method == "majority" and s.seed == 0
    with pytest.raises(ValueError, match="alpha"):
        soft_labels(DF, method="dawid-skene", alpha=1.0)


def test_coarse_targets_are_marginalised_fine_targets():
    c = simulate_corpus(SimulationParams.scaled(300), seed=2)
    ann = c.annotations
    fine = vote_distribution(ann, "fine")
    coarse = coarse_from_fine(fine, ann)
    mapping = ann.taxonomy.mapping("fine", "coarse")
    assert coarse.scheme == "coarse" and coarse.classes == ann.categories("coarse")
    expected = np.zeros((len(fine.clip_ids), 5))
    for f, p in enumerate(mapping):
        expected[:, p] += fine.probs[:, f]
    np.testing.assert_allclose(coarse.probs, expected)
    h = HierarchicalDawidSkene().fit(ann)
    hs = model_soft_labels(h, ann, "fine", fitted=True)
    np.testing.assert_allclose(
        coarse_from_fine(hs, ann).probs,
        h.posteriors_by_scheme_["coarse"].reindex(hs.clip_ids).to_numpy(),
        atol=1e-12,
    )


def test_evaluate_uar_war_against_hand_counts():
    pred = pd.Series(["a", "a", "b", "c", None], index=list("12345"))
    gold = pd.Series(["a", "b", "b", "c", "c"], index=list("12345"))
    e = evaluate(pred, gold, classes=["a", "b", "c", "d"])
    assert e.accuracy == pytest.approx(3 / 5) and e.war == pytest.approx(3 / 5)
    # recalls: a 1/1, b 1/2, c 1/2, d undefined
    assert e.uar == pytest.approx((1 + 0.5 + 0.5) / 3)
    assert np.isnan(e.recall["d"])
    assert e.n_unresolved == 1 and e.confusion.loc["c", "<unresolved>"] == 1
    assert "UAR" in e.summary()
    with pytest.raises(ValueError, match="no item"):
        evaluate(pred, pd.Series(["a"], index=["zz"]))


def test_confidence_and_review_queue():
    mv = MajorityVote(tie_break="unresolved").fit(DF)
    ds = DawidSkene().fit(DF)
    t = confidence_table(ds.posteriors_)
    assert ((t["confidence"] >= 1 / 3) & (t["confidence"] <= 1)).all()
    q = review_queue({"mv": mv, "ds": ds}, min_confidence=0.6)
    assert "c2" in q.index  # a tie: unresolved by MV, low confidence
    assert (
        q.loc["c2", "reason"].startswith("disagreement")
        or "low confidence" in q.loc["c2", "reason"]
    )
    assert "c1" not in review_queue({"mv": mv}, min_confidence=0.5).index
