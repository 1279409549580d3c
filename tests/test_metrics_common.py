"""One battery of properties over every agreement coefficient.

Invariances (row order, annotator and item relabelling, class relabelling
for nominal coefficients), perfect agreement, bounds, degenerate data, and
the vectorised bootstrap against a plain loop.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from raer_agreement import Annotations, DegenerateDataWarning, Taxonomy
from raer_agreement.io.frames import from_matrix
from raer_agreement.metrics import (
    COEFFICIENTS,
    agreement_table,
    brennan_prediger,
    cohen_kappa,
    conger_kappa,
    fleiss_kappa,
    gwet_ac1,
    gwet_ac2,
    krippendorff_alpha,
    light_kappa,
    percent_agreement,
    randolph_kappa,
    scott_pi,
)
from raer_agreement.metrics._sufficient import sufficient
from raer_agreement.metrics.bootstrap import bootstrap_replicates, resample_weights
from raer_agreement.metrics.coefficients import Engine

#: name -> (function of Annotations returning the result Series, nominal?)
MULTI = {
    "percent_agreement": (percent_agreement, True),
    "fleiss_kappa": (fleiss_kappa, True),
    "randolph_kappa": (randolph_kappa, True),
    "brennan_prediger": (brennan_prediger, True),
    "conger_kappa": (conger_kappa, True),
    "gwet_ac1": (gwet_ac1, True),
    "krippendorff_alpha": (krippendorff_alpha, True),
    "mean_cohen_kappa": (light_kappa, True),
    "krippendorff_alpha_ordinal": (lambda a: krippendorff_alpha(a, level="ordinal"), False),
    "krippendorff_alpha_interval": (lambda a: krippendorff_alpha(a, level="interval"), False),
    "gwet_ac2_quadratic": (gwet_ac2, False),
    "fleiss_kappa_linear": (lambda a: fleiss_kappa(a, weights="linear"), False),
    "conger_kappa_quadratic": (lambda a: conger_kappa(a, weights="quadratic"), False),
    "percent_agreement_linear": (lambda a: percent_agreement(a, weights="linear"), False),
}
TWO = {"cohen_kappa": cohen_kappa, "scott_pi": scott_pi}
#: defined (= 1) when every rating is the same category: their chance agreement is not total
DEFINED_ON_ONE_CATEGORY = {
    "percent_agreement",
    "randolph_kappa",
    "brennan_prediger",
    "gwet_ac1",
    "gwet_ac2_quadratic",
    "percent_agreement_linear",
}


def build(item, annotator, label, q, n_items=None, n_annotators=None):
    n_items = n_items or int(max(item) + 1)
    n_annotators = n_annotators or int(max(annotator) + 1)
    tax = Taxonomy.from_categories({"label": [f"c{k}" for k in range(q)]})
    return Annotations(
        item,
        annotator,
        {"label": label},
        [f"i{i}" for i in range(n_items)],
        [f"a{a}" for a in range(n_annotators)],
        tax,
    )


@st.composite
def ratings(draw, max_annotators=5):
    q = draw(st.integers(2, 4))
    n_items = draw(st.integers(2, 12))
    n_ann = draw(st.integers(2, max_annotators))
    cells = [(i, a) for i in range(n_items) for a in range(n_ann)]
    keep = draw(st.lists(st.booleans(), min_size=len(cells), max_size=len(cells)))
    cells = [c for c, k in zip(cells, keep) if k] or cells[:2]
    labels = draw(st.lists(st.integers(0, q - 1), min_size=len(cells), max_size=len(cells)))
    item = np.array([c[0] for c in cells])
    ann = np.array([c[1] for c in cells])
    return item, ann, np.array(labels), q, n_items, n_ann


def estimate(fn, a):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateDataWarning)
        return float(fn(a)["estimate"])


def same(x, y):
    return (np.isnan(x) and np.isnan(y)) or abs(x - y) <= 1e-9


SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("name", sorted(MULTI))
@SETTINGS
@given(data=ratings(), perm_seed=st.integers(0, 2**16))
def test_invariant_to_row_order_and_relabelling(name, data, perm_seed):
    fn, nominal = MULTI[name]
    item, an, lab, q, n_items, n_ann = data
    base = estimate(fn, build(item, an, lab, q, n_items, n_ann))
    rng = np.random.default_rng(perm_seed)
    rows = rng.permutation(len(item))
    assert same(estimate(fn, build(item[rows], an[rows], lab[rows], q, n_items, n_ann)), base), (
        "row order"
    )
    ip = rng.permutation(n_items)
    assert same(estimate(fn, build(ip[item], an, lab, q, n_items, n_ann)), base), "item relabelling"
    ap = rng.permutation(n_ann)
    assert same(estimate(fn, build(item, ap[an], lab, q, n_items, n_ann)), base), (
        "annotator relabelling"
    )
    if nominal:
        cp = rng.permutation(q)
        assert same(estimate(fn, build(item, an, cp[lab], q, n_items, n_ann)), base), (
            "class relabelling"
        )


@pytest.mark.parametrize("name", sorted(TWO))
@SETTINGS
@given(data=ratings(max_annotators=2), perm_seed=st.integers(0, 2**16))
def test_two_rater_invariances(name, data, perm_seed):
    fn = TWO[name]
    item, an, lab, q, n_items, n_ann = data
    if n_ann != 2:
        return
    base = estimate(fn, build(item, an, lab, q, n_items, 2))
    rng = np.random.default_rng(perm_seed)
    rows = rng.permutation(len(item))
    assert same(estimate(fn, build(item[rows], an[rows], lab[rows], q, n_items, 2)), base)
    ip = rng.permutation(n_items)
    assert same(estimate(fn, build(ip[item], an, lab, q, n_items, 2)), base)
    assert same(estimate(fn, build(item, 1 - an, lab, q, n_items, 2)), base), "swapping the raters"
    cp = rng.permutation(q)
    assert same(estimate(fn, build(item, an, cp[lab], q, n_items, 2)), base)


@pytest.mark.parametrize("name", sorted(MULTI) + sorted(TWO))
def test_perfect_agreement_gives_one(name):
    fn = MULTI[name][0] if name in MULTI else TWO[name]
    n_ann = 2 if name in TWO else 4
    truth = np.array([0, 1, 2, 1, 0, 2, 2, 1])
    item = np.repeat(np.arange(8), n_ann)
    an = np.tile(np.arange(n_ann), 8)
    assert estimate(fn, build(item, an, truth[item], 3)) == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("name", sorted(MULTI))
@SETTINGS
@given(data=ratings())
def test_bounds(name, data):
    fn, _ = MULTI[name]
    item, an, lab, q, n_items, n_ann = data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateDataWarning)
        r = fn(build(item, an, lab, q, n_items, n_ann))
    e = r["estimate"]
    if np.isnan(e):
        return
    assert e <= 1 + 1e-12
    if name.startswith("percent_agreement"):
        assert 0 <= e
    if np.isfinite(r["se"]):
        assert r["se"] >= 0
        assert r["ci_low"] <= e + 1e-12 and r["ci_high"] <= 1 + 1e-12
        assert 0 <= r["p_value"] <= 1


@SETTINGS
@given(data=ratings(), seed=st.integers(0, 100))
def test_table_bounds_and_bootstrap(data, seed):
    item, an, lab, q, n_items, n_ann = data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateDataWarning)
        t = agreement_table(build(item, an, lab, q, n_items, n_ann), n_boot=30, rng=seed)
    assert list(t["coefficient"]) == list(COEFFICIENTS)
    ok = t["boot_ci_low"].notna()
    assert (t.loc[ok, "boot_ci_low"] <= t.loc[ok, "boot_ci_high"] + 1e-12).all()
    assert (t.loc[ok, "boot_ci_high"] <= 1 + 1e-12).all()
    assert (t["n_boot"] == 30).all()


# ------------------------------------------------------------ degenerate data
def _expect_warning(fn, ann, reason_fragment):
    with pytest.warns(DegenerateDataWarning, match=reason_fragment):
        r = fn(ann)
    assert np.isnan(r["estimate"])


@pytest.mark.parametrize("name", sorted(MULTI))
def test_one_category_used(name):
    fn, _ = MULTI[name]
    item = np.repeat(np.arange(5), 3)
    an = np.tile(np.arange(3), 5)
    ann = build(item, an, np.zeros(15, int), 3)
    if name in DEFINED_ON_ONE_CATEGORY:
        with warnings.catch_warnings():
            warnings.simplefilter("error", DegenerateDataWarning)
            assert fn(ann)["estimate"] == pytest.approx(1.0)
    else:
        _expect_warning(fn, ann, "only one category")


@pytest.mark.parametrize("name", sorted(MULTI))
def test_no_item_with_two_ratings(name):
    fn, _ = MULTI[name]
    ann = build(np.arange(6), np.array([0, 1, 2, 0, 1, 2]), np.array([0, 1, 2, 0, 1, 2]), 3)
    _expect_warning(fn, ann, "no item has two or more ratings")


@pytest.mark.parametrize("name", sorted(MULTI))
def test_one_annotator(name):
    fn, _ = MULTI[name]
    ann = build(np.arange(6), np.zeros(6, int), np.array([0, 1, 2, 0, 1, 2]), 3)
    _expect_warning(fn, ann, "no item has two or more ratings")


@pytest.mark.parametrize("name", sorted(TWO))
def test_two_rater_degenerate(name):
    fn = TWO[name]
    item = np.repeat(np.arange(4), 2)
    an = np.tile(np.arange(2), 4)
    _expect_warning(fn, build(item, an, np.zeros(8, int), 3), "only one category")
    _expect_warning(
        fn,
        build(np.arange(4), np.array([0, 1, 0, 1]), np.array([0, 1, 2, 0]), 3),
        "fewer than two shared items",
    )


def test_table_warns_once_per_reason_and_never_crashes():
    ann = build(np.arange(6), np.zeros(6, int), np.array([0, 1, 2, 0, 1, 2]), 3)
    with pytest.warns(DegenerateDataWarning, match="no item has two or more ratings") as rec:
        t = agreement_table(ann, n_boot=20, rng=0)
    assert t["estimate"].isna().all()
    assert len([w for w in rec if issubclass(w.category, DegenerateDataWarning)]) == 1


def test_empty_annotations_do_not_crash():
    ann = build(np.zeros(0, int), np.zeros(0, int), np.zeros(0, int), 3, n_items=2, n_annotators=2)
    with pytest.warns(DegenerateDataWarning, match="no ratings"):
        t = agreement_table(ann, n_boot=10, rng=0)
    assert t["estimate"].isna().all()


# ------------------------------------------------------------ bootstrap
def _resampled(item, an, lab, drawn):
    """Ratings of the drawn items, each draw a new item (the plain bootstrap)."""
    parts = [
        (np.full((item == i).sum(), k), an[item == i], lab[item == i]) for k, i in enumerate(drawn)
    ]
    return (
        np.concatenate([p[0] for p in parts]),
        np.concatenate([p[1] for p in parts]),
        np.concatenate([p[2] for p in parts]),
    )


def test_vectorised_bootstrap_equals_plain_loop():
    rng = np.random.default_rng(7)
    n_items, n_ann, q = 25, 5, 4
    item = np.repeat(np.arange(n_items), n_ann)
    an = np.tile(np.arange(n_ann), n_items)
    truth = rng.integers(0, q, n_items)
    lab = np.where(rng.random(len(item)) < 0.7, truth[item], rng.integers(0, q, len(item)))
    keep = rng.random(len(item)) > 0.15
    item, an, lab = item[keep], an[keep], lab[keep]
    ann = build(item, an, lab, q, n_items, n_ann)
    eng = Engine(sufficient(ann))
    reps = bootstrap_replicates(eng, COEFFICIENTS, n_boot=8, rng=np.random.default_rng(3))
    # the same draws, one resample at a time through the public table
    gen = np.random.default_rng(3)
    n_used = sufficient(ann).n_items
    idx = gen.integers(0, n_used, size=(8, n_used))
    used_items = np.unique(item)
    for b in range(8):
        it2, an2, lab2 = _resampled(item, an, lab, used_items[idx[b]])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DegenerateDataWarning)
            t = agreement_table(build(it2, an2, lab2, q, n_used, n_ann), n_boot=0).set_index(
                "coefficient"
            )
        for name in COEFFICIENTS:
            assert same(reps[name][b], t.loc[name, "estimate"]), (name, b)


def test_bootstrap_is_reproducible_with_a_seed():
    item = np.repeat(np.arange(20), 3)
    an = np.tile(np.arange(3), 20)
    lab = np.random.default_rng(0).integers(0, 3, 60)
    ann = build(item, an, lab, 3)
    a = agreement_table(ann, n_boot=50, rng=11)
    b = agreement_table(ann, n_boot=50, rng=11)
    assert a[["boot_ci_low", "boot_ci_high"]].equals(b[["boot_ci_low", "boot_ci_high"]])


def test_resample_weights_rows_sum_to_n():
    w = resample_weights(17, 9, np.random.default_rng(0))
    assert w.shape == (9, 17) and (w.sum(1) == 17).all()


def test_percent_agreement_interval_stays_within_zero_and_one():
    """Two items (t with 1 degree of freedom): the unclipped interval of a share
    of agreeing pairs reaches far below 0; the printed one stops at 0."""
    from scipy import stats

    ann = from_matrix([[1, 2], [3, 3]], categories=[1, 2, 3])
    row = percent_agreement(ann)
    assert float(row["estimate"]) == 0.5  # one agreeing pair of two
    unclipped = 0.5 - stats.t(1).ppf(0.975) * float(row["se"])
    assert unclipped < 0
    assert float(row["ci_low"]) == 0.0 and float(row["ci_high"]) == 1.0
