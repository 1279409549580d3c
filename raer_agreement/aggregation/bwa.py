"""BWA: Bayesian weighted averaging of votes, for highly redundant crowds.

Li, Y., Rubinstein, B. I. P. & Cohn, T. (2019).  Truth inference at scale:
a Bayesian model for adjudicating highly redundant crowd annotations.
*The Web Conference (WWW 2019)*, 1028-1038.

Each vote is a one-hot vector ``y_ai`` in ``R^q``, a Gaussian observation of
the clip's class-probability vector ``z_i`` with the annotator's precision:
``y_ai ~ N(z_i, v_a^{-1} I)``; ``z_i ~ N(mu, lambda^{-1} I)`` with ``mu`` the
class prior (the mean of the ``z_i``), and ``v_a ~ Gamma(a_v, b_v)``.  The
coordinate updates of the posterior modes are closed form:

* ``z_i = (lambda mu + sum_a v_a y_ai) / (lambda + sum_a v_a)``: a weighted
  average of the votes, shrunk towards the prior (it stays in the simplex);
* ``v_a = (a_v + q N_a / 2) / (b_v + 1/2 sum_i ||y_ai - z_i||^2)``: the
  posterior mean precision of annotator ``a`` (``N_a`` votes);
* ``mu = mean_i z_i``.

``b_v`` is set from the data so that the prior mean precision ``a_v / b_v``
is the inverse of the per-class variance of the votes around the vote
shares, ``b_v = a_v mean_votes ||y - z_mv||^2 / q`` (the paper's empirical
prior, which makes the model free of scale).  The labels are ``argmax z_i``;
``z_i`` serves as the posterior.  Each update is one sparse product over
the (clip, vote) x annotator incidence matrix.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..annotations import Annotations
from .base import Aggregator, gold_codes, incidence_matrix, no_other_options

__all__ = ["BWA"]


class BWA(Aggregator):
    """Bayesian weighted average (Li, Rubinstein & Cohn, WWW 2019).

    Parameters
    ----------
    a_v : float, default 15.0
        Shape of the Gamma prior of the annotator precisions (the paper's
        default: the prior counts as about ``2 a_v / q`` votes).
    prior_strength : float, default 1.0
        ``lambda``, the precision of the prior of ``z_i`` relative to one vote.
    max_iter : int, default 500
    tol : float, default 1e-6
        Stop when no ``z_i`` entry moves by more than ``tol``.

    Attributes
    ----------
    posteriors_ : DataFrame, shape (n_items, q)
        ``z_i``.
    labels_ : Series of categorical
    skills_ : Series, shape (n_annotators,)
        Precision ``v_a`` (the weight of the annotator's votes).
    priors_ : Series, shape (q,)
        ``mu``.
    n_iter_ : int
    converged_ : bool

    Examples
    --------
    >>> df = pd.DataFrame({"item": list("aaabbbccc"), "annotator": list("xyz") * 3,
    ...                    "label": list("ppnnnpppn")})
    >>> b = BWA().fit(df)
    >>> b.labels_.tolist()
    ['p', 'n', 'p']
    >>> bool(b.skills_["z"] < b.skills_["x"])
    True
    """

    def __init__(self, *, a_v: float = 15.0, prior_strength: float = 1.0, max_iter: int = 500,
                 tol: float = 1e-6):  # fmt: skip
        self.a_v = a_v
        self.prior_strength = prior_strength
        self.max_iter = max_iter
        self.tol = tol

    def fit(self, data, scheme: str | None = None, gold=None, **fit_params) -> BWA:
        """Fit; ``gold`` (clip id -> label) holds known clips at their one-hot label."""
        super().fit(data, scheme, gold=gold, **fit_params)
        return self

    def _fit(self, ann: Annotations, scheme: str, gold=None, **fit_params):
        no_other_options(type(self).__name__, fit_params)
        if not (self.a_v > 0 and self.prior_strength >= 0):
            raise ValueError("a_v must be > 0 and prior_strength >= 0")
        if not (isinstance(self.max_iter, (int, np.integer)) and self.max_iter >= 1):
            raise ValueError(f"max_iter must be a positive integer; got {self.max_iter!r}")
        q = ann.n_categories(scheme)
        it, an, lab = ann.ratings(scheme)
        n, m = ann.n_items, ann.n_annotators
        g = gold_codes(gold, ann, scheme)
        clamped = g >= 0
        # B[i*q + l, a] counts annotator a's votes l on clip i: each update is one sparse
        # product with it or its transpose (bincounts over the ratings cost three times more)
        B = incidence_matrix(it * q + lab, an, n * q, m)
        BT = B.T.tocsr()
        n_ann = np.bincount(an, minlength=m).astype(float)
        counts = np.asarray(B.sum(axis=1)).reshape(n, q)
        n_item = counts.sum(axis=1)
        rated = n_item > 0
        z = np.where(rated[:, None], counts / np.maximum(n_item, 1)[:, None], 1.0 / q)
        z[clamped] = np.eye(q)[g[clamped]]
        b_v = self.a_v * max(self._sq_error(z, BT, n_ann).sum() / max(len(it), 1), 1e-12) / q
        lam = float(self.prior_strength)
        converged, n_iter = False, 0
        for n_iter in range(1, int(self.max_iter) + 1):  # noqa: B007 - read after the loop
            mu = z[rated].mean(axis=0) if rated.any() else np.full(q, 1.0 / q)
            v = (self.a_v + q * n_ann / 2.0) / (b_v + self._sq_error(z, BT, n_ann) / 2.0)
            w = (B @ v).reshape(n, q)
            z_new = (lam * mu + w) / (lam + w.sum(axis=1))[:, None]
            z_new[~rated] = mu
            z_new[clamped] = np.eye(q)[g[clamped]]
            step = np.abs(z_new - z).max(initial=0.0)
            z = z_new
            if step <= self.tol:
                converged = True
                break
        z[~rated] = np.nan
        cats = pd.Index(ann.categories(scheme), name=scheme)
        self.priors_ = pd.Series(mu, index=cats, name="prior")
        self.skills_ = pd.Series(
            v, index=pd.Index(ann.annotator_ids, name="annotator_id"), name="precision"
        )
        self.n_iter_, self.converged_ = n_iter, converged
        return z

    @staticmethod
    def _sq_error(z: np.ndarray, BT, n_ann: np.ndarray) -> np.ndarray:
        """``sum_i ||y_ai - z_i||^2`` per annotator ``a`` (one-hot ``y``: ``1 - 2 z_il + ||z_i||^2``)."""
        q = z.shape[1]
        per_cell = np.repeat(np.einsum("ij,ij->i", z, z), q) - 2.0 * z.ravel()
        return n_ann + BT @ per_cell
