"""How many votes per clip: re-aggregate k of each clip's ratings, many times.

For k = 1, 2, ... each resample keeps k ratings of every clip (drawn without
replacement from a seeded generator; the subsets for successive k are
nested, so EM for k starts from the posterior for k - 1) and re-runs the
aggregator.  Each clip then has, per k, the share of resamples whose label
equals the full-panel label (and the truth, when known).  Figures are means
of those per-clip shares over the clips with at least k ratings; their 95%
intervals come from a bootstrap over clips (:func:`raer_agreement.metrics.resample_weights`),
so they cover both the choice of clips and of votes.

Without truth, the accuracy of k-vote labels is estimated as their mean
probability under the full-panel posterior (``expected_accuracy``).  It
inherits that posterior's calibration: Dawid-Skene assumes annotators err
independently, so when clips differ in difficulty it is overconfident, and
near the full panel the estimate overstates accuracy (bundled corpus, k = 9
of 10: 99.6% expected, 99.3% against the truth; within the CI up to about
half the panel).

Clips with fewer than k ratings keep all of theirs in the fit (the model
needs them) but are left out of the figures at that k, and counted in
``n_clips_short``: their k-vote label would be their full-panel label by
construction.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DegenerateDataWarning
from ..metrics import gwet_ac1, krippendorff_alpha, resample_weights
from ._votes import Refitter, Votes

__all__ = ["PerK", "per_k_resampling", "clip_bootstrap"]


def clip_bootstrap(
    hits: np.ndarray, weights: np.ndarray, classes=None, q: int = 0, confidence: float = 0.95
):
    """Mean and UAR of per-clip hit rates with percentile bootstrap intervals.

    Parameters
    ----------
    hits : ndarray of float, shape (n,)
        Per-clip share of correct labels (nan = clip not counted).
    weights : ndarray of float, shape (B, n)
        Bootstrap weights over clips (how often each clip was drawn).
    classes : ndarray of int, shape (n,), optional
        Reference class of each clip (``-1`` = none): gives the per-class
        recall and its mean, the UAR.
    q : int
        Number of classes.

    Returns
    -------
    dict
        ``mean, ci_low, ci_high`` and, with ``classes``, ``uar, uar_ci_low,
        uar_ci_high, recall`` (ndarray shape (q,)).

    Examples
    --------
    >>> w = resample_weights(4, 200, 0)
    >>> r = clip_bootstrap(np.array([1.0, 1.0, 0.0, 1.0]), w)
    >>> r["mean"], bool(r["ci_low"] <= 0.75 <= r["ci_high"])
    (0.75, True)
    """
    ok = np.isfinite(hits)
    if classes is not None:
        ok &= np.asarray(classes) >= 0
    h = np.where(ok, hits, 0.0)
    e = ok.astype(float)
    a = (1 - confidence) / 2
    out: dict[str, Any] = {"n_clips": int(ok.sum())}
    with np.errstate(invalid="ignore", divide="ignore"):
        out["mean"] = float(h.sum() / e.sum()) if e.sum() else np.nan
        reps = (weights @ h) / (weights @ e)
    reps = reps[np.isfinite(reps)]
    out["ci_low"], out["ci_high"] = (
        (float(np.quantile(reps, a)), float(np.quantile(reps, 1 - a)))
        if len(reps)
        else (np.nan,) * 2
    )
    if classes is not None:
        onehot = np.zeros((len(h), q))
        onehot[ok, np.asarray(classes)[ok]] = 1.0
        with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            support = onehot.sum(axis=0)
            recall = np.where(support > 0, (h @ onehot) / np.maximum(support, 1e-300), np.nan)
            present = support > 0
            out["recall"] = recall
            out["uar"] = float(recall[present].mean()) if present.any() else np.nan
            r = (weights @ (h[:, None] * onehot))[:, present] / (weights @ onehot)[:, present]
            # a class missing from a bootstrap draw does not count in its UAR
            rep_uar = np.nanmean(np.where(np.isfinite(r), r, np.nan), axis=1)
        rep_uar = rep_uar[np.isfinite(rep_uar)]
        out["uar_ci_low"], out["uar_ci_high"] = (
            (float(np.quantile(rep_uar, a)), float(np.quantile(rep_uar, 1 - a)))
            if len(rep_uar)
            else (np.nan,) * 2
        )
    return out


@dataclass
class PerK:
    """Result of :func:`per_k_resampling`.

    Attributes
    ----------
    table : DataFrame
        One row per k (see :func:`per_k_resampling`).
    recall : DataFrame, shape (n_k, q)
        Per-class recall of the k-vote labels against the full-panel labels.
    recall_truth : DataFrame or None, shape (n_k, q)
        The same against the truth.
    hits : ndarray, shape (n_k, n_items)
        Per-clip share of resamples whose k-vote label equals the full-panel
        label (nan where the clip has fewer than k ratings).
    """

    table: pd.DataFrame
    recall: pd.DataFrame
    recall_truth: pd.DataFrame | None
    hits: np.ndarray


def _coefficient_widths(votes: Votes, mask) -> dict:
    sub = votes.subset(mask)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateDataWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        a = krippendorff_alpha(sub, votes.scheme)
        g = gwet_ac1(sub, votes.scheme)
    return {
        "alpha": float(a["estimate"]),
        "alpha_ci_width": float(a["ci_high"] - a["ci_low"]),
        "ac1": float(g["estimate"]),
        "ac1_ci_width": float(g["ci_high"] - g["ci_low"]),
    }


def per_k_resampling(
    votes: Votes,
    refitter: Refitter,
    full_labels: np.ndarray,
    *,
    reference_posteriors: np.ndarray | None = None,
    truth: np.ndarray | None = None,
    ks=None,
    n_resamples: int = 200,
    n_coefficient_resamples: int = 10,
    n_boot: int = 1000,
    rng=None,
    confidence: float = 0.95,
    block: int = 50,
) -> PerK:
    """Agreement of k-vote labels with the full-panel labels (and the truth).

    Parameters
    ----------
    votes : Votes
    refitter : Refitter
        The aggregator re-run on every subset.
    full_labels : ndarray of int, shape (n_items,)
        The aggregator's labels from every rating (``-1`` = none).
    reference_posteriors : ndarray, shape (n_items, q), optional
        Full-panel posterior of the true class: the expected accuracy of a
        k-vote label is its mean posterior probability under it.
    truth : ndarray of int, shape (n_items,), optional
        True class codes (``-1`` = unknown), from a simulation or gold.
    ks : sequence of int, optional
        Default ``1 .. max ratings per clip``.
    n_resamples : int
        Vote subsets drawn per k.
    n_coefficient_resamples : int
        Of those, how many also get alpha and AC1 with their analytic CIs
        (the widths barely vary between subsets of the same size).
    n_boot : int
        Bootstrap draws over clips for the intervals.
    rng : numpy.random.Generator
        Draws the subsets, the majority-vote ties and the bootstrap.
    block : int
        Subsets aggregated together (one sparse product per EM step for
        the whole block); bounds memory.

    Returns
    -------
    PerK
        ``table`` columns: ``k, n_ratings, cost_share, n_clips, n_clips_short,
        agreement_with_full, ci_low, ci_high, uar_with_full, uar_ci_low,
        uar_ci_high, expected_accuracy, expected_accuracy_ci_low,
        expected_accuracy_ci_high, alpha, alpha_ci_width, ac1, ac1_ci_width``
        and, with ``truth``, ``accuracy_vs_truth`` (with CI) and
        ``uar_vs_truth`` (with CI).
    """
    ks = _checked_ks(votes, ks)
    hits = _resample(
        votes,
        refitter,
        full_labels,
        ks,
        reference_posteriors,
        truth,
        n_resamples,
        n_coefficient_resamples,
        rng,
        block,
    )
    weights = resample_weights(votes.n_items, int(n_boot), rng)
    return _tables(votes, ks, hits, full_labels, truth, weights, confidence)


def _checked_ks(votes: Votes, ks) -> list:
    """The k values, sorted and distinct (default ``1 .. max ratings per clip``); refused unless positive."""
    n_max = int(votes.n_per_item.max()) if votes.n_items else 0
    ks = list(range(1, n_max + 1)) if ks is None else sorted({int(k) for k in ks})
    if not ks or ks[0] < 1:
        raise ValueError(f"k must be positive integers; got {ks!r}")
    return ks


@dataclass
class _Hits:
    """Per k and clip, the shares of resamples that hit; and the coefficient widths per k."""

    hit: np.ndarray  # the k-vote label equals the full-panel label
    exp_acc: np.ndarray  # the full-panel posterior of the k-vote label
    hit_truth: np.ndarray  # the k-vote label equals the truth
    coef: list  # per k, a dict of alpha and AC1 widths per subset that got them
    has_reference: bool
    has_truth: bool


def _resample(
    votes,
    refitter,
    full_labels,
    ks,
    reference_posteriors,
    truth,
    n_resamples,
    n_coefficient_resamples,
    rng,
    block,
) -> _Hits:
    """The resampling: blocks of nested vote subsets re-aggregated for every k."""
    K, n = len(ks), votes.n_items
    hit = np.zeros((K, n))
    exp_acc = np.zeros((K, n))
    hit_truth = np.zeros((K, n))
    coef: list[list[dict]] = [[] for _ in ks]
    has_truth = truth is not None and (np.asarray(truth) >= 0).any()
    for start in range(0, int(n_resamples), block):
        nb = min(block, int(n_resamples) - start)
        ranks = np.stack([votes.rank(rng) for _ in range(nb)])
        init = None
        for j, k in enumerate(ks):
            masks = ranks < k
            post, lab = refitter.fit_many(masks, init=init, rng=rng)
            init = post if refitter.warm_starts else None
            hit[j] += (lab == full_labels).sum(axis=0)
            if reference_posteriors is not None:
                got = np.take_along_axis(
                    reference_posteriors[None], np.maximum(lab, 0)[:, :, None], axis=2
                )[:, :, 0]
                exp_acc[j] += (got * (lab >= 0)).sum(axis=0)
            if has_truth:
                hit_truth[j] += (lab == truth).sum(axis=0)
            for b in range(max(0, min(nb, n_coefficient_resamples - start))):
                coef[j].append(_coefficient_widths(votes, masks[b]))
    hit /= max(n_resamples, 1)
    exp_acc /= max(n_resamples, 1)
    hit_truth /= max(n_resamples, 1)
    return _Hits(hit, exp_acc, hit_truth, coef, reference_posteriors is not None, bool(has_truth))


def _tables(votes, ks, hits: _Hits, full_labels, truth, weights, confidence) -> PerK:
    """The per-k table and the recalls, each figure with its bootstrap CI over clips."""
    rows, rec, rec_t = [], [], []
    for j, k in enumerate(ks):
        row, recall, recall_truth = _k_row(
            votes, j, k, hits, full_labels, truth, weights, confidence
        )
        rows.append(row)
        rec.append(recall)
        if hits.has_truth:
            rec_t.append(recall_truth)
    cats = pd.Index(votes.ann.categories(votes.scheme), name=votes.scheme)
    kidx = pd.Index(ks, name="k")
    return PerK(
        pd.DataFrame(rows),
        pd.DataFrame(np.array(rec), index=kidx, columns=cats),
        pd.DataFrame(np.array(rec_t), index=kidx, columns=cats) if hits.has_truth else None,
        np.where(votes.n_per_item[None, :] >= np.array(ks)[:, None], hits.hit, np.nan),
    )


def _k_row(votes, j, k, hits: _Hits, full_labels, truth, weights, confidence):
    """One row of the per-k table (the ``j``-th k), its recall and its recall against the truth."""
    q, total = votes.q, len(votes.item)
    eligible = votes.n_per_item >= k
    h = np.where(eligible & (full_labels >= 0), hits.hit[j], np.nan)
    r = clip_bootstrap(h, weights, full_labels, q, confidence)
    n_ratings = int(np.minimum(votes.n_per_item, k).sum())
    row = {
        "k": k,
        "n_ratings": n_ratings,
        "cost_share": n_ratings / total if total else np.nan,
        "n_clips": r["n_clips"],
        "n_clips_short": int((~eligible).sum()),
        "agreement_with_full": r["mean"],
        "ci_low": r["ci_low"],
        "ci_high": r["ci_high"],
        "uar_with_full": r["uar"],
        "uar_ci_low": r["uar_ci_low"],
        "uar_ci_high": r["uar_ci_high"],
    }
    if hits.has_reference:
        e = clip_bootstrap(
            np.where(eligible, hits.exp_acc[j], np.nan), weights, None, q, confidence
        )
        row.update(
            expected_accuracy=e["mean"],
            expected_accuracy_ci_low=e["ci_low"],
            expected_accuracy_ci_high=e["ci_high"],
        )
    recall_truth = None
    if hits.has_truth:
        t = clip_bootstrap(
            np.where(eligible, hits.hit_truth[j], np.nan), weights, truth, q, confidence
        )
        row.update(
            accuracy_vs_truth=t["mean"],
            accuracy_ci_low=t["ci_low"],
            accuracy_ci_high=t["ci_high"],
            uar_vs_truth=t["uar"],
            uar_vs_truth_ci_low=t["uar_ci_low"],
            uar_vs_truth_ci_high=t["uar_ci_high"],
        )
        recall_truth = t["recall"]
    if hits.coef[j]:
        c = pd.DataFrame(hits.coef[j]).mean()
        row.update({name: float(c[name]) for name in c.index})
    return row, r["recall"], recall_truth
