"""The readers of ratings files, one registry entry each.

A reader is one :class:`Reader`: its name (the ``--format`` value), a line of
help, how the file is parsed (its *kind*), the file extensions and the content
that pick it when ``--format auto``, and the function that reads it.  The
command line's ``--format`` choices and their help, :data:`FORMATS`, and the
platform sniffing of :func:`platform_of` all come from :data:`READERS`, so
adding a reader is one module plus one :func:`register` call.

This module imports neither pandas nor the readers themselves (their
functions are named as ``"module:function"`` and imported on first use), so
that ``--help`` stays fast.

Examples
--------
>>> FORMATS[:4]
('auto', 'long', 'wide', 'counts')
>>> platform_of(["HITId", "WorkerId", "AssignmentStatus", "Answer.x"])
'mturk'
>>> READERS["parquet"].suffixes
('.parquet', '.pq')
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

__all__ = [
    "Reader",
    "READERS",
    "FORMATS",
    "KINDS",
    "register",
    "platform_of",
    "resolve",
    "format_help",
    "looks_like_json_lines",
    "records_reader",
]

#: how a file is parsed before a reader sees it
KINDS = ("table", "parquet", "records", "json")


@dataclass(frozen=True)
class Reader:
    """One input format.

    Attributes
    ----------
    name : str
        The ``--format`` value.
    summary : str
        One line for ``--help``.
    kind : str
        One of :data:`KINDS`: a delimited ``table``, ``parquet``, JSON Lines
        ``records`` or one ``json`` document.
    load : str
        ``"module:function"`` taking ``(source, options)`` and returning
        :class:`~raer_agreement.Annotations` (see :mod:`raer_agreement.io.load`).
    suffixes : tuple of str
        Extensions that make this the reader of its kind under ``--format auto``.
    header : callable, optional
        ``header(set_of_column_names) -> bool``: the columns are this
        platform's export (tables only; pure Python, no pandas).
    sniff : str, optional
        ``"module:function"`` taking the parsed content (the first record for
        ``records``, the document for ``json``) and returning True when the
        content is this reader's.
    refuses : str, optional
        ``"module:function"`` taking what ``sniff`` takes (the first record)
        or, for tables, the set of column names, and returning True when the
        file is one this reader recognises only to refuse: it holds no rating
        of any one annotator (consolidated labels), so no other reading of it
        is right and ``inspect`` suggests none.
    """

    name: str
    summary: str
    kind: str
    load: str
    suffixes: tuple = ()
    header: Callable[[set], bool] | None = None
    sniff: str | None = None
    refuses: str | None = None


#: every reader, in the order ``--format`` lists them
READERS: dict[str, Reader] = {}


def register(reader: Reader) -> Reader:
    """Add a reader (a name used twice is a mistake, refused)."""
    if reader.name in READERS or reader.name == "auto":
        raise ValueError(f"a reader named {reader.name!r} is already registered")
    if reader.kind not in KINDS:
        raise ValueError(f"reader kind must be one of {', '.join(KINDS)}; got {reader.kind!r}")
    READERS[reader.name] = reader
    global FORMATS
    FORMATS = ("auto", *READERS)
    return reader


def format_help() -> str:
    """The ``--format`` help: each reader's name and line.

    >>> format_help().split("; ")[1]
    'long: one row per rating (item, annotator, label)'
    """
    return "; ".join(
        ["auto: decided from the content"] + [f"{r.name}: {r.summary}" for r in READERS.values()]
    )


def resolve(target: str):
    """The object named ``"module:function"`` (imported now)."""
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


def platform_of(columns: Iterable[str]) -> str | None:
    """The crowdsourcing platform whose export has these columns, if any."""
    cols = {str(c) for c in columns}
    for reader in READERS.values():
        if reader.header is not None and reader.header(cols):
            return reader.name
    return None


def looks_like_json_lines(head: str, *, min_lines: int = 2, max_lines: int = 5) -> bool:
    r"""True when a text is JSON Lines: its first non-blank lines (up to
    ``max_lines``, at least ``min_lines`` of them) each hold one JSON object.

    The content decides, whatever the extension: SageMaker's ``.manifest``,
    a ``.txt`` or an older ``.json`` export may hold JSON Lines.  One JSON
    document (an array, or an object spread over several lines) is not JSON
    Lines: its first line is not a whole object.

    Parameters
    ----------
    head : str
        The start of the file, in whole lines (a few kilobytes suffice).
    min_lines, max_lines : int
        How many lines must parse, and how many are looked at.

    Returns
    -------
    bool

    Examples
    --------
    >>> looks_like_json_lines('{"a": 1}\n\n{"a": 2}\n')
    True
    >>> looks_like_json_lines('{\n  "a": 1\n}\n')
    False
    >>> looks_like_json_lines('[{"a": 1},\n {"a": 2}]')
    False
    >>> looks_like_json_lines('{"a": 1}\n')
    False
    """
    import json

    seen = 0
    for line in head.lstrip("\ufeff").splitlines():
        if not line.strip():
            continue
        if not line.lstrip().startswith("{"):
            return False
        try:
            obj = json.loads(line)
        except ValueError:
            return False
        if not isinstance(obj, dict):
            return False
        seen += 1
        if seen >= max_lines:
            break
    return seen >= min_lines


def records_reader() -> Reader:
    """The reader of plain JSON Lines (the ``records`` reader with extensions)."""
    return next(r for r in READERS.values() if r.kind == "records" and r.suffixes)


def _mturk(cols: set) -> bool:
    return {"HITId", "WorkerId", "AssignmentStatus"} <= cols


def _toloka(cols: set) -> bool:
    return any(c.startswith("ASSIGNMENT:") for c in cols) and any(
        c.startswith("OUTPUT:") for c in cols
    )


def _qualtrics(cols: set) -> bool:
    return {"StartDate", "EndDate", "ResponseId"} <= cols


def _appen(cols: set) -> bool:
    # the full report has one row per judgment (_worker_id); the aggregated report,
    # one row per unit (_trusted_judgments), is recognised so that it is refused
    # with its reason (platforms.appen_to_long)
    return "_unit_id" in cols and bool({"_worker_id", "_trusted_judgments"} & cols)


_LOAD = "raer_agreement.io.load"
_PLATFORMS = "raer_agreement.io.platforms"
FORMATS: tuple = ("auto",)

for _reader in (
    Reader("long", "one row per rating (item, annotator, label)", "table", f"{_LOAD}:read_table"),
    Reader(
        "wide",
        "one row per item, one column per annotator (--transpose: rows are annotators)",
        "table",
        f"{_LOAD}:read_table",
    ),
    Reader(
        "counts",
        "one row per item, one column of vote counts per category",
        "table",
        f"{_LOAD}:read_table",
    ),
    Reader("labelstudio", "Label Studio JSON export", "json", f"{_LOAD}:read_json", (".json",)),
    Reader(
        "mturk",
        "Amazon Mechanical Turk batch results",
        "table",
        f"{_LOAD}:read_table",
        header=_mturk,
    ),
    Reader("toloka", "Toloka pool assignments", "table", f"{_LOAD}:read_table", header=_toloka),
    Reader(
        "qualtrics",
        "Qualtrics survey export (respondents are annotators, questions items)",
        "table",
        f"{_LOAD}:read_table",
        header=_qualtrics,
    ),
    Reader(
        "appen",
        "Figure Eight / Appen full report",
        "table",
        f"{_LOAD}:read_table",
        header=_appen,
        refuses=f"{_PLATFORMS}:looks_like_appen_aggregated",
    ),
    Reader(
        "prodigy",
        "Prodigy db-out JSON Lines",
        "records",
        f"{_LOAD}:read_prodigy",
        sniff=f"{_PLATFORMS}:looks_like_prodigy",
    ),
    Reader(
        "groundtruth",
        "SageMaker Ground Truth output manifest (consolidated labels only: refused, saying so)",
        "records",
        f"{_PLATFORMS}:read_groundtruth",
        sniff=f"{_PLATFORMS}:looks_like_groundtruth",
        refuses=f"{_PLATFORMS}:looks_like_groundtruth",
    ),
    Reader(
        "lewidi",
        "LeWiDi per-item JSON",
        "json",
        f"{_LOAD}:read_lewidi",
        sniff=f"{_PLATFORMS}:looks_like_lewidi",
    ),
    Reader(
        "parquet",
        "Parquet table (read as a long table)",
        "parquet",
        f"{_LOAD}:read_parquet_file",
        (".parquet", ".pq"),
    ),
    Reader(
        "jsonl",
        "JSON Lines, one record per rating",
        "records",
        f"{_LOAD}:read_records",
        (".jsonl", ".ndjson"),
    ),
):
    register(_reader)
