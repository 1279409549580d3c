"""The annotation budget planner: how many votes per clip are needed, and
which clips deserve more.

* :func:`plan` re-aggregates k of each clip's ratings for k = 1, 2, ...
  (many seeded resamples) and reports agreement with the full-panel labels
  (and the truth, when known), UAR, the CI widths of alpha and AC1 and the
  cost; it simulates adaptive re-annotation on held-back votes against
  uniform spending and ranks the clips to send back.
* :func:`rank_soft_label_methods` ranks soft-label methods by how well one
  half of each clip's annotators predicts the other half;
  :func:`auto_soft_labels` builds the winner from every vote, with the
  choice recorded in its ``params`` (the sidecar of the export).
"""

from ._votes import PLAN_METHODS, Refitter, Votes
from .adaptive import STRATEGIES, next_clips, simulate_adaptive, uncertainty
from .per_k import PerK, clip_bootstrap, per_k_resampling
from .plan import TARGET_METRICS, Plan, adaptive_summary, parse_target, plan
from .soft_labels import (
    auto_soft_labels,
    ferplus_distribution,
    rank_soft_label_methods,
    recommend_soft_labels,
)

__all__ = [
    "plan",
    "Plan",
    "parse_target",
    "TARGET_METRICS",
    "PLAN_METHODS",
    "STRATEGIES",
    "Votes",
    "Refitter",
    "per_k_resampling",
    "PerK",
    "clip_bootstrap",
    "simulate_adaptive",
    "next_clips",
    "uncertainty",
    "adaptive_summary",
    "rank_soft_label_methods",
    "recommend_soft_labels",
    "auto_soft_labels",
    "ferplus_distribution",
]
