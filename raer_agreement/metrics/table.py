"""The tidy agreement table and the JSON agreement summary.

:func:`agreement_table` is what a notebook calls; :func:`agreement_summary`
builds the document the ``raer-agreement agreement --json`` command prints
(schema: ``raer_agreement/data_schema/agreement.schema.json``).
"""

from __future__ import annotations

import warnings
import zlib
from typing import Any

import numpy as np
import pandas as pd

from .._json import to_jsonable
from .._version import __version__
from ..errors import DegenerateDataWarning, InputError
from ..io.frames import as_annotations
from .analysis import IDENTITY_NOTE, Analysis
from .bootstrap import as_generator
from .coefficients import COEFFICIENTS
from .compare import compare_groups
from .results import TABLE_COLUMNS
from .strata import granularity_agreement

__all__ = ["agreement_table", "agreement_summary", "TABLE_COLUMNS", "CONVENTIONS"]

CONVENTIONS = (
    "Gwet's irrCAC R package (agree.coeff3.raw.r): percent agreement over items with >= 2 ratings; "
    "Fleiss pe from category shares averaged over rated items; AC1 pe = sum pi(1-pi)/(q-1); "
    "Brennan-Prediger/Randolph pe = 1/q; Conger pe from each annotator's marginals; "
    "Krippendorff's alpha from the coincidence matrix; mean Cohen kappa = Light's kappa over annotator pairs; "
    "q counts every declared category; SE by Gwet's linearisation; CI with Student t(n-1), n = rated items, "
    "upper bound clipped at 1 (percent agreement: lower at 0); two-sided p-value of H0: coefficient = 0; bootstrap: percentile intervals "
    "over items (clips), annotators never resampled."
)


#: Appended to :data:`CONVENTIONS` when alpha uses Krippendorff's bootstrap.
KRIPPENDORFF_CONVENTION = (
    " Krippendorff's alpha: Krippendorff's bootstrap instead (pairs of values drawn from the "
    "coincidence matrix with expected disagreement fixed, M = (m - 1) n../2 pairs capped at 25 "
    "per non-empty cell; Krippendorff 2006/2011), for its interval and threshold probabilities."
)


def agreement_table(
    data,
    scheme: str | None = None,
    *,
    n_boot: int = 1000,
    rng=None,
    confidence: float = 0.95,
    weights=None,
    level: str = "nominal",
    coefficients=COEFFICIENTS,
) -> pd.DataFrame:
    """Every agreement coefficient of one scheme, with SE, CIs and p-values.

    Conventions follow Gwet's irrCAC R package (``agree.coeff3.raw.r``): SE
    by Gwet's linearisation, 95% CI with Student t(n - 1) (``n`` = rated
    items), upper bound clipped at 1, two-sided p-value; ``q`` counts every
    declared category, used or not.  The bootstrap resamples items (clips),
    never annotators, evaluating all resamples at once from per-item
    sufficient statistics.

    Parameters
    ----------
    data : Annotations or long DataFrame
        ``n_ratings`` ratings of ``n_items`` items by ``n_annotators``
        annotators in ``q`` categories.
    scheme : str, optional
        Default: the first scheme.
    n_boot : int
        Bootstrap resamples (``0`` skips the bootstrap: boot columns nan).
    rng : None, int or numpy.random.Generator
        Seed for reproducible bootstrap intervals.
    confidence : float
    weights : None, str or ndarray of shape (q, q)
        Partial-agreement weights (``"linear"``, ``"quadratic"``, ...): gives
        weighted percent agreement, weighted Fleiss kappa, AC2, weighted
        Brennan-Prediger, weighted Conger and weighted Cohen kappas.
    level : {"nominal", "ordinal", "interval", "ratio"}
        Krippendorff's alpha metric (nominal by default).
    coefficients : sequence of str
        Subset of :data:`~raer_agreement.metrics.COEFFICIENTS`.

    Returns
    -------
    DataFrame, one row per coefficient
        Columns ``coefficient, estimate, se, ci_low, ci_high, p_value,
        boot_ci_low, boot_ci_high, n_items, n_ratings`` then ``pa, pe``
        (observed and chance agreement), ``n_boot`` and the interpretation
        bands ``landis_koch`` and ``krippendorff_band``.

    Warns
    -----
    DegenerateDataWarning
        For each coefficient that is undefined (nan), with the reason.

    Examples
    --------
    >>> from raer_agreement import Annotations
    >>> ann = Annotations.from_counts([[0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6],
    ...     [0, 3, 9, 2, 0], [2, 2, 8, 1, 1], [7, 7, 0, 0, 0], [3, 2, 6, 3, 0],
    ...     [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7]])
    >>> t = agreement_table(ann, n_boot=200, rng=0,
    ...                     coefficients=["percent_agreement", "fleiss_kappa", "randolph_kappa"])
    >>> t.set_index("coefficient")["estimate"].round(3).to_dict()
    {'percent_agreement': 0.378, 'fleiss_kappa': 0.21, 'randolph_kappa': 0.223}
    """
    a = Analysis(data, scheme, weights=weights, level=level, confidence=confidence)
    return a.coefficients(coefficients, n_boot=n_boot, rng=rng).to_frame()


def _records(frame: pd.DataFrame, index_name: str) -> list:
    f = frame.reset_index()
    f = f.rename(columns={f.columns[0]: index_name})
    return [{k: v for k, v in r.items()} for r in f.to_dict("records")]


def agreement_summary(
    data,
    *,
    by=None,
    n_boot: int = 1000,
    rng=None,
    confidence: float = 0.95,
    weights=None,
    level: str = "nominal",
    schemes=None,
    analyses=None,
    bootstrap: str = "clips",
) -> dict:
    """The agreement report as a JSON-ready dictionary.

    Parameters
    ----------
    data : Annotations or long DataFrame
    by : str or sequence of str, optional
        Item-metadata columns (``split``, ``session_type``, ``environment``,
        ...): every coefficient is also computed within each value.
    n_boot : int
        Bootstrap resamples over items (``0`` = none).
    rng : None, int or numpy.random.Generator
        An int seed is recorded in the document.
    confidence, weights, level
        As in :func:`agreement_table`.
    schemes : sequence of str, optional
        Default: every scheme.
    analyses : mapping of str to Analysis, optional
        Analyses already made for some schemes (with the same ``weights``,
        ``level`` and ``confidence``): their cached statistics are reused.
    bootstrap : {"clips", "krippendorff"}
        ``"krippendorff"``: alpha's bootstrap interval and threshold
        probabilities come from Krippendorff's bootstrap of pairs (see
        :meth:`Analysis.coefficients`); every other interval resamples clips.

    Returns
    -------
    dict
        ``{"package", "conventions", "confidence", "bootstrap", "data",
        "schemes": {scheme: {"categories", "n_items", "n_ratings",
        "n_annotators", "coefficients": {key: {estimate, se, ci_low, ci_high,
        p_value, boot_ci_low, boot_ci_high, ...}}, "per_class": [...],
        "per_annotator": [...], "diagnostics": {...}, "by": {column: [...]},
        "by_comparison": {column: {"paired", "n_boot", "confidence", "pairwise":
        [...], "overall": [...]}}}},
        "granularity": [...], "ledger": {...}}``, with no numpy types and
        nan as None (``json.dumps`` ready).  When the votes are anonymous
        the document says so in ``"anonymous_votes"`` (one line) and holds
        no identity statistic: no Conger or mean Cohen kappa, no
        ``per_annotator`` and no max-kappa bounds.  Documented by
        ``raer_agreement/data_schema/agreement.schema.json``.

    Examples
    --------
    >>> import json
    >>> from raer_agreement.io import from_matrix
    >>> ann = from_matrix([[1, 1, 2], [2, 2, 2], [1, 1, 1], [2, 1, 2]], categories=[1, 2])
    >>> doc = agreement_summary(ann, n_boot=50, rng=0)
    >>> sorted(doc["schemes"]["label"]["coefficients"])[:3]
    ['brennan_prediger', 'conger_kappa', 'fleiss_kappa']
    >>> _ = json.dumps(doc, allow_nan=False)
    """
    ann = as_annotations(data)
    seed = int(rng) if isinstance(rng, (int, np.integer)) else None
    gen = as_generator(rng)
    by_cols = _by_columns(ann, by)
    names = list(ann.schemes) if schemes is None else list(schemes)
    analyses = dict(analyses or {})
    doc = _document_head(ann, n_boot, seed, confidence, weights, level, bootstrap)
    doc["schemes"] = {}
    for sch in names:
        if sch not in analyses:
            analyses[sch] = Analysis(ann, sch, weights=weights, level=level, confidence=confidence)
        doc["schemes"][sch] = _scheme_entry(analyses[sch], by_cols, n_boot, gen, bootstrap)
    doc["granularity"] = _granularity_records(ann, analyses)
    doc["ledger"] = ann.ledger.to_dict()
    return to_jsonable(doc)


def _by_columns(ann, by) -> list:
    """``by`` as a list of item-metadata columns, each checked to be there."""
    cols = [] if by is None else ([by] if isinstance(by, str) else list(by))
    for col in cols:
        _check_column(ann, col)
    return cols


def _document_head(ann, n_boot, seed, confidence, weights, level, bootstrap) -> dict[str, Any]:
    """The document's opening keys: package, conventions, settings and the size of the data."""
    doc: dict[str, Any] = {
        "package": {"name": "raer_agreement", "version": __version__},
        "conventions": CONVENTIONS
        + (KRIPPENDORFF_CONVENTION if bootstrap == "krippendorff" else ""),
        "confidence": confidence,
        "level_of_measurement": level,
        "weights": weights if isinstance(weights, str) or weights is None else "custom",
        "bootstrap": {
            "n_boot": int(n_boot),
            "seed": seed,
            "unit": "item",
            "method": "percentile",
            "scheme": bootstrap,
        },
        "data": {
            "n_items": ann.n_items,
            # anonymous votes have vote slots, not annotators: no count is printed
            "n_annotators": None if ann.anonymous else ann.n_annotators,
            "n_ratings": ann.n_ratings,
        },
    }
    if ann.anonymous:
        doc["anonymous_votes"] = IDENTITY_NOTE
    return doc


def _granularity_records(ann, analyses: dict) -> list:
    """Fine against coarse agreement for every parent/child pair of schemes present (none: [])."""
    pairs = [(c, p) for c, p in ann.taxonomy.pairs() if c in ann.schemes and p in ann.schemes]
    if not pairs:
        return []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateDataWarning)
        g = granularity_agreement(ann, analyses=analyses)
    return g.to_dict("records")


def _scheme_entry(a: Analysis, by_cols, n_boot, gen, bootstrap: str = "clips") -> dict:
    """The document of one scheme: coefficients, per class, per annotator, diagnostics, by."""
    s = a.sufficient
    table = a.coefficients(n_boot=n_boot, rng=gen, bootstrap=bootstrap)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateDataWarning)
        pc = a.per_class()
        diag = a.paradox
        pa = a.per_annotator if a.identities else None
        mk = a.max_kappa if a.identities else None
    entry: dict[str, Any] = {
        "categories": list(a.annotations.categories(a.scheme)),
        "n_items": s.n_items,
        "n_ratings": s.n_ratings,
        "n_annotators": s.n_annotators if a.identities else None,
        "coefficients": table.to_dict(),
        "per_class": _records(pc, "category"),
    }
    if pa is not None:
        entry["per_annotator"] = _records(pa, "annotator")
    entry["diagnostics"] = {k: diag[k] for k in diag.index}
    if mk is not None:
        entry["diagnostics"]["mean_cohen_kappa_max"] = mk["mean_cohen_kappa_max"]
    entry["diagnostics"]["prevalence"] = _records(a.prevalence, "category")
    if a.notes:
        entry["notes"] = list(a.notes)
    entry["by"] = {}
    # one stream per column, keyed by its name: a column's intervals and tests do not
    # depend on which other --by columns are given, nor on their order
    base = int(gen.integers(2**63))
    for col in by_cols:
        groups, analyses = [], {}
        col_gen = np.random.default_rng([base, zlib.crc32(str(col).encode())])
        for value, sub, t in a.by(col, n_boot=n_boot, rng=col_gen, bootstrap=bootstrap):
            analyses[str(value)] = sub
            groups.append(
                {
                    "value": str(value),
                    "n_items": int(max(c.n for c in t)),
                    "n_ratings": int(max(c.n_ratings for c in t if c.name != "krippendorff_alpha")),
                    "coefficients": t.to_dict(),
                }
            )
        entry["by"][col] = groups
        if n_boot >= 2 and len(groups) >= 2:
            entry.setdefault("by_comparison", {})[col] = _compare_groups(
                a, analyses, n_boot, col_gen
            )
    return entry


def _compare_groups(a: Analysis, groups: dict, n_boot: int, gen) -> dict:
    """Differences between the groups of a column (their Analyses, from
    :meth:`Analysis.by`) and the test of equal agreement."""

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateDataWarning)
        c = compare_groups(
            groups,
            a.scheme,
            coefficients=a.coefficient_names,
            n_boot=n_boot,
            rng=gen,
            confidence=a.confidence,
            weights=a.weights,
            level=a.level,
        )
    return c.to_dict()


def _check_column(ann, col):

    if col not in ann.items.columns:
        cols = ", ".join(map(str, ann.items.columns)) or "none"
        raise InputError(
            f"no item metadata column {col!r} to group by (columns: {cols})", column=col
        )
