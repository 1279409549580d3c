"""Peer side of the benchmark: crowd-kit, krippendorff and statsmodels.

Runs in its own virtual environment (``benchmarks/.peers-venv``, made by
``run.py``), never imports ``raer_agreement``, and is called once per
measurement in a fresh process::

    python peers.py TASK CORPUS_DIR --repeat 3 --out result.json

It loads the corpus arrays (``item, annotator, label`` codes; see
``data.py``), builds each peer's natural input outside the timed part
(crowd-kit: a ``task, worker, label`` DataFrame), then times only the
computation with :func:`time.perf_counter`, ``--repeat`` times.  Work a user
would have to do on raw long ratings to call the peer (the dense raters x
items matrix of ``krippendorff``, the items x ratings table of statsmodels)
is inside the timed part.  The JSON written holds the times, the peak RSS of
the process (``ru_maxrss``), its RSS before the computation, and the result
(a number, or labels saved beside it as ``.npy``).

The helpers :func:`measure` and :func:`write_result` are shared with our
side (``run.py``), so both sides are timed by the same code.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

N_BOOT = 1000
BOOT_SEED = 12345


def rss_mb() -> float:
    """Peak resident set size of this process so far, in MB (Linux: KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def current_rss_mb() -> float:
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * resource.getpagesize() / 2**20
    except OSError:  # not Linux
        return float("nan")


class Times(list):
    """Wall-clock times (s) of the repeats, with their process CPU times in
    ``.cpu`` (CPU time is robust to other jobs sharing the cores; wall time
    is what a user waits)."""

    def __init__(self):
        super().__init__()
        self.cpu = []


def measure(fn, repeat: int):
    """Call ``fn()`` ``repeat`` times; return (times in s, last result)."""
    times, out = Times(), None
    for _ in range(repeat):
        c0, t0 = time.process_time(), time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
        times.cpu.append(time.process_time() - c0)
    return times, out


def write_result(
    out_path: Path, times, result: dict, rss_before: float, extra: dict | None = None
) -> None:
    cpu = list(getattr(times, "cpu", []))
    payload = {
        "times": list(times),
        "median": float(np.median(times)),
        "cpu_times": cpu,
        "cpu_median": float(np.median(cpu)) if cpu else None,
        "peak_rss_mb": rss_mb(),
        "rss_before_mb": rss_before,
        "result": result,
    }
    if extra:
        payload.update(extra)
    Path(out_path).write_text(json.dumps(payload, indent=1, default=float) + "\n")


def load(folder: Path) -> dict:
    d = {k: np.load(folder / f"{k}.npy") for k in ("item", "annotator", "label", "truth")}
    d["meta"] = json.loads((folder / "meta.json").read_text())
    return d


def labels_result(labels: np.ndarray, truth: np.ndarray, out_path: Path) -> dict:
    labels = np.asarray(labels, dtype=np.int64)
    np.save(Path(out_path).with_suffix(".labels.npy"), labels)
    return {
        "accuracy": float(np.mean(labels == truth)),
        "labels_file": str(Path(out_path).with_suffix(".labels.npy")),
    }


# ---------------------------------------------------------------- crowd-kit
def crowdkit_task(name: str, d: dict, repeat: int, out: Path):
    import pandas as pd
    from crowdkit import aggregation as agg

    # integer task/worker/label columns: the cheapest input crowd-kit can get
    df = pd.DataFrame({"task": d["item"], "worker": d["annotator"], "label": d["label"]})
    n_items = d["meta"]["n_items"]
    make = {
        "mv": lambda: agg.MajorityVote(),
        # crowd-kit's defaults: stop when the ELBO per rating rises by less than 1e-5
        "ds": lambda: agg.DawidSkene(n_iter=100, tol=1e-5),
        # tol=0: iterate until the ELBO stops rising (at most 100 iterations);
        # our side runs max_iter=100, tol=0 too: equal work per iteration
        "ds_fixed": lambda: agg.DawidSkene(n_iter=100, tol=0.0),
        "glad": lambda: agg.GLAD(),
        "mace": lambda: agg.MACE(),
        "zbs": lambda: agg.ZeroBasedSkill(),
        "mmsr": lambda: agg.MMSR(),
        # crowd-kit has no EBCC or BWA: its DawidSkene is the nearest model
        "ebcc": lambda: agg.DawidSkene(n_iter=100, tol=1e-5),
        "bwa": lambda: agg.DawidSkene(n_iter=100, tol=1e-5),
    }[name]
    models = []

    def run():
        m = make()
        models.append(m)
        return m.fit_predict(df)

    rss0 = current_rss_mb()
    times, res = measure(run, repeat)
    labels = res.reindex(range(n_items)).fillna(-1).to_numpy()
    result = labels_result(labels, d["truth"], out)
    m = models[-1]
    if hasattr(m, "loss_history_"):
        result["n_iter"] = len(m.loss_history_)
    params = {
        k: v
        for k, v in vars(m).items()
        if not k.endswith("_")
        and not k.startswith("_")
        and isinstance(v, (int, float, str, bool, type(None)))
    }
    result["params"] = params
    return times, result, rss0


# ------------------------------------------------------------ krippendorff
def dense_raters_x_items(d: dict) -> np.ndarray:
    m = np.full((d["meta"]["n_annotators"], d["meta"]["n_items"]), np.nan)
    m[d["annotator"], d["item"]] = d["label"]
    return m


def alpha_task(d: dict, repeat: int, out: Path):
    import krippendorff

    q = len(d["meta"]["categories"])

    def run():
        # from raw long ratings, as a user must: dense raters x items, then alpha
        m = dense_raters_x_items(d)
        return krippendorff.alpha(
            reliability_data=m, level_of_measurement="nominal", value_domain=list(range(q))
        )

    rss0 = current_rss_mb()
    times, a = measure(run, repeat)
    return times, {"value": float(a)}, rss0


def boot_task(d: dict, repeat: int, out: Path):
    """1,000 bootstrap resamples of clips, one ``krippendorff.alpha`` call each
    (the loop a user writes for a bootstrap CI of alpha)."""
    import krippendorff

    q = len(d["meta"]["categories"])
    n_items = d["meta"]["n_items"]

    def run():
        m = dense_raters_x_items(d)
        rng = np.random.default_rng(BOOT_SEED)
        point = krippendorff.alpha(
            reliability_data=m, level_of_measurement="nominal", value_domain=list(range(q))
        )
        boots = np.empty(N_BOOT)
        for b in range(N_BOOT):
            cols = rng.integers(0, n_items, n_items)
            boots[b] = krippendorff.alpha(
                reliability_data=m[:, cols],
                level_of_measurement="nominal",
                value_domain=list(range(q)),
            )
        return point, boots

    rss0 = current_rss_mb()
    times, (point, boots) = measure(run, repeat)
    lo, hi = np.nanpercentile(boots, [2.5, 97.5])
    return (
        times,
        {
            "value": float(point),
            "boot_ci_low": float(lo),
            "boot_ci_high": float(hi),
            "n_boot": N_BOOT,
        },
        rss0,
    )


# ------------------------------------------------------------- statsmodels
def fleiss_task(d: dict, repeat: int, out: Path):
    from statsmodels.stats.inter_rater import aggregate_raters, fleiss_kappa

    n_items = d["meta"]["n_items"]
    q = len(d["meta"]["categories"])

    def run():
        # statsmodels wants items x ratings with the same number of ratings per
        # item (it has no missing-data form): group the long ratings by item
        order = np.argsort(d["item"], kind="stable")
        table = d["label"][order].reshape(n_items, -1)
        counts, _ = aggregate_raters(table, n_cat=q)
        return fleiss_kappa(counts, method="fleiss")

    rss0 = current_rss_mb()
    times, k = measure(run, repeat)
    return times, {"value": float(k)}, rss0


TASKS = {
    "mv": lambda d, r, o: crowdkit_task("mv", d, r, o),
    "ds": lambda d, r, o: crowdkit_task("ds", d, r, o),
    "ds_fixed": lambda d, r, o: crowdkit_task("ds_fixed", d, r, o),
    "glad": lambda d, r, o: crowdkit_task("glad", d, r, o),
    "mace": lambda d, r, o: crowdkit_task("mace", d, r, o),
    "zbs": lambda d, r, o: crowdkit_task("zbs", d, r, o),
    "mmsr": lambda d, r, o: crowdkit_task("mmsr", d, r, o),
    "ebcc": lambda d, r, o: crowdkit_task("ebcc", d, r, o),
    "bwa": lambda d, r, o: crowdkit_task("bwa", d, r, o),
    "alpha": alpha_task,
    "fleiss": fleiss_task,
    "boot": boot_task,
}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("task", choices=sorted(TASKS))
    p.add_argument("corpus", type=Path)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--out", type=Path, required=True)
    a = p.parse_args(argv)
    d = load(a.corpus)
    times, result, rss0 = TASKS[a.task](d, a.repeat, a.out)
    import importlib.metadata as md

    versions = {}
    for pkg in ("crowd-kit", "krippendorff", "statsmodels", "scikit-learn", "pandas", "numpy"):
        try:
            versions[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            pass
    write_result(
        a.out, times, result, rss0, {"versions": versions, "python": sys.version.split()[0]}
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())


def run_child(cmd, out: Path, timeout: float) -> dict:
    """Run one measurement in a fresh process; its JSON record, or an error."""
    out.unlink(missing_ok=True)
    t0 = time.perf_counter()
    try:
        r = subprocess.run(
            cmd, capture_output=True, text=True, timeout=timeout, cwd=str(Path(__file__).parent)
        )
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s"}
    if r.returncode != 0 or not out.exists():
        tail = (r.stderr or r.stdout).strip().splitlines()[-5:]
        return {
            "error": f"exit {r.returncode}: " + " | ".join(tail),
            "wall": time.perf_counter() - t0,
        }
    return json.loads(out.read_text())
