"""raer_agreement: annotation aggregation and reliability analysis.

Built for the RAER video set of students' academic emotions (five classes,
about ten annotators per clip, two label granularities) and usable on any
multi-annotator data.

Main entry points
-----------------
load_ratings : read and validate ratings files into :class:`Annotations`.
from_long, from_matrix : the same from a DataFrame or a ratings matrix in memory.
Analysis : every agreement statistic of one scheme, computed once.
simulate : the simulator and the bundled synthetic RAER-like corpus
    (``simulate.load_sample()``, ``simulate.simulate_corpus(...)``).

Examples
--------
>>> import raer_agreement as ra
>>> ra.simulate.load_sample().n_items
2649
"""

from typing import TYPE_CHECKING

from ._lazy import lazy_attributes
from ._version import __version__

if TYPE_CHECKING:  # what the lazy attributes below are, for type checkers
    from .annotations import Annotations
    from .errors import DegenerateDataWarning, InputError
    from .io import from_long, from_matrix, load_clips, load_ratings
    from .ledger import Ledger
    from .metrics import Analysis, agreement_summary, agreement_table
    from .taxonomy import Scheme, Taxonomy, default_taxonomy, load_taxonomy

# Attributes load on first use (PEP 562): ``raer-agreement --version`` and
# ``--help`` then start without importing pandas, scipy or matplotlib.
_LAZY = {
    "Annotations": ".annotations",
    "InputError": ".errors",
    "DegenerateDataWarning": ".errors",
    "load_clips": ".io",
    "load_ratings": ".io",
    "from_long": ".io",
    "from_matrix": ".io",
    "Ledger": ".ledger",
    "Analysis": ".metrics",  # the agreement report API
    "agreement_summary": ".metrics",
    "agreement_table": ".metrics",
    "Scheme": ".taxonomy",
    "Taxonomy": ".taxonomy",
    "default_taxonomy": ".taxonomy",
    "load_taxonomy": ".taxonomy",
}


__getattr__, __dir__ = lazy_attributes(__name__, _LAZY, submodules=("simulate",))

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
    "from_long",
    "from_matrix",
    "agreement_summary",
    "agreement_table",
    "simulate",
]
