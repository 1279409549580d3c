"""Comparing agreement between groups or rounds, on simulated data with a known difference.

The simulation model has a closed-form population agreement: every clip has
a true class ``z ~ pi``; with probability ``rho`` it is "easy" and every
annotator gives ``z``, otherwise each annotator draws a label from ``pi`` on
their own.  Pairwise agreement is then ``rho + (1 - rho) S`` with ``S =
sum pi^2`` and the category shares are ``pi``, so the population Fleiss
kappa is exactly ``rho`` and the percent agreement is ``rho + (1 - rho) S``.
Two rounds on the same clips share ``z`` and the uniform draw that decides
easiness (``easy = u < rho``), which makes them strongly correlated.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from raer_agreement.errors import InputError
from raer_agreement.io.frames import from_long, from_matrix
from raer_agreement.metrics.compare import compare_agreement, compare_by, compare_groups

PI = np.array([0.5, 0.2, 0.15, 0.1, 0.05])
S = float((PI**2).sum())


def simulate(rng, rho, n_items=150, n_raters=5, z=None, u=None, prefix="c"):
    z = rng.choice(len(PI), size=n_items, p=PI) if z is None else z
    u = rng.random(n_items) if u is None else u
    easy = u < rho
    labels = np.where(
        easy[:, None], z[:, None], rng.choice(len(PI), size=(n_items, n_raters), p=PI)
    )
    return from_matrix(
        labels,
        categories=list(range(len(PI))),
        item_ids=[f"{prefix}{i}" for i in range(n_items)],
    )


def coverage_run(paired, rho_a, rho_b, reps=80, n_boot=300, seed=0):
    rng = np.random.default_rng(seed)
    cover = {"fleiss_kappa": 0, "percent_agreement": 0}
    reject = 0
    truth = {
        "fleiss_kappa": rho_b - rho_a,
        "percent_agreement": (rho_b - rho_a) * (1 - S),
    }
    for _ in range(reps):
        if paired:
            z = rng.choice(len(PI), size=150, p=PI)
            u = rng.random(150)
            a, b = simulate(rng, rho_a, z=z, u=u), simulate(rng, rho_b, z=z, u=u)
        else:
            a, b = simulate(rng, rho_a), simulate(rng, rho_b, prefix="d")
        t = compare_agreement(a, b, coefficients=list(cover), n_boot=n_boot, rng=rng)
        assert bool(t["paired"].iloc[0]) is paired
        for k in cover:
            cover[k] += t.loc[k, "ci_low"] <= truth[k] <= t.loc[k, "ci_high"]
        reject += t.loc["fleiss_kappa", "p_value"] < 0.05
    return {k: v / reps for k, v in cover.items()}, reject / reps


# 80 replicates: a true 95% coverage falls below 0.875 with probability < 0.5%
@pytest.mark.parametrize("paired", [False, True])
def test_ci_covers_a_known_difference(paired):
    cover, power = coverage_run(paired, 0.45, 0.65)
    for k, c in cover.items():
        assert 0.875 <= c <= 1.0, (k, c)
    assert power >= 0.8  # a difference of 0.2 in kappa is found


@pytest.mark.parametrize("paired", [False, True])
def test_type_one_error_under_no_difference(paired):
    cover, reject = coverage_run(paired, 0.5, 0.5, seed=1)
    # 80 replicates at a true 5% rate: more than 11 rejections has probability < 0.5%
    assert reject <= 11 / 80
    assert cover["fleiss_kappa"] >= 0.875


def test_pairing_narrows_the_interval_and_is_detected():
    rng = np.random.default_rng(3)
    z, u = rng.choice(len(PI), size=200, p=PI), rng.random(200)
    a, b = simulate(rng, 0.5, 200, z=z, u=u), simulate(rng, 0.6, 200, z=z, u=u)
    p = compare_agreement(a, b, coefficients=["fleiss_kappa"], n_boot=500, rng=0)
    i = compare_agreement(a, b, coefficients=["fleiss_kappa"], n_boot=500, rng=0, paired=False)
    assert p.loc["fleiss_kappa", "paired"] and p.loc["fleiss_kappa", "n_common"] == 200
    width = lambda t: t.loc["fleiss_kappa", "ci_high"] - t.loc["fleiss_kappa", "ci_low"]  # noqa: E731
    assert width(p) < 0.7 * width(i)


def test_estimates_equal_the_single_table_values():
    from raer_agreement.metrics import agreement_table

    rng = np.random.default_rng(4)
    a, b = simulate(rng, 0.3), simulate(rng, 0.6)
    t = compare_agreement(a, b, n_boot=50, rng=0)
    for x, col in ((a, "estimate_a"), (b, "estimate_b")):
        ref = agreement_table(x, n_boot=0).set_index("coefficient")["estimate"]
        np.testing.assert_allclose(t.loc[ref.index, col], ref)
    np.testing.assert_allclose(t["difference"], t["estimate_b"] - t["estimate_a"])


def test_overall_test_across_groups():
    rng = np.random.default_rng(5)
    # three independent groups: equal agreement, then one group clearly lower
    same = {g: simulate(rng, 0.5, prefix=g) for g in "xyz"}
    rejections = 0
    for seed in range(30):
        r = np.random.default_rng(100 + seed)
        groups = {g: simulate(r, 0.5, prefix=g) for g in "xyz"}
        c = compare_groups(groups, coefficients=["fleiss_kappa"], n_boot=200, rng=seed)
        rejections += c.overall.loc[0, "p_value"] < 0.05
    assert rejections <= 5  # 30 draws at 5%: more than 5 has probability < 2%
    diff = dict(same, z=simulate(rng, 0.2, prefix="z"))
    c = compare_groups(diff, coefficients=["fleiss_kappa"], n_boot=300, rng=0)
    o = c.overall.iloc[0]
    assert o["df"] == 2 and o["p_value"] < 0.001 and not c.paired
    assert len(c.pairwise) == 3


def test_overall_wald_equals_z_squared_for_two_groups():
    rng = np.random.default_rng(6)
    a, b = simulate(rng, 0.4), simulate(rng, 0.6, prefix="d")
    c = compare_groups({"a": a, "b": b}, coefficients=["fleiss_kappa"], n_boot=400, rng=0)
    pw, o = c.pairwise.iloc[0], c.overall.iloc[0]
    np.testing.assert_allclose(o["chi2"], (pw["difference"] / pw["se"]) ** 2, rtol=1e-9)


def test_compare_by_metadata_column():
    rng = np.random.default_rng(7)
    a, b = simulate(rng, 0.3, 100, prefix="a"), simulate(rng, 0.8, 100, prefix="b")
    long = pd.concat([a.to_long(), b.to_long()])
    ann = from_long(long, item_col="item_id", annotator_col="annotator_id")
    env = pd.DataFrame({"env": ["lab"] * 100 + ["dorm"] * 100}, index=a.item_ids + b.item_ids)
    c = compare_by(ann.with_items(env), "env", coefficients=["fleiss_kappa"], n_boot=200, rng=0)
    assert list(c.estimates.index) == ["lab", "dorm"]
    assert c.pairwise.loc[0, "difference"] > 0.3 and c.pairwise.loc[0, "p_value"] < 0.01


def test_errors():
    a = from_matrix([[1, 1], [2, 2]], categories=[1, 2])
    b = from_matrix([[1, 1], [2, 3]], categories=[1, 2, 3])
    with pytest.raises(InputError, match="same categories"):
        compare_agreement(a, b, n_boot=10)
    with pytest.raises(ValueError, match="two or more"):
        compare_groups({"a": a})
    c = from_matrix([[1, 1], [2, 2]], categories=[1, 2], item_ids=["p", "q"])
    with pytest.raises(InputError, match="paired comparison needs"):
        compare_agreement(a, c, paired=True, n_boot=10)
    with pytest.raises(InputError, match="no item metadata column"):
        compare_by(a, "env")
