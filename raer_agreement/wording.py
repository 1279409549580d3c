"""Words and numbers every output shares: the noun for what is rated, and the one
number formatter (text, JSON-derived pages, reports and the command line).

A core module (it imports nothing from the package), so that the ledger, the
commands and the report pages print a count, a coefficient or a near-zero
bound the same way.
"""

from __future__ import annotations

import math
import re

import numpy as np

__all__ = ["ITEM", "ITEMS", "ZERO", "REASON_NAMES", "reason_name", "fmt", "count", "fixed"]

#: What one rated unit is called in every output (a face, a text or a clip alike:
#: the package's pages name them clips).
ITEM = "clip"
#: Plural of :data:`ITEM`.
ITEMS = "clips"

#: Ledger reasons that read better than their key with spaces (the JSON keeps the key).
REASON_NAMES = {
    "expired_assignment": "expired assignment",
    "rejected_assignment": "rejected assignment",
    "missing_label": "missing label",
    "missing_item": f"missing {ITEM} id",
    "missing_annotator": "missing annotator",
    "duplicate": "duplicate rating",
    "unknown_label": "label outside the scheme",
    "empty_answer": "empty answer",
    "spammer": "flagged as a spammer",
}

_INCONSISTENT = re.compile(r"^inconsistent_(?P<child>[A-Za-z0-9]+)_(?P<parent>[A-Za-z0-9]+)$")


def reason_name(key) -> str:
    """How a ledger reason (or any key) reads in text: the table's entry, the rule an
    ``inconsistent_<child>_<parent>`` reason breaks, else the key with spaces.

    Examples
    --------
    >>> reason_name("expired_assignment"), reason_name("inconsistent_fine_coarse")
    ('expired assignment', 'fine label outside its coarse label')
    """
    key = str(key)
    if key in REASON_NAMES:
        return REASON_NAMES[key]
    m = _INCONSISTENT.match(key)
    if m:
        return f"{m['child']} label outside its {m['parent']} label"
    return key.replace("_", " ")


#: Values this close to zero are zero (round-off of differences and bounds, e.g. a
#: Wilson bound of 5.6e-17): they print as 0, never in scientific notation.
ZERO = 1e-12


def fmt(v, digits: int = 3) -> str:
    """The report's one number formatter.

    Integers with thousands separators; floats with ``digits`` fixed
    decimals (thousands separated, never scientific notation, values within
    :data:`ZERO` of zero and negative zeros as plain zeros); ``None`` and
    non-finite values as an en dash; booleans as yes/no; anything else as
    its text.

    >>> fmt(24711), fmt(0.51159), fmt(5.6e-17), fmt(-5.5e-04), fmt(1234.5, 1)
    ('24,711', '0.512', '0.000', '-0.001', '1,234.5')
    >>> fmt(-0.0001), fmt(float("nan")), fmt(None), fmt(True), fmt(2000.0)
    ('0.000', '–', '–', 'yes', '2,000')
    """
    if v is None:
        return "–"
    if isinstance(v, (bool, np.bool_)):
        return "yes" if v else "no"
    if isinstance(v, (int, np.integer)):
        return f"{int(v):,}"
    if isinstance(v, (float, np.floating)):
        x = float(v)
        if not math.isfinite(x):
            return "–"
        if abs(x) < ZERO:
            x = 0.0
        if x.is_integer() and abs(x) >= 1000:
            return f"{int(x):,}"
        text = f"{x:,.{digits}f}"
        # a value that rounds to zero carries no sign
        return text[1:] if text.startswith("-") and not text.strip("-0.,") else text
    return str(v)


def count(v, digits: int = 3) -> str:
    """A count: an integer with thousands separators, also when it arrives as a
    float with round-off (``1637.9999999999998`` -> ``1,638``).

    A value that is no whole number (a median of 9.5) keeps ``digits`` decimals.

    >>> count(1637.9999999999998), count(24711), count(2.5), count(9.5, 1), count(2e6)
    ('1,638', '24,711', '2.500', '9.5', '2,000,000')
    """
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.integer, np.floating)):
        return fmt(v, digits)
    x = float(v)
    if math.isfinite(x) and abs(x - round(x)) < 1e-6 * max(1.0, abs(x)):
        return f"{int(round(x)):,}"
    return fmt(v, digits)


def fixed(v, digits: int = 3, missing: str = "-") -> str:
    """A fixed-decimal column cell: :func:`fmt` without thousands separators
    (columns of coefficients stay narrow) and ``missing`` for no value.

    >>> fixed(0.51159), fixed(5.6e-17), fixed(-0.0004), fixed(None), fixed(1e-20, 4)
    ('0.512', '0.000', '0.000', '-', '0.0000')
    """
    if v is None or (isinstance(v, (float, np.floating)) and not math.isfinite(float(v))):
        return missing
    if isinstance(v, (float, np.floating, int, np.integer)) and not isinstance(v, (bool, np.bool_)):
        x = float(v)
        if abs(x) < ZERO:
            x = 0.0
        text = f"{x:.{digits}f}"
        return text[1:] if text.startswith("-") and not text.strip("-0.") else text
    return fmt(v, digits)
