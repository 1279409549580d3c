"""Atomic output: write to a temporary file beside the target, then rename.

An error or an interruption never leaves a half-written file, and an
existing file is replaced only when the caller says so (``--force``).
:func:`atomic_files` extends this to a set of files written together
(all of them or none).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from ..errors import InputError

__all__ = [
    "atomic_path",
    "atomic_files",
    "atomic_write_text",
    "atomic_write_bytes",
    "check_writable",
]


def check_writable(path, *, force: bool = True) -> Path:
    """Refuse to overwrite ``path`` unless ``force``; create its folder.

    Raises
    ------
    InputError
        When ``path`` exists and ``force`` is false, is a folder, or its
        folder cannot be created.
    """
    p = Path(path)
    if p.is_dir():
        raise InputError("output is an existing folder; expected a file name", path=p)
    if p.exists() and not force:
        raise InputError("output exists; pass --force to overwrite it", path=p)
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise InputError(
            f"cannot create the output folder ({e.strerror or e})", path=p.parent
        ) from None
    return p


def _temp_beside(p: Path) -> Path:
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=p.parent)
    except OSError as e:
        raise InputError(f"cannot write in the output folder ({e.strerror or e})", path=p) from None
    os.close(fd)
    return Path(tmp)


def _publish(tmp: Path, p: Path) -> None:
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the usual file mode
    try:
        os.replace(tmp, p)
    except OSError as e:
        raise InputError(f"cannot write the output ({e.strerror or e})", path=p) from None


@contextlib.contextmanager
def atomic_path(path, *, force: bool = True):
    """Yield a temporary path; on success it is renamed to ``path``.

    On an exception (or an interruption) the temporary file is removed and
    ``path`` is left as it was.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> with atomic_path(d / "x.txt") as tmp:
    ...     _ = tmp.write_text("hello")
    >>> (d / "x.txt").read_text()
    'hello'
    """
    p = check_writable(path, force=force)
    tmp = _temp_beside(p)
    try:
        yield tmp
        _publish(tmp, p)
    finally:
        if tmp.exists():
            tmp.unlink()


@contextlib.contextmanager
def atomic_files(paths: Iterable, *, force: bool = True):
    """Write several files together: all of them, or none.

    Every target is checked (:func:`check_writable`) before anything is
    written; the caller writes each temporary path of the yielded mapping;
    only when the block ends without an error are they renamed into place.

    Yields
    ------
    dict of Path to Path
        Target path -> temporary path to write.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> with atomic_files([d / "a.txt", d / "b.txt"]) as tmp:
    ...     _ = tmp[d / "a.txt"].write_text("a")
    ...     _ = tmp[d / "b.txt"].write_text("b")
    >>> sorted(p.name for p in d.iterdir())
    ['a.txt', 'b.txt']
    """
    targets = [check_writable(p, force=force) for p in paths]
    if len(set(targets)) != len(targets):
        raise ValueError("the same output path is named twice")
    tmps: dict = {}
    try:
        for p in targets:
            tmps[p] = _temp_beside(p)
        yield dict(tmps)
        for p, tmp in tmps.items():
            _publish(tmp, p)
    finally:
        for tmp in tmps.values():
            if tmp.exists():
                tmp.unlink()


def atomic_write_text(path, text: str, *, force: bool = True) -> None:
    with atomic_path(path, force=force) as tmp:
        tmp.write_text(text, encoding="utf-8", newline="\n")


def atomic_write_bytes(path, data: bytes, *, force: bool = True) -> None:
    with atomic_path(path, force=force) as tmp:
        tmp.write_bytes(data)
