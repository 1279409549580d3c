"""The fast paths of the computations agree with the plain ones.

* resample weights drawn in blocks are the weights of one draw;
* the dense key table and the binary search find the same pair rows;
* the review queue's distinct labels per clip are pandas' ``nunique``;
* the vectorised t and normal intervals are the scalar ones;
* the cell matrices of Light's kappa, under unit item weights, give each
  pair's kappa from its own contingency table (any agreement weights).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import raer_agreement as ra
from raer_agreement.aggregation.review import _distinct_per_row
from raer_agreement.metrics import Analysis, _core
from raer_agreement.metrics import bootstrap as bs
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


@settings(max_examples=200, deadline=None)
@given(
    st.floats(-1, 1) | st.just(float("nan")),
    st.floats(0, 2) | st.just(float("nan")),
    st.integers(0, 500),
    st.sampled_from(["t", "normal"]),
    st.sampled_from([None, 0.0]),
)
def test_vectorised_intervals_are_the_scalar_ones(e, se, n, dist, lower):
    one = _core.finish(e, se, n, 0.9, dist=dist, lower=lower)
    many = _core.finish_many([e, e], [se, se], [n, n], 0.9, dist=dist, lower=lower)
    for a, b in zip(one, many):
        np.testing.assert_allclose(b, [a, a], rtol=1e-12, atol=1e-15)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 300), st.integers(0, 40), st.integers(1, 2_000), st.integers(0, 2**32))
def test_weights_drawn_in_blocks_are_one_draw(n_items, n_boot, draw_cells, seed):
    whole = np.random.default_rng(seed)
    idx = whole.integers(0, n_items, size=(n_boot, n_items))
    want = np.stack([np.bincount(row, minlength=n_items) for row in idx]) if n_boot else None
    old = bs.DRAW_CELLS, bs.BLOCK_CELLS
    bs.DRAW_CELLS = bs.BLOCK_CELLS = draw_cells  # blocks of a few rows
    try:
        got = bs.resample_weights(n_items, n_boot, seed)
        blocks = [w for _, w in bs.weight_blocks(n_items, n_boot, seed)]
    finally:
        bs.DRAW_CELLS, bs.BLOCK_CELLS = old
    assert got.shape == (n_boot, n_items)
    if n_boot:
        np.testing.assert_array_equal(got, want)
        np.testing.assert_array_equal(np.concatenate(blocks), want)


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 40), st.integers(0, 5), st.integers(0, 2**32))
def test_distinct_labels_per_clip_are_pandas_nunique(n, k, seed):
    rng = np.random.default_rng(seed)
    cells = rng.choice(np.array(["a", "b", "c", None], dtype=object), size=(n, k))
    frame = pd.DataFrame(cells, columns=[f"label_{j}" for j in range(k)])
    want = frame.astype(object).where(frame.notna(), "<NA>").nunique(axis=1)
    np.testing.assert_array_equal(_distinct_per_row(frame), want.to_numpy(dtype=np.int64))
