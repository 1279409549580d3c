"""Aggregation: final labels and soft-label targets from multi-annotator votes.

Estimators (scikit-learn conventions: keyword-only options, ``fit`` returns
self, fitted attributes end in ``_``, ``fit_predict``/``fit_predict_proba``):

* :class:`MajorityVote` (explicit tie policy, optional weights), :class:`Wawa`;
* :class:`DawidSkene` (``model="full" | "diagonal" | "one-coin"``),
  :class:`OneCoinDawidSkene`, :class:`ClassConditionalDawidSkene`;
* :class:`GLAD`, :class:`MACE`;
* :class:`EBCC`, :class:`BWA` (Bayesian), :class:`ZeroBasedSkill`, :class:`KOS`
  (binary), :class:`MMSR`;
* :class:`HierarchicalDawidSkene` (coarse and fine votes jointly).

Every method the command line offers is one line of
:mod:`raer_agreement.aggregation.registry` (name, class, capabilities);
:func:`choose_method` picks one from the data without gold (``--method auto``).

Attributes load on first use (PEP 562), so that the registry can be read
without pandas (``raer-agreement --help``) and the estimator modules can
import it without a cycle through this package.

Helpers: :func:`make_aggregator` (by CLI method name), :func:`evaluate`,
:func:`read_gold`, :func:`review_queue`, :func:`confidence_table`, the
soft-label functions of :mod:`raer_agreement.aggregation.soft_labels` and
annotator triage (:func:`annotator_triage`, :func:`exclude_annotators`,
:func:`drop_spammers`, :func:`exclusion_effect`).
"""

import sys
import types
from typing import TYPE_CHECKING

from .._lazy import lazy_attributes

_LAZY = {
    "Aggregator": ".base",
    "annotations_and_scheme": ".base",
    "entropy": ".base",
    "MajorityVote": ".majority",
    "Wawa": ".majority",
    "ZeroBasedSkill": ".zbs",
    "DawidSkene": ".dawid_skene",
    "OneCoinDawidSkene": ".dawid_skene",
    "ClassConditionalDawidSkene": ".dawid_skene",
    "GLAD": ".glad",
    "MACE": ".mace",
    "EBCC": ".ebcc",
    "BWA": ".bwa",
    "KOS": ".kos",
    "MMSR": ".mmsr",
    "HierarchicalDawidSkene": ".hierarchical",
    "Evaluation": ".evaluate",
    "evaluate": ".evaluate",
    "read_gold": ".evaluate",
    "review_queue": ".review",
    "confidence_table": ".review",
    "SoftLabels": ".soft_labels",
    "soft_labels": ".soft_labels",
    "vote_distribution": ".soft_labels",
    "model_soft_labels": ".soft_labels",
    "coarse_from_fine": ".soft_labels",
    "METHODS": ".registry",
    "CLAMPING_METHODS": ".registry",
    "MethodSpec": ".registry",
    "register": ".registry",
    "method_names": ".registry",
    "make_aggregator": ".registry",
    "choose_method": ".auto",
    "annotator_triage": ".triage",
    "exclude_annotators": ".triage",
    "drop_spammers": ".triage",
    "exclusion_effect": ".triage",
}

if TYPE_CHECKING:  # what the lazy attributes are, for type checkers
    from .auto import choose_method
    from .base import Aggregator, annotations_and_scheme, entropy
    from .bwa import BWA
    from .dawid_skene import ClassConditionalDawidSkene, DawidSkene, OneCoinDawidSkene
    from .ebcc import EBCC
    from .evaluate import Evaluation, evaluate, read_gold
    from .glad import GLAD
    from .hierarchical import HierarchicalDawidSkene
    from .kos import KOS
    from .mace import MACE
    from .majority import MajorityVote, Wawa
    from .mmsr import MMSR
    from .registry import (
        CLAMPING_METHODS,
        METHODS,
        MethodSpec,
        make_aggregator,
        method_names,
        register,
    )
    from .review import confidence_table, review_queue
    from .soft_labels import (
        SoftLabels,
        coarse_from_fine,
        model_soft_labels,
        soft_labels,
        vote_distribution,
    )
    from .triage import annotator_triage, drop_spammers, exclude_annotators, exclusion_effect
    from .zbs import ZeroBasedSkill

__getattr__, __dir__ = lazy_attributes(__name__, _LAZY)


class _Package(types.ModuleType):
    """Keeps the functions named like their modules (``evaluate``, ``soft_labels``)
    as the package attributes when the import system binds the submodule."""

    def __setattr__(self, name, value):
        if isinstance(value, types.ModuleType) and _LAZY.get(name) == "." + name:
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package

__all__ = [
    "Aggregator",
    "annotations_and_scheme",
    "entropy",
    "MajorityVote",
    "Wawa",
    "ZeroBasedSkill",
    "DawidSkene",
    "OneCoinDawidSkene",
    "ClassConditionalDawidSkene",
    "GLAD",
    "MACE",
    "EBCC",
    "BWA",
    "KOS",
    "MMSR",
    "HierarchicalDawidSkene",
    "Evaluation",
    "evaluate",
    "read_gold",
    "review_queue",
    "confidence_table",
    "SoftLabels",
    "soft_labels",
    "vote_distribution",
    "model_soft_labels",
    "coarse_from_fine",
    "METHODS",
    "CLAMPING_METHODS",
    "MethodSpec",
    "register",
    "method_names",
    "make_aggregator",
    "choose_method",
    "annotator_triage",
    "exclude_annotators",
    "drop_spammers",
    "exclusion_effect",
]
