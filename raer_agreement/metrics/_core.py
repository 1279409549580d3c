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

import numpy as np
import scipy.sparse as sp

from ._sufficient import Sufficient, iter_rating_pairs, krippendorff_distances

__all__ = [
    "wsum",
    "finish",
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
    "pair_incidence",
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


def _chance_corrected(pa, pe):
    """(pa - pe) / (1 - pe); nan where pe == 1 (chance agreement is total)."""
    pe = np.asarray(pe, dtype=float)
    one = np.isclose(pe, 1.0, rtol=0, atol=1e-12)
    return np.where(one, np.nan, (pa - pe) / np.where(one, 1.0, 1.0 - pe))


def finish(estimate, se, n, confidence=0.95, *, upper=1.0, dist="t"):
    """CI with Student t(n - 1), upper bound clipped, two-sided p-value.

    Follows irrCAC (2021): ``ci = estimate -/+ t_{1-(1-c)/2, n-1} * se``
    with the upper bound clipped at 1, ``p = 2 (1 - T_{n-1}(|estimate| / se))``
    (H0: coefficient = 0).  ``dist="normal"`` uses the standard normal
    instead (SAS PROC FREQ for two-rater kappa).
    """
    if not (0 < confidence < 1):
        raise ValueError(f"confidence must be in (0, 1), got {confidence!r}")
    if dist not in ("t", "normal"):
        raise ValueError(f"dist must be 't' or 'normal', got {dist!r}")
    if not np.isfinite(estimate) or not np.isfinite(se) or n < 2:
        return np.nan, np.nan, np.nan
    from scipy import (
        stats,
    )  # imported here: scipy.stats is slow to import and only needed for intervals

    ref = stats.norm if dist == "normal" else stats.t(n - 1)
    tq = ref.ppf(1 - (1 - confidence) / 2)
    lo, hi = estimate - tq * se, estimate + tq * se
    if upper is not None:
        hi = min(upper, hi)
    if se > 0:
        p = float(2 * ref.sf(abs(estimate) / se))
    else:
        p = 0.0 if estimate != 0 else 1.0
    return float(lo), float(hi), p


def _linearised_var(x, estimate, n):
    if n < 2 or not np.isfinite(estimate):
        return np.nan
    return float(np.sum((x - estimate) ** 2) / (n * (n - 1)))


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
    out["fleiss_kappa"] = _chance_corrected(pa, pe_f)
    out["brennan_prediger"] = _chance_corrected(pa, pe_bp) if q >= 2 else np.full(len(pa), np.nan)
    out["gwet_ac1"] = _chance_corrected(pa, pe_ac1)
    return out


def family_se(t: ItemTerms, est: dict) -> dict:
    """Gwet's linearised standard errors for the family (irrCAC formulas)."""
    n = len(t.m)
    n2 = t.two.sum()
    W = t.W
    q = W.shape[0]
    out = {}
    if n < 2 or n2 == 0:
        return {k: np.nan for k in FAMILY}
    pa = est["pa"][0]
    # percent agreement: pa.coeff.raw
    pa_iv = (n / n2) * t.pa_i
    out["percent_agreement"] = np.sqrt(_linearised_var(pa_iv, pa, n))
    pi = (t.pi_i.sum(0)) / n
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
            pe_i = np.full(n, pe)
        x = k_i - 2 * (1 - k) * (pe_i - pe) / (1 - pe)
        out[name] = np.sqrt(_linearised_var(x, k, n))
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
    kappa = _chance_corrected(pa, pe)
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
    per_rating = scale[s.annotator] * (A[s.annotator, s.label] - B[s.annotator])
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


def alpha_se(s: Sufficient, est: dict) -> tuple[float, float, float, int]:
    """Gwet's linearised SE of alpha (irrCAC ``krippen.alpha.raw``).

    The weights are ``1 - delta / max(delta)`` (which gives exactly the
    coincidence-matrix alpha).  Returns ``(se, pa, pe, n_pairable_items)``.
    """
    a = est["krippendorff_alpha"][0]
    d = np.asarray(est["_d"][0])
    keep = s.m >= 2
    counts = s.counts[keep].astype(float)
    n = counts.shape[0]
    dmax = d.max() if d.size else 0.0
    if n == 0 or dmax <= 0:
        return np.nan, np.nan, np.nan, n
    W = 1 - d / dmax
    r = counts.sum(1)
    rbar = r.mean()
    eps = 1.0 / r.sum()
    sumq = (counts * (counts @ W.T - 1)).sum(1)
    pa_i = sumq / (rbar * (r - 1))
    paprime = pa_i.mean()
    pa = (1 - eps) * paprime + eps
    pi = (counts / rbar).sum(0) / n
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
    return float(np.sqrt(_linearised_var(x, a_prime, n))), float(pa), pe, n


# ------------------------------------------------------------------- Cohen
class PairTables:
    """Contingency tables of every annotator pair that shares an item.

    Attributes
    ----------
    pairs : ndarray of int64, shape (P, 2)
        Compact annotator codes ``(a, b)`` with ``a < b``.
    tables : ndarray of float, shape (P, q, q)
        ``tables[p, k, l]`` = items where ``a`` said ``k`` and ``b`` said ``l``.
    keys : ndarray of int64, shape (P,)
        Sorted ``a * n_annotators + b``.
    """

    def __init__(self, pairs, tables, keys):
        self.pairs, self.tables, self.keys = pairs, tables, keys


def _dense_pairs(s: Sufficient) -> bool:
    """Whether (annotator pair, k, l) codes fit a dense bincount."""
    r = max(s.n_annotators, 1)
    return r * r * s.q * s.q <= 20_000_000


def pair_tables(s: Sufficient) -> PairTables:
    """Accumulate the pair tables over chunks of rating pairs."""
    q, r = s.q, max(s.n_annotators, 1)
    qq = q * q
    dense = _dense_pairs(s)
    if dense:
        acc = np.zeros(r * r * qq)
    else:
        parts_k, parts_v = [], []
    for _it, a, b, la, lb, wt in iter_rating_pairs(s):
        code = (a * r + b) * qq + la * q + lb
        if dense:
            acc += np.bincount(code, weights=wt, minlength=r * r * qq)
        else:
            u, inv = np.unique(code, return_inverse=True)
            parts_k.append(u)
            parts_v.append(np.bincount(inv, weights=wt))
    if dense:
        full = acc.reshape(r * r, qq)
        keys = np.flatnonzero(full.sum(1) > 0)
        tables = full[keys].reshape(-1, q, q)
    else:
        if parts_k:
            allk = np.concatenate(parts_k)
            u, inv = np.unique(allk, return_inverse=True)
            v = np.bincount(inv, weights=np.concatenate(parts_v))
        else:
            u, v = np.zeros(0, np.int64), np.zeros(0)
        pk = u // qq
        keys, pinv = np.unique(pk, return_inverse=True)
        tables = np.zeros((len(keys), qq))
        np.add.at(tables, (pinv, u % qq), v)
        tables = tables.reshape(-1, q, q)
    pairs = np.stack([keys // r, keys % r], axis=1) if len(keys) else np.zeros((0, 2), np.int64)
    return PairTables(pairs.astype(np.int64), tables, keys.astype(np.int64))


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
    kappa = np.where(n >= 2, _chance_corrected(pa, pe), np.nan)
    return {"kappa": kappa, "pa": pa, "pe": pe, "n": n, "pk": pk, "pl": pl}


def fce_se(table: np.ndarray, W: np.ndarray) -> tuple[float, float]:
    """Fleiss-Cohen-Everitt (1969) asymptotic SE of Cohen's (weighted) kappa,
    and its value under H0 (kappa = 0).  Same as irrCAC ``kappa2.table``."""
    n = table.sum()
    res = cohen_from_tables(table, W)
    k, pa, pe, pk, pl = res["kappa"], res["pa"], res["pe"], res["pk"], res["pl"]
    if n < 2 or not np.isfinite(k):
        return np.nan, np.nan
    p = table / n
    wbar_k = W @ pl  # row category k: sum_l w_kl p_.l
    wbar_l = W.T @ pk  # column category l: sum_k w_kl p_k.
    term = W - (1 - k) * (wbar_k[:, None] + wbar_l[None, :])
    var = (np.sum(p * term**2) - (pa - 2 * (1 - k) * pe) ** 2) / (n * (1 - pe) ** 2)
    var0 = (
        np.sum(pk[:, None] * pl[None, :] * (W - (wbar_k[:, None] + wbar_l[None, :])) ** 2) - pe**2
    ) / (n * (1 - pe) ** 2)
    return float(np.sqrt(max(var, 0.0))), float(np.sqrt(max(var0, 0.0)))


def mean_cohen_se(
    s: Sufficient, pt: PairTables, res: dict, W: np.ndarray, used: np.ndarray
) -> float:
    """Linearised SE of the mean of pairwise Cohen kappas (Light's kappa).

    Each pair's kappa is linearised as in irrCAC ``cohen.kappa.raw`` over the
    items the pair shares; the mean's item terms are the average over pairs,
    scaled by ``n / n_pair`` as irrCAC does for missing ratings.  A pair's
    item term depends only on the pair and the two labels, so it is a
    (pair, k, l) lookup table gathered in one pass over the rating pairs.
    """
    n = s.n_items
    P = int(used.sum())
    if P == 0 or n < 2:
        return np.nan
    q, r = s.q, max(s.n_annotators, 1)
    qq = q * q
    kap, pe, npair = res["kappa"], res["pe"], res["n"]
    wk = np.einsum("kl,pl->pk", W, res["pl"])  # row category
    wl = np.einsum("kl,pk->pl", W, res["pk"])  # column category
    with np.errstate(all="ignore"):
        pe_kl = (wk[:, :, None] + wl[:, None, :]) / 2
        x = (W[None] - pe[:, None, None]) / (1 - pe[:, None, None]) - 2 * (
            1 - kap[:, None, None]
        ) * (pe_kl - pe[:, None, None]) / (1 - pe[:, None, None])
        G = (n / npair)[:, None, None] * (x - kap[:, None, None])
    G = np.where(used[:, None, None], G, 0.0).reshape(-1, qq)
    dense = _dense_pairs(s)
    if dense:
        lookup = np.zeros((r * r, qq))
        lookup[pt.keys] = G
        lookup = lookup.ravel()
    z = np.zeros(n)
    for it, a, b, la, lb, wt in iter_rating_pairs(s):
        if dense:
            g = lookup[(a * r + b) * qq + la * q + lb]
        else:
            g = G[np.searchsorted(pt.keys, a * r + b), la * q + lb]
        z += np.bincount(it, weights=g if wt is None else g * wt, minlength=n)
    z /= P
    return float(np.sqrt(np.sum((z - z.mean()) ** 2) / (n * (n - 1))))


def pair_incidence(s: Sufficient, pt: PairTables, W: np.ndarray, dense_limit: int = 30_000_000):
    """Items x (pair, statistic) incidence for the bootstrap.

    For each annotator pair ``p`` the ``2q + 2`` columns ``p*(2q+2) + j``
    hold, per item: the pair's weight (1 when both rated it), the weighted
    agreement ``w[k, l]``, one-hot ``k`` (row marginal), one-hot ``l``
    (column marginal): every Cohen kappa of a resample follows from their
    weighted sums.  Dense when small enough, else sparse CSR.

    Returns
    -------
    array or sparse matrix, shape (n_items, P * (2q + 2))
    """
    q, r = s.q, max(s.n_annotators, 1)
    width = 2 * q + 2
    P = len(pt.keys)
    rows, cols, vals = [], [], []
    for it, a, b, la, lb, wt in iter_rating_pairs(s):
        if wt is None:
            wt = np.ones(len(it))
        p = np.searchsorted(pt.keys, a * r + b) * width
        rows.append(np.concatenate([it, it, it, it]))
        cols.append(np.concatenate([p, p + 1, p + 2 + la, p + 2 + q + lb]))
        vals.append(np.concatenate([wt, wt * W[la, lb], wt, wt]))
    shape = (s.n_items, P * width)
    if not rows:
        return np.zeros(shape)
    m = sp.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=shape
    )
    return m.toarray() if shape[0] * shape[1] <= dense_limit else m


def cohen_from_pair_sums(S: np.ndarray, q: int, W: np.ndarray) -> np.ndarray:
    """Cohen kappas from summed :func:`pair_incidence` columns, shape (B, P)."""
    S = S.reshape(S.shape[0], -1, 2 * q + 2)
    n = S[..., 0]
    safe = np.where(n > 0, n, 1.0)
    pa = S[..., 1] / safe
    pk = S[..., 2 : 2 + q] / safe[..., None]
    pl = S[..., 2 + q :] / safe[..., None]
    pe = np.einsum("bpk,kl,bpl->bp", pk, W, pl)
    return np.where(n >= 2, _chance_corrected(pa, pe), np.nan)
