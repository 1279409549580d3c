"""Names the command line offers as choices: input formats, and what to do
with repeated, inconsistent and unknown ratings.

Kept apart from :mod:`raer_agreement.io.long` and :mod:`raer_agreement.io.load`
(which need pandas) so that ``--help`` and ``--version`` do not import pandas.
``FORMATS`` mirrors :data:`raer_agreement.io.load.FORMATS`
(``tests/test_startup.py`` checks that they are equal).
"""

FORMATS = (
    "auto",
    "long",
    "wide",
    "counts",
    "labelstudio",
    "mturk",
    "toloka",
    "appen",
    "prodigy",
    "lewidi",
    "parquet",
    "jsonl",
)

DUPLICATE_POLICIES = ("keep", "last", "error")
INCONSISTENT_POLICIES = ("flag", "drop", "error")
UNKNOWN_POLICIES = ("error", "drop")
