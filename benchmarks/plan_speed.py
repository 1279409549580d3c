"""Speed of the annotation budget planner at RAER size.

Usage: python benchmarks/plan_speed.py [--resamples 200] [--repeat 1] [--method dawid-skene]

On the bundled corpus (2,649 clips, 24,711 ratings, k = 1..10) it times:

* the library call ``raer_agreement.planning.plan`` per stage (full-panel
  fit, per-k resampling, adaptive simulation), wall-clock and CPU time of
  the process (CPU time is the honest figure on a shared machine, where
  wall-clock time also counts the waits for a core);
* the command ``raer-agreement plan --out DIR`` end to end in a fresh
  process (start-up, reading, computing, plots, queue);
* the naive alternative for one k: fitting a fresh ``DawidSkene`` estimator
  on each subset, from the soft majority vote.

Timings depend on the machine and its load: compare ratios in one run.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from raer_agreement.aggregation import DawidSkene
from raer_agreement.planning import Votes, plan
from raer_agreement.simulate import load_sample, sample_path


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--resamples", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--method", default="dawid-skene")
    args = ap.parse_args(argv)

    ann = load_sample()
    truth = pd.read_csv(sample_path() / "truth.csv", index_col=0)["coarse"]
    print(f"corpus: {ann.n_items} clips, {ann.n_ratings} ratings; load average {os.getloadavg()}")
    for r in range(args.repeat):
        w, c = time.perf_counter(), time.process_time()
        p = plan(ann, "coarse", method=args.method, truth=truth, n_resamples=args.resamples)
        wall, cpu = time.perf_counter() - w, time.process_time() - c
        stages = ", ".join(f"{k} {v:.1f}" for k, v in p.timings.items())
        print(f"plan() run {r + 1}: wall {wall:.1f} s, CPU {cpu:.1f} s ({stages})")

    with tempfile.TemporaryDirectory() as d:
        cmd = [
            str(Path(sys.executable).with_name("raer-agreement")),
            "plan",
            "--resamples",
            str(args.resamples),
            "--method",
            args.method,
            "--out",
            d,
        ]
        c0, w = _children_cpu(), time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        print(
            f"raer-agreement plan (end to end): wall {time.perf_counter() - w:.1f} s, "
            f"CPU {_children_cpu() - c0:.1f} s"
        )

    # the naive way for one k: a fresh estimator per subset, cold start
    votes = Votes.of(ann, "coarse")
    rng = np.random.default_rng(0)
    n = 20
    w, c = time.perf_counter(), time.process_time()
    for _ in range(n):
        DawidSkene().fit(votes.subset(votes.rank(rng) < 5), "coarse")
    per = (time.process_time() - c) / n
    print(
        f"naive: DawidSkene().fit per subset (k=5) CPU {per * 1000:.0f} ms; "
        f"x {args.resamples} resamples x 10 k = {per * args.resamples * 10:.0f} s CPU"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
