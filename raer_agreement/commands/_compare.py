"""``raer-agreement agreement --compare A B``: agreement in round B minus round A.

Both files are read with the same reading options (and the same annotator
exclusions); when they share clips the bootstrap is paired.  Whether they
share annotators decides the inference (``design``): a shared panel is held
fixed, separate panels add the annotators' sampling error, anonymous votes
get no p-value.  The JSON
document (``data_schema/comparison.schema.json``) holds, for the compared
scheme, ``comparison.<coefficient>`` with ``estimate_a, estimate_b,
difference, ci_low, ci_high, p_value``.
"""

from __future__ import annotations

import argparse
import json
import sys

from ..errors import InputError

__all__ = ["add_compare_argument", "run_compare", "comparison_document", "render_comparison"]


def add_compare_argument(group) -> None:
    group.add_argument(
        "--compare",
        nargs=2,
        metavar=("A", "B"),
        help="compare two rounds or groups: agreement in B minus agreement in A, with a bootstrap "
        "CI over clips (paired when they share clips; annotators resampled too when the "
        "rounds have different annotators) and a p-value",
    )


def _read(args, path):
    from ._common import exclude_from_args, read_from_args

    one = argparse.Namespace(**{**vars(args), "input": [path]})
    return exclude_from_args(read_from_args(one), one)[0]


def comparison_document(
    a,
    b,
    *,
    scheme=None,
    n_boot=1000,
    seed=0,
    confidence=0.95,
    weights=None,
    level="nominal",
    names=("A", "B"),
) -> dict:
    """The JSON document of a two-way comparison (``data_schema/comparison.schema.json``)."""
    from .._json import to_jsonable
    from .._version import __version__
    from ..metrics.compare import compare_groups, comparison_block

    if scheme is None:
        common = [s for s in a.schemes if s in b.schemes]
        if not common:
            raise InputError(
                f"the two inputs share no label scheme ({', '.join(a.schemes)} vs "
                f"{', '.join(b.schemes)})"
            )
        scheme = common[0]
    c = compare_groups(
        {"a": a, "b": b},
        scheme,
        n_boot=n_boot,
        rng=seed,
        confidence=confidence,
        weights=weights,
        level=level,
    )
    t = c.pairwise.drop(columns=["group_a", "group_b"]).set_index("coefficient")
    return to_jsonable(
        {
            "package": {"name": "raer_agreement", "version": __version__},
            "inputs": {"a": names[0], "b": names[1]},
            "scheme": scheme,
            "confidence": confidence,
            "difference": "b - a",
            "bootstrap": {
                "n_boot": int(n_boot),
                "seed": seed,
                "unit": "item",
                "method": "percentile",
                "paired": bool(t["paired"].iloc[0]),
            },
            "design": c.design,
            "comparison": comparison_block(t),
            "ledgers": {"a": a.ledger.to_dict(), "b": b.ledger.to_dict()},
        }
    )


def render_comparison(doc: dict) -> str:
    """Plain-text table of a comparison document."""
    from ..metrics import COEFFICIENT_NAMES
    from ..wording import fixed as f

    def p(x):
        return "-" if x is None else ("<0.001" if x < 0.001 else f(x))

    conf = int(round(doc["confidence"] * 100))
    head = ["coefficient", "A", "B", "B - A", f"{conf}% boot CI", "p"]
    rows = [
        [
            COEFFICIENT_NAMES.get(k, k),
            f(c["estimate_a"]),
            f(c["estimate_b"]),
            f(c["difference"]),
            "-" if c["ci_low"] is None else f"[{f(c['ci_low'])}, {f(c['ci_high'])}]",
            p(c["p_value"]),
        ]
        for k, c in doc["comparison"].items()
    ]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(head)]

    def line(r):
        return "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))
        )

    first: dict = next(iter(doc["comparison"].values()), {})
    bs = doc["bootstrap"]
    out = [
        f"A: {doc['inputs']['a']} ({first.get('n_items_a', 0)} clips)",
        f"B: {doc['inputs']['b']} ({first.get('n_items_b', 0)} clips, "
        f"{first.get('n_common', 0)} shared with A)",
        f"scheme {doc['scheme']}; bootstrap: {bs['n_boot']} resamples of clips, "
        + ("paired (shared clips drawn together)" if bs["paired"] else "independent")
        + f", seed {bs['seed']}",
        _design_line(doc["design"]),
        "",
        line(head),
        "  ".join("-" * w for w in widths),
        *[line(r) for r in rows],
        "",
        "p: two-sided, H0 no difference"
        + (
            " (inverts the percentile interval)."
            if doc["design"]["design"] == "shared_panel"
            else "."
        ),
    ]
    return "\n".join(out)


#: how the text names each design
_DESIGN_WORDS = {
    "shared_panel": "shared panel",
    "separate_panels": "separate panels",
    "unknown": "unknown (anonymous votes)",
}


def _design_line(design: dict) -> str:
    """One line: which annotators the sides share, and the inference that follows."""
    n = design["n_annotators"]
    counts = (
        ""
        if design["n_shared"] is None
        else (f" ({n['a']} and {n['b']} annotators, {design['n_shared']} in both)")
    )
    return f"design: {_DESIGN_WORDS[design['design']]}{counts}; inference: {design['method']}"


def run_compare(args, *, weights=None) -> int:
    if args.n_boot < 2:
        raise InputError(
            "--compare needs a bootstrap: --n-boot must be 2 or more", value=args.n_boot
        )
    if args.input:
        raise InputError(
            "--compare takes the two inputs itself: give no other INPUT", value=" ".join(args.input)
        )
    path_a, path_b = args.compare
    a, b = _read(args, path_a), _read(args, path_b)
    scheme = args.scheme[0] if args.scheme else None
    for name, ann in (("A", a), ("B", b)):
        if scheme is not None and scheme not in ann.schemes:
            raise InputError(
                f"input {name} has no scheme {scheme!r} (schemes: {', '.join(ann.schemes)})",
                column="--scheme",
                value=scheme,
            )
    import warnings

    from ..errors import DegenerateDataWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateDataWarning)
        doc = comparison_document(
            a,
            b,
            scheme=scheme,
            n_boot=args.n_boot,
            seed=args.seed,
            confidence=args.confidence,
            weights=weights,
            level=args.level,
            names=(path_a, path_b),
        )
    if args.json:
        json.dump(doc, sys.stdout, indent=2, allow_nan=False)
        print()
    else:
        print(render_comparison(doc))
    return 0
