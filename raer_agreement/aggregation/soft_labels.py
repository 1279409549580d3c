"""Soft-label targets: a probability vector per clip, with its id and the
class order travelling alongside (never rely on row order).

Sources
    * the empirical vote distribution, optionally Dirichlet-smoothed
      (``alpha`` pseudo-votes per class) and restricted to clips with at
      least ``min_votes`` votes;
    * the same after the rules affect data sets apply to raw votes (noise
      votes dropped, classes that are not targets excluded, clips with too
      little left out), or one of FER+'s published training targets
      (:data:`RECIPES`; :mod:`raer_agreement.aggregation.recipes`);
    * a model's posteriors (any aggregator of this package).
Temperature
    ``p_k ** (1 / T)`` renormalised: ``T > 1`` flattens, ``T < 1`` sharpens.
Granularities
    Coarse targets follow from fine ones by summing each parent's children
    through the taxonomy (:func:`coarse_from_fine`), so the two never
    contradict each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._json import to_jsonable
from ..annotations import Annotations
from .base import Aggregator, annotations_and_scheme, entropy
from .recipes import (
    FERPLUS_EXCLUDED,
    FERPLUS_MODES,
    NO_KEPT_VOTES,
    apply_vote_rules,
    ferplus_targets,
)
from .registry import make_aggregator

__all__ = [
    "SoftLabels",
    "vote_distribution",
    "model_soft_labels",
    "soft_labels",
    "coarse_from_fine",
    "apply_temperature",
    "RECIPES",
]

#: Reason recorded for the clips with fewer votes than ``min_votes``.
FEWER_VOTES = "fewer votes than min_votes"


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
        ``votes``, the recipe, or the aggregation method.
    params : dict
        Options that produced the targets (smoothing, temperature, rules,
        the clips left out and why, ...).
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


#: Named recipes of :func:`vote_distribution`: FER+'s four training targets.
RECIPES = tuple(f"ferplus-{m}" for m in FERPLUS_MODES)


def _excluded_mask(sch, exclude, recipe) -> np.ndarray:
    """Boolean mask of the excluded classes of ``sch`` (names or codes)."""
    if exclude is None:
        exclude = FERPLUS_EXCLUDED if recipe else ()
        missing = [c for c in exclude if c not in sch.categories]
        if missing:
            raise ValueError(
                f"recipe {recipe!r} leaves out the classes {', '.join(map(repr, exclude))}, "
                f"which scheme {sch.name!r} lacks ({', '.join(sch.categories)}); name the classes "
                "that are not targets with exclude=[...] (exclude=[] for none)"
            )
    if isinstance(exclude, str):
        exclude = [exclude]
    names, codes = list(sch.categories), [str(c) for c in sch.codes]
    mask = np.zeros(len(names), dtype=bool)
    for c in exclude:
        c = str(c)
        if c in names:
            mask[names.index(c)] = True
        elif c in codes:
            mask[codes.index(c)] = True
        else:
            raise ValueError(
                f"cannot exclude class {c!r}: scheme {sch.name!r} has {', '.join(names)}"
            )
    if mask.all():
        raise ValueError("exclude names every class of the scheme; no target would remain")
    return mask


def _check_options(alpha, min_votes, min_class_votes, min_kept_share, recipe, temperature):
    if not (np.isscalar(alpha) and alpha >= 0):
        raise ValueError(f"alpha must be a non-negative number; got {alpha!r}")
    for name, v in (("min_votes", min_votes), ("min_class_votes", min_class_votes)):
        if not (isinstance(v, (int, np.integer)) and v >= 0):
            raise ValueError(f"{name} must be a non-negative integer; got {v!r}")
    if not (np.isscalar(min_kept_share) and 0 <= min_kept_share <= 1):
        raise ValueError(f"min_kept_share must be a share in [0, 1]; got {min_kept_share!r}")
    if recipe is None:
        return
    if recipe not in RECIPES:
        raise ValueError(f"unknown recipe {recipe!r}; expected one of: {', '.join(RECIPES)}")
    fixed = {
        "alpha": alpha != 0,
        "temperature": temperature != 1,
        "min_class_votes": min_class_votes != 1,
        "min_kept_share": min_kept_share != 0,
    }
    clash = [k for k, v in fixed.items() if v]
    if clash:
        raise ValueError(
            f"recipe {recipe!r} defines its own rules; drop {', '.join(clash)} "
            "(only exclude and min_votes combine with a recipe)"
        )


def vote_distribution(
    data,
    scheme: str | None = None,
    *,
    alpha: float = 0.0,
    min_votes: int = 1,
    temperature: float = 1.0,
    min_class_votes: int = 1,
    exclude=None,
    min_kept_share: float = 0.0,
    recipe: str | None = None,
    seed: int | None = None,
) -> SoftLabels:
    """Empirical vote distribution per clip, optionally through a recipe.

    The rules and recipes are those of :mod:`raer_agreement.aggregation.recipes`.
    They need only the votes per clip, so they apply to anonymous votes
    (counts tables) too.

    Parameters
    ----------
    data : Annotations or long DataFrame
    scheme : str, optional
    alpha : float, default 0
        Dirichlet pseudo-votes added to every kept class (``alpha = 1`` is
        Laplace smoothing).
    min_votes : int, default 1
        Clips with fewer votes are left out (their ids do not appear).
    temperature : float, default 1
    min_class_votes : int, default 1
        A class with fewer votes in a clip loses them as noise (FER+: 2).
    exclude : sequence of str, optional
        Classes (names or codes) that are not targets: their votes are
        removed, their columns dropped, the rest renormalised (FER+:
        ``["unknown", "NF"]``, the default of the FER+ recipes).
    min_kept_share : float in [0, 1], default 0
        A clip whose kept votes (after noise and exclusion) are below this
        share of all its votes is left out.
    recipe : {"ferplus-majority", "ferplus-probability", "ferplus-crossentropy", \
"ferplus-multitarget"}, optional
        FER+'s published training targets; they fix their own rules (no
        ``alpha``, ``temperature``, ``min_class_votes``, ``min_kept_share``).
    seed : int, optional
        Seed of the hard labels drawn by ``ferplus-probability`` (default 0).

    Returns
    -------
    SoftLabels
        Columns = the classes not excluded; ``counts`` are their raw votes.
        Hard labels are the argmax of the kept votes, ties to the lowest
        class (``ferplus-probability``: a seeded draw from the target).
        ``params["left_out"]`` counts the clips left out by reason and
        ``params["left_out_ids"]`` lists them.

    Examples
    --------
    >>> df = pd.DataFrame({"item": ["c1", "c1", "c1", "c2"], "annotator": list("abca"),
    ...                    "label": ["x", "x", "y", "y"]})
    >>> s = vote_distribution(df, alpha=1.0, min_votes=2)
    >>> s.clip_ids.tolist(), s.probs.round(2).tolist()
    (['c1'], [[0.6, 0.4]])

    Single votes dropped as noise and class ``z`` excluded:

    >>> df = pd.DataFrame({"item": ["c1"] * 5, "annotator": list("abcde"),
    ...                    "label": ["x", "x", "x", "y", "z"]})
    >>> vote_distribution(df, min_class_votes=2, exclude=["z"]).probs.tolist()
    [[1.0, 0.0]]
    """
    ann, scheme = annotations_and_scheme(data, scheme)
    _check_options(alpha, min_votes, min_class_votes, min_kept_share, recipe, temperature)
    sch = ann.scheme(scheme)
    excluded = _excluded_mask(sch, exclude, recipe)
    counts = ann.counts(scheme)
    if recipe is not None:
        probs, labels, reason = ferplus_targets(
            counts,
            recipe.removeprefix("ferplus-"),
            excluded,
            rng=np.random.default_rng(0 if seed is None else seed),
        )
    else:
        probs, labels, reason = _ruled_votes(
            counts, excluded, alpha, min_class_votes, min_kept_share
        )
    reason[counts.sum(axis=1) < min_votes] = FEWER_VOTES
    keep = reason == ""
    ids = np.asarray(ann.item_ids, dtype=object)
    params = _vote_params(
        reason,
        keep,
        ids,
        sch,
        excluded,
        alpha,
        min_votes,
        temperature,
        recipe,
        min_class_votes,
        min_kept_share,
    )
    return SoftLabels(
        ids[keep],
        tuple(c for c, e in zip(sch.categories, excluded) if not e),
        tuple(c for c, e in zip(sch.codes, excluded) if not e),
        counts[keep][:, ~excluded],
        apply_temperature(probs[keep], temperature),
        labels[keep],
        scheme,
        recipe or "votes",
        params,
        seed,
    )


def _ruled_votes(counts, excluded, alpha, min_class_votes, min_kept_share):
    """Targets without a recipe: the vote rules, then ``alpha`` pseudo-votes; also why clips are out."""
    kept, reason = apply_vote_rules(
        counts, excluded, min_class_votes=min_class_votes, min_kept_share=min_kept_share
    )
    if alpha:
        # pseudo-votes give a clip without any vote a uniform target (kept with min_votes=0);
        # a clip whose votes the rules removed stays out
        reason[(reason == NO_KEPT_VOTES) & (counts.sum(axis=1) == 0)] = ""
    sm = kept + float(alpha)
    tot = sm.sum(axis=1, keepdims=True)
    probs = np.divide(sm, tot, out=np.zeros(sm.shape), where=tot > 0)
    labels = _argmax_or_unresolved(kept.astype(float))
    return probs, labels, reason


def _vote_params(
    reason,
    keep,
    ids,
    sch,
    excluded,
    alpha,
    min_votes,
    temperature,
    recipe,
    min_class_votes,
    min_kept_share,
) -> dict[str, Any]:
    """The ``params`` of a vote distribution: its rules and the clips left out, by reason."""
    why = pd.Series(reason[~keep], index=ids[~keep], dtype=object)
    params: dict[str, Any] = {
        "alpha": float(alpha),
        "min_votes": int(min_votes),
        "temperature": float(temperature),
        "n_clips_left_out": int((~keep).sum()),
    }
    if recipe is not None or excluded.any() or min_class_votes != 1 or min_kept_share:
        params.update(
            recipe=recipe,
            min_class_votes=2 if recipe else int(min_class_votes),
            excluded=[c for c, e in zip(sch.categories, excluded) if e],
            min_kept_share=float(min_kept_share),
        )
    if len(why):
        params["left_out"] = {str(k): int(v) for k, v in why.value_counts(sort=False).items()}
        params["left_out_ids"] = {str(k): v.index.tolist() for k, v in why.groupby(why)}
    return params


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
    ann, scheme = annotations_and_scheme(data, scheme)
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
    method="votes",
    alpha: float = 0.0,
    min_votes: int = 1,
    temperature: float = 1.0,
    seed: int = 0,
    min_class_votes: int = 1,
    exclude=None,
    min_kept_share: float = 0.0,
    recipe: str | None = None,
    name: str | None = None,
    fitted: bool = False,
    **options,
) -> SoftLabels:
    """Soft labels by method: ``votes`` or any aggregation method.

    Parameters
    ----------
    data : Annotations or long DataFrame
    scheme : str, optional
    method : str or Aggregator, default "votes"
        ``votes`` (empirical distribution, :func:`vote_distribution`), a
        name of :data:`raer_agreement.aggregation.METHODS`, or an
        estimator (fitted here unless ``fitted``).
    alpha, min_class_votes, exclude, min_kept_share, recipe
        Rules of the vote distribution (``votes`` only; see
        :func:`vote_distribution`).
    min_votes : int
    temperature : float
    seed : int
    name : str, optional
        Method name recorded in the output (default: ``method`` or the
        estimator's class name).
    fitted : bool, default False
        The estimator passed as ``method`` is already fitted on ``data``
        (e.g. with gold clips clamped); its posteriors are used as they are.
    **options
        Passed to the estimator named by ``method``.

    Examples
    --------
    >>> df = pd.DataFrame({"item": list("aabb"), "annotator": list("xyxy"), "label": list("ppnp")})
    >>> soft_labels(df, method="majority", seed=1).probs.tolist()
    [[0.0, 1.0], [0.5, 0.5]]
    """
    if isinstance(method, str) and method == "votes":
        if options:
            raise ValueError(f"method='votes' takes no estimator options; got {', '.join(options)}")
        return vote_distribution(
            data,
            scheme,
            alpha=alpha,
            min_votes=min_votes,
            temperature=temperature,
            min_class_votes=min_class_votes,
            exclude=exclude,
            min_kept_share=min_kept_share,
            recipe=recipe,
            seed=seed,
        )
    _refuse_vote_rules(alpha, min_class_votes, exclude, min_kept_share, recipe)
    est = _estimator(method, seed, options)
    return model_soft_labels(
        est,
        data,
        scheme,
        temperature=temperature,
        min_votes=min_votes,
        method=name or (method if isinstance(method, str) else None),
        seed=seed,
        fitted=fitted and not isinstance(method, str),
    )


def _refuse_vote_rules(alpha, min_class_votes, exclude, min_kept_share, recipe) -> None:
    """Refuse the vote-distribution rules for a model: they would be silently ignored."""
    rules = {
        "alpha": alpha != 0,
        "min_class_votes": min_class_votes != 1,
        "exclude": exclude is not None,
        "min_kept_share": min_kept_share != 0,
        "recipe": recipe is not None,
    }
    used = [k for k, v in rules.items() if v]
    if used:
        raise ValueError(
            f"{', '.join(used)}: rules of the vote distribution, for method 'votes' only "
            "(models have their own smoothing)"
        )


def _estimator(method, seed, options: dict) -> Aggregator:
    """The estimator: made from a method name with its options, or the one passed (without options)."""
    if isinstance(method, str):
        return make_aggregator(method, seed=seed, **options)
    if options:
        raise ValueError("pass options to the estimator itself, not beside it")
    return method


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
