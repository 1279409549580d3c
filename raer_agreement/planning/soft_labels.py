"""Which soft labels to train on, by evidence: split-half prediction.

Each clip's ratings are split at random into two halves, many times and
seeded.  Every candidate soft-label method is built from one half (A) and
scored on how well it predicts the votes of the other half (B):

* negative log-likelihood of B's votes (per vote; probabilities are
  floored at ``1e-6`` so that a zero for a class B voted for costs
  ``-log 1e-6 = 13.8`` rather than infinity);
* Brier score against B's vote shares (per clip, summed over classes);
* expected calibration error per class (one-vs-rest, 10 equal-width bins of
  the predicted probability, against B's vote share of the class).

Candidates: raw vote shares and Dirichlet-smoothed shares (``alpha``),
temperature-scaled shares, the Dawid-Skene, GLAD and hierarchical
posteriors (also flattened by a temperature) and the FER+ recipe (Barsoum
et al. 2016, "Training deep networks for facial expression recognition with
crowd-sourced label distribution": a class with a single vote is dropped as
noise before normalising).  Every candidate but FER+ is a set of keyword
arguments of :func:`raer_agreement.aggregation.soft_labels`, so the winner
can be exported directly (:func:`auto_soft_labels`).
"""

from __future__ import annotations

import json
import warnings
from dataclasses import replace

import numpy as np
import pandas as pd

from ..aggregation import soft_labels
from ..aggregation.base import annotations_and_scheme
from ..aggregation.soft_labels import SoftLabels, apply_temperature
from ..errors import DegenerateDataWarning
from ..metrics.bootstrap import as_generator
from ._votes import Votes

__all__ = [
    "rank_soft_label_methods",
    "recommend_soft_labels",
    "auto_soft_labels",
    "ferplus_distribution",
    "split_half_scores",
]

#: Floor of predicted probabilities in the log-likelihood.
NLL_FLOOR = 1e-6


def ferplus_distribution(counts: np.ndarray) -> np.ndarray:
    """The FER+ label distribution: classes with one vote dropped, then normalised.

    Parameters
    ----------
    counts : ndarray of int, shape (n_items, q)

    Returns
    -------
    ndarray of float, shape (n_items, q)
        Clips where no class has two votes keep their raw shares; clips
        without votes are uniform.

    Examples
    --------
    >>> ferplus_distribution(np.array([[3, 1, 0], [1, 1, 0]])).tolist()
    [[1.0, 0.0, 0.0], [0.5, 0.5, 0.0]]
    """
    c = np.asarray(counts, dtype=float)
    kept = np.where(c > 1, c, 0.0)
    use = np.where(kept.sum(axis=1, keepdims=True) > 0, kept, c)
    tot = use.sum(axis=1, keepdims=True)
    return np.where(tot > 0, use / np.maximum(tot, 1e-300), 1.0 / c.shape[1])


def _candidates(ann, scheme) -> list[dict]:
    cands = [{"method": "votes", "alpha": a} for a in (0.0, 0.1, 0.25, 0.5, 1.0, 2.0)]
    cands += [{"method": "votes", "alpha": 1.0, "temperature": t} for t in (0.5, 0.75, 1.5)]
    models = [] if ann.anonymous else ["dawid-skene", "glad"]
    if not ann.anonymous and len(ann.schemes) >= 2:
        models.append("hierarchical")
    for m in models:
        cands += [{"method": m}, {"method": m, "temperature": 2.0}]
    cands.append({"method": "ferplus"})
    return cands


def _name(c: dict) -> str:
    extra = ", ".join(f"{k}={v:g}" for k, v in c.items() if k != "method")
    return c["method"] + (f" ({extra})" if extra else "")


def split_half_scores(probs: np.ndarray, counts_b: np.ndarray, bins: int = 10) -> dict:
    """Scores of predicted distributions against held-out votes.

    Parameters
    ----------
    probs : ndarray of float, shape (n, q)
        Predicted distribution per clip (from half A).
    counts_b : ndarray of int, shape (n, q)
        Votes of half B; clips without B votes are skipped.
    bins : int
        Equal-width bins of the calibration error.

    Returns
    -------
    dict
        ``nll, brier, ece`` and per class ``nll_class, brier_class,
        ece_class`` (ndarray shape (q,)).

    Examples
    --------
    >>> s = split_half_scores(np.array([[0.5, 0.5]]), np.array([[1, 1]]))
    >>> round(s["nll"], 4), s["brier"], s["ece"]
    (0.6931, 0.0, 0.0)
    """
    cb = np.asarray(counts_b, dtype=float)
    ok = cb.sum(axis=1) > 0
    p, cb = np.asarray(probs, dtype=float)[ok], cb[ok]
    share = cb / cb.sum(axis=1, keepdims=True)
    logp = np.log(np.maximum(p, NLL_FLOOR))
    with np.errstate(invalid="ignore", divide="ignore"):
        nll_class = -(cb * logp).sum(axis=0) / cb.sum(axis=0)
    sq = (p - share) ** 2
    q = p.shape[1]
    ece_class = np.zeros(q)
    edges = np.linspace(0, 1, bins + 1)
    for k in range(q):
        b = np.clip(np.digitize(p[:, k], edges[1:-1]), 0, bins - 1)
        gap = np.bincount(b, weights=p[:, k] - share[:, k], minlength=bins)
        ece_class[k] = np.abs(gap).sum() / max(len(p), 1)
    return {
        "nll": float(-(cb * logp).sum() / cb.sum()),
        "brier": float(sq.sum(axis=1).mean()),
        "ece": float(ece_class.mean()),
        "nll_class": nll_class,
        "brier_class": sq.mean(axis=0),
        "ece_class": ece_class,
        "n_clips": int(ok.sum()),
    }


def _predict(ann_a, scheme, cand, cache) -> np.ndarray:
    n, q = ann_a.n_items, ann_a.n_categories(scheme)
    if cand["method"] == "ferplus":
        return ferplus_distribution(ann_a.counts(scheme))
    temperature = cand.get("temperature", 1.0)
    key = (cand["method"], cand.get("alpha", 0.0))
    if cand["method"] != "votes" and key in cache:
        return apply_temperature(cache[key], temperature)
    kw = {k: v for k, v in cand.items() if k not in ("method", "temperature")}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateDataWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        s = soft_labels(
            ann_a,
            scheme,
            method=cand["method"],
            min_votes=0,
            temperature=1.0 if cand["method"] != "votes" else temperature,
            **kw,
        )
    pos = {c: i for i, c in enumerate(ann_a.item_ids)}
    out = np.full((n, q), 1.0 / q)
    out[[pos[c] for c in s.clip_ids]] = s.probs
    if cand["method"] != "votes":
        cache[key] = out
        return apply_temperature(out, temperature)
    return out


def rank_soft_label_methods(
    data,
    scheme: str | None = None,
    *,
    n_splits: int = 5,
    seed=0,
    candidates=None,
) -> pd.DataFrame:
    """Rank soft-label methods by how well one half of the annotators
    predicts the other half.

    Parameters
    ----------
    data : Annotations or long DataFrame
    scheme : str, optional
    n_splits : int
        Random split-halves (seeded).
    seed : int or numpy.random.Generator
    candidates : list of dict, optional
        Keyword arguments of :func:`raer_agreement.aggregation.soft_labels`
        (or ``{"method": "ferplus"}``); default: see the module docstring.

    Returns
    -------
    DataFrame
        One row per candidate, best (lowest NLL) first: ``rank, name,
        params`` (JSON of the keyword arguments), ``nll, brier, ece``,
        ``nll_se`` (spread over splits) and per class ``nll_<class>,
        brier_<class>, ece_<class>``; ``n_splits``, ``n_clips``.

    Examples
    --------
    >>> from raer_agreement import Annotations
    >>> ann = Annotations.from_counts([[4, 0], [3, 1], [0, 4], [1, 3], [2, 2], [4, 0]])
    >>> r = rank_soft_label_methods(ann, n_splits=3, seed=0)
    >>> r["name"].iloc[-1] in {"votes", "ferplus"}   # raw shares predict zeros: worst
    True
    """
    ann, scheme = annotations_and_scheme(data, scheme)
    rng = as_generator(seed)
    votes = Votes.of(ann, scheme)
    eligible = votes.n_per_item >= 2
    if not eligible.any():
        raise ValueError("split-half ranking needs clips with at least two ratings")
    cands = candidates or _candidates(ann, scheme)
    cats = list(ann.categories(scheme))
    per: dict[int, list[dict]] = {i: [] for i in range(len(cands))}
    for _ in range(int(n_splits)):
        rank = votes.rank(rng)
        in_a = rank < (votes.n_per_item // 2)[votes.item]
        ann_a = votes.subset(in_a)
        counts_b = votes.counts(~in_a)
        counts_b[~eligible] = 0
        cache: dict = {}
        for i, c in enumerate(cands):
            per[i].append(split_half_scores(_predict(ann_a, scheme, c, cache), counts_b))
    rows = []
    for i, c in enumerate(cands):
        s = per[i]
        row = {
            "name": _name(c),
            "params": json.dumps(c, sort_keys=True),
            "nll": float(np.mean([x["nll"] for x in s])),
            "nll_se": float(np.std([x["nll"] for x in s], ddof=1)) if len(s) > 1 else np.nan,
            "brier": float(np.mean([x["brier"] for x in s])),
            "ece": float(np.mean([x["ece"] for x in s])),
        }
        for key in ("nll", "brier", "ece"):
            m = np.nanmean([x[f"{key}_class"] for x in s], axis=0)
            row.update({f"{key}_{cat}": float(v) for cat, v in zip(cats, m)})
        row["n_splits"] = int(n_splits)
        row["n_clips"] = int(eligible.sum())
        rows.append(row)
    out = pd.DataFrame(rows).sort_values(["nll", "brier"], kind="stable").reset_index(drop=True)
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out


def recommend_soft_labels(data, scheme: str | None = None, *, n_splits: int = 5, seed=0) -> dict:
    """The best soft-label method by split-half NLL, as keyword arguments of
    :func:`raer_agreement.aggregation.soft_labels` (or ``{"method": "ferplus"}``),
    with the ranking in ``"ranking"`` (list of records).
    """
    r = rank_soft_label_methods(data, scheme, n_splits=n_splits, seed=seed)
    return {"choice": json.loads(r["params"].iloc[0]), "ranking": r.to_dict("records")}


def auto_soft_labels(
    data, scheme: str | None = None, *, n_splits: int = 5, seed: int = 0, min_votes: int = 1
) -> SoftLabels:
    """Soft labels from every vote with the method chosen by split-half
    prediction (``--method auto`` of the soft-label export).

    The choice, the criterion and the top of the ranking are recorded in
    ``params["auto"]`` (and so in the export's sidecar).

    Examples
    --------
    >>> from raer_agreement import Annotations
    >>> ann = Annotations.from_counts([[4, 0], [3, 1], [0, 4], [1, 3], [2, 2], [4, 0]])
    >>> s = auto_soft_labels(ann, n_splits=3)
    >>> s.params["auto"]["criterion"], bool(np.allclose(s.probs.sum(axis=1), 1))
    ('split-half negative log-likelihood', True)
    """
    ann, scheme = annotations_and_scheme(data, scheme)
    rec = recommend_soft_labels(ann, scheme, n_splits=n_splits, seed=seed)
    choice = dict(rec["choice"])
    auto = {
        "choice": choice,
        "criterion": "split-half negative log-likelihood",
        "n_splits": int(n_splits),
        "seed": int(seed),
        "ranking": [
            {k: r[k] for k in ("rank", "name", "nll", "brier", "ece")} for r in rec["ranking"][:5]
        ],
    }
    if choice["method"] == "ferplus":
        counts = ann.counts(scheme)
        keep = counts.sum(axis=1) >= max(min_votes, 1)
        probs = ferplus_distribution(counts[keep])
        sch = ann.scheme(scheme)
        return SoftLabels(
            np.asarray(ann.item_ids, dtype=object)[keep],
            tuple(sch.categories),
            tuple(sch.codes),
            counts[keep],
            probs,
            np.argmax(probs, axis=1).astype(np.int64),
            scheme,
            "ferplus",
            {"min_votes": int(min_votes), "auto": auto},
            seed,
        )
    method = choice.pop("method")
    s = soft_labels(ann, scheme, method=method, seed=seed, min_votes=min_votes, **choice)
    return replace(s, params=dict(s.params, auto=auto))
