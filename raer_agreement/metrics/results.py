"""Typed results: one agreement coefficient, and a table of them.

In the spirit of scipy's ``ConfidenceInterval`` / ``BootstrapResult`` and
statsmodels' ``KappaResults``: metrics return these objects, and they turn
into a DataFrame, a JSON block or text only at the edge (notebook, CLI,
report).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .bands import krippendorff_band
from .benchmarking import (
    SCALES,
    AlphaThresholds,
    benchmark,
    coefficient_benchmarks,
    is_chance_corrected,
)

__all__ = ["Coefficient", "CoefficientTable", "TABLE_COLUMNS", "FIELDS"]

#: What a :class:`Coefficient` gives by key (``c["estimate"]``): the fields of
#: the Series the coefficient functions returned before 0.2.0.
FIELDS = ("estimate", "se", "ci_low", "ci_high", "p_value", "pa", "pe", "n_items", "n_ratings")

#: Columns of :meth:`CoefficientTable.to_frame` (and of ``agreement_table``), in order.
TABLE_COLUMNS = (
    "coefficient",
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "p_value",
    "boot_ci_low",
    "boot_ci_high",
    "n_items",
    "n_ratings",
    "pa",
    "pe",
    "n_boot",
    "landis_koch",
    "krippendorff_band",
)

_FLOATS = (
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "p_value",
    "boot_ci_low",
    "boot_ci_high",
    "pa",
    "pe",
)


@dataclass(frozen=True)
class Coefficient:
    """One agreement coefficient with its uncertainty.

    Attributes
    ----------
    name : str
        Key of :data:`~raer_agreement.metrics.COEFFICIENTS`.
    estimate, se : float
        nan when undefined on the data (``reason`` says why).
    ci : tuple of float
        ``(low, high)``: Student t(n - 1) interval, upper bound clipped at 1.
    p_value : float
        Two-sided, H0: coefficient = 0.
    boot_ci : tuple of float
        Percentile bootstrap interval over items (nan when ``n_boot == 0``
        or withheld).
    n : int
        Rated items (the ``n`` of the t interval).
    n_ratings : int
    pa, pe : float
        Observed and chance agreement.
    n_boot : int
        Bootstrap resamples drawn.
    convention : str
        Where the definition comes from (e.g. ``"irrCAC"``).
    reason : str or None
        Why the coefficient is undefined (None when defined).
    thresholds : AlphaThresholds or None
        Krippendorff's alpha only, with a bootstrap: the probability that
        alpha is below 0.667 and 0.800.
    boot_reason : str or None
        Why the bootstrap interval is withheld (it would not contain the
        estimate; see :func:`~raer_agreement.metrics.bootstrap.checked_percentile_ci`).
    boot_scheme : str or None
        Krippendorff's alpha with a bootstrap: ``"clips"`` or
        ``"krippendorff"`` (Krippendorff's bootstrap of pairs gave ``boot_ci``
        and ``thresholds``); None for the other coefficients, always over clips.

    Examples
    --------
    >>> c = Coefficient("fleiss_kappa", 0.5, 0.1, (0.3, 0.7), 0.001, (0.31, 0.69), 40, 120)
    >>> c.landis_koch, c.ci  # 0.5 is "moderate", but with SE 0.1 only "fair" is sure
    ('fair', (0.3, 0.7))
    """

    name: str
    estimate: float
    se: float
    ci: tuple
    p_value: float
    boot_ci: tuple = (math.nan, math.nan)
    n: int = 0
    n_ratings: int = 0
    pa: float = math.nan
    pe: float = math.nan
    n_boot: int = 0
    convention: str = "irrCAC"
    reason: str | None = None
    thresholds: AlphaThresholds | None = None
    boot_reason: str | None = None
    boot_scheme: str | None = None

    @classmethod
    def from_point(cls, name: str, r: dict, **extra) -> Coefficient:
        """From an engine's point result (``estimate, se, ci_low, ci_high,
        p_value, pa, pe, n_items, n_ratings, reason``); ``extra`` sets the
        bootstrap fields."""
        return cls(
            name=name,
            estimate=r["estimate"],
            se=r["se"],
            ci=(r["ci_low"], r["ci_high"]),
            p_value=r["p_value"],
            n=r["n_items"],
            n_ratings=r["n_ratings"],
            pa=r["pa"],
            pe=r["pe"],
            reason=r.get("reason"),
            **extra,
        )

    def __repr__(self) -> str:
        if self.reason is not None:
            return f"Coefficient({self.name}: undefined, {self.reason}; n={self.n})"
        boot = (
            f", bootstrap [{self.boot_ci[0]:.4g}, {self.boot_ci[1]:.4g}]"
            if math.isfinite(self.boot_ci[0])
            else ""
        )
        return (
            f"Coefficient({self.name}: {self.estimate:.4g}, SE {self.se:.4g}, "
            f"CI [{self.ci[0]:.4g}, {self.ci[1]:.4g}]{boot}, p={self.p_value:.3g}, n={self.n})"
        )

    # Read by key as the Series results were: c["estimate"], c["ci_low"], dict(c).
    def __getitem__(self, key: str):
        if key not in FIELDS:
            raise KeyError(f"{key!r}: a coefficient has {', '.join(FIELDS)}")
        return {
            "ci_low": self.ci[0],
            "ci_high": self.ci[1],
            "n_items": self.n,
        }.get(key, getattr(self, key, None))

    def keys(self) -> tuple:
        """:data:`FIELDS`, so that ``dict(c)`` holds them."""
        return FIELDS

    @property
    def n_items(self) -> int:
        """Rated items (the ``n`` of the t interval)."""
        return self.n

    def to_series(self) -> pd.Series:
        """The :data:`FIELDS` as a Series named after the coefficient."""
        return pd.Series({k: self[k] for k in FIELDS}, name=self.name, dtype=object).infer_objects()

    @property
    def benchmark(self) -> dict:
        """Gwet's (2014, ch. 6) probabilistic benchmarking on the Landis & Koch,
        Altman and Fleiss scales: ``{scale: BenchmarkResult}``."""

        if not is_chance_corrected(self.name):
            return {}
        return {s: benchmark(self.estimate, self.se, s) for s in SCALES}

    @property
    def landis_koch(self) -> str | None:
        """The Landis & Koch (1977) band reached with at least 95% probability
        given the SE (Gwet 2014, ch. 6); None without an SE."""
        if not is_chance_corrected(self.name):
            return None  # the scale is for chance-corrected coefficients
        return benchmark(self.estimate, self.se, "landis_koch").reached

    @property
    def krippendorff_band(self) -> str | None:
        """Krippendorff's (2004) band of alpha (None for other coefficients,
        to which his thresholds do not apply)."""
        return krippendorff_band(self.estimate) if self.name == "krippendorff_alpha" else None

    def row(self) -> dict:
        """The coefficient as one row of :data:`TABLE_COLUMNS`."""
        return {
            "coefficient": self.name,
            "estimate": self.estimate,
            "se": self.se,
            "ci_low": self.ci[0],
            "ci_high": self.ci[1],
            "p_value": self.p_value,
            "boot_ci_low": self.boot_ci[0],
            "boot_ci_high": self.boot_ci[1],
            "n_items": self.n,
            "n_ratings": self.n_ratings,
            "pa": self.pa,
            "pe": self.pe,
            "n_boot": self.n_boot,
            "landis_koch": self.landis_koch,
            "krippendorff_band": self.krippendorff_band,
        }

    def to_dict(self) -> dict:
        """The JSON block of the agreement document (``raer_agreement/data_schema/agreement.schema.json``)."""
        return {
            "estimate": float(self.estimate),
            "se": float(self.se),
            "ci_low": float(self.ci[0]),
            "ci_high": float(self.ci[1]),
            "p_value": float(self.p_value),
            "boot_ci_low": float(self.boot_ci[0]),
            "boot_ci_high": float(self.boot_ci[1]),
            **({"boot_reason": self.boot_reason} if self.boot_reason else {}),
            **({"boot_scheme": self.boot_scheme} if self.boot_scheme else {}),
            "n_items": int(self.n),
            "n_ratings": int(self.n_ratings),
            "pa": float(self.pa),
            "pe": float(self.pe),
            "landis_koch": self.landis_koch,
            "krippendorff_band": self.krippendorff_band,
            "benchmark": coefficient_benchmarks(self.estimate, self.se, coefficient=self.name),
            **(
                {"krippendorff_thresholds": self.thresholds.to_dict()}
                if self.thresholds is not None
                else {}
            ),
        }


class CoefficientTable(Sequence):
    """Coefficients of one scheme, in report order.

    A read-only sequence of :class:`Coefficient`, also indexable by name;
    :meth:`to_frame`, :meth:`to_dict` and :meth:`to_text` render it.

    Examples
    --------
    >>> t = CoefficientTable([Coefficient("percent_agreement", 0.8, 0.05, (0.7, 0.9), 0.0)])
    >>> t["percent_agreement"].estimate, t.names
    (0.8, ('percent_agreement',))
    >>> list(t.to_frame().columns[:3])
    ['coefficient', 'estimate', 'se']
    """

    def __init__(self, coefficients):
        self._items = tuple(coefficients)
        self._by_name = {c.name: c for c in self._items}

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[Coefficient]:
        return iter(self._items)

    def __getitem__(self, key):
        if isinstance(key, str):
            if key not in self._by_name:
                raise KeyError(f"no coefficient {key!r} (have: {', '.join(self.names)})")
            return self._by_name[key]
        return self._items[key]

    def __contains__(self, key) -> bool:
        return key in self._by_name if isinstance(key, str) else key in self._items

    def __repr__(self) -> str:
        return f"CoefficientTable({', '.join(f'{c.name}={c.estimate:.4g}' for c in self)})"

    @property
    def names(self) -> tuple:
        return tuple(c.name for c in self._items)

    def to_frame(self) -> pd.DataFrame:
        """One row per coefficient, columns :data:`TABLE_COLUMNS`."""
        out = pd.DataFrame([c.row() for c in self], columns=list(TABLE_COLUMNS))
        out = out.astype({"n_items": "int64", "n_ratings": "int64", "n_boot": "int64"})
        for c in _FLOATS:
            out[c] = out[c].astype(float)
        return out

    def to_dict(self) -> dict:
        """``{name: block}`` as in the agreement document (nan kept; see ``to_jsonable``)."""
        return {c.name: c.to_dict() for c in self}

    def to_text(self, names: dict | None = None) -> str:
        """A plain-text table: coefficient, estimate, SE, CI, p, bootstrap CI."""
        head = ["coefficient", "estimate", "SE", "CI (t)", "p", "boot CI"]
        rows = [
            [
                (names or {}).get(c.name, c.name),
                format_number(c.estimate),
                format_number(c.se),
                format_interval(*c.ci),
                format_p(c.p_value),
                format_interval(*c.boot_ci),
            ]
            for c in self
        ]
        return text_table(head, rows)


# ------------------------------------------------------------- text helpers
def _missing(x) -> bool:
    return x is None or (isinstance(x, (float, np.floating)) and not math.isfinite(float(x)))


def format_number(x, digits: int = 3) -> str:
    """Fixed decimals; ``-`` for a missing value.

    >>> format_number(0.12345), format_number(float("nan"))
    ('0.123', '-')
    """
    return "-" if _missing(x) else f"{x:.{digits}f}"


def format_annotators(n) -> str:
    """``"N annotators"``, or that there are none to count (anonymous votes).

    Examples
    --------
    >>> format_annotators(12), format_annotators(None)
    ('12 annotators', 'annotators unknown (anonymous votes)')
    """
    return "annotators unknown (anonymous votes)" if n is None else f"{n} annotators"


def format_p(x) -> str:
    """A p-value: ``<0.001`` below one in a thousand.

    >>> format_p(0.0), format_p(0.0312)
    ('<0.001', '0.031')
    """
    if _missing(x):
        return "-"
    return "<0.001" if x < 0.001 else f"{x:.3f}"


def format_interval(lo, hi) -> str:
    """``[lo, hi]`` with three decimals; ``-`` when missing.

    >>> format_interval(0.1, 0.25)
    '[0.100, 0.250]'
    """
    return "-" if _missing(lo) or _missing(hi) else f"[{lo:.3f}, {hi:.3f}]"


def text_table(header, rows) -> str:
    """Columns padded to their widest cell, first column left-aligned."""
    widths = [
        max(len(str(h)), *(len(str(r[i])) for r in rows)) if rows else len(str(h))
        for i, h in enumerate(header)
    ]

    def line(r):
        return "  ".join(
            str(c).ljust(w) if i == 0 else str(c).rjust(w)
            for i, (c, w) in enumerate(zip(r, widths))
        )

    return "\n".join([line(header), "  ".join("-" * w for w in widths)] + [line(r) for r in rows])
