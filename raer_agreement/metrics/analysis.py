"""One analysis of one scheme, computed once.

:class:`Analysis` holds the sufficient statistics of a scheme, its pair
structure (the contingency tables of every annotator pair) and its vote
spread, each built on first use and cached; every metric of
:mod:`raer_agreement.metrics` is a method or cached property of it.  The
agreement summary, the report and the command line are views of the same
object, so nothing is computed twice, and a notebook gets the same numbers
by the same path.

When the votes are anonymous (``Annotations.anonymous``: counts tables),
the statistics that need to know who voted are not computed: asking for
one raises :class:`~raer_agreement.errors.AnonymousVotesError`, and
:attr:`Analysis.coefficient_names` leaves them out.
"""

from __future__ import annotations

import warnings
from functools import cached_property

import numpy as np
import pandas as pd

from ..errors import DegenerateDataWarning, InputError
from ..io.frames import as_annotations
from . import _sufficient, registry
from ._core import cohen_from_tables, fce_se, finish
from .benchmarking import alpha_thresholds
from .bootstrap import as_generator, bootstrap_replicates, checked_percentile_ci
from .coefficients import Engine
from .cohen import kappa_matrix_of, pairwise_cohen_of
from .diagnostics import max_kappa_of, paradox_of, prevalence_of, vote_spread_of
from .krippendorff_bootstrap import KrippendorffBootstrap, bootstrap_of_sufficient
from .per_annotator import consensus_tables, human_ceiling_of, per_annotator_of
from .per_class import per_class_of
from .results import Coefficient, CoefficientTable

__all__ = ["Analysis", "IDENTITY_NOTE", "BOOTSTRAP_SCHEMES", "child_stream"]

#: What the bootstrap of Krippendorff's alpha resamples: clips, or (Krippendorff's
#: own algorithm) pairs of values drawn from the coincidence matrix.
BOOTSTRAP_SCHEMES = ("clips", "krippendorff")

#: The one line said wherever identity statistics are left out.
IDENTITY_NOTE = (
    "annotator identities are unknown (anonymous votes, e.g. a counts table): Conger, "
    "Cohen/Light, per-annotator and pairwise statistics are not computed"
)

_PARADOX_COEFFICIENTS = ("percent_agreement", "fleiss_kappa", "gwet_ac1", "brennan_prediger")


class Analysis:
    """Every agreement statistic of one scheme, from statistics computed once.

    Parameters
    ----------
    data : Annotations or long DataFrame
    scheme : str, optional
        Default: the first scheme.
    weights : None, str or ndarray of shape (q, q)
        Partial-agreement weights of the coefficients (see
        :func:`~raer_agreement.metrics.agreement_table`).  The diagnostics
        (max-kappa bounds, kappa paradox) are always unweighted.
    level : {"nominal", "ordinal", "interval", "ratio"}
        Krippendorff's alpha metric.
    confidence : float
        Level of every interval.

    Attributes
    ----------
    annotations : Annotations
    scheme : str
    identities : bool
        False when the votes are anonymous: identity statistics are then
        not computed.

    Examples
    --------
    >>> from raer_agreement import Annotations
    >>> from raer_agreement.io import from_matrix
    >>> ann = from_matrix([[1, 1, 2], [2, 2, 2], [1, 1, 1], [2, 1, 2]], categories=[1, 2])
    >>> a = Analysis(ann)
    >>> round(a.coefficients()["fleiss_kappa"].estimate, 4)
    0.3333
    >>> a.per_annotator["n_ratings"].tolist()
    [4, 4, 4]
    >>> counts = Annotations.from_counts([[3, 0], [0, 3], [2, 1]])
    >>> Analysis(counts).coefficient_names[:3]
    ('percent_agreement', 'fleiss_kappa', 'randolph_kappa')
    >>> "conger_kappa" in Analysis(counts).coefficient_names
    False
    """

    def __init__(
        self,
        data,
        scheme: str | None = None,
        *,
        weights=None,
        level: str = "nominal",
        confidence: float = 0.95,
    ):
        self.annotations = as_annotations(data)
        ann = self.annotations
        self.scheme = ann.resolve_scheme(scheme)
        self.weights = weights
        self.level = level
        self.confidence = confidence
        self.identities = not ann.anonymous
        self._per_class: dict[int, pd.DataFrame] = {}
        self._points: dict[str, dict] = {}
        self._upoints: dict[str, dict] = {}

    def __repr__(self) -> str:
        return f"Analysis({self.annotations!r}, scheme={self.scheme!r})"

    # --------------------------------------------------------- computed once
    @cached_property
    def sufficient(self) -> _sufficient.Sufficient:
        """Integer-coded ratings of the scheme (items x categories counts, ...)."""
        return _sufficient.sufficient(self.annotations, self.scheme)

    @cached_property
    def engine(self) -> Engine:
        """Point estimates, SEs and bootstrap replicates with the analysis' weights."""
        return Engine(self.sufficient, weights=self.weights, level=self.level)

    @cached_property
    def unweighted_engine(self) -> Engine:
        """The engine of the unweighted coefficients (diagnostics); shares :attr:`pairs`."""
        eng = self.engine
        if eng.weighted:
            eng = Engine(self.sufficient, level=self.level)
            eng.pairs = self.pairs  # the pair tables do not depend on the weights
        return eng

    @cached_property
    def pairs(self):
        """Contingency tables of every annotator pair that shares an item."""
        self.require_identities("pairwise statistics")
        return self.engine.pairs

    @cached_property
    def counts(self) -> pd.DataFrame:
        """Votes per clip and category (every clip of the source, every category)."""
        return self.annotations.counts_frame(self.scheme)

    @cached_property
    def vote_spread(self) -> pd.DataFrame:
        """Per clip: ``n_votes, top_share, entropy`` (see :func:`~raer_agreement.metrics.vote_spread`)."""
        c = self.counts
        return vote_spread_of(c.to_numpy(), self.annotations.item_ids)

    @property
    def notes(self) -> list:
        """What was capped or left out while computing (empty when nothing was)."""
        pairs = self.__dict__.get("pairs")
        out = list(pairs.notes) if pairs is not None else []
        eng = self.__dict__.get("engine")
        light = eng.__dict__.get("light_pairs") if eng is not None else None
        if eng is not None and light is not None:
            # pairs sharing one clip are counted per clip and label pair in `singles`
            sharing = eng.pairs.n_pairs + int(round(float(eng.pairs.singles.sum())))
            if light.n_pairs < sharing:
                # on a sparse crowd the pairs Light's kappa averages are a selection (the
                # annotators who rated many clips together): say how many, by the estimate
                out.append(
                    f"Light's kappa averages the {light.n_pairs:,} of {sharing:,} annotator "
                    f"pairs sharing a clip that share at least {eng.min_overlap} clips with a "
                    "defined kappa; the other coefficients use every rating"
                )
        return out

    def require_identities(self, what: str) -> None:
        """Raise :class:`~raer_agreement.errors.AnonymousVotesError` for anonymous votes."""
        self.annotations.require_identities(what)

    # ----------------------------------------------------------- coefficients
    @property
    def coefficient_names(self) -> tuple:
        """The coefficients computed on these data (identity ones left out when anonymous)."""
        specs = registry.registered()
        return tuple(s.key for s in specs if self.identities or not s.needs_identities)

    def _names(self, names) -> tuple:
        which = self.coefficient_names if names is None else tuple(names)
        unknown = [c for c in which if c not in registry.keys()]
        if unknown:
            raise ValueError(
                f"unknown coefficient(s) {', '.join(map(repr, unknown))}; "
                f"expected any of {', '.join(registry.keys())}"
            )
        if not self.identities:
            asked = [c for c in which if registry.spec(c).needs_identities]
            if asked:
                self.require_identities(" and ".join(asked))
        return which

    def points(self, names=None) -> dict:
        """Point estimate, SE, CI, p-value, pa, pe, n of each coefficient (cached one by one)."""
        return self._cached_points(self.engine, self._points, self._names(names))

    def unweighted_points(self, names=None) -> dict:
        """:meth:`points` of the unweighted coefficients (the diagnostics' view)."""
        if not self.engine.weighted:
            return self.points(names)
        return self._cached_points(self.unweighted_engine, self._upoints, self._names(names))

    def _cached_points(self, engine, cache: dict, which) -> dict:
        missing = tuple(n for n in which if n not in cache)
        if missing:
            cache.update(engine.point(missing, self.confidence, warn=False))
        return {n: cache[n] for n in which}

    def coefficients(
        self, names=None, *, n_boot: int = 0, rng=None, bootstrap: str = "clips"
    ) -> CoefficientTable:
        """Every coefficient with SE, t CI, p-value and (``n_boot > 0``) bootstrap CI.

        Parameters
        ----------
        names : sequence of str, optional
            Subset of :data:`~raer_agreement.metrics.COEFFICIENTS`; default
            :attr:`coefficient_names`.
        n_boot : int
            Bootstrap resamples (``0`` = none).
        rng : None, int or numpy.random.Generator
        bootstrap : {"clips", "krippendorff"}
            ``"krippendorff"``: alpha's interval and thresholds come from
            Krippendorff's bootstrap of pairs
            (:mod:`~raer_agreement.metrics.krippendorff_bootstrap`), drawn
            from a child stream of ``rng`` so that every other number is the
            same as with ``"clips"``; the other coefficients resample clips.

        Returns
        -------
        CoefficientTable

        Warns
        -----
        DegenerateDataWarning
            For each undefined coefficient, with the reason.
        """
        if bootstrap not in BOOTSTRAP_SCHEMES:
            raise ValueError(
                f"bootstrap must be one of {', '.join(BOOTSTRAP_SCHEMES)}, got {bootstrap!r}"
            )
        which = self._names(names)
        pts = self.points(which)
        warn_grouped(pts)
        kripp = None
        if n_boot and bootstrap == "krippendorff" and "krippendorff_alpha" in which:
            kripp = self.krippendorff_bootstrap(n_boot, child_stream(rng))
        reps = bootstrap_replicates(self.engine, which, n_boot=n_boot, rng=rng) if n_boot else {}
        return CoefficientTable(
            [self._coefficient(name, pts[name], reps.get(name), n_boot, kripp) for name in which]
        )

    def krippendorff_bootstrap(self, n_boot: int, rng=None) -> KrippendorffBootstrap:
        """Krippendorff's bootstrap of alpha at this analysis' level of measurement."""
        return bootstrap_of_sufficient(self.sufficient, self.level, n_boot=n_boot, rng=rng)

    def _coefficient(self, name: str, r: dict, reps, n_boot: int, kripp) -> Coefficient:
        """One coefficient from its point values and bootstrap replicates."""
        alpha = name == "krippendorff_alpha"
        scheme, drawn, pairs = "clips", None, None
        if alpha and kripp is not None:
            reps, scheme = kripp.replicates, "krippendorff"
            drawn, pairs = kripp.n_draws, kripp.n_pairs
        booted = bool(n_boot) and r["reason"] is None
        lo, hi, why = (
            checked_percentile_ci(reps, r["estimate"], self.confidence)
            if booted
            else (np.nan, np.nan, None)
        )
        return Coefficient.from_point(
            name,
            r,
            boot_ci=(lo, hi),
            boot_reason=why,
            n_boot=int(n_boot),
            thresholds=alpha_thresholds(
                reps, r["estimate"], scheme=scheme, pairs_drawn=drawn, pairs_in_data=pairs
            )
            if booted and alpha
            else None,
            boot_scheme=scheme if alpha and n_boot else None,
        )

    def by(
        self, column: str, names=None, *, n_boot: int = 0, rng=None, bootstrap: str = "clips"
    ) -> list:
        """The coefficients within each value of an item-metadata column.

        Returns
        -------
        list of (str, Analysis, CoefficientTable)
            One entry per value in order of appearance; items without a
            value form the group ``"<missing>"``.
        """
        ann = self.annotations
        if column not in ann.items.columns:
            cols = ", ".join(map(str, ann.items.columns)) or "none"
            raise InputError(
                f"no item metadata column {column!r} to group by (columns: {cols})", column=column
            )
        gen = as_generator(rng) if n_boot else None
        out = []
        for value, sub in ann.groups(column):
            a = Analysis(
                sub, self.scheme, weights=self.weights, level=self.level, confidence=self.confidence
            )
            t = a.coefficients(names, n_boot=n_boot, rng=gen, bootstrap=bootstrap)
            out.append((value, a, t))
        return out

    # ------------------------------------------------------------- per class
    def per_class(self, *, n_boot: int = 0, rng=None) -> pd.DataFrame:
        """Per-category agreement (see :func:`~raer_agreement.metrics.per_class_agreement`).

        The point values are computed once; a call with ``n_boot`` adds
        bootstrap intervals of the category kappa, and later calls without
        it reuse the point columns.
        """
        if n_boot:
            out = per_class_of(self.sufficient, n_boot=n_boot, rng=rng, confidence=self.confidence)
            self._per_class[int(n_boot)] = out
            return out
        if 0 not in self._per_class:
            booted = [v for k, v in self._per_class.items() if k]
            if booted:
                self._per_class[0] = booted[0].drop(columns=["boot_ci_low", "boot_ci_high"])
            else:
                self._per_class[0] = per_class_of(self.sufficient, confidence=self.confidence)
        return self._per_class[0]

    # ------------------------------------------------------------ diagnostics
    @cached_property
    def prevalence(self) -> pd.DataFrame:
        """Category prevalence among ratings and among plurality labels."""
        return prevalence_of(self.sufficient)

    @cached_property
    def max_kappa(self) -> pd.Series:
        """Largest unweighted Conger and mean Cohen kappa under the annotators' marginals."""
        self.require_identities("the max-kappa bound")
        return max_kappa_of(
            self.unweighted_engine, self.unweighted_points(("conger_kappa", "mean_cohen_kappa"))
        )

    @cached_property
    def paradox(self) -> pd.Series:
        """The kappa-paradox diagnostics (unweighted)."""
        return paradox_of(
            self.unweighted_points(_PARADOX_COEFFICIENTS),
            self.prevalence,
            self.max_kappa if self.identities else None,
        )

    # ------------------------------------------------------------ identities
    @cached_property
    def per_annotator(self) -> pd.DataFrame:
        """Per annotator: agreement with the others, mean Cohen kappa, leave-one-out alpha."""
        self.require_identities("per-annotator agreement")
        return per_annotator_of(
            self.sufficient,
            self.annotations.annotator_ids,
            self.pairs,
            level=self.level,
            tables=self.consensus_tables,
        )

    @cached_property
    def consensus_tables(self) -> np.ndarray:
        """Each annotator against the leave-one-out consensus, shape (n_annotators, q, q)."""
        self.require_identities("per-annotator agreement")
        return consensus_tables(self.sufficient)

    @cached_property
    def consensus_kappa_ci(self) -> pd.DataFrame:
        """Per annotator: Cohen's kappa against the consensus with its interval.

        Columns ``kappa_vs_consensus, se, ci_low, ci_high, n_compared`` (index
        ``annotator``); SE Fleiss-Cohen-Everitt, CI t(n - 1), n = the
        annotator's compared ratings.
        """
        t = self.consensus_tables
        res = cohen_from_tables(t, np.eye(self.sufficient.q))
        se = fce_se(t, np.eye(self.sufficient.q))[0]
        fin = np.array(
            [
                finish(k, e, int(round(n)), self.confidence)
                for k, e, n in zip(res["kappa"], se, res["n"])
            ],
            dtype=float,
        ).reshape(-1, 3)
        ids = np.asarray(self.annotations.annotator_ids, dtype=object)[
            self.sufficient.annotator_codes
        ]
        return pd.DataFrame(
            {
                "kappa_vs_consensus": res["kappa"],
                "se": se,
                "ci_low": fin[:, 0],
                "ci_high": fin[:, 1],
                "n_compared": res["n"],
            },
            index=pd.Index(ids, name="annotator"),
        )

    @cached_property
    def pairwise_cohen(self) -> pd.DataFrame:
        """Cohen's kappa of every annotator pair that shares an item (unweighted)."""
        self.require_identities("pairwise Cohen's kappa")
        s = self.sufficient
        return pairwise_cohen_of(
            s, self.pairs, np.eye(s.q), self.annotations.annotator_ids, confidence=self.confidence
        )

    @cached_property
    def kappa_matrix(self) -> pd.DataFrame:
        """Square matrix of the pairwise Cohen kappas (annotator ids on both axes)."""
        return kappa_matrix_of(self.pairwise_cohen, self.annotations.annotator_ids)

    @cached_property
    def human_ceiling(self) -> pd.DataFrame:
        """Each annotator against the leave-one-out majority of the others (UAR, WAR)."""
        self.require_identities("the human ceiling by annotator")
        return human_ceiling_of(
            self.consensus_tables, self.sufficient, self.annotations.annotator_ids
        )

    def alpha(self) -> Coefficient:
        """Krippendorff's alpha (no bootstrap)."""
        return self.coefficients(["krippendorff_alpha"])["krippendorff_alpha"]


def child_stream(rng) -> np.random.Generator:
    """An independent generator derived from ``rng`` without advancing it.

    Spawning leaves the parent's state alone, so the draws that follow from
    ``rng`` (the clip bootstrap, the ``--by`` streams) are the ones they would
    be without the child.

    Examples
    --------
    >>> g = np.random.default_rng(0)
    >>> _ = child_stream(g)
    >>> bool(g.integers(10**9) == np.random.default_rng(0).integers(10**9))
    True
    """
    gen = as_generator(rng)
    bits = gen.bit_generator
    # ``Generator.spawn`` is numpy >= 1.25; spawning the seed sequence by hand gives
    # the same child on every numpy we support (``seed_seq`` was ``_seed_seq`` before).
    seq = getattr(bits, "seed_seq", None) or getattr(bits, "_seed_seq", None)
    if isinstance(seq, np.random.SeedSequence):
        return np.random.Generator(type(bits)(seq.spawn(1)[0]))
    return np.random.default_rng(int(gen.integers(2**63)))  # no seed sequence to spawn


def warn_grouped(points: dict) -> None:
    """One :class:`DegenerateDataWarning` per reason, naming the undefined coefficients."""
    by_reason: dict[str, list] = {}
    for name, r in points.items():
        if r["reason"] is not None:
            by_reason.setdefault(r["reason"], []).append(name)
    for reason, names in by_reason.items():
        warnings.warn(
            f"{', '.join(names)} {'is' if len(names) == 1 else 'are'} undefined (nan): {reason}",
            DegenerateDataWarning,
            stacklevel=4,
        )
