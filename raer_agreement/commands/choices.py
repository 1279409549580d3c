"""The choices of the command-line options, as plain tuples.

Building the parser (``raer-agreement --help``) must import neither pandas
nor an estimator.  The aggregation methods come from the registry
(:mod:`raer_agreement.aggregation.registry`, which imports nothing heavy);
the other names the library defines are repeated here and
``tests/test_startup.py`` keeps each tuple equal to the library's.
"""

from __future__ import annotations

from ..aggregation.registry import clamping_methods, method_names

#: the registered aggregation methods, when this module is first imported
#: (``aggregate`` reads :func:`method_names` when it builds its parser)
METHOD_CHOICES = method_names()

#: the methods that can hold gold clips at their gold label
CLAMPING_METHODS = clamping_methods()

#: ``raer_agreement.planning.PLAN_METHODS``
PLAN_METHODS = ("majority", "dawid-skene", "hierarchical")

#: ``raer_agreement.planning.STRATEGIES``
STRATEGIES = ("uniform", "entropy", "margin", "expected_change")

#: the keys of ``raer_agreement.planning.TARGET_METRICS``
TARGET_METRICS = (
    "accuracy",
    "agreement",
    "uar",
    "expected_accuracy",
    "truth_accuracy",
    "truth_uar",
)
