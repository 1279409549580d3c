"""Decide a table's layout from its content, never by a silent guess.

A ratings table comes in one of a few shapes, and the same bytes can look
like several of them.  :func:`decide_layout` weighs the evidence:

* platform headers (Amazon Mechanical Turk, Toloka, Figure Eight / Appen)
  name the platform's layout;
* an annotator column means *long* (one row per rating);
* non-negative whole numbers in several columns whose row sums are nearly
  constant, or equal a total column, or whose headers are the declared
  categories, mean *counts* (one row per item, one column per category);
* cells holding a small set of label-like values mean *wide* (one row per
  item, one column per annotator);
* item ids repeated over rows with no annotator column mean anonymous
  ratings, one per row.

When the evidence points two ways the table is refused with one line naming
the candidates and the ``--format`` (or ``--anonymous``) flag that settles
it.  The decision and its evidence are written to the ledger.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import InputError, name_list
from ..taxonomy import NA_STRINGS
from .long import ANNOTATOR_COLUMNS, ITEM_COLUMNS, LABEL_COLUMNS, find_column
from .readers import platform_of

__all__ = [
    "Decision",
    "TableProfile",
    "decide_layout",
    "platform_of",
    "profile_table",
    "ITEM_ID_COLUMNS",
    "ROW_NAMES",
]

#: column names that hold an item id, beyond the long layout's own list
ITEM_ID_COLUMNS = (
    *ITEM_COLUMNS,
    "image_name",
    "filename",
    "file_name",
    "clipname",
    "clip_name",
    "file",
    "path",
    "name",
    "sentence_id",
    "text_id",
)
#: the name given to R's unnamed first column of row names (``write.csv``)
ROW_NAMES = "row_name"

# derived per-item summaries written beside vote counts (CREMA-D's
# tabulatedVotes: numResponses, agreement, emoVote, meanEmoResp, ...), matched
# on whole words of the header: "moderate", "propaganda" and "totally_agree"
# are categories, not a mode, a proportion or a total
_DERIVED_FIRST = frozenset(
    "num total sum count agreement mean median std sd var variance share prop proportion "
    "pct percent ratio entropy majority mode".split()
)
_DERIVED_LAST = frozenset("vote votes mean median std share prop agreement".split())


def header_words(name: str) -> list:
    """The words of a header: split at ``_``, ``-``, ``.``, spaces and
    camelCase humps, lower-cased.

    >>> header_words("meanEmoResp"), header_words("n_votes"), header_words("totally agree")
    (['mean', 'emo', 'resp'], ['n', 'votes'], ['totally', 'agree'])
    """
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", str(name))
    return [w.lower() for w in re.split(r"[\s_.\-]+", spaced) if w]


def _derived_name(name: str) -> bool:
    """Whether a header names a derived per-item summary (a total, a share, a
    majority), by its first or last whole word.

    >>> [_derived_name(h) for h in ("numResponses", "emoVote", "n_votes", "N", "moderate")]
    [True, True, True, False, False]
    """
    words = header_words(name)
    if not words:
        return False
    first = words[0] in _DERIVED_FIRST or (words[0] == "n" and len(words) > 1)  # n_votes, not N
    return first or words[-1] in _DERIVED_LAST


_BOOL = {"0", "1", "true", "false"}
# a column that says how many votes a row holds
_TOTAL = re.compile(
    r"^(total|count|n|sum|num_?(votes|ratings|annotations|judgments|judgements|responses|"
    r"annotators|raters)|n_?(votes|ratings|annotations|annotators|raters)|(vote|rating)s?_?count)$",
    re.IGNORECASE,
)
# a header that names an annotator, not a category: a bare number or an id with a
# rater word or a one-letter prefix (r1, rater_2, ann3, coder A, W17)
_ANNOTATOR_LIKE = re.compile(
    r"^(?:[rawjc][ _-]?[0-9]{1,4}|(?:rater|ann|annot|annotator|coder|worker|judge|labell?er|"
    r"user|observer|participant)[ _-]?[0-9a-z]{1,3}|[0-9]+)$",
    re.IGNORECASE,
)


@dataclass
class Decision:
    """The layout chosen for a table and why.

    Attributes
    ----------
    layout : str
        ``long``, ``wide``, ``counts``, ``mturk``, ``toloka`` or ``appen``.
    evidence : str
        One sentence: what in the content decided it.
    item_col : str or None
        Item id column (``None``: items are numbered by row).
    count_cols : list of str
        For counts: the vote-count columns, in file order.
    derived_cols : list of str
        For counts: columns ignored as derived summaries (shares, totals...).
    meta_cols : list of str
        For counts and wide: other per-item columns kept as item metadata.
    """

    layout: str
    evidence: str
    item_col: str | None = None
    count_cols: list = field(default_factory=list)
    derived_cols: list = field(default_factory=list)
    meta_cols: list = field(default_factory=list)

    @property
    def note(self) -> str:
        return f"layout: {self.layout} ({self.evidence})"


@dataclass
class TableProfile:
    """What each column of a string table holds.

    Attributes
    ----------
    kinds : dict of column -> str
        ``count`` (non-negative whole numbers, none missing), ``number``
        (other numbers), ``text`` (anything else), ``empty``.
    has_missing : dict of column -> bool
    n_distinct : dict of column -> int
    n_rows : int
    n_present : dict of column -> int
        Non-missing values per column.
    """

    kinds: dict
    has_missing: dict
    n_distinct: dict
    n_rows: int
    n_present: dict = field(default_factory=dict)


def _clean(series: pd.Series) -> pd.Series:
    s = series.astype("string").str.strip()
    return s.mask(s.isin(NA_STRINGS) | (s == ""))


def profile_table(frame: pd.DataFrame) -> TableProfile:
    """Column kinds of a table of strings, computed on distinct values."""
    kinds, missing, distinct, present = {}, {}, {}, {}
    for c in frame.columns:
        s = _clean(frame[c])
        present[c] = int(s.notna().sum())
        miss = present[c] < len(s)
        uniq = pd.unique(s.dropna())
        distinct[c] = len(uniq)
        missing[c] = miss
        if not len(uniq):
            kinds[c] = "empty"
            continue
        num = pd.to_numeric(pd.Series(uniq, dtype=object), errors="coerce")
        if num.isna().any():
            kinds[c] = "text"
        elif (num >= 0).all() and (num % 1 == 0).all() and not miss:
            kinds[c] = "count"
        else:
            kinds[c] = "number"
    return TableProfile(kinds, missing, distinct, len(frame), present)


def _item_column(frame, profile, explicit, exclude=()) -> str | None:
    if explicit is not None:
        if explicit not in frame.columns:
            raise InputError(
                f"item column not found; columns are: {name_list(frame.columns, 8)}",
                line=1,
                column=explicit,
            )
        return explicit
    cols = [c for c in frame.columns if c not in exclude]
    named = find_column(cols, ITEM_ID_COLUMNS)
    if named is not None:
        return named
    # the text column with the most distinct values, if nearly unique
    texts = [c for c in cols if profile.kinds[c] == "text" and c != ROW_NAMES]
    if texts:
        best = max(texts, key=lambda c: profile.n_distinct[c])
        if profile.n_distinct[best] >= 0.5 * profile.n_rows:
            return best
    if ROW_NAMES in cols:
        return ROW_NAMES
    return None


def _row_sums(frame, cols) -> np.ndarray:
    return (
        np.column_stack([pd.to_numeric(_clean(frame[c])).to_numpy(float) for c in cols])
        .sum(axis=1)
        .astype(float)
    )


def _counts_evidence(frame, profile, item_col, declared):
    """Vote-count columns, derived columns and the reasons they look like counts."""
    # R's row names number the rows: never a category
    others = [c for c in frame.columns if c != item_col and c != ROW_NAMES]
    declared_norm = {str(c).strip().casefold() for c in declared or ()}
    ints = [c for c in others if profile.kinds[c] == "count"]
    derived = [c for c in others if profile.kinds[c] == "number"]
    named = [c for c in ints if _derived_name(str(c)) and str(c).casefold() not in declared_norm]
    counts = [c for c in ints if c not in named]
    reasons: dict = {}
    if declared_norm:
        hits = [c for c in others if str(c).strip().casefold() in declared_norm]
        if len(hits) >= 2 and len(hits) >= len(declared_norm) // 2:
            derived = [c for c in others if c not in hits and profile.kinds[c] != "text"]
            return hits, derived, {"declared": f"headers name {len(hits)} declared categories"}
    # a column numbering the rows (a written index) is no category
    named += [c for c in counts if _row_numbers(frame, c)]
    counts = [c for c in counts if c not in named]
    codes = _majority_code_columns(frame, counts)
    if codes:
        counts = [c for c in counts if c not in codes]
        named += codes
        reasons["codes"] = (
            f"column(s) {', '.join(map(repr, codes))} hold the position of each row's largest "
            "count (a derived majority label, not a category)"
        )
    if len(counts) < 2:
        return counts, derived + named, reasons
    sums = _row_sums(frame, counts)
    # a column equal to the row sum of the others is a total, not a category
    for c in list(counts):
        v = pd.to_numeric(_clean(frame[c])).to_numpy(float)
        if len(counts) > 2 and np.array_equal(v, sums - v):
            counts.remove(c)
            named.append(c)
            sums = sums - v
            reasons["total"] = f"column {c!r} equals the row sum of the vote columns"
            break
    for c in named:
        v = pd.to_numeric(_clean(frame[c])).to_numpy(float)
        if np.array_equal(v, sums) and "total" not in reasons:
            reasons["total"] = f"column {c!r} equals the row sum of the vote columns"
    totals = [c for c in named if _TOTAL.match(str(c).strip()) and c not in codes]
    if totals and "total" not in reasons:
        v = _numbers(frame, totals[0])
        k = int(np.flatnonzero(v != sums)[0])
        reasons["mismatch"] = (
            f"the count columns ({name_list(counts)}) do not add up to the total column "
            f"{totals[0]!r} (data row {k + 1}: {sums[k]:g} votes, total {v[k]:g})"
        )
    med = float(np.median(sums)) if len(sums) else 0.0
    lo, hi = np.quantile(sums, [0.05, 0.95]) if len(sums) else (0.0, 0.0)
    if med >= 2 and (hi - lo) <= 0.5 * med:
        reasons["constant"] = (
            f"row sums are nearly constant (median {med:g}, 90% within {lo:g}..{hi:g})"
        )
    values = np.column_stack([pd.to_numeric(_clean(frame[c])).to_numpy(float) for c in counts])
    zero_share = float((values == 0).mean())
    if zero_share >= 0.25:
        reasons["sparse"] = f"{zero_share:.0%} of the cells are 0"
    elif zero_share >= 0.05 and not any(_ANNOTATOR_LIKE.match(str(c).strip()) for c in counts):
        # fewer zeros (few classes, many votes), but the headers are words, and
        # annotators' numeric labels would rarely sum to a constant with zeros among them
        reasons["named"] = (
            f"headers name categories, not annotators ({', '.join(map(str, counts[:4]))}"
            f"{', ...' if len(counts) > 4 else ''}); {zero_share:.0%} of the cells are 0"
        )
    return counts, derived + named, reasons


def _row_numbers(frame, c) -> bool:
    """True when a column holds 0..n-1 or 1..n in row order (n >= 10)."""
    v = _numbers(frame, c)
    n = len(v)
    return n >= 10 and bool(
        np.array_equal(v, np.arange(n)) or np.array_equal(v, np.arange(1, n + 1))
    )


def _numbers(frame, c) -> np.ndarray:
    return pd.to_numeric(_clean(frame[c]), errors="coerce").to_numpy(float)


def _majority_code_columns(frame, counts) -> list:
    """Whole-number columns that hold, on nearly every row with one largest count,
    the position (0..q-1 or 1..q) of that count among the other columns: a
    derived majority label (the ``class`` of a hate-speech counts table).

    >>> t = pd.DataFrame({"a": ["3", "0", "1", "4", "0"], "b": ["0", "3", "2", "0", "1"],
    ...                   "c": ["1", "0", "0", "1", "5"], "class": ["0", "1", "1", "0", "2"]})
    >>> _majority_code_columns(t, ["a", "b", "c", "class"])
    ['class']
    """
    if len(counts) < 3:
        return []
    found: list = []
    for c in counts:
        rest = [o for o in counts if o != c and o not in found]
        if len(rest) < 2:
            break
        v = _numbers(frame, c)
        if np.nanmax(v, initial=0) > len(rest):
            continue
        values = np.column_stack([_numbers(frame, o) for o in rest])
        top = values.max(axis=1, keepdims=True)
        unique = (values == top).sum(axis=1) == 1
        if unique.sum() < 5:
            continue
        arg = values.argmax(axis=1)[unique]
        if max(np.mean(v[unique] == arg), np.mean(v[unique] == arg + 1)) >= 0.9:
            found.append(c)
    return found


def decide_layout(
    frame: pd.DataFrame,
    *,
    item_col: str | None = None,
    annotator_col: str | None = None,
    label_cols: Sequence[str] = (),
    scheme_names: Sequence[str] = (),
    declared: Sequence[str] | None = None,
    anonymous: bool = False,
    forced: str | None = None,
) -> Decision:
    """Choose the layout of a table of strings from its content.

    Parameters
    ----------
    frame : DataFrame, shape (n_rows, n_columns)
        The table, values as strings.
    item_col, annotator_col : str, optional
        Columns named by the user.
    label_cols : sequence of str
        Label columns named by the user.
    scheme_names : sequence of str
        Scheme names of the taxonomy in force (a column so named is a label).
    declared : sequence of str, optional
        Declared categories of a single scheme.
    anonymous : bool
        The user said the rows are ratings by unknown annotators.
    forced : str, optional
        A layout chosen with ``--format``: the evidence is still gathered
        (a counts table needs its columns sorted out) but not second-guessed.

    Returns
    -------
    Decision

    Raises
    ------
    InputError
        When the evidence is ambiguous: names the candidates and the flag.

    Examples
    --------
    >>> t = pd.DataFrame({"clip": ["a", "b", "c"], "happy": ["3", "0", "1"],
    ...                   "sad": ["0", "3", "2"]})
    >>> decide_layout(t).layout
    'counts'
    >>> w = pd.DataFrame({"clip": ["a", "b"], "ann1": ["happy", "sad"], "ann2": ["happy", ""]})
    >>> decide_layout(w).layout
    'wide'
    """
    columns = [str(c) for c in frame.columns]
    if forced in (None, "auto"):
        named = _layout_from_names(columns, annotator_col, label_cols, scheme_names, anonymous)
        if named is not None:
            return named
    elif forced not in ("counts", "wide"):
        return Decision(forced, "chosen with --format")

    profile = profile_table(frame)
    item = _item_column(frame, profile, item_col)
    counts, derived, reasons = _counts_evidence(frame, profile, item, declared)
    meta = [c for c in columns if c != item and c not in counts and c not in derived]
    chosen = _forced_layout(forced, reasons, item, counts, derived, meta)
    if chosen is not None:
        return chosen
    return _layout_from_content(frame, profile, item, counts, derived, reasons, meta)


def _layout_from_names(columns, annotator_col, label_cols, scheme_names, anonymous):
    """The layout the column names settle (a platform's export, an annotator or a
    label column, ``--anonymous``); None when the content must decide."""
    platform = platform_of(columns)
    if platform is not None:
        return Decision(platform, f"{platform} export columns")
    if annotator_col or find_column(columns, ANNOTATOR_COLUMNS):
        col = annotator_col or find_column(columns, ANNOTATOR_COLUMNS)
        return Decision("long", f"annotator column {col!r}")
    if anonymous:
        return Decision("long", "anonymous ratings, one per row (--anonymous)")
    if (
        any(c in columns for c in label_cols)
        or find_column(columns, LABEL_COLUMNS)
        or any(c.strip() in scheme_names for c in columns)
    ):
        # a label column without an annotator column: the long reader says what is missing
        return Decision("long", "a label column and no item-per-row evidence")
    return None


def _forced_layout(forced, reasons, item, counts, derived, meta):
    """The layout ``--format counts|wide`` chose, once its columns are sorted out;
    a header/total mismatch refused; None under ``--format auto``."""
    if "mismatch" in reasons and forced in ("counts", None, "auto"):
        raise InputError(
            f"{reasons['mismatch']}: declare the category columns with --categories A,B,C",
            line=1,
        )
    if forced == "counts":
        if len(counts) < 1:
            raise InputError(
                "--format counts: no column holds non-negative whole vote counts", line=1
            )
        return Decision("counts", "chosen with --format", item, counts, derived, meta)
    if forced == "wide":
        return Decision("wide", "chosen with --format", item)

    return None


def _layout_from_content(frame, profile, item, counts, derived, reasons, meta) -> Decision:
    """Counts or wide from the evidence of the values, or a refusal naming the flag."""
    columns = [str(c) for c in frame.columns]
    # share of non-empty item ids that repeat an earlier row's id
    repeated = 0.0
    if item is not None and profile.n_present[item]:
        repeated = 1 - profile.n_distinct[item] / profile.n_present[item]
    n_other = len([c for c in columns if c != item])
    # decisive: declared headers, a total column, or constant sums over sparse cells
    is_counts = len(counts) >= 2 and (
        "declared" in reasons
        or "total" in reasons
        or ("constant" in reasons and ("sparse" in reasons or "named" in reasons))
    )
    evidence = "; ".join(reasons.values())
    # a few ids on two rows happen in real counts tables (FER+ has four);
    # ids repeated throughout mean one row per rating
    if is_counts and repeated < 0.05:
        return Decision("counts", evidence, item, counts, derived, meta)
    if repeated > 0:
        dups = profile.n_present[item] - profile.n_distinct[item]
        raise InputError(
            f"{dups} item id(s) in column {item!r} repeat over rows and there is no annotator "
            "column: if each row is one rating by an unknown annotator pass --anonymous; if "
            "an annotator column exists name it with --annotator-col; for one row per item "
            "pass --format wide or --format counts",
            line=1,
            column=item,
        )
    if len(counts) >= 2 and reasons and len(counts) == n_other - len(derived):
        # some count-like evidence but not enough to decide
        raise InputError(
            f"columns {', '.join(counts[:6])} hold whole numbers that could be vote counts "
            f"({evidence}) or annotators' numeric labels: pass --format counts or "
            "--format wide",
            line=1,
        )
    label_like = [c for c in columns if c != item and profile.kinds[c] != "empty"]
    if not label_like:
        raise InputError(
            "no column besides the item id holds ratings; name the layout with --format", line=1
        )
    n_values = len(
        pd.unique(pd.concat([_clean(frame[c]) for c in label_like], ignore_index=True).dropna())
    )
    if n_values > max(50, 0.5 * profile.n_rows):
        raise InputError(
            f"no annotator column, and the {len(label_like)} other columns hold {n_values} "
            "distinct values, too many for labels: name the layout with --format "
            "(long with --annotator-col, wide, counts) or --anonymous",
            line=1,
        )
    return Decision(
        "wide",
        f"no annotator column; {len(label_like)} columns hold {n_values} distinct label-like "
        "values",
        item,
    )
