"""The bootstrap's blocks of resamples run on threads; the replicates must not
depend on how many (the weights are drawn in block order on the calling
thread).  A property over simulated crowds, threads and block sizes."""

from __future__ import annotations

import numpy as np
import pytest

from raer_agreement.metrics import bootstrap
from raer_agreement.metrics._sufficient import sufficient
from raer_agreement.metrics.coefficients import COEFFICIENTS, Engine
from raer_agreement.simulate import SimulationParams, simulate_corpus


@pytest.fixture(scope="module")
def engine():
    corpus = simulate_corpus(SimulationParams.scaled(300), seed=3)
    return Engine(sufficient(corpus.annotations, "coarse"), min_overlap=2)


@pytest.mark.parametrize("threads", ["2", "3"])
@pytest.mark.parametrize("block_cells", [5_000, 40_000])
def test_replicates_do_not_depend_on_threads(engine, monkeypatch, threads, block_cells):
    monkeypatch.setattr(bootstrap, "BLOCK_CELLS", block_cells)
    monkeypatch.setenv(bootstrap.THREADS_ENV, "1")
    one = bootstrap.bootstrap_replicates(engine, COEFFICIENTS, n_boot=57, rng=11)
    monkeypatch.setenv(bootstrap.THREADS_ENV, threads)
    many = bootstrap.bootstrap_replicates(engine, COEFFICIENTS, n_boot=57, rng=11)
    for name in COEFFICIENTS:
        np.testing.assert_array_equal(one[name], many[name], err_msg=name)
    # and every block was filled: a skipped block would leave nan rows
    assert np.isfinite(one["fleiss_kappa"]).all()


def test_bad_thread_count_is_refused(monkeypatch):
    monkeypatch.setenv(bootstrap.THREADS_ENV, "zero")
    with pytest.raises(ValueError, match=bootstrap.THREADS_ENV):
        bootstrap.bootstrap_threads()
