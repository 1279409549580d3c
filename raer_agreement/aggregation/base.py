"""Shared machinery of the aggregators: input handling, incidence matrices,
log-space normalisation and the scikit-learn-style estimator base class.

Every aggregator follows scikit-learn's estimator rules: options are
keyword-only arguments of ``__init__`` stored unchanged, ``__init__`` does no
work, :meth:`Aggregator.fit` returns ``self`` and every fitted attribute ends
in ``_``.  Aggregators take an :class:`~raer_agreement.Annotations` or a plain
long DataFrame (one row per rating: item, annotator, label columns).
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse

from ..annotations import Annotations
from ..io.frames import as_annotations

__all__ = [
    "Aggregator",
    "annotations_and_scheme",
    "incidence_matrix",
    "fold_matrix",
    "normalise_log",
    "entropy",
    "gold_codes",
    "no_other_options",
]


def annotations_and_scheme(data, scheme: str | None = None) -> tuple[Annotations, str]:
    """The :class:`Annotations` of ``data`` and the resolved scheme name.

    Parameters
    ----------
    data : Annotations or DataFrame
        A DataFrame is read as a long table (one row per rating) by
        :func:`raer_agreement.io.as_annotations`.
    scheme : str, optional
        Label scheme; default the first one present.

    Returns
    -------
    ann : Annotations
    scheme : str

    Examples
    --------
    >>> df = pd.DataFrame({"item": ["c1", "c1"], "annotator": ["a", "b"], "label": ["x", "y"]})
    >>> ann, scheme = annotations_and_scheme(df)
    >>> scheme, ann.n_items
    ('label', 1)
    """
    ann = as_annotations(data)
    return ann, ann.resolve_scheme(scheme)


def incidence_matrix(
    item: np.ndarray, column: np.ndarray, n_items: int, n_columns: int
) -> sparse.csr_matrix:
    """Sparse counts of ``(item, column)`` pairs.

    Parameters
    ----------
    item : ndarray of int, shape (n_ratings,)
    column : ndarray of int, shape (n_ratings,)
        Usually ``annotator * q + label``.
    n_items, n_columns : int

    Returns
    -------
    scipy.sparse.csr_matrix of float64, shape (n_items, n_columns)
        Repeated pairs are summed (repeated ratings count separately).

    Examples
    --------
    >>> incidence_matrix(np.array([0, 0, 1]), np.array([2, 2, 0]), 2, 3).toarray()
    array([[0., 0., 2.],
           [1., 0., 0.]])
    """
    item = np.asarray(item)
    column = np.asarray(column)
    idx = np.int32 if max(n_items, n_columns) < 2**31 - 1 else np.int64
    m = sparse.csr_matrix(
        (np.ones(len(item)), (item.astype(idx, copy=False), column.astype(idx, copy=False))),
        shape=(n_items, n_columns),
    )
    m.sum_duplicates()
    return m


def fold_matrix(n_annotators: int, q: int) -> sparse.csr_matrix:
    """Sum the (annotator, category) columns of an incidence matrix per category.

    ``X @ fold_matrix(m, q)`` turns an items x (annotator * q + label)
    incidence into items x categories vote counts.

    Returns
    -------
    scipy.sparse.csr_matrix, shape (n_annotators * q, q)

    Examples
    --------
    >>> X = incidence_matrix(np.array([0, 0]), np.array([1, 3]), 1, 4)  # 2 annotators, q = 2
    >>> (X @ fold_matrix(2, 2)).toarray()
    array([[0., 2.]])
    """
    return sparse.csr_matrix(
        (
            np.ones(n_annotators * q),
            (np.arange(n_annotators * q), np.tile(np.arange(q), n_annotators)),
        ),
        shape=(n_annotators * q, q),
    )


def normalise_log(logp: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row-normalise log-probabilities.

    Parameters
    ----------
    logp : ndarray of float, shape (n, k)

    Returns
    -------
    probs : ndarray of float, shape (n, k)
        ``exp(logp)`` divided by its row sums.
    log_norm : ndarray of float, shape (n,)
        ``logsumexp(logp, axis=1)``.

    Examples
    --------
    >>> p, z = normalise_log(np.log(np.array([[1.0, 3.0]])))
    >>> p, z.round(4)
    (array([[0.25, 0.75]]), array([1.3863]))
    """
    # reductions over a short last axis are slow in numpy: go column by column
    top = logp[:, 0].copy()
    for k in range(1, logp.shape[1]):
        np.maximum(top, logp[:, k], out=top)
    top[~np.isfinite(top)] = 0.0
    p = np.exp(logp - top[:, None])
    s = p @ np.ones(p.shape[1])
    with np.errstate(divide="ignore", invalid="ignore"):
        log_norm = np.log(s) + top
        p /= s[:, None]
    return p, log_norm


def no_other_options(method: str, fit_params: dict) -> None:
    """Refuse ``fit`` options a method does not take (e.g. ``gold`` for a model
    that cannot clamp), naming them.

    Examples
    --------
    >>> no_other_options("KOS", {})
    >>> no_other_options("KOS", {"gold": None})
    Traceback (most recent call last):
    ...
    TypeError: KOS.fit takes no option gold
    """
    if fit_params:
        raise TypeError(f"{method}.fit takes no option {', '.join(fit_params)}")


def entropy(probs, axis: int = -1) -> np.ndarray:
    """Shannon entropy in nats, ``0 log 0 = 0``.

    Parameters
    ----------
    probs : array of float, shape (..., k)

    Returns
    -------
    ndarray of float, shape (...)

    Examples
    --------
    >>> float(entropy([0.5, 0.5]).round(4))
    0.6931
    """
    p = np.asarray(probs, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0)
    out = 0.0 - t.sum(axis=axis)  # +0.0, never -0.0
    return np.where(np.isnan(p).any(axis=axis), np.nan, out)


def gold_codes(gold, ann: Annotations, scheme: str) -> np.ndarray:
    """Gold labels as category codes per item, ``-1`` where unknown.

    Parameters
    ----------
    gold : Series or mapping of item id -> label, or array of codes shape (n_items,)
        Labels may be category names or external codes; item ids not in
        ``ann`` are ignored.

    Returns
    -------
    ndarray of int64, shape (n_items,)
    """
    if gold is None:
        return np.full(ann.n_items, -1, dtype=np.int64)
    if isinstance(gold, np.ndarray) and gold.dtype.kind in "iu":
        if gold.shape != (ann.n_items,):
            raise ValueError(f"gold codes must have shape ({ann.n_items},), got {gold.shape}")
        q = ann.n_categories(scheme)
        if gold.max(initial=-1) >= q or gold.min(initial=-1) < -1:
            raise ValueError(f"gold codes must lie in -1..{q - 1}")
        return gold.astype(np.int64)
    s = pd.Series(gold) if not isinstance(gold, pd.Series) else gold
    s.index = s.index.map(str)
    s = s[~s.index.duplicated(keep="last")]
    s = s.reindex(pd.Index(ann.item_ids))
    sch = ann.scheme(scheme)
    lookup = {str(c): k for k, c in enumerate(sch.categories)}
    for k, c in enumerate(sch.codes):
        lookup.setdefault(str(c), k)
    out = np.full(ann.n_items, -1, dtype=np.int64)
    vals = s.to_numpy(dtype=object)
    for i, v in enumerate(vals):
        if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
            continue
        key = (
            str(int(v)) if isinstance(v, (float, np.floating)) and float(v).is_integer() else str(v)
        )
        if key not in lookup:
            raise ValueError(
                f"gold label {v!r} of item {ann.item_ids[i]!r} is not a category of scheme "
                f"{scheme!r} (expected one of: {', '.join(sch.categories)})"
            )
        out[i] = lookup[key]
    return out


class Aggregator:
    """Base class of the aggregators (scikit-learn estimator conventions).

    Subclasses implement :meth:`_fit` returning the posteriors as an array
    of shape (n_items, n_classes) (optionally with the label codes, when
    they are not the argmax); the base class turns them into
    ``posteriors_`` (DataFrame clip x class), ``labels_`` (the argmax, a
    categorical Series indexed by clip id), ``confidence_`` and
    ``entropy_``.
    """

    @property
    def needs_identities(self) -> bool:
        """Whether the model needs to know who cast each vote (annotator
        confusions, abilities, weights).  Such models refuse anonymous votes
        (:class:`~raer_agreement.errors.AnonymousVotesError`)."""
        return True

    def __init__(self):  # pragma: no cover - subclasses define their own options
        pass

    def _check_identities(self, ann: Annotations) -> None:
        if self.needs_identities:
            ann.require_identities(type(self).__name__)

    # ------------------------------------------------------------ params
    @classmethod
    def _param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return [
            p.name
            for p in sig.parameters.values()
            if p.name != "self" and p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Options as given to ``__init__``."""
        return {k: getattr(self, k) for k in self._param_names()}

    def set_params(self, **params) -> Aggregator:
        """Change options (scikit-learn convention); returns self."""
        names = self._param_names()
        for k, v in params.items():
            if k not in names:
                raise ValueError(
                    f"{type(self).__name__} has no option {k!r} (options: {', '.join(names)})"
                )
            setattr(self, k, v)
        return self

    def __repr__(self) -> str:
        defaults = {
            p.name: p.default for p in inspect.signature(type(self).__init__).parameters.values()
        }
        shown = []
        for k, v in self.get_params().items():
            d = defaults.get(k, inspect.Parameter.empty)
            try:
                same = d is not inspect.Parameter.empty and bool(d == v)
            except Exception:
                same = False
            if not same:
                shown.append(f"{k}={v!r}")
        return f"{type(self).__name__}({', '.join(shown)})"

    # --------------------------------------------------------------- fit
    def fit(self, data, scheme: str | None = None, **fit_params) -> Aggregator:
        """Estimate the model from ratings.

        Parameters
        ----------
        data : Annotations or DataFrame
            Ratings; a DataFrame is read as a long table.
        scheme : str, optional
            Label scheme to aggregate (default: the first present).

        Returns
        -------
        self
        """
        ann, scheme = annotations_and_scheme(data, scheme)
        self._check_identities(ann)
        out = self._fit(ann, scheme, **fit_params)
        post, codes = out if isinstance(out, tuple) else (out, None)
        self._set_outputs(ann, scheme, post, codes)
        return self

    def fit_predict(self, data, scheme: str | None = None, **fit_params) -> pd.Series:
        """Fit and return ``labels_`` (Series indexed by clip id)."""
        return self.fit(data, scheme, **fit_params).labels_

    def fit_predict_proba(self, data, scheme: str | None = None, **fit_params) -> pd.DataFrame:
        """Fit and return ``posteriors_`` (DataFrame clip x class)."""
        return self.fit(data, scheme, **fit_params).posteriors_

    def _fit(self, ann: Annotations, scheme: str, **fit_params) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def _label_codes(self, post: np.ndarray) -> np.ndarray:
        codes = np.argmax(np.nan_to_num(post, nan=-1.0), axis=1)
        return np.where(np.isnan(post).any(axis=1), -1, codes)

    def _set_outputs(self, ann: Annotations, scheme: str, post: np.ndarray, codes=None) -> None:
        cats = list(ann.categories(scheme))
        idx = pd.Index(ann.item_ids, name="item_id")
        self.scheme_ = scheme
        self.classes_ = np.asarray(cats, dtype=object)
        self.item_ids_ = np.asarray(ann.item_ids, dtype=object)
        self.annotator_ids_ = np.asarray(ann.annotator_ids, dtype=object)
        self.n_ratings_ = np.bincount(ann.ratings(scheme)[0], minlength=ann.n_items)
        self.posteriors_ = pd.DataFrame(post, index=idx, columns=pd.Index(cats, name=scheme))
        codes = self._label_codes(post) if codes is None else np.asarray(codes, dtype=np.int64)
        self.label_codes_ = codes
        self.labels_ = pd.Series(
            pd.Categorical.from_codes(codes, categories=cats), index=idx, name=scheme
        )
        with np.errstate(invalid="ignore"):
            self.confidence_ = pd.Series(
                np.where(codes >= 0, np.max(np.nan_to_num(post, nan=0.0), axis=1), np.nan),
                index=idx,
                name="confidence",
            )
        self.entropy_ = pd.Series(entropy(post), index=idx, name="entropy")
