"""M-MSR: annotator skills by robust rank-one matrix completion, then a weighted vote.

Ma, Q. & Olshevsky, A. (2020).  Adversarial crowdsourcing through robust
rank-one matrix completion.  *NeurIPS 33* (arXiv:2010.12181).

Annotator ``a`` answers correctly with probability ``p_a`` and otherwise
uniformly among the ``q - 1`` wrong classes.  With the skill
``s_a = (q p_a - 1) / (q - 1)`` and the agreement rate ``A_ab`` of two
annotators on their common clips, the matrix
``C_ab = q/(q-1) A_ab - 1/(q-1)`` has expectation ``s_a s_b`` off the
diagonal: ``s`` is the solution of a rank-one completion of ``C`` (the
paper's Section 2).  M-MSR (its Algorithm 1) finds ``|s|`` as the rank-one
factor ``u v^T`` of ``|C|``, updating each entry of ``v`` by the mean of the
observed ratios ``|C_bj| / u_b`` after removing the ``F`` largest values above
the current one and the ``F`` smallest below it (the mean-subsequence-reduced
step, robust to ``F`` adversarial annotators), then each entry of ``u`` the
same way, until ``u v^T`` moves less than ``tol``.  Signs come from the signs
of ``C`` (the leading eigenvector of ``sign(C)``, oriented so that most
annotators are better than chance), skills are clipped to
``[-1/(q-1) + 1/sqrt(n), 1 - 1/sqrt(n)]`` and the labels are the vote weighted by
``log((q-1) p_a / (1 - p_a))``, the log-odds weight of the one-coin model.

Vectorised: the agreement counts are two sparse products over the
incidence matrix, and one update of all entries of ``v`` (or ``u``) is a
masked sort of the annotator x annotator matrix.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..annotations import Annotations
from .base import Aggregator, incidence_matrix, no_other_options
from .zbs import weighted_vote

__all__ = ["MMSR", "agreement_matrix"]


def agreement_matrix(it, an, lab, n: int, m: int, q: int):
    """Common clips and agreement rate of every pair of annotators, both (m, m), diagonal 0.

    A clip rated twice by one annotator counts each pair of votes.

    Examples
    --------
    >>> common, agree = agreement_matrix(np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1]),
    ...                                  np.array([1, 1, 0, 1]), 2, 2, 2)
    >>> common.tolist(), agree.tolist()
    ([[0.0, 2.0], [2.0, 0.0]], [[0.0, 0.5], [0.5, 0.0]])
    """
    by_label = incidence_matrix(an, it * q + lab, m, n * q)
    by_item = incidence_matrix(an, it, m, n)
    same = (by_label @ by_label.T).toarray()
    common = (by_item @ by_item.T).toarray()
    np.fill_diagonal(same, 0.0)
    np.fill_diagonal(common, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        agree = np.where(common > 0, same / np.where(common > 0, common, 1.0), 0.0)
    return common, agree


def msr_step(X: np.ndarray, observed: np.ndarray, other: np.ndarray, current: np.ndarray, F: int):
    """One mean-subsequence-reduced update of every column's factor.

    Column ``j`` takes the mean of ``X[b, j] / other[b]`` over its observed
    rows, without the ``F`` smallest values below ``current[j]`` and the ``F``
    largest above it (all of them when there are fewer than ``F``); a column
    with nothing left keeps ``current[j]``.
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(observed, X / other[:, None], np.nan)
    order = np.argsort(np.where(observed, ratio, np.inf), axis=0, kind="stable")
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(X.shape[0])[:, None], axis=0)
    n_obs = observed.sum(axis=0)
    below = np.sum(observed & (ratio < current), axis=0)
    above = np.sum(observed & (ratio > current), axis=0)
    with np.errstate(invalid="ignore"):
        keep_low = np.where(below < F, ratio >= current, rank >= F)
        keep_high = np.where(above < F, ratio <= current, rank < n_obs - F)
    keep = observed & keep_low & keep_high
    n_keep = keep.sum(axis=0)
    total = np.where(keep, ratio, 0.0).sum(axis=0)
    return np.where(n_keep > 0, total / np.maximum(n_keep, 1), current)


def sign_of_skills(C: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """+1 / -1 per annotator: the leading eigenvector of ``sign(C)``, majority positive."""
    S = np.where(observed, np.sign(C), 0.0)
    if not S.any():
        return np.ones(len(C))
    _, vecs = np.linalg.eigh(S)
    sign = np.where(vecs[:, -1] >= 0, 1.0, -1.0)
    return sign if sign.sum() >= 0 else -sign


class MMSR(Aggregator):
    """Matrix mean-subsequence-reduced skills, then a log-odds weighted vote.

    Parameters
    ----------
    n_iter : int, default 10000
        Sweeps of M-MSR at most.
    tol : float, default 1e-10
        Stop when the Frobenius norm of the change of ``u v^T`` falls below it.
    n_adversaries : int, optional
        ``F``, the number of extreme ratios removed on each side.  Default
        ``floor(d / 2) - 1`` with ``d`` the fewest co-annotators of any
        annotator (the paper's bound on what can be tolerated), at least 0.
    random_state : int or numpy.random.Generator, default 0
        Seed of the uniform start of ``u`` and ``v``.

    Attributes
    ----------
    posteriors_ : DataFrame, shape (n_items, q)
        Weighted vote shares (weights clipped at 0).
    labels_ : Series of categorical
    skills_ : Series, shape (n_annotators,)
        Estimated probability of a correct vote ``p_a``.
    weights_ : Series, shape (n_annotators,)
        Vote weight ``log((q-1) p_a / (1 - p_a))``.
    n_iter_ : int
    converged_ : bool

    Examples
    --------
    >>> df = pd.DataFrame({"item": list("aaabbbcccddd"), "annotator": list("xyz") * 4,
    ...                    "label": list("ppnnnnpppnnp")})
    >>> m = MMSR().fit(df)
    >>> m.labels_.tolist()
    ['p', 'n', 'p', 'n']
    """

    def __init__(self, *, n_iter: int = 10000, tol: float = 1e-10, n_adversaries=None,
                 random_state=0):  # fmt: skip
        self.n_iter = n_iter
        self.tol = tol
        self.n_adversaries = n_adversaries
        self.random_state = random_state

    def _fit(self, ann: Annotations, scheme: str, **fit_params):
        no_other_options(type(self).__name__, fit_params)
        q = ann.n_categories(scheme)
        if q < 2:
            raise ValueError("MMSR needs at least two classes")
        it, an, lab = ann.ratings(scheme)
        n, m = ann.n_items, ann.n_annotators
        common, agree = agreement_matrix(it, an, lab, n, m, q)
        observed = common > 0
        C = np.where(observed, q / (q - 1) * agree - 1.0 / (q - 1), 0.0)
        p, n_iter, converged = self._skills(C, observed, len(np.unique(it)), q)
        weights = np.log((q - 1) * p / (1.0 - p))
        post, codes = weighted_vote(it, an, lab, n, q, np.maximum(weights, 0.0))
        scores = np.bincount(it * q + lab, weights=weights[an], minlength=n * q).reshape(n, q)
        codes = np.where(codes >= 0, np.argmax(scores, axis=1), -1)
        idx = pd.Index(ann.annotator_ids, name="annotator_id")
        self.skills_ = pd.Series(p, index=idx, name="skill")
        self.weights_ = pd.Series(weights, index=idx, name="weight")
        self.n_iter_, self.converged_ = n_iter, converged
        return post, codes

    def _skills(self, C, observed, n_tasks: int, q: int):
        m = len(C)
        if self.n_adversaries is None:
            fewest = int(observed.sum(axis=0).min()) if m else 0
            F = max(fewest // 2 - 1, 0)
        else:
            F = int(self.n_adversaries)
        rng = np.random.default_rng(self.random_state)
        u, v = rng.uniform(size=m), rng.uniform(size=m)
        X = np.abs(C)
        converged, n_iter = False, 0
        for n_iter in range(1, int(self.n_iter) + 1):  # noqa: B007 - read after the loop
            u_prev, v_prev = u, v
            v = msr_step(X, observed, u, v, F)
            u = msr_step(X.T, observed.T, v, u, F)
            if np.linalg.norm(np.outer(u, v) - np.outer(u_prev, v_prev)) < self.tol:
                converged = True
                break
        k = np.sqrt(np.linalg.norm(u) / max(np.linalg.norm(v), 1e-300))
        s = sign_of_skills(C, observed) * u / k
        floor = 1.0 / np.sqrt(max(n_tasks, 1))
        s = np.clip(s, -1.0 / (q - 1) + floor, 1.0 - floor)
        return s * (q - 1) / q + 1.0 / q, n_iter, converged
