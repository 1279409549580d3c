"""Agreement with the peers (statsmodels, krippendorff) on random data."""

from __future__ import annotations

import warnings

import krippendorff
import numpy as np
import pytest
from statsmodels.stats import inter_rater as ir

from raer_agreement.io.frames import from_long, from_matrix
from raer_agreement.metrics import (
    agreement_table,
    cohen_kappa,
    fleiss_kappa,
    krippendorff_alpha,
    pairwise_cohen,
    percent_agreement,
)


def random_matrix(seed, n_items=60, n_raters=5, q=4, missing=0.0, skew=False):
    rng = np.random.default_rng(seed)
    p = np.array([0.6] + [0.4 / (q - 1)] * (q - 1)) if skew else np.ones(q) / q
    truth = rng.choice(q, size=n_items, p=p)
    noise = rng.random((n_items, n_raters)) < 0.35
    m = np.where(noise, rng.choice(q, size=(n_items, n_raters), p=p), truth[:, None]).astype(float)
    if missing:
        m[rng.random(m.shape) < missing] = np.nan
    return m


def ann_of(m, q):
    return from_matrix(m, categories=list(range(q)))


@pytest.mark.parametrize("seed", range(5))
def test_fleiss_equals_statsmodels(seed):
    q = 4
    m = random_matrix(seed, q=q, skew=seed % 2 == 1)
    counts, _ = ir.aggregate_raters(m.astype(int), n_cat=q)
    ann = ann_of(m, q)
    assert np.array_equal(ann.counts(), counts)
    assert fleiss_kappa(ann)["estimate"] == pytest.approx(
        ir.fleiss_kappa(counts, method="fleiss"), abs=1e-12
    )
    assert agreement_table(ann, n_boot=0).set_index("coefficient").loc[
        "randolph_kappa", "estimate"
    ] == pytest.approx(ir.fleiss_kappa(counts, method="randolph"), abs=1e-12)


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("weights", [None, "linear", "quadratic"])
def test_cohen_equals_statsmodels(seed, weights):
    q = 4
    m = random_matrix(seed, n_raters=2, q=q)
    ann = ann_of(m, q)
    table = np.zeros((q, q))
    np.add.at(table, (m[:, 0].astype(int), m[:, 1].astype(int)), 1)
    wt = {None: None, "linear": "linear", "quadratic": "quadratic"}[weights]
    ref = ir.cohens_kappa(table, wt=wt)
    ours = cohen_kappa(ann, weights=weights)
    assert ours["estimate"] == pytest.approx(ref.kappa, abs=1e-12)
    if weights is None:
        # statsmodels' asymptotic SEs are the Fleiss-Cohen-Everitt ones (unweighted case)
        assert ours["se"] == pytest.approx(ref.std_kappa, rel=1e-9)
        assert ours["se_h0"] == pytest.approx(ref.std_kappa0, rel=1e-9)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_alpha_equals_krippendorff(seed, level):
    q = 5
    m = random_matrix(seed, n_items=80, n_raters=6, q=q, missing=0.3, skew=True)
    ann = ann_of(m, q)
    # categories are the numbers 0..q-1, which are also the values of the interval/ratio metrics
    ref = krippendorff.alpha(
        reliability_data=m.T, value_domain=np.arange(q), level_of_measurement=level
    )
    assert krippendorff_alpha(ann, level=level)["estimate"] == pytest.approx(ref, abs=1e-12)


def test_alpha_keeps_unused_categories_for_ordinal():
    # category 3 (of 1..5) never used: the ordinal metric still counts it
    m = np.array([[1, 1, 2], [2, 2, 2], [4, 5, 4], [5, 5, 4], [1, 2, 1]], dtype=float)
    ann = from_matrix(m, categories=[1, 2, 3, 4, 5])
    for level in ("ordinal", "interval", "nominal"):
        ref = krippendorff.alpha(
            reliability_data=m.T, value_domain=[1, 2, 3, 4, 5], level_of_measurement=level
        )
        assert krippendorff_alpha(ann, level=level)["estimate"] == pytest.approx(ref, abs=1e-12)


@pytest.mark.parametrize("seed", range(3))
def test_pairwise_cohen_equals_statsmodels_with_missing(seed):
    q = 3
    m = random_matrix(seed, n_items=50, n_raters=4, q=q, missing=0.2)
    ann = ann_of(m, q)
    pw = pairwise_cohen(ann).set_index(["annotator_a", "annotator_b"])
    for a in range(4):
        for b in range(a + 1, 4):
            both = ~np.isnan(m[:, a]) & ~np.isnan(m[:, b])
            t = np.zeros((q, q))
            np.add.at(t, (m[both, a].astype(int), m[both, b].astype(int)), 1)
            assert pw.loc[(str(a + 1), str(b + 1)), "estimate"] == pytest.approx(
                ir.cohens_kappa(t).kappa, abs=1e-12
            )


def test_percent_agreement_complete_data_matches_definition():
    # with complete data, percent agreement is the mean share of agreeing pairs
    m = random_matrix(3, n_items=40, n_raters=4, q=3)
    counts, _ = ir.aggregate_raters(m.astype(int), n_cat=3)
    r = 4
    expected = np.mean((counts * (counts - 1)).sum(1) / (r * (r - 1)))
    assert percent_agreement(ann_of(m, 3))["estimate"] == pytest.approx(expected, abs=1e-12)


def test_real_dataset_alpha(shared_dir):
    """A public crowd data set: alpha equals the krippendorff package."""
    import pandas as pd

    df = pd.read_csv(shared_dir / "datasets" / "bluebirds" / "labels.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ann = from_long(df, item_col="item", annotator_col="annotator", label_cols=["label"])
    counts = ann.counts()
    ref = krippendorff.alpha(
        value_counts=counts, value_domain=np.arange(counts.shape[1]), level_of_measurement="nominal"
    )
    assert krippendorff_alpha(ann)["estimate"] == pytest.approx(ref, abs=1e-12)


# ------------------------------------------------ per class / per annotator
@pytest.mark.parametrize("seed", range(3))
def test_one_vs_rest_alpha_equals_krippendorff_on_binary_recoding(seed):
    from raer_agreement.metrics import per_class_agreement

    q = 4
    m = random_matrix(seed, n_items=70, n_raters=5, q=q, missing=0.25, skew=True)
    pc = per_class_agreement(ann_of(m, q))
    for k in range(q):
        binary = np.where(np.isnan(m), np.nan, (m == k).astype(float))
        ref = krippendorff.alpha(
            reliability_data=binary.T, value_domain=[0, 1], level_of_measurement="nominal"
        )
        assert pc["alpha_one_vs_rest"].iloc[k] == pytest.approx(ref, abs=1e-12)


def test_specific_agreement_two_raters_is_2a_over_2a_b_c():
    from raer_agreement.metrics import per_class_agreement

    m = random_matrix(4, n_items=60, n_raters=2, q=3)
    pc = per_class_agreement(ann_of(m, 3))
    for k in range(3):
        a = np.sum((m[:, 0] == k) & (m[:, 1] == k))
        bc = np.sum((m[:, 0] == k) != (m[:, 1] == k))
        assert pc["specific_agreement"].iloc[k] == pytest.approx(2 * a / (2 * a + bc), abs=1e-12)


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval"])
def test_leave_one_annotator_out_alpha_equals_krippendorff(level):
    from raer_agreement.metrics import per_annotator_agreement

    q = 4
    m = random_matrix(8, n_items=50, n_raters=5, q=q, missing=0.2, skew=True)
    pa = per_annotator_agreement(ann_of(m, q), level=level)
    full = krippendorff.alpha(
        reliability_data=m.T, value_domain=np.arange(q), level_of_measurement=level
    )
    for a in range(5):
        rest = np.delete(m, a, axis=1)
        ref = krippendorff.alpha(
            reliability_data=rest.T, value_domain=np.arange(q), level_of_measurement=level
        )
        assert pa["alpha_without"].iloc[a] == pytest.approx(ref, abs=1e-12)
        assert pa["alpha_influence"].iloc[a] == pytest.approx(ref - full, abs=1e-12)


def test_kappa_vs_consensus_with_one_other_annotator_is_cohen():
    from raer_agreement.metrics import per_annotator_agreement

    q = 3
    m = random_matrix(9, n_items=80, n_raters=2, q=q)
    table = np.zeros((q, q))
    np.add.at(table, (m[:, 0].astype(int), m[:, 1].astype(int)), 1)
    pa = per_annotator_agreement(ann_of(m, q))
    assert pa["kappa_vs_consensus"].iloc[0] == pytest.approx(
        ir.cohens_kappa(table).kappa, abs=1e-12
    )
    assert pa["kappa_vs_consensus"].iloc[1] == pytest.approx(
        ir.cohens_kappa(table.T).kappa, abs=1e-12
    )
