"""Arguments shared by every subcommand that reads ratings or writes files."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from ..errors import InputError
from ..io.policies import (
    DUPLICATE_POLICIES,
    FORMATS,
    INCONSISTENT_POLICIES,
    UNKNOWN_POLICIES,
)
from ..io.readers import format_help

if TYPE_CHECKING:  # pandas loads only in the command that reads ratings
    from ..annotations import Annotations

__all__ = [
    "add_bootstrap_argument",
    "add_input_arguments",
    "add_output_arguments",
    "load_from_args",
    "read_from_args",
    "exclude_from_args",
]


def add_input_arguments(
    p: argparse.ArgumentParser, *, optional_input: bool = True, many: bool = True
) -> None:
    """INPUT and the options of :func:`raer_agreement.io.load_ratings`."""
    p.add_argument(
        "input",
        nargs="*" if (optional_input and many) else ("?" if optional_input else "+"),
        metavar="INPUT",
        help="ratings file(s): long CSV/TSV/Parquet/JSONL, wide or counts CSV, or an export of "
        "Label Studio, MTurk, Toloka, Figure Eight/Appen, Prodigy or the LeWiDi JSON layout"
        + (" (default: the bundled synthetic RAER-like corpus)" if optional_input else ""),
    )
    g = p.add_argument_group("reading the ratings")
    _add_layout_arguments(g)
    _add_column_arguments(g)
    _add_category_arguments(g)
    _add_policy_arguments(g)
    _add_text_arguments(g)
    _add_recipe_arguments(p, g)
    _add_triage_arguments(g)


def _add_layout_arguments(g) -> None:
    """--format, --anonymous, --fold-case: how the content is read."""
    g.add_argument(
        "--format",
        default="auto",
        choices=FORMATS,
        help="input layout (default: decided from the content; the decision and its evidence "
        "are in the ledger, and ambiguous input is refused with the choices): " + format_help(),
    )
    g.add_argument(
        "--anonymous",
        action="store_true",
        help="each row is one rating by an unknown annotator (no annotator column): "
        "statistics that need annotator identities are not computed",
    )
    g.add_argument(
        "--fold-case",
        action="store_true",
        help="labels that differ only in case or surrounding spaces are one category "
        "(each merge noted in the ledger; without it they are refused)",
    )


def _add_column_arguments(g) -> None:
    """The columns: clip id, annotators, labels, missing values, a transposed wide table."""
    g.add_argument(
        "--item-col", metavar="COL", help="clip id column (default: clip_id/item/task/...)"
    )
    g.add_argument(
        "--annotator-col",
        metavar="COL",
        action="append",
        help="annotator column (default: annotator_id/worker/rater/...); repeated in a table: "
        "the rater columns of a wide table (the other columns are clip metadata)",
    )
    g.add_argument(
        "--na-values",
        metavar="TOKEN,...",
        help="cell values that mean no rating, beside empty cells and pandas' default NA "
        "tokens (NA, null, N/A, ...); NONE, none and other are categories otherwise",
    )
    g.add_argument(
        "--transpose",
        action="store_true",
        help="a wide table whose rows are annotators and columns items (--annotator-col, if "
        "given, names the annotators)",
    )
    g.add_argument(
        "--label-col",
        metavar="COL[=SCHEME]",
        action="append",
        help="label column, repeatable, one per scheme (default: coarse/fine or label/answer/response)",
    )


def _add_category_arguments(g) -> None:
    """The categories and clip metadata: taxonomy, category list, clip files."""
    g.add_argument(
        "--taxonomy", metavar="FILE", help="taxonomy JSON (schemes, categories, mapping)"
    )
    g.add_argument(
        "--categories",
        metavar="A,B,C",
        help="every category in order, unused ones included (when there is no taxonomy)",
    )
    g.add_argument(
        "--clips",
        metavar="FILE",
        action="append",
        help="clip metadata: official list files or a CSV with clip ids (repeatable)",
    )


def _add_policy_arguments(g) -> None:
    """What to do with duplicated, inconsistent and unknown ratings."""
    g.add_argument(
        "--duplicates",
        choices=DUPLICATE_POLICIES,
        default=None,
        help="an annotator rating a clip twice: keep both, keep the last, or stop (default: "
        "keep, except that files sharing many annotator/clip pairs are refused until this "
        "is given)",
    )
    g.add_argument(
        "--inconsistent",
        choices=INCONSISTENT_POLICIES,
        default="flag",
        help="a fine label outside the same row's coarse label (default: flag)",
    )
    g.add_argument(
        "--unknown",
        choices=UNKNOWN_POLICIES,
        default="error",
        help="a label that is no declared category (default: error)",
    )


def _add_text_arguments(g) -> None:
    """The text file itself: encoding, delimiter, header."""
    g.add_argument(
        "--encoding", help="text encoding (default: from the byte-order mark, else UTF-8)"
    )
    g.add_argument("--sep", help="delimiter (default: sniffed)")
    g.add_argument(
        "--no-header",
        action="store_true",
        help="the table has no header row: the first line is data, columns column_1, ...",
    )


def _add_recipe_arguments(p, g) -> None:
    """A saved reading recipe and multi-select cells (the parser resolves --recipe conflicts)."""
    # a command with its own --recipe (soft-labels' named target recipes) keeps it, and
    # this one is --reading-recipe there: later options take an option string over
    p.conflict_handler = "resolve"
    g.add_argument(
        "--recipe",
        "--reading-recipe",
        dest="reading_recipe",
        metavar="FILE",
        help="read as the recipe written by 'raer-agreement inspect --save-recipe' says "
        "(format, columns, categories, options; flags given here override it); a file that "
        "no longer gives the recipe's counts is refused",
    )
    g.add_argument(
        "--multi-sep",
        metavar="SEP",
        help="separator of multi-select answers in one label cell, e.g. ';' (line breaks "
        "always are): one binary scheme per option",
    )


def _add_triage_arguments(g) -> None:
    """Annotators left out: by id, or by spam score."""
    # annotator triage: excluded ratings are dropped with a ledger entry, never silently
    g.add_argument(
        "--exclude-annotators",
        metavar="ID,...",
        help="leave out these annotators (their ratings are counted as dropped in the ledger)",
    )
    g.add_argument(
        "--drop-spammers",
        type=float,
        metavar="THRESHOLD",
        help="leave out annotators whose Raykar-Yu spam score (from Dawid-Skene confusions on the "
        "first scheme; 0 = votes unrelated to the truth, 1 = perfect) is below THRESHOLD, e.g. 0.1",
    )


#: Values of ``--bootstrap`` (as :data:`raer_agreement.metrics.analysis.BOOTSTRAP_SCHEMES`,
#: repeated here so that building the parser imports no metric module).
BOOTSTRAP_CHOICES = ("clips", "krippendorff")


def add_bootstrap_argument(g) -> None:
    """``--bootstrap clips|krippendorff``: what alpha's bootstrap resamples
    (``agreement`` and ``report``)."""
    g.add_argument(
        "--bootstrap",
        choices=BOOTSTRAP_CHOICES,
        default="clips",
        help="bootstrap of Krippendorff's alpha (its interval and P(alpha < 0.667), "
        "P(alpha < 0.800)): clips resamples clips like every other coefficient (default); "
        "krippendorff draws pairs of values from the coincidence matrix as Krippendorff's "
        "algorithm does (pairs taken as independent: usually narrower); the other "
        "coefficients always resample clips",
    )


def add_output_arguments(
    p: argparse.ArgumentParser, *, out_help: str, required: bool = False
) -> None:
    p.add_argument("--out", required=required, metavar="PATH", help=out_help)
    p.add_argument("--force", action="store_true", help="overwrite existing output")


def load_from_args(args) -> Annotations:
    """Annotations named by the parsed arguments (the bundled corpus when no
    INPUT), without the annotators excluded by ``--exclude-annotators`` and
    ``--drop-spammers``."""
    return exclude_from_args(read_from_args(args), args)[0]


def exclude_from_args(ann: Annotations, args) -> tuple[Annotations, list]:
    """Apply ``--exclude-annotators`` and ``--drop-spammers``: the kept
    annotations and the excluded annotator ids (ledger entries record them)."""
    from ..aggregation.triage import drop_spammers, exclude_annotators

    ids = [i.strip() for i in (getattr(args, "exclude_annotators", None) or "").split(",")]
    ids = [i for i in ids if i]
    kept = exclude_annotators(ann, ids)
    threshold = getattr(args, "drop_spammers", None)
    if threshold is not None:
        kept, spam = drop_spammers(kept, threshold)
        ids += spam
    return kept, ids


def read_from_args(args) -> Annotations:
    """Annotations named by the parsed arguments; the bundled corpus when no INPUT."""
    inputs = args.input if isinstance(args.input, list) else ([args.input] if args.input else [])
    if not inputs:
        from ..simulate import load_sample

        return load_sample()
    from ..io import load_ratings

    if getattr(args, "reading_recipe", None):
        from ..io.recipe import read_with_recipe

        return read_with_recipe(inputs, args, reading_options(args))
    return load_ratings(
        inputs,
        format=args.format,
        encoding=args.encoding,
        clips=args.clips,
        anonymous=args.anonymous,
        fold_case=getattr(args, "fold_case", False),
        transpose=getattr(args, "transpose", False),
        na_values=[t for t in (getattr(args, "na_values", None) or "").split(",") if t.strip()],
        no_header=getattr(args, "no_header", False),
        **reading_options(args),
    )


def _one_or_many(values):
    """One column name as a string, several as a list (None when none)."""
    if not values:
        return None
    return values[0] if len(values) == 1 else list(values)


def reading_options(args) -> dict:
    """The validation options shared by every reader (in memory and on Dask):
    columns, taxonomy or categories, and the policies."""
    categories = None
    if args.categories:
        categories = [c.strip() for c in args.categories.split(",") if c.strip()]
        if not categories:
            raise InputError("--categories is empty", value=args.categories)
    return dict(
        item_col=args.item_col,
        annotator_col=_one_or_many(args.annotator_col),
        label_cols=args.label_col,
        taxonomy=args.taxonomy,
        categories=categories,
        duplicates=args.duplicates,
        inconsistent=args.inconsistent,
        unknown=args.unknown,
        sep=args.sep,
        **({"multi_sep": args.multi_sep} if getattr(args, "multi_sep", None) else {}),
    )
