"""``raer-agreement validate``: read, validate, print the ledger."""

from __future__ import annotations

import json
import sys

from ._common import add_input_arguments, load_from_args

#: categories listed per scheme; the rest are counted (--json lists all)
SHOWN_CATEGORIES = 30


def register(sub, name):
    p = sub.add_parser(
        name,
        help="read and validate ratings; print the ledger (exit 0, or 2 on bad input)",
        description="Read ratings, check them against the taxonomy and print what was read, "
        "used and dropped.",
    )
    add_input_arguments(p)
    p.add_argument("--json", action="store_true", help="print the ledger as JSON")
    p.set_defaults(run=run)


def run(args) -> int:
    ann = load_from_args(args)
    if args.json:
        json.dump(
            {
                "ledger": ann.ledger.to_dict(),
                "schemes": {s: list(ann.categories(s)) for s in ann.schemes},
            },
            sys.stdout,
            indent=2,
        )
        print()
    else:
        print(ann.ledger.summary())
        for s in ann.schemes:
            cats = ann.categories(s)
            shown = ", ".join(cats[:SHOWN_CATEGORIES])
            more = (
                f", ... ({len(cats) - SHOWN_CATEGORIES} more)"
                if len(cats) > SHOWN_CATEGORIES
                else ""
            )
            print(f"scheme {s}: {len(cats)} categories: {shown}{more}")
    return 0
