"""Wide tables: which column is the clip's key, and which columns are raters.

A wide table has one row per clip and one column per annotator.  Beside the
raters an export often keeps columns of the clip's own (its split, a year,
the number of ratings, a gold or majority label), which read as an annotator
would be silently wrong: :func:`check_rater_columns` refuses such a column,
naming the flag that settles it.  :func:`clip_key` and
:func:`wide_item_column` find the clip's key, or read the rows as the clips
when there is none (a table of raters only).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ..errors import InputError, name_list
from ..taxonomy import NA_STRINGS
from .detect import header_words
from .long import ITEM_COLUMNS, find_column

__all__ = [
    "alien_columns",
    "annotator_names_column",
    "check_rater_columns",
    "clip_key",
    "wide_item_column",
]


def clip_key(frame, item, opts: dict, path, notes: list) -> str | None:
    """The item column of a one-row-per-item table (counts, wide).  Ids repeated
    on a few rows are added up (FER+ has four names on two rows); an id repeated
    on many rows is not the key: the unique unnamed leading column is (with a
    note), else the table is refused naming the flags."""
    if item is None or opts.get("item_col") is not None:
        return item
    ids = frame[item].astype("string").str.strip()
    ids = ids[ids.notna() & (ids != "")]
    dup = int(ids.duplicated().sum())
    if dup <= max(5, 0.01 * len(ids)):
        return item
    unique = [
        c
        for c in frame.columns
        if c != item
        and frame[c].astype("string").str.strip().replace("", pd.NA).notna().all()
        and frame[c].nunique() == len(frame)
        and not _label_like_column(frame, c)
    ]
    if "row_name" in unique:
        notes.append(
            f"item id: {item!r} repeats on {dup} of {len(ids)} rows, so it is not the key; "
            "the unnamed leading column (unique on every row) is the item id"
        )
        return "row_name"
    raise InputError(
        f"item ids in column {item!r} repeat on {dup} of {len(ids)} rows: not the key of a "
        "one-row-per-item table; name a unique id with --item-col"
        + (f" ({name_list(unique, 3)})" if unique else "")
        + ", or pass --format long --anonymous if each row is one rating",
        path=path,
        line=1,
    )


def wide_item_column(table, item_key, raters, opts: dict, notes: list):
    """The item column of a wide table, and the table (with a ``line`` column
    when the rows are the items).

    With no item column named or found, the first column is the id unless it
    holds labels like the columns beside it (most of its values are theirs
    and they repeat): then every column is a rater's, as in irrCAC's tables
    of raters only, and each row is one item, named by its line in the file.
    """
    frame = table.frame
    if item_key is not None:
        return frame, item_key
    cols = list(frame.columns)
    found = find_column(cols, ITEM_COLUMNS)
    if found is not None:
        return frame, found
    first, rest = cols[0], [c for c in cols[1:] if raters is None or c in raters]
    values = frame[first].astype("string").str.strip().replace("", pd.NA).dropna()
    repeats = len(values) and values.nunique() <= 0.5 * len(values)
    if rest and repeats and _overlap(frame, first, rest) >= 0.5:
        lines = (
            np.asarray(table.line_numbers)
            if table.line_numbers is not None
            else np.arange(table.first_line, table.first_line + len(frame))
        )
        name = next(n for n in ("line", "row_line", "file_line") if n not in cols)
        notes.append(
            f"wide layout: no item id column ({first!r} holds labels like the columns beside "
            f"it): each row is one item, named by its line in the file ({name!r})"
        )
        return frame.assign(**{name: lines.astype(str)})[[name, *cols]], name
    return frame, clip_key(frame, first, opts, table.path, notes)


def _label_like_column(frame, column) -> bool:
    """True for a column of whole numbers (a count or a code), not an id."""
    return bool(frame[column].astype("string").str.strip().str.fullmatch(r"\d{1,3}").all())


def _overlap(frame, column, others) -> float:
    """Share of a column's distinct values that some other column holds too."""
    mine = set(frame[column].astype("string").str.strip().dropna()) - {""}
    if not mine:
        return 1.0
    theirs = set()
    for c in others:
        if c != column:
            theirs |= set(frame[c].astype("string").str.strip().dropna())
    return len(mine & theirs) / len(mine)


_RATERS_FLAG = (
    "name the rater columns with --annotator-col (repeated; the rest becomes clip metadata)"
)


#: header words of a label that summarises or replaces the raters' (gold, hard_label,
#: an expert's reference, a model's prediction); a word that several columns share
#: (``expert_1``, ``expert_2``) names raters instead
_LABEL_WORDS = frozenset(
    "gold golden truth groundtruth ground gt true majority consensus aggregated aggregate "
    "adjudicated final hard mv expert reference target label labels class answer correct "
    "y silver predicted prediction pred".split()
)


def _summary_label_column(cols) -> str | None:
    """The one column whose header has a summary-label word no other column has."""
    words = [set(header_words(str(c))) for c in cols]
    for c, mine in zip(cols, words):
        lone = (mine & _LABEL_WORDS) - set().union(*(w for w in words if w is not mine))
        if lone:
            return c
    return None


def _proportions(cells: np.ndarray) -> bool:
    """Whether the cells are numbers, not all whole, whose rows add up to 1 or 100
    (a soft-label table: each column a category, each cell its share)."""
    numbers = pd.to_numeric(pd.Series(cells.ravel(), dtype=object), errors="coerce").to_numpy()
    numbers = numbers.reshape(cells.shape)
    given = ~pd.isna(cells)
    if not given.any() or not np.isfinite(numbers[given]).all():
        return False
    if (numbers[given] % 1 == 0).all():
        return False
    sums = np.nansum(np.where(given, numbers, np.nan), axis=1)
    return bool(
        (np.isclose(sums, 1, atol=0.011).mean() >= 0.95)
        or (np.isclose(sums, 100, atol=1.1).mean() >= 0.95)
    )


def _cells(frame, cols) -> np.ndarray:
    """The stripped cells of ``cols`` as an object array, None where empty or NA."""
    out = np.empty((len(frame), len(cols)), dtype=object)
    for j, c in enumerate(cols):
        v = frame[c].astype("string").str.strip()
        keep = (v.notna() & (v != "") & ~v.isin(NA_STRINGS)).to_numpy(bool)
        col = v.astype(object).to_numpy(object, copy=True)
        col[~keep] = None
        out[:, j] = col
    return out


def _not_a_rater(cells: np.ndarray, j: int) -> str | None:
    """Why column ``j`` of a wide table's cells is no annotator's, or None.

    Every rater column labels clips from one shared label set, and no rater
    is the others' summary.  A column breaks that when most of its values
    occur in no other column (a split, a year, a source); when it equals
    the number of filled cells beside it (a count of ratings); or when it
    equals the plurality label of the other columns on nearly every clip
    where they have one, far more often than the raters themselves do (a
    majority or gold label).
    """
    col = cells[:, j]
    filled = np.array([v is not None for v in col])
    if filled.sum() < 10:
        return None
    others = np.delete(cells, j, axis=1)
    theirs = {v for v in others.ravel() if v is not None}
    alien = np.array([v not in theirs for v in col[filled]])
    if alien.mean() >= 0.5:
        shown = name_list(sorted({str(v) for v in col[filled][alien]})[:3], 3)
        return f"most of its values ({shown}) occur in no other column"
    n_filled = (others != None).sum(axis=1)  # noqa: E711 - elementwise on objects
    as_number = pd.to_numeric(pd.Series(col[filled], dtype=object), errors="coerce").to_numpy()
    if np.isfinite(as_number).all() and np.array_equal(as_number, n_filled[filled]):
        return "it counts the filled cells of its row (the number of ratings)"
    return None


def alien_columns(frame: pd.DataFrame, cols: list, min_filled: int = 10) -> list:
    """The columns of ``cols`` (``min_filled`` filled cells or more) most of
    whose values occur in no other of ``cols``: a date, a duration, an id
    beside columns of labels.  In a raters x items table they are the raters'
    attributes, not items.  When they are a third of the columns or more the
    values are a continuous scale (a slider), not labels, and none is named.

    >>> f = pd.DataFrame({"q1": list("ab" * 6), "q2": list("ba" * 6), "q3": list("aabb" * 3),
    ...                   "seconds": [str(60 + k) for k in range(12)]})
    >>> alien_columns(f, ["q1", "q2", "q3", "seconds"])
    ['seconds']
    """
    cells = _cells(frame, cols)
    filled = pd.notna(cells)
    # in how many columns each value occurs
    seen: dict = {}
    for j in range(len(cols)):
        for v in set(cells[filled[:, j], j]):
            seen[v] = seen.get(v, 0) + 1
    out = []
    for j, c in enumerate(cols):
        mine = cells[filled[:, j], j]
        if len(mine) >= min_filled and np.mean([seen[v] == 1 for v in mine]) >= 0.5:
            out.append(c)
    return out if len(out) < len(cols) / 3 else []


def _plurality_agreement(cells: np.ndarray) -> np.ndarray:
    """For each column, the share of rows where it equals the strict plurality
    label of the other columns (nan where fewer than 20 rows have one)."""
    rates = np.full(cells.shape[1], np.nan)
    for j in range(cells.shape[1]):
        hits = total = 0
        for row in range(cells.shape[0]):
            v = cells[row, j]
            if v is None:
                continue
            votes = pd.Series([x for x in np.delete(cells[row], j) if x is not None])
            if len(votes) < 2:
                continue
            top = votes.value_counts()
            if len(top) > 1 and top.iloc[0] == top.iloc[1]:
                continue
            total += 1
            hits += top.index[0] == v
        if total >= 20:
            rates[j] = hits / total
    return rates


def check_rater_columns(frame, item, raters, path) -> None:
    """Refuse a wide reading whose annotator columns include ids, text or a
    clip's own attributes (a split, a count, a majority label): the reading
    would count them as annotators and their values as labels."""
    if raters is not None:
        return
    cols = [c for c in frame.columns if c != item]
    odd = []
    for c in cols:
        s = frame[c].astype("string").str.strip().replace("", pd.NA).dropna()
        if len(s) >= 10 and s.nunique() >= 0.9 * len(s) and _overlap(frame, c, cols) < 0.5:
            odd.append(c)
    if odd:
        raise InputError(
            f"column(s) {name_list(odd, 3)} hold a different value on every row (ids or text, "
            f"not an annotator's labels): {_RATERS_FLAG} and the id with --item-col",
            path=path,
            line=1,
        )
    if len(cols) < 3:
        return
    named = _summary_label_column(cols)
    if named is not None:
        raise InputError(
            f"column {named!r} is named as a derived, gold or reference label, not an "
            f"annotator; {_RATERS_FLAG}",
            path=path,
        )
    cells = _cells(frame, cols)
    if _proportions(cells):
        raise InputError(
            f"the columns {name_list(cols, 3)} hold shares that add up to 1 (or 100) on "
            "each row: a soft-label table of categories, not annotators' labels; only vote "
            "counts can be read (--format counts)",
            path=path,
        )
    for j, c in enumerate(cols):
        why = _not_a_rater(cells, j)
        if why is not None:
            raise InputError(f"column {c!r} is no annotator's: {why}; {_RATERS_FLAG}", path=path)
    if len(frame) <= 5_000:  # the plurality check is per row: tables of clips, not crowds
        rates = _plurality_agreement(cells)
        # a derived majority equals the others' plurality wherever they have one
        # (ties aside); a good rater does not, among four or more
        if np.isfinite(rates).sum() >= 4:
            j = int(np.nanargmax(rates))
            median = float(np.nanmedian(np.delete(rates, j)))
            if rates[j] >= 0.99 and rates[j] - median >= 0.1:
                raise InputError(
                    f"column {cols[j]!r} is no annotator's: it equals the others' majority "
                    f"label on {rates[j]:.0%} of clips (raters: {median:.0%} median), a derived "
                    f"or gold label; {_RATERS_FLAG}",
                    path=path,
                )


def _header_outlier(cols) -> str | bool | None:
    """What the header says about a names column of a raters x items table.

    Item columns exported from one matrix share one numbered pattern once the
    digits are set aside (``ratings.1``, ``ratings.2``, ...; ``c1``, ``c2``):
    every header of that pattern means no names column (``False``); one other
    header without a number besides them names the annotators; anything else
    leaves the values to tell (``None``).
    """
    stems = [re.sub(r"\d+", "#", str(c).strip().lower()) for c in cols]
    numbered = {s for s in stems if "#" in s}
    plain = [c for c, s in zip(cols, stems) if "#" not in s]
    if len(numbered) != 1:
        return None
    if not plain:
        return False
    return plain[0] if len(plain) == 1 else None


def annotator_names_column(frame, path) -> str | None:
    """In a raters x items table, the column that names the annotators: the one
    header outside the item columns' pattern, else the one column whose values
    no other column holds; several such columns are refused."""
    cols = list(frame.columns)
    by_header = _header_outlier(cols)
    if by_header is False:
        return None
    if isinstance(by_header, str):
        return by_header
    if len(cols) < 3:
        return None
    # a column with no name in the header cannot name an item
    unnamed = [c for c in cols if re.fullmatch(r"row_name|column_\d+", str(c))]
    odd = [c for c in cols if c in unnamed or _overlap(frame, c, cols) < 0.5]
    if len(odd) > 1:
        raise InputError(
            f"columns {name_list(odd, 3)} share no values with the item columns (ids or "
            "text, not items): name the annotator column with --annotator-col (the others "
            "are then read as the annotators' attributes)",
            path=path,
            line=1,
        )
    return odd[0] if odd else None
