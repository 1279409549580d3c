"""raer_agreement: annotation aggregation and reliability analysis.

Built for the RAER video set of students' academic emotions (five classes,
about ten annotators per clip, two label granularities) and usable on any
multi-annotator data.

Main entry points
-----------------
load_ratings : read and validate ratings files into :class:`Annotations`.
load_sample : the bundled synthetic RAER-like corpus.
simulate_corpus : a synthetic corpus with known truth.
"""

from ._version import __version__

# Attributes load on first use (PEP 562): ``raer-agreement --version`` and
# ``--help`` then start without importing pandas, scipy or matplotlib.
_LAZY = {
    "Annotations": ".annotations",
    "InputError": ".errors",
    "DegenerateDataWarning": ".errors",
    "load_clips": ".io",
    "load_ratings": ".io",
    "Ledger": ".ledger",
    "agreement_summary": ".metrics",  # the agreement report API
    "agreement_table": ".metrics",
    "Scheme": ".taxonomy",
    "Taxonomy": ".taxonomy",
    "default_taxonomy": ".taxonomy",
    "load_taxonomy": ".taxonomy",
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "__version__",
    "Annotations",
    "InputError",
    "DegenerateDataWarning",
    "Ledger",
    "Scheme",
    "Taxonomy",
    "default_taxonomy",
    "load_taxonomy",
    "load_ratings",
    "load_clips",
]
