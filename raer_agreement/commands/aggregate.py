"""``raer-agreement aggregate``: one final label per clip, with its posterior."""

from __future__ import annotations

import json
import sys

from ..aggregation import registry
from ..errors import InputError
from ._common import add_input_arguments, add_output_arguments, load_from_args

#: Command-line options passed to the estimator, declared once: option -> (flag,
#: check, what is expected).  An option reaches an estimator only when the
#: estimator has a parameter of that name (``get_params``), so no method's
#: options are listed here.
ESTIMATOR_OPTIONS = {
    "tie_break": ("--tie-break", lambda v: True, ""),
    "max_iter": ("--max-iter", lambda v: v >= 1, "at least 1"),
    "smoothing": ("--smoothing", lambda v: v >= 0, ">= 0"),
}


#: The default of each model's ``--smoothing``, shown in the help; a test checks it
#: against the estimators' signatures (the help must not import them).
SMOOTHING_DEFAULTS = {"dawid-skene": 0.0, "one-coin": 0.0, "class-conditional": 1.0}


def method_help() -> str:
    """The ``--method`` help, from the registry: each method and what it assumes."""
    listed = "; ".join(
        f"{s.name}: {s.summary}" for s in map(registry.spec, registry.method_names())
    )
    return (
        f"aggregation model ({listed}); auto: chosen from the data, the model that best predicts "
        "held-out votes (default: dawid-skene; majority for anonymous votes, since the other "
        "models need annotator identities)"
    )


def add_method_arguments(p) -> None:
    g = p.add_argument_group("aggregation")
    g.add_argument(
        "--method",
        choices=(*registry.method_names(), "auto"),
        default=None,
        help=method_help(),
    )
    g.add_argument(
        "--scheme",
        metavar="NAME",
        help="label scheme to aggregate (default: the first, e.g. coarse)",
    )
    g.add_argument(
        "--seed",
        type=int,
        default=0,
        help="seed of majority-vote tie breaking, restarts and random starts (default: 0)",
    )
    g.add_argument(
        "--tie-break",
        choices=("random", "lowest", "unresolved", "prior"),
        default="random",
        help="majority/wawa: how tied clips are labelled (default: random, seeded)",
    )
    g.add_argument(
        "--max-iter", type=int, metavar="N", help="EM iterations at most (model default otherwise)"
    )
    defaults = ", ".join(f"{k} {v:g}" for k, v in SMOOTHING_DEFAULTS.items())
    g.add_argument(
        "--smoothing",
        type=float,
        metavar="A",
        help=f"Dawid-Skene family: Dirichlet pseudo-count per confusion cell (default: {defaults})",
    )


def add_gold_arguments(p, *, purpose: str) -> None:
    """``--gold`` (with its column options) and ``--clamp-gold``."""
    g = p.add_argument_group("gold labels")
    g.add_argument(
        "--gold",
        metavar="FILE",
        help=f"CSV/TSV of gold labels (item id, label), or a Toloka pool download whose control "
        f"tasks carry GOLDEN:<output>: {purpose} (default: the gold answers the input itself "
        "carries, e.g. the control tasks of a Toloka export)",
    )
    g.add_argument("--gold-item-col", metavar="COL", help="item column of the gold file")
    g.add_argument("--gold-label-col", metavar="COL", help="label column of the gold file")
    g.add_argument(
        "--clamp-gold",
        action="store_true",
        help="hold the gold clips at their gold label during EM (models: "
        + ", ".join(registry.clamping_methods())
        + ")",
    )


def gold_from_args(args, ann):
    """The gold labels: ``--gold FILE``, else the gold answers the input itself
    carries (item metadata column ``gold``, e.g. the control tasks of a Toloka
    pool download); None when there are none.  Checks ``--clamp-gold`` (a
    ``None`` method is the caller's default model, which has EM)."""
    from ..aggregation import read_gold

    clamping = registry.clamping_methods()
    if args.clamp_gold and args.method not in (None, "auto") and args.method not in clamping:
        raise InputError(
            f"--clamp-gold holds gold clips fixed during EM; method {args.method!r} has no EM "
            f"(use one of: {', '.join(clamping)})",
            column="--method",
            value=args.method,
        )
    if args.gold:
        return read_gold(args.gold, item_col=args.gold_item_col, label_col=args.gold_label_col)
    items = ann.items
    if "gold" in items.columns and items["gold"].notna().any():
        return items["gold"].dropna().astype(str)
    if args.clamp_gold:
        raise InputError(
            "--clamp-gold needs gold labels: pass --gold FILE (or an export whose rows carry them)"
        )
    return None


def fit_estimator(est, ann, scheme, gold, clamp: bool, gold_path=None):
    """Fit, clamping the gold clips when asked; model errors become one-line input errors."""
    try:
        if clamp:
            est.fit(ann, scheme, gold=gold)
        else:
            est.fit(ann, scheme)
    except InputError:
        raise
    except ValueError as e:
        raise InputError(str(e), path=gold_path if clamp else None) from None
    return est


def resolve_method(args, ann) -> str | None:
    """Fill in ``--method`` for these data (the default, or ``auto``'s choice); the
    line to print, if any.  ``args.method_choice`` keeps ``auto``'s scores."""
    args.method_choice = None
    if args.method == "auto":
        from ..aggregation import choose_method

        choice = choose_method(ann, args.scheme, seed=args.seed)
        args.method, args.method_choice = choice.method, choice
        if args.clamp_gold and choice.method not in registry.clamping_methods():
            args.clamp_gold = False  # only majority (anonymous votes) has nothing to clamp
        return choice.reason
    if args.method is not None:
        return None
    if ann.anonymous:
        args.method = "majority"
        return (
            "anonymous votes: majority vote (Dawid-Skene and the other models need annotator "
            "identities)"
        )
    args.method = "dawid-skene"
    return None


def check_capabilities(args, ann, scheme) -> None:
    """Refuse, in one line, data the chosen method declares it cannot take."""
    spec = registry.spec(args.method)
    q = ann.n_categories(ann.resolve_scheme(scheme))
    if spec.binary_only and q != 2:
        raise InputError(
            f"method {args.method!r} is for two classes only; the scheme has {q} "
            "(choose another --method)",
            column="--method",
            value=args.method,
        )


def make_estimator(args):
    """The estimator named by ``--method``, with the options it takes."""
    est = registry.make_aggregator(args.method, seed=args.seed)
    params = est.get_params()
    for name, (flag, ok, expected) in ESTIMATOR_OPTIONS.items():
        value = getattr(args, name, None)
        if value is None:
            continue
        if not ok(value):
            raise InputError(f"{flag} must be {expected}", value=value)
        if name in params:
            est.set_params(**{name: value})
    return est


def check_scheme(ann, scheme):
    """Stop with one line when ``--scheme`` names no scheme of the ratings."""
    if scheme is not None:
        ann.resolve_scheme(scheme, column="--scheme")


def register(sub, name):
    p = sub.add_parser(
        name,
        help="aggregate votes into one label per clip (CSV with posteriors)",
        description="Aggregate the votes of each clip into one label with a posterior, and "
        "optionally score it against gold labels (accuracy, UAR, WAR, per-class "
        "recall, confusion matrix).",
    )
    add_input_arguments(p)
    add_method_arguments(p)
    add_output_arguments(
        p, out_help="CSV to write: clip_id, label, confidence, prob_<class>...", required=True
    )
    add_gold_arguments(p, purpose="print the scores (and clamp with --clamp-gold)")
    p.add_argument(
        "--json",
        action="store_true",
        help="print what was done as JSON (method, auto's candidate scores, counts, gold scores)",
    )
    p.set_defaults(run=run)


def run(args) -> int:
    from ..aggregation import evaluate
    from ..exports import write_labels_csv
    from ..io.atomic import check_writable

    check_writable(args.out, force=args.force)  # fail before the work
    ann = load_from_args(args)
    check_scheme(ann, args.scheme)
    gold = gold_from_args(args, ann)
    note = resolve_method(args, ann)
    if note:
        print(note, file=sys.stderr)
    check_capabilities(args, ann, args.scheme)
    est = fit_estimator(make_estimator(args), ann, args.scheme, gold, args.clamp_gold, args.gold)
    ev = None
    if gold is not None:  # scored before writing: a refusal leaves no file behind
        try:
            ev = evaluate(est.labels_, gold, classes=list(est.classes_))
        except ValueError as e:
            raise InputError(str(e), path=args.gold) from None
    write_labels_csv(est, args.out, force=args.force)
    if getattr(args, "json", False):
        from .._json import to_jsonable

        print(json.dumps(to_jsonable(summary_document(args, est, ev)), indent=1))
    else:
        print_summary(args, est, gold, ev)
    return 0


def summary_document(args, est, ev) -> dict:
    """What ``aggregate`` did, for ``--json``: the method (with ``auto``'s scores), counts,
    and the scores against gold."""
    choice = args.method_choice
    return {
        "out": str(args.out),
        "method": args.method,
        "method_choice": None if choice is None else choice.to_dict(),
        "scheme": est.scheme_,
        "n_clips": len(est.labels_),
        "n_unresolved": int(est.labels_.isna().sum()),
        "n_ties": int(getattr(est, "n_ties_", 0)),
        "gold_clamped": bool(args.clamp_gold),
        "evaluation": None if ev is None else ev.to_dict(),
    }


def print_summary(args, est, gold, ev) -> None:
    """The console lines of ``aggregate``: what was written, and the scores against gold."""
    n_unres = int(est.labels_.isna().sum())
    how = args.method if args.method_choice is None else f"{args.method}, chosen by auto"
    from ..wording import count

    msg = f"wrote {count(len(est.labels_))} clips ({how}, scheme {est.scheme_}) to {args.out}"
    if n_unres:
        msg += f"; {count(n_unres)} without a label (unresolved ties or no votes)"
    if getattr(est, "n_ties_", 0):
        msg += f"; {count(est.n_ties_)} ties broken by policy '{est.tie_break_}'"
    print(msg)
    if ev is None:
        return
    if not args.gold:
        print(f"gold: the {len(gold)} gold answers carried by the input")
    if args.clamp_gold:
        print(
            "note: the gold clips were clamped to their gold labels, so these scores are "
            "not an independent evaluation"
        )
    print(ev.summary())
