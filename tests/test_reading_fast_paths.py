"""The vectorised steps of a large read agree with plain Python on every input.

Each fast path (a byte search over Arrow buffers, a sort instead of a hash
table, a first-character screen before a regular expression) is checked
against the obvious per-value computation on generated inputs.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from raer_agreement.io.arrow_csv import _holds_quote_or_break
from raer_agreement.io.long import _any_repeated
from raer_agreement.taxonomy import natural_order

TEXT = st.text(alphabet=st.sampled_from(list('ab1 ."\r\n,\u00a0-+') + ["é", "∞"]), max_size=6)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(TEXT, max_size=5), min_size=1, max_size=4), st.integers(0, 3))
def test_quote_or_break_search_equals_per_value_check(chunks, cut):
    column = pa.chunked_array([pa.array(c, pa.large_string()) for c in chunks], pa.large_string())
    # a sliced column shares buffers that hold values outside the slice
    column = column.slice(min(cut, len(column)))
    expected = any(any(m in v for m in '"\r\n') for v in column.to_pylist())
    assert _holds_quote_or_break(column) == expected


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(-(2**40), 2**40), max_size=50), st.integers(1, 8))
def test_any_repeated_equals_set_size(keys, step):
    # small steps exercise the slice boundaries of the comparison
    got = _any_repeated(np.asarray(keys, dtype=np.int64), step=step)
    assert got == (len(set(keys)) < len(keys))


def _reference_key(text: str):
    """Numbers first in numeric order, then text in code-point order."""
    try:
        number = float(text)
    except ValueError:
        return (1, 0.0, text)
    return (0, number, text)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from(list("09.-+ eEinfaINFxc\u00a0_")), max_size=5)))
def test_natural_order_equals_sorted_by_number_then_text(texts):
    texts = [t for t in texts if "\x00" not in t]
    order = natural_order(texts)
    got = [texts[k] for k in order]
    # numpy compares str without trailing NULs and NaN never equals itself:
    # compare the keys, which is what the order promises
    keys = [_reference_key(t) for t in got]
    for a, b in zip(keys, keys[1:]):
        if a[0] != b[0]:
            assert a[0] < b[0]
        elif a[0] == 0 and not (np.isnan(a[1]) or np.isnan(b[1])) and a[1] != b[1]:
            assert a[1] < b[1]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["c1", "c2", " c3", "c10", "", "NA"]),
            st.sampled_from(["a", "b", "c ", ""]),
            st.sampled_from(["x", "y", " z", "", "None", "x"]),
        ),
        min_size=1,
        max_size=30,
    )
)
def test_consuming_the_table_reads_the_same_ratings(rows):
    import pandas as pd

    from raer_agreement.io.long import annotations_from_long

    def frame():
        # text columns as the readers give them (pandas' own str dtype)
        return pd.DataFrame(rows, columns=["clip", "annotator", "label"], dtype=str)

    def read(f, consume):
        try:
            return annotations_from_long(f, item_col="clip", label_cols="label", consume=consume)
        except Exception as e:  # a refusal must not depend on consume either
            return type(e).__name__ + str(e)

    kept, consumed = frame(), frame()
    a, b = read(kept, False), read(consumed, True)
    if isinstance(a, str):
        assert a == b
        return
    assert list(consumed.columns) == [] and list(kept.columns) == ["clip", "annotator", "label"]
    assert a.item_ids == b.item_ids and a.annotator_ids == b.annotator_ids
    assert np.array_equal(a.item, b.item) and np.array_equal(a.annotator, b.annotator)
    assert np.array_equal(a.labels["label"], b.labels["label"])
    assert a.ledger.to_dict() == b.ledger.to_dict()
    # counted apart: a rating is a row whose three cells are not empty or NA-like
    stripped = kept.apply(lambda s: s.str.strip())
    rated = ~stripped.isin(["", "NA", "None"]).any(axis=1)
    assert a.n_ratings == int(rated.sum())
