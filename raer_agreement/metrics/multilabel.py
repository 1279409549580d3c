"""Agreement on multi-label (set-valued) annotations.

When an annotator may give a clip several labels (GoEmotions, many affect
sets), two answers agree partially: ``{joy, surprise}`` and ``{joy}``
share a label.  Krippendorff's alpha handles such values through a distance
between sets (Passonneau 2006):

* **Jaccard**: ``1 - |A & B| / |A | B|``;
* **MASI** (Measuring Agreement on Set-valued Items): ``1 - J * M`` with
  ``J`` the Jaccard similarity and the monotonicity weight ``M`` = 1 for
  equal sets, 2/3 when one set contains the other, 1/3 when they only
  overlap, 0 when they are disjoint.

Two empty answers are at distance 0, an empty and a non-empty one at 1.

Alpha is computed from the coincidences of the distinct sets, as
Krippendorff (2011) defines it for any metric: observed disagreement
``D_o = sum_u sum_{c,k} n_uc n_uk d(c, k) / (m_u - 1) / n`` over units with
at least two values, expected ``D_e = sum_{c,k} n_c n_k d(c, k) / (n (n -
1))``, ``alpha = 1 - D_o / D_e``.  It equals ``nltk.metrics.agreement``'s
``AnnotationTask(distance=masi_distance).alpha()``.  The bootstrap resamples
clips: every quantity is a weighted sum of per-clip terms.

:func:`per_label_agreement` gives each label's own binary agreement
(present / absent), with the coefficients of
:func:`~raer_agreement.metrics.agreement_table`.

References
----------
Passonneau, R. (2006). Measuring agreement on set-valued items (MASI) for
semantic and pragmatic annotation.  *LREC 2006*.
Krippendorff, K. (2011). Computing Krippendorff's alpha-reliability.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._json import to_jsonable
from ..errors import DegenerateDataWarning, InputError
from ..io.frames import from_long
from .bootstrap import as_generator, percentile_ci, resample_weights
from .table import agreement_table

__all__ = [
    "masi_distance",
    "jaccard_distance",
    "DISTANCES",
    "label_sets",
    "MultiLabelAlpha",
    "multilabel_alpha",
    "per_label_agreement",
]


def jaccard_distance(a: frozenset, b: frozenset) -> float:
    """``1 - |a & b| / |a | b|`` (0 for two empty sets).

    Examples
    --------
    >>> jaccard_distance(frozenset({1, 2}), frozenset({2, 3}))
    0.6666666666666667
    """
    union = len(a | b)
    return 0.0 if union == 0 else 1.0 - len(a & b) / union


def masi_distance(a: frozenset, b: frozenset) -> float:
    """Passonneau's (2006) MASI distance (0 for two empty sets).

    Examples
    --------
    >>> masi_distance(frozenset({1, 2}), frozenset({1, 2, 3, 4}))
    0.6666666666666667
    """
    union = len(a | b)
    if union == 0:
        return 0.0
    inter = len(a & b)
    if a == b:
        m = 1.0
    elif inter == min(len(a), len(b)):
        m = 2 / 3  # one set contains the other
    elif inter > 0:
        m = 1 / 3
    else:
        m = 0.0
    return 1.0 - inter / union * m


#: Set distances by name.
DISTANCES: dict[str, Callable] = {"masi": masi_distance, "jaccard": jaccard_distance}


def _as_set(v, sep: str) -> frozenset:
    if isinstance(v, (set, frozenset, list, tuple, np.ndarray)):
        return frozenset(str(x).strip() for x in v if str(x).strip() != "")
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
        return frozenset()
    return frozenset(x.strip() for x in str(v).split(sep) if x.strip() != "")


def label_sets(
    data: pd.DataFrame,
    *,
    item_col: str = "item",
    annotator_col: str = "annotator",
    label_col: str = "labels",
    sep: str = "|",
) -> pd.DataFrame:
    """A long multi-label table with one ``frozenset`` of labels per rating.

    Parameters
    ----------
    data : DataFrame
        One row per rating; ``label_col`` holds a set/list of labels or a
        string joined by ``sep`` (an empty string or NA = no label).
    item_col, annotator_col, label_col, sep

    Returns
    -------
    DataFrame
        Columns ``item, annotator, labels`` (str, str, frozenset).

    Examples
    --------
    >>> df = pd.DataFrame({"item": [1, 1], "annotator": ["a", "b"], "labels": ["x|y", "y"]})
    >>> sorted(label_sets(df)["labels"][0])
    ['x', 'y']
    """
    missing = [c for c in (item_col, annotator_col, label_col) if c not in data.columns]
    if missing:
        raise InputError(
            f"multi-label data lacks column(s) {', '.join(map(repr, missing))} "
            f"(columns: {', '.join(map(str, data.columns))})"
        )
    return pd.DataFrame(
        {
            "item": data[item_col].astype(str).to_numpy(),
            "annotator": data[annotator_col].astype(str).to_numpy(),
            "labels": [_as_set(v, sep) for v in data[label_col]],
        }
    )


@dataclass(frozen=True)
class MultiLabelAlpha:
    """Krippendorff's alpha of set-valued annotations.

    Attributes
    ----------
    estimate : float
    distance : str
    boot_ci : tuple of float
        Percentile bootstrap interval over clips (nan without bootstrap).
    n_items : int
        Clips with at least two ratings (the pairable ones).
    n_values : int
        Ratings in those clips.
    n_sets : int
        Distinct label sets observed.
    n_boot : int
    replicates : ndarray of float, shape (n_boot,)
    """

    estimate: float
    distance: str
    boot_ci: tuple
    n_items: int
    n_values: int
    n_sets: int
    n_boot: int
    replicates: np.ndarray

    def to_dict(self) -> dict:

        return to_jsonable(
            {
                "estimate": self.estimate,
                "distance": self.distance,
                "boot_ci_low": self.boot_ci[0],
                "boot_ci_high": self.boot_ci[1],
                "n_items": self.n_items,
                "n_values": self.n_values,
                "n_sets": self.n_sets,
                "n_boot": self.n_boot,
            }
        )


def _alpha_terms(sets: pd.DataFrame, distance: Callable):
    """Per-item terms: value counts (N x V), D_o numerators (N,), the distance matrix."""
    codes, uniques = pd.factorize(sets["labels"])
    items, item_codes = np.unique(sets["item"].to_numpy(), return_inverse=True)
    V = len(uniques)
    counts = np.zeros((len(items), V))
    np.add.at(counts, (item_codes, codes), 1.0)
    m = counts.sum(1)
    pairable = m >= 2
    counts = counts[pairable]
    m = m[pairable]
    D = np.array([[distance(a, b) for b in uniques] for a in uniques]).reshape(V, V)
    # sum_{c,k} n_uc n_uk d(c,k) / (m_u - 1): each unit's observed disagreement mass
    do = np.einsum("uc,ck,uk->u", counts, D, counts) / (m - 1)
    return counts, m, do, D


def _alpha_from(w, counts, m, do, D):
    """Alpha for item weights ``w`` (B x N)."""
    n = w @ m
    nc = w @ counts
    with np.errstate(invalid="ignore", divide="ignore"):
        d_o = (w @ do) / n
        d_e = np.einsum("bc,ck,bk->b", nc, D, nc) / (n * (n - 1))
        return 1.0 - d_o / d_e


def multilabel_alpha(
    data: pd.DataFrame,
    distance: str | Callable = "masi",
    *,
    n_boot: int = 0,
    rng=None,
    confidence: float = 0.95,
    **columns,
) -> MultiLabelAlpha:
    """Krippendorff's alpha of multi-label annotations with a set distance.

    Parameters
    ----------
    data : DataFrame
        One row per rating (see :func:`label_sets` for the columns;
        ``**columns`` passes ``item_col``, ``annotator_col``, ``label_col``
        and ``sep``).
    distance : {"masi", "jaccard"} or callable
        Distance between two frozensets, 0 for equal sets.
    n_boot : int
        Bootstrap resamples of clips (0 = none).
    rng : None, int or numpy.random.Generator
    confidence : float

    Returns
    -------
    MultiLabelAlpha
        ``estimate`` is nan when no clip has two ratings or every rating is
        the same set (no expected disagreement).

    Examples
    --------
    >>> df = pd.DataFrame({"item": [1, 1, 2, 2, 3, 3], "annotator": ["a", "b"] * 3,
    ...                    "labels": ["x|y", "x", "y", "y", "z", "x|z"]})
    >>> round(multilabel_alpha(df, "masi").estimate, 4)  # nltk's AnnotationTask: 0.4545
    0.4545
    """
    if isinstance(distance, str):
        if distance not in DISTANCES:
            raise ValueError(
                f"unknown set distance {distance!r}; expected one of {', '.join(DISTANCES)}"
            )
        name, fn = distance, DISTANCES[distance]
    else:
        name, fn = getattr(distance, "__name__", "custom"), distance
    sets = label_sets(data, **columns)
    counts, m, do, D = _alpha_terms(sets, fn)
    n_items = len(m)
    est = float(_alpha_from(np.ones((1, n_items)), counts, m, do, D)[0]) if n_items else np.nan
    reps = np.full(int(n_boot), np.nan)
    if n_boot and n_items:
        w = resample_weights(n_items, int(n_boot), as_generator(rng))
        reps = _alpha_from(w, counts, m, do, D)
    ci = percentile_ci(reps, confidence) if n_boot and np.isfinite(est) else (np.nan, np.nan)
    return MultiLabelAlpha(
        est, name, ci, int(n_items), int(m.sum()), int(counts.shape[1]), int(n_boot), reps
    )


def per_label_agreement(
    data: pd.DataFrame,
    labels: Sequence[str] | None = None,
    *,
    coefficients: Iterable[str] = (
        "percent_agreement",
        "fleiss_kappa",
        "gwet_ac1",
        "krippendorff_alpha",
    ),
    **columns,
) -> pd.DataFrame:
    """Each label's own agreement: did the annotators agree on its presence?

    Every rating becomes, for each label, ``1`` (label given) or ``0``, and
    the coefficients of :func:`~raer_agreement.metrics.agreement_table` are
    computed on those binary votes.

    Parameters
    ----------
    data : DataFrame
        One row per rating (columns as in :func:`label_sets`).
    labels : sequence of str, optional
        Every label, used or not (default: those that occur, sorted).
    coefficients : iterable of str

    Returns
    -------
    DataFrame, one row per (label, coefficient)
        Columns ``label, prevalence`` (share of ratings giving the label)
        then the agreement-table columns ``coefficient, estimate, se,
        ci_low, ci_high, ...``.

    Examples
    --------
    >>> df = pd.DataFrame({"item": [1, 1, 2, 2], "annotator": ["a", "b"] * 2,
    ...                    "labels": ["x|y", "x", "y", "y"]})
    >>> t = per_label_agreement(df, coefficients=["percent_agreement"])
    >>> t[["label", "estimate"]].values.tolist()
    [['x', 1.0], ['y', 0.5]]
    """
    import warnings

    sets = label_sets(data, **columns)
    if labels is None:
        labels = sorted(set().union(*sets["labels"])) if len(sets) else []
    frames = []
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
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DegenerateDataWarning)
            t = agreement_table(ann, n_boot=0, coefficients=list(coefficients))
        t.insert(0, "prevalence", float(present.mean()) if len(present) else np.nan)
        t.insert(0, "label", str(lab))
        frames.append(t)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
