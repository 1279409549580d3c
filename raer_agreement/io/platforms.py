"""Readers for what annotation tools and crowdsourcing platforms export.

Each reader turns a platform's own layout into the long form
(``item, annotator, <scheme columns>``) with its accounting: rows that are
not ratings (rejected or expired assignments, tainted judgments, rejected or
empty answers) become ledger entries, never silent drops, and gold answers
become the item metadata column ``gold``.

========== ============================================================
platform   what is read
========== ============================================================
mturk      Amazon Mechanical Turk batch results (``HITId, WorkerId,
           AssignmentStatus, Input.*, Answer.*``)
toloka     Toloka pool downloads (``INPUT:*, OUTPUT:*, GOLDEN:*,
           ASSIGNMENT:worker_id, ASSIGNMENT:status``)
appen      Figure Eight / Appen full reports (``_unit_id, _worker_id,
           _tainted, _golden, <field>, <field>_gold``)
prodigy    Prodigy ``db-out`` JSON Lines (``_input_hash, _annotator_id,
           answer, accept``)
lewidi     per-item JSON with comma-joined ``annotators`` and
           ``annotations`` (the LeWiDi shared-task layout)
========== ============================================================
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import InputError
from ..ledger import LedgerEntry
from ..taxonomy import NA_STRINGS, default_taxonomy
from .long import LABEL_COLUMNS, find_column
from .longform import LongForm

__all__ = [
    "ColumnChoices",
    "mturk_to_long",
    "toloka_to_long",
    "appen_to_long",
    "prodigy_to_long",
    "lewidi_to_long",
    "looks_like_prodigy",
    "looks_like_lewidi",
    "labelstudio_answer",
    "labelstudio_frame",
]


def _blank(series: pd.Series) -> np.ndarray:
    s = series.astype("string").str.strip()
    return (s.isna() | (s == "") | s.isin(NA_STRINGS)).to_numpy(bool)


def _lines(table, n: int) -> np.ndarray:
    if table.line_numbers is not None:
        return np.asarray(table.line_numbers)
    return np.arange(table.first_line, table.first_line + n)


def _entry(reason: str, mask: np.ndarray, lines: np.ndarray, detail: str) -> LedgerEntry:
    return LedgerEntry(reason, int(mask.sum()), detail, tuple(lines[mask][:20].tolist()))


def _finish(long: pd.DataFrame, keep, lines, entries, notes, gold=None) -> LongForm:
    """Rows outside ``keep`` are already in ``entries``; they are read, not rated."""
    items = None
    if gold is not None and len(gold):
        items = pd.DataFrame({"gold": gold})
        items.index.name = "item_id"
        notes.append(
            f"{len(gold)} item(s) carry a gold answer (item metadata column 'gold'; usable "
            "with aggregate --gold)"
        )
    return LongForm(
        long[keep].reset_index(drop=True),
        lines[keep],
        entries=entries,
        notes=notes,
        extra_rows_read=int((~keep).sum()),
        items=items,
    )


@dataclass(frozen=True)
class ColumnChoices:
    """Columns the user named (``--item-col``, ``--annotator-col``,
    ``--label-col COL[=SCHEME]``): they override what a platform reader picks.

    Examples
    --------
    >>> ColumnChoices(labels={"Answer.emotion": "coarse"}).schemes(prefix="Answer.")
    {'Answer.emotion': 'coarse'}
    >>> ColumnChoices(labels={"Answer.emotion.label": None}).schemes(prefix="Answer.")
    {'Answer.emotion.label': 'emotion'}
    """

    item: str | None = None
    annotator: str | None = None
    labels: dict = field(default_factory=dict)

    def schemes(self, prefix: str = "") -> dict:
        """``{column: scheme}``; an unnamed scheme is the column without the
        platform's prefix and MTurk's ``.label`` suffix."""
        return {
            col: scheme or col.removeprefix(prefix).removesuffix(".label")
            for col, scheme in self.labels.items()
        }

    def answers(self, frame, prefix, path, lines, notes) -> dict:
        """The chosen label columns as ``{scheme: Series}``, else the platform's
        own answer fields (:func:`_answer_schemes`)."""
        if not self.labels:
            return _answer_schemes(frame, prefix, path, lines, notes)
        return {scheme: _column(frame, col, path) for col, scheme in self.schemes(prefix).items()}


def _column(frame: pd.DataFrame, name: str, path: str) -> pd.Series:
    """``frame[name]``, or one line naming the missing column and the columns."""
    if name not in frame.columns:
        raise InputError(
            f"no such column; columns are: {', '.join(map(str, frame.columns))}",
            path=path,
            line=1,
            column=name,
        )
    return frame[name]


def _answer_schemes(
    frame: pd.DataFrame, prefix: str, path: str, lines: np.ndarray, notes: list
) -> dict:
    """Label columns of a platform export: ``{scheme: Series of labels}``.

    One-hot boolean groups (MTurk's ``Answer.sentiment.positive`` = true)
    become one scheme whose label is the true member.  Free-text fields
    beside the answers (a comment box: nearly every value distinct) are not
    labels; they are named in ``notes``.
    """
    cols = [c for c in frame.columns if c.startswith(prefix)]
    if not cols:
        raise InputError(f"no {prefix}* answer column", path=path, line=1)
    groups: dict = {}
    for c in cols:
        name = c[len(prefix) :]
        head, _, tail = name.rpartition(".")
        values = set(frame[c].astype("string").str.strip().str.casefold().dropna()) - {""}
        if head and values and values <= {"true", "false"}:
            groups.setdefault(head, []).append((tail, c))
        elif len(cols) > 1 and len(values) > max(20, 0.5 * (~_blank(frame[c])).sum()):
            notes.append(f"{c} ignored: free text (nearly every answer differs), not a label")
        else:
            groups[name] = c
    out = {}
    for name, spec in groups.items():
        scheme = name.removesuffix(".label") if isinstance(spec, str) else name
        if isinstance(spec, str):
            out[scheme] = frame[spec]
            continue
        flags = np.column_stack(
            [
                frame[c].astype("string").str.strip().str.casefold().eq("true").fillna(False)
                for _, c in spec
            ]
        )
        n_true = flags.sum(axis=1)
        if (n_true > 1).any():
            k = int(np.flatnonzero(n_true > 1)[0])
            raise InputError(
                f"more than one of the one-hot answers {', '.join(c for _, c in spec)} is true "
                "(a multi-label answer); read each with --label-col",
                path=path,
                line=int(lines[k]),
            )
        names = np.array([t for t, _ in spec] + [None], dtype=object)
        out[scheme] = pd.Series(
            names[np.where(n_true == 1, flags.argmax(axis=1), len(spec))], dtype=object
        )
    if len(out) == 1:
        return {"label": next(iter(out.values()))}
    return out


def mturk_to_long(table, choices: ColumnChoices | None = None) -> LongForm:
    """Amazon Mechanical Turk batch results to the long form.

    The item is the HIT's ``Input.*`` value (the values joined with `` | ``
    when there are several inputs); the annotator is ``WorkerId``; labels
    come from the ``Answer.*`` fields, or from one-hot ``Answer.x.y``
    booleans.  Rejected assignments are ledger entries, not ratings.
    ``choices`` (the columns a user named) override each of these.
    """
    choices = choices or ColumnChoices()
    frame, path = table.frame, table.path
    n = len(frame)
    lines = _lines(table, n)
    inputs = [c for c in frame.columns if c.startswith("Input.")]
    if choices.item is not None:
        item = _column(frame, choices.item, path).astype(object)
        item_note = f"item = {choices.item}"
    elif len(inputs) == 1:
        item = frame[inputs[0]].astype(object)
        item_note = f"item = {inputs[0]}"
    elif inputs:
        item = frame[inputs].astype(str).agg(" | ".join, axis=1).astype(object)
        item_note = f"item = {' | '.join(inputs)}"
    else:
        item = frame["HITId"].astype(object)
        item_note = "item = HITId (no Input.* column)"
    worker = choices.annotator or "WorkerId"
    annotator = _column(frame, worker, path)
    long = pd.DataFrame({"item": item.to_numpy(), "annotator": annotator.to_numpy()})
    notes: list = []
    schemes = choices.answers(frame, "Answer.", path, lines, notes)
    for s, v in schemes.items():
        long[s] = np.asarray(v, dtype=object)
    status = frame["AssignmentStatus"].astype("string").str.strip()
    rejected = status.eq("Rejected").fillna(False).to_numpy(bool)
    entries = []
    if rejected.any():
        feedback = (
            frame["RequesterFeedback"][rejected].dropna().astype(str).str.strip()
            if "RequesterFeedback" in frame
            else pd.Series([], dtype=str)
        )
        why = f" (requester feedback: {feedback.iloc[0][:100]!r})" if len(feedback) else ""
        entries.append(
            _entry(
                "rejected_assignment", rejected, lines, f"assignment rejected by the requester{why}"
            )
        )
    answers = list(choices.labels) or [c for c in frame.columns if c.startswith("Answer.")]
    notes.insert(0, f"mturk: {item_note}, annotator = {worker}, label from {', '.join(answers)}")
    return _finish(long, ~rejected, lines, entries, notes)


def toloka_to_long(table, choices: ColumnChoices | None = None) -> LongForm:
    """A Toloka pool download (TSV) to the long form.

    The item is ``ASSIGNMENT:task_id`` (else the ``INPUT:`` values), the
    annotator ``ASSIGNMENT:worker_id``, the labels the ``OUTPUT:`` fields.
    Assignments whose status is not ``APPROVED``/``SUBMITTED`` (expired,
    rejected, skipped) are ledger entries; ``GOLDEN:`` answers of control
    tasks become the items' gold labels.  ``choices`` (the columns a user
    named) override the item, annotator and label columns.
    """
    choices = choices or ColumnChoices()
    frame, path = table.frame, table.path
    n = len(frame)
    lines = _lines(table, n)
    cols = list(frame.columns)
    worker = choices.annotator or "ASSIGNMENT:worker_id"
    if choices.annotator is None and worker not in cols:
        raise InputError("Toloka export without ASSIGNMENT:worker_id", path=path, line=1)
    if choices.item is not None:
        item_name = choices.item
        item = _column(frame, choices.item, path)
    elif "ASSIGNMENT:task_id" in cols:
        item_name = "ASSIGNMENT:task_id"
        item = frame[item_name]
    else:
        inputs = [c for c in cols if c.startswith("INPUT:")]
        item_name = " | ".join(inputs)
        item = frame[inputs].astype(str).agg(" | ".join, axis=1)
    long = pd.DataFrame(
        {"item": item.to_numpy(dtype=object), "annotator": _column(frame, worker, path).to_numpy()}
    )
    notes: list = []
    schemes = choices.answers(frame, "OUTPUT:", path, lines, notes)
    for s, v in schemes.items():
        long[s] = np.asarray(v, dtype=object)
    keep = np.ones(n, bool)
    entries = []
    if "ASSIGNMENT:status" in cols:
        status = frame["ASSIGNMENT:status"].astype("string").str.strip().str.upper()
        for value in sorted(set(status.dropna()) - {"APPROVED", "SUBMITTED", "ACCEPTED"}):
            m = status.eq(value).fillna(False).to_numpy(bool) & keep
            entries.append(
                _entry(
                    f"{value.lower()}_assignment",
                    m,
                    lines,
                    f"assignment status {value}: not a rating",
                )
            )
            keep &= ~m
    gold = None
    golden = [c for c in cols if c.startswith("GOLDEN:")]
    if golden:
        g = frame[golden[0]]
        has = ~_blank(g)
        gold = (
            pd.Series(
                g[has].astype(str).str.strip().to_numpy(), index=long["item"][has].astype(str)
            )
            .groupby(level=0)
            .first()
        )
    outputs = ", ".join(list(choices.labels) or [c for c in cols if c.startswith("OUTPUT:")])
    notes.insert(0, f"toloka: item = {item_name}, annotator = {worker}, label from {outputs}")
    return _finish(long, keep, lines, entries, notes, gold)


def appen_to_long(table, choices: ColumnChoices | None = None) -> LongForm:
    """A Figure Eight / Appen full report to the long form.

    Item ``_unit_id``, annotator ``_worker_id``; the answer fields are the
    columns that have a ``<field>_gold`` twin (or the ``choices``).  Tainted
    judgments (``_tainted`` true) are ledger entries, not ratings; the
    ``<field>_gold`` values of golden units are gold labels.
    """
    choices = choices or ColumnChoices()
    frame, path = table.frame, table.path
    n = len(frame)
    lines = _lines(table, n)
    cols = list(frame.columns)
    answers = list(choices.labels) or [
        c for c in cols if not c.startswith("_") and f"{c}_gold" in cols
    ]
    if not answers:
        raise InputError(
            "Figure Eight / Appen report: no answer column found (no '<field>_gold' twin); "
            "name it with --label-col",
            path=path,
            line=1,
        )
    item_name = choices.item or "_unit_id"
    worker = choices.annotator or "_worker_id"
    long = pd.DataFrame(
        {
            "item": _column(frame, item_name, path).to_numpy(),
            "annotator": _column(frame, worker, path).to_numpy(),
        }
    )
    named = choices.schemes()
    for c in answers:
        scheme = named.get(c) or (c if len(answers) > 1 else "label")
        long[scheme] = _column(frame, c, path).to_numpy(dtype=object)
    keep = np.ones(n, bool)
    entries = []
    if "_tainted" in cols:
        tainted = (
            frame["_tainted"]
            .astype("string")
            .str.strip()
            .str.casefold()
            .isin(["true", "1"])
            .to_numpy(bool)
        )
        if tainted.any():
            entries.append(
                _entry(
                    "tainted_judgment",
                    tainted,
                    lines,
                    "judgment marked tainted by the platform (worker failed quality control)",
                )
            )
            keep &= ~tainted
    gold = None
    gcol = f"{answers[0]}_gold"
    if gcol in cols:
        g = frame[gcol]
        has = ~_blank(g)
        if "_golden" in cols:
            has &= (
                frame["_golden"]
                .astype("string")
                .str.strip()
                .str.casefold()
                .isin(["true", "1"])
                .to_numpy(bool)
            )
        if has.any():
            gold = (
                pd.Series(
                    g[has].astype(str).str.strip().to_numpy(), index=long["item"][has].astype(str)
                )
                .groupby(level=0)
                .first()
            )
    notes = [f"appen: item = {item_name}, annotator = {worker}, label from {', '.join(answers)}"]
    return _finish(long, keep, lines, entries, notes, gold)


def looks_like_prodigy(record: dict) -> bool:
    """A Prodigy ``db-out`` record: an input hash and an answer."""
    return "_input_hash" in record and "answer" in record


def prodigy_to_long(records: list, lines: np.ndarray, path: str) -> LongForm:
    """Prodigy ``db-out`` records to the long form.

    Item ``_input_hash``; annotator ``_annotator_id`` (else ``_session_id``);
    label ``accept[0]`` for choice interfaces, else ``label``.  The tasks'
    ``options`` are the declared categories.  When some answer accepts more
    than one option (a ``choice_style: multiple`` task), the data are
    multi-label: each option becomes one binary scheme (1 = accepted).
    Answers ``reject`` or ``ignore`` and empty choices are ledger entries.
    """
    n = len(records)
    lines = np.asarray(lines)
    item: list = []
    ann: list = []
    accepted: list[list[str] | None] = []
    answer = np.array([str(r.get("answer", "")) for r in records], dtype=object)
    options: dict = {}
    for r in records:
        item.append(None if r.get("_input_hash") is None else str(r["_input_hash"]))
        who = r.get("_annotator_id", r.get("_session_id"))
        ann.append(None if who is None else str(who))
        for o in r.get("options") or ():
            if isinstance(o, dict) and o.get("id") is not None:
                options.setdefault(str(o["id"]), None)
        if isinstance(r.get("accept"), list):
            accepted.append([str(a) for a in r["accept"]])
        else:
            accepted.append(None if r.get("label") is None else [str(r["label"])])
    keep = np.ones(n, bool)
    entries = []
    for value in ("reject", "ignore"):
        m = (answer == value) & keep
        if m.any():
            entries.append(
                _entry(f"answer_{value}", m, lines, f"Prodigy answer {value!r}: not a rating")
            )
            keep &= ~m
    multi = np.array([a is not None and len(a) > 1 for a in accepted]) & keep
    frame = {"item": item, "annotator": ann}
    if multi.any():
        # an empty accept list is an answer here: no option applies
        names = list(options) or sorted({o for a in accepted if a for o in a})
        for o in names:
            frame[o] = ["1" if a is not None and o in a else "0" for a in accepted]
        categories: dict | None = {o: ["0", "1"] for o in names}
        notes = [
            "prodigy: item = _input_hash, annotator = _annotator_id; "
            f"{int(multi.sum())} answer(s) accept several options: multi-label data, one "
            f"binary scheme per option ({', '.join(names)})"
        ]
    else:
        frame["label"] = [a[0] if a else None for a in accepted]
        m = np.array([not a for a in accepted]) & keep
        if m.any():
            entries.append(_entry("empty_answer", m, lines, "accepted with no option chosen"))
            keep &= ~m
        categories = {"label": list(options)} if options else None
        notes = ["prodigy: item = _input_hash, annotator = _annotator_id, label = accept[0]"]
        if options:
            notes.append(f"prodigy: categories from the tasks' options ({', '.join(options)})")
    lf = _finish(pd.DataFrame(frame, dtype=object), keep, lines, entries, notes)
    lf.categories = categories
    return lf


def looks_like_lewidi(data) -> bool:
    """A JSON object of items, each with ``annotators`` and ``annotations``."""
    if not isinstance(data, dict) or not data:
        return False
    first = next(iter(data.values()))
    return isinstance(first, dict) and "annotators" in first and "annotations" in first


def lewidi_to_long(data: dict, path: str) -> LongForm:
    """The LeWiDi per-item JSON layout to the long form.

    ``annotators`` and ``annotations`` are comma-joined strings in the same
    order; each pair is one rating.  The row number of a rating is the
    item's position in the file (JSON has no useful line numbers here).
    """
    item, ann, lab, where = [], [], [], []
    for k, (key, obj) in enumerate(data.items(), start=1):
        if not isinstance(obj, dict):
            raise InputError("expected an object per item", path=path, line=k, column=str(key))
        who = [a.strip() for a in str(obj.get("annotators", "")).split(",") if a.strip()]
        what = [a.strip() for a in str(obj.get("annotations", "")).split(",")]
        if len(who) != len(what):
            raise InputError(
                f"item has {len(who)} annotators but {len(what)} annotations",
                path=path,
                line=k,
                column="annotations",
                value=str(key),
            )
        item += [str(key)] * len(who)
        ann += who
        lab += what
        where += [k] * len(who)
    long = pd.DataFrame({"item": item, "annotator": ann, "label": lab}, dtype=object)
    notes = [
        "lewidi: one JSON object per item; annotators and annotations read as comma-joined "
        "lists (line numbers are item positions)"
    ]
    # one object per item holds all its ratings: the ledger counts both
    return LongForm(long, np.asarray(where, dtype=np.int64), notes=notes, file_rows=len(data))


#: joins the levels of a Label Studio taxonomy path into one label (its ``pathSeparator``)
TAXONOMY_PATH_SEP = "/"


def labelstudio_answer(result: dict, bad) -> tuple[str, object] | None:
    """The scheme and the answer of one Label Studio result, None for results
    that hold no class (regions, text areas, ratings).

    A ``choices`` result gives its choice; a ``taxonomy`` result (the Taxonomy
    control) gives each selected path, its levels joined with ``/``
    (``Eukarya/Human``), so that a class names its ancestors.  Several choices
    or paths in one answer are a list: multi-label data
    (:mod:`raer_agreement.io.containers`).  ``bad(message, field, value)``
    makes the error for a malformed result.

    Examples
    --------
    >>> fail = lambda *a: ValueError(a)
    >>> labelstudio_answer({"type": "choices", "from_name": "mood",
    ...                     "value": {"choices": ["happy"]}}, fail)
    ('mood', 'happy')
    >>> labelstudio_answer({"type": "taxonomy", "from_name": "taxonomy",
    ...                     "value": {"taxonomy": [["Eukarya", "Human"], ["Archaea"]]}}, fail)
    ('taxonomy', ['Eukarya/Human', 'Archaea'])
    """
    value = result.get("value")
    kind = result.get("type")
    if not isinstance(value, dict):
        return None
    key = next((k for k in ("choices", "taxonomy") if kind in (None, k) and k in value), None)
    if key is None:
        return None
    scheme = result.get("from_name") or "label"
    if not _scalar(scheme):
        raise bad("'from_name' must be a string", "from_name", scheme)
    picked = value[key]
    if not isinstance(picked, list):
        raise bad(f"{key!r} must be a list", key, picked)
    labels = []
    for p in picked:
        if key == "taxonomy" and isinstance(p, list) and p and all(map(_scalar, p)):
            labels.append(TAXONOMY_PATH_SEP.join(str(level) for level in p))
        elif _scalar(p):
            labels.append(str(p))
        else:
            what = "a path (a list of labels)" if key == "taxonomy" else "a label"
            raise bad(f"each entry of {key!r} must be {what}", key, picked)
    if not labels:
        return str(scheme), None
    return str(scheme), labels[0] if len(labels) == 1 else labels


def _scalar(v) -> bool:
    return isinstance(v, (str, int, float)) and not isinstance(v, bool)


def labelstudio_frame(rows: list, notes: list) -> pd.DataFrame:
    """The long frame of Label Studio answers; the answer of an export with one
    control is the label, whatever the control's name (``sentiment``,
    ``taxonomy``), unless it names a scheme of the default taxonomy."""
    frame = pd.DataFrame(rows, dtype=object)
    controls = [c for c in frame.columns if c not in ("item", "annotator")]

    if (
        len(controls) == 1
        and controls[0] not in default_taxonomy().scheme_names
        and find_column(controls, LABEL_COLUMNS) is None
    ):
        notes.append(f"Label Studio: the one control {controls[0]!r} holds the label")
        frame = frame.rename(columns={controls[0]: "label"})
    return frame
