"""Container values in rating tables: lists in cells, and multi-select answers.

A label or an id is one scalar.  Exports hold more than that in a cell:

* **parallel lists** in one row: ``worker_ids: ["w1", "w2"]`` beside
  ``annotations: ["pos", "neg"]`` (JSON arrays in JSON Lines, Python-literal
  or JSON lists in CSV cells): one rating per element, pairs taken in order;
  an empty element is no rating (a ledger entry); lists of unequal lengths
  are refused with the row;
* **multi-select answers**: a list as one rating's answer (``['age', 'sex']``),
  or several answers in one cell separated by line breaks (a Figure Eight
  report) or by ``multi_sep``: the data are multi-label, and each option
  becomes one binary scheme (``1`` = chosen), as Prodigy's multiple choices
  are.  Every token of such a cell is an option (``NONE`` is a class there,
  not a missing value); only an empty cell is no answer;
* a container where nothing can expand it (a list of item ids, a JSON object)
  is refused in one line.

The scan runs over the distinct values of a column, never per row, so a table
without containers costs one pass over its distinct values.

Examples
--------
>>> parse_cell("['a77', 'a78']"), parse_cell('["x", null]'), parse_cell("[laughs]")
(['a77', 'a78'], ['x', None], None)
"""

from __future__ import annotations

import ast
import json
import sys
import weakref
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import InputError
from ..ledger import LedgerEntry
from ..taxonomy import natural_sort

__all__ = ["parse_cell", "cut", "Expanded", "expand_containers", "NEWLINE"]

#: the separator of a Figure Eight multi-select cell
NEWLINE = "\n"

_OPEN = {"[": "]", "(": ")", "{": "}"}


def cut(value, width: int = 40) -> str:
    """``repr`` of a value on one line, cut to ``width`` characters with ``…``.

    >>> cut("x" * 100, 10)
    "'xxxxxxxx…"
    """
    text = repr(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def parse_cell(text) -> list | tuple | dict | None:
    """The list, tuple or dict a cell's text spells (JSON or a Python literal),
    else None (the text is a scalar).

    >>> parse_cell("(1, 2)"), parse_cell('{"a": 1}'), parse_cell("(3)")
    ((1, 2), {'a': 1}, None)
    """
    if not isinstance(text, str):
        return text if isinstance(text, (list, tuple, dict)) else None
    text = text.strip()
    if len(text) < 2 or _OPEN.get(text[0]) != text[-1]:
        return None
    for parse in (json.loads, ast.literal_eval):
        try:
            value = parse(text)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            continue
        return value if isinstance(value, (list, tuple, dict)) else None
    return None


@dataclass
class Expanded:
    """A long frame whose cells are scalars again, and what the ledger must know.

    Attributes
    ----------
    frame : DataFrame
        Item, annotator and label columns, one row per rating.
    lines : ndarray of int
        The file line of each row (the line of the row its list came from).
    mapping : dict
        Label column -> scheme, with one binary scheme per option of a
        multi-select column.
    binary : dict
        Scheme -> ``["0", "1"]`` for each binary scheme made here.
    entries, notes : list
    extra_rows_read : int
        Rows that held no element at all (they are read, not rated).
    """

    frame: pd.DataFrame
    lines: np.ndarray
    mapping: dict
    binary: dict = field(default_factory=dict)
    entries: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    extra_rows_read: int = 0


def _scalar_text(v):
    """An element as label text (None when it is no value)."""
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return None
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    text = str(v).strip()
    return text or None


class _Column:
    """A column's distinct values, each parsed once."""

    def __init__(self, series: pd.Series, distinct=None):

        self.codes, uniques = distinct if distinct is not None else raw_factorize(series)
        self.values = np.asarray(uniques, dtype=object)
        text = pd.Series(self.values, dtype=object)
        is_text = text.map(type).eq(str).to_numpy(bool)
        self.text = text.where(is_text, "").astype(str).str.strip()
        # only values that open and close a bracket are parsed (a vectorised first look)
        ends = self.text.str[:1] + self.text.str[-1:]
        candidate = ends.isin(["[]", "()", "{}"]).to_numpy(bool) | ~is_text
        self.parsed: list = [None] * len(self.values)
        for k in np.flatnonzero(candidate):
            self.parsed[k] = parse_cell(self.values[k])
        self.is_list = np.array([isinstance(p, (list, tuple)) for p in self.parsed], dtype=bool)
        self.is_dict = np.array([isinstance(p, dict) for p in self.parsed], dtype=bool)

    def split_by(self, sep: str) -> None:
        """Read every text value as a list joined by ``sep`` (``"a1,a2"``)."""
        for k, t in enumerate(self.text):
            if isinstance(self.values[k], str) and t and self.parsed[k] is None:
                self.parsed[k] = [x.strip() for x in t.split(sep)]
        self.is_list = np.array([isinstance(p, (list, tuple)) for p in self.parsed], dtype=bool)

    def has_sep(self, sep: str) -> bool:
        return bool(self.text.str.contains(sep, regex=False).any())

    def first_row(self, mask_distinct: np.ndarray) -> int:
        return int(np.flatnonzero(mask_distinct[np.maximum(self.codes, 0)] & (self.codes >= 0))[0])


def expand_containers(
    frame: pd.DataFrame,
    *,
    item_col: str,
    annotator_col: str,
    mapping: dict,
    lines: np.ndarray,
    path,
    multi_sep: str | None = None,
    declared: dict | None = None,
    distinct: dict | None = None,
) -> Expanded | None:
    """Expand parallel lists and multi-select answers; None when no cell holds one.

    Parameters
    ----------
    frame : DataFrame
        A long table (one row per rating, or one row per item with lists).
    item_col, annotator_col : str
    mapping : dict
        Label column -> scheme.
    lines : ndarray of int
        File line of each row.
    path : str
        For refusals.
    multi_sep : str, optional
        Separator of multi-select answers in one cell (line breaks always are).
    declared : dict, optional
        Scheme -> declared categories: the options of a multi-select scheme.
    distinct : dict, optional
        Column -> its ``pandas.factorize`` (codes, uniques), when already made.

    Returns
    -------
    Expanded or None

    Raises
    ------
    InputError
        A list or object where it cannot be expanded, lists of unequal
        lengths in one row, nested lists inside an answer.
    """
    cols, multi = _scan(frame, item_col, annotator_col, mapping, distinct or {}, multi_sep)
    if not any(col.is_list.any() or col.is_dict.any() for col in cols.values()) and not any(
        multi.values()
    ):
        return None
    for c, col in cols.items():
        _refuse_objects(col, c, lines, path)
    _refuse_listed_item(frame, cols[item_col], item_col, lines, path)
    rows, elements, entries, extra, notes = _elements(
        frame, cols, annotator_col, mapping, lines, path
    )
    out = {item_col: frame[item_col].to_numpy(dtype=object)[rows]}
    out[annotator_col] = elements[annotator_col]
    new_mapping, binary = _answers(
        out, elements, mapping, multi, declared or {}, lines, path, notes
    )
    expanded = pd.DataFrame(out, dtype=object)
    return Expanded(expanded, np.asarray(lines)[rows], new_mapping, binary, entries, notes, extra)


def _scan(frame, item_col, annotator_col, mapping, distinct, multi_sep):
    """Each id and label column scanned once over its distinct values, and the
    separator of multi-select answers found in each label column (or None)."""
    cols = {
        c: _Column(frame[c], distinct.get(c))
        for c in dict.fromkeys([item_col, annotator_col, *mapping])
    }
    seps = [NEWLINE] + ([multi_sep] if multi_sep else [])
    multi = {c: next((s for s in seps if cols[c].has_sep(s)), None) for c in mapping}
    if multi_sep and cols[annotator_col].has_sep(multi_sep):
        # annotators joined by the separator too: parallel lists (LeWiDi flattened into
        # a table), one annotator and one answer per element, not multi-select answers
        for c in dict.fromkeys([annotator_col, *mapping]):
            cols[c].split_by(multi_sep)
        multi = {c: None for c in mapping}
    return cols, multi


def _refuse_listed_item(frame, item: _Column, item_col: str, lines, path) -> None:
    """A row is one item: a list as its id is refused."""
    if item.is_list.any():
        k = item.first_row(item.is_list)
        raise InputError(
            "the item id is a list: a row is one item, so its id must be one value; name "
            "the id column with --item-col",
            path=path,
            line=int(lines[k]),
            column=item_col,
            value=cut(frame[item_col].iloc[k]),
        )


def _elements(frame, cols, annotator_col, mapping, lines, path):
    """The row and the annotator and answer values of each rating: one per
    element of parallel lists, else one per row."""
    notes: list = []
    entries: list = []
    extra = 0
    if cols[annotator_col].is_list.any():
        rows, elements, entries, extra = _parallel(frame, cols, annotator_col, mapping, lines, path)
        notes.append(
            f"parallel lists: {annotator_col!r} and {', '.join(map(repr, mapping))} hold one "
            f"element per rating ({len(rows)} ratings from {len(frame) - extra} rows)"
        )
    else:
        rows = np.arange(len(frame))
        elements = {c: _cell_values(cols[c])[cols[c].codes] for c in [annotator_col, *mapping]}
        for c in mapping:
            if cols[c].is_list.any():
                notes.append(f"column {c!r}: each cell is a list, one rating's answer")
    return rows, elements, entries, extra, notes


def _answers(out, elements, mapping, multi, declared, lines, path, notes):
    """The answer columns into ``out``: one value per rating, or multi-select
    answers as one binary scheme per option; the new column -> scheme mapping
    and the binary schemes' categories."""
    new_mapping: dict = {}
    binary: dict = {}
    n_multi = sum(1 for c in mapping if _is_multi(elements[c], multi[c]))
    for c, scheme in mapping.items():
        values = elements[c]
        if not _is_multi(values, multi[c]):
            out[c] = np.array([_single(v) for v in values], dtype=object)
            new_mapping[c] = scheme
            continue
        options, table = _binary(values, multi[c], declared.get(scheme), c, path, lines)
        names = (
            options
            if n_multi == 1 and not set(options) & set(mapping.values())
            else [f"{scheme}:{o}" for o in options]
        )
        for name, column in zip(names, table):
            key = f"\x00{c}\x00{name}"
            out[key] = column
            new_mapping[key] = name
            binary[name] = ["0", "1"]
        how = (
            "line breaks"
            if multi[c] == NEWLINE
            else ("lists" if multi[c] is None else f"{multi[c]!r}")
        )
        notes.append(
            f"column {c!r}: multi-select answers (separated by {how}): multi-label data, one "
            f"binary scheme per option ({', '.join(names[:6])}{', ...' if len(names) > 6 else ''}"
            "); every token is an option, only an empty cell is no answer"
        )
    return new_mapping, binary


def _refuse_objects(col: _Column, name: str, lines, path) -> None:
    if col.is_dict.any():
        k = col.first_row(col.is_dict)
        raise InputError(
            "a JSON object where one value is expected: name the field that holds the "
            "value (--item-col, --annotator-col, --label-col)",
            path=path,
            line=int(lines[k]),
            column=name,
            value=cut(col.values[col.codes[k]]),
        )


def _cell_values(col: _Column) -> np.ndarray:
    """Per distinct value: the parsed list as a tuple, else the stripped text."""
    out = [
        tuple(p) if isinstance(p, (list, tuple)) else (None if v is None else str(v).strip())
        for v, p in zip(col.values, col.parsed)
    ]
    return np.array(out + [None], dtype=object)  # code -1 (missing) reads the last slot


def _parallel(frame, cols, annotator_col, mapping, lines, path):
    """One rating per element of the annotator list and of each label list."""
    lengths = {}
    for c in [annotator_col, *mapping]:
        col = cols[c]
        per_value = np.array([len(p) if isinstance(p, (list, tuple)) else -1 for p in col.parsed])
        per_value = np.append(per_value, 0)  # a missing cell holds no element
        lengths[c] = per_value[col.codes]
    n = lengths[annotator_col]
    for c in mapping:
        bad = lengths[c] != n
        # a missing label cell beside a list of annotators: their ratings are all missing
        bad &= ~(cols[c].codes < 0)
        if bad.any():
            k = int(np.flatnonzero(bad)[0])
            what = "no list" if lengths[c][k] < 0 else f"{lengths[c][k]} elements"
            raise InputError(
                f"{annotator_col!r} holds {max(n[k], 0)} elements but {c!r} holds {what}: "
                "parallel lists must pair one annotator with one answer",
                path=path,
                line=int(lines[k]),
                column=c,
                value=cut(frame[c].iloc[k]),
            )
    n = np.maximum(n, 0)
    rows = np.repeat(np.arange(len(frame)), n)
    start = np.cumsum(n) - n
    position = np.arange(len(rows)) - np.repeat(start, n)
    elements = {}
    for c in [annotator_col, *mapping]:
        col = cols[c]
        flat = [e for p in col.parsed if isinstance(p, (list, tuple)) for e in p]
        sizes = np.array([len(p) if isinstance(p, (list, tuple)) else 0 for p in col.parsed])
        offset = np.cumsum(sizes) - sizes
        codes = col.codes[rows]
        if c in mapping and (codes < 0).any():
            flat.append(None)
            index = np.where(codes >= 0, offset[np.maximum(codes, 0)] + position, len(flat) - 1)
        else:
            index = offset[codes] + position
        values = np.empty(len(flat), dtype=object)
        values[:] = [tuple(e) if isinstance(e, (list, tuple)) else e for e in flat]
        elements[c] = values[index] if len(flat) else np.empty(0, dtype=object)
    elements[annotator_col] = np.array(
        [_scalar_text(e) if not isinstance(e, tuple) else e for e in elements[annotator_col]],
        dtype=object,
    )
    nested = np.array([isinstance(e, tuple) for e in elements[annotator_col]], dtype=bool)
    if nested.any():
        k = int(rows[np.flatnonzero(nested)[0]])
        raise InputError(
            "an annotator id inside the list is itself a list",
            path=path,
            line=int(lines[k]),
            column=annotator_col,
            value=cut(frame[annotator_col].iloc[k]),
        )
    entries, extra = [], 0
    empty = n == 0
    if empty.any():
        extra = int(empty.sum())
        entries.append(
            LedgerEntry(
                "empty_lists",
                extra,
                f"row whose list in {annotator_col!r} holds no annotator: no rating",
                tuple(np.asarray(lines)[empty][:20].tolist()),
            )
        )
    return rows, elements, entries, extra


def _is_multi(values: np.ndarray, sep: str | None) -> bool:
    if sep is not None:
        return True
    return any(isinstance(v, tuple) and len(v) > 1 for v in values)


def _single(v):
    """A one-label answer: a list of one element is its element, an empty list none."""
    if isinstance(v, tuple):
        if len(v) > 1:
            raise AssertionError("multi-select answer read as one label")
        return _scalar_text(v[0]) if v else None
    return _scalar_text(v)


def _answer_set(v, sep: str | None):
    """The options chosen in one answer (None: no answer)."""
    if v is None:
        return None
    if isinstance(v, tuple):
        tokens = [_scalar_text(e) for e in v]
    else:
        tokens = [t.strip() for t in str(v).split(sep)] if sep else [str(v).strip()]
    chosen = frozenset(t for t in tokens if t)
    return chosen or None


def _binary(values, sep, declared, column, path, lines):
    """Options of a multi-select column and one 0/1 column per option."""
    nested = [
        v
        for v in values
        if isinstance(v, tuple) and any(isinstance(e, (list, tuple, dict)) for e in v)
    ]
    if nested:
        raise InputError(
            "an answer list holds lists: expected the options chosen",
            path=path,
            column=column,
            value=cut(nested[0]),
        )
    sets = [_answer_set(v, sep) for v in values]
    codes, uniques = pd.factorize(pd.Series(sets, dtype=object), use_na_sentinel=True)
    seen = natural_sort({o for s in uniques for o in s})
    options = [str(o).strip() for o in declared] if declared else seen
    unknown = sorted(set(seen) - set(options))
    if unknown:
        k = int(np.flatnonzero([s is not None and unknown[0] in s for s in sets])[0])
        raise InputError(
            f"option {cut(unknown[0], 30)} is not a declared category ({len(options)} declared)",
            path=path,
            line=int(lines[k]),
            column=column,
        )
    member = np.array([[o in s for o in options] for s in uniques], dtype=bool).reshape(
        len(uniques), len(options)
    )
    text = np.vstack([np.where(member, "1", "0").astype(object), np.full(len(options), None)])
    per_row = text[np.where(codes < 0, len(uniques), codes)]
    return options, [per_row[:, j] for j in range(len(options))]


def raw_factorize(column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """``pandas.factorize`` of a column, codes as narrow as they fit; Python
    lists or dicts in it (a DataFrame a caller built) are factorised by their
    JSON text.

    A column backed by an Arrow array is factorised once: the missing-token
    scan of the raw table and the validator both need its distinct values,
    and hashing three million distinct clip ids takes seconds.  The result is
    kept while the Arrow array lives (renamed or selected columns share it)
    and is read-only.
    """
    arrow = getattr(column.array, "_pa_array", None)
    known = _FACTORIZED.get(id(arrow)) if arrow is not None else None
    if known is not None and known[0]() is arrow:
        return known[1], known[2]
    try:
        codes, uniques = pd.factorize(column, use_na_sentinel=True)
    except TypeError:
        text = column.map(lambda v: json.dumps(v) if isinstance(v, (list, dict)) else v)
        codes, uniques = pd.factorize(text, use_na_sentinel=True)
    codes = narrow_codes(codes, len(uniques))
    if arrow is not None:
        return_arrow_memory()  # the hash table of the encoding
        codes.setflags(write=False)
        key = id(arrow)
        _FACTORIZED[key] = (weakref.ref(arrow), codes, uniques)
        weakref.finalize(arrow, _FACTORIZED.pop, key, None)
    return codes, uniques


def return_arrow_memory() -> None:
    """Hand the blocks Arrow's memory pool has freed back to the system: the
    pool keeps them for reuse, and the peak of a large read is what they add
    to the table it holds."""
    arrow = sys.modules.get("pyarrow")
    if arrow is not None:
        arrow.default_memory_pool().release_unused()


# id of an Arrow array -> (weak reference to it, codes, uniques)
_FACTORIZED: dict[int, tuple] = {}


def narrow_codes(codes: np.ndarray, n_values: int) -> np.ndarray:
    """Codes ``-1 .. n_values - 1`` in int32 when they fit: half the memory of
    pandas' int64 for the ten million rows of a large file.

    Examples
    --------
    >>> narrow_codes(np.array([0, 2, -1]), 3).dtype
    dtype('int32')
    """
    return codes.astype(np.int32, copy=False) if n_values < 2**31 - 1 else codes
