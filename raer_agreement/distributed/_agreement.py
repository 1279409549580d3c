"""The coefficient table on partitioned ratings.

Percent agreement, Fleiss' kappa, Brennan-Prediger, Gwet's AC1 and
Krippendorff's alpha, with their linearised SEs, depend on the data only
through the multiset of per-clip vote counts.  Each partition reduces its
clips to the distinct count vectors and how often each occurs; the tree
reduction merges these tables (a few thousand rows for ten votes over five
classes, whatever the number of clips), and the in-memory kernels of
:mod:`raer_agreement.metrics` run on the merged table with the
multiplicities as frequency weights.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..metrics import _core
from ..metrics._sufficient import (
    agreement_weights,
    category_values,
    from_codes,
    sufficient,
    warn_degenerate,
)
from ..metrics.coefficients import RESULT_FIELDS, Engine
from ._cluster import Progress, tree_reduce
from ._ingest import DaskRatings

__all__ = ["agreement_table", "TABLE_COEFFICIENTS", "count_histogram"]

#: Coefficients the distributed table computes, in report order.
TABLE_COEFFICIENTS = (
    "percent_agreement",
    "fleiss_kappa",
    "brennan_prediger",
    "gwet_ac1",
    "krippendorff_alpha",
)


def count_histogram(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct rows of ``counts`` and how often each occurs.

    Parameters
    ----------
    counts : ndarray of int, shape (n_items, q)

    Returns
    -------
    rows : ndarray of int64, shape (n_distinct, q)
    freq : ndarray of int64, shape (n_distinct,)

    Examples
    --------
    >>> rows, freq = count_histogram(np.array([[2, 0], [1, 1], [2, 0]]))
    >>> rows.tolist(), freq.tolist()
    ([[1, 1], [2, 0]], [1, 2])
    """
    counts = np.asarray(counts, dtype=np.int64)
    if len(counts) == 0:
        return counts.reshape(0, counts.shape[1]), np.zeros(0, dtype=np.int64)
    rows, freq = np.unique(counts, axis=0, return_counts=True)
    return rows, freq.astype(np.int64)


def _merge(*tables):
    rows = np.concatenate([t[0] for t in tables])
    freq = np.concatenate([t[1] for t in tables])
    if len(rows) == 0:
        return rows, freq
    u, inv = np.unique(rows, axis=0, return_inverse=True)
    return u, np.bincount(inv.ravel(), weights=freq, minlength=len(u)).astype(np.int64)


def _partition_table(blk, scheme):
    return count_histogram(sufficient(blk.annotations(), scheme).counts)


def _as_sufficient(rows: np.ndarray, scheme: str, sch):
    """A :class:`Sufficient` with one item per distinct count vector."""
    q = rows.shape[1]
    m = rows.sum(axis=1)
    item = np.repeat(np.arange(len(rows)), m)
    label = np.repeat(np.tile(np.arange(q), len(rows)), rows.ravel())
    # annotator = position of the rating within its item (identities are not used)
    annotator = np.arange(len(item)) - np.repeat(np.cumsum(m) - m, m)
    return from_codes(
        item,
        annotator,
        label,
        categories=sch.categories,
        n_items=len(rows),
        scheme=scheme,
        values=category_values(sch),
    )


def table_from_histogram(
    rows, freq, scheme: str, sch, *, level: str = "nominal", confidence: float = 0.95
) -> dict:
    """Estimate, SE, CI, p-value, pa, pe, n_items, n_ratings of each coefficient
    from a count-vector table (as :meth:`Engine.point` gives them for the full data)."""
    s = _as_sufficient(rows, scheme, sch)
    f = np.asarray(freq, dtype=float)
    eng = Engine(s, level=level)
    W = agreement_weights(None, s.q, s.values)
    n_items = int(f.sum())
    n_ratings = int(f @ s.m) if len(f) else 0
    out = {}
    with np.errstate(all="ignore"):
        if n_items:
            t = _core.ItemTerms(s, W)
            fam = _core.family_estimates(t, f[None])
            fam_se = _core.family_se(t, fam, f)
            ae = _core.alpha_estimates(s.coincidence_rows(), level, s.values, f[None])
            a_se, a_pa, a_pe, _ = _core.alpha_se(s, ae, f)
        for name in TABLE_COEFFICIENTS:
            reason = eng.reason(name)
            if not n_items:
                e = se = pa = pe = np.nan
                nr = 0
            elif name == "krippendorff_alpha":
                e, se, pa, pe = float(ae[name][0]), a_se, a_pa, a_pe
                nr = int(f[s.m >= 2] @ s.m[s.m >= 2])
            else:
                e, se = float(fam[name][0]), fam_se.get(name, np.nan)
                pa, pe = fam["pa"][0], fam["pe_" + name][0]
                nr = n_ratings
            if reason is None and n_items and not np.isfinite(e):
                reason = "chance agreement is 1"
            if reason is not None:
                e = se = np.nan
                warn_degenerate(name, reason, stacklevel=3)
            lo, hi, p = _core.finish(e, se, n_items, confidence)
            out[name] = {
                "estimate": e,
                "se": float(se),
                "ci_low": lo,
                "ci_high": hi,
                "p_value": p,
                "pa": float(pa),
                "pe": float(pe),
                "n_items": n_items,
                "n_ratings": nr,
                "reason": reason,
            }
    return out


def agreement_table(
    ratings: DaskRatings,
    scheme: str | None = None,
    *,
    level: str = "nominal",
    confidence: float = 0.95,
    progress: bool = False,
) -> pd.DataFrame:
    """The coefficient table of partitioned ratings.

    Parameters
    ----------
    ratings : DaskRatings
    scheme : str, optional
    level : {"nominal", "ordinal", "interval", "ratio"}
        Krippendorff's alpha metric.
    confidence : float

    Returns
    -------
    DataFrame, shape (5, 9)
        Rows ``percent_agreement, fleiss_kappa, brennan_prediger, gwet_ac1,
        krippendorff_alpha``; columns ``estimate, se, ci_low, ci_high,
        p_value, pa, pe, n_items, n_ratings`` (as the in-memory
        coefficient functions return them).  ``attrs["distinct_count_vectors"]``
        is the size of the reduced table.
    """
    say = Progress(progress)
    scheme = ratings.resolve(scheme)
    client = ratings.client
    rows, freq = tree_reduce(
        client, client.map(_partition_table, ratings.parts, scheme=scheme), combine=_merge
    ).result()
    say(f"agreement: {len(rows)} distinct vote-count vectors over {int(freq.sum())} clips")
    res = table_from_histogram(
        rows, freq, scheme, ratings.taxonomy[scheme], level=level, confidence=confidence
    )
    df = pd.DataFrame(
        [{k: r[k] for k in RESULT_FIELDS} for r in res.values()],
        index=pd.Index(list(res), name="coefficient"),
    )
    df.attrs["distinct_count_vectors"] = len(rows)
    df.attrs["reasons"] = {k: r["reason"] for k, r in res.items()}
    return df
