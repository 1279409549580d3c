"""Read delimited text, Parquet and JSON Lines files into string tables.

Every value stays a string exactly as written (``003`` is not ``3``, ``NA``
is decided later by the validator), and each row keeps its file line number
for error messages.
"""
from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError

__all__ = ["RawTable", "read_text", "read_delimited", "read_parquet", "read_jsonl"]


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


def read_text(path: Path, encoding: str | None = None) -> str:
    """Decode a text file: BOMs (UTF-8, UTF-16, UTF-32) are honoured, else UTF-8
    unless ``encoding`` is given.  Undecodable bytes raise an
    :class:`InputError` naming the line."""
    data = path.read_bytes()
    encoding = encoding or _detect_encoding(data[:4])
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise InputError(f"cannot decode byte {data[e.start:e.start + 1]!r} as {encoding} "
                         "(pass --encoding, e.g. latin-1)", path=path, line=line) from None
    except LookupError:
        raise InputError(f"unknown encoding {encoding!r}", path=path) from None
    if "\x00" in text:
        raise InputError("the file holds NUL bytes: not a text table (UTF-16 without a BOM? pass --encoding)",
                         path=path, line=text[: text.index("\x00")].count("\n") + 1)
    return text


def _sniff_sep(header: str, suffix: str) -> str:
    if suffix in (".tsv", ".tab"):
        return "\t"
    counts = {sep: header.count(sep) for sep in (",", "\t", ";", "|")}
    sep, n = max(counts.items(), key=lambda kv: kv[1])
    return sep if n else ","


def _detect_encoding(head: bytes) -> str:
    for bom, enc in ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
                     (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                     (codecs.BOM_UTF16_BE, "utf-16")):
        if head.startswith(bom):
            return enc
    return "utf-8"


def read_delimited(path: Path, *, sep: str | None = None, encoding: str | None = None) -> RawTable:
    """CSV / TSV with a header row; delimiter sniffed from the header.

    Blank lines are skipped; line numbers in errors are file lines.
    """
    with open(path, "rb") as fh:
        head = fh.read(1 << 16)
    encoding = encoding or _detect_encoding(head)
    if encoding in ("utf-8", "utf-8-sig") and b"\x00" not in head:
        source = path  # large files: let the C parser stream from disk
        try:
            first = head.decode(encoding, errors="strict")
        except UnicodeDecodeError as e:
            if e.start < len(head) - 4:  # not just a character cut at the buffer end
                read_text(path, encoding)  # raises the located error
            first = head[: e.start].decode(encoding)
    else:
        source = io.StringIO(read_text(path, encoding))
        first = source.getvalue()[: 1 << 16]
        encoding = None
    if not first.strip():
        raise InputError("the file is empty (expected a header row and ratings)", path=path)
    header_line = first.replace("\r\n", "\n").replace("\r", "\n").split("\n", 1)[0]
    sep = sep or _sniff_sep(header_line, path.suffix.lower())
    header = [h.strip() for h in next(csv.reader([header_line], delimiter=sep))]
    if any(h == "" for h in header):
        raise InputError(f"empty column name in the header (column {header.index('') + 1})", path=path, line=1)
    seen = set()
    for h in header:
        if h in seen:
            raise InputError("duplicated column name in the header", path=path, line=1, column=h)
        seen.add(h)
    try:
        frame = pd.read_csv(source, sep=sep, dtype=str, keep_default_na=False, na_filter=False,
                            skip_blank_lines=False, engine="c", header=0, names=header,
                            quotechar='"', encoding=encoding)
    except UnicodeDecodeError:
        read_text(path, encoding)  # raises the located error
        raise
    except pd.errors.ParserError as e:
        msg = str(e).strip().splitlines()[-1]
        m = re.search(r"line (\d+)", msg)
        raise InputError(f"malformed row ({msg}); expected {len(header)} fields separated by {sep!r}",
                         path=path, line=int(m.group(1)) if m else None) from None
    # blank lines come through as empty rows: remove them, keep true line numbers
    blank = (frame == "").all(axis=1).to_numpy() if len(frame.columns) > 1 else np.zeros(len(frame), bool)
    if blank.any():
        lines = np.arange(2, len(frame) + 2)[~blank]
        return RawTable(frame[~blank].reset_index(drop=True), str(path), line_numbers=lines)
    return RawTable(frame, str(path))


def read_parquet(path: Path) -> RawTable:
    """Parquet via pyarrow; every column read as strings (row 1 = line 2)."""
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise InputError("reading Parquet needs pyarrow: pip install 'raer_agreement[parquet]'",
                         path=path) from None
    try:
        table = pq.read_table(path)
    except Exception as e:  # pyarrow raises several types for damaged files
        raise InputError(f"not a readable Parquet file ({type(e).__name__}: {str(e).splitlines()[0][:160]})",
                         path=path) from None
    frame = table.to_pandas()
    out = pd.DataFrame({c: frame[c].map(lambda v: None if v is None or (isinstance(v, float) and np.isnan(v))
                                        else _as_text(v)) for c in frame.columns})
    return RawTable(out, str(path))


def _as_text(v) -> str:
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return str(int(v))
    return str(v)


def read_jsonl(path: Path, *, encoding: str | None = None) -> RawTable:
    """JSON Lines: one object per line (line numbers are file lines)."""
    import json
    text = read_text(path, encoding)
    rows, lines = [], []
    for i, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            raise InputError(f"not valid JSON ({e.msg})", path=path, line=i) from None
        if not isinstance(obj, dict):
            raise InputError("expected a JSON object on each line", path=path, line=i, value=line[:60])
        rows.append({k: (None if v is None else _as_text(v)) for k, v in obj.items()})
        lines.append(i)
    if not rows:
        raise InputError("the file is empty (expected one JSON object per line)", path=path)
    return RawTable(pd.DataFrame(rows, dtype=object), str(path), first_line=1, line_numbers=np.asarray(lines))
