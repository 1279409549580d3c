"""One result type: the coefficient functions return the Coefficient that
Analysis reports, readable by attribute and by key."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss

import raer_agreement as ra
from raer_agreement.metrics import Analysis, coefficients, results
from raer_agreement.metrics.cohen import light_kappa

PUBLIC = {
    "percent_agreement": coefficients.percent_agreement,
    "fleiss_kappa": coefficients.fleiss_kappa,
    "randolph_kappa": coefficients.randolph_kappa,
    "brennan_prediger": coefficients.brennan_prediger,
    "gwet_ac1": coefficients.gwet_ac1,
    "conger_kappa": coefficients.conger_kappa,
    "krippendorff_alpha": coefficients.krippendorff_alpha,
    "mean_cohen_kappa": light_kappa,
}


@pytest.fixture(scope="module")
def sample():
    return ra.simulate.load_sample()


@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_functions_return_the_coefficient_analysis_reports(sample, name):
    got = PUBLIC[name](sample, "coarse")
    want = Analysis(sample, "coarse").coefficients([name])[name]
    assert isinstance(got, results.Coefficient) and got.name == name
    assert got.row() == pytest.approx(want.row(), nan_ok=True)


def test_read_by_key_as_the_series_were():
    full = ra.Annotations.from_counts([[3, 0, 1], [0, 4, 0], [2, 1, 1], [1, 1, 2], [0, 0, 4]])
    c = coefficients.fleiss_kappa(full)
    # statsmodels computes Fleiss' kappa from the clips' vote counts (4 votes each)
    assert c["estimate"] == pytest.approx(sm_fleiss(full.counts()), abs=1e-12)
    assert (c["ci_low"], c["ci_high"]) == c.ci and c["n_items"] == c.n_items == 5
    assert dict(c) == c.to_series().to_dict()
    assert list(dict(c)) == list(results.FIELDS)
    with pytest.raises(KeyError, match="a coefficient has estimate"):
        c["kappa"]


def test_series_on_request(sample):
    c = coefficients.coefficient_series("gwet_ac1", sample, "coarse")
    assert isinstance(c, pd.Series) and c.name == "gwet_ac1"
    assert c["estimate"] == coefficients.gwet_ac1(sample, "coarse").estimate


def test_ac2_is_named_ac2(sample):
    ac2 = coefficients.gwet_ac2(sample, "coarse")
    assert ac2.name == "gwet_ac2"
    assert ac2.estimate == coefficients.gwet_ac1(sample, "coarse", weights="quadratic").estimate


def test_repr_says_the_estimate_and_why_undefined():
    ann = ra.Annotations.from_counts([[3, 0], [0, 3], [2, 1]])
    text = repr(coefficients.fleiss_kappa(ann))
    assert text.startswith("Coefficient(fleiss_kappa: 0.55, SE ")  # statsmodels: 0.55
    assert math.isclose(sm_fleiss(np.array([[3, 0], [0, 3], [2, 1]])), 0.55)
    one = ra.Annotations.from_counts([[2, 0], [2, 0]])
    with pytest.warns(ra.DegenerateDataWarning):
        undefined = coefficients.fleiss_kappa(one)
    assert "undefined" in repr(undefined) and math.isnan(undefined.estimate)
