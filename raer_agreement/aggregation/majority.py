"""Majority vote with an explicit tie policy, optional annotator weights,
and Wawa (worker agreement with aggregate).

With about ten votes and five classes, RAER clips tie often: the policy is
the caller's choice and is recorded on the fitted estimator (``tie_break_``,
``ties_``), never hidden.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..annotations import Annotations
from .base import Aggregator, no_other_options

__all__ = ["MajorityVote", "Wawa", "TIE_POLICIES", "weighted_counts", "break_ties"]

TIE_POLICIES = ("random", "lowest", "unresolved", "prior")


def weighted_counts(ann: Annotations, scheme: str, weights=None) -> np.ndarray:
    """Votes per item and class, each vote weighted by its annotator.

    Parameters
    ----------
    ann : Annotations
    scheme : str
    weights : array of float, shape (n_annotators,), optional
        Default: every annotator 1.

    Returns
    -------
    ndarray of float, shape (n_items, q)
    """
    q = ann.n_categories(scheme)
    it, an, lab = ann.ratings(scheme)
    w = None if weights is None else np.asarray(weights, dtype=float)[an]
    return (
        np.bincount(it * q + lab, weights=w, minlength=ann.n_items * q)
        .reshape(ann.n_items, q)
        .astype(float)
    )


def break_ties(scores: np.ndarray, policy: str, *, rng=None, prior=None, rtol: float = 1e-9):
    """Argmax per row with an explicit tie policy.

    Parameters
    ----------
    scores : ndarray of float, shape (n_items, q)
        Rows with all zeros (no votes) get label ``-1``.
    policy : {"random", "lowest", "unresolved", "prior"}
        ``random``: uniformly among the tied classes (seeded ``rng``);
        ``lowest``: the first tied class in category order;
        ``unresolved``: ``-1``;
        ``prior``: the tied class with the highest ``prior`` (then lowest).
    rng : numpy.random.Generator, optional
    prior : array of float, shape (q,), optional

    Returns
    -------
    codes : ndarray of int64, shape (n_items,)
    tied : ndarray of bool, shape (n_items,)

    Examples
    --------
    >>> s = np.array([[2.0, 2.0, 1.0], [0.0, 3.0, 1.0]])
    >>> break_ties(s, "lowest")[0], break_ties(s, "unresolved")[0]
    (array([0, 1]), array([-1,  1]))
    >>> break_ties(s, "prior", prior=[0.2, 0.5, 0.3])[0]
    array([1, 1])
    """
    if policy not in TIE_POLICIES:
        raise ValueError(f"tie policy must be one of {', '.join(TIE_POLICIES)}; got {policy!r}")
    top = scores.max(axis=1, keepdims=True)
    is_top = scores >= top - rtol * np.abs(top)
    n_top = is_top.sum(axis=1)
    empty = ~(scores > 0).any(axis=1)
    tied = (n_top > 1) & ~empty
    codes = np.argmax(is_top, axis=1).astype(np.int64)
    if tied.any():
        rows = np.flatnonzero(tied)
        if policy == "unresolved":
            codes[rows] = -1
        elif policy == "random":
            if rng is None:
                raise ValueError("tie policy 'random' needs a seed (random_state)")
            # the r-th tied class, r uniform in 0..n_top-1
            pick = np.floor(rng.random(len(rows)) * n_top[rows]).astype(np.int64)
            csum = np.cumsum(is_top[rows], axis=1)
            codes[rows] = np.argmax(csum > pick[:, None], axis=1)
        elif policy == "prior":
            if prior is None:
                raise ValueError("tie policy 'prior' needs a prior")
            pr = np.asarray(prior, dtype=float)
            codes[rows] = np.argmax(np.where(is_top[rows], pr[None, :], -np.inf), axis=1)
    codes[empty] = -1
    return codes, tied


class MajorityVote(Aggregator):
    """Majority (plurality) vote with an explicit tie policy.

    Parameters
    ----------
    tie_break : {"random", "lowest", "unresolved", "prior"}, default "random"
        How tied clips are labelled (see :func:`break_ties`).  ``prior``
        uses ``prior`` when given, else the overall vote shares.
    random_state : int or numpy.random.Generator, default 0
        Seed of the ``random`` policy.
    weights : Series (annotator id -> weight) or array of shape (n_annotators,), optional
        Each vote counts with its annotator's weight (default 1).
    prior : array of float, shape (q,), optional
        Class prior for the ``prior`` tie policy.

    Attributes
    ----------
    posteriors_ : DataFrame, shape (n_items, q)
        Weighted vote shares (NaN rows for clips without votes).
    labels_ : Series of categorical, shape (n_items,)
        NA for clips without votes and, under ``unresolved``, for ties.
    ties_ : Series of bool, shape (n_items,)
        Clips whose top classes tied.
    tie_break_ : str
        The tie policy applied.
    n_ties_ : int

    Notes
    -----
    Needs only the votes per clip, so it works on anonymous votes (counts
    tables) unless ``weights`` are given per annotator.

    Examples
    --------
    >>> df = pd.DataFrame({"item": ["c1"] * 3 + ["c2"] * 2, "annotator": list("abcab"),
    ...                    "label": ["x", "x", "y", "x", "y"]})
    >>> mv = MajorityVote(tie_break="unresolved").fit(df)
    >>> mv.labels_.tolist(), mv.ties_.tolist()
    (['x', nan], [False, True])
    >>> MajorityVote(tie_break="lowest").fit_predict(df).tolist()
    ['x', 'x']
    """

    @property
    def needs_identities(self) -> bool:
        """Only per-annotator ``weights`` need to know who voted."""
        return self.weights is not None

    def __init__(self, *, tie_break: str = "random", random_state=0, weights=None, prior=None):
        self.tie_break = tie_break
        self.random_state = random_state
        self.weights = weights
        self.prior = prior

    def _weights(self, ann: Annotations) -> np.ndarray | None:
        if self.weights is None:
            return None
        w = self.weights
        if isinstance(w, (pd.Series, dict)):
            s = pd.Series(w)
            s.index = s.index.map(str)
            missing = [a for a in ann.annotator_ids if a not in s.index]
            if missing:
                raise ValueError(f"weights lack annotator(s) {', '.join(missing[:5])}")
            w = s.reindex(pd.Index(ann.annotator_ids)).to_numpy(dtype=float)
        w = np.asarray(w, dtype=float)
        if w.shape != (ann.n_annotators,):
            raise ValueError(
                f"weights must have one value per annotator ({ann.n_annotators}); got shape {w.shape}"
            )
        if (w < 0).any() or not np.isfinite(w).all():
            raise ValueError("weights must be finite and non-negative")
        return w

    def _fit(self, ann: Annotations, scheme: str, **fit_params):
        no_other_options(type(self).__name__, fit_params)
        if self.tie_break not in TIE_POLICIES:
            raise ValueError(
                f"tie_break must be one of {', '.join(TIE_POLICIES)}; got {self.tie_break!r}"
            )
        counts = weighted_counts(ann, scheme, self._weights(ann))
        return self._from_counts(counts)

    def _from_counts(self, counts: np.ndarray, *, rng=None, vote_totals=None):
        """Labels and vote shares from ``counts`` (n_items, q).

        ``rng`` replaces the seeded generator and ``vote_totals`` (q,) the
        column sums of ``counts`` as the default prior: a block of items
        labelled with the draws and totals of the whole set gets the labels
        the whole set would.
        """
        q = counts.shape[1]
        prior = None
        if self.tie_break == "prior":
            prior = (
                np.asarray(self.prior, dtype=float)
                if self.prior is not None
                else (counts.sum(axis=0) if vote_totals is None else np.asarray(vote_totals))
            )
            if prior.shape != (q,):
                raise ValueError(f"prior must have shape ({q},); got {prior.shape}")
        rng = np.random.default_rng(self.random_state) if rng is None else rng
        codes, tied = break_ties(counts, self.tie_break, rng=rng, prior=prior)
        tot = counts.sum(axis=1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            post = np.where(tot > 0, counts / np.where(tot > 0, tot, 1.0), np.nan)
        self._tied = tied
        self.tie_break_ = self.tie_break
        self.n_ties_ = int(tied.sum())
        return post, codes

    def _set_outputs(self, ann, scheme, post, codes=None):
        super()._set_outputs(ann, scheme, post, codes)
        self.ties_ = pd.Series(self._tied, index=self.posteriors_.index, name="tie")


class Wawa(MajorityVote):
    """Worker Agreement With Aggregate: majority vote, then each annotator is
    weighted by their agreement with it, then a weighted majority vote.

    Parameters
    ----------
    tie_break, random_state, prior
        As in :class:`MajorityVote` (both votes use them).
    n_iter : int, default 1
        Rounds of re-weighting.

    Attributes
    ----------
    skills_ : Series, shape (n_annotators,)
        Share of each annotator's votes that agree with the previous
        aggregate (the weights of the final vote).

    Examples
    --------
    >>> df = pd.DataFrame({"item": list("aaabbbccc"), "annotator": list("xyz") * 3,
    ...                    "label": list("ppnnnpppn")})
    >>> w = Wawa(tie_break="lowest").fit(df)
    >>> w.skills_.round(2).tolist()
    [1.0, 1.0, 0.0]
    """

    needs_identities = True  # annotators are weighted by their agreement

    def __init__(self, *, tie_break: str = "random", random_state=0, prior=None, n_iter: int = 1):
        super().__init__(tie_break=tie_break, random_state=random_state, weights=None, prior=prior)
        self.n_iter = n_iter

    def get_params(self, deep: bool = True):
        return {k: getattr(self, k) for k in self._param_names()}

    def _fit(self, ann: Annotations, scheme: str, **fit_params):
        no_other_options(type(self).__name__, fit_params)
        if self.tie_break not in TIE_POLICIES:
            raise ValueError(
                f"tie_break must be one of {', '.join(TIE_POLICIES)}; got {self.tie_break!r}"
            )
        if not (isinstance(self.n_iter, (int, np.integer)) and self.n_iter >= 1):
            raise ValueError(f"n_iter must be a positive integer; got {self.n_iter!r}")
        it, an, lab = ann.ratings(scheme)
        plain = weighted_counts(ann, scheme)
        out = self._from_counts(plain)
        skills = np.ones(ann.n_annotators)
        for _ in range(self.n_iter):
            codes = out[1]
            has = codes[it] >= 0
            agree = np.bincount(
                an[has],
                weights=(lab[has] == codes[it][has]).astype(float),
                minlength=ann.n_annotators,
            )
            seen = np.bincount(an[has], minlength=ann.n_annotators)
            skills = np.where(seen > 0, agree / np.maximum(seen, 1), 0.0)
            wc = weighted_counts(ann, scheme, skills)
            # clips rated only by annotators who never agreed: fall back to their plain votes
            zero = wc.sum(axis=1) == 0
            wc[zero] = plain[zero]
            out = self._from_counts(wc)
        self.skills_ = pd.Series(
            skills, index=pd.Index(ann.annotator_ids, name="annotator_id"), name="skill"
        )
        return out
