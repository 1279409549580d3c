"""Kappa-paradox diagnostics and interpretation bands.

With one dominant category (RAER: 65% Neutrality), kappa-type coefficients
fall while raw agreement stays high (Feinstein & Cicchetti 1990).  These
helpers put the facts that explain it beside the numbers: category
prevalence, the largest kappa the annotators' own marginal distributions
allow, and the conventional interpretation bands (Landis & Koch 1977;
Krippendorff 2004: alpha >= 0.800 reliable, >= 0.667 tentative).  Bands are
shown beside the estimates, never instead of them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import _core
from ._sufficient import sufficient
from .coefficients import Engine, as_annotations

__all__ = [
    "prevalence",
    "max_kappa",
    "landis_koch",
    "krippendorff_band",
    "paradox_diagnostics",
    "vote_spread",
]

_LK = (
    (0.0, "poor"),
    (0.20, "slight"),
    (0.40, "fair"),
    (0.60, "moderate"),
    (0.80, "substantial"),
    (np.inf, "almost perfect"),
)


def landis_koch(value) -> str | None:
    """Landis & Koch (1977) band of a kappa-type value.

    ``< 0`` poor, ``0-0.20`` slight, ``0.21-0.40`` fair, ``0.41-0.60``
    moderate, ``0.61-0.80`` substantial, ``0.81-1`` almost perfect; None for nan.

    Examples
    --------
    >>> landis_koch(0.45), landis_koch(-0.1), landis_koch(float("nan"))
    ('moderate', 'poor', None)
    """
    if value is None or not np.isfinite(value):
        return None
    if value < 0:
        return "poor"
    for upper, name in _LK[1:]:
        if value <= upper:
            return name
    return "almost perfect"


def krippendorff_band(value) -> str | None:
    """Krippendorff's (2004) reliability band of an alpha value.

    ``>= 0.800`` reliable, ``0.667 - 0.800`` tentative (tentative
    conclusions only), ``< 0.667`` unreliable; None for nan.

    Examples
    --------
    >>> krippendorff_band(0.81), krippendorff_band(0.7), krippendorff_band(0.5)
    ('reliable', 'tentative', 'unreliable')
    """
    if value is None or not np.isfinite(value):
        return None
    if value >= 0.800:
        return "reliable"
    if value >= 0.667:
        return "tentative"
    return "unreliable"


def prevalence(data, scheme: str | None = None) -> pd.DataFrame:
    """Category prevalence among ratings and among plurality labels.

    Returns
    -------
    DataFrame, one row per declared category (index ``category``)
        ``n_ratings, share`` (of all ratings) and ``plurality_share``
        (share of items whose plurality vote is the category; ties split
        equally).

    Examples
    --------
    >>> from raer_agreement import Annotations
    >>> ann = Annotations.from_counts([[3, 0], [2, 1], [0, 3]], categories=["a", "b"])
    >>> prevalence(ann)["share"].round(3).tolist()
    [0.556, 0.444]
    """
    ann = as_annotations(data)
    s = sufficient(ann, scheme)
    c = s.counts
    tot = c.sum(0)
    top = c.max(1, initial=0)
    is_top = (c == top[:, None]) & (top[:, None] > 0)
    share = (is_top / np.maximum(is_top.sum(1), 1)[:, None]).sum(0)
    return pd.DataFrame(
        {
            "n_ratings": tot,
            "share": tot / max(tot.sum(), 1),
            "plurality_share": share / max(len(c), 1),
        },
        index=pd.Index(list(s.categories), name="category"),
    )


def max_kappa(data, scheme: str | None = None) -> pd.Series:
    """Largest kappa attainable with the annotators' marginals held fixed.

    For two annotators with marginals ``p_a, p_b``, the largest observed
    agreement is ``sum_k min(p_ak, p_bk)``, hence ``kappa_max = (sum_k
    min(p_ak, p_bk) - pe) / (1 - pe)`` (Cohen 1960; Umesh, Peterson &
    Sauber 1989).  Reported for Conger's kappa (every annotator's overall
    marginals, maximum pairwise agreement averaged over pairs) and for the
    mean pairwise Cohen kappa (each pair's marginals on its shared items).

    Returns
    -------
    pandas.Series
        ``conger_kappa, conger_kappa_max, mean_cohen_kappa, mean_cohen_kappa_max``.

    Examples
    --------
    >>> from raer_agreement import Annotations
    >>> ann = Annotations.from_matrix([[1, 1], [1, 1], [1, 2], [2, 2]], categories=[1, 2])
    >>> round(float(max_kappa(ann)["mean_cohen_kappa_max"]), 4)
    0.5
    """
    ann = as_annotations(data)
    s = sufficient(ann, scheme)
    eng = Engine(s)
    pts = eng.point(("conger_kappa", "mean_cohen_kappa"), warn=False)
    rc = s.rater_counts.astype(float)
    ng = rc.sum(1)
    p = rc / np.maximum(ng, 1)[:, None]
    r = len(p)
    if r >= 2:
        iu = np.triu_indices(r, 1)
        pa_max = float(np.mean(np.minimum(p[iu[0]], p[iu[1]]).sum(1)))
        pe = pts["conger_kappa"]["pe"]
        conger_max = (pa_max - pe) / (1 - pe) if np.isfinite(pe) and pe < 1 else np.nan
    else:
        conger_max = np.nan
    pt = eng.pairs
    if len(pt.keys):
        res = _core.cohen_from_tables(pt.tables, np.eye(s.q))
        pmax = np.minimum(res["pk"], res["pl"]).sum(1)
        with np.errstate(invalid="ignore", divide="ignore"):
            kmax = np.where(np.isfinite(res["kappa"]), (pmax - res["pe"]) / (1 - res["pe"]), np.nan)
        cohen_max = float(np.nanmean(kmax)) if np.isfinite(kmax).any() else np.nan
    else:
        cohen_max = np.nan
    return pd.Series(
        {
            "conger_kappa": pts["conger_kappa"]["estimate"],
            "conger_kappa_max": conger_max,
            "mean_cohen_kappa": pts["mean_cohen_kappa"]["estimate"],
            "mean_cohen_kappa_max": cohen_max,
        },
        name="max_kappa",
    )


def paradox_diagnostics(data, scheme: str | None = None) -> pd.Series:
    """The kappa paradox in one view.

    Returns
    -------
    pandas.Series
        ``top_category, top_prevalence`` (share of ratings),
        ``percent_agreement, fleiss_kappa, gwet_ac1, brennan_prediger``,
        ``ac1_minus_kappa``, ``conger_kappa_max`` and ``paradox`` (True when
        agreement is high, >= 0.7, the top category holds over half the
        ratings and AC1 exceeds Fleiss' kappa by more than 0.1).

    Examples
    --------
    Feinstein & Cicchetti (1990) table B, 85% agreement:

    >>> from raer_agreement import Annotations
    >>> rows = [["y", "y"]] * 80 + [["y", "n"]] * 10 + [["n", "y"]] * 5 + [["n", "n"]] * 5
    >>> d = paradox_diagnostics(Annotations.from_matrix(rows, categories=["y", "n"]))
    >>> bool(d["paradox"]), d["top_category"]
    (True, 'y')
    """
    ann = as_annotations(data)
    s = sufficient(ann, scheme)
    pts = Engine(s).point(
        ("percent_agreement", "fleiss_kappa", "gwet_ac1", "brennan_prediger"), warn=False
    )
    prev = prevalence(ann, scheme)
    top = prev["share"].idxmax() if len(prev) else None
    mk = max_kappa(ann, scheme)
    pa, k, ac1 = (pts[c]["estimate"] for c in ("percent_agreement", "fleiss_kappa", "gwet_ac1"))
    topp = float(prev["share"].max()) if len(prev) else np.nan
    return pd.Series(
        {
            "top_category": top,
            "top_prevalence": topp,
            "percent_agreement": pa,
            "fleiss_kappa": k,
            "gwet_ac1": ac1,
            "brennan_prediger": pts["brennan_prediger"]["estimate"],
            "ac1_minus_kappa": ac1 - k,
            "conger_kappa_max": mk["conger_kappa_max"],
            "paradox": bool(pa >= 0.7 and topp > 0.5 and (ac1 - k) > 0.1),
        },
        name="paradox",
    )


def vote_spread(data, scheme: str | None = None) -> pd.DataFrame:
    """How each clip's votes split: the top-vote share and the vote entropy.

    Parameters
    ----------
    data : Annotations or long DataFrame
    scheme : str, optional

    Returns
    -------
    DataFrame, shape (n_items, 3)
        Indexed by item id: ``n_votes``, ``top_share`` (share of the most
        chosen class, 1 = unanimous) and ``entropy`` (Shannon entropy of the
        vote shares divided by ``log q``: 0 = unanimous, 1 = all classes
        equally chosen); nan for clips with fewer than two votes.

    Examples
    --------
    >>> from raer_agreement import Annotations
    >>> ann = Annotations.from_counts([[3, 0], [1, 1]], categories=["a", "b"])
    >>> vote_spread(ann).round(3).to_dict("list")
    {'n_votes': [3, 2], 'top_share': [1.0, 0.5], 'entropy': [0.0, 1.0]}
    """
    from ..aggregation.base import entropy

    ann = as_annotations(data)
    counts = ann.counts(scheme)
    n = counts.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = counts / n[:, None]
    ok = n >= 2
    top = np.where(ok, p.max(axis=1), np.nan)
    ent = np.where(
        ok, entropy(np.where(ok[:, None], p, 0.0)) / np.log(max(counts.shape[1], 2)), np.nan
    )
    return pd.DataFrame(
        {"n_votes": n, "top_share": top, "entropy": ent},
        index=pd.Index(ann.item_ids, name="item_id"),
    )
