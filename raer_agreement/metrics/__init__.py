"""Agreement (inter-rater reliability) metrics.

Every function takes an :class:`~raer_agreement.Annotations` (or a long
DataFrame) and a ``scheme`` (default: the first) and returns a tidy pandas
object.  Conventions follow Gwet's irrCAC R package (``agree.coeff3.raw.r``):
SE by Gwet's linearisation, 95% CI with Student t(n - 1), upper bound
clipped at 1, ``q`` counts every declared category; Krippendorff's alpha is
the coincidence-matrix alpha (nominal by default).  Undefined values are nan
with a :class:`~raer_agreement.errors.DegenerateDataWarning` naming the
reason.

Main entry points
-----------------
Analysis : one scheme's statistics computed once; every metric as a method.
agreement_table : every coefficient with SE, t CI, p-value and bootstrap CI.
agreement_summary : the JSON-ready report (CLI ``agreement --json``).
per_class_agreement, per_annotator_agreement : where agreement breaks down.
agreement_by, granularity_agreement : by context and between granularities.
benchmark, benchmark_table, alpha_thresholds : how strong, given the SE (Gwet 2014, ch. 6).
krippendorff_bootstrap.krippendorff_bootstrap : Krippendorff's own bootstrap of alpha.
compare_agreement, compare_groups, compare_by : differences between groups or rounds.
multilabel_alpha, per_label_agreement : set-valued (multi-label) annotations.
"""

from .analysis import IDENTITY_NOTE, Analysis
from .benchmarking import alpha_thresholds, benchmark, benchmark_table
from .bootstrap import bootstrap_ci, resample_weights
from .coefficients import (
    COEFFICIENT_NAMES,
    COEFFICIENTS,
    IDENTITY_COEFFICIENTS,
    brennan_prediger,
    conger_kappa,
    fleiss_kappa,
    fleiss_kappa_h0,
    gwet_ac1,
    gwet_ac2,
    krippendorff_alpha,
    percent_agreement,
    randolph_kappa,
)
from .cohen import (
    cohen_kappa,
    cohen_kappa_matrix,
    contingency_table,
    light_kappa,
    pairwise_cohen,
    scott_pi,
    two_rater_coefficients,
)
from .compare import compare_agreement, compare_by, compare_groups
from .diagnostics import (
    krippendorff_band,
    landis_koch,
    max_kappa,
    paradox_diagnostics,
    prevalence,
    vote_spread,
)
from .multilabel import multilabel_alpha, per_label_agreement
from .per_annotator import human_ceiling, per_annotator_agreement
from .per_class import per_class_agreement
from .results import Coefficient, CoefficientTable
from .strata import (
    agreement_by,
    agreement_by_scheme,
    granularity_agreement,
    granularity_by_annotator,
)
from .table import TABLE_COLUMNS, agreement_summary, agreement_table

__all__ = [
    "benchmark",
    "benchmark_table",
    "alpha_thresholds",
    "compare_agreement",
    "compare_groups",
    "compare_by",
    "multilabel_alpha",
    "per_label_agreement",
    "Analysis",
    "Coefficient",
    "CoefficientTable",
    "IDENTITY_NOTE",
    "IDENTITY_COEFFICIENTS",
    "human_ceiling",
    "COEFFICIENTS",
    "COEFFICIENT_NAMES",
    "TABLE_COLUMNS",
    "agreement_table",
    "agreement_summary",
    "percent_agreement",
    "fleiss_kappa",
    "fleiss_kappa_h0",
    "randolph_kappa",
    "brennan_prediger",
    "conger_kappa",
    "gwet_ac1",
    "gwet_ac2",
    "krippendorff_alpha",
    "cohen_kappa",
    "scott_pi",
    "contingency_table",
    "two_rater_coefficients",
    "pairwise_cohen",
    "cohen_kappa_matrix",
    "light_kappa",
    "bootstrap_ci",
    "resample_weights",
    "per_class_agreement",
    "per_annotator_agreement",
    "agreement_by",
    "agreement_by_scheme",
    "granularity_agreement",
    "granularity_by_annotator",
    "prevalence",
    "max_kappa",
    "paradox_diagnostics",
    "landis_koch",
    "krippendorff_band",
    "vote_spread",
]
