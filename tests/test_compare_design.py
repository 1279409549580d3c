"""``--compare`` inference for the design at hand: a shared panel or a fresh panel per round.

The simulation is written here, independently of the package: clips have a true class
(shares 0.5, 0.3, 0.2); annotators of a population differ in accuracy (uniform on
0.45-0.95, errors spread evenly over the other classes); each clip is rated by three
annotators of a six-annotator panel.  Both rounds rate the same clips under the same
process, so the true difference is 0: the share of p < 0.05 is the false-positive rate
and the share of 95% intervals holding 0 is the coverage.  With a shared panel the two
rounds are rated by the same six annotators; with fresh panels each round draws six new
annotators, so which annotators were drawn is part of the sampling error.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binomtest

from raer_agreement.io.frames import from_long
from raer_agreement.metrics.compare import compare_agreement, compare_groups, panel_design

COEFS = ["fleiss_kappa", "percent_agreement"]
N_CLIPS, PANEL, PER_CLIP = 150, 6, 3


def rate(rng, truth, accuracy, ids):
    """One round: each clip rated by PER_CLIP annotators of the panel."""
    rows = []
    for clip, t in enumerate(truth):
        for who in rng.choice(len(accuracy), PER_CLIP, replace=False):
            right = rng.random() < accuracy[who]
            label = t if right else (t + rng.integers(1, 3)) % 3
            rows.append((f"c{clip}", ids[who], int(label)))
    long = pd.DataFrame(rows, columns=["item", "annotator", "label"])
    return from_long(long, categories=[0, 1, 2])


def null_pair(rng, fresh):
    truth = rng.choice(3, N_CLIPS, p=[0.5, 0.3, 0.2])
    acc_a = rng.uniform(0.45, 0.95, PANEL)
    acc_b = rng.uniform(0.45, 0.95, PANEL) if fresh else acc_a
    ids_a = [f"a{k}" for k in range(PANEL)]
    ids_b = [f"b{k}" for k in range(PANEL)] if fresh else ids_a
    return rate(rng, truth, acc_a, ids_a), rate(rng, truth, acc_b, ids_b)


def calibration(fresh, reps, seed, **options):
    rng = np.random.default_rng(seed)
    reject = {c: 0 for c in COEFS}
    cover = {c: 0 for c in COEFS}
    for _ in range(reps):
        a, b = null_pair(rng, fresh)
        t = compare_agreement(a, b, coefficients=COEFS, n_boot=200, rng=rng, **options)
        for c in COEFS:
            reject[c] += t.loc[c, "p_value"] < 0.05
            cover[c] += t.loc[c, "ci_low"] <= 0 <= t.loc[c, "ci_high"]
    return reject, cover


REPS = 200


@pytest.mark.parametrize("fresh", [False, True], ids=["shared panel", "fresh panels"])
def test_false_positive_rate_and_coverage(fresh):
    reject, cover = calibration(fresh, REPS, seed=22)
    for c in COEFS:
        # the 5% level lies inside the exact binomial 95% interval of the observed rate
        lo, hi = binomtest(reject[c], REPS).proportion_ci(0.95)
        assert lo <= 0.05 <= hi, (c, reject[c])
        assert cover[c] / REPS >= 0.93, (c, cover[c])


def test_a_clip_only_bootstrap_is_too_liberal_for_fresh_panels():
    # holding the panel fixed when it is not: far more than 5% false positives
    reject, _ = calibration(True, 60, seed=3, design="shared_panel")
    assert reject["fleiss_kappa"] / 60 > 0.2


def test_panel_design_is_detected():
    rng = np.random.default_rng(0)
    a, b = null_pair(rng, fresh=False)
    assert panel_design({"A": a, "B": b})["design"] == "shared_panel"
    a, b = null_pair(rng, fresh=True)
    d = panel_design({"A": a, "B": b})
    assert d["design"] == "separate_panels" and d["n_shared"] == 0
    c = compare_groups({"A": a, "B": b}, coefficients=COEFS, n_boot=20, rng=0)
    assert c.design["design"] == "separate_panels" and c.design["df"] == PANEL - 1
    assert c.to_dict()["design"]["design"] == "separate_panels"


def test_anonymous_votes_withhold_the_p_value():
    rng = np.random.default_rng(1)
    a, b = null_pair(rng, fresh=True)
    t = compare_agreement(a.as_anonymous(), b.as_anonymous(), coefficients=COEFS, n_boot=20, rng=0)
    assert t["p_value"].isna().all() and t["ci_low"].isna().all()
    assert t["difference"].notna().all()
