"""A reading recipe: how a ratings file was read, so that it is read the same way again.

``raer-agreement inspect FILE --save-recipe reading.json`` writes it; every
command that reads ratings takes ``--recipe reading.json``.  The recipe is a
Frictionless Table Schema descriptor (``fields`` with ``name``, ``type`` and
``constraints.enum``, ``missingValues``) plus a ``reading`` block with the
options of :func:`raer_agreement.io.load_ratings` and the counts the reading
gave.  Read with the recipe, a file that no longer gives those counts is
refused: the numbers of a paper are rebuilt from the raw export, or not at all.

Examples
--------
>>> r = recipe_dict("r.csv", {"format": "long", "item_col": "clip"}, {"label": ["a", "b"]},
...                 {"ratings": 4, "items": 2, "annotators": 2})
>>> r["schema"]["fields"][0]
{'name': 'clip', 'type': 'string', 'role': 'item'}
>>> load_options(r)["categories"]
{'label': ['a', 'b']}
"""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import InputError
from .load import load_ratings

__all__ = [
    "recipe_dict",
    "load_options",
    "read_recipe",
    "read_with_recipe",
    "check_counts",
    "RECIPE_OPTIONS",
]

#: the options of :func:`~raer_agreement.io.load_ratings` a recipe settles
RECIPE_OPTIONS = (
    "format",
    "item_col",
    "annotator_col",
    "label_cols",
    "anonymous",
    "encoding",
    "sep",
    "multi_sep",
    "fold_case",
    "na_values",
    "transpose",
    "no_header",
    "duplicates",
    "inconsistent",
    "unknown",
)
PROFILE = "raer-agreement-reading"


def recipe_dict(path, options: dict, categories: dict | None, counts: dict) -> dict:
    """The recipe of one reading.

    Parameters
    ----------
    path : str or Path
        The file read (its name is recorded, not its folder).
    options : dict
        The :data:`RECIPE_OPTIONS` that settled the reading (``format`` is the
        layout chosen, not ``auto``).
    categories : dict, optional
        Scheme -> categories, in order (None: the taxonomy given settles them).
    counts : dict
        ``ratings``, ``items``, ``annotators`` of the reading.
    """
    fields = []
    for role, key in (("item", "item_col"), ("annotator", "annotator_col")):
        if options.get(key):
            fields.append({"name": options[key], "type": "string", "role": role})
    for spec in options.get("label_cols") or ():
        col, _, scheme = str(spec).partition("=")
        field: dict = {"name": col, "type": "string", "role": "label", "scheme": scheme or col}
        if categories and (scheme or col) in categories:
            field["constraints"] = {"enum": list(categories[scheme or col])}
        fields.append(field)
    schema: dict = {"fields": fields}
    if options.get("na_values"):
        schema["missingValues"] = ["", *options["na_values"]]
    reading = {k: options[k] for k in RECIPE_OPTIONS if options.get(k) not in (None, False, ())}
    if categories:
        reading["categories"] = {s: list(c) for s, c in categories.items()}
    return {
        "profile": PROFILE,
        "path": Path(path).name,
        "schema": schema,
        "reading": reading,
        "counts": {k: int(v) for k, v in counts.items()},
    }


def read_recipe(path) -> dict:
    """A recipe file, checked (one line naming what is wrong)."""
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError("recipe file not found", path=p) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise InputError(f"the recipe is not valid JSON ({e})", path=p) from None
    if not isinstance(data, dict) or data.get("profile") != PROFILE:
        raise InputError(
            f'not a reading recipe (expected "profile": "{PROFILE}"; write one with '
            "raer-agreement inspect FILE --save-recipe)",
            path=p,
        )
    unknown = set(data.get("reading", {})) - {*RECIPE_OPTIONS, "categories"}
    if unknown:
        raise InputError(f"unknown reading option(s) {', '.join(sorted(unknown))}", path=p)
    return data


def load_options(recipe: dict) -> dict:
    """The :func:`~raer_agreement.io.load_ratings` keyword arguments of a recipe."""
    return dict(recipe.get("reading", {}))


def check_counts(ann, recipe: dict, path=None) -> None:
    """Refuse a reading whose counts differ from those the recipe recorded."""
    want = recipe.get("counts") or {}
    got = {"ratings": ann.n_ratings, "items": ann.n_items, "annotators": ann.n_annotators}
    diff = [f"{k} {got[k]} (recipe: {want[k]})" for k in got if k in want and want[k] != got[k]]
    if diff:
        raise InputError(
            "the file does not read as its recipe says: " + ", ".join(diff) + "; was the file "
            "changed, or is the recipe another file's?",
            path=path,
        )


#: the command line's defaults: a flag left at its default leaves the recipe's value
_DEFAULTS = {"format": "auto", "duplicates": "keep", "inconsistent": "flag", "unknown": "error"}


def read_with_recipe(inputs, args, options: dict):
    """Ratings read as the recipe ``args.reading_recipe`` says, flags given overriding it;
    refused when the counts differ from the recipe's."""
    import inspect

    recipe = read_recipe(args.reading_recipe)
    given = {
        "format": args.format,
        "encoding": args.encoding,
        "anonymous": args.anonymous,
        "no_header": getattr(args, "no_header", False),
        # the switches and tokens a reading takes beside the columns: given, they count
        "fold_case": getattr(args, "fold_case", False),
        "transpose": getattr(args, "transpose", False),
        "na_values": [t for t in (getattr(args, "na_values", None) or "").split(",") if t.strip()]
        or None,
        **options,
    }
    kwargs = dict(load_options(recipe))
    for key, value in given.items():
        if value not in (None, False) and value != _DEFAULTS.get(key):
            kwargs[key] = value
    for key in ("duplicates", "inconsistent", "unknown"):
        kwargs.setdefault(key, given.get(key, _DEFAULTS[key]))
    accepted = set(inspect.signature(load_ratings).parameters)
    missing = sorted(k for k, v in kwargs.items() if k not in accepted and v)
    if missing:
        raise InputError(
            f"the recipe sets {', '.join(missing)}, which this version cannot apply",
            path=args.reading_recipe,
        )
    ann = load_ratings(
        inputs, clips=args.clips, **{k: v for k, v in kwargs.items() if k in accepted}
    )
    if len(inputs) == 1:
        check_counts(ann, recipe, path=inputs[0])
    return ann
