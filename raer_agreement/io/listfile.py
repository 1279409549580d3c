"""The official RAER list files and the context held in clip paths.

A list file has one clip per line: ``<frame_dir> <num_frames> <label 1-5>``,
for example ``RAER/images/Class/Classroom/Class005/P002/003 32 4``.  The
path carries the context:

* ``RAER/images/Class/Classroom/ClassNNN/PNNN/clip`` - a class session;
* ``RAER/images/SelfStudy/{Classroom,Library,Laboratory,Dormitory}/PNNN/clip``
  - individual study.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError
from .atomic import atomic_write_text
from .tables import read_text

__all__ = [
    "parse_clip_path",
    "read_list_file",
    "looks_like_list_file",
    "write_list_file",
    "CONTEXT_COLUMNS",
]

#: Item-metadata columns derived from RAER-style paths.
CONTEXT_COLUMNS = ("session_type", "environment", "room", "student")

_LINE = re.compile(r"^\s*(\S+)\s+(\d+)\s+(\S+)\s*$")


def parse_clip_path(path: str) -> dict:
    """Context of a RAER-style clip path.

    Returns
    -------
    dict
        ``session_type`` (``"class"`` or ``"self_study"``), ``environment``
        (``Classroom``, ``Library``, ``Laboratory``, ``Dormitory``), ``room``
        (``Class005`` for class sessions, else the environment), ``student``
        (``P002``); values are None when the path does not follow the layout.

    Examples
    --------
    >>> parse_clip_path("RAER/images/Class/Classroom/Class005/P002/003")
    {'session_type': 'class', 'environment': 'Classroom', 'room': 'Class005', 'student': 'P002'}
    >>> parse_clip_path("RAER/images/SelfStudy/Library/P017/012")["environment"]
    'Library'
    """
    parts = [p for p in str(path).replace("\\", "/").split("/") if p]
    out = dict.fromkeys(CONTEXT_COLUMNS)
    for k, p in enumerate(parts):
        if p in ("Class", "SelfStudy") and k + 1 < len(parts):
            rest = parts[k + 1 :]
            out["session_type"] = "class" if p == "Class" else "self_study"
            out["environment"] = rest[0]
            if p == "Class" and len(rest) >= 3:
                out["room"], out["student"] = rest[1], rest[2]
            elif p == "SelfStudy" and len(rest) >= 2:
                out["room"], out["student"] = rest[0], rest[1]
            break
    return out


def looks_like_list_file(text: str) -> bool:
    """True when the first non-blank lines all read ``<path> <int> <label>``."""
    lines = [ln for ln in text.splitlines()[:20] if ln.strip()]
    return bool(lines) and all(_LINE.match(ln) and "/" in ln.split()[0] for ln in lines)


def read_list_file(path, *, split: str | None = None) -> pd.DataFrame:
    """Read an official list file as clip metadata.

    Parameters
    ----------
    path : str or Path
    split : str, optional
        Split name; default: ``train``/``test``/``val`` found in the file
        name, else the file stem.

    Returns
    -------
    DataFrame
        Indexed by ``item_id`` (the frame directory, as written), columns
        ``frame_dir, num_frames, list_label, split`` and the context columns
        of :func:`parse_clip_path`.
    """
    p = Path(path)
    text = read_text(p)
    if split is None:
        m = re.search(r"(train|test|val(?:id(?:ation)?)?)", p.stem, re.I)
        split = m.group(1).lower() if m else p.stem
    rows = []
    for i, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        m = _LINE.match(line)
        if not m:
            raise InputError(
                "expected '<frame_dir> <num_frames> <label>'",
                path=p,
                line=i,
                value=line.strip()[:80],
            )
        frame_dir, n, label = m.groups()
        rows.append(
            {
                "item_id": frame_dir,
                "frame_dir": frame_dir,
                "num_frames": int(n),
                "list_label": label,
                "split": split,
                **parse_clip_path(frame_dir),
                "_line": i,
            }
        )
    if not rows:
        raise InputError("the list file is empty", path=p)
    df = pd.DataFrame(rows)
    dup = df["item_id"].duplicated()
    if dup.any():
        r = df[dup].iloc[0]
        raise InputError(
            "clip listed twice",
            path=p,
            line=int(r["_line"]),
            column="frame_dir",
            value=r["item_id"],
        )
    return df.drop(columns="_line").set_index("item_id")


def write_list_file(path, frame_dirs, num_frames, labels, *, force: bool = True) -> None:
    """Write the official layout ``<frame_dir> <num_frames> <label>`` atomically.

    Parameters
    ----------
    frame_dirs : sequence of str, shape (n,)
    num_frames : sequence of int, shape (n,)
    labels : sequence of str, shape (n,)
        Codes as the training script expects them (RAER: ``1``..``5``).
    force : bool
        Replace an existing file (else :class:`InputError`).
    """

    nf = np.asarray(num_frames)
    lines = [f"{d} {int(n)} {lab}\n" for d, n, lab in zip(frame_dirs, nf, labels)]
    atomic_write_text(path, "".join(lines), force=force)
