"""Agreement per annotator: who agrees with the others, who pulls alpha down?

* Cohen's kappa against the leave-one-out consensus: each rating of an
  annotator is compared with the plurality vote of the *other* annotators
  of the same item (a tie shares the item's unit weight equally among the
  tied categories); items nobody else rated are left out.
* Leave-one-annotator-out alpha: Krippendorff's alpha without the
  annotator, and its influence ``alpha_without - alpha`` (positive = the
  annotator lowers agreement).  Computed by updating the coincidence matrix
  on the annotator's items only, not by recomputing from scratch.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..io.frames import as_annotations
from . import _core
from ._sufficient import coincidence_of, krippendorff_distances, sufficient

__all__ = [
    "per_annotator_agreement",
    "per_annotator_of",
    "consensus_tables",
    "human_ceiling",
    "human_ceiling_of",
]

_CHUNK = 2_000_000


def _alpha_from_o(O, level, values):
    nv = O.sum(1)
    N = nv.sum()
    d = krippendorff_distances(level, values, nv)
    de = float(nv @ d @ nv)
    if de <= 0:
        return np.nan
    return float(1 - (N - 1) * np.sum(O * d) / de)


def per_annotator_agreement(
    data, scheme: str | None = None, *, level: str = "nominal"
) -> pd.DataFrame:
    """Per-annotator agreement with the others.

    Parameters
    ----------
    data : Annotations or long DataFrame
    scheme : str, optional
    level : {"nominal", "ordinal", "interval", "ratio"}
        Metric of the leave-one-out alpha.

    Raises
    ------
    AnonymousVotesError
        When the votes are anonymous (annotator identities unknown).

    Returns
    -------
    DataFrame, one row per annotator with a rating (index ``annotator``)
        ``n_ratings, n_items``; ``consensus_agreement`` (share of ratings
        equal to the others' plurality), ``kappa_vs_consensus`` (Cohen's
        kappa of the annotator against that consensus), ``n_compared``
        (ratings with another rating on the item), ``mean_cohen_kappa``
        (mean kappa with every other annotator sharing two items or more),
        ``alpha_without``, ``alpha_influence`` (``alpha_without - alpha``).

    Examples
    --------
    >>> from raer_agreement.io import from_matrix
    >>> ann = from_matrix([[1, 1, 2], [2, 2, 1], [1, 1, 1], [2, 2, 2], [1, 1, 2]],
    ...                               categories=[1, 2])
    >>> t = per_annotator_agreement(ann)
    >>> t["consensus_agreement"].round(2).tolist()
    [0.7, 0.7, 0.4]
    """
    ann = as_annotations(data)
    ann.require_identities("per-annotator agreement")
    s = sufficient(ann, scheme)
    return per_annotator_of(s, ann.annotator_ids, _core.pair_tables(s), level=level)


def consensus_tables(s) -> np.ndarray:
    """Each annotator's ratings against the leave-one-out plurality of the others.

    Returns
    -------
    ndarray of float, shape (n_annotators, q, q)
        ``[a, k, l]``: weight of ``a``'s ratings in ``k`` whose item's other
        ratings have their plurality in ``l`` (a tie shares the unit weight
        among the tied categories; items nobody else rated are left out).
    """
    q, r = s.q, s.n_annotators
    counts = s.counts
    if s.has_repeats:
        key = s.item * r + s.annotator
        _, inv = np.unique(key, return_inverse=True)
        own = np.zeros((inv.max() + 1 if len(inv) else 0, q), dtype=np.int32)
        np.add.at(own, (inv, s.label), 1)
    tab = np.zeros(r * q * q)
    for lo in range(0, s.n_ratings, _CHUNK):
        sl = slice(lo, lo + _CHUNK)
        it, an, lab = s.item[sl], s.annotator[sl], s.label[sl]
        others = counts[it].astype(np.int32)
        if s.has_repeats:
            others -= own[inv[sl]]
        else:
            others[np.arange(len(it)), lab] -= 1
        top = others.max(1)
        has = top > 0
        is_top = (others == top[:, None]) & has[:, None]
        share = is_top / np.maximum(is_top.sum(1), 1)[:, None]  # (chunk, q)
        rows, cols = np.nonzero(share)
        code = (an[rows] * q + lab[rows]) * q + cols
        tab += np.bincount(code, weights=share[rows, cols], minlength=r * q * q)
    return tab.reshape(r, q, q)


def per_annotator_of(
    s, annotator_ids, pairs, *, level: str = "nominal", tables=None
) -> pd.DataFrame:
    """:func:`per_annotator_agreement` from the sufficient statistics of one
    scheme, the source's annotator ids, the pair tables of ``s`` and
    (optionally) the :func:`consensus_tables` of ``s``."""
    q, r, n = s.q, s.n_annotators, s.n_items
    counts = s.counts
    tables = consensus_tables(s) if tables is None else tables
    res = _core.cohen_from_tables(tables, np.eye(q))
    # --- mean pairwise Cohen kappa per annotator
    pt = pairs
    pk = _core.cohen_from_tables(pt.tables, np.eye(q))["kappa"] if len(pt.keys) else np.zeros(0)
    ok = np.isfinite(pk)
    ksum = np.zeros(r)
    kcnt = np.zeros(r)
    for col in (0, 1):
        if len(pt.keys):
            ksum += np.bincount(pt.pairs[ok, col], weights=pk[ok], minlength=r)
            kcnt += np.bincount(pt.pairs[ok, col], minlength=r)
    mean_k = np.where(kcnt > 0, ksum / np.maximum(kcnt, 1), np.nan)
    mean_k[np.abs(mean_k) <= 1e-12] = 0.0  # kappas that cancel: 0, not -5.8e-18
    # --- leave-one-annotator-out alpha
    x_all = counts.astype(float)
    O = coincidence_of(x_all) if n else np.zeros((q, q))
    alpha = _alpha_from_o(O, level, s.values) if n else np.nan
    order = np.argsort(s.annotator, kind="stable")
    # each annotator's run in ``order``, from the counts (no sorted copy of the codes)
    bounds = np.concatenate([[0], np.cumsum(np.bincount(s.annotator, minlength=r))])
    alpha_wo = np.full(r, np.nan)
    for a in range(r):
        idx = order[bounds[a] : bounds[a + 1]]
        it = s.item[idx]
        items, inv_a = np.unique(it, return_inverse=True)
        own_a = np.zeros((len(items), q))
        np.add.at(own_a, (inv_a, s.label[idx]), 1)
        before = x_all[items]
        O_a = O - coincidence_of(before) + coincidence_of(before - own_a)
        alpha_wo[a] = _alpha_from_o(O_a, level, s.values)
    n_items_a = np.array(
        [len(np.unique(s.item[order[bounds[a] : bounds[a + 1]]])) for a in range(r)]
    )
    ids = np.asarray(annotator_ids, dtype=object)[s.annotator_codes]
    return pd.DataFrame(
        {
            "n_ratings": np.bincount(s.annotator, minlength=r),
            "n_items": n_items_a,
            "n_compared": res["n"],
            "consensus_agreement": np.where(res["n"] > 0, res["pa"], np.nan),
            "kappa_vs_consensus": res["kappa"],
            "mean_cohen_kappa": mean_k,
            "alpha_without": alpha_wo,
            "alpha_influence": np.where(np.abs(alpha_wo - alpha) <= 1e-12, 0.0, alpha_wo - alpha),
        },
        index=pd.Index(ids, name="annotator"),
    )


def human_ceiling(ann, scheme: str | None = None) -> pd.DataFrame:
    """Each annotator scored against the leave-one-out consensus of the others.

    The consensus of a rating is the plurality of the *other* annotators'
    votes on that clip, as in :func:`per_annotator_agreement` (one
    definition, :func:`consensus_tables`): a tie shares the rating's unit
    weight equally among the tied classes, and clips no one else voted on
    are left out.  This is the human reference for a model's UAR (mean
    per-class recall) and WAR (accuracy) against aggregated labels.

    In the example, annotator 1 agrees with the others on clips 2 and 3 and
    gets half credit on clips 1 and 4, where the others tie: WAR 0.75.

    Returns
    -------
    DataFrame
        One row per annotator (index ``annotator``): ``n_compared`` (ratings
        with another vote on the clip), ``uar``, ``war``.

    Examples
    --------
    >>> from raer_agreement.io import from_matrix
    >>> ann = from_matrix([[1, 1, 2], [2, 2, 2], [1, 1, 1], [2, 1, 2]], categories=[1, 2])
    >>> human_ceiling(ann)["war"].tolist()
    [0.75, 0.625, 0.625]
    """
    ann = as_annotations(ann)
    ann.require_identities("the human ceiling by annotator")
    s = sufficient(ann, ann.resolve_scheme(scheme))
    return human_ceiling_of(consensus_tables(s), s, ann.annotator_ids)


def human_ceiling_of(tables: np.ndarray, s, annotator_ids) -> pd.DataFrame:
    """:func:`human_ceiling` from the :func:`consensus_tables` of ``s`` (every
    annotator of ``annotator_ids`` gets a row; nan without a compared rating)."""
    n = tables.sum((1, 2))
    diag = np.einsum("akk->ak", tables)
    col = tables.sum(1)  # per consensus class
    with np.errstate(invalid="ignore", divide="ignore"):
        recall = np.where(col > 0, diag / np.where(col > 0, col, 1), np.nan)
        uar = np.where((col > 0).any(1), np.nanmean(np.where(col > 0, recall, np.nan), 1), np.nan)
        war = np.where(n > 0, diag.sum(1) / np.where(n > 0, n, 1), np.nan)
    r = len(annotator_ids)
    full = {k: np.full(r, np.nan) for k in ("n_compared", "uar", "war")}
    full["n_compared"][s.annotator_codes] = n
    full["uar"][s.annotator_codes] = uar
    full["war"][s.annotator_codes] = war
    out = pd.DataFrame(full, index=pd.Index(list(annotator_ids), name="annotator"))
    out["n_compared"] = out["n_compared"].fillna(0).round().astype(np.int64)
    return out
