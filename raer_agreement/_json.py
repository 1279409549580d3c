"""Plain JSON values from numpy and pandas objects (one converter for every output)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

__all__ = ["to_jsonable"]


def to_jsonable(obj):
    """Plain Python objects: numpy scalars and arrays to int/float/bool/lists,
    nan/inf and missing values to None, anything else to its ``str``.

    Examples
    --------
    >>> to_jsonable({"a": np.float64("nan"), "b": np.arange(2), "c": (np.int64(3), True)})
    {'a': None, 'b': [0, 1], 'c': [3, True]}
    """
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, np.ndarray)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, (np.bool_, bool)):
        return bool(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        f = float(obj)
        return f if math.isfinite(f) else None
    if obj is None or isinstance(obj, (str, int)):
        return obj
    if obj is pd.NA or obj is pd.NaT:
        return None
    return str(obj)
