"""Turn wide tables, counts tables and Label Studio exports into the long form.

Each function returns the long frame plus what the ledger must know about
rows that never became ratings (cancelled annotations, empty cells).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError, name_list
from ..ledger import LedgerEntry
from ..taxonomy import NA_STRINGS
from ..wording import ITEM
from .long import ITEM_COLUMNS, find_column
from .longform import LongForm
from .platforms import labelstudio_answer, labelstudio_frame

__all__ = [
    "LongForm",
    "wide_to_long",
    "raters_x_items_to_long",
    "counts_to_long",
    "labelstudio_to_long",
]


def wide_to_long(
    frame: pd.DataFrame,
    *,
    path: str,
    item_col: str | None = None,
    first_line: int = 2,
    scheme: str = "label",
    line_numbers=None,
    rater_cols: Sequence | None = None,
) -> LongForm:
    """Rows are clips, columns annotators; an empty cell is no rating.

    Each non-empty cell becomes one rating; ``rows_read`` counts cells (the
    ledger's ``file_rows`` the rows), and
    empty cells are noted (not dropped: they never were ratings).
    ``rater_cols`` names the annotator columns when the table holds others
    (text, metadata): those are kept as item metadata.
    """
    cols = list(frame.columns)
    item_col = item_col or find_column(cols, ITEM_COLUMNS) or cols[0]
    if item_col not in cols:
        raise InputError("item column not found", path=path, line=1, column=item_col)
    if rater_cols:
        missing = [c for c in rater_cols if c not in cols]
        if missing:
            raise InputError(
                f"annotator column(s) not found: {name_list(missing)}; columns: {name_list(cols, 6)}",
                path=path,
                line=1,
            )
    raters = list(rater_cols) if rater_cols else [c for c in cols if c != item_col]
    if not raters:
        raise InputError(
            "a wide table needs annotator columns after the clip id", path=path, line=1
        )
    lines = (
        np.asarray(line_numbers)
        if line_numbers is not None
        else np.arange(first_line, first_line + len(frame))
    )
    values = frame[raters].astype(object).to_numpy()
    present = np.array(
        [
            [
                v is not None
                and not (isinstance(v, float) and np.isnan(v))
                and str(v).strip() not in NA_STRINGS
                for v in row
            ]
            for row in values
        ],
        dtype=bool,
    ).reshape(values.shape)
    r, c = np.nonzero(present)
    long = pd.DataFrame(
        {
            "item": frame[item_col].astype(str).to_numpy()[r],
            "annotator": np.asarray(raters, dtype=object)[c],
            scheme: values[r, c],
        }
    )
    notes = [
        f"wide layout: rows are clips ({item_col!r}), {len(raters)} annotator columns; "
        f"{int(present.sum())} filled cells became ratings, {int((~present).sum())} empty cells are no rating"
    ]
    items = None
    meta = [c for c in cols if c != item_col and c not in raters]
    if meta:
        items = frame[[item_col, *meta]].drop_duplicates(item_col).set_index(item_col)
        items.index = items.index.astype(str)
        items.index.name = "item_id"
        notes.append(f"wide layout: kept as item metadata: {name_list(meta, 6)}")
    return LongForm(
        long,
        lines[r],
        notes=notes,
        annotator_order=[str(x) for x in raters],
        items=items,
        file_rows=len(frame),
    )


def raters_x_items_to_long(
    frame: pd.DataFrame,
    *,
    path: str,
    annotator_col: str | None = None,
    first_line: int = 2,
    scheme: str = "label",
    line_numbers=None,
) -> LongForm:
    """Rows are annotators, columns items (``krippendorff.alpha``'s
    ``reliability_data``); an empty cell is no rating.

    ``annotator_col`` names the annotators; without it they are numbered by
    row (``rater_1``, ``rater_2``, ...) and every column is an item.

    Examples
    --------
    >>> m = pd.DataFrame({"i1": ["a", "b"], "i2": ["a", ""], "i3": ["b", "b"]})
    >>> lf = raters_x_items_to_long(m, path="m.csv")
    >>> lf.frame.values.tolist()
    [['i1', 'rater_1', 'a'], ['i2', 'rater_1', 'a'], ['i3', 'rater_1', 'b'], ['i1', 'rater_2', 'b'], ['i3', 'rater_2', 'b']]
    """
    cols = list(frame.columns)
    if annotator_col is not None and annotator_col not in cols:
        raise InputError("annotator column not found", path=path, line=1, column=annotator_col)
    if annotator_col is None:
        names = np.array([f"rater_{k + 1}" for k in range(len(frame))], dtype=object)
    else:
        names = frame[annotator_col].astype(str).str.strip().to_numpy(dtype=object)
    items = [c for c in cols if c != annotator_col]
    if not items:
        raise InputError("a raters x items table needs item columns", path=path, line=1)
    lines = (
        np.asarray(line_numbers)
        if line_numbers is not None
        else np.arange(first_line, first_line + len(frame))
    )
    values = frame[items].astype(object).to_numpy()
    text = pd.DataFrame(values).astype("string").apply(lambda c: c.str.strip())
    present = (text.notna() & ~text.apply(lambda c: c.isin(NA_STRINGS))).to_numpy(bool)
    r, c = np.nonzero(present)
    long = pd.DataFrame(
        {
            "item": np.asarray(items, dtype=object)[c],
            "annotator": names[r],
            scheme: values[r, c],
        }
    )
    who = f"named by {annotator_col!r}" if annotator_col else "numbered by row"
    notes = [
        f"wide layout, transposed (--transpose): rows are {len(frame)} annotators ({who}), "
        f"{len(items)} item columns; {int(present.sum())} filled cells became ratings, "
        f"{int((~present).sum())} empty cells are no rating"
    ]
    return LongForm(
        long,
        lines[r],
        notes=notes,
        annotator_order=[str(x) for x in names],
        file_rows=len(frame),
    )


#: Most votes one row of a counts table may hold.  Vote-count exports hold a few to a
#: few hundred per item (FER+ 10, CIFAR-10H about 50, ChaosNLI 100); columns of times,
#: ids or money read as counts hold far more, and expanding them would exhaust memory.
MAX_VOTES_PER_ROW = 10_000


def _check_vote_totals(counts: np.ndarray, frame, cat_cols, lines, path) -> None:
    """Refuse, before anything is expanded, a counts reading whose rows hold more votes
    than any vote-count export (the columns are then not counts of votes)."""
    if counts.size == 0:
        return
    totals = counts.sum(axis=1)
    k = int(np.argmax(totals))
    if totals[k] <= MAX_VOTES_PER_ROW:
        return
    j = int(np.argmax(counts[k]))
    raise InputError(
        f"{int(totals[k]):,} votes on one row (at most {MAX_VOTES_PER_ROW:,}): not vote "
        "counts; try --format long, or `raer-agreement inspect FILE`",
        path=path,
        line=int(lines[k]),
        column=str(cat_cols[j]),
        value=frame[cat_cols[j]].iloc[k],
    )


def counts_to_long(
    frame: pd.DataFrame,
    *,
    path: str,
    categories: list,
    item_col: str | None = None,
    first_line: int = 2,
    scheme: str = "label",
    line_numbers=None,
    count_cols: list | None = None,
    derived_cols: Sequence = (),
    meta_cols: Sequence = (),
) -> LongForm:
    """Rows are items, columns categories, cells vote counts (FER+, CIFAR-10H).

    Annotator identities are unknown: each vote fills a slot (``vote_1``,
    ``vote_2``, ... within its item), and the loader marks the result
    anonymous, so nothing that needs annotators is computed from it.

    Parameters
    ----------
    frame : DataFrame, shape (n_rows, n_columns)
    categories : list of str
        Category names, in order; ``count_cols[j]`` holds the votes for
        ``categories[j]`` (found by name when ``count_cols`` is omitted).
    item_col : str, optional
        Item id column; ``None`` numbers the items by row (1, 2, ...).
    derived_cols : list of str
        Columns ignored as derived summaries (noted in the ledger).
    meta_cols : list of str
        Columns kept as item metadata (e.g. FER+'s ``Usage`` split).
    """
    cols = list(frame.columns)
    if count_cols is None:
        item_col = item_col or find_column(cols, ITEM_COLUMNS) or cols[0]
        by_norm = {str(c).strip().casefold(): c for c in cols if c != item_col}
        count_cols = []
        for cat in categories:
            c = by_norm.get(str(cat).strip().casefold())
            if c is None:
                raise InputError(
                    f"counts table has no column for category {cat!r}", path=path, line=1
                )
            count_cols.append(c)
        derived_cols = [c for c in cols if c != item_col and c not in count_cols]
    cat_cols = list(count_cols)
    ignored = list(derived_cols)
    lines = (
        np.asarray(line_numbers)
        if line_numbers is not None
        else np.arange(first_line, first_line + len(frame))
    )
    counts = np.zeros((len(frame), len(cat_cols)), dtype=np.int64)
    for j, c in enumerate(cat_cols):
        v = (
            frame[c]
            .astype(object)
            .map(lambda x: "0" if x is None or str(x).strip() == "" else str(x).strip())
        )
        num = pd.to_numeric(v, errors="coerce")
        bad = num.isna() | (num < 0) | (num % 1 != 0)
        if bad.any():
            k = int(np.flatnonzero(bad.to_numpy())[0])
            raise InputError(
                "expected a non-negative whole number of votes",
                path=path,
                line=int(lines[k]),
                column=str(c),
                value=frame[c].iloc[k],
            )
        counts[:, j] = num.to_numpy().astype(np.int64)
    _check_vote_totals(counts, frame, cat_cols, lines, path)
    n, q = counts.shape
    if item_col is None:
        ids = np.arange(1, n + 1).astype(str).astype(object)
    else:
        ids = frame[item_col].astype(object).to_numpy()
    flat = counts.ravel()
    row = np.repeat(np.repeat(np.arange(n), q), flat)
    lab = np.repeat(np.tile(np.arange(q), n), flat)
    # slot of each vote within its item (an id on several rows keeps counting)
    item_of_vote = pd.Series(ids[row], dtype=object)
    pos = item_of_vote.groupby(item_of_vote, sort=False, dropna=False).cumcount().to_numpy()
    long = pd.DataFrame(
        {
            "item": ids[row],
            "annotator": np.char.add("vote_", (pos + 1).astype(str)).astype(object),
            scheme: np.asarray([str(c) for c in categories], dtype=object)[lab],
        }
    )
    tot = counts.sum(1)
    notes = [
        f"counts layout: {n} rows x {q} categories ({', '.join(map(str, categories))}) expanded "
        f"into {len(long)} votes; annotator identities are unknown (anonymous votes)"
    ]
    if item_col is None:
        notes.append("counts layout: no item id column; items are numbered by row (1, 2, ...)")
    elif item_col == "row_name":
        notes.append("counts layout: the unnamed first column (R row names) is the item id")
    if ignored:
        notes.append(
            "counts layout: columns ignored as derived summaries, not categories: "
            + ", ".join(map(str, ignored))
        )
    named = pd.Series(ids, dtype=object)
    present = named.notna() & (named.astype(str).str.strip() != "")
    dup = named[present].duplicated(keep=False)
    if dup.any():
        names = list(dict.fromkeys(named[present][dup]))
        notes.append(
            f"counts layout: {len(names)} {ITEM} id(s) occur on several rows "
            f"({', '.join(map(str, names[:8]))}{', ...' if len(names) > 8 else ''}); "
            f"their votes are added up into one {ITEM}"
        )
    sums = pd.Series(tot).value_counts()
    if len(sums) > 1 and len(sums) <= 5:
        notes.append(
            "counts layout: votes per row: "
            + ", ".join(f"{int(k)} on {int(v)} row(s)" for k, v in sums.sort_index().items())
        )
    empty = tot == 0
    if empty.any():
        notes.append(
            f"counts layout: {int(empty.sum())} row(s) with zero votes "
            f"(e.g. line {', '.join(map(str, lines[empty][:5]))}) give no rating"
        )
    items = None
    if len(meta_cols) and item_col is not None:
        meta = frame.loc[present.to_numpy(), [item_col, *meta_cols]].drop_duplicates(item_col)
        items = meta.set_index(item_col)
        items.index = items.index.astype(str).str.strip()
        items.index.name = "item_id"
        notes.append("counts layout: kept as item metadata: " + ", ".join(map(str, meta_cols)))
    # the ledger counts votes here: each vote is one rating read
    return LongForm(long, lines[row], notes=notes, items=items, file_rows=len(frame))


def labelstudio_to_long(data, *, path: str, item_field: str | None = None) -> LongForm:
    """A Label Studio JSON export (a list of tasks) to the long form.

    Each task's ``annotations`` become ratings: ``completed_by`` is the
    annotator, each ``choices`` result (its ``from_name`` is the scheme, or
    ``label`` when there is one control) gives the label.  Cancelled or
    skipped annotations (``was_cancelled``) and annotations without a choice
    are counted in the ledger, not used.  The clip id is
    ``data[item_field]`` (default: ``clip_id``/``frame_dir``/``video``... in
    ``data``, else the task ``id``).
    """
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list) or not all(isinstance(t, dict) for t in data):
        raise InputError("a Label Studio export is a JSON list of task objects", path=path)

    rows, lines = [], []
    n_cancelled = n_empty = 0
    cancelled_ex, empty_ex = [], []

    def bad(msg, t_idx, column, value):
        return InputError(
            f"{msg} (Label Studio export; 'line' is the task position)",
            path=path,
            line=t_idx,
            column=column,
            value=_short(value),
        )

    def list_field(obj, key, t_idx) -> list:
        value = obj.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise bad(f"{key!r} must be a list", t_idx, key, value)
        return value

    for t_idx, task in enumerate(data, start=1):
        tdata = task.get("data")
        if tdata is None:
            tdata = {}
        if not isinstance(tdata, dict):
            raise bad("task 'data' must be an object", t_idx, "data", tdata)
        key = item_field or find_column(list(tdata), ITEM_COLUMNS)
        item = tdata.get(key) if key else None
        if item is None:
            item = task.get("id")
        if item is None:
            raise InputError(
                "task has neither a clip id in 'data' nor an 'id'",
                path=path,
                line=t_idx,
                column="data",
            )
        if not _is_scalar(item):
            raise bad("the clip id must be a string or a number", t_idx, key or "id", item)
        for ann in list_field(task, "annotations", t_idx):
            if not isinstance(ann, dict):
                raise bad("each annotation must be an object", t_idx, "annotations", ann)
            who = ann.get("completed_by")
            if isinstance(who, dict):
                who = who.get("email") or who.get("id")
            if who is not None and not _is_scalar(who):
                raise bad(
                    "'completed_by' must be a user id, an e-mail or a user object",
                    t_idx,
                    "completed_by",
                    who,
                )
            if ann.get("was_cancelled") or ann.get("skipped"):
                n_cancelled += 1
                cancelled_ex.append(t_idx)
                continue
            row: dict = {"item": str(item), "annotator": None if who is None else str(who)}
            for res in list_field(ann, "result", t_idx):
                if not isinstance(res, dict):
                    raise bad("each result must be an object", t_idx, "result", res)
                # choices and taxonomy results (the platform readers know their shapes)
                answer = labelstudio_answer(res, lambda msg, col, v, t=t_idx: bad(msg, t, col, v))
                if answer is not None:
                    row[answer[0]] = answer[1]
            if len(row) == 2:
                n_empty += 1
                empty_ex.append(t_idx)
                continue
            rows.append(row)
            lines.append(t_idx)
    if not rows:
        raise InputError(
            "the Label Studio export holds no completed annotation with a choice", path=path
        )
    entries = []
    if n_cancelled:
        entries.append(
            LedgerEntry(
                "cancelled_annotation",
                n_cancelled,
                "annotation cancelled or skipped in Label Studio (task numbers given)",
                tuple(cancelled_ex[:20]),
            )
        )
    if n_empty:
        entries.append(
            LedgerEntry(
                "annotation_without_choice",
                n_empty,
                "annotation with no choices result (task numbers given)",
                tuple(empty_ex[:20]),
            )
        )
    notes = ["Label Studio export: 'line' numbers are task positions (1-based) in the JSON list"]
    return LongForm(
        labelstudio_frame(rows, notes),
        np.asarray(lines),
        entries=entries,
        notes=notes,
        extra_rows_read=n_cancelled + n_empty,
        file_rows=len(data),  # tasks: each holds its annotations
    )


def _is_scalar(v) -> bool:
    return isinstance(v, (str, int, float)) and not isinstance(v, bool)


def _short(v) -> str:
    text = json.dumps(v) if not isinstance(v, str) else v
    return text if len(text) <= 60 else text[:57] + "..."


def read_json_any(path: Path, text: str):
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise InputError(f"not valid JSON ({e.msg})", path=path, line=e.lineno) from None
