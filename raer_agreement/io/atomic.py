"""Atomic output: write to a temporary file beside the target, then rename.

An error or an interruption never leaves a half-written file, and an
existing file is replaced only when the caller says so (``--force``).
"""
from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from ..errors import InputError

__all__ = ["atomic_path", "atomic_write_text", "atomic_write_bytes", "check_writable"]


def check_writable(path, *, force: bool = True) -> Path:
    """Refuse to overwrite ``path`` unless ``force``; create its folder."""
    p = Path(path)
    if p.exists() and not force:
        raise InputError("output exists; pass --force to overwrite it", path=p)
    p.parent.mkdir(parents=True, exist_ok=True)
    return p


@contextlib.contextmanager
def atomic_path(path, *, force: bool = True):
    """Yield a temporary path; on success it is renamed to ``path``.

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
    fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=p.parent)
    os.close(fd)
    tmp = Path(tmp)
    try:
        yield tmp
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the usual file mode
        os.replace(tmp, p)
    finally:
        if tmp.exists():
            tmp.unlink()


def atomic_write_text(path, text: str, *, force: bool = True) -> None:
    with atomic_path(path, force=force) as tmp:
        tmp.write_text(text, encoding="utf-8", newline="\n")


def atomic_write_bytes(path, data: bytes, *, force: bool = True) -> None:
    with atomic_path(path, force=force) as tmp:
        tmp.write_bytes(data)
