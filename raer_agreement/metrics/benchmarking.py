"""Interpretation that respects the uncertainty: probabilistic benchmarking.

A fixed cutoff calls a kappa of 0.61 "substantial" whether its standard
error is 0.01 or 0.20.  Gwet (2014, ch. 6) replaces the cutoff by the
probability that the true coefficient lies in each band of a benchmark
scale, under a normal distribution with the estimate as mean and its
standard error as standard deviation, truncated to ``[-1, 1]``:

    P(band [lb, ub]) = (Phi((c - lb) / se) - Phi((c - ub) / se)) / T,
    T = Phi((c + 1) / se) - Phi((c - 1) / se).

Bands are taken from the best downwards; the cumulative probability of a
band is the probability that the coefficient reaches it *or better*.  The
band reported is the best one whose cumulative probability reaches 95%.
The numbers match irrCAC's ``landis.koch.bf``, ``altman.bf`` and
``fleiss.bf``.

Krippendorff's thresholds (0.667 for tentative conclusions, 0.800 for
reliable data; Krippendorff 2004, sec. 11.4) belong to alpha alone;
:func:`alpha_thresholds` gives the probability that alpha lies below each,
read from the bootstrap distribution over clips, or from Krippendorff's own
bootstrap of pairs (:mod:`~raer_agreement.metrics.krippendorff_bootstrap`;
his advice: the probability of failing to reach the smallest acceptable alpha).

References
----------
Gwet, K. L. (2014). *Handbook of Inter-Rater Reliability*, 4th ed.,
chapter 6.  Advanced Analytics.
Landis, J. R. & Koch, G. G. (1977). Biometrics 33(1), 159-174.
Altman, D. G. (1991). *Practical Statistics for Medical Research*, p. 404.
Fleiss, J. L. (1981). *Statistical Methods for Rates and Proportions*, 2nd ed.
Krippendorff, K. (2004). *Content Analysis*, 2nd ed., sec. 11.4.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import ndtr  # the standard normal CDF (scipy.stats is slow to import)

from . import registry

__all__ = [
    "SCALES",
    "SCALE_NAMES",
    "BenchmarkResult",
    "benchmark",
    "benchmark_all",
    "benchmark_table",
    "AlphaThresholds",
    "alpha_thresholds",
    "KRIPPENDORFF_THRESHOLDS",
    "coefficient_benchmarks",
    "describe",
    "CHANCE_CORRECTED",
    "is_chance_corrected",
]

#: Coefficients corrected for chance agreement, ``(pa - pe) / (1 - pe)``: the only ones
#: the Landis & Koch, Altman and Fleiss scales were made for.  Raw percent agreement is
#: not among them ("substantial" for a proportion of agreeing pairs would mislead).
CHANCE_CORRECTED = frozenset(
    {s.key for s in registry.BUILTIN if s.chance_corrected} | {"cohen_kappa"}
)


def is_chance_corrected(name: str | None) -> bool:
    """Whether the benchmark scales apply to coefficient ``name``.

    Examples
    --------
    >>> is_chance_corrected("fleiss_kappa"), is_chance_corrected("percent_agreement")
    (True, False)
    """
    if name in CHANCE_CORRECTED:
        return True
    # a coefficient registered at run time says so in its spec
    return name in registry.keys() and registry.spec(name).chance_corrected


#: Benchmark scales: ``(lower, upper, band)`` from the best band down (as in
#: irrCAC's ``landis.koch``, ``altman`` and ``fleiss`` data frames).
SCALES: dict[str, tuple[tuple[float, float, str], ...]] = {
    "landis_koch": (
        (0.8, 1.0, "almost perfect"),
        (0.6, 0.8, "substantial"),
        (0.4, 0.6, "moderate"),
        (0.2, 0.4, "fair"),
        (0.0, 0.2, "slight"),
        (-1.0, 0.0, "poor"),
    ),
    "altman": (
        (0.8, 1.0, "very good"),
        (0.6, 0.8, "good"),
        (0.4, 0.6, "moderate"),
        (0.2, 0.4, "fair"),
        (-1.0, 0.2, "poor"),
    ),
    "fleiss": (
        (0.75, 1.0, "excellent"),
        (0.40, 0.75, "intermediate to good"),
        (-1.0, 0.40, "poor"),
    ),
}

#: Display names of the scales.
SCALE_NAMES = {"landis_koch": "Landis & Koch", "altman": "Altman", "fleiss": "Fleiss"}

#: Krippendorff's (2004) smallest acceptable alphas: tentative, reliable.
KRIPPENDORFF_THRESHOLDS = (0.667, 0.800)


@dataclass(frozen=True)
class BenchmarkResult:
    """Band membership probabilities of one coefficient on one scale.

    Attributes
    ----------
    scale : str
        Key of :data:`SCALES`.
    bands : tuple of str, shape (n_bands,)
        Best band first.
    lower, upper : tuple of float, shape (n_bands,)
    probabilities : tuple of float, shape (n_bands,)
        Probability that the true coefficient lies in each band (sums to 1);
        nan when the estimate or its SE is undefined.
    cumulative : tuple of float, shape (n_bands,)
        Probability of each band or a better one.
    reached : str or None
        The best band whose cumulative probability is at least
        ``threshold``; None when undefined.
    threshold : float
    """

    scale: str
    bands: tuple
    lower: tuple
    upper: tuple
    probabilities: tuple
    cumulative: tuple
    reached: str | None
    threshold: float

    def to_dict(self) -> dict:
        """``{"probabilities": {band: p}, "reached": band}`` (JSON-ready)."""
        return {
            "probabilities": {
                b: (None if not np.isfinite(p) else float(p))
                for b, p in zip(self.bands, self.probabilities)
            },
            "reached": self.reached,
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per band: ``band, lower, upper, probability, cumulative``."""
        return pd.DataFrame(
            {
                "band": self.bands,
                "lower": self.lower,
                "upper": self.upper,
                "probability": self.probabilities,
                "cumulative": self.cumulative,
            }
        )


def _scale(scale) -> tuple[str, tuple]:
    if isinstance(scale, str):
        if scale not in SCALES:
            raise ValueError(
                f"unknown benchmark scale {scale!r}; expected one of {', '.join(SCALES)}"
            )
        return scale, SCALES[scale]
    bands = tuple((float(lo), float(hi), str(name)) for lo, hi, name in scale)
    if not bands or any(lo >= hi for lo, hi, _ in bands):
        raise ValueError("a benchmark scale needs bands (lower, upper, name) with lower < upper")
    return "custom", bands


def benchmark(estimate, se, scale="landis_koch", *, threshold: float = 0.95) -> BenchmarkResult:
    """Probability that a coefficient lies in each band of a benchmark scale.

    Gwet's (2014, ch. 6) method, as irrCAC's ``landis.koch.bf`` /
    ``altman.bf`` / ``fleiss.bf``: a normal distribution with mean
    ``estimate`` and standard deviation ``se``, truncated to ``[-1, 1]``.

    Parameters
    ----------
    estimate, se : float
        The coefficient and its standard error.  ``se == 0`` puts all the
        probability on the band holding the estimate.
    scale : str or sequence of (lower, upper, name)
        ``"landis_koch"``, ``"altman"``, ``"fleiss"`` (:data:`SCALES`) or
        custom bands, best first.
    threshold : float
        Cumulative probability a band must reach to be reported (0.95, as
        Gwet recommends).

    Returns
    -------
    BenchmarkResult

    Examples
    --------
    irrCAC's vignette: AC1 = 0.77544 with SE 0.14295 (data ``cac.raw4raters``)
    is only "moderate" on the Landis & Koch scale once its SE is counted.

    >>> r = benchmark(0.77544, 0.14295, "landis_koch")
    >>> [round(c, 5) for c in r.cumulative]
    [0.39674, 0.88336, 0.99542, 0.99997, 1.0, 1.0]
    >>> r.reached
    'moderate'
    """
    name, bands = _scale(scale)
    if not 0 < threshold <= 1:
        raise ValueError(f"threshold must lie in (0, 1], got {threshold!r}")
    lo = np.array([b[0] for b in bands])
    hi = np.array([b[1] for b in bands])
    labels = tuple(b[2] for b in bands)
    c = np.nan if estimate is None else float(estimate)
    s = np.nan if se is None else float(se)
    if not (np.isfinite(c) and np.isfinite(s) and s >= 0):
        nan = tuple([np.nan] * len(bands))
        return BenchmarkResult(name, labels, tuple(lo), tuple(hi), nan, nan, None, threshold)
    if s == 0:
        inside = (c >= lo) & (c <= hi)
        p = np.zeros(len(bands))
        if inside.any():
            p[np.argmax(inside)] = 1.0  # a boundary value goes to the better band
    else:
        # the truncation keeps the mass on [-1, 1], where every coefficient lives
        total = ndtr((c + 1) / s) - ndtr((c - 1) / s)
        p = (ndtr((c - lo) / s) - ndtr((c - hi) / s)) / total
        # below 1e-12 a band probability is rounding, not a finding: it prints as 0
        p = np.where(p < 1e-12, 0.0, p)
    cum = np.minimum(np.cumsum(p), 1.0)
    # rounding can leave the last cumulative a hair under 1: the lowest band is always reached
    ok = np.flatnonzero(cum >= threshold - 1e-12)
    reached = labels[ok[0]] if len(ok) else labels[-1]
    return BenchmarkResult(
        name,
        labels,
        tuple(lo.tolist()),
        tuple(hi.tolist()),
        tuple(p.tolist()),
        tuple(cum.tolist()),
        reached,
        threshold,
    )


def benchmark_all(
    estimate, se, scales: Sequence[str] = tuple(SCALES), *, threshold: float = 0.95
) -> dict[str, BenchmarkResult]:
    """:func:`benchmark` on several scales: ``{scale: BenchmarkResult}``.

    Examples
    --------
    >>> {k: r.reached for k, r in benchmark_all(0.67, 0.15).items()}
    {'landis_koch': 'moderate', 'altman': 'moderate', 'fleiss': 'intermediate to good'}
    """
    return {s: benchmark(estimate, se, s, threshold=threshold) for s in scales}


def benchmark_table(
    table: pd.DataFrame, scales: Sequence[str] = tuple(SCALES), *, threshold: float = 0.95
) -> pd.DataFrame:
    """Band probabilities of every coefficient of an agreement table.

    Parameters
    ----------
    table : DataFrame
        With columns ``coefficient, estimate, se`` (as
        :func:`~raer_agreement.metrics.agreement_table` returns).
    scales : sequence of str
    threshold : float

    Returns
    -------
    DataFrame, one row per (coefficient, scale, band)
        Columns ``coefficient, scale, band, lower, upper, probability,
        cumulative, reached`` (``reached`` is True on the band reported);
        coefficients that are not chance-corrected (percent agreement) have
        no rows.

    Examples
    --------
    >>> t = pd.DataFrame({"coefficient": ["gwet_ac1"], "estimate": [0.77544], "se": [0.14295]})
    >>> b = benchmark_table(t, ["fleiss"])
    >>> b[["band", "cumulative"]].round(5).values.tolist()
    [['excellent', 0.54414], ['intermediate to good', 0.99542], ['poor', 1.0]]
    >>> b.loc[b["reached"], "band"].tolist()
    ['intermediate to good']
    """
    missing = {"coefficient", "estimate", "se"} - set(table.columns)
    if missing:
        raise ValueError(f"the table lacks column(s) {', '.join(sorted(missing))}")
    frames = []
    for row in table[["coefficient", "estimate", "se"]].itertuples(index=False):
        if not is_chance_corrected(row.coefficient):
            continue  # the scales are for chance-corrected coefficients only
        for s in scales:
            r = benchmark(row.estimate, row.se, s, threshold=threshold)
            f = r.to_frame()
            f.insert(0, "scale", s)
            f.insert(0, "coefficient", row.coefficient)
            f["reached"] = f["band"] == r.reached
            frames.append(f)
    cols = [
        "coefficient",
        "scale",
        "band",
        "lower",
        "upper",
        "probability",
        "cumulative",
        "reached",
    ]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=cols)


def coefficient_benchmarks(
    estimate,
    se,
    scales: Sequence[str] = tuple(SCALES),
    *,
    threshold: float = 0.95,
    coefficient: str | None = None,
) -> dict | None:
    """The JSON ``benchmark`` object of one coefficient:
    ``{scale: {"probabilities": {band: p}, "reached": band}}``; None when
    ``coefficient`` is named and is not chance-corrected.

    Examples
    --------
    >>> coefficient_benchmarks(0.9, 0.01, ["fleiss"])["fleiss"]["reached"]
    'excellent'
    >>> coefficient_benchmarks(1.0, 0.0, coefficient="percent_agreement") is None
    True
    """
    if coefficient is not None and not is_chance_corrected(coefficient):
        return None
    return {
        s: r.to_dict() for s, r in benchmark_all(estimate, se, scales, threshold=threshold).items()
    }


@dataclass(frozen=True)
class AlphaThresholds:
    """Krippendorff's alpha against his smallest acceptable values.

    Attributes
    ----------
    estimate : float
    thresholds : tuple of float
        0.667 (tentative conclusions) and 0.800 (reliable data) by default.
    p_below : tuple of float
        Share of bootstrap replicates of alpha below each threshold: the
        probability that the data fail to reach it.
    n_boot : int
        Finite replicates used (nan probabilities when 0).
    scheme : {"clips", "krippendorff"}
        Which bootstrap gave the replicates: clips resampled, or
        Krippendorff's pairs drawn from the coincidence matrix
        (:mod:`~raer_agreement.metrics.krippendorff_bootstrap`).
    pairs_drawn : int or None
        Krippendorff's bootstrap: the pairs ``M`` of each resample.
    pairs_in_data : int or None
        Krippendorff's bootstrap: ``(m - 1) n.. / 2``, the pairs before the
        algorithm's cap.
    """

    estimate: float
    thresholds: tuple
    p_below: tuple
    n_boot: int
    scheme: str = "clips"
    pairs_drawn: int | None = None
    pairs_in_data: int | None = None

    def to_dict(self) -> dict:
        """``{"thresholds": [{"threshold", "p_below"}...], "n_boot", "scheme"}``
        (and ``"pairs_drawn"``, ``"pairs_in_data"`` for Krippendorff's bootstrap; JSON-ready)."""
        return {
            "thresholds": [
                {"threshold": float(t), "p_below": (None if not np.isfinite(p) else float(p))}
                for t, p in zip(self.thresholds, self.p_below)
            ],
            "n_boot": int(self.n_boot),
            "scheme": self.scheme,
            **(
                {"pairs_drawn": int(self.pairs_drawn), "pairs_in_data": int(self.pairs_in_data)}
                if self.pairs_drawn is not None and self.pairs_in_data is not None
                else {}
            ),
        }


def alpha_thresholds(
    replicates,
    estimate=np.nan,
    thresholds: Sequence[float] = KRIPPENDORFF_THRESHOLDS,
    *,
    scheme: str = "clips",
    pairs_drawn: int | None = None,
    pairs_in_data: int | None = None,
) -> AlphaThresholds:
    """Probability that Krippendorff's alpha lies below each threshold.

    Parameters
    ----------
    replicates : array of float, shape (n_boot,)
        Bootstrap replicates of alpha (nan replicates ignored): over clips,
        or from Krippendorff's bootstrap of pairs.
    estimate : float, optional
        The point estimate, carried along for display.
    thresholds : sequence of float
    scheme : {"clips", "krippendorff"}
        Which bootstrap gave ``replicates`` (recorded, not used).
    pairs_drawn, pairs_in_data : int, optional
        Krippendorff's bootstrap: pairs per resample and before the cap (recorded).

    Returns
    -------
    AlphaThresholds

    Examples
    --------
    >>> r = alpha_thresholds([0.60, 0.65, 0.70, 0.75, 0.82], 0.70)
    >>> r.p_below
    (0.4, 0.8)
    """
    r = np.asarray(replicates, dtype=float)
    r = r[np.isfinite(r)]
    if len(r) == 0:
        p = tuple([np.nan] * len(thresholds))
    else:
        p = tuple(float(np.mean(r < t)) for t in thresholds)
    return AlphaThresholds(
        float(estimate),
        tuple(float(t) for t in thresholds),
        p,
        int(len(r)),
        scheme,
        pairs_drawn,
        pairs_in_data,
    )


def _finite(x) -> bool:
    return x is not None and np.isfinite(x)


def describe(benchmarks: Mapping[str, Mapping]) -> str:
    """One short line from a JSON ``benchmark`` object, for text tables.

    Examples
    --------
    >>> describe(coefficient_benchmarks(0.77544, 0.14295, ["landis_koch"]))
    'moderate (0.995)'
    """
    parts = []
    for b in benchmarks.values():
        band = b.get("reached")
        if band is None:
            parts.append("-")
            continue
        probs = list(b["probabilities"].values())
        names = list(b["probabilities"])
        cum = float(np.sum([p for p in probs[: names.index(band) + 1] if _finite(p)]))
        parts.append(f"{band} ({min(cum, 1.0):.3f})")
    return "; ".join(parts)
