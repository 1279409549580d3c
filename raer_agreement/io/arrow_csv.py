"""Clean CSV files at I/O speed: pyarrow's multithreaded reader.

The file is parsed by pyarrow on every core into Arrow string columns that
pandas takes without a copy, as the same ``str`` columns pandas' own reader
gives (so every layout downstream sees the same table).  The validator then
dictionary-encodes each column once and works on the integer codes and the
distinct values only (:func:`raer_agreement.io.long.factorize_column`).
Encoding at read time (Arrow dictionary columns, pandas ``Categorical``)
was measured and not kept: it cost more CPU than encoding after the read
(0.67 s against 0.43 s for read + encode at 1,000,000 ratings), and
categorical columns break the clip-metadata join, which fills in new values.

Only regular files take this path: UTF-8, one record per line, every row as
wide as the header, no blank or delimiter-only row.  Fields may be quoted
(R's ``write.csv`` quotes every string) as long as no value holds a quote or a
line break once unquoted: then file line ``k + 2`` is row ``k``, as the exact
parser counts, and both parsers give the same strings (checked on the values,
not by a second scan of the bytes).  Anything else returns None and the exact parser
of :func:`raer_agreement.io.tables.read_delimited` reads the file and gives
its located one-line error, with true line numbers.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["available", "read_clean_csv"]


def available() -> bool:
    """Whether pyarrow (the ``parquet`` extra) is installed."""
    try:
        import pyarrow.csv  # noqa: F401
    except ImportError:
        return False
    return True


def _holds_quote_or_break(column) -> bool:
    """Whether any value of a string column holds ``"``, ``\\r`` or ``\\n``.

    The bytes of the values are searched where they lie, one buffer per chunk
    (``bytes.find`` runs at memory speed); a regular expression per value took
    an eighth of a 30M-row read.

    Examples
    --------
    >>> import pyarrow as pa
    >>> _holds_quote_or_break(pa.chunked_array([["a", "b"], ['say "hi"']], pa.large_string()))
    True
    >>> _holds_quote_or_break(pa.chunked_array([["a,b", "c d"]], pa.large_string()))
    False
    """
    import numpy as np

    for chunk in column.chunks:
        if len(chunk) == 0:
            continue
        _, offsets, data = chunk.buffers()
        if data is None:
            continue
        bounds = np.frombuffer(offsets, dtype=np.int64)[
            chunk.offset : chunk.offset + len(chunk) + 1
        ]
        values = data.to_pybytes()[int(bounds[0]) : int(bounds[-1])]
        if any(values.find(mark) >= 0 for mark in (b'"', b"\r", b"\n")):
            return True
    return False


def read_clean_csv(path: Path, head):
    """The rows of a clean delimited file as string columns, or None when the
    file needs the exact parser.

    Parameters
    ----------
    path : Path
    head : raer_agreement.io.tables.CleanHead
        The file's UTF-8 header row, delimiter and column names.

    Returns
    -------
    pandas.DataFrame or None
        Rows are consecutive file lines from line 2.
    """
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    sep, header = head.sep, head.header
    if len(header) < 2:
        return None  # a blank line is a valid one-field record: the exact parser decides
    string = pa.large_string()
    try:
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(
                skip_rows=1, column_names=header, use_threads=True, block_size=1 << 24
            ),
            parse_options=pacsv.ParseOptions(
                delimiter=sep,
                quote_char='"',
                double_quote=True,
                newlines_in_values=False,  # a quoted line break: a parse error or a value below
                ignore_empty_lines=False,  # a blank line is a short row: an error here
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={h: string for h in header},
                strings_can_be_null=False,
                null_values=[],
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, UnicodeDecodeError, OSError):
        return None
    if table.num_rows == 0:
        return None
    columns = table.columns
    if any(_holds_quote_or_break(c) for c in columns):
        return None  # an escaped quote or a line break in a value: the exact parser's rules
    # a row of empty or blank fields only is a blank line to the exact parser
    blank = None
    for c in columns:
        here = pc.or_(pc.equal(c, ""), pc.utf8_is_space(c))
        blank = here if blank is None else pc.and_(blank, here)
        if not pc.any(blank).as_py():
            break
    else:
        return None
    # the dtype pandas' reader gives text (pandas 3: Arrow-backed ``str``)
    target = pd.Series([], dtype=str).dtype
    arrow_backed = getattr(target, "storage", None) == "pyarrow"
    frame = table.to_pandas(types_mapper={pa.large_string(): target}.get if arrow_backed else None)
    frame.columns = header
    return frame
