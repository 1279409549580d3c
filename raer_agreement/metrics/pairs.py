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
from functools import cached_property

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
#: Pair keys looked up in a dense table (int32, 64 MB at most) rather than by binary search.
LOOKUP_KEYS = 16_000_000


@dataclass(eq=False)
class _LightRatings:
    """The ratings of the light clips, sorted by (item, annotator), from which
    their rating pairs are enumerated again, chunk by chunk, whenever a pass
    over them is needed: the pairs themselves (45 per clip of ten ratings)
    are never all held at once."""

    it: np.ndarray
    an: np.ndarray
    lab: np.ndarray
    n_after: np.ndarray
    rep_w: np.ndarray | None
    # chunk size -> the rating rows where chunks start: a running count of pairs
    # per rating (int64, 8 bytes a rating) is not kept between passes
    _starts: dict = field(default_factory=dict)

    def _chunk_starts(self, chunk: int) -> np.ndarray:
        """First rating row of each chunk of about ``chunk`` rating pairs (and the end)."""
        if chunk not in self._starts:
            cum = np.cumsum(self.n_after, dtype=np.int64)
            starts = [0]
            while starts[-1] < len(cum):
                lo = starts[-1]
                base = int(cum[lo - 1]) if lo else 0
                starts.append(max(int(np.searchsorted(cum, base + chunk, side="right")), lo + 1))
            self._starts[chunk] = np.array(starts, dtype=np.int64)
        return self._starts[chunk]

    def chunks(self, chunk: int = CHUNK):
        """Yield ``(item, a, b, la, lb, weight)`` for about ``chunk`` rating pairs
        at a time, ``a < b``; ``weight`` is None unless some annotator rated an
        item twice (each of its ratings then weighs ``1 / repeats``, so that a
        pair counts an item once)."""
        it, an, lab, n_after, rep_w = self.it, self.an, self.lab, self.n_after, self.rep_w
        starts = self._chunk_starts(chunk)
        for lo, hi in zip(starts[:-1].tolist(), starts[1:].tolist()):
            na = n_after[lo:hi]
            first = np.repeat(np.arange(lo, hi), na)
            if len(first):
                second = np.arange(len(first)) - np.repeat(np.cumsum(na) - na, na) + first + 1
                a, b = an[first].astype(np.int64), an[second].astype(np.int64)
                if rep_w is not None:
                    ok = a != b
                    w = (rep_w[first] * rep_w[second])[ok]
                    yield it[first][ok], a[ok], b[ok], lab[first][ok], lab[second][ok], w
                else:
                    yield it[first], a, b, lab[first], lab[second], None


def _narrow(x: np.ndarray, top: int) -> np.ndarray:
    """``x`` in the smallest of int8 / int16 / int32 / int64 that holds ``0..top``."""
    for t in (np.int8, np.int16, np.int32):
        if top < np.iinfo(t).max:
            return x.astype(t)
    return x.astype(np.int64)


def _light_ratings(s, light: np.ndarray) -> _LightRatings:
    """:class:`_LightRatings` of the items flagged ``light``, in narrow integers."""
    r = max(s.n_annotators, 1)
    keep = light[s.item]
    if keep.all():  # no heavy clip: the ratings as they are, no masked copies
        it0, an0, lab0 = s.item, s.annotator, s.label
    else:
        it0, an0, lab0 = s.item[keep], s.annotator[keep], s.label[keep]
    key = it0.astype(np.int64) * r + an0
    order = np.argsort(key, kind="stable")
    del key
    # narrowed before they are gathered: no wide copy of each array in sort order
    it = _narrow(it0, s.n_items)[order]
    an = _narrow(an0, r)[order]
    lab = _narrow(lab0, s.q)[order]
    del it0, an0, lab0, order
    m = np.bincount(it, minlength=s.n_items)
    start = np.cumsum(m) - m
    n_after = _narrow(m[it] - 1 - (np.arange(len(it)) - start[it]), int(m.max(initial=0)))
    rep_w = None
    if s.has_repeats:
        new_run = np.ones(len(it), bool)
        new_run[1:] = (it[1:] != it[:-1]) | (an[1:] != an[:-1])
        run = np.cumsum(new_run) - 1
        rep_w = 1.0 / np.bincount(run)[run]
    return _LightRatings(it, an, lab, n_after, rep_w)


class _KeyFinder:
    """Where each of some pair keys stands among sorted ``keys``: a dense
    table when the key space (``n_annotators ** 2``) is small, else a binary
    search (the table's gather is several times faster at 1M ratings)."""

    def __init__(self, keys: np.ndarray, space: int):
        self.keys = keys
        self.table = None
        if 0 < space <= LOOKUP_KEYS and len(keys) < 2**31:
            self.table = np.full(space, -1, dtype=np.int32)
            self.table[keys] = np.arange(len(keys), dtype=np.int32)

    def find(self, key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(pos, found)``: the row of each key, and whether it is among the keys
        (``pos`` is a valid row, meaningless where not found)."""
        if self.table is not None:
            pos = self.table[key]
            found = pos >= 0
            return np.maximum(pos, 0).astype(np.int64), found
        P = len(self.keys)
        if not P:
            return np.zeros(len(key), np.int64), np.zeros(len(key), bool)
        pos = np.minimum(np.searchsorted(self.keys, key), P - 1)
        return pos, self.keys[pos] == key


@dataclass(eq=False)
class _Incidences:
    """Where the (kept pair, shared item) incidences of a :class:`PairIndex`
    come from: the light clips' rating pairs, enumerated again on each pass and
    looked up among the kept pair keys, plus the heavy clips' incidences,
    held (there are few heavy clips)."""

    light: _LightRatings
    keys: np.ndarray  # sorted keys of the base index
    r: int
    q: int
    heavy: tuple  # (item, pid, code), int64 arrays, pids of the base index
    renumber: np.ndarray | None = None  # base pid -> pid of this index (-1: not in it)

    def subset(self, keep: np.ndarray) -> _Incidences:
        """The incidences of the pairs ``keep`` (a mask over this index's pids),
        renumbered ``0..keep.sum()-1``."""
        row = np.where(keep, np.cumsum(keep) - 1, -1)
        renumber = (
            row
            if self.renumber is None
            else np.where(self.renumber >= 0, row[np.maximum(self.renumber, 0)], -1)
        )
        return _Incidences(self.light, self.keys, self.r, self.q, self.heavy, renumber)

    @cached_property
    def _finder(self) -> _KeyFinder:
        """The base keys' finder, made once for every pass."""
        return _KeyFinder(self.keys, self.r * self.r)

    def chunks(self, chunk: int = CHUNK):
        """Yield ``(item, pid, code, weight)`` arrays, about ``chunk`` rating
        pairs at a time; ``code = la * q + lb``."""
        q = self.q
        for it, a, b, la, lb, w in self.light.chunks(chunk) if len(self.keys) else ():
            pid, ok = self._finder.find(a * self.r + b)
            if self.renumber is not None:
                pid = np.where(ok, self.renumber[pid], -1)
                ok &= pid >= 0
            yield (
                it[ok].astype(np.int64),
                pid[ok].astype(np.int64),
                la[ok].astype(np.int64) * q + lb[ok],
                None if w is None else w[ok],
            )
        item, pid, code = self.heavy
        if len(item):
            if self.renumber is not None:
                pid = self.renumber[pid]
                ok = pid >= 0
                item, pid, code = item[ok], pid[ok], code[ok]
            yield item, pid, code, None


@dataclass(eq=False)
class PairIndex:
    """Annotator pairs sharing two items or more, their tables, and their
    item incidences as a pass over chunks.

    Attributes
    ----------
    keys : ndarray of int64, shape (P,)
        Sorted ``a * n_annotators + b`` of each kept pair (``a < b``, compact codes).
    pairs : ndarray of int64, shape (P, 2)
    tables : ndarray of float, shape (P, q, q)
        Contingency table of each kept pair.
    singles : scipy.sparse.csr_matrix, shape (n_items, q * q)
        Pairs sharing only one item, counted per item and label pair
        (``la * q + lb``; on heavy clips with ``la <= lb``).
    capped : int
        Pairs left out because too many annotators share only heavy clips
        (0 = nothing left out).
    source : _Incidences
        Regenerates the (pair, shared item) incidences: :meth:`incidences`
        yields them in chunks, in memory that does not grow with the
        co-ratings; :attr:`item`, :attr:`pid`, :attr:`code` and
        :attr:`weight` hold them all at once (the bootstrap's cell matrix).
    """

    keys: np.ndarray
    pairs: np.ndarray
    tables: np.ndarray
    singles: sp.csr_matrix
    source: _Incidences
    capped: int = 0
    notes: list = field(default_factory=list)

    @property
    def n_pairs(self) -> int:
        return len(self.keys)

    def incidences(self, chunk: int = CHUNK):
        """Yield ``(item, pid, code, weight)``, one entry per kept pair and
        shared item (per rating pair with repeated ratings), about ``chunk``
        at a time: ``code = la * q + lb`` (``la`` the label of annotator
        ``a``); ``weight`` splits an item's unit weight among repeated
        ratings, None when every entry counts once."""
        return self.source.chunks(chunk)

    def subset(self, keep: np.ndarray) -> PairIndex:
        """The pairs ``keep`` (a boolean mask over the pairs), renumbered, with
        their incidences; single-item pairs are dropped (``singles`` is empty)."""
        return PairIndex(
            self.keys[keep],
            self.pairs[keep],
            self.tables[keep],
            sp.csr_matrix(self.singles.shape),
            self.source.subset(keep),
            self.capped,
            list(self.notes),
        )

    @cached_property
    def _all(self) -> tuple:
        parts = list(self.incidences())
        cat = [
            np.concatenate([p[k] for p in parts]) if parts else np.zeros(0, np.int64)
            for k in range(3)
        ]
        weights = [p[3] for p in parts]
        if any(w is not None for w in weights):
            w = np.concatenate([np.ones(len(p[0])) if p[3] is None else p[3] for p in parts])
        else:
            w = None
        return (*cat, w)

    @property
    def item(self) -> np.ndarray:
        """Item of every incidence (all held at once)."""
        return self._all[0]

    @property
    def pid(self) -> np.ndarray:
        """Pair row of every incidence."""
        return self._all[1]

    @property
    def code(self) -> np.ndarray:
        """``la * q + lb`` of every incidence."""
        return self._all[2]

    @property
    def weight(self) -> np.ndarray | None:
        """Weight of every incidence, or None when each counts once."""
        return self._all[3]


def _light_key_counts(lr: _LightRatings, r: int, weighted: bool):
    """Distinct pair keys of the light clips (sorted) and the shared light
    items of each (summed weights with repeated ratings): a dense count when
    the key space is small (few annotators), else per-chunk sorts merged."""
    if r * r <= DENSE_KEYS:
        tot = np.zeros(r * r)
        for _it, a, b, _la, _lb, w in lr.chunks():
            tot += np.bincount(a * r + b, weights=w, minlength=r * r)
        u = np.flatnonzero(tot > 0)
        return u, tot[u]
    keys, sums = [], []
    for _it, a, b, _la, _lb, w in lr.chunks():
        u, inv = np.unique(a * r + b, return_inverse=True)
        keys.append(u)
        sums.append(np.bincount(inv.ravel(), weights=w).astype(float))
    if not keys:
        return np.zeros(0, np.int64), np.zeros(0)
    u, inv = np.unique(np.concatenate(keys), return_inverse=True)
    return u, np.bincount(inv.ravel(), weights=np.concatenate(sums)).astype(float)


def pair_index(s, min_shared: int = 2) -> PairIndex:
    """The annotator pairs of :class:`~raer_agreement.metrics._sufficient.Sufficient`
    ``s`` that share two items or more, with their tables and incidences.

    The work follows the rating pairs of light clips plus, per heavy clip, the
    kept pairs; memory follows the kept pairs (their tables), not their shared
    items: the light clips' incidences are enumerated again, in chunks, on
    each pass (:meth:`PairIndex.incidences`).

    Parameters
    ----------
    s : Sufficient
    min_shared : int
        Pairs sharing fewer items are not kept (1 keeps every pair that
        shares an item: a two-annotator contingency table).

    Examples
    --------
    >>> from raer_agreement.metrics._sufficient import sufficient
    >>> from raer_agreement.io import from_matrix
    >>> ann = from_matrix([[1, 1, 2], [2, 2, None], [1, 2, 1]], categories=[1, 2])
    >>> px = pair_index(sufficient(ann))
    >>> px.pairs.tolist(), px.tables.sum((1, 2)).tolist()
    ([[0, 1], [0, 2], [1, 2]], [3.0, 2.0, 2.0])
    """
    q, r, n = s.q, max(s.n_annotators, 1), s.n_items
    qq = q * q
    m = s.m
    repeats = s.has_repeats
    heavy = np.zeros(n, bool) if repeats else (m * (m - 1) // 2 > HEAVY_PAIRS)
    heavy_items = np.flatnonzero(heavy)

    # --- 1. the rating pairs of the light clips: the shared light items of each pair
    lr = _light_ratings(s, ~heavy)
    lkeys, ln = _light_key_counts(lr, r, repeats)

    # --- 2. shared heavy items: membership of each annotator
    keys, nn, capped = _add_heavy_pairs(s, heavy, heavy_items, lkeys, ln, r)
    kept = keys[nn >= min_shared - 1e-9] if not repeats else keys
    P = len(kept)

    # --- 3. tables of the kept pairs (one pass), and the single-item pairs per item
    tables, singles = _light_tables(lr, kept, r, q, n, repeats)
    heavy_inc, heavy_singles = _heavy_incidences(s, heavy_items, kept, r, q)
    if len(heavy_inc[0]):
        tables += np.bincount(heavy_inc[1] * qq + heavy_inc[2], minlength=P * qq)
    singles = singles + heavy_singles
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
        tables.reshape(P, q, q),
        sp.csr_matrix(singles),
        _Incidences(lr, kept.astype(np.int64), r, q, heavy_inc),
        capped,
        notes,
    )


def _light_tables(lr, kept, r, q, n, repeats):
    """One pass over the light clips' rating pairs: the flat ``(P * q * q)``
    tables of the kept pairs, and per item the codes of pairs not kept
    (sparse ``n x q * q``; not gathered with repeated ratings)."""
    P, qq = len(kept), q * q
    tables = np.zeros(P * qq)
    singles = sp.csr_matrix((n, qq))
    finder = _KeyFinder(kept, r * r)
    for it, a, b, la, lb, w in lr.chunks():
        pos, found = finder.find(a * r + b)
        code = la.astype(np.int64) * q + lb
        tables += np.bincount(
            pos[found] * qq + code[found],
            weights=None if w is None else w[found],
            minlength=P * qq,
        )
        if not repeats and not found.all():
            lone = ~found
            singles = singles + sp.csr_matrix(
                (np.ones(int(lone.sum())), (it[lone].astype(np.int64), code[lone])), shape=(n, qq)
            )
    return tables, singles


def _add_heavy_pairs(s, heavy, heavy_items, lkeys, ln, r):
    """Pair keys and shared items, counting heavy clips: each light pair's
    shared heavy clips from the annotators' membership, and the pairs that
    share only heavy clips (capped beyond :data:`MAX_HEAVY_ONLY` annotators)."""
    if not len(heavy_items):
        return lkeys, ln, 0
    n = s.n_items
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
    capped = 0
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
    return keys[o], nn[o], capped


def _heavy_incidences(s, heavy_items, kept, r, q):
    """The kept pairs' incidences on heavy clips, ``(item, pid, code)``, and the
    heavy clips' pairs that share nothing else, per item and unordered label
    pair (``k <= l``), as an (n_items, q * q) matrix."""
    qq, n = q * q, s.n_items
    items_, pids_, codes_ = [], [], []
    rows, cols, vals = [], [], []
    ka, kb = kept // r, kept % r
    for h in heavy_items:
        sel = s.item == h
        lab_h = np.full(r, -1)
        lab_h[s.annotator[sel]] = s.label[sel]
        p = np.flatnonzero((lab_h[ka] >= 0) & (lab_h[kb] >= 0))
        la, lb = lab_h[ka[p]], lab_h[kb[p]]
        items_.append(np.full(len(p), h))
        pids_.append(p)
        codes_.append(la * q + lb)
        # all pairs of the clip minus the kept ones, by unordered label pair
        x = np.bincount(s.label[sel], minlength=q).astype(float)
        allp = np.outer(x, x)
        np.fill_diagonal(allp, x * (x - 1) / 2)
        allp = np.triu(allp)  # k < l: x_k x_l pairs; k == l: C(x_k, 2)
        allp -= np.bincount(np.minimum(la, lb) * q + np.maximum(la, lb), minlength=qq).reshape(q, q)
        kk, ll = np.nonzero(allp)
        rows.append(np.full(len(kk), h))
        cols.append(kk * q + ll)
        vals.append(allp[kk, ll])

    def cat(xs, dtype=np.int64):
        return np.concatenate(xs).astype(dtype) if xs else np.zeros(0, dtype)

    inc = (cat(items_), cat(pids_), cat(codes_))
    singles = sp.csr_matrix((cat(vals, float), (cat(rows), cat(cols))), shape=(n, qq))
    return inc, singles
