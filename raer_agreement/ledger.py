"""The ledger: an account of every input row, used or dropped, and why.

Rows read = rows used + rows dropped, always; the loaders build a
:class:`Ledger` and every output carries it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from .wording import ITEM, ITEMS, count, fmt, reason_name

__all__ = ["Ledger", "LedgerEntry"]


@dataclass(frozen=True)
class LedgerEntry:
    """Rows dropped (or flagged) for one reason.

    Attributes
    ----------
    reason : str
        Short machine-readable key, e.g. ``"missing_label"``.
    count : int
        Number of input rows concerned.
    detail : str
        A sentence a person can read.
    lines : tuple of int
        Up to 20 example line numbers (1-based, header is line 1).
    dropped : bool
        True when the rows were dropped, False when they were kept and flagged.
    """

    reason: str
    count: int
    detail: str
    lines: tuple = ()
    dropped: bool = True

    def __post_init__(self):
        # several ratings can come from one line (a counts row): name each line once
        object.__setattr__(self, "lines", tuple(dict.fromkeys(int(x) for x in self.lines)))

    @classmethod
    def of_rows(cls, reason: str, mask, lines, detail: str) -> LedgerEntry:
        """The entry of the rows where ``mask`` is true, with their first 20 lines.

        >>> import numpy as np
        >>> LedgerEntry.of_rows("spam", np.array([True, False, True]), np.array([2, 3, 4]), "x")
        LedgerEntry(reason='spam', count=2, detail='x', lines=(2, 4), dropped=True)
        """
        return cls(reason, int(mask.sum()), detail, tuple(lines[mask][:20].tolist()))

    def to_dict(self) -> dict[str, Any]:
        return {
            "reason": self.reason,
            "count": int(self.count),
            "detail": self.detail,
            "example_lines": [int(x) for x in self.lines],
            "dropped": self.dropped,
        }


@dataclass(frozen=True)
class Ledger:
    """What was read, used and dropped.

    Attributes
    ----------
    sources : tuple of str
        Files (or ``"<DataFrame>"``) read, in order.
    rows_read : int
        Ratings read (one per data row of a long file; annotations for Label
        Studio), the unit of the account ``rows_used + rows_dropped``.
    entries : tuple of LedgerEntry
        Drops and flags, one entry per reason.
    notes : tuple of str
        Other facts (label normalisations, inferred formats).
    anonymous : bool
        True when the input does not say who cast each vote (counts tables,
        ``--anonymous``): ``n_annotators`` is then unknown.
    file_rows : int or None
        Data rows of the input files when one row can hold several ratings
        (counts tables, wide tables, lists in cells); None when every row is
        one rating (``rows_read`` then counts both).

    Examples
    --------
    >>> led = Ledger(("fer.csv",), rows_read=358869, file_rows=35887)
    >>> led.summary().splitlines()[1]
    'rows read: 35,887 -> 358,869 ratings'
    """

    sources: tuple = ()
    rows_read: int = 0
    entries: tuple = ()
    notes: tuple = ()
    n_items: int = 0
    n_annotators: int = 0
    ratings_per_item: dict = field(default_factory=dict)
    anonymous: bool = False
    file_rows: int | None = None

    @property
    def rows_in_files(self) -> int:
        """Data rows of the input files (``rows_read`` when each row is one rating)."""
        return int(self.rows_read if self.file_rows is None else self.file_rows)

    @property
    def expanded(self) -> bool:
        """True when the file rows and the ratings they gave differ in number."""
        return self.file_rows is not None and int(self.file_rows) != int(self.rows_read)

    @property
    def rows_dropped(self) -> int:
        return int(sum(e.count for e in self.entries if e.dropped))

    @property
    def rows_used(self) -> int:
        return int(self.rows_read - self.rows_dropped)

    @property
    def dropped_by_reason(self) -> dict[str, int]:
        return {e.reason: int(e.count) for e in self.entries if e.dropped}

    def with_counts(self, *, n_items, n_annotators, ratings_per_item) -> Ledger:
        return replace(
            self,
            n_items=int(n_items),
            n_annotators=int(n_annotators),
            ratings_per_item=dict(ratings_per_item),
        )

    def merged(self, other: Ledger) -> Ledger:
        """Ledger of two inputs read one after the other."""
        return Ledger(
            self.sources + other.sources,
            self.rows_read + other.rows_read,
            self.entries + other.entries,
            self.notes + other.notes,
            anonymous=self.anonymous and other.anonymous,
            file_rows=(
                None
                if self.file_rows is None and other.file_rows is None
                else self.rows_in_files + other.rows_in_files
            ),
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary (used by every output)."""
        return {
            "sources": list(self.sources),
            "rows_read": int(self.rows_read),
            "rows_used": self.rows_used,
            "rows_dropped": self.rows_dropped,
            "file_rows_read": self.rows_in_files,
            "ratings_read": int(self.rows_read),
            "dropped": [e.to_dict() for e in self.entries if e.dropped],
            "flagged": [e.to_dict() for e in self.entries if not e.dropped],
            "notes": list(self.notes),
            "n_items": int(self.n_items),
            "n_annotators": None if self.anonymous else int(self.n_annotators),
            "anonymous": bool(self.anonymous),
            "ratings_per_item": {k: float(v) for k, v in self.ratings_per_item.items()},
        }

    def reading(self) -> str:
        """The rows read, and the ratings they gave when that differs:
        ``"35,887 -> 358,869 ratings"`` for a counts table, ``"315"`` for a long file."""
        rows = count(self.rows_in_files)
        return f"{rows} -> {count(self.rows_read)} ratings" if self.expanded else rows

    def summary(self) -> str:
        """Plain-text account, as ``raer-agreement validate`` prints it."""
        unit = "ratings" if self.expanded else "rows"
        lines = [
            f"sources: {', '.join(self.sources) or '-'}",
            f"rows read: {self.reading()}",
            f"{unit} used: {count(self.rows_used)}",
            f"{unit} dropped: {count(self.rows_dropped)}",
        ]
        for e in self.entries:
            tag = "dropped" if e.dropped else "flagged"
            ex = f" (e.g. line {', '.join(map(str, e.lines[:5]))})" if e.lines else ""
            lines.append(f"  {tag} {count(e.count):>7} {reason_name(e.reason)}: {e.detail}{ex}")
        lines.append(f"{ITEMS}: {count(self.n_items)}")
        lines.append(
            "annotators: unknown (anonymous votes)"
            if self.anonymous
            else f"annotators: {count(self.n_annotators)}"
        )
        if self.ratings_per_item:
            r = self.ratings_per_item
            lines.append(
                f"ratings per {ITEM}: min {count(r['min'], 1)}, median {count(r['median'], 1)}, "
                f"mean {fmt(r['mean'], 2)}, max {count(r['max'], 1)}"
            )
        for n in self.notes:
            lines.append(f"note: {n}")
        return "\n".join(lines)
