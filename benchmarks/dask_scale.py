"""Scale benchmark of the Dask engine (not part of ``make test``).

    python benchmarks/dask_scale.py --sizes 10000000 --workers 2 --memory-limit 2GB

For each size, writes (once) a clip-partitioned Parquet folder of simulated
long ratings under ``benchmarks/results/dask/`` (ten annotators per clip
out of 1,000, five classes, annotators right with their own accuracy, else
a uniform error), then on a ``LocalCluster`` of ``--workers`` single-thread
worker processes with ``--memory-limit`` each, times:

* ``read``: reading and validating the folder (:func:`read_ratings`);
* ``mv``: majority vote (random ties), to per-partition Parquet;
* ``ds``: Dawid-Skene (full confusions) to convergence, to per-partition Parquet;
* ``table``: the coefficient table;

and the peak resident memory of each worker process.  With
``--in-memory`` the same data are also run through the in-memory
estimators in a fresh process (load the files, fit Dawid-Skene), for the
comparison.  Results go to stdout as JSON lines (and to
``benchmarks/results/dask/results.jsonl``).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
OUT = HERE / "results" / "dask"
CLASSES = np.array(["Neutrality", "Enjoyment", "Confusion", "Fatigue", "Distraction"], dtype=object)
PER_CLIP, N_ANN = 10, 1000


def _part(k: int, n_clips: int, first_clip: int, directory: str, seed: int) -> int:
    """One partition of simulated ratings: clips first_clip .. first_clip + n_clips - 1."""
    rng = np.random.default_rng([seed, k])
    acc = np.random.default_rng(seed).uniform(0.35, 0.9, N_ANN)  # same annotators everywhere
    truth = rng.choice(5, n_clips, p=[0.5, 0.2, 0.15, 0.1, 0.05])
    start = rng.integers(0, N_ANN, n_clips)
    ann = ((start[:, None] + 37 * np.arange(PER_CLIP)) % N_ANN).ravel()
    item = np.repeat(np.arange(n_clips), PER_CLIP)
    right = rng.random(len(item)) < acc[ann]
    lab = np.where(right, truth[item], rng.integers(0, 5, len(item)))
    df = pd.DataFrame(
        {
            "clip_id": "clip" + pd.Series(item + first_clip).astype(str),
            "annotator_id": "w" + pd.Series(ann).astype(str),
            "label": CLASSES[lab],
        }
    )
    df.to_parquet(os.path.join(directory, f"part.{k:05d}.parquet"), index=False)
    return len(df)


def make_data(client, n_ratings: int, n_parts: int, seed: int = 0) -> Path:
    from raer_agreement.distributed._ingest import MARKER

    folder = OUT / f"ratings_{n_ratings}"
    if (folder / MARKER).is_file():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    n_clips = n_ratings // PER_CLIP
    bounds = np.linspace(0, n_clips, n_parts + 1).astype(int)
    futs = [
        client.submit(_part, k, int(bounds[k + 1] - bounds[k]), int(bounds[k]), str(folder), seed)
        for k in range(n_parts)
    ]
    client.gather(futs)
    # every clip's ratings are in one file: the reader may skip its shuffle
    (folder / MARKER).write_text(json.dumps({"partitioned_by": "clip_id", "npartitions": n_parts}))
    return folder


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


class Phase:
    """Wall time and CPU seconds (workers and this process) of one phase.

    On a shared machine the wall time depends on the other jobs; the CPU
    seconds do not, and CPU / cores bounds the wall time on an idle machine.
    """

    def __init__(self, client, res, name):
        self.client, self.res, self.name = client, res, name

    def __enter__(self):
        self.cpu0 = sum(self.client.run(_cpu_s).values()) + _cpu_s()
        self.t0 = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.res[self.name + "_s"] = round(time.perf_counter() - self.t0, 2)
        cpu = sum(self.client.run(_cpu_s).values()) + _cpu_s() - self.cpu0
        self.res[self.name + "_cpu_s"] = round(cpu, 2)


def run_dask(folder: Path, n_ratings: int, args) -> dict:
    from raer_agreement import distributed as rd

    res = {"engine": "dask", "n_ratings": n_ratings, "workers": args.workers}
    res["memory_limit"] = args.memory_limit
    with rd.connect(n_workers=args.workers, memory_limit=args.memory_limit) as client:
        with Phase(client, res, "read"):
            r = rd.read_ratings(folder, client, categories=list(CLASSES), progress=True)
        res["partitions"] = r.n_partitions
        out = OUT / "out"
        if "mv" in args.only:
            with Phase(client, res, "mv"):
                rd.majority_vote(r, progress=True).write_parquet(out / "mv", force=True)
        if "ds" in args.only:
            with Phase(client, res, "ds"):
                fit = rd.dawid_skene(r, progress=True)
                fit.write_parquet(out / "ds", force=True)
            res["ds_iter"] = fit.info["n_iter"]
            res["ds_converged"] = fit.info["converged"]
            del fit
        if "table" in args.only:
            with Phase(client, res, "table"):
                tab = rd.agreement_table(r, progress=True)
            res["fleiss_kappa"] = float(tab.loc["fleiss_kappa", "estimate"])
        peaks = client.run(_peak_rss_mb)
        res["worker_peak_rss_mb"] = sorted(round(v) for v in peaks.values())
    return res


def run_memory(folder: Path, n_ratings: int) -> dict:
    """The in-memory estimators on the same files, in a fresh process."""
    code = f"""
import glob, json, resource, time
from raer_agreement.io import load_ratings
from raer_agreement.aggregation import DawidSkene
t = time.perf_counter()
ann = load_ratings(sorted(glob.glob({str(folder)!r} + "/*.parquet")),
                   categories={list(CLASSES)!r})
load = time.perf_counter() - t
t = time.perf_counter()
ds = DawidSkene().fit(ann)
fit = time.perf_counter() - t
r = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({{"load_s": load, "ds_s": fit, "ds_iter": ds.n_iter_,
    "cpu_s": r.ru_utime + r.ru_stime,
    "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}}))
"""
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    res = json.loads(out.strip().splitlines()[-1])
    res.update({"engine": "memory", "n_ratings": n_ratings})
    return res


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", default="10000000", help="comma list of rating counts")
    p.add_argument("--rows-per-part", type=int, default=1_000_000)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--memory-limit", default="2GB")
    p.add_argument("--only", default="mv,ds,table")
    p.add_argument("--in-memory", action="store_true", help="also run the in-memory estimators")
    args = p.parse_args(argv)
    args.only = set(args.only.split(","))
    from raer_agreement import distributed as rd

    OUT.mkdir(parents=True, exist_ok=True)
    for n in [int(s) for s in args.sizes.split(",")]:
        with rd.connect(n_workers=args.workers) as client:
            folder = make_data(client, n, max(1, n // args.rows_per_part))
        rows = [run_dask(folder, n, args)]
        if args.in_memory:
            rows.append(run_memory(folder, n))
        with open(OUT / "results.jsonl", "a") as fh:
            for r in rows:
                print(json.dumps(r), flush=True)
                fh.write(json.dumps(r) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
