"""Agreement per category: where do annotators agree, where not?

All values come from the items x categories counts of items with two
ratings or more (``x_ij`` votes for category ``j`` among ``m_i``):

* Fleiss's category kappa (Fleiss 1971), generalised to unequal ``m_i``:
  ``1 - sum_i x_ij (m_i - x_ij) / (m_i - 1) / (N p_j (1 - p_j))``,
  ``N = sum_i m_i``, ``p_j`` the category's share of those ratings;
* one-vs-rest Krippendorff alpha (nominal alpha of "j" vs "not j"):
  ``1 - (N - 1) sum_i x_ij (m_i - x_ij) / (m_i - 1) / (n_j (N - n_j))``;
* specific (positive) agreement: ``sum_i x_ij (x_ij - 1) / sum_i x_ij (m_i - 1)``,
  the probability that another annotator of the item also chose ``j``
  given one did (``2a / (2a + b + c)`` for two raters);
* prevalence: share of all ratings.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..io.frames import as_annotations
from ._sufficient import sufficient, warn_degenerate
from .bootstrap import as_generator, percentile_ci, weight_blocks

__all__ = ["per_class_agreement", "per_class_of"]


def _per_class_from_sums(s_dis, n_j, N, s_pair, s_pos):
    """Vectorised over leading axes: s_dis, n_j, s_pair, s_pos (..., q); N (...)."""
    N = np.asarray(N, dtype=float)[..., None]
    p = n_j / np.where(N > 0, N, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        kappa = 1 - s_dis / (N * p * (1 - p))
        alpha = 1 - (N - 1) * s_dis / (n_j * (N - n_j))
        specific = s_pos / s_pair
    undefined = (n_j <= 0) | (n_j >= N)
    kappa = np.where(undefined, np.nan, kappa)
    alpha = np.where(undefined, np.nan, alpha)
    specific = np.where(s_pair > 0, specific, np.nan)
    return kappa, alpha, specific


def per_class_agreement(
    data, scheme: str | None = None, *, n_boot: int = 0, rng=None, confidence: float = 0.95
) -> pd.DataFrame:
    """Per-category agreement: prevalence, category kappa, one-vs-rest alpha,
    specific agreement.

    Parameters
    ----------
    data : Annotations or long DataFrame
    scheme : str, optional
    n_boot : int
        Bootstrap resamples over items for percentile CIs of the category
        kappa (``0`` = none).
    rng : None, int or numpy.random.Generator
    confidence : float

    Returns
    -------
    DataFrame, one row per declared category (index ``category``)
        ``n_ratings, prevalence`` (share of all ratings), ``fleiss_kappa``,
        ``se_h0`` (SE of the category kappa under H0 when every item has
        ``m`` ratings, Fleiss, Nee & Landis 1979: ``sqrt(2 / (n m (m-1)))``,
        ``m`` the mean), ``alpha_one_vs_rest``, ``specific_agreement`` and,
        with ``n_boot``, ``boot_ci_low, boot_ci_high`` of the category kappa.

    Examples
    --------
    >>> from raer_agreement import Annotations
    >>> ann = Annotations.from_counts([[2, 0], [0, 2], [1, 1], [2, 0]], categories=["a", "b"])
    >>> t = per_class_agreement(ann)
    >>> t["specific_agreement"].round(3).tolist()
    [0.8, 0.667]
    """
    s = sufficient(as_annotations(data), scheme)
    return per_class_of(s, n_boot=n_boot, rng=rng, confidence=confidence)


def per_class_of(s, *, n_boot: int = 0, rng=None, confidence: float = 0.95) -> pd.DataFrame:
    """:func:`per_class_agreement` from the sufficient statistics of one scheme."""
    counts = s.counts.astype(float)
    m = s.m.astype(float)
    two = m >= 2
    x = counts[two]
    mm = m[two]
    dis = x * (mm[:, None] - x) / (mm[:, None] - 1)  # (n2, q)
    pair = x * (mm[:, None] - 1)
    pos = x * (x - 1)
    N = mm.sum()
    kappa, alpha, specific = _per_class_from_sums(dis.sum(0), x.sum(0), N, pair.sum(0), pos.sum(0))
    n2 = int(two.sum())
    mbar = mm.mean() if n2 else np.nan
    se0 = np.sqrt(2 / (n2 * mbar * (mbar - 1))) if n2 and mbar > 1 else np.nan
    total = counts.sum(0)
    out = pd.DataFrame(
        {
            "n_ratings": total.astype(np.int64),
            "prevalence": total / total.sum() if total.sum() else np.full(s.q, np.nan),
            "fleiss_kappa": kappa,
            "se_h0": np.full(s.q, se0),
            "alpha_one_vs_rest": alpha,
            "specific_agreement": specific,
        },
        index=pd.Index(list(s.categories), name="category"),
    )
    if n2 == 0:
        warn_degenerate("per-class agreement", "no item has two or more ratings")
    elif np.isnan(kappa).any():
        unused = [c for c, k in zip(s.categories, kappa) if np.isnan(k)]
        warn_degenerate(
            f"category kappa of {', '.join(unused)}",
            "the category is never used, or used by every rating",
        )
    if n_boot:
        rng = as_generator(rng)
        n = len(mm)
        stats = np.concatenate([dis, x, pair, pos, mm[:, None]], axis=1)  # (n2, 4q + 1)
        q = s.q
        lo, hi = np.full(q, np.nan), np.full(q, np.nan)
        if n:
            S = np.empty((int(n_boot), stats.shape[1]))
            for start, w in weight_blocks(n, int(n_boot), rng):
                S[start : start + len(w)] = w @ stats
            kb, _, _ = _per_class_from_sums(
                S[:, :q], S[:, q : 2 * q], S[:, -1], S[:, 2 * q : 3 * q], S[:, 3 * q : 4 * q]
            )
            for j in range(q):
                lo[j], hi[j] = percentile_ci(kb[:, j], confidence)
        out["boot_ci_low"] = lo
        out["boot_ci_high"] = hi
    return out
