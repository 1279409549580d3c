"""Every command on every real export: wall time and peak memory, as a user runs them.

Runs ``raer-agreement validate|agreement|aggregate|soft-labels|report`` with
their defaults on each file of ``../shared/datasets/real_formats`` in a fresh
process, and writes ``benchmarks/GALLERY.md``: wall-clock seconds (start-up
included) and the process's own peak RSS.

    python benchmarks/gallery.py [--out benchmarks/GALLERY.md]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REAL = HERE.parent.parent / "shared" / "datasets" / "real_formats"
FILES = [
    "ferplus/fer2013new.csv",
    "mturk_speaker/Batch_3795612_batch_results-2.csv",
    "mturk_facial/Batch_4350992_batch_results.csv",
    "toloka_camarg/assignments_from_pool_42774131__05-02-2024.tsv",
    "lewidi2023/HS-Brexit_train.json",
    "lewidi2023/ArMIS_train.json",
    "prodigy_presto/presto_distortion.jsonl",
]
COMMANDS = {
    "validate": [],
    "agreement": [],
    "aggregate": ["--out", "{tmp}/labels.csv"],
    "soft-labels": ["--out", "{tmp}/soft"],
    "report": ["--out", "{tmp}/report"],
}


def run(argv: list) -> tuple[float, float, int]:
    """Wall seconds, peak RSS in MB and exit code of one child process."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    return wall, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=HERE / "GALLERY.md")
    args = ap.parse_args()
    if not REAL.is_dir():
        print(f"{REAL} is absent", file=sys.stderr)
        return 1
    rows = []
    for name in FILES:
        for cmd, extra in COMMANDS.items():
            with tempfile.TemporaryDirectory() as tmp:
                argv = [sys.executable, "-m", "raer_agreement", cmd, str(REAL / name)]
                argv += [a.format(tmp=tmp) for a in extra]
                wall, rss, code = run(argv)
            rows.append((name, cmd, wall, rss, code))
            print(f"{name:60s} {cmd:12s} {wall:6.1f} s {rss:7.0f} MB exit {code}", flush=True)
    worst = max(r[2] for r in rows)
    lines = [
        "# Every command on every real export",
        "",
        "Made by `python benchmarks/gallery.py`: each command with its defaults, in a fresh",
        "process (start-up, read, compute, write), on the files of",
        "`../shared/datasets/real_formats` (2 cores). Peak RSS is the process's own.",
        f"Slowest command: {worst:.1f} s.",
        "",
        "| file | command | wall (s) | peak RSS (MB) | exit |",
        "|---|---|---:|---:|---:|",
    ]
    lines += [f"| {n} | {c} | {w:.1f} | {m:.0f} | {e} |" for n, c, w, m, e in rows]
    args.out.write_text("\n".join(lines) + "\n")
    return 0 if all(r[4] == 0 for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
