"""The registry of agreement coefficients: one spec line per coefficient, read by the
engine, the bootstrap, the table, the command's text and the schema; a coefficient
registered at run time is computed, bootstrapped and printed like the built-in ones."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss_kappa

from raer_agreement import Annotations
from raer_agreement.cli import main
from raer_agreement.io.frames import from_matrix
from raer_agreement.metrics import COEFFICIENT_NAMES, COEFFICIENTS, Analysis, registry
from raer_agreement.metrics.benchmarking import is_chance_corrected
from raer_agreement.metrics.registry import CoefficientSpec, Inference

ROOT = Path(__file__).resolve().parents[1]


def _schema():
    return json.loads((ROOT / "data_schema" / "agreement.schema.json").read_text())


def test_schema_coefficients_are_the_registry():
    block = _schema()["$defs"]["coefficients"]
    assert list(block["properties"]) == [s.key for s in registry.BUILTIN]
    # absent only on anonymous votes: exactly the ones that need identities
    assert block["required"] == [s.key for s in registry.BUILTIN if not s.needs_identities]


def test_derived_tables_follow_the_registry():
    assert COEFFICIENTS == registry.keys()
    assert dict(COEFFICIENT_NAMES) == {s.key: s.name for s in registry.BUILTIN}
    # the Landis-Koch and Fleiss scales are for chance-corrected coefficients (Landis &
    # Koch 1977 grade kappa); raw percent agreement is not one
    assert not is_chance_corrected("percent_agreement")
    assert all(is_chance_corrected(k) for k in COEFFICIENTS if k != "percent_agreement")


def _fleiss_1971(draw, key):
    """Fleiss (1971) eq. for equal numbers of ratings, from weighted per-clip counts:
    written apart from the package's Gwet-family code."""
    counts = draw.engine.s.counts.astype(float)
    w = np.ones((1, counts.shape[0])) if draw.w is None else draw.w
    m = counts.sum(1)
    p_item = (counts * (counts - 1)).sum(1) / (m * (m - 1))
    pa = (w @ p_item) / w.sum(1)
    shares = (w @ counts) / (w @ m)[:, None]
    pe = (shares**2).sum(1)
    return (pa - pe) / (1 - pe)


def _no_inference(engine, key):
    return Inference(np.nan, np.nan, np.nan)


FLEISS_1971 = CoefficientSpec(
    "fleiss_1971",
    "Fleiss (1971)",
    "Fleiss 1971",
    "F1971",
    _fleiss_1971,
    _no_inference,
)


@pytest.fixture
def corpus():
    # six annotators rate every clip (Fleiss 1971 assumes as many ratings per clip),
    # each right with probability 0.7, else uniform over four categories
    rng = np.random.default_rng(3)
    truth = rng.integers(1, 5, size=300)
    right = rng.random((300, 6)) < 0.7
    labels = np.where(right, truth[:, None], rng.integers(1, 5, size=(300, 6)))
    return from_matrix(labels, categories=[1, 2, 3, 4])


def test_registered_coefficient_is_computed_and_bootstrapped(corpus):
    ann = corpus
    with registry.registered_coefficient(FLEISS_1971):
        analysis = Analysis(ann)
        assert "fleiss_1971" in analysis.coefficient_names
        table = analysis.coefficients(n_boot=200, rng=7)
        new, builtin = table["fleiss_1971"], table["fleiss_kappa"]
    # the peer: statsmodels' Fleiss kappa on the clips x categories counts
    counts = ann.counts(ann.schemes[0])
    assert new.estimate == pytest.approx(sm_fleiss_kappa(counts), abs=1e-12)
    # the same resamples as the built-in Fleiss kappa, so the same percentile interval
    assert new.boot_ci == pytest.approx(builtin.boot_ci, abs=1e-12)
    assert "fleiss_1971" not in registry.keys()


def test_registered_coefficient_reaches_the_command(tmp_path, capsys, corpus):
    ann = corpus
    path = tmp_path / "r.csv"
    ann.to_long().to_csv(path, index=False)
    with registry.registered_coefficient(FLEISS_1971):
        assert main(["agreement", str(path), "--n-boot", "0"]) == 0
    text = capsys.readouterr().out
    assert "Fleiss (1971)" in text


def test_unknown_and_duplicate_keys_are_refused():
    with pytest.raises(ValueError, match="unknown coefficient 'nope'; expected one of"):
        registry.spec("nope")
    with pytest.raises(ValueError, match="already registered"):
        registry.register(registry.BUILTIN[1])
    with pytest.raises(ValueError, match="built-in"):
        registry.unregister("fleiss_kappa")


def test_anonymous_votes_leave_out_identity_coefficients():
    ann = Annotations.from_counts([[3, 0], [0, 3], [2, 1]])
    names = Analysis(ann).coefficient_names
    assert names == tuple(s.key for s in registry.BUILTIN if not s.needs_identities)
