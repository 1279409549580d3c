"""One entry point for ratings: :func:`load_ratings` picks the reader by
extension and content; explicit options override the guess."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ..annotations import Annotations
from ..errors import InputError
from ..ledger import Ledger
from ..taxonomy import Taxonomy, _norm, default_taxonomy, load_taxonomy, natural_sort
from . import layouts
from .listfile import CONTEXT_COLUMNS, looks_like_list_file, parse_clip_path, read_list_file
from .long import (
    ANNOTATOR_COLUMNS,
    LABEL_COLUMNS,
    annotations_from_long,
    find_column,
    finish_ledger,
)
from .tables import read_delimited, read_jsonl, read_parquet, read_text

__all__ = ["load_ratings", "load_clips", "FORMATS"]

FORMATS = ("auto", "long", "wide", "counts", "labelstudio", "parquet", "jsonl")


def load_ratings(
    paths,
    *,
    format: str = "auto",
    item_col: str | None = None,
    annotator_col: str | None = None,
    label_cols=None,
    taxonomy=None,
    categories=None,
    duplicates: str = "keep",
    inconsistent: str = "flag",
    unknown: str = "error",
    encoding: str | None = None,
    sep: str | None = None,
    clips=None,
) -> Annotations:
    """Read ratings from one or more files, validate them, account for every row.

    Parameters
    ----------
    paths : str, Path or sequence of them
        Long CSV/TSV, wide CSV, counts CSV, Parquet, JSON Lines or a Label
        Studio JSON export.  Several files are read with the same options
        and merged (the ledger lists each).
    format : {"auto", "long", "wide", "counts", "labelstudio", "parquet", "jsonl"}
        ``auto`` decides by extension and content: a table with an
        annotator column is long; one whose other columns are all declared
        categories is a counts table; otherwise rows are clips and columns
        annotators (wide).
    item_col, annotator_col, label_cols, categories, duplicates, inconsistent, unknown
        See :func:`raer_agreement.io.long.annotations_from_long`.
    taxonomy : Taxonomy or path, optional
    encoding : str, optional
        Text encoding; default: from the byte-order mark, else UTF-8.
    sep : str, optional
        Delimiter; default sniffed from the header.
    clips : path or sequence of paths, optional
        Clip metadata: official list files (``<frame_dir> <num_frames> <label>``)
        or a CSV with a clip id column.  Without it, context is parsed from
        RAER-style clip ids.

    Returns
    -------
    Annotations

    Raises
    ------
    InputError
        One line naming file, line, column and value, for any bad input.
    """
    if format not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}; got {format!r}")
    if isinstance(taxonomy, (str, Path)):
        taxonomy = load_taxonomy(taxonomy)
    if isinstance(paths, (str, Path)):
        paths = [paths]
    paths = [Path(p) for p in paths]
    if not paths:
        raise InputError("no input file given")
    opts = dict(
        item_col=item_col,
        annotator_col=annotator_col,
        label_cols=label_cols,
        taxonomy=taxonomy,
        categories=categories,
        duplicates=duplicates,
        inconsistent=inconsistent,
        unknown=unknown,
    )
    parts = [_load_one(p, format=format, encoding=encoding, sep=sep, **opts) for p in paths]
    _check_same_schemes(parts, paths)
    ann = parts[0] if len(parts) == 1 else _concat(parts, duplicates=duplicates)
    meta = load_clips(clips) if clips is not None else None
    return attach_metadata(ann, meta)


def _load_one(path: Path, *, format, encoding, sep, **opts) -> Annotations:
    if not path.exists():
        raise InputError("file not found", path=path)
    if path.is_dir():
        raise InputError("is a folder; expected a ratings file", path=path)
    suffix = path.suffix.lower()
    if format == "parquet" or (format == "auto" and suffix in (".parquet", ".pq")):
        return _from_table(
            read_parquet(path), "long" if format in ("auto", "parquet") else format, opts
        )
    if format == "jsonl" or (format == "auto" and suffix in (".jsonl", ".ndjson")):
        return _from_table(read_jsonl(path, encoding=encoding), "long", opts)
    if format == "labelstudio" or (format == "auto" and suffix == ".json"):
        data = layouts.read_json_any(path, read_text(path, encoding))
        if (
            format == "auto"
            and isinstance(data, list)
            and data
            and all(
                isinstance(t, dict) and "annotations" not in t and "data" not in t for t in data
            )
        ):
            # a plain JSON list of records
            frame = pd.DataFrame(
                [{k: (None if v is None else str(v)) for k, v in t.items()} for t in data]
            )
            return annotations_from_long(frame, source=str(path), first_line=1, **opts)
        lf = layouts.labelstudio_to_long(data, path=str(path), item_field=opts.pop("item_col"))
        opts["annotator_col"] = "annotator"
        return _from_longform(lf, str(path), "item", opts)
    if format == "auto" and suffix in (".txt", ".lst", ""):
        head = read_text(path, encoding)[:8192]
        if looks_like_list_file(head):
            raise InputError(
                "this is an official list file (<frame_dir> <num_frames> <label>): it holds clip "
                "metadata, not ratings; pass it with --clips",
                path=path,
            )
    table = read_delimited(path, sep=sep, encoding=encoding)
    return _from_table(table, format, opts)


def _from_table(table, format: str, opts: dict) -> Annotations:
    frame = table.frame
    if frame.empty:
        raise InputError("no data rows (header only?)", path=table.path, line=table.first_line)
    layout = format
    if layout == "auto":
        layout = _guess_layout(list(frame.columns), opts)
    if layout == "long":
        return annotations_from_long(
            frame,
            source=table.path,
            first_line=table.first_line,
            line_numbers=table.line_numbers,
            **opts,
        )
    scheme = _single_scheme(opts)
    if layout == "wide":
        lf = layouts.wide_to_long(
            frame,
            path=table.path,
            item_col=opts["item_col"],
            first_line=table.first_line,
            scheme=scheme,
            line_numbers=table.line_numbers,
        )
    elif layout == "counts":
        cats = _declared_categories(opts, scheme)
        if cats is None:
            raise InputError(
                "a counts table needs the category list (--categories or --taxonomy)",
                path=table.path,
            )
        lf = layouts.counts_to_long(
            frame,
            path=table.path,
            categories=list(cats),
            item_col=opts["item_col"],
            first_line=table.first_line,
            scheme=scheme,
            line_numbers=table.line_numbers,
        )
    else:
        raise ValueError(f"layout {layout!r} does not apply to a table")
    ann = _from_longform(
        lf,
        table.path,
        "item",
        {**opts, "annotator_col": "annotator", "label_cols": {scheme: scheme}},
    )
    # a counts table says how many voted for what, never who
    return ann.as_anonymous() if layout == "counts" else ann


def _from_longform(lf, path: str, item_col: str, opts: dict) -> Annotations:
    opts = {**opts, "item_col": item_col}
    return annotations_from_long(
        lf.frame,
        source=path,
        line_numbers=lf.line_numbers,
        prior_entries=lf.entries,
        prior_notes=lf.notes,
        extra_rows_read=lf.extra_rows_read,
        annotator_order=lf.annotator_order,
        **opts,
    )


def _single_scheme(opts) -> str:
    from .long import parse_label_cols

    explicit = parse_label_cols(opts.get("label_cols"))
    if len(explicit) == 1:
        col, scheme = next(iter(explicit.items()))
        return scheme or col
    tax = opts.get("taxonomy")
    if isinstance(tax, Taxonomy):
        return tax.scheme_names[0]
    if isinstance(opts.get("categories"), dict) and len(opts["categories"]) == 1:
        return next(iter(opts["categories"]))
    return "label"


def _declared_categories(opts, scheme):
    cats = opts.get("categories")
    if isinstance(cats, dict):
        return cats.get(scheme)
    if cats is not None:
        return list(cats)
    tax = opts.get("taxonomy")
    if isinstance(tax, Taxonomy) and scheme in tax:
        return list(tax[scheme].categories)
    return None


def _guess_layout(columns, opts) -> str:
    if opts.get("annotator_col") or find_column(columns, ANNOTATOR_COLUMNS):
        return "long"
    # a label column (``label``, a scheme name such as ``coarse``) means one
    # row per rating: without an annotator column that is an error to report,
    # not a wide table whose annotator is called "coarse"
    tax = opts.get("taxonomy")
    schemes = tax.scheme_names if isinstance(tax, Taxonomy) else default_taxonomy().scheme_names
    from .long import parse_label_cols

    if (
        any(c in columns for c in parse_label_cols(opts.get("label_cols")))
        or find_column(columns, LABEL_COLUMNS)
        or any(str(c).strip() in schemes for c in columns)
    ):
        return "long"
    if opts.get("categories") is None and not isinstance(tax, Taxonomy):
        # columns named after the default taxonomy's classes: a counts table
        ref = default_taxonomy()
        names = {_norm(c) for c in ref[ref.scheme_names[0]].categories}
        others = [_norm(c) for c in columns[1:]]
        if len(others) >= 2 and sum(o in names for o in others) >= max(2, len(names) // 2):
            opts["taxonomy"] = ref
            return "counts"
    cats = _declared_categories(opts, _single_scheme(opts))
    if cats is not None:
        names = {str(c).strip().casefold() for c in cats}
        tax = opts.get("taxonomy")
        if isinstance(tax, Taxonomy):
            names |= {str(c).strip().casefold() for c in tax[tax.scheme_names[0]].codes}
        others = [str(c).strip().casefold() for c in columns[1:]]
        if len(others) >= 2 and sum(o in names for o in others) >= max(2, len(names) // 2):
            return "counts"
    return "wide"


def _check_same_schemes(parts: Sequence[Annotations], paths: Sequence[Path]) -> None:
    """Files merged into one corpus must hold the same label schemes (one may
    lack a scheme the others have, e.g. no fine labels in a batch); label
    columns that share nothing mean a column was renamed between batches,
    which would silently split the ratings into unrelated schemes."""
    for k in range(1, len(parts)):
        here = set(parts[k].schemes)
        for j in range(k):
            there = set(parts[j].schemes)
            if not (here <= there or there <= here):
                raise InputError(
                    f"label columns hold scheme(s) {', '.join(sorted(here - there))} but "
                    f"{paths[j].name} holds {', '.join(sorted(there - here))}: was a column renamed between "
                    "batches? Rename it, or read the files separately",
                    path=paths[k],
                    line=1,
                    column=", ".join(sorted(here - there)),
                )


def _concat(parts: Sequence[Annotations], *, duplicates: str) -> Annotations:
    """Merge annotations read from several files (ids united by name)."""
    schemes = list(dict.fromkeys(s for p in parts for s in p.schemes))
    taxes = [p.taxonomy for p in parts]
    if all(t == taxes[0] for t in taxes):
        tax = taxes[0]
    else:
        cats = {}
        for s in schemes:
            cats[s] = natural_sort({c for p in parts if s in p.schemes for c in p.categories(s)})
        tax = Taxonomy.from_categories(cats)
    item_ids = natural_sort({i for p in parts for i in p.item_ids})
    ann_ids = natural_sort({a for p in parts for a in p.annotator_ids})
    ipos = {v: k for k, v in enumerate(item_ids)}
    apos = {v: k for k, v in enumerate(ann_ids)}
    items: list = []
    anns: list = []
    labels: dict[str, list] = {s: [] for s in schemes}
    for p in parts:
        items.append(np.array([ipos[i] for i in p.item_ids], dtype=np.int64)[p.item])
        anns.append(np.array([apos[a] for a in p.annotator_ids], dtype=np.int64)[p.annotator])
        for s in schemes:
            if s in p.schemes:
                remap = np.array(
                    [tax[s].categories.index(c) for c in p.categories(s)] + [-1], dtype=np.int64
                )
                labels[s].append(remap[p.labels[s]])
            else:
                labels[s].append(np.full(p.n_ratings, -1, dtype=np.int64))
    ledger = parts[0].ledger
    for p in parts[1:]:
        ledger = ledger.merged(p.ledger)
    item = np.concatenate(items)
    ann = np.concatenate(anns)
    key = item * len(ann_ids) + ann
    n_rep = (
        len(key)
        - len(np.unique(key))
        - sum(p.n_ratings - len(np.unique(p.item * p.n_annotators + p.annotator)) for p in parts)
    )
    if n_rep > 0:
        if duplicates == "error":
            raise InputError(
                f"{n_rep} annotator/clip pair(s) are rated in more than one input file "
                "(duplicates policy 'error')"
            )
        ledger = Ledger(
            ledger.sources,
            ledger.rows_read,
            ledger.entries,
            ledger.notes
            + (
                f"{n_rep} annotator/clip pair(s) rated in more than one file; all kept "
                "as repeated ratings",
            ),
        )
    anonymous = {p.anonymous for p in parts}
    if len(anonymous) > 1:
        raise InputError(
            "some input files name their annotators and others hold anonymous votes "
            "(counts tables): read them separately"
        )
    out = Annotations(
        item,
        ann,
        {s: np.concatenate(v) for s, v in labels.items()},
        item_ids,
        ann_ids,
        tax,
        ledger=ledger,
        anonymous=anonymous.pop(),
    )
    return finish_ledger(out)


def load_clips(paths) -> pd.DataFrame:
    """Clip metadata from official list files and/or a metadata CSV.

    Returns
    -------
    DataFrame
        Indexed by ``item_id``; columns such as ``split, session_type,
        environment, room, student, num_frames, frame_dir``.
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    frames = []
    for p in map(Path, paths):
        if not p.exists():
            raise InputError("clip metadata file not found", path=p)
        head = read_text(p)[:8192]
        if looks_like_list_file(head):
            frames.append(read_list_file(p))
            continue
        t = read_delimited(p)
        from .long import ITEM_COLUMNS

        col = find_column(list(t.frame.columns), ITEM_COLUMNS)
        if col is None:
            raise InputError(
                f"clip metadata needs a clip id column ({', '.join(ITEM_COLUMNS)})", path=p, line=1
            )
        df = t.frame.rename(columns={col: "item_id"})
        dup = df["item_id"].duplicated()
        if dup.any():
            k = int(np.flatnonzero(dup.to_numpy())[0])
            line = int(t.line_numbers[k]) if t.line_numbers is not None else t.first_line + k
            raise InputError(
                "clip listed twice", path=p, line=line, column=col, value=df["item_id"].iloc[k]
            )
        if "num_frames" in df:
            df["num_frames"] = pd.to_numeric(df["num_frames"], errors="coerce").astype("Int64")
        frames.append(df.set_index("item_id"))
    meta = pd.concat(frames)
    meta = meta[~meta.index.duplicated(keep="last")]
    return meta


def attach_metadata(ann: Annotations, meta: pd.DataFrame | None) -> Annotations:
    """Join clip metadata; fill context from RAER-style ids where absent."""
    ids = pd.Index(ann.item_ids, name="item_id")
    items = pd.DataFrame(index=ids)
    notes = []
    if meta is not None:
        items = meta.reindex(ids)
        missing = int(items.isna().all(axis=1).sum())
        unrated = int((~meta.index.isin(ids)).sum())
        if missing:
            notes.append(f"{missing} rated clip(s) are not in the clip metadata")
        if unrated:
            notes.append(f"{unrated} clip(s) in the clip metadata have no rating")
    # only ids that look like RAER paths are parsed (a million plain ids cost nothing)
    raer_like = (
        pd.Series(ids, dtype=object)
        .str.contains(r"(?:^|[/\\])(?:Class|SelfStudy)[/\\]", regex=True)
        .to_numpy(bool)
    )
    if raer_like.any():
        parsed = pd.DataFrame(
            [parse_clip_path(i) for i in np.asarray(ids, dtype=object)[raer_like]],
            index=ids[raer_like],
            columns=list(CONTEXT_COLUMNS),
        ).reindex(ids)
        for c in CONTEXT_COLUMNS:
            if c not in items.columns:
                items[c] = parsed[c]
            else:
                items[c] = items[c].fillna(parsed[c])
    if not len(items.columns):
        return ann
    led = ann.ledger
    if notes:
        led = Ledger(
            led.sources,
            led.rows_read,
            led.entries,
            led.notes + tuple(notes),
            led.n_items,
            led.n_annotators,
            led.ratings_per_item,
        )
    return ann.with_items(items).with_ledger(led)
