"""Every published value of the reference cases, at its printed precision.

The tables live in ``tests/metric_cases.py`` with their sources.
"""

from __future__ import annotations

import metric_cases as mc
import numpy as np
import pytest

from raer_agreement import Annotations
from raer_agreement.io.frames import from_matrix
from raer_agreement.metrics import (
    agreement_table,
    cohen_kappa,
    fleiss_kappa,
    fleiss_kappa_h0,
    krippendorff_alpha,
    per_class_agreement,
    percent_agreement,
    randolph_kappa,
    two_rater_coefficients,
)


def printed_tol(expected: float) -> float:
    """Half a unit in the last printed decimal of ``expected``."""
    text = repr(float(expected))
    decimals = len(text.split(".")[1]) if "." in text and "e" not in text else 12
    return max(0.5 * 10.0**-decimals, 1e-12) * (1 + 1e-9)


def check(actual, expected, what=""):
    assert abs(float(actual) - float(expected)) <= printed_tol(expected), (
        f"{what}: {actual!r} differs from published {expected!r}"
    )


def matrix(rows, orientation="items_x_raters", categories=(1, 2, 3, 4, 5)):
    data = [[np.nan if v is None else v for v in r] for r in rows]
    return from_matrix(data, orientation=orientation, categories=list(categories))


def from_table(table, categories=None):
    """Two-rater Annotations from a contingency table (rows rater A)."""
    t = np.asarray(table)
    q = t.shape[0]
    pairs = [(k, l) for k in range(q) for l in range(q) for _ in range(int(t[k, l]))]
    cats = categories or list(range(1, q + 1))
    return from_matrix([[cats[k], cats[l]] for k, l in pairs], categories=cats)


# ---------------------------------------------------------------- Krippendorff
@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_krippendorff_2011_alpha(level):
    ann = matrix(mc.KRIPPENDORFF_2011, "raters_x_items")
    check(
        krippendorff_alpha(ann, level=level)["estimate"], mc.KRIPPENDORFF_2011_ALPHA[level], level
    )


@pytest.mark.parametrize("level", ["nominal", "interval"])
def test_wikipedia_krippendorff_alpha(level):
    ann = matrix(mc.WIKIPEDIA_KRIPPENDORFF, "raters_x_items", categories=(1, 2, 3, 4))
    check(
        krippendorff_alpha(ann, level=level)["estimate"],
        mc.WIKIPEDIA_KRIPPENDORFF_ALPHA[level],
        level,
    )


# ---------------------------------------------------------------- irrCAC
@pytest.mark.parametrize("coef", sorted(mc.CAC_RAW4RATERS_EXPECTED))
def test_irrcac_raw4raters(coef):
    ann = matrix(mc.CAC_RAW4RATERS)
    with np.errstate(all="ignore"):
        t = agreement_table(ann, n_boot=0).set_index("coefficient")
    exp = mc.CAC_RAW4RATERS_EXPECTED[coef]
    row = t.loc[coef]
    check(row["estimate"], exp["estimate"], f"{coef} estimate")
    check(row["se"], exp["se"], f"{coef} se")
    check(row["ci_low"], exp["ci"][0], f"{coef} ci_low")
    check(row["ci_high"], exp["ci"][1], f"{coef} ci_high")
    for k in ("pa", "pe"):
        if k in exp:
            check(row[k], exp[k], f"{coef} {k}")


def test_krippendorff_layout_gives_same_pooled_values():
    """The Krippendorff layout differs only in who cast unit 12's single vote."""
    a = agreement_table(matrix(mc.KRIPPENDORFF_2011, "raters_x_items"), n_boot=0).set_index(
        "coefficient"
    )
    for coef in (
        "percent_agreement",
        "gwet_ac1",
        "fleiss_kappa",
        "krippendorff_alpha",
        "brennan_prediger",
    ):
        exp = mc.CAC_RAW4RATERS_EXPECTED[coef]
        check(a.loc[coef, "estimate"], exp["estimate"], coef)
        check(a.loc[coef, "se"], exp["se"], coef)


# ---------------------------------------------------------------- Fleiss
def test_wikipedia_fleiss():
    ann = Annotations.from_counts(mc.WIKIPEDIA_FLEISS_COUNTS)
    for name, fn in (
        ("fleiss_kappa", fleiss_kappa),
        ("randolph_kappa", randolph_kappa),
        ("percent_agreement", percent_agreement),
    ):
        check(fn(ann)["estimate"], mc.WIKIPEDIA_FLEISS_EXPECTED[name], name)


def test_fleiss_1971():
    ann = matrix(mc.FLEISS_1971)
    exp = mc.FLEISS_1971_EXPECTED
    check(fleiss_kappa(ann)["estimate"], exp["fleiss_kappa"], "kappa")
    h0 = fleiss_kappa_h0(ann)
    check(h0["se_h0"], exp["se_h0"], "se_h0")
    check(h0["z"], exp["z"], "z")
    pc = per_class_agreement(ann)
    for k, (kj, tot) in enumerate(zip(exp["per_category_kappa"], exp["category_totals"])):
        check(pc["fleiss_kappa"].iloc[k], kj, f"category {k + 1}")
        assert pc["n_ratings"].iloc[k] == tot


# ---------------------------------------------------------------- two raters
def test_sas_cohen():
    exp = mc.SAS_COHEN_EXPECTED
    r = two_rater_coefficients(mc.SAS_COHEN_TABLE, dist="normal").loc["cohen_kappa"]
    check(r["estimate"], exp["estimate"], "kappa")
    check(r["se"], exp["se"], "se")
    check(r["ci_low"], exp["ci"][0], "ci_low")
    check(r["ci_high"], exp["ci"][1], "ci_high")
    check(r["se_h0"], exp["se_h0"], "se_h0")
    check(r["z"], exp["z"], "z")
    # the same through Annotations
    r2 = cohen_kappa(from_table(mc.SAS_COHEN_TABLE), dist="normal")
    check(r2["estimate"], exp["estimate"], "kappa from ratings")
    check(r2["se"], exp["se"], "se from ratings")


@pytest.mark.parametrize("coef", sorted(mc.GWET_ABSTRACTORS_EXPECTED))
def test_gwet_abstractors(coef):
    t = two_rater_coefficients(mc.GWET_ABSTRACTORS)
    for field, value in mc.GWET_ABSTRACTORS_EXPECTED[coef].items():
        check(t.loc[coef, field], value, f"{coef} {field}")


def test_gwet_abstractors_multi_rater_path_agrees():
    """The multi-rater code path on the same ratings gives the same estimates."""
    ann = from_table(mc.GWET_ABSTRACTORS)
    t = agreement_table(ann, n_boot=0).set_index("coefficient")
    exp = mc.GWET_ABSTRACTORS_EXPECTED
    check(
        t.loc["fleiss_kappa", "estimate"],
        exp["scott_pi"]["estimate"],
        "Fleiss = Scott for two raters",
    )
    check(t.loc["gwet_ac1", "estimate"], exp["gwet_ac1"]["estimate"], "AC1")
    check(t.loc["krippendorff_alpha", "estimate"], exp["krippendorff_alpha"]["estimate"], "alpha")
    check(t.loc["mean_cohen_kappa", "estimate"], exp["cohen_kappa"]["estimate"], "Cohen")
    check(
        t.loc["conger_kappa", "estimate"],
        exp["cohen_kappa"]["estimate"],
        "Conger = Cohen for two raters",
    )
    check(t.loc["brennan_prediger", "estimate"], exp["brennan_prediger"]["estimate"], "BP")


@pytest.mark.parametrize("case", ["A", "B"])
def test_kappa_paradox(case):
    table = mc.PARADOX_A if case == "A" else mc.PARADOX_B
    t = two_rater_coefficients(table)
    for coef, value in mc.PARADOX_EXPECTED[case].items():
        check(t.loc[coef, "estimate"], value, coef)
