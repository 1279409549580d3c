"""The bootstrap's fast paths for pairs of annotators agree with the slow ones.

* the dense key table and the binary search find the same pair rows;
* the cell matrices of Light's kappa, under unit item weights, give each
  pair's kappa from its own contingency table (any agreement weights).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import raer_agreement as ra
from raer_agreement.metrics import Analysis, _core
from raer_agreement.metrics.pairs import _KeyFinder


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 60),
    st.lists(st.integers(0, 3599), max_size=80, unique=True),
    st.lists(st.integers(0, 3599), max_size=200),
)
def test_key_table_and_binary_search_agree(r, keys, queries):
    space = r * r
    keys = np.array(sorted(k for k in keys if k < space), dtype=np.int64)
    query = np.array([q % space for q in queries], dtype=np.int64)
    table = _KeyFinder(keys, space)
    search = _KeyFinder(keys, 0)  # no table: binary search
    assert table.table is not None and search.table is None
    (p1, f1), (p2, f2) = table.find(query), search.find(query)
    want = np.isin(query, keys)
    np.testing.assert_array_equal(f1, want)
    np.testing.assert_array_equal(f2, want)
    np.testing.assert_array_equal(p1[want], p2[want])
    np.testing.assert_array_equal(keys[p1[want]], query[want])


@pytest.mark.parametrize("weights", [None, "linear", "quadratic"])
def test_cell_kappas_under_unit_weights_are_the_table_kappas(weights):
    ann = ra.simulate.load_sample()
    e = Analysis(ann, "coarse", weights=weights).engine
    got = _core.cohen_from_cells(np.ones((3, ann.n_items)), e.light_cells, e.W)
    want = _core.cohen_from_tables(e.light_pairs.tables, e.W)["kappa"]
    assert e.light_cells.n_pairs > 50
    for row in got:
        np.testing.assert_allclose(row, want, rtol=0, atol=1e-12)
