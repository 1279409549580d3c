"""Estimates and inference of the built-in coefficients (see :mod:`.registry`).

Each coefficient has an ``estimate(draw)`` (one value per row of the item
weights ``draw.w``; the bootstrap's resamples are rows) and an
``inference(engine)`` (observed and chance agreement, linearised SE) working
on the per-item sufficient statistics an
:class:`~raer_agreement.metrics.coefficients.Engine` caches.  The Gwet family
(percent agreement, Fleiss, Brennan-Prediger, AC1) shares one computation per
draw (``draw.family``).

Examples
--------
Fleiss' kappa of three clips with three votes each: ``pa = 7/9``,
``pe = (5/9)^2 + (4/9)^2``, kappa ``= 0.55``:

>>> from raer_agreement import Annotations
>>> from raer_agreement.metrics.coefficients import Draw, Engine
>>> from raer_agreement.metrics._sufficient import sufficient
>>> eng = Engine(sufficient(Annotations.from_counts([[3, 0], [0, 3], [2, 1]])))
>>> round(float(family_estimate(Draw(eng, None), "fleiss_kappa")[0]), 4)
0.55

A resample is a row of item weights; leaving out the third clip:

>>> import numpy as np
>>> family_estimate(Draw(eng, np.array([[1.0, 1.0, 0.0]])), "fleiss_kappa")
array([1.])
"""

from __future__ import annotations

import numpy as np

from . import _core
from .registry import Inference

__all__ = [
    "family_estimate",
    "family_inference",
    "randolph_estimate",
    "randolph_inference",
    "conger_estimate",
    "conger_inference",
    "alpha_estimate",
    "alpha_inference",
    "light_estimate",
    "light_inference",
    "light_reason",
]


# ------------------------------------------------ Gwet family (one pass per draw)
def family_estimate(draw, key: str) -> np.ndarray:
    """Fleiss, Brennan-Prediger, AC1 or the percent agreement (``key``) for
    each row of ``draw.w``: one pass over the item terms serves all four."""
    return draw.family[key]


def family_inference(engine, key: str) -> Inference:
    """``pa``, ``pe`` and Gwet's linearised SE (irrCAC ``*.raw``) of ``key``."""
    fam = engine.family
    return Inference(fam["pa"][0], fam["pe_" + key][0], engine.family_se.get(key, np.nan))


# ------------------------------------------------ Randolph (unweighted Brennan-Prediger)
def randolph_estimate(draw, key: str = "randolph_kappa") -> np.ndarray:
    """Brennan-Prediger with identity weights, whatever the engine's weights."""
    if not draw.engine.weighted:
        return draw.family["brennan_prediger"]
    return _core.family_estimates(draw.engine.unweighted_terms, draw.w)["brennan_prediger"]


def randolph_inference(engine, key: str = "randolph_kappa") -> Inference:
    """``pa``, ``pe = 1/q`` and the SE of the unweighted Brennan-Prediger."""
    if engine.weighted:
        fam = _core.family_estimates(engine.unweighted_terms)
        se = _core.family_se(engine.unweighted_terms, fam).get("brennan_prediger", np.nan)
    else:
        fam, se = engine.family, engine.family_se.get("brennan_prediger", np.nan)
    return Inference(fam["pa"][0], fam["pe_brennan_prediger"][0], se)


# ------------------------------------------------ Conger (each annotator's marginals)
def conger_estimate(draw, key: str = "conger_kappa") -> np.ndarray:
    """Conger's kappa; a resample reweights the annotators' marginals by one sparse product."""
    eng = draw.engine
    if draw.w is None:
        ce = _core.conger_estimates(
            eng.terms, None, eng.s.n_annotators, draw.family["pa"], rater_counts=eng.s.rater_counts
        )
    else:
        ce = _core.conger_estimates(
            eng.terms, eng.rater_incidence, eng.s.n_annotators, draw.family["pa"], draw.w
        )
    return ce["conger_kappa"]


def conger_inference(engine, key: str = "conger_kappa") -> Inference:
    """``pa``, Conger's ``pe`` and Gwet's linearised SE (irrCAC ``conger.kappa.raw``)."""
    s = engine.s
    pa = engine.family["pa"]
    ce = _core.conger_estimates(engine.terms, None, s.n_annotators, pa, rater_counts=s.rater_counts)
    return Inference(pa[0], ce["pe_conger_kappa"][0], _core.conger_se(engine.terms, s, ce))


# ------------------------------------------------ Krippendorff's alpha (coincidences)
def alpha_estimate(draw, key: str = "krippendorff_alpha") -> np.ndarray:
    """Alpha from the coincidence matrix; a resample sums per-item coincidence rows."""
    eng = draw.engine
    if draw.w is None:
        r = _core.alpha_estimates(None, eng.level, eng.s.values, O=eng.s.coincidence())
    else:
        r = _core.alpha_estimates(eng.coincidence_rows, eng.level, eng.s.values, draw.w)
    return r["krippendorff_alpha"]


def alpha_inference(engine, key: str = "krippendorff_alpha") -> Inference:
    """Gwet's linearised SE of alpha; ``n_ratings`` counts the pairable values."""
    s = engine.s
    ae = _core.alpha_estimates(None, engine.level, s.values, O=s.coincidence())
    se, pa, pe, _ = _core.alpha_se(s, ae)
    return Inference(pa, pe, se, int(s.m[s.m >= 2].sum()))


# ------------------------------------------------ Light's kappa (mean over pairs)
def light_estimate(draw, key: str = "mean_cohen_kappa") -> np.ndarray:
    """Light's kappa over the engine's fixed pair set, one value per row of ``draw.w``;
    a pair whose kappa a resample leaves undefined is left out of that resample's mean."""
    eng, w = draw.engine, draw.w
    pt = eng.light_pairs
    B = 1 if w is None else w.shape[0]
    if pt.n_pairs == 0:
        return np.full(B, np.nan)
    if w is None:
        k = _core.cohen_from_tables(pt.tables[None], eng.W)["kappa"]
    else:
        k = _core.cohen_from_cells(w, eng.light_cells, eng.W)
    ok = np.isfinite(k)
    cnt = ok.sum(1)
    return np.where(cnt > 0, np.where(ok, k, 0).sum(1) / np.maximum(cnt, 1), np.nan)


def light_inference(engine, key: str = "mean_cohen_kappa") -> Inference:
    """Mean ``pa`` and ``pe`` over the pairs with a defined kappa, and their linearised SE."""
    pt = engine.light_pairs
    if not len(pt.keys):
        return Inference(np.nan, np.nan, np.nan)
    r = _core.cohen_from_tables(pt.tables, engine.W)
    used = np.isfinite(r["kappa"])
    if not used.any():
        return Inference(np.nan, np.nan, np.nan)
    se = _core.mean_cohen_se(engine.s, pt, r, engine.W, used)
    return Inference(float(np.mean(r["pa"][used])), float(np.mean(r["pe"][used])), se)


def light_reason(engine) -> str | None:
    """Why no pair qualifies for Light's kappa (None when one does)."""
    if engine.light_pairs.n_pairs:
        return None
    n = engine.pairs.tables.sum((1, 2))
    if (n >= engine.min_overlap - 1e-9).any():
        return f"no annotator pair sharing at least {engine.min_overlap} clips has a defined kappa"
    return f"no annotator pair shares at least {engine.min_overlap} clips"
