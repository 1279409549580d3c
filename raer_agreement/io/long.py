"""Validate a long ratings table (one row per clip x annotator) into
:class:`~raer_agreement.annotations.Annotations`.

Every other layout (wide, counts, Label Studio) is first turned into this
long form, so the checks and the ledger live in one place.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ..annotations import Annotations
from ..errors import InputError
from ..ledger import Ledger, LedgerEntry
from ..taxonomy import NA_STRINGS, Taxonomy, _norm, default_taxonomy, natural_order, natural_sort

__all__ = [
    "annotations_from_long",
    "ITEM_COLUMNS",
    "ANNOTATOR_COLUMNS",
    "LABEL_COLUMNS",
    "find_column",
    "parse_label_cols",
]

ITEM_COLUMNS = (
    "clip_id",
    "clip",
    "item_id",
    "item",
    "task_id",
    "task",
    "video",
    "frame_dir",
    "image",
    "id",
)
ANNOTATOR_COLUMNS = (
    "annotator_id",
    "annotator",
    "worker_id",
    "worker",
    "rater_id",
    "rater",
    "coder",
    "user_id",
    "user",
    "completed_by",
)
LABEL_COLUMNS = ("label", "answer", "response", "class", "emotion", "category", "rating", "choice")

DUPLICATE_POLICIES = ("keep", "last", "error")
INCONSISTENT_POLICIES = ("flag", "drop", "error")
UNKNOWN_POLICIES = ("error", "drop")


def find_column(columns: Sequence[str], candidates: Sequence[str]) -> str | None:
    """First column whose name matches a candidate (case and spaces ignored)."""
    norm = {str(c).strip().casefold().replace(" ", "_"): c for c in columns}
    for cand in candidates:
        if cand in norm:
            return norm[cand]
    return None


def parse_label_cols(label_cols) -> dict[str, str | None]:
    """``["coarse", "emo=fine"]`` -> ``{"coarse": None, "emo": "fine"}``
    (column -> scheme; None = decide from the column name)."""
    if label_cols is None:
        return {}
    if isinstance(label_cols, Mapping):
        return {str(k): (None if v is None else str(v)) for k, v in label_cols.items()}
    if isinstance(label_cols, str):
        label_cols = [label_cols]
    out = {}
    for spec in label_cols:
        col, _, scheme = str(spec).partition("=")
        out[col] = scheme or None
    return out


def _choose_schemes(columns, label_cols, taxonomy, categories, path):
    """Decide which columns hold labels and which scheme each one is.

    Returns (mapping column -> scheme, taxonomy or None, categories dict)."""
    explicit = parse_label_cols(label_cols)
    tax = taxonomy
    if explicit:
        for col in explicit:
            if col not in columns:
                raise InputError(
                    f"label column not found; columns are: {', '.join(map(str, columns))}",
                    path=path,
                    line=1,
                    column=col,
                )
        cols = list(explicit)
    else:
        # scheme-named columns first (coarse, fine), then generic names
        ref = tax if tax is not None else default_taxonomy()
        cols = [c for c in columns if str(c).strip() in ref.scheme_names]
        if cols and tax is None and categories is None:
            tax = ref
        if not cols:
            c = find_column(columns, LABEL_COLUMNS)
            if c is None:
                raise InputError(
                    "no label column found (expected one of "
                    f"{', '.join(LABEL_COLUMNS)} or a scheme name; use --label-col); "
                    f"columns are: {', '.join(map(str, columns))}",
                    path=path,
                    line=1,
                )
            cols = [c]
    mapping = {}
    for c in cols:
        scheme = explicit.get(c) or str(c).strip()
        if tax is not None and scheme not in tax:
            if len(cols) == 1:
                scheme = tax.scheme_names[0]
            else:
                raise InputError(
                    f"column is not a scheme of the taxonomy ({', '.join(tax.scheme_names)}); "
                    "name it with --label-col COLUMN=SCHEME",
                    path=path,
                    line=1,
                    column=c,
                )
        mapping[c] = scheme
    if len(set(mapping.values())) != len(mapping):
        raise InputError(
            "two label columns map to the same scheme",
            path=path,
            line=1,
            column=", ".join(map(str, mapping)),
        )
    if categories is not None and not isinstance(categories, Mapping):
        if len(mapping) != 1:
            raise InputError(
                "a plain category list needs exactly one label column; give categories per scheme",
                path=path,
            )
        categories = {next(iter(mapping.values())): list(categories)}
    return mapping, (None if categories else tax), categories


def annotations_from_long(
    frame: pd.DataFrame,
    *,
    source: str = "<DataFrame>",
    item_col: str | None = None,
    annotator_col: str | None = None,
    label_cols=None,
    taxonomy: Taxonomy | None = None,
    categories=None,
    duplicates: str = "keep",
    inconsistent: str = "flag",
    unknown: str = "error",
    first_line: int = 2,
    line_numbers: np.ndarray | None = None,
    item_order: Sequence[str] | None = None,
    annotator_order: Sequence[str] | None = None,
    prior_entries: Sequence[LedgerEntry] = (),
    prior_notes: Sequence[str] = (),
    extra_rows_read: int = 0,
    items: pd.DataFrame | None = None,
) -> Annotations:
    """Validate a long frame into :class:`Annotations`, accounting for every row.

    Parameters
    ----------
    frame : DataFrame, shape (n_rows, n_columns)
        One row per rating; values are read as strings.
    source : str
        File name for messages and the ledger.
    item_col, annotator_col : str, optional
        Column names; recognised automatically when omitted
        (``clip_id``/``item``/``task``..., ``annotator_id``/``worker``/``rater``...).
    label_cols : str, list of str or dict, optional
        Label columns, one per scheme; ``"COLUMN=SCHEME"`` names the scheme.
        Default: columns named after taxonomy schemes (``coarse``, ``fine``),
        else a ``label``/``answer``/``response`` column.
    taxonomy : Taxonomy, optional
        Declares schemes and categories.  The default RAER taxonomy is used
        when the label columns are its scheme names.
    categories : list or dict of scheme -> list, optional
        Every category (used or not) when there is no taxonomy; else they
        are inferred from the data in numeric-aware order.
    duplicates : {"keep", "last", "error"}
        An annotator rating the same clip twice: keep all as repeated
        ratings (flagged in the ledger), keep the last row, or stop.
    inconsistent : {"flag", "drop", "error"}
        A child-scheme label whose parent is not the same row's
        parent-scheme label (e.g. fine "Yawning" with coarse "Enjoyment").
    unknown : {"error", "drop"}
        A label that is no category of its scheme.
    first_line : int
        File line of the first data row (2 for a CSV with a header).
    line_numbers : array of int, shape (n_rows,), optional
        Explicit file line of each row (overrides ``first_line``).

    Returns
    -------
    Annotations
    """
    for name, val, allowed in (
        ("duplicates", duplicates, DUPLICATE_POLICIES),
        ("inconsistent", inconsistent, INCONSISTENT_POLICIES),
        ("unknown", unknown, UNKNOWN_POLICIES),
    ):
        if val not in allowed:
            raise ValueError(f"{name} must be one of {', '.join(allowed)}; got {val!r}")
    path = source
    columns = [str(c) for c in frame.columns]
    dup_cols = sorted({c for c in columns if columns.count(c) > 1})
    if dup_cols:
        raise InputError("duplicated column name", path=path, line=1, column=dup_cols[0])
    frame = frame.set_axis(columns, axis=1)  # no copy of the data
    n_rows = len(frame)
    lines = (
        np.asarray(line_numbers)
        if line_numbers is not None
        else np.arange(first_line, first_line + n_rows)
    )

    def need(col, candidates, what, flag):
        if col is not None:
            if col not in columns:
                raise InputError(
                    f"{what} column not found; columns are: {', '.join(columns)}",
                    path=path,
                    line=1,
                    column=col,
                )
            return col
        c = find_column(columns, candidates)
        if c is None:
            raise InputError(
                f"no {what} column found (expected one of {', '.join(candidates)}, or {flag}); "
                f"columns are: {', '.join(columns)}",
                path=path,
                line=1,
            )
        return c

    item_col = need(item_col, ITEM_COLUMNS, "item (clip id)", "--item-col")
    annotator_col = need(annotator_col, ANNOTATOR_COLUMNS, "annotator", "--annotator-col")
    mapping, tax, categories = _choose_schemes(
        [c for c in columns if c not in (item_col, annotator_col)],
        label_cols,
        taxonomy,
        categories,
        path,
    )
    entries = list(prior_entries)
    notes = list(prior_notes)
    keep = np.ones(n_rows, dtype=bool)

    def drop(mask, reason, detail):
        mask = mask & keep
        if mask.any():
            entries.append(
                LedgerEntry(reason, int(mask.sum()), detail, tuple(lines[mask][:20].tolist()))
            )
            keep[mask] = False

    # Every column is factorised once: the string work (spaces, NA-like
    # values, label lookup) runs over the distinct values, never per row,
    # so ten million rows cost integer arrays only.
    ids = {}
    for col, what in ((item_col, "item"), (annotator_col, "annotator")):
        codes, values = _factorize(frame[col])
        na = np.array([v is None for v in values], dtype=bool)
        drop(na[codes], f"missing_{what}_id", f"empty or NA {what} id in column {col!r}")
        ids[what] = (codes, values)

    raw = {scheme: (col, *_factorize(frame[col])) for col, scheme in mapping.items()}
    if tax is None:
        cats = {}
        for scheme, (_col, codes, values) in raw.items():
            if categories and scheme in categories:
                cats[scheme] = [str(c).strip() for c in categories[scheme]]
            else:
                present = np.bincount(codes[keep], minlength=len(values)) > 0
                seen = natural_sort(v for v, p in zip(values, present) if p and v is not None)
                cats[scheme] = seen
                folded: dict[str, list[str]] = {}
                for c in seen:
                    folded.setdefault(c.casefold(), []).append(c)
                for group in folded.values():
                    if len(group) > 1:
                        notes.append(
                            f"scheme {scheme!r}: categories {group} differ only in case; "
                            "declare the categories to merge them"
                        )
        if categories:
            notes.append("categories declared by the caller")
        else:
            notes.append(
                "categories inferred from the data (numeric-aware order); "
                "declare them to include unused ones"
            )
        tax = Taxonomy.from_categories(cats)
    label_codes = {}
    for scheme, (col, codes, values) in raw.items():
        sch = tax[scheme]
        exact, loose = sch._lookup()
        if unknown == "drop":
            valid = np.array(
                [v is None or v in exact or _norm(v) in loose for v in values], dtype=bool
            )
            drop(
                ~valid[codes],
                f"unknown_label_{scheme}",
                f"label is not a category of scheme {scheme!r} (column {col!r})",
            )
            values = np.where(valid, values, None)
        try:
            per_value, _ = sch.encode(values, path=path, column=col)
        except InputError as e:  # name the file line of the value's first row
            j = next(k for k, v in enumerate(values) if v == e.value)
            raise InputError(
                e.reason,
                path=path,
                line=int(lines[np.flatnonzero(codes == j)[0]]),
                column=col,
                value=e.value,
            ) from None
        normalised = np.array([v is not None and v not in exact for v in values], dtype=bool) & (
            per_value >= 0
        )
        n_norm = int(np.bincount(codes, minlength=len(values))[normalised].sum())
        if n_norm:
            notes.append(
                f"{n_norm} label(s) in column {col!r} matched a category of {scheme!r} only after "
                "ignoring case and spaces"
            )
        label_codes[scheme] = per_value[codes]
    if not label_codes:
        raise InputError("no label column", path=path)
    any_label = np.zeros(n_rows, dtype=bool)
    for c in label_codes.values():
        any_label |= c >= 0
    drop(~any_label, "missing_label", "no label in any scheme (empty or NA-like value)")

    # a child label must sit under the same row's parent label
    for child, parent in tax.pairs():
        if child in label_codes and parent in label_codes:
            m = tax.mapping(child, parent)
            cc, pc = label_codes[child], label_codes[parent]
            bad = (cc >= 0) & (pc >= 0) & (m[np.maximum(cc, 0)] != pc) & keep
            if bad.any():
                first = int(np.flatnonzero(bad)[0])
                ccol, ccodes, cvalues = raw[child]
                if inconsistent == "error":
                    raise InputError(
                        f"{child} label {tax[child].categories[cc[first]]!r} does not belong to "
                        f"{parent} label {tax[parent].categories[pc[first]]!r} on the same row "
                        "(use inconsistent='drop' or 'flag')",
                        path=path,
                        line=int(lines[first]),
                        column=ccol,
                        value=str(cvalues[ccodes[first]]),
                    )
                if inconsistent == "drop":
                    drop(
                        bad,
                        f"inconsistent_{child}_{parent}",
                        f"{child} label outside the same row's {parent} label",
                    )
                else:
                    entries.append(
                        LedgerEntry(
                            f"inconsistent_{child}_{parent}",
                            int(bad.sum()),
                            f"{child} label outside the same row's {parent} label (kept)",
                            tuple(lines[bad][:20].tolist()),
                            dropped=False,
                        )
                    )

    # repeated ratings of one clip by one annotator
    (icodes, ivalues), (acodes, avalues) = ids["item"], ids["annotator"]
    kept_idx = np.flatnonzero(keep)
    pair = pd.Series(icodes[kept_idx] * np.int64(len(avalues)) + acodes[kept_idx])
    dup_later = pair.duplicated(keep="first").to_numpy()
    if dup_later.any():
        first = kept_idx[np.flatnonzero(dup_later)[0]]
        n_dup = int(dup_later.sum())
        if duplicates == "error":
            raise InputError(
                "annotator rated this clip more than once (duplicates policy 'error'; "
                "use 'last' or 'keep')",
                path=path,
                line=int(lines[first]),
                column=annotator_col,
                value=f"{avalues[acodes[first]]} on {ivalues[icodes[first]]}",
            )
        if duplicates == "last":
            earlier = pair.duplicated(keep="last").to_numpy()
            m = np.zeros(n_rows, bool)
            m[kept_idx[earlier]] = True
            drop(
                m,
                "repeated_rating_superseded",
                "an annotator rated the clip again later; the last rating is kept",
            )
        else:
            m = np.zeros(n_rows, bool)
            m[kept_idx[dup_later]] = True
            entries.append(
                LedgerEntry(
                    "repeated_rating",
                    n_dup,
                    "an annotator rated the same clip more than once; all ratings kept "
                    "as separate observations",
                    tuple(lines[m][:20].tolist()),
                    dropped=False,
                )
            )

    kept_idx = np.flatnonzero(keep)
    item_codes, item_uniques = _codes(icodes[kept_idx], ivalues, item_order)
    ann_codes, ann_uniques = _codes(acodes[kept_idx], avalues, annotator_order)
    labels = {s: c[kept_idx] for s, c in label_codes.items()}
    rows_read = n_rows + extra_rows_read
    ledger = Ledger(
        sources=(str(source),), rows_read=rows_read, entries=tuple(entries), notes=tuple(notes)
    )
    ann = Annotations(item_codes, ann_codes, labels, item_uniques, ann_uniques, tax, items, ledger)
    return finish_ledger(ann)


def _factorize(column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Distinct values of a column, stripped, with NA-like values as None.

    Returns
    -------
    codes : ndarray of int64, shape (n_rows,)
        Index into ``values`` of each row.
    values : ndarray of object, shape (n_distinct,)
        Distinct values after stripping surrounding spaces (values equal
        after stripping share one entry); None for missing or NA-like.
    """
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    text = pd.Series(np.asarray(uniques, dtype=object), dtype=object).astype(str).str.strip()
    na = text.str.replace(r"\s+", " ", regex=True).str.casefold().isin(NA_STRINGS).to_numpy(bool)
    # values equal after stripping become one; NA-like ones join the missing slot (last)
    canon, distinct = pd.factorize(text.where(~na, None), use_na_sentinel=True)
    values = np.append(np.asarray(distinct, dtype=object), None)
    remap = np.append(np.where(canon < 0, len(distinct), canon), len(distinct))
    return remap[codes], values


def finish_ledger(ann: Annotations) -> Annotations:
    """Fill the ledger's counts of items, annotators and ratings per item."""
    per = np.bincount(ann.item, minlength=ann.n_items) if ann.n_items else np.zeros(1)
    stats = (
        {
            "min": float(per.min()),
            "median": float(np.median(per)),
            "mean": float(per.mean()),
            "max": float(per.max()),
        }
        if ann.n_items
        else {}
    )
    return ann.with_ledger(
        ann.ledger.with_counts(
            n_items=ann.n_items, n_annotators=ann.n_annotators, ratings_per_item=stats
        )
    )


def _codes(codes: np.ndarray, values: np.ndarray, order: Sequence[str] | None):
    """Compact integer codes for the distinct ``values[codes]``; ids sorted in
    numeric-aware order (or as in ``order``), so the row order of the input
    never changes an output."""
    used = np.flatnonzero(np.bincount(codes, minlength=len(values)))
    names = np.asarray([str(values[u]) for u in used], dtype=object)
    remap = np.full(len(values), -1, dtype=np.int64)
    if order is not None:
        ordered = list(dict.fromkeys(map(str, order)))
        pos = {n: k for k, n in enumerate(ordered)}
        remap[used] = [pos.get(n, -1) for n in names]
    else:
        perm = natural_order(names.astype(str))
        ordered = names[perm].tolist()
        remap[used[perm]] = np.arange(len(perm))
    return remap[codes], ordered
