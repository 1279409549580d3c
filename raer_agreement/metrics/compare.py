"""Comparing agreement between groups or annotation rounds.

Is agreement higher after a guideline change?  Lower in the dormitory
than in the classroom?  A CI per group does not answer that: two
overlapping intervals can still differ significantly, and two rounds on
the same clips are correlated.  This module bootstraps the *difference*.

One mechanism serves every case.  Each data set (group, round) gets its
own sufficient statistics; a resample draws clips, and each data set
weights its items by how often the resample drew them:

* **paired** (the same clips appear in several data sets, as in two rounds
  of one set): clips are drawn once from the union of clip ids, and every
  data set sees the same draw, so the correlation between rounds is kept;
* **independent** (disjoint clip sets, as groups of a metadata column):
  each data set's clips are resampled on their own.

Annotators are never resampled.  Differences are ``b - a`` (later minus
earlier round).  The CI is the percentile interval of the bootstrap
differences; the two-sided p-value of H0: no difference is the one that
inverts it, ``2 min(P*(d <= 0), P*(d >= 0))`` with the ``(count + 1) /
(B + 1)`` correction.  Across more than two data sets, the overall test of
equal agreement is a Wald test on the ``G - 1`` differences from the
first data set, with their bootstrap covariance, ``chi^2(G - 1)`` under H0
(for independent groups with no covariance it is the familiar test of
homogeneity of kappas, Fleiss 1981, sec. 13.3).

References
----------
Efron, B. & Tibshirani, R. J. (1993). *An Introduction to the Bootstrap*,
ch. 13 and 16.
Vanbelle, S. (2017). Comparing dependent kappa coefficients obtained on
multilevel data. *Biometrical Journal* 59(5), 1016-1034.
Fleiss, J. L. (1981). *Statistical Methods for Rates and Proportions*, 2nd ed.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import chdtrc  # chi-square survival; scipy.stats is slow to import

from ..errors import DegenerateDataWarning, InputError
from ._sufficient import sufficient
from .bootstrap import as_generator, percentile_ci
from .coefficients import COEFFICIENTS, Engine, as_annotations

__all__ = [
    "GroupComparison",
    "compare_groups",
    "compare_agreement",
    "compare_by",
    "COMPARISON_COLUMNS",
    "COMPARISON_FIELDS",
    "comparison_block",
]

#: Columns of the pairwise comparison table.
COMPARISON_COLUMNS = (
    "coefficient",
    "group_a",
    "group_b",
    "estimate_a",
    "estimate_b",
    "difference",
    "se",
    "ci_low",
    "ci_high",
    "p_value",
    "n_items_a",
    "n_items_b",
    "n_common",
    "paired",
    "n_boot",
)

#: Upper bound on the float cells of one block of resample weights.
_BLOCK_CELLS = 4_000_000


@dataclass(frozen=True)
class GroupComparison:
    """Agreement compared across data sets.

    Attributes
    ----------
    pairwise : DataFrame
        One row per coefficient and pair of data sets (columns
        :data:`COMPARISON_COLUMNS`); ``difference = estimate_b -
        estimate_a``.
    overall : DataFrame
        One row per coefficient: ``coefficient, n_groups, chi2, df,
        p_value`` (Wald test that every data set has the same agreement).
    estimates : DataFrame
        Rows data sets, columns coefficients: the point estimates.
    paired : bool
        Whether clips were resampled jointly.
    n_boot : int
    confidence : float
    """

    pairwise: pd.DataFrame
    overall: pd.DataFrame
    estimates: pd.DataFrame
    paired: bool
    n_boot: int
    confidence: float

    def to_dict(self) -> dict:
        """JSON-ready: ``{"paired", "n_boot", "confidence", "pairwise": [...], "overall": [...]}``."""
        from .._json import to_jsonable

        return to_jsonable(
            {
                "paired": self.paired,
                "n_boot": self.n_boot,
                "confidence": self.confidence,
                "pairwise": self.pairwise.to_dict("records"),
                "overall": self.overall.to_dict("records"),
            }
        )


def _check_schemes(data: Mapping, scheme):
    anns = {str(k): _annotations_of(v) for k, v in data.items()}
    if len(anns) < 2:
        raise ValueError(f"comparing agreement needs two or more data sets, got {len(anns)}")
    first = next(iter(anns.values()))
    scheme = first.schemes[0] if scheme is None else scheme
    cats = None
    for name, a in anns.items():
        if scheme not in a.schemes:
            raise InputError(
                f"data set {name!r} has no scheme {scheme!r} (schemes: {', '.join(a.schemes)})"
            )
        c = tuple(a.categories(scheme))
        if cats is None:
            cats = c
        elif c != cats:
            raise InputError(
                f"data set {name!r} declares categories {', '.join(c)} for scheme {scheme!r}, "
                f"expected the same categories as the first: {', '.join(cats)}"
            )
    return anns, scheme


def _annotations_of(data):
    from .analysis import Analysis

    return data.annotations if isinstance(data, Analysis) else as_annotations(data)


def _engine_of(data, ann, scheme, weights, level) -> Engine:
    """The coefficient engine of a group: the one an Analysis already holds
    (its statistics computed once), else a new one."""
    from .analysis import Analysis

    if isinstance(data, Analysis) and (data.scheme, data.level) == (scheme, level):
        if data.weights is weights or (isinstance(weights, str) and data.weights == weights):
            return data.engine
    return Engine(sufficient(ann, scheme), weights=weights, level=level)


def _joint_weights(item_ids: list, n_boot: int, rng, paired: bool):
    """Per data set item weights of ``n_boot`` resamples, as a generator of blocks.

    Yields lists (one per data set) of arrays of shape (b, n_items_g).
    """
    if paired:
        union = pd.Index(
            pd.unique(np.concatenate([np.asarray(ids, dtype=object) for ids in item_ids]))
        )
        maps = [union.get_indexer(ids) for ids in item_ids]
        n = len(union)
        block = max(1, min(n_boot, _BLOCK_CELLS // max(n, 1)))
        for start in range(0, n_boot, block):
            b = min(block, n_boot - start)
            idx = rng.integers(0, n, size=(b, n)) + (np.arange(b) * n)[:, None]
            w = np.bincount(idx.ravel(), minlength=b * n).reshape(b, n).astype(float)
            yield [w[:, m] for m in maps]
    else:
        sizes = [len(ids) for ids in item_ids]
        block = max(1, min(n_boot, _BLOCK_CELLS // max(sum(sizes), 1)))
        for start in range(0, n_boot, block):
            b = min(block, n_boot - start)
            out = []
            for n in sizes:
                idx = rng.integers(0, n, size=(b, n)) + (np.arange(b) * n)[:, None]
                out.append(np.bincount(idx.ravel(), minlength=b * n).reshape(b, n).astype(float))
            yield out


def _p_two_sided(d: np.ndarray) -> float:
    d = d[np.isfinite(d)]
    if len(d) == 0:
        return np.nan
    lo = (np.sum(d <= 0) + 1) / (len(d) + 1)
    hi = (np.sum(d >= 0) + 1) / (len(d) + 1)
    return float(min(1.0, 2 * min(lo, hi)))


def _wald(est: np.ndarray, reps: np.ndarray) -> tuple[float, int, float]:
    """Wald test of equal values: contrasts with the first data set."""
    G = len(est)
    ok = np.isfinite(reps).all(axis=1)
    if not np.isfinite(est).all() or ok.sum() < G + 1:
        return np.nan, G - 1, np.nan
    C = np.hstack([-np.ones((G - 1, 1)), np.eye(G - 1)])
    d = C @ est
    S = np.atleast_2d(np.cov(reps[ok] @ C.T, rowvar=False))
    try:
        chi2 = float(d @ np.linalg.solve(S, d))
    except np.linalg.LinAlgError:
        chi2 = float(d @ np.linalg.pinv(S) @ d)
    return chi2, G - 1, float(chdtrc(G - 1, chi2))


def compare_groups(
    data: Mapping,
    scheme: str | None = None,
    *,
    coefficients: Sequence[str] = COEFFICIENTS,
    n_boot: int = 1000,
    rng=None,
    confidence: float = 0.95,
    paired="auto",
    weights=None,
    level: str = "nominal",
) -> GroupComparison:
    """Differences in agreement between data sets, with bootstrap CIs and tests.

    Parameters
    ----------
    data : mapping of str to Annotations, Analysis or long DataFrame
        Two or more data sets (groups, rounds), in order (an Analysis lends
        the statistics it has already computed); they must declare
        the same categories for ``scheme``.
    scheme : str, optional
        Default: the first scheme of the first data set.
    coefficients : sequence of str
    n_boot : int
        Bootstrap resamples of clips (at least 2).
    rng : None, int or numpy.random.Generator
    confidence : float
    paired : {"auto", True, False}
        Resample clips jointly across data sets (``"auto"``: when some clip
        id appears in more than one data set).
    weights, level
        As in :func:`~raer_agreement.metrics.agreement_table`.

    Returns
    -------
    GroupComparison

    Examples
    --------
    Two rounds on the same four clips; in round B the annotators agree on
    every clip:

    >>> from raer_agreement import Annotations
    >>> a = Annotations.from_matrix([[1, 2], [2, 2], [1, 1], [2, 1]], categories=[1, 2])
    >>> b = Annotations.from_matrix([[1, 1], [2, 2], [1, 1], [2, 2]], categories=[1, 2])
    >>> c = compare_groups({"A": a, "B": b}, coefficients=["percent_agreement"], n_boot=200, rng=0)
    >>> row = c.pairwise.iloc[0]
    >>> float(row["estimate_a"]), float(row["estimate_b"]), float(row["difference"]), bool(row["paired"])
    (0.5, 1.0, 0.5, True)
    """
    anns, scheme = _check_schemes(data, scheme)
    which = tuple(coefficients)
    if int(n_boot) != n_boot or n_boot < 2:
        raise ValueError(f"n_boot must be an integer >= 2, got {n_boot!r}")
    n_boot = int(n_boot)
    gen = as_generator(rng)
    names = list(anns)
    ids = [list(a.item_ids) for a in anns.values()]
    seen: dict = {}
    for k, group_ids in enumerate(ids):
        for x in group_ids:
            seen.setdefault(x, set()).add(k)
    overlap = any(len(v) > 1 for v in seen.values())
    if paired == "auto":
        paired = overlap
    elif paired not in (True, False):
        raise ValueError(f"paired must be 'auto', True or False, got {paired!r}")
    elif paired and not overlap:
        raise InputError("a paired comparison needs clips that appear in more than one data set")
    engines = [
        _engine_of(d, a, scheme, weights, level) for d, a in zip(data.values(), anns.values())
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateDataWarning)
        points = [e.point(which, confidence, warn=False) for e in engines]
    est = np.array([[p[c]["estimate"] for c in which] for p in points])  # (G, C)
    reps = np.full((n_boot, len(names), len(which)), np.nan)
    start = 0
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        for block in _joint_weights(ids, n_boot, gen, bool(paired)):
            b = block[0].shape[0]
            for g, (eng, w) in enumerate(zip(engines, block)):
                r = eng.replicates(which, w)
                for c, name in enumerate(which):
                    reps[start : start + b, g, c] = r[name]
            start += b
    common = {
        (i, j): sum(1 for v in seen.values() if i in v and j in v)
        for i, j in itertools.combinations(range(len(names)), 2)
    }
    rows = []
    for c, name in enumerate(which):
        for i, j in itertools.combinations(range(len(names)), 2):
            d = reps[:, j, c] - reps[:, i, c]
            diff = est[j, c] - est[i, c]
            defined = np.isfinite(diff)
            lo, hi = percentile_ci(d, confidence) if defined else (np.nan, np.nan)
            ok = np.isfinite(d)
            rows.append(
                {
                    "coefficient": name,
                    "group_a": names[i],
                    "group_b": names[j],
                    "estimate_a": est[i, c],
                    "estimate_b": est[j, c],
                    "difference": diff,
                    "se": float(np.std(d[ok], ddof=1)) if defined and ok.sum() > 1 else np.nan,
                    "ci_low": lo,
                    "ci_high": hi,
                    "p_value": _p_two_sided(d) if defined else np.nan,
                    "n_items_a": len(ids[i]),
                    "n_items_b": len(ids[j]),
                    "n_common": common[(i, j)],
                    "paired": bool(paired),
                    "n_boot": n_boot,
                }
            )
    pairwise = pd.DataFrame(rows, columns=list(COMPARISON_COLUMNS))
    overall = []
    for c, name in enumerate(which):
        chi2, df, p = _wald(est[:, c], reps[:, :, c])
        overall.append(
            {"coefficient": name, "n_groups": len(names), "chi2": chi2, "df": df, "p_value": p}
        )
    return GroupComparison(
        pairwise,
        pd.DataFrame(overall),
        pd.DataFrame(est, index=pd.Index(names, name="group"), columns=list(which)),
        bool(paired),
        n_boot,
        confidence,
    )


def compare_agreement(a, b, scheme: str | None = None, **options) -> pd.DataFrame:
    """Agreement in ``b`` minus agreement in ``a``, per coefficient.

    Parameters
    ----------
    a, b : Annotations or long DataFrame
        Two rounds or groups (paired automatically when they share clips).
    scheme : str, optional
    **options
        As in :func:`compare_groups` (``coefficients``, ``n_boot``, ``rng``,
        ``confidence``, ``paired``, ``weights``, ``level``).

    Returns
    -------
    DataFrame indexed by coefficient
        Columns ``estimate_a, estimate_b, difference, se, ci_low, ci_high,
        p_value, n_items_a, n_items_b, n_common, paired, n_boot``.

    Examples
    --------
    >>> from raer_agreement import Annotations
    >>> a = Annotations.from_matrix([[1, 2], [2, 2], [1, 1], [2, 1]], categories=[1, 2])
    >>> b = Annotations.from_matrix([[1, 1], [2, 2], [1, 1], [2, 2]], categories=[1, 2])
    >>> t = compare_agreement(a, b, coefficients=["percent_agreement"], n_boot=200, rng=0)
    >>> float(t.loc["percent_agreement", "difference"])
    0.5
    """
    c = compare_groups({"a": a, "b": b}, scheme, **options)
    return c.pairwise.drop(columns=["group_a", "group_b"]).set_index("coefficient")


def compare_by(data, by: str, scheme: str | None = None, **options) -> GroupComparison:
    """:func:`compare_groups` over the values of an item-metadata column
    (``environment``, ``session_type``, ``split``, ...): every pair of
    groups and the overall test of equal agreement.

    Examples
    --------
    >>> from raer_agreement import Annotations
    >>> ann = Annotations.from_matrix([[1, 1], [2, 2], [1, 2], [2, 1], [1, 1], [2, 1]],
    ...                               categories=[1, 2])
    >>> ann = ann.with_items(pd.DataFrame({"room": list("xxyyzz")}, index=list("123456")))
    >>> c = compare_by(ann, "room", coefficients=["percent_agreement"], n_boot=100, rng=0)
    >>> c.estimates["percent_agreement"].tolist(), int(c.overall.loc[0, "df"])
    ([1.0, 0.0, 0.5], 2)
    """
    ann = as_annotations(data)
    if by not in ann.items.columns:
        cols = ", ".join(map(str, ann.items.columns)) or "none"
        raise InputError(f"no item metadata column {by!r} to compare by (columns: {cols})")
    return compare_groups(dict(ann.groups(by)), scheme, **options)


#: Fields of each coefficient in a comparison document, in order.
COMPARISON_FIELDS = (
    "estimate_a",
    "estimate_b",
    "difference",
    "se",
    "ci_low",
    "ci_high",
    "p_value",
    "n_items_a",
    "n_items_b",
    "n_common",
    "paired",
)


def comparison_block(table: pd.DataFrame) -> dict:
    """``{coefficient: {estimate_a, estimate_b, difference, se, ci_low,
    ci_high, p_value, n_items_a, n_items_b, n_common, paired}}`` from
    :func:`compare_agreement` (JSON-ready, nan as None).

    Examples
    --------
    >>> t = pd.DataFrame({f: [0.0] for f in COMPARISON_FIELDS}, index=["gwet_ac1"])
    >>> sorted(comparison_block(t)["gwet_ac1"])[:3]
    ['ci_high', 'ci_low', 'difference']
    """
    from .._json import to_jsonable

    return to_jsonable(
        {str(k): {f: row[f] for f in COMPARISON_FIELDS} for k, row in table.iterrows()}
    )
