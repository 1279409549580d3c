"""KOS: iterative message passing of Karger, Oh & Shah, for two classes.

Karger, D. R., Oh, S. & Shah, D. (2011).  Iterative learning for reliable
crowdsourcing systems.  *NIPS 24*, 1953-1961 (Algorithm 1).

Votes are ``A_ij = +1 / -1`` on the edges of the clip-annotator graph.  With
worker messages ``y_{j->i}`` started at random (``N(1, 1)``), each iteration
sends along every edge

* clip to worker: ``x_{i->j} = sum_{j' in d(i) \\ j} A_ij' y_{j'->i}``;
* worker to clip: ``y_{j->i} = sum_{i' in d(j) \\ i} A_i'j x_{i'->j}``,

and the estimate is ``sign(sum_{j in d(i)} A_ij y_{j->i})``.  Each step is two
``np.bincount`` over the ratings (the sum over all neighbours, minus the
edge's own term).  Messages grow geometrically; they are rescaled by their
largest magnitude after each step, which changes no sign.

KOS gives labels, not probabilities: ``posteriors_`` is one-hot on the
estimate (0.5 / 0.5 where the score is exactly 0).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..annotations import Annotations
from ..errors import InputError
from .base import Aggregator, no_other_options

__all__ = ["KOS"]


def _rescaled(v: np.ndarray) -> np.ndarray:
    top = np.abs(v).max(initial=0.0)
    return v / top if top > 0 else v


class KOS(Aggregator):
    """Karger-Oh-Shah message passing (binary data only).

    Parameters
    ----------
    n_iter : int, default 100
        Message-passing iterations (crowd-kit's default).
    random_state : int or numpy.random.Generator, default 0
        Seed of the initial worker messages.

    Attributes
    ----------
    posteriors_ : DataFrame, shape (n_items, 2)
        One-hot on the estimate.
    labels_ : Series of categorical
    scores_ : Series, shape (n_items,)
        ``sum_j A_ij y_{j->i}`` (positive: the first class), rescaled.
    skills_ : Series, shape (n_annotators,)
        Mean worker message of each annotator (reliability, up to scale).

    Examples
    --------
    >>> df = pd.DataFrame({"item": list("aaabbbccc"), "annotator": list("xyz") * 3,
    ...                    "label": list("ppnnnpppn")})
    >>> KOS().fit_predict(df).tolist()
    ['p', 'n', 'p']
    """

    def __init__(self, *, n_iter: int = 100, random_state=0):
        self.n_iter = n_iter
        self.random_state = random_state

    def _fit(self, ann: Annotations, scheme: str, **fit_params):
        no_other_options(type(self).__name__, fit_params)
        q = ann.n_categories(scheme)
        if q != 2:
            raise InputError(
                f"KOS is for two classes only; scheme {scheme!r} has {q} (choose another --method)",
                column="--method",
                value="kos",
            )
        if not (isinstance(self.n_iter, (int, np.integer)) and self.n_iter >= 1):
            raise ValueError(f"n_iter must be a positive integer; got {self.n_iter!r}")
        it, an, lab = ann.ratings(scheme)
        n, m = ann.n_items, ann.n_annotators
        A = np.where(lab == 0, 1.0, -1.0)
        y = np.random.default_rng(self.random_state).normal(1.0, 1.0, size=len(A))
        for _ in range(int(self.n_iter)):
            ay = A * y
            x = _rescaled(np.bincount(it, weights=ay, minlength=n)[it] - ay)
            ax = A * x
            y = _rescaled(np.bincount(an, weights=ax, minlength=m)[an] - ax)
        score = np.bincount(it, weights=A * y, minlength=n)
        post = np.full((n, 2), 0.5)
        post[score > 0] = (1.0, 0.0)
        post[score < 0] = (0.0, 1.0)
        codes = np.where(score > 0, 0, np.where(score < 0, 1, -1))
        rated = np.bincount(it, minlength=n) > 0
        post[~rated] = np.nan
        codes[~rated] = -1
        idx = pd.Index(ann.item_ids, name="item_id")
        self.scores_ = pd.Series(_rescaled(score), index=idx, name="score")
        n_votes = np.bincount(an, minlength=m)
        with np.errstate(invalid="ignore"):
            rel = np.bincount(an, weights=y, minlength=m) / np.maximum(n_votes, 1)
        self.skills_ = pd.Series(
            rel, index=pd.Index(ann.annotator_ids, name="annotator_id"), name="reliability"
        )
        self.n_iter_ = int(self.n_iter)
        return post, codes
