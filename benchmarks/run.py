"""Side-by-side benchmark of raer_agreement against its peers.

``make bench`` (or ``python benchmarks/run.py``) does, in one run:

1. creates once, under ``benchmarks/.peers-venv/``, a virtual environment
   holding the peers (crowd-kit 1.4.2 with scikit-learn < 1.6, krippendorff,
   statsmodels); the package never depends on them;
2. writes the benchmark corpora once under ``benchmarks/results/data/``
   (``data.py``): RAER size from the package simulator, 1,000,000 and
   10,000,000 ratings from a vectorised generator;
3. for every row and size, runs our side (this script with ``--worker``, in
   the main environment) and the peer (``peers.py``, in the peers'
   environment), each in a fresh process that loads the data, then times
   only the computation, ``repeat`` times, and records its peak RSS;
4. compares results (equal within 1e-9 where both compute the same number;
   accuracy against the simulated truth for aggregators), checks the speed
   targets and writes ``benchmarks/RESULTS.md`` and ``benchmarks/results.json``;
5. (without ``--quick``) runs ``scale.py``: loading a 10,000,000-row CSV and
   time against corpus size, with a log-log plot.

Options: ``--quick`` (RAER size only, no scale run), ``--sizes``, ``--only``
(row keys), ``--no-scale``, ``--repeat-scale`` (multiplies repeats).
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import subprocess
import sys
import time
import traceback
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import data as bdata  # noqa: E402
from peers import current_rss_mb, measure, run_child, write_result  # noqa: E402

PEERS_VENV = HERE / ".peers-venv"
PEER_REQUIREMENTS = [
    "crowd-kit==1.4.2",
    "scikit-learn<1.6",
    "krippendorff",
    "statsmodels",
    "pyarrow",
]
RESULTS_MD = HERE / "RESULTS.md"
RESULTS_JSON = HERE / "results.json"
RUNS = bdata.RESULTS / "runs"
EQUAL_TOL = 1e-9

SIZES = {"raer": bdata.RAER_CLIPS * bdata.RATINGS_PER_ITEM, "1e6": 1_000_000, "1e7": 10_000_000}
SIZE_NAMES = {"raer": "RAER (2,649 x 10)", "1e6": "1,000,000", "1e7": "10,000,000"}

# Row key -> (title, peer name, {size: (our repeats, peer repeats or None, note when the peer is skipped)})
ROWS = {
    "mv": (
        "Majority vote",
        "crowd-kit MajorityVote",
        {"raer": (5, 5, ""), "1e6": (3, 3, ""), "1e7": (1, 1, "")},
    ),
    "ds": (
        "Dawid-Skene to convergence (tol 1e-5, at most 100 iterations)",
        "crowd-kit DawidSkene(n_iter=100)",
        {
            "raer": (5, 3, ""),
            "1e6": (3, 3, ""),
            "1e7": (1, None, "peer skipped: about 10x its 1M time"),
        },
    ),
    "ds_fixed": (
        "Dawid-Skene until the likelihood stops moving (tol 0, at most 100 iterations)",
        "crowd-kit DawidSkene(n_iter=100, tol=0)",
        {"raer": (5, 3, ""), "1e6": (3, 1, "")},
    ),
    "glad": (
        "GLAD",
        "crowd-kit GLAD",
        {
            "raer": (3, 3, ""),
            "1e6": (
                1,
                None,
                "peer skipped: crowd-kit GLAD takes about 6 s at RAER size, minutes at 1M",
            ),
        },
    ),
    "mace": (
        "MACE (10 restarts x 50 iterations)",
        "crowd-kit MACE",
        {
            "raer": (3, 3, ""),
            "1e6": (
                1,
                None,
                "peer skipped: crowd-kit MACE takes about 11 s at RAER size, ~40x that at 1M",
            ),
        },
    ),
    "zbs": (
        "Zero-based skill (100 iterations)",
        "crowd-kit ZeroBasedSkill",
        {"raer": (3, 3, ""), "1e6": (3, 1, "")},
    ),
    "mmsr": (
        "M-MSR (Ma & Olshevsky's rank-one agreement model)",
        "crowd-kit MMSR",
        {
            "raer": (3, 3, ""),
            "1e6": (1, None, "peer skipped: crowd-kit MMSR asks for a 115 GiB dense matrix at 1M"),
        },
    ),
    "ebcc": (
        "EBCC (10 subtypes per class, variational Bayes)",
        "crowd-kit DawidSkene(n_iter=100), its nearest model (it has no EBCC)",
        {"raer": (3, 3, ""), "1e6": (1, 1, "")},
    ),
    "bwa": (
        "BWA (Bayesian weighted average)",
        "crowd-kit DawidSkene(n_iter=100), its nearest model (it has no BWA)",
        {"raer": (5, 3, ""), "1e6": (3, 1, "")},
    ),
    "alpha": (
        "Krippendorff's alpha (nominal) from raw ratings",
        "krippendorff.alpha (+ dense raters x items)",
        {
            "raer": (5, 5, ""),
            "1e6": (3, 3, ""),
            "1e7": (1, None, "peer skipped: its dense 500 x 1,000,000 float matrix alone is 4 GB"),
        },
    ),
    "fleiss": (
        "Fleiss' kappa",
        "statsmodels aggregate_raters + fleiss_kappa",
        {"raer": (5, 5, ""), "1e6": (3, 3, ""), "1e7": (1, 1, "")},
    ),
    "boot": (
        "Coefficient table + 1,000 bootstrap resamples",
        "1,000 x krippendorff.alpha (bootstrap of alpha only)",
        {"raer": (3, 3, "")},
    ),
    "table": (
        "Coefficient table, no bootstrap",
        None,
        {
            "raer": (3, None, "no peer computes the table"),
            "1e6": (1, None, "no peer computes the table"),
            "1e7": (1, None, "no peer computes the table"),
        },
    ),
    "report": (
        "Full report (`raer-agreement report` on the bundled sample, defaults)",
        None,
        {"raer": (3, None, "no peer; wall time of the command, start-up included")},
    ),
}

#: Why a speed target may be missed (shown only when it is; profiles in README.md).
WHY_MISSED = {
    "ds": "row max/sum in aggregation.base.normalise_log (numpy reductions over a 5-wide last axis) take ~40% "
    "of an EM iteration",
    "mace": "per-iteration gathers (theta[an] three times, 2-D fancy indexing) and normalise_log",
    "alpha": "building the sufficient statistics and the linearised SE on every call",
    "ebcc": "10 subtypes per class make 50 latent states per clip (Dawid-Skene has 5), and the "
    "variational updates keep moving subtypes for hundreds of iterations after the labels settle",
}

#: Speed targets (issues 3, 4 and 6): row, size, minimum peer/ours ratio.
TARGETS = [
    ("ds", "1e6", 20.0),
    ("glad", "raer", 50.0),
    ("mace", "raer", 50.0),
    ("alpha", "1e6", 5.0),
    ("boot", "raer", 1.0),
    ("zbs", "1e6", 10.0),
    ("ebcc", "1e6", 10.0),
    ("bwa", "1e6", 10.0),
]


# =================================================================== our side
class Unavailable(Exception):
    """Our module for this row has not been written yet."""


def _import(module: str, *names):
    import importlib

    try:
        mod = importlib.import_module(module)
    except ImportError as exc:
        raise Unavailable(f"{module} not importable ({exc})") from None
    out = []
    for n in names:
        if not hasattr(mod, n):
            raise Unavailable(f"{module}.{n} does not exist yet")
        out.append(getattr(mod, n))
    return out if len(out) > 1 else out[0]


def _scalar(x) -> float:
    """A coefficient's point estimate out of whatever the metric returns."""
    for attr in ("estimate", "value"):
        if hasattr(x, attr):
            return float(getattr(x, attr))
    if isinstance(x, dict):
        return float(x["estimate"])
    return float(x)


def _table_alpha(table) -> float:
    t = table.reset_index() if "coefficient" not in table.columns else table
    row = t[t["coefficient"].astype(str).str.contains("krippendorff", case=False)]
    return float(row["estimate"].iloc[0])


def ours_task(task: str, folder: Path, repeat: int, out: Path) -> dict:
    """Our side of one row: build the input outside the timed part, time the
    computation, write the result JSON.  Returns the payload's result."""
    ann, d = bdata.load_annotations(folder)
    truth = d["truth"]
    result: dict = {}
    extra: dict = {}
    if task in ("mv", "ds", "ds_fixed", "glad", "mace", "zbs", "mmsr", "ebcc", "bwa"):
        agg = "raer_agreement.aggregation"
        make = {
            # crowd-kit breaks ties by the lowest label: same policy here
            "mv": lambda: _import(agg, "MajorityVote")(tie_break="lowest"),
            # crowd-kit's tolerance (1e-5): ours is on the relative change of the
            # log-likelihood, crowd-kit's on the ELBO per rating; both O(1) scales
            "ds": lambda: _import(agg, "DawidSkene")(max_iter=100, tol=1e-5),
            # tol=0: run until the likelihood stops moving, at most 100 iterations
            "ds_fixed": lambda: _import(agg, "DawidSkene")(max_iter=100, tol=0.0),
            "glad": lambda: _import(agg, "GLAD")(),
            "mace": lambda: _import(agg, "MACE")(),
            "zbs": lambda: _import(agg, "ZeroBasedSkill")(),
            "mmsr": lambda: _import(agg, "MMSR")(),
            "ebcc": lambda: _import(agg, "EBCC")(),
            "bwa": lambda: _import(agg, "BWA")(),
        }[task]
        make()  # raises Unavailable before any timing
        models = []

        def fn():
            m = make()
            models.append(m)
            return m.fit(ann)

        rss0 = current_rss_mb()
        times, m = measure(fn, repeat)
        codes = np.asarray(m.label_codes_, dtype=np.int64)
        np.save(out.with_suffix(".labels.npy"), codes)
        result = {
            "accuracy": float(np.mean(codes == truth)),
            "labels_file": str(out.with_suffix(".labels.npy")),
        }
        if hasattr(m, "n_iter_"):
            result["n_iter"] = int(m.n_iter_)
        result["params"] = {
            k: v for k, v in m.get_params().items() if isinstance(v, (int, float, str, bool))
        }
    elif task == "alpha":
        f = _import("raer_agreement.metrics", "krippendorff_alpha")
        rss0 = current_rss_mb()
        times, v = measure(lambda: f(ann), repeat)
        result = {"value": _scalar(v)}
    elif task == "fleiss":
        f = _import("raer_agreement.metrics", "fleiss_kappa")
        rss0 = current_rss_mb()
        times, v = measure(lambda: f(ann), repeat)
        result = {"value": _scalar(v)}
    elif task in ("boot", "table"):
        f = _import("raer_agreement.metrics", "agreement_table")
        n_boot = 1000 if task == "boot" else 0
        rss0 = current_rss_mb()
        times, t = measure(lambda: f(ann, n_boot=n_boot, rng=np.random.default_rng(12345)), repeat)
        result = {"value": _table_alpha(t), "n_coefficients": int(len(t))}
        if task == "boot":
            t2 = t.reset_index() if "coefficient" not in t.columns else t
            row = t2[t2["coefficient"].astype(str).str.contains("krippendorff", case=False)].iloc[0]
            if "boot_ci_low" in t2.columns:
                result.update(
                    boot_ci_low=float(row["boot_ci_low"]), boot_ci_high=float(row["boot_ci_high"])
                )
    elif task == "report":
        times, rss0, result = _report_task(folder, repeat, out)
        extra["peak_rss_note"] = "peak RSS of the report command (child process)"
    else:
        raise ValueError(task)
    write_result(out, times, result, rss0, extra)
    if task == "report":  # the command ran in a child: its peak, not ours
        payload = json.loads(out.read_text())
        payload["peak_rss_mb"] = result.pop("child_peak_rss_mb")
        payload["result"] = result
        out.write_text(json.dumps(payload, indent=1) + "\n")
    return result


def _report_task(folder: Path, repeat: int, out: Path):
    import resource
    import shutil

    exe = Path(sys.executable).with_name("raer-agreement")
    if not exe.exists():
        raise Unavailable("raer-agreement command not installed")
    probe = subprocess.run([str(exe), "report", "--help"], capture_output=True, text=True)
    if probe.returncode != 0:
        raise Unavailable("`raer-agreement report` does not exist yet")
    # the bundled RAER-like sample (2,649 clips, coarse and fine votes, clip
    # contexts): the report a new user runs first, with its defaults
    # (1,000 bootstrap resamples, every section, exports)
    target = bdata.RESULTS / "report-out"
    times = []
    for _ in range(repeat):
        shutil.rmtree(target, ignore_errors=True)
        t0 = time.perf_counter()
        r = subprocess.run(
            [str(exe), "report", "--out", str(target), "--force", "--quiet"],
            capture_output=True,
            text=True,
        )
        times.append(time.perf_counter() - t0)
        if r.returncode != 0:
            raise RuntimeError(f"report failed ({r.returncode}): {r.stderr.strip()[-800:]}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0
    files = sorted(p.name for p in target.iterdir()) if target.exists() else []
    return times, None, {"files": files, "child_peak_rss_mb": peak}


def worker_main(task: str, folder: Path, repeat: int, out: Path) -> int:
    try:
        ours_task(task, folder, repeat, out)
    except Unavailable as exc:
        out.write_text(json.dumps({"unavailable": str(exc)}) + "\n")
    except Exception as exc:  # recorded in the table rather than aborting the run
        out.write_text(
            json.dumps(
                {
                    "error": f"{type(exc).__name__}: {exc}",
                    "traceback": traceback.format_exc()[-3000:],
                }
            )
            + "\n"
        )
    return 0


# ============================================================== orchestration
def peers_python() -> Path:
    return PEERS_VENV / "bin" / "python"


def ensure_peers_venv() -> Path:
    """Create the peers' environment once; reinstall when the pins change."""
    stamp = PEERS_VENV / ".installed"
    want = "\n".join(PEER_REQUIREMENTS)
    if stamp.exists() and stamp.read_text() == want and peers_python().exists():
        return peers_python()
    print(
        f"creating the peers' environment in {PEERS_VENV} ({', '.join(PEER_REQUIREMENTS)}) ...",
        flush=True,
    )
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(PEERS_VENV)], check=True)
    pip = [str(peers_python()), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run(pip + ["--upgrade", "pip"], check=True)
    subprocess.run(pip + PEER_REQUIREMENTS, check=True)
    stamp.write_text(want)
    return peers_python()


def compare(key: str, ours: dict, peer: dict) -> dict:
    """Equality of results where both sides compute the same thing."""
    a, b = ours.get("result"), peer.get("result")
    if not a or not b:
        return {}
    if "accuracy" in a and "accuracy" in b:
        la, lb = np.load(a["labels_file"]), np.load(b["labels_file"])
        return {
            "kind": "accuracy",
            "ours": a["accuracy"],
            "peer": b["accuracy"],
            "diff": a["accuracy"] - b["accuracy"],
            "same_labels": float(np.mean(la == lb)),
        }
    if "value" in a and "value" in b:
        diff = abs(a["value"] - b["value"])
        out = {
            "kind": "value",
            "ours": a["value"],
            "peer": b["value"],
            "abs_diff": diff,
            "equal": bool(diff <= EQUAL_TOL),
        }
        if key == "boot":
            out["note"] = (
                "point estimates compared; bootstrap CIs differ by resampling (shown, not compared)"
            )
            out["ours_ci"] = [a.get("boot_ci_low"), a.get("boot_ci_high")]
            out["peer_ci"] = [b.get("boot_ci_low"), b.get("boot_ci_high")]
        return out
    return {}


def run_rows(sizes, only, repeat_scale: float, timeout: float) -> list[dict]:
    py_peer = ensure_peers_venv()
    RUNS.mkdir(parents=True, exist_ok=True)
    rows = []
    for size in sizes:
        folder = bdata.ensure(size, SIZES[size])
        for key, (title, peer_name, per_size) in ROWS.items():
            if only and key not in only or size not in per_size:
                continue
            r_ours, r_peer, note = per_size[size]
            r_ours = max(1, round(r_ours * repeat_scale))
            print(f"[{size:>4}] {title} ...", end=" ", flush=True)
            o_out = RUNS / f"{key}-{size}-ours.json"
            ours = run_child(
                [
                    sys.executable,
                    str(HERE / "run.py"),
                    "--worker",
                    key,
                    str(folder),
                    "--repeat",
                    str(r_ours),
                    "--out",
                    str(o_out),
                ],
                o_out,
                timeout,
            )
            peer = {}
            if r_peer is not None and peer_name is not None:
                r_peer = max(1, round(r_peer * repeat_scale))
                p_out = RUNS / f"{key}-{size}-peer.json"
                peer = run_child(
                    [
                        str(py_peer),
                        str(HERE / "peers.py"),
                        key,
                        str(folder),
                        "--repeat",
                        str(r_peer),
                        "--out",
                        str(p_out),
                    ],
                    p_out,
                    timeout,
                )
            row = {
                "key": key,
                "size": size,
                "n_ratings": SIZES[size],
                "title": title,
                "peer_name": peer_name,
                "note": note,
                "ours": ours,
                "peer": peer,
            }
            if "median" in ours and "median" in peer:
                row["ratio"] = peer["median"] / ours["median"]
                if ours.get("cpu_median") and peer.get("cpu_median"):
                    row["cpu_ratio"] = peer["cpu_median"] / ours["cpu_median"]
            row["compare"] = (
                compare(key, ours, peer) if "median" in ours and "median" in peer else {}
            )
            rows.append(row)
            msg = ours.get("unavailable") or ours.get("error") or f"ours {ours['median']:.4g} s"
            if peer:
                msg += " | " + (peer.get("error") or f"peer {peer['median']:.4g} s")
            if "ratio" in row:
                msg += f" | {row['ratio']:.1f}x (CPU {row.get('cpu_ratio', float('nan')):.1f}x)"
            print(msg, flush=True)
    return rows


def check_targets(rows) -> list[dict]:
    out = []
    by = {(r["key"], r["size"]): r for r in rows}
    for key, size, need in TARGETS:
        r = by.get((key, size))
        if r is None:
            continue
        t = {"row": key, "size": size, "target": need}
        if "ratio" not in r:
            why = (
                r["ours"].get("unavailable")
                or r["ours"].get("error")
                or r["peer"].get("error")
                or "not measured"
            )
            t.update(status="not measured", why=why)
        else:
            t["ratio"] = r["ratio"]
            t["cpu_ratio"] = r.get("cpu_ratio")
            t["status"] = "met" if r["ratio"] >= need else "missed"
            if t["status"] == "missed":
                t["missed_by"] = f"{need / r['ratio']:.2f}x too slow"
        c = r.get("compare", {})
        if c.get("kind") == "value":
            t["equal_within_1e-9"] = c["equal"]
        elif c.get("kind") == "accuracy":
            t["accuracy_diff"] = c["diff"]
        out.append(t)
    return out


def machine() -> dict:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(
            next(
                l
                for l in Path("/proc/meminfo").read_text().splitlines()
                if l.startswith("MemTotal")
            ).split()[1]
        )
        mem = f"{kb / 2**20:.0f} GB"
    except (OSError, StopIteration):
        pass
    import numpy
    import pandas
    import scipy

    commit, dirty = "", []
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        st = subprocess.run(
            ["git", "status", "--porcelain", "--", "raer_agreement"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout
        dirty = [line[3:] for line in st.splitlines() if line.strip()]
    except OSError:
        pass
    return {
        "commit": commit,
        "uncommitted_package_files": dirty,
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory": mem,
        "os": platform.platform(),
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "pandas": pandas.__version__,
        "scipy": scipy.__version__,
        "date": _dt.datetime.now().isoformat(timespec="seconds"),
    }


def _fmt_t(x) -> str:
    if x is None or not np.isfinite(x):
        return "-"
    return f"{x * 1000:.1f} ms" if x < 1 else f"{x:.2f} s"


def _fmt_mb(p: dict) -> str:
    if "peak_rss_mb" not in p:
        return "-"
    base = p.get("rss_before_mb")
    if base is not None and np.isfinite(base) and p.get("cpu_median") is not None:
        return f"{p['peak_rss_mb']:.0f} (+{max(p['peak_rss_mb'] - base, 0):.0f})"
    return f"{p['peak_rss_mb']:.0f}"


def _fmt_cmp(r) -> str:
    c = r.get("compare") or {}
    if c.get("kind") == "value":
        s = f"|Δ| = {c['abs_diff']:.1e} ({'equal' if c['equal'] else 'NOT equal'})"
        if r["key"] == "boot":
            lo, hi = c["ours_ci"], c["peer_ci"]
            if lo[0] is not None:
                s += f"; CI ours [{lo[0]:.3f}, {lo[1]:.3f}], peer [{hi[0]:.3f}, {hi[1]:.3f}]"
        return s
    if c.get("kind") == "accuracy":
        return f"acc. ours {c['ours']:.4f}, peer {c['peer']:.4f}; same label on {100 * c['same_labels']:.1f}% of clips"
    o = r["ours"].get("result") or {}
    if "accuracy" in o:
        return f"acc. ours {o['accuracy']:.4f}"
    if "value" in o:
        return f"alpha {o['value']:.4f}"
    return ""


def _iters(r) -> str:
    a = (r["ours"].get("result") or {}).get("n_iter")
    b = (r["peer"].get("result") or {}).get("n_iter") if r["peer"] else None
    if a is None and b is None:
        return ""
    s = f" (iterations: ours {a if a is not None else '-'}, peer {b if b is not None else '-'}"
    # per-iteration ratio only where an iteration is the same work on both sides
    if r["key"].startswith("ds") and a and b and "median" in r["ours"] and "median" in r["peer"]:
        per = (r["peer"]["median"] / b) / (r["ours"]["median"] / a)
        s += f"; {per:.1f}x per iteration"
    return s + ")"


def write_results(
    rows,
    targets,
    info,
    scale_summary=None,
    md_path: Path = RESULTS_MD,
    json_path: Path = RESULTS_JSON,
) -> None:
    payload = {
        "machine": info,
        "rows": rows,
        "targets": targets,
        "scale": scale_summary,
        "peer_requirements": PEER_REQUIREMENTS,
        "equal_tolerance": EQUAL_TOL,
    }
    Path(json_path).write_text(json.dumps(payload, indent=1, default=float) + "\n")
    L = [
        "# Benchmark results",
        "",
        f"Written by `make bench` (`benchmarks/run.py`) on {info['date']}, package at commit "
        f"{info.get('commit') or '?'}"
        + (
            f" with uncommitted changes in {', '.join(info['uncommitted_package_files'])}"
            if info.get("uncommitted_package_files")
            else ""
        )
        + f"; the run took {info.get('total_s', 0):.0f} s.",
        "",
        f"Machine: {info['cpu']}, {info['cores']} cores (shared with other work, so expect noise), "
        f"{info['memory']} RAM, {info['os']}; Python {info['python']}, numpy {info['numpy']}, "
        f"pandas {info['pandas']}, scipy {info['scipy']}. Peers: {', '.join(PEER_REQUIREMENTS)} in their own "
        "virtual environment.",
        "",
        "Times are medians over repeated runs of the computation only (data loaded and inputs built before the "
        "clock starts), each side in its own fresh process. Ratio = peer time / our time (higher is better for "
        "us); the CPU-time ratio (process CPU time, insensitive to other jobs on the cores) is beside it. "
        "Peak memory is the process's peak RSS in MB, with the rise during the computation in "
        "parentheses (the crowd-kit process starts at about 220 MB because of its imports).",
        "",
    ]
    L += [
        "| size | computation | ours | peer | ratio | ratio (CPU) | peak MB ours | peak MB peer | results |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        o, p = r["ours"], r["peer"]
        ours_t = (
            o.get("unavailable")
            and "not available yet"
            or (o.get("error") and "error")
            or _fmt_t(o.get("median"))
        )
        if r["peer_name"] is None:
            peer_t = "no peer"
        elif not p:
            peer_t = "skipped"
        else:
            peer_t = "error" if "error" in p else _fmt_t(p.get("median"))
        ratio = f"**{r['ratio']:.1f}x**" if "ratio" in r else "-"
        cpu_ratio = f"{r['cpu_ratio']:.1f}x" if r.get("cpu_ratio") else "-"
        res = _fmt_cmp(r) + _iters(r)
        if r["note"] and not p:
            res = (res + "; " if res else "") + r["note"]
        if "error" in o:
            res = (res + "; " if res else "") + "ours: " + o["error"][:200]
        if p and "error" in p:
            res = (res + "; " if res else "") + "peer: " + p["error"][:200]
        title = r["title"] + (f" vs {r['peer_name']}" if r["peer_name"] else "")
        L.append(
            f"| {SIZE_NAMES[r['size']]} | {title} | {ours_t} | {peer_t} | {ratio} | {cpu_ratio} | {_fmt_mb(o)} | "
            f"{_fmt_mb(p) if p else '-'} | {res} |"
        )
    L += [
        "",
        "## Targets",
        "",
        "Judged on the wall-clock ratio; the CPU-time ratio is shown beside it because other "
        "jobs share the two cores.",
        "",
        "| target | needed | measured (CPU) | status |",
        "|---|---:|---:|---|",
    ]
    names = {
        "ds": "Dawid-Skene vs crowd-kit (same tolerance)",
        "glad": "GLAD vs crowd-kit",
        "mace": "MACE vs crowd-kit",
        "alpha": "Krippendorff's alpha vs krippendorff",
        "boot": "table + 1,000 bootstrap vs 1,000 alpha calls",
    }
    for t in targets:
        meas = (
            f"{t['ratio']:.1f}x ({t['cpu_ratio']:.1f}x)"
            if t.get("cpu_ratio")
            else (f"{t['ratio']:.1f}x" if "ratio" in t else "-")
        )
        status = t["status"]
        if status == "missed":
            status += f" ({t['missed_by']})"
            if t["row"] in WHY_MISSED:
                status += f": {WHY_MISSED[t['row']]}"
        if "equal_within_1e-9" in t:
            status += "; results " + (
                "equal within 1e-9" if t["equal_within_1e-9"] else "NOT equal within 1e-9"
            )
        if "accuracy_diff" in t:
            d = round(t["accuracy_diff"], 4) + 0.0
            status += f"; accuracy ours - peer = {d:+.4f}" + (
                " (equal within 0.001)" if abs(d) <= 0.001 else ""
            )
        if "why" in t:
            status += f": {t['why']}"
        L.append(
            f"| {names[t['row']]} at {SIZE_NAMES[t['size']]} | {t['target']:.0f}x | {meas} | {status} |"
        )
    for t in (scale_summary or {}).get("targets", []):
        status = t["status"] + (f" ({t['missed_by']})" if "missed_by" in t else "")
        if "why" in t:
            status += f": {t['why']}"
        meas = f"{t['peak_mb']:.0f} MB" if "peak_mb" in t else "-"
        L.append(
            f"| {t['name']} at {t['n_ratings']:,} ratings | < {t['limit_mb'] / 1024:.0f} GB | {meas} | {status} |"
        )
    if scale_summary:
        L += ["", "## Scale", "", scale_summary.get("markdown", "")]
    L += [
        "",
        "Details (every repeat, parameters, versions) are in `benchmarks/results.json`; how to run and what "
        "the profiles showed is in `benchmarks/README.md`.",
        "",
    ]
    Path(md_path).write_text("\n".join(L))


def main(argv=None) -> int:
    p = argparse.ArgumentParser(
        description="raer_agreement benchmarks against crowd-kit, krippendorff, statsmodels"
    )
    p.add_argument("--quick", action="store_true", help="RAER size only, no scale run")
    p.add_argument("--sizes", nargs="+", choices=list(SIZES), help="sizes to run (default: all)")
    p.add_argument("--only", nargs="+", choices=list(ROWS), help="rows to run (default: all)")
    p.add_argument("--no-scale", action="store_true", help="skip scale.py")
    p.add_argument(
        "--no-commands", action="store_true", help="skip commands.py (commands end to end)"
    )
    p.add_argument("--repeat-scale", type=float, default=1.0, help="multiply every repeat count")
    p.add_argument(
        "--timeout", type=float, default=900.0, help="seconds per measurement before giving up"
    )
    p.add_argument(
        "--no-write",
        action="store_true",
        help="print only; leave RESULTS.md and results.json alone",
    )
    p.add_argument("--worker", nargs=2, metavar=("TASK", "CORPUS"), help=argparse.SUPPRESS)
    p.add_argument("--repeat", type=int, default=3, help=argparse.SUPPRESS)
    p.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.worker:
        return worker_main(a.worker[0], Path(a.worker[1]), a.repeat, a.out)
    sizes = ["raer"] if a.quick else (a.sizes or list(SIZES))
    t0 = time.perf_counter()
    rows = run_rows(sizes, a.only, a.repeat_scale, a.timeout)
    targets = check_targets(rows)
    scale_summary = None
    if not (a.quick or a.no_scale):
        import scale

        scale_summary = scale.main([])
    ran_commands = False
    if not a.no_commands:
        import commands

        cmd_args = ["--quick"] if a.quick else (["--sizes", *a.sizes] if a.sizes else [])
        commands.main(
            cmd_args + ["--timeout", str(a.timeout)] + (["--no-write"] if a.no_write else [])
        )
        ran_commands = not a.no_write
    info = machine()
    info["total_s"] = round(time.perf_counter() - t0, 1)
    if not a.no_write:
        write_results(rows, targets, info, scale_summary)
        if ran_commands:  # the end-to-end table beside the kernel rows
            commands.update_results_md(RESULTS_MD)
        print(
            f"wrote {RESULTS_MD.relative_to(ROOT)} and {RESULTS_JSON.relative_to(ROOT)} "
            f"in {info['total_s']:.0f} s"
        )
    for t in targets:
        print(f"target {t['row']} at {t['size']}: {t['status']} {t.get('ratio', '')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
