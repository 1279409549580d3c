"""The one number formatter (``raer_agreement.wording``), over any float: no scientific
notation, no signed zero, rounding noise below 1e-12 as 0, counts as integers with
thousands separators; and the command line prints through it."""

from __future__ import annotations

import math
import re
from types import SimpleNamespace

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from raer_agreement.cli import main
from raer_agreement.commands.plan import _table as plan_table
from raer_agreement.wording import ZERO, count, fixed, fmt

FINITE = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e15, max_value=1e15)
DIGITS = st.integers(min_value=0, max_value=6)
GROUPED = re.compile(r"-?\d{1,3}(,\d{3})*")
SCIENTIFIC = re.compile(r"\d[eE][-+]?\d")
SIGNED_ZERO = re.compile(r"-[0.,]+")


@given(FINITE, DIGITS)
def test_fixed_decimals_never_scientific_nor_signed_zero(x, digits):
    for text in (fmt(x, digits), fixed(x, digits)):
        assert not SCIENTIFIC.search(text), text
        assert not SIGNED_ZERO.fullmatch(text), text
    text = fixed(x, digits)
    assert "," not in text
    # the digits shown are the value rounded (half a unit of the last place, plus float slack)
    assert abs(float(text) - x) <= 0.5 * 10.0**-digits + 1e-9 * max(1.0, abs(x))
    if digits:
        assert len(text.split(".")[1]) == digits


@given(st.floats(min_value=-ZERO, max_value=ZERO, exclude_min=True, exclude_max=True), DIGITS)
def test_rounding_noise_is_zero(x, digits):
    zero = "0" if digits == 0 else "0." + "0" * digits
    assert fmt(x, digits) == fixed(x, digits) == zero


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_integers_have_thousands_separators(n):
    assert fmt(n) == count(n) == f"{n:,}"
    assert GROUPED.fullmatch(count(n))
    assert int(count(n).replace(",", "")) == n


@given(
    st.integers(min_value=0, max_value=10**9),
    st.floats(min_value=-1e-12, max_value=1e-12, allow_nan=False),
)
def test_counts_arriving_as_floats_print_as_integers(n, noise):
    x = float(n) * (1 + noise)  # round-off: 1637.9999999999998 and its kind
    assert count(x) == f"{n:,}"
    if n >= 1000:
        assert fmt(float(n)) == f"{n:,}"  # never 1,638.000


@given(FINITE)
def test_grouped_floats_read_back(x):
    text = fmt(x, 3)
    value = float(text.replace(",", ""))
    assert math.isclose(value, x, abs_tol=5e-4 + 1e-12 * abs(x))
    assert GROUPED.fullmatch(text.split(".")[0])


def test_missing_values():
    assert fixed(None) == fixed(float("nan")) == "-"
    assert fmt(None) == fmt(float("inf")) == "–"


def test_plan_table_counts_and_noise():
    per_k = pd.DataFrame(
        {
            "k": [1, 2],
            "n_ratings": [1638.0, 24711.0],
            "n_clips": [1638.0, 2649.0],
            "n_clips_short": [0.0, 0.0],
            "agreement_with_full": [0.8683, 1.0],
            "ci_low": [5.6e-17, 1.0],
            "ci_high": [0.9, 1.0],
            "alpha_ci_width": [None, -3e-13],
        }
    )
    text = plan_table(SimpleNamespace(per_k=per_k))
    assert "1,638" in text and "24,711" in text and "2,649" in text
    assert "1638.000" not in text and not SCIENTIFIC.search(text) and "-0.000" not in text
    assert re.search(r"\b0\.000\b", text)


def test_agreement_text_counts_are_grouped(capsys):
    assert main(["agreement", "--n-boot", "0"]) == 0
    out = capsys.readouterr().out
    # the bundled corpus: 24,711 ratings of 2,649 clips (RAER's published clip count)
    assert out.startswith("24,711 ratings, 2,649 clips, 14 annotators")
    assert not SCIENTIFIC.search(out) and not re.search(r"(?<![\w.])-0\.0+\b", out)
