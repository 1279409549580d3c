"""Per-item sufficient statistics, weight matrices and rating-pair enumeration.

Every coefficient in :mod:`raer_agreement.metrics` is a function of sums
over items of small per-item quantities (the items x categories counts, the
per-item coincidences, the items x (annotator, category) incidences and the
items x (annotator pair, category pair) incidences of :mod:`.pairs`).  Computing them once from
the integer codes with :func:`numpy.bincount` makes point estimates, the
linearised standard errors and the bootstrap (a matrix of resampled item
weights times these statistics) share one code path.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import scipy.sparse as sp

from ..errors import DegenerateDataWarning

__all__ = [
    "Sufficient",
    "sufficient",
    "from_codes",
    "agreement_weights",
    "category_values",
    "krippendorff_distances",
    "coincidence_of",
    "warn_degenerate",
]


def warn_degenerate(what: str, reason: str, stacklevel: int = 3) -> None:
    """Warn that ``what`` is undefined (nan) and why."""
    warnings.warn(
        f"{what} is undefined (nan): {reason}", DegenerateDataWarning, stacklevel=stacklevel
    )


def coincidence_of(counts: np.ndarray) -> np.ndarray:
    """Coincidence matrix (Krippendorff 2011) of count rows, float shape (q, q).

    ``sum_i (x_i x_i^T - diag(x_i)) / (m_i - 1)`` over the rows ``x_i`` of
    ``counts`` (n, q) with ``m_i >= 2``, as one (q, n) @ (n, q) product (no
    (n, q, q) array).

    >>> coincidence_of(np.array([[2, 0], [1, 1]])).tolist()
    [[2.0, 1.0], [1.0, 0.0]]
    """
    counts = np.asarray(counts, dtype=float)
    m = counts.sum(1)
    inv = np.divide(1.0, m - 1, out=np.zeros_like(m), where=m >= 2)
    return (counts * inv[:, None]).T @ counts - np.diag(inv @ counts)


@dataclass(frozen=True, eq=False)
class Sufficient:
    """Integer-coded ratings of one scheme, restricted to rated items.

    Attributes
    ----------
    scheme : str
    categories : tuple of str, shape (q,)
        Every declared category (used or not).
    item : ndarray of int64, shape (n_ratings,)
        Row of each rating in ``counts`` (``0..n_items-1``).
    annotator : ndarray of int64, shape (n_ratings,)
        Compact annotator code ``0..n_annotators-1`` (annotators with a rating).
    label : ndarray of int64, shape (n_ratings,)
    item_codes : ndarray of int64, shape (n_items,)
        Item code in the source :class:`Annotations` of each row.
    annotator_codes : ndarray of int64, shape (n_annotators,)
        Annotator code in the source of each compact annotator.
    values : ndarray of float, shape (q,)
        Numeric value of each category (interval and ratio metrics, weights).
    """

    scheme: str
    categories: tuple
    item: np.ndarray
    annotator: np.ndarray
    label: np.ndarray
    item_codes: np.ndarray
    annotator_codes: np.ndarray
    values: np.ndarray

    @property
    def q(self) -> int:
        return len(self.categories)

    @property
    def n_items(self) -> int:
        return len(self.item_codes)

    @property
    def n_annotators(self) -> int:
        return len(self.annotator_codes)

    @property
    def n_ratings(self) -> int:
        return len(self.item)

    @cached_property
    def counts(self) -> np.ndarray:
        """Votes per item and category, int64 shape (n_items, q)."""
        q = self.q
        return np.bincount(self.item * q + self.label, minlength=self.n_items * q).reshape(
            self.n_items, q
        )

    @cached_property
    def m(self) -> np.ndarray:
        """Ratings per item, int64 shape (n_items,)."""
        return np.bincount(self.item, minlength=self.n_items)

    @cached_property
    def rater_counts(self) -> np.ndarray:
        """Ratings per annotator and category, int64 shape (n_annotators, q)."""
        q = self.q
        return np.bincount(
            self.annotator * q + self.label, minlength=self.n_annotators * q
        ).reshape(self.n_annotators, q)

    @cached_property
    def pair_order(self) -> np.ndarray:
        """Rating order sorted by (item, annotator), int64 shape (n_ratings,)."""
        key = self.item * max(self.n_annotators, 1) + self.annotator
        return np.argsort(key, kind="stable")

    @cached_property
    def has_repeats(self) -> bool:
        """True when some annotator rated some item more than once."""
        o = self.pair_order
        it, an = self.item[o], self.annotator[o]
        return bool(np.any((it[1:] == it[:-1]) & (an[1:] == an[:-1])))

    def coincidence(self) -> np.ndarray:
        """Coincidence matrix (Krippendorff 2011), float shape (q, q): :func:`coincidence_of`
        the item x category counts."""
        return coincidence_of(self.counts)

    def coincidence_rows(self, dense_limit: int = 30_000_000):
        """Per-item coincidence contributions, shape (n_items, q*q): dense when
        small enough, else the sparse :meth:`coincidence_incidence`."""
        n, q = self.n_items, self.q
        if n * q * q > dense_limit:
            return self.coincidence_incidence()
        counts = self.counts.astype(float)
        m = counts.sum(1)
        inv = np.divide(1.0, m - 1, out=np.zeros_like(m), where=m >= 2)
        c = counts[:, :, None] * counts[:, None, :]
        c[:, np.arange(q), np.arange(q)] -= counts
        return (c * inv[:, None, None]).reshape(n, q * q)

    def coincidence_incidence(self) -> sp.csr_matrix:
        """Per-item coincidence contributions, sparse shape (n_items, q*q).

        Row ``i`` holds ``(x_ik x_il - [k == l] x_ik) / (m_i - 1)`` at column
        ``k*q + l`` for items with ``m_i >= 2`` (Krippendorff 2011); summing
        the rows gives the coincidence matrix.
        """
        counts, m, q = self.counts, self.m, self.q
        i, k = np.nonzero(counts)
        x = counts[i, k].astype(float)
        d = np.bincount(i, minlength=self.n_items)  # distinct labels per item
        start = np.cumsum(d) - d
        rep = d[i]
        first = np.repeat(np.arange(len(i)), rep)
        offs = np.arange(len(first)) - np.repeat(np.cumsum(rep) - rep, rep)
        second = start[i[first]] + offs
        it = i[first]
        kk, ll = k[first], k[second]
        val = x[first] * x[second] - np.where(kk == ll, x[first], 0.0)
        den = (m[it] - 1).astype(float)
        keep = den > 0
        return sp.csr_matrix(
            (val[keep] / den[keep], (it[keep], kk[keep] * q + ll[keep])),
            shape=(self.n_items, q * q),
        )

    def rater_incidence(self) -> sp.csr_matrix:
        """Ratings per item and (annotator, category), sparse shape (n_items, n_annotators*q)."""
        q = self.q
        return sp.csr_matrix(
            (np.ones(self.n_ratings), (self.item, self.annotator * q + self.label)),
            shape=(self.n_items, self.n_annotators * q),
        )


def from_codes(
    item,
    annotator,
    label,
    *,
    categories,
    n_items=None,
    scheme="label",
    values=None,
    item_codes=None,
    annotator_codes=None,
) -> Sufficient:
    """:class:`Sufficient` from raw integer codes (label ``-1`` = missing).

    Items and annotators without a rating are dropped and renumbered.
    """
    item = np.asarray(item, dtype=np.int64)
    annotator = np.asarray(annotator, dtype=np.int64)
    label = np.asarray(label, dtype=np.int64)
    if not (len(item) == len(annotator) == len(label)):
        raise ValueError("item, annotator and label arrays must have the same length")
    keep = label >= 0
    if not keep.all():
        item, annotator, label = item[keep], annotator[keep], label[keep]
    q = len(categories)
    if len(label) and label.max() >= q:
        raise ValueError(
            f"label codes go up to {label.max()}, but only {q} categories are declared"
        )
    n_src = int(n_items) if n_items is not None else (int(item.max()) + 1 if len(item) else 0)
    used = np.zeros(n_src, bool)
    used[item] = True
    remap = np.cumsum(used) - 1
    icodes = np.flatnonzero(used)
    n_ann = int(annotator.max()) + 1 if len(annotator) else 0
    aused = np.zeros(n_ann, bool)
    aused[annotator] = True
    aremap = np.cumsum(aused) - 1
    acodes = np.flatnonzero(aused)
    if item_codes is not None:
        icodes = np.asarray(item_codes)[icodes]
    if annotator_codes is not None:
        acodes = np.asarray(annotator_codes)[acodes]
    vals = np.arange(1, q + 1, dtype=float) if values is None else np.asarray(values, dtype=float)
    return Sufficient(
        str(scheme),
        tuple(map(str, categories)),
        # every item and annotator rated (the usual case): the codes as they are,
        # shared with the caller, not a copy of millions of them
        item if len(icodes) == n_src else remap[item],
        annotator if len(acodes) == n_ann else aremap[annotator],
        label,
        icodes,
        acodes,
        vals,
    )


def category_values(scheme) -> np.ndarray:
    """Numeric value of each category of a :class:`~raer_agreement.taxonomy.Scheme`.

    The external codes when they are all numbers (RAER: 1..5), else the
    names when they are all numbers, else ``1..q`` in declared order.
    """
    for cand in (scheme.codes, scheme.categories):
        try:
            return np.array([float(c) for c in cand])
        except (TypeError, ValueError):
            continue
    return np.arange(1, scheme.n_categories + 1, dtype=float)


def sufficient(ann, scheme: str | None = None, *, labels=None) -> Sufficient:
    """Sufficient statistics of one scheme of an :class:`Annotations`.

    Parameters
    ----------
    ann : Annotations
    scheme : str, optional
        Default: the first scheme.
    labels : ndarray of int, shape (ann.n_ratings,), optional
        Codes to use instead of ``ann.labels[scheme]`` (e.g. collapsed fine
        labels); categories are still those of ``scheme``.
    """
    if not hasattr(ann, "ratings") or not hasattr(ann, "schemes"):
        raise TypeError(f"expected an Annotations object, got {type(ann).__name__}")
    name = ann.resolve_scheme(scheme)
    lab = ann.labels[name] if labels is None else np.asarray(labels, dtype=np.int64)
    sch = ann.scheme(name)
    return from_codes(
        ann.item,
        ann.annotator,
        lab,
        categories=sch.categories,
        n_items=ann.n_items,
        scheme=name,
        values=category_values(sch),
    )


# ----------------------------------------------------------------------- weights
WEIGHT_KINDS = ("identity", "linear", "quadratic", "ordinal", "radical", "ratio")


def agreement_weights(weights, q: int, values=None) -> np.ndarray:
    """Agreement weight matrix, as in Gwet's irrCAC (``weights=`` argument).

    Parameters
    ----------
    weights : None, str or array of shape (q, q)
        ``None``/``"identity"`` (unweighted), ``"linear"``, ``"quadratic"``,
        ``"ordinal"``, ``"radical"``, ``"ratio"``, or a matrix with ones on
        the diagonal and values in [0, 1].
    q : int
    values : array of float, shape (q,), optional
        Category values (default ``1..q``).

    Returns
    -------
    ndarray of float, shape (q, q)

    Examples
    --------
    >>> agreement_weights("linear", 3)
    array([[1. , 0.5, 0. ],
           [0.5, 1. , 0.5],
           [0. , 0.5, 1. ]])
    """
    if weights is None or (isinstance(weights, str) and weights == "identity"):
        return np.eye(q)
    v = np.arange(1, q + 1, dtype=float) if values is None else np.asarray(values, dtype=float)
    if isinstance(weights, str):
        if weights not in WEIGHT_KINDS:
            raise ValueError(
                f"unknown weights {weights!r}; expected one of {', '.join(WEIGHT_KINDS)} or a q x q array"
            )
        if q < 2:
            return np.eye(q)
        diff = np.abs(v[:, None] - v[None, :])
        rng_ = v.max() - v.min()
        if weights == "linear":
            return 1 - diff / rng_
        if weights == "quadratic":
            return 1 - diff**2 / rng_**2
        if weights == "radical":
            return 1 - np.sqrt(diff) / np.sqrt(rng_)
        if weights == "ordinal":
            r = np.abs(np.arange(q)[:, None] - np.arange(q)[None, :]) + 1
            mkl = r * (r - 1) / 2
            return 1 - mkl / mkl.max()
        if weights == "ratio":
            s = v[:, None] + v[None, :]
            with np.errstate(invalid="ignore", divide="ignore"):
                w = np.where(s != 0, ((v[:, None] - v[None, :]) / np.where(s != 0, s, 1)) ** 2, 0.0)
                top = ((v.max() - v.min()) / (v.max() + v.min())) ** 2
            return 1 - w / top
    w = np.asarray(weights, dtype=float)
    if w.shape != (q, q):
        raise ValueError(f"a weight matrix must have shape ({q}, {q}), got {w.shape}")
    if not np.allclose(np.diag(w), 1) or (w < 0).any() or (w > 1).any():
        raise ValueError("a weight matrix needs ones on the diagonal and values in [0, 1]")
    return w


LEVELS = ("nominal", "ordinal", "interval", "ratio")


def krippendorff_distances(level: str, values: np.ndarray, n_v: np.ndarray) -> np.ndarray:
    """Krippendorff's squared difference functions delta(c, k).

    Parameters
    ----------
    level : {"nominal", "ordinal", "interval", "ratio"}
    values : ndarray of float, shape (q,)
    n_v : ndarray of float, shape (..., q)
        Pairable values per category (coincidence marginals; the ordinal
        metric depends on them).  Leading axes broadcast (one per resample).

    Returns
    -------
    ndarray of float, shape (..., q, q)
    """
    q = len(values)
    if level == "nominal":
        return np.broadcast_to(1.0 - np.eye(q), np.shape(n_v)[:-1] + (q, q))
    if level == "interval":
        d = (values[:, None] - values[None, :]) ** 2
        return np.broadcast_to(d, np.shape(n_v)[:-1] + (q, q))
    if level == "ratio":
        s = values[:, None] + values[None, :]
        with np.errstate(invalid="ignore", divide="ignore"):
            d = np.where(
                s != 0, ((values[:, None] - values[None, :]) / np.where(s != 0, s, 1)) ** 2, 0.0
            )
        return np.broadcast_to(d, np.shape(n_v)[:-1] + (q, q))
    if level == "ordinal":
        n_v = np.asarray(n_v, dtype=float)
        c = np.cumsum(n_v, axis=-1)
        # sum_{g=lo}^{hi} n_g - (n_lo + n_hi) / 2, for lo <= hi
        lo = np.minimum(np.arange(q)[:, None], np.arange(q)[None, :])
        hi = np.maximum(np.arange(q)[:, None], np.arange(q)[None, :])
        between = c[..., hi] - c[..., lo] + n_v[..., lo]
        return (between - (n_v[..., lo] + n_v[..., hi]) / 2) ** 2
    raise ValueError(f"unknown level of measurement {level!r}; expected one of {', '.join(LEVELS)}")
