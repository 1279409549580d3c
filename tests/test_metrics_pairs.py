"""Pairwise statistics in time linear in the co-ratings equal the quadratic
implementation they replaced (tests/pairs_reference.py) on small random
data, including clips rated by very many annotators and repeated ratings."""

from __future__ import annotations

import numpy as np
import pairs_reference as ref
import pandas as pd
import pytest

from raer_agreement import Annotations
from raer_agreement.io.frames import from_long, from_matrix
from raer_agreement.metrics import _core, max_kappa, pairs, pairwise_cohen
from raer_agreement.metrics._sufficient import agreement_weights, sufficient
from raer_agreement.metrics.coefficients import Engine
from raer_agreement.taxonomy import Taxonomy


def random_annotations(seed, *, n_items=60, n_ann=12, q=4, heavy=0, repeats=False, single=True):
    """Ratings with missing values, a few clips rated by everyone (``heavy``), and
    optionally repeated ratings; pairs sharing one clip only occur when ``single``."""
    rng = np.random.default_rng(seed)
    item, ann = [], []
    for i in range(n_items):
        k = rng.integers(1 if single else 2, 5)
        raters = rng.choice(n_ann, size=k, replace=False)
        item += [i] * k
        ann += list(raters)
    for h in range(heavy):
        raters = rng.choice(n_ann, size=n_ann - h, replace=False)
        item += [n_items + h] * len(raters)
        ann += list(raters)
    item, ann = np.array(item), np.array(ann)
    if repeats:
        dup = rng.random(len(item)) < 0.08
        item, ann = np.concatenate([item, item[dup]]), np.concatenate([ann, ann[dup]])
    n = n_items + heavy
    truth = rng.integers(0, q, size=n)
    skill = rng.uniform(0.3, 0.95, size=n_ann)
    lab = np.where(rng.random(len(item)) < skill[ann], truth[item], rng.integers(0, q, len(item)))
    tax = Taxonomy.from_categories({"label": [f"k{k}" for k in range(q)]})
    return Annotations(item, ann, {"label": lab}, [f"c{i}" for i in range(n)],
                       [f"a{a}" for a in range(n_ann)], tax)  # fmt: skip


CASES = [
    dict(),
    dict(single=False),
    dict(heavy=2),
    dict(heavy=3, n_ann=9),
    dict(repeats=True),
    dict(heavy=1, repeats=True),
]


@pytest.fixture(params=[(seed, i) for seed in range(3) for i in range(len(CASES))])
def data(request, monkeypatch):
    seed, i = request.param
    # a clip with more than 10 rating pairs (5 annotators) is "heavy" here
    monkeypatch.setattr(pairs, "HEAVY_PAIRS", 10)
    return random_annotations(seed, **CASES[i])


def old_tables(s):
    pt = ref.pair_tables(s)
    return {int(k): t for k, t in zip(pt.keys, pt.tables)}, pt


def test_tables_of_pairs_sharing_two_items_equal_the_reference(data):
    s = sufficient(data)
    old, _ = old_tables(s)
    new = pairs.pair_index(s)
    want = {k: t for k, t in old.items() if t.sum() >= 2 - 1e-9 or s.has_repeats}
    assert sorted(want) == new.keys.tolist()
    for k, t in zip(new.keys, new.tables):
        np.testing.assert_allclose(t, want[int(k)], atol=1e-12)


def test_incidences_rebuild_the_tables_in_any_chunk_size(data):
    """The incidences are enumerated again on each pass, never stored: in chunks
    of 7 rating pairs or all at once they add up to the reference tables, and a
    subset of the pairs keeps exactly its own incidences."""
    s = sufficient(data)
    old, _ = old_tables(s)
    px = pairs.pair_index(s)
    q = s.q
    for chunk in (7, 10**9):
        got = np.zeros((px.n_pairs, q * q))
        for _item, pid, code, weight in px.incidences(chunk):
            np.add.at(got, (pid, code), 1.0 if weight is None else weight)
        for k, t in zip(px.keys, got):
            np.testing.assert_allclose(t.reshape(q, q), old[int(k)], atol=1e-12)
    keep = np.arange(px.n_pairs) % 2 == 0
    sub = px.subset(keep)
    got = np.zeros((sub.n_pairs, q * q))
    for _item, pid, code, weight in sub.incidences(5):
        np.add.at(got, (pid, code), 1.0 if weight is None else weight)
    for k, t in zip(sub.keys, got):
        np.testing.assert_allclose(t.reshape(q, q), old[int(k)], atol=1e-12)


@pytest.mark.parametrize("weights", [None, "quadratic"])
def test_light_kappa_and_its_se_equal_the_reference(data, weights):
    s = sufficient(data)
    # the reference counts every pair sharing two items or more
    eng = Engine(s, weights=weights, min_overlap=2)
    r = eng.point(("mean_cohen_kappa",), warn=False)["mean_cohen_kappa"]
    W = agreement_weights(weights, s.q, s.values)
    _, pt = old_tables(s)
    res = _core.cohen_from_tables(pt.tables, W)
    used = np.isfinite(res["kappa"])
    k_old = float(np.mean(res["kappa"][used])) if used.any() else np.nan
    se_old = ref.mean_cohen_se(s, pt, res, W, used)
    np.testing.assert_allclose(r["estimate"], k_old, atol=1e-12)
    np.testing.assert_allclose(r["se"], se_old, atol=1e-12)


@pytest.mark.parametrize("weights", [None, "linear"])
def test_bootstrap_replicates_equal_the_reference(data, weights):
    s = sufficient(data)
    eng = Engine(s, weights=weights, min_overlap=2)
    W = agreement_weights(weights, s.q, s.values)
    w = np.random.default_rng(1).multinomial(s.n_items, np.full(s.n_items, 1 / s.n_items), 40)
    w = w.astype(float)
    new = eng.replicates(("mean_cohen_kappa",), w)["mean_cohen_kappa"]
    _, pt = old_tables(s)
    inc = ref.pair_incidence(s, pt, W)
    k = ref.cohen_from_pair_sums(_core.wsum(w, inc), s.q, W)
    # one pair set: the pairs sharing two items or more with a kappa on the data
    res = _core.cohen_from_tables(pt.tables, W)
    k = k[:, (res["n"] >= 2 - 1e-9) & np.isfinite(res["kappa"])]
    ok = np.isfinite(k)
    cnt = ok.sum(1)
    with np.errstate(invalid="ignore"):
        old = np.where(cnt > 0, np.where(ok, k, 0).sum(1) / np.maximum(cnt, 1), np.nan)
    np.testing.assert_allclose(new, old, atol=1e-12)


def test_per_pair_results_equal_the_reference(data):
    s = sufficient(data)
    old, _ = old_tables(s)
    pw = pairwise_cohen(data)
    ids = np.asarray(data.annotator_ids)
    W = np.eye(s.q)
    for row in pw.itertuples():
        a = int(np.flatnonzero(ids == row.annotator_a)[0])
        b = int(np.flatnonzero(ids == row.annotator_b)[0])
        a, b = np.flatnonzero(s.annotator_codes == a)[0], np.flatnonzero(s.annotator_codes == b)[0]
        t = old[int(a * s.n_annotators + b)]
        r = _core.cohen_from_tables(t, W)
        se = ref_fce(t, W)
        if min((t.sum(1) > 0).sum(), (t.sum(0) > 0).sum()) <= 1:
            se = np.nan  # a rater with one category: kappa 0 by construction, no SE
        np.testing.assert_allclose(row.estimate, r["kappa"], atol=1e-12, equal_nan=True)
        np.testing.assert_allclose(row.se, se, atol=1e-12, equal_nan=True)
    mk = max_kappa(data)
    res = _core.cohen_from_tables(np.stack(list(old.values())), W)
    with np.errstate(all="ignore"):
        kmax = (np.minimum(res["pk"], res["pl"]).sum(1) - res["pe"]) / (1 - res["pe"])
    # the bound is over the pairs Light's kappa counts: >= 5 shared items, a defined kappa
    kmax = kmax[np.isfinite(res["kappa"]) & (res["n"] >= 5 - 1e-9)]
    want = kmax.mean() if len(kmax) else np.nan
    np.testing.assert_allclose(mk["mean_cohen_kappa_max"], want, atol=1e-12, equal_nan=True)
    if np.isfinite(want):
        assert mk["mean_cohen_kappa"] <= want + 1e-12


def ref_fce(table, W):
    """Fleiss-Cohen-Everitt SE of one table, written out (Fleiss, Cohen & Everitt 1969)."""
    n = table.sum()
    p = table / n
    pk, pl = p.sum(1), p.sum(0)
    pa, pe = float(np.sum(W * p)), float(pk @ W @ pl)
    if n < 2 or np.isclose(pe, 1):
        return np.nan
    k = (pa - pe) / (1 - pe)
    wk, wl = W @ pl, W.T @ pk
    term = W - (1 - k) * (wk[:, None] + wl[None, :])
    var = (np.sum(p * term**2) - (pa - 2 * (1 - k) * pe) ** 2) / (n * (1 - pe) ** 2)
    return float(np.sqrt(max(var, 0.0)))


def test_a_honeypot_clip_is_never_expanded_into_its_pairs(monkeypatch):
    # 300 annotators on one clip (44,850 pairs), a few clips of 3 besides: the index holds
    # only the pairs that share two clips
    monkeypatch.setattr(pairs, "HEAVY_PAIRS", 1000)
    rng = np.random.default_rng(0)
    n_ann = 300
    item = [0] * n_ann + list(np.repeat(np.arange(1, 41), 3))
    ann = list(range(n_ann)) + list(rng.choice(n_ann, 120))
    df = pd.DataFrame({"item": item, "annotator": ann, "label": rng.integers(0, 3, len(item))})
    df = df.drop_duplicates(["item", "annotator"])
    a = from_long(df.astype(str), categories=["0", "1", "2"])
    s = sufficient(a)
    px = pairs.pair_index(s)
    old, _ = old_tables(s)
    assert px.n_pairs == sum(t.sum() >= 2 for t in old.values()) < 500
    assert len(px.item) < 2000  # incidences of kept pairs only
    assert px.singles.sum() == sum(t.sum() == 1 for t in old.values())


def test_pairs_sharing_only_heavy_clips_are_capped_with_a_note(monkeypatch):
    monkeypatch.setattr(pairs, "HEAVY_PAIRS", 3)
    monkeypatch.setattr(pairs, "MAX_HEAVY_ONLY", 4)
    a = random_annotations(0, n_items=5, n_ann=8, heavy=3, single=False)
    px = pairs.pair_index(sufficient(a))
    assert px.capped > 0
    assert "capped" in px.notes[0]


def test_a_rater_with_one_category_gets_no_interval():
    """Kappa is 0 whatever the other rater does when one rater always gives the
    same class: the textbook SE formula gives 0, which would print [0, 0]."""
    ann = from_matrix([[1, 1], [1, 2], [1, 1], [1, 2], [1, 1]], categories=[1, 2])
    row = pairwise_cohen(ann).iloc[0]
    assert row.estimate == 0.0
    t = np.array([[3.0, 2.0], [0.0, 0.0]])
    assert ref_fce(t, np.eye(2)) == pytest.approx(0.0, abs=1e-6)
    assert np.isnan(row.se) and np.isnan(row.ci_low) and np.isnan(row.ci_high)
