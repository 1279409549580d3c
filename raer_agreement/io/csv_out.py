"""Write large tables as CSV at the speed of one string operation per row.

:func:`write_csv` writes what ``DataFrame.to_csv(index=False,
float_format="%.<P>g", lineterminator="\\n")`` writes, byte for byte, for
frames of text, integer, boolean and float columns.  pandas formats every
value through several Python calls (about 5 us a value); here text columns
are quoted once per distinct value, and each row is one ``%`` with a format
of the whole row, whose ``%.<P>g`` is the very conversion pandas applies
to each float.  Other column types go through pandas.
"""

from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd

__all__ = ["write_csv"]

#: rows formatted per block: bounds the memory of the fixed-width strings
BLOCK_ROWS = 65_536


def _quote(texts: np.ndarray) -> np.ndarray:
    """CSV fields as the csv module writes them (minimal quoting); only the
    values holding a delimiter, quote or line break go through it."""
    joined = "\x00".join(texts)  # one scan in C: most tables need no quoting at all
    if not any(ch in joined for ch in ',"\r\n'):
        return texts
    texts = texts.astype(object)
    for i, t in enumerate(texts):
        if "," in t or '"' in t or "\r" in t or "\n" in t:
            buf = io.StringIO()
            csv.writer(buf, lineterminator="\n").writerow([t, ""])
            texts[i] = buf.getvalue()[:-2]  # the field, without ",\n"
    return texts


def _text_column(col: pd.Series) -> np.ndarray | None:
    """One column as CSV fields (object array of str), or None when pandas
    must format it."""
    dtype = col.dtype
    if dtype.kind in "iu" and isinstance(dtype, np.dtype):
        return col.to_numpy().astype(str).astype(object)
    if dtype.kind == "b" and isinstance(dtype, np.dtype):
        return np.where(col.to_numpy(), "True", "False").astype(object)
    if isinstance(dtype, (pd.StringDtype, pd.Int64Dtype)) or (
        isinstance(dtype, np.dtype) and dtype.kind == "O"
    ):
        if isinstance(dtype, pd.StringDtype):  # Arrow-backed text: encoded in C
            codes, uniques = pd.factorize(col)
        else:
            na = col.isna().to_numpy(bool)
            vals = col.to_numpy(dtype=object, na_value=None)
            codes, uniques = pd.factorize(pd.Series(vals, dtype=object).where(~na, None))
        # text and whole numbers print as str() does; anything else (floats in
        # an object column, dates...) is left to pandas
        if isinstance(dtype, np.dtype) and not all(
            isinstance(u, (str, int, np.integer)) for u in uniques
        ):
            return None
        texts = _quote(np.asarray([str(u) for u in uniques], dtype=object))
        return np.append(texts, "")[np.where(codes < 0, len(uniques), codes)]
    return None


def write_csv(frame: pd.DataFrame, path, *, precision: int = 6) -> None:
    """Write ``frame`` as ``frame.to_csv(path, index=False, float_format="%.{precision}g",
    lineterminator="\\n")`` does, one ``%`` per row.

    Parameters
    ----------
    frame : DataFrame, shape (n_rows, n_columns)
    path : str or Path
        File to write (UTF-8).
    precision : int
        Significant digits of floats.

    Examples
    --------
    >>> import tempfile, os
    >>> df = pd.DataFrame({"id": ["a", "b,c"], "p": [0.25, 1 / 3], "n": [1, 2]})
    >>> path = os.path.join(tempfile.mkdtemp(), "t.csv")
    >>> write_csv(df, path)
    >>> print(open(path).read(), end="")
    id,p,n
    a,0.25,1
    "b,c",0.333333,2
    """
    cols, specs = [], []
    for name in frame.columns:
        col = frame[name]
        if col.dtype.kind == "f" and isinstance(col.dtype, np.dtype):
            cols.append(col.to_numpy(dtype=np.float64))
            specs.append(f"%.{precision}g")
            continue
        text = _text_column(col)
        if text is None:  # a type we do not format: pandas does, exactly as before
            frame.to_csv(path, index=False, float_format=f"%.{precision}g", lineterminator="\n")
            return
        cols.append(text)
        specs.append("%s")
    row_format = ",".join(specs) + "\n"
    floats = [k for k, s in enumerate(specs) if s != "%s"]
    header = ",".join(_quote(np.asarray([str(c) for c in frame.columns], dtype=object)))
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write(header + "\n")
        for lo in range(0, len(frame), BLOCK_ROWS):
            block = [c[lo : lo + BLOCK_ROWS].tolist() for c in cols]
            rows = [row_format % r for r in zip(*block)]
            # pandas writes a missing float as an empty field ("%g" would say nan)
            nan = np.zeros(len(rows), dtype=bool)
            for k in floats:
                nan |= np.isnan(cols[k][lo : lo + BLOCK_ROWS])
            for i in np.flatnonzero(nan):
                rows[i] = (
                    ",".join(
                        ("" if v != v else spec % v) if spec != "%s" else v
                        for v, spec in zip((b[i] for b in block), specs)
                    )
                    + "\n"
                )
            fh.write("".join(rows))
