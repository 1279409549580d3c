"""Property-based tests (hypothesis) over agreement metrics and aggregators.

* coefficients stay in their bounds (upper bound 1, percent agreement and
  chance agreement in [0, 1], CI ordered and clipped at 1, SE >= 0);
* permuting rows, clips or annotators (ids and order) changes no coefficient;
* relabelling the classes (another order, other names) changes no nominal
  coefficient and permutes the aggregators' posteriors the same way;
* posteriors are probabilities that sum to 1 for every clip.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from raer_agreement.io.frames import from_long

metrics = pytest.importorskip("raer_agreement.metrics")
aggregation = pytest.importorskip("raer_agreement.aggregation")

PROPS = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# aggregators run EM on every example: fewer examples keep the module fast
PROPS_AGG = settings(PROPS, max_examples=12)
CATS = ["Neutrality", "Enjoyment", "Confusion", "Fatigue", "Distraction"]
NUMERIC = ["estimate", "se", "ci_low", "ci_high", "pa", "pe", "n_items", "n_ratings"]


@st.composite
def ratings(draw, *, min_items=2, max_items=10, max_raters=5, q=len(CATS)):  # noqa: B008 - a constant
    """(item, annotator, label) code triples, each pair at most once."""
    n_items = draw(st.integers(min_items, max_items))
    n_raters = draw(st.integers(2, max_raters))
    cells = draw(
        st.lists(
            st.tuples(st.integers(0, n_items - 1), st.integers(0, n_raters - 1)),
            min_size=2,
            max_size=n_items * n_raters,
            unique=True,
        )
    )
    labels = draw(st.lists(st.integers(0, q - 1), min_size=len(cells), max_size=len(cells)))
    return [(i, a, k) for (i, a), k in zip(cells, labels)]


def build(
    triples,
    *,
    cats=CATS,
    item_name=lambda i: f"clip{i:02d}",
    rater_name=lambda a: f"A{a}",
    label_map=None,
):
    """Annotations from code triples through the public long-frame entry point."""
    label_map = label_map or (lambda k: cats[k])
    frame = pd.DataFrame(
        {
            "item": [item_name(i) for i, _, _ in triples],
            "annotator": [rater_name(a) for _, a, _ in triples],
            "label": [label_map(k) for _, _, k in triples],
        }
    )
    return from_long(frame, categories=list(cats))


def table(ann):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = metrics.agreement_table(ann, n_boot=0)
    return t.set_index("coefficient")


def same_numbers(a: pd.DataFrame, b: pd.DataFrame) -> None:
    cols = [c for c in NUMERIC if c in a.columns]
    np.testing.assert_allclose(
        a.loc[b.index, cols].to_numpy(float),
        b[cols].to_numpy(float),
        rtol=1e-9,
        atol=1e-12,
        equal_nan=True,
    )


def has_pair(triples) -> bool:
    items = [i for i, _, _ in triples]
    return len(set(items)) < len(items)


@PROPS
@given(triples=ratings())
def test_coefficients_within_bounds(triples):
    t = table(build(triples))
    est = t["estimate"]
    finite = est.dropna()
    assert (finite <= 1 + 1e-12).all()
    pa = t.loc["percent_agreement", "estimate"]
    # undefined (nan) when no clip has two ratings, else a share of agreeing pairs
    assert np.isnan(pa) if not has_pair(triples) else 0 <= pa <= 1
    q = len(CATS)
    for name in ("brennan_prediger", "randolph_kappa"):
        if name in t.index and np.isfinite(t.loc[name, "estimate"]):
            assert t.loc[name, "estimate"] >= -1 / (q - 1) - 1e-12
    if "gwet_ac1" in t.index and np.isfinite(t.loc["gwet_ac1", "estimate"]):
        assert t.loc["gwet_ac1", "estimate"] >= -1 - 1e-12
    for col in ("pa", "pe"):
        if col in t.columns:
            v = t[col].dropna()
            assert ((v >= -1e-12) & (v <= 1 + 1e-12)).all()
    ok = t.dropna(subset=["estimate", "se", "ci_low", "ci_high"])
    assert (ok["se"] >= 0).all()
    assert (ok["ci_high"] <= 1 + 1e-12).all()
    assert (ok["ci_low"] <= ok["estimate"] + 1e-12).all()
    assert (ok["estimate"] <= ok["ci_high"] + 1e-12).all()


@PROPS
@given(triples=ratings(), seed=st.integers(0, 2**31 - 1))
def test_permuting_rows_items_annotators_changes_nothing(triples, seed):
    rng = np.random.default_rng(seed)
    base = table(build(triples))
    shuffled = [triples[k] for k in rng.permutation(len(triples))]
    item_perm = rng.permutation(100)
    rater_perm = rng.permutation(100)
    other = build(
        shuffled,
        item_name=lambda i: f"z{item_perm[i]:03d}",
        rater_name=lambda a: f"r{rater_perm[a]:03d}",
    )
    same_numbers(base, table(other))


@PROPS
@given(triples=ratings(), seed=st.integers(0, 2**31 - 1))
def test_relabelling_classes_changes_no_nominal_coefficient(triples, seed):
    perm = np.random.default_rng(seed).permutation(len(CATS))
    new_cats = [f"class_{k}" for k in range(len(CATS))]
    # old category k is called new_cats[perm[k]], and the declared order is the new names' order
    relabelled = build(triples, cats=new_cats, label_map=lambda k: new_cats[perm[k]])
    same_numbers(table(build(triples)), table(relabelled))


def aggregators():
    agg = aggregation
    out = [
        ("dawid-skene", lambda: agg.DawidSkene()),
        ("one-coin", lambda: agg.OneCoinDawidSkene()),
        ("majority-unresolved", lambda: agg.MajorityVote(tie_break="unresolved")),
    ]
    if hasattr(agg, "ClassConditionalDawidSkene"):
        out.append(("class-conditional", lambda: agg.ClassConditionalDawidSkene()))
    if hasattr(agg, "GLAD"):
        out.append(("glad", lambda: agg.GLAD(max_iter=20)))
    if hasattr(agg, "MACE"):
        out.append(("mace", lambda: agg.MACE(n_restarts=2, max_iter=20, random_state=0)))
    return out


AGGREGATORS = aggregators()


def posteriors(model, ann) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = model.fit_predict_proba(ann, "label")
    return pd.DataFrame(p)


@pytest.mark.parametrize("name,make", AGGREGATORS, ids=[n for n, _ in AGGREGATORS])
@PROPS_AGG
@given(triples=ratings())
def test_posteriors_are_probabilities(name, make, triples):
    ann = build(triples)
    p = posteriors(make(), ann)
    assert list(p.columns.astype(str)) == CATS
    assert set(map(str, p.index)) == set(ann.item_ids)
    v = p.to_numpy(float)
    assert np.isfinite(v).all()
    assert (v >= -1e-12).all() and (v <= 1 + 1e-12).all()
    np.testing.assert_allclose(v.sum(axis=1), 1.0, atol=1e-9)


EQUIVARIANT = [
    (n, m)
    for n, m in AGGREGATORS
    if n in ("dawid-skene", "one-coin", "class-conditional", "majority-unresolved")
]


@pytest.mark.parametrize("name,make", EQUIVARIANT, ids=[n for n, _ in EQUIVARIANT])
@PROPS_AGG
@given(triples=ratings(), seed=st.integers(0, 2**31 - 1))
def test_relabelling_classes_permutes_posteriors(name, make, triples, seed):
    perm = np.random.default_rng(seed).permutation(len(CATS))
    new_cats = [f"class_{k}" for k in range(len(CATS))]
    p0 = posteriors(make(), build(triples))
    p1 = posteriors(make(), build(triples, cats=new_cats, label_map=lambda k: new_cats[perm[k]]))
    # column of old class k in the relabelled run is new_cats[perm[k]]
    moved = p1[[new_cats[perm[k]] for k in range(len(CATS))]].to_numpy(float)
    np.testing.assert_allclose(moved, p0.loc[p1.index].to_numpy(float), atol=1e-6)


@pytest.mark.parametrize("name,make", EQUIVARIANT, ids=[n for n, _ in EQUIVARIANT])
@PROPS_AGG
@given(triples=ratings(), seed=st.integers(0, 2**31 - 1))
def test_permuting_rows_changes_no_posterior(name, make, triples, seed):
    rng = np.random.default_rng(seed)
    shuffled = [triples[k] for k in rng.permutation(len(triples))]
    p0 = posteriors(make(), build(triples))
    p1 = posteriors(make(), build(shuffled))
    np.testing.assert_allclose(p1.loc[p0.index].to_numpy(float), p0.to_numpy(float), atol=1e-9)


def test_seeded_parts_change_only_with_the_seed():
    """Bootstrap intervals depend on the seed alone: same rng seed, same numbers."""
    triples = [(i, a, (i * 7 + a * 3) % 5) for i in range(12) for a in range(4)]
    ann = build(triples)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = metrics.agreement_table(ann, n_boot=200, rng=np.random.default_rng(1))
        b = metrics.agreement_table(ann, n_boot=200, rng=np.random.default_rng(1))
        c = metrics.agreement_table(ann, n_boot=200, rng=np.random.default_rng(2))
    pd.testing.assert_frame_equal(a, b)
    boot = [col for col in a.columns if col.startswith("boot")]
    assert boot
    assert not a[boot].equals(c[boot])
    same_numbers(a.set_index("coefficient"), c.set_index("coefficient"))
