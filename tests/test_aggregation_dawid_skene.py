"""Dawid-Skene: the published 1979 estimate, known-truth recovery, invariances."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from raer_agreement import Annotations
from raer_agreement.aggregation import ClassConditionalDawidSkene, DawidSkene, OneCoinDawidSkene
from raer_agreement.aggregation.dawid_skene import confusion_from_counts
from raer_agreement.io.frames import from_long

# Dawid, A. P. & Skene, A. M. (1979). Maximum likelihood estimation of observer
# error-rates using the EM algorithm. JRSS C 28(1), 20-28, Table 1: 45 patients,
# 5 observers, 4 classes; observer 1 assessed each patient three times.
# One line per patient: observer 1's three ratings, then observers 2-5.
DS1979 = """\
111 1 1 1 1|333 4 3 3 4|112 2 1 2 2|222 3 1 2 1|222 3 2 2 2|222 3 3 2 2|122 2 1 1 1|333 3 4 3 3|222 2 2 2 3
232 2 2 2 3|444 4 4 4 4|222 3 3 4 3|111 1 1 1 1|222 3 2 1 2|121 1 1 1 1|111 2 1 1 1|111 1 1 1 1|111 1 1 1 1
222 2 2 2 1|222 1 3 2 2|222 2 2 2 2|222 2 2 2 1|222 3 2 2 2|221 2 2 2 2|111 1 1 1 1|111 1 1 1 1|232 2 2 2 2
111 1 1 1 1|111 1 1 1 1|112 1 1 2 1|111 1 1 1 1|333 3 2 3 3|111 1 1 1 1|222 2 2 2 2|222 3 2 3 2|433 4 3 4 3
221 2 2 3 2|232 3 2 3 3|333 3 4 3 2|111 1 1 1 1|111 1 1 1 1|121 2 1 1 1|232 2 2 2 2|121 1 1 1 1|222 2 2 2 2"""

# The paper's EM estimate (ML, from a majority-vote start), as listed in
# shared/reference/agreement_cases.json ("dawid_skene_1979").
PUBLISHED_LOG_LIKELIHOOD = -192.8909
PUBLISHED_MARGINALS = [0.4, 0.42, 0.11, 0.07]
PUBLISHED_MAP = "142222132243121111222222112111131224233111212"
PUBLISHED_POSTERIOR_38 = [0.0, 0.0212, 0.9788, 0.0]


def ds1979_frame() -> pd.DataFrame:
    rows = []
    patients = [p for line in DS1979.splitlines() for p in line.split("|")]
    assert len(patients) == 45
    for i, cell in enumerate(patients, start=1):
        groups = cell.split()
        for obs, votes in enumerate(groups, start=1):
            for v in votes:
                rows.append((str(i), str(obs), v))
    return pd.DataFrame(rows, columns=["item", "annotator", "label"])


@pytest.fixture(scope="module")
def ds1979() -> Annotations:
    return from_long(ds1979_frame(), categories={"label": ["1", "2", "3", "4"]})


def test_fixture_matches_paper_size(ds1979):
    assert (ds1979.n_ratings, ds1979.n_items, ds1979.n_annotators) == (315, 45, 5)


def test_reproduces_published_estimate(ds1979):
    ds = DawidSkene(smoothing=0.0, tol=1e-10, max_iter=1000).fit(ds1979)
    assert ds.converged_
    assert ds.log_likelihood_[-1] == pytest.approx(PUBLISHED_LOG_LIKELIHOOD, abs=5e-4)
    np.testing.assert_allclose(ds.priors_.to_numpy(), PUBLISHED_MARGINALS, atol=0.005)
    assert "".join(ds.labels_.astype(str)) == PUBLISHED_MAP
    np.testing.assert_allclose(
        ds.posteriors_.loc["38"].to_numpy(), PUBLISHED_POSTERIOR_38, atol=5e-5
    )


def test_likelihood_trace_is_monotone_for_ml_em(ds1979):
    ds = DawidSkene(smoothing=0.0, tol=0, max_iter=30).fit(ds1979)
    assert len(ds.log_likelihood_) == ds.n_iter_
    assert np.all(np.diff(ds.log_likelihood_) >= -1e-9)


def test_repeated_ratings_are_separate_observations(ds1979):
    # collapsing observer 1's three ratings to one changes the estimate
    df = ds1979_frame()
    once = df.drop_duplicates(["item", "annotator"], keep="first")
    a = DawidSkene(smoothing=0).fit(df).log_likelihood_[-1]
    b = DawidSkene(smoothing=0).fit(once).log_likelihood_[-1]
    assert a != pytest.approx(b)


def test_accepts_long_dataframe(ds1979):
    p1 = DawidSkene(smoothing=0).fit_predict_proba(ds1979)
    p2 = DawidSkene(smoothing=0).fit_predict_proba(ds1979_frame())
    np.testing.assert_allclose(p1.to_numpy(), p2.to_numpy())


def test_init_from_given_confusions_reaches_same_estimate(ds1979):
    ref = DawidSkene(smoothing=0, tol=1e-10, max_iter=1000).fit(ds1979)
    ds = DawidSkene(
        smoothing=0,
        tol=1e-10,
        max_iter=1000,
        init_confusions=ref.confusions_,
        init_priors=ref.priors_.to_numpy(),
    ).fit(ds1979)
    assert ds.log_likelihood_[-1] == pytest.approx(PUBLISHED_LOG_LIKELIHOOD, abs=5e-4)
    with pytest.raises(ValueError, match="init_confusions must have shape"):
        DawidSkene(init_confusions=np.ones((2, 2, 2))).fit(ds1979)


def test_gold_clamps_items(ds1979):
    ds = DawidSkene().fit(ds1979, gold={"38": "2", "1": "1"})
    assert ds.labels_["38"] == "2"
    np.testing.assert_allclose(ds.posteriors_.loc["38"].to_numpy(), [0, 1, 0, 0])
    with pytest.raises(ValueError, match="not a category"):
        DawidSkene().fit(ds1979, gold={"38": "Z"})


def test_options_are_validated(ds1979):
    for bad in (
        dict(model="two-coin"),
        dict(smoothing=-1),
        dict(max_iter=0),
        dict(prior_smoothing=-0.1),
    ):
        with pytest.raises(ValueError):
            DawidSkene(**bad).fit(ds1979)


def test_sklearn_conventions():
    est = DawidSkene(smoothing=0.5)
    assert est.get_params()["smoothing"] == 0.5
    assert not [k for k in vars(est) if k.endswith("_")]  # no work in __init__
    assert repr(est) == "DawidSkene(smoothing=0.5)"
    assert (
        OneCoinDawidSkene().model == "one-coin" and ClassConditionalDawidSkene().model == "diagonal"
    )


def test_confusion_models_structure():
    c = np.array([[[6.0, 2.0, 2.0], [1.0, 8.0, 1.0], [0.0, 0.0, 0.0]]])
    full = confusion_from_counts(c)
    np.testing.assert_allclose(full[0, 2], [1 / 3] * 3)  # no data: uniform row
    diag = confusion_from_counts(c, "diagonal")
    np.testing.assert_allclose(diag[0, 0], [0.6, 0.2, 0.2])
    one = confusion_from_counts(c, "one-coin")
    np.testing.assert_allclose(np.diag(one[0]), [0.7, 0.7, 0.7])
    np.testing.assert_allclose(one.sum(axis=2), 1.0)


# ------------------------------------------------------- known truth
def _ds_corpus(rng, n_items=3000, n_ann=12, per_item=6, priors=(0.5, 0.3, 0.15, 0.05)):
    """Data drawn exactly from the Dawid-Skene model."""
    q = len(priors)
    conf = np.empty((n_ann, q, q))
    for a in range(n_ann):
        acc = rng.uniform(0.55, 0.9, q)
        for k in range(q):
            off = rng.dirichlet(np.ones(q - 1)) * (1 - acc[k])
            conf[a, k] = np.insert(off, k, acc[k])
    z = rng.choice(q, n_items, p=priors)
    item = np.repeat(np.arange(n_items), per_item)
    ann = np.concatenate([rng.choice(n_ann, per_item, replace=False) for _ in range(n_items)])
    cum = conf[ann, z[item]].cumsum(axis=1)
    lab = (rng.random(len(item))[:, None] > cum).sum(axis=1)
    df = pd.DataFrame(
        {"item": item.astype(str), "annotator": ann.astype(str), "label": lab.astype(str)}
    )
    ann_obj = from_long(df, categories={"label": [str(k) for k in range(q)]})
    order = np.array([int(a) for a in ann_obj.annotator_ids])
    return (
        ann_obj,
        conf[order],
        np.bincount(z, minlength=q) / n_items,
        pd.Series(z.astype(str), index=item[::per_item].astype(str)),
    )


def test_recovers_known_confusions_and_priors():
    ann, conf, priors, truth = _ds_corpus(np.random.default_rng(7))
    ds = DawidSkene().fit(ann)
    # priors within 0.015 of the realised class shares
    np.testing.assert_allclose(ds.priors_.to_numpy(), priors, atol=0.015)
    # confusions: each annotator saw ~1,500 items; mean absolute error per cell < 0.03,
    # rows of the frequent classes within 0.08 everywhere
    err = np.abs(ds.confusions_ - conf)
    assert err.mean() < 0.03
    assert err[:, :2].max() < 0.08
    assert (ds.labels_.astype(str) == truth.reindex(ds.labels_.index)).mean() > 0.93


def test_simulated_raer_corpus_recovery():
    from raer_agreement.simulate import simulate_corpus

    c = simulate_corpus(seed=3)
    ds = DawidSkene().fit(c.annotations, "coarse")
    # priors: the realised class shares, within 0.01
    np.testing.assert_allclose(ds.priors_.to_numpy(), c.priors["coarse"], atol=0.01)
    # confusions: mean absolute error per cell < 0.04 (the simulator's clip ambiguity is
    # outside the model); the two frequent classes' hit rates within 0.1 for every annotator
    err = np.abs(ds.confusions_ - c.confusions["coarse"])
    assert err.mean() < 0.04
    assert np.einsum("akk->ak", err)[:, [0, 4]].max() < 0.1
    assert (ds.labels_.astype(str) == c.truth["coarse"]).mean() > 0.98


def test_permutation_invariance():
    ann, *_ = _ds_corpus(np.random.default_rng(1), n_items=300)
    df = ann.to_long().rename(columns={"item_id": "item", "annotator_id": "annotator"})
    df["label"] = df["label"].astype(str)
    cats = {"label": list(ann.categories())}
    base = DawidSkene().fit(from_long(df, categories=cats)).posteriors_
    shuffled = df.sample(frac=1.0, random_state=3)
    other = DawidSkene().fit(from_long(shuffled, categories=cats)).posteriors_
    pd.testing.assert_frame_equal(
        base.sort_index(), other.sort_index(), atol=1e-8, check_exact=False
    )
    # relabelling the classes permutes the output columns
    perm = {"0": "c", "1": "a", "2": "d", "3": "b"}
    relab = df.assign(label=df["label"].map(perm))
    post = (
        DawidSkene().fit(from_long(relab, categories={"label": ["a", "b", "c", "d"]})).posteriors_
    )
    np.testing.assert_allclose(
        post[["c", "a", "d", "b"]].sort_index().to_numpy(), base.sort_index().to_numpy(), atol=1e-6
    )


def test_one_coin_and_diagonal_recover_accuracies():
    rng = np.random.default_rng(11)
    n_items, n_ann, q = 4000, 8, 3
    acc = rng.uniform(0.5, 0.9, n_ann)
    z = rng.choice(q, n_items)
    item = np.repeat(np.arange(n_items), 5)
    ann = np.concatenate([rng.choice(n_ann, 5, replace=False) for _ in range(n_items)])
    right = rng.random(len(item)) < acc[ann]
    wrong = (z[item] + rng.integers(1, q, len(item))) % q
    lab = np.where(right, z[item], wrong)
    df = pd.DataFrame(
        {"item": item.astype(str), "annotator": [f"w{a}" for a in ann], "label": lab.astype(str)}
    )
    a = from_long(df, categories={"label": ["0", "1", "2"]})
    order = np.array([int(s[1:]) for s in a.annotator_ids])
    one = OneCoinDawidSkene().fit(a)
    np.testing.assert_allclose(
        np.diagonal(one.confusions_, axis1=1, axis2=2)[:, 0], acc[order], atol=0.05
    )
    diag = ClassConditionalDawidSkene().fit(a)
    np.testing.assert_allclose(
        np.diagonal(diag.confusions_, axis1=1, axis2=2).mean(axis=1), acc[order], atol=0.05
    )
