"""Scale: how time and peak memory grow with the number of ratings.

For each size (10^4 .. 10^7 ratings; items x 10 ratings, 500 annotators,
5 classes, from ``data.py``):

* ``load``: ``raer_agreement.load_ratings`` on the long ratings CSV
  (``clip_id, annotator_id, coarse``), i.e. parsing and validating it, in a
  fresh process;
* ``mv``, ``ds``, ``table``: majority vote, Dawid-Skene (relative
  tolerance 1e-5, at most 100 EM iterations) and the coefficient table
  without bootstrap, each in a fresh
  process from the integer codes (``run.py --worker``);
* ``pipeline``: one process doing all four from the CSV, the way a user
  would; its peak RSS is the whole job's.

Each records time (``time.perf_counter``) and peak RSS (``ru_maxrss``).  The
target is peak memory under 4 GB at 10,000,000 ratings.  Writes
``benchmarks/scaling.png`` (log-log, matplotlib Agg) and returns a summary
whose Markdown ``run.py`` puts into ``RESULTS.md``.  Run alone::

    python benchmarks/scale.py [--sizes 1e4 1e5 1e6 1e7]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import traceback
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import data as bdata  # noqa: E402
from peers import current_rss_mb, rss_mb, run_child  # noqa: E402

SIZES = {"1e4": 10_000, "1e5": 100_000, "1e6": 1_000_000, "1e7": 10_000_000}
STEPS = ("load", "mv", "ds", "table")
STEP_NAMES = {
    "load": "load + validate CSV (load_ratings)",
    "mv": "majority vote",
    "ds": "Dawid-Skene (tol 1e-5, at most 100 iterations)",
    "table": "coefficient table (no bootstrap)",
    "pipeline": "all four in one process",
}
LIMIT_MB = 4096
PLOT = HERE / "scaling.png"
RUNS = bdata.RESULTS / "scale"


# ----------------------------------------------------------------- workers
def pipeline_worker(csv: Path, out: Path, steps) -> None:
    """Load the CSV, then (optionally) aggregate and tabulate; record the
    time of each step and the process's peak RSS after it."""
    import raer_agreement as ra

    rec = {"rss_before_mb": current_rss_mb(), "steps": {}}
    try:
        t0 = time.perf_counter()
        ann = ra.load_ratings(csv)
        rec["steps"]["load"] = {"time": time.perf_counter() - t0, "peak_rss_mb": rss_mb()}
        rec["n_ratings"] = ann.n_ratings
        if "mv" in steps:
            from raer_agreement.aggregation import MajorityVote

            t0 = time.perf_counter()
            MajorityVote(tie_break="lowest").fit(ann)
            rec["steps"]["mv"] = {"time": time.perf_counter() - t0, "peak_rss_mb": rss_mb()}
        if "ds" in steps:
            from raer_agreement.aggregation import DawidSkene

            t0 = time.perf_counter()
            DawidSkene(max_iter=100, tol=1e-5).fit(ann)
            rec["steps"]["ds"] = {"time": time.perf_counter() - t0, "peak_rss_mb": rss_mb()}
        if "table" in steps:
            from raer_agreement.metrics import agreement_table

            t0 = time.perf_counter()
            agreement_table(ann, n_boot=0)
            rec["steps"]["table"] = {"time": time.perf_counter() - t0, "peak_rss_mb": rss_mb()}
    except Exception as exc:
        rec["error"] = f"{type(exc).__name__}: {exc}"
        rec["traceback"] = traceback.format_exc()[-3000:]
    rec["peak_rss_mb"] = rss_mb()
    out.write_text(json.dumps(rec, indent=1) + "\n")


# ------------------------------------------------------------ orchestration
def measure_size(name: str, timeout: float, pipeline: bool) -> dict:
    n = SIZES[name]
    folder = bdata.ensure(name, n)
    csv = bdata.write_csv(folder, bdata.RESULTS / f"ratings_{name}.csv")
    RUNS.mkdir(parents=True, exist_ok=True)
    res = {"n_ratings": n, "csv_mb": csv.stat().st_size / 2**20, "steps": {}}
    out = RUNS / f"load-{name}.json"
    rec = run_child(
        [sys.executable, str(HERE / "scale.py"), "--worker", "load", str(csv), "--out", str(out)],
        out,
        timeout,
    )
    res["steps"]["load"] = (
        {"time": rec["steps"]["load"]["time"], "peak_rss_mb": rec["peak_rss_mb"]}
        if "load" in rec.get("steps", {})
        else {"error": rec.get("error", "failed")}
    )
    for step in ("mv", "ds", "table"):
        out = RUNS / f"{step}-{name}.json"
        rec = run_child(
            [
                sys.executable,
                str(HERE / "run.py"),
                "--worker",
                step,
                str(folder),
                "--repeat",
                "1",
                "--out",
                str(out),
            ],
            out,
            timeout,
        )
        if "median" in rec:
            res["steps"][step] = {"time": rec["median"], "peak_rss_mb": rec["peak_rss_mb"]}
        else:
            res["steps"][step] = {"error": rec.get("error") or rec.get("unavailable") or "failed"}
    if pipeline:
        out = RUNS / f"pipeline-{name}.json"
        rec = run_child(
            [
                sys.executable,
                str(HERE / "scale.py"),
                "--worker",
                "pipeline",
                str(csv),
                "--out",
                str(out),
            ],
            out,
            timeout * 2,
        )
        res["pipeline"] = rec
    return res


def slope(xs, ys) -> float:
    xs, ys = np.log10(np.asarray(xs, float)), np.log10(np.asarray(ys, float))
    if len(xs) < 2:
        return float("nan")
    return float(np.polyfit(xs, ys, 1)[0])


def plot(results: dict) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax, bx) = plt.subplots(1, 2, figsize=(10, 4.2))
    for step in STEPS:
        pts = [
            (r["n_ratings"], r["steps"][step])
            for r in results.values()
            if "time" in r["steps"].get(step, {})
        ]
        if not pts:
            continue
        n = [p[0] for p in pts]
        ax.loglog(n, [p[1]["time"] for p in pts], "o-", label=STEP_NAMES[step])
        bx.loglog(n, [p[1]["peak_rss_mb"] for p in pts], "o-", label=STEP_NAMES[step])
    all_n = sorted(r["n_ratings"] for r in results.values())
    if all_n:
        ref = np.array([all_n[0], all_n[-1]], float)
        ax.loglog(ref, 1e-6 * ref, "k:", lw=1, label="linear (1 µs per rating)")
        bx.axhline(LIMIT_MB, color="r", ls="--", lw=1, label="4 GB target")
    ax.set(xlabel="ratings", ylabel="time (s)", title="Time vs corpus size")
    bx.set(xlabel="ratings", ylabel="peak RSS (MB)", title="Peak memory (fresh process per step)")
    for a in (ax, bx):
        a.grid(True, which="both", alpha=0.3)
        a.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(PLOT, dpi=110)
    plt.close(fig)


def markdown(results: dict) -> str:
    names = list(results)
    L = [
        "Time (s) and peak RSS (MB) per step, each step in a fresh process. `load` parses and validates "
        "the long ratings CSV with `load_ratings`; the other steps start from the integer codes.",
        "",
        "| step | "
        + " | ".join(f"{results[k]['n_ratings']:,} ratings" for k in names)
        + " | log-log slope |",
        "|---|" + "---:|" * len(names) + "---:|",
    ]
    for step in STEPS:
        cells, xs, ys = [], [], []
        for k in names:
            s = results[k]["steps"].get(step, {})
            if "time" in s:
                cells.append(f"{s['time']:.3g} s, {s['peak_rss_mb']:.0f} MB")
                xs.append(results[k]["n_ratings"])
                ys.append(max(s["time"], 1e-6))
            else:
                cells.append(s.get("error", "-")[:60])
        big = [
            i for i, x in enumerate(xs) if x >= 1_000_000
        ]  # smaller sizes: fixed costs (imports) dominate
        sl = slope([xs[i] for i in big], [ys[i] for i in big]) if len(big) >= 2 else float("nan")
        L.append(f"| {STEP_NAMES[step]} | " + " | ".join(cells) + f" | {sl:.2f} |")
    L += [
        "",
        "The slope is fitted over sizes from 1,000,000 ratings up (1.0 = linear time; below that, fixed costs such as importing scipy.stats dominate).",
        "",
    ]
    top = names[-1]
    pipe = results[top].get("pipeline")
    if pipe:
        if "steps" in pipe and pipe["steps"]:
            parts = ", ".join(
                f"{STEP_NAMES[s]} {v['time']:.1f} s (peak so far {v['peak_rss_mb']:.0f} MB)"
                for s, v in pipe["steps"].items()
            )
            L.append(
                f"Whole job in one process at {results[top]['n_ratings']:,} ratings "
                f"(CSV {results[top]['csv_mb']:.0f} MB): {parts}."
            )
        if "error" in pipe:
            L.append(f"The one-process job failed: {pipe['error'][:300]}")
        peak = pipe.get("peak_rss_mb")
        if peak:
            L.append(
                f"Peak RSS of the whole job: {peak:.0f} MB: "
                + (
                    "**under** the 4 GB target."
                    if peak < LIMIT_MB
                    else f"**over** the 4 GB target by {peak - LIMIT_MB:.0f} MB."
                )
            )
    over = [
        f"{STEP_NAMES[s]} ({results[top]['steps'][s]['peak_rss_mb']:.0f} MB)"
        for s in STEPS
        if results[top]["steps"].get(s, {}).get("peak_rss_mb", 0) >= LIMIT_MB
    ]
    if over:
        L.append("Steps over 4 GB on their own at the largest size: " + ", ".join(over) + ".")
    L += ["", f"![time and peak memory against the number of ratings]({PLOT.name})", ""]
    return "\n".join(L)


#: Why a step may exceed the memory target (shown only when it does; see README.md).
WHY_OVER = {
    "load": "io.long.annotations_from_long turns each column into an object array of Python strings "
    "and strips/casefolds every value (about 0.6 GB per 10M-row column); see README.md"
}


def memory_targets(results: dict) -> list[dict]:
    """The 4 GB target at the largest size, per step and for the whole job."""
    top = max(results, key=lambda k: results[k]["n_ratings"])
    n = results[top]["n_ratings"]
    out = []
    for step in STEPS:
        s = results[top]["steps"].get(step, {})
        t = {
            "row": f"mem_{step}",
            "name": f"peak memory, {STEP_NAMES[step]}",
            "n_ratings": n,
            "limit_mb": LIMIT_MB,
        }
        if "peak_rss_mb" in s:
            t["peak_mb"] = s["peak_rss_mb"]
            t["status"] = "met" if s["peak_rss_mb"] < LIMIT_MB else "missed"
            if t["status"] == "missed":
                t["missed_by"] = f"{s['peak_rss_mb'] - LIMIT_MB:.0f} MB over"
                if step in WHY_OVER:
                    t["why"] = WHY_OVER[step]
        else:
            t.update(status="not measured", why=s.get("error", "failed"))
        out.append(t)
    pipe = results[top].get("pipeline") or {}
    if pipe.get("peak_rss_mb"):
        t = {
            "row": "mem_pipeline",
            "name": "peak memory, whole job in one process",
            "n_ratings": n,
            "limit_mb": LIMIT_MB,
            "peak_mb": pipe["peak_rss_mb"],
        }
        t["status"] = "met" if pipe["peak_rss_mb"] < LIMIT_MB and "error" not in pipe else "missed"
        if pipe["peak_rss_mb"] >= LIMIT_MB:
            t["missed_by"] = f"{pipe['peak_rss_mb'] - LIMIT_MB:.0f} MB over"
            load_peak = pipe.get("steps", {}).get("load", {}).get("peak_rss_mb", 0)
            if load_peak >= 0.99 * pipe["peak_rss_mb"]:
                t["why"] = "the peak is reached while loading (row above)"
        out.append(t)
    return out


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", nargs="+", choices=list(SIZES), default=list(SIZES))
    p.add_argument("--timeout", type=float, default=1200.0)
    p.add_argument(
        "--no-pipeline", action="store_true", help="skip the one-process job at the largest size"
    )
    p.add_argument("--worker", nargs=2, metavar=("KIND", "CSV"), help=argparse.SUPPRESS)
    p.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.worker:
        kind, csv = a.worker
        pipeline_worker(Path(csv), a.out, () if kind == "load" else ("mv", "ds", "table"))
        return {}
    results = {}
    for k in a.sizes:
        print(f"[scale {k}] ...", end=" ", flush=True)
        t0 = time.perf_counter()
        results[k] = measure_size(k, a.timeout, pipeline=(not a.no_pipeline and k == a.sizes[-1]))
        print(
            ", ".join(
                f"{s} {v['time']:.3g} s / {v['peak_rss_mb']:.0f} MB"
                if "time" in v
                else f"{s} {v['error'][:80]}"
                for s, v in results[k]["steps"].items()
            ),
            f"({time.perf_counter() - t0:.0f} s)",
            flush=True,
        )
    plot(results)
    summary = {
        "results": results,
        "plot": PLOT.name,
        "limit_mb": LIMIT_MB,
        "targets": memory_targets(results),
    }
    summary["markdown"] = markdown(results)
    (bdata.RESULTS / "scale.json").write_text(json.dumps(summary, indent=1, default=float) + "\n")
    return summary


if __name__ == "__main__":
    out = main()
    if out:
        print(out["markdown"])
