"""The agreement coefficients of the table: one registry line per coefficient.

Each coefficient is a :class:`CoefficientSpec`: its key, the names the text,
the report and the plots print, what it needs (annotator identities, two
declared or two used categories), whether it is chance-corrected (the only
kind the Landis-Koch, Altman and Fleiss bands are for), and two functions:

``estimate(draw, key) -> ndarray of shape (B,)``
    The estimate for each row of item weights ``draw.w`` (``None``: the data
    as they are, ``B = 1``).  ``draw.engine`` holds the per-item sufficient
    statistics, ``draw.family`` the Gwet-family estimates for ``draw.w``
    (computed once per draw and shared).  The bootstrap calls this with the
    resample weights, so a coefficient written as a function of per-item
    terms resamples at the cost of one weighted sum.
``inference(engine, key) -> Inference``
    Observed and chance agreement, the linearised standard error and the
    number of ratings it rests on, for the point estimate.

Functions are named ``"module:function"`` relative to
:mod:`raer_agreement.metrics` and imported on first use, so that this table
imports nothing and every module can read it without a cycle.  The agreement table,
:class:`~raer_agreement.metrics.Engine`, the ``agreement`` command's columns,
the report's names, the benchmark scales and the JSON schema's coefficient
properties (checked by a test) all come from here.  A coefficient registered
at run time with :func:`register` is computed, bootstrapped and printed like
the built-in ones.

Adding a coefficient: a module with its ``estimate`` and ``inference``
functions, and one :class:`CoefficientSpec` line in :data:`BUILTIN`.

Examples
--------
>>> spec("fleiss_kappa").name
"Fleiss' kappa"
>>> [s.key for s in registered() if s.needs_identities]
['conger_kappa', 'mean_cohen_kappa']
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple, overload

__all__ = [
    "CoefficientSpec",
    "Inference",
    "BUILTIN",
    "register",
    "unregister",
    "registered",
    "registered_coefficient",
    "spec",
    "keys",
    "NAMES",
    "LABELS",
    "SHORT",
]


class Inference(NamedTuple):
    """What the point estimate rests on: ``pa``, ``pe``, ``se`` and ``n_ratings``
    (``None``: every rating of the data)."""

    pa: float
    pe: float
    se: float
    n_ratings: int | None = None


@dataclass(frozen=True)
class CoefficientSpec:
    """One agreement coefficient of the table.

    Attributes
    ----------
    key : str
        The key in the table, the JSON and ``--coefficients``.
    name : str
        Display name ("Fleiss' kappa").
    label : str
        Name inside a sentence or on an axis ("Fleiss' kappa", "AC1").
    short : str or None
        Column head of the by-context tables; ``None`` leaves the
        coefficient out of them (Randolph's kappa, equal to Brennan-Prediger
        there).
    estimate, inference : str or callable
        See the module docstring; ``"module:function"`` relative to
        :mod:`raer_agreement.metrics`, or the function itself.
    needs_identities : bool
        Needs to know who gave each rating; not computed on anonymous votes.
    chance_corrected : bool
        ``(pa - pe) / (1 - pe)``: the benchmark bands apply.
    needs_categories : {"used", "declared", None}
        Undefined unless two categories are used (chance from observed
        marginals) or declared (chance from ``q``).
    reason : str or callable, optional
        ``reason(engine) -> str or None``: a further reason it is undefined.
    undefined_reason : str
        Why an estimate that came out ``nan`` is undefined.
    lower_bound : float, optional
        Floor of the t interval (a proportion cannot fall below 0).
    """

    key: str
    name: str
    label: str
    short: str | None
    estimate: Any
    inference: Any
    needs_identities: bool = False
    chance_corrected: bool = True
    needs_categories: str | None = "used"
    reason: Any = None
    undefined_reason: str = "chance agreement is 1"
    lower_bound: float | None = None

    @overload
    def function(self, field: Literal["estimate", "inference"]) -> Callable[..., Any]: ...
    @overload
    def function(self, field: str) -> Callable[..., Any] | None: ...
    def function(self, field: str) -> Callable[..., Any] | None:
        """The function of ``field`` (``"estimate"``, ``"inference"``, ``"reason"``);
        ``None`` when the field is unset (``reason``)."""
        target = getattr(self, field)
        if target is None or callable(target):
            return target
        module, _, name = target.partition(":")
        return getattr(importlib.import_module(module, __package__), name)


_B = ".builtin_coefficients"

#: The built-in coefficients, in report order.
BUILTIN = (
    CoefficientSpec(
        "percent_agreement",
        "Percent agreement",
        "percent agreement",
        "agreement",
        f"{_B}:family_estimate",
        f"{_B}:family_inference",
        chance_corrected=False,
        needs_categories=None,
        lower_bound=0.0,
    ),
    CoefficientSpec(
        "fleiss_kappa",
        "Fleiss' kappa",
        "Fleiss' kappa",
        "Fleiss",
        f"{_B}:family_estimate",
        f"{_B}:family_inference",
    ),
    CoefficientSpec(
        "randolph_kappa",
        "Randolph's kappa",
        "Randolph's kappa",
        None,
        f"{_B}:randolph_estimate",
        f"{_B}:randolph_inference",
        needs_categories="declared",
    ),
    CoefficientSpec(
        "brennan_prediger",
        "Brennan-Prediger",
        "Brennan-Prediger",
        "BP/Randolph",
        f"{_B}:family_estimate",
        f"{_B}:family_inference",
        needs_categories="declared",
    ),
    CoefficientSpec(
        "conger_kappa",
        "Conger's kappa",
        "Conger's kappa",
        "Conger",
        f"{_B}:conger_estimate",
        f"{_B}:conger_inference",
        needs_identities=True,
    ),
    CoefficientSpec(
        "gwet_ac1",
        "Gwet's AC1",
        "AC1",
        "AC1",
        f"{_B}:family_estimate",
        f"{_B}:family_inference",
        needs_categories="declared",
    ),
    CoefficientSpec(
        "krippendorff_alpha",
        "Krippendorff's alpha",
        "alpha",
        "alpha",
        f"{_B}:alpha_estimate",
        f"{_B}:alpha_inference",
    ),
    CoefficientSpec(
        "mean_cohen_kappa",
        "Mean Cohen's kappa (Light)",
        "mean Cohen's kappa",
        "Cohen",
        f"{_B}:light_estimate",
        f"{_B}:light_inference",
        needs_identities=True,
        reason=f"{_B}:light_reason",
        undefined_reason="no annotator pair has a defined kappa",
    ),
)

_REGISTRY: dict[str, CoefficientSpec] = {s.key: s for s in BUILTIN}


def register(coefficient: CoefficientSpec) -> CoefficientSpec:
    """Add ``coefficient`` to the table (after the built-in ones); returns it.

    Raises ``ValueError`` if the key is taken.
    """
    if coefficient.key in _REGISTRY:
        raise ValueError(f"coefficient {coefficient.key!r} is already registered")
    _REGISTRY[coefficient.key] = coefficient
    return coefficient


def unregister(key: str) -> None:
    """Remove a coefficient registered with :func:`register` (built-ins stay)."""
    if any(s.key == key for s in BUILTIN):
        raise ValueError(f"{key!r} is a built-in coefficient")
    _REGISTRY.pop(key, None)


@contextmanager
def registered_coefficient(coefficient: CoefficientSpec) -> Iterator[CoefficientSpec]:
    """Register ``coefficient`` for the duration of a ``with`` block."""
    register(coefficient)
    try:
        yield coefficient
    finally:
        unregister(coefficient.key)


def registered() -> tuple[CoefficientSpec, ...]:
    """Every coefficient, in report order."""
    return tuple(_REGISTRY.values())


def keys() -> tuple[str, ...]:
    """The keys of :func:`registered`."""
    return tuple(_REGISTRY)


def spec(key: str) -> CoefficientSpec:
    """The spec of coefficient ``key``; ``ValueError`` naming the known ones if unknown."""
    try:
        return _REGISTRY[key]
    except KeyError:
        raise ValueError(
            f"unknown coefficient {key!r}; expected one of {', '.join(_REGISTRY)}"
        ) from None


class _Field(Mapping):
    """Key -> one field of every registered coefficient (live: follows :func:`register`);
    coefficients whose field is ``None`` are left out."""

    def __init__(self, field: str):
        self._field = field

    def _items(self) -> dict[str, str]:
        values = {s.key: getattr(s, self._field) for s in _REGISTRY.values()}
        return {k: v for k, v in values.items() if v is not None}

    def __getitem__(self, key: str) -> str:
        return self._items()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items())

    def __len__(self) -> int:
        return len(self._items())

    def __repr__(self) -> str:
        return repr(self._items())


#: Display names ("Fleiss' kappa"), key -> name.
NAMES: Mapping[str, str] = _Field("name")
#: Names inside a sentence or on an axis ("AC1").
LABELS: Mapping[str, str] = _Field("label")
#: Column heads of the by-context tables (Randolph's kappa left out).
SHORT: Mapping[str, str] = _Field("short")
