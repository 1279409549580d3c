"""raer_agreement: annotation aggregation and reliability analysis.

Built for the RAER video set of students' academic emotions (five classes,
about ten annotators per clip, two label granularities) and usable on any
multi-annotator data.

Main entry points
-----------------
load_ratings : read and validate ratings files into :class:`Annotations`.
Analysis : every agreement statistic of one scheme, computed once.
simulate : the simulator and the bundled synthetic RAER-like corpus
    (``simulate.load_sample()``, ``simulate.simulate_corpus(...)``).

Examples
--------
>>> import raer_agreement as ra
>>> ra.simulate.load_sample().n_items
2649
"""

from ._version import __version__
from .annotations import Annotations
from .errors import DegenerateDataWarning, InputError
from .io import load_clips, load_ratings
from .ledger import Ledger
from .metrics import Analysis, agreement_summary, agreement_table
from .taxonomy import Scheme, Taxonomy, default_taxonomy, load_taxonomy

__all__ = [
    "__version__",
    "Annotations",
    "Analysis",
    "InputError",
    "DegenerateDataWarning",
    "Ledger",
    "Scheme",
    "Taxonomy",
    "default_taxonomy",
    "load_taxonomy",
    "load_ratings",
    "load_clips",
    "agreement_summary",
    "agreement_table",
    "simulate",
]


def __getattr__(name: str):
    # ``ra.simulate`` works after a plain ``import raer_agreement``, imported on
    # first use only so that start-up does not pay for it.
    if name == "simulate":
        import importlib

        return importlib.import_module(f"{__name__}.simulate")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
