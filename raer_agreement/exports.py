"""Files a training script reads: soft-label targets and aggregated list files.

* NPZ: ``clip_ids``, ``classes``, ``codes``, ``counts`` (int64),
  ``probs`` (float32, rows sum to 1), ``labels`` (hard label index, -1 =
  unresolved), ``scheme``; every array is plain (no pickles), so
  ``np.load(path)`` reads it.
* CSV / Parquet: ``clip_id``, one column per class, ``n_ratings``,
  ``entropy``, ``label`` (class name) and ``code`` (external code).
* JSON sidecar: class order, method, parameters, package version, SHA-256
  of each input file, seed.
* The official list layout ``<frame_dir> <num_frames> <label>``, one file
  per ``split`` (``train.txt``, ``test.txt``), with the aggregated labels.

Every file is written atomically (temporary file, then rename) and an
existing file is replaced only with ``force=True``.

Examples
--------
>>> import tempfile, pathlib
>>> import pandas as pd
>>> from raer_agreement.aggregation import vote_distribution
>>> df = pd.DataFrame({"item": ["c1", "c1", "c2"], "annotator": ["a", "b", "a"], "label": ["x", "y", "y"]})
>>> out = pathlib.Path(tempfile.mkdtemp())
>>> written = export_soft_labels(vote_distribution(df), out)
>>> z = np.load(out / "soft_labels.npz")
>>> z["clip_ids"].tolist(), z["classes"].tolist(), z["probs"].tolist()
(['c1', 'c2'], ['x', 'y'], [[0.5, 0.5], [0.0, 1.0]])
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ._version import __version__
from .aggregation.soft_labels import SoftLabels
from .errors import InputError
from .io.atomic import atomic_path, atomic_write_text, check_writable
from .io.csv_out import write_csv
from .io.listfile import write_list_file

__all__ = [
    "file_sha256",
    "write_npz",
    "read_npz",
    "write_table",
    "write_sidecar",
    "write_list_files",
    "export_soft_labels",
    "write_labels_csv",
    "labels_frame",
]


def file_sha256(path) -> str:
    """SHA-256 (hex) of a file's bytes, read in chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _probs32(probs: np.ndarray) -> np.ndarray:
    p = np.asarray(probs, dtype=np.float64)
    p = p / p.sum(axis=1, keepdims=True)
    p32 = p.astype(np.float32)
    # renormalise in float32 so each row sums to 1 at float32 precision
    return p32 / p32.sum(axis=1, keepdims=True, dtype=np.float32)


def write_npz(soft, path, *, force: bool = False) -> Path:
    """Write soft labels as a compressed NPZ (no pickled objects).

    Parameters
    ----------
    soft : SoftLabels
    path : str or Path
    force : bool
        Overwrite an existing file.

    Returns
    -------
    Path
    """
    buf = io.BytesIO()
    np.savez_compressed(
        buf,
        clip_ids=np.asarray(soft.clip_ids, dtype=str),
        classes=np.asarray(soft.classes, dtype=str),
        codes=np.asarray(soft.codes, dtype=str),
        counts=np.asarray(soft.counts, dtype=np.int64),
        probs=_probs32(soft.probs),
        labels=np.asarray(soft.labels, dtype=np.int64),
        scheme=np.asarray(soft.scheme),
    )
    with atomic_path(path, force=force) as tmp:
        tmp.write_bytes(buf.getvalue())
    return Path(path)


def read_npz(path):
    """Read an NPZ written by :func:`write_npz` back as :class:`SoftLabels`."""

    with np.load(path, allow_pickle=False) as z:
        return SoftLabels(
            z["clip_ids"].astype(object),
            tuple(z["classes"].tolist()),
            tuple(z["codes"].tolist()),
            z["counts"],
            z["probs"].astype(np.float64),
            z["labels"],
            str(z["scheme"]),
            "npz",
        )


def _table(soft) -> pd.DataFrame:
    df = soft.to_frame().reset_index()
    codes = np.asarray(list(soft.codes) + [None], dtype=object)
    df["code"] = pd.array(
        codes[np.where(soft.labels >= 0, soft.labels, len(soft.codes))], dtype="string"
    )
    df["clip_id"] = df["clip_id"].astype("string")
    return df


def write_table(soft, path, *, format: str | None = None, force: bool = False) -> Path:
    """Write soft labels as CSV or Parquet (by extension unless ``format``).

    Columns: ``clip_id``, one per class (in class order), ``n_ratings``,
    ``entropy``, ``label``, ``code``.
    """
    p = Path(path)
    fmt = format or ("parquet" if p.suffix.lower() in (".parquet", ".pq") else "csv")
    df = _table(soft)
    with atomic_path(p, force=force) as tmp:
        if fmt == "parquet":
            try:
                df.to_parquet(tmp, index=False)
            except ImportError as e:
                raise InputError(
                    f"writing Parquet needs pyarrow ({e}); install raer_agreement[parquet] or "
                    "write CSV",
                    path=p,
                ) from None
        elif fmt == "csv":
            write_csv(df, tmp, precision=8)
        else:
            raise ValueError(f"format must be 'csv' or 'parquet'; got {fmt!r}")
    return p


def write_sidecar(
    soft,
    path,
    *,
    inputs: Iterable = (),
    files: Sequence = (),
    extra: dict | None = None,
    force: bool = False,
) -> Path:
    """Write the JSON sidecar describing how the targets were made.

    Parameters
    ----------
    soft : SoftLabels
    path : str or Path
    inputs : iterable of paths
        Input files; each is recorded with its SHA-256.
    files : sequence of paths
        The files this sidecar describes.
    extra : dict, optional
        Further entries.
    """
    meta = {
        "package": "raer_agreement",
        "version": __version__,
        "scheme": soft.scheme,
        "classes": list(soft.classes),
        "codes": list(soft.codes),
        "method": soft.method,
        "parameters": soft.params,
        "seed": soft.seed,
        "n_clips": int(len(soft.clip_ids)),
        "inputs": [{"path": str(p), "sha256": file_sha256(p)} for p in inputs],
        "files": [Path(f).name for f in files],
        "layout": {
            "probs": "float32, rows sum to 1, columns in 'classes' order",
            "counts": "int64 votes per clip and class",
            "labels": "hard label index, -1 = unresolved",
        },
    }
    if extra:
        meta.update(extra)
    atomic_write_text(path, json.dumps(meta, indent=2, default=str) + "\n", force=force)
    return Path(path)


def write_list_files(
    labels: pd.Series,
    ann,
    out_dir,
    *,
    scheme: str | None = None,
    prefix: str = "",
    force: bool = False,
) -> dict:
    """Write the official list layout with aggregated labels, one file per split.

    Parameters
    ----------
    labels : Series of class names (or codes), indexed by clip id
        NA (unresolved) clips are left out and counted.
    ann : Annotations
        Supplies ``frame_dir`` (default: the clip id), ``num_frames`` and
        ``split`` from its item metadata.
    out_dir : str or Path
    scheme : str, optional
        Scheme of ``labels`` (for the external codes; default the first).
    prefix : str
        File name prefix (``{prefix}{split}.txt``).

    Returns
    -------
    dict
        ``{split: path}`` plus ``"left_out": n`` (unresolved or unknown clips).
    """
    items = ann.items
    if "num_frames" not in items.columns or items["num_frames"].isna().all():
        raise InputError(
            "writing list files needs the number of frames of each clip: pass the official list "
            "files with --clips (or item metadata with a num_frames column)"
        )
    sch = ann.scheme(scheme)
    to_code = {str(n): str(c) for n, c in zip(sch.categories, sch.codes)}
    to_code.update({str(c): str(c) for c in sch.codes})
    lab = labels.astype(object)
    lab.index = lab.index.map(str)
    lab = lab.reindex(items.index)
    frame_dir = (
        items["frame_dir"].astype(object)
        if "frame_dir" in items.columns
        else pd.Series(items.index.to_numpy(dtype=object), index=items.index)
    )
    frame_dir = frame_dir.where(
        frame_dir.notna(), pd.Series(items.index.to_numpy(dtype=object), index=items.index)
    )
    split = (
        items["split"].astype(object).fillna("all")
        if "split" in items.columns
        else pd.Series("all", index=items.index, dtype=object)
    )
    ok = (
        lab.notna()
        & items["num_frames"].notna()
        & lab.map(lambda v: str(v) in to_code if pd.notna(v) else False)
    )
    out: dict = {"left_out": int((~ok).sum())}
    out_dir = Path(out_dir)
    targets = {s: out_dir / f"{prefix}{s}.txt" for s in pd.unique(split[ok])}
    for p in targets.values():
        check_writable(p, force=force)
    for s, p in targets.items():
        m = ok & (split == s)
        write_list_file(
            p,
            frame_dir[m],
            items.loc[m, "num_frames"],
            [to_code[str(v)] for v in lab[m]],
            force=force,
        )
        out[str(s)] = p
    return out


def labels_frame(estimator) -> pd.DataFrame:
    """``clip_id, label, confidence, prob_<class>...`` of a fitted aggregator, one row per clip."""
    post = estimator.posteriors_
    df = pd.DataFrame(
        {
            "clip_id": pd.array(post.index.to_numpy(dtype=object), dtype="string"),
            "label": estimator.labels_.astype("string").to_numpy(),
            "confidence": estimator.confidence_.to_numpy(),
        }
    )
    for c in post.columns:
        df[f"prob_{c}"] = post[c].to_numpy()
    return df


def write_labels_csv(estimator, path, *, force: bool = False) -> Path:
    """Write ``clip_id, label, confidence, prob_<class>...`` of a fitted aggregator.

    Clip ids are written as given; unresolved labels are empty.
    """
    df = labels_frame(estimator)
    with atomic_path(path, force=force) as tmp:
        write_csv(df, tmp, precision=6)
    return Path(path)


def export_soft_labels(
    soft,
    out_dir,
    *,
    stem: str = "soft_labels",
    formats: Sequence[str] = ("npz", "csv", "parquet"),
    inputs: Iterable = (),
    extra: dict | None = None,
    force: bool = False,
) -> dict:
    """Write soft labels in every requested format plus the JSON sidecar.

    Parameters
    ----------
    soft : SoftLabels
    out_dir : str or Path
    stem : str
        File stem (``soft_labels.npz``, ``soft_labels.csv``, ...).
    formats : sequence of {"npz", "csv", "parquet"}
    inputs : iterable of paths
        Recorded with their SHA-256 in the sidecar.
    force : bool

    Returns
    -------
    dict of format -> Path (``"json"`` for the sidecar)
    """
    out_dir = Path(out_dir)
    bad = [f for f in formats if f not in ("npz", "csv", "parquet")]
    if bad:
        raise ValueError(f"unknown export format {bad[0]!r}; expected npz, csv or parquet")
    paths = {f: out_dir / f"{stem}.{f}" for f in formats}
    paths["json"] = out_dir / f"{stem}.json"
    for p in paths.values():  # refuse before writing anything
        check_writable(p, force=force)
    written = {}
    for f in formats:
        written[f] = (
            write_npz(soft, paths[f], force=force)
            if f == "npz"
            else write_table(soft, paths[f], format=f, force=force)
        )
    written["json"] = write_sidecar(
        soft,
        paths["json"],
        inputs=list(inputs),
        files=list(written.values()),
        extra=extra,
        force=force,
    )
    return written
