"""Names the command line offers as choices: input formats, and what to do
with repeated, inconsistent and unknown ratings.

Kept apart from :mod:`raer_agreement.io.long` and :mod:`raer_agreement.io.load`
(which need pandas) so that ``--help`` and ``--version`` do not import pandas.
``FORMATS`` comes from the reader registry (:mod:`raer_agreement.io.readers`,
itself free of pandas).
"""

from . import readers

#: ``auto`` and the names of :data:`raer_agreement.io.readers.READERS`
FORMATS = readers.FORMATS

DUPLICATE_POLICIES = ("keep", "last", "error")
INCONSISTENT_POLICIES = ("flag", "drop", "error")
UNKNOWN_POLICIES = ("error", "drop")
