"""Multi-label agreement against ``nltk.metrics.agreement`` computed in the test,
the ``krippendorff`` package for per-label binary alpha, and nltk's published
MASI example (``masi_distance({1, 2}, {1, 2, 3, 4}) == 0.667``, Passonneau 2006)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from raer_agreement.metrics.multilabel import (
    jaccard_distance,
    masi_distance,
    multilabel_alpha,
    per_label_agreement,
)

nltk_agreement = pytest.importorskip("nltk.metrics.agreement")
nltk_distance = pytest.importorskip("nltk.metrics.distance")

LABELS = list("abcdef")


def random_multilabel(seed, n_items=60, n_annotators=5, p_missing=0.2):
    """Set-valued ratings with structure: each item has a core label set that
    annotators mostly reproduce, plus noise."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n_items):
        core = set(rng.choice(LABELS, size=rng.integers(1, 3), replace=False))
        for a in range(n_annotators):
            if rng.random() < p_missing:
                continue
            s = {x for x in core if rng.random() < 0.85}
            if rng.random() < 0.3 or not s:  # nltk's distances need non-empty sets
                s.add(str(rng.choice(LABELS)))
            rows.append((f"i{i}", f"a{a}", "|".join(sorted(s))))
    return pd.DataFrame(rows, columns=["item", "annotator", "labels"])


def nltk_alpha(df, distance):
    data = [
        (r.annotator, r.item, frozenset(x for x in r.labels.split("|") if x))
        for r in df.itertuples()
    ]
    return nltk_agreement.AnnotationTask(data, distance=distance).alpha()


def test_distances_match_nltk_and_the_published_example():
    assert masi_distance(frozenset({1, 2}), frozenset({1, 2, 3, 4})) == pytest.approx(
        0.667, abs=5e-4
    )
    rng = np.random.default_rng(0)
    for _ in range(200):
        a = frozenset(rng.choice(LABELS, size=rng.integers(1, 4), replace=False))
        b = frozenset(rng.choice(LABELS, size=rng.integers(1, 4), replace=False))
        assert masi_distance(a, b) == pytest.approx(nltk_distance.masi_distance(set(a), set(b)))
        assert jaccard_distance(a, b) == pytest.approx(
            nltk_distance.jaccard_distance(set(a), set(b))
        )


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("name", ["masi", "jaccard"])
def test_alpha_matches_nltk(seed, name):
    df = random_multilabel(seed)
    ref = nltk_alpha(df, getattr(nltk_distance, f"{name}_distance"))
    assert multilabel_alpha(df, name).estimate == pytest.approx(ref, abs=1e-12)


def test_a_bootstrap_replicate_is_alpha_of_the_resampled_clips():
    # one resample drawn by hand: duplicated clips become distinct clips for nltk
    df = random_multilabel(3, n_items=30)
    res = multilabel_alpha(df, "masi", n_boot=3, rng=7)
    from raer_agreement.metrics.bootstrap import resample_weights

    items = sorted(df.groupby("item").size().loc[lambda s: s >= 2].index)
    w = resample_weights(len(items), 3, np.random.default_rng(7))[0]
    parts = []
    for k, item in enumerate(items):
        for copy in range(int(w[k])):
            part = df[df["item"] == item].copy()
            part["item"] = f"{item}#{copy}"
            parts.append(part)
    ref = nltk_alpha(pd.concat(parts), nltk_distance.masi_distance)
    assert res.replicates[0] == pytest.approx(ref, abs=1e-12)
    assert res.boot_ci[0] <= res.boot_ci[1] and res.n_boot == 3


def test_per_label_binary_alpha_matches_krippendorff_package():
    krippendorff = pytest.importorskip("krippendorff")
    df = random_multilabel(4)
    t = per_label_agreement(df, coefficients=["krippendorff_alpha"]).set_index("label")
    items = sorted(df["item"].unique())
    annotators = sorted(df["annotator"].unique())
    for lab in LABELS:
        m = np.full((len(annotators), len(items)), np.nan)
        for r in df.itertuples():
            m[annotators.index(r.annotator), items.index(r.item)] = lab in r.labels.split("|")
        ref = krippendorff.alpha(m, level_of_measurement="nominal", value_domain=[0, 1])
        assert t.loc[lab, "estimate"] == pytest.approx(ref, abs=1e-12), lab


def test_per_label_prevalence_and_declared_labels():
    df = pd.DataFrame(
        {"item": [1, 1, 2, 2], "annotator": ["a", "b"] * 2, "labels": ["x|y", "x", "", "y"]}
    )
    t = per_label_agreement(df, labels=["x", "y", "z"], coefficients=["percent_agreement"])
    assert t["label"].tolist() == ["x", "y", "z"]
    assert t["prevalence"].tolist() == [0.5, 0.5, 0.0]
    # z: nobody gave it, everyone agrees it is absent
    assert t.loc[t["label"] == "z", "estimate"].item() == 1.0


def test_degenerate_and_bad_input():
    same = pd.DataFrame({"item": [1, 1], "annotator": ["a", "b"], "labels": ["x", "x"]})
    assert np.isnan(multilabel_alpha(same).estimate)
    with pytest.raises(ValueError, match="unknown set distance"):
        multilabel_alpha(same, "hamming")
    with pytest.raises(ValueError, match="lacks column"):
        multilabel_alpha(same.rename(columns={"labels": "tags"}))
    assert multilabel_alpha(same.rename(columns={"labels": "tags"}), label_col="tags").n_items == 1


def simulated_multilabel_with_truth(seed=0, n_items=300):
    """Known truth: each clip has a true label set; 6 annotators report each
    label with their own sensitivity/specificity, one of them at random."""
    rng = np.random.default_rng(seed)
    labels = ["joy", "anger", "fear", "calm"]
    prevalence = np.array([0.4, 0.2, 0.1, 0.5])
    truth = rng.random((n_items, len(labels))) < prevalence
    sens = [0.85, 0.8, 0.9, 0.75, 0.8, 0.5]
    spec = [0.95, 0.9, 0.95, 0.9, 0.92, 0.5]  # the last annotator ignores the clip
    rows = []
    for a, (se, sp) in enumerate(zip(sens, spec)):
        says = np.where(truth, rng.random(truth.shape) < se, rng.random(truth.shape) > sp)
        for i in range(n_items):
            rows.append((f"c{i}", f"w{a}", "|".join(np.array(labels)[says[i]])))
    df = pd.DataFrame(rows, columns=["item", "annotator", "labels"])
    return df, pd.DataFrame(truth, index=[f"c{i}" for i in range(n_items)], columns=labels)


def test_binary_relevance_dawid_skene_recovers_the_true_label_sets():
    from raer_agreement.aggregation.multilabel import (
        label_sets_from_posteriors,
        per_label_posteriors,
    )

    df, truth = simulated_multilabel_with_truth()
    ds = per_label_posteriors(df, list(truth.columns)).loc[truth.index]
    mv = per_label_posteriors(df, list(truth.columns), method="majority").loc[truth.index]
    acc_ds = ((ds > 0.5) == truth).to_numpy().mean()
    acc_mv = ((mv > 0.5) == truth).to_numpy().mean()
    assert acc_ds >= 0.95 and acc_ds >= acc_mv
    sets = label_sets_from_posteriors(ds)
    exact = np.mean([s == frozenset(truth.columns[truth.loc[i]]) for i, s in sets.items()])
    assert exact >= 0.8
