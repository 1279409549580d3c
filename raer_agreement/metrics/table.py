"""The tidy agreement table and the JSON agreement summary.

:func:`agreement_table` is what a notebook calls; :func:`agreement_summary`
builds the document the ``raer-agreement agreement --json`` command prints
(schema: ``raer_agreement/data_schema/agreement.schema.json``).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from .._json import to_jsonable
from .._version import __version__
from ..errors import DegenerateDataWarning
from ._sufficient import sufficient
from .bootstrap import as_generator, bootstrap_replicates, percentile_ci
from .coefficients import COEFFICIENTS, Engine, as_annotations
from .diagnostics import krippendorff_band, landis_koch, max_kappa, paradox_diagnostics, prevalence

__all__ = ["agreement_table", "agreement_summary", "TABLE_COLUMNS", "CONVENTIONS", "to_jsonable"]

#: Columns of :func:`agreement_table`, in order.
TABLE_COLUMNS = (
    "coefficient",
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "p_value",
    "boot_ci_low",
    "boot_ci_high",
    "n_items",
    "n_ratings",
    "pa",
    "pe",
    "n_boot",
    "landis_koch",
    "krippendorff_band",
)

CONVENTIONS = (
    "Gwet's irrCAC R package (agree.coeff3.raw.r): percent agreement over items with >= 2 ratings; "
    "Fleiss pe from category shares averaged over rated items; AC1 pe = sum pi(1-pi)/(q-1); "
    "Brennan-Prediger/Randolph pe = 1/q; Conger pe from each annotator's marginals; "
    "Krippendorff's alpha from the coincidence matrix; mean Cohen kappa = Light's kappa over annotator pairs; "
    "q counts every declared category; SE by Gwet's linearisation; CI with Student t(n-1), n = rated items, "
    "upper bound clipped at 1; two-sided p-value of H0: coefficient = 0; bootstrap: percentile intervals "
    "over items (clips), annotators never resampled."
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
    ann = as_annotations(data)
    eng = Engine(sufficient(ann, scheme), weights=weights, level=level)
    which = tuple(coefficients)
    unknown = [c for c in which if c not in COEFFICIENTS]
    if unknown:
        raise ValueError(
            f"unknown coefficient(s) {', '.join(map(repr, unknown))}; "
            f"expected any of {', '.join(COEFFICIENTS)}"
        )
    pts = eng.point(which, confidence, warn=False)
    _warn_grouped(pts)
    reps = bootstrap_replicates(eng, which, n_boot=n_boot, rng=rng) if n_boot else {}
    rows = []
    for name in which:
        r = pts[name]
        lo, hi = percentile_ci(reps[name], confidence) if n_boot else (np.nan, np.nan)
        if r["reason"] is not None:
            lo = hi = np.nan
        rows.append(
            {
                "coefficient": name,
                "estimate": r["estimate"],
                "se": r["se"],
                "ci_low": r["ci_low"],
                "ci_high": r["ci_high"],
                "p_value": r["p_value"],
                "boot_ci_low": lo,
                "boot_ci_high": hi,
                "n_items": r["n_items"],
                "n_ratings": r["n_ratings"],
                "pa": r["pa"],
                "pe": r["pe"],
                "n_boot": int(n_boot),
                "landis_koch": landis_koch(r["estimate"]),
                "krippendorff_band": krippendorff_band(r["estimate"]),
            }
        )
    out = pd.DataFrame(rows, columns=list(TABLE_COLUMNS))
    out = out.astype({"n_items": "int64", "n_ratings": "int64", "n_boot": "int64"})
    for c in (
        "estimate",
        "se",
        "ci_low",
        "ci_high",
        "p_value",
        "boot_ci_low",
        "boot_ci_high",
        "pa",
        "pe",
    ):
        out[c] = out[c].astype(float)
    return out


def _warn_grouped(pts: dict) -> None:
    by_reason: dict[str, list] = {}
    for name, r in pts.items():
        if r["reason"] is not None:
            by_reason.setdefault(r["reason"], []).append(name)
    for reason, names in by_reason.items():
        warnings.warn(
            f"{', '.join(names)} {'is' if len(names) == 1 else 'are'} undefined (nan): {reason}",
            DegenerateDataWarning,
            stacklevel=3,
        )


_COEF_FIELDS = ("estimate", "se", "ci_low", "ci_high", "p_value", "boot_ci_low", "boot_ci_high")


def _coefficients_block(table: pd.DataFrame) -> dict:
    out = {}
    for row in table.to_dict("records"):
        d = {k: row[k] for k in _COEF_FIELDS}
        d.update(
            n_items=row["n_items"],
            n_ratings=row["n_ratings"],
            pa=row["pa"],
            pe=row["pe"],
            landis_koch=row["landis_koch"],
            krippendorff_band=row["krippendorff_band"],
        )
        out[row["coefficient"]] = d
    return out


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

    Returns
    -------
    dict
        ``{"package", "conventions", "confidence", "bootstrap", "data",
        "schemes": {scheme: {"categories", "n_items", "n_ratings",
        "n_annotators", "coefficients": {key: {estimate, se, ci_low, ci_high,
        p_value, boot_ci_low, boot_ci_high, ...}}, "per_class": [...],
        "per_annotator": [...], "diagnostics": {...}, "by": {column: [...]}}},
        "granularity": [...], "ledger": {...}}``, with no numpy types and
        nan as None (``json.dumps`` ready).  Documented by
        ``raer_agreement/data_schema/agreement.schema.json``.

    Examples
    --------
    >>> import json
    >>> from raer_agreement import Annotations
    >>> ann = Annotations.from_matrix([[1, 1, 2], [2, 2, 2], [1, 1, 1], [2, 1, 2]], categories=[1, 2])
    >>> doc = agreement_summary(ann, n_boot=50, rng=0)
    >>> sorted(doc["schemes"]["label"]["coefficients"])[:3]
    ['brennan_prediger', 'conger_kappa', 'fleiss_kappa']
    >>> _ = json.dumps(doc, allow_nan=False)
    """
    from .per_annotator import per_annotator_agreement
    from .per_class import per_class_agreement
    from .strata import agreement_by, granularity_agreement

    ann = as_annotations(data)
    seed = int(rng) if isinstance(rng, (int, np.integer)) else None
    gen = as_generator(rng)
    by_cols = [] if by is None else ([by] if isinstance(by, str) else list(by))
    for col in by_cols:
        _check_column(ann, col)
    names = list(ann.schemes) if schemes is None else list(schemes)
    doc = {
        "package": {"name": "raer_agreement", "version": __version__},
        "conventions": CONVENTIONS,
        "confidence": confidence,
        "level_of_measurement": level,
        "weights": weights if isinstance(weights, str) or weights is None else "custom",
        "bootstrap": {"n_boot": int(n_boot), "seed": seed, "unit": "item", "method": "percentile"},
        "data": {
            "n_items": ann.n_items,
            "n_annotators": ann.n_annotators,
            "n_ratings": ann.n_ratings,
        },
        "schemes": {},
    }
    for sch in names:
        s = sufficient(ann, sch)
        table = agreement_table(
            ann, sch, n_boot=n_boot, rng=gen, confidence=confidence, weights=weights, level=level
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DegenerateDataWarning)
            pc = per_class_agreement(ann, sch)
            pa = per_annotator_agreement(ann, sch, level=level)
            diag = paradox_diagnostics(ann, sch)
            mk = max_kappa(ann, sch)
        entry = {
            "categories": list(ann.categories(sch)),
            "n_items": s.n_items,
            "n_ratings": s.n_ratings,
            "n_annotators": s.n_annotators,
            "coefficients": _coefficients_block(table),
            "per_class": _records(pc, "category"),
            "per_annotator": _records(pa, "annotator"),
            "diagnostics": {
                **{k: diag[k] for k in diag.index},
                "mean_cohen_kappa_max": mk["mean_cohen_kappa_max"],
                "prevalence": _records(prevalence(ann, sch), "category"),
            },
            "by": {},
        }
        for col in by_cols:
            bt = agreement_by(
                ann,
                col,
                sch,
                n_boot=n_boot,
                rng=gen,
                confidence=confidence,
                weights=weights,
                level=level,
            )
            groups = []
            for value, g in bt.groupby(col, sort=False):
                groups.append(
                    {
                        "value": str(value),
                        "n_items": int(g["n_items"].max()),
                        "n_ratings": int(
                            g["n_ratings"].loc[g["coefficient"] != "krippendorff_alpha"].max()
                        ),
                        "coefficients": _coefficients_block(g),
                    }
                )
            entry["by"][col] = groups
        doc["schemes"][sch] = entry
    pairs = [(c, p) for c, p in ann.taxonomy.pairs() if c in ann.schemes and p in ann.schemes]
    if pairs:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DegenerateDataWarning)
            g = granularity_agreement(ann)
        doc["granularity"] = g.to_dict("records")
    else:
        doc["granularity"] = []
    doc["ledger"] = ann.ledger.to_dict()
    return to_jsonable(doc)


def _check_column(ann, col):
    from ..errors import InputError

    if col not in ann.items.columns:
        cols = ", ".join(map(str, ann.items.columns)) or "none"
        raise InputError(
            f"no item metadata column {col!r} to group by (columns: {cols})", column=col
        )
