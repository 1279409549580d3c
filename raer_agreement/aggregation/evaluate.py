"""Aggregated labels against gold or simulated truth: accuracy (WAR), UAR,
per-class recall and the confusion matrix.

RAER's benchmark reports UAR (unweighted average recall: the mean of the
per-class recalls, primary) and WAR (weighted average recall, which equals
accuracy).  Classes without any gold item are left out of UAR and get a
NaN recall.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError
from ..io.long import ITEM_COLUMNS, find_column

__all__ = ["Evaluation", "evaluate", "read_gold"]


@dataclass(frozen=True)
class Evaluation:
    """Scores of predicted labels against gold labels.

    Attributes
    ----------
    accuracy : float
        Share of evaluated items whose prediction equals gold (= WAR).
    uar : float
        Mean recall over the classes present in gold.
    war : float
        Recall weighted by the gold class frequencies (= accuracy).
    recall : Series, shape (q,)
        Per-class recall (NaN for classes absent from gold).
    confusion : DataFrame, shape (q, q + 1)
        Rows gold class, columns predicted class (plus ``<unresolved>``
        for items without a prediction).
    n_items : int
        Items with both gold and a rating.
    n_unresolved : int
        Evaluated items without a predicted label (counted as wrong).
    """

    accuracy: float
    uar: float
    war: float
    recall: pd.Series
    confusion: pd.DataFrame
    n_items: int
    n_unresolved: int

    def to_dict(self) -> dict:
        return {
            "accuracy": self.accuracy,
            "uar": self.uar,
            "war": self.war,
            "n_items": self.n_items,
            "n_unresolved": self.n_unresolved,
            "recall": {str(k): (None if np.isnan(v) else float(v)) for k, v in self.recall.items()},
            "confusion": {
                str(r): {str(c): int(v) for c, v in row.items()}
                for r, row in self.confusion.iterrows()
            },
        }

    def summary(self) -> str:
        """Plain-text report (what ``raer-agreement aggregate --gold`` prints)."""
        lines = [
            f"evaluated on {self.n_items} items with gold labels"
            + (
                f" ({self.n_unresolved} without a label, counted wrong)"
                if self.n_unresolved
                else ""
            ),
            f"accuracy  {self.accuracy:.4f}",
            f"UAR       {self.uar:.4f}",
            f"WAR       {self.war:.4f}",
            "per-class recall:",
        ]
        width = max(len(str(c)) for c in self.recall.index)
        for c, r in self.recall.items():
            lines.append(f"  {str(c):<{width}}  " + ("   n/a" if np.isnan(r) else f"{r:.4f}"))
        lines.append("confusion matrix (rows gold, columns predicted):")
        lines.append(self.confusion.to_string())
        return "\n".join(lines)


def evaluate(predicted, gold, classes: Sequence | None = None) -> Evaluation:
    """Score predicted labels against gold labels, matched by item id.

    Parameters
    ----------
    predicted : Series, shape (n_items,)
        Predicted class per item id (NA = unresolved).
    gold : Series or mapping of item id -> class
        Items absent from ``predicted`` are ignored.
    classes : sequence, optional
        Every class in order (default: the categories of ``predicted`` if
        categorical, else the sorted union of values).

    Returns
    -------
    Evaluation

    Examples
    --------
    >>> pred = pd.Series(["a", "a", "b", "b"], index=["1", "2", "3", "4"])
    >>> gold = pd.Series(["a", "b", "b", "b"], index=["1", "2", "3", "4"])
    >>> e = evaluate(pred, gold, classes=["a", "b"])
    >>> e.accuracy, round(e.uar, 4), e.recall.round(4).tolist()
    (0.75, 0.8333, [1.0, 0.6667])
    """
    if not isinstance(predicted, pd.Series):
        raise TypeError("predicted must be a pandas Series indexed by item id")
    g = pd.Series(gold) if not isinstance(gold, pd.Series) else gold
    if classes is None:
        if isinstance(predicted.dtype, pd.CategoricalDtype):
            classes = list(predicted.cat.categories)
        else:
            classes = sorted(set(map(str, predicted.dropna())) | set(map(str, g.dropna())))
    classes = [str(c) for c in classes]
    p = predicted.astype(object)
    p.index = p.index.map(str)
    g = g.astype(object)
    g.index = g.index.map(str)
    g = g[g.notna()]
    common = g.index.intersection(p.index)
    if len(common) == 0:
        raise ValueError("no item of the gold labels has a prediction (are the item ids the same?)")
    gv = g.loc[common].map(_norm_label).to_numpy(dtype=object)
    pv = p.loc[common].map(lambda v: None if pd.isna(v) else _norm_label(v)).to_numpy(dtype=object)
    pos = {c: k for k, c in enumerate(classes)}
    bad = [v for v in set(gv) if v not in pos]
    if bad:
        raise ValueError(f"gold label {bad[0]!r} is not one of the classes: {', '.join(classes)}")
    gi = np.array([pos[v] for v in gv])
    pi = np.array([pos.get(v, -1) if v is not None else -1 for v in pv])
    q = len(classes)
    conf = np.zeros((q, q + 1), dtype=np.int64)
    np.add.at(conf, (gi, np.where(pi >= 0, pi, q)), 1)
    support = conf.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        recall = np.where(support > 0, np.diag(conf[:, :q]) / np.maximum(support, 1), np.nan)
    acc = float((gi == pi).mean())
    uar = float(np.nanmean(recall)) if np.isfinite(recall).any() else float("nan")
    war = float(np.nansum(recall * support) / support.sum())
    cols = classes + (["<unresolved>"] if (pi < 0).any() else [])
    confusion = pd.DataFrame(
        conf[:, : len(cols)],
        index=pd.Index(classes, name="gold"),
        columns=pd.Index(cols, name="predicted"),
    )
    return Evaluation(
        acc,
        uar,
        war,
        pd.Series(recall, index=pd.Index(classes, name="class"), name="recall"),
        confusion,
        int(len(common)),
        int((pi < 0).sum()),
    )


def _norm_label(v) -> str:
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return str(int(v))
    return str(v)


def read_gold(path, *, item_col: str | None = None, label_col: str | None = None) -> pd.Series:
    """Read gold labels from a CSV/TSV with an item column and a label column.

    A Toloka pool download is read directly: its control tasks carry the
    gold label in a ``GOLDEN:<output>`` column (empty on ordinary tasks) and
    the task id in ``ASSIGNMENT:task_id``; a control task answered by many
    annotators repeats its gold label on every row.

    Parameters
    ----------
    path : str or Path
    item_col, label_col : str, optional
        Default: the first column whose name looks like an item id
        (``item``, ``clip_id``, ``task``..., also after a ``PREFIX:`` such
        as Toloka's ``ASSIGNMENT:task_id``) and a ``GOLDEN:...`` column or
        ``label``/``gold``/``truth`` (else the first two columns).

    Returns
    -------
    Series of str indexed by item id (as written)

    Raises
    ------
    InputError
        Unreadable file, missing column, or an item given two different
        gold labels (the line is named).
    """

    p = Path(path)
    if not p.exists():
        raise InputError("gold file not found", path=p)
    sep = "\t" if p.suffix.lower() in (".tsv", ".tab") else None
    try:
        df = pd.read_csv(p, dtype=str, keep_default_na=False, sep=sep, engine="python")
    except Exception as e:  # noqa: BLE001 - any parse failure is a user input problem
        raise InputError(f"cannot read the gold labels as CSV ({e})", path=p) from None
    if df.shape[1] < 2:
        raise InputError("gold labels need two columns: item id and label", path=p)
    # Toloka-style "ASSIGNMENT:task_id" matches "task_id"
    unprefixed = {str(c).split(":", 1)[-1]: c for c in df.columns}
    direct = find_column(df.columns, ITEM_COLUMNS)
    bare = find_column(list(unprefixed), ITEM_COLUMNS)
    ic = item_col or direct or (unprefixed[bare] if bare is not None else df.columns[0])
    golden = [c for c in df.columns if str(c).upper().startswith("GOLDEN:")]
    lc = (
        label_col
        or (golden[0] if golden else None)
        or find_column(df.columns, ("label", "gold", "truth", "true_label", "coarse", "answer"))
        or [c for c in df.columns if c != ic][0]
    )
    for c in (ic, lc):
        if c not in df.columns:
            raise InputError("column not found in the gold file", path=p, column=c)
    s = df[lc].astype(object)
    s.index = pd.Index(df[ic].astype(str).str.strip(), name="item_id")
    s = s.map(lambda v: str(v).strip())
    lines = pd.Series(np.arange(len(df)) + 2, index=s.index)
    keep = (s != "").to_numpy()
    s, lines = s[keep], lines[keep]
    # the same item with the same label on several rows (a Toloka control task
    # answered by many) is one gold label; two different labels are an error
    first = s[~s.index.duplicated()]
    clash = s.index.duplicated() & (s.to_numpy() != first.reindex(s.index).to_numpy())
    if clash.any():
        k = int(np.flatnonzero(clash)[0])
        raise InputError(
            f"item has two different gold labels ({first[s.index[k]]!r} and {s.iloc[k]!r})",
            path=p,
            line=int(lines.iloc[k]),
            column=ic,
            value=s.index[k],
        )
    return first.rename("gold")
