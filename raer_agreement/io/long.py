"""Validate a long ratings table (one row per clip x annotator) into
:class:`~raer_agreement.annotations.Annotations`.

Every other layout (wide, counts, Label Studio) is first turned into this
long form, so the checks and the ledger live in one place.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ..annotations import Annotations
from ..errors import InputError, name_list, quote
from ..ledger import Ledger, LedgerEntry
from ..taxonomy import NA_STRINGS, Taxonomy, _norm, default_taxonomy, natural_order, natural_sort
from ..wording import ITEM
from .containers import expand_containers, narrow_codes, raw_factorize, return_arrow_memory
from .invariants import repeats_problem
from .policies import DUPLICATE_POLICIES, INCONSISTENT_POLICIES, UNKNOWN_POLICIES

__all__ = [
    "annotations_from_long",
    "ITEM_COLUMNS",
    "ANNOTATOR_COLUMNS",
    "LABEL_COLUMNS",
    "find_column",
    "parse_label_cols",
]

ITEM_COLUMNS = (
    "clip_id",
    "clip",
    "item_id",
    "item",
    "task_id",
    "task",
    "video",
    "frame_dir",
    "image",
    # Krippendorff's and the reliability literature's words for items and coders
    "unit_id",
    "unit",
    "subject_id",
    "subject",
    "sample_id",
    "example_id",
    "question_id",
    "image_id",
    "id",
)
ANNOTATOR_COLUMNS = (
    "annotator_id",
    "annotator",
    "worker_id",
    "worker",
    "rater_id",
    "rater",
    "coder_id",
    "coder",
    "observer",
    "judge",
    "labeler_id",
    "labeler",
    "labeller",
    "user_id",
    "user",
    "completed_by",
)
LABEL_COLUMNS = (
    "label",
    "answer",
    "response",
    "class",
    "emotion",
    "category",
    "rating",
    "choice",
    # generic words, taken only as a whole column name (never as a word of one)
    "value",
    "code",
    "annotation",
    "judgment",
    "judgement",
)
#: words that make a column a label candidate inside a longer name (``chosen_label``)
LABEL_WORDS = LABEL_COLUMNS[:8]


def find_column(columns: Sequence[str], candidates: Sequence[str]) -> str | None:
    """First column whose name matches a candidate (case and spaces ignored)."""
    norm = {str(c).strip().casefold().replace(" ", "_"): c for c in columns}
    for cand in candidates:
        if cand in norm:
            return norm[cand]
    return None


def parse_label_cols(label_cols) -> dict[str, str | None]:
    """``["coarse", "emo=fine"]`` -> ``{"coarse": None, "emo": "fine"}``
    (column -> scheme; None = decide from the column name)."""
    if label_cols is None:
        return {}
    if isinstance(label_cols, Mapping):
        return {str(k): (None if v is None else str(v)) for k, v in label_cols.items()}
    if isinstance(label_cols, str):
        label_cols = [label_cols]
    out = {}
    for spec in label_cols:
        col, _, scheme = str(spec).partition("=")
        out[col] = scheme or None
    return out


def choose_schemes(columns, label_cols, taxonomy, categories, path):
    """Decide which columns hold labels and which scheme each one is.

    Returns (mapping column -> scheme, taxonomy or None, categories dict)."""
    explicit = parse_label_cols(label_cols)
    tax = taxonomy
    if explicit:
        for col in explicit:
            if col not in columns:
                raise InputError(
                    f"label column not found; columns are: {name_list(columns, 8)}",
                    path=path,
                    line=1,
                    column=col,
                )
        cols = list(explicit)
    else:
        # scheme-named columns first (coarse, fine), then generic names
        ref = tax if tax is not None else default_taxonomy()
        cols = [c for c in columns if str(c).strip() in ref.scheme_names]
        if cols and tax is None and categories is None:
            tax = ref
        if not cols:
            c = find_column(columns, LABEL_COLUMNS)
            if c is None:
                raise InputError(
                    "no label column found (expected one of "
                    f"{name_list(LABEL_COLUMNS, 5)} or a scheme name; use --label-col); "
                    f"columns are: {name_list(columns, 8)}",
                    path=path,
                    line=1,
                )
            cols = [c]
    mapping = {}
    for c in cols:
        scheme = explicit.get(c) or str(c).strip()
        if tax is not None and scheme not in tax:
            if len(cols) == 1:
                scheme = tax.scheme_names[0]
            else:
                raise InputError(
                    f"column is not a scheme of the taxonomy ({', '.join(tax.scheme_names)}); "
                    "name it with --label-col COLUMN=SCHEME",
                    path=path,
                    line=1,
                    column=c,
                )
        mapping[c] = scheme
    if len(set(mapping.values())) != len(mapping):
        raise InputError(
            "two label columns map to the same scheme",
            path=path,
            line=1,
            column=", ".join(map(str, mapping)),
        )
    if categories is not None and not isinstance(categories, Mapping):
        if len(mapping) != 1:
            raise InputError(
                "a plain category list needs exactly one label column; give categories per scheme",
                path=path,
            )
        categories = {next(iter(mapping.values())): list(categories)}
    return mapping, (None if categories else tax), categories


def annotations_from_long(
    frame: pd.DataFrame,
    *,
    source: str = "<DataFrame>",
    item_col: str | None = None,
    annotator_col: str | None = None,
    label_cols=None,
    taxonomy: Taxonomy | None = None,
    categories=None,
    duplicates: str = "keep",
    inconsistent: str = "flag",
    unknown: str = "error",
    first_line: int = 2,
    line_numbers: np.ndarray | None = None,
    item_order: Sequence[str] | None = None,
    annotator_order: Sequence[str] | None = None,
    prior_entries: Sequence[LedgerEntry] = (),
    prior_notes: Sequence[str] = (),
    extra_rows_read: int = 0,
    items: pd.DataFrame | None = None,
    multi_sep: str | None = None,
    file_rows: int | None = None,
    consume: bool = False,
) -> Annotations:
    """Validate a long frame into :class:`Annotations`, accounting for every row.

    Parameters
    ----------
    frame : DataFrame, shape (n_rows, n_columns)
        One row per rating; values are read as strings.
    source : str
        File name for messages and the ledger.
    item_col, annotator_col : str, optional
        Column names; recognised automatically when omitted
        (``clip_id``/``item``/``task``..., ``annotator_id``/``worker``/``rater``...).
    label_cols : str, list of str or dict, optional
        Label columns, one per scheme; ``"COLUMN=SCHEME"`` names the scheme.
        Default: columns named after taxonomy schemes (``coarse``, ``fine``),
        else a ``label``/``answer``/``response`` column.
    taxonomy : Taxonomy, optional
        Declares schemes and categories.  The default RAER taxonomy is used
        when the label columns are its scheme names.
    categories : list or dict of scheme -> list, optional
        Every category (used or not) when there is no taxonomy; else they
        are inferred from the data in numeric-aware order.
    duplicates : {"keep", "last", "error"}
        An annotator rating the same clip twice: keep all as repeated
        ratings (flagged in the ledger), keep the last row, or stop.
    inconsistent : {"flag", "drop", "error"}
        A child-scheme label whose parent is not the same row's
        parent-scheme label (e.g. fine "Yawning" with coarse "Enjoyment").
    unknown : {"error", "drop"}
        A label that is no category of its scheme.
    first_line : int
        File line of the first data row (2 for a CSV with a header).
    line_numbers : array of int, shape (n_rows,), optional
        Explicit file line of each row (overrides ``first_line``).
    multi_sep : str, optional
        Separator of multi-select answers in one label cell (line breaks
        always separate them).  Lists in cells are expanded: see
        :mod:`raer_agreement.io.containers`.
    file_rows : int, optional
        Data rows of the file when a row of ``frame`` came from a row holding
        several ratings (a counts or wide table); lists in cells set it here.
    consume : bool
        Delete the columns of ``frame`` once they are encoded, so that its
        strings are freed before the ratings are assembled (a reader's own
        table of millions of rows: the peak memory of a read is then the
        table or the codes, not both).  ``frame`` is left with no columns.

    Returns
    -------
    Annotations
    """
    _check_policies(duplicates=duplicates, inconsistent=inconsistent, unknown=unknown)
    path = source
    # phase 1: columns -- which column holds the item, the annotator, each scheme
    frame, columns = _unique_columns(frame, path)
    item_col = _need_column(columns, item_col, ITEM_COLUMNS, "item (clip id)", "--item-col", path)
    annotator_col = _need_column(
        columns, annotator_col, ANNOTATOR_COLUMNS, "annotator", "--annotator-col", path
    )
    mapping, tax, categories = choose_schemes(
        [c for c in columns if c not in (item_col, annotator_col)],
        label_cols,
        taxonomy,
        categories,
        path,
    )
    n_rows = len(frame)
    lines = (
        np.asarray(line_numbers)
        if line_numbers is not None
        else np.arange(first_line, first_line + n_rows)
    )
    distinct = {c: raw_factorize(frame[c]) for c in {item_col, annotator_col, *mapping}}
    expanded = expand_containers(
        frame,
        distinct=distinct,
        item_col=item_col,
        annotator_col=annotator_col,
        mapping=mapping,
        lines=lines,
        path=path,
        multi_sep=multi_sep,
        declared=_declared(mapping, tax, categories),
    )
    if expanded is not None:
        # lists in cells and multi-select answers: one row per rating from here on
        file_rows = n_rows if file_rows is None else file_rows
        frame, lines, n_rows = expanded.frame, expanded.lines, len(expanded.frame)
        prior_entries = [*prior_entries, *expanded.entries]
        prior_notes = [*prior_notes, *expanded.notes]
        extra_rows_read += expanded.extra_rows_read
        if expanded.binary:
            kept = _declared(mapping, tax, categories) or {}
            categories = {
                **{s: kept[s] for s in expanded.mapping.values() if s in kept},
                **expanded.binary,
            }
            tax = None
        mapping = expanded.mapping
        distinct = {}
    book = _Book(n_rows, lines, list(prior_entries), list(prior_notes))
    if consume and distinct:
        # the codes and distinct values are all phase 2 needs: the strings go now
        _release(frame)

    # phase 2: codes -- every column factorised once: the string work (spaces,
    # NA-like values, label lookup) runs over the distinct values, never per
    # row, so ten million rows cost integer arrays only
    def column(col: str) -> pd.Series | None:
        return frame[col] if col in frame.columns else None

    ids = {
        what: _id_codes(column(col), col, what, book, distinct.get(col))
        for col, what in ((item_col, "item"), (annotator_col, "annotator"))
    }
    declared = _declared(mapping, tax, categories) or {}
    raw = {
        scheme: (
            col,
            *_label_values(column(col), distinct.get(col), declared.get(scheme), col, path, book),
        )
        for col, scheme in mapping.items()
    }
    if tax is None:
        tax = _inferred_taxonomy(raw, categories, book)
    label_codes = {
        scheme: _label_codes(tax[scheme], col, codes, values, unknown, book, path)
        for scheme, (col, codes, values) in raw.items()
    }
    if not label_codes:
        raise InputError("no label column", path=path)
    if consume:
        distinct = {}
        # an expanded table's strings (lists in cells), and what Arrow freed meanwhile
        _release(frame)
    any_label = np.zeros(n_rows, dtype=bool)
    for c in label_codes.values():
        any_label |= c >= 0
    book.drop(~any_label, "missing_label", "no label in any scheme (empty or NA-like value)")

    # phase 3: policies -- inconsistent granularities, repeated ratings
    _inconsistent_labels(tax, label_codes, raw, inconsistent, book, path)
    _repeated_ratings(ids, duplicates, annotator_col, book, path)

    # phase 4: ledger -- the kept rows become the Annotations, with their account
    (icodes, ivalues), (acodes, avalues) = ids["item"], ids["annotator"]
    item_codes, item_uniques = _codes(book.kept(icodes), ivalues, item_order)
    ann_codes, ann_uniques = _codes(book.kept(acodes), avalues, annotator_order)
    labels = {s: book.kept(c) for s, c in label_codes.items()}
    ledger = Ledger(
        sources=(str(source),),
        rows_read=n_rows + extra_rows_read,
        entries=tuple(book.entries),
        notes=tuple(book.notes),
        file_rows=file_rows,
    )
    ann = Annotations(item_codes, ann_codes, labels, item_uniques, ann_uniques, tax, items, ledger)
    return finish_ledger(ann)


def _declared(mapping: dict, tax, categories) -> dict | None:
    """Scheme -> declared categories, for the schemes of ``mapping``."""
    if categories:
        return {s: list(categories[s]) for s in mapping.values() if s in categories}
    if tax is not None:
        return {s: list(tax[s].categories) for s in mapping.values() if s in tax}
    return None


class _Book:
    """The account of the rows while they are read: which are kept, and why
    the others were dropped or flagged (ledger entries and notes)."""

    def __init__(self, n_rows: int, lines: np.ndarray, entries: list, notes: list):
        self.keep = np.ones(n_rows, dtype=bool)
        self.lines = lines
        self.entries = entries
        self.notes = notes

    def drop(self, mask, reason: str, detail: str) -> None:
        mask = mask & self.keep
        if mask.any():
            self.entries.append(
                LedgerEntry(reason, int(mask.sum()), detail, tuple(self.lines[mask][:20].tolist()))
            )
            self.keep[mask] = False

    def kept(self, values: np.ndarray) -> np.ndarray:
        """``values`` of the kept rows (the array itself when every row is kept:
        no copy of ten million codes)."""
        return values if self.keep.all() else values[self.keep]

    def flag(self, mask, reason: str, detail: str) -> None:
        self.entries.append(
            LedgerEntry(
                reason,
                int(mask.sum()),
                detail,
                tuple(self.lines[mask][:20].tolist()),
                dropped=False,
            )
        )


def _release(frame: pd.DataFrame) -> None:
    """Delete every column of ``frame`` in place and hand the freed Arrow
    memory back to the system (its pool keeps freed blocks otherwise)."""
    for c in list(frame.columns):
        del frame[c]
    return_arrow_memory()


def _check_policies(**policies) -> None:
    allowed = {
        "duplicates": DUPLICATE_POLICIES,
        "inconsistent": INCONSISTENT_POLICIES,
        "unknown": UNKNOWN_POLICIES,
    }
    for name, val in policies.items():
        if name == "duplicates" and val is None:
            continue  # keep, unless most ratings repeat (see _repeated_ratings)
        if val not in allowed[name]:
            raise ValueError(f"{name} must be one of {', '.join(allowed[name])}; got {val!r}")


def _unique_columns(frame: pd.DataFrame, path) -> tuple[pd.DataFrame, list]:
    columns = [str(c) for c in frame.columns]
    dup_cols = sorted({c for c in columns if columns.count(c) > 1})
    if dup_cols:
        raise InputError("duplicated column name", path=path, line=1, column=dup_cols[0])
    if all(isinstance(c, str) for c in frame.columns):
        return frame, columns  # the same object: ``consume`` frees what the caller holds
    return frame.set_axis(columns, axis=1), columns  # no copy of the data


def _need_column(columns, col, candidates, what, flag, path) -> str:
    if col is not None:
        if col not in columns:
            raise InputError(
                f"{what} column not found; columns are: {name_list(columns, 8)}",
                path=path,
                line=1,
                column=col,
            )
        return col
    c = find_column(columns, candidates)
    if c is None:
        raise InputError(
            f"no {what} column found (expected one of {name_list(candidates, 5)}, or {flag}); "
            f"columns are: {name_list(columns, 8)}",
            path=path,
            line=1,
        )
    return c


def _label_values(column: pd.Series, distinct, declared, col: str, path, book=None):
    """:func:`factorize_column` of a label column, with its declared categories
    kept as labels.

    A missing-value token of pandas (``None``, ``NA``, ``null``) beside a
    label that differs from it only in case or spaces (``NONE``, ``na``) is
    most likely a class spelled two ways, not a missing value: refused,
    naming the two flags that settle it.
    """
    keep = frozenset(str(c).strip() for c in declared or ())
    codes, values = factorize_column(column, distinct, keep)
    labels = {str(v) for v in values if v is not None}
    if labels:
        _, uniques = distinct if distinct is not None else raw_factorize(column)
        tokens = {str(u).strip() for u in uniques} & (NA_STRINGS - keep - {""})
        for token in sorted(tokens):
            twins = sorted(v for v in labels if _norm(v) == _norm(token))
            if twins:
                raise InputError(
                    f"label {token!r} is a pandas missing-value token, but {twins[0]!r} is a "
                    f"label: declare the classes with --categories (then {token!r} is one), or "
                    f"pass --na-values {token} to read it as missing",
                    path=path,
                    column=col,
                )
    if declared is None and labels:
        _refuse_marks(codes, values, col, path)
        values = _numeric_scale(codes, values, col, path, book)
    return codes, values


def _refuse_marks(codes: np.ndarray, values: np.ndarray, col: str, path) -> None:
    """Refuse a label of punctuation only (``*``, ``?``, ``-``, ``.``): no class
    name, but the missing-value marks of many tools (Krippendorff's ``*``)."""
    counts = np.bincount(codes, minlength=len(values))
    marks = [
        (str(v), int(counts[k]))
        for k, v in enumerate(values)
        if v is not None and counts[k] and not any(ch.isalnum() for ch in str(v))
    ]
    if marks:
        shown = ", ".join(f"{t!r} ({n} cells)" for t, n in marks[:3])
        raise InputError(
            f"label(s) of punctuation only, {shown}: a missing-value mark? Pass --na-values "
            f"{','.join(t for t, _ in marks)} to read it as missing, or --categories to keep it",
            path=path,
            column=col,
        )


def _as_number(text: str) -> float | None:
    try:
        v = float(text)
    except ValueError:
        return None
    return v if np.isfinite(v) else None


def _numeric_scale(codes: np.ndarray, values: np.ndarray, col: str, path, book) -> np.ndarray:
    """Checks of a numeric label scale whose categories are inferred.

    * spellings of one number (``3`` and ``3.0``) are one category, written as
      the integer, with a ledger note;
    * a stray token in a scale of numbers (``*``, ``?``, ``-``, ``n.a.``) or a
      sentinel far outside it (``99`` on 1..5, ``-1`` on 1..5) is most likely a
      missing-value marker: refused, naming ``--na-values`` and ``--categories``.
    """
    counts = np.bincount(codes, minlength=len(values))
    texts = [None if v is None or not counts[k] else str(v) for k, v in enumerate(values)]
    numbers = {t: _as_number(t) for t in texts if t is not None}
    numeric = {t for t, v in numbers.items() if v is not None}
    if len(numeric) < 3:
        return values
    n_cells = {t: int(counts[k]) for k, t in enumerate(texts) if t is not None}
    stray = sorted(set(numbers) - numeric)
    if stray and len(stray) <= 2 and all(len(t) <= 4 for t in stray):
        shown = ", ".join(f"{t!r} ({n_cells[t]} cells)" for t in stray)
        raise InputError(
            f"a scale of numbers with the token(s) {shown}: a missing-value marker? Pass "
            f"--na-values {','.join(stray)} to read it as missing, or --categories to keep it",
            path=path,
            column=col,
        )
    if stray:
        return values
    nums = [numbers[t] for t in numeric]
    ints = sorted({int(v) for v in nums if v is not None})
    whole = all(v is not None and float(v).is_integer() for v in nums)
    for v in (ints[0], ints[-1]) if whole and len(ints) >= 4 else ():
        rest = [x for x in ints if x != v]
        lo, hi = rest[0], rest[-1]
        contiguous = rest == list(range(lo, hi + 1))
        if contiguous and not lo - 1 <= v <= hi + 1 and (v < 0 or v >= hi + 3):
            token = next(t for t in sorted(numeric) if numbers[t] == v)
            raise InputError(
                f"label {token!r} ({n_cells[token]} cells) lies far outside the scale {lo}..{hi} "
                f"of the other labels: a missing-value code? Pass --na-values {token} to read "
                "it as missing, or --categories to keep it",
                path=path,
                column=col,
            )
    spelled = {t: _number_text(numbers[t]) for t in numeric}
    if len(set(spelled.values())) < len(numeric):
        merged = sorted(t for t in numeric if spelled[t] != t)
        if book is not None:
            book.notes.append(
                f"column {col!r}: labels {name_list(merged, 4)} are numbers spelled another "
                "way, read as one category each with their integer spelling"
            )
        values = np.array(
            [spelled.get(str(v), v) if v is not None else None for v in values], dtype=object
        )
    return values


def _number_text(v) -> str:
    """``3.0`` -> ``'3'``; other numbers as Python writes them."""
    return str(int(v)) if float(v).is_integer() else repr(float(v))


def _id_codes(column: pd.Series, col: str, what: str, book: _Book, distinct=None):
    codes, values = factorize_column(column, distinct)
    na = np.array([v is None for v in values], dtype=bool)
    book.drop(
        na[codes],
        f"missing_{what}_id",
        f"empty or NA {ITEM if what == 'item' else what} id in column {col!r}",
    )
    return codes, values


DECLARED_NOTE = "categories declared (by the caller or the export), not inferred from the data"
INFERRED_NOTE = (
    "categories inferred from the data (numeric-aware order); declare them to include unused ones"
)


def infer_categories(scheme: str, values) -> tuple[list, list]:
    """Categories of a scheme from the label values seen, and notes on them.

    Parameters
    ----------
    scheme : str
    values : iterable of str
        Distinct stripped label values (NA-like ones left out).

    Returns
    -------
    categories : list of str
        In numeric-aware order.
    notes : list of str
        One per group of categories that differ only in case.

    Examples
    --------
    >>> infer_categories("label", ["b", "10", "2", "B"])
    (['2', '10', 'B', 'b'], ["scheme 'label': categories ['B', 'b'] differ only in case; declare the categories to merge them"])
    """
    seen = natural_sort(values)
    folded: dict[str, list[str]] = {}
    for c in seen:
        folded.setdefault(c.casefold(), []).append(c)
    notes = [
        f"scheme {scheme!r}: categories {group} differ only in case; "
        "declare the categories to merge them"
        for group in folded.values()
        if len(group) > 1
    ]
    return seen, notes


def _inferred_taxonomy(raw: dict, categories, book: _Book) -> Taxonomy:
    """Categories declared by the caller, else those seen in the kept rows."""
    cats = {}
    for scheme, (_col, codes, values) in raw.items():
        if categories and scheme in categories:
            cats[scheme] = [str(c).strip() for c in categories[scheme]]
        else:
            present = np.bincount(codes[book.keep], minlength=len(values)) > 0
            cats[scheme], case_notes = infer_categories(
                scheme, (v for v, p in zip(values, present) if p and v is not None)
            )
            book.notes.extend(case_notes)
    book.notes.append(DECLARED_NOTE if categories else INFERRED_NOTE)
    return Taxonomy.from_categories(cats)


def _label_codes(sch, col, codes, values, unknown, book: _Book, path) -> np.ndarray:
    """Category code of each row's label in scheme ``sch`` (-1 = none)."""
    scheme = sch.name
    exact, loose = sch._lookup()
    if unknown == "drop":
        valid = np.array([v is None or v in exact or _norm(v) in loose for v in values], dtype=bool)
        book.drop(
            ~valid[codes],
            f"unknown_label_{scheme}",
            f"label is not a category of scheme {scheme!r} (column {col!r})",
        )
        values = np.where(valid, values, None)
    try:
        per_value, _ = sch.encode(values, path=path, column=col)
    except InputError as e:  # name the file line of the value's first row
        j = next(k for k, v in enumerate(values) if v == e.value)
        raise InputError(
            e.reason,
            path=path,
            line=int(book.lines[np.flatnonzero(codes == j)[0]]),
            column=col,
            value=e.value,
        ) from None
    normalised = np.array([v is not None and v not in exact for v in values], dtype=bool) & (
        per_value >= 0
    )
    n_norm = int(np.bincount(codes, minlength=len(values))[normalised].sum())
    if n_norm:
        book.notes.append(
            f"{n_norm} label(s) in column {col!r} matched a category of {scheme!r} only after "
            "ignoring case and spaces"
        )
    # int16 while the file is read (a category code is below 32,767): a quarter
    # of the memory beside the table's strings; Annotations widens it
    narrow = per_value.astype(np.int16) if len(per_value) and per_value.max() < 2**15 else per_value
    return narrow[codes]


def _inconsistent_labels(tax, label_codes, raw, inconsistent, book: _Book, path) -> None:
    """A child label must sit under the same row's parent label."""
    keep, lines = book.keep, book.lines
    for child, parent in tax.pairs():
        if child in label_codes and parent in label_codes:
            m = tax.mapping(child, parent)
            cc, pc = label_codes[child], label_codes[parent]
            bad = (cc >= 0) & (pc >= 0) & (m[np.maximum(cc, 0)] != pc) & keep
            if not bad.any():
                continue
            first = int(np.flatnonzero(bad)[0])
            ccol, ccodes, cvalues = raw[child]
            if inconsistent == "error":
                raise InputError(
                    f"{child} label {tax[child].categories[cc[first]]!r} does not belong to "
                    f"{parent} label {tax[parent].categories[pc[first]]!r} on the same row "
                    "(use inconsistent='drop' or 'flag')",
                    path=path,
                    line=int(lines[first]),
                    column=ccol,
                    value=str(cvalues[ccodes[first]]),
                )
            if inconsistent == "drop":
                book.drop(
                    bad,
                    f"inconsistent_{child}_{parent}",
                    f"{child} label outside the same row's {parent} label",
                )
            else:
                book.flag(
                    bad,
                    f"inconsistent_{child}_{parent}",
                    f"{child} label outside the same row's {parent} label (kept)",
                )


def _any_repeated(keys: np.ndarray, step: int = 1 << 22) -> bool:
    """Whether a value occurs twice: one sort in place, a third of the time and
    memory of a hash table of every key (ratings are rarely repeated, so the
    rows are located only when some are)."""
    keys = np.sort(keys)
    if len(keys) < 2:
        return False
    # compared in slices: one boolean array of every row would be a tenth of the keys again
    last = len(keys) - 1
    return any(
        bool((keys[k + 1 : min(k + step, last) + 1] == keys[k : min(k + step, last)]).any())
        for k in range(0, last, step)
    )


def _repeated_ratings(ids, duplicates, annotator_col, book: _Book, path) -> None:
    """An annotator rating one clip more than once: keep all, keep the last, or stop."""
    (icodes, ivalues), (acodes, avalues) = ids["item"], ids["annotator"]
    n_rows, lines = len(book.keep), book.lines
    pair = book.kept(icodes).astype(np.int64) * np.int64(len(avalues))
    pair += book.kept(acodes)
    if not _any_repeated(pair):
        return
    kept_idx = np.flatnonzero(book.keep)
    pair = pd.Series(pair)
    dup_later = pair.duplicated(keep="first").to_numpy()
    if not dup_later.any():
        return
    first = kept_idx[np.flatnonzero(dup_later)[0]]
    example = (
        f" (e.g. {quote(str(avalues[acodes[first]]), 20)} on "
        f"{quote(str(ivalues[icodes[first]]), 24)})"
    )
    # repeats on a large scale: a key that names a group of clips (a video, a
    # batch), more often than annotators coming back to one clip
    kept_annotators = book.kept(acodes)
    problem = repeats_problem(
        int(dup_later.sum()),
        len(pair),
        len(np.unique(kept_annotators[dup_later])),
        len(np.unique(kept_annotators)),
        example,
    )
    if duplicates is None and problem is not None:
        raise InputError(problem, path=path, line=int(lines[first]))
    if duplicates == "error":
        raise InputError(
            "annotator rated this clip more than once (duplicates policy 'error'; "
            "use 'last' or 'keep')",
            path=path,
            line=int(lines[first]),
            column=annotator_col,
            value=f"{avalues[acodes[first]]} on {ivalues[icodes[first]]}",
        )
    m = np.zeros(n_rows, bool)
    if duplicates == "last":
        m[kept_idx[pair.duplicated(keep="last").to_numpy()]] = True
        book.drop(
            m,
            "repeated_rating_superseded",
            "an annotator rated the clip again later; the last rating is kept",
        )
    else:
        m[kept_idx[dup_later]] = True
        book.flag(
            m,
            "repeated_rating",
            "an annotator rated the same clip more than once; all ratings kept "
            "as separate observations",
        )


def factorize_column(
    column: pd.Series, distinct=None, keep: frozenset = frozenset()
) -> tuple[np.ndarray, np.ndarray]:
    """Distinct values of a column, stripped, with NA-like values as None.

    ``distinct`` is the column's ``pandas.factorize`` when it is already known
    (the scan for lists in cells made it), so that it is made once.  Values in
    ``keep`` (declared categories, such as a class named ``None``) are never
    taken as missing, whatever pandas' default tokens say.

    Returns
    -------
    codes : ndarray of int32 (int64 past 2**31 values), shape (n_rows,)
        Index into ``values`` of each row.
    values : ndarray of object, shape (n_distinct,)
        Distinct values after stripping surrounding spaces (values equal
        after stripping share one entry); None for missing or NA-like.
    """
    codes, uniques = distinct if distinct is not None else raw_factorize(column)
    text = pd.Series(np.asarray(uniques, dtype=object), dtype=object).astype(str).str.strip()
    # pandas' default tokens, exactly, unless declared a category
    na = (text.isin(NA_STRINGS) & ~text.isin(keep)).to_numpy(bool)
    # values equal after stripping become one; NA-like ones join the missing slot (last)
    canon, distinct = pd.factorize(text.where(~na, None), use_na_sentinel=True)
    values = np.append(np.asarray(distinct, dtype=object), None)
    remap = np.append(np.where(canon < 0, len(distinct), canon), len(distinct))
    return narrow_codes(remap, len(values))[codes], values


def finish_ledger(ann: Annotations) -> Annotations:
    """Fill the ledger's counts of items, annotators and ratings per item."""
    per = np.bincount(ann.item, minlength=ann.n_items) if ann.n_items else np.zeros(1)
    stats = (
        {
            "min": float(per.min()),
            "median": float(np.median(per)),
            "mean": float(per.mean()),
            "max": float(per.max()),
        }
        if ann.n_items
        else {}
    )
    return ann.with_ledger(
        ann.ledger.with_counts(
            n_items=ann.n_items, n_annotators=ann.n_annotators, ratings_per_item=stats
        )
    )


def _codes(codes: np.ndarray, values: np.ndarray, order: Sequence[str] | None):
    """Compact integer codes for the distinct ``values[codes]``; ids sorted in
    numeric-aware order (or as in ``order``), so the row order of the input
    never changes an output."""
    used = np.flatnonzero(np.bincount(codes, minlength=len(values)))
    names = np.asarray([str(values[u]) for u in used], dtype=object)
    remap = np.full(len(values), -1, dtype=np.int64)
    if order is not None:
        ordered = list(dict.fromkeys(map(str, order)))
        pos = {n: k for k, n in enumerate(ordered)}
        remap[used] = [pos.get(n, -1) for n in names]
    else:
        perm = natural_order(names.astype(str))
        ordered = names[perm].tolist()
        remap[used[perm]] = np.arange(len(perm))
    return remap[codes], ordered
