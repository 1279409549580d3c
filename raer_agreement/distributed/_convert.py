"""Convert a long CSV into a clip-partitioned Parquet folder."""

from __future__ import annotations

import json
import os
import shutil
import uuid
from pathlib import Path

from ..errors import InputError, name_list
from ..io.long import ITEM_COLUMNS, find_column
from ._cluster import require_dask
from ._ingest import KEY, LINE, MARKER, number_rows

__all__ = ["csv_to_parquet"]


def _clip_column(columns, item_col, src) -> str:
    """The clip id column given or recognised by name; refused, naming the columns, when absent."""
    item_col = item_col or find_column(columns, ITEM_COLUMNS)
    if item_col is None or item_col not in columns:
        raise InputError(
            f"no clip id column found (expected one of {name_list(ITEM_COLUMNS, 5)}); "
            f"columns are: {name_list(columns, 8)}",
            path=src,
            line=1,
        )
    return item_col


def _write_atomically(ddf, out: Path, item_col, npartitions) -> None:
    """The Parquet folder and its marker written beside ``out``, then moved in place in one rename."""
    tmp = out.parent / f".{out.name}.tmp-{uuid.uuid4().hex[:8]}"
    try:
        ddf.to_parquet(str(tmp), write_index=False)
        with open(tmp / MARKER, "w") as fh:
            json.dump(
                {"partitioned_by": item_col, "npartitions": npartitions, "line_column": LINE}, fh
            )
        if out.exists():
            shutil.rmtree(out) if out.is_dir() else out.unlink()
        os.replace(tmp, out)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def csv_to_parquet(
    csv_path,
    out_dir,
    *,
    npartitions: int = 16,
    item_col: str | None = None,
    sep: str = ",",
    blocksize: str = "64MB",
    force: bool = False,
) -> Path:
    """Write a long CSV as a folder of Parquet files partitioned by clip.

    Rows are assigned to a partition by a hash of the stripped clip id, so
    every rating of a clip is in one file and the Dask reader skips its
    shuffle.  Values are kept as text; each row keeps its CSV line number
    (column ``__line__``) so that the ledger's example lines still point
    into the CSV.  Nothing is validated here: the reader does it.

    Runs on the current Dask scheduler (a ``distributed.Client`` if one is
    active, else Dask's local threads).

    Parameters
    ----------
    csv_path : str or Path
        One CSV file with a header row.
    out_dir : str or Path
        Folder to create (``part.<k>.parquet`` plus a ``_raer_partitioned.json``
        marker).
    npartitions : int
    item_col : str, optional
        Clip id column (default: recognised by name, as the reader does).
    sep : str
    blocksize : str
        Bytes of CSV per read task.
    force : bool
        Replace an existing ``out_dir``.

    Returns
    -------
    Path
    """
    require_dask()
    import dask.dataframe as dd

    src = Path(csv_path)
    if not src.is_file():
        raise InputError("file not found", path=src)
    out = Path(out_dir).resolve()
    if out.exists() and not force:
        raise InputError("output exists (use force=True to overwrite)", path=out)
    ddf = dd.read_csv(
        str(src), sep=sep, dtype=str, keep_default_na=False, na_filter=False, blocksize=blocksize
    )
    item_col = _clip_column([str(c) for c in ddf.columns], item_col, src)
    ddf = number_rows(ddf, item_col)
    ddf = ddf.shuffle(on=KEY, npartitions=npartitions).drop(columns=[KEY])
    _write_atomically(ddf, out, item_col, npartitions)
    return out
