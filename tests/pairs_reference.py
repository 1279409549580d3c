"""The quadratic pair-table implementation the linear one replaced, kept as a
test reference: results of the new code must equal these on small data.

Copied from raer_agreement.metrics (_sufficient.iter_rating_pairs and
_core.pair_tables / mean_cohen_se / pair_incidence) before the rewrite.
"""

# ruff: noqa
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

PAIR_CHUNK = 4_000_000


def iter_rating_pairs(s: Sufficient, max_pairs: int = PAIR_CHUNK):
    """Every pair of ratings of one item by two different annotators.

    Yields chunks ``(item, a, b, la, lb, weight)`` of int64 arrays with
    ``a < b``; ``la`` is the label of annotator ``a``.  ``weight`` is None
    (every pair counts once) unless an annotator rated an item several times:
    then each of its ratings gets weight ``1 / repeats`` so that every
    annotator pair counts an item once (float array).
    """
    order = s.pair_order  # by (item, annotator): a <= b within an item
    it, an, lab = s.item[order], s.annotator[order], s.label[order]
    m = s.m
    start = np.cumsum(m) - m
    pos = np.arange(len(it)) - start[it]
    n_after = m[it] - 1 - pos  # partners later in the same item
    repeats = s.has_repeats
    if repeats:
        # runs of equal (item, annotator) are one annotator's repeated ratings
        new_run = np.ones(len(it), bool)
        new_run[1:] = (it[1:] != it[:-1]) | (an[1:] != an[:-1])
        run = np.cumsum(new_run) - 1
        rep_w = 1.0 / np.bincount(run)[run]
    cum = np.cumsum(n_after)
    lo = 0
    while lo < len(it):
        base = int(cum[lo - 1]) if lo else 0
        hi = max(int(np.searchsorted(cum, base + max_pairs, side="right")), lo + 1)
        na = n_after[lo:hi]
        first = np.repeat(np.arange(lo, hi), na)
        if len(first):
            second = np.arange(len(first)) - np.repeat(np.cumsum(na) - na, na) + first + 1
            a, b = an[first], an[second]
            if repeats:
                keep = a != b
                w = (rep_w[first] * rep_w[second])[keep]
                yield it[first][keep], a[keep], b[keep], lab[first][keep], lab[second][keep], w
            else:
                yield it[first], a, b, lab[first], lab[second], None
        lo = hi


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
    for it, a, b, la, lb, wt in iter_rating_pairs(s):
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
    pe = np.sum((pk @ W) * pl, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        kappa = (pa - pe) / (1 - pe)
    return np.where((n >= 2) & (pe < 1), kappa, np.nan)
