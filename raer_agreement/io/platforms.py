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
           answer, accept``): choice and binary (accept/reject) views
lewidi     per-item JSON with comma-joined ``annotators`` and
           ``annotations`` (the LeWiDi shared-task layout)
========== ============================================================
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import InputError, name_list
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
    "looks_like_groundtruth",
    "looks_like_appen_aggregated",
    "read_groundtruth",
    "labelstudio_answer",
    "labelstudio_frame",
    "missing_answers",
    "missing_values_note",
]


def missing_values_note(seen: Mapping[str, int], added: Sequence[str] = ()) -> str:
    """The ledger note naming every token read as a missing value, with its count.

    Every reader words it alike, so that a user reading a table and a platform
    export with the same ``--na-values`` sees the same accounting.

    Parameters
    ----------
    seen : mapping of str to int
        Each token found (pandas' defaults and the extra ones) and how often.
    added : sequence of str
        The ``--na-values`` tokens.

    Returns
    -------
    str

    Examples
    --------
    >>> missing_values_note({"n/a": 1, "?": 2}, ["?"])
    "missing values: empty cells and the tokens '?' (2), 'n/a' (1) (pandas' defaults, and --na-values ?)"
    >>> missing_values_note({"NA": 3})
    "missing values: empty cells and the tokens 'NA' (3) (pandas' defaults; --na-values adds more)"
    """
    listed = ", ".join(
        f"{t!r} ({n})" for t, n in sorted(seen.items(), key=lambda kv: (-kv[1], kv[0]))
    )
    note = f"missing values: empty cells and the tokens {listed} (pandas' defaults"
    if added:
        return note + f", and --na-values {', '.join(sorted(added))})"
    return note + "; --na-values adds more)"


def _declared(categories) -> set:
    """The category names declared with ``--categories`` (a list, or a dict of
    scheme -> list): a declared name is a category, not a missing value."""
    if not categories:
        return set()
    lists = categories.values() if isinstance(categories, Mapping) else [categories]
    return {str(c).strip() for cats in lists for c in cats}


def missing_answers(lf: LongForm, extra: Sequence[str] = (), categories=None) -> LongForm:
    """The long form with the answers that equal an ``--na-values`` token emptied
    (missing ratings, counted by the validator), and a ledger note naming every
    token read as missing with its count.

    The platform readers' counterpart of the table readers' missing-token scan:
    an answer equal to one of pandas' default tokens (``N/A``, ``null``...) is
    already missing and is named in the note; an ``extra`` token, compared
    after stripping spaces, is emptied here.  A declared category is never a
    token unless ``extra`` names it.  Only the answer columns are looked at
    (item and annotator ids are the export's own fields); a multiple-choice
    answer (a list) is left as it is.

    Parameters
    ----------
    lf : LongForm
        A platform reader's long form (``item, annotator, <scheme columns>``).
    extra : sequence of str
        The ``--na-values`` tokens.
    categories : list or dict, optional
        The declared categories (``--categories``).

    Returns
    -------
    LongForm
        ``lf`` itself when no answer is a token.

    Examples
    --------
    >>> frame = pd.DataFrame({"item": ["1", "1", "2"], "annotator": ["a", "b", "a"],
    ...                       "label": ["x", " ? ", "N/A"]}, dtype=object)
    >>> lf = missing_answers(LongForm(frame, np.array([1, 2, 3])), ["?"])
    >>> lf.frame["label"].tolist()
    ['x', None, 'N/A']
    >>> lf.notes[-1]
    "missing values: empty cells and the tokens '?' (1), 'N/A' (1) (pandas' defaults, and --na-values ?)"
    """
    added = {str(t).strip() for t in extra if str(t).strip()}
    tokens = (NA_STRINGS | added) - {""} - (_declared(categories) - added)
    frame = lf.frame
    answers = lf.schemes or [c for c in frame.columns if c not in ("item", "annotator")]
    seen: dict = {}
    for c in answers:
        text = pd.Series(
            [v.strip() if isinstance(v, str) else None for v in frame[c]],
            index=frame.index,
            dtype=object,
        )
        hit = text.isin(tokens)
        for tok, n in text[hit].value_counts().items():
            seen[str(tok)] = seen.get(str(tok), 0) + int(n)
        drop = text.isin(added)
        if drop.any():
            frame = frame.assign(**{c: frame[c].mask(drop, None)})
    if not seen:
        return lf
    note = missing_values_note(seen, sorted(added))
    return dataclasses.replace(lf, frame=frame, notes=[*lf.notes, note])


def _blank(series: pd.Series) -> np.ndarray:
    s = series.astype("string").str.strip()
    return (s.isna() | (s == "") | s.isin(NA_STRINGS)).to_numpy(bool)


def _lines(table, n: int) -> np.ndarray:
    if table.line_numbers is not None:
        return np.asarray(table.line_numbers)
    return np.arange(table.first_line, table.first_line + n)


_entry = LedgerEntry.of_rows


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
        own answer fields (:func:`_answer_schemes`).

        A named column may be given in full (``Answer.sentiment.label``), or by
        the answer's name (``sentiment``: the column without the platform's
        prefix and MTurk's ``.label`` suffix), or name a one-hot group
        (``sentiment`` for ``Answer.sentiment.positive`` ...).  A named
        column is one scheme of its own values: naming each ``.on`` box reads
        checkboxes as one binary scheme each.
        """
        if not self.labels:
            return _answer_schemes(frame, prefix, path, lines, notes)
        out = {}
        groups = None
        for col, scheme in self.labels.items():
            found = _find_answer(frame, col, prefix)
            if found is not None:
                short = found.removeprefix(prefix).removesuffix(".label").removesuffix(".on")
                out[scheme or short] = frame[found]
                continue
            if groups is None:
                groups = _answer_groups(frame, prefix)
            spec = groups.get(col.removeprefix(prefix))
            if not isinstance(spec, list):
                raise InputError(
                    f"no such column; the answer columns are: "
                    f"{name_list([c for c in frame.columns if c.startswith(prefix)], 5)}",
                    path=path,
                    line=1,
                    column=col,
                )
            out[scheme or col.removeprefix(prefix)] = _one_hot(frame, spec, path, lines, notes)
        return out


def _find_answer(frame: pd.DataFrame, name: str, prefix: str) -> str | None:
    """The column a user's ``--label-col`` names: itself, or the platform's
    answer field of that name (``sentiment`` -> ``Answer.sentiment.label``)."""
    for candidate in (name, f"{prefix}{name}", f"{prefix}{name}.label", f"{prefix}{name}.on"):
        if candidate in frame.columns:
            return candidate
    return None


def _column(frame: pd.DataFrame, name: str, path: str) -> pd.Series:
    """``frame[name]``, or one line naming the missing column and a few columns."""
    if name not in frame.columns:
        raise InputError(
            f"no such column; columns are: {name_list(list(map(str, frame.columns)), 6)}",
            path=path,
            line=1,
            column=name,
        )
    return frame[name]


#: names of answer fields that hold a worker's free text (a comment box), not a label
_FREE_TEXT_NAME = re.compile(
    r"(^|[._ -])(comments?|feedback|notes?|remarks?|explanation|reason(ing)?|rationale|"
    r"justification|suggestions?|free_?text)$",
    re.IGNORECASE,
)


def _values(series: pd.Series) -> set:
    return set(series.astype("string").str.strip().str.casefold().dropna()) - {""}


def _free_text(frame: pd.DataFrame, column: str) -> str | None:
    """Why an answer field holds free text and not a label, None when it may be
    a label: a comment box by its name, or nearly every answer different (more
    than 20 distinct values and more than half as many as answers)."""
    name = str(column)
    if _FREE_TEXT_NAME.search(name):
        return "a free-text field by its name"
    n_values = len(_values(frame[column]))
    if n_values > max(20, 0.5 * (~_blank(frame[column])).sum()):
        return f"free text ({n_values} distinct answers)"
    return None


def _answer_groups(frame: pd.DataFrame, prefix: str) -> dict:
    """The answer fields under ``prefix``: ``{name: column}`` for a field read
    as it is, ``{name: [(option, column), ...]}`` for a one-hot group.

    A ``true``/``false`` field named ``<group>.<option>`` (MTurk's
    ``Answer.sentiment.positive``), or a radio button ``<option>.on`` /
    ``<group>.<option>.on`` (crowd-html's ``crowd-radio-button``, whose
    output column is ``Answer.<name>.on``), is one option of a group; bare
    ``.on`` buttons form one group named ``label``.  A group of one option
    (a lone checkbox) is a field of its own ``true``/``false`` values.
    """
    out: dict = {}
    for c in [c for c in frame.columns if str(c).startswith(prefix)]:
        name = str(c)[len(prefix) :]
        values = _values(frame[c])
        if values and values <= {"true", "false"} and name.endswith(".on"):
            head, _, option = name[: -len(".on")].rpartition(".")
            out.setdefault(head or "label", []).append((option, c))
            continue
        head, _, option = name.rpartition(".")
        if head and values and values <= {"true", "false"}:
            out.setdefault(head, []).append((option, c))
        else:
            out[name] = c
    for name, spec in list(out.items()):
        if isinstance(spec, list) and len(spec) == 1:
            del out[name]
            out[spec[0][1][len(prefix) :]] = spec[0][1]
    return out


def _one_hot(frame: pd.DataFrame, spec: list, path: str, lines: np.ndarray, notes: list):
    """One label per row from a one-hot group: the option whose column is true.

    A row with no true option is a missing rating (counted in the ledger with
    the other empty answers): a radio group need not be ``required``, and a
    worker who submits without choosing gave no answer, which is what a
    missing rating is; refusing the file for it would leave no way through.
    A row with two or more true options is refused, naming its line: the
    buttons are then checkboxes (a multi-label answer), which one categorical
    label cannot hold, and guessing one of them would be a wrong reading.
    """
    flags = np.column_stack(
        [
            frame[c].astype("string").str.strip().str.casefold().eq("true").fillna(False)
            for _, c in spec
        ]
    )
    n_true = flags.sum(axis=1)
    cols = ", ".join(str(c) for _, c in spec)
    if (n_true > 1).any():
        k = int(np.flatnonzero(n_true > 1)[0])
        raise InputError(
            f"{int(n_true[k])} of the one-hot answers {name_list([c for _, c in spec], 4)} are "
            "true (checkboxes: a multi-label answer); read each as its own scheme with "
            "--label-col COL (repeated)",
            path=path,
            line=int(lines[k]),
        )
    names = np.array([t for t, _ in spec] + [None], dtype=object)
    none = int((n_true == 0).sum())
    notes.append(
        f"one-hot answers {cols} read as one label, the option whose column is true "
        f"({', '.join(t for t, _ in spec)})"
        + (f"; {none} answer(s) with none true are missing ratings" if none else "")
    )
    return pd.Series(names[np.where(n_true == 1, flags.argmax(axis=1), len(spec))], dtype=object)


def _answer_schemes(
    frame: pd.DataFrame, prefix: str, path: str, lines: np.ndarray, notes: list
) -> dict:
    """Label columns of a platform export: ``{scheme: Series of labels}``.

    One-hot boolean groups (:func:`_answer_groups`) become one scheme whose
    label is the true member (:func:`_one_hot`).  Free-text fields beside
    the answers (:func:`_free_text`: a comment box) are not labels; they are
    named in ``notes``.  One scheme left is the ``label``.
    """
    groups = _answer_groups(frame, prefix)
    if not groups:
        raise InputError(f"no {prefix}* answer column", path=path, line=1)
    out = {}
    for name, spec in groups.items():
        if isinstance(spec, list):
            out[name] = _one_hot(frame, spec, path, lines, notes)
            continue
        why = _free_text(frame, spec) if len(groups) > 1 else None
        if why is not None:
            notes.append(f"{spec} ignored: {why}, not a label (--label-col reads it)")
            continue
        out[name.removesuffix(".label")] = frame[spec]
    if not out:
        raise InputError(
            f"every {prefix}* field holds free text, none a label: name it with --label-col",
            path=path,
            line=1,
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
    if "AssignmentStatus" in frame:
        status = frame["AssignmentStatus"].astype("string").str.strip()
        rejected = status.eq("Rejected").fillna(False).to_numpy(bool)
    else:
        # a batch file trimmed of its status columns: no assignment is known rejected
        rejected = np.zeros(len(frame), dtype=bool)
        notes.append("no AssignmentStatus column: every assignment is read as accepted")
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
    return _named_schemes(_finish(long, ~rejected, lines, entries, notes), schemes)


def _named_schemes(lf: LongForm, schemes: dict) -> LongForm:
    """Tell the long reader which columns are the schemes, unless it finds them
    by itself: the one scheme ``label``, or schemes of the default taxonomy
    (which it then applies)."""
    known = set(default_taxonomy().scheme_names)
    if list(schemes) != ["label"] and not set(schemes) <= known:
        lf.schemes = list(schemes)
    return lf


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
    return _named_schemes(_finish(long, keep, lines, entries, notes, gold), schemes)


def looks_like_appen_aggregated(columns) -> bool:
    """The columns of a Figure Eight / Appen *aggregated* report: one row per
    unit (``_unit_id``, ``_trusted_judgments``) and no ``_worker_id``, so no
    judgment of any one worker.

    Examples
    --------
    >>> looks_like_appen_aggregated({"_unit_id", "_trusted_judgments", "answer"})
    True
    >>> looks_like_appen_aggregated({"_unit_id", "_worker_id", "answer"})
    False
    """
    cols = {str(c) for c in columns}
    return {"_unit_id", "_trusted_judgments"} <= cols and "_worker_id" not in cols


def appen_to_long(table, choices: ColumnChoices | None = None) -> LongForm:
    """A Figure Eight / Appen full report to the long form.

    Item ``_unit_id``, annotator ``_worker_id``; the answer fields are the
    columns that have a ``<field>_gold`` twin (or the ``choices``).  Tainted
    judgments (``_tainted`` true) are ledger entries, not ratings; the
    ``<field>_gold`` values of golden units are gold labels.

    The *aggregated* report (one row per unit: ``_trusted_judgments``,
    ``<field>:confidence``, no ``_worker_id``) holds the platform's consensus,
    not the judgments: it is refused, asking for the full report (reading its
    one answer per unit as anonymous votes would compute agreement from one
    vote per item).
    """
    choices = choices or ColumnChoices()
    frame, path = table.frame, table.path
    n = len(frame)
    lines = _lines(table, n)
    cols = list(frame.columns)
    if "_worker_id" not in cols and choices.annotator is None:
        raise InputError(
            "a Figure Eight / Appen aggregated report: one answer per unit, no per-worker "
            "judgments; download the full report (a row per judgment)",
            path=path,
            line=1,
        )
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
        tainted = _is_true(frame["_tainted"])
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
    gold = _appen_gold(frame, long["item"], answers[0])
    notes = [f"appen: item = {item_name}, annotator = {worker}, label from {', '.join(answers)}"]
    return _finish(long, keep, lines, entries, notes, gold)


def _is_true(column: pd.Series) -> np.ndarray:
    """A platform's true/false column as booleans (``true`` or ``1``, any case)."""
    return column.astype("string").str.strip().str.casefold().isin(["true", "1"]).to_numpy(bool)


def _appen_gold(frame: pd.DataFrame, item: pd.Series, answer: str) -> pd.Series | None:
    """The ``<answer>_gold`` value of each golden unit (None without any)."""
    gcol = f"{answer}_gold"
    if gcol not in frame.columns:
        return None
    g = frame[gcol]
    has = ~_blank(g)
    if "_golden" in frame.columns:
        has &= _is_true(frame["_golden"])
    if not has.any():
        return None
    return (
        pd.Series(g[has].astype(str).str.strip().to_numpy(), index=item[has].astype(str))
        .groupby(level=0)
        .first()
    )


def looks_like_prodigy(record: dict) -> bool:
    """A Prodigy ``db-out`` record: an input hash and an answer."""
    return "_input_hash" in record and "answer" in record


def _is_choice_task(record: dict) -> bool:
    """A record of a choice interface: it lists ``options`` or ``accept``."""
    return bool(record.get("options")) or isinstance(record.get("accept"), list)


def _prodigy_field(name, what: str, default: str) -> str:
    if name is None:
        return default
    if not isinstance(name, str):
        raise InputError(f"Prodigy records take one {what} field; got {name!r}")
    return name


def prodigy_to_long(
    records: list, lines: np.ndarray, path: str, choices: ColumnChoices | None = None
) -> LongForm:
    """Prodigy ``db-out`` records to the long form.

    Item ``_input_hash``; annotator ``_annotator_id`` (else ``_session_id``);
    ``choices.item`` and ``choices.annotator`` name other fields.  What the
    label is depends on the interface:

    * choice interfaces (records with ``options`` or an ``accept`` list): the
      label is ``accept[0]`` and the tasks' ``options`` are the declared
      categories.  When some answer accepts more than one option (a
      ``choice_style: multiple`` task), the data are multi-label: each option
      becomes one binary scheme (1 = accepted).  Answers ``reject`` or
      ``ignore`` and empty choices are ledger entries.
    * binary interfaces (``classification``, ``binary``: no record has
      ``options`` or ``accept``): the annotator answers whether the task's
      ``label`` applies, so ``answer`` is the label, ``accept`` a yes and
      ``reject`` a no (categories ``accept, reject``), one scheme per
      distinct ``label`` when the tasks ask about several (``label`` when
      they ask about one); ``ignore`` (the annotator skipped) is a ledger
      entry, a missing rating.

    ``--label-col answer`` asks for the binary reading, ``--label-col
    accept`` for the choice reading; other fields are refused (``--format
    jsonl`` reads the records as a plain long table).

    Parameters
    ----------
    records : list of dict, length n
    lines : array of int, shape (n,)
        The file line of each record.
    path : str
    choices : ColumnChoices, optional
        Columns the user named.

    Returns
    -------
    LongForm

    Examples
    --------
    >>> recs = [{"_input_hash": 1, "_annotator_id": a, "label": "POS", "answer": v}
    ...         for a, v in [("x", "accept"), ("y", "reject"), ("z", "ignore")]]
    >>> lf = prodigy_to_long(recs, [1, 2, 3], "db.jsonl")
    >>> lf.frame["label"].tolist(), lf.categories
    (['accept', 'reject'], {'label': ['accept', 'reject']})
    """
    choices = choices or ColumnChoices()
    n = len(records)
    lines = np.asarray(lines)
    item_field = _prodigy_field(choices.item, "item", "_input_hash")
    who_field = _prodigy_field(choices.annotator, "annotator", "_annotator_id")
    named = list(choices.labels)
    if len(named) > 1 or (named and named[0] not in ("answer", "accept")):
        raise InputError(
            f"--label-col {named[0] if len(named) == 1 else ', '.join(named)}: a Prodigy answer is "
            "'answer' (binary accept/reject) or 'accept' (choices); --format jsonl reads the "
            "records as a plain table",
            path=path,
            line=1,
        )
    item: list = []
    ann: list = []
    for r in records:
        item.append(None if r.get(item_field) is None else str(r[item_field]))
        who = r.get(who_field, r.get("_session_id") if choices.annotator is None else None)
        ann.append(None if who is None else str(who))
    answer = np.array([str(r.get("answer", "")) for r in records], dtype=object)
    choice = [_is_choice_task(r) for r in records]
    binary = named == ["answer"] or (not named and not any(choice))
    if binary:
        return _prodigy_binary(records, item, ann, answer, lines, path, (item_field, who_field))
    if not named and not all(choice):
        k = choice.index(False)
        raise InputError(
            "Prodigy records mix choice answers ('accept' lists) and binary accept/reject "
            "answers; read them separately, or choose with --label-col accept|answer",
            path=path,
            line=int(lines[k]),
        )
    accepted: list[list[str] | None] = []
    options: dict = {}
    for r in records:
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
    who = f"item = {item_field}, annotator = {who_field}"
    if multi.any():
        # an empty accept list is an answer here: no option applies
        names = list(options) or sorted({o for a in accepted if a for o in a})
        for o in names:
            frame[o] = ["1" if a is not None and o in a else "0" for a in accepted]
        categories: dict | None = {o: ["0", "1"] for o in names}
        notes = [
            f"prodigy: {who}; "
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
        notes = [f"prodigy: {who}, label = accept[0]"]
        if options:
            notes.append(f"prodigy: categories from the tasks' options ({', '.join(options)})")
    lf = _finish(pd.DataFrame(frame, dtype=object), keep, lines, entries, notes)
    lf.categories = categories
    return lf


#: the answers of Prodigy's binary interfaces that are ratings, in category order
_BINARY_ANSWERS = ("accept", "reject")


def _prodigy_binary(records, item, ann, answer, lines, path, fields) -> LongForm:
    """The binary reading of :func:`prodigy_to_long`: ``answer`` is the label."""
    n = len(records)
    asked = [None if r.get("label") is None else str(r["label"]) for r in records]
    labels = list(dict.fromkeys(a for a in asked if a is not None))
    keep = np.ones(n, bool)
    entries = []
    m = answer == "ignore"
    if m.any():
        entries.append(
            _entry("answer_ignore", m, lines, "Prodigy answer 'ignore' (skipped): no rating")
        )
        keep &= ~m
    other = keep & ~np.isin(answer, _BINARY_ANSWERS)
    if other.any():
        k = int(np.flatnonzero(other)[0])
        raise InputError(
            "a Prodigy binary answer must be accept, reject or ignore",
            path=path,
            line=int(lines[k]),
            column="answer",
            value=str(records[k].get("answer")),
        )
    frame: dict = {"item": item, "annotator": ann}
    if len(labels) <= 1:
        schemes = {"label": np.ones(n, bool)}
    else:
        # each task asks whether its label applies: one yes/no scheme per label
        schemes = {lab: np.array([a == lab for a in asked]) for lab in labels}
        m = keep & np.array([a is None for a in asked])
        if m.any():
            entries.append(_entry("no_label", m, lines, "binary answer with no 'label' asked"))
            keep &= ~m
    for s, mine in schemes.items():
        frame[s] = np.where(mine, answer, None)
    asked_about = f" to the task's label {labels[0]!r}" if len(labels) == 1 else ""
    notes = [
        f"prodigy: item = {fields[0]}, annotator = {fields[1]}; binary answers (no choice "
        f"options): label = answer, accept = yes and reject = no{asked_about}"
        + (f", one scheme per label ({name_list(labels, 6)})" if len(labels) > 1 else "")
    ]
    lf = _finish(pd.DataFrame(frame, dtype=object), keep, lines, entries, notes)
    lf.categories = {s: list(_BINARY_ANSWERS) for s in schemes}
    return lf


def looks_like_groundtruth(record: dict) -> bool:
    """A record of a SageMaker Ground Truth output manifest: a ``source`` or
    ``source-ref`` and a ``<job>-metadata`` object naming the labeling job."""
    if not ("source" in record or "source-ref" in record):
        return False
    return any(
        k.endswith("-metadata")
        and isinstance(v, dict)
        and ("job-name" in v or str(v.get("type", "")).startswith("groundtruth/"))
        for k, v in record.items()
    )


def read_groundtruth(source, options):
    """Refuse a SageMaker Ground Truth output manifest, saying why.

    The output manifest holds, per data object, one label consolidated from
    the workers' answers (``<job>`` and ``<job>-metadata``) and no answer of
    any single worker, so no agreement can be computed from it; reading it
    as a table would make the JSON fragments categories.

    Raises
    ------
    InputError
        Always: one line naming the labeling job and where the per-worker
        answers are.
    """
    records, lines = source.records()
    meta = next(
        (v for k, v in records[0].items() if k.endswith("-metadata") and isinstance(v, dict)),
        {},
    )
    job = str(meta.get("job-name", "")).rpartition("/")[2]
    raise InputError(
        f"a SageMaker Ground Truth output manifest{f' (job {job!r})' if job else ''}: "
        "consolidated labels only, no per-worker labels (those are in its "
        "annotations/worker-response/ files)",
        path=source.path,
        line=int(lines[0]),
    )


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
