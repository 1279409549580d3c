"""Two-annotator coefficients: Cohen's kappa, Scott's pi and relatives;
the pairwise Cohen matrix and its mean (Light's kappa).

Two-rater tables follow irrCAC ``agree.coeff2.r`` (``kappa2.table``,
``scott2.table``, ``gwet.ac1.table``, ``bp2.table``, ``krippen2.table``,
``pa2.table``).  The SE of Cohen's kappa is the Fleiss-Cohen-Everitt (1969)
asymptotic SE (the same formula as ``kappa2.table``), with its value under
H0 for the z test; the CI uses t(n - 1) as irrCAC, or the normal
distribution (``dist="normal"``) as SAS PROC FREQ does.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..io.frames import as_annotations
from . import _core
from ._sufficient import agreement_weights, from_codes, sufficient, warn_degenerate
from .coefficients import MIN_OVERLAP, coefficient
from .pairs import pair_index
from .results import Coefficient

__all__ = [
    "contingency_table",
    "two_rater_coefficients",
    "cohen_kappa",
    "scott_pi",
    "pairwise_cohen",
    "cohen_kappa_matrix",
    "light_kappa",
    "pairwise_cohen_of",
    "kappa_matrix_of",
]

TWO_RATER = (
    "cohen_kappa",
    "scott_pi",
    "gwet_ac1",
    "brennan_prediger",
    "krippendorff_alpha",
    "percent_agreement",
)


def _resolve_annotator(ann, a):
    ids = list(ann.annotator_ids)
    if isinstance(a, (int, np.integer)) and str(a) not in ids:
        if not 0 <= a < len(ids):
            raise ValueError(f"annotator code {a} out of range 0..{len(ids) - 1}")
        return int(a)
    if str(a) not in ids:
        shown = ", ".join(ids[:10]) + (" ..." if len(ids) > 10 else "")
        raise ValueError(f"unknown annotator {a!r}; annotators are: {shown}")
    return ids.index(str(a))


def contingency_table(data, a=None, b=None, *, scheme: str | None = None) -> pd.DataFrame:
    """Cross-table of two annotators over the items both rated.

    Parameters
    ----------
    data : Annotations or long DataFrame
    a, b : str or int, optional
        Annotator ids (or codes).  Default: the only two annotators.
    scheme : str, optional

    Returns
    -------
    DataFrame, shape (q, q)
        Rows: ``a``'s category; columns: ``b``'s; every declared category.
        Repeated ratings of an item split its unit weight equally.

    Examples
    --------
    >>> from raer_agreement.io import from_matrix
    >>> ann = from_matrix([["x", "x"], ["x", "y"], ["y", "y"]], categories=["x", "y"])
    >>> contingency_table(ann).to_numpy().tolist()
    [[1.0, 1.0], [0.0, 1.0]]
    """
    ann = as_annotations(data)
    ann.require_identities("a two-annotator contingency table")
    if a is None and b is None:
        if ann.n_annotators != 2:
            raise ValueError(f"name the two annotators: these data have {ann.n_annotators}")
        ia, ib = 0, 1
    elif a is None or b is None:
        raise ValueError("give both annotators a and b, or neither")
    else:
        ia, ib = _resolve_annotator(ann, a), _resolve_annotator(ann, b)
    if ia == ib:
        raise ValueError("a and b must be two different annotators")
    name = ann.schemes[0] if scheme is None else scheme
    cats = ann.categories(name)
    it, an, lab = ann.ratings(name)
    keep = (an == ia) | (an == ib)
    s = from_codes(
        it[keep], np.where(an[keep] == ia, 0, 1), lab[keep], categories=cats, n_items=ann.n_items
    )
    pt = pair_index(s, min_shared=1)
    q = len(cats)
    tab = pt.tables[0] if len(pt.keys) else np.zeros((q, q))
    ids = ann.annotator_ids
    return pd.DataFrame(
        tab, index=pd.Index(cats, name=ids[ia]), columns=pd.Index(cats, name=ids[ib])
    )


def two_rater_coefficients(
    table, *, weights=None, confidence: float = 0.95, dist: str = "t"
) -> pd.DataFrame:
    """Every two-rater coefficient from a contingency table, with SEs.

    Parameters
    ----------
    table : array-like, shape (q, q)
        ``table[k, l]`` = items rater A put in ``k`` and rater B in ``l``.
    weights : None, str or ndarray of shape (q, q)
    confidence : float
    dist : {"t", "normal"}
        CI and p-value reference: t(n - 1) (irrCAC) or normal (SAS).

    Returns
    -------
    DataFrame
        Rows ``cohen_kappa, scott_pi, gwet_ac1, brennan_prediger,
        krippendorff_alpha, percent_agreement``; columns ``estimate, se,
        ci_low, ci_high, p_value, pa, pe, n_items``, and for Cohen's kappa
        ``se_h0`` and ``z`` (= estimate / se_h0).

    Examples
    --------
    irrCAC ``cont3x3abstractors`` (Gwet 2014):

    >>> t = two_rater_coefficients([[13, 0, 0], [0, 20, 7], [0, 4, 56]])
    >>> [round(float(v), 7) for v in t.loc[["cohen_kappa", "scott_pi", "gwet_ac1"], "estimate"]]
    [0.7964094, 0.7962397, 0.8493305]
    """
    t = _Contingency.of(table, weights, confidence, dist)
    W, pi, q, tw = t.W, t.pi, t.q, t.tw
    rows = {"cohen_kappa": _cohen_row(t)}
    pe_s = float(pi @ W @ pi)
    piw = (W @ pi + W.T @ pi) / 2
    rows["scott_pi"] = _row(t, pe_s, (piw[:, None] + piw[None, :]) / 2)
    pe_g = tw * float(np.sum(pi * (1 - pi))) / (q * (q - 1)) if q >= 2 else np.nan
    rows["gwet_ac1"] = _row(
        t,
        pe_g,
        tw / (q * (q - 1)) * (1 - (pi[:, None] + pi[None, :]) / 2) if q >= 2 else np.nan,
    )
    pe_b = tw / q**2
    rows["brennan_prediger"] = _row(t, pe_b, np.full((q, q), pe_b))
    eps = 1 / (2 * t.n) if t.n > 0 else np.nan
    pa_eps = (1 - eps) * t.pa + eps
    rows["krippendorff_alpha"] = _row(
        t, pe_s, None, est=_core.chance_corrected(pa_eps, pe_s), se_from=rows["scott_pi"]["se"]
    )
    rows["krippendorff_alpha"]["pa"] = float(pa_eps)
    rows["percent_agreement"] = _row(t, 0.0, np.zeros((q, q)), est=t.pa)
    for r in rows.values():
        r.setdefault("se_h0", np.nan)
        r.setdefault("z", np.nan)
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "coefficient"
    return out


@dataclass
class _Contingency:
    """A checked two-rater table and the margins every coefficient's row reads."""

    T: np.ndarray
    W: np.ndarray  # agreement weights
    n: float
    p: np.ndarray  # T / n
    pk: np.ndarray  # rater A's margin
    pl: np.ndarray  # rater B's margin
    pa: float
    pi: np.ndarray  # the mean margin
    tw: float  # the sum of the weights
    q: int
    confidence: float
    dist: str

    @classmethod
    def of(cls, table, weights, confidence, dist) -> _Contingency:
        T = np.asarray(table, dtype=float)
        if T.ndim != 2 or T.shape[0] != T.shape[1]:
            raise ValueError(f"a contingency table must be square (q x q), got shape {T.shape}")
        if (T < 0).any():
            raise ValueError("a contingency table cannot hold negative counts")
        q = T.shape[0]
        W = agreement_weights(weights, q)
        n = T.sum()
        p = T / n if n > 0 else T
        pk, pl = p.sum(1), p.sum(0)
        pa = float(np.sum(W * p))
        return cls(T, W, n, p, pk, pl, pa, (pk + pl) / 2, W.sum(), q, confidence, dist)


def _row(t: _Contingency, pe, pe_kl, *, extra=None, est=None, se_from=None) -> dict:
    """One coefficient's row: the estimate (chance-corrected unless given), Gwet's SE, CI, p-value."""
    n, p, W, pa = t.n, t.p, t.W, t.pa
    k = _core.chance_corrected(pa, pe) if est is None else est
    k = float(k) if n >= 2 else np.nan
    if se_from is not None:
        se = se_from
    elif np.isfinite(k):
        var = (np.sum(p * (W - 2 * (1 - k) * pe_kl) ** 2) - (pa - 2 * (1 - k) * pe) ** 2) / (
            n * (1 - pe) ** 2
        )
        se = float(np.sqrt(max(var, 0.0)))
    else:
        se = np.nan
    lo, hi, pv = _core.finish(k, se, int(round(n)), t.confidence, dist=t.dist)
    return {
        "estimate": k,
        "se": se,
        "ci_low": lo,
        "ci_high": hi,
        "p_value": pv,
        "pa": pa,
        "pe": float(pe),
        "n_items": float(n),
        **(extra or {}),
    }


def _cohen_row(t: _Contingency) -> dict:
    """Cohen's kappa's row, with the SE under H0 (Fleiss, Cohen and Everitt) and its z."""
    pe_c = float(t.pk @ t.W @ t.pl)
    wk, wl = t.W @ t.pl, t.W.T @ t.pk
    k_c = _core.chance_corrected(t.pa, pe_c)
    _, se0 = _core.fce_se(t.T, t.W) if t.n >= 2 else (np.nan, np.nan)
    return _row(
        t,
        pe_c,
        (wk[:, None] + wl[None, :]) / 2,
        extra={"se_h0": se0, "z": float(k_c / se0) if np.isfinite(se0) and se0 > 0 else np.nan},
    )


def cohen_kappa(
    data,
    a=None,
    b=None,
    *,
    scheme: str | None = None,
    weights=None,
    confidence: float = 0.95,
    dist: str = "t",
) -> pd.Series:
    """Cohen's (weighted) kappa of two annotators on the items both rated.

    SE: Fleiss-Cohen-Everitt (1969); ``se_h0`` and ``z`` test kappa = 0.

    Parameters
    ----------
    data : Annotations or long DataFrame
    a, b : str or int, optional
        Annotator ids; default the only two annotators.
    scheme : str, optional
    weights : None, str or ndarray of shape (q, q)
        ``"linear"``/``"quadratic"`` give weighted kappa.
    confidence : float
    dist : {"t", "normal"}

    Returns
    -------
    pandas.Series
        ``estimate, se, ci_low, ci_high, p_value, pa, pe, n_items, se_h0, z``.

    Examples
    --------
    >>> from raer_agreement.io import from_matrix
    >>> ann = from_matrix([[1, 1], [1, 2], [2, 2], [2, 2]], categories=[1, 2])
    >>> round(float(cohen_kappa(ann)["estimate"]), 4)
    0.5
    """
    tab = contingency_table(data, a, b, scheme=scheme)
    r = two_rater_coefficients(
        tab.to_numpy(), weights=weights, confidence=confidence, dist=dist
    ).loc["cohen_kappa"]
    if not np.isfinite(r["estimate"]):
        warn_degenerate(
            "cohen_kappa",
            "fewer than two shared items"
            if r["n_items"] < 2
            else "only one category is used (chance agreement is 1)",
        )
    return r.rename("cohen_kappa")


def scott_pi(
    data, a=None, b=None, *, scheme: str | None = None, weights=None, confidence: float = 0.95
) -> pd.Series:
    """Scott's pi of two annotators (pooled marginals), irrCAC ``scott2.table``.

    Examples
    --------
    >>> from raer_agreement.io import from_matrix
    >>> ann = from_matrix([[1, 1], [1, 2], [2, 2], [2, 2]], categories=[1, 2])
    >>> round(float(scott_pi(ann)["estimate"]), 4)
    0.4667
    """
    tab = contingency_table(data, a, b, scheme=scheme)
    r = two_rater_coefficients(tab.to_numpy(), weights=weights, confidence=confidence).loc[
        "scott_pi"
    ]
    if not np.isfinite(r["estimate"]):
        warn_degenerate(
            "scott_pi",
            "fewer than two shared items"
            if r["n_items"] < 2
            else "only one category is used (chance agreement is 1)",
        )
    return r.rename("scott_pi")


def pairwise_cohen(
    data, scheme: str | None = None, *, weights=None, confidence: float = 0.95
) -> pd.DataFrame:
    """Cohen's kappa of every annotator pair that shares an item.

    Returns
    -------
    DataFrame
        One row per pair: ``annotator_a, annotator_b, n_items, estimate, se,
        ci_low, ci_high, p_value, pa, pe`` (SE Fleiss-Cohen-Everitt, CI
        t(n - 1)).  Pairs with fewer than two shared items, or with one
        category only, have a nan estimate.

    Examples
    --------
    >>> from raer_agreement.io import from_matrix
    >>> ann = from_matrix([[1, 1, 2], [1, 2, 2], [2, 2, 2], [2, 2, 1]], categories=[1, 2])
    >>> pairwise_cohen(ann)[["annotator_a", "annotator_b", "n_items"]].values.tolist()
    [['1', '2', 4.0], ['1', '3', 4.0], ['2', '3', 4.0]]
    """
    ann = as_annotations(data)
    ann.require_identities("pairwise Cohen's kappa")
    s = sufficient(ann, scheme)
    W = agreement_weights(weights, s.q, s.values)
    return pairwise_cohen_of(s, _core.pair_tables(s), W, ann.annotator_ids, confidence=confidence)


def pairwise_cohen_of(s, pt, W, annotator_ids, *, confidence: float = 0.95) -> pd.DataFrame:
    """:func:`pairwise_cohen` from the sufficient statistics, their pair
    tables, the weight matrix (q, q) and the source's annotator ids."""
    res = _core.cohen_from_tables(pt.tables, W)
    ids = np.asarray(annotator_ids, dtype=object)
    a_ids = ids[s.annotator_codes[pt.pairs[:, 0]]] if len(pt.keys) else np.array([], dtype=object)
    b_ids = ids[s.annotator_codes[pt.pairs[:, 1]]] if len(pt.keys) else np.array([], dtype=object)
    se = _core.fce_se(pt.tables, W)[0]
    lo, hi, pv = _core.finish_many(res["kappa"], se, np.round(res["n"]), confidence)
    return pd.DataFrame(
        {
            "annotator_a": pd.Series(a_ids, dtype=object),
            "annotator_b": pd.Series(b_ids, dtype=object),
            "n_items": res["n"],
            "estimate": res["kappa"],
            "se": se,
            "ci_low": lo,
            "ci_high": hi,
            "p_value": pv,
            "pa": res["pa"],
            "pe": res["pe"],
        }
    )


def cohen_kappa_matrix(data, scheme: str | None = None, *, weights=None) -> pd.DataFrame:
    """Square matrix of pairwise Cohen kappas (annotator ids on both axes).

    Diagonal 1; nan where two annotators share fewer than two items or
    their kappa is undefined.

    Examples
    --------
    >>> from raer_agreement.io import from_matrix
    >>> ann = from_matrix([[1, 1, 2], [1, 2, 2], [2, 2, 2], [2, 2, 1]], categories=[1, 2])
    >>> cohen_kappa_matrix(ann).shape
    (3, 3)
    """
    ann = as_annotations(data)
    return kappa_matrix_of(pairwise_cohen(ann, scheme, weights=weights), ann.annotator_ids)


def kappa_matrix_of(pairwise: pd.DataFrame, annotator_ids) -> pd.DataFrame:
    """:func:`cohen_kappa_matrix` from a :func:`pairwise_cohen` table."""
    ids = list(annotator_ids)
    pos = {a: i for i, a in enumerate(ids)}
    m = np.full((len(ids), len(ids)), np.nan)
    a = np.array([pos[x] for x in pairwise["annotator_a"]], dtype=np.int64)
    b = np.array([pos[x] for x in pairwise["annotator_b"]], dtype=np.int64)
    k = pairwise["estimate"].to_numpy(dtype=float)
    m[a, b] = k
    m[b, a] = k
    np.fill_diagonal(m, 1.0)
    return pd.DataFrame(
        m, index=pd.Index(ids, name="annotator"), columns=pd.Index(ids, name="annotator")
    )


def light_kappa(
    data,
    scheme: str | None = None,
    *,
    weights=None,
    confidence: float = 0.95,
    min_overlap: int = MIN_OVERLAP,
) -> Coefficient:
    """Light's kappa: the mean of the pairwise Cohen kappas.

    One set of annotator pairs counts: those sharing at least
    ``min_overlap`` items whose kappa is defined on the data.  The same
    set serves the estimate, the SE and every bootstrap resample (where a
    pair whose kappa the resample leaves undefined is left out of that
    resample's mean), so the estimate and its intervals describe one
    quantity.  The SE linearises each pair's kappa as irrCAC
    ``cohen.kappa.raw`` does and averages the item terms over pairs; CI
    t(n - 1), ``n`` = rated items.  With no qualifying pair the estimate is
    nan and the warning says "no annotator pair shares at least N clips".

    Parameters
    ----------
    data : Annotations or long DataFrame
    scheme : str, optional
    weights : None, str or ndarray of shape (q, q)
    confidence : float
    min_overlap : int, default 5
        Shared items a pair needs (>= 2).  Pairs sharing two to four items
        give kappas that take a handful of values and are mostly noise; on
        sparse crowds they are most pairs.  Irrelevant when every annotator
        rates every item.

    Returns
    -------
    Coefficient
        As :func:`~raer_agreement.metrics.fleiss_kappa` (``pa``/``pe`` are
        means over pairs).

    Examples
    --------
    >>> from raer_agreement.io import from_matrix
    >>> ann = from_matrix([[1, 1, 2], [1, 2, 2], [2, 2, 2], [2, 2, 1]], categories=[1, 2])
    >>> k = pairwise_cohen(ann)["estimate"]
    >>> bool(abs(light_kappa(ann, min_overlap=2)["estimate"] - k.mean()) < 1e-12)
    True
    """
    return coefficient(
        "mean_cohen_kappa",
        data,
        scheme,
        weights=weights,
        confidence=confidence,
        min_overlap=min_overlap,
    )
