"""Errors a user can act on.

Every problem with the input is raised as :class:`InputError`, a
``ValueError`` whose message names the file, the line, the column, the value
and what was expected, in one line.  The CLI prints that line and exits with
code 2.
"""

from __future__ import annotations

__all__ = [
    "InputError",
    "AnonymousVotesError",
    "UnknownSchemeError",
    "DegenerateDataWarning",
    "MAX_MESSAGE",
    "quote",
    "name_list",
    "one_line",
]

#: the longest refusal a user is shown: one line of a terminal or a log
MAX_MESSAGE = 300


def quote(value, width: int = 40) -> str:
    """``repr`` of a value cut to ``width`` characters with ``…``, on one line.

    >>> quote("a" * 100, 10)
    "'aaaaaaaa…"
    """
    text = repr(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def name_list(names, shown: int = 4) -> str:
    """Names joined by commas, cut after ``shown`` of them with a count of the rest.

    >>> name_list(["a", "b", "c", "d", "e", "f"])
    'a, b, c, d, ... (6 in all)'
    """
    names = [quote(n, 30)[1:-1] if isinstance(n, str) else str(n) for n in names]
    if len(names) <= shown:
        return ", ".join(names)
    return ", ".join(names[:shown]) + f", ... ({len(names)} in all)"


def one_line(text: str, limit: int = MAX_MESSAGE) -> str:
    """A message on one line of at most ``limit`` characters: line breaks become
    spaces, and an over-long middle is cut with ``…`` (the start says where, the
    end which flag settles it).

    >>> one_line("a   b")
    'a b'
    >>> len(one_line("x" * 1000))
    300
    """
    text = " ".join(str(text).split())
    if len(text) <= limit:
        return text
    head = (limit - 1) * 2 // 5
    return text[:head] + "…" + text[len(text) - (limit - 1 - head) :]


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
            where.append(f"column {quote(self.column, 60)}")
        if self.value is not None:
            where.append(f"value {quote(self.value)}")
        return one_line((", ".join(where) + ": " if where else "") + self.reason)


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


class UnknownSchemeError(InputError, KeyError):
    """A label scheme that the annotations do not hold.

    One exception for every place that looks a scheme up.  It is an
    :class:`InputError` (hence a ``ValueError``: exit code 2 at the CLI) and
    a ``KeyError`` (a missing key of a mapping of schemes).

    Examples
    --------
    >>> str(UnknownSchemeError("fine", ("coarse",), column="--scheme"))
    "column '--scheme', value 'fine': no scheme 'fine' in these annotations (schemes: coarse)"
    """

    __str__ = BaseException.__str__  # the message as given, not quoted as KeyError does

    def __init__(self, scheme, schemes, *, column=None):
        super().__init__(
            f"no scheme {scheme!r} in these annotations (schemes: {', '.join(schemes)})",
            column=column,
            value=scheme,
        )
