"""Agreement by context (any item-metadata column), by scheme, and between
the two granularities of a nested taxonomy.

Two-granularity agreement (a capability specific to data such as RAER,
where each annotator gives a fine and a coarse label to a clip):

* ``consistency``: share of an annotator's fine labels that map, through
  the taxonomy, to that annotator's own coarse label on the same rating;
* ``alpha_parent``: Krippendorff's alpha of the coarse votes;
* ``alpha_collapsed``: alpha of the fine votes collapsed to the coarse
  scheme (what the fine labels say about the coarse classes);
* ``alpha_child``: alpha of the fine votes themselves.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ..errors import DegenerateDataWarning
from ..io.frames import as_annotations
from .analysis import Analysis
from .bootstrap import as_generator

__all__ = [
    "agreement_by",
    "agreement_by_scheme",
    "granularity_agreement",
    "granularity_by_annotator",
]


def agreement_by(
    data, by: str, scheme: str | None = None, *, n_boot: int = 0, rng=None, **options
) -> pd.DataFrame:
    """The agreement table within each value of an item-metadata column.

    Parameters
    ----------
    data : Annotations or long DataFrame
    by : str
        Item-metadata column (``split``, ``session_type``, ``environment``,
        ``room``, ``student``, ...).  Items without a value form the group
        ``"<missing>"``.
    scheme : str, optional
    n_boot : int
        Bootstrap resamples within each group (items of the group resampled).
    rng : None, int or numpy.random.Generator
    **options
        Passed to :func:`~raer_agreement.metrics.agreement_table`.

    Returns
    -------
    DataFrame
        The agreement-table columns, with the group value first in a column
        named ``by``; one block of rows per group, in order of appearance.

    Raises
    ------
    InputError
        When ``by`` is not an item-metadata column.

    Examples
    --------
    >>> import pandas as pd
    >>> from raer_agreement.io import from_matrix
    >>> ann = from_matrix([[1, 1], [2, 2], [1, 2], [2, 2]], categories=[1, 2])
    >>> ann = ann.with_items(pd.DataFrame({"split": ["train", "train", "test", "test"]},
    ...                                   index=["1", "2", "3", "4"]))
    >>> t = agreement_by(ann, "split", coefficients=["percent_agreement"])
    >>> t[["split", "estimate"]].values.tolist()
    [['train', 1.0], ['test', 0.5]]
    """
    a = Analysis(
        data,
        scheme,
        weights=options.pop("weights", None),
        level=options.pop("level", "nominal"),
        confidence=options.pop("confidence", 0.95),
    )
    names = options.pop("coefficients", None)
    if options:
        raise TypeError(f"unexpected option(s): {', '.join(options)}")
    parts = []
    for value, _, t in a.by(by, names, n_boot=n_boot, rng=rng):
        f = t.to_frame()
        f.insert(0, by, value)
        parts.append(f)
    if not parts:
        return pd.DataFrame(columns=[by])
    return pd.concat(parts, ignore_index=True)


def agreement_by_scheme(data, *, n_boot: int = 0, rng=None, **options) -> pd.DataFrame:
    """The agreement table of every scheme, stacked with a ``scheme`` column.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"item": ["a", "a", "b", "b"], "annotator": ["x", "y", "x", "y"],
    ...                    "label": ["p", "p", "q", "q"]})
    >>> from raer_agreement.io import from_long
    >>> agreement_by_scheme(from_long(df), coefficients=["percent_agreement"])["scheme"].tolist()
    ['label']
    """
    ann = as_annotations(data)
    gen = as_generator(rng) if n_boot else None
    weights, level = options.pop("weights", None), options.pop("level", "nominal")
    confidence, names = options.pop("confidence", 0.95), options.pop("coefficients", None)
    if options:
        raise TypeError(f"unexpected option(s): {', '.join(options)}")
    parts = []
    for sch in ann.schemes:
        a = Analysis(ann, sch, weights=weights, level=level, confidence=confidence)
        t = a.coefficients(names, n_boot=n_boot, rng=gen).to_frame()
        t.insert(0, "scheme", sch)
        parts.append(t)
    return pd.concat(parts, ignore_index=True)


def _alpha(analysis: Analysis):
    r = analysis.points(("krippendorff_alpha",))["krippendorff_alpha"]
    return r["estimate"], r["se"]


def granularity_agreement(
    data,
    child: str | None = None,
    parent: str | None = None,
    *,
    level: str = "nominal",
    analyses=None,
) -> pd.DataFrame:
    """Agreement between two nested granularities (e.g. fine and coarse).

    Parameters
    ----------
    data : Annotations or long DataFrame
        With both schemes and a taxonomy mapping ``child`` into ``parent``.
    child, parent : str, optional
        Default: every nested pair of the taxonomy present in the data.
    level : str
        Alpha metric.
    analyses : mapping of str to Analysis, optional
        Analyses of the schemes already made: the alphas of the parent and
        child votes are taken from them when their level is ``level``.

    Returns
    -------
    DataFrame, one row per (child, parent) pair
        ``child, parent, n_both`` (ratings carrying both labels),
        ``consistency`` (share of those whose fine label maps to the same
        rating's coarse label), ``alpha_parent`` (coarse votes),
        ``alpha_collapsed`` (fine votes collapsed to coarse) and
        ``alpha_child`` (fine votes), each alpha with its ``_se``.

    Examples
    --------
    Two annotators, the default RAER taxonomy (``fine`` nests into
    ``coarse``); on clip c3 annotator a's fine label (Attentive, a kind of
    Neutrality) contradicts its own coarse label (Fatigue):

    >>> import pandas as pd
    >>> from raer_agreement.io import from_long
    >>> ann = from_long(pd.DataFrame({
    ...     "item": ["c1", "c1", "c2", "c2", "c3", "c3"], "annotator": ["a", "b"] * 3,
    ...     "coarse": ["Neutrality", "Neutrality", "Enjoyment", "Enjoyment", "Fatigue", "Neutrality"],
    ...     "fine": ["Attentive", "Passive", "Smiling", "Smiling", "Attentive", "Attentive"]}))
    >>> g = granularity_agreement(ann).iloc[0]
    >>> [round(float(g[k]), 3) for k in ("consistency", "alpha_parent", "alpha_collapsed")]
    [0.833, 0.545, 1.0]
    """
    ann = as_annotations(data)
    pairs = _nested_pairs(ann, child, parent)
    known = {k: v for k, v in (analyses or {}).items() if v.level == level}

    def of(sch):
        return known[sch] if sch in known else Analysis(ann, sch, level=level)

    rows = []
    for c, p in pairs:  # a loop, not a comprehension: the warning's stacklevel counts frames
        rows.append(_granularity_row(ann, c, p, of, level))
    return pd.DataFrame(rows)


def _nested_pairs(ann, child, parent) -> list:
    """The (child, parent) pairs to compare: the one named, or every nested pair present."""
    if child is None and parent is None:
        pairs = [(c, p) for c, p in ann.taxonomy.pairs() if c in ann.schemes and p in ann.schemes]
        if not pairs:
            raise ValueError(
                "these annotations hold no pair of nested schemes "
                f"(schemes: {', '.join(ann.schemes)}); a taxonomy with a 'parent' scheme is needed"
            )
        return pairs
    if child is None or parent is None:
        raise ValueError("give both child and parent schemes, or neither")
    for sch in (child, parent):
        ann.resolve_scheme(sch)
    return [(child, parent)]


def _granularity_row(ann, c: str, p: str, of, level: str) -> dict:
    """One pair's row: consistency of fine with coarse labels and the three alphas."""
    collapsed = ann.collapse(c, p)
    coarse = ann.labels[p]
    both = (collapsed >= 0) & (coarse >= 0)
    n_both = int(both.sum())
    consistency = float(np.mean(collapsed[both] == coarse[both])) if n_both else np.nan
    if not n_both:
        warnings.warn(
            f"consistency of {c!r} with {p!r} is undefined (nan): no rating carries both labels",
            DegenerateDataWarning,
            stacklevel=3,  # the caller of granularity_agreement
        )
    ap, ap_se = _alpha(of(p))
    ac, ac_se = _alpha(Analysis(ann.with_labels(p, collapsed), p, level=level))
    af, af_se = _alpha(of(c))
    return {
        "child": c,
        "parent": p,
        "n_both": n_both,
        "consistency": consistency,
        "alpha_parent": ap,
        "alpha_parent_se": ap_se,
        "alpha_collapsed": ac,
        "alpha_collapsed_se": ac_se,
        "alpha_child": af,
        "alpha_child_se": af_se,
    }


def granularity_by_annotator(data, child: str, parent: str) -> pd.DataFrame:
    """Per annotator: share of fine labels consistent with the own coarse label.

    Returns
    -------
    DataFrame (index ``annotator``)
        ``n_both`` (ratings with both labels) and ``consistency``.

    Examples
    --------
    >>> import pandas as pd
    >>> from raer_agreement.io import from_long
    >>> ann = from_long(pd.DataFrame({
    ...     "item": ["c1", "c1", "c2", "c2"], "annotator": ["a", "b", "a", "b"],
    ...     "coarse": ["Neutrality", "Neutrality", "Fatigue", "Enjoyment"],
    ...     "fine": ["Attentive", "Passive", "Attentive", "Smiling"]}))
    >>> granularity_by_annotator(ann, "fine", "coarse")["consistency"].tolist()
    [0.5, 1.0]
    """
    ann = as_annotations(data)
    collapsed = ann.collapse(child, parent)
    coarse = ann.labels[parent]
    both = (collapsed >= 0) & (coarse >= 0)
    a = ann.annotator[both]
    agree = (collapsed[both] == coarse[both]).astype(float)
    n = np.bincount(a, minlength=ann.n_annotators)
    k = np.bincount(a, weights=agree, minlength=ann.n_annotators)
    with np.errstate(invalid="ignore"):
        share = np.where(n > 0, k / np.maximum(n, 1), np.nan)
    return pd.DataFrame(
        {"n_both": n, "consistency": share},
        index=pd.Index(list(ann.annotator_ids), name="annotator"),
    )
