"""One entry point for ratings: :func:`load_ratings` picks the reader by
extension and content; explicit options override the guess."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..annotations import Annotations
from ..errors import InputError, name_list
from ..taxonomy import NA_STRINGS, Taxonomy, _norm, default_taxonomy, load_taxonomy, natural_sort
from ..wording import ITEM, ITEMS, count
from . import layouts, platforms, surveys
from .annotator_cells import annotator_dicts, vote_slots
from .containers import raw_factorize
from .detect import ITEM_ID_COLUMNS, Decision, decide_layout, profile_table
from .invariants import check_reading, whole_number_twins
from .invariants import fold_case as fold_labels_case
from .listfile import CONTEXT_COLUMNS, looks_like_list_file, parse_clip_path, read_list_file
from .long import (
    ANNOTATOR_COLUMNS,
    ITEM_COLUMNS,
    LABEL_COLUMNS,
    LABEL_WORDS,
    annotations_from_long,
    find_column,
    finish_ledger,
    parse_label_cols,
)
from .policies import FORMATS
from .readers import READERS, Reader, looks_like_json_lines, platform_of, records_reader, resolve
from .tables import (
    read_delimited,
    read_header,
    read_json_records,
    read_parquet,
    read_text,
    records_table,
)
from .wide import (
    alien_columns,
    annotator_names_column,
    check_rater_columns,
    clip_key,
    wide_item_column,
)

__all__ = ["load_ratings", "load_clips", "FORMATS"]


def load_ratings(
    paths,
    *,
    format: str = "auto",
    item_col: str | None = None,
    annotator_col: str | None = None,
    label_cols=None,
    taxonomy=None,
    categories=None,
    duplicates: str | None = None,
    inconsistent: str = "flag",
    unknown: str = "error",
    multi_sep: str | None = None,
    encoding: str | None = None,
    sep: str | None = None,
    clips=None,
    anonymous: bool = False,
    fold_case: bool = False,
    transpose: bool = False,
    na_values: Sequence[str] = (),
    no_header: bool = False,
) -> Annotations:
    """Read ratings from one or more files, validate them, account for every row.

    Parameters
    ----------
    paths : str, Path or sequence of them
        Long CSV/TSV, wide CSV, counts CSV, Parquet, JSON Lines or a Label
        Studio JSON export.  Several files are read with the same options
        and merged (the ledger lists each).
    format : str
        One of :data:`FORMATS`.  ``auto`` decides from the extension and the
        content (see :mod:`raer_agreement.io.detect`): platform exports
        (``mturk``, ``toloka``, ``appen``, ``prodigy``, ``lewidi``,
        ``labelstudio``) by their fields; a table with an annotator column
        is ``long``; whole-number columns with near-constant row sums (or a
        total column, or headers that are the declared categories) are
        ``counts``; label-like cells are ``wide``.  Ambiguous content is
        refused with the flag that settles it; the decision and its evidence
        are in the ledger.
    item_col, annotator_col, label_cols, categories, duplicates, inconsistent, unknown
        See :func:`raer_agreement.io.long.annotations_from_long`.
        ``annotator_col`` may name several columns: in a table they are the
        rater columns of a wide reading (``item_col`` the id, the other
        columns item metadata).  ``duplicates=None`` (the default) is
        ``"keep"``, except that a file in which a fifth of the ratings or more
        repeat an annotator on a clip (the item column does not identify a
        clip), or several files sharing many annotator/clip pairs (ids that
        restart per file), are refused until it is given.
    no_header : bool
        The files have no header row: the first line is data and the columns
        are ``column_1, column_2, ...`` (a matrix written without names).
    multi_sep : str, optional
        Separator of multi-select answers in one label cell (line breaks always
        are): such columns become one binary scheme per option.
    taxonomy : Taxonomy or path, optional
    encoding : str, optional
        Text encoding; default: from the byte-order mark, else UTF-8.
    sep : str, optional
        Delimiter; default sniffed from the header.
    clips : path or sequence of paths, optional
        Clip metadata: official list files (``<frame_dir> <num_frames> <label>``)
        or a CSV with a clip id column.  Without it, context is parsed from
        RAER-style clip ids.
    anonymous : bool
        Each row is one rating by an unknown annotator (EmoBank-style tables
        with no annotator column): annotator identities are recorded as
        unknown, and identity statistics are not computed.
    fold_case : bool
        Labels that differ only in case or surrounding spaces are one category
        (each merge noted in the ledger); without it such labels are refused.
        Every reading is checked by :mod:`raer_agreement.io.invariants`.
    na_values : sequence of str
        Cell values that mean "no rating" beside empty cells and the tokens
        pandas reads as missing by default (``NA``, ``null``, ``N/A``...);
        ``NONE``, ``none`` and ``other`` are categories unless named here.
        The ledger names every token taken as missing.
    transpose : bool
        A wide table whose rows are annotators and columns items (an
        ``annotator_col``, if given, names the annotators).

    Returns
    -------
    Annotations

    Raises
    ------
    InputError
        One line naming file, line, column and value, for any bad input.
    """
    if format not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}; got {format!r}")
    if isinstance(taxonomy, (str, Path)):
        taxonomy = load_taxonomy(taxonomy)
    if isinstance(paths, (str, Path)):
        paths = [paths]
    paths = [Path(p) for p in paths]
    if isinstance(annotator_col, (list, tuple)):
        annotator_col = annotator_col[0] if len(annotator_col) == 1 else list(annotator_col)
    if not paths:
        raise InputError("no input file given")
    opts = dict(
        multi_sep=multi_sep,
        item_col=item_col,
        annotator_col=annotator_col,
        label_cols=label_cols,
        taxonomy=taxonomy,
        categories=categories,
        duplicates=duplicates,
        inconsistent=inconsistent,
        unknown=unknown,
    )
    parts = [
        _load_one(
            p,
            format=format,
            encoding=encoding,
            sep=sep,
            anonymous=anonymous,
            fold_case=fold_case,
            transpose=transpose,
            na_values=tuple(na_values),
            no_header=no_header,
            **opts,
        )
        for p in paths
    ]
    _check_same_schemes(parts, paths)
    ann = parts[0] if len(parts) == 1 else _concat(parts, duplicates=duplicates, paths=paths)
    meta = load_clips(clips) if clips is not None else None
    return attach_metadata(ann, meta)


_SPREADSHEETS = (".xlsx", ".xlsm", ".xls", ".ods", ".numbers")


def _is_zip(path: Path) -> bool:
    """True when the file starts with a zip archive's signature (xlsx, ods)."""
    with open(path, "rb") as f:
        return f.read(4) == b"PK\x03\x04"


@dataclasses.dataclass
class Source:
    """One input file and what has been parsed of it (parsed once: the
    content that picked the reader is the content it reads)."""

    path: Path
    encoding: str | None
    sep: str | None
    header: bool = True
    _parsed: Any = None

    def records(self) -> tuple[list, np.ndarray]:
        """JSON Lines records and their line numbers."""
        if self._parsed is None:
            self._parsed = read_json_records(self.path, encoding=self.encoding)
        return self._parsed

    def document(self):
        """The one JSON document of a ``.json`` file."""
        if self._parsed is None:
            self._parsed = layouts.read_json_any(self.path, read_text(self.path, self.encoding))
        return self._parsed

    def sniffed(self, kind: str):
        """What a reader's ``sniff`` looks at: the first record, or the document."""
        return self.records()[0][0] if kind == "records" else self.document()


@dataclasses.dataclass
class ReadOptions:
    """The options every reader takes: the format asked for (``auto`` or a
    name), whether votes are anonymous, and the column and validation options."""

    format: str
    anonymous: bool
    opts: dict
    transpose: bool = False
    na_values: tuple = ()

    @property
    def auto(self) -> bool:
        return self.format == "auto"


def _load_one(
    path: Path,
    *,
    format,
    encoding,
    sep,
    anonymous,
    fold_case=False,
    transpose=False,
    na_values=(),
    no_header=False,
    **opts,
) -> Annotations:
    if not path.exists():
        raise InputError("file not found", path=path)
    if path.is_dir():
        raise InputError("is a folder; expected a ratings file", path=path)
    if path.suffix.lower() in _SPREADSHEETS or _is_zip(path):
        raise InputError(
            "a spreadsheet workbook (zip), not a text table: export the sheet as CSV, or read "
            "it with pandas.read_excel and pass the DataFrame to raer_agreement.io.from_long",
            path=path,
        )
    source = Source(path, encoding, sep, header=not no_header)
    reader = _pick_reader(source, format)
    if transpose and format not in ("auto", "wide"):
        raise InputError(f"--transpose reads a wide table; it does not apply to --format {format}")
    ann = resolve(reader.load)(source, ReadOptions(format, anonymous, opts, transpose, na_values))
    if fold_case:
        ann = fold_labels_case(ann)
    declared = opts.get("categories") is not None or opts.get("taxonomy") is not None
    named = opts.get("item_col") is not None and isinstance(opts.get("annotator_col"), str)
    return check_reading(
        ann,
        path=path,
        layout=_layout_of(ann, reader.name),
        declared=declared,
        columns_named=named,
    )


def _pick_reader(source: Source, format: str) -> Reader:
    """The reader named by ``--format``; under ``auto``, the reader of the file's
    kind (by extension) whose content sniff matches, else the kind's own reader."""
    if format != "auto":
        named = READERS[format]
        if named.kind == "table" and looks_like_json_lines(_head(source)):
            # each line one JSON object: read as a table its fields would be columns of
            # JSON text (a SageMaker manifest read with --format wide gave "ratings")
            raise InputError(
                f"the file holds JSON Lines (one JSON object per line), not a delimited table: "
                f"--format {format} reads CSV/TSV; leave --format auto to read the records",
                path=source.path,
                line=1,
            )
        return named
    suffix = source.path.suffix.lower()
    by_suffix = next((r for r in READERS.values() if suffix in r.suffixes), None)
    if by_suffix is None or by_suffix.kind == "json":
        # JSON Lines are told by their content (.manifest, .txt, a .json of lines)
        if looks_like_json_lines(_head(source)):
            by_suffix = records_reader()
    if by_suffix is None:
        _refuse_list_file(source)
        return READERS["long"]
    for reader in READERS.values():
        if (
            reader.kind == by_suffix.kind
            and reader.sniff
            and resolve(reader.sniff)(source.sniffed(reader.kind))
        ):
            return reader
    return by_suffix


def _head(source: Source, size: int = 65536) -> str:
    """The first whole lines of a file (at most ``size`` bytes), decoded leniently."""
    with open(source.path, "rb") as f:
        data = f.read(size + 1)
    if len(data) > size:
        data = data[: data.rfind(b"\n", 0, size) + 1]
    return data.decode(source.encoding or "utf-8", errors="replace")


def _refuse_list_file(source: Source) -> None:
    if source.path.suffix.lower() in (".txt", ".lst", ""):
        head = read_text(source.path, source.encoding)[:8192]
        if looks_like_list_file(head):
            raise InputError(
                "this is an official list file (<frame_dir> <num_frames> <label>): it holds clip "
                "metadata, not ratings; pass it with --clips",
                path=source.path,
            )


def _layout_of(ann: Annotations, reader: str) -> str:
    """The layout a reading came from, as the ledger's decision names it."""
    for note in ann.ledger.notes:
        if note.startswith("layout: "):
            return note[len("layout: ") :].split(" ", 1)[0]
    return reader


def _declared_names(categories) -> set:
    """Every category name declared with ``categories`` (a list, or a dict of
    scheme -> list), as strings."""
    if not categories:
        return set()
    lists = categories.values() if isinstance(categories, Mapping) else [categories]
    return {str(c).strip() for cats in lists for c in cats}


def missing_tokens(table, extra: Sequence[str] = (), categories=None):
    """The table with the cells that equal an ``--na-values`` token emptied, and a
    ledger note naming every token taken as missing (pandas' defaults and the
    extra ones, less the declared ``categories``) with how often it occurs."""
    added = {str(t).strip() for t in extra if str(t).strip()}
    tokens = (NA_STRINGS | added) - {""} - (_declared_names(categories) - added)
    seen: dict = {}
    frame = table.frame
    for c in frame.columns:
        # over the distinct values, which the validator factorises anyway
        codes, uniques = raw_factorize(frame[c])
        text = pd.Series(uniques)
        if text.dtype == object:  # values a caller built (numbers from JSON): as text
            text = text.astype(str)
        # Arrow-backed text is stripped in Arrow: no Python string per distinct value
        text = text.str.strip()
        hit = text.isin(tokens).to_numpy(bool)
        if not hit.any():
            continue
        counts = np.bincount(codes[codes >= 0], minlength=len(uniques))
        for tok, n in zip(text[hit], counts[hit]):
            seen[tok] = seen.get(tok, 0) + int(n)
        if added:
            drop = text.isin(added).to_numpy(bool)
            if drop.any():
                frame = frame.assign(**{c: frame[c].mask(np.append(drop, False)[codes], "")})
    if not seen:
        return table
    note = platforms.missing_values_note(seen, sorted(added))
    return dataclasses.replace(table, frame=frame, notes=(*table.notes, note))


def read_table(source: Source, ro: ReadOptions) -> Annotations:
    """A delimited table: long, wide, counts or a platform's export."""
    path, sep, encoding = source.path, source.sep, source.encoding
    header = read_header(path, sep=sep, encoding=encoding) if source.header else []
    mturk = platform_of(header) == "mturk" or ro.format == "mturk"
    trailing = ("Approve", "Reject") if mturk else ()
    table = read_delimited(
        path, sep=sep, encoding=encoding, optional_trailing=trailing, header=source.header
    )
    table = missing_tokens(table, ro.na_values, ro.opts.get("categories"))
    return _from_table(table, ro.format, ro.opts, ro.anonymous, transpose=ro.transpose)


def read_parquet_file(source: Source, ro: ReadOptions) -> Annotations:
    """A Parquet table, its layout decided from the content."""
    fmt = "wide" if ro.transpose else "auto"
    table = missing_tokens(read_parquet(source.path), ro.na_values, ro.opts.get("categories"))
    return _from_table(table, fmt, ro.opts, ro.anonymous, transpose=ro.transpose)


def read_records(source: Source, ro: ReadOptions) -> Annotations:
    """JSON Lines: one record per rating."""
    records, lines = source.records()
    table = missing_tokens(
        records_table(records, lines, source.path), ro.na_values, ro.opts.get("categories")
    )
    return _from_table(table, "long", ro.opts, ro.anonymous, _RECORDS)


def read_prodigy(source: Source, ro: ReadOptions) -> Annotations:
    records, lines = source.records()
    choices = platforms.ColumnChoices(
        ro.opts.get("item_col"),
        ro.opts.get("annotator_col"),
        parse_label_cols(ro.opts.get("label_cols")),
    )
    lf = platforms.prodigy_to_long(records, lines, str(source.path), choices)
    lf = platforms.missing_answers(lf, ro.na_values, ro.opts.get("categories"))
    opts = _platform_opts(ro.opts)
    return _from_longform(lf, str(source.path), "item", opts, _note("prodigy", ro.format))


def read_lewidi(source: Source, ro: ReadOptions) -> Annotations:
    lf = platforms.lewidi_to_long(source.document(), str(source.path))
    lf = platforms.missing_answers(lf, ro.na_values, ro.opts.get("categories"))
    opts = _platform_opts(ro.opts)
    return _from_longform(lf, str(source.path), "item", opts, _note("lewidi", ro.format))


def read_json(source: Source, ro: ReadOptions) -> Annotations:
    """A Label Studio export; under ``auto`` a plain JSON list of records (Label
    Studio's JSON-MIN among them) is read as JSON Lines are."""
    data, path = source.document(), source.path
    if (
        ro.auto
        and isinstance(data, list)
        and data
        and all(isinstance(t, dict) and "annotations" not in t and "data" not in t for t in data)
    ):
        # the record's position stands for its line
        positions = np.arange(1, len(data) + 1)
        table = missing_tokens(
            records_table(data, positions, path), ro.na_values, ro.opts.get("categories")
        )
        return _from_table(table, "long", ro.opts, ro.anonymous, _RECORDS)
    opts = dict(ro.opts)
    lf = layouts.labelstudio_to_long(data, path=str(path), item_field=opts.pop("item_col"))
    lf = platforms.missing_answers(lf, ro.na_values, ro.opts.get("categories"))
    return _from_longform(
        lf, str(path), "item", _platform_opts(opts), _note("labelstudio", ro.format)
    )


def _note(layout: str, format: str) -> str:
    how = "chosen with --format" if format != "auto" else "recognised from its fields"
    return f"layout: {layout} ({how})"


def _platform_opts(opts: dict) -> dict:
    """Platform readers name the columns themselves (the user's choices of
    columns already applied there); the taxonomy still applies."""
    out = {**opts, "annotator_col": "annotator"}
    out.pop("item_col", None)
    if out.get("label_cols") is not None:
        out["label_cols"] = None
    return out


def _decide(table, format: str, opts: dict, anonymous: bool) -> Decision:
    tax = opts.get("taxonomy")
    schemes = tax.scheme_names if isinstance(tax, Taxonomy) else default_taxonomy().scheme_names
    declared = _declared_categories(opts, _single_scheme(opts))
    if declared is None and opts.get("categories") is None and not isinstance(tax, Taxonomy):
        # columns named after the default taxonomy's classes: a RAER counts table
        ref = default_taxonomy()
        names = {_norm(c) for c in ref[ref.scheme_names[0]].categories}
        others = [_norm(c) for c in list(table.frame.columns)[1:]]
        if len(others) >= 2 and sum(o in names for o in others) >= max(2, len(names) // 2):
            opts["taxonomy"] = ref
            declared = list(ref[ref.scheme_names[0]].categories)
    try:
        return decide_layout(
            table.frame,
            item_col=opts.get("item_col"),
            annotator_col=opts.get("annotator_col"),
            label_cols=list(parse_label_cols(opts.get("label_cols"))),
            scheme_names=schemes,
            declared=declared,
            anonymous=anonymous,
            forced=None if format == "auto" else format,
        )
    except InputError as e:
        raise InputError(
            e.reason, path=table.path, line=e.line, column=e.column, value=e.value
        ) from None


#: why JSON records are read in the long layout (each record is one rating)
_RECORDS = "JSON records: one object per rating"


def _from_table(
    table,
    format: str,
    opts: dict,
    anonymous: bool = False,
    evidence: str | None = None,
    *,
    transpose: bool = False,
) -> Annotations:
    """Annotations from a table of strings in the layout ``format`` (``auto``:
    decided from the content); ``evidence`` replaces the decision's own
    wording when the layout follows from the file type."""
    frame = table.frame
    if frame.empty:
        raise InputError("no data rows (header only?)", path=table.path, line=table.first_line)
    if transpose:
        return _from_raters_x_items(table, opts)
    raters = opts.get("annotator_col")
    if isinstance(raters, list):
        # several annotator columns: the rater columns of a wide table
        opts = {**opts, "annotator_col": None}
        format = "wide"
    else:
        raters = None
    decision = _decide(table, format, opts, anonymous)
    if evidence is not None:
        decision = dataclasses.replace(decision, evidence=evidence)
    notes = [decision.note, *table.notes]
    layout = decision.layout
    if layout in _PLATFORM_TABLES:
        return _from_platform_table(table, layout, opts, notes)
    if layout == "long":
        return _from_long_table(table, opts, anonymous, notes)
    scheme = _single_scheme(opts)
    item_key = clip_key(frame, opts["item_col"] or decision.item_col, opts, table.path, notes)
    decision = dataclasses.replace(decision, item_col=item_key)
    if layout == "wide":
        frame, item_key = wide_item_column(table, item_key, raters, opts, notes)
        check_rater_columns(frame, item_key, raters, table.path)
        lf = layouts.wide_to_long(
            frame,
            path=table.path,
            item_col=item_key,
            first_line=table.first_line,
            scheme=scheme,
            line_numbers=table.line_numbers,
            rater_cols=raters,
        )
    elif layout == "counts":
        lf, opts = _counts_long(table, decision, opts, scheme, notes)
    else:
        raise ValueError(f"layout {layout!r} does not apply to a table")
    ann = _from_longform(
        lf,
        table.path,
        "item",
        {**opts, "annotator_col": "annotator", "label_cols": {scheme: scheme}},
        *notes,
    )
    # a counts table says how many voted for what, never who
    return ann.as_anonymous() if layout == "counts" else ann


def _from_raters_x_items(table, opts: dict) -> Annotations:
    """A wide table with annotators in the rows (``--transpose``)."""
    who = opts.get("annotator_col")
    if isinstance(who, list):
        raise InputError("--transpose takes at most one --annotator-col (the annotator names)")
    who = who or opts.get("item_col")
    if who is None:
        who = annotator_names_column(table.frame, table.path)
    scheme = _single_scheme(opts)
    frame, attributes = _without_attributes(table.frame, who)
    lf = layouts.raters_x_items_to_long(
        frame,
        path=table.path,
        annotator_col=who,
        first_line=table.first_line,
        scheme=scheme,
        line_numbers=table.line_numbers,
    )
    note = "layout: raters-x-items (a wide table transposed with --transpose: rows are annotators)"
    return _from_longform(
        lf,
        table.path,
        "item",
        {**opts, "annotator_col": "annotator", "label_cols": {scheme: scheme}},
        note,
        *attributes,
        *table.notes,
    )


def _without_attributes(frame: pd.DataFrame, who: str | None) -> tuple[pd.DataFrame, list]:
    """A raters x items table without the columns that describe the raters (a
    timestamp, an e-mail: a value per rater that no item column holds), and
    the note naming them; with no annotator column, every column is an item.

    A column whose raters all agree on a value no other item got is an item
    (a rare class), so only columns unlike the labels are taken for attributes
    (:func:`_unlike_labels`)."""
    if who is None:
        return frame, []
    candidates = alien_columns(
        frame, [c for c in frame.columns if c != who], min_filled=min(10, max(3, len(frame) // 2))
    )
    items = [c for c in frame.columns if c != who and c not in candidates]
    labels = pd.Series(pd.unique(frame[items].astype("string").stack().str.strip()), dtype="string")
    labels = labels[labels.notna() & (labels != "")]
    attributes = [c for c in candidates if _unlike_labels(frame[c], labels)]
    if not attributes:
        return frame, []
    note = (
        f"columns {name_list(attributes, 4)} hold a value per annotator that no item column "
        "holds (a timestamp, an e-mail): read as the annotators' attributes, not items"
    )
    return frame.drop(columns=attributes), [note]


def _unlike_labels(column: pd.Series, labels: pd.Series) -> bool:
    """Whether a column's values are no labels of the item columns: a different
    value on every row (an id, a timestamp), numbers beside labels that are not
    (or the reverse), or text over twice as long as the longest label."""
    values = column.astype("string").str.strip().replace("", pd.NA).dropna()
    if len(values) < 3 or not len(labels):
        return False
    if values.nunique() == len(values):
        return True
    numeric = pd.to_numeric(values, errors="coerce").notna().all()
    if numeric != pd.to_numeric(labels, errors="coerce").notna().all():
        return True
    return bool(values.str.len().min() > max(8, 2 * labels.str.len().max()))


_PLATFORM_TABLES = {
    "mturk": platforms.mturk_to_long,
    "toloka": platforms.toloka_to_long,
    "appen": platforms.appen_to_long,
    "qualtrics": surveys.qualtrics_to_long,
}


def _from_platform_table(table, layout: str, opts: dict, notes: list) -> Annotations:
    """A crowdsourcing platform's table (MTurk, Toloka, Figure Eight), with the
    column choices the user named."""
    choices = platforms.ColumnChoices(
        opts.get("item_col"),
        opts.get("annotator_col"),
        parse_label_cols(opts.get("label_cols")),
    )
    lf = _PLATFORM_TABLES[layout](table, choices)
    return _from_longform(lf, table.path, "item", _platform_opts(opts), *notes)


def _counts_long(table, decision, opts: dict, scheme: str, notes: list):
    """A counts table as one row per vote, and the options with its categories
    (from the header, in file order, unless declared)."""
    cats = _declared_categories(opts, scheme)
    count_cols = decision.count_cols
    if cats is None:
        cats = [str(c).strip() for c in count_cols]
        opts = {
            **opts,
            "categories": None,
            "taxonomy": Taxonomy.from_categories({scheme: cats}),
        }
        notes.append("counts layout: categories taken from the header, in file order")
    else:
        by_norm = {str(c).strip().casefold(): c for c in table.frame.columns}
        missing = [c for c in cats if str(c).strip().casefold() not in by_norm]
        if missing:
            raise InputError(
                f"counts table has no column for category {missing[0]!r}",
                path=table.path,
                line=1,
            )
        count_cols = [by_norm[str(c).strip().casefold()] for c in cats]
    lf = layouts.counts_to_long(
        table.frame,
        path=table.path,
        categories=list(cats),
        item_col=opts["item_col"] or decision.item_col,
        first_line=table.first_line,
        scheme=scheme,
        line_numbers=table.line_numbers,
        count_cols=count_cols,
        derived_cols=[c for c in decision.derived_cols if c not in count_cols],
        meta_cols=[c for c in decision.meta_cols if c not in count_cols],
    )
    return lf, opts


def _from_long_table(table, opts: dict, anonymous: bool, notes: list) -> Annotations:
    """One row per rating; anonymous rows get per-item vote slots, and one-hot
    label blocks (GoEmotions) become one binary scheme per label."""
    frame = table.frame
    columns = [str(c) for c in frame.columns]
    opts = dict(opts)
    tax = opts.get("taxonomy")
    schemes = tax.scheme_names if isinstance(tax, Taxonomy) else default_taxonomy().scheme_names
    has_labels = bool(parse_label_cols(opts.get("label_cols"))) or bool(
        find_column(columns, LABEL_COLUMNS) or any(c.strip() in schemes for c in columns)
    )
    for what in ("item", "annotator"):
        named = opts.get(f"{what}_col")
        if isinstance(named, str) and named not in frame.columns:
            raise InputError(
                f"{what} column not found; columns are: {name_list(columns, 8)}",
                path=table.path,
                line=1,
                column=named,
            )
    item_col = opts.get("item_col") or find_column(columns, ITEM_ID_COLUMNS)
    annotator_col = opts.get("annotator_col") or find_column(columns, ANNOTATOR_COLUMNS)
    if annotator_col is None and not anonymous:
        spread = annotator_dicts(frame, opts, columns, notes)
        if spread is not None:
            frame, annotator_col = spread, "_annotators"
            opts["annotator_col"] = annotator_col
            has_labels = True
    if annotator_col is None and not anonymous:
        raise InputError(
            "no annotator column (annotator_id, worker_id, ...): name it with --annotator-col; "
            "--anonymous if rows are ratings by unknown annotators; --format wide|counts if "
            f"rows are items; columns: {name_list(columns, 5)}",
            path=table.path,
            line=1,
        )
    if not has_labels:
        frame = _guess_label_columns(
            frame, (item_col, annotator_col), opts, anonymous, table.path, notes
        )
    if anonymous and annotator_col is None:
        if item_col is None:
            raise InputError(
                "anonymous ratings need an item id column (--item-col)", path=table.path, line=1
            )
        frame = frame.assign(_vote_slot=vote_slots(frame, item_col, opts, notes))
        opts["annotator_col"] = "_vote_slot"
        opts["item_col"] = item_col
        notes.append("anonymous ratings: annotator identities are unknown (--anonymous)")
    ann = annotations_from_long(
        frame,
        source=table.path,
        first_line=table.first_line,
        line_numbers=table.line_numbers,
        prior_notes=notes,
        consume=True,  # the table was read for this alone: free its strings early
        **opts,
    )
    return ann.as_anonymous() if anonymous else ann


def _guess_label_columns(
    frame, ids: tuple, opts: dict, anonymous: bool, path, notes: list
) -> pd.DataFrame:
    """Name the label columns in ``opts`` when no flag and no header word did:
    one column whose name says label, else one-hot 0/1 columns (one choice
    when no row has two ones, else multi-label), else for anonymous votes
    every short column, else the one column whose few values differ between
    the ratings of one clip.  Each choice is noted; the frame is returned
    (with the one-choice column added)."""
    item_col, exclude = ids[0], set(ids)
    columns = [str(c) for c in frame.columns]
    named = _one_label_column([c for c in columns if c not in exclude and _names_a_label(c)], path)
    if named is not None:
        # exactly one column names itself a label (``chosen_label``): that is the
        # evidence, and the note says it was taken
        opts["label_cols"] = [named]
        notes.append(f"label column {named!r} (its name says label; --label-col overrides)")
        return frame
    profile = profile_table(frame[[c for c in columns if c not in exclude]])
    binary = [
        c
        for c, k in profile.kinds.items()
        if k == "count" and profile.n_distinct[c] <= 2 and _is_binary(frame[c])
    ]
    choice = _one_hot_choice(frame, binary) if len(binary) >= 2 and not anonymous else None
    if choice is not None:
        frame = frame.assign(_choice=choice)
        opts["label_cols"] = ["_choice=label"]
        opts["categories"] = {"label": binary}
        none = int(choice.isna().sum())
        notes.append(
            f"one-hot 0/1 columns {name_list(binary, 6)} read as one label, the column that is 1 "
            "(no rating has two)"
            + (f"; {none} rating(s) with none are missing" if none else "")
            + "; name them with --label-col (repeated) for one binary scheme each"
        )
    elif len(binary) >= 2 and not anonymous:
        opts["label_cols"] = binary
        opts["categories"] = {c: ["0", "1"] for c in binary}
        notes.append(
            f"{len(binary)} one-hot 0/1 label columns ({', '.join(binary[:6])}"
            f"{', ...' if len(binary) > 6 else ''}) read as one binary scheme per label "
            "(multi-label data)"
        )
    elif anonymous:
        picked = [
            c
            for c, k in profile.kinds.items()
            if k != "empty"
            and c.strip().casefold() not in _NOT_LABELS
            and (k != "text" or profile.n_distinct[c] <= 50)
        ]
        if picked:
            opts["label_cols"] = picked
            notes.append(f"anonymous ratings: label columns {', '.join(picked)} (one scheme each)")
    elif item_col is not None:
        varying = _varying_label_column(frame, profile, item_col, path)
        if varying is not None:
            opts["label_cols"] = [varying]
            notes.append(
                f"label column {varying!r}: the only column with a small set of values "
                "that differ between the ratings of one item (--label-col overrides)"
            )
    return frame


def _one_hot_choice(frame: pd.DataFrame, binary: list) -> pd.Series | None:
    """The one-choice label of one-hot 0/1 columns: the name of the column that
    is 1 (missing where none is), or None when some row has two ones (then the
    columns are separate questions, a multi-label answer) or most rows none."""
    ones = np.column_stack(
        [pd.to_numeric(frame[c], errors="coerce").fillna(0).to_numpy() == 1 for c in binary]
    )
    per_row = ones.sum(axis=1)
    if (per_row > 1).any() or (per_row == 1).mean() < 0.9:
        return None
    names = np.array([*binary, None], dtype=object)
    return pd.Series(
        names[np.where(per_row == 1, ones.argmax(axis=1), len(binary))], index=frame.index
    )


_NOT_LABELS = {"split", "text", "sentence", "document", "source", "url", "usage", "comment"}


def _varying_label_column(frame, profile, item_col, path) -> str | None:
    """The one column that holds a small set of values (a label set) and differs
    between the ratings of one item, as an answer does and an item's text, split or
    timestamp does not; None when no column does; an error naming them when several do.

    A Label Studio CSV export names its answer after the control (``sentiment``)
    beside ``text``, ``created_at`` and ``lead_time``: only ``sentiment`` qualifies.
    """
    n_rows = max(profile.n_rows, 1)
    small = [
        c
        for c, k in profile.kinds.items()
        if k in ("text", "count")
        and c != item_col
        and str(c).strip().casefold() not in _NOT_LABELS
        and 2 <= profile.n_distinct[c] <= min(50, n_rows / 2)
    ]
    if not small:
        return None
    # lists and objects in cells (JSON fields) are compared as their text
    spread = frame[[item_col, *small]].astype(str).groupby(item_col, sort=False).nunique()
    return _one_label_column([c for c in small if bool((spread[c] > 1).any())], path)


def _one_label_column(candidates: list, path) -> str | None:
    """The one candidate label column, None when there is none; several are
    ambiguous: one line names them and the flag that chooses."""
    if len(candidates) > 1:
        raise InputError(
            f"no column is named as a label, and several could hold it "
            f"({', '.join(map(str, candidates))}): choose with --label-col COL",
            path=path,
            line=1,
        )
    return candidates[0] if candidates else None


def _names_a_label(column: str) -> bool:
    """True when a word of the column name is a label word (``chosen_label``,
    ``true category``), so that the column may hold the answer.

    >>> [_names_a_label(c) for c in ["chosen_label", "is_attn_check", "labels_count"]]
    [True, False, False]
    """
    words = re.split(r"[^0-9a-z]+", str(column).casefold())
    return any(w in LABEL_WORDS for w in words)


def _is_binary(series: pd.Series) -> bool:
    vals = set(series.astype("string").str.strip().str.casefold().dropna())
    return bool(vals) and vals <= {"0", "1"}


def _from_longform(lf, path: str, item_col: str, opts: dict, *notes: str) -> Annotations:
    opts = {**opts, "item_col": item_col}
    if lf.schemes and opts.get("label_cols") is None:
        opts["label_cols"] = list(lf.schemes)
    if lf.categories and opts.get("label_cols") is None:
        # the export declares its schemes and their categories (Prodigy's options)
        opts["label_cols"] = list(lf.categories)
        if opts.get("categories") is None and opts.get("taxonomy") is None:
            opts["categories"] = lf.categories
    return annotations_from_long(
        lf.frame,
        source=path,
        line_numbers=lf.line_numbers,
        prior_entries=lf.entries,
        prior_notes=[*notes, *lf.notes],
        extra_rows_read=lf.extra_rows_read,
        file_rows=lf.file_rows,
        annotator_order=lf.annotator_order,
        items=lf.items,
        **opts,
    )


def _single_scheme(opts) -> str:
    explicit = parse_label_cols(opts.get("label_cols"))
    if len(explicit) == 1:
        col, scheme = next(iter(explicit.items()))
        return scheme or col
    tax = opts.get("taxonomy")
    if isinstance(tax, Taxonomy):
        return tax.scheme_names[0]
    if isinstance(opts.get("categories"), dict) and len(opts["categories"]) == 1:
        return next(iter(opts["categories"]))
    return "label"


def _declared_categories(opts, scheme):
    cats = opts.get("categories")
    if isinstance(cats, dict):
        return cats.get(scheme)
    if cats is not None:
        return list(cats)
    tax = opts.get("taxonomy")
    if isinstance(tax, Taxonomy) and scheme in tax:
        return list(tax[scheme].categories)
    return None


def _check_same_schemes(parts: Sequence[Annotations], paths: Sequence[Path]) -> None:
    """Files merged into one corpus must hold the same label schemes (one may
    lack a scheme the others have, e.g. no fine labels in a batch); label
    columns that share nothing mean a column was renamed between batches,
    which would silently split the ratings into unrelated schemes."""
    for k in range(1, len(parts)):
        here = set(parts[k].schemes)
        for j in range(k):
            there = set(parts[j].schemes)
            if not (here <= there or there <= here):
                raise InputError(
                    f"label columns hold scheme(s) {', '.join(sorted(here - there))} but "
                    f"{paths[j].name} holds {', '.join(sorted(there - here))}: was a column renamed between "
                    "batches? Rename it, or read the files separately",
                    path=paths[k],
                    line=1,
                    column=", ".join(sorted(here - there)),
                )


def _concat(
    parts: Sequence[Annotations], *, duplicates: str | None, paths: Sequence[Path] = ()
) -> Annotations:
    """Merge annotations read from several files (ids united by name).

    Under the default policy (``duplicates=None``), files that rate the same
    annotator/clip pairs for a fifth of the smaller file's ratings or more are
    refused: their clip ids restart in each file (``1, 2, ...``), or they are
    two rounds of one panel; ``--duplicates keep`` says they are repeated
    ratings.
    """
    schemes = list(dict.fromkeys(s for p in parts for s in p.schemes))
    tax = _united_taxonomy(parts, schemes)
    item_twins = _twins_across_files([set(p.item_ids) for p in parts])
    ann_twins = _twins_across_files([set(p.annotator_ids) for p in parts])
    item_ids = natural_sort({item_twins.get(i, i) for p in parts for i in p.item_ids})
    ann_ids = natural_sort({ann_twins.get(a, a) for p in parts for a in p.annotator_ids})
    ipos = {v: k for k, v in enumerate(item_ids)}
    ipos.update({t: ipos[c] for t, c in item_twins.items()})
    apos = {v: k for k, v in enumerate(ann_ids)}
    apos.update({t: apos[c] for t, c in ann_twins.items()})
    items: list = []
    anns: list = []
    labels: dict[str, list] = {s: [] for s in schemes}
    for p in parts:
        items.append(np.array([ipos[i] for i in p.item_ids], dtype=np.int64)[p.item])
        anns.append(np.array([apos[a] for a in p.annotator_ids], dtype=np.int64)[p.annotator])
        for s in schemes:
            if s in p.schemes:
                remap = np.array(
                    [tax[s].categories.index(c) for c in p.categories(s)] + [-1], dtype=np.int64
                )
                labels[s].append(remap[p.labels[s]])
            else:
                labels[s].append(np.full(p.n_ratings, -1, dtype=np.int64))
    ledger = parts[0].ledger
    for p in parts[1:]:
        ledger = ledger.merged(p.ledger)
    ledger = _note_twins(ledger, item_twins, "clip")
    ledger = _note_twins(ledger, ann_twins, "annotator")
    item = np.concatenate(items)
    ann = np.concatenate(anns)
    ledger = _repeats_across_files(parts, item * len(ann_ids) + ann, duplicates, paths, ledger)
    anonymous = {p.anonymous for p in parts}
    if len(anonymous) > 1:
        raise InputError(
            "some input files name their annotators and others hold anonymous votes "
            "(counts tables): read them separately"
        )
    out = Annotations(
        item,
        ann,
        {s: np.concatenate(v) for s, v in labels.items()},
        item_ids,
        ann_ids,
        tax,
        ledger=ledger,
        anonymous=anonymous.pop(),
    )
    return finish_ledger(out)


def _twins_across_files(id_sets: list) -> dict:
    """``{"7.0": "7"}`` for whole numbers one file writes with a decimal point and
    another without (an integer column saved as floats in one export).  Within
    one file the two spellings are two ids, as given."""
    twins = whole_number_twins(set().union(*id_sets))
    return {t: c for t, c in twins.items() if not any(t in ids and c in ids for ids in id_sets)}


def _note_twins(ledger, twins: dict, what: str):
    """The ledger, with a note of the ids read as one (``1.0`` is ``1``)."""
    if not twins:
        return ledger
    t, c = next(iter(twins.items()))
    more = f" and {len(twins) - 1:,} more" if len(twins) > 1 else ""
    note = (
        f"{len(twins):,} {what} ids write a whole number with a decimal point where another "
        f"file writes it without one: read as one {what} ({t!r} is {c!r}{more})"
    )
    return dataclasses.replace(ledger, notes=ledger.notes + (note,))


def _united_taxonomy(parts: Sequence[Annotations], schemes: list) -> Taxonomy:
    """The files' one taxonomy, or every category each scheme has in some file."""
    taxes = [p.taxonomy for p in parts]
    if all(t == taxes[0] for t in taxes):
        return taxes[0]
    cats = {}
    for s in schemes:
        cats[s] = natural_sort({c for p in parts if s in p.schemes for c in p.categories(s)})
    return Taxonomy.from_categories(cats)


def _repeats_across_files(parts, key, duplicates, paths, ledger):
    """The ledger, noting the annotator/clip pairs (``key``) rated in more than
    one file; refused by the default policy when they are many, and by ``error``."""
    n_rep = (
        len(key)
        - len(np.unique(key))
        - sum(p.n_ratings - len(np.unique(p.item * p.n_annotators + p.annotator)) for p in parts)
    )
    smallest = min(p.n_ratings for p in parts)
    if duplicates is None and n_rep >= max(10, 0.2 * smallest):
        names = name_list([Path(x).name for x in paths], 3) if paths else "the input files"
        raise InputError(
            f"{n_rep} annotator/clip pairs are rated in more than one of {names}: clip ids "
            "that restart per file, or two rounds of one panel? Read the files apart, or pass "
            "--duplicates keep (repeated ratings)"
        )
    if n_rep == 0:
        return ledger
    if duplicates == "error":
        raise InputError(
            f"{n_rep} annotator/clip pair(s) are rated in more than one input file "
            "(duplicates policy 'error')"
        )
    return dataclasses.replace(
        ledger,
        notes=ledger.notes
        + (
            f"{n_rep} annotator/clip pair(s) rated in more than one file; all kept "
            "as repeated ratings",
        ),
    )


def load_clips(paths) -> pd.DataFrame:
    """Clip metadata from official list files and/or a metadata CSV.

    Returns
    -------
    DataFrame
        Indexed by ``item_id``; columns such as ``split, session_type,
        environment, room, student, num_frames, frame_dir``.
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    frames = []
    for p in map(Path, paths):
        if not p.exists():
            raise InputError("clip metadata file not found", path=p)
        head = read_text(p)[:8192]
        if looks_like_list_file(head):
            frames.append(read_list_file(p))
            continue
        t = read_delimited(p)

        col = find_column(list(t.frame.columns), ITEM_COLUMNS)
        if col is None:
            raise InputError(
                f"clip metadata needs a clip id column ({', '.join(ITEM_COLUMNS)})", path=p, line=1
            )
        df = t.frame.rename(columns={col: "item_id"})
        dup = df["item_id"].duplicated()
        if dup.any():
            k = int(np.flatnonzero(dup.to_numpy())[0])
            line = int(t.line_numbers[k]) if t.line_numbers is not None else t.first_line + k
            raise InputError(
                "clip listed twice", path=p, line=line, column=col, value=df["item_id"].iloc[k]
            )
        if "num_frames" in df:
            df["num_frames"] = pd.to_numeric(df["num_frames"], errors="coerce").astype("Int64")
        frames.append(df.set_index("item_id"))
    meta = pd.concat(frames)
    meta = meta[~meta.index.duplicated(keep="last")]
    return meta


def clips_matched(listed: pd.Index, rated: pd.Index, joined: pd.DataFrame) -> str:
    """How many clips of the clip metadata (list files) matched the ratings, and
    how many did not, either way.

    >>> listed, rated = pd.Index(["a", "b", "c"]), pd.Index(["b", "c", "d"])
    >>> clips_matched(listed, rated, pd.DataFrame({"n": [1, 2, None]}, index=rated))
    'clip metadata: 2 of 3 listed clips matched the ratings, 1 did not (no rating); 1 rated clip is not listed'
    """
    matched = int(listed.isin(rated).sum())
    unrated = len(listed) - matched
    missing = int(joined.isna().all(axis=1).sum()) if len(joined.columns) else len(rated)
    text = (
        f"clip metadata: {count(matched)} of {count(len(listed))} listed {ITEMS} matched the "
        f"ratings, {count(unrated)} did not" + (" (no rating)" if unrated else "")
    )
    if missing:
        noun = ITEM if missing == 1 else ITEMS
        verb = "is" if missing == 1 else "are"
        return f"{text}; {count(missing)} rated {noun} {verb} not listed"
    return f"{text}; every rated {ITEM} is listed"


def attach_metadata(ann: Annotations, meta: pd.DataFrame | None) -> Annotations:
    """Join clip metadata; fill context from RAER-style ids where absent."""
    ids = pd.Index(ann.item_ids, name="item_id")
    items = pd.DataFrame(index=ids)
    notes = []
    if meta is not None:
        items = meta.reindex(ids)
        notes.append(clips_matched(meta.index, ids, items))
    # only ids that look like RAER paths are parsed (a million plain ids cost nothing:
    # a substring screen first, the regular expression on what passes it)
    maybe = [k for k, i in enumerate(ann.item_ids) if "Class" in i or "SelfStudy" in i]
    raer_like = np.zeros(len(ids), dtype=bool)
    raer_like[maybe] = (
        pd.Series([ann.item_ids[k] for k in maybe], dtype=object)
        .str.contains(r"(?:^|[/\\])(?:Class|SelfStudy)[/\\]", regex=True)
        .to_numpy(bool)
    )
    if raer_like.any():
        parsed = pd.DataFrame(
            [parse_clip_path(i) for i in np.asarray(ids, dtype=object)[raer_like]],
            index=ids[raer_like],
            columns=list(CONTEXT_COLUMNS),
        ).reindex(ids)
        for c in CONTEXT_COLUMNS:
            if c not in items.columns:
                items[c] = parsed[c]
            else:
                items[c] = items[c].fillna(parsed[c])
    if not len(items.columns):
        return ann
    led = ann.ledger
    if notes:
        led = dataclasses.replace(led, notes=led.notes + tuple(notes))
    return ann.with_items(items).with_ledger(led)
