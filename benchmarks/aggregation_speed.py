"""Speed and memory of the aggregators on large synthetic corpora.

Usage: python benchmarks/aggregation_speed.py [--ratings 1000000] [--clips 100000] [--annotators 500]

Prints seconds per fit, iterations, peak resident memory, and accuracy
against the generating truth.  Timings depend on the machine: compare
ratios in one run, never absolute seconds.  (crowd-kit, the reference peer,
needs its own environment with scikit-learn < 1.6; run it there on the same
generated file, written with --write-csv, to get side-by-side ratios.)
"""

from __future__ import annotations

import argparse
import resource
import sys
import time

import numpy as np

from raer_agreement import Annotations
from raer_agreement.aggregation import GLAD, MACE, DawidSkene, MajorityVote
from raer_agreement.taxonomy import Taxonomy


def make_corpus(n_clips: int, per_clip: int, n_annotators: int, q: int = 5, seed: int = 0):
    """Dawid-Skene-distributed votes, built directly as integer codes."""
    rng = np.random.default_rng(seed)
    prior = np.array([0.65, 0.05, 0.015, 0.06, 0.225])[:q]
    prior = prior / prior.sum()
    acc = rng.uniform(0.5, 0.95, n_annotators)
    z = rng.choice(q, n_clips, p=prior)
    item = np.repeat(np.arange(n_clips, dtype=np.int64), per_clip)
    ann = rng.integers(0, n_annotators, item.size)
    right = rng.random(item.size) < acc[ann]
    lab = np.where(right, z[item], (z[item] + rng.integers(1, q, item.size)) % q)
    tax = Taxonomy.from_categories({"label": [str(k + 1) for k in range(q)]})
    a = Annotations(
        item,
        ann,
        {"label": lab},
        [str(i) for i in range(n_clips)],
        [f"w{j}" for j in range(n_annotators)],
        tax,
    )
    return a, z


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clips", type=int, default=100_000)
    ap.add_argument("--per-clip", type=int, default=10)
    ap.add_argument("--annotators", type=int, default=500)
    ap.add_argument("--methods", default="majority,dawid-skene,one-coin,glad,mace")
    ap.add_argument(
        "--write-csv", metavar="FILE", help="also write the corpus as item,annotator,label CSV"
    )
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    ann, z = make_corpus(args.clips, args.per_clip, args.annotators)
    print(
        f"{ann.n_ratings:,} ratings, {ann.n_items:,} clips, {ann.n_annotators} annotators "
        f"(built in {time.perf_counter() - t0:.1f} s, peak RSS {peak_mb():.0f} MB)"
    )
    if args.write_csv:
        ann.to_crowdkit().to_csv(args.write_csv, index=False)
    makers = {
        "majority": lambda: MajorityVote(tie_break="lowest"),
        "dawid-skene": lambda: DawidSkene(),
        "one-coin": lambda: DawidSkene(model="one-coin"),
        "glad": lambda: GLAD(),
        "mace": lambda: MACE(),
    }
    truth = z
    for name in args.methods.split(","):
        est = makers[name]()
        t = time.perf_counter()
        est.fit(ann)
        dt = time.perf_counter() - t
        acc = float((est.label_codes_ == truth).mean())
        it = getattr(est, "n_iter_", "-")
        print(
            f"{name:12s} {dt:8.2f} s  iterations {it!s:>4}  accuracy {acc:.4f}  peak RSS {peak_mb():.0f} MB"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
