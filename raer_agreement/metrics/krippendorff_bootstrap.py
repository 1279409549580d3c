"""Krippendorff's bootstrap of alpha: pairs drawn from the coincidence matrix.

Krippendorff's own algorithm (Krippendorff 2006, revised 2011; Hayes &
Krippendorff 2007; Krippendorff 2016) resamples pairs of values, not clips.
From the observed coincidence matrix ``o_ck`` with ``n..`` pairable values
it draws ``M`` pairs with replacement, cell ``(c, k)`` with probability
``o_ck / n..``, and computes for each resample

    alpha* = 1 - Do* / De,   Do* = sum_ck x_ck delta_ck / M,

where ``x_ck`` counts the draws of cell ``(c, k)``, ``delta_ck`` is the
metric difference of alpha's level of measurement and the expected
disagreement ``De = sum_ck n_c n_k delta_ck / (n.. (n.. - 1))`` stays at
its observed value.  The number of draws is the number of pairs the data
hold, ``(m - 1) n.. / 2`` for ``m`` coders, capped at 25 draws per
non-empty cell of the matrix (the algorithm's practical limit).  Two
corrections follow the algorithm: a resample below -1 is set to -1 (alpha's
smallest value), and a resample that drew every pair from one diagonal cell
has no variation, so its alpha is indeterminate (1 - 0/0) and is set to 0.

The pairs are taken as independent, the values of one clip included: the
distribution is narrower than the clip bootstrap of
:mod:`~raer_agreement.metrics.bootstrap` whenever the values of a clip are
correlated, which is the usual case (Hughes 2022 discusses both).

References
----------
Krippendorff, K. (2006, rev. 2011). Algorithm for bootstrapping a
distribution of alpha.  Manuscript, Annenberg School for Communication.
Hayes, A. F. & Krippendorff, K. (2007). Answering the call for a standard
reliability measure for coding data.  *Communication Methods and
Measures* 1(1), 77-89.
Krippendorff, K. (2016). Bootstrapping distributions for Krippendorff's
alpha.  Manuscript.
Hughes, J. (2022). Toward improved inference for Krippendorff's alpha
agreement coefficient.  arXiv:2210.13265.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..io.frames import as_annotations
from ._sufficient import Sufficient, krippendorff_distances, sufficient
from .bootstrap import BLOCK_CELLS, as_generator, checked_percentile_ci

__all__ = [
    "DRAWS_PER_CELL",
    "KrippendorffBootstrap",
    "pairs_to_draw",
    "krippendorff_replicates",
    "krippendorff_bootstrap",
    "bootstrap_of_sufficient",
]

#: Draws per non-empty cell of the coincidence matrix at which the algorithm caps ``M``.
DRAWS_PER_CELL = 25


@dataclass(frozen=True)
class KrippendorffBootstrap:
    """Krippendorff's bootstrap distribution of alpha.

    Attributes
    ----------
    estimate : float
        Alpha of the data (nan when undefined).
    replicates : ndarray of float, shape (n_boot,)
        The resampled alphas after the algorithm's corrections (nan when
        alpha is undefined).
    n_draws : int
        ``M``, the pairs drawn per resample.
    n_pairs : int
        ``(m - 1) n.. / 2`` before the cap.
    capped : bool
        Whether the cap of 25 draws per non-empty cell lowered ``M``.
    n_pairable : int
        ``n..``, the pairable values.
    n_indeterminate : int
        Resamples that drew every pair from one diagonal cell (set to 0).
    """

    estimate: float
    replicates: np.ndarray
    n_draws: int
    n_pairs: int
    capped: bool
    n_pairable: int
    n_indeterminate: int

    def p_below(self, threshold: float) -> float:
        """Share of the finite replicates below ``threshold`` (nan when none)."""
        r = self.replicates[np.isfinite(self.replicates)]
        return float(np.mean(r < threshold)) if len(r) else float("nan")

    def interval(self, confidence: float = 0.95) -> tuple[float, float, str | None]:
        """The percentile interval, withheld when it misses the estimate
        (:func:`~raer_agreement.metrics.bootstrap.checked_percentile_ci`)."""
        return checked_percentile_ci(self.replicates, self.estimate, confidence)


def pairs_to_draw(coincidence: np.ndarray, n_coders: int, *, cap: bool = True) -> tuple[int, int]:
    """``M`` of the algorithm and the uncapped number of pairs.

    Parameters
    ----------
    coincidence : ndarray of float, shape (q, q)
    n_coders : int
        ``m``: values per unit when every coder codes it.
    cap : bool
        Apply the cap of :data:`DRAWS_PER_CELL` draws per non-empty cell
        ``c <= k`` (the segments of the algorithm's sampling continuum).

    Returns
    -------
    (M, pairs) : tuple of int
        ``pairs = floor((m - 1) n.. / 2)``; ``M = min(pairs, 25 Q)`` with the cap.

    Examples
    --------
    >>> pairs_to_draw(np.array([[4.0, 1.0], [1.0, 2.0]]), 2)
    (4, 4)
    >>> pairs_to_draw(np.diag([300.0, 300.0]), 2)
    (50, 300)
    """
    o = np.asarray(coincidence, dtype=float)
    n = float(np.round(o.sum(), 9))
    pairs = int(np.floor((max(int(n_coders), 1) - 1) * n / 2 + 1e-9))
    if not cap:
        return pairs, pairs
    cells = int(np.count_nonzero(np.triu(o) > 1e-12))
    return min(pairs, DRAWS_PER_CELL * cells), pairs


def _cells(coincidence: np.ndarray, delta: np.ndarray):
    """The non-empty cells ``c <= k``: probabilities (off-diagonal cells count both
    orders, as the algorithm's continuum does), differences and diagonal flags."""
    o = np.asarray(coincidence, dtype=float)
    c, k = np.triu_indices(len(o))
    p = np.where(c == k, o[c, k], o[c, k] + o[k, c]) / o.sum()
    keep = p > 1e-12
    return p[keep] / p[keep].sum(), delta[c, k][keep], (c == k)[keep]


def _expected_disagreement(coincidence: np.ndarray, delta: np.ndarray) -> float:
    """``De = sum_ck n_c n_k delta_ck / (n.. (n.. - 1))`` of the data."""
    nv = coincidence.sum(1)
    n = nv.sum()
    return float(nv @ delta @ nv / (n * (n - 1))) if n > 1 else float("nan")


def krippendorff_replicates(
    coincidence: np.ndarray, delta: np.ndarray, n_draws: int, n_boot: int, rng=None
) -> tuple[np.ndarray, int]:
    """Alphas of ``n_boot`` resamples of ``n_draws`` pairs, with the corrections.

    Parameters
    ----------
    coincidence : ndarray of float, shape (q, q)
        ``o_ck``.
    delta : ndarray of float, shape (q, q)
        Metric differences ``delta_ck`` (symmetric, zero diagonal).
    n_draws : int
        ``M``.
    n_boot : int
    rng : None, int or numpy.random.Generator

    Returns
    -------
    (replicates, n_indeterminate)
        ``replicates`` of shape (n_boot,), nan throughout when ``De`` is 0 or
        ``M`` is 0; ``n_indeterminate`` resamples drew one diagonal cell only.

    Examples
    --------
    Two coders, ten units, one disagreement:

    >>> o = np.array([[10.0, 1.0], [1.0, 8.0]])
    >>> r, _ = krippendorff_replicates(o, 1.0 - np.eye(2), 10, 4, rng=0)
    >>> r.shape, bool(np.all(r <= 1))
    ((4,), True)
    """
    o = np.asarray(coincidence, dtype=float)
    de = _expected_disagreement(o, delta)
    out = np.full(int(n_boot), np.nan)
    if not (np.isfinite(de) and de > 0 and n_draws > 0 and n_boot > 0):
        return out, 0
    p, d, diagonal = _cells(o, delta)
    gen = as_generator(rng)
    block = max(1, BLOCK_CELLS // len(p))
    indeterminate = 0
    for start in range(0, int(n_boot), block):
        size = min(block, int(n_boot) - start)
        # one multinomial per resample over the cells: no loop over the M pairs
        x = gen.multinomial(int(n_draws), p, size=size)
        alpha = np.maximum(1.0 - (x @ d) / (n_draws * de), -1.0)
        # every pair from one diagonal cell: no variation, alpha = 1 - 0/0 is set to 0
        one_cell = (x[:, diagonal] == n_draws).any(axis=1)
        alpha[one_cell] = 0.0
        indeterminate += int(one_cell.sum())
        out[start : start + size] = alpha
    return out, indeterminate


def bootstrap_of_sufficient(
    s: Sufficient,
    level: str = "nominal",
    *,
    n_boot: int = 1000,
    rng=None,
    cap: bool = True,
    n_draws: int | None = None,
) -> KrippendorffBootstrap:
    """:func:`krippendorff_bootstrap` from a scheme's sufficient statistics.

    ``m`` is the largest number of values a unit holds: the number of coders
    when some unit is coded by all of them, and the panel size of a crowd
    whose annotators each code a few clips.
    """
    o = s.coincidence()
    nv = o.sum(1)
    delta = np.asarray(krippendorff_distances(level, s.values, nv), dtype=float)
    de = _expected_disagreement(o, delta)
    n = float(nv.sum())
    estimate = 1.0 - float((o * delta).sum()) / n / de if n > 1 and de > 0 else float("nan")
    m = int(s.m.max()) if len(s.m) else 0
    drawn, pairs = pairs_to_draw(o, m, cap=cap)
    if n_draws is not None:  # another reading of M (e.g. n.. values) chosen by the caller
        drawn = int(n_draws)
    reps, bad = krippendorff_replicates(o, delta, drawn, n_boot, rng)
    return KrippendorffBootstrap(estimate, reps, drawn, pairs, drawn < pairs, int(round(n)), bad)


def krippendorff_bootstrap(
    data,
    scheme: str | None = None,
    *,
    level: str = "nominal",
    n_boot: int = 1000,
    rng=None,
    cap: bool = True,
    n_draws: int | None = None,
) -> KrippendorffBootstrap:
    """Krippendorff's bootstrap distribution of alpha.

    Parameters
    ----------
    data : Annotations or long DataFrame
    scheme : str, optional
    level : {"nominal", "ordinal", "interval", "ratio"}
        Alpha's metric, as in :func:`~raer_agreement.metrics.krippendorff_alpha`
        (the ordinal differences use the observed marginals, held fixed).
    n_boot : int
        Resamples ``X``.
    rng : None, int or numpy.random.Generator
    cap : bool
        Cap ``M`` at 25 draws per non-empty cell, as the algorithm does.
    n_draws : int, optional
        ``M`` given outright instead of ``(m - 1) n.. / 2`` (capped).

    Returns
    -------
    KrippendorffBootstrap

    Examples
    --------
    Gwet's ``cac.raw4raters`` (12 units, 4 raters, 40 pairable values):

    >>> rows = [[1, 1, None, 1], [2, 2, 3, 2], [3, 3, 3, 3], [3, 3, 3, 3],
    ...         [2, 2, 2, 2], [1, 2, 3, 4], [4, 4, 4, 4], [1, 1, 2, 1],
    ...         [2, 2, 2, 2], [None, 5, 5, 5], [None, None, 1, 1], [None, None, 3, None]]
    >>> from raer_agreement.io import from_matrix
    >>> kb = krippendorff_bootstrap(from_matrix(rows), n_boot=2000, rng=0)
    >>> round(kb.estimate, 4), kb.n_pairable, kb.n_draws
    (0.7434, 40, 60)
    >>> round(kb.p_below(0.667), 3)  # exactly 0.131 with M = 60: a binomial tail
    0.135
    """
    s = sufficient(as_annotations(data), scheme)
    return bootstrap_of_sufficient(s, level, n_boot=n_boot, rng=rng, cap=cap, n_draws=n_draws)
