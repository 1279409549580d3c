"""The planner says what it measures: "reached" only with the CI, the advice judged on
the stated objective, the quantity and the clips named, and k = 1 checked by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd

from raer_agreement.io.frames import from_long
from raer_agreement.planning import plan
from raer_agreement.planning.plan import _advice, _conclusion


def _per_k(point, low):
    k = np.arange(1, len(point) + 1)
    return pd.DataFrame(
        {
            "k": k,
            "n_ratings": 100 * k,
            "cost_share": k / len(k),
            "n_clips": [100, 100, 90, 80][: len(k)],
            "n_clips_short": [0, 0, 10, 20][: len(k)],
            "agreement_with_full": point,
            "ci_low": low,
            "ci_high": np.minimum(np.array(point) + 0.02, 1),
        }
    )


def test_reached_only_when_the_ci_lower_bound_reaches_the_target():
    t = _per_k([0.90, 0.954, 0.97, 0.99], [0.88, 0.936, 0.951, 0.98])
    text = _conclusion(t, ("accuracy", 0.95), 4)
    assert text.startswith("k=3 votes per clip reach the target accuracy=0.95")
    assert "At k=2 the point estimate reaches it; the 95% CI does not" in text
    assert "agreement with the 4-vote (full-panel) labels" in text
    assert "mean over the 90 clips with at least 3 ratings; 10 with fewer left out" in text
    t = _per_k([0.90, 0.954, 0.96], [0.88, 0.936, 0.94])
    text = _conclusion(t, ("accuracy", 0.95), 3)
    assert "the point estimate reaches" in text and "the 95% CI does not" in text
    assert " reach the target" not in text


def test_advice_judges_strategies_on_the_truth_when_it_is_known():
    t = _per_k([0.9, 0.95, 0.97, 0.99], [0.88, 0.93, 0.95, 0.98])
    rows = []
    for strategy, full, truth in (("uniform", 0.985, 0.992), ("entropy", 0.995, 0.990)):
        for extra, f, tr in ((0, 0.95, 0.97), (100, full, truth)):
            rows.append(
                {
                    "strategy": strategy,
                    "extra_ratings": extra,
                    "n_ratings": 300 + extra,
                    "agreement_with_full": f,
                    "accuracy_vs_truth": tr,
                }
            )
    curve = pd.DataFrame(rows)
    advice = _advice(t, curve, 3, 100, 4, ("accuracy", 0.95))
    # entropy agrees more with the full panel, but is less accurate against the truth
    assert "spend uniformly" in advice and "99.2% accuracy against the truth" in advice
    no_truth = _advice(t, curve.drop(columns="accuracy_vs_truth"), 3, 100, 4)
    assert "(entropy) reaches 99.5% agreement with the 4-vote (full-panel) labels" in no_truth


def _votes(seed=4, n=120, per_clip=5, q=3):
    """Ratings with no tie in any clip's full-panel majority (odd panel, redrawn on ties)."""
    rng = np.random.default_rng(seed)
    rows, majority = [], {}
    for i in range(n):
        truth = rng.integers(q)
        while True:
            labels = np.where(rng.random(per_clip) < 0.7, truth, rng.integers(q, size=per_clip))
            counts = np.bincount(labels, minlength=q)
            if (counts == counts.max()).sum() == 1:
                break
        majority[f"c{i}"] = int(counts.argmax())
        ids = rng.choice(12, per_clip, replace=False)
        rows += [(f"c{i}", f"a{a}", int(lab)) for a, lab in zip(ids, labels)]
    long = pd.DataFrame(rows, columns=["item", "annotator", "label"])
    return long, majority


def test_k1_majority_figure_equals_the_share_of_single_votes_matching_the_full_label():
    long, majority = _votes()
    # by hand: one vote drawn at random matches the full-panel majority with probability
    # (votes for the majority label) / (votes of the clip); averaged over every clip
    matches = long["label"] == long["item"].map(majority)
    by_hand = matches.groupby(long["item"]).mean()
    ann = from_long(long, categories=[0, 1, 2])
    p = plan(ann, method="majority", ks=[1, 2], n_resamples=400, n_boot=50, strategies=())
    row = p.per_k.iloc[0]
    assert row["k"] == 1 and row["n_clips"] == 120
    # Monte-Carlo error of 400 draws per clip over 120 clips: sd about 0.002
    assert abs(row["agreement_with_full"] - by_hand.mean()) < 0.01
    assert "mean over the 120 clips with at least" in p.conclusion
