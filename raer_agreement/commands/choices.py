"""The choices of the command-line options, as plain tuples.

Building the parser (``raer-agreement --help``) must import neither pandas
nor an estimator, so the names the library defines are repeated here;
``tests/test_startup.py`` keeps each tuple equal to the library's.
"""

from __future__ import annotations

#: ``raer_agreement.aggregation.METHODS``
METHOD_CHOICES = (
    "majority",
    "wawa",
    "dawid-skene",
    "one-coin",
    "class-conditional",
    "glad",
    "mace",
    "hierarchical",
)

#: ``raer_agreement.aggregation.CLAMPING_METHODS``: the models with EM that hold gold clips
CLAMPING_METHODS = ("dawid-skene", "one-coin", "class-conditional", "glad", "mace", "hierarchical")

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
