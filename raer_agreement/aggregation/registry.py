"""The aggregation methods of the command line: one registry line per method.

Each method is one module of :mod:`raer_agreement.aggregation` plus one
:class:`MethodSpec` below, which names the class (``"module:Class"``, imported
on first use so that ``raer-agreement --help`` stays free of pandas) and
declares what the method can do.  The command-line choices and help, the
``--clamp-gold`` check, the docs' method list (checked by a test) and
:func:`make_aggregator` all read this table; a method registered at run time
with :func:`register` appears in all of them.

This module imports nothing heavy and nothing of the package: the estimator
modules import it, never the other way round.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

__all__ = [
    "MethodSpec",
    "register",
    "unregister",
    "registered",
    "spec",
    "method_names",
    "clamping_methods",
    "make_aggregator",
    "BUILTIN",
    "METHODS",
    "CLAMPING_METHODS",
]


@dataclass(frozen=True)
class MethodSpec:
    """One aggregation method and its declared capabilities.

    Attributes
    ----------
    name : str
        The ``--method`` name.
    target : str or type
        ``"module:Class"`` relative to :mod:`raer_agreement.aggregation`, or
        the class itself.
    summary : str
        What the method assumes, in a few words (shown in ``--help``).
    needs_identities : bool
        Needs to know who cast each vote; refuses anonymous votes.
    clamps_gold : bool
        Can hold gold clips at their gold label while fitting (``fit(gold=...)``).
    multi_label : bool
        Usable per label by the multi-label (binary relevance) aggregation.
    dask : bool
        Also available with ``--engine dask``.
    binary_only : bool
        Defined for two classes only; refuses other data in one line.
    seeded : bool
        Draws random numbers: gets ``random_state=seed``.
    """

    name: str
    target: Any
    summary: str
    needs_identities: bool = True
    clamps_gold: bool = False
    multi_label: bool = True
    dask: bool = False
    binary_only: bool = False
    seeded: bool = False

    def load(self) -> type:
        """The estimator class (imported on first use)."""
        if not isinstance(self.target, str):
            return self.target
        module, _, cls = self.target.partition(":")
        return getattr(importlib.import_module(module, __package__), cls)


#: The methods shipped with the package, in the order shown.
BUILTIN = (
    MethodSpec("majority", ".majority:MajorityVote", "all annotators equal",
               needs_identities=False, dask=True, seeded=True),
    MethodSpec("wawa", ".majority:Wawa", "weights: agreement with the majority", seeded=True),
    MethodSpec("zbs", ".zbs:ZeroBasedSkill", "weights: skills fitted to the weighted vote"),
    MethodSpec("dawid-skene", ".dawid_skene:DawidSkene", "a confusion matrix per annotator",
               clamps_gold=True, dask=True),
    MethodSpec("one-coin", ".dawid_skene:OneCoinDawidSkene", "one accuracy per annotator",
               clamps_gold=True, dask=True),
    MethodSpec("class-conditional", ".dawid_skene:ClassConditionalDawidSkene",
               "one accuracy per annotator and class", clamps_gold=True, dask=True),
    MethodSpec("glad", ".glad:GLAD", "expertise per annotator, difficulty per clip",
               clamps_gold=True),
    MethodSpec("mace", ".mace:MACE", "competence and a spamming strategy", clamps_gold=True,
               seeded=True),
    MethodSpec("ebcc", ".ebcc:EBCC", "Bayesian confusions with worker correlation",
               clamps_gold=True, seeded=True),
    MethodSpec("bwa", ".bwa:BWA", "Bayesian weighted average", clamps_gold=True),
    MethodSpec("kos", ".kos:KOS", "message passing on the worker-task graph (binary)",
               binary_only=True, seeded=True),
    MethodSpec("mmsr", ".mmsr:MMSR", "skills by robust rank-one completion", seeded=True),
    MethodSpec("hierarchical", ".hierarchical:HierarchicalDawidSkene",
               "confusions at two granularities", clamps_gold=True, multi_label=False),
)  # fmt: skip

_REGISTRY: dict[str, MethodSpec] = {s.name: s for s in BUILTIN}


def register(method: MethodSpec, *, replace: bool = False) -> MethodSpec:
    """Add a method; it then appears in the choices and help of the command line.

    Examples
    --------
    >>> from raer_agreement.aggregation.majority import MajorityVote
    >>> _ = register(MethodSpec("plain-vote", MajorityVote, "a copy of majority",
    ...                         needs_identities=False))
    >>> "plain-vote" in method_names()
    True
    >>> unregister("plain-vote")
    """
    if method.name in _REGISTRY and not replace:
        raise ValueError(f"aggregation method {method.name!r} is already registered")
    if method.name == "auto":
        raise ValueError("'auto' is reserved for the choice of a method from the data")
    _REGISTRY[method.name] = method
    return method


def unregister(name: str) -> None:
    """Remove a method registered with :func:`register`."""
    _REGISTRY.pop(name, None)


@contextmanager
def registered(method: MethodSpec) -> Iterator[MethodSpec]:
    """Register ``method`` for the duration of a ``with`` block."""
    register(method)
    try:
        yield method
    finally:
        unregister(method.name)


def method_names() -> tuple[str, ...]:
    """The registered method names, in registration order."""
    return tuple(_REGISTRY)


def clamping_methods() -> tuple[str, ...]:
    """The methods that can hold gold clips at their gold label."""
    return tuple(n for n, s in _REGISTRY.items() if s.clamps_gold)


def spec(name: str) -> MethodSpec:
    """The registry line of ``name``; a ValueError naming the choices otherwise."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise ValueError(
            f"unknown aggregation method {name!r}; expected one of: {', '.join(_REGISTRY)}"
        ) from None


def make_aggregator(method: str, *, seed: int = 0, **options):
    """An estimator by its command-line name.

    Parameters
    ----------
    method : str
        One of :func:`method_names`.
    seed : int
        Seed of the methods that draw random numbers (``MethodSpec.seeded``).
    **options
        Passed to the estimator.

    Examples
    --------
    >>> make_aggregator("one-coin")
    OneCoinDawidSkene()
    """
    s = spec(method)
    cls = s.load()
    if s.seeded:
        options.setdefault("random_state", seed)
    return cls(**options)


#: Names of the built-in methods, in the order shown (the live list: :func:`method_names`).
METHODS = tuple(s.name for s in BUILTIN)

#: Built-in methods that can hold gold clips at their gold label (crowd-kit's ``true_labels``).
CLAMPING_METHODS = tuple(s.name for s in BUILTIN if s.clamps_gold)
