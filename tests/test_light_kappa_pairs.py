"""Light's kappa counts one set of annotator pairs: those sharing at least
``min_overlap`` items with a defined kappa on the data.  The estimate is
checked against scikit-learn's ``cohen_kappa_score`` over pairs found
independently with pandas; the estimate, its analytic CI and its bootstrap
CI use the same pairs, so the estimate lies inside both intervals."""

from __future__ import annotations

import io
import json
import warnings
from contextlib import redirect_stdout
from itertools import combinations

import numpy as np
import pandas as pd
import pytest

from raer_agreement.cli import main
from raer_agreement.errors import DegenerateDataWarning
from raer_agreement.io.frames import from_long
from raer_agreement.metrics import light_kappa
from raer_agreement.metrics.bootstrap import bootstrap_ci
from raer_agreement.metrics.coefficients import MIN_OVERLAP

CATS = ["a", "b", "c", "d"]


def crowd(seed, *, n_items, n_ann, per_item, q=4) -> pd.DataFrame:
    """Long ratings: ``per_item`` distinct annotators per item, labels right with
    an annotator-specific probability, else uniform."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, q, n_items)
    skill = rng.uniform(0.4, 0.95, n_ann)
    rows = []
    for i in range(n_items):
        for a in rng.choice(n_ann, size=per_item, replace=False):
            lab = truth[i] if rng.random() < skill[a] else rng.integers(0, q)
            rows.append((f"i{i}", f"w{a:02d}", CATS[lab]))
    return pd.DataFrame(rows, columns=["item", "annotator", "label"])


def sklearn_kappa():
    """scikit-learn's ``cohen_kappa_score`` (a peer, installed for the tests beside the wheel)."""
    return pytest.importorskip(
        "sklearn.metrics", reason="scikit-learn (a peer) is not installed"
    ).cohen_kappa_score


def peer_light(df: pd.DataFrame, min_overlap: int) -> tuple[float, int]:
    """Mean of sklearn Cohen kappas over the pairs sharing >= min_overlap items
    (undefined kappas left out), and the number of pairs averaged."""
    cohen_kappa_score = sklearn_kappa()
    j = df.merge(df, on="item", suffixes=("_a", "_b"))
    j = j[j["annotator_a"] < j["annotator_b"]]
    kappas = []
    for _, g in j.groupby(["annotator_a", "annotator_b"]):
        if len(g) < min_overlap:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            k = cohen_kappa_score(g["label_a"], g["label_b"], labels=CATS)
        if np.isfinite(k):
            kappas.append(k)
    return float(np.mean(kappas)), len(kappas)


def ann_of(df):
    return from_long(df, categories=CATS)


def test_dense_data_give_the_mean_over_all_pairs():
    df = crowd(0, n_items=40, n_ann=6, per_item=6)
    cohen_kappa_score = sklearn_kappa()
    want = np.mean(
        [
            cohen_kappa_score(
                df[df.annotator == a].set_index("item").label.sort_index(),
                df[df.annotator == b].set_index("item").label.sort_index(),
                labels=CATS,
            )
            for a, b in combinations(sorted(df.annotator.unique()), 2)
        ]
    )
    for m in (2, MIN_OVERLAP, 40):
        got = light_kappa(ann_of(df), min_overlap=m)["estimate"]
        np.testing.assert_allclose(got, want, atol=1e-12)


@pytest.mark.parametrize("min_overlap", [2, MIN_OVERLAP, 7])
def test_sparse_crowd_averages_exactly_the_pairs_with_enough_shared_items(min_overlap):
    df = crowd(1, n_items=200, n_ann=30, per_item=4)
    want, n_pairs = peer_light(df, min_overlap)
    assert n_pairs >= 2
    got = light_kappa(ann_of(df), min_overlap=min_overlap)["estimate"]
    np.testing.assert_allclose(got, want, atol=1e-12)


def _inside(r, ci):
    est = float(r["estimate"])
    lo, hi = ci
    assert r["ci_low"] <= est <= r["ci_high"]
    assert lo <= est <= hi, (est, lo, hi)


@pytest.mark.parametrize(
    "shape",
    [
        dict(seed=2, n_items=300, n_ann=40, per_item=3),
        dict(seed=3, n_items=150, n_ann=20, per_item=5),
        dict(seed=4, n_items=400, n_ann=80, per_item=4),
        dict(seed=5, n_items=120, n_ann=12, per_item=2),
    ],
)
def test_estimate_lies_inside_its_intervals_on_sparse_crowds(shape):
    ann = ann_of(crowd(**shape))
    r = light_kappa(ann)
    b = bootstrap_ci(ann, coefficients=["mean_cohen_kappa"], n_boot=400, rng=0)
    _inside(
        r, (b.loc["mean_cohen_kappa", "boot_ci_low"], b.loc["mean_cohen_kappa", "boot_ci_high"])
    )


def test_toloka_export_estimate_inside_its_intervals(shared_dir):
    path = (
        shared_dir / "datasets" / "real_formats" / "toloka_camarg"
        / "assignments_from_pool_42774131__05-02-2024.tsv"
    )  # fmt: skip
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["agreement", str(path), "--json", "--n-boot", "300", "--seed", "0"]) == 0
    doc = json.loads(out.getvalue())
    (entry,) = doc["schemes"].values()
    # the README's counts: 6,409 ratings of 1,729 items by 282 annotators
    assert (entry["n_ratings"], entry["n_items"], entry["n_annotators"]) == (6409, 1729, 282)
    r = entry["coefficients"]["mean_cohen_kappa"]
    _inside(r, (r["boot_ci_low"], r["boot_ci_high"]))


def test_too_few_overlapping_pairs_give_nan_with_the_reason():
    # every pair shares three items at most
    df = crowd(6, n_items=30, n_ann=30, per_item=2)
    with pytest.warns(DegenerateDataWarning, match="no annotator pair shares at least 5 clips"):
        r = light_kappa(ann_of(df))
    assert np.isnan(r["estimate"]) and np.isnan(r["se"])
    b = bootstrap_ci(ann_of(df), coefficients=["mean_cohen_kappa"], n_boot=50, rng=0)
    assert b.loc["mean_cohen_kappa", "n_valid"] == 0


def test_min_overlap_below_two_is_refused():
    with pytest.raises(ValueError, match="min_overlap"):
        light_kappa(ann_of(crowd(0, n_items=10, n_ann=3, per_item=3)), min_overlap=1)


def test_the_note_counts_the_pairs_averaged_and_the_pairs_sharing_a_clip():
    from raer_agreement.metrics.analysis import Analysis

    df = crowd(5, n_items=150, n_ann=30, per_item=4)
    j = df.merge(df, on="item", suffixes=("_a", "_b"))
    shared = j[j["annotator_a"] < j["annotator_b"]].groupby(["annotator_a", "annotator_b"]).size()
    _, n_light = peer_light(df, MIN_OVERLAP)
    a = Analysis(ann_of(df), "label")
    a.coefficients(["mean_cohen_kappa"])
    note = next(n for n in a.notes if n.startswith("Light's kappa averages"))
    assert f"the {n_light:,} of {len(shared):,} annotator pairs" in note
