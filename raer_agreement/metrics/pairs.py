"""Annotator pairs that rated the same items: their contingency tables and
item incidences, in time and memory that follow the co-ratings.

Pairwise statistics (the pairwise Cohen kappas, Light's mean kappa and its
standard error, the max-kappa bounds, the mean kappa per annotator) only
need the pairs of annotators that rated **two or more** items together: a
pair with one shared item has no kappa.  :func:`pair_index` finds those
pairs without listing every annotator pair and, for clips rated by very many
annotators (a "honeypot" clip rated by every worker), without listing the
clip's own pairs either:

* clips with at most :data:`HEAVY_PAIRS` rating pairs are *light*: their
  rating pairs are enumerated in chunks;
* the few larger clips are *heavy*: a pair's shared heavy clips are counted
  from each annotator's membership of them, and the pairs that share only
  heavy clips are found among the annotators who rated two heavy clips or
  more (at most :data:`MAX_HEAVY_ONLY` of them: beyond that those pairs are
  left out and :attr:`PairIndex.capped` says so).

Pairs sharing a single item are kept only as per-item counts
(:attr:`PairIndex.singles`): they enter the bootstrap (an item drawn twice
gives such a pair two items) and the Conger bound, never as tables.  With
repeated ratings (an annotator rating a clip twice) every clip is light and
every pair is kept, as the weights of repeated ratings need the pair's own
table.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

__all__ = ["PairIndex", "pair_index", "HEAVY_PAIRS", "MAX_HEAVY_ONLY"]

#: A clip with more rating pairs than this is heavy (about 700 annotators).
HEAVY_PAIRS = 250_000
#: Largest number of annotators in two or more heavy clips whose pairs are formed.
MAX_HEAVY_ONLY = 4_000
#: Rating pairs made at once while enumerating light clips.
CHUNK = 2_000_000
#: Pair keys (squared number of annotators) counted densely rather than sorted.
DENSE_KEYS = 50_000_000


@dataclass(eq=False)
class PairIndex:
    """Annotator pairs sharing two items or more, and their item incidences.

    Attributes
    ----------
    keys : ndarray of int64, shape (P,)
        Sorted ``a * n_annotators + b`` of each kept pair (``a < b``, compact codes).
    pairs : ndarray of int64, shape (P, 2)
    item, pid, code : ndarray of int64, shape (E,)
        One entry per kept pair and shared item (per rating pair with
        repeated ratings): the item, the pair's row in ``keys`` and
        ``la * q + lb`` (``la`` the label of annotator ``a``).
    weight : ndarray of float, shape (E,), or None
        Weight of each entry (repeated ratings split an item's unit weight);
        None when every entry counts once.
    tables : ndarray of float, shape (P, q, q)
        Contingency table of each kept pair.
    singles : scipy.sparse.csr_matrix, shape (n_items, q * q)
        Pairs sharing only one item, counted per item and label pair
        (``la * q + lb``; on heavy clips with ``la <= lb``).
    capped : int
        Pairs left out because too many annotators share only heavy clips
        (0 = nothing left out).
    """

    keys: np.ndarray
    pairs: np.ndarray
    item: np.ndarray
    pid: np.ndarray
    code: np.ndarray
    weight: np.ndarray | None
    tables: np.ndarray
    singles: sp.csr_matrix
    capped: int = 0
    notes: list = field(default_factory=list)

    @property
    def n_pairs(self) -> int:
        return len(self.keys)


def _light_pairs(s, light: np.ndarray, chunk: int = CHUNK):
    """Rating pairs of two different annotators within the light items, in chunks.

    Yields ``(item, a, b, la, lb, weight)`` with ``a < b``; ``weight`` is None
    unless some annotator rated an item twice (each of its ratings then
    weighs ``1 / repeats``, so that a pair counts an item once).
    """
    keep = light[s.item]
    it0, an0, lab0 = s.item[keep], s.annotator[keep], s.label[keep]
    r = max(s.n_annotators, 1)
    order = np.argsort(it0 * r + an0, kind="stable")
    it, an, lab = it0[order], an0[order], lab0[order]
    m = np.bincount(it, minlength=s.n_items)
    start = np.cumsum(m) - m
    pos = np.arange(len(it)) - start[it]
    n_after = m[it] - 1 - pos
    repeats = s.has_repeats
    if repeats:
        new_run = np.ones(len(it), bool)
        new_run[1:] = (it[1:] != it[:-1]) | (an[1:] != an[:-1])
        run = np.cumsum(new_run) - 1
        rep_w = 1.0 / np.bincount(run)[run]
    cum = np.cumsum(n_after)
    lo = 0
    while lo < len(it):
        base = int(cum[lo - 1]) if lo else 0
        hi = max(int(np.searchsorted(cum, base + chunk, side="right")), lo + 1)
        na = n_after[lo:hi]
        first = np.repeat(np.arange(lo, hi), na)
        if len(first):
            second = np.arange(len(first)) - np.repeat(np.cumsum(na) - na, na) + first + 1
            a, b = an[first], an[second]
            if repeats:
                ok = a != b
                w = (rep_w[first] * rep_w[second])[ok]
                yield it[first][ok], a[ok], b[ok], lab[first][ok], lab[second][ok], w
            else:
                yield it[first], a, b, lab[first], lab[second], None
        lo = hi


def _pair_ids(keys: np.ndarray, weights, n_keys: int):
    """Distinct pair keys (sorted), the row of each key among them, and the
    summed weight of each distinct key.  A dense count when the key space is
    small (few annotators), else one sort."""
    if n_keys <= DENSE_KEYS:
        tot = np.bincount(keys, weights=weights, minlength=n_keys)
        seen = np.bincount(keys, minlength=n_keys) > 0
        u = np.flatnonzero(seen)
        row = np.cumsum(seen) - 1
        return u, row[keys], tot[u].astype(float)
    u, inv = np.unique(keys, return_inverse=True)
    return u, inv, np.bincount(inv, weights=weights).astype(float)


def pair_index(s, min_shared: int = 2) -> PairIndex:
    """The annotator pairs of :class:`~raer_agreement.metrics._sufficient.Sufficient`
    ``s`` that share two items or more, with their tables and incidences.

    The work follows the rating pairs of light clips plus, per heavy clip, the
    kept pairs; memory follows the kept pairs and their shared items.

    Parameters
    ----------
    s : Sufficient
    min_shared : int
        Pairs sharing fewer items are not kept (1 keeps every pair that
        shares an item: a two-annotator contingency table).

    Examples
    --------
    >>> from raer_agreement import Annotations
    >>> from raer_agreement.metrics._sufficient import sufficient
    >>> ann = Annotations.from_matrix([[1, 1, 2], [2, 2, None], [1, 2, 1]], categories=[1, 2])
    >>> px = pair_index(sufficient(ann))
    >>> px.pairs.tolist(), px.tables.sum((1, 2)).tolist()
    ([[0, 1], [0, 2], [1, 2]], [3.0, 2.0, 2.0])
    """
    q, r, n = s.q, max(s.n_annotators, 1), s.n_items
    qq = q * q
    m = s.m
    repeats = s.has_repeats
    heavy = np.zeros(n, bool) if repeats else (m * (m - 1) // 2 > HEAVY_PAIRS)
    light = ~heavy
    heavy_items = np.flatnonzero(heavy)

    # --- 1. the rating pairs of the light clips, and the shared light items of each pair
    parts = list(_light_pairs(s, light))
    l_item = np.concatenate([x[0] for x in parts]) if parts else np.zeros(0, np.int64)
    l_key = np.concatenate([x[1] * r + x[2] for x in parts]) if parts else np.zeros(0, np.int64)
    l_code = np.concatenate([x[3] * q + x[4] for x in parts]) if parts else np.zeros(0, np.int64)
    l_w = np.concatenate([x[5] for x in parts]) if repeats and parts else None
    del parts
    lkeys, l_row, ln = _pair_ids(l_key, l_w, r * r)
    del l_key

    # --- 2. shared heavy items: membership of each annotator
    capped = 0
    if len(heavy_items):
        hpos = np.full(n, -1)
        hpos[heavy_items] = np.arange(len(heavy_items))
        on_h = heavy[s.item]
        H = sp.csr_matrix(
            (np.ones(int(on_h.sum())), (s.annotator[on_h], hpos[s.item[on_h]])),
            shape=(r, len(heavy_items)),
        )
        H.data[:] = 1.0
        la_, lb_ = lkeys // r, lkeys % r
        ln = ln + np.asarray(H[la_].multiply(H[lb_]).sum(1)).ravel()
        multi = np.flatnonzero(np.asarray(H.sum(1)).ravel() >= 2)
        extra_keys = np.zeros(0, np.int64)
        extra_n = np.zeros(0)
        if len(multi) > MAX_HEAVY_ONLY:
            capped = len(multi) * (len(multi) - 1) // 2
        elif len(multi) >= 2:
            Hm = H[multi]
            ov = (Hm @ Hm.T).toarray()
            ia, ib = np.nonzero(np.triu(ov >= 2, 1))
            ek = multi[ia] * r + multi[ib]
            new = ~np.isin(ek, lkeys)
            extra_keys, extra_n = ek[new], ov[ia, ib][new].astype(float)
        keys = np.concatenate([lkeys, extra_keys])
        nn = np.concatenate([ln, extra_n])
        o = np.argsort(keys, kind="stable")
        keys, nn = keys[o], nn[o]
    else:
        keys, nn = lkeys, ln
    kept = keys[nn >= min_shared - 1e-9] if not repeats else keys
    P = len(kept)

    # --- 3. incidences of the kept pairs, and the single-item pairs per item
    keep_l = ln >= min_shared - 1e-9 if not repeats else np.ones(len(lkeys), bool)
    pid_of_light = np.searchsorted(kept, lkeys)  # light pairs that are kept: their row
    found = keep_l[l_row]
    items_ = [l_item[found]]
    pids_ = [pid_of_light[l_row[found]]]
    codes_ = [l_code[found]]
    ws_ = [l_w[found]] if l_w is not None else []
    s_rows = [l_item[~found]] if not repeats else []
    s_codes = [l_code[~found]] if not repeats else []
    del l_row
    heavy_single_rows, heavy_single_codes, heavy_single_vals = [], [], []
    if len(heavy_items):
        ka, kb = kept // r, kept % r
        for h in heavy_items:
            sel = s.item == h
            lab_h = np.full(r, -1)
            lab_h[s.annotator[sel]] = s.label[sel]
            both = (lab_h[ka] >= 0) & (lab_h[kb] >= 0)
            p = np.flatnonzero(both)
            la, lb = lab_h[ka[p]], lab_h[kb[p]]
            items_.append(np.full(len(p), h))
            pids_.append(p)
            codes_.append(la * q + lb)
            # pairs of the clip that share nothing else: all pairs minus the kept ones,
            # by unordered label pair (k <= l)
            x = np.bincount(s.label[sel], minlength=q).astype(float)
            allp = np.outer(x, x)
            np.fill_diagonal(allp, x * (x - 1) / 2)
            allp = np.triu(allp)  # k < l: x_k x_l pairs; k == l: C(x_k, 2)
            lo_, hi_ = np.minimum(la, lb), np.maximum(la, lb)
            allp -= np.bincount(lo_ * q + hi_, minlength=qq).reshape(q, q)
            kk, ll = np.nonzero(allp)
            heavy_single_rows.append(np.full(len(kk), h))
            heavy_single_codes.append(kk * q + ll)
            heavy_single_vals.append(allp[kk, ll])
    item = np.concatenate(items_) if items_ else np.zeros(0, np.int64)
    pid = np.concatenate(pids_) if pids_ else np.zeros(0, np.int64)
    code = np.concatenate(codes_) if codes_ else np.zeros(0, np.int64)
    weight = np.concatenate(ws_) if ws_ else None
    if weight is not None and len(weight) != len(item):  # pragma: no cover - repeats are all light
        raise AssertionError("weights of heavy clips with repeated ratings")
    tables = np.bincount(pid * qq + code, weights=weight, minlength=P * qq).reshape(P, q, q)
    tables = tables.astype(float)
    rows = s_rows + heavy_single_rows
    cols = s_codes + heavy_single_codes
    vals = [np.ones(len(x)) for x in s_rows] + heavy_single_vals
    singles = sp.csr_matrix(
        (
            np.concatenate(vals) if vals else np.zeros(0),
            (
                np.concatenate(rows) if rows else np.zeros(0, np.int64),
                np.concatenate(cols) if cols else np.zeros(0, np.int64),
            ),
        ),
        shape=(n, qq),
    )
    singles.sum_duplicates()
    pairs = np.stack([kept // r, kept % r], axis=1) if P else np.zeros((0, 2), np.int64)
    notes = []
    if capped:
        notes.append(
            f"pairwise statistics capped: {capped:,} pairs of annotators who share only clips rated "
            f"by more than {int(np.sqrt(2 * HEAVY_PAIRS)):,} annotators were left out"
        )
    return PairIndex(
        kept.astype(np.int64),
        pairs.astype(np.int64),
        item.astype(np.int64),
        pid.astype(np.int64),
        code.astype(np.int64),
        weight,
        tables,
        singles,
        capped,
        notes,
    )
