"""Display names, in one table: coefficients, aggregation methods, columns and ledger reasons.

What is rated is named by :data:`raer_agreement.wording.ITEMS` (clips) in every
output, the ledger and the commands included.  The JSON documents keep their machine keys (``krippendorff_alpha``,
``n_compared``, ``expired_assignment``); every page, figure and text
output names them through :func:`display_name`, so a key reads the same
everywhere it is shown.

Examples
--------
>>> display_name("gwet_ac1"), display_name("n_compared"), display_name("session_type")
("Gwet's AC1", 'ratings compared', 'session type')
>>> display_name("inconsistent_fine_coarse")
'fine label outside its coarse label'
>>> short_name("krippendorff_alpha")
'alpha'
"""

from __future__ import annotations

import re

from ..metrics import COEFFICIENT_NAMES, registry
from ..wording import ITEM, ITEMS, REASON_NAMES, reason_name

__all__ = ["VOCABULARY", "SHORT_NAMES", "display_name", "short_name", "class_name"]

#: Short names of the coefficients, for axis labels and legends.
SHORT_NAMES = registry.LABELS

#: Aggregation methods as the pages name them.
METHOD_NAMES = {
    "majority": "majority vote",
    "wawa": "WAWA",
    "dawid-skene": "Dawid-Skene",
    "one-coin": "one-coin Dawid-Skene",
    "class-conditional": "class-conditional Dawid-Skene",
    "glad": "GLAD",
    "mace": "MACE",
    "zbs": "ZBS",
    "ebcc": "EBCC",
    "bwa": "BWA",
    "kos": "KOS",
    "mmsr": "M-MSR",
    "hierarchical": "hierarchical Dawid-Skene",
}

#: Column keys of the documents' tables.
COLUMN_NAMES = {
    "n_ratings": "ratings",
    "n_items": ITEMS,
    "n_compared": "ratings compared",
    "n_both": "ratings with both labels",
    "n_changed": f"{ITEMS} changed",
    "n_votes": "votes",
    "n_distinct_labels": "distinct labels",
    "n_matched": f"{ITEMS} matched",
    "p_value": "p",
    "se": "SE",
    "se_h0": "SE under H0",
    "consensus_agreement": "agreement with consensus",
    "kappa_vs_consensus": "kappa vs consensus",
    "alpha_without": "alpha without",
    "alpha_influence": "alpha influence",
    "alpha_one_vs_rest": "alpha one-vs-rest",
    "specific_agreement": "specific (positive) agreement",
    "share_changed": "share changed",
    "min_confidence": "lowest confidence",
    "max_entropy": "highest entropy",
    "top_vote_share": "top-vote share",
    "clip_id": ITEM,
    "uar": "UAR",
    "war": "WAR",
    "ci_low": "95% CI low",
    "ci_high": "95% CI high",
    "boot_ci_low": "bootstrap low",
    "boot_ci_high": "bootstrap high",
}

#: Every display name, by key (coefficients first: a coefficient used as a column
#: header reads as the coefficient).
VOCABULARY = {**COLUMN_NAMES, **METHOD_NAMES, **REASON_NAMES, **COEFFICIENT_NAMES}


def display_name(key) -> str:
    """How a page names ``key``: the vocabulary's entry, else the key with spaces.

    ``label_<method>`` columns read ``label (<method>)``; a ledger reason
    ``inconsistent_<child>_<parent>`` reads as the rule it breaks.
    """
    key = str(key)
    if key in VOCABULARY:
        return VOCABULARY[key]
    if key.startswith("label_"):
        return f"label ({display_name(key[len('label_') :])})"
    return reason_name(key)


def short_name(key) -> str:
    """A coefficient's short name for figures (``krippendorff_alpha`` -> ``alpha``)."""
    key = str(key)
    return SHORT_NAMES.get(key, display_name(key))


def class_name(name) -> str:
    """A class as a sentence names it: a bare code reads ``class 3``, a name as it is.

    >>> class_name("3"), class_name(3), class_name("Neutrality")
    ('class 3', 'class 3', 'Neutrality')
    """
    text = str(name)
    return f"class {text}" if re.fullmatch(r"-?\d+(\.\d+)?", text) else text
