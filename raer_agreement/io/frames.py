"""Annotations from data already in memory: a long DataFrame or a ratings matrix.

The files go through :func:`~raer_agreement.io.load_ratings`; a table a
notebook holds goes through these, validated the same way (one
:func:`~raer_agreement.io.long.annotations_from_long`).  They live in ``io``
and not on :class:`~raer_agreement.Annotations` so that the core class does
not depend on the readers.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..annotations import Annotations
from .long import annotations_from_long

__all__ = ["as_annotations", "from_long", "from_matrix"]


def from_long(frame: pd.DataFrame, **options) -> Annotations:
    """Build from a long DataFrame (one row per rating), validating it.

    Takes the options of :func:`raer_agreement.io.load_ratings`
    (``item_col``, ``annotator_col``, ``label_cols``, ``taxonomy``,
    ``categories``, ``duplicates``, ``inconsistent``, ...).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"item": ["c1", "c1", "c2"], "annotator": ["a", "b", "a"],
    ...                    "label": ["x", "y", "x"]})
    >>> ann = from_long(df)
    >>> ann.n_items, ann.n_annotators, ann.n_ratings
    (2, 2, 3)
    """
    return annotations_from_long(frame, source="<DataFrame>", **options)


def from_matrix(
    matrix,
    *,
    orientation: str = "items_x_raters",
    categories: Sequence | None = None,
    item_ids=None,
    annotator_ids=None,
    scheme: str = "label",
) -> Annotations:
    """Build from a ratings matrix with missing values (None/NaN).

    Parameters
    ----------
    matrix : array-like, shape (n_items, n_raters) or (n_raters, n_items)
    orientation : {"items_x_raters", "raters_x_items"}
    categories : sequence, optional
        Every category, in order; inferred (numeric-aware) when omitted.
    item_ids, annotator_ids : sequence, optional
        Default ``1, 2, ...``.
    scheme : str
        Name of the label scheme.

    Examples
    --------
    >>> ann = from_matrix([[1, 1, 2], [2, 2, None]], categories=[1, 2])
    >>> ann.n_items, ann.n_annotators, ann.n_ratings
    (2, 3, 5)
    >>> from_matrix([[1, 2], [1, 1], [2, 2]], orientation="raters_x_items").n_items
    2
    """
    m = pd.DataFrame(matrix, dtype=object)
    if orientation == "raters_x_items":
        m = m.T
    elif orientation != "items_x_raters":
        raise ValueError("orientation must be 'items_x_raters' or 'raters_x_items'")
    m.index = [str(i) for i in (item_ids if item_ids is not None else range(1, m.shape[0] + 1))]
    m.columns = [
        str(a) for a in (annotator_ids if annotator_ids is not None else range(1, m.shape[1] + 1))
    ]
    long = m.stack(future_stack=True).rename("label").reset_index()
    long.columns = ["item", "annotator", "label"]
    long = long[long["label"].notna()]
    long["label"] = long["label"].map(_label_str)
    cats = None if categories is None else {scheme: [_label_str(c) for c in categories]}
    return annotations_from_long(
        long,
        source="<matrix>",
        item_col="item",
        annotator_col="annotator",
        label_cols={"label": scheme},
        categories=cats,
        item_order=list(m.index),
        annotator_order=list(m.columns),
    )


def as_annotations(data) -> Annotations:
    """``data`` as :class:`~raer_agreement.Annotations`: as it is, or a long
    DataFrame read with :func:`from_long`'s column conventions.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"item": ["c1", "c1"], "annotator": ["a", "b"], "label": ["x", "y"]})
    >>> as_annotations(df).n_items
    1
    >>> ann = as_annotations(df)
    >>> as_annotations(ann) is ann
    True
    """
    if isinstance(data, Annotations):
        return data
    if isinstance(data, pd.DataFrame):
        return from_long(data)
    raise TypeError(
        f"expected Annotations or a long DataFrame (item, annotator, label), got {type(data).__name__}"
    )


def _label_str(v) -> str:
    """Integer-valued floats print as integers: 3.0 -> '3'."""
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return str(int(v))
    return str(v)
