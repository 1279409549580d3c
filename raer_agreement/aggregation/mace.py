"""MACE: Multi-Annotator Competence Estimation.

Hovy, D., Berg-Kirkpatrick, T., Vaswani, A. & Hovy, E. (2013).  Learning
whom to trust with MACE.  *NAACL-HLT 2013*, 1120-1130.

The true class of a clip is uniform a priori.  On each rating, annotator
``a`` is competent with probability ``theta_a`` and then gives the true
class; otherwise ("spamming") they draw a label from their own strategy
``xi_a`` (a distribution over the classes):
``P(l | z) = theta_a [l = z] + (1 - theta_a) xi_a[l]``.

Training is variational Bayes (the paper's default): symmetric
``Beta(alpha, beta)`` priors on ``theta`` and a symmetric Dirichlet prior on
``xi``, parameters replaced by ``exp(E[log ...])`` under their variational
posteriors.  Several restarts from random parameters (distinct seeds drawn
from one seeded ``numpy.random.Generator``) keep the run with the highest
log-likelihood.  Every step is array code over ratings (``np.bincount``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import digamma

from ..annotations import Annotations
from .base import Aggregator, gold_codes, no_other_options, normalise_log

__all__ = ["MACE"]


class MACE(Aggregator):
    """Multi-Annotator Competence Estimation (variational Bayes, restarts).

    Parameters
    ----------
    n_restarts : int, default 10
        Random restarts; the run with the highest log-likelihood is kept.
    max_iter : int, default 50
        Iterations per restart.
    tol : float, default 1e-6
        Stop a restart when the relative log-likelihood change falls below it.
    alpha, beta : float, default 0.5
        Beta prior of each annotator's competence ``theta``.
    strategy_prior : float, default 1.0
        Symmetric Dirichlet prior of each spamming strategy ``xi``.
    method : {"vb", "em"}, default "vb"
        Variational Bayes, or EM with the priors as pseudo-counts.
    random_state : int or numpy.random.Generator, default 0

    Attributes
    ----------
    posteriors_ : DataFrame, shape (n_items, q)
    labels_ : Series of categorical, shape (n_items,)
    skills_ : Series, shape (n_annotators,)
        Competence ``theta`` per annotator (probability of not spamming).
    strategies_ : DataFrame, shape (n_annotators, q)
        Spamming distribution ``xi`` per annotator.
    log_likelihood_ : ndarray, shape (n_iter,)
        Trace of the kept restart.
    restart_log_likelihoods_ : ndarray, shape (n_restarts,)
        Final log-likelihood of every restart.
    seeds_ : ndarray of int, shape (n_restarts,)
        Seed of every restart.
    n_iter_ : int
    converged_ : bool

    Examples
    --------
    >>> df = pd.DataFrame({"item": list("aaabbbccc"), "annotator": list("xyz") * 3,
    ...                    "label": list("ppnnnpppn")})
    >>> m = MACE(n_restarts=3, random_state=1).fit(df)
    >>> m.labels_.tolist()
    ['p', 'n', 'p']
    >>> len(set(m.seeds_.tolist()))
    3
    """

    def __init__(
        self,
        *,
        n_restarts: int = 10,
        max_iter: int = 50,
        tol: float = 1e-6,
        alpha: float = 0.5,
        beta: float = 0.5,
        strategy_prior: float = 1.0,
        method: str = "vb",
        random_state=0,
    ):
        self.n_restarts = n_restarts
        self.max_iter = max_iter
        self.tol = tol
        self.alpha = alpha
        self.beta = beta
        self.strategy_prior = strategy_prior
        self.method = method
        self.random_state = random_state

    def fit(self, data, scheme: str | None = None, gold=None, **fit_params) -> MACE:
        """Fit; ``gold`` (clip id -> label) clamps known clips."""
        super().fit(data, scheme, gold=gold, **fit_params)
        return self

    def _check(self):
        for name in ("n_restarts", "max_iter"):
            v = getattr(self, name)
            if not (isinstance(v, (int, np.integer)) and v >= 1):
                raise ValueError(f"{name} must be a positive integer; got {v!r}")
        for name in ("alpha", "beta", "strategy_prior"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be > 0; got {getattr(self, name)!r}")
        if self.method not in ("vb", "em"):
            raise ValueError(f"method must be 'vb' or 'em'; got {self.method!r}")

    def _fit(self, ann: Annotations, scheme: str, gold=None, **fit_params) -> np.ndarray:
        no_other_options(type(self).__name__, fit_params)
        self._check()
        q = ann.n_categories(scheme)
        it, an, lab = ann.ratings(scheme)
        n, m = ann.n_items, ann.n_annotators
        g = gold_codes(gold, ann, scheme)
        rng = np.random.default_rng(self.random_state)
        seeds = rng.choice(2**31 - 1, size=self.n_restarts, replace=False)
        best = None
        finals = []
        for seed in seeds:
            run = self._one_run(np.random.default_rng(int(seed)), it, an, lab, n, m, q, g)
            finals.append(run[3][-1])
            if best is None or finals[-1] > best[3][-1]:
                best = run
        assert best is not None  # _check: n_restarts >= 1, so at least one run
        post, theta, xi, trace, n_iter, converged = best
        self.skills_ = pd.Series(
            theta, index=pd.Index(ann.annotator_ids, name="annotator_id"), name="competence"
        )
        self.strategies_ = pd.DataFrame(
            xi,
            index=pd.Index(ann.annotator_ids, name="annotator_id"),
            columns=pd.Index(ann.categories(scheme), name=scheme),
        )
        self.priors_ = pd.Series(
            np.full(q, 1.0 / q), index=pd.Index(ann.categories(scheme), name=scheme), name="prior"
        )
        self.log_likelihood_ = np.asarray(trace)
        self.restart_log_likelihoods_ = np.asarray(finals)
        self.seeds_ = np.asarray(seeds)
        self.n_iter_ = n_iter
        self.converged_ = converged
        return post

    def _one_run(self, rng, it, an, lab, n, m, q, g):
        clamped = g >= 0
        rated = np.bincount(it, minlength=n) > 0
        flat = it * q + lab
        akey = an * q + lab
        # random start, as in the reference implementation: competence and strategies
        theta = rng.uniform(0.0, 1.0, size=m)
        xi = rng.dirichlet(np.ones(q), size=m)
        trace = []
        converged = False
        n_iter = 0
        for n_iter in range(1, self.max_iter + 1):  # noqa: B007 - read after the loop
            # E-step: posterior of the true class
            th = theta[an]  # one gather per iteration; 1-D lookups below
            spam_l = (1.0 - th) * xi.ravel()[akey]
            right = th + spam_l
            with np.errstate(divide="ignore"):
                base = np.log(spam_l)
                gain = np.log(right) - base
            base = np.maximum(base, -700.0)
            logp = np.bincount(it, weights=base, minlength=n)[:, None] + np.bincount(
                flat, weights=np.minimum(gain, 1400.0), minlength=n * q
            ).reshape(n, q)
            post, lnorm = normalise_log(logp - np.log(q))
            if clamped.any():
                post[clamped] = np.eye(q)[g[clamped]]
                lnorm[clamped] = logp[clamped, g[clamped]] - np.log(q)
            trace.append(float(lnorm[rated].sum()))
            # expected competent / spamming indicators per rating
            t_r = post.ravel()[flat]
            with np.errstate(invalid="ignore", divide="ignore"):
                comp = np.where(right > 0, t_r * th / right, 0.0)
            spam = 1.0 - comp
            comp_a = np.bincount(an, weights=comp, minlength=m)
            spam_a = np.bincount(an, weights=spam, minlength=m)
            strat = np.bincount(akey, weights=spam, minlength=m * q).reshape(m, q)
            if self.method == "vb":
                a_post, b_post = comp_a + self.alpha, spam_a + self.beta
                dg = digamma(a_post + b_post)
                theta_c = np.exp(digamma(a_post) - dg)
                theta_s = np.exp(digamma(b_post) - dg)
                # exp(E log theta) and exp(E log (1 - theta)) do not sum to 1; keep their ratio
                theta = theta_c / (theta_c + theta_s)
                s_post = strat + self.strategy_prior
                xi = np.exp(digamma(s_post) - digamma(s_post.sum(axis=1, keepdims=True)))
                xi = xi / xi.sum(axis=1, keepdims=True)
            else:
                theta = (comp_a + self.alpha) / (comp_a + spam_a + self.alpha + self.beta)
                s_post = strat + self.strategy_prior
                xi = s_post / s_post.sum(axis=1, keepdims=True)
            if len(trace) >= 2 and abs(trace[-1] - trace[-2]) <= self.tol * abs(trace[-2]):
                converged = True
                break
        return post, theta, xi, trace, n_iter, converged
