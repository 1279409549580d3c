"""``raer-agreement soft-labels``: soft-label targets (NPZ, CSV, Parquet, JSON sidecar)
and, optionally, the official list files with the aggregated labels."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from ..errors import InputError
from ._common import add_input_arguments, load_from_args
from .aggregate import (
    add_gold_arguments,
    add_method_arguments,
    check_scheme,
    fit_estimator,
    gold_from_args,
    make_estimator,
)


def register(sub, name):
    p = sub.add_parser(
        name,
        help="write soft-label targets (NPZ/CSV/Parquet + JSON sidecar) and list files",
        description="Soft-label targets per clip: the vote distribution (--method votes) or a "
        "model's posteriors, with clip ids and class order inside every file.",
    )
    add_input_arguments(p)
    add_method_arguments(p)
    for a in p._actions:
        if a.dest == "method":
            a.choices = ("votes", "auto") + tuple(c for c in a.choices if c != "auto")
            a.default = "votes"
            a.help = (
                "votes (empirical distribution), auto (the method and parameters that best "
                "predict held-out annotators, chosen by split-half prediction; --alpha and "
                "--temperature do not apply) or an aggregation model (default: votes)"
            )
    add_gold_arguments(p, purpose="with --clamp-gold, the model holds these clips at their label")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder")
    p.add_argument("--force", action="store_true", help="overwrite existing output")
    g = p.add_argument_group("targets")
    g.add_argument(
        "--alpha",
        type=float,
        default=0.0,
        help="votes: Dirichlet pseudo-votes per class (default 0)",
    )
    g.add_argument(
        "--min-votes", type=int, default=1, help="leave out clips with fewer votes (default 1)"
    )
    g.add_argument(
        "--temperature", type=float, default=1.0, help="p**(1/T), renormalised (default 1)"
    )
    g.add_argument(
        "--min-class-votes",
        type=int,
        default=1,
        metavar="K",
        help="votes: a class with fewer than K votes in a clip loses them as noise "
        "(FER+ drops single votes: 2; default 1)",
    )
    g.add_argument(
        "--exclude",
        metavar="CLASSES",
        help="votes: comma list of classes that are not targets (e.g. unknown,NF); their votes "
        "are removed and the rest renormalised",
    )
    g.add_argument(
        "--min-kept-share",
        type=float,
        default=0.0,
        metavar="S",
        help="votes: leave out a clip whose kept votes are below this share of its votes "
        "(default 0)",
    )
    g.add_argument(
        "--recipe",
        metavar="NAME",
        help="votes: a named recipe: FER+'s published training targets ferplus-majority, "
        "ferplus-probability, ferplus-crossentropy, ferplus-multitarget (single votes dropped; "
        "unknown and NF are not targets unless --exclude names others)",
    )
    g.add_argument(
        "--formats", default="npz,csv,parquet", help="comma list of npz,csv,parquet (default: all)"
    )
    g.add_argument("--stem", default="soft_labels", help="file stem (default: soft_labels)")
    g.add_argument(
        "--coarse-from-fine",
        action="store_true",
        help="also write parent-scheme targets by summing the child scheme's over children",
    )
    g.add_argument(
        "--list-files",
        action="store_true",
        help="also write <split>.txt in the official layout '<frame_dir> <num_frames> <label>' with the top-level (parent) classes",
    )
    p.set_defaults(run=run)


def run(args) -> int:
    from ..aggregation import coarse_from_fine
    from ..exports import export_soft_labels

    formats, out = _checked_options(args)
    ann = load_from_args(args)
    check_scheme(ann, args.scheme)
    gold = gold_from_args(args, ann)
    scheme = args.scheme or ann.schemes[0]
    if args.list_files and (
        "num_frames" not in ann.items.columns or ann.items["num_frames"].isna().all()
    ):
        raise InputError(
            "--list-files needs the number of frames of each clip: pass the official list files "
            "with --clips (or a clip table with a num_frames column)"
        )
    soft = _targets(args, ann, scheme, gold)
    inputs = [p for p in (args.input or []) if Path(p).is_file()]
    written = export_soft_labels(
        soft, out, stem=args.stem, formats=formats, inputs=inputs, force=args.force
    )
    lines = _summary(args, soft, written)
    parent = ann.scheme(scheme).parent
    # marginalising needs every child class: not after classes were excluded
    whole = tuple(soft.classes) == tuple(ann.scheme(scheme).categories)
    parent_soft = coarse_from_fine(soft, ann) if parent is not None and whole else None
    if args.coarse_from_fine:
        if parent_soft is None:
            raise InputError(
                f"--coarse-from-fine: scheme {scheme!r} has no parent scheme in the taxonomy"
                if parent is None
                else "--coarse-from-fine needs every class of the child scheme; drop --exclude"
            )
        w2 = export_soft_labels(
            parent_soft,
            out,
            stem=f"{args.stem}_{parent}",
            formats=formats,
            inputs=inputs,
            extra={"marginalised_from": scheme},
            force=args.force,
        )
        lines += [f"  {f}: {p}" for f, p in w2.items()]
    if args.list_files:
        # the official layout holds the top-level classes (RAER: codes 1-5)
        top, list_scheme = (parent_soft, parent) if parent_soft is not None else (soft, scheme)
        lines += _write_list_files(args, ann, out, top, list_scheme)
    print("\n".join(lines))
    return 0


def _checked_options(args) -> tuple[list, Path]:
    """The formats and the output folder, after the checks that need no input read."""
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    bad = [f for f in formats if f not in ("npz", "csv", "parquet")]
    if bad or not formats:
        raise InputError("--formats takes a comma list of npz, csv, parquet", value=args.formats)
    if args.alpha < 0:
        raise InputError("--alpha must be >= 0", value=args.alpha)
    if args.min_votes < 0:
        raise InputError("--min-votes must be >= 0", value=args.min_votes)
    if not args.temperature > 0:
        raise InputError("--temperature must be > 0", value=args.temperature)
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise InputError("--out must be a folder", path=out)
    return formats, out


def _targets(args, ann, scheme, gold):
    """The soft labels of the method asked for; a refused option is an input error."""
    from ..aggregation import soft_labels

    votes = args.method == "votes"
    exclude = None
    if args.exclude is not None:
        exclude = [c.strip() for c in args.exclude.split(",") if c.strip()]
    try:
        if args.method == "auto":  # chosen by split-half prediction, recorded in the sidecar
            from ..planning import auto_soft_labels

            return auto_soft_labels(ann, scheme, seed=args.seed, min_votes=args.min_votes)
        est = None
        if not votes:
            est = fit_estimator(make_estimator(args), ann, scheme, gold, args.clamp_gold, args.gold)
        soft = soft_labels(
            ann,
            scheme,
            method="votes" if est is None else est,
            fitted=est is not None,
            name=args.method,
            alpha=args.alpha,
            min_votes=args.min_votes,
            temperature=args.temperature,
            seed=args.seed,
            min_class_votes=args.min_class_votes,
            exclude=exclude,
            min_kept_share=args.min_kept_share,
            recipe=args.recipe,
        )
        if est is not None and args.clamp_gold:
            n_gold = int(gold.index.isin(ann.item_ids).sum())
            soft = replace(soft, params={**soft.params, "gold_clamped": n_gold})
        return soft
    except InputError:
        raise
    except ValueError as e:
        raise InputError(str(e)) from None


def _summary(args, soft, written) -> list[str]:
    """The lines printed: clips and classes, clips left out by reason, the files written."""
    from ..wording import count

    left_out = soft.params.get("left_out") or (
        {f"fewer than {args.min_votes} votes": soft.params["n_clips_left_out"]}
        if soft.params.get("n_clips_left_out")
        else {}
    )
    lines = [
        f"{count(len(soft.clip_ids))} clips, scheme {soft.scheme}, method {soft.method}"
        + (f", classes {', '.join(soft.classes)}" if soft.params.get("excluded") else "")
    ]
    lines += [f"  {count(n)} clips left out: {why}" for why, n in left_out.items()]
    lines += [f"  {f}: {p}" for f, p in written.items()]
    return lines


def _write_list_files(args, ann, out, top, list_scheme) -> list[str]:
    """The official list files from the hard labels of ``top``; the lines that report them."""
    import pandas as pd

    from ..exports import write_list_files

    labels = pd.Series(top.hard_labels(), index=pd.Index(top.clip_ids))
    res = write_list_files(labels, ann, out, scheme=list_scheme, force=args.force)
    lines = [f"  list file ({k}): {v}" for k, v in res.items() if k != "left_out"]
    if res["left_out"]:
        lines.append(
            f"  {res['left_out']} clips left out of the list files (no label or no frame count)"
        )
    return lines
