"""``raer-agreement report``: the agreement report (HTML, Markdown, JSON) and exports."""

from __future__ import annotations

import sys
from pathlib import Path

from ..errors import InputError
from ._common import (
    add_bootstrap_argument,
    add_input_arguments,
    exclude_from_args,
    read_from_args,
)
from .aggregate import add_gold_arguments, gold_from_args
from .choices import METHOD_CHOICES as METHODS


def register(sub, name):
    p = sub.add_parser(
        name,
        help="write the agreement report (report.html, report.md, report.json) and the "
        "final-label and soft-label exports",
        description="The state of the annotation at a glance: coefficients with CIs, per class, "
        "per annotator, per context, both granularities, aggregation compared, clips "
        "to review. With no INPUT it uses the bundled synthetic RAER-like corpus.",
    )
    add_input_arguments(p)
    p.add_argument(
        "--out",
        default="agreement_report",
        metavar="DIR",
        help="output folder (default: agreement_report)",
    )
    p.add_argument("--force", action="store_true", help="overwrite existing files")
    p.add_argument(
        "--n-boot",
        type=int,
        default=1000,
        metavar="N",
        help="bootstrap resamples over clips (default 1000; 0 = analytic CIs only)",
    )
    p.add_argument(
        "--seed", type=int, default=0, help="seed of the bootstrap, ties and restarts (default 0)"
    )
    add_bootstrap_argument(p)
    p.add_argument(
        "--method",
        choices=(*METHODS, "auto"),
        default=None,
        help="aggregation whose labels are exported (default: hierarchical with two nested "
        "schemes, else dawid-skene; auto: the model that best predicts held-out votes, its "
        "scores in the report)",
    )
    p.add_argument(
        "--predictions",
        metavar="FILE",
        help="CSV of clip id and predicted class: scored (UAR, WAR) against the aggregated labels "
        "beside the human ceiling",
    )
    p.add_argument(
        "--plan",
        action="store_true",
        help="add the annotation budget section (raer-agreement plan with its defaults, "
        "--seed; Dawid-Skene, 200 resamples per k)",
    )
    add_gold_arguments(
        p,
        purpose="each annotator's accuracy on them in the triage section (and, with "
        "--clamp-gold, gold clips held at their label by the EM models)",
    )
    p.add_argument("--title", help="report title")
    p.add_argument("--no-exports", action="store_true", help="write only the three report files")
    p.add_argument("--quiet", action="store_true", help="no progress messages")
    p.set_defaults(run=run)


def progress_printer(enabled: bool | None):
    """Numbered step lines on stderr (default: when stderr is a terminal), or None."""
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled:
        return None
    k = 0

    def step(what: str) -> None:
        nonlocal k
        k += 1
        print(f"[{k}] {what}", file=sys.stderr, flush=True)

    return step


def run(args) -> int:
    import matplotlib

    matplotlib.use("Agg")  # files only: no display is needed or assumed

    from ..report import build_report, write_report

    if args.n_boot < 0:
        raise InputError("--n-boot must be >= 0", value=args.n_boot)
    if args.predictions and not Path(args.predictions).is_file():
        raise InputError("predictions file not found", path=args.predictions)
    original = read_from_args(args)
    ann, excluded = exclude_from_args(original, args)
    gold = gold_from_args(args, ann)
    report = build_report(
        ann,
        n_boot=args.n_boot,
        seed=args.seed,
        method=args.method,
        predictions=args.predictions,
        progress=progress_printer(False if args.quiet else None),
        title=args.title,
        gold=gold,
        clamp_gold=args.clamp_gold,
        original=original,
        excluded=excluded,
        bootstrap=args.bootstrap,
    )
    if args.plan:
        from ..planning import plan
        from .plan import truth_for

        truth = gold if gold is not None else truth_for(args, report.scheme)
        p = plan(ann, report.scheme, truth=truth, seed=args.seed)
        report.document["planning"] = p.to_dict()
    given = [*(args.clips or []), *([args.taxonomy] if args.taxonomy else [])]
    if not args.input:  # the bundled corpus: its clip metadata is an input too
        from ..simulate import sample_path

        given.append(sample_path() / "clips.csv")
    paths = write_report(
        report, args.out, force=args.force, inputs=given, exports=not args.no_exports
    )
    if not args.quiet:
        for key, p in paths.items():
            if key != "html":
                print(f"  {p}")
    print(f"report: {paths['html'].resolve()}")
    return 0
