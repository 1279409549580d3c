"""Zero-Based Skill: a weighted majority vote whose weights are learnt by
gradient steps towards each annotator's agreement with it.

The method of crowd-kit's ``ZeroBasedSkill`` (Toloka, 2021).  Every annotator
starts with the skill of a random guess, ``s_a = 1/q + eps``; each iteration
``t = 1..n_iter``

1. labels the clips by the skill-weighted vote, ``argmax_k sum_{a -> i} s_a [l_ai = k]``;
2. moves each skill towards the share of the annotator's votes that agree
   with those labels, ``s_a <- s_a + lr_t (acc_a - s_a)``, with a learning rate
   halved every ``lr_steps_to_reduce`` iterations.

The final labels are the skill-weighted vote with the last skills; the
posteriors are the normalised weighted vote shares.  Everything is one
``np.bincount`` over the ratings per step.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..annotations import Annotations
from .base import Aggregator, no_other_options

__all__ = ["ZeroBasedSkill", "weighted_vote"]


def weighted_vote(it, an, lab, n: int, q: int, skills: np.ndarray):
    """Skill-weighted vote shares, shape (n, q), and the argmax (ties: lowest class).

    Examples
    --------
    >>> p, codes = weighted_vote(np.array([0, 0, 0]), np.array([0, 1, 2]), np.array([1, 1, 0]),
    ...                          1, 2, np.array([0.5, 0.5, 2.0]))
    >>> p.round(2).tolist(), codes.tolist()
    ([[0.67, 0.33]], [0])
    """
    scores = np.bincount(it * q + lab, weights=skills[an], minlength=n * q).reshape(n, q)
    tot = scores.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        post = np.where(tot > 0, scores / np.where(tot > 0, tot, 1.0), 1.0 / q)
    codes = np.argmax(scores, axis=1)  # the first maximum: the lowest tied class
    return post, np.where(tot[:, 0] > 0, codes, -1)


class ZeroBasedSkill(Aggregator):
    """Weighted majority vote with skills learnt from agreement (ZBS).

    Parameters
    ----------
    n_iter : int, default 100
        Iterations (a fixed number, as crowd-kit).
    lr_init : float, default 1.0
        Initial learning rate.
    lr_steps_to_reduce : int, default 20
        Halve (``lr_reduce_factor``) the learning rate every so many iterations.
    lr_reduce_factor : float, default 0.5
    eps : float, default 1e-5
        Added to the initial skill ``1/q``.

    Attributes
    ----------
    posteriors_ : DataFrame, shape (n_items, q)
        Skill-weighted vote shares.
    labels_ : Series of categorical
        Weighted-vote winner (ties: the first class in category order).
    skills_ : Series, shape (n_annotators,)
        Agreement of each annotator with the weighted vote, smoothed by the steps.

    Examples
    --------
    >>> df = pd.DataFrame({"item": list("aaabbbccc"), "annotator": list("xyz") * 3,
    ...                    "label": list("ppnnnpppn")})
    >>> z = ZeroBasedSkill().fit(df)
    >>> z.labels_.tolist()
    ['p', 'n', 'p']
    >>> bool(z.skills_["z"] < z.skills_["x"])
    True
    """

    def __init__(
        self,
        *,
        n_iter: int = 100,
        lr_init: float = 1.0,
        lr_steps_to_reduce: int = 20,
        lr_reduce_factor: float = 0.5,
        eps: float = 1e-5,
    ):
        self.n_iter = n_iter
        self.lr_init = lr_init
        self.lr_steps_to_reduce = lr_steps_to_reduce
        self.lr_reduce_factor = lr_reduce_factor
        self.eps = eps

    def _fit(self, ann: Annotations, scheme: str, **fit_params):
        no_other_options(type(self).__name__, fit_params)
        if not (isinstance(self.n_iter, (int, np.integer)) and self.n_iter >= 1):
            raise ValueError(f"n_iter must be a positive integer; got {self.n_iter!r}")
        q = ann.n_categories(scheme)
        it, an, lab = ann.ratings(scheme)
        n, m = ann.n_items, ann.n_annotators
        n_votes = np.bincount(an, minlength=m).astype(float)
        # the classes seen in the votes, as crowd-kit counts them
        q_seen = max(len(np.unique(lab)), 1)
        skills = np.full(m, 1.0 / q_seen + self.eps)
        lr = float(self.lr_init)
        for t in range(1, self.n_iter + 1):
            if t % self.lr_steps_to_reduce == 0:
                lr *= self.lr_reduce_factor
            _, codes = weighted_vote(it, an, lab, n, q, skills)
            agree = np.bincount(an, weights=(codes[it] == lab).astype(float), minlength=m)
            with np.errstate(invalid="ignore", divide="ignore"):
                acc = np.where(n_votes > 0, agree / np.where(n_votes > 0, n_votes, 1.0), skills)
            skills = skills + lr * (acc - skills)
        post, codes = weighted_vote(it, an, lab, n, q, skills)
        self.skills_ = pd.Series(
            skills, index=pd.Index(ann.annotator_ids, name="annotator_id"), name="skill"
        )
        self.n_iter_ = int(self.n_iter)
        return post, codes
