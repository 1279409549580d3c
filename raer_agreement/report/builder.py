"""The agreement report: one computation, three renderings (HTML, Markdown, JSON).

:func:`build_report` computes every number once, from the same public
functions a notebook would call (:func:`raer_agreement.metrics.agreement_summary`,
the aggregators, :func:`raer_agreement.aggregation.review_queue`), into a
JSON-ready document; the HTML and Markdown pages are drawn from that
document, so every number on the page is traceable in ``report.json``.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .._json import to_jsonable
from .._version import __version__
from ..annotations import Annotations
from ..errors import DegenerateDataWarning, InputError

__all__ = ["Report", "build_report", "CONTEXT_COLUMNS", "RAER_PUBLISHED_COUNTS", "human_ceiling"]

#: Item-metadata columns reported as contexts when present with 2+ values.
CONTEXT_COLUMNS = ("split", "session_type", "environment")

#: RAER's published class counts, train + test (Neutrality .. Distraction).
RAER_PUBLISHED_COUNTS = {
    "Neutrality": 1383 + 345,
    "Enjoyment": 129 + 32,
    "Confusion": 30 + 7,
    "Fatigue": 157 + 39,
    "Distraction": 422 + 105,
}

#: Coefficients drawn per context.
CONTEXT_COEFFICIENTS = ("krippendorff_alpha", "fleiss_kappa", "gwet_ac1")


@dataclass
class Report:
    """A computed report.

    Attributes
    ----------
    document : dict
        JSON-ready; deterministic for a given input and seed (no clock).
    annotations : Annotations
    estimators : dict of str to fitted Aggregator
        ``{"majority": ..., "dawid-skene": ..., "hierarchical": ...}`` for the
        aggregated scheme.
    chosen : str
        The method whose labels and soft labels are exported.
    scheme : str
        The aggregated scheme.
    """

    document: dict
    annotations: Annotations
    estimators: dict = field(default_factory=dict)
    chosen: str = ""
    scheme: str = ""


class _Progress:
    """Step messages on stderr when it is a terminal (``quiet`` silences)."""

    def __init__(self, enabled: bool | None, total: int):
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self.total, self.k = total, 0

    def __call__(self, what: str):
        self.k += 1
        if self.enabled:
            print(f"[{self.k}/{self.total}] {what}", file=sys.stderr, flush=True)


def _aggregated_scheme(ann: Annotations) -> tuple[str, tuple | None]:
    """The top-level scheme (a parent, else the first) and its nested pair."""
    pairs = [(c, p) for c, p in ann.taxonomy.pairs() if c in ann.schemes and p in ann.schemes]
    if pairs:
        return pairs[0][1], pairs[0]
    return ann.schemes[0], None


def human_ceiling(ann: Annotations, scheme: str | None = None) -> pd.DataFrame:
    """Each annotator scored against the leave-one-out consensus of the others.

    For every rating, the consensus is the majority of the *other*
    annotators' votes on that clip (clips where the others tie, or where no
    one else voted, are left out).  This is the human reference for a
    model's UAR/WAR against aggregated labels.

    In the example, annotator 2's ratings of clips 2, 3 and 4 can be scored
    (the others tie on clip 1) and the last one misses the others' label 2.

    Returns
    -------
    DataFrame
        One row per annotator: ``n_compared``, ``uar``, ``war``.

    Examples
    --------
    >>> ann = Annotations.from_matrix([[1, 1, 2], [2, 2, 2], [1, 1, 1], [2, 1, 2]], categories=[1, 2])
    >>> human_ceiling(ann)["war"].round(2).tolist()
    [1.0, 0.67, 0.67]
    """
    sch = ann._resolve(scheme)
    it, an, lab = ann.ratings(sch)
    q = ann.n_categories(sch)
    counts = ann.counts(sch)
    others = counts[it].copy()
    others[np.arange(len(it)), lab] -= 1
    top = others.max(1)
    winner = others.argmax(1)
    unique = (others == top[:, None]).sum(1) == 1
    ok = (top > 0) & unique
    rows = []
    for a in range(ann.n_annotators):
        m = ok & (an == a)
        if not m.any():
            rows.append((ann.annotator_ids[a], 0, np.nan, np.nan))
            continue
        truth, given = winner[m], lab[m]
        rec = [np.mean(given[truth == k] == k) for k in range(q) if (truth == k).any()]
        rows.append(
            (
                ann.annotator_ids[a],
                int(m.sum()),
                float(np.mean(rec)),
                float(np.mean(given == truth)),
            )
        )
    return pd.DataFrame(rows, columns=["annotator", "n_compared", "uar", "war"]).set_index(
        "annotator"
    )


def _vote_stats(spread: pd.DataFrame) -> dict:
    """Summary of :func:`raer_agreement.metrics.vote_spread` over clips with 2+ votes."""
    s = spread.dropna()
    top, ent = s["top_share"].to_numpy(), s["entropy"].to_numpy()
    hist, edges = np.histogram(top, bins=10, range=(0, 1))
    some = len(s) > 0
    return {
        "n_items_with_2plus": int(len(s)),
        "unanimous_share": float(np.mean(top == 1.0)) if some else None,
        "majority_share": float(np.mean(top > 0.5)) if some else None,
        "mean_top_share": float(top.mean()) if some else None,
        "mean_entropy": float(ent.mean()) if some else None,
        "top_share_histogram": {"edges": edges.round(2).tolist(), "counts": hist.tolist()},
    }


def _contingency(ann: Annotations, child: str, parent: str) -> pd.DataFrame:
    c, p = ann.labels[child], ann.labels[parent]
    both = (c >= 0) & (p >= 0)
    qc, qp = ann.n_categories(child), ann.n_categories(parent)
    m = np.bincount(p[both] * qc + c[both], minlength=qp * qc).reshape(qp, qc)
    return pd.DataFrame(
        m,
        index=pd.Index(ann.categories(parent), name=f"{parent} vote"),
        columns=pd.Index(ann.categories(child), name=f"{child} vote"),
    )


def _read_predictions(path, ann: Annotations, scheme: str) -> pd.Series:
    from ..aggregation import read_gold

    pred = read_gold(path)
    sch = ann.scheme(scheme)
    lookup = {str(n): n for n in sch.categories}
    lookup.update({str(c): n for c, n in zip(sch.codes, sch.categories)})
    lookup.update({str(n).casefold(): n for n in sch.categories})
    out = {}
    for k, (clip, v) in enumerate(pred.items(), start=2):
        name = lookup.get(str(v)) or lookup.get(str(v).casefold())
        if name is None:
            raise InputError(
                f"predicted class is not a category of {scheme!r} "
                f"(expected one of: {', '.join(sch.categories)})",
                path=path,
                line=k,
                value=v,
            )
        out[clip] = name
    return pd.Series(out, name="prediction")


def build_report(
    ann: Annotations,
    *,
    n_boot: int = 1000,
    seed: int = 0,
    method: str | None = None,
    predictions=None,
    progress: bool | None = None,
    title: str | None = None,
    context_columns: Sequence[str] = CONTEXT_COLUMNS,
) -> Report:
    """Compute everything the report shows.

    Parameters
    ----------
    ann : Annotations
    n_boot : int
        Bootstrap resamples over clips for every CI (0 = analytic only).
    seed : int
        Seeds the bootstrap, majority-vote tie-breaking and MACE restarts.
    method : str, optional
        Aggregation method whose labels are exported (a name of
        :data:`raer_agreement.aggregation.METHODS`); default ``hierarchical``
        when two nested schemes are present, else ``dawid-skene``.
    predictions : path, optional
        CSV of ``clip_id, predicted class``: scored (UAR, WAR) against the
        aggregated labels beside the human ceiling.
    progress : bool, optional
        Step messages on stderr (default: when stderr is a terminal).

    Returns
    -------
    Report
    """
    from ..aggregation import METHODS, evaluate, make_aggregator, review_queue
    from ..metrics import agreement_summary, cohen_kappa_matrix, per_class_agreement, vote_spread
    from ..metrics.strata import granularity_by_annotator

    agg_scheme, pair = _aggregated_scheme(ann)
    if method is None:
        method = "hierarchical" if pair else "dawid-skene"
    if method not in METHODS:
        raise InputError(
            f"unknown method {method!r}; expected one of: {', '.join(METHODS)}", value=method
        )
    if method == "hierarchical" and not pair and len(ann.schemes) < 2:
        raise InputError("the hierarchical method needs two label schemes (e.g. coarse and fine)")
    contexts = [
        c
        for c in context_columns
        if c in ann.items.columns and ann.items[c].dropna().nunique() >= 2
    ]
    step = _Progress(progress, 4 + bool(predictions))

    step(f"agreement coefficients with {n_boot} bootstrap resamples over clips")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateDataWarning)
        agreement = agreement_summary(ann, by=contexts or None, n_boot=n_boot, rng=seed)
        detail = {}
        for s in ann.schemes:
            pc = per_class_agreement(ann, s, n_boot=n_boot, rng=np.random.default_rng(seed))
            km = cohen_kappa_matrix(ann, s)
            detail[s] = {
                "per_class": to_jsonable(
                    pc.reset_index()
                    .rename(columns={pc.index.name or "index": "category"})
                    .to_dict("records")
                ),
                "pairwise_kappa": {
                    "annotators": [str(a) for a in km.index],
                    "matrix": to_jsonable(km.to_numpy().tolist()),
                },
                "vote_distribution": _vote_stats(vote_spread(ann, s)),
            }

    step(
        "aggregation: majority vote, Dawid-Skene"
        + (", hierarchical" if pair else "")
        + ("" if method in ("majority", "dawid-skene", "hierarchical") else f", {method}")
    )
    methods = ["majority", "dawid-skene"] + (["hierarchical"] if pair else [])
    if method not in methods:
        methods.append(method)
    estimators = {}
    for m in methods:
        est = make_aggregator(m, seed=seed)
        if m == "hierarchical":
            est.set_params(coarse=pair[1], fine=pair[0])
        estimators[m] = est.fit(ann, agg_scheme)
    labels = {m: e.labels_ for m, e in estimators.items()}
    names = list(ann.categories(agg_scheme))
    dist = {
        m: {c: int(v) for c, v in lab.value_counts().reindex(names, fill_value=0).items()}
        for m, lab in labels.items()
    }
    changed = []
    for i, a in enumerate(methods):
        for b in methods[i + 1 :]:
            la, lb = labels[a].astype(object), labels[b].astype(object)
            diff = (la != lb) & ~(la.isna() & lb.isna())
            changed.append(
                {"a": a, "b": b, "n_changed": int(diff.sum()), "share_changed": float(diff.mean())}
            )
    ds = estimators["dawid-skene"]
    aggregation = {
        "scheme": agg_scheme,
        "methods": methods,
        "chosen": method,
        "parameters": {
            m: to_jsonable({k: v for k, v in e.get_params().items() if not callable(v)})
            for m, e in estimators.items()
        },
        "class_distribution": dist,
        "published_counts": RAER_PUBLISHED_COUNTS
        if set(RAER_PUBLISHED_COUNTS) == set(names)
        else None,
        "changed": changed,
        "unresolved": {m: int(lab.isna().sum()) for m, lab in labels.items()},
        "dawid_skene": {
            "n_iter": int(getattr(ds, "n_iter_", 0)),
            "converged": bool(getattr(ds, "converged_", True)),
            "log_likelihood": to_jsonable(float(ds.log_likelihood_[-1]))
            if len(getattr(ds, "log_likelihood_", []))
            else None,
            "priors": to_jsonable(np.asarray(ds.priors_).tolist()),
            "confusions": to_jsonable(np.asarray(ds.confusions_).round(6).tolist()),
        },
    }

    step("two granularities, review queue")
    granularity = []
    if pair:
        child, parent = pair
        cont = _contingency(ann, child, parent)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DegenerateDataWarning)
            gba = granularity_by_annotator(ann, child, parent)
        granularity.append(
            {
                "child": child,
                "parent": parent,
                "contingency": {
                    "rows": list(cont.index),
                    "columns": list(cont.columns),
                    "counts": cont.to_numpy().tolist(),
                },
                "per_annotator": to_jsonable(gba.reset_index().to_dict("records")),
            }
        )
    queue = review_queue(estimators)
    counts = ann.counts_frame(agg_scheme)
    n_votes = counts.sum(axis=1)
    top_share = counts.max(axis=1) / n_votes.where(n_votes > 0)
    queue = queue.assign(
        n_votes=n_votes.reindex(queue.index),
        top_vote_share=top_share.reindex(queue.index),
        votes=counts.reindex(queue.index).apply(
            lambda r: ", ".join(f"{c} {int(v)}" for c, v in r.items() if v), axis=1
        ),
    )
    meta_cols = [
        c for c in ("split", "session_type", "environment", "student") if c in ann.items.columns
    ]
    queue = queue.join(ann.items[meta_cols])
    review = {
        "n_queued": int(len(queue)),
        "criteria": "labels differ across methods, or the lowest top "
        "posterior across methods is below 0.6",
        "clips": to_jsonable(
            queue.reset_index()
            .rename(columns={queue.index.name or "index": "clip_id"})
            .head(200)
            .to_dict("records")
        ),
    }

    step("human ceiling" + (" and model predictions" if predictions else ""))
    ceiling = human_ceiling(ann, agg_scheme)
    pred_doc = None
    if predictions is not None:
        step("scoring predictions")
        pred = _read_predictions(predictions, ann, agg_scheme)
        ref = labels[method].astype(object).dropna()
        ev = evaluate(pred, ref.astype(str), classes=names)
        pred_doc = {
            "source": str(predictions),
            "against": method,
            "n_predictions": int(len(pred)),
            "n_matched": ev.n_items,
            "uar": ev.uar,
            "war": ev.war,
            "recall": {str(k): v for k, v in ev.recall.items()},
            "human_uar_median": float(ceiling["uar"].median()),
            "human_war_median": float(ceiling["war"].median()),
        }

    doc = {
        "title": title or "Annotation agreement report",
        "package": {"name": "raer_agreement", "version": __version__},
        "seed": int(seed),
        "n_boot": int(n_boot),
        "data": {
            "n_items": ann.n_items,
            "n_annotators": ann.n_annotators,
            "n_ratings": ann.n_ratings,
            "schemes": {s: list(ann.categories(s)) for s in ann.schemes},
            "contexts": contexts,
        },
        "ledger": ann.ledger.to_dict(),
        "agreement": agreement,
        "detail": detail,
        "granularity": granularity,
        "aggregation": aggregation,
        "review": review,
        "human_ceiling": to_jsonable(ceiling.reset_index().to_dict("records")),
        "predictions": pred_doc,
    }
    return Report(to_jsonable(doc), ann, estimators, method, agg_scheme)
