"""Array kernels shared by point estimates, standard errors and the bootstrap.

Every ``*_estimates`` function takes item weights ``w`` of shape
``(B, n_items)`` (``None`` = every item once, i.e. the point estimate) and
returns one value per row of ``w``: the bootstrap evaluates all resamples
with matrix products instead of calling a coefficient per resample.

The formulas follow Gwet's irrCAC R package (``agree.coeff3.raw.r``,
``kappa2.table``): Fleiss' kappa generalised to missing ratings, Gwet's
AC1/AC2, Brennan-Prediger, Conger, percent agreement, Krippendorff's alpha,
each with Gwet's linearised variance.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from ._sufficient import Sufficient, krippendorff_distances
from .pairs import PairIndex, pair_index

__all__ = [
    "wsum",
    "finish",
    "finish_many",
    "family_estimates",
    "family_se",
    "alpha_estimates",
    "alpha_se",
    "conger_estimates",
    "conger_se",
    "PairTables",
    "pair_tables",
    "cohen_from_tables",
    "mean_cohen_se",
    "qualifying_pairs",
    "PairCells",
    "pair_cells",
    "cohen_from_cells",
]


# ----------------------------------------------------------------- helpers
def wsum(w, a):
    """Weighted column sums ``w @ a``, shape (B, ...); ``w=None`` = plain sums (B = 1)."""
    if sp.issparse(a):
        if w is None:
            return np.asarray(a.sum(axis=0)).reshape(1, -1)
        return np.asarray((a.T @ w.T).T)
    a = np.asarray(a, dtype=float)
    if w is None:
        return a.sum(axis=0)[None]
    return w @ a


def _ratio(num, den):
    num = np.asarray(num, dtype=float)
    den = np.asarray(den, dtype=float)
    out = np.full(np.broadcast(num, den).shape, np.nan)
    np.divide(num, den, out=out, where=den != 0)
    return out


def chance_corrected(pa, pe):
    """(pa - pe) / (1 - pe); nan where pe == 1 (chance agreement is total);
    exactly 0 where pa and pe differ by rounding only (|pa - pe| <= 1e-12)."""
    pe = np.asarray(pe, dtype=float)
    # |pe - 1| <= 1e-12 is np.isclose(pe, 1, rtol=0, atol=1e-12) without its checks (hot in the bootstrap)
    one = np.abs(pe - 1.0) <= 1e-12
    num = np.asarray(pa, dtype=float) - pe
    num = np.where(np.abs(num) <= 1e-12, 0.0, num)  # no 1e-18 "kappa" from float noise
    return np.where(one, np.nan, num / np.where(one, 1.0, 1.0 - pe))


def _check_interval(confidence, dist) -> None:
    if not (0 < confidence < 1):
        raise ValueError(f"confidence must be in (0, 1), got {confidence!r}")
    if dist not in ("t", "normal"):
        raise ValueError(f"dist must be 't' or 'normal', got {dist!r}")


def finish(estimate, se, n, confidence=0.95, *, upper=1.0, lower=None, dist="t"):
    """CI with Student t(n - 1), bounds clipped to the range, two-sided p-value.

    Follows irrCAC (2021): ``ci = estimate -/+ t_{1-(1-c)/2, n-1} * se``
    with the upper bound clipped at 1, ``p = 2 (1 - T_{n-1}(|estimate| / se))``
    (H0: coefficient = 0).  ``dist="normal"`` uses the standard normal
    instead (SAS PROC FREQ for two-rater kappa). ``lower`` clips the lower
    bound where the coefficient has a floor (percent agreement: 0); irrCAC
    leaves it unclipped, which can print an impossible negative share.
    """
    _check_interval(confidence, dist)
    if not np.isfinite(estimate) or not np.isfinite(se) or n < 2:
        return np.nan, np.nan, np.nan
    # scipy.special's t and normal functions are what scipy.stats' t and norm call,
    # without the half-second import of scipy.stats
    from scipy.special import ndtr, ndtri, stdtr, stdtrit

    level = 1 - (1 - confidence) / 2
    tq = float(ndtri(level) if dist == "normal" else stdtrit(n - 1, level))
    lo, hi = estimate - tq * se, estimate + tq * se
    if upper is not None:
        hi = min(upper, hi)
    if lower is not None:
        lo = max(lower, lo)
    if se > 0:
        z = abs(estimate) / se
        p = 2 * float(ndtr(-z) if dist == "normal" else stdtr(n - 1, -z))
    else:
        p = 0.0 if estimate != 0 else 1.0
    return float(lo), float(hi), p


def finish_many(estimate, se, n, confidence=0.95, *, upper=1.0, lower=None, dist="t"):
    """:func:`finish` of arrays: ``(lo, hi, p)`` arrays, elementwise the same.

    Examples
    --------
    >>> lo, hi, p = finish_many([0.5, 0.2], [0.1, 0.0], [30, 1])
    >>> bool(np.allclose(lo[0], finish(0.5, 0.1, 30)[0])), bool(np.isnan(lo[1]))
    (True, True)
    """
    _check_interval(confidence, dist)
    from scipy.special import ndtr, ndtri, stdtr, stdtrit

    e, se = np.asarray(estimate, dtype=float), np.asarray(se, dtype=float)
    n = np.asarray(n, dtype=float)
    ok = np.isfinite(e) & np.isfinite(se) & (n >= 2)
    df = np.where(ok, n - 1, 1.0)
    level = 1 - (1 - confidence) / 2
    tq = np.full(e.shape, ndtri(level)) if dist == "normal" else stdtrit(df, level)
    with np.errstate(all="ignore"):  # the nan and inf cells are masked below
        lo, hi = e - tq * se, e + tq * se
        if upper is not None:
            hi = np.minimum(upper, hi)
        if lower is not None:
            lo = np.maximum(lower, lo)
        z = np.abs(e) / np.where(se > 0, se, 1.0)
        tail = ndtr(-z) if dist == "normal" else stdtr(df, -z)
    p = np.where(se > 0, 2 * tail, np.where(e != 0, 0.0, 1.0))
    nan = np.full(e.shape, np.nan)
    return np.where(ok, lo, nan), np.where(ok, hi, nan), np.where(ok, p, nan)


def _fsum(freq, a):
    """Column sums of ``a``, each row counted ``freq`` times (None = once)."""
    return np.sum(a, axis=0) if freq is None else freq @ a


def _linearised_var(x, estimate, n, freq=None):
    if n < 2 or not np.isfinite(estimate):
        return np.nan
    return float(_fsum(freq, (x - estimate) ** 2) / (n * (n - 1)))


# ------------------------------------------------- Fleiss / AC1 / BP / PA
class ItemTerms:
    """Per-item terms of the Gwet family for one weight matrix.

    Attributes
    ----------
    counts : ndarray of float, shape (n, q)
    m : ndarray of float, shape (n,)
    two : ndarray of float, shape (n,)
        1 where the item has two ratings or more.
    pa_i : ndarray of float, shape (n,)
        Weighted share of agreeing rating pairs (0 when ``m < 2``).
    pi_i : ndarray of float, shape (n,), q)
        Category shares within the item.
    """

    def __init__(self, s: Sufficient, W: np.ndarray):
        counts = s.counts.astype(float)
        m = counts.sum(1)
        xw = counts @ W.T
        sumq = (counts * (xw - 1.0)).sum(1)
        den = m * (m - 1)
        self.counts, self.m, self.W = counts, m, W
        self.two = (m >= 2).astype(float)
        self.pa_i = np.divide(sumq, den, out=np.zeros_like(sumq), where=den > 0)
        self.pi_i = counts / np.maximum(m, 1)[:, None]


FAMILY = ("percent_agreement", "fleiss_kappa", "brennan_prediger", "gwet_ac1")


def family_estimates(t: ItemTerms, w=None) -> dict:
    """Percent agreement, Fleiss, Brennan-Prediger and AC1 (AC2 when weighted).

    Returns a dict of arrays of shape (B,) plus ``pa`` and the chance
    agreements ``pe_<name>``.
    """
    W = t.W
    q = W.shape[0]
    n2 = wsum(w, t.two[:, None])[:, 0]
    pa = _ratio(wsum(w, t.pa_i[:, None])[:, 0], n2)
    tot = wsum(w, np.ones((len(t.m), 1)))[:, 0]
    pi = wsum(w, t.pi_i) / tot[:, None]
    pe_f = np.einsum("bk,kl,bl->b", pi, W, pi)
    tw = W.sum()
    pe_ac1 = (
        tw * np.sum(pi * (1 - pi), axis=1) / (q * (q - 1)) if q >= 2 else np.full(len(pa), np.nan)
    )
    pe_bp = np.full(len(pa), tw / q**2)
    out = {
        "pa": pa,
        "pe_fleiss_kappa": pe_f,
        "pe_gwet_ac1": pe_ac1,
        "pe_brennan_prediger": pe_bp,
        "pe_percent_agreement": np.zeros(len(pa)),
    }
    out["percent_agreement"] = pa
    out["fleiss_kappa"] = chance_corrected(pa, pe_f)
    out["brennan_prediger"] = chance_corrected(pa, pe_bp) if q >= 2 else np.full(len(pa), np.nan)
    out["gwet_ac1"] = chance_corrected(pa, pe_ac1)
    return out


def family_se(t: ItemTerms, est: dict, freq=None) -> dict:
    """Gwet's linearised standard errors for the family (irrCAC formulas).

    ``freq`` (shape (n,), optional) are frequency weights: row ``i`` of
    ``t`` stands for ``freq[i]`` items with the same counts, so a table of
    distinct count vectors gives the SEs of the full data set.
    """
    f = None if freq is None else np.asarray(freq, dtype=float)
    n = len(t.m) if f is None else f.sum()
    n2 = _fsum(f, t.two)
    W = t.W
    q = W.shape[0]
    out = {}
    if n < 2 or n2 == 0:
        return {k: np.nan for k in FAMILY}
    pa = est["pa"][0]
    # percent agreement: pa.coeff.raw
    pa_iv = (n / n2) * t.pa_i
    out["percent_agreement"] = np.sqrt(_linearised_var(pa_iv, pa, n, f))
    pi = _fsum(f, t.pi_i) / n
    for name in ("fleiss_kappa", "gwet_ac1", "brennan_prediger"):
        k = est[name][0]
        pe = est["pe_" + name][0]
        if not np.isfinite(k):
            out[name] = np.nan
            continue
        k_i = (n / n2) * (t.pa_i - pe * t.two) / (1 - pe)
        if name == "fleiss_kappa":
            piw = (W @ pi + W.T @ pi) / 2
            pe_i = (t.counts @ piw) / t.m
        elif name == "gwet_ac1":
            pe_i = (W.sum() / (q * (q - 1))) * (t.counts @ (1 - pi)) / t.m
        else:
            pe_i = np.full(len(t.m), pe)
        x = k_i - 2 * (1 - k) * (pe_i - pe) / (1 - pe)
        out[name] = np.sqrt(_linearised_var(x, k, n, f))
    return out


# ------------------------------------------------------------------- Conger
def conger_estimates(t: ItemTerms, R, n_annotators: int, pa, w=None, *, rater_counts=None) -> dict:
    """Conger's kappa from the annotators' own marginals.

    ``R`` is the items x (annotator, category) incidence; ``pa`` the
    (weighted) percent agreement of each resample, shape (B,).  For the
    point estimate pass ``R=None`` and ``rater_counts`` (n_annotators, q).
    """
    W = t.W
    q = W.shape[0]
    if R is None:
        cls = np.asarray(rater_counts, dtype=float)[None]
    else:
        cls = wsum(w, R).reshape(-1, n_annotators, q)  # (B, r, q)
    ng = cls.sum(2)  # (B, r)
    present = ng > 0
    r = present.sum(1).astype(float)  # raters present per resample
    p = np.divide(cls, ng[..., None], out=np.zeros_like(cls), where=ng[..., None] > 0)
    pbar = p.sum(1) / np.maximum(r, 1)[:, None]  # (B, q)
    s2 = np.einsum("brk,brl->bkl", p, p) - r[:, None, None] * np.einsum("bk,bl->bkl", pbar, pbar)
    s2 = s2 / np.where(r > 1, r - 1, np.nan)[:, None, None]
    pe = np.einsum("kl,bkl->b", W, np.einsum("bk,bl->bkl", pbar, pbar) - s2 / r[:, None, None])
    kappa = chance_corrected(pa, pe)
    kappa = np.where(r >= 2, kappa, np.nan)
    return {
        "conger_kappa": kappa,
        "pe_conger_kappa": pe,
        "_p": p,
        "_pbar": pbar,
        "_ng": ng,
        "_r": r,
    }


def conger_se(t: ItemTerms, s: Sufficient, est: dict) -> float:
    """Gwet's linearised SE of Conger's kappa (irrCAC ``conger.kappa.raw``)."""
    n = len(t.m)
    n2 = t.two.sum()
    k = est["conger_kappa"][0]
    if n < 2 or n2 == 0 or not np.isfinite(k):
        return np.nan
    W = t.W
    pe = est["pe_conger_kappa"][0]
    p, pbar, ng, r = est["_p"][0], est["_pbar"][0], est["_ng"][0], est["_r"][0]
    C = r * pbar[None, :] - p  # (r, q)
    A = C @ W  # A[g, l] = sum_k C[g, k] w[k, l]
    B = np.sum(p * A, axis=1)  # (r,)
    scale = np.divide(n, ng, out=np.zeros_like(ng), where=ng > 0)
    # one value per (annotator, label), gathered once: a single array per rating,
    # not three (a gigabyte at 30M ratings), and the same products
    per_pair = scale[:, None] * (A - B[:, None])
    per_rating = per_pair[s.annotator, s.label]
    pe_i = (np.bincount(s.item, weights=per_rating, minlength=n) + B.sum()) / (r * (r - 1))
    k_i = (n / n2) * (t.pa_i - pe * t.two) / (1 - pe)
    x = k_i - 2 * (1 - k) * (pe_i - pe) / (1 - pe)
    return float(np.sqrt(_linearised_var(x, k, n)))


# -------------------------------------------------------- Krippendorff alpha
def alpha_estimates(C, level: str, values: np.ndarray, w=None, *, O=None) -> dict:
    """Krippendorff's alpha from per-item coincidences ``C`` (n x q*q), or
    from the coincidence matrix ``O`` itself (point estimate).

    alpha = 1 - (N - 1) * sum(o * delta) / sum(n_k n_l delta), N = pairable
    values (Krippendorff 2011), equal to the ``krippendorff`` package.
    """
    q = len(values)
    O = wsum(w, C).reshape(-1, q, q) if O is None else np.asarray(O, dtype=float).reshape(1, q, q)
    nv = O.sum(2)
    N = nv.sum(1)
    d = krippendorff_distances(level, values, nv)
    do = np.einsum("bkl,bkl->b", O, d)
    de = np.einsum("bk,bkl,bl->b", nv, d, nv)
    alpha = 1 - (N - 1) * _ratio(do, de)
    return {"krippendorff_alpha": alpha, "_O": O, "_d": d, "_N": N}


def alpha_se(s: Sufficient, est: dict, freq=None) -> tuple[float, float, float, int]:
    """Gwet's linearised SE of alpha (irrCAC ``krippen.alpha.raw``).

    The per-clip size adjustment is centred on ``pa'`` (without the ``1/N``
    term), as in irrCAC 1.0's documented output (SE 0.14548 on
    ``cac.raw4raters``); earlier irrCAC releases and its Python port centre it
    on ``pa`` (0.14557 there).  See the coefficients page of the docs.

    The weights are ``1 - delta / max(delta)`` (which gives exactly the
    coincidence-matrix alpha).  Returns ``(se, pa, pe, n_pairable_items)``.
    ``freq`` (shape (s.n_items,), optional) are frequency weights, as in
    :func:`family_se`.
    """
    a = est["krippendorff_alpha"][0]
    d = np.asarray(est["_d"][0])
    keep = s.m >= 2
    counts = s.counts[keep].astype(float)
    f = None if freq is None else np.asarray(freq, dtype=float)[keep]
    n = counts.shape[0] if f is None else int(round(f.sum()))
    dmax = d.max() if d.size else 0.0
    if n == 0 or dmax <= 0:
        return np.nan, np.nan, np.nan, n
    W = 1 - d / dmax
    r = counts.sum(1)
    rbar = _fsum(f, r) / n
    eps = 1.0 / _fsum(f, r)
    sumq = (counts * (counts @ W.T - 1)).sum(1)
    pa_i = sumq / (rbar * (r - 1))
    paprime = _fsum(f, pa_i) / n
    pa = (1 - eps) * paprime + eps
    pi = _fsum(f, counts / rbar) / n
    pe = float(pi @ W @ pi)
    if not np.isfinite(a) or n < 2:
        return np.nan, pa, pe, n
    # irrCAC (2021): linearise around alpha' = (pa' - pe) / (1 - pe), pa' without the 1/N term
    a_prime = (paprime - pe) / (1 - pe)
    pa_iv = pa_i - paprime * (r - rbar) / rbar
    k_i = (pa_iv - pe) / (1 - pe)
    piw = (W @ pi + W.T @ pi) / 2
    pe_i = (counts @ piw) / rbar - pe * (r - rbar) / rbar
    x = k_i - 2 * (1 - a_prime) * (pe_i - pe) / (1 - pe)
    return float(np.sqrt(_linearised_var(x, a_prime, n, f))), float(pa), pe, n


# ------------------------------------------------------------------- Cohen
#: The pair tables of a scheme (see :class:`~raer_agreement.metrics.pairs.PairIndex`).
PairTables = PairIndex


def pair_tables(s: Sufficient) -> PairIndex:
    """Contingency tables of every annotator pair sharing two items or more."""
    return pair_index(s)


def cohen_from_tables(tables: np.ndarray, W: np.ndarray) -> dict:
    """Cohen's (weighted) kappa of each table, vectorised over leading axes.

    Parameters
    ----------
    tables : ndarray of float, shape (..., q, q)
    W : ndarray of float, shape (q, q)
    """
    n = tables.sum((-1, -2))
    pkl = tables / np.where(n > 0, n, 1)[..., None, None]
    pa = np.einsum("...kl,kl->...", pkl, W)
    pk = pkl.sum(-1)
    pl = pkl.sum(-2)
    pe = np.einsum("...k,kl,...l->...", pk, W, pl)
    kappa = np.where(n >= 2, chance_corrected(pa, pe), np.nan)
    return {"kappa": kappa, "pa": pa, "pe": pe, "n": n, "pk": pk, "pl": pl}


def fce_se(table: np.ndarray, W: np.ndarray):
    """Fleiss-Cohen-Everitt (1969) asymptotic SE of Cohen's (weighted) kappa,
    and its value under H0 (kappa = 0).  Same as irrCAC ``kappa2.table``.

    ``table`` of shape (q, q) gives two floats; a stack of tables of shape
    (P, q, q) gives two arrays of shape (P,) (nan where a table has fewer than
    two items or an undefined kappa).  Where one rater used a single category,
    kappa is 0 whatever the other did, and the formula's SE of 0 would print a
    zero-width interval: the SE is nan there (irrCAC prints the 0).
    """
    T = np.asarray(table, dtype=float)
    one = T.ndim == 2
    T = T[None] if one else T
    res = cohen_from_tables(T, W)
    k, pa, pe, pk, pl, n = res["kappa"], res["pa"], res["pe"], res["pk"], res["pl"], res["n"]
    one_category = (np.sum(pk > 0, axis=1) <= 1) | (np.sum(pl > 0, axis=1) <= 1)
    ok = (n >= 2) & np.isfinite(k) & ~one_category
    with np.errstate(all="ignore"):
        p = T / np.where(n > 0, n, 1)[:, None, None]
        wbar_k = pl @ W.T  # row category k: sum_l w_kl p_.l
        wbar_l = pk @ W  # column category l: sum_k w_kl p_k.
        both = wbar_k[:, :, None] + wbar_l[:, None, :]
        term = W[None] - (1 - k)[:, None, None] * both
        den = n * (1 - pe) ** 2
        var = (np.sum(p * term**2, axis=(1, 2)) - (pa - 2 * (1 - k) * pe) ** 2) / den
        var0 = (
            np.sum(pk[:, :, None] * pl[:, None, :] * (W[None] - both) ** 2, axis=(1, 2)) - pe**2
        ) / den
    se = np.where(ok, np.sqrt(np.maximum(var, 0.0)), np.nan)
    se0 = np.where(ok, np.sqrt(np.maximum(var0, 0.0)), np.nan)
    if one:
        return float(se[0]), float(se0[0])
    return se, se0


def mean_cohen_se(
    s: Sufficient, pt: PairIndex, res: dict, W: np.ndarray, used: np.ndarray
) -> float:
    """Linearised SE of the mean of pairwise Cohen kappas (Light's kappa).

    Each pair's kappa is linearised as in irrCAC ``cohen.kappa.raw`` over the
    items the pair shares; the mean's item terms are the average over pairs,
    scaled by ``n / n_pair`` as irrCAC does for missing ratings.  A pair's
    item term depends only on the pair and the two labels: a (pair, k, l)
    table gathered at the pair's item incidences, so the work follows the
    co-ratings.
    """
    n = s.n_items
    P = int(used.sum())
    if P == 0 or n < 2:
        return np.nan
    q = s.q
    kap, pe, npair = res["kappa"], res["pe"], res["n"]
    wk = res["pl"] @ W.T  # (P, q): row category k, sum_l w_kl p_.l
    wl = res["pk"] @ W  # (P, q): column category l, sum_k w_kl p_k.
    # the item term of every (pair, shared item), gathered at the incidences a
    # chunk at a time: ten ratings per clip give 45 incidences per clip (45M at
    # 10M ratings), never all held
    z = np.zeros(n)
    for item, p, code, weight in pt.incidences():
        la, lb = code // q, code % q
        with np.errstate(all="ignore"):
            pe_p, k_p = pe[p], kap[p]
            pe_kl = (wk[p, la] + wl[p, lb]) / 2
            x = (W[la, lb] - pe_p) / (1 - pe_p) - 2 * (1 - k_p) * (pe_kl - pe_p) / (1 - pe_p)
            g = (n / npair[p]) * (x - k_p)
        g = np.where(used[p], g, 0.0)
        if weight is not None:
            g *= weight
        z += np.bincount(item, weights=g, minlength=n)
    z /= P
    return float(np.sqrt(np.sum((z - z.mean()) ** 2) / (n * (n - 1))))


def qualifying_pairs(pt: PairIndex, W: np.ndarray, min_overlap: int) -> PairIndex:
    """The pairs of ``pt`` that share ``min_overlap`` items or more and have a
    defined kappa on the original data: the one pair set of Light's kappa.

    The subset keeps the pairs' tables and item incidences (renumbered);
    single-item pairs are dropped (``singles`` is empty).
    """
    res = cohen_from_tables(pt.tables, W)
    keep = (res["n"] >= min_overlap - 1e-9) & np.isfinite(res["kappa"])
    return pt.subset(keep)


@dataclass(eq=False)
class PairCells:
    """The (pair, label pair) cells the pairs of a :class:`PairIndex` use.

    Held transposed (cells and pairs as rows): a block of resamples is then
    one sparse-by-dense product per step, each with the resamples contiguous,
    and no dense block is copied to another memory order.

    Attributes
    ----------
    XT : scipy.sparse.csr_matrix, shape (C, n_items)
        Used cells x items: the weight of each item in each cell.
    n_of, pa_of : scipy.sparse.csr_matrix, shape (P, C)
        Pair <- cell: 1, and the agreement weight ``w[k, l]`` of the cell.
    k_of, l_of : scipy.sparse.csr_matrix, shape (P * q, C)
        (Pair, row category ``k``) and (pair, column category ``l``) <- cell.
    """

    XT: sp.csr_matrix
    n_of: sp.csr_matrix
    pa_of: sp.csr_matrix
    k_of: sp.csr_matrix
    l_of: sp.csr_matrix
    n_pairs: int
    q: int

    @property
    def width(self) -> int:
        """Largest number of columns of a (resamples x columns) block."""
        return max(self.XT.shape[0], self.n_pairs * self.q)


def pair_cells(s: Sufficient, pt: PairIndex, W: np.ndarray) -> PairCells:
    """:class:`PairCells` of ``pt``: only the table cells a pair actually uses,
    so a block of resamples costs (resamples x used cells), not x P (2q + 2)."""
    q, P = s.q, pt.n_pairs
    cell, inv = np.unique(pt.pid * q * q + pt.code, return_inverse=True)
    inv = inv.ravel()
    wt = np.ones(len(pt.item)) if pt.weight is None else pt.weight
    C = len(cell)
    XT = sp.csr_matrix((wt, (inv, pt.item)), shape=(C, s.n_items))
    pid, k, l = cell // (q * q), (cell % (q * q)) // q, cell % q
    cols, ones = np.arange(C), np.ones(C)

    def m(vals, rows, height):
        return sp.csr_matrix((vals, (rows, cols)), shape=(height, C))

    return PairCells(
        XT, m(ones, pid, P), m(W[k, l], pid, P), m(ones, pid * q + k, P * q),
        m(ones, pid * q + l, P * q), P, q,
    )  # fmt: skip


def cohen_from_cells(w: np.ndarray, pc: PairCells, W: np.ndarray) -> np.ndarray:
    """Cohen kappas, shape (B, P), of the pairs of ``pc`` under item weights ``w`` (B, n)."""
    T = pc.XT @ np.ascontiguousarray(w.T, dtype=float)  # (C, B): cell sums per resample
    n = pc.n_of @ T  # (P, B)
    safe = np.where(n > 0, n, 1.0)
    pa = (pc.pa_of @ T) / safe
    q, P, B = pc.q, pc.n_pairs, T.shape[1]
    pk = (pc.k_of @ T).reshape(P, q, B)
    pl = (pc.l_of @ T).reshape(P, q, B)
    pkw = pk if _is_identity(W) else np.einsum("pkb,kl->plb", pk, W)
    pe = np.einsum("plb,plb->pb", pkw, pl) / (safe * safe)
    return np.where(n >= 2, chance_corrected(pa, pe), np.nan).T


def _is_identity(W: np.ndarray) -> bool:
    return W.shape[0] == W.shape[1] and bool(np.array_equal(W, np.eye(W.shape[0])))
