"""Soft-label targets: a probability vector per clip, with its id and the
class order travelling alongside (never rely on row order).

Sources
    * the empirical vote distribution, optionally Dirichlet-smoothed
      (``alpha`` pseudo-votes per class) and restricted to clips with at
      least ``min_votes`` votes;
    * a model's posteriors (any aggregator of this package).
Temperature
    ``p_k ** (1 / T)`` renormalised: ``T > 1`` flattens, ``T < 1`` sharpens.
Granularities
    Coarse targets follow from fine ones by summing each parent's children
    through the taxonomy (:func:`coarse_from_fine`), so the two never
    contradict each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from .._json import to_jsonable
from ..annotations import Annotations
from .base import Aggregator, as_annotations, entropy

__all__ = [
    "SoftLabels",
    "vote_distribution",
    "model_soft_labels",
    "soft_labels",
    "coarse_from_fine",
    "apply_temperature",
]


@dataclass(frozen=True)
class SoftLabels:
    """Soft-label targets of one scheme.

    Attributes
    ----------
    clip_ids : ndarray of str, shape (n,)
        Clip ids as given.
    classes : tuple of str, shape (q,)
        Class names, the column order of ``probs`` and ``counts``.
    codes : tuple of str, shape (q,)
        External class codes (RAER: ``"1"``..``"5"``).
    counts : ndarray of int64, shape (n, q)
        Votes per clip and class.
    probs : ndarray of float64, shape (n, q)
        Targets; rows sum to 1.
    labels : ndarray of int64, shape (n,)
        Hard label (class index) per clip, ``-1`` = unresolved.
    scheme : str
    method : str
        ``votes`` or the aggregation method.
    params : dict
        Options that produced the targets (smoothing, temperature, ...).
    seed : int or None
    """

    clip_ids: np.ndarray
    classes: tuple
    codes: tuple
    counts: np.ndarray
    probs: np.ndarray
    labels: np.ndarray
    scheme: str
    method: str
    params: dict = field(default_factory=dict)
    seed: int | None = None

    def __post_init__(self):
        n, q = self.probs.shape
        if self.counts.shape != (n, q) or len(self.clip_ids) != n or len(self.classes) != q:
            raise ValueError("clip_ids, counts, probs and classes have inconsistent shapes")

    @property
    def n_ratings(self) -> np.ndarray:
        """Votes per clip, shape (n,)."""
        return self.counts.sum(axis=1)

    @property
    def entropy(self) -> np.ndarray:
        """Entropy (nats) of each target, shape (n,)."""
        return entropy(self.probs)

    def hard_labels(self) -> np.ndarray:
        """Class names of the hard labels (None = unresolved), shape (n,)."""
        names = np.asarray(list(self.classes) + [None], dtype=object)
        return names[np.where(self.labels >= 0, self.labels, len(self.classes))]

    def to_frame(self) -> pd.DataFrame:
        """One row per clip: a column per class, ``n_ratings``, ``entropy``, ``label``.

        Examples
        --------
        >>> df = pd.DataFrame({"item": ["c1", "c1", "c2"], "annotator": ["a", "b", "a"],
        ...                    "label": ["x", "y", "y"]})
        >>> vote_distribution(df).to_frame().round(3).to_dict("index")
        {'c1': {'x': 0.5, 'y': 0.5, 'n_ratings': 2, 'entropy': 0.693, 'label': 'x'}, 'c2': {'x': 0.0, 'y': 1.0, 'n_ratings': 1, 'entropy': 0.0, 'label': 'y'}}
        """
        out = pd.DataFrame(
            self.probs, columns=list(self.classes), index=pd.Index(self.clip_ids, name="clip_id")
        )
        out["n_ratings"] = self.n_ratings
        out["entropy"] = self.entropy
        out["label"] = pd.array(self.hard_labels(), dtype="string")
        return out


def apply_temperature(probs: np.ndarray, temperature: float) -> np.ndarray:
    """``p ** (1/T)`` renormalised per row.

    Parameters
    ----------
    probs : ndarray, shape (n, q)
    temperature : float, > 0

    Returns
    -------
    ndarray, shape (n, q)

    Examples
    --------
    >>> apply_temperature(np.array([[0.2, 0.8]]), 2.0).round(3)
    array([[0.333, 0.667]])
    """
    if not (np.isscalar(temperature) and temperature > 0 and np.isfinite(temperature)):
        raise ValueError(f"temperature must be a positive number; got {temperature!r}")
    if temperature == 1:
        return probs
    with np.errstate(divide="ignore"):
        logp = np.log(probs) / temperature
    logp -= logp.max(axis=1, keepdims=True)
    p = np.exp(logp)
    return p / p.sum(axis=1, keepdims=True)


def _argmax_or_unresolved(p: np.ndarray) -> np.ndarray:
    return np.argmax(p, axis=1).astype(np.int64)


def vote_distribution(
    data,
    scheme: str | None = None,
    *,
    alpha: float = 0.0,
    min_votes: int = 1,
    temperature: float = 1.0,
) -> SoftLabels:
    """Empirical vote distribution per clip.

    Parameters
    ----------
    data : Annotations or long DataFrame
    scheme : str, optional
    alpha : float, default 0
        Dirichlet pseudo-votes added to every class (``alpha = 1`` is
        Laplace smoothing).
    min_votes : int, default 1
        Clips with fewer votes are left out (their ids do not appear).
    temperature : float, default 1

    Returns
    -------
    SoftLabels
        Hard labels are the vote argmax, ties to the lowest class.

    Examples
    --------
    >>> df = pd.DataFrame({"item": ["c1", "c1", "c1", "c2"], "annotator": list("abca"),
    ...                    "label": ["x", "x", "y", "y"]})
    >>> s = vote_distribution(df, alpha=1.0, min_votes=2)
    >>> s.clip_ids.tolist(), s.probs.round(2).tolist()
    (['c1'], [[0.6, 0.4]])
    """
    ann, scheme = as_annotations(data, scheme)
    if not (np.isscalar(alpha) and alpha >= 0):
        raise ValueError(f"alpha must be a non-negative number; got {alpha!r}")
    if not (isinstance(min_votes, (int, np.integer)) and min_votes >= 0):
        raise ValueError(f"min_votes must be a non-negative integer; got {min_votes!r}")
    counts = ann.counts(scheme)
    keep = counts.sum(axis=1) >= max(min_votes, 0)
    if alpha == 0:
        keep &= counts.sum(axis=1) > 0  # no votes, no distribution
    c = counts[keep]
    sm = c + float(alpha)
    probs = apply_temperature(sm / sm.sum(axis=1, keepdims=True), temperature)
    sch = ann.scheme(scheme)
    return SoftLabels(
        np.asarray(ann.item_ids, dtype=object)[keep],
        tuple(sch.categories),
        tuple(sch.codes),
        c,
        probs,
        _argmax_or_unresolved(c.astype(float)),
        scheme,
        "votes",
        {
            "alpha": float(alpha),
            "min_votes": int(min_votes),
            "temperature": float(temperature),
            "n_clips_left_out": int((~keep).sum()),
        },
    )


def model_soft_labels(
    estimator: Aggregator,
    data,
    scheme: str | None = None,
    *,
    temperature: float = 1.0,
    min_votes: int = 0,
    method: str | None = None,
    seed: int | None = None,
    fitted: bool = False,
) -> SoftLabels:
    """Posteriors of an aggregator as soft labels.

    Parameters
    ----------
    estimator : Aggregator
        Fitted here on ``data`` unless ``fitted``.
    data : Annotations or long DataFrame
    scheme : str, optional
        For :class:`HierarchicalDawidSkene`, either of its two schemes.
    temperature : float, default 1
    min_votes : int, default 0
        Clips with fewer votes in ``scheme`` are left out.
    method : str, optional
        Name recorded in the output (default: the estimator's class name).

    Returns
    -------
    SoftLabels
        Hard labels are the estimator's ``labels_`` (its tie policy applies).

    Examples
    --------
    >>> from raer_agreement.aggregation import DawidSkene
    >>> df = pd.DataFrame({"item": list("aabb"), "annotator": list("xyxy"), "label": list("ppnq")})
    >>> s = model_soft_labels(DawidSkene(), df)
    >>> s.classes, s.probs.shape, bool(np.allclose(s.probs.sum(1), 1))
    (('n', 'p', 'q'), (2, 3), True)
    """
    ann, scheme = as_annotations(data, scheme)
    if not fitted:
        estimator.fit(ann, scheme)
    by = getattr(estimator, "posteriors_by_scheme_", None)
    if by is not None and scheme in by:
        post = by[scheme]
        codes = np.argmax(post.to_numpy(), axis=1)
    else:
        if estimator.scheme_ != scheme:
            raise ValueError(
                f"the estimator was fitted on scheme {estimator.scheme_!r}, not {scheme!r}"
            )
        post = estimator.posteriors_
        codes = np.asarray(estimator.label_codes_)
    p = post.to_numpy(dtype=float)
    counts = ann.counts(scheme)
    keep = (counts.sum(axis=1) >= min_votes) & ~np.isnan(p).any(axis=1)
    probs = apply_temperature(p[keep], temperature)
    sch = ann.scheme(scheme)
    params = {
        "temperature": float(temperature),
        "min_votes": int(min_votes),
        "n_clips_left_out": int((~keep).sum()),
        "estimator": repr(estimator),
        "options": to_jsonable(estimator.get_params()),
    }
    return SoftLabels(
        np.asarray(ann.item_ids, dtype=object)[keep],
        tuple(sch.categories),
        tuple(sch.codes),
        counts[keep],
        probs,
        codes[keep].astype(np.int64),
        scheme,
        method or type(estimator).__name__,
        params,
        seed,
    )


def soft_labels(
    data,
    scheme: str | None = None,
    *,
    method: str = "votes",
    alpha: float = 0.0,
    min_votes: int = 1,
    temperature: float = 1.0,
    seed: int = 0,
    **options,
) -> SoftLabels:
    """Soft labels by method name: ``votes`` or any aggregation method.

    Parameters
    ----------
    data : Annotations or long DataFrame
    scheme : str, optional
    method : str, default "votes"
        ``votes`` (empirical distribution) or a name of
        :data:`raer_agreement.aggregation.METHODS`.
    alpha : float
        Dirichlet smoothing of the vote distribution (``votes`` only).
    min_votes : int
    temperature : float
    seed : int
    **options
        Passed to the estimator.

    Examples
    --------
    >>> df = pd.DataFrame({"item": list("aabb"), "annotator": list("xyxy"), "label": list("ppnp")})
    >>> soft_labels(df, method="majority", seed=1).probs.tolist()
    [[0.0, 1.0], [0.5, 0.5]]
    """
    if method == "votes":
        return replace(
            vote_distribution(
                data, scheme, alpha=alpha, min_votes=min_votes, temperature=temperature
            ),
            seed=seed,
        )
    if alpha:
        raise ValueError(
            "alpha (vote smoothing) applies to method='votes' only; models have their own smoothing"
        )
    from . import make_aggregator

    est = make_aggregator(method, seed=seed, **options)
    return model_soft_labels(
        est, data, scheme, temperature=temperature, min_votes=min_votes, method=method, seed=seed
    )


def coarse_from_fine(soft: SoftLabels, ann_or_taxonomy, parent: str | None = None) -> SoftLabels:
    """Coarse targets by summing fine targets over each parent's children.

    Parameters
    ----------
    soft : SoftLabels
        Targets of a child scheme (e.g. ``fine``).
    ann_or_taxonomy : Annotations or Taxonomy
        Holds the mapping.
    parent : str, optional
        Parent scheme (default: the child's declared parent).

    Returns
    -------
    SoftLabels
        Of the parent scheme; ``counts`` are the fine votes collapsed.

    Examples
    --------
    >>> from raer_agreement.taxonomy import default_taxonomy
    >>> tax = default_taxonomy()
    >>> q = tax["fine"].n_categories
    >>> fine = SoftLabels(np.array(["c1"], dtype=object), tax["fine"].categories, tax["fine"].codes,
    ...                   np.zeros((1, q), dtype=np.int64), np.full((1, q), 1.0 / q), np.array([0]),
    ...                   "fine", "votes")
    >>> coarse_from_fine(fine, tax).probs.round(2).tolist()
    [[0.2, 0.2, 0.2, 0.2, 0.2]]
    """
    tax = ann_or_taxonomy.taxonomy if isinstance(ann_or_taxonomy, Annotations) else ann_or_taxonomy
    child = tax[soft.scheme]
    parent = parent or child.parent
    if parent is None:
        raise ValueError(f"scheme {soft.scheme!r} has no parent scheme in the taxonomy")
    mapping = tax.mapping(soft.scheme, parent)
    psch = tax[parent]
    g = np.zeros((len(mapping), psch.n_categories))
    g[np.arange(len(mapping)), mapping] = 1.0
    probs = soft.probs @ g
    counts = (soft.counts @ g).round().astype(np.int64)
    params = dict(soft.params, marginalised_from=soft.scheme)
    return SoftLabels(
        soft.clip_ids,
        tuple(psch.categories),
        tuple(psch.codes),
        counts,
        probs,
        np.argmax(probs, axis=1).astype(np.int64),
        parent,
        soft.method,
        params,
        soft.seed,
    )
