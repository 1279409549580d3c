"""Cells that name their annotators: ``{annotator: label}`` dicts, lists of
answer records (doccano v1, SageMaker Ground Truth worker responses), and
anonymous votes given slots.

A long table usually has an annotator column.  Some exports keep the
annotators inside a cell instead; :func:`annotator_dicts` spreads such cells
into one rating per annotator.  Rows without annotators (anonymous votes) get
per-clip vote slots from :func:`vote_slots`, so that each vote counts once.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from .containers import parse_cell
from .long import parse_label_cols

__all__ = ["annotator_dicts", "vote_slots"]


#: record fields that name the annotator, and the answer, once lower-cased and
#: stripped of everything but letters and digits (``workerId``, ``user``)
_WHO = frozenset(
    "annotatorid annotator workerid worker raterid rater coderid coder user userid".split()
)


_WHAT = frozenset("label labels answer value choice rating category class".split())


def _flat(record: dict, prefix: str = "") -> dict:
    """A nested record as one level of dotted keys.

    >>> _flat({"a": {"b": 1}, "c": 2})
    {'a.b': 1, 'c': 2}
    """
    out: dict = {}
    for k, v in record.items():
        key = f"{prefix}{k}"
        out.update(_flat(v, key + ".") if isinstance(v, dict) else {key: v})
    return out


def _field_word(key: str) -> str:
    return re.sub(r"[^0-9a-z]", "", key.rsplit(".", 1)[-1].lower())


def _who_and_what(cell):
    """(annotators, labels) of one cell: a dict of annotator -> label, or a
    list of records with one annotator field and one answer field (doccano's
    ``annotations: [{label, user}]``, SageMaker's worker responses); None
    when the cell is neither."""
    if isinstance(cell, dict):
        if cell and all(not isinstance(x, (dict, list, tuple)) for x in cell.values()):
            return list(cell), list(cell.values())
        return None
    if not isinstance(cell, (list, tuple)) or not cell:
        return None
    if not all(isinstance(r, dict) for r in cell):
        return None
    flat = [_flat(r) for r in cell]
    keys = set.intersection(*(set(f) for f in flat))
    who = [k for k in keys if _field_word(k) in _WHO]
    what = [k for k in keys if _field_word(k) in _WHAT and k not in who]
    if len(who) != 1 or len(what) != 1:
        return None
    if any(isinstance(f[what[0]], (dict, list, tuple)) for f in flat):
        return None
    return [f[who[0]] for f in flat], [f[what[0]] for f in flat]


def annotator_dicts(frame, opts: dict, columns: list, notes: list):
    """A label column whose cells say who gave which label, turned into
    parallel lists: the frame with an ``_annotators`` column and the label
    column of answers (one rating per annotator), or None when no single
    column holds such cells.

    A cell maps annotators to labels (``{"ann1": 1, "ann2": 0}``, LeWiDi's
    ``annotations`` flattened into a table), or lists records with one
    annotator field and one answer field (doccano's ``[{"label": 3,
    "user": 5}]``, SageMaker Ground Truth's worker responses).
    """
    named = list(parse_label_cols(opts.get("label_cols")))
    candidates = [c for c in (named or columns) if c in frame.columns]
    found = []
    for c in candidates:
        cells = frame[c].to_numpy(object)
        filled = [v for v in cells if v is not None and str(v).strip() not in ("", "nan")]
        first = filled[0] if filled else None
        if first is None or not (
            isinstance(first, (dict, list)) or str(first).lstrip()[:1] in ("{", "[")
        ):
            continue
        pairs = [_who_and_what(parse_cell(v)) for v in cells]
        who = {str(a) for p in pairs if p is not None for a in p[0]}
        # two annotators at least: {"content": text} is one field, not a panel
        if (
            sum(p is not None for p in pairs) >= 0.9 * len(filled)
            and len(who) >= 2
            and not _a_record(pairs)
        ):
            found.append((c, pairs))
    if len(found) != 1:
        return None
    col, pairs = found[0]
    keys = np.empty(len(pairs), dtype=object)
    values = np.empty(len(pairs), dtype=object)
    keys[:] = [p[0] if p is not None else [] for p in pairs]
    values[:] = [p[1] if p is not None else [] for p in pairs]
    notes.append(
        f"column {col!r}: each cell says which annotator gave which label; one rating per annotator"
    )
    opts["label_cols"] = [col]
    return frame.assign(**{"_annotators": keys, col: values})


def _a_record(pairs) -> bool:
    """Whether dict cells are records of fixed fields, not a panel's labels: the
    same keys on every row (three rows or more) and no value shared by two keys.

    Annotators label from one set of classes, so two of them give a same
    label somewhere; the fields of a record (``{"class-name": "cat",
    "confidence": 0.9}``) hold values of different kinds.

    Examples
    --------
    >>> _a_record([(["class", "p"], ["cat", "0.9"]), (["class", "p"], ["dog", "0.8"]),
    ...            (["class", "p"], ["cat", "0.7"])])
    True
    >>> _a_record([(["a1", "a2"], ["1", "0"]), (["a1", "a2"], ["1", "1"]),
    ...            (["a1", "a2"], ["0", "0"])])
    False
    """
    rows = [p for p in pairs if p is not None]
    if len(rows) < 3 or len({tuple(map(str, who)) for who, _ in rows}) != 1:
        return False
    by_key: dict = {}
    for who, what in rows:
        for k, v in zip(who, what):
            by_key.setdefault(str(k), set()).add(str(v))
    sets = list(by_key.values())
    return all(not (a & b) for i, a in enumerate(sets) for b in sets[i + 1 :])


def vote_slots(frame, item_col: str, opts: dict, notes: list):
    """Per-item vote slots (``vote_1, vote_2, ...``) for anonymous rows.

    A label cell holding a list with a repeated element
    (``["neutral", "neutral", "entailment"]``, SNLI's ``annotator_labels``) is
    the votes of several unknown annotators, not one multi-select answer (a
    set of options has no repeats): its row gets a list of slots, one per
    element, and the parallel-lists reading makes one rating of each.
    """
    ids = frame[item_col].astype("string").str.strip()
    labels = list(parse_label_cols(opts.get("label_cols")))
    votes = None
    if len(labels) == 1 and labels[0] in frame.columns:
        parsed = [parse_cell(v) for v in frame[labels[0]].to_numpy(object)]
        lists = [p for p in parsed if isinstance(p, (list, tuple))]
        if lists and any(len({str(e) for e in p}) < len(p) for p in lists):
            votes = np.array([len(p) if isinstance(p, (list, tuple)) else 1 for p in parsed])
    if votes is None:
        slot = ids.groupby(ids, sort=False, dropna=False).cumcount().to_numpy() + 1
        return np.char.add("vote_", slot.astype(str))
    # slots follow each other within an item across its rows
    before = pd.Series(votes).groupby(ids.to_numpy(), sort=False).cumsum().to_numpy() - votes
    notes.append(
        f"column {labels[0]!r}: lists with repeated labels are the votes of unknown "
        "annotators, one rating per element (not multi-select answers)"
    )
    slots = np.empty(len(votes), dtype=object)
    slots[:] = [[f"vote_{b + k + 1}" for k in range(n)] for b, n in zip(before, votes)]
    return slots
