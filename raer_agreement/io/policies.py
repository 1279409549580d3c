"""What to do with repeated, inconsistent and unknown ratings: the policy names.

Kept apart from :mod:`raer_agreement.io.long` (which needs pandas) so that the
command line can offer them as choices without importing pandas.
"""

DUPLICATE_POLICIES = ("keep", "last", "error")
INCONSISTENT_POLICIES = ("flag", "drop", "error")
UNKNOWN_POLICIES = ("error", "drop")
