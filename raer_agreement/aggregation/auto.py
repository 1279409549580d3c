"""``--method auto``: an aggregation method chosen from the data, without gold.

The rule
--------
* Anonymous votes (no annotator identities): majority vote, the only
  method that needs no identities.
* Otherwise each candidate model is scored by how well it predicts votes it
  has not seen: the ratings are split at random into ``n_folds`` folds; for
  each fold the model is fitted on the other folds and each held-out vote
  ``(clip i, annotator a, label l)`` is scored by its predictive probability
  ``sum_k p(z_i = k | other votes) P_a(l | k)`` (the clip's posterior from
  the training fit times the annotator's fitted vote model).  The candidate
  with the highest mean log-probability per held-out vote is chosen.

This is held-out annotator likelihood: a model that explains how annotators
err predicts their next vote better.  It needs models with a vote model
(confusion matrices, or MACE's competence and strategy); majority vote and
the weighted votes have none and are not candidates.  EBCC has one but is
left out (see :data:`AUTO_CANDIDATES`): a model of correlated errors
predicts votes better than it labels clips.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ..annotations import Annotations
from .base import annotations_and_scheme
from .registry import make_aggregator

__all__ = ["AUTO_CANDIDATES", "MethodChoice", "choose_method", "vote_model"]

#: The models ``auto`` chooses among (each has a vote model).  EBCC is not one:
#: its subtypes model how annotators' errors go together, which predicts a held-out
#: vote from the other votes better without labelling the clip better, so its
#: held-out likelihood ranks it first where its labels are not the most accurate
#: (4 of the 7 public sets in ``benchmarks/ACCURACY.md``).
AUTO_CANDIDATES = ("dawid-skene", "class-conditional", "one-coin", "mace")

#: Floor of a predictive probability: a vote a model calls impossible costs
#: ``log(1e-6)``, not minus infinity (maximum-likelihood confusions have zeros).
_FLOOR = 1e-6


@dataclass
class MethodChoice:
    """The method ``auto`` chose, why, and the score of every candidate.

    Attributes
    ----------
    method : str
    reason : str
        One line for the ledger and the console.
    scores : dict of str to float
        Mean held-out log-probability per vote of each candidate (higher is better).
    n_folds : int
    """

    method: str
    reason: str
    scores: dict = field(default_factory=dict)
    n_folds: int = 0

    def to_dict(self) -> dict:
        return {"method": self.method, "reason": self.reason, "n_folds": self.n_folds,
                "held_out_log_likelihood": {k: round(v, 6) for k, v in self.scores.items()}}  # fmt: skip


def vote_model(est) -> np.ndarray:
    """``P_a(l | k)`` of a fitted estimator, shape (n_annotators, q, q).

    Confusion-matrix models (Dawid-Skene family, EBCC) give ``confusions_``;
    MACE gives ``theta_a [l = k] + (1 - theta_a) xi_a[l]``.
    """
    if hasattr(est, "confusions_"):
        return np.asarray(est.confusions_, dtype=float)
    if hasattr(est, "strategies_"):
        theta = est.skills_.to_numpy()[:, None, None]
        xi = est.strategies_.to_numpy()[:, None, :]
        q = xi.shape[2]
        return theta * np.eye(q)[None] + (1.0 - theta) * xi
    raise ValueError(f"{type(est).__name__} has no vote model")


def _held_out_score(method: str, ann: Annotations, scheme: str, fold: np.ndarray, seed: int):
    """Sum of held-out log-probabilities and the number of held-out votes."""
    lab_all = ann.labels[scheme]
    total, count = 0.0, 0
    for f in np.unique(fold[lab_all >= 0]):
        test = (fold == f) & (lab_all >= 0)
        train = ann.select(~test, drop_unused=False)
        est = make_aggregator(method, seed=seed).fit(train, scheme)
        post = est.posteriors_.to_numpy()
        prior = np.asarray(getattr(est, "priors_", np.full(post.shape[1], 1.0 / post.shape[1])))
        post = np.where(np.isnan(post).any(axis=1, keepdims=True), prior, post)
        conf = vote_model(est)
        i, a, lab = ann.item[test], ann.annotator[test], lab_all[test]
        p = np.einsum("vk,vk->v", post[i], conf[a, :, lab])
        total += float(np.log(np.maximum(p, _FLOOR)).sum())
        count += int(test.sum())
    return total, count


def choose_method(
    data,
    scheme: str | None = None,
    *,
    candidates: Sequence[str] = AUTO_CANDIDATES,
    n_folds: int = 5,
    seed: int = 0,
) -> MethodChoice:
    """Choose an aggregation method from the data (see the module docstring).

    Parameters
    ----------
    data : Annotations or DataFrame
    scheme : str, optional
    candidates : sequence of str
        Registered methods with a vote model.
    n_folds : int, default 5
    seed : int, default 0
        Seed of the fold split and of the seeded models.

    Returns
    -------
    MethodChoice

    Examples
    --------
    >>> from raer_agreement.simulate import SimulationParams, simulate_corpus
    >>> ann = simulate_corpus(SimulationParams.scaled(60), seed=1).annotations
    >>> choice = choose_method(ann, "coarse")
    >>> choice.method in AUTO_CANDIDATES, sorted(choice.scores) == sorted(AUTO_CANDIDATES)
    (True, True)
    """
    ann, scheme = annotations_and_scheme(data, scheme)
    if ann.anonymous:
        return MethodChoice("majority", "anonymous votes: majority vote (the other methods "
                            "need annotator identities)")  # fmt: skip
    if n_folds < 2:
        raise ValueError(f"n_folds must be at least 2; got {n_folds!r}")
    fold = np.random.default_rng(seed).integers(0, n_folds, size=ann.n_ratings)
    scores = {}
    for m in candidates:
        total, count = _held_out_score(m, ann, scheme, fold, seed)
        scores[m] = total / max(count, 1)
    best = max(scores, key=lambda k: scores[k])
    shown = ", ".join(f"{k} {v:.4f}" for k, v in sorted(scores.items(), key=lambda kv: -kv[1]))
    reason = (
        f"auto: {best}, the best predictor of held-out votes ({n_folds}-fold, mean "
        f"log-probability per vote: {shown})"
    )
    return MethodChoice(best, reason, scores, n_folds)
