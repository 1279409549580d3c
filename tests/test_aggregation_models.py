"""GLAD, MACE and the two-granularity model against simulated truth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from raer_agreement.aggregation import (
    GLAD,
    MACE,
    DawidSkene,
    HierarchicalDawidSkene,
    MajorityVote,
    evaluate,
)
from raer_agreement.io.frames import from_long
from raer_agreement.simulate import SimulationParams, simulate_corpus


def _spam_corpus(seed=0, n=600):
    """Four reliable annotators and two spammers who always answer 'a'."""
    rng = np.random.default_rng(seed)
    z = rng.integers(0, 3, n)
    rows = []
    for i in range(n):
        for a in range(4):
            lab = z[i] if rng.random() < 0.75 else rng.integers(0, 3)
            rows.append((f"i{i}", f"good{a}", "abc"[lab]))
        for a in range(2):
            rows.append((f"i{i}", f"spam{a}", "a"))
    df = pd.DataFrame(rows, columns=["item", "annotator", "label"])
    return df, pd.Series(np.array(list("abc"))[z], index=[f"i{i}" for i in range(n)])


def test_mace_finds_spammers_and_beats_majority():
    df, truth = _spam_corpus()
    m = MACE(n_restarts=4, random_state=0).fit(df)
    assert m.skills_.filter(like="spam").max() < 0.2 < m.skills_.filter(like="good").min()
    assert m.strategies_.loc["spam0", "a"] > 0.9
    acc = (m.labels_.astype(str) == truth.reindex(m.labels_.index)).mean()
    acc_mv = (
        MajorityVote(tie_break="lowest").fit_predict(df).astype(str)
        == truth.reindex(m.labels_.index)
    ).mean()
    assert acc > acc_mv + 0.05


def test_mace_restarts_are_distinct_and_reproducible():
    df, _ = _spam_corpus(n=100)
    a = MACE(n_restarts=5, random_state=3).fit(df)
    b = MACE(n_restarts=5, random_state=3).fit(df)
    assert len(set(a.seeds_.tolist())) == 5
    np.testing.assert_array_equal(a.seeds_, b.seeds_)
    pd.testing.assert_frame_equal(a.posteriors_, b.posteriors_)
    assert a.log_likelihood_[-1] == pytest.approx(a.restart_log_likelihoods_.max())


def test_glad_learns_expertise_order():
    rng = np.random.default_rng(2)
    n, acc = 500, {"w1": 0.95, "w2": 0.8, "w3": 0.6, "w4": 0.4}
    z = rng.integers(0, 2, n)
    rows = [
        (str(i), a, str(z[i] if rng.random() < p else 1 - z[i]))
        for i in range(n)
        for a, p in acc.items()
    ]
    g = GLAD().fit(pd.DataFrame(rows, columns=["item", "annotator", "label"]))
    s = g.skills_
    assert s["w1"] > s["w2"] > s["w3"] > s["w4"]
    assert g.difficulties_.shape == (n,)
    truth = pd.Series(z.astype(str), index=[str(i) for i in range(n)])
    assert (g.labels_.astype(str) == truth.reindex(g.labels_.index)).mean() > 0.9


@pytest.fixture(scope="module")
def corpus():
    return simulate_corpus(SimulationParams.scaled(800), seed=4)


def test_hierarchical_levels_are_consistent(corpus):
    h = HierarchicalDawidSkene().fit(corpus.annotations)
    ann = corpus.annotations
    mapping = ann.taxonomy.mapping("fine", "coarse")
    fine = h.posteriors_by_scheme_["fine"].to_numpy()
    coarse = h.posteriors_by_scheme_["coarse"].to_numpy()
    summed = np.zeros_like(coarse)
    np.add.at(summed.T, mapping, fine.T)
    np.testing.assert_allclose(coarse, summed, atol=1e-12)
    np.testing.assert_allclose(fine.sum(axis=1), 1.0)
    assert h.scheme_ == "coarse" and h.labels_.equals(h.labels_by_scheme_["coarse"])
    # the fine confusions implied by the model are distributions over fine votes
    np.testing.assert_allclose(h.confusions_["fine"].sum(axis=2), 1.0)
    # joint prior sits on the taxonomy: no mass on (coarse, fine) pairs that do not nest
    joint = h.joint_priors_.to_numpy()
    assert joint[mapping, np.arange(len(mapping))].sum() == pytest.approx(1.0)
    np.testing.assert_allclose(
        h.joint_priors_.sum(axis=1).to_numpy(), corpus.priors["coarse"], atol=0.02
    )


def test_hierarchical_without_mapping_uses_product_space(corpus):
    h = HierarchicalDawidSkene(use_mapping=False).fit(corpus.annotations, scheme="fine")
    assert h.product_space_
    assert h.joint_priors_.shape == (5, 10)
    ev = evaluate(h.labels_by_scheme_["coarse"], corpus.truth["coarse"])
    assert ev.accuracy > 0.95
    # a flat taxonomy (no mapping at all) works the same way
    df = corpus.annotations.to_long().rename(
        columns={"item_id": "item", "annotator_id": "annotator"}
    )
    cats = {s: list(corpus.annotations.categories(s)) for s in ("coarse", "fine")}
    flat = from_long(
        df.astype({"coarse": str, "fine": object}), label_cols=["coarse", "fine"], categories=cats
    )
    assert not flat.taxonomy.pairs()
    h2 = HierarchicalDawidSkene().fit(flat)
    assert h2.product_space_
    assert evaluate(h2.labels_, corpus.truth["coarse"]).accuracy > 0.95


def test_hierarchical_beats_separate_runs_on_simulated_truth():
    """Averaged over four simulated corpora with four ratings per clip, the joint
    model recovers the true fine classes better than a separate Dawid-Skene
    run on the fine votes (accuracy and UAR), recovers the rare Confusion
    class (coarse recall, and recall of its fine children) at least as well as
    separate runs, and keeps coarse accuracy."""
    rows = {"ds": [], "h": []}
    for seed in range(4):
        c = simulate_corpus(SimulationParams(ratings_per_clip=4), seed=seed)
        ann, truth = c.annotations, c.truth
        h = HierarchicalDawidSkene().fit(ann)
        kids = [
            f
            for f, p in zip(ann.categories("fine"), ann.taxonomy.mapping("fine", "coarse"))
            if p == 2
        ]
        for name, (lc, lf) in {
            "ds": (DawidSkene().fit_predict(ann, "coarse"), DawidSkene().fit_predict(ann, "fine")),
            "h": (h.labels_by_scheme_["coarse"], h.labels_by_scheme_["fine"]),
        }.items():
            ec, ef = evaluate(lc, truth["coarse"]), evaluate(lf, truth["fine"])
            rows[name].append(
                [ec.accuracy, ec.recall["Confusion"], ef.accuracy, ef.uar, ef.recall[kids].mean()]
            )
    ds, hi = np.mean(rows["ds"], axis=0), np.mean(rows["h"], axis=0)
    assert hi[2] > ds[2] + 0.01  # fine accuracy
    assert hi[3] > ds[3]  # fine UAR
    assert hi[4] > ds[4]  # fine recall of the rare class's children
    assert hi[1] >= ds[1]  # coarse recall of Confusion (1.4% of clips)
    assert hi[0] >= ds[0] - 0.005  # coarse accuracy kept


def test_hierarchical_needs_two_schemes():
    df = pd.DataFrame({"item": ["a", "a"], "annotator": ["x", "y"], "label": ["p", "q"]})
    with pytest.raises(ValueError, match="two label schemes"):
        HierarchicalDawidSkene().fit(df)
