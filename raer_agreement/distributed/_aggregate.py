"""Majority vote and the Dawid-Skene family on partitioned ratings.

Every partition holds whole clips, so everything per clip (vote counts,
the E-step) runs where the clip is, with the in-memory code; what crosses
the network per EM iteration is small: the class prior and the confusion
matrices go out (broadcast), the per-annotator expected counts
(n_annotators, K, q) come back through a tree reduction.  The numbers are
the in-memory estimators' up to the order of floating-point sums.
"""

from __future__ import annotations

import os
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..aggregation.base import incidence_matrix, normalise_log
from ..aggregation.dawid_skene import (
    DawidSkene,
    View,
    class_prior,
    confusion_from_counts,
    em_converged,
    log_joint,
    soft_majority,
)
from ..aggregation.majority import MajorityVote, break_ties, weighted_counts
from ..errors import InputError
from ..exports import labels_frame
from ..taxonomy import natural_order
from ._cluster import Progress, tree_reduce
from ._ingest import DaskRatings

__all__ = ["DistributedFit", "majority_vote", "dawid_skene"]


@dataclass
class DistributedFit:
    """A fitted estimator whose per-clip outputs stay in partitions on the cluster.

    Attributes
    ----------
    method : str
    scheme : str
    classes : tuple of str, shape (q,)
    n_items : int
    parts : list of distributed.Future
        One DataFrame per partition: ``clip_id, label, confidence,
        prob_<class>...`` (as :func:`raer_agreement.exports.write_labels_csv`).
    info : dict
        Model-level results: ``priors`` (q,), ``confusions`` (n_annotators,
        q, q), ``log_likelihood``, ``n_iter``, ``converged`` for Dawid-Skene;
        ``n_ties`` and ``tie_break`` for majority vote.
    """

    method: str
    scheme: str
    classes: tuple
    n_items: int
    parts: list
    client: Any  # a dask.distributed.Client; Dask is an optional dependency
    info: dict = field(default_factory=dict)

    def write_parquet(self, out_dir, *, force: bool = False) -> Path:
        """Write one Parquet file per partition into ``out_dir`` (a folder).

        The files are written into a sibling temporary folder that replaces
        ``out_dir`` at the end: nothing half-written is left behind.  With
        a multi-machine cluster, ``out_dir`` must be on a file system every
        worker sees.
        """
        out = Path(out_dir).resolve()
        if out.exists() and not force:
            raise InputError("output exists (use --force to overwrite)", path=out)
        tmp = out.parent / f".{out.name}.tmp-{uuid.uuid4().hex[:8]}"
        tmp.mkdir(parents=True)
        try:
            self.client.gather(
                self.client.map(
                    _write_part, self.parts, range(len(self.parts)), directory=str(tmp), pure=False
                )
            )
            if out.exists():
                shutil.rmtree(out) if out.is_dir() else out.unlink()
            os.replace(tmp, out)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
        return out

    def to_pandas(self) -> pd.DataFrame:
        """Every clip in one DataFrame, clips in numeric-aware id order (small data only)."""
        df = pd.concat(self.client.gather(self.parts), ignore_index=True)
        order = natural_order(df["clip_id"].to_numpy(dtype=str))
        return df.iloc[order].reset_index(drop=True)

    def release(self) -> None:
        self.client.cancel(self.parts)


def _write_part(frame: pd.DataFrame, k: int, directory: str) -> str:
    path = os.path.join(directory, f"part.{k:05d}.parquet")
    frame.to_parquet(path, index=False)
    return path


def _frame(est, ann, scheme, post, codes=None) -> pd.DataFrame:
    est._set_outputs(ann, scheme, post, codes)
    return labels_frame(est)


# ------------------------------------------------------------------ majority vote
def _mv_counts(blk, scheme):
    ann = blk.annotations()
    counts = weighted_counts(ann, scheme)
    _, tied = break_ties(counts, "unresolved")
    return counts, np.asarray(ann.item_ids, dtype=object)[tied]


class _Draws:
    """Stands in for the generator of the ``random`` tie policy: hands out
    the uniforms the whole data set would draw for this block's tied clips."""

    def __init__(self, u):
        self.u = np.asarray(u, dtype=float)

    def random(self, n):
        if n != len(self.u):
            raise RuntimeError("tie draws out of step with the tied clips")
        return self.u


def _mv_finish(counts_and_tied, blk, scheme, params, draws, totals):
    ann = blk.annotations()
    counts, _ = counts_and_tied
    est = MajorityVote(**params)
    post, codes = est._from_counts(counts, rng=_Draws(draws), vote_totals=totals)
    return _frame(est, ann, scheme, post, codes), est.n_ties_


def majority_vote(
    ratings: DaskRatings,
    scheme: str | None = None,
    *,
    tie_break: str = "random",
    random_state: int = 0,
    prior=None,
    progress: bool = False,
) -> DistributedFit:
    """Majority vote on partitioned ratings, equal to :class:`~raer_agreement.aggregation.MajorityVote`.

    Ties under ``random`` get the draws the in-memory estimator makes: the
    tied clips (only their ids travel) are put in the global clip order and
    the seeded generator draws for them in that order.

    Parameters
    ----------
    ratings : DaskRatings
    scheme : str, optional
    tie_break, random_state, prior
        As in :class:`~raer_agreement.aggregation.MajorityVote`.

    Returns
    -------
    DistributedFit
    """
    say = Progress(progress)
    client = ratings.client
    scheme = ratings.resolve(scheme)
    params = dict(tie_break=tie_break, random_state=random_state, prior=prior)
    MajorityVote(**params)._from_counts(np.zeros((0, len(ratings.categories(scheme)))))
    counted = client.map(_mv_counts, ratings.parts, scheme=scheme)
    tied_ids = client.gather(client.map(lambda c: c[1], counted))
    totals = tree_reduce(client, client.map(lambda c: c[0].sum(axis=0), counted)).result()
    draws = [np.zeros(len(t)) for t in tied_ids]
    if tie_break == "random":
        # the in-memory estimator draws one uniform per tied clip in clip-id order
        owner = np.concatenate([np.full(len(t), k) for k, t in enumerate(tied_ids)] + [[]])
        names = np.concatenate([np.asarray(t, dtype=object) for t in tied_ids] + [[]])
        order = natural_order(names.astype(str)) if len(names) else np.zeros(0, np.int64)
        u = np.empty(len(names))
        u[order] = np.random.default_rng(random_state).random(len(names))
        for k in range(len(tied_ids)):
            draws[k] = u[owner == k]  # each block's tied clips are in clip-id order too
    say(f"majority vote: {sum(len(t) for t in tied_ids)} tied clip(s)")
    done = [
        client.submit(_mv_finish, c, a, scheme, params, d, totals, pure=False)
        for c, a, d in zip(counted, ratings.parts, draws)
    ]
    n_ties = sum(client.gather(client.map(lambda r: r[1], done)))
    frames = client.map(lambda r: r[0], done)
    return DistributedFit(
        "majority",
        scheme,
        ratings.categories(scheme),
        ratings.n_items,
        frames,
        client,
        {"n_ties": int(n_ties), "tie_break": tie_break},
    )


# ------------------------------------------------------------------ Dawid-Skene
def _view(blk, scheme, model, smoothing):
    ann = blk.annotations()
    q = ann.n_categories(scheme)
    it, an, lab = ann.ratings(scheme)
    X = incidence_matrix(it, an * q + lab, ann.n_items, ann.n_annotators * q)
    return View(X, ann.n_annotators, q, np.arange(q), q, model, smoothing)


def _stats(view: View, post: np.ndarray):
    """What the M-step needs from a block: expected counts and the posterior mass."""
    rated = np.diff(view.X.indptr) > 0
    return view.expected_counts(post), post[rated].sum(axis=0)


def _init_stats(view: View):
    return _stats(view, soft_majority(view.X, view.n_annotators, view.q)) + (0.0,)


def _em_stats(view: View, params):
    priors, thetas = params
    post, lnorm = normalise_log(log_joint([view], priors, thetas))
    return _stats(view, post) + (float(lnorm.sum()),)


def _ds_finish(view: View, blk, scheme, params):
    ann = blk.annotations()
    priors, thetas = params
    post, _ = normalise_log(log_joint([view], priors, thetas))
    return _frame(DawidSkene(), ann, scheme, post)


def _checked_smoothing(ratings, model, smoothing, prior_smoothing, max_iter, tol) -> float:
    """The smoothing to use, after the in-memory estimator's checks: both refuse the same options."""
    if smoothing is None:  # the default lives in the in-memory estimator
        smoothing = DawidSkene().smoothing
    DawidSkene(
        model=model,
        smoothing=smoothing,
        prior_smoothing=prior_smoothing,
        max_iter=max_iter,
        tol=tol,
    )._check()
    if ratings.anonymous:
        raise InputError(
            "Dawid-Skene needs annotator identities; these ratings hold anonymous votes"
        )
    return smoothing


def _distributed_em(client, views, model, smoothing, prior_smoothing, max_iter, tol, say):
    """The EM loop: parameters broadcast, expected counts tree-reduced, until the stopping rule.

    Returns ``(priors, thetas, params, trace, n_iter, converged)``; ``params``
    is the broadcast future of the last parameters, which the final E-step uses.
    """
    counts, mass, _ = tree_reduce(client, client.map(_init_stats, views)).result()
    trace: list = []
    converged = False
    n_iter = 0
    for n_iter in range(1, max_iter + 1):
        priors = class_prior(mass, prior_smoothing)
        thetas = [confusion_from_counts(counts, model, float(smoothing))]
        params = client.scatter((priors, thetas), broadcast=True, hash=False)
        counts, mass, ll = tree_reduce(
            client, client.map(_em_stats, views, params=params, pure=False)
        ).result()
        trace.append(ll)
        say(f"Dawid-Skene ({model}) iteration {n_iter}: log-likelihood {ll:.6f}")
        if em_converged(trace, tol):
            converged = True
            break
    return priors, thetas, params, trace, n_iter, converged


def dawid_skene(
    ratings: DaskRatings,
    scheme: str | None = None,
    *,
    model: str = "full",
    smoothing: float | None = None,
    prior_smoothing: float = 0.0,
    max_iter: int = 100,
    tol: float = 1e-6,
    progress: bool = False,
) -> DistributedFit:
    """Dawid-Skene EM on partitioned ratings, equal to :class:`~raer_agreement.aggregation.DawidSkene`.

    Same start (the soft majority vote), same M-step
    (:func:`~raer_agreement.aggregation.dawid_skene.confusion_from_counts`,
    :func:`~raer_agreement.aggregation.dawid_skene.class_prior`), same
    E-step per block of clips and the same stopping rule.

    Parameters
    ----------
    ratings : DaskRatings
    scheme : str, optional
    model : {"full", "diagonal", "one-coin"}
    smoothing : float, optional
        Default: that of :class:`~raer_agreement.aggregation.DawidSkene`
        (the command line's ``class-conditional`` passes that of
        :class:`~raer_agreement.aggregation.ClassConditionalDawidSkene`).
    prior_smoothing, max_iter, tol
        As in :class:`~raer_agreement.aggregation.DawidSkene`.
    progress : bool
        One line per iteration on stderr.

    Returns
    -------
    DistributedFit
        ``info`` holds ``priors``, ``confusions``, ``log_likelihood``,
        ``n_iter``, ``converged``.
    """
    smoothing = _checked_smoothing(ratings, model, smoothing, prior_smoothing, max_iter, tol)
    say = Progress(progress)
    client = ratings.client
    scheme = ratings.resolve(scheme)
    views = client.map(_view, ratings.parts, scheme=scheme, model=model, smoothing=float(smoothing))
    em = _distributed_em(client, views, model, smoothing, prior_smoothing, max_iter, tol, say)
    priors, thetas, params, trace, n_iter, converged = em
    frames = [
        client.submit(_ds_finish, v, a, scheme, params, pure=False)
        for v, a in zip(views, ratings.parts)
    ]
    return DistributedFit(
        f"dawid-skene ({model})",
        scheme,
        ratings.categories(scheme),
        ratings.n_items,
        frames,
        client,
        {
            "priors": priors,
            "confusions": thetas[0],
            "log_likelihood": np.asarray(trace),
            "n_iter": n_iter,
            "converged": converged,
        },
    )
