"""Package attributes that load on first use (PEP 562).

``raer-agreement --version`` and ``--help`` then start without importing
pandas, scipy, matplotlib or Dask: a package's ``__init__`` names where each
public attribute lives, and the module holding it is imported only when the
attribute is first read.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_attributes(
    package: str, names: Mapping[str, str], submodules: tuple[str, ...] = ()
) -> tuple[Callable[[str], Any], Callable[[], list]]:
    """``__getattr__`` and ``__dir__`` of a package whose attributes load on first use.

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    names : mapping of str to str
        Attribute name -> relative module that defines it (e.g. ``".load"``).
    submodules : tuple of str
        Submodules returned as attributes (``ra.simulate`` after a plain
        ``import raer_agreement``).

    Returns
    -------
    (__getattr__, __dir__)

    Examples
    --------
    >>> getattr_, dir_ = lazy_attributes("raer_agreement.io", {"FORMATS": ".policies"})
    >>> getattr_("FORMATS")[:2]
    ('auto', 'long')
    """
    namespace = importlib.import_module(package).__dict__

    def __getattr__(name: str):
        if name in submodules:
            return importlib.import_module(f"{package}.{name}")
        if name in names:
            value = getattr(importlib.import_module(names[name], package), name)
            namespace[name] = value  # later reads skip this function
            return value
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__():
        return sorted(set(namespace) | set(names) | set(submodules))

    return __getattr__, __dir__
