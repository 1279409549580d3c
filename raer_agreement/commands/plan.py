"""``raer-agreement plan``: how many votes per clip are needed, and which clips
deserve more (per-k table, conclusion, plots, the queue of next clips)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ..errors import InputError
from ._common import add_input_arguments, load_from_args


def register(sub, name):
    from .choices import PLAN_METHODS, STRATEGIES, TARGET_METRICS

    p = sub.add_parser(
        name,
        help="plan the annotation budget: votes per clip needed, clips to send back",
        description="Re-aggregate k of each clip's ratings (k = 1 .. the maximum, many seeded "
        "resamples): agreement with the full-panel labels (and the truth when known) with CIs, "
        "UAR, the CI widths of alpha and AC1, the cost; simulate adaptive re-annotation "
        "against uniform spending; write the queue of next clips. With no INPUT it uses the "
        "bundled synthetic RAER-like corpus and its truth.",
    )
    add_input_arguments(p, many=False)
    g = p.add_argument_group("plan")
    g.add_argument("--scheme", metavar="NAME", help="label scheme (default: the first)")
    g.add_argument(
        "--method",
        choices=PLAN_METHODS,
        help="aggregator re-run on each subset (default: dawid-skene; majority for votes "
        "without annotator identities)",
    )
    g.add_argument(
        "--target",
        default="accuracy=0.95",
        metavar="NAME=VALUE",
        help=f"conclusion target, NAME one of {', '.join(TARGET_METRICS)} "
        "(accuracy = agreement with the full-panel labels; default accuracy=0.95)",
    )
    g.add_argument("--max-k", type=int, metavar="K", help="largest k (default: the maximum)")
    g.add_argument(
        "--resamples", type=int, default=200, metavar="N", help="subsets per k (default 200)"
    )
    g.add_argument(
        "--n-boot",
        type=int,
        default=1000,
        metavar="N",
        help="bootstrap draws over clips (default 1000)",
    )
    g.add_argument("--seed", type=int, default=0, help="seed of every random draw (default 0)")
    g.add_argument("--gold", metavar="FILE", help="CSV of true labels (clip id, label)")
    g.add_argument("--gold-item-col", metavar="COL", help="item column of the gold file")
    g.add_argument("--gold-label-col", metavar="COL", help="label column of the gold file")
    a = p.add_argument_group("adaptive re-annotation")
    a.add_argument(
        "--start-k",
        type=int,
        metavar="K",
        help="votes per clip before extra votes are spent (default: the smallest k whose 95%% CI "
        "lower bound reaches the target)",
    )
    a.add_argument(
        "--strategies",
        default=",".join(STRATEGIES),
        help=f"comma list of {', '.join(STRATEGIES)} (default: all)",
    )
    a.add_argument(
        "--budget", type=int, metavar="N", help="extra ratings simulated (default: 2 per clip)"
    )
    a.add_argument("--runs", type=int, default=1, metavar="N", help="simulation runs (default 1)")
    a.add_argument(
        "--queue-size", type=int, default=200, metavar="N", help="clips in the queue (default 200)"
    )
    p.add_argument(
        "--soft-labels",
        action="store_true",
        help="also rank soft-label methods by split-half prediction (NLL, Brier, ECE)",
    )
    p.add_argument("--out", metavar="DIR", help="write plan.json, plots and next_clips.csv here")
    p.add_argument("--force", action="store_true", help="overwrite existing files")
    p.add_argument("--json", action="store_true", help="print the JSON document on stdout")
    p.set_defaults(run=run)


def truth_for(args, scheme: str):
    """True labels for the plan: ``--gold`` when given, the bundled corpus's
    truth when there is no INPUT, else None."""
    from ..aggregation import read_gold

    if getattr(args, "gold", None):
        return read_gold(args.gold, item_col=args.gold_item_col, label_col=args.gold_label_col)
    if not args.input:
        import pandas as pd

        from ..simulate import sample_path

        t = pd.read_csv(sample_path() / "truth.csv", index_col=0, dtype=str)
        return t[scheme] if scheme in t.columns else None
    return None


def run(args) -> int:
    strategies = _checked_options(args)
    out, files = _output_files(args)
    ann = load_from_args(args)
    scheme = args.scheme or ann.schemes[0]
    if scheme not in ann.schemes:
        raise InputError(
            f"no scheme {scheme!r} in the ratings (schemes: {', '.join(ann.schemes)})",
            column="--scheme",
            value=scheme,
        )
    result = _run_plan(args, ann, scheme, strategies)
    doc = result.to_dict()
    if out is not None:
        _write_outputs(out, files, doc, result)
    if args.json:
        json.dump(doc, sys.stdout, indent=2, allow_nan=False)
        print()
        return 0
    print(_table(result))
    print(result.conclusion)
    if result.advice:
        print(result.advice)
    if result.soft_labels is not None:
        from ..wording import fixed

        best = result.soft_labels.iloc[0]
        print(
            f"soft labels: {best['name']} predicts the other half's votes best "
            f"(NLL {fixed(best['nll'])}, Brier {fixed(best['brier'])}, ECE {fixed(best['ece'])})"
        )
    for f in files.values():
        print(f"  {f}")
    return 0


def _checked_options(args) -> list:
    """The strategies, after the checks of the options that need no input read."""
    from ..planning import STRATEGIES, parse_target

    try:
        parse_target(args.target)
    except ValueError as e:
        raise InputError(str(e), column="--target", value=args.target) from None
    for opt, v, low in (
        ("--resamples", args.resamples, 1),
        ("--n-boot", args.n_boot, 1),
        ("--max-k", args.max_k, 1),
        ("--start-k", args.start_k, 1),
        ("--runs", args.runs, 1),
        ("--budget", args.budget, 0),
        ("--queue-size", args.queue_size, 0),
    ):
        if v is not None and v < low:
            raise InputError(f"{opt} must be at least {low}", value=v)
    strategies = [s.strip() for s in args.strategies.split(",") if s.strip()]
    bad = [s for s in strategies if s not in STRATEGIES]
    if bad:
        raise InputError(
            f"unknown strategy; expected some of {', '.join(STRATEGIES)}",
            column="--strategies",
            value=bad[0],
        )
    return strategies


def _output_files(args) -> tuple[Path | None, dict]:
    """The --out folder and the files to write there, each checked writable before any work."""
    from ..io.atomic import check_writable

    out = Path(args.out) if args.out else None
    files = {}
    if out is not None:
        if out.exists() and not out.is_dir():
            raise InputError("--out must be a folder", path=out)
        from ..report.planning import PLAN_FIGURES

        files = {"json": out / "plan.json", "queue": out / "next_clips.csv"}
        files.update({k: out / f"{k}.png" for k in PLAN_FIGURES})
        for f in files.values():
            check_writable(f, force=args.force)
    return out, files


def _run_plan(args, ann, scheme, strategies):
    """The plan with the options given; a refused value is an input error."""
    from ..planning import plan

    truth = truth_for(args, scheme)
    method = args.method or ("majority" if ann.anonymous else "dawid-skene")
    try:
        return plan(
            ann,
            scheme,
            method=method,
            truth=truth,
            ks=range(1, args.max_k + 1) if args.max_k else None,
            n_resamples=args.resamples,
            n_boot=args.n_boot,
            target=args.target,
            start_k=args.start_k,
            strategies=strategies,
            budget=args.budget,
            n_runs=args.runs,
            queue_size=args.queue_size,
            soft_labels=args.soft_labels,
            seed=args.seed,
        )
    except ValueError as e:
        if isinstance(e, InputError):
            raise
        raise InputError(str(e)) from None


def _write_outputs(out: Path, files: dict, doc: dict, result) -> None:
    """plan.json, next_clips.csv and the figures, written together (all or none)."""
    from ..io.atomic import atomic_files
    from ..report.planning import plan_figures

    figs = plan_figures(doc)
    out.mkdir(parents=True, exist_ok=True)
    with atomic_files(list(files.values()), force=True) as temps:
        tmp = dict(zip(files.values(), temps.values()))
        tmp[files["json"]].write_text(
            json.dumps(doc, indent=1, allow_nan=False) + "\n", encoding="utf-8"
        )
        result.queue.to_csv(tmp[files["queue"]], index=False, lineterminator="\n")
        import matplotlib.pyplot as plt

        for key, fig in figs.items():
            fig.savefig(tmp[files[key]], format="png", dpi=110, metadata={"Software": None})
            plt.close(fig)


def _table(result) -> str:
    from ..report.planning import PER_K_COLUMNS

    t = result.per_k
    cols = [c for c in PER_K_COLUMNS if c in t]
    from ..wording import count, fixed

    # counts as integers with thousands separators, the rest with three fixed decimals
    shown = (
        t[cols]
        .astype(object)
        .apply(
            lambda col: col.map(count if col.name == "k" or col.name.startswith("n_") else fixed)
        )
    )
    return shown.to_string(index=False)
