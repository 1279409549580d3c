"""The votes of one scheme as flat arrays, and the aggregators re-run on
subsets of them.

The planner re-aggregates thousands of vote subsets (k of each clip's
ratings, many times).  Building an :class:`~raer_agreement.Annotations` and
a fitted estimator with its DataFrames for each would cost more than the
EM itself, so a subset is a boolean mask over the ratings and Dawid-Skene
runs on many subsets at once: their incidence matrices are the diagonal
blocks of one sparse matrix, built straight from the integer codes, so an
EM step is two sparse products for the whole batch.  The options are those
of a default :class:`~raer_agreement.aggregation.DawidSkene` (M-step:
:func:`~raer_agreement.aggregation.dawid_skene.confusion_from_counts`).
EM is warm-started from the full-panel confusions and prior: a starting
point only, each subset then runs to its own convergence (on the bundled
corpus this halves the iterations at k = 5 and leaves the labels of the
cold start but for a clip or two in 2,649).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..aggregation import DawidSkene, HierarchicalDawidSkene
from ..aggregation.base import incidence_matrix
from ..aggregation.dawid_skene import confusion_from_counts, soft_majority
from ..aggregation.majority import break_ties
from ..annotations import Annotations

__all__ = ["Votes", "Refitter", "PLAN_METHODS"]

#: Aggregators the planner re-runs on vote subsets.
PLAN_METHODS = ("majority", "dawid-skene", "hierarchical")


@dataclass(frozen=True)
class Votes:
    """The ratings of one scheme as integer arrays.

    Attributes
    ----------
    ann : Annotations
        The source.
    scheme : str
    rows : ndarray of int, shape (m,)
        Rows of ``ann`` that carry a label in ``scheme``.
    item, annotator, label : ndarray of int, shape (m,)
    n_per_item : ndarray of int, shape (n_items,)
        Ratings per clip.
    """

    ann: Annotations
    scheme: str
    rows: np.ndarray
    item: np.ndarray
    annotator: np.ndarray
    label: np.ndarray
    n_per_item: np.ndarray

    @classmethod
    def of(cls, ann: Annotations, scheme: str) -> Votes:
        """The votes of ``scheme`` in ``ann``.

        Examples
        --------
        >>> import pandas as pd
        >>> from raer_agreement.io import from_long
        >>> ann = from_long(pd.DataFrame({"item": ["a", "a", "b"],
        ...     "annotator": ["x", "y", "x"], "label": ["p", "n", "p"]}))
        >>> Votes.of(ann, "label").n_per_item.tolist()
        [2, 1]
        """
        rows = np.flatnonzero(ann.labels[scheme] >= 0)
        item = ann.item[rows]
        return cls(
            ann,
            scheme,
            rows,
            item,
            ann.annotator[rows],
            ann.labels[scheme][rows],
            np.bincount(item, minlength=ann.n_items),
        )

    @property
    def n_items(self) -> int:
        return self.ann.n_items

    @property
    def q(self) -> int:
        return self.ann.n_categories(self.scheme)

    def rank(self, rng: np.random.Generator) -> np.ndarray:
        """A random order of each clip's ratings.

        Returns
        -------
        ndarray of int, shape (m,)
            Position ``0..n_i-1`` of each rating in its clip's shuffled
            order: ``rank < k`` keeps k ratings of every clip (all of a clip
            with fewer), and the subsets for k = 1, 2, ... are nested.
        """
        # one float key: the clip code plus half a uniform draw sorts by clip,
        # then at random within the clip (a single-key sort is faster than
        # lexsort; the half keeps rounding from reaching the next clip)
        order = np.argsort(self.item + 0.5 * rng.random(len(self.item)))
        starts = np.cumsum(self.n_per_item) - self.n_per_item
        rank = np.empty(len(order), dtype=np.int64)
        rank[order] = np.arange(len(order)) - starts[self.item[order]]
        return rank

    def counts(self, mask=None) -> np.ndarray:
        """Votes per clip and class of the ratings in ``mask``, shape (n_items, q)."""
        it, lab = (self.item, self.label) if mask is None else (self.item[mask], self.label[mask])
        q = self.q
        return np.bincount(it * q + lab, minlength=self.n_items * q).reshape(self.n_items, q)

    def subset(self, mask) -> Annotations:
        """The ratings in ``mask`` (every scheme of those rows) as Annotations
        with the same clip and annotator codes."""
        r = self.rows[mask]
        a = self.ann
        return Annotations(
            a.item[r],
            a.annotator[r],
            {s: lab[r] for s, lab in a.labels.items()},
            a.item_ids,
            a.annotator_ids,
            a.taxonomy,
            anonymous=a.anonymous,
        )


class Refitter:
    """One aggregation method, re-run on subsets of :class:`Votes`.

    Parameters
    ----------
    votes : Votes
    method : {"majority", "dawid-skene", "hierarchical"}
        ``majority`` breaks ties at random (seeded by the ``rng`` of each
        call); ``dawid-skene`` takes the options of a default
        :class:`~raer_agreement.aggregation.DawidSkene`; ``hierarchical``
        fits :class:`~raer_agreement.aggregation.HierarchicalDawidSkene` on
        both granularities of the kept ratings.

    Examples
    --------
    >>> import pandas as pd
    >>> from raer_agreement.io import from_long
    >>> ann = from_long(pd.DataFrame({"item": list("aabb"),
    ...     "annotator": list("xyxy"), "label": list("ppnn")}))
    >>> v = Votes.of(ann, "label")
    >>> post, lab = Refitter(v, "dawid-skene").fit(np.ones(4, bool))
    >>> lab.tolist()
    [1, 0]
    """

    def __init__(self, votes: Votes, method: str = "dawid-skene"):
        if method not in PLAN_METHODS:
            raise ValueError(f"method must be one of {', '.join(PLAN_METHODS)}; got {method!r}")
        if method != "majority" and votes.ann.anonymous:
            raise ValueError(
                f"{method} needs annotator identities; these votes are anonymous "
                "(use method='majority')"
            )
        if method == "hierarchical" and len(votes.ann.schemes) < 2:
            raise ValueError(
                "the hierarchical method needs two label schemes (e.g. coarse and fine)"
            )
        self.votes = votes
        self.method = method
        self._ds = DawidSkene()

    @property
    def warm_starts(self) -> bool:
        """True when :meth:`fit_many` uses ``init`` (EM methods)."""
        return self.method == "dawid-skene"

    def fit(self, mask, init=None, rng=None) -> tuple[np.ndarray, np.ndarray]:
        """Aggregate the ratings in ``mask``: :meth:`fit_many` for one subset.

        Returns
        -------
        posteriors : ndarray of float, shape (n_items, q)
        labels : ndarray of int, shape (n_items,)
            ``-1`` for clips without a vote.
        """
        post, lab = self.fit_many(
            np.asarray(mask, bool)[None, :], None if init is None else init[None], rng
        )
        return post[0], lab[0]

    def fit_many(self, masks, init=None, rng=None) -> tuple[np.ndarray, np.ndarray]:
        """Aggregate several subsets at once.

        Parameters
        ----------
        masks : ndarray of bool, shape (B, m)
            Ratings kept in each subset.
        init : ndarray, shape (B, n_items, q), optional
            Posteriors to start EM from (Dawid-Skene), e.g. those of
            nested smaller subsets; default the soft majority vote.
        rng : numpy.random.Generator, optional
            Majority-vote tie breaking (default seed 0).

        Returns
        -------
        posteriors : ndarray of float, shape (B, n_items, q)
        labels : ndarray of int, shape (B, n_items)
            ``-1`` for clips without a vote in that subset.
        """
        v = self.votes
        q, n = v.q, v.n_items
        masks = np.asarray(masks, bool)
        B = masks.shape[0]
        bi, ri = np.nonzero(masks)
        rows = bi * n + v.item[ri]
        voted = np.bincount(rows, minlength=B * n).reshape(B, n) > 0
        if self.method == "majority":
            c = np.bincount(rows * q + v.label[ri], minlength=B * n * q).reshape(B * n, q)
            c = c.astype(float)
            lab, _ = break_ties(
                c, "random", rng=rng if rng is not None else np.random.default_rng(0)
            )
            tot = c.sum(axis=1, keepdims=True)
            post = np.where(tot > 0, c / np.maximum(tot, 1), 1.0 / q)
            return post.reshape(B, n, q), lab.reshape(B, n)
        if self.method == "hierarchical":
            post = np.stack(
                [
                    HierarchicalDawidSkene()
                    .fit(v.subset(m), v.scheme)
                    .posteriors_.to_numpy(dtype=float)
                    for m in masks
                ]
            )
        else:
            post = self._dawid_skene(B, bi, v.item[ri], v.annotator[ri], v.label[ri])
        lab = np.where(voted, np.argmax(post, axis=2), -1)
        return post, lab

    def fit_full(self, rng=None) -> tuple[np.ndarray, np.ndarray]:
        """Aggregate every rating (EM from the soft majority vote) and keep the
        fitted confusions and prior as the starting point of later subsets.

        Returns
        -------
        posteriors : ndarray of float, shape (n_items, q)
        labels : ndarray of int, shape (n_items,)
        """
        self.start_ = None
        post, lab = self.fit(np.ones(len(self.votes.item), bool), rng=rng)
        self.start_ = getattr(self, "_last_params", None)
        return post, lab

    def _dawid_skene(self, B, bi, item, annot, label) -> np.ndarray:
        """Dawid-Skene on B subsets at once, shape (B, n_items, q).

        The subsets are blocks of one incidence matrix: clip ``i`` of subset
        ``b`` is row ``b*n + i`` and annotator ``a`` of subset ``b`` is
        annotator ``b*A + a``, so one sparse product serves every subset's
        E-step (and one its M-step) while each keeps its own confusions and
        prior.  Each subset stops at its own convergence (relative change of
        its log-likelihood below ``tol``); the matrix shrinks to the subsets
        still running when a quarter of them have stopped.
        """
        ds, v = self._ds, self.votes
        q, n, A = v.q, v.n_items, v.ann.n_annotators
        start = getattr(self, "start_", None)
        out = np.empty((B, n, q))
        alive = np.arange(B)  # subset index of each block still running
        post = prev = None
        n_iter = 0
        while len(alive):
            Bn = len(alive)
            slot = np.full(B, -1)
            slot[alive] = np.arange(Bn)
            blk = slot[bi]
            keep = blk >= 0
            blk = blk[keep]
            X = incidence_matrix(
                blk * n + item[keep],
                ((blk * A + annot[keep]) * q + label[keep]),
                Bn * n,
                Bn * A * q,
            )
            XT = X.T.tocsr()
            rated = np.diff(X.indptr) > 0
            # every clip has a vote in every subset unless some clip has none at all
            rated = None if rated.all() else rated.astype(float)[:, None]
            if post is None and start is not None:
                theta = np.broadcast_to(start[0], (Bn,) + start[0].shape).reshape(Bn * A, q, q)
                prior = np.broadcast_to(start[1], (Bn, q))
                post, prev = self._e_step(X, theta, prior, Bn)
            elif post is None:
                post = soft_majority(X, Bn * A, q)
            while n_iter < ds.max_iter:
                n_iter += 1
                counts = np.asarray(XT @ post).reshape(Bn * A, q, q).transpose(0, 2, 1)
                theta = confusion_from_counts(counts, ds.model, float(ds.smoothing))
                weighted = post if rated is None else post * rated
                pc = weighted.reshape(Bn, n, q).sum(axis=1) + ds.prior_smoothing
                prior = pc / np.maximum(pc.sum(axis=1, keepdims=True), 1e-300)
                post, ll = self._e_step(X, theta, prior, Bn)
                done = (
                    np.zeros(Bn, bool)
                    if prev is None
                    else np.abs(ll - prev) <= ds.tol * np.maximum(np.abs(prev), 1e-300)
                )
                prev = ll
                if done.any():
                    out[alive[done]] = post.reshape(Bn, n, q)[done]
                    if done.all() or done.sum() * 4 >= Bn:
                        break
            else:  # max_iter reached: keep what there is
                out[alive] = post.reshape(Bn, n, q)
                break
            post = post.reshape(Bn, n, q)[~done].reshape(-1, q)
            prev = prev[~done]
            alive = alive[~done]
            if len(alive) == 0:
                break
        if B == 1:
            self._last_params = (theta.reshape(-1, A, q, q)[0], prior[0])
        return out

    def _e_step(self, X, theta, prior, Bn):
        q, n = self.votes.q, self.votes.n_items
        L = np.log(np.maximum(theta, 1e-300)).transpose(0, 2, 1).reshape(-1, q)
        # classes in rows: reductions over the q classes become elementwise
        # operations on long contiguous rows (numpy reduces a short last
        # axis slowly)
        logp = np.ascontiguousarray((X @ L).T).reshape(q, Bn, n)
        logp += np.log(np.maximum(prior, 1e-300)).T[:, :, None]
        logp = logp.reshape(q, Bn * n)
        top = logp.max(axis=0)
        np.subtract(logp, top, out=logp)
        np.exp(logp, out=logp)
        tot = logp.sum(axis=0)
        logp /= tot
        ll = (np.log(tot) + top).reshape(Bn, n).sum(axis=1)
        return np.ascontiguousarray(logp.T), ll
