"""Majority vote tie policies, weights, Wawa."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from raer_agreement.aggregation import MajorityVote, Wawa

TIED = pd.DataFrame(
    {
        "item": ["t"] * 4 + ["u"] * 3,
        "annotator": list("abcdabc"),
        "label": ["y", "y", "z", "z", "x", "x", "z"],
    }
)


def test_tie_policies_are_applied_and_recorded():
    lowest = MajorityVote(tie_break="lowest").fit(TIED)
    assert lowest.labels_.tolist() == ["y", "x"] and lowest.ties_.tolist() == [True, False]
    assert lowest.tie_break_ == "lowest" and lowest.n_ties_ == 1
    unres = MajorityVote(tie_break="unresolved").fit(TIED)
    assert unres.labels_.isna().tolist() == [True, False]
    prior = MajorityVote(tie_break="prior", prior=[0.1, 0.2, 0.7]).fit(TIED)
    assert prior.labels_["t"] == "z"
    np.testing.assert_allclose(prior.posteriors_.loc["t"].to_numpy(), [0, 0.5, 0.5])


def test_random_ties_are_seeded_and_uniform():
    df = pd.DataFrame(
        {
            "item": np.repeat(np.arange(2000).astype(str), 2),
            "annotator": ["a", "b"] * 2000,
            "label": ["x", "y"] * 2000,
        }
    )
    a = MajorityVote(random_state=5).fit_predict(df)
    b = MajorityVote(random_state=5).fit_predict(df)
    assert a.equals(b)
    share = (a == "x").mean()
    assert 0.45 < share < 0.55  # ~N(0.5, 0.011)


def test_weights_change_the_vote():
    mv = MajorityVote(weights={"a": 3.0, "b": 1.0, "c": 1.0, "d": 1.0}, tie_break="unresolved").fit(
        TIED
    )
    assert mv.labels_["t"] == "y"
    with pytest.raises(ValueError, match="lack annotator"):
        MajorityVote(weights={"a": 1.0}).fit(TIED)
    with pytest.raises(ValueError, match="tie_break"):
        MajorityVote(tie_break="coin").fit(TIED)


def test_wawa_downweights_disagreeing_annotator():
    rng = np.random.default_rng(0)
    n = 300
    z = rng.integers(0, 3, n)
    rows = []
    for i in range(n):
        for a, acc in (("good1", 0.9), ("good2", 0.85), ("good3", 0.8), ("bad", 0.2)):
            lab = z[i] if rng.random() < acc else (z[i] + rng.integers(1, 3)) % 3
            rows.append((str(i), a, str(lab)))
    df = pd.DataFrame(rows, columns=["item", "annotator", "label"])
    w = Wawa(tie_break="lowest").fit(df)
    assert w.skills_["bad"] < 0.5 < w.skills_["good3"]
    truth = pd.Series(z.astype(str), index=[str(i) for i in range(n)])
    acc_w = (w.labels_.astype(str) == truth).mean()
    acc_mv = (MajorityVote(tie_break="lowest").fit_predict(df).astype(str) == truth).mean()
    assert acc_w >= acc_mv
