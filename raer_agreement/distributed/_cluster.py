"""Connecting to a Dask cluster, and the reduction helper every estimator uses."""

from __future__ import annotations

import sys
import time

__all__ = ["require_dask", "connect", "tree_reduce", "Progress"]

INSTALL_HINT = "the Dask engine needs the dask extra: pip install 'raer_agreement[dask]'"


def require_dask():
    """Import ``distributed``, or fail with the install hint."""
    try:
        import dask.dataframe  # noqa: F401
        import distributed
    except ImportError as e:
        raise ImportError(f"{INSTALL_HINT} ({e})") from None
    return distributed


def connect(scheduler: str | None = None, *, n_workers: int | None = None, memory_limit=None):
    """A ``distributed.Client``: to ``scheduler`` when given, else to a new ``LocalCluster``.

    Parameters
    ----------
    scheduler : str, optional
        Address of a running scheduler (``tcp://host:8786``), as printed by
        ``dask scheduler``.
    n_workers : int, optional
        Local cluster only: worker processes (default: one per core, one
        thread each).
    memory_limit : str or int, optional
        Local cluster only: memory limit per worker (``"2GB"``); workers
        started with ``dask worker`` take ``--memory-limit`` themselves.

    Returns
    -------
    distributed.Client
        Close it (or use it as a context manager) when done: a local
        cluster is shut down with it.
    """
    distributed = require_dask()
    if scheduler:
        return distributed.Client(scheduler)
    import logging
    import os

    # a client that starts its own LocalCluster closes it on close(); the
    # cluster's routine log lines (shuffle start and end) would drown the progress
    return distributed.Client(
        n_workers=n_workers or os.cpu_count() or 1,
        threads_per_worker=1,
        processes=True,
        memory_limit=memory_limit if memory_limit is not None else "auto",
        dashboard_address=":0",
        silence_logs=logging.ERROR,
    )


def close(client) -> None:
    """Close ``client`` (and the local cluster :func:`connect` started with it)."""
    client.close()


def _sum(*parts):
    """Element-wise sum of tuples of arrays (or numbers)."""
    first = parts[0]
    if isinstance(first, tuple):
        return tuple(_sum(*(p[k] for p in parts)) for k in range(len(first)))
    out = first
    for p in parts[1:]:
        out = out + p
    return out


def tree_reduce(client, futures, combine=_sum, split_every: int = 8):
    """Reduce ``futures`` with ``combine`` in a tree of tasks (``split_every`` inputs each).

    The reduction runs on the workers; only the final, small result travels
    to the caller (``.result()`` of the returned future).
    """
    futures = list(futures)
    if not futures:
        raise ValueError("nothing to reduce")
    while len(futures) > 1:
        futures = [
            client.submit(combine, *futures[i : i + split_every], pure=False)
            for i in range(0, len(futures), split_every)
        ]
    return futures[0]


class Progress:
    """Timed progress lines on stderr (or nowhere when ``enabled`` is False)."""

    def __init__(self, enabled: bool = False, stream=None):
        self.enabled = enabled
        self.stream = stream if stream is not None else sys.stderr
        self.t0 = time.perf_counter()

    def __call__(self, msg: str) -> None:
        if self.enabled:
            print(f"[{time.perf_counter() - self.t0:7.1f} s] {msg}", file=self.stream, flush=True)
