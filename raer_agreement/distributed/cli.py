"""``--engine dask`` for the ``aggregate``, ``agreement`` and ``soft-labels`` commands.

The commands keep their in-memory implementations; with ``--engine dask``
the parsed arguments come here instead.  INPUT is one folder or glob of
long Parquet/CSV files; outputs are folders of Parquet files, one per
partition.  Progress goes to stderr.  Nothing here imports Dask until a
command runs with ``--engine dask``.
"""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path
from typing import cast

from ..errors import InputError

__all__ = ["ENGINE_COMMANDS", "add_engine_arguments", "run"]

#: Subcommands that take ``--engine``.
ENGINE_COMMANDS = ("aggregate", "agreement", "soft-labels")

#: aggregate/soft-labels methods -> Dawid-Skene confusion model (None = majority vote)
METHODS = {"majority": None, "votes": None, "dawid-skene": "full", "class-conditional": "diagonal"}
METHODS["one-coin"] = "one-coin"


def add_engine_arguments(p) -> None:
    """``--engine``, ``--scheduler``, ``--memory-limit``, ``--partitions``."""
    g = p.add_argument_group("engine")
    g.add_argument(
        "--engine",
        choices=("memory", "dask"),
        default="memory",
        help="memory (default) or dask: INPUT is a folder or glob of long Parquet/CSV files, "
        "processed in partitions on a Dask cluster (needs raer_agreement[dask]); "
        "--out is then a folder of Parquet files",
    )
    g.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="dask: address of a running scheduler (tcp://host:8786); default: a local cluster "
        "with one worker per core",
    )
    g.add_argument(
        "--memory-limit",
        metavar="SIZE",
        help="dask, local cluster: memory limit per worker (e.g. 2GB)",
    )
    g.add_argument(
        "--partitions",
        type=int,
        metavar="N",
        help="dask: partitions after the shuffle by clip (default: as many as read)",
    )


def _unsupported(args, defaults: dict) -> None:
    """One clear error for an option the Dask engine does not implement."""
    for dest, default in defaults.items():
        val = getattr(args, dest, default)
        if val is not None and val != default:
            flag = "--" + dest.replace("_", "-")
            raise InputError(f"{flag} is not available with --engine dask", column=flag, value=val)


def run(args) -> int:
    """Run ``args.command`` on a Dask cluster; returns the exit code."""
    inputs = args.input if isinstance(args.input, list) else [args.input]
    if len(inputs) != 1 or not inputs[0]:
        raise InputError("--engine dask takes one INPUT: a folder or glob of long ratings files")
    if getattr(args, "format", "auto") not in ("auto", "long", "parquet"):
        raise InputError(
            "--engine dask reads long Parquet or CSV files", column="--format", value=args.format
        )
    _unsupported(args, {"clips": None, "encoding": None})
    if args.partitions is not None and args.partitions < 1:
        raise InputError("--partitions must be at least 1", value=args.partitions)
    check, handler = _COMMANDS[args.command]
    check(args)
    try:
        from . import close, connect, read_ratings
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise InputError(str(e)) from None
    try:
        client = connect(args.scheduler, memory_limit=args.memory_limit)
    except ImportError as e:
        raise InputError(str(e)) from None
    try:
        from ..commands._common import reading_options

        ratings = read_ratings(
            inputs[0], client, npartitions=args.partitions, progress=True, **reading_options(args)
        )
        return handler(args, ratings)
    finally:
        close(client)


def _check_out(args) -> Path:
    out = Path(args.out)
    if out.exists() and not args.force:
        raise InputError("output exists (use --force to overwrite)", path=out)
    return out


def _check_method(method: str | None) -> None:
    if method is not None and method not in METHODS:
        raise InputError(
            f"method {method!r} is not available with --engine dask "
            f"(available: {', '.join(METHODS)})",
            column="--method",
            value=method,
        )


def _fit(args, ratings, method: str):
    from . import dawid_skene, majority_vote

    _check_method(method)
    if method is None:  # the command's default: Dawid-Skene, majority for anonymous votes
        method = "majority" if ratings.anonymous else "dawid-skene"
    scheme = ratings.resolve(args.scheme)
    model = METHODS[method]
    if model is None:
        return majority_vote(
            ratings,
            scheme,
            tie_break=getattr(args, "tie_break", "random"),
            random_state=args.seed,
            progress=True,
        )
    opts = {}
    if args.max_iter is not None:
        if args.max_iter < 1:
            raise InputError("--max-iter must be at least 1", value=args.max_iter)
        opts["max_iter"] = args.max_iter
    if args.smoothing is not None:
        if args.smoothing < 0:
            raise InputError("--smoothing must be >= 0", value=args.smoothing)
        opts["smoothing"] = args.smoothing
    else:  # the default of the in-memory estimator of the same name
        from ..aggregation import make_aggregator
        from ..aggregation.dawid_skene import DawidSkene

        opts["smoothing"] = cast(DawidSkene, make_aggregator(method)).smoothing
    return dawid_skene(ratings, scheme, model=model, progress=True, **opts)


def _aggregate(args, ratings) -> int:
    out = _check_out(args)
    fit = _fit(args, ratings, args.method)
    fit.write_parquet(out, force=args.force)
    msg = f"wrote {fit.n_items} clips ({fit.method}, scheme {fit.scheme}) to {out}/ as Parquet"
    if fit.info.get("n_ties"):
        msg += f"; {fit.info['n_ties']} ties broken by policy '{fit.info['tie_break']}'"
    if "n_iter" in fit.info:
        msg += f"; {fit.info['n_iter']} EM iterations"
    print(msg)
    return 0


def _aggregate_check(args):
    _check_method(args.method)
    _check_out(args)
    _unsupported(args, {"gold": None})


def _soft_labels(args, ratings) -> int:
    out = _check_out(args)
    fit = _fit(args, ratings, args.method)
    fit.write_parquet(out, force=args.force)
    print(
        f"wrote soft labels of {fit.n_items} clips ({fit.method}, scheme {fit.scheme}) "
        f"to {out}/ as Parquet (clip_id, label, confidence, prob_<class>...)"
    )
    return 0


def _soft_labels_check(args):
    _check_method(args.method)
    _check_out(args)
    _unsupported(
        args,
        {
            "alpha": 0.0,
            "min_votes": 1,
            "temperature": 1.0,
            "coarse_from_fine": False,
            "list_files": False,
        },
    )


def _agreement(args, ratings) -> int:
    from ..errors import DegenerateDataWarning
    from . import agreement_table

    schemes = args.scheme or list(ratings.schemes)
    tables = {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DegenerateDataWarning)
        for s in schemes:
            tables[ratings.resolve(s)] = agreement_table(
                ratings, s, level=args.level, confidence=args.confidence, progress=True
            )
    for n in sorted({str(w.message) for w in caught}):
        print(f"raer-agreement agreement: warning: {n}", file=sys.stderr)
    if args.json:
        from .._json import to_jsonable

        doc = {
            "engine": "dask",
            "schemes": {s: {"coefficients": t.to_dict(orient="index")} for s, t in tables.items()},
            "ledger": ratings.ledger.to_dict(),
        }
        json.dump(to_jsonable(doc), sys.stdout, indent=2, allow_nan=False)
        print()
    else:
        print(ratings.ledger.summary())
        for s, t in tables.items():
            print(f"\nscheme {s} ({int(t['n_items'].iloc[0])} clips)")
            print(t.to_string(float_format=lambda v: f"{v:.4f}"))
    return 0


def _agreement_check(args):
    if not 0 < args.confidence < 1:
        raise InputError("--confidence must be between 0 and 1", value=args.confidence)
    _unsupported(args, {"by": None, "weights": "identity"})
    if args.n_boot not in (0, 1000):
        raise InputError(
            "the bootstrap is not available with --engine dask (use --n-boot 0)",
            column="--n-boot",
            value=args.n_boot,
        )


# Each command the Dask engine runs: its option check (before a cluster starts) and its handler.
_COMMANDS = {
    "aggregate": (_aggregate_check, _aggregate),
    "soft-labels": (_soft_labels_check, _soft_labels),
    "agreement": (_agreement_check, _agreement),
}
