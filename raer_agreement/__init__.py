"""raer_agreement: annotation aggregation and reliability analysis.

Built for the RAER video set of students' academic emotions (five classes,
about ten annotators per clip, two label granularities) and usable on any
multi-annotator data.

Main entry points
-----------------
load_ratings : read and validate ratings files into :class:`Annotations`.
Analysis : every agreement statistic of one scheme, computed once.
load_sample : the bundled synthetic RAER-like corpus.
simulate_corpus : a synthetic corpus with known truth.
"""

from ._version import __version__
from .annotations import Annotations
from .errors import DegenerateDataWarning, InputError
from .io import load_clips, load_ratings
from .ledger import Ledger
from .metrics import Analysis, agreement_summary, agreement_table  # the agreement API
from .taxonomy import Scheme, Taxonomy, default_taxonomy, load_taxonomy

__all__ = [
    "__version__",
    "Annotations",
    "Analysis",
    "agreement_summary",
    "agreement_table",
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
