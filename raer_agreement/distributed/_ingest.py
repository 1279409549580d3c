"""Read a folder of long ratings into validated partitions on a Dask cluster.

The steps, each a distributed pass:

1. the files (Parquet or CSV, long layout) are read as a ``dask.dataframe``;
   every row gets its line number (row ``r`` of the concatenated files is
   line ``r + 2``, as the in-memory reader numbers Parquet rows);
2. rows are shuffled by a hash of the (stripped) clip id, so that every
   rating of a clip lands in one partition; a folder written by
   :func:`csv_to_parquet` is clip-partitioned already and is not shuffled;
3. when neither a taxonomy nor categories are declared, the distinct label
   values of each partition are reduced into the category list, so that
   every partition encodes labels the same way;
4. each partition is validated by the in-memory
   :func:`~raer_agreement.io.long.annotations_from_long` with the same
   policies (rows of a clip are whole inside a partition, so duplicates
   and inconsistencies are found exactly as in memory);
5. the distinct annotator ids of the partitions are reduced into one
   sorted list and broadcast; each partition is re-coded against it.
   Clip codes stay local to a partition: no step needs a global clip code.

The ledger's counts are the sums of the partitions' counts.
"""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..annotations import Annotations
from ..errors import InputError
from ..io.invariants import ReadingShape, check_categories, check_shape, repeats_problem
from ..io.long import (
    ANNOTATOR_COLUMNS,
    DECLARED_NOTE,
    INFERRED_NOTE,
    ITEM_COLUMNS,
    annotations_from_long,
    choose_schemes,
    factorize_column,
    find_column,
    infer_categories,
)
from ..io.tables import as_text
from ..ledger import Ledger, LedgerEntry
from ..taxonomy import Taxonomy, load_taxonomy, natural_sort
from ._cluster import Progress, require_dask, tree_reduce

__all__ = ["DaskRatings", "Block", "read_ratings", "input_files", "MARKER"]

#: Column holding each row's line number in the source.
LINE = "__line__"
#: Shuffle key: the stripped clip id.
KEY = "__clip__"
#: File a clip-partitioned folder carries (written by :func:`csv_to_parquet`).
MARKER = "_raer_partitioned.json"

PARQUET_SUFFIXES = (".parquet", ".pq")
CSV_SUFFIXES = (".csv", ".tsv", ".txt")


def input_files(path) -> tuple[list[str], str]:
    """Data files of a folder or glob, in name order, and their kind (``parquet``/``csv``)."""
    p = str(path)
    if os.path.isdir(p):
        cands = glob.glob(os.path.join(p, "**", "*"), recursive=True)
    else:
        cands = glob.glob(p)
    files = sorted(
        f
        for f in cands
        if os.path.isfile(f) and f.lower().endswith(PARQUET_SUFFIXES + CSV_SUFFIXES)
    )
    if not files:
        raise InputError(
            "no Parquet or CSV files found (expected a folder or a glob of long ratings files)",
            path=p,
        )
    kinds = {"parquet" if f.lower().endswith(PARQUET_SUFFIXES) else "csv" for f in files}
    if len(kinds) > 1:
        raise InputError("the input mixes Parquet and CSV files; give one kind", path=p)
    return files, kinds.pop()


@dataclass
class DaskRatings:
    """Validated ratings held in partitions on a Dask cluster.

    Attributes
    ----------
    client : distributed.Client
    parts : list of distributed.Future
        One :class:`Block` per partition (``.annotations()`` gives its
        :class:`~raer_agreement.Annotations`): every rating of its clips,
        clip codes local to the partition, annotator codes global
        (``annotator_ids``).
    annotator_ids : tuple of str, shape (n_annotators,)
    taxonomy : Taxonomy
    schemes : tuple of str
    ledger : Ledger
        Counts summed over the partitions.
    n_items, n_ratings : int
    """

    client: Any  # a dask.distributed.Client; Dask is an optional dependency
    parts: list
    annotator_ids: tuple
    taxonomy: Taxonomy
    schemes: tuple
    ledger: Ledger
    n_items: int
    n_ratings: int
    anonymous: bool = False

    @property
    def n_annotators(self) -> int:
        return len(self.annotator_ids)

    @property
    def n_partitions(self) -> int:
        return len(self.parts)

    def resolve(self, scheme: str | None) -> str:
        """The scheme named (default: the first), or a clear error."""
        if scheme is None:
            return self.schemes[0]
        if scheme not in self.schemes:
            raise InputError(
                f"no scheme {scheme!r} in the ratings (schemes: {', '.join(self.schemes)})",
                column="--scheme",
                value=scheme,
            )
        return scheme

    def categories(self, scheme: str | None = None) -> tuple:
        return self.taxonomy[self.resolve(scheme)].categories

    def release(self) -> None:
        """Free the partitions on the workers."""
        self.client.cancel(self.parts)


# ------------------------------------------------------------------ Parquet pieces
#: Rows per partition when reading Parquet (row groups are grouped up to it).
PIECE_ROWS = 1_000_000


def _parquet_pieces(files, target: int = PIECE_ROWS) -> list:
    """``(file, row groups, first row)`` pieces of about ``target`` rows, from the footers only."""
    import pyarrow.parquet as pq

    pieces = []
    for f in files:
        md = pq.ParquetFile(f).metadata
        start, groups, rows = 0, [], 0
        for rg in range(md.num_row_groups):
            groups.append(rg)
            rows += md.row_group(rg).num_rows
            if rows >= target:
                pieces.append((f, tuple(groups), start))
                start, groups, rows = start + rows, [], 0
        if groups or not pieces or pieces[-1][0] != f:
            pieces.append((f, tuple(groups), start))
    return pieces


def _arrow_frame(table) -> pd.DataFrame:
    import pyarrow as pa

    strings = {pa.string(): pd.StringDtype("pyarrow"), pa.large_string(): pd.StringDtype("pyarrow")}
    return table.to_pandas(types_mapper=strings.get)


def _read_piece(piece) -> pd.DataFrame:
    """One piece; rows numbered as the in-memory reader numbers a Parquet file (row 1 = line 2)."""
    import pyarrow.parquet as pq

    f, groups, start = piece
    df = _arrow_frame(pq.ParquetFile(f).read_row_groups(list(groups)))
    if LINE not in df.columns:
        df[LINE] = np.arange(start, start + len(df), dtype=np.int64) + 2
    return df


def _read_parquet(files):
    """Parquet files as a dask DataFrame of row-group pieces, each row with its file line."""
    import dask.dataframe as dd
    import pyarrow.parquet as pq

    try:
        pieces = _parquet_pieces(files)
        meta = _arrow_frame(pq.ParquetFile(files[0]).schema_arrow.empty_table())
    except Exception as e:  # pyarrow raises several types for damaged files
        raise InputError(
            f"not a readable Parquet file ({type(e).__name__}: {str(e).splitlines()[0][:160]})",
            path=files[0],
        ) from None
    if LINE not in meta.columns:
        meta[LINE] = np.zeros(0, dtype=np.int64)
    return dd.from_map(_read_piece, pieces, meta=meta, enforce_metadata=False)


# ------------------------------------------------------------------ per partition
def _text_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Every column as text (None where missing), as the in-memory Parquet reader reads it.

    String columns are kept; other columns are converted value by distinct value.
    """
    out = {}
    for c in df.columns:
        col = df[c]
        if pd.api.types.is_string_dtype(col.dtype) and not pd.api.types.is_object_dtype(col.dtype):
            out[c] = col
            continue
        codes, uniq = pd.factorize(col, use_na_sentinel=True)
        text = np.array(
            [
                None if v is None or (isinstance(v, float) and np.isnan(v)) else as_text(v)
                for v in uniq
            ]
            + [None],
            dtype=object,
        )
        out[c] = pd.Series(text[codes], index=df.index, dtype=object)
    return pd.DataFrame(out, index=df.index)


def prepare_partition(df, offsets, item_col, first_line, partition_info=None):
    if LINE in df.columns:  # a folder from csv_to_parquet keeps the CSV's line numbers
        lines = df[LINE].to_numpy().astype(np.int64)
        df = df.drop(columns=[LINE])
    else:
        start = offsets[partition_info["number"]] if partition_info else 0
        lines = np.arange(start, start + len(df), dtype=np.int64) + first_line
    out = _text_frame(df)
    out[LINE] = lines
    out[KEY] = out[item_col].astype("string").fillna("").str.strip()
    return out


def _label_values(df, item_col, annotator_col, label_cols) -> dict:
    """Distinct stripped label values per label column, over rows with both ids."""
    ok = np.ones(len(df), dtype=bool)
    for c in (item_col, annotator_col):
        codes, values = factorize_column(df[c])
        ok &= np.array([v is not None for v in values], dtype=bool)[codes]
    out = {}
    for c in label_cols:
        codes, values = factorize_column(df[c])
        present = np.bincount(codes[ok], minlength=len(values)) > 0
        out[c] = {v for v, p in zip(values, present) if p and v is not None}
    return out


def _union(*parts: dict) -> dict:
    out: dict[str, set] = {}
    for p in parts:
        for k, v in p.items():
            out.setdefault(k, set()).update(v)
    return out


def _validate(df: pd.DataFrame, opts: dict) -> Annotations:
    # the shuffle does not keep row order: restore the input order of the clip's rows
    df = df.sort_values(LINE, kind="stable")
    lines = df[LINE].to_numpy()
    frame = df.drop(columns=[LINE, KEY]).reset_index(drop=True)
    return annotations_from_long(frame, line_numbers=lines, **opts)


def _summary(ann: Annotations) -> dict:
    per = np.bincount(ann.item, minlength=ann.n_items)
    pair = pd.Series(ann.item.astype(np.int64) * max(ann.n_annotators, 1) + ann.annotator)
    repeating = np.unique(ann.annotator[pair.duplicated().to_numpy()])
    return {
        "repeating": frozenset(ann.annotator_ids[k] for k in repeating),
        "annotator_ids": ann.annotator_ids,
        "ledger": ann.ledger,
        "n_items": ann.n_items,
        "n_ratings": ann.n_ratings,
        "per_item": np.bincount(per) if len(per) else np.zeros(1, dtype=np.int64),
        "anonymous": ann.anonymous,
        "schemes": ann.schemes,
        "taxonomy": ann.taxonomy,
    }


def _small_int(a: np.ndarray, top: int) -> np.ndarray:
    """``a`` in the narrowest signed integer type that holds -1..top."""
    for t in (np.int8, np.int16, np.int32):
        if top < np.iinfo(t).max:
            return a.astype(t)
    return a.astype(np.int64)


@dataclass
class Block:
    """One partition's ratings, compact while held on a worker.

    Codes are stored in the narrowest integer types and clip ids as one
    Arrow string array (about 11 bytes per rating in all, against 24 bytes
    and a tuple of Python strings in an :class:`Annotations`); each task
    rebuilds the :class:`Annotations` it works on with :meth:`annotations`.
    """

    item: np.ndarray
    annotator: np.ndarray
    labels: dict
    item_ids: Any  # a pyarrow Array of item ids
    annotator_ids: tuple
    taxonomy: Taxonomy
    anonymous: bool = False

    def annotations(self) -> Annotations:
        return Annotations(
            self.item,
            self.annotator,
            self.labels,
            self.item_ids.to_pylist(),
            self.annotator_ids,
            self.taxonomy,
            anonymous=self.anonymous,
        )


def _recode(ann: Annotations, annotator_ids: tuple) -> Block:
    """The partition with annotator codes in the global list ``annotator_ids``."""
    import pyarrow as pa

    pos = {a: k for k, a in enumerate(annotator_ids)}
    remap = np.array([pos[a] for a in ann.annotator_ids] + [0], dtype=np.int64)
    return Block(
        _small_int(ann.item, ann.n_items),
        _small_int(remap[ann.annotator], len(annotator_ids)),
        {s: _small_int(v, ann.n_categories(s)) for s, v in ann.labels.items()},
        pa.array(list(ann.item_ids), type=pa.string()),
        annotator_ids,
        ann.taxonomy,
        ann.anonymous,
    )


# ------------------------------------------------------------------ the ledger
def _median_from_histogram(hist: np.ndarray) -> float:
    """``np.median`` of the values whose counts are ``hist`` (value = index).

    Examples
    --------
    >>> _median_from_histogram(np.array([0, 2, 0, 1])), float(np.median([1, 1, 3]))
    (1.0, 1.0)
    >>> _median_from_histogram(np.array([0, 1, 1, 0, 1, 1])), float(np.median([1, 2, 4, 5]))
    (3.0, 3.0)
    """
    n = int(hist.sum())
    cum = np.cumsum(hist)
    lo = int(np.searchsorted(cum, (n - 1) // 2 + 1))
    hi = int(np.searchsorted(cum, n // 2 + 1))
    return (lo + hi) / 2.0


def merge_ledgers(ledgers, *, sources, notes_replace=None) -> Ledger:
    """One ledger from the partitions' ledgers: counts summed per reason.

    Entries keep the order of the in-memory checks (their first appearance
    in any partition); example lines are the smallest 20 line numbers.
    """
    entries: dict = {}
    notes: list = []
    counted: dict = {}
    rows = 0
    for led in ledgers:
        rows += led.rows_read
        for e in led.entries:
            key = (e.reason, e.dropped)
            if key in entries:
                prev = entries[key]
                entries[key] = LedgerEntry(
                    e.reason,
                    prev.count + e.count,
                    prev.detail,
                    tuple(sorted(prev.lines + e.lines)[:20]),
                    e.dropped,
                )
            else:
                entries[key] = e
        for n in led.notes:
            n = (notes_replace or {}).get(n, n)
            head, _, rest = n.partition(" ")
            if head.isdigit():  # "12 label(s) ... matched ...": a count, summed
                counted[rest] = counted.get(rest, 0) + int(head)
                n = rest
            if n not in notes:
                notes.append(n)
    notes = [f"{counted[n]} {n}" if n in counted else n for n in notes]
    return Ledger(tuple(sources), rows, tuple(entries.values()), tuple(notes))


# ------------------------------------------------------------------ the reader
def _dask_frame(files, kind, sep):
    """The files as one dask DataFrame (CSV values as text, Parquet by row-group pieces)."""
    import dask.dataframe as dd

    if kind == "parquet":
        return _read_parquet(files)
    delim = sep or ("\t" if files[0].lower().endswith(".tsv") else ",")
    return dd.read_csv(
        files, sep=delim, dtype=str, keep_default_na=False, na_filter=False, blocksize="64MB"
    )


def _named_column(columns, path, role, names, **cols):
    """The column given for ``role``, else recognised by name; a missing one is refused.

    The in-memory validator names the missing column exactly as it does for one file.
    """
    col = cols[role] or find_column(columns, names)
    if col is None or col not in columns:
        annotations_from_long(
            pd.DataFrame(columns=columns), source=str(path), **{**cols, role: col}
        )
    return col


def number_rows(ddf, item_col):
    """Each row as text with its source line and the shuffle key (the reader and csv_to_parquet)."""
    offsets = [0]
    if LINE not in ddf.columns:
        lengths = ddf.map_partitions(len).compute()
        offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]]).tolist()
    meta = prepare_partition(ddf._meta, [0], item_col, 2, {"number": 0})
    return ddf.map_partitions(prepare_partition, offsets, item_col, 2, meta=meta)


def _frame_by_clip(path, files, kind, sep, item_col, annotator_col, npartitions, say):
    """Steps 1 and 2: the rows numbered and shuffled by clip; also the columns and the id columns."""
    ddf = _dask_frame(files, kind, sep)
    columns = [str(c) for c in ddf.columns if c != LINE]
    item_col = _named_column(columns, path, "item_col", ITEM_COLUMNS, item_col=item_col)
    pre_partitioned = os.path.isfile(os.path.join(str(path), MARKER))

    say(f"reading {len(files)} {kind} file(s), {ddf.npartitions} partition(s)")
    ddf = number_rows(ddf, item_col)
    if not pre_partitioned:
        n = npartitions or ddf.npartitions
        say(f"shuffling by clip into {n} partition(s)")
        ddf = ddf.shuffle(on=KEY, npartitions=n)
    annotator_col = _named_column(
        columns,
        path,
        "annotator_col",
        ANNOTATOR_COLUMNS,
        item_col=item_col,
        annotator_col=annotator_col,
    )
    return ddf, columns, item_col, annotator_col


def _infer_categories(client, parts, opts, mapping, cats, say):
    """Step 3: the category lists reduced from every partition's label values.

    Categories inferred from the data must be the same in every partition.
    Sets ``opts["categories"]`` and ``opts["label_cols"]``; returns the
    replacement of the ledger's declared-categories note (None when categories were given).
    """
    say("reducing the label values into categories")
    values = tree_reduce(
        client,
        client.map(
            _label_values,
            parts,
            item_col=opts["item_col"],
            annotator_col=opts["annotator_col"],
            label_cols=list(mapping),
        ),
        combine=_union,
    ).result()
    inferred, case_notes = dict(cats or {}), []
    for col, scheme in mapping.items():
        if scheme not in inferred:
            inferred[scheme], n = infer_categories(scheme, values.get(col, set()))
            case_notes += n
    opts["categories"] = inferred
    opts["label_cols"] = dict(mapping)
    if not cats:
        return {DECLARED_NOTE: "\n".join(case_notes + [INFERRED_NOTE])}
    return None


def _validate_partitions(client, ddf, columns, opts, say):
    """Step 4: each partition validated in memory; returns the futures, their summaries, the note replacement."""
    mapping, tax, cats = choose_schemes(
        [c for c in columns if c not in (opts["item_col"], opts["annotator_col"])],
        opts["label_cols"],
        opts["taxonomy"],
        opts["categories"],
        opts["source"],
    )
    notes_replace = None
    infer = tax is None and not (cats and all(s in cats for s in mapping.values()))
    if infer:
        # the partitions are read once and held for two passes
        parts = client.compute(ddf.to_delayed())
        notes_replace = _infer_categories(client, parts, opts, mapping, cats, say)

    say("validating the partitions")
    if infer:
        validated = client.map(_validate, parts, opts=opts)
    else:
        # read and validate in one task graph: a raw partition is freed once validated
        from dask import delayed

        validated = client.compute([delayed(_validate)(p, opts) for p in ddf.to_delayed()])
    summaries = client.gather(client.map(_summary, validated))
    return validated, summaries, notes_replace  # the raw partitions are released here


def _recode_partitions(client, validated, summaries):
    """Step 5: the sorted union of annotator ids, broadcast, and every partition re-coded to it."""
    annotator_ids = tuple(natural_sort({a for s in summaries for a in s["annotator_ids"]}))
    ids_future = client.scatter(annotator_ids, broadcast=True)
    recoded = client.map(_recode, validated, annotator_ids=ids_future)
    require_dask().wait(recoded)
    return annotator_ids, recoded


def _ratings_per_clip(summaries, n_items) -> tuple[np.ndarray, dict]:
    """The histogram of ratings per clip summed over the partitions, and its min/median/mean/max."""
    width = max(len(s["per_item"]) for s in summaries)
    hist = np.zeros(width, dtype=np.int64)
    for s in summaries:
        hist[: len(s["per_item"])] += s["per_item"]
    stats = {}
    if n_items:
        vals = np.flatnonzero(hist)
        stats = {
            "min": float(vals.min()),
            "median": _median_from_histogram(hist),
            "mean": float(np.arange(width) @ hist / n_items),
            "max": float(vals.max()),
        }
    return hist, stats


def _assemble(
    client, recoded, annotator_ids, summaries, path, notes_replace, say, checks
) -> DaskRatings:
    """The partitions as one DaskRatings: ledgers merged, counts summed, reading
    invariants checked (``checks``: the duplicates policy given, and whether the
    categories were declared)."""
    ledger = merge_ledgers(
        [s["ledger"] for s in summaries], sources=(str(path),), notes_replace=notes_replace
    )
    # a replaced note may stand for several lines (case notes, then the inferred note)
    ledger = Ledger(
        ledger.sources,
        ledger.rows_read,
        ledger.entries,
        tuple(line for n in ledger.notes for line in n.split("\n")),
    )
    n_items = sum(s["n_items"] for s in summaries)
    hist, stats = _ratings_per_clip(summaries, n_items)
    ledger = ledger.with_counts(
        n_items=n_items, n_annotators=len(annotator_ids), ratings_per_item=stats
    )
    check_shape(  # the reading invariants of every reader (raer_agreement.io.invariants)
        ReadingShape(
            sum(s["n_ratings"] for s in summaries),
            n_items,
            len(annotator_ids),
            ledger.rows_read,
            int(np.flatnonzero(hist).max(initial=0)),
        ),
        path=path,
        layout="long",
    )
    _check_labels_and_repeats(summaries, ledger, path, *checks)
    say(
        f"{ledger.rows_read} rows read, {ledger.rows_used} used; {n_items} clips, "
        f"{len(annotator_ids)} annotators in {len(recoded)} partition(s)"
    )
    return DaskRatings(
        client=client,
        parts=recoded,
        annotator_ids=annotator_ids,
        taxonomy=summaries[0]["taxonomy"],
        schemes=summaries[0]["schemes"],
        ledger=ledger,
        n_items=n_items,
        n_ratings=sum(s["n_ratings"] for s in summaries),
        anonymous=any(s["anonymous"] for s in summaries),
    )


def _check_labels_and_repeats(summaries, ledger, path, duplicates, declared: bool) -> None:
    """The invariants of the in-memory reader that need the whole reading: the
    share of repeated ratings (the partitions keep and count them) and the
    inferred categories."""
    n_ratings = sum(s["n_ratings"] for s in summaries)
    repeated = sum(e.count for e in ledger.entries if e.reason == "repeated_rating")
    repeating = frozenset().union(*(s["repeating"] for s in summaries))
    n_annotators = len(frozenset().union(*(s["annotator_ids"] for s in summaries)))
    problem = repeats_problem(repeated, n_ratings, len(repeating), n_annotators)
    if duplicates is None and problem is not None:
        raise InputError(problem, path=path)
    if not declared:
        tax = summaries[0]["taxonomy"]
        check_categories({sc: tax[sc].categories for sc in summaries[0]["schemes"]}, path=path)


def read_ratings(
    path,
    client,
    *,
    item_col: str | None = None,
    annotator_col: str | None = None,
    label_cols=None,
    taxonomy=None,
    categories=None,
    duplicates: str | None = None,
    inconsistent: str = "flag",
    unknown: str = "error",
    sep: str | None = None,
    npartitions: int | None = None,
    progress: bool = False,
) -> DaskRatings:
    """Read and validate long ratings files on a Dask cluster.

    Parameters
    ----------
    path : str or Path
        A folder (every ``.parquet``/``.csv`` file inside, recursively) or
        a glob of long-layout files: one row per rating, clip id, annotator
        and label columns.
    client : distributed.Client
    item_col, annotator_col, label_cols, taxonomy, categories, duplicates, inconsistent, unknown
        As in :func:`raer_agreement.io.load_ratings`, applied the same way.
    sep : str, optional
        CSV delimiter (default ``,``; ``\\t`` for ``.tsv``).
    npartitions : int, optional
        Partitions after the shuffle by clip (default: as many as read).
    progress : bool
        Print timed progress lines on stderr.

    Returns
    -------
    DaskRatings
    """
    require_dask()
    say = Progress(progress)
    files, kind = input_files(path)
    if isinstance(taxonomy, (str, Path)):
        taxonomy = load_taxonomy(taxonomy)
    ddf, columns, item_col, annotator_col = _frame_by_clip(
        path, files, kind, sep, item_col, annotator_col, npartitions, say
    )
    opts = dict(
        source=str(path),
        item_col=item_col,
        annotator_col=annotator_col,
        label_cols=label_cols,
        taxonomy=taxonomy,
        categories=categories,
        duplicates=duplicates or "keep",  # None: the CLI default
        inconsistent=inconsistent,
        unknown=unknown,
    )
    validated, summaries, notes_replace = _validate_partitions(client, ddf, columns, opts, say)
    annotator_ids, recoded = _recode_partitions(client, validated, summaries)
    del validated  # the partitions with local annotator codes are no longer needed
    checks = (duplicates, taxonomy is not None or categories is not None)
    return _assemble(client, recoded, annotator_ids, summaries, path, notes_replace, say, checks)
