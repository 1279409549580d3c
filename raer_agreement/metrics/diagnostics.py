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

from ..aggregation.base import entropy
from ..io.frames import as_annotations
from . import _core
from ._sufficient import sufficient
from .bands import krippendorff_band, landis_koch
from .coefficients import Engine
from .pairs import pair_index

__all__ = [
    "prevalence",
    "prevalence_of",
    "max_kappa",
    "max_kappa_of",
    "conger_pa_max",
    "paradox_of",
    "vote_spread_of",
    "landis_koch",
    "krippendorff_band",
    "paradox_diagnostics",
    "vote_spread",
]


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
    return prevalence_of(sufficient(as_annotations(data), scheme))


def prevalence_of(s) -> pd.DataFrame:
    """:func:`prevalence` from the sufficient statistics of one scheme."""
    c = s.counts
    tot = c.sum(0)
    top = c.max(1, initial=0)
    is_top = (c == top[:, None]) & (top[:, None] > 0)
    # a tie gives each of its categories 1/ties of the item; one column at a time,
    # no float copy of the items x categories table at crowd scale
    weight = 1.0 / np.maximum(is_top.sum(1), 1)
    share = np.array([weight[is_top[:, k]].sum() for k in range(c.shape[1])], dtype=float)
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

    For two annotators whose labels on their shared items have marginals
    ``p_a, p_b``, the largest observed agreement is ``sum_k min(p_ak,
    p_bk)``, hence ``kappa_max = (sum_k min(p_ak, p_bk) - pe) / (1 - pe)``
    (Cohen 1960; Umesh, Peterson & Sauber 1989).  Both bounds are for the
    unweighted coefficients and bound them on the same data:

    * ``conger_kappa_max``: Conger's chance agreement ``pe`` held fixed and
      the percent agreement replaced by its largest value given each pair's
      marginals on the items it shares, with the item weights of the percent
      agreement (``1 / (m_i (m_i - 1))`` per ordered rating pair).  With
      every annotator rating every item this is the mean over annotator
      pairs of ``sum_k min(p_ak, p_bk)``; with missing ratings it is still
      an upper bound of ``conger_kappa``.
    * ``mean_cohen_kappa_max``: the mean over annotator pairs of each pair's
      own ``kappa_max``, over the pairs Light's kappa counts (those sharing
      ``min_overlap`` items or more with a defined kappa).

    Needs annotator identities.

    Returns
    -------
    pandas.Series
        ``conger_kappa, conger_kappa_max, mean_cohen_kappa, mean_cohen_kappa_max``.

    Raises
    ------
    AnonymousVotesError
        When the votes are anonymous.

    Examples
    --------
    >>> from raer_agreement.io import from_matrix
    >>> ann = from_matrix([[1, 1], [1, 1], [1, 2], [2, 2]] * 2, categories=[1, 2])
    >>> round(float(max_kappa(ann)["mean_cohen_kappa_max"]), 4)
    0.5
    """
    ann = as_annotations(data)
    ann.require_identities("the max-kappa bound")
    eng = Engine(sufficient(ann, scheme))
    return max_kappa_of(eng, eng.point(("conger_kappa", "mean_cohen_kappa"), warn=False))


def max_kappa_of(engine, points: dict) -> pd.Series:
    """:func:`max_kappa` from an unweighted :class:`Engine` and its point estimates."""
    s = engine.s
    pe = points["conger_kappa"]["pe"]
    pa_max = conger_pa_max(s, engine.pairs)
    conger_max = (
        (pa_max - pe) / (1 - pe)
        if np.isfinite(pe) and pe < 1 and np.isfinite(points["conger_kappa"]["estimate"])
        else np.nan
    )
    # the pairs Light's kappa averages over, so the bound bounds that estimate
    pt = engine.light_pairs
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
            "conger_kappa": points["conger_kappa"]["estimate"],
            "conger_kappa_max": float(conger_max),
            "mean_cohen_kappa": points["mean_cohen_kappa"]["estimate"],
            "mean_cohen_kappa_max": cohen_max,
        },
        name="max_kappa",
    )


def conger_pa_max(s, pairs=None) -> float:
    """Largest percent agreement given each annotator pair's marginals on its shared items.

    Percent agreement is ``sum_i w_i sum_(r != s) [l_r == l_s] / n2`` over
    ordered pairs of ratings of item ``i``, ``w_i = 1 / (m_i (m_i - 1))``
    and ``n2`` the items with two ratings or more.  Grouping the rating
    pairs by their annotators ``(a, b)``, the agreements on category ``k``
    are at most ``min(A_abk, A_bak)`` with ``A_abk = sum_i w_i n_aik n_bi``
    (``n_aik``: ``a``'s ratings of ``i`` in ``k``); a pair sharing one item
    attains its own agreement, and pairs of one annotator's repeated ratings
    may all agree.  ``A`` is read from the pair incidences
    (:func:`~raer_agreement.metrics.pairs.pair_index`, given as ``pairs`` or
    built), so the work follows the pairs of annotators that rated an item
    together.
    """
    m = s.m.astype(float)
    n2 = int((m >= 2).sum())
    if n2 == 0 or s.n_annotators < 2:
        return np.nan
    px = pair_index(s) if pairs is None else pairs
    q = s.q
    w = np.divide(1.0, m * (m - 1), out=np.zeros_like(m), where=m >= 2)
    size = px.n_pairs * q
    A, B = np.zeros(size), np.zeros(size)
    for item, pid, code, _weight in px.incidences():
        wi = w[item]
        A += np.bincount(pid * q + code // q, weights=wi, minlength=size)
        B += np.bincount(pid * q + code % q, weights=wi, minlength=size)
    kept = 2 * np.minimum(A, B).sum()  # (a, b) and (b, a)
    same = np.flatnonzero((np.arange(q * q) // q) == (np.arange(q * q) % q))
    singles = 2 * float(w @ np.asarray(px.singles[:, same].sum(1)).ravel())
    self_pairs = 0.0
    if s.has_repeats:  # one annotator's repeated ratings of an item: all may agree
        import scipy.sparse as sp

        P = sp.csr_matrix(
            (np.ones(s.n_ratings), (s.item, s.annotator)), shape=(s.n_items, s.n_annotators)
        )
        P.sum_duplicates()
        Pw = P.multiply(w[:, None])
        self_pairs = float(Pw.multiply(P).sum() - Pw.sum())
    return float((kept + singles + self_pairs) / n2)


def paradox_diagnostics(data, scheme: str | None = None) -> pd.Series:
    """The kappa paradox in one view.

    Returns
    -------
    pandas.Series
        ``top_category, top_prevalence`` (share of ratings),
        ``percent_agreement, fleiss_kappa, gwet_ac1, brennan_prediger``,
        ``ac1_minus_kappa``, ``conger_kappa_max`` (absent when the votes are
        anonymous) and ``paradox`` (True when
        agreement is high, >= 0.7, the top category holds over half the
        ratings and AC1 exceeds Fleiss' kappa by more than 0.1).

    Examples
    --------
    Feinstein & Cicchetti (1990) table B, 85% agreement:

    >>> rows = [["y", "y"]] * 80 + [["y", "n"]] * 10 + [["n", "y"]] * 5 + [["n", "n"]] * 5
    >>> from raer_agreement.io import from_matrix
    >>> d = paradox_diagnostics(from_matrix(rows, categories=["y", "n"]))
    >>> bool(d["paradox"]), d["top_category"]
    (True, 'y')
    """
    ann = as_annotations(data)
    eng = Engine(sufficient(ann, scheme))
    which = ("percent_agreement", "fleiss_kappa", "gwet_ac1", "brennan_prediger")
    if ann.anonymous:
        return paradox_of(eng.point(which, warn=False), prevalence_of(eng.s), None)
    pts = eng.point(which + ("conger_kappa", "mean_cohen_kappa"), warn=False)
    return paradox_of(pts, prevalence_of(eng.s), max_kappa_of(eng, pts))


def paradox_of(points: dict, prev: pd.DataFrame, mk: pd.Series | None) -> pd.Series:
    """:func:`paradox_diagnostics` from unweighted point estimates, the
    prevalence table and the max-kappa bounds (None: annotators unknown, no bound)."""
    top = prev["share"].idxmax() if len(prev) else None
    pa, k, ac1 = (points[c]["estimate"] for c in ("percent_agreement", "fleiss_kappa", "gwet_ac1"))
    topp = float(prev["share"].max()) if len(prev) else np.nan
    out = {
        "top_category": top,
        "top_prevalence": topp,
        "percent_agreement": pa,
        "fleiss_kappa": k,
        "gwet_ac1": ac1,
        "brennan_prediger": points["brennan_prediger"]["estimate"],
        "ac1_minus_kappa": ac1 - k,
        "conger_kappa_max": None if mk is None else mk["conger_kappa_max"],
        "paradox": bool(pa >= 0.7 and topp > 0.5 and (ac1 - k) > 0.1),
    }
    if mk is None:
        del out["conger_kappa_max"]
    return pd.Series(out, name="paradox")


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
    ann = as_annotations(data)
    return vote_spread_of(ann.counts(scheme), ann.item_ids)


def vote_spread_of(counts: np.ndarray, item_ids) -> pd.DataFrame:
    """:func:`vote_spread` from the items x categories vote counts, shape (n_items, q)."""

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
        index=pd.Index(item_ids, name="item_id"),
    )
