"""Aggregation: final labels and soft-label targets from multi-annotator votes.

Estimators (scikit-learn conventions: keyword-only options, ``fit`` returns
self, fitted attributes end in ``_``, ``fit_predict``/``fit_predict_proba``):

* :class:`MajorityVote` (explicit tie policy, optional weights), :class:`Wawa`;
* :class:`DawidSkene` (``model="full" | "diagonal" | "one-coin"``),
  :class:`OneCoinDawidSkene`, :class:`ClassConditionalDawidSkene`;
* :class:`GLAD`, :class:`MACE`;
* :class:`HierarchicalDawidSkene` (coarse and fine votes jointly).

Helpers: :func:`make_aggregator` (by CLI method name), :func:`evaluate`,
:func:`read_gold`, :func:`review_queue`, :func:`confidence_table`, the
soft-label functions of :mod:`raer_agreement.aggregation.soft_labels` and
annotator triage (:func:`annotator_triage`, :func:`exclude_annotators`,
:func:`drop_spammers`, :func:`exclusion_effect`).
"""

from .base import Aggregator, as_annotations, entropy
from .dawid_skene import ClassConditionalDawidSkene, DawidSkene, OneCoinDawidSkene
from .evaluate import Evaluation, evaluate, read_gold
from .glad import GLAD
from .hierarchical import HierarchicalDawidSkene
from .mace import MACE
from .majority import MajorityVote, Wawa
from .review import confidence_table, review_queue
from .soft_labels import (
    SoftLabels,
    coarse_from_fine,
    model_soft_labels,
    soft_labels,
    vote_distribution,
)
from .triage import annotator_triage, drop_spammers, exclude_annotators, exclusion_effect

__all__ = [
    "Aggregator",
    "as_annotations",
    "entropy",
    "MajorityVote",
    "Wawa",
    "DawidSkene",
    "OneCoinDawidSkene",
    "ClassConditionalDawidSkene",
    "GLAD",
    "MACE",
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
    "make_aggregator",
    "annotator_triage",
    "exclude_annotators",
    "drop_spammers",
    "exclusion_effect",
]

#: Method names of the command line, in the order shown.
METHODS = (
    "majority",
    "wawa",
    "dawid-skene",
    "one-coin",
    "class-conditional",
    "glad",
    "mace",
    "hierarchical",
)


#: Methods whose EM can hold gold clips at their gold label (crowd-kit's ``true_labels``).
CLAMPING_METHODS = ("dawid-skene", "one-coin", "class-conditional", "glad", "mace", "hierarchical")


def make_aggregator(method: str, *, seed: int = 0, **options) -> Aggregator:
    """An estimator by its command-line name.

    Parameters
    ----------
    method : str
        One of :data:`METHODS`.
    seed : int
        Seed of the methods that draw random numbers (majority-vote ties,
        MACE restarts).
    **options
        Passed to the estimator.

    Examples
    --------
    >>> make_aggregator("one-coin")
    OneCoinDawidSkene()
    """
    if method == "majority":
        return MajorityVote(random_state=seed, **options)
    if method == "wawa":
        return Wawa(random_state=seed, **options)
    if method == "dawid-skene":
        return DawidSkene(**options)
    if method == "one-coin":
        return OneCoinDawidSkene(**options)
    if method == "class-conditional":
        return ClassConditionalDawidSkene(**options)
    if method == "glad":
        return GLAD(**options)
    if method == "mace":
        return MACE(random_state=seed, **options)
    if method == "hierarchical":
        return HierarchicalDawidSkene(**options)
    raise ValueError(
        f"unknown aggregation method {method!r}; expected one of: {', '.join(METHODS)}"
    )
