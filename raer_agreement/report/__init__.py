"""The agreement report: ``report.html`` (one self-contained page with
plots), ``report.md`` and ``report.json`` (validated against
``data_schema/report.schema.json``), plus the final-label and soft-label
exports of the chosen aggregation method. The pages are drawn from the
document alone: :func:`render_report` re-renders them from ``report.json``.

Plots are also available one by one in :mod:`raer_agreement.report.plots`
(each takes ``ax=None`` and returns the Axes) for notebooks.
"""

from __future__ import annotations

from .builder import CONTEXT_COLUMNS, Report, build_report, human_ceiling
from .writer import render_report, report_schema, validate_report, write_report

__all__ = [
    "Report",
    "build_report",
    "write_report",
    "render_report",
    "human_ceiling",
    "report_schema",
    "validate_report",
    "CONTEXT_COLUMNS",
]
