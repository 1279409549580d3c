"""Rounding noise is not printed as a finding: values that are 0 in exact arithmetic are 0."""

from __future__ import annotations

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import proportion_confint

from raer_agreement.aggregation.triage import gold_accuracy
from raer_agreement.metrics._core import chance_corrected


def test_wilson_bounds_are_exact_at_the_ends_and_match_statsmodels():
    # annotator a: 0 of 3 right on gold; b: 3 of 3; c: 2 of 3
    rows = [("g1", "a", "y"), ("g2", "a", "x"), ("g3", "a", "x")]
    rows += [(f"g{i}", "b", lab) for i, lab in ((1, "x"), (2, "y"), (3, "y"))]
    rows += [(f"g{i}", "c", lab) for i, lab in ((1, "x"), (2, "y"), (3, "x"))]
    df = pd.DataFrame(rows, columns=["item", "annotator", "label"])
    acc = gold_accuracy(df, {"g1": "x", "g2": "y", "g3": "y"})
    assert acc.loc["a", "ci_low"] == 0.0 and acc.loc["b", "ci_high"] == 1.0
    for who, k in (("a", 0), ("b", 3), ("c", 2)):
        lo, hi = proportion_confint(k, 3, alpha=0.05, method="wilson")
        assert (
            abs(acc.loc[who, "ci_low"] - lo) < 1e-12 and abs(acc.loc[who, "ci_high"] - hi) < 1e-12
        )
    assert str(acc.loc["a", "ci_low"]) == "0.0"


def test_chance_corrected_is_exactly_zero_when_pa_equals_pe_up_to_rounding():
    pa = np.array([0.1 + 0.2, 0.7, 0.5])
    pe = np.array([0.3, 0.7 + 1e-15, 0.4])
    k = chance_corrected(pa, pe)
    assert k[0] == 0.0 and k[1] == 0.0 and abs(k[2] - (0.1 / 0.6)) < 1e-12
