"""Errors a user can act on.

Every problem with the input is raised as :class:`InputError`, a
``ValueError`` whose message names the file, the line, the column, the value
and what was expected, in one line.  The CLI prints that line and exits with
code 2.
"""

from __future__ import annotations

__all__ = ["InputError", "AnonymousVotesError", "DegenerateDataWarning"]


class InputError(ValueError):
    """Bad input: one clear line naming where and what.

    Parameters
    ----------
    message : str
        What is wrong and what was expected.
    path : str, optional
        The file, when the input came from one.
    line : int, optional
        1-based line of the file (the header is line 1 of a CSV).
    column : str, optional
        The column (or JSON field) holding the bad value.
    value : object, optional
        The offending value, shown with ``repr``.

    Examples
    --------
    >>> str(InputError("not a category of scheme 'coarse'", path="r.csv",
    ...                line=7, column="label", value="Neutral"))
    "r.csv, line 7, column 'label', value 'Neutral': not a category of scheme 'coarse'"
    """

    def __init__(self, message, *, path=None, line=None, column=None, value=None):
        self.path = None if path is None else str(path)
        self.line = line
        self.column = column
        self.value = value
        self.reason = message
        super().__init__(self._format())

    def _format(self) -> str:
        where = []
        if self.path is not None:
            where.append(self.path)
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        if self.value is not None:
            where.append(f"value {self.value!r}")
        return (", ".join(where) + ": " if where else "") + self.reason


class DegenerateDataWarning(RuntimeWarning):
    """A statistic is undefined on this data (reason in the message); it is nan."""


class AnonymousVotesError(InputError):
    """A statistic or model needs annotator identities, and the votes are anonymous.

    Raised by every identity-based quantity (Cohen/Light, Conger,
    per-annotator and pairwise tables, leave-one-out influence, Dawid-Skene
    and relatives) on :class:`~raer_agreement.Annotations` whose
    ``anonymous`` flag is set (counts tables, files read with
    ``anonymous=True``).  The CLI prints the line and exits with code 2.

    Examples
    --------
    >>> str(AnonymousVotesError("Conger's kappa"))
    "Conger's kappa needs annotator identities, but these votes are anonymous (no annotator ids, as in a counts table)"
    """

    def __init__(self, what: str):
        super().__init__(
            f"{what} needs annotator identities, but these votes are anonymous "
            "(no annotator ids, as in a counts table)"
        )
