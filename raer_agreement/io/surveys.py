"""Survey exports: one row per respondent (the annotator), one column per question
(the item).

A Qualtrics CSV export (``StartDate, EndDate, Status, ..., ResponseId, Q1, Q2,
...``) is a raters x items table with the survey's own columns beside the
questions.  Its reader knows them:

* the two rows under the header (the question wording, then
  ``{"ImportId": ...}``) are no responses: they are skipped with a ledger
  entry;
* responses recorded as a preview, a test or spam (``Status``) are left out
  with a ledger entry each;
* the respondent is ``ResponseId`` (``--annotator-col`` names another, such as
  an embedded ``PROLIFIC_PID``);
* the items are the question columns: not the survey's metadata, not its
  ``Q_*`` scores, not the timing (``_First Click``, ``_Page Submit``, ...),
  ``_TEXT`` or ``_DO`` columns, and not columns whose values no question
  holds (embedded data); ``--label-col`` (repeated) names the questions
  instead.

Examples
--------
>>> import pandas as pd
>>> from raer_agreement.io.tables import RawTable
>>> frame = pd.DataFrame({
...     "StartDate": ["Start Date", '{"ImportId":"startDate"}', "2024-01-01", "2024-01-01"],
...     "Status": ["Response Type", '{"ImportId":"status"}', "IP Address", "Survey Preview"],
...     "ResponseId": ["Response ID", '{"ImportId":"_recordId"}', "R_1", "R_2"],
...     "Q1": ["Tweet 1?", '{"ImportId":"QID1"}', "pos", "neg"],
...     "Q2": ["Tweet 2?", '{"ImportId":"QID2"}', "neg", "neg"],
... })
>>> lf = qualtrics_to_long(RawTable(frame, "survey.csv"))
>>> lf.frame.values.tolist()
[['Q1', 'R_1', 'pos'], ['Q2', 'R_1', 'neg']]
>>> [(e.reason, e.count) for e in lf.entries]
[('survey_header_row', 2), ('survey_preview_or_test', 1)]
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from ..errors import InputError, name_list
from ..ledger import LedgerEntry
from . import layouts
from .longform import LongForm
from .wide import alien_columns

__all__ = ["qualtrics_to_long", "QUALTRICS_COLUMNS"]

#: the columns Qualtrics writes about each response, beside the questions
QUALTRICS_COLUMNS = frozenset(
    "StartDate EndDate Status IPAddress Progress Finished RecordedDate ResponseId "
    "RecipientLastName RecipientFirstName RecipientEmail ExternalReference LocationLatitude "
    "LocationLongitude DistributionChannel UserLanguage".split()
    + ["Duration (in seconds)"]
)

#: columns per question that are no answer: timing, display order, free text
_NOT_ANSWERS = ("_First Click", "_Last Click", "_Page Submit", "_Click Count", "_DO", "_TEXT")

#: ``Status`` of a response that no respondent gave (text and numeric exports)
_NOT_RESPONSES = frozenset(
    {"Survey Preview", "Survey Test", "Spam", "Preview Spam", "Offline Survey Preview"}
    | {"1", "2", "8", "9", "12", "17"}
)


def qualtrics_to_long(table, choices=None) -> LongForm:
    """A Qualtrics CSV export to the long form (see the module)."""
    frame, path = table.frame, table.path
    lines = table.row_lines()
    who = (choices.annotator if choices is not None else None) or "ResponseId"
    if who not in frame.columns:
        raise InputError(
            f"no respondent column {who!r}; name it with --annotator-col", path=path, line=1
        )
    header_row = _header_rows(frame, who)
    status = (
        frame["Status"].astype("string").str.strip()
        if "Status" in frame
        else pd.Series(pd.NA, index=frame.index, dtype="string")
    )
    not_response = (status.isin(_NOT_RESPONSES).fillna(False).to_numpy(bool)) & ~header_row
    entries = [
        LedgerEntry.of_rows(
            "survey_header_row",
            header_row,
            lines,
            "the export's question wording and ImportId rows under the header",
        ),
        LedgerEntry.of_rows(
            "survey_preview_or_test", not_response, lines, "a preview, test or spam response"
        ),
    ]
    keep = ~header_row & ~not_response
    items, notes = _question_columns(frame.loc[keep], who, choices, path)
    lf = layouts.raters_x_items_to_long(
        frame.loc[keep, [who, *items]].reset_index(drop=True),
        path=path,
        annotator_col=who,
        line_numbers=lines[keep],
    )
    notes = [
        f"qualtrics: annotator = {who}, {len(items)} question column(s) are the items",
        *notes,
        *lf.notes,
    ]
    return dataclasses.replace(
        lf,
        entries=[e for e in entries if e.count],
        notes=notes,
        extra_rows_read=int((~keep).sum()),
        file_rows=len(frame),
    )


def _header_rows(frame: pd.DataFrame, who: str) -> np.ndarray:
    """The rows under the header that are the export's own: the ``ImportId`` row
    (most cells ``{"ImportId": ...}``) and the wording row above it, or a first
    row naming the respondent column ``Response ID``."""
    out = np.zeros(len(frame), dtype=bool)
    head = frame.head(3).astype("string")
    import_id = head.apply(lambda c: c.str.strip().str.startswith('{"ImportId"')).fillna(False)
    for k in np.flatnonzero(import_id.mean(axis=1).to_numpy() >= 0.5):
        out[k] = True
        out[:k] = True  # the wording row(s) above it
    first = str(head[who].iloc[0]).strip() if len(head) else ""
    out[0] |= first in ("Response ID", "ResponseId")
    return out


def _question_columns(frame: pd.DataFrame, who: str, choices, path) -> tuple[list, list]:
    """The question columns and the notes on the columns left out."""
    named = list(choices.labels) if choices is not None and choices.labels else []
    if named:
        missing = [c for c in named if c not in frame.columns]
        if missing:
            raise InputError(
                f"no such question column; columns are: {name_list(list(frame.columns), 6)}",
                path=path,
                line=1,
                column=missing[0],
            )
        return named, []
    survey = [
        c
        for c in frame.columns
        if c != who
        and (c in QUALTRICS_COLUMNS or str(c).startswith("Q_") or str(c).endswith(_NOT_ANSWERS))
    ]
    rest = [c for c in frame.columns if c != who and c not in survey]
    embedded = alien_columns(frame, rest, min_filled=min(10, max(3, len(frame) // 2)))
    items = [c for c in rest if c not in embedded]
    if not items:
        raise InputError(
            "no question column beside the survey's own; name them with --label-col (repeated)",
            path=path,
            line=1,
        )
    notes = [f"qualtrics: survey columns left out: {name_list(survey, 4)}"] if survey else []
    if embedded:
        notes.append(
            f"qualtrics: columns {name_list(embedded, 4)} hold values no question holds "
            "(embedded data): left out"
        )
    return items, notes
