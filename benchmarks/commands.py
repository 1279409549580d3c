"""End to end: every command as a user runs it, beside the peers' closest scripts.

Each measurement is one fresh process started from the shell's point of
view: ``python -m raer_agreement COMMAND ratings.csv ...`` (start-up,
reading, validating, computing and writing included), and for the peers a
short script doing the same job with their public API (``pd.read_csv`` then
the computation then ``to_csv``).  Wall time is measured around the child
(:func:`time.perf_counter`), peak memory is the child's own ``ru_maxrss``
(from :func:`os.wait4`, so one child's peak never hides behind another's).

Corpora (long CSV ``clip_id, annotator_id, coarse``; ``data.py``):

========== ============================================================
``raer``   RAER size: 2,649 clips x 10 ratings, package simulator
``1e6``    1,000,000 ratings, 500 annotators (100,000 clips x 10)
``1e6a2k`` 1,000,000 ratings, 2,000 annotators
``1e7``    10,000,000 ratings, 500 annotators
``3e7``    30,000,000 ratings, 500 annotators (about 430 MB of CSV)
``hp``     honeypot: one clip rated by all 5,000 workers + 60,000 ratings
========== ============================================================

Rows (``ROWS``): ``--version``, ``--help``, ``validate``, ``aggregate``
(Dawid-Skene, the CSV of labels and posteriors), ``soft-labels`` (CSV +
NPZ), ``agreement`` and ``report`` with their defaults (1,000 bootstrap
resamples, as users run them) and with ``--n-boot 0``; peers:
crowd-kit ``read_csv + DawidSkene.fit_predict + to_csv``, ``read_csv`` +
dense matrix + ``krippendorff.alpha``, ``read_csv`` + ``pd.crosstab`` +
statsmodels ``fleiss_kappa``.  Run alone::

    python benchmarks/commands.py --quick            # RAER, honeypot, 1M (a few minutes)
    python benchmarks/commands.py --sizes 1e6 3e7 --only aggregate ck_ds
    python benchmarks/commands.py --pythonpath /tmp/old-copy --label before --no-write

``--pythonpath`` runs our commands from another copy of the package (e.g.
``git archive`` of an older commit) to measure a change end to end.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import data as bdata  # noqa: E402

RUNS = bdata.RESULTS / "commands"
OUT_JSON = HERE / "commands.json"

#: corpus key -> (title, number of ratings, builder of the corpus dict)
CORPORA = {
    "raer": ("RAER (2,649 x 10)", 26_490, lambda: bdata.raer()),
    "hp": (
        "honeypot (1 clip x 5,000 workers + 60,000)",
        65_000,
        lambda: bdata.honeypot(),
    ),
    "1e6": ("1M ratings, 500 annotators", 1_000_000, lambda: bdata.synthetic(1_000_000)),
    "1e6a2k": (
        "1M ratings, 2,000 annotators",
        1_000_000,
        lambda: bdata.synthetic(1_000_000, n_annotators=2_000),
    ),
    "1e7": ("10M ratings, 500 annotators", 10_000_000, lambda: bdata.synthetic(10_000_000)),
    "3e7": ("30M ratings, 500 annotators", 30_000_000, lambda: bdata.synthetic(30_000_000)),
}
QUICK = ("raer", "hp", "1e6")

# Row key -> (title, side, argv template).  ``{csv}`` is the ratings file,
# ``{out}`` a fresh output path.  Side "ours" runs ``python -m raer_agreement``.
ROWS = {
    "version": ("`raer-agreement --version`", "ours", ["--version"]),
    "help": ("`raer-agreement --help`", "ours", ["--help"]),
    "validate": ("`validate`", "ours", ["validate", "{csv}"]),
    "aggregate": (
        "`aggregate --method dawid-skene` (labels + posteriors CSV)",
        "ours",
        ["aggregate", "{csv}", "--method", "dawid-skene", "--out", "{out}.csv", "--force"],
    ),
    "ck_ds": (
        "crowd-kit `read_csv` + `DawidSkene(n_iter=100).fit_predict` + `to_csv`",
        "peer",
        ["ck_ds", "{csv}", "{out}.csv"],
    ),
    "soft": (
        "`soft-labels --method dawid-skene --formats csv,npz`",
        "ours",
        [
            "soft-labels",
            "{csv}",
            "--method",
            "dawid-skene",
            "--formats",
            "csv,npz",
            "--out",
            "{out}",
            "--force",
        ],
    ),
    "agreement": ("`agreement --n-boot 0`", "ours", ["agreement", "{csv}", "--n-boot", "0"]),
    "agreement_default": (
        "`agreement` (defaults: 1,000 bootstrap resamples)",
        "ours",
        ["agreement", "{csv}"],
    ),
    "kripp": (
        "`read_csv` + dense raters x items + `krippendorff.alpha`",
        "peer",
        ["kripp", "{csv}", "{out}.json"],
    ),
    "fleiss": (
        "`read_csv` + `pd.crosstab` + statsmodels `fleiss_kappa`",
        "peer",
        ["fleiss", "{csv}", "{out}.json"],
    ),
    "report": (
        "`report --n-boot 0 --no-exports`",
        "ours",
        [
            "report",
            "{csv}",
            "--n-boot",
            "0",
            "--no-exports",
            "--quiet",
            "--out",
            "{out}",
            "--force",
        ],
    ),
    "report_default": (
        "`report --no-exports` (defaults: 1,000 bootstrap resamples)",
        "ours",
        ["report", "{csv}", "--no-exports", "--quiet", "--out", "{out}", "--force"],
    ),
}
#: rows run at every size (the start-up rows once, on the first size)
STARTUP = ("version", "help")
#: (row, corpus) pairs not run, with the reason shown in the table
SKIP = {
    ("kripp", "1e7"): "its dense 500 x 1,000,000 float matrix alone is 4 GB",
    ("kripp", "3e7"): "its dense 500 x 3,000,000 float matrix alone is 12 GB",
    ("ck_ds", "3e7"): "about 30x its 1M time",
    ("report", "3e7"): "not attempted: the report at 10M is the memory target",
    ("report_default", "3e7"): "not attempted: the report at 10M is the memory target",
    ("fleiss", "hp"): "Fleiss' kappa needs the same number of ratings per clip",
}

#: the peers' scripts: each reads the CSV, computes and writes its result
PEER_SCRIPT = r"""
import json, sys
import numpy as np
import pandas as pd
task, csv, out = sys.argv[1:4]
df = pd.read_csv(csv)
if task == "ck_ds":
    from crowdkit.aggregation import DawidSkene
    df = df.rename(columns={"clip_id": "task", "annotator_id": "worker", "coarse": "label"})
    DawidSkene(n_iter=100, tol=1e-5).fit_predict(df).to_csv(out)
elif task == "kripp":
    import krippendorff
    items, item_codes = np.unique(df["clip_id"].to_numpy(), return_inverse=True)
    raters, rater_codes = np.unique(df["annotator_id"].to_numpy(), return_inverse=True)
    cats, label_codes = np.unique(df["coarse"].to_numpy(), return_inverse=True)
    m = np.full((len(raters), len(items)), np.nan)
    m[rater_codes, item_codes] = label_codes
    a = krippendorff.alpha(reliability_data=m, level_of_measurement="nominal",
                           value_domain=list(range(len(cats))))
    json.dump({"alpha": float(a)}, open(out, "w"))
elif task == "fleiss":
    from statsmodels.stats.inter_rater import fleiss_kappa
    counts = pd.crosstab(df["clip_id"], df["coarse"]).to_numpy()
    json.dump({"kappa": float(fleiss_kappa(counts, method="fleiss"))}, open(out, "w"))
"""


def corpus_csv(key: str) -> Path:
    """The ratings CSV of a corpus, written once under ``benchmarks/results``."""
    folder = bdata.ensure_corpus(f"cmd-{key}", CORPORA[key][2])
    return bdata.write_csv(folder, bdata.RESULTS / f"ratings_cmd-{key}.csv")


#: a child holding more than this is stopped (the machine is shared; GB)
MAX_RSS_GB = 8.0


def _rss_gb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**30
    except (OSError, ValueError, IndexError):
        return 0.0


def run_measured(argv, *, env=None, timeout: float = 1800.0, max_rss_gb=None) -> dict:
    """Run one child; its wall time, its own peak RSS (MB), exit code, stderr tail.

    The child is stopped past ``timeout`` seconds or ``max_rss_gb`` of
    resident memory (default :data:`MAX_RSS_GB`), and the record says so."""
    limit = MAX_RSS_GB if max_rss_gb is None else max_rss_gb
    t0 = time.perf_counter()
    with tempfile.TemporaryFile() as err, tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(argv, stdout=out, stderr=err, env=env, cwd=str(HERE))
        deadline = t0 + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                os.wait4(proc.pid, 0)
                return {"error": f"timed out after {timeout:.0f} s"}
            rss = _rss_gb(proc.pid)
            if rss > limit:
                proc.kill()
                os.wait4(proc.pid, 0)
                return {
                    "error": f"stopped at {rss:.1f} GB resident after "
                    f"{time.perf_counter() - t0:.0f} s (limit {limit:g} GB)"
                }
            time.sleep(0.02)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        tail = err.read().decode(errors="replace").strip().splitlines()[-3:]
    rec = {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "peak_rss_mb": usage.ru_maxrss / 1024.0,
    }
    if proc.returncode != 0:
        rec["error"] = f"exit {proc.returncode}: " + " | ".join(tail)[-400:]
    return rec


def compile_bytecode(python: Path, pythonpath=None) -> None:
    """Write the measured package's bytecode before anything is timed.

    pip compiles an installed wheel's modules at install time, and the peers
    are measured installed; an editable checkout under
    ``PYTHONDONTWRITEBYTECODE=1`` (set on some machines) would otherwise
    compile every module of the package again in every timed run.
    """
    env = dict(os.environ)
    if pythonpath:
        env["PYTHONPATH"] = str(pythonpath)
    where = subprocess.run(
        [
            str(python),
            "-c",
            "import raer_agreement, os; print(os.path.dirname(raer_agreement.__file__))",
        ],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout.strip()
    subprocess.run([str(python), "-m", "compileall", "-q", where], env=env, check=True)


def measure_row(
    key, corpus, *, ours_python, peer_python, pythonpath, repeat, timeout, max_rss_gb=None
) -> dict:
    title, side, template = ROWS[key]
    csv = corpus_csv(corpus) if corpus else None
    RUNS.mkdir(parents=True, exist_ok=True)
    out = RUNS / f"{key}-{corpus or 'startup'}"
    argv = [a.format(csv=csv, out=out) for a in template]
    if side == "ours":
        cmd = [str(ours_python), "-m", "raer_agreement", *argv]
        env = dict(os.environ)
        if pythonpath:
            env["PYTHONPATH"] = str(pythonpath)
    else:
        cmd = [str(peer_python), "-c", PEER_SCRIPT, *argv]
        env = None
    runs = []
    for _ in range(repeat):
        runs.append(run_measured(cmd, env=env, timeout=timeout, max_rss_gb=max_rss_gb))
        if "error" in runs[-1]:
            break  # a failure (or a stop) repeats: one is enough
    ok = [r for r in runs if "error" not in r]
    rec = {"row": key, "corpus": corpus, "title": title, "side": side, "runs": runs}
    if ok:
        rec["wall"] = float(np.median([r["wall"] for r in ok]))
        rec["cpu"] = float(np.median([r["cpu"] for r in ok]))
        rec["peak_rss_mb"] = float(max(r["peak_rss_mb"] for r in ok))
    else:
        rec["error"] = runs[-1]["error"]
    return rec


def repeats_for(corpus) -> int:
    if corpus is None:
        return 5
    return 3 if CORPORA[corpus][1] <= 1_000_000 else 1


def run(
    sizes,
    only=None,
    *,
    pythonpath=None,
    peers=True,
    timeout=1800.0,
    repeat=None,
    label="after",
    save=None,
    max_rss_gb=None,
) -> list[dict]:
    """Measure every row on every corpus of ``sizes``; print as it goes."""
    ours_python = Path(sys.executable)
    compile_bytecode(ours_python, pythonpath)
    peer_python = HERE / ".peers-venv" / "bin" / "python"
    if peers and not peer_python.exists():
        import run as brun

        peer_python = brun.ensure_peers_venv()
    rows = []
    plan = [(k, None) for k in STARTUP if not only or k in only]
    for c in sizes:
        plan += [(k, c) for k in ROWS if k not in STARTUP and (not only or k in only)]
    for key, corpus in plan:
        side = ROWS[key][1]
        name = CORPORA[corpus][0] if corpus else "start-up"
        if side == "peer" and not peers:
            continue
        if (key, corpus) in SKIP:
            rows.append(
                {
                    "row": key,
                    "corpus": corpus,
                    "title": ROWS[key][0],
                    "side": side,
                    "skipped": SKIP[key, corpus],
                    "label": label,
                }
            )
            continue
        print(f"[{name}] {ROWS[key][0]} ...", end=" ", flush=True)
        rec = measure_row(
            key,
            corpus,
            ours_python=ours_python,
            peer_python=peer_python,
            pythonpath=pythonpath,
            repeat=repeat or repeats_for(corpus),
            timeout=timeout,
            max_rss_gb=max_rss_gb,
        )
        rec["label"] = label
        rows.append(rec)
        print(rec.get("error") or f"{rec['wall']:.2f} s, {rec['peak_rss_mb']:.0f} MB", flush=True)
        if save:
            save(rows)  # after every row: an interrupted run keeps what it measured
    return rows


# ---------------------------------------------------------------- reporting
#: our row -> the peer row it is compared with
VERSUS = {"aggregate": "ck_ds", "agreement": "kripp"}


def _t(x) -> str:
    return f"{x * 1000:.0f} ms" if x < 1 else f"{x:.2f} s"


def markdown(rows, before=None) -> str:
    """The end-to-end table for RESULTS.md (``before``: rows of a baseline run)."""
    by = {(r["row"], r["corpus"]): r for r in rows}
    old = {(r["row"], r["corpus"]): r for r in (before or [])}
    L = [
        "| corpus | command (end to end, fresh process) | wall | CPU | peak MB | vs peer: wall (CPU) | "
        + ("before: wall / CPU / peak MB | " if before else "")
        + "note |",
        "|---|---|---:|---:|---:|---|" + ("---|" if before else "") + "---|",
    ]
    for r in rows:
        name = CORPORA[r["corpus"]][0] if r["corpus"] else "start-up"
        if "skipped" in r:
            wall = cpu = mb = "-"
            note = "skipped: " + r["skipped"]
        elif "error" in r:
            wall = cpu = mb = "-"
            note = r["error"][:200]
        else:
            wall, cpu, mb, note = _t(r["wall"]), _t(r["cpu"]), f"{r['peak_rss_mb']:.0f}", ""
        vs = "-"
        peer = by.get((VERSUS.get(r["row"]), r["corpus"]))
        if peer and "wall" in peer and "wall" in r:
            vs = f"**{peer['wall'] / r['wall']:.1f}x** (CPU {peer['cpu'] / r['cpu']:.1f}x)"
        line = f"| {name} | {r['title']} | {wall} | {cpu} | {mb} | {vs} | "
        if before:
            o = old.get((r["row"], r["corpus"]))
            line += (
                f"{_t(o['wall'])} / {_t(o['cpu']) if o.get('cpu') else '-'} / "
                f"{o['peak_rss_mb']:.0f} | "
                if o and "wall" in o
                else ("- | " if not o else f"{(o.get('error') or o.get('skipped', ''))[:60]} | ")
            )
        L.append(line + note + " |")
    return "\n".join(L)


#: The goals the end-to-end rows are held to: (what, our row, corpus, check), where
#: ``check(ours, by)`` gets our record and every record by (row, corpus) and returns
#: (measured text, met or not); a missing measurement is reported as not measured.
GOALS = (
    ("`report` (defaults) at 1M, 2,000 annotators: <= 60 s", "report_default", "1e6a2k",
     lambda r, by: (_t(r["wall"]), r["wall"] <= 60)),
    ("`agreement` (defaults) at 1M, 2,000 annotators: <= 20 s", "agreement_default", "1e6a2k",
     lambda r, by: (_t(r["wall"]), r["wall"] <= 20)),
    ("`agreement --n-boot 0` vs the krippendorff script at 1M: >= 4x", "agreement", "1e6",
     lambda r, by: _ratio(r, by.get(("kripp", "1e6")), 4.0)),
    ("`agreement --n-boot 0` vs the krippendorff script at RAER size: >= 1x", "agreement",
     "raer", lambda r, by: _ratio(r, by.get(("kripp", "raer")), 1.0)),
    ("`aggregate` Dawid-Skene vs crowd-kit at 1M: >= 5x", "aggregate", "1e6",
     lambda r, by: _ratio(r, by.get(("ck_ds", "1e6")), 5.0)),
    ("`agreement --n-boot 0` at 30M: peak < 3 GB", "agreement", "3e7",
     lambda r, by: (f"{r['peak_rss_mb'] / 1024:.1f} GB", r["peak_rss_mb"] < 3 * 1024)),
    ("`aggregate` Dawid-Skene at 30M: peak < 3 GB", "aggregate", "3e7",
     lambda r, by: (f"{r['peak_rss_mb'] / 1024:.1f} GB", r["peak_rss_mb"] < 3 * 1024)),
)  # fmt: skip


def _ratio(ours, peer, goal: float):
    if not peer or "wall" not in peer:
        return "peer not measured", None
    x = peer["wall"] / ours["wall"]
    return f"{x:.1f}x", x >= goal


def goals_markdown(rows) -> str:
    """Each goal, what was measured and whether it is met (rows of one run)."""
    by = {(r["row"], r["corpus"]): r for r in rows}
    lines = ["| goal | measured | met |", "|---|---:|---|"]
    for what, row, corpus, check in GOALS:
        rec = by.get((row, corpus))
        if not rec or "wall" not in rec:
            measured, met = "not measured", None
        else:
            measured, met = check(rec, by)
        lines.append(f"| {what} | {measured} | {'-' if met is None else 'yes' if met else 'no'} |")
    return "\n".join(lines)


SECTION = "## Commands end to end"


def update_results_md(path=None) -> None:
    """Put the table of ``commands.json`` (every label but ``before``, which
    gives the before column) into RESULTS.md's section of commands."""
    path = Path(path or HERE / "RESULTS.md")
    store = json.loads(OUT_JSON.read_text())
    rows = [r for label, rs in store.items() if label != "before" for r in rs]
    order = {k: i for i, k in enumerate(ROWS)}
    sizes = {k: i for i, k in enumerate(CORPORA)}
    rows.sort(key=lambda r: (r["corpus"] is not None, sizes.get(r["corpus"], -1), order[r["row"]]))
    body = "\n".join(
        [
            SECTION,
            "",
            "Each command as a user runs it (`benchmarks/commands.py`): a fresh process from "
            "start-up to the written file, on a long ratings CSV; CPU is the child's user + "
            "system time and peak MB its own peak RSS. The peers' scripts read the same CSV "
            "with `pd.read_csv`, compute and write. Wall and CPU times agree within 15% on "
            "every row past start-up, so nothing else competed for the command's core; "
            "should wall times exceed CPU times after a re-run on a busy machine, compare "
            "CPU times. "
            "'before' is the package before the start-up, reading and writing changes "
            "(same machine, measured with other jobs on the cores: compare its CPU times).",
            "",
            markdown(rows, store.get("before")),
            "",
            "Goals (medians of the repeats above, peers in the same run):",
            "",
            goals_markdown(rows),
            "",
        ]
    )
    text = path.read_text() if path.exists() else ""
    if SECTION in text:
        start = text.index(SECTION)
        nxt = text.find("\n## ", start + len(SECTION))
        end = nxt + 1 if nxt >= 0 else text.find("\nDetails (every repeat")
        text = text[:start] + body + ("\n" + text[end:].lstrip("\n") if end > 0 else "")
    else:
        end = text.find("\nDetails (every repeat")
        text = (text[:end] + "\n" + body + text[end:]) if end >= 0 else text + "\n" + body
    path.write_text(text)


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help=f"corpora {', '.join(QUICK)} only")
    p.add_argument("--sizes", nargs="+", choices=list(CORPORA))
    p.add_argument("--only", nargs="+", choices=list(ROWS))
    p.add_argument("--no-peers", action="store_true")
    p.add_argument("--pythonpath", type=Path, help="run our commands from this copy of the package")
    p.add_argument("--label", default="after", help="name of this run in commands.json")
    p.add_argument("--repeat", type=int, help="repeats per row (default 5 / 3 / 1 by size)")
    p.add_argument("--timeout", type=float, default=1800.0)
    p.add_argument(
        "--max-rss-gb",
        type=float,
        default=MAX_RSS_GB,
        help="stop a child holding more resident memory (default %(default)s)",
    )
    p.add_argument("--no-write", action="store_true", help=f"leave {OUT_JSON.name} alone")
    p.add_argument(
        "--results-md",
        action="store_true",
        help=f"only rewrite the commands section of RESULTS.md from {OUT_JSON.name}",
    )
    a = p.parse_args(argv)
    if a.results_md:
        update_results_md()
        return {"rows": []}
    sizes = list(QUICK) if a.quick else (a.sizes or list(CORPORA))
    t0 = time.perf_counter()

    def save(rows):
        if a.no_write:
            return
        # runs accumulate by label: a later run of some rows replaces only those rows
        store = json.loads(OUT_JSON.read_text()) if OUT_JSON.exists() else {}
        done = {(x["row"], x["corpus"]) for x in rows}
        keep = [r for r in store.get(a.label, []) if (r["row"], r["corpus"]) not in done]
        store[a.label] = keep + rows
        OUT_JSON.write_text(json.dumps(store, indent=1, default=float) + "\n")

    rows = run(
        sizes,
        a.only,
        pythonpath=a.pythonpath,
        peers=not a.no_peers,
        timeout=a.timeout,
        repeat=a.repeat,
        label=a.label,
        save=save,
        max_rss_gb=a.max_rss_gb,
    )
    summary = {"rows": rows, "total_s": round(time.perf_counter() - t0, 1)}
    print(markdown(rows))
    return summary


if __name__ == "__main__":
    main()
    sys.exit(0)
