"""Aggregating multi-label (set-valued) annotations by binary relevance.

Each label is its own yes/no question: every rating says whether the
annotator gave the label.  A binary Dawid-Skene model per label learns each
annotator's sensitivity and specificity for that label, and its posterior
``P(label present | votes)`` is the clip's soft target for the label.  The
final label set holds the labels whose posterior exceeds a threshold.

Reference: Tsoumakas, G. & Katakis, I. (2007). Multi-label classification:
an overview (binary relevance); Dawid & Skene (1979) for each label.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..io.frames import from_long
from ..metrics.multilabel import label_sets
from .registry import make_aggregator

__all__ = ["per_label_posteriors", "label_sets_from_posteriors"]


def per_label_posteriors(
    data: pd.DataFrame,
    labels: Sequence[str] | None = None,
    *,
    method: str = "dawid-skene",
    seed: int = 0,
    **columns,
) -> pd.DataFrame:
    """Posterior probability that each label applies to each clip.

    Parameters
    ----------
    data : DataFrame
        One row per rating with a set of labels (see
        :func:`raer_agreement.metrics.multilabel.label_sets`; ``**columns``
        passes ``item_col``, ``annotator_col``, ``label_col``, ``sep``).
    labels : sequence of str, optional
        Every label (default: those that occur, sorted).
    method : str
        Binary aggregation model per label (a name of
        :func:`~raer_agreement.aggregation.make_aggregator`); ``"majority"``
        gives the share of annotators who gave the label.
    seed : int

    Returns
    -------
    DataFrame, shape (n_items, n_labels)
        Index clip ids (sorted), columns labels; values in [0, 1].

    Examples
    --------
    >>> df = pd.DataFrame({"item": [1, 1, 1, 2, 2, 2], "annotator": list("abc") * 2,
    ...                    "labels": ["x|y", "x", "x", "y", "y", ""]})
    >>> p = per_label_posteriors(df, method="majority")
    >>> p.round(2).to_dict("index")
    {'1': {'x': 1.0, 'y': 0.33}, '2': {'x': 0.0, 'y': 0.67}}
    """

    sets = label_sets(data, **columns)
    if labels is None:
        labels = sorted(set().union(*sets["labels"])) if len(sets) else []
    items = sorted(sets["item"].unique())
    out = pd.DataFrame(index=pd.Index(items, name="item_id"), columns=list(labels), dtype=float)
    for lab in labels:
        present = np.array([lab in s for s in sets["labels"]])
        long = pd.DataFrame(
            {
                "item": sets["item"],
                "annotator": sets["annotator"],
                "label": np.where(present, "1", "0"),
            }
        )
        ann = from_long(long, categories={"label": ["0", "1"]})
        if method == "majority":
            c = ann.counts()
            p = pd.Series(c[:, 1] / c.sum(1), index=list(ann.item_ids))
        else:
            est = make_aggregator(method, seed=seed).fit(ann)
            p = est.posteriors_["1"]
            p.index = p.index.astype(str)
        out[lab] = p.reindex(items).to_numpy()
    return out


def label_sets_from_posteriors(posteriors: pd.DataFrame, threshold: float = 0.5) -> pd.Series:
    """The labels whose posterior exceeds ``threshold``, per clip (frozensets).

    Examples
    --------
    >>> p = pd.DataFrame({"x": [0.9, 0.2], "y": [0.6, 0.4]}, index=["1", "2"])
    >>> [sorted(s) for s in label_sets_from_posteriors(p)]
    [['x', 'y'], []]
    """
    cols = np.asarray(posteriors.columns)
    return pd.Series(
        [frozenset(cols[row > threshold]) for row in posteriors.to_numpy()],
        index=posteriors.index,
        name="labels",
    )
