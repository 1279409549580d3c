"""Chance-corrected agreement coefficients for any number of annotators.

Conventions follow Gwet's irrCAC R package (``agree.coeff3.raw.r``, 2021),
as pinned in the project design notes:

* percent agreement is the mean, over items with two ratings or more, of
  the (weighted) share of agreeing rating pairs;
* chance agreement: Fleiss (generalised Scott) ``pe = sum_k pi_k^2`` with
  ``pi_k`` the category shares averaged over every rated item; Gwet's AC1
  ``pe = sum_k pi_k (1 - pi_k) / (q - 1)``; Brennan-Prediger (and
  Randolph's free-marginal kappa) ``pe = 1 / q``; Conger from each
  annotator's own marginals;
* Krippendorff's alpha is the coincidence-matrix alpha (Krippendorff 2011),
  nominal unless ``level`` says otherwise; its point estimate equals the
  ``krippendorff`` package's;
* standard errors by Gwet's linearisation; 95% CI with Student t(n - 1),
  ``n`` = rated items, upper bound clipped at 1; two-sided p-value of
  H0: coefficient = 0;
* ``q`` counts every declared category, used or not.

Undefined values (one category used, no item with two ratings, one
annotator) are ``nan`` with a :class:`~raer_agreement.errors.DegenerateDataWarning`
naming the reason.
"""

from __future__ import annotations

import dataclasses
from functools import cached_property

import numpy as np
import pandas as pd

from ..io.frames import as_annotations
from . import _core, registry
from ._sufficient import LEVELS, Sufficient, agreement_weights, sufficient, warn_degenerate
from .results import Coefficient

__all__ = [
    "COEFFICIENTS",
    "IDENTITY_COEFFICIENTS",
    "COEFFICIENT_NAMES",
    "coefficient",
    "coefficient_series",
    "percent_agreement",
    "fleiss_kappa",
    "randolph_kappa",
    "brennan_prediger",
    "conger_kappa",
    "gwet_ac1",
    "gwet_ac2",
    "krippendorff_alpha",
    "fleiss_kappa_h0",
    "RESULT_FIELDS",
    "MIN_OVERLAP",
]

#: Shared items a pair of annotators needs to count in Light's kappa (see :class:`Engine`).
MIN_OVERLAP = 5

#: Coefficient keys of the agreement table, in report order (the built-ins of
#: :mod:`.registry`; :func:`.registry.keys` adds those registered at run time).
COEFFICIENTS = tuple(s.key for s in registry.BUILTIN)

#: Coefficients that need annotator identities (not computed on anonymous votes).
IDENTITY_COEFFICIENTS = tuple(s.key for s in registry.BUILTIN if s.needs_identities)

#: Display names of the coefficients, for tables and reports (live: includes those
#: registered at run time).
COEFFICIENT_NAMES = registry.NAMES

#: Index of the Series returned by every coefficient function.
RESULT_FIELDS = (
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "p_value",
    "pa",
    "pe",
    "n_items",
    "n_ratings",
)


class Engine:
    """Point estimates, standard errors and bootstrap replicates of every
    coefficient of one scheme, sharing the per-item sufficient statistics.

    Parameters
    ----------
    s : Sufficient
    weights : None, str or ndarray of shape (q, q)
        Agreement weights for percent agreement, Fleiss, Brennan-Prediger,
        AC1 (AC2 when weighted), Conger and Cohen.
    level : {"nominal", "ordinal", "interval", "ratio"}
        Krippendorff's alpha metric.
    min_overlap : int, default :data:`MIN_OVERLAP` (5)
        Light's kappa (``mean_cohen_kappa``) averages the Cohen kappas of the
        annotator pairs that share at least ``min_overlap`` items and have a
        defined kappa on the original data.  That one fixed set serves the
        estimate, its linearised SE and every bootstrap resample; in a
        resample, a pair of the set whose kappa is undefined (its shared items
        not drawn, or all in one category) is left out of that resample's
        mean.  The default 5: a kappa from two to four items takes a handful
        of values between -1 and 1 and is mostly noise, and on sparse crowds
        the pairs sharing one to four clips are most pairs, so they would
        swamp the mean and make the resamples count other pairs than the
        estimate (items drawn twice turn one-item pairs into two-item ones).
        On dense data (every annotator rates every item) it changes nothing.
    """

    def __init__(
        self,
        s: Sufficient,
        *,
        weights=None,
        level: str = "nominal",
        min_overlap: int = MIN_OVERLAP,
    ):
        if int(min_overlap) != min_overlap or min_overlap < 2:
            raise ValueError(f"min_overlap must be an integer >= 2, got {min_overlap!r}")
        self.min_overlap = int(min_overlap)
        if level not in LEVELS:
            raise ValueError(
                f"unknown level of measurement {level!r}; expected one of {', '.join(LEVELS)}"
            )
        self.s = s
        self.W = agreement_weights(weights, s.q, s.values)
        self.weighted = weights is not None and not (
            isinstance(weights, str) and weights == "identity"
        )
        self.level = level

    # ---------------------------------------------------------- cached stats
    @cached_property
    def terms(self):
        return _core.ItemTerms(self.s, self.W)

    @cached_property
    def coincidence_rows(self):
        return self.s.coincidence_rows()

    @cached_property
    def rater_incidence(self):
        R = self.s.rater_incidence()
        return R.toarray() if R.shape[0] * R.shape[1] <= 30_000_000 else R

    @cached_property
    def pairs(self):
        return _core.pair_tables(self.s)

    @cached_property
    def light_pairs(self):
        """The pairs of Light's kappa: >= ``min_overlap`` shared items, defined kappa."""
        return _core.qualifying_pairs(self.pairs, self.W, self.min_overlap)

    @cached_property
    def light_cells(self):
        """The table cells of :attr:`light_pairs`, for the bootstrap."""
        return _core.pair_cells(self.s, self.light_pairs, self.W)

    @cached_property
    def family(self):
        """Point estimates of the Gwet family (B = 1)."""
        return _core.family_estimates(self.terms)

    @cached_property
    def family_se(self) -> dict:
        """Gwet's linearised SEs of the family's point estimates."""
        return _core.family_se(self.terms, self.family)

    @cached_property
    def unweighted_terms(self):
        """Per-item terms with identity weights (Randolph's kappa under weights)."""
        return _core.ItemTerms(self.s, np.eye(self.s.q))

    # ---------------------------------------------------------- reasons
    def reason(self, name: str) -> str | None:
        """Why ``name`` is undefined on these data (None when it is defined)."""
        spec = registry.spec(name)
        s = self.s
        if s.n_items == 0:
            return "there are no ratings"
        if not (s.m >= 2).any():
            return "no item has two or more ratings"
        if spec.needs_categories == "declared" and s.q < 2:
            return "fewer than two categories are declared"
        if spec.needs_categories == "used" and int((s.counts.sum(0) > 0).sum()) < 2:
            return "only one category is used (chance agreement is 1)"
        if spec.needs_identities and s.n_annotators < 2:
            return "fewer than two annotators"
        further = spec.function("reason")
        return further(self) if further is not None else None

    # ---------------------------------------------------------- estimates
    def replicates(self, which, w=None) -> dict:
        """Estimates for item weights ``w`` (B, n_items); ``None`` = point estimate."""
        draw = Draw(self, w)
        return {name: registry.spec(name).function("estimate")(draw, name) for name in which}

    def point(self, which=COEFFICIENTS, confidence: float = 0.95, *, warn: bool = True) -> dict:
        """Estimate, SE, CI, p-value, pa, pe, n_items, n_ratings of each coefficient."""
        reasons = {name: self.reason(name) for name in which}
        if self.s.n_items == 0:
            res = {name: _result(np.nan, np.nan, (np.nan,) * 3, None, 0, 0) for name in which}
        else:
            with np.errstate(all="ignore"):
                res = self._point(which, confidence, reasons)
        for name in which:
            reason = reasons[name]
            res[name]["reason"] = reason
            if warn and reason is not None:
                warn_degenerate(name, reason, stacklevel=3)
        return res

    def _point(self, which, confidence, reasons):
        est = self.replicates(which)
        res = {}
        for name in which:
            spec = registry.spec(name)
            e = float(est[name][0])
            inf = spec.function("inference")(self, name)
            if reasons[name] is None and not np.isfinite(e):
                further = spec.function("reason")
                reasons[name] = (further(self) if further else None) or spec.undefined_reason
            se = inf.se
            if reasons[name] is not None:
                e = se = np.nan
            ci = _core.finish(e, se, self.s.n_items, confidence, lower=spec.lower_bound)
            n_ratings = self.s.n_ratings if inf.n_ratings is None else inf.n_ratings
            res[name] = _result(e, se, ci, inf, self.s.n_items, n_ratings)
        return res


class Draw:
    """The item weights of one call of :meth:`Engine.replicates` (``w`` of shape
    ``(B, n_items)``, or ``None`` for the data as they are), with the Gwet-family
    estimates for them computed once and shared by the coefficients that use them."""

    def __init__(self, engine: Engine, w=None):
        self.engine = engine
        self.w = w

    @cached_property
    def family(self) -> dict:
        """Percent agreement, Fleiss, Brennan-Prediger and AC1 (with ``pa`` and each ``pe``)."""
        if self.w is None:
            return self.engine.family
        return _core.family_estimates(self.engine.terms, self.w)


def _result(e, se, ci, inf, n_items, n_ratings) -> dict:
    lo, hi, p = ci
    return {
        "estimate": e,
        "se": float(se),
        "ci_low": lo,
        "ci_high": hi,
        "p_value": p,
        "pa": float(np.nan if inf is None else inf.pa),
        "pe": float(np.nan if inf is None else inf.pe),
        "n_items": int(n_items),
        "n_ratings": int(n_ratings),
    }


_RETURNS = """
    Returns
    -------
    Coefficient
        ``estimate, se, ci, p_value, pa, pe, n_items, n_ratings`` as
        attributes and by key (``c["ci_low"]``; ``pa``/``pe`` = observed/chance
        agreement; ``n_items`` = items with at least one rating, the ``n`` of
        the t(n - 1) CI); ``c.to_series()`` for a Series."""


def _with_returns(func):
    func.__doc__ = func.__doc__.replace("    {returns}", _RETURNS.strip("\n"))
    return func


def coefficient(
    name,
    data,
    scheme=None,
    *,
    weights=None,
    level="nominal",
    confidence=0.95,
    min_overlap=MIN_OVERLAP,
) -> Coefficient:
    """One coefficient of :data:`COEFFICIENTS` with its SE, t interval and p-value.

    Raises :class:`~raer_agreement.errors.AnonymousVotesError` for a
    coefficient of :data:`IDENTITY_COEFFICIENTS` on anonymous votes.

    Examples
    --------
    >>> from raer_agreement import Annotations
    >>> c = coefficient("fleiss_kappa", Annotations.from_counts([[3, 0], [0, 3], [2, 1]]))
    >>> c  # statsmodels fleiss_kappa([[3, 0], [0, 3], [2, 1]]) = 0.55
    Coefficient(fleiss_kappa: 0.55, SE 0.4649, CI [-1.45, 1], p=0.358, n=3)
    >>> round(c.estimate, 4), c.n_items, round(c["ci_high"], 4)
    (0.55, 3, 1.0)
    """
    ann = as_annotations(data)
    if registry.spec(name).needs_identities:
        ann.require_identities(COEFFICIENT_NAMES[name])
    eng = Engine(sufficient(ann, scheme), weights=weights, level=level, min_overlap=min_overlap)
    r = eng.point((name,), confidence, warn=False)[name]
    if r["reason"] is not None:
        warn_degenerate(name, r["reason"], stacklevel=4)
    return Coefficient.from_point(name, r)


def coefficient_series(name, data, scheme=None, **options) -> pd.Series:
    """:func:`coefficient` as a Series (fields :data:`RESULT_FIELDS`)."""
    return coefficient(name, data, scheme, **options).to_series()


@_with_returns
def percent_agreement(
    data, scheme: str | None = None, *, weights=None, confidence: float = 0.95
) -> Coefficient:
    """Percent agreement: mean share of agreeing rating pairs per item.

    Items with fewer than two ratings are left out of the mean; the SE is
    Gwet's (irrCAC ``pa.coeff.raw``), CI t(n - 1) clipped to [0, 1].

    Parameters
    ----------
    data : Annotations or long DataFrame
        ``n_ratings`` ratings of ``n_items`` items in ``q`` categories.
    scheme : str, optional
        Default: the first scheme.
    weights : None, str or ndarray of shape (q, q)
        Partial-agreement weights (``"linear"``, ``"quadratic"``, ...).
    confidence : float
    {returns}

    Examples
    --------
    >>> from raer_agreement.io import from_matrix
    >>> ann = from_matrix([[1, 1, 1], [1, 2, 2], [2, 2, 2]], categories=[1, 2])
    >>> round(float(percent_agreement(ann)["estimate"]), 4)
    0.7778
    """
    return coefficient("percent_agreement", data, scheme, weights=weights, confidence=confidence)


@_with_returns
def fleiss_kappa(
    data, scheme: str | None = None, *, weights=None, confidence: float = 0.95
) -> Coefficient:
    """Fleiss' kappa, generalised to missing ratings (Gwet's irrCAC).

    ``pe = sum_kl w_kl pi_k pi_l`` with ``pi_k`` the category share of each
    item averaged over all rated items; SE by Gwet's linearisation
    (``fleiss.kappa.raw``).  Equal to statsmodels' ``fleiss_kappa`` when
    every item has the same number of ratings.

    Parameters
    ----------
    data : Annotations or long DataFrame
    scheme : str, optional
    weights : None, str or ndarray of shape (q, q)
    confidence : float
    {returns}

    Examples
    --------
    Fleiss (1971), first rows of the Wikipedia worked example as counts:

    >>> from raer_agreement import Annotations
    >>> ann = Annotations.from_counts([[0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6],
    ...     [0, 3, 9, 2, 0], [2, 2, 8, 1, 1], [7, 7, 0, 0, 0], [3, 2, 6, 3, 0],
    ...     [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7]])
    >>> round(float(fleiss_kappa(ann)["estimate"]), 3)
    0.21
    """
    return coefficient("fleiss_kappa", data, scheme, weights=weights, confidence=confidence)


@_with_returns
def brennan_prediger(
    data, scheme: str | None = None, *, weights=None, confidence: float = 0.95
) -> Coefficient:
    """Brennan-Prediger coefficient: chance agreement ``T_w / q^2`` (``1/q`` unweighted).

    ``q`` counts every declared category, used or not.  SE as irrCAC
    ``bp.coeff.raw``.

    Parameters
    ----------
    data : Annotations or long DataFrame
    scheme : str, optional
    weights : None, str or ndarray of shape (q, q)
    confidence : float
    {returns}

    Examples
    --------
    >>> from raer_agreement.io import from_matrix
    >>> ann = from_matrix([[1, 1], [2, 2], [1, 2], [3, 3]], categories=[1, 2, 3])
    >>> round(float(brennan_prediger(ann)["estimate"]), 4)
    0.625
    """
    return coefficient("brennan_prediger", data, scheme, weights=weights, confidence=confidence)


@_with_returns
def randolph_kappa(data, scheme: str | None = None, *, confidence: float = 0.95) -> Coefficient:
    """Randolph's free-marginal multirater kappa (= unweighted Brennan-Prediger).

    Parameters
    ----------
    data : Annotations or long DataFrame
    scheme : str, optional
    confidence : float
    {returns}

    Examples
    --------
    >>> from raer_agreement import Annotations
    >>> ann = Annotations.from_counts([[3, 0], [0, 3], [2, 1]])
    >>> round(float(randolph_kappa(ann)["estimate"]), 4)
    0.5556
    """
    return coefficient("randolph_kappa", data, scheme, confidence=confidence)


@_with_returns
def gwet_ac1(
    data, scheme: str | None = None, *, weights=None, confidence: float = 0.95
) -> Coefficient:
    """Gwet's AC1 (AC2 when ``weights`` is given).

    ``pe = T_w / (q (q - 1)) * sum_k pi_k (1 - pi_k)``; SE as irrCAC
    ``gwet.ac1.raw``.  Stays high when one category dominates (the kappa
    paradox), unlike Fleiss' kappa and Krippendorff's alpha.

    Parameters
    ----------
    data : Annotations or long DataFrame
    scheme : str, optional
    weights : None, str or ndarray of shape (q, q)
    confidence : float
    {returns}

    Examples
    --------
    >>> from raer_agreement import Annotations
    >>> ann = Annotations.from_counts([[3, 0], [3, 0], [3, 0], [2, 1]])
    >>> round(float(gwet_ac1(ann)["estimate"]), 4)
    0.8033
    """
    return coefficient("gwet_ac1", data, scheme, weights=weights, confidence=confidence)


def gwet_ac2(
    data, scheme: str | None = None, *, weights="quadratic", confidence: float = 0.95
) -> Coefficient:
    """Gwet's AC2: AC1 with partial-agreement weights (default quadratic).

    See :func:`gwet_ac1`.

    Examples
    --------
    >>> from raer_agreement.io import from_matrix
    >>> ann = from_matrix([[1, 2], [2, 2], [3, 3], [1, 1]], categories=[1, 2, 3])
    >>> round(float(gwet_ac2(ann)["estimate"]), 4)
    0.8182
    """
    r = coefficient("gwet_ac1", data, scheme, weights=weights, confidence=confidence)
    return dataclasses.replace(r, name="gwet_ac2")


@_with_returns
def conger_kappa(
    data, scheme: str | None = None, *, weights=None, confidence: float = 0.95
) -> Coefficient:
    """Conger's (1980) kappa: chance agreement from each annotator's own marginals.

    ``pe = sum_kl w_kl (pbar_k pbar_l - s2_kl / r)``, ``p_gk`` the share of
    annotator ``g``'s ratings in category ``k``; SE by Gwet's linearisation
    (irrCAC ``conger.kappa.raw``).  Needs annotator identities (not
    meaningful on data built from counts).

    Parameters
    ----------
    data : Annotations or long DataFrame
    scheme : str, optional
    weights : None, str or ndarray of shape (q, q)
    confidence : float
    {returns}

    Examples
    --------
    >>> from raer_agreement.io import from_matrix
    >>> ann = from_matrix([[1, 1, 1], [1, 2, 2], [2, 2, 2], [2, 2, 1]], categories=[1, 2])
    >>> round(float(conger_kappa(ann)["estimate"]), 4)
    0.3333
    """
    return coefficient("conger_kappa", data, scheme, weights=weights, confidence=confidence)


@_with_returns
def krippendorff_alpha(
    data, scheme: str | None = None, *, level: str = "nominal", confidence: float = 0.95
) -> Coefficient:
    """Krippendorff's alpha from the coincidence matrix (Krippendorff 2011).

    ``alpha = 1 - (N - 1) sum_kl o_kl d_kl / sum_kl n_k n_l d_kl`` over
    pairable values; items with one rating are left out.  The point estimate
    equals ``krippendorff.alpha(value_counts=counts, value_domain=values,
    level_of_measurement=level)``.  SE by Gwet's linearisation (irrCAC
    ``krippen.alpha.raw`` with weights ``1 - d / max d``); CI t(n - 1) with
    ``n`` = rated items, as irrCAC.

    Parameters
    ----------
    data : Annotations or long DataFrame
    scheme : str, optional
    level : {"nominal", "ordinal", "interval", "ratio"}
        Nominal by default (emotions); interval and ratio use the category
        values (the numeric codes, else ``1..q``).
    confidence : float
    {returns}

    Examples
    --------
    Krippendorff (2011), 4 coders x 12 units:

    >>> import numpy as np
    >>> nan = np.nan
    >>> from raer_agreement.io import from_matrix
    >>> ann = from_matrix([[1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
    ...     [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3], [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
    ...     [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan]], orientation="raters_x_items",
    ...     categories=[1, 2, 3, 4, 5])
    >>> round(float(krippendorff_alpha(ann)["estimate"]), 3)
    0.743
    >>> round(float(krippendorff_alpha(ann, level="ordinal")["estimate"]), 3)
    0.815
    """
    return coefficient("krippendorff_alpha", data, scheme, level=level, confidence=confidence)


def fleiss_kappa_h0(data, scheme: str | None = None) -> pd.Series:
    """Fleiss' kappa with its standard error under H0 (no agreement beyond chance).

    The asymptotic null variance of Fleiss, Nee & Landis (1979), as R
    ``irr::kappam.fleiss`` reports it:
    ``var0 = 2 / (n m (m - 1)) * ((sum p_j q_j)^2 - sum p_j q_j (q_j - p_j)) / (sum p_j q_j)^2``.
    It assumes ``m`` ratings per item; with unequal numbers the mean is used.

    Returns
    -------
    pandas.Series
        ``estimate, se_h0, z, p_value`` (two-sided normal), ``n_items``, ``m``.

    Examples
    --------
    >>> from raer_agreement import Annotations
    >>> ann = Annotations.from_counts([[3, 0], [0, 3], [3, 0], [1, 2]])
    >>> r = fleiss_kappa_h0(ann)
    >>> round(float(r["estimate"]), 3)
    0.657
    """
    from scipy.special import ndtr

    ann = as_annotations(data)
    s = sufficient(ann, scheme)
    k = fleiss_kappa(ann, scheme)["estimate"]
    keep = s.m >= 2
    n = int(keep.sum())
    m = float(s.m[keep].mean()) if n else np.nan
    p = s.counts[keep].sum(0) / max(s.counts[keep].sum(), 1)
    pq = p * (1 - p)
    spq = pq.sum()
    if n == 0 or spq == 0:
        se0 = np.nan
    else:
        se0 = float(np.sqrt(2 / (n * m * (m - 1)) * (spq**2 - np.sum(pq * ((1 - p) - p))) / spq**2))
    z = k / se0 if np.isfinite(se0) and se0 > 0 else np.nan
    pv = float(2 * ndtr(-abs(z))) if np.isfinite(z) else np.nan
    return pd.Series(
        {"estimate": k, "se_h0": se0, "z": z, "p_value": pv, "n_items": n, "m": m},
        name="fleiss_kappa",
    )
