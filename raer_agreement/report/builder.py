"""The agreement report: one computation, three renderings (HTML, Markdown, JSON).

:func:`build_report` computes every number once, from the same public
functions a notebook would call (:func:`raer_agreement.metrics.agreement_summary`,
the aggregators, :func:`raer_agreement.aggregation.review_queue`), into a
JSON-ready document; the HTML and Markdown pages are drawn from that
document, so every number on the page is traceable in ``report.json``.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .._json import to_jsonable
from .._version import __version__
from ..aggregation import (
    CLAMPING_METHODS,
    METHODS,
    choose_method,
    evaluate,
    make_aggregator,
    read_gold,
    review_queue,
)
from ..aggregation.triage import triage_document
from ..annotations import Annotations
from ..errors import DegenerateDataWarning, InputError
from ..metrics import IDENTITY_NOTE, Analysis, agreement_summary
from ..metrics.per_annotator import human_ceiling
from ..metrics.strata import granularity_by_annotator

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
    analyses : dict of str to Analysis
        The statistics of each scheme, as computed for the document (the
        page's tables and figures read them instead of recomputing).
    """

    document: dict
    annotations: Annotations
    estimators: dict = field(default_factory=dict)
    chosen: str = ""
    scheme: str = ""
    analyses: dict = field(default_factory=dict)


def _aggregated_scheme(ann: Annotations) -> tuple[str, tuple | None]:
    """The top-level scheme (a parent, else the first) and its nested pair."""
    pairs = [(c, p) for c, p in ann.taxonomy.pairs() if c in ann.schemes and p in ann.schemes]
    if pairs:
        return pairs[0][1], pairs[0]
    return ann.schemes[0], None


#: Bin edges of the page's vote-spread histograms.
_SPREAD_EDGES = np.linspace(0, 1, 21)


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
        # what the page draws: both per-clip values on one finer grid
        "histogram": {
            "edges": _SPREAD_EDGES.round(2).tolist(),
            "top_share": np.histogram(top, bins=_SPREAD_EDGES)[0].tolist(),
            "entropy": np.histogram(ent, bins=_SPREAD_EDGES)[0].tolist(),
        },
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
    progress: Callable[[str], None] | None = None,
    title: str | None = None,
    context_columns: Sequence[str] = CONTEXT_COLUMNS,
    gold=None,
    clamp_gold: bool = False,
    original: Annotations | None = None,
    excluded: Sequence[str] = (),
    bootstrap: str = "clips",
) -> Report:
    """Compute everything the report shows.

    One :class:`~raer_agreement.metrics.Analysis` per scheme holds the
    statistics every section reads, so nothing is computed twice.  Each
    section has its own builder: agreement (with per-class detail, the
    pairwise kappa matrix and the vote spread), aggregation, granularities,
    review queue, human ceiling and predictions.

    Parameters
    ----------
    ann : Annotations
    n_boot : int
        Bootstrap resamples over clips for every CI (0 = analytic only).
    seed : int
        Seeds the bootstrap, majority-vote tie-breaking and MACE restarts.
    method : str, optional
        Aggregation method whose labels are exported (a name of
        :data:`raer_agreement.aggregation.METHODS`, or ``"auto"``: chosen
        from the data by :func:`raer_agreement.aggregation.choose_method`,
        the candidates' scores recorded under ``aggregation.method_choice``);
        default ``hierarchical`` when two nested schemes are present, else
        ``dawid-skene``; with anonymous votes only ``majority`` is possible
        (and the default).
    predictions : path, optional
        CSV of ``clip_id, predicted class``: scored (UAR, WAR) against the
        aggregated labels beside the human ceiling.
    progress : callable, optional
        Called with a one-line description before each step (the command
        line prints them); None = silent.
    gold : Series or mapping of clip id -> label, optional
        Gold labels of the aggregated scheme: each annotator's accuracy on
        them goes into the triage section.
    clamp_gold : bool
        Hold the gold clips at their gold label while the EM models are
        fitted (models without EM, and a hierarchical model given labels
        that are not fine categories, are fitted without; the document
        says which were clamped).
    original : Annotations, optional
        All ratings, before the ``excluded`` annotators were removed from
        ``ann``: the triage section shows what the exclusion changed.
    excluded : sequence of str
        Annotator ids removed from ``original`` to give ``ann``.
    bootstrap : {"clips", "krippendorff"}
        What the bootstrap of Krippendorff's alpha resamples (its interval
        and threshold probabilities); every other interval resamples clips
        (see :func:`~raer_agreement.metrics.agreement_summary`).

    Returns
    -------
    Report

    Raises
    ------
    AnonymousVotesError
        When ``method`` needs annotator identities and the votes are anonymous.
    """
    agg_scheme, pair = _aggregated_scheme(ann)
    step = progress or (lambda what: None)
    choice = None
    if method == "auto":  # chosen from the data without gold; the scores go in the document
        step("choosing the aggregation method (held-out vote likelihood)")
        choice = choose_method(ann, agg_scheme, seed=seed)
        method = choice.method
    method = _check_method(ann, method, pair)
    contexts = [
        c
        for c in context_columns
        if c in ann.items.columns and ann.items[c].dropna().nunique() >= 2
    ]
    analyses = {s: Analysis(ann, s) for s in ann.schemes}

    step(f"agreement coefficients with {n_boot} bootstrap resamples over clips")
    agreement, detail = _agreement(ann, analyses, contexts, n_boot, seed, bootstrap)

    methods = _methods(ann, method, pair)
    step("aggregation: " + ", ".join(_METHOD_NAMES.get(m, m) for m in methods))
    estimators, clamped = _fit_estimators(
        ann, methods, agg_scheme, pair, seed, gold if clamp_gold else None
    )
    aggregation = _aggregation(ann, estimators, agg_scheme, method)
    aggregation["method_choice"] = None if choice is None else choice.to_dict()
    if clamp_gold:
        aggregation["gold_clamped"] = clamped

    triage = None
    if not ann.anonymous:
        step("annotator triage" + (" and accuracy on gold" if gold is not None else ""))
        triage = triage_document(
            ann,
            agg_scheme,
            original=original,
            excluded=excluded,
            gold=gold,
            model=estimators.get("dawid-skene"),
            analysis=analyses[agg_scheme],
        )

    step("two granularities, review queue")
    granularity = _granularity(ann, pair)
    review = _review(ann, estimators, analyses[agg_scheme])

    step("human ceiling" + (" and model predictions" if predictions else ""))
    ceiling = analyses[agg_scheme].human_ceiling if not ann.anonymous else None
    pred_doc = None
    if predictions is not None:
        step("scoring predictions")
        pred_doc = _predictions(predictions, ann, agg_scheme, method, estimators[method], ceiling)

    doc = {
        "title": title or "Annotation agreement report",
        "package": {"name": "raer_agreement", "version": __version__},
        "seed": int(seed),
        "n_boot": int(n_boot),
        "data": {
            "n_items": ann.n_items,
            "n_annotators": None if ann.anonymous else ann.n_annotators,
            "n_ratings": ann.n_ratings,
            "schemes": {s: list(ann.categories(s)) for s in ann.schemes},
            "contexts": contexts,
            # the pages word RAER-specific facts only for RAER's taxonomy
            "taxonomy": ann.taxonomy.name,
        },
    }
    if ann.anonymous:
        doc["anonymous_votes"] = IDENTITY_NOTE
    doc.update(
        {
            "ledger": ann.ledger.to_dict(),
            "agreement": agreement,
            "detail": detail,
            "granularity": granularity,
            "aggregation": aggregation,
            "review": review,
            "human_ceiling": []
            if ceiling is None
            else to_jsonable(ceiling.reset_index().to_dict("records")),
            "predictions": pred_doc,
            "triage": triage,
        }
    )
    return Report(to_jsonable(doc), ann, estimators, method, agg_scheme, analyses)


#: How the progress line names each method.
_METHOD_NAMES = {"majority": "majority vote", "dawid-skene": "Dawid-Skene"}


def _check_method(ann: Annotations, method: str | None, pair) -> str:

    if method is None:
        method = "majority" if ann.anonymous else ("hierarchical" if pair else "dawid-skene")
    if method not in METHODS:
        raise InputError(
            f"unknown method {method!r}; expected one of: {', '.join(METHODS)}", value=method
        )
    if method == "hierarchical" and not pair and len(ann.schemes) < 2:
        raise InputError("the hierarchical method needs two label schemes (e.g. coarse and fine)")
    if ann.anonymous and make_aggregator(method).needs_identities:
        ann.require_identities(f"the {method} aggregation")
    return method


def _methods(ann: Annotations, method: str, pair) -> list:
    """The methods fitted: majority vote, Dawid-Skene (and hierarchical), the chosen one."""
    if ann.anonymous:
        return ["majority"]
    methods = ["majority", "dawid-skene"] + (["hierarchical"] if pair else [])
    if method not in methods:
        methods.append(method)
    return methods


def _agreement(
    ann: Annotations, analyses: dict, contexts, n_boot: int, seed: int, bootstrap: str = "clips"
):
    """The agreement document and, per scheme, the per-class, pairwise and vote-spread detail."""

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateDataWarning)
        # the bootstrapped per-class tables first: the summary reuses their point columns
        per_class = {
            s: a.per_class(n_boot=n_boot, rng=np.random.default_rng(seed))
            for s, a in analyses.items()
        }
        agreement = agreement_summary(
            ann,
            by=contexts or None,
            n_boot=n_boot,
            rng=seed,
            analyses=analyses,
            bootstrap=bootstrap,
        )
        detail = {}
        for s, a in analyses.items():
            pc = per_class[s]
            d = {
                "per_class": to_jsonable(
                    pc.reset_index()
                    .rename(columns={pc.index.name or "index": "category"})
                    .to_dict("records")
                )
            }
            if a.identities:
                d["pairwise_kappa"] = _pairwise_block(a)
                d["consensus_kappa"] = _consensus_block(a)
            d["vote_distribution"] = _vote_stats(a.vote_spread)
            detail[s] = d
    return agreement, detail


#: Annotators shown in the pairwise kappa matrix (the most active ones beyond it).
MAX_MATRIX_ANNOTATORS = 200


def _consensus_block(a: Analysis) -> dict:
    """Each annotator's kappa against the consensus with its interval (the page's plot)."""
    ci = a.consensus_kappa_ci
    return to_jsonable(
        {
            "annotators": [str(x) for x in ci.index],
            "ci_low": ci["ci_low"].astype(float).tolist(),
            "ci_high": ci["ci_high"].astype(float).tolist(),
        }
    )


def _pairwise_block(a: Analysis) -> dict:
    """The pairwise Cohen kappa matrix, limited to the most active annotators."""
    km = a.kappa_matrix
    note = None
    if len(km) > MAX_MATRIX_ANNOTATORS:
        s = a.sufficient
        ids = np.asarray(a.annotations.annotator_ids, dtype=object)[s.annotator_codes]
        n = pd.Series(np.bincount(s.annotator, minlength=s.n_annotators), index=ids)
        n = n.reindex(km.index).fillna(0).sort_values(ascending=False, kind="stable")
        top = set(n.index[:MAX_MATRIX_ANNOTATORS])
        keep = [x for x in km.index if x in top]
        note = (
            f"the {MAX_MATRIX_ANNOTATORS} most active of {len(km)} annotators are shown "
            "(every pair counts in the per-annotator means)"
        )
        km = km.loc[keep, keep]
    block = {
        "annotators": [str(x) for x in km.index],
        "matrix": to_jsonable(km.to_numpy().tolist()),
    }
    if note:
        block["note"] = note
    return block


def _fit_estimators(ann: Annotations, methods, scheme: str, pair, seed: int, gold=None):
    """Fitted estimators, and for each method whether gold clips were clamped."""

    estimators, clamped = {}, {}
    for m in methods:
        est = make_aggregator(m, seed=seed)
        g = gold if m in CLAMPING_METHODS else None
        if m == "hierarchical":
            est.set_params(coarse=pair[1], fine=pair[0])
            # the hierarchical model clamps fine labels: coarse gold cannot fix a fine class
            fine = set(ann.categories(pair[0]))
            if g is not None and not set(map(str, g)) <= fine:
                g = None
        estimators[m] = est.fit(ann, scheme) if g is None else est.fit(ann, scheme, gold=g)
        clamped[m] = g is not None
    return estimators, clamped


def _aggregation(ann: Annotations, estimators: dict, scheme: str, method: str) -> dict:
    """Final labels compared across methods, and the Dawid-Skene fit."""
    methods = list(estimators)
    labels = {m: e.labels_ for m, e in estimators.items()}
    names = list(ann.categories(scheme))
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
    ds = estimators.get("dawid-skene")
    return {
        "scheme": scheme,
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
        "dawid_skene": None if ds is None else _dawid_skene(ds, ann),
    }


def _dawid_skene(ds, ann: Annotations) -> dict:
    return {
        "annotators": [str(x) for x in ann.annotator_ids],
        "n_iter": int(getattr(ds, "n_iter_", 0)),
        "converged": bool(getattr(ds, "converged_", True)),
        "log_likelihood": to_jsonable(float(ds.log_likelihood_[-1]))
        if len(getattr(ds, "log_likelihood_", []))
        else None,
        "priors": to_jsonable(np.asarray(ds.priors_).tolist()),
        "confusions": to_jsonable(np.asarray(ds.confusions_).round(6).tolist()),
    }


def _granularity(ann: Annotations, pair) -> list:
    """The coarse x fine contingency of the same ratings and per-annotator consistency."""
    if not pair:
        return []

    child, parent = pair
    cont = _contingency(ann, child, parent)
    entry = {
        "child": child,
        "parent": parent,
        "contingency": {
            "rows": list(cont.index),
            "columns": list(cont.columns),
            "counts": cont.to_numpy().tolist(),
        },
    }
    if not ann.anonymous:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DegenerateDataWarning)
            gba = granularity_by_annotator(ann, child, parent)
        entry["per_annotator"] = to_jsonable(gba.reset_index().to_dict("records"))
    return [entry]


def _review(ann: Annotations, estimators: dict, analysis: Analysis) -> dict:
    """Clips whose labels differ across methods or whose top posterior is low."""

    queue = review_queue(estimators)
    counts = analysis.counts
    n_votes = counts.sum(axis=1)
    top_share = counts.max(axis=1) / n_votes.where(n_votes > 0)
    queue = queue.assign(
        n_votes=n_votes.reindex(queue.index),
        top_vote_share=top_share.reindex(queue.index),
        # a list, not DataFrame.apply: an empty queue must still give one column
        votes=[
            ", ".join(f"{c} {int(v)}" for c, v in row.items() if v)
            for _, row in counts.reindex(queue.index).iterrows()
        ],
    )
    meta_cols = [
        c for c in ("split", "session_type", "environment", "student") if c in ann.items.columns
    ]
    queue = queue.join(ann.items[meta_cols])
    return {
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


def _predictions(path, ann: Annotations, scheme: str, method: str, estimator, ceiling) -> dict:
    """A model's predictions scored against the chosen method's labels."""

    pred = _read_predictions(path, ann, scheme)
    ref = estimator.labels_.astype(object).dropna()
    ev = evaluate(pred, ref.astype(str), classes=list(ann.categories(scheme)))
    return {
        "source": str(path),
        "against": method,
        "n_predictions": int(len(pred)),
        "n_matched": ev.n_items,
        "uar": ev.uar,
        "war": ev.war,
        "recall": {str(k): v for k, v in ev.recall.items()},
        "human_uar_median": None if ceiling is None else float(ceiling["uar"].median()),
        "human_war_median": None if ceiling is None else float(ceiling["war"].median()),
    }
