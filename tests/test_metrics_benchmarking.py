"""Probabilistic benchmarking (Gwet 2014, ch. 6) against irrCAC's published numbers.

Fixtures, with their sources:

* irrCAC R package, vignette "irrCAC-benchmarking" (vignettes/3.benchmarking.Rmd,
  rendered output in 3.benchmarking.html): AC1 of ``cac.raw4raters`` = 0.77544,
  SE 0.14295; ``landis.koch.bf``, ``altman.bf`` and ``fleiss.bf`` cumulative
  membership probabilities printed to 5 decimals.
* irrCAC Python port (afergadis/irrCAC, test/unit/irrCAC/benchmark/test_benchmark.py):
  coefficient 0.67 with SE 0.15 on the same three scales.
"""

from __future__ import annotations

import metric_cases as mc
import numpy as np
import pytest

from raer_agreement.io.frames import from_matrix
from raer_agreement.metrics import agreement_table
from raer_agreement.metrics.benchmarking import (
    SCALES,
    alpha_thresholds,
    benchmark,
    benchmark_table,
    coefficient_benchmarks,
)

# (estimate, se) -> scale -> cumulative probabilities, best band first
IRRCAC_VIGNETTE = {
    "landis_koch": [0.39674, 0.88336, 0.99542, 0.99997, 1.0, 1.0],
    "altman": [0.39674, 0.88336, 0.99542, 0.99997, 1.0],
    "fleiss": [0.54414, 0.99542, 1.0],
}
IRRCAC_VIGNETTE_REACHED = {
    "landis_koch": "moderate",
    "altman": "moderate",
    "fleiss": "intermediate to good",
}
IRRCAC_PY_067_015 = {
    "landis_koch": [0.18168, 0.67511, 0.96356, 0.99912, 1.0, 1.0],
    "altman": [0.18168, 0.67511, 0.96356, 0.99912, 1.0],
    "fleiss": [0.28699, 0.96356, 1.0],
}


@pytest.mark.parametrize("scale", sorted(IRRCAC_VIGNETTE))
def test_irrcac_vignette_cumulative_probabilities(scale):
    r = benchmark(0.77544, 0.14295, scale)
    assert np.round(r.cumulative, 5).tolist() == IRRCAC_VIGNETTE[scale]
    assert r.reached == IRRCAC_VIGNETTE_REACHED[scale]


@pytest.mark.parametrize("scale", sorted(IRRCAC_PY_067_015))
def test_irrcac_python_port_cumulative_probabilities(scale):
    r = benchmark(0.67, 0.15, scale)
    assert np.round(r.cumulative, 5).tolist() == IRRCAC_PY_067_015[scale]


def test_custom_scale_matches_irrcac_python_port():
    # afergadis/irrCAC test_custom_scale: bands listed worst first there
    # (Poor 0-0.3, Acceptable 0.3-0.6, Excellent 0.6-1), cumulative from the top.
    r = benchmark(
        0.67, 0.15, [(0.6, 1.0, "excellent"), (0.3, 0.6, "acceptable"), (0.0, 0.3, "poor")]
    )
    # the Python port prints cumulative sums from the worst band: 0.00691, 0.32488, 1.0
    worst_first = np.cumsum(r.probabilities[::-1])
    np.testing.assert_allclose(worst_first[:2], [0.00691, 0.32488], atol=5e-6)


def test_end_to_end_from_the_package_estimate_and_se():
    # our own AC1 and SE on cac.raw4raters feed the benchmark: the vignette's numbers come out
    data = [[np.nan if v is None else v for v in r] for r in mc.CAC_RAW4RATERS]
    ann = from_matrix(data, categories=[1, 2, 3, 4, 5])
    t = agreement_table(ann, n_boot=0, coefficients=["gwet_ac1"])
    b = benchmark_table(t)
    lk = b[b["scale"] == "landis_koch"]
    # the vignette fed 5-decimal inputs; ours are unrounded, so allow one unit in the 5th decimal
    np.testing.assert_allclose(lk["cumulative"], IRRCAC_VIGNETTE["landis_koch"], atol=1.5e-5)
    assert lk.loc[lk["reached"], "band"].tolist() == ["moderate"]


def test_probabilities_sum_to_one_and_json_shape():
    doc = coefficient_benchmarks(0.41, 0.07)
    assert set(doc) == set(SCALES)
    for scale, entry in doc.items():
        assert set(entry) == {"probabilities", "reached"}
        assert list(entry["probabilities"]) == [b[2] for b in SCALES[scale]]
        assert sum(entry["probabilities"].values()) == pytest.approx(1.0)


def test_zero_and_missing_se():
    assert benchmark(0.65, 0.0, "landis_koch").reached == "substantial"
    r = benchmark(float("nan"), 0.1)
    assert r.reached is None and all(np.isnan(r.probabilities))
    assert coefficient_benchmarks(0.5, None, ["fleiss"])["fleiss"] == {
        "probabilities": {"excellent": None, "intermediate to good": None, "poor": None},
        "reached": None,
    }


def test_tight_se_agrees_with_fixed_cutoffs():
    # with a negligible SE, the band reached is the fixed Landis & Koch band
    from raer_agreement.metrics import landis_koch

    for v in (-0.3, 0.1, 0.3, 0.5, 0.7, 0.9):
        assert benchmark(v, 1e-6, "landis_koch").reached == landis_koch(v)


def test_bad_scale_and_threshold():
    with pytest.raises(ValueError, match="unknown benchmark scale"):
        benchmark(0.5, 0.1, "cicchetti")
    with pytest.raises(ValueError, match="threshold"):
        benchmark(0.5, 0.1, threshold=1.5)


def test_alpha_thresholds_from_replicates():
    # half the replicates below 0.667, all of them below 0.800
    r = alpha_thresholds(np.r_[np.full(50, 0.6), np.full(50, 0.7), [np.nan]], 0.65)
    assert r.p_below == (0.5, 1.0)
    assert r.n_boot == 100
    assert r.to_dict()["thresholds"][0] == {"threshold": 0.667, "p_below": 0.5}
    assert np.isnan(alpha_thresholds([]).p_below[0])


def test_alpha_thresholds_match_the_normal_approximation():
    # replicates drawn from N(0.7, 0.05): P(alpha < 0.667) -> Phi(-0.66), P(< 0.8) -> Phi(2)
    from scipy.stats import norm

    reps = np.random.default_rng(0).normal(0.7, 0.05, 200_000)
    r = alpha_thresholds(reps)
    np.testing.assert_allclose(r.p_below, [norm.cdf(-0.66), norm.cdf(2.0)], atol=0.005)


def test_agreement_json_carries_the_benchmark_and_alpha_thresholds(capsys):
    import json
    from importlib import resources

    import jsonschema

    from raer_agreement.cli import main

    data = [[np.nan if v is None else v for v in r] for r in mc.CAC_RAW4RATERS]
    ann = from_matrix(data, categories=[1, 2, 3, 4, 5])
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "raw4.csv"
        ann.to_long().rename(columns={"item_id": "item", "annotator_id": "annotator"}).to_csv(
            p, index=False
        )
        assert (
            main(["agreement", str(p), "--json", "--n-boot", "300", "--categories", "1,2,3,4,5"])
            == 0
        )
    doc = json.loads(capsys.readouterr().out)
    schema = json.loads(
        resources.files("raer_agreement.data_schema").joinpath("agreement.schema.json").read_text()
    )
    jsonschema.validate(doc, schema)
    coefs = doc["schemes"]["label"]["coefficients"]
    ac1 = coefs["gwet_ac1"]["benchmark"]
    cum = np.cumsum(list(ac1["landis_koch"]["probabilities"].values()))
    # irrCAC vignette, landis.koch.bf(0.77544, 0.14295)
    np.testing.assert_allclose(cum, IRRCAC_VIGNETTE["landis_koch"], atol=1.5e-5)
    assert ac1["landis_koch"]["reached"] == coefs["gwet_ac1"]["landis_koch"] == "moderate"
    # Krippendorff's thresholds belong to alpha alone
    assert coefs["gwet_ac1"]["krippendorff_band"] is None
    assert "krippendorff_thresholds" not in coefs["gwet_ac1"]
    th = coefs["krippendorff_alpha"]["krippendorff_thresholds"]
    assert th["n_boot"] == 300 and [t["threshold"] for t in th["thresholds"]] == [0.667, 0.8]
    assert 0 < th["thresholds"][0]["p_below"] < th["thresholds"][1]["p_below"] <= 1
