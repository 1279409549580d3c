"""Read delimited text, Parquet and JSON Lines files into string tables.

Every value stays a string exactly as written (``003`` is not ``3``, ``NA``
is decided later by the validator), and each row keeps its file line number
for error messages.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import io
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from ..errors import InputError, name_list
from . import arrow_csv

__all__ = [
    "RawTable",
    "read_text",
    "read_header",
    "read_delimited",
    "skip_header_repeats",
    "read_parquet",
    "read_jsonl",
    "read_json_records",
    "records_table",
]


@dataclass
class RawTable:
    """A table of strings read from one file.

    Attributes
    ----------
    frame : DataFrame, shape (n_rows, n_columns)
        Values as ``str`` or missing (``None``/NA) where the format has no value.
    path : str
    first_line : int
        File line of the first data row (2 for a CSV with a header).
    line_numbers : ndarray of int, shape (n_rows,), optional
        File line of every row, when rows are not consecutive lines.
    """

    frame: pd.DataFrame
    path: str
    first_line: int = 2
    line_numbers: np.ndarray | None = None
    notes: tuple = ()

    def row_lines(self) -> np.ndarray:
        """The file line of every row: ``line_numbers``, else consecutive lines."""
        if self.line_numbers is not None:
            return np.asarray(self.line_numbers)
        return np.arange(self.first_line, self.first_line + len(self.frame), dtype=np.int64)


def read_text(path: Path, encoding: str | None = None) -> str:
    """Decode a text file: BOMs (UTF-8, UTF-16, UTF-32) are honoured, else UTF-8
    unless ``encoding`` is given.  Undecodable bytes raise an
    :class:`InputError` naming the line."""
    data = path.read_bytes()
    if encoding is None:
        encoding = detect_encoding(data[:4])
        if encoding == "utf-8" and b"\x00" in data[:4096]:
            # ASCII text in UTF-16 without a byte-order mark: every other byte is NUL
            head = data[:4096]
            guess = "utf-16-le" if head[1::2].count(0) > head[0::2].count(0) else "utf-16-be"
            raise InputError(
                f"the file holds NUL bytes: UTF-16 without a byte-order mark? pass --encoding {guess}",
                path=path,
                line=data[: data.index(b"\x00")].count(b"\n") + 1,
            )
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise InputError(
            f"cannot decode byte {data[e.start : e.start + 1]!r} as {encoding}: "
            f"{_encoding_hint(data, e.start)}",
            path=path,
            line=line,
        ) from None
    except LookupError:
        raise InputError(f"unknown encoding {encoding!r}", path=path) from None
    if "\x00" in text:
        raise InputError(
            "the file holds NUL bytes: not a text table (UTF-16 without a BOM? pass --encoding)",
            path=path,
            line=text[: text.index("\x00")].count("\n") + 1,
        )
    return text


def _encoding_hint(data: bytes, at: int) -> str:
    """Which 8-bit encodings could have written the byte at ``at``, shown by
    the word each one would read there, so the user can pick the right one."""
    start = max(data.rfind(b" ", 0, at), data.rfind(b",", 0, at), data.rfind(b"\n", 0, at)) + 1
    end = min(
        (i for i in (data.find(b" ", at), data.find(b",", at), data.find(b"\n", at)) if i >= 0),
        default=len(data),
    )
    word = data[start : min(end, start + 40)]
    seen = []
    for enc in ("cp1252", "mac_roman", "latin-1"):
        try:
            seen.append(f"--encoding {enc} reads {word.decode(enc).strip()!r}")
        except UnicodeDecodeError:
            continue
    return (
        "the file was written in another encoding; pass the one it was saved in ("
        + "; ".join(seen)
        + ")"
    )


def sniff_sep(header: str, suffix: str) -> str:
    if suffix in (".tsv", ".tab"):
        return "\t"
    counts = {sep: header.count(sep) for sep in (",", "\t", ";", "|")}
    sep, n = max(counts.items(), key=lambda kv: kv[1])
    return sep if n else ","


def detect_encoding(head: bytes) -> str:
    for bom, enc in (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if head.startswith(bom):
            return enc
    return "utf-8"


def read_header(path: Path, *, sep: str | None = None, encoding: str | None = None) -> list:
    """Column names of a delimited file, from its first non-blank line."""
    with open(path, "rb") as fh:
        head = fh.read(1 << 16)
    enc = encoding or detect_encoding(head)
    try:
        text = head.decode(enc, errors="ignore").lstrip("\r\n\ufeff")
    except LookupError:
        return []
    line = text.replace("\r\n", "\n").replace("\r", "\n").split("\n", 1)[0]
    sep = sep or sniff_sep(line, path.suffix.lower())
    try:
        return [h.strip() for h in next(csv.reader([line], delimiter=sep))]
    except (csv.Error, StopIteration):
        return []


def read_delimited(
    path: Path,
    *,
    sep: str | None = None,
    encoding: str | None = None,
    optional_trailing: tuple = (),
    header: bool = True,
) -> RawTable:
    """CSV / TSV with a header row; delimiter sniffed from the header.

    Blank lines (before the header too) are skipped; every row must have as
    many fields as the header, except that trailing columns named in
    ``optional_trailing`` may be absent from a row (MTurk writes an
    ``Approve,Reject`` header over rows without those fields); line numbers in
    errors are file lines, also when a quoted field spans several lines.
    With ``header=False`` the first line is data too, and the columns are
    named ``column_1, column_2, ...`` (a matrix written without names).
    """
    if sep is not None and len(sep) != 1:
        raise InputError("the delimiter must be one character", path=path, value=sep)

    if sep is None:
        _refuse_space_separated(path, encoding)
    head = _clean_head(path, sep=sep, encoding=encoding) if header else None
    if head is not None:
        clean = arrow_csv.read_clean_csv if arrow_csv.available() else _read_clean_utf8
        frame = clean(path, head)
        if frame is not None:
            frame, notes = settle_blank_columns(frame, head.blanks)
            return skip_header_repeats(RawTable(frame, str(path), first_line=2, notes=notes))
    return skip_header_repeats(
        _read_exact(
            path, sep=sep, encoding=encoding, optional_trailing=optional_trailing, header=header
        )
    )


def skip_header_repeats(table: RawTable) -> RawTable:
    """The table without rows that repeat the header (exports joined with
    their headers), with a note naming their lines; such a row is no rating
    (``item_id``, ``worker``, ``label`` would be one, and ``label`` a category).

    >>> import pandas as pd
    >>> t = RawTable(pd.DataFrame({"item": ["a", "item", "b"], "label": ["x", "label", "y"]}), "f.csv")
    >>> kept = skip_header_repeats(t)
    >>> kept.frame["item"].tolist(), kept.line_numbers.tolist(), kept.notes
    (['a', 'b'], [2, 4], ('1 row(s) repeat the header (line 3): skipped, files joined with their headers',))
    """
    frame = table.frame
    if frame.shape[1] < 2 or not len(frame):
        return table
    first = str(frame.columns[0])
    hit = (frame.iloc[:, 0].astype("string").str.strip() == first).fillna(False).to_numpy(bool)
    if not hit.any():
        return table
    for col in frame.columns[1:]:
        values = frame[col][hit].astype("string").str.strip()
        hit[hit] = (values == str(col)).fillna(False).to_numpy(bool)
    if not hit.any():
        return table
    lines = table.row_lines()
    shown = ", ".join(str(int(v)) for v in lines[hit][:3])
    more = ", ..." if hit.sum() > 3 else ""
    note = (
        f"{int(hit.sum())} row(s) repeat the header (line {shown}{more}): skipped, "
        "files joined with their headers"
    )
    return dataclasses.replace(
        table,
        frame=frame[~hit].reset_index(drop=True),
        line_numbers=lines[~hit],
        notes=(*table.notes, note),
    )


def _read_exact(
    path: Path, *, sep: str | None, encoding: str | None, optional_trailing: tuple, header: bool
) -> RawTable:
    """The exact parser of :func:`read_delimited`: Python's csv module over the
    decoded text, with true file line numbers and a located error for every
    irregular row (files the fast reader passes over)."""
    text = read_text(path, encoding)
    if not text.strip():
        raise InputError("the file is empty (expected a header row and ratings)", path=path)
    # csv's own line handling: \n, \r\n and a lone \r all end a record
    first = text.lstrip("\r\n")
    header_line = first.replace("\r\n", "\n").replace("\r", "\n").split("\n", 1)[0]
    sep = sep or sniff_sep(header_line, path.suffix.lower())
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep, quotechar='"', strict=True)
    names = None
    blanks: list = []
    header_lineno = 0
    short = 0
    rows, lines = [], []
    prev = 0
    try:
        for rec in reader:
            start, prev = prev + 1, reader.line_num
            if not rec or (len(rec) == 1 and not rec[0].strip()):
                continue  # blank line
            if names is None:
                if not header:  # the first record is data: positional names
                    names = [f"column_{k + 1}" for k in range(len(rec))]
                    header_lineno = start - 1
                else:
                    names = [h.strip() for h in rec]
                    header_lineno = start
                    blanks = check_header(names, path, start)
                    continue
            if len(rec) < len(names) and set(names[len(rec) :]) <= set(optional_trailing):
                short += 1
                rec = rec + [""] * (len(names) - len(rec))
            if len(rec) != len(names):
                if all(not f.strip() for f in rec):
                    continue  # a line of delimiters only
                raise InputError(
                    f"expected {len(names)} fields separated by {sep!r} as in the "
                    f"{'header' if header else 'first row'} (line "
                    f"{header_lineno if header else header_lineno + 1}), found {len(rec)}",
                    path=path,
                    line=start,
                    value=sep.join(rec)[:80],
                )
            rows.append(rec)
            lines.append(start)
    except csv.Error as e:
        raise InputError(
            f"malformed row ({e}); check the quoting", path=path, line=prev + 1
        ) from None
    if names is None:  # only blank fields, e.g. a lone ""
        raise InputError("the file is empty (expected a header row and ratings)", path=path)
    return _exact_table(path, rows, names, lines, blanks, short, optional_trailing, header_lineno)


def _exact_table(path, rows, names, lines, blanks, short, optional_trailing, header_lineno):
    """The rows the exact parser kept as a table: rows of empty fields only are
    blank lines too, blank header names are settled, short rows are noted."""
    frame = (
        pd.DataFrame(rows, columns=names, dtype=object)
        if rows
        else pd.DataFrame({h: pd.Series([], dtype=object) for h in names})
    )
    if len(names) > 1 and len(frame):
        # rows of empty fields only are blank lines too
        blank = (frame.apply(lambda s: s.str.strip()) == "").all(axis=1).to_numpy()
        if blank.any():
            frame = frame[~blank].reset_index(drop=True)
            lines = np.asarray(lines)[~blank]
    frame, notes = settle_blank_columns(frame, blanks)
    if short:
        notes += (
            f"{short} row(s) end before the header's last column(s) "
            f"({', '.join(h for h in names if h in optional_trailing)}); read as empty",
        )
    return RawTable(
        frame,
        str(path),
        first_line=header_lineno + 1,
        line_numbers=np.asarray(lines, dtype=np.int64),
        notes=notes,
    )


def _refuse_space_separated(path: Path, encoding: str | None) -> None:
    """A file of one column whose first line splits on spaces into several
    fields is space-separated (Krippendorff's matrices): no table of ratings
    has one column, so the delimiter is refused rather than guessed."""
    first = read_header(path, encoding=encoding)
    if len(first) == 1 and len(first[0].split()) >= 3:
        raise InputError(
            f"one column only, and its first line splits on spaces into "
            f"{len(first[0].split())} fields: pass --sep ' ' (and --no-header if the first "
            "line is data)",
            path=path,
            line=1,
            value=first[0],
        )


class CleanHead(NamedTuple):
    """The header of a file that may take a fast reader: UTF-8, a header row
    first, the delimiter known."""

    encoding: str
    sep: str
    header: list
    line: str
    blanks: list = []


def _clean_head(path: Path, *, sep: str | None, encoding: str | None) -> CleanHead | None:
    """The header of a UTF-8 file whose first line is its header, else None
    (the exact parser of :func:`read_delimited` then reads the file)."""
    with open(path, "rb") as fh:
        head = fh.read(1 << 16)
    enc = encoding or detect_encoding(head)
    if enc.replace("_", "-").lower() not in ("utf-8", "utf8", "utf-8-sig") or b"\x00" in head:
        return None
    text = head.decode("utf-8-sig", errors="ignore")  # a byte-order mark is not a name
    if not text.strip() or text[:1] in "\r\n":
        return None
    header_line = text.replace("\r\n", "\n").replace("\r", "\n").split("\n", 1)[0]
    sep = sep or sniff_sep(header_line, path.suffix.lower())
    header = [h.strip() for h in next(csv.reader([header_line], delimiter=sep))]
    blanks = check_header(header, path, 1)
    return CleanHead(enc, sep, header, header_line, blanks)


def _read_clean_utf8(path: Path, head: CleanHead) -> pd.DataFrame | None:
    """Fast path for large, clean UTF-8 files: pandas' C parser streams from disk.

    Returns None whenever the file needs the exact parser of
    :func:`read_delimited` (quotes, blank or short lines, a parse error):
    that parser then gives the located error or the true line numbers.  On a
    clean file both give the same table.
    """
    enc, sep, header = head.encoding, head.sep, head.header
    try:
        with warnings.catch_warnings():
            # a row longer than the header is truncated with only a warning
            warnings.simplefilter("error", pd.errors.ParserWarning)
            frame = pd.read_csv(
                path,
                sep=sep,
                dtype=str,
                keep_default_na=False,
                na_filter=False,
                engine="c",
                skip_blank_lines=False,
                index_col=False,
                encoding=enc,
                quotechar='"',
            )
    except (
        pd.errors.ParserError,
        pd.errors.ParserWarning,
        UnicodeDecodeError,
        ValueError,
        csv.Error,
    ):
        return None
    if frame.shape[1] != len(header) or frame.isna().to_numpy().any():
        return None
    # pandas pads short rows and keeps blank lines as empty rows without a
    # word: with no quote in the file, every line must hold exactly
    # (columns - 1) delimiters, so one count over the bytes settles it
    n_sep = n_quote = 0
    sep_b = sep.encode(enc if enc != "utf-8-sig" else "utf-8")
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 24), b""):
            n_sep += chunk.count(sep_b)
            n_quote += chunk.count(b'"')
    if n_quote or n_sep != (len(frame) + 1) * (len(header) - 1):
        return None
    frame.columns = header
    return frame


def check_header(header: list, path, line: int) -> list:
    """Name blank column names and refuse repeated ones, in place.

    R's unnamed first column of row names (``write.csv``) becomes ``row_name``;
    any other blank name becomes its position, ``column_42`` (see
    :func:`settle_blank_columns`).  Returns the positional names given.

    >>> h = ["", "a", "", "b"]
    >>> check_header(h, "x.csv", 1), h
    (['row_name', 'column_3'], ['row_name', 'a', 'column_3', 'b'])
    """
    blanks = []
    if len(header) > 1 and header[0] == "" and any(header[1:]):
        header[0] = "row_name"
        blanks.append("row_name")
    for k, h in enumerate(header):
        if h == "" and len(header) > 1:
            header[k] = f"column_{k + 1}"
            blanks.append(header[k])
    if any(h == "" for h in header):
        raise InputError("empty column name in the header (column 1)", path=path, line=line)
    seen = set()
    for h in header:
        if h in seen:
            raise InputError(
                "duplicated column name in the header (no header row? pass --no-header)",
                path=path,
                line=line,
                column=h,
            )
        seen.add(h)
    return blanks


def settle_blank_columns(frame: pd.DataFrame, blanks: list) -> tuple[pd.DataFrame, tuple]:
    """Drop the blank-named columns that hold no value (an MTurk batch's empty
    column after ``Reject``); keep the others under their positional names.
    Returns the table and the ledger notes saying which."""
    if not blanks:
        return frame, ()
    empty = [
        c for c in blanks if not (frame[c].astype("string").str.strip().fillna("") != "").any()
    ]
    kept = [c for c in blanks if c not in empty and c != "row_name"]
    notes = []
    if empty:
        frame = frame.drop(columns=empty)
        notes.append(
            f"header: {len(empty)} empty column(s) with no name ignored ({name_list(empty)})"
        )
    if kept:
        notes.append(
            f"header: column(s) with no name but with values named by position: {name_list(kept)}"
        )
    return frame, tuple(notes)


def read_parquet(path: Path) -> RawTable:
    """Parquet via pyarrow; every column read as strings (row 1 = line 2)."""
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise InputError(
            "reading Parquet needs pyarrow: pip install 'raer_agreement[parquet]'", path=path
        ) from None
    try:
        table = pq.read_table(path)
    except Exception as e:  # pyarrow raises several types for damaged files
        raise InputError(
            f"not a readable Parquet file ({type(e).__name__}: {str(e).splitlines()[0][:160]})",
            path=path,
        ) from None
    frame = table.to_pandas()
    out = pd.DataFrame(
        {
            c: frame[c].map(
                lambda v: (
                    None if v is None or (isinstance(v, float) and np.isnan(v)) else as_text(v)
                )
            )
            for c in frame.columns
        }
    )
    return RawTable(out, str(path))


def as_text(v) -> str:
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return str(int(v))
    return str(v)


def read_json_records(path: Path, *, encoding: str | None = None) -> tuple[list, np.ndarray]:
    """JSON Lines as parsed objects and their file line numbers.

    Returns
    -------
    records : list of dict
    lines : ndarray of int, shape (n_records,)
    """
    import json

    text = read_text(path, encoding)
    records, lines = [], []
    for i, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            raise InputError(f"not valid JSON ({e.msg})", path=path, line=i) from None
        if not isinstance(obj, dict):
            raise InputError(
                "expected a JSON object on each line", path=path, line=i, value=line[:60]
            )
        records.append(obj)
        lines.append(i)
    if not records:
        raise InputError("the file is empty (expected one JSON object per line)", path=path)
    return records, np.asarray(lines, dtype=np.int64)


def records_table(records: list, lines: np.ndarray, path) -> RawTable:
    """JSON records as a table of strings (line numbers kept)."""
    rows = [{k: (None if v is None else as_text(v)) for k, v in r.items()} for r in records]
    return RawTable(pd.DataFrame(rows, dtype=object), str(path), first_line=1, line_numbers=lines)


def read_jsonl(path: Path, *, encoding: str | None = None) -> RawTable:
    """JSON Lines: one object per line (line numbers are file lines)."""
    return records_table(*read_json_records(path, encoding=encoding), path)
