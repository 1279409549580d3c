"""Dawid-Skene: latent true class per clip, one confusion matrix per annotator.

Dawid, A. P. & Skene, A. M. (1979). Maximum likelihood estimation of
observer error-rates using the EM algorithm. *Journal of the Royal
Statistical Society C*, 28(1), 20-28.

The EM runs in log space over a sparse incidence matrix ``X`` of shape
(n_items, n_annotators * q), built once: cell ``(i, a*q + l)`` counts how
often annotator ``a`` gave label ``l`` to item ``i`` (repeated ratings are
separate observations).  With ``L[a*q + l, k] = log theta[a, k, l]`` one
iteration is two sparse-dense products:

* E-step: ``log p(z_i = k | votes) = log pi_k + (X @ L)[i, k] - const``;
* M-step: expected counts ``X.T @ posteriors`` reshaped to
  (n_annotators, q, K), plus Dirichlet pseudo-counts.

Three confusion models share that code: ``full`` (Dawid-Skene),
``diagonal`` (class-conditional: one accuracy per annotator and true class,
errors spread evenly) and ``one-coin`` (one accuracy per annotator).

The same engine, :func:`run_em`, serves the two-granularity model in
:mod:`raer_agreement.aggregation.hierarchical`: a *view* is one label scheme
whose confusion is indexed by a function of the latent state.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import sparse

from ..annotations import Annotations
from .base import (
    Aggregator,
    fold_matrix,
    gold_codes,
    incidence_matrix,
    no_other_options,
    normalise_log,
)

__all__ = [
    "DawidSkene",
    "OneCoinDawidSkene",
    "ClassConditionalDawidSkene",
    "run_em",
    "View",
    "CONFUSION_MODELS",
]

CONFUSION_MODELS = ("full", "diagonal", "one-coin")


@dataclass
class View:
    """One label scheme as seen by the EM engine.

    Attributes
    ----------
    X : scipy.sparse.csr_matrix, shape (n_items, n_annotators * q)
        Vote incidence (see the module docstring).
    n_annotators, q : int
        Annotators and vote categories of this scheme.
    state_class : ndarray of int, shape (n_states,)
        The latent class (row of this view's confusion matrices) of each
        latent state.
    n_classes : int
        Rows of the confusion matrices (``K``).
    model : {"full", "diagonal", "one-coin"}
    smoothing : float
        Dirichlet pseudo-count added to every confusion cell.
    """

    X: sparse.csr_matrix
    n_annotators: int
    q: int
    state_class: np.ndarray
    n_classes: int
    model: str = "full"
    smoothing: float = 0.0
    identity: bool = field(init=False)

    def __post_init__(self):
        self.state_class = np.asarray(self.state_class, dtype=np.int64)
        self.identity = len(self.state_class) == self.n_classes and np.array_equal(
            self.state_class, np.arange(self.n_classes)
        )
        if self.model not in CONFUSION_MODELS:
            raise ValueError(
                f"confusion model must be one of {', '.join(CONFUSION_MODELS)}; got {self.model!r}"
            )
        if self.model != "full" and self.n_classes != self.q:
            raise ValueError(
                f"the {self.model!r} confusion model needs as many true classes as vote categories "
                f"({self.n_classes} != {self.q}); use model='full'"
            )

    def state_loglik(self, log_theta: np.ndarray) -> np.ndarray:
        """``sum_votes log theta[a, class(s), l]`` per item and state, shape (n_items, n_states)."""
        L = np.ascontiguousarray(log_theta.transpose(0, 2, 1)).reshape(
            self.n_annotators * self.q, self.n_classes
        )
        out = self.X @ L
        return out if self.identity else out[:, self.state_class]

    def expected_counts(self, post: np.ndarray) -> np.ndarray:
        """Expected (annotator, true class, vote) counts, shape (n_annotators, K, q)."""
        if not self.identity:
            post = _collapse_columns(post, self.state_class, self.n_classes)
        c = np.asarray(self.X.T @ post)
        return c.reshape(self.n_annotators, self.q, self.n_classes).transpose(0, 2, 1)


def _collapse_columns(post: np.ndarray, state_class: np.ndarray, k: int) -> np.ndarray:
    out = np.zeros((post.shape[0], k))
    for s, c in enumerate(state_class):
        out[:, c] += post[:, s]
    return out


def confusion_from_counts(counts: np.ndarray, model: str = "full", pseudo=0.0) -> np.ndarray:
    """Confusion matrices from expected counts (the M-step).

    Parameters
    ----------
    counts : ndarray of float, shape (n_annotators, K, q)
        Expected counts of (annotator, true class, vote).
    model : {"full", "diagonal", "one-coin"}
    pseudo : float or ndarray broadcastable to ``counts``
        Dirichlet pseudo-counts added before normalising.

    Returns
    -------
    ndarray of float, shape (n_annotators, K, q)
        Rows sum to 1; a row without any count (and no pseudo-count) is
        uniform.

    Examples
    --------
    >>> c = np.array([[[8.0, 2.0], [1.0, 9.0]]])
    >>> confusion_from_counts(c)[0]
    array([[0.8, 0.2],
           [0.1, 0.9]])
    >>> confusion_from_counts(c, "one-coin")[0]
    array([[0.85, 0.15],
           [0.15, 0.85]])
    """
    c = counts + pseudo
    n_ann, k, q = c.shape
    if model == "full":
        tot = c.sum(axis=2, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            theta = np.where(tot > 0, c / np.where(tot > 0, tot, 1.0), 1.0 / q)
        return theta
    diag = np.einsum("akk->ak", c)
    if model == "diagonal":
        tot = c.sum(axis=2)
        acc = np.where(tot > 0, diag / np.where(tot > 0, tot, 1.0), 1.0 / q)
    elif model == "one-coin":
        tot = c.sum(axis=(1, 2))
        acc1 = np.where(tot > 0, diag.sum(axis=1) / np.where(tot > 0, tot, 1.0), 1.0 / q)
        acc = np.repeat(acc1[:, None], k, axis=1)
    else:
        raise ValueError(
            f"confusion model must be one of {', '.join(CONFUSION_MODELS)}; got {model!r}"
        )
    off = (1.0 - acc) / max(q - 1, 1)
    theta = np.repeat(off[:, :, None], q, axis=2)
    ii = np.arange(k)
    theta[:, ii, ii] = acc
    return theta


#: Floor of probabilities before the log: an item whose votes no state can
#: explain (possible with unsmoothed estimates) keeps finite posteriors.
_TINY = 1e-300


def _log(x):
    return np.log(np.maximum(x, _TINY))


def class_prior(state_sums: np.ndarray, prior_smoothing: float = 0.0) -> np.ndarray:
    """Class prior from summed posteriors of the rated items (the M-step of the prior).

    Parameters
    ----------
    state_sums : ndarray of float, shape (n_states,)
        ``sum_i p(z_i = s)`` over rated items (additive over blocks of items).
    prior_smoothing : float
        Dirichlet pseudo-count added to every state.

    Returns
    -------
    ndarray of float, shape (n_states,)
        Uniform when there is no mass at all.

    Examples
    --------
    >>> class_prior(np.array([3.0, 1.0]))
    array([0.75, 0.25])
    """
    pc = np.asarray(state_sums, dtype=float) + prior_smoothing
    n_states = len(pc)
    return pc / pc.sum() if pc.sum() > 0 else np.full(n_states, 1.0 / n_states)


def log_joint(views: Sequence[View], priors: np.ndarray, thetas) -> np.ndarray:
    """``log p(z_i = s) + sum_votes log theta`` per item and state, shape (n_items, n_states).

    Items are independent given ``priors`` and ``thetas``: a block of items
    (rows of every view's ``X``) gives the same rows as the whole set, so
    the E-step can run block by block.

    Parameters
    ----------
    views : sequence of View
    priors : ndarray of float, shape (n_states,)
    thetas : list of ndarray, each (n_annotators, K_v, q_v)
    """
    n_items = views[0].X.shape[0]
    logp = np.broadcast_to(_log(priors), (n_items, len(priors))).copy()
    for v, th in zip(views, thetas):
        logp += v.state_loglik(_log(th))
    return logp


def em_converged(trace: Sequence[float], tol: float) -> bool:
    """True when the last log-likelihood changed by at most ``tol`` relative to the one before.

    Examples
    --------
    >>> em_converged([-100.0, -100.00001], 1e-6), em_converged([-100.0], 1e-6)
    (True, False)
    """
    if len(trace) < 2:
        return False
    prev, ll = trace[-2], trace[-1]
    return bool(
        np.isfinite(ll) and np.isfinite(prev) and abs(ll - prev) <= tol * max(abs(prev), 1e-300)
    )


@dataclass
class EMResult:
    posteriors: np.ndarray
    priors: np.ndarray
    thetas: list
    log_likelihood: np.ndarray
    n_iter: int
    converged: bool


def run_em(
    views: Sequence[View],
    n_states: int,
    *,
    init_posteriors: np.ndarray | None = None,
    init_thetas: Sequence[np.ndarray] | None = None,
    init_priors: np.ndarray | None = None,
    prior_smoothing: float = 0.0,
    gold: np.ndarray | None = None,
    max_iter: int = 100,
    tol: float = 1e-6,
    m_step: Callable | None = None,
    update_priors: bool = True,
) -> EMResult:
    """EM over one or more views of the same latent state.

    Parameters
    ----------
    views : sequence of View
    n_states : int
        Number of latent states ``S``.
    init_posteriors : ndarray, shape (n_items, S), optional
        Start with an M-step from these (e.g. the soft majority vote).
    init_thetas : list of ndarray, each (n_annotators, K_v, q_v), optional
        Start with an E-step from these confusions (and ``init_priors``).
    prior_smoothing : float
        Dirichlet pseudo-count added to every state of the prior.
    gold : ndarray of int, shape (n_items,), optional
        Clamped state per item, ``-1`` = free.
    max_iter : int
    tol : float
        Stop when the relative change of the log-likelihood is below it.
    m_step : callable, optional
        ``m_step(posteriors) -> thetas_list``; default: each view's
        expected counts through :func:`confusion_from_counts` with its own
        model and smoothing.

    Returns
    -------
    EMResult
    """
    em = _EMSteps(views, n_states, gold, prior_smoothing, m_step)
    post, trace, started = em.start(init_posteriors, init_thetas, init_priors)
    if started is not None:
        priors, thetas = started
    fixed_priors = None if update_priors else _initial_priors(init_priors, n_states)
    converged = False
    n_iter = 0
    for n_iter in range(1, max_iter + 1):  # noqa: B007 - the count is read after the loop
        priors, thetas = em.maximise(post)
        if fixed_priors is not None:
            priors = fixed_priors
        post, ll = em.expect(priors, thetas)
        trace.append(ll)
        if em_converged(trace, tol):
            converged = True
            break
    return EMResult(post, priors, thetas, np.asarray(trace), n_iter, converged)


def _initial_priors(init_priors, n_states: int) -> np.ndarray:
    """The priors given, else uniform (the start from thetas, and the fixed priors)."""
    if init_priors is None:
        return np.full(n_states, 1.0 / n_states)
    return np.asarray(init_priors, dtype=float)


class _EMSteps:
    """The E- and M-steps of :func:`run_em`, with what both read: rated and clamped clips."""

    def __init__(self, views: Sequence[View], n_states: int, gold, prior_smoothing, m_step):
        n_items = views[0].X.shape[0]
        rated = np.zeros(n_items, dtype=bool)
        for v in views:
            rated |= np.diff(v.X.indptr) > 0
        gold = np.full(n_items, -1) if gold is None else np.asarray(gold)
        clamped = gold >= 0
        gold_onehot = np.zeros((int(clamped.sum()), n_states))
        gold_onehot[np.arange(gold_onehot.shape[0]), gold[clamped]] = 1.0
        self.views, self.n_states, self.rated = views, n_states, rated
        self.prior_smoothing = prior_smoothing
        self.gold, self.clamped, self.gold_onehot = gold, clamped, gold_onehot
        self.m_step = self._confusions if m_step is None else m_step

    def _confusions(self, post):
        """The default M-step: each view's expected counts through its own model and smoothing."""
        return [
            confusion_from_counts(v.expected_counts(post), v.model, v.smoothing) for v in self.views
        ]

    def maximise(self, post):
        return class_prior(post[self.rated].sum(axis=0), self.prior_smoothing), self.m_step(post)

    def expect(self, pri, thetas):
        logp = log_joint(self.views, pri, thetas)
        post, lnorm = normalise_log(logp)
        if self.clamped.any():
            post[self.clamped] = self.gold_onehot
            lnorm[self.clamped] = logp[self.clamped, self.gold[self.clamped]]
        return post, float(lnorm.sum())

    def start(self, init_posteriors, init_thetas, init_priors):
        """The first posteriors and log-likelihood trace; ``(priors, thetas)`` when started from thetas."""
        if init_thetas is not None:
            thetas = [np.asarray(t, dtype=float) for t in init_thetas]
            priors = _initial_priors(init_priors, self.n_states)
            post, ll = self.expect(priors, thetas)
            return post, [ll], (priors, thetas)
        if init_posteriors is not None:
            post = np.array(init_posteriors, dtype=float)
            if self.clamped.any():
                post[self.clamped] = self.gold_onehot
            return post, [], None
        raise ValueError("run_em needs init_posteriors or init_thetas")


def soft_majority(X: sparse.csr_matrix, n_annotators: int, q: int) -> np.ndarray:
    """Vote shares per item from an incidence matrix, shape (n_items, q);
    items without votes get the uniform distribution."""
    c = (X @ fold_matrix(n_annotators, q)).toarray()
    tot = c.sum(axis=1, keepdims=True)
    return np.where(tot > 0, c / np.where(tot > 0, tot, 1.0), 1.0 / q)


def _warm_start(init, start: np.ndarray, ann: Annotations, scheme: str) -> np.ndarray:
    """``init`` posteriors as an array shaped like ``start`` (rows it lacks: ``start``)."""
    if isinstance(init, pd.DataFrame):
        init = init.reindex(index=list(ann.item_ids), columns=list(ann.categories(scheme)))
    p = np.asarray(init, dtype=float)
    if p.shape != start.shape:
        raise ValueError(f"init must have shape {start.shape} (clips, classes); got {p.shape}")
    return np.where(np.isnan(p).any(axis=1, keepdims=True), start, p)


class DawidSkene(Aggregator):
    """Dawid-Skene EM with per-annotator confusion matrices.

    Parameters
    ----------
    model : {"full", "diagonal", "one-coin"}, default "full"
        ``full``: one confusion matrix per annotator (Dawid & Skene 1979);
        ``diagonal`` (class-conditional): one accuracy per annotator and
        true class, errors spread evenly over the other classes;
        ``one-coin``: one accuracy per annotator.
    smoothing : float, default 0.0
        Dirichlet pseudo-count added to every cell of every confusion
        matrix.  The default 0 is maximum likelihood, as in the 1979 paper
        and crowd-kit; a pseudo-count that helped on some public crowd sets
        cost up to 2.7 accuracy points on others (``benchmarks/ACCURACY.md``).
        A positive value keeps annotators with few votes from getting
        zero-probability cells.
    prior_smoothing : float, default 0.0
        Dirichlet pseudo-count added to every class of the class prior.
    max_iter : int, default 100
    tol : float, default 1e-6
        Stop when the relative change of the log-likelihood falls below it.
    init_confusions : ndarray, shape (n_annotators, q, q), optional
        Start from these confusions (rows = true class) and
        ``init_priors`` instead of the soft majority vote.
    init_priors : ndarray, shape (q,), optional

    Attributes
    ----------
    posteriors_ : DataFrame, shape (n_items, q)
        Posterior of the true class, rows = clip ids, columns = classes.
    labels_ : Series of categorical, shape (n_items,)
        Maximum a posteriori class.
    confidence_, entropy_ : Series, shape (n_items,)
        Top posterior and posterior entropy (nats).
    confusions_ : ndarray, shape (n_annotators, q, q)
        ``confusions_[a, k, l]`` = P(annotator ``a`` says ``l`` | true ``k``).
    priors_ : Series, shape (q,)
        Class prior.
    skills_ : Series, shape (n_annotators,)
        Expected accuracy of each annotator, ``sum_k priors_k confusions_[a, k, k]``.
    log_likelihood_ : ndarray, shape (n_evaluations,)
        Log-likelihood of the votes after each E-step.
    n_iter_ : int
    converged_ : bool

    Examples
    --------
    Three annotators, the third always wrong: DS learns to trust the others.

    >>> df = pd.DataFrame({"item": list("aaabbbccc"), "annotator": ["x", "y", "z"] * 3,
    ...                    "label": ["p", "p", "n", "n", "n", "p", "p", "p", "n"]})
    >>> ds = DawidSkene(max_iter=50).fit(df)
    >>> ds.labels_.tolist()
    ['p', 'n', 'p']
    >>> ds.posteriors_.shape
    (3, 2)
    """

    def __init__(
        self,
        *,
        model: str = "full",
        smoothing: float = 0.0,
        prior_smoothing: float = 0.0,
        max_iter: int = 100,
        tol: float = 1e-6,
        init_confusions=None,
        init_priors=None,
    ):
        self.model = model
        self.smoothing = smoothing
        self.prior_smoothing = prior_smoothing
        self.max_iter = max_iter
        self.tol = tol
        self.init_confusions = init_confusions
        self.init_priors = init_priors

    def _check(self):
        if self.model not in CONFUSION_MODELS:
            raise ValueError(
                f"model must be one of {', '.join(CONFUSION_MODELS)}; got {self.model!r}"
            )
        if not (np.isscalar(self.smoothing) and self.smoothing >= 0):
            raise ValueError(f"smoothing must be a non-negative number; got {self.smoothing!r}")
        if not (np.isscalar(self.prior_smoothing) and self.prior_smoothing >= 0):
            raise ValueError(
                f"prior_smoothing must be a non-negative number; got {self.prior_smoothing!r}"
            )
        if not (isinstance(self.max_iter, (int, np.integer)) and self.max_iter >= 1):
            raise ValueError(f"max_iter must be a positive integer; got {self.max_iter!r}")
        if not (self.tol >= 0):
            raise ValueError(f"tol must be >= 0; got {self.tol!r}")

    def fit(
        self, data, scheme: str | None = None, gold=None, init=None, **fit_params
    ) -> DawidSkene:
        """Run EM.

        Parameters
        ----------
        data : Annotations or DataFrame
        scheme : str, optional
        gold : Series or mapping of clip id -> label, optional
            Known true labels: these clips are clamped to them (they still
            inform the confusions).
        init : DataFrame (clip id x class) or ndarray, shape (n_items, q), optional
            Warm start: posteriors to begin EM from (e.g. ``posteriors_`` of
            a fit on nearby data) instead of the soft majority vote; clips
            missing from a DataFrame start from their vote shares.  Not
            used when ``init_confusions`` is set.

        Returns
        -------
        self
        """
        super().fit(data, scheme, gold=gold, init=init, **fit_params)
        return self

    def _fit(self, ann: Annotations, scheme: str, gold=None, init=None, **fit_params) -> np.ndarray:
        no_other_options(type(self).__name__, fit_params)
        self._check()
        q = ann.n_categories(scheme)
        it, an, lab = ann.ratings(scheme)
        X = incidence_matrix(it, an * q + lab, ann.n_items, ann.n_annotators * q)
        view = View(X, ann.n_annotators, q, np.arange(q), q, self.model, float(self.smoothing))
        g = gold_codes(gold, ann, scheme)
        if self.init_confusions is not None:
            th = np.asarray(self.init_confusions, dtype=float)
            if th.shape != (ann.n_annotators, q, q):
                raise ValueError(
                    f"init_confusions must have shape ({ann.n_annotators}, {q}, {q}) "
                    f"(annotators, true class, vote); got {th.shape}"
                )
            pri = None if self.init_priors is None else np.asarray(self.init_priors, dtype=float)
            if pri is not None and pri.shape != (q,):
                raise ValueError(f"init_priors must have shape ({q},); got {pri.shape}")
            res = run_em(
                [view],
                q,
                init_thetas=[th],
                init_priors=pri,
                prior_smoothing=self.prior_smoothing,
                gold=g,
                max_iter=self.max_iter,
                tol=self.tol,
            )
        else:
            start = soft_majority(X, ann.n_annotators, q)
            if init is not None:
                start = _warm_start(init, start, ann, scheme)
            res = run_em(
                [view],
                q,
                init_posteriors=start,
                prior_smoothing=self.prior_smoothing,
                gold=g,
                max_iter=self.max_iter,
                tol=self.tol,
            )
        cats = list(ann.categories(scheme))
        self.confusions_ = res.thetas[0]
        self.priors_ = pd.Series(res.priors, index=pd.Index(cats, name=scheme), name="prior")
        self.skills_ = pd.Series(
            np.einsum("k,akk->a", res.priors, res.thetas[0]),
            index=pd.Index(ann.annotator_ids, name="annotator_id"),
            name="skill",
        )
        self.log_likelihood_ = res.log_likelihood
        self.n_iter_ = res.n_iter
        self.converged_ = res.converged
        return res.posteriors

    def confusion_frame(self) -> pd.DataFrame:
        """``confusions_`` as a tidy table: ``annotator_id, true, label, probability``."""
        th = self.confusions_
        n_ann, k, q = th.shape
        a, t, l_ = np.meshgrid(np.arange(n_ann), np.arange(k), np.arange(q), indexing="ij")
        return pd.DataFrame(
            {
                "annotator_id": self.annotator_ids_[a.ravel()],
                "true": self.classes_[t.ravel()],
                "label": self.classes_[l_.ravel()],
                "probability": th.ravel(),
            }
        )


class OneCoinDawidSkene(DawidSkene):
    """Dawid-Skene with one accuracy per annotator (errors spread evenly).

    Same options, defaults and attributes as :class:`DawidSkene` (``model``
    is fixed to ``"one-coin"``; ``smoothing`` 0 = maximum likelihood, as
    crowd-kit's OneCoinDawidSkene).

    Examples
    --------
    >>> df = pd.DataFrame({"item": list("aabb"), "annotator": list("xyxy"), "label": list("ppnn")})
    >>> OneCoinDawidSkene().fit_predict(df).tolist()
    ['p', 'n']
    """

    def __init__(
        self,
        *,
        smoothing: float = 0.0,
        prior_smoothing: float = 0.0,
        max_iter: int = 100,
        tol: float = 1e-6,
        init_confusions=None,
        init_priors=None,
    ):
        super().__init__(
            model="one-coin",
            smoothing=smoothing,
            prior_smoothing=prior_smoothing,
            max_iter=max_iter,
            tol=tol,
            init_confusions=init_confusions,
            init_priors=init_priors,
        )

    def get_params(self, deep: bool = True):
        return {k: getattr(self, k) for k in self._param_names()}


class ClassConditionalDawidSkene(DawidSkene):
    """Dawid-Skene with one accuracy per annotator and true class (diagonal
    confusions, errors spread evenly over the other classes).

    Same options and attributes as :class:`DawidSkene` (``model`` is fixed
    to ``"diagonal"``), except the default ``smoothing=1.0``: Laplace's
    rule (a uniform Dirichlet prior on each confusion row).  Without it the
    per-class accuracies of annotators with few votes in a class reach 0 or
    1; on the public crowd sets with gold, maximum likelihood fell 2.7
    accuracy points below crowd-kit's DawidSkene on one set
    (``benchmarks/ACCURACY.md``).

    Examples
    --------
    >>> df = pd.DataFrame({"item": list("aabb"), "annotator": list("xyxy"), "label": list("ppnn")})
    >>> ClassConditionalDawidSkene().fit_predict(df).tolist()
    ['p', 'n']
    """

    def __init__(
        self,
        *,
        smoothing: float = 1.0,
        prior_smoothing: float = 0.0,
        max_iter: int = 100,
        tol: float = 1e-6,
        init_confusions=None,
        init_priors=None,
    ):
        super().__init__(
            model="diagonal",
            smoothing=smoothing,
            prior_smoothing=prior_smoothing,
            max_iter=max_iter,
            tol=tol,
            init_confusions=init_confusions,
            init_priors=init_priors,
        )
