"""Interpretation bands of agreement values (Landis & Koch 1977; Krippendorff 2004).

Bands are shown beside the estimates, never instead of them.
"""

from __future__ import annotations

import numpy as np

__all__ = ["landis_koch", "krippendorff_band"]

_LK = (
    (0.0, "poor"),
    (0.20, "slight"),
    (0.40, "fair"),
    (0.60, "moderate"),
    (0.80, "substantial"),
    (np.inf, "almost perfect"),
)


def landis_koch(value) -> str | None:
    """Landis & Koch (1977) band of a kappa-type value.

    ``< 0`` poor, ``0-0.20`` slight, ``0.21-0.40`` fair, ``0.41-0.60``
    moderate, ``0.61-0.80`` substantial, ``0.81-1`` almost perfect; None for nan.

    Examples
    --------
    >>> landis_koch(0.45), landis_koch(-0.1), landis_koch(float("nan"))
    ('moderate', 'poor', None)
    """
    if value is None or not np.isfinite(value):
        return None
    if value < 0:
        return "poor"
    for upper, name in _LK[1:]:
        if value <= upper:
            return name
    return "almost perfect"


def krippendorff_band(value) -> str | None:
    """Krippendorff's (2004) reliability band of an alpha value.

    ``>= 0.800`` reliable, ``0.667 - 0.800`` tentative (tentative
    conclusions only), ``< 0.667`` unreliable; None for nan.

    Examples
    --------
    >>> krippendorff_band(0.81), krippendorff_band(0.7), krippendorff_band(0.5)
    ('reliable', 'tentative', 'unreliable')
    """
    if value is None or not np.isfinite(value):
        return None
    if value >= 0.800:
        return "reliable"
    if value >= 0.667:
        return "tentative"
    return "unreliable"
