"""Annotator triage: who to trust, who to drop, and what dropping changes.

Three per-annotator scores, each from a published method:

* **spam score** (Raykar & Yu 2012), computed as peerannot does from the
  Dawid-Skene confusion matrix ``A`` (rows true class, columns vote) of
  each annotator: ``s = 1 / (K (K - 1)) * sum_{k < k'} sum_l (A[k, l] -
  A[k', l])^2``.  A spammer votes the same way whatever the truth (all rows
  equal, ``s = 0``); a perfect annotator has ``A = I`` and ``s = 1``.  For
  two classes it is ``(sensitivity + specificity - 1)^2``.
* **trace** of the confusion matrix (peerannot's ``trace_confusion``):
  ``sum_k A[k, k]``, from ``1`` for a uniform guesser to ``K``.
* **entropy** of the annotator's own label distribution (crowd-kit's
  ``entropy_threshold``): annotators who press the same button too often
  have the lowest entropy; those at or below the given percentile (among
  annotators with at least ``min_answers`` ratings) are flagged.

:func:`exclude_annotators` removes annotators and records every removed
rating in the ledger (never silently lost); :func:`exclusion_effect`
measures what exclusion changes: alpha, AC1 and the clips whose final label
changes.

These statistics need annotator identities: anonymous votes (counts tables)
are refused.

References
----------
Raykar, V. C. & Yu, S. (2012). Eliminating spammers and ranking annotators
for crowdsourced labeling tasks. *JMLR* 13, 491-518.
Dawid, A. P. & Skene, A. M. (1979). *Applied Statistics* 28(1), 20-28.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._json import to_jsonable
from ..annotations import Annotations
from ..errors import DegenerateDataWarning, InputError
from ..ledger import LedgerEntry
from ..metrics import agreement_table
from .base import annotations_and_scheme, entropy, gold_codes
from .dawid_skene import DawidSkene
from .registry import make_aggregator

__all__ = [
    "spam_scores",
    "confusion_traces",
    "annotator_entropy",
    "low_entropy",
    "annotator_triage",
    "require_identities",
    "exclude_annotators",
    "spammers",
    "drop_spammers",
    "ExclusionEffect",
    "exclusion_effect",
    "DEFAULT_SPAM_THRESHOLD",
    "gold_accuracy",
    "triage_document",
]

#: Spam score under which :func:`annotator_triage` flags an annotator.
DEFAULT_SPAM_THRESHOLD = 0.1


def require_identities(ann: Annotations, what: str) -> None:
    """Refuse anonymous votes for a statistic that needs annotator identities.

    Raises
    ------
    AnonymousVotesError
        When ``ann.anonymous`` (an :class:`~raer_agreement.errors.InputError`).
    """
    ann.require_identities(what)


def spam_scores(confusions) -> np.ndarray:
    """Raykar & Yu (2012) spammer score of each confusion matrix.

    Parameters
    ----------
    confusions : array of float, shape (n_annotators, K, K)
        Rows true class, columns vote; rows sum to 1.

    Returns
    -------
    ndarray of float, shape (n_annotators,)
        In ``[0, 1]``: 0 for a spammer (votes independent of the truth), 1
        for a perfect annotator.

    Examples
    --------
    >>> perfect, coin = np.eye(3), np.full((3, 3), 1 / 3)
    >>> spam_scores(np.stack([perfect, coin])).round(6).tolist()
    [1.0, 0.0]
    """
    A = np.asarray(confusions, dtype=float)
    if A.ndim != 3 or A.shape[1] != A.shape[2]:
        raise ValueError(f"confusions must have shape (n_annotators, K, K), got {A.shape}")
    K = A.shape[1]
    if K < 2:
        return np.full(A.shape[0], np.nan)
    # sum over pairs k < k' of ||A[k] - A[k']||^2 = K * sum_k ||A[k] - mean row||^2
    centred = A - A.mean(axis=1, keepdims=True)
    return K * np.einsum("akl,akl->a", centred, centred) / (K * (K - 1))


def confusion_traces(confusions) -> np.ndarray:
    """Trace of each confusion matrix, shape (n_annotators,): from 1
    (uniform guessing) to K (perfect).

    Examples
    --------
    >>> confusion_traces([np.eye(4)]).tolist()
    [4.0]
    """
    return np.trace(np.asarray(confusions, dtype=float), axis1=1, axis2=2)


def annotator_entropy(data, scheme: str | None = None) -> pd.Series:
    """Entropy (nats) of each annotator's label distribution.

    crowd-kit's ``uncertainty(..., compute_by="worker")`` with equal skills.

    Returns
    -------
    Series of float, shape (n_annotators,), indexed by annotator id

    Examples
    --------
    >>> df = pd.DataFrame({"item": ["1", "1", "2", "2"], "annotator": ["a", "b"] * 2,
    ...                    "label": ["x", "y", "x", "x"]})
    >>> annotator_entropy(df).round(4).to_dict()
    {'a': 0.0, 'b': 0.6931}
    """
    ann, scheme = annotations_and_scheme(data, scheme)
    require_identities(ann, "per-annotator entropy")
    q = ann.n_categories(scheme)
    _, an, lab = ann.ratings(scheme)
    c = np.bincount(an * q + lab, minlength=ann.n_annotators * q).reshape(ann.n_annotators, q)
    tot = c.sum(1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        h = entropy(np.where(tot > 0, c / np.maximum(tot, 1), np.nan))
    return pd.Series(h, index=pd.Index(ann.annotator_ids, name="annotator_id"), name="entropy")


def low_entropy(ent: pd.Series, n_ratings, *, percentile: float = 10, min_answers: int = 2):
    """crowd-kit's entropy rule: among annotators with at least ``min_answers``
    ratings, flag those whose entropy is at or below the ``percentile``-th
    percentile.

    Returns
    -------
    Series of bool, same index as ``ent``

    Examples
    --------
    >>> e = pd.Series([0.0, 0.7, 1.1], index=["a", "b", "c"])
    >>> low_entropy(e, [3, 3, 3]).tolist()
    [True, False, False]
    """
    n = np.asarray(n_ratings)
    eligible = (n >= min_answers) & np.isfinite(ent.to_numpy())
    out = pd.Series(False, index=ent.index, name="low_entropy")
    if eligible.any():
        cutoff = np.percentile(ent.to_numpy()[eligible], percentile)
        out[eligible & (ent.to_numpy() <= cutoff)] = True
    return out


def annotator_triage(
    data,
    scheme: str | None = None,
    *,
    spam_threshold: float = DEFAULT_SPAM_THRESHOLD,
    entropy_percentile: float = 10,
    min_answers: int = 2,
    model=None,
) -> pd.DataFrame:
    """Per-annotator spam score, confusion trace and answer entropy.

    Parameters
    ----------
    data : Annotations or long DataFrame
    scheme : str, optional
    spam_threshold : float
        Annotators whose spam score is below it are flagged ``spammer``.
    entropy_percentile, min_answers
        crowd-kit's entropy rule (see :func:`low_entropy`).
    model : fitted DawidSkene, optional
        Reuse its ``confusions_``; by default a Dawid-Skene model is fitted.

    Returns
    -------
    DataFrame, one row per annotator (index ``annotator_id``)
        Columns ``n_ratings, spam_score, trace, trace_share`` (trace / K,
        the mean per-class accuracy), ``entropy, low_entropy, spammer``;
        sorted as the annotators are coded.

    Raises
    ------
    InputError
        For anonymous votes.

    Examples
    --------
    Annotator ``z`` votes "p" whatever the clip shows:

    >>> df = pd.DataFrame({"item": np.repeat(np.arange(6), 3), "annotator": ["x", "y", "z"] * 6,
    ...     "label": ["p", "p", "p", "n", "n", "p", "p", "p", "p", "n", "n", "p", "n", "n", "p",
    ...               "p", "p", "p"]})
    >>> t = annotator_triage(df)
    >>> t["spammer"].tolist()
    [False, False, True]
    """

    ann, scheme = annotations_and_scheme(data, scheme)
    require_identities(ann, "annotator triage")
    if model is None:
        model = DawidSkene().fit(ann, scheme)
    A = np.asarray(model.confusions_)
    if A.shape[0] != ann.n_annotators:
        raise ValueError(
            f"the model holds {A.shape[0]} confusion matrices for {ann.n_annotators} annotators"
        )
    _, an, _ = ann.ratings(scheme)
    n = np.bincount(an, minlength=ann.n_annotators)
    ent = annotator_entropy(ann, scheme)
    spam = spam_scores(A)
    tr = confusion_traces(A)
    out = pd.DataFrame(
        {
            "n_ratings": n,
            "spam_score": spam,
            "trace": tr,
            "trace_share": tr / A.shape[1],
            "entropy": ent.to_numpy(),
            "low_entropy": low_entropy(
                ent, n, percentile=entropy_percentile, min_answers=min_answers
            ).to_numpy(),
            "spammer": (spam < spam_threshold) & (n > 0),
        },
        index=pd.Index(ann.annotator_ids, name="annotator_id"),
    )
    return out


def exclude_annotators(
    ann: Annotations, ids: Iterable[str], *, reason: str = "excluded_annotator", why: str = ""
) -> Annotations:
    """The annotations without these annotators; their ratings are counted
    in the ledger as dropped.

    Parameters
    ----------
    ann : Annotations
    ids : iterable of str
        Annotator ids, as in ``ann.annotator_ids``.
    reason : str
        Ledger key.
    why : str
        Added to the ledger sentence (e.g. the spam scores).

    Raises
    ------
    InputError
        Unknown annotator ids (the known ones are listed) or anonymous votes.

    Examples
    --------
    >>> df = pd.DataFrame({"item": ["1", "1", "2"], "annotator": ["a", "b", "b"],
    ...                    "label": ["x", "y", "y"]})
    >>> from raer_agreement.io import from_long
    >>> sub = exclude_annotators(from_long(df), ["b"])
    >>> sub.n_ratings, sub.ledger.dropped_by_reason
    (1, {'excluded_annotator': 2})
    """
    ids = [str(i) for i in ids]
    if not ids:
        return ann
    require_identities(ann, "excluding annotators")
    known = {a: k for k, a in enumerate(ann.annotator_ids)}
    unknown = [i for i in ids if i not in known]
    if unknown:
        shown = ", ".join(ann.annotator_ids[:20]) + (", ..." if ann.n_annotators > 20 else "")
        raise InputError(
            f"no annotator {', '.join(map(repr, unknown))} in the ratings (annotators: {shown})",
            column="--exclude-annotators",
            value=",".join(unknown),
        )
    codes = np.array(sorted({known[i] for i in ids}))
    drop = np.isin(ann.annotator, codes)
    names = [ann.annotator_ids[c] for c in codes]
    entry = LedgerEntry(
        reason,
        int(drop.sum()),
        f"ratings of annotator(s) {', '.join(names)} excluded" + (f" ({why})" if why else ""),
    )
    led = ann.ledger
    led = dataclasses.replace(led, entries=led.entries + (entry,))
    sub = ann.select(~drop)
    n = np.bincount(sub.item, minlength=sub.n_items) if sub.n_ratings else np.zeros(0)
    rpi = led.ratings_per_item
    if rpi and len(n):
        rpi = {
            "min": float(n.min()),
            "median": float(np.median(n)),
            "mean": float(n.mean()),
            "max": float(n.max()),
        }
    led = led.with_counts(n_items=sub.n_items, n_annotators=sub.n_annotators, ratings_per_item=rpi)
    return sub.with_ledger(led)


def spammers(
    data, threshold: float, scheme: str | None = None, *, model=None
) -> tuple[list, pd.Series]:
    """Annotators whose spam score is below ``threshold``.

    Returns
    -------
    ids : list of str
    scores : Series of float, every annotator's spam score
    """
    ann, scheme = annotations_and_scheme(data, scheme)
    t = annotator_triage(ann, scheme, spam_threshold=threshold, model=model)
    return t.index[t["spammer"]].tolist(), t["spam_score"]


def drop_spammers(
    ann: Annotations, threshold: float, scheme: str | None = None
) -> tuple[Annotations, list]:
    """Exclude the annotators whose spam score (on ``scheme``) is below
    ``threshold``; the ledger records them with their scores.

    Returns
    -------
    Annotations, list of str (the dropped annotator ids)
    """
    if not 0 <= threshold <= 1:
        raise InputError(
            "the spam-score threshold must lie between 0 and 1",
            column="--drop-spammers",
            value=threshold,
        )
    ids, scores = spammers(ann, threshold, scheme)
    why = ", ".join(f"{i}: {scores[i]:.3f}" for i in ids)
    return (
        exclude_annotators(
            ann, ids, reason="spammer", why=f"spam score below {threshold:g}; {why}"
        ),
        ids,
    )


@dataclass(frozen=True)
class ExclusionEffect:
    """What excluding annotators changes.

    Attributes
    ----------
    excluded : tuple of str
        Annotator ids removed.
    ratings_removed : int
    coefficients : DataFrame
        Rows ``krippendorff_alpha``, ``gwet_ac1``; columns ``before, after,
        change``.
    labels_changed : DataFrame
        One row per clip whose final label changes: ``item_id, before,
        after``; NA = no single label (a tie left unresolved, or no rating
        left after exclusion).
    n_items : int
        Clips compared.
    method : str
        Aggregation method of the final labels.
    """

    excluded: tuple
    ratings_removed: int
    coefficients: pd.DataFrame
    labels_changed: pd.DataFrame
    n_items: int
    method: str

    def to_dict(self) -> dict:

        return to_jsonable(
            {
                "excluded": list(self.excluded),
                "ratings_removed": self.ratings_removed,
                "method": self.method,
                "n_items": self.n_items,
                "n_labels_changed": len(self.labels_changed),
                "coefficients": {k: dict(v) for k, v in self.coefficients.to_dict("index").items()},
                "labels_changed": self.labels_changed.to_dict("records"),
            }
        )


def exclusion_effect(
    ann: Annotations,
    excluded: Sequence[str],
    scheme: str | None = None,
    *,
    method: str = "majority",
    tie_break: str = "unresolved",
    seed: int = 0,
    analysis=None,
) -> ExclusionEffect:
    """Alpha, AC1 and final labels with and without some annotators.

    Parameters
    ----------
    ann : Annotations
        All ratings.
    excluded : sequence of str
        Annotator ids to leave out.
    scheme : str, optional
    method : str
        Aggregation method of the final labels (see
        :func:`~raer_agreement.aggregation.make_aggregator`).
    tie_break : str
        Tie policy of ``majority`` and ``wawa``.  The default,
        ``"unresolved"``, leaves ties without a label, so a clip that becomes
        (or stops being) a tie counts as changed; a random policy would
        change labels by chance alone.
    seed : int
    analysis : Analysis, optional
        An analysis of ``ann`` and ``scheme`` already made (e.g. by a
        report): its coefficients are reused for the "before" column.

    Returns
    -------
    ExclusionEffect

    Examples
    --------
    >>> df = pd.DataFrame({"item": ["1"] * 5 + ["2"] * 5, "annotator": list("abcde") * 2,
    ...                    "label": list("xxyyy") + list("xxxyy")})
    >>> from raer_agreement.io import from_long
    >>> eff = exclusion_effect(from_long(df), ["d", "e"])
    >>> eff.labels_changed.to_dict("records")
    [{'item_id': '1', 'before': 'y', 'after': 'x'}]
    >>> eff.ratings_removed
    4
    """

    ann, scheme = annotations_and_scheme(ann, scheme)
    sub = exclude_annotators(ann, excluded)
    return ExclusionEffect(
        tuple(str(i) for i in excluded),
        int(ann.n_ratings - sub.n_ratings),
        _coefficient_change(ann, sub, scheme, analysis),
        _labels_changed(ann, sub, scheme, method, tie_break, seed),
        int(ann.n_items),
        method,
    )


def _coefficient_change(ann, sub, scheme, analysis) -> pd.DataFrame:
    """Alpha and AC1 before and after the exclusion, and the change (an analysis lends "before")."""
    which = ["krippendorff_alpha", "gwet_ac1"]
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateDataWarning)
        if analysis is not None and analysis.annotations is ann and analysis.scheme == scheme:
            before_table = analysis.coefficients(which).to_frame()
        else:
            before_table = agreement_table(ann, scheme, n_boot=0, coefficients=which)
        before = before_table.set_index("coefficient")["estimate"]
        after = agreement_table(sub, scheme, n_boot=0, coefficients=which).set_index("coefficient")[
            "estimate"
        ]
    coefs = pd.DataFrame({"before": before, "after": after})
    coefs["change"] = coefs["after"] - coefs["before"]
    return coefs


def _labels_changed(ann, sub, scheme, method, tie_break, seed) -> pd.DataFrame:
    """The clips whose final label differs with and without the excluded annotators."""
    opts = {"tie_break": tie_break} if method in ("majority", "wawa") else {}
    lab_before = make_aggregator(method, seed=seed, **opts).fit_predict(ann, scheme)
    lab_after = make_aggregator(method, seed=seed, **opts).fit_predict(sub, scheme)
    lab_after = lab_after.reindex(lab_before.index)
    b = lab_before.astype(object)
    a = lab_after.astype(object)
    changed = ~(b.eq(a) | (b.isna() & a.isna()))
    return pd.DataFrame(
        {
            "item_id": lab_before.index[changed].astype(str),
            "before": b[changed].to_numpy(),
            "after": a[changed].to_numpy(),
        }
    ).reset_index(drop=True)


def gold_accuracy(data, gold, scheme: str | None = None, *, confidence: float = 0.95):
    """Each annotator's accuracy on the clips with a gold label.

    Parameters
    ----------
    data : Annotations or long DataFrame
    gold : Series or mapping of clip id -> label
        Category names or codes of ``scheme``; clips without ratings are
        ignored.
    scheme : str, optional
    confidence : float
        Level of the Wilson score interval.

    Returns
    -------
    DataFrame, one row per annotator with at least one gold rating
        Index ``annotator_id``; columns ``n_gold, n_correct, accuracy,
        ci_low, ci_high``; sorted by accuracy (lowest first).

    Raises
    ------
    InputError
        For anonymous votes.

    Examples
    --------
    >>> df = pd.DataFrame({"item": ["1", "1", "2", "2"], "annotator": ["a", "b"] * 2,
    ...                    "label": ["x", "y", "y", "y"]})
    >>> acc = gold_accuracy(df, {"1": "x", "2": "y"})
    >>> acc["accuracy"].to_dict(), acc["n_gold"].tolist()
    ({'b': 0.5, 'a': 1.0}, [2, 2])
    """
    from scipy.special import ndtri  # the normal quantile; scipy.stats is slow to import

    ann, scheme = annotations_and_scheme(data, scheme)
    require_identities(ann, "per-annotator accuracy on gold")
    g = gold_codes(gold, ann, scheme)
    it, an, lab = ann.ratings(scheme)
    on_gold = g[it] >= 0
    n = np.bincount(an[on_gold], minlength=ann.n_annotators)
    k = np.bincount(an[on_gold], weights=(lab == g[it])[on_gold], minlength=ann.n_annotators)
    z = ndtri(1 - (1 - confidence) / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        # Wilson score interval: sensible at accuracies near 0 or 1 and small n
        centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    out = pd.DataFrame(
        {
            "n_gold": n,
            "n_correct": k.astype(np.int64),
            "accuracy": p,
            # exact at the ends (0 of n: lower bound 0, not 5.6e-17; n of n: upper 1)
            "ci_low": np.where(k == 0, 0.0, np.clip(centre - half, 0.0, 1.0)),
            "ci_high": np.where(k == n, 1.0, np.clip(centre + half, 0.0, 1.0)),
        },
        index=pd.Index(ann.annotator_ids, name="annotator_id"),
    )
    return out[out["n_gold"] > 0].sort_values("accuracy", kind="stable")


def triage_document(
    ann: Annotations,
    scheme: str | None = None,
    *,
    original: Annotations | None = None,
    excluded: Sequence[str] = (),
    gold=None,
    model=None,
    spam_threshold: float = DEFAULT_SPAM_THRESHOLD,
    method: str = "majority",
    analysis=None,
) -> dict:
    """The annotator-triage block of a report (JSON-ready).

    Parameters
    ----------
    ann : Annotations
        The ratings analysed (after any exclusion).
    scheme : str, optional
    original : Annotations, optional
        All ratings, before ``excluded`` annotators were removed.
    excluded : sequence of str
        Annotators removed by the user.  Without any, the effect of
        excluding the flagged spammers is shown as a what-if.
    gold : Series or mapping of clip id -> label, optional
        Adds each annotator's accuracy on gold.
    model : fitted DawidSkene, optional
        Reused for the confusion matrices of ``ann``.
    spam_threshold : float
    method : str
        Aggregation method of the final labels compared with and without
        the excluded annotators.
    analysis : Analysis, optional
        An analysis of ``ann`` already made, reused (see
        :func:`exclusion_effect`).

    Returns
    -------
    dict
        ``{"scheme", "spam_threshold", "annotators": [...], "flagged": [...],
        "low_entropy": [...], "exclusion": {...} or None,
        "gold_accuracy": [...] or None}``.

    Examples
    --------
    >>> from raer_agreement.simulate import load_sample
    >>> doc = triage_document(load_sample(), "coarse")
    >>> doc["flagged"], doc["exclusion"]["hypothetical"]
    (['A05'], True)
    """

    ann, scheme = annotations_and_scheme(ann, scheme)
    require_identities(ann, "annotator triage")
    t = annotator_triage(ann, scheme, spam_threshold=spam_threshold, model=model)
    flagged = t.index[t["spammer"]].tolist()
    exclusion = None
    if excluded and original is not None:
        eff, hypothetical = exclusion_effect(original, excluded, scheme, method=method), False
    elif flagged:
        eff = exclusion_effect(ann, flagged, scheme, method=method, analysis=analysis)
        hypothetical = True
    else:
        eff = None
    if eff is not None:
        exclusion = {**eff.to_dict(), "hypothetical": hypothetical}
    acc = None
    if gold is not None:
        acc = gold_accuracy(ann, gold, scheme).reset_index().to_dict("records")
    return to_jsonable(
        {
            "scheme": scheme,
            "spam_threshold": spam_threshold,
            "annotators": t.reset_index().to_dict("records"),
            "flagged": flagged,
            "low_entropy": t.index[t["low_entropy"]].tolist(),
            "exclusion": exclusion,
            "gold_accuracy": acc,
        }
    )
