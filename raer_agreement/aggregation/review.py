"""Which clips deserve a second look: per-clip confidence and entropy, and a
review queue of clips whose label differs across methods or whose
confidence is low."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from .base import Aggregator, entropy

__all__ = ["confidence_table", "review_queue"]


def confidence_table(posteriors: pd.DataFrame) -> pd.DataFrame:
    """Per-clip label, confidence, margin and entropy of a posterior table.

    Parameters
    ----------
    posteriors : DataFrame, shape (n_items, q)
        Rows clips, columns classes, rows summing to 1 (NaN rows allowed).

    Returns
    -------
    DataFrame, shape (n_items, 5)
        ``label`` (argmax), ``confidence`` (top probability), ``margin``
        (top minus second), ``entropy`` (nats) and ``normalised_entropy``
        (entropy / log q, in [0, 1]).

    Examples
    --------
    >>> p = pd.DataFrame([[0.7, 0.3], [0.5, 0.5]], index=["c1", "c2"], columns=["x", "y"])
    >>> confidence_table(p)[["label", "confidence", "margin"]]
       label  confidence  margin
    c1     x         0.7     0.4
    c2     x         0.5     0.0
    """
    p = posteriors.to_numpy(dtype=float)
    q = p.shape[1]
    filled = np.nan_to_num(p, nan=-1.0)
    srt = np.sort(filled, axis=1)
    bad = np.isnan(p).any(axis=1)
    top = np.where(bad, np.nan, srt[:, -1])
    second = srt[:, -2] if q > 1 else np.zeros(len(p))
    cols = np.asarray(posteriors.columns, dtype=object)
    lab = np.where(bad, None, cols[np.argmax(filled, axis=1)])
    ent = entropy(p)
    return pd.DataFrame(
        {
            "label": pd.array(lab, dtype="string"),
            "confidence": top,
            "margin": np.where(bad, np.nan, top - second),
            "entropy": ent,
            "normalised_entropy": ent / np.log(q) if q > 1 else np.zeros(len(p)),
        },
        index=posteriors.index,
    )


def review_queue(
    results: Mapping[str, object], *, min_confidence: float = 0.6, disagreement: bool = True
) -> pd.DataFrame:
    """Clips to review: labels differ across methods, or confidence is low.

    Parameters
    ----------
    results : mapping of method name -> fitted Aggregator, posterior DataFrame or label Series
        All indexed by the same clip ids.
    min_confidence : float, default 0.6
        A clip whose lowest top-posterior across methods is below it is
        queued.
    disagreement : bool, default True
        Queue clips whose labels differ across methods (NA labels, e.g.
        unresolved ties, count as a different label).

    Returns
    -------
    DataFrame
        One row per queued clip, most doubtful first: ``label_<method>``
        for each method, ``n_distinct_labels``, ``min_confidence``,
        ``max_entropy`` and ``reason`` (``disagreement``,
        ``low confidence`` or both).

    Examples
    --------
    >>> a = pd.DataFrame([[0.9, 0.1], [0.55, 0.45]], index=["c1", "c2"], columns=["x", "y"])
    >>> b = pd.DataFrame([[0.8, 0.2], [0.4, 0.6]], index=["c1", "c2"], columns=["x", "y"])
    >>> q = review_queue({"mv": a, "ds": b})
    >>> q.index.tolist(), q["reason"].tolist()
    (['c2'], ['disagreement; low confidence'])
    """
    if not results:
        raise ValueError("review_queue needs at least one method's results")
    labels, confs, ents = {}, {}, {}
    index = None
    for name, r in results.items():
        if isinstance(r, Aggregator):
            lab, post = r.labels_.astype("string"), r.posteriors_
        elif isinstance(r, pd.DataFrame):
            post = r
            lab = confidence_table(r)["label"]
        elif isinstance(r, pd.Series):
            lab, post = r.astype("string"), None
        else:
            raise TypeError(
                f"results[{name!r}] must be a fitted aggregator, a posterior DataFrame or a "
                f"label Series; got {type(r).__name__}"
            )
        index = lab.index if index is None else index
        labels[name] = lab.reindex(index)
        if post is not None:
            t = confidence_table(post.reindex(index))
            confs[name], ents[name] = t["confidence"], t["entropy"]
    lab_df = pd.DataFrame({f"label_{k}": v for k, v in labels.items()}, index=index)
    n_distinct = pd.Series(_distinct_per_row(lab_df), index=index)
    conf = pd.DataFrame(confs, index=index).min(axis=1) if confs else pd.Series(np.nan, index=index)
    ent = pd.DataFrame(ents, index=index).max(axis=1) if ents else pd.Series(np.nan, index=index)
    dis = (n_distinct > 1) if disagreement else pd.Series(False, index=index)
    low = conf < min_confidence
    reason = np.where(
        dis & low,
        "disagreement; low confidence",
        np.where(dis, "disagreement", np.where(low, "low confidence", "")),
    )
    out = lab_df.assign(
        n_distinct_labels=n_distinct,
        min_confidence=conf,
        max_entropy=ent,
        reason=pd.array(reason, dtype="string"),
    )
    out = out[dis | low]
    return out.sort_values(
        ["min_confidence", "n_distinct_labels"], ascending=[True, False], na_position="first"
    )


def _distinct_per_row(frame: pd.DataFrame) -> np.ndarray:
    """How many different values each row holds (a missing value counts as one
    value): ``frame.nunique(axis=1)`` on NA-filled cells, without a Python loop per row.

    Examples
    --------
    >>> _distinct_per_row(pd.DataFrame({"a": ["x", "x", None], "b": ["x", "y", None]})).tolist()
    [1, 2, 1]
    """
    n, k = frame.shape
    if k == 0:
        return np.zeros(n, dtype=np.int64)
    filled = frame.astype(object).where(frame.notna(), "<NA>").to_numpy(object)
    codes = pd.factorize(filled.ravel())[0].reshape(n, k)
    out = np.ones(n, dtype=np.int64)
    for j in range(1, k):
        out += (codes[:, [j]] != codes[:, :j]).all(axis=1)
    return out
