"""``raer-agreement inspect FILE``: how a ratings file is read, before it is trusted.

Shows the layout chosen and its evidence, the first ratings as read (item,
annotator, labels), the counts, every other reading considered with the exact
flags for it and why it was not chosen, and the checks the reading passed.
``--save-recipe reading.json`` writes the settled reading for ``--recipe``.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from ..errors import InputError
from ..wording import ITEMS, count
from ._common import add_input_arguments

#: ratings shown as read
SHOWN_ROWS = 5
#: the longest line of a refusal (values in it are cut with …)
MAX_LINE = 300
#: the readings tried besides the chosen one, by the kind of file
_TABLE_FORMATS = ("long", "wide", "counts")


def register(sub, name):
    p = sub.add_parser(
        name,
        help="show how a ratings file is read: layout, evidence, first rows, counts, "
        "other readings with their flags",
        description="Read one ratings file as every other command would, and show the "
        "reading: the layout and its evidence, the first ratings, the counts, the other "
        "readings considered (with the flags that choose them) and the checks run.",
    )
    add_input_arguments(p, optional_input=False, many=False)
    p.add_argument("--json", action="store_true", help="print the inspection as JSON")
    p.add_argument(
        "--save-recipe",
        metavar="FILE",
        help="write the settled reading (format, columns, categories, options) as JSON; "
        "pass it to any command with --recipe FILE",
    )
    p.set_defaults(run=run)


def with_inspect_hint(message: str, path, limit: int = MAX_LINE) -> str:
    """A refusal with the pointer to ``inspect``, when the line stays short enough.

    >>> with_inspect_hint("r.csv: no label column", "r.csv")
    'r.csv: no label column; see `raer-agreement inspect r.csv`'
    """
    if path is None or "raer-agreement inspect" in message:
        return message
    hinted = f"{message}; see `raer-agreement inspect {path}`"
    return hinted if len(hinted) <= limit else message


def run(args) -> int:
    from ._common import read_from_args

    path = args.input[0] if isinstance(args.input, list) else args.input
    report: dict = {"file": str(path), "flags": _flags(args)}
    try:
        ann = read_from_args(args)
    except InputError as e:
        ann = None
        report["refused"] = str(e)
    if ann is not None:
        report.update(_reading(ann))
    report["alternatives"] = _alternatives(args, report)
    report["checks"] = _checks(ann)
    if args.save_recipe:
        if ann is None:
            raise InputError(
                "no recipe written: the file is refused with these flags (see the readings above)",
                path=path,
            )
        _save_recipe(args, ann, report)
    if args.json:
        json.dump(report, sys.stdout, indent=2, default=str)
        print()
    else:
        print(_text(report))
    return 0 if ann is not None else 2


def _cut(text: str, width: int = 200) -> str:
    """One line of at most ``width`` characters, cut with ``…``."""
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 1] + "…"


#: flags that take a value, in the order the flags line lists them (args attribute);
#: a flag given several times (--annotator-col, --label-col) is listed once per value
_VALUED = (
    ("--item-col", "item_col"),
    ("--annotator-col", "annotator_col"),
    ("--label-col", "label_col"),
    ("--taxonomy", "taxonomy"),
    ("--categories", "categories"),
    ("--na-values", "na_values"),
    ("--sep", "sep"),
    ("--encoding", "encoding"),
    ("--multi-sep", "multi_sep"),
    ("--recipe", "reading_recipe"),
)
#: policies, listed when they differ from the command line's default
_POLICIES: tuple[tuple[str, str, str | None], ...] = (
    ("--duplicates", "duplicates", None),
    ("--inconsistent", "inconsistent", "flag"),
    ("--unknown", "unknown", "error"),
)
#: switches that change the reading
_SWITCHES = (
    ("--anonymous", "anonymous"),
    ("--fold-case", "fold_case"),
    ("--transpose", "transpose"),
    ("--no-header", "no_header"),
)


def _flags(args, format: str | None = None) -> str:
    """The command-line flags of a reading: every flag given that changes what is
    read, so that the line, passed to any command, reads the same ratings.

    ``format`` names another reading (an alternative): it replaces
    ``--format``, and ``--transpose``, which only a wide reading takes, is left
    out of the other layouts'.

    Examples
    --------
    >>> from argparse import Namespace
    >>> args = Namespace(format="auto", annotator_col=["r1", "r2"], transpose=True,
    ...                  na_values="?,n/a", duplicates=None, unknown="drop")
    >>> _flags(args)
    "--annotator-col r1 --annotator-col r2 --na-values '?,n/a' --unknown drop --transpose"
    >>> _flags(args, "long")
    "--format long --annotator-col r1 --annotator-col r2 --na-values '?,n/a' --unknown drop"
    """
    fmt = format or args.format
    out = [f"--format {fmt}"] if fmt != "auto" else []
    for flag, attr in _VALUED:
        value = getattr(args, attr, None)
        for v in value if isinstance(value, (list, tuple)) else [value]:
            if v:
                out.append(f"{flag} {_shell(v)}")
    for flag, attr, default in _POLICIES:
        value = getattr(args, attr, default)
        if value != default:
            out.append(f"{flag} {_shell(value)}")
    for flag, attr in _SWITCHES:
        wide_only = attr == "transpose" and format not in (None, "wide")
        if getattr(args, attr, False) and not wide_only:
            out.append(flag)
    return " ".join(out)


def _load_options(args, format: str) -> dict:
    """The keyword arguments of :func:`~raer_agreement.io.load_ratings` for a
    reading of ``format``: the flags given, as the reading itself took them."""
    from ._common import reading_options

    tokens = (getattr(args, "na_values", None) or "").split(",")
    return dict(
        format=format,
        anonymous=args.anonymous,
        clips=None,
        encoding=args.encoding,
        fold_case=getattr(args, "fold_case", False),
        transpose=getattr(args, "transpose", False) and format in ("auto", "wide"),
        na_values=[t for t in tokens if t.strip()],
        no_header=getattr(args, "no_header", False),
        **reading_options(args),
    )


def _shell(value) -> str:
    import shlex

    return shlex.quote(str(value))


def _counts(ann) -> dict:
    return {
        "ratings": int(ann.n_ratings),
        "items": int(ann.n_items),
        "annotators": None if ann.anonymous else int(ann.n_annotators),
        "rows_read": int(ann.ledger.rows_read),
        "file_rows_read": ann.ledger.rows_in_files,
        "schemes": {s: len(ann.categories(s)) for s in ann.schemes},
    }


def _rows_read(c: dict) -> str:
    """``315 rows read``, or ``35,887 rows read -> 358,869 ratings`` when a row holds several."""
    rows = c.get("file_rows_read", c["rows_read"])
    more = f" -> {count(c['rows_read'])} ratings" if rows != c["rows_read"] else ""
    return f"{count(rows)} rows read{more}"


def _reading(ann) -> dict:
    notes = list(ann.ledger.notes)
    layout = next((n for n in notes if n.startswith("layout: ")), None)
    long = ann.to_long().head(SHOWN_ROWS)
    return {
        "layout": layout[len("layout: ") :] if layout else "long (given as a table)",
        "evidence": [n for n in notes if n is not layout],
        "first_rows": long.astype(object).where(long.notna(), None).to_dict("records"),
        "counts": _counts(ann),
        "ledger": [e.to_dict() for e in ann.ledger.entries],
    }


def _alternatives(args, report: dict) -> list:
    """Each other layout the file could be read in, with its flags and its outcome."""
    from pathlib import Path

    from ..io import load_ratings

    path = Path(report["file"])
    refusing = _refusing_reader(path, args) if "refused" in report else None
    if refusing is not None:
        # the file is recognised as a format that holds no rating of one annotator:
        # any other layout would read its fields as ratings, so none is suggested
        report["no_alternative"] = (
            f"none: the {refusing.name} reader recognises this file and refuses it, as it "
            "holds no rating of any one annotator; every other layout would read its fields "
            "as ratings"
        )
        return []
    formats = _candidates(path, args)
    chosen = str(report.get("layout", "")).split(" ", 1)[0]
    out = _list_readings(path, args)
    for fmt in formats:
        if fmt == chosen or fmt == args.format:
            continue
        entry: dict[str, Any] = {"flags": _flags(args, fmt)}
        skip = _not_counts(path, args) if fmt == "counts" else None
        if skip:
            entry.update(outcome="not tried", why_not=skip)
            out.append(entry)
            continue
        try:
            ann = load_ratings([path], **_load_options(args, fmt))
        except (InputError, MemoryError) as e:
            entry["outcome"] = "refused"
            entry["why_not"] = _cut(getattr(e, "reason", str(e)))
        else:
            entry["outcome"] = "read"
            entry["counts"] = _counts(ann)
            entry["why_not"] = _why_not(ann, report)
        out.append(entry)
    return out


def _is_json_lines(path, args) -> bool:
    """The file is read as JSON Lines, as the loader decides it: by the extension,
    else by the content (a ``.manifest``, a ``.txt``, a ``.json`` of lines)."""
    from ..io.readers import looks_like_json_lines

    if path.suffix.lower() in (".jsonl", ".ndjson"):
        return True
    try:
        with open(path, "rb") as f:
            head = f.read(65536)
    except OSError:
        return False
    return looks_like_json_lines(head.decode(args.encoding or "utf-8", errors="replace"))


def _candidates(path, args) -> tuple:
    """The other layouts worth trying: those of the file's kind (JSON Lines,
    one JSON document, Parquet or a delimited table)."""
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".pq"):
        return ()
    if _is_json_lines(path, args):
        return ("jsonl", "prodigy")
    if suffix == ".json":
        return ("labelstudio", "lewidi")
    return _TABLE_FORMATS + _platform(path, args)


def _refusing_reader(path, args):
    """The reader that recognises this file only to refuse it (a consolidated
    output: :attr:`~raer_agreement.io.readers.Reader.refuses`), if any."""
    from ..io.readers import READERS, resolve

    kind, content = _recognised_content(path, args)
    if content is None:
        return None
    return next(
        (
            r
            for r in READERS.values()
            if r.refuses and r.kind == kind and resolve(r.refuses)(content)
        ),
        None,
    )


def _recognised_content(path, args) -> tuple:
    """(kind, what a reader recognises): the first record of JSON Lines, or the
    column names of a delimited table; (None, None) for other files."""
    import json

    from ..io.tables import read_header

    if _is_json_lines(path, args):
        with open(path, encoding=args.encoding or "utf-8-sig", errors="replace") as f:
            first = next((line for line in f if line.strip()), "")
        try:
            return "records", json.loads(first)
        except ValueError:
            return None, None
    if path.suffix.lower() in (".json", ".parquet", ".pq") or getattr(args, "no_header", False):
        return None, None
    try:
        return "table", set(read_header(path, sep=args.sep, encoding=args.encoding))
    except (OSError, InputError):
        return None, None


#: rows looked at for columns of lists
_SCANNED = 200
_WHO = ("worker", "annotator", "rater", "coder", "judge", "user", "labeler", "labeller")


def _list_readings(path, args) -> list:
    """The parallel-lists reading, when two columns hold lists of equal lengths on
    every row looked at (one of ids, one of answers) and it was not asked for."""
    from ..io.containers import parse_cell
    from ..io.long import ITEM_COLUMNS, find_column
    from ..io.tables import read_delimited, read_jsonl

    if args.annotator_col:
        return []
    suffix = path.suffix.lower()
    try:
        if _is_json_lines(path, args):
            frame = read_jsonl(path, encoding=args.encoding).frame
        elif suffix in (".csv", ".tsv", ".tab", ".txt"):
            frame = read_delimited(
                path,
                sep=args.sep,
                encoding=args.encoding,
                header=not getattr(args, "no_header", False),
            ).frame
        else:
            return []
    except InputError:
        return []
    head = frame.head(_SCANNED)
    sizes = {}
    for c in head.columns:
        parsed = [parse_cell(v) for v in head[c]]
        lists = [p for p in parsed if isinstance(p, (list, tuple))]
        if len(lists) == len(parsed):  # every cell holds a list
            sizes[c] = ([len(p) for p in lists], lists)
    pairs = [(a, b) for a in sizes for b in sizes if a < b and sizes[a][0] == sizes[b][0]]
    if not pairs:
        return []
    a, b = pairs[0]
    named = [c for c in (a, b) if any(w in str(c).casefold() for w in _WHO)]
    who = named[0] if len(named) == 1 else max((a, b), key=lambda c: _distinct(sizes[c][1]))
    what = b if who == a else a
    scalar = [c for c in frame.columns if c not in sizes]
    item = args.item_col or find_column(scalar, ITEM_COLUMNS)
    if item is None:
        item = next((c for c in scalar if frame[c].is_unique), None)
    if item is None:
        return []
    flags = f"--item-col {_shell(item)} --annotator-col {_shell(who)} --label-col {_shell(what)}"
    entry: dict[str, Any] = {
        "flags": flags,
        "evidence": f"{who!r} and {what!r} hold lists of equal lengths on every row looked at "
        "(parallel lists: one rating per element)",
    }
    from ..io import load_ratings

    try:
        ann = load_ratings([path], item_col=item, annotator_col=who, label_cols=[what])
    except (InputError, MemoryError) as e:
        entry.update(outcome="refused", why_not=_cut(getattr(e, "reason", str(e))))
    else:
        entry.update(
            outcome="read",
            counts=_counts(ann),
            why_not="lists are read only when their columns are named: pass these flags",
        )
    return [entry]


def _distinct(lists) -> int:
    return len({str(e) for p in lists for e in p})


#: the most votes a counts cell is taken to hold when a counts reading is tried
MAX_VOTES = 10_000


def _not_counts(path, args) -> str | None:
    """Why a counts reading is not even tried (it would make one rating per
    vote: a column of timestamps would be billions), None to try it."""
    import pandas as pd

    from ..io.tables import read_delimited

    try:
        frame = read_delimited(
            path, sep=args.sep, encoding=args.encoding, header=not getattr(args, "no_header", False)
        ).frame
    except InputError as e:
        return e.reason
    small = 0
    for col in frame.columns:
        numbers = pd.to_numeric(frame[col].replace("", None), errors="coerce")
        whole = numbers.dropna()
        if len(whole) and numbers.notna().mean() > 0.9 and (whole % 1 == 0).all():
            small += bool(whole.min() >= 0 and whole.max() <= MAX_VOTES)
    if small < 2:
        return (
            f"fewer than two columns of whole numbers 0..{MAX_VOTES} (vote counts per "
            "category); a counts table has one per category"
        )
    return None


def _platform(path, args) -> tuple:
    try:
        from ..io.detect import platform_of
    except ImportError:  # the registry names the platforms
        from ..io.readers import platform_of
    from ..io.tables import read_header

    try:
        name = platform_of(read_header(path, sep=args.sep, encoding=args.encoding))
    except (OSError, InputError):
        return ()
    return (name,) if name else ()


def _why_not(ann, report: dict) -> str:
    """Why a reading that succeeds was not the one chosen."""
    if ann.n_ratings == 0:
        return "reads no rating at all"
    if "counts" not in report:
        return "the default reading is refused; this one reads: check its counts"
    mine, chosen = _counts(ann), report["counts"]
    if mine["ratings"] == chosen["ratings"] and mine["items"] == chosen["items"]:
        return "reads the same ratings; the content points to the chosen layout"
    return (
        f"gives {mine['ratings']} ratings of {mine['items']} items (chosen: "
        f"{chosen['ratings']} of {chosen['items']}); the content points to the chosen layout"
    )


def _checks(ann) -> list:
    checks = [
        "every row accounted for: rows read = ratings kept + rows in the ledger",
        "container values: lists, objects and multi-line cells in id and label columns "
        "expanded or refused",
        "labels checked against the declared or inferred categories of each scheme",
    ]
    try:
        from ..io import invariants  # noqa: F401
    except ImportError:
        pass
    else:
        checks.append(
            "reading invariants (io.invariants): the shape of clips, annotators "
            "and ratings, labels that differ only in case, labels joined by a separator, "
            "two label sets in one scheme"
        )
    if ann is not None:
        led = ann.ledger
        dropped = sum(e.count for e in led.entries if e.dropped)
        unit = "ratings" if led.expanded else "rows"
        rows = f" (from {count(led.rows_in_files)} rows)" if led.expanded else ""
        checks.append(
            f"account: {count(led.rows_read)} {unit} read{rows} = {count(ann.n_ratings)} kept + "
            f"{count(dropped)} dropped"
        )
    return checks


def _save_recipe(args, ann, report: dict) -> None:
    from ..io.atomic import atomic_write_text
    from ..io.recipe import recipe_dict

    layout = report["layout"].split(" ", 1)[0]
    options = {
        "format": layout if args.format == "auto" else args.format,
        "item_col": args.item_col,
        "annotator_col": args.annotator_col,
        "label_cols": list(args.label_col or []) or None,
        "anonymous": args.anonymous,
        "encoding": args.encoding,
        "sep": args.sep,
        "multi_sep": getattr(args, "multi_sep", None),
        "fold_case": getattr(args, "fold_case", False),
        "na_values": _load_options(args, "auto")["na_values"] or None,
        "transpose": getattr(args, "transpose", False),
        "no_header": getattr(args, "no_header", False),
        "duplicates": args.duplicates if args.duplicates not in (None, "keep") else None,
        "inconsistent": args.inconsistent if args.inconsistent != "flag" else None,
        "unknown": args.unknown if args.unknown != "error" else None,
    }
    if options["format"] not in _known_formats():
        options["format"] = None  # a reading named by its platform note, not a --format
    hierarchy = bool(ann.taxonomy.pairs())
    categories = None if hierarchy else {s: list(ann.categories(s)) for s in ann.schemes}
    counts = {"ratings": ann.n_ratings, "items": ann.n_items, "annotators": ann.n_annotators}
    recipe = recipe_dict(report["file"], options, categories, counts)
    if args.taxonomy:
        recipe["reading"]["taxonomy"] = str(args.taxonomy)
    atomic_write_text(args.save_recipe, json.dumps(recipe, indent=2) + "\n", force=True)
    report["recipe"] = str(args.save_recipe)


def _known_formats() -> tuple:
    from ..io.policies import FORMATS

    return FORMATS


def _text(report: dict) -> str:
    lines = [f"file: {report['file']}"]
    if report.get("flags"):
        lines.append(f"flags: {report['flags']}")
    if "refused" in report:
        lines.append(f"refused: {report['refused']}")
    else:
        lines.append(f"layout: {report['layout']}")
        lines += [f"  evidence: {n}" for n in report["evidence"]]
        c = report["counts"]
        who = "unknown (anonymous votes)" if c["annotators"] is None else c["annotators"]
        lines.append(
            f"counts: {count(c['ratings'])} ratings, {count(c['items'])} {ITEMS}, {who} annotators, "
            f"{_rows_read(c)}; categories per scheme: "
            + ", ".join(f"{s} {n}" for s, n in c["schemes"].items())
        )
        for e in report["ledger"]:
            lines.append(f"  ledger: {e['count']} {e['reason']}: {e['detail']}")
        lines.append(f"first {len(report['first_rows'])} ratings as read:")
        for row in report["first_rows"]:
            lines.append("  " + ", ".join(f"{k}={v}" for k, v in row.items()))
    lines.append("other readings considered:")
    if report.get("no_alternative"):
        lines.append(f"  {report['no_alternative']}")
    for alt in report["alternatives"]:
        flags = alt["flags"] or "(no flags)"
        if alt["outcome"] == "read":
            c = alt["counts"]
            lines.append(
                f"  {flags}: reads {c['ratings']} ratings, {c['items']} items; "
                f"not chosen: {alt['why_not']}"
            )
        else:
            lines.append(f"  {flags}: refused: {alt['why_not']}")
    lines.append("checks run:")
    lines += [f"  {c}" for c in report["checks"]]
    if report.get("recipe"):
        lines.append(f"recipe written: {report['recipe']} (read again with --recipe)")
    return "\n".join(lines)
