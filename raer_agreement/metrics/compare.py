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

Which annotators rated is part of the design (:func:`panel_design`).  With a
shared panel the annotators are held fixed and only clips are resampled.
With separate panels (a fresh crowd per round) the annotators are a sample
too: a grouped jackknife over annotators, net of the rating noise that the
clip bootstrap already counts, adds their variance, and intervals and tests
use Student t.  Differences are ``b - a`` (later minus earlier round).
With a shared panel the CI is the percentile interval of the bootstrap
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
from typing import Any

import numpy as np
import pandas as pd

# chi-square, F and Student t tails; scipy.stats is slow to import
from scipy.special import chdtrc, fdtrc, stdtr, stdtrit

from .._json import to_jsonable
from ..errors import DegenerateDataWarning, InputError
from ..io.frames import as_annotations
from ._sufficient import category_values, from_codes, sufficient
from .analysis import Analysis
from .bootstrap import as_generator, percentile_ci
from .coefficients import COEFFICIENTS, Engine

__all__ = [
    "GroupComparison",
    "compare_groups",
    "compare_agreement",
    "compare_by",
    "COMPARISON_COLUMNS",
    "COMPARISON_FIELDS",
    "comparison_block",
    "panel_design",
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
    design : dict
        :func:`panel_design` of the data sets: whether they share annotators,
        and the inference that follows from it.
    """

    pairwise: pd.DataFrame
    overall: pd.DataFrame
    estimates: pd.DataFrame
    paired: bool
    n_boot: int
    confidence: float
    design: dict | None = None

    def to_dict(self) -> dict:
        """JSON-ready: ``{"paired", "n_boot", "confidence", "design", "pairwise": [...],
        "overall": [...]}``."""

        return to_jsonable(
            {
                "paired": self.paired,
                "n_boot": self.n_boot,
                "confidence": self.confidence,
                "design": self.design,
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

    return data.annotations if isinstance(data, Analysis) else as_annotations(data)


def _engine_of(data, ann, scheme, weights, level) -> Engine:
    """The coefficient engine of a group: the one an Analysis already holds
    (its statistics computed once), else a new one."""

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


# ------------------------------------------------------------------ panels
#: Share of every data set's ratings that must come from annotators rating in every
#: data set for the panel to count as shared (one annotator of ten leaving is still
#: the same panel; a fresh crowd per round is not).
SHARED_PANEL_SHARE = 0.9

#: Groups of annotators deleted in turn by the annotator jackknife.
JACKKNIFE_GROUPS = 20

DESIGN_METHODS = {
    "shared_panel": "bootstrap over clips, percentile interval (the panel is held fixed)",
    "separate_panels": (
        "two-way: bootstrap over clips plus a grouped jackknife over annotators "
        "(net of its rating-noise part), Student t interval with the smallest panel less "
        "one degrees of freedom"
    ),
    "unknown": "none: the annotators are anonymous, so whether the sides share them is unknown",
}


def panel_design(anns: Mapping) -> dict:
    """Whether data sets share their annotators: a shared panel or separate ones.

    Parameters
    ----------
    anns : mapping of str to Annotations

    Returns
    -------
    dict
        ``design`` (``"shared_panel"``, ``"separate_panels"`` or ``"unknown"``
        when any side has anonymous votes), ``n_annotators`` per data set,
        ``n_shared`` (annotators rating in every data set), ``shared_share``
        per data set (share of its ratings by those annotators), ``method``.

    Examples
    --------
    >>> from raer_agreement.io import from_matrix
    >>> a = from_matrix([[1, 2], [2, 2]], categories=[1, 2], annotator_ids=["x", "y"])
    >>> b = from_matrix([[1, 2], [2, 2]], categories=[1, 2], annotator_ids=["u", "v"])
    >>> panel_design({"A": a, "B": a})["design"], panel_design({"A": a, "B": b})["design"]
    ('shared_panel', 'separate_panels')
    """
    names = list(anns)
    counts = {k: int(a.n_annotators) for k, a in anns.items()}
    if any(a.anonymous for a in anns.values()):
        return {
            "design": "unknown",
            "n_annotators": counts,
            "n_shared": None,
            "shared_share": None,
            "method": DESIGN_METHODS["unknown"],
        }
    common = set.intersection(*(set(map(str, a.annotator_ids)) for a in anns.values()))
    share = {}
    for k in names:
        a = anns[k]
        ids = np.asarray(a.annotator_ids, dtype=object).astype(str)
        rated = ids[a.annotator]
        share[k] = float(np.isin(rated, list(common)).mean()) if len(rated) else 0.0
    shared = all(v >= SHARED_PANEL_SHARE for v in share.values())
    design = "shared_panel" if shared else "separate_panels"
    return {
        "design": design,
        "n_annotators": counts,
        "n_shared": len(common),
        "shared_share": share,
        "method": DESIGN_METHODS[design],
    }


def _annotator_jackknife(anns, scheme, which, weights, level, gen, scramble=False) -> np.ndarray:
    """Estimates with each group of annotators left out, shape (J, G, C).

    The union of annotators is split at random into ``J`` groups; a group is left
    out of every data set at once, so an annotator rating on several sides counts
    once.  With ``scramble`` the annotator codes are first permuted within each data
    set: annotator effects vanish and what the jackknife then measures is the
    rating noise that the clip bootstrap already counts.
    """
    sides = list(anns.values())
    union = pd.Index(
        pd.unique(
            np.concatenate([np.asarray(a.annotator_ids, dtype=object).astype(str) for a in sides])
        )
    )
    J = min(len(union), JACKKNIFE_GROUPS)
    group_of = gen.permutation(len(union)) % J
    codes = []
    for a in sides:
        g = group_of[union.get_indexer(np.asarray(a.annotator_ids, dtype=object).astype(str))]
        ann_codes = a.annotator if not scramble else gen.permutation(a.annotator)
        codes.append((a, g[ann_codes], ann_codes))
    out = np.full((J, len(sides), len(which)), np.nan)
    sch = sides[0].scheme(scheme)
    values = category_values(sch)
    for j in range(J):
        for s, (a, grp, ann_codes) in enumerate(codes):
            keep = grp != j
            suff = from_codes(
                a.item[keep],
                ann_codes[keep],
                a.labels[scheme][keep],
                categories=sch.categories,
                n_items=a.n_items,
                scheme=scheme,
                values=values,
            )
            r = Engine(suff, weights=weights, level=level).replicates(which)
            out[j, s] = [float(np.ravel(r[c])[0]) for c in which]
    return out


def _jackknife_cov(est: np.ndarray) -> np.ndarray:
    """Jackknife covariance of the contrasts with the first data set, per
    coefficient: shape (C, G - 1, G - 1) from estimates (J, G, C)."""
    J = est.shape[0]
    d = est[:, 1:, :] - est[:, :1, :]  # (J, G-1, C)
    dev = d - np.nanmean(d, axis=0, keepdims=True)
    return (J - 1) / J * np.einsum("jgc,jhc->cgh", dev, dev)


def _annotator_cov(anns, scheme, which, weights, level, gen) -> tuple[np.ndarray, int]:
    """Covariance of the contrasts due to annotator sampling, (C, G-1, G-1),
    and its degrees of freedom: the smallest panel (or the number of jackknife
    groups) less one, the conservative bound of Welch's df (Hsu)."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.simplefilter("ignore", DegenerateDataWarning)
        raw = _annotator_jackknife(anns, scheme, which, weights, level, gen)
        noise = _annotator_jackknife(anns, scheme, which, weights, level, gen, scramble=True)
    extra = _jackknife_cov(raw) - _jackknife_cov(noise)
    out = np.zeros_like(extra)
    for c in range(extra.shape[0]):
        m = extra[c]
        if np.isfinite(m).all():
            vals, vecs = np.linalg.eigh((m + m.T) / 2)
            out[c] = (vecs * np.clip(vals, 0, None)) @ vecs.T  # keep it a covariance
        else:
            out[c] = np.nan
    smallest = min(int(a.n_annotators) for a in anns.values())
    return out, max(1, min(raw.shape[0], smallest) - 1)


def _p_two_sided(d: np.ndarray) -> float:
    d = d[np.isfinite(d)]
    if len(d) == 0:
        return np.nan
    lo = (np.sum(d <= 0) + 1) / (len(d) + 1)
    hi = (np.sum(d >= 0) + 1) / (len(d) + 1)
    return float(min(1.0, 2 * min(lo, hi)))


def _pair_variance(cov: np.ndarray, i: int, j: int) -> float:
    """Variance of ``theta_j - theta_i`` from the covariance of the contrasts with
    data set 0 (whose own contrast is 0)."""
    full = np.zeros((cov.shape[0] + 1,) * 2)
    full[1:, 1:] = cov
    return float(full[i, i] + full[j, j] - 2 * full[i, j])


def _inference(d, diff, confidence, design, extra, df):
    """SE, interval and p-value of one difference: percentile bootstrap for a
    shared panel; clip-bootstrap plus annotator variance with Student t for
    separate panels; nothing when the design is unknown."""
    ok = np.isfinite(d)
    if not np.isfinite(diff) or design == "unknown" or ok.sum() < 2:
        return np.nan, np.nan, np.nan, np.nan
    v_clips = float(np.var(d[ok], ddof=1))
    if extra is None:
        lo, hi = percentile_ci(d, confidence)
        return float(np.sqrt(v_clips)), lo, hi, _p_two_sided(d)
    if not np.isfinite(extra):
        return np.nan, np.nan, np.nan, np.nan
    se = float(np.sqrt(v_clips + extra))
    half = float(stdtrit(df, 0.5 + confidence / 2)) * se
    p = float(2 * stdtr(df, -abs(diff) / se)) if se > 0 else float(diff == 0)
    return se, diff - half, diff + half, min(1.0, p)


def _wald(est: np.ndarray, reps: np.ndarray, extra=None, df_extra=None) -> tuple[float, int, float]:
    """Wald test of equal values: contrasts with the first data set.  With an
    annotator covariance ``extra`` (separate panels) it is added to the bootstrap
    covariance and the statistic / df is referred to F(df, df_extra)."""
    G = len(est)
    ok = np.isfinite(reps).all(axis=1)
    if not np.isfinite(est).all() or ok.sum() < G + 1:
        return np.nan, G - 1, np.nan
    C = np.hstack([-np.ones((G - 1, 1)), np.eye(G - 1)])
    d = C @ est
    S = np.atleast_2d(np.cov(reps[ok] @ C.T, rowvar=False))
    if extra is not None:
        if not np.isfinite(extra).all():
            return np.nan, G - 1, np.nan
        S = S + extra
    try:
        chi2 = float(d @ np.linalg.solve(S, d))
    except np.linalg.LinAlgError:
        chi2 = float(d @ np.linalg.pinv(S) @ d)
    if extra is not None:
        return chi2, G - 1, float(fdtrc(G - 1, df_extra, chi2 / (G - 1)))
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
    design: str = "auto",
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
    design : {"auto", "shared_panel", "separate_panels"}
        ``"auto"``: from :func:`panel_design`.  With a shared panel the
        clips are resampled and the panel is held fixed (percentile
        intervals, the p-value that inverts them).  With separate panels
        (a fresh crowd per round) the annotators are a sample too: the
        variance adds an annotator jackknife to the clip bootstrap and the
        interval and p-value use Student t.  With anonymous votes the design
        is unknown and no SE, interval or p-value is given.

    Returns
    -------
    GroupComparison

    Examples
    --------
    Two rounds on the same four clips; in round B the annotators agree on
    every clip:

    >>> from raer_agreement.io import from_matrix
    >>> a = from_matrix([[1, 2], [2, 2], [1, 1], [2, 1]], categories=[1, 2])
    >>> b = from_matrix([[1, 1], [2, 2], [1, 1], [2, 2]], categories=[1, 2])
    >>> c = compare_groups({"A": a, "B": b}, coefficients=["percent_agreement"], n_boot=200, rng=0)
    >>> row = c.pairwise.iloc[0]
    >>> float(row["estimate_a"]), float(row["estimate_b"]), float(row["difference"]), bool(row["paired"])
    (0.5, 1.0, 0.5, True)
    """
    anns, scheme = _check_schemes(data, scheme)
    which = tuple(coefficients)
    n_boot = _checked_n_boot(n_boot)
    gen = as_generator(rng)
    ids, seen = _clips_of(anns)
    paired = _resolve_paired(paired, any(len(v) > 1 for v in seen.values()))
    panel = _imposed_design(panel_design(anns), design)
    engines = _engines(data, anns, scheme, weights, level)
    est, reps = _estimates_and_replicates(engines, which, confidence, ids, n_boot, gen, paired)
    annot_cov, df_annot = _annotator_variance(panel, anns, scheme, which, weights, level, gen)
    s = _Contrasts(list(anns), which, ids, seen, est, reps, panel["design"], annot_cov, df_annot)
    return GroupComparison(
        _pairwise(s, confidence, bool(paired), n_boot),
        _overall(s),
        pd.DataFrame(est, index=pd.Index(s.names, name="group"), columns=list(which)),
        bool(paired),
        n_boot,
        confidence,
        {**panel, "df": df_annot},
    )


def _checked_n_boot(n_boot) -> int:
    """``n_boot`` as an int, refused unless an integer of at least 2 (a variance needs two)."""
    if int(n_boot) != n_boot or n_boot < 2:
        raise ValueError(f"n_boot must be an integer >= 2, got {n_boot!r}")
    return int(n_boot)


def _annotator_variance(panel, anns, scheme, which, weights, level, gen):
    """The annotator covariance and its degrees of freedom for separate panels; ``(None, None)`` otherwise."""
    if panel["design"] == "separate_panels":
        return _annotator_cov(anns, scheme, which, weights, level, gen)
    return None, None


def _clips_of(anns: Mapping) -> tuple[list, dict]:
    """The clip ids of every data set, and for every clip id the positions of the data sets holding it."""
    ids = [list(a.item_ids) for a in anns.values()]
    seen: dict = {}
    for k, group_ids in enumerate(ids):
        for x in group_ids:
            seen.setdefault(x, set()).add(k)
    return ids, seen


def _engines(data: Mapping, anns: Mapping, scheme, weights, level) -> list:
    """One statistics engine per data set (an Analysis lends the one it has)."""
    return [_engine_of(d, a, scheme, weights, level) for d, a in zip(data.values(), anns.values())]


def _resolve_paired(paired, overlap: bool):
    """``paired`` with ``"auto"`` decided by the overlap of clips; an impossible request refused."""
    if paired == "auto":
        return overlap
    if paired not in (True, False):
        raise ValueError(f"paired must be 'auto', True or False, got {paired!r}")
    if paired and not overlap:
        raise InputError("a paired comparison needs clips that appear in more than one data set")
    return paired


def _imposed_design(panel: dict, design: str) -> dict:
    """The panel design found, or the one the caller imposes (refused for anonymous votes)."""
    if design == "auto":
        return panel
    if design not in ("shared_panel", "separate_panels"):
        raise ValueError(
            f"design must be 'auto', 'shared_panel' or 'separate_panels', got {design!r}"
        )
    if panel["design"] == "unknown":
        raise InputError("anonymous votes: no annotator design can be imposed")
    return {**panel, "design": design, "method": DESIGN_METHODS[design]}


def _estimates_and_replicates(engines, which, confidence, ids, n_boot, gen, paired):
    """Point estimates ``(G, C)`` and bootstrap replicates ``(n_boot, G, C)`` of every data set."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateDataWarning)
        points = [e.point(which, confidence, warn=False) for e in engines]
    est = np.array([[p[c]["estimate"] for c in which] for p in points])  # (G, C)
    reps = np.full((n_boot, len(engines), len(which)), np.nan)
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
    return est, reps


@dataclass
class _Contrasts:
    """What the pairwise differences and the overall tests are computed from."""

    names: list
    which: tuple
    ids: list
    seen: dict  # clip id -> positions of the data sets holding it
    est: np.ndarray  # (G, C)
    reps: np.ndarray  # (n_boot, G, C)
    design: str
    annot_cov: Any  # per coefficient, the annotator covariance (separate panels), or None
    df_annot: Any


def _pairwise(s: _Contrasts, confidence, paired: bool, n_boot: int) -> pd.DataFrame:
    """Every pair of data sets, every coefficient: the difference with its SE, CI and p-value."""
    common = {
        (i, j): sum(1 for v in s.seen.values() if i in v and j in v)
        for i, j in itertools.combinations(range(len(s.names)), 2)
    }
    rows = []
    for c, name in enumerate(s.which):
        for i, j in itertools.combinations(range(len(s.names)), 2):
            d = s.reps[:, j, c] - s.reps[:, i, c]
            diff = s.est[j, c] - s.est[i, c]
            extra = None if s.annot_cov is None else _pair_variance(s.annot_cov[c], i, j)
            se, lo, hi, p = _inference(d, diff, confidence, s.design, extra, s.df_annot)
            rows.append(
                {
                    "coefficient": name,
                    "group_a": s.names[i],
                    "group_b": s.names[j],
                    "estimate_a": s.est[i, c],
                    "estimate_b": s.est[j, c],
                    "difference": diff,
                    "se": se,
                    "ci_low": lo,
                    "ci_high": hi,
                    "p_value": p,
                    "n_items_a": len(s.ids[i]),
                    "n_items_b": len(s.ids[j]),
                    "n_common": common[(i, j)],
                    "paired": paired,
                    "n_boot": n_boot,
                }
            )
    return pd.DataFrame(rows, columns=list(COMPARISON_COLUMNS))


def _overall(s: _Contrasts) -> pd.DataFrame:
    """Per coefficient, the Wald test that every data set agrees equally."""
    overall = []
    for c, name in enumerate(s.which):
        if s.design == "unknown":
            chi2, df, p = np.nan, len(s.names) - 1, np.nan
        else:
            extra = None if s.annot_cov is None else s.annot_cov[c]
            chi2, df, p = _wald(s.est[:, c], s.reps[:, :, c], extra, s.df_annot)
        overall.append(
            {"coefficient": name, "n_groups": len(s.names), "chi2": chi2, "df": df, "p_value": p}
        )
    return pd.DataFrame(overall)


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
    >>> from raer_agreement.io import from_matrix
    >>> a = from_matrix([[1, 2], [2, 2], [1, 1], [2, 1]], categories=[1, 2])
    >>> b = from_matrix([[1, 1], [2, 2], [1, 1], [2, 2]], categories=[1, 2])
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
    >>> from raer_agreement.io import from_matrix
    >>> ann = from_matrix([[1, 1], [2, 2], [1, 2], [2, 1], [1, 1], [2, 1]],
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

    return to_jsonable(
        {str(k): {f: row[f] for f in COMPARISON_FIELDS} for k, row in table.iterrows()}
    )
