"""GLAD: annotator expertise and clip difficulty.

Whitehill, J., Ruvolo, P., Wu, T., Bergsma, J. & Movellan, J. (2009).
Whose vote should count more: optimal integration of labels from labelers
of unknown expertise.  *NIPS 22*.

Annotator ``a`` labels clip ``i`` correctly with probability
``sigmoid(alpha_a * beta_i)`` (``alpha`` = expertise, real; ``beta`` =
inverse difficulty, positive) and otherwise picks one of the ``q - 1``
wrong classes uniformly.  EM: the E-step is closed form; the M-step
maximises the expected complete log-likelihood plus Gaussian priors
(``alpha ~ N(alpha_prior_mean, 1)``, ``log beta ~ N(log_beta_prior_mean, 1)``)
by block-coordinate Newton sweeps, warm-started (each parameter's gradient
and curvature are one ``np.bincount`` over the ratings).  Everything is vectorised over ratings with
``np.bincount``; no pandas inside the loop.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import expit, log_expit

from ..annotations import Annotations
from .base import Aggregator, gold_codes, no_other_options, normalise_log

__all__ = ["GLAD"]


class GLAD(Aggregator):
    """Generative model of Labels, Abilities and Difficulties.

    Parameters
    ----------
    max_iter : int, default 100
        EM iterations at most.
    tol : float, default 1e-5
        Stop when the relative change of the objective falls below it.
    m_step_iter : int, default 5
        Newton sweeps (expertise, then difficulty) per M-step, warm-started.
    alpha_prior_mean : float, default 1.0
        Prior mean of the expertise ``alpha`` (unit variance).
    log_beta_prior_mean : float, default 0.0
        Prior mean of ``log beta`` (unit variance).
    fit_priors : bool, default False
        Learn the class prior by EM. By default it stays uniform, as in
        Whitehill et al. (2009) and crowd-kit: with one accuracy per
        annotator, a learned prior drags ambiguous clips towards the
        majority class (on the public sets in ``benchmarks/ACCURACY.md`` the
        uniform prior is as accurate or better on six of seven).
    prior_smoothing : float, default 1.0
        Dirichlet pseudo-count per class of a learned class prior.

    Attributes
    ----------
    posteriors_ : DataFrame, shape (n_items, q)
    labels_ : Series of categorical, shape (n_items,)
    skills_ : Series, shape (n_annotators,)
        Expertise ``alpha`` per annotator (negative: adversarial).
    difficulties_ : Series, shape (n_items,)
        ``1 / beta`` per clip (larger = harder).
    priors_ : Series, shape (q,)
    log_likelihood_ : ndarray, shape (n_iter,)
        Objective after each EM iteration: log-likelihood of the votes plus
        the log prior density of the parameters.
    n_iter_ : int
    converged_ : bool

    Examples
    --------
    >>> df = pd.DataFrame({"item": list("aaabbbccc"), "annotator": list("xyz") * 3,
    ...                    "label": list("ppnnnpppn")})
    >>> g = GLAD().fit(df)
    >>> g.labels_.tolist()
    ['p', 'n', 'p']
    >>> bool(g.skills_["z"] < g.skills_["x"])
    True
    """

    def __init__(
        self,
        *,
        max_iter: int = 100,
        tol: float = 1e-5,
        m_step_iter: int = 5,
        alpha_prior_mean: float = 1.0,
        log_beta_prior_mean: float = 0.0,
        fit_priors: bool = False,
        prior_smoothing: float = 1.0,
    ):
        self.max_iter = max_iter
        self.tol = tol
        self.m_step_iter = m_step_iter
        self.alpha_prior_mean = alpha_prior_mean
        self.log_beta_prior_mean = log_beta_prior_mean
        self.fit_priors = fit_priors
        self.prior_smoothing = prior_smoothing

    def fit(self, data, scheme: str | None = None, gold=None, **fit_params) -> GLAD:
        """Run EM; ``gold`` (clip id -> label) clamps known clips."""
        super().fit(data, scheme, gold=gold, **fit_params)
        return self

    def _fit(self, ann: Annotations, scheme: str, gold=None, **fit_params) -> np.ndarray:
        no_other_options(type(self).__name__, fit_params)
        if not (isinstance(self.max_iter, (int, np.integer)) and self.max_iter >= 1):
            raise ValueError(f"max_iter must be a positive integer; got {self.max_iter!r}")
        if self.prior_smoothing < 0:
            raise ValueError("prior_smoothing must be >= 0")
        q = ann.n_categories(scheme)
        if q < 2:
            raise ValueError("GLAD needs at least two classes")
        v = _GladVotes.of(ann, scheme, gold, self.alpha_prior_mean, self.log_beta_prior_mean)
        post = v.vote_shares()
        params = np.concatenate([np.full(v.m, v.mu_a), np.full(v.n, v.mu_b)])
        trace = []
        converged = False
        n_iter = 0
        for n_iter in range(1, self.max_iter + 1):  # noqa: B007 - read after the loop
            if self.fit_priors:
                pc = post[v.rated].sum(axis=0) + self.prior_smoothing
                priors = pc / pc.sum()
            else:
                priors = np.full(q, 1.0 / q)
            p_r = post[v.it, v.lab]
            params = v.m_step(params, p_r, int(self.m_step_iter))
            post, obj = v.e_step(params, priors)
            trace.append(obj)
            if len(trace) >= 2 and abs(trace[-1] - trace[-2]) <= self.tol * abs(trace[-2]):
                converged = True
                break
        cats = list(ann.categories(scheme))
        self.priors_ = pd.Series(priors, index=pd.Index(cats, name=scheme), name="prior")
        self.skills_ = pd.Series(
            params[: v.m], index=pd.Index(ann.annotator_ids, name="annotator_id"), name="alpha"
        )
        self.difficulties_ = pd.Series(
            np.exp(-params[v.m :]),
            index=pd.Index(ann.item_ids, name="item_id"),
            name="difficulty",
        )
        self.log_likelihood_ = np.asarray(trace)
        self.n_iter_ = n_iter
        self.converged_ = converged
        return post


@dataclass
class _GladVotes:
    """The ratings of one scheme as GLAD's steps read them, with the clamped gold clips."""

    it: np.ndarray  # item of each rating
    an: np.ndarray  # annotator of each rating
    lab: np.ndarray  # label of each rating
    flat: np.ndarray  # item * q + label
    n: int
    m: int
    q: int
    g: np.ndarray  # gold class per item, -1 = free
    clamped: np.ndarray
    rated: np.ndarray
    mu_a: float  # prior mean of the skills alpha
    mu_b: float  # prior mean of log beta

    @classmethod
    def of(cls, ann: Annotations, scheme: str, gold, mu_a, mu_b) -> _GladVotes:
        q = ann.n_categories(scheme)
        it, an, lab = ann.ratings(scheme)
        n, m = ann.n_items, ann.n_annotators
        g = gold_codes(gold, ann, scheme)
        rated = np.bincount(it, minlength=n) > 0
        flat = it * q + lab
        return cls(it, an, lab, flat, n, m, q, g, g >= 0, rated, float(mu_a), float(mu_b))

    def vote_shares(self) -> np.ndarray:
        """The start: each clip's vote shares (uniform without votes), gold clips clamped."""
        n, q = self.n, self.q
        counts = np.bincount(self.flat, minlength=n * q).reshape(n, q).astype(float)
        tot = counts.sum(axis=1, keepdims=True)
        post = np.where(tot > 0, counts / np.where(tot > 0, tot, 1.0), 1.0 / q)
        post[self.clamped] = np.eye(q)[self.g[self.clamped]]
        return post

    def m_step(self, x, p_r, n_steps: int) -> np.ndarray:
        """Skills and log difficulties given the posteriors of the ratings' labels."""
        # block-coordinate Newton ascent: alpha given beta (concave, exact Newton), then
        # log beta given alpha (a curvature bound, always negative); steps clipped to 1
        it, an, n, m, mu_a, mu_b = self.it, self.an, self.n, self.m, self.mu_a, self.mu_b
        a, lb = x[:m].copy(), x[m:].copy()
        for _ in range(n_steps):
            b = np.exp(lb)
            z = a[an] * b[it]
            s_ = expit(z)
            w = s_ * (1.0 - s_)
            ga = np.bincount(an, weights=(p_r - s_) * b[it], minlength=m) - (a - mu_a)
            ha = np.bincount(an, weights=w * b[it] ** 2, minlength=m) + 1.0
            a += np.clip(ga / ha, -1.0, 1.0)
            z = a[an] * b[it]
            s_ = expit(z)
            w = s_ * (1.0 - s_)
            gb = np.bincount(it, weights=(p_r - s_) * z, minlength=n) - (lb - mu_b)
            # the larger of the Gauss-Newton and the exact curvature: never an overshooting step
            hb = np.bincount(it, weights=w * z**2 + np.abs(p_r - s_) * np.abs(z), minlength=n) + 1.0
            step = np.clip(gb / hb, -1.0, 1.0)
            lb += step
            if np.abs(step).max() < 1e-8:
                break
        return np.concatenate([a, lb])

    def e_step(self, x, pri):
        """Posteriors of the clips' classes and the penalised log-likelihood."""
        it, n, m, q, g, clamped = self.it, self.n, self.m, self.q, self.g, self.clamped
        a, b = x[:m], np.exp(x[m:])
        z = a[self.an] * b[it]
        c_r = log_expit(z)
        w_r = log_expit(-z) - np.log(q - 1)
        logp = np.log(pri)[None, :] + np.bincount(it, weights=w_r, minlength=n)[:, None]
        logp += np.bincount(self.flat, weights=c_r - w_r, minlength=n * q).reshape(n, q)
        p, lnorm = normalise_log(logp)
        if clamped.any():
            p[clamped] = np.eye(q)[g[clamped]]
            lnorm[clamped] = logp[clamped, g[clamped]]
        lp = -0.5 * np.sum((x[:m] - self.mu_a) ** 2) - 0.5 * np.sum((x[m:] - self.mu_b) ** 2)
        return p, float(lnorm[self.rated].sum() + lp)
