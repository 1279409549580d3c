"""Report sections that turn numbers into decisions: how strong agreement is
given its uncertainty (probabilistic benchmarking), and which annotators to
trust (triage, the effect of excluding some, accuracy on gold).

Each function reads blocks of the report document (``report.json``) only, so
every number on the page is traceable there.
"""

from __future__ import annotations

import pandas as pd

from ..metrics import COEFFICIENT_NAMES
from ..metrics.benchmarking import SCALE_NAMES, SCALES
from .render import Paragraph, Section, Table, fmt

__all__ = ["benchmark_frame", "alpha_threshold_text", "triage_section", "comparison_section"]


def _reached_with_probability(entry: dict) -> str:
    band = entry.get("reached")
    if band is None:
        return "–"
    probs = entry["probabilities"]
    names = list(probs)
    cum = sum(p for p in list(probs.values())[: names.index(band) + 1] if p is not None)
    return f"{band} ({fmt(min(cum, 1.0), 3)})"


def benchmark_frame(coefs: dict) -> pd.DataFrame:
    """One row per coefficient: the band reached on each scale, with its
    cumulative probability.

    Parameters
    ----------
    coefs : dict
        ``{coefficient: block}`` of the agreement document; each block holds
        ``estimate`` and ``benchmark`` (``{scale: {"probabilities",
        "reached"}}``).

    Examples
    --------
    >>> from raer_agreement.metrics.benchmarking import coefficient_benchmarks
    >>> f = benchmark_frame({"gwet_ac1": {"estimate": 0.77544,
    ...                      "benchmark": coefficient_benchmarks(0.77544, 0.14295)}})
    >>> f.iloc[0]["Landis & Koch"]
    'moderate (0.995)'
    """
    rows = []
    for key, c in coefs.items():
        b = c.get("benchmark") or {}
        if not b:
            continue  # not chance-corrected (percent agreement): the scales do not apply
        row = {"coefficient": COEFFICIENT_NAMES.get(key, key), "estimate": c.get("estimate")}
        for scale in SCALES:
            if scale in b:
                row[SCALE_NAMES[scale]] = _reached_with_probability(b[scale])
        rows.append(row)
    return pd.DataFrame(rows)


def alpha_threshold_text(alpha: dict) -> str | None:
    """One sentence on Krippendorff's thresholds from an alpha block's
    ``krippendorff_thresholds`` (None without a bootstrap).

    Examples
    --------
    >>> alpha_threshold_text({"estimate": 0.7, "krippendorff_thresholds": {"n_boot": 1000,
    ...     "thresholds": [{"threshold": 0.667, "p_below": 0.2},
    ...                    {"threshold": 0.8, "p_below": 0.99}]}})[:60]
    "Krippendorff's alpha is 0.700. Over 1,000 bootstrap resample"
    """
    th = alpha.get("krippendorff_thresholds")
    if not th or not th.get("n_boot") or any(t["p_below"] is None for t in th["thresholds"]):
        return None
    parts = [
        f"the probability that alpha is below {fmt(t['threshold'])} is {fmt(t['p_below'])}"
        for t in th["thresholds"]
    ]
    if th.get("scheme") == "krippendorff":
        return _krippendorff_threshold_text(alpha, th, parts)
    return (
        f"Krippendorff's alpha is {fmt(alpha.get('estimate'))}. Over {fmt(th['n_boot'])} bootstrap "
        f"resamples of clips, {' and '.join(parts)} (Krippendorff's smallest acceptable values: "
        "0.667 for tentative conclusions, 0.800 for reliable data). The clips are resampled, "
        "not the pairable values as in Krippendorff's own bootstrap, which takes the values "
        "of one clip as independent (its intervals are usually narrower)."
    )


def _krippendorff_threshold_text(alpha: dict, th: dict, parts: list) -> str:
    """:func:`alpha_threshold_text` when Krippendorff's bootstrap of pairs gave the numbers.

    Examples
    --------
    >>> th = {"n_boot": 1000, "scheme": "krippendorff", "pairs_drawn": 60, "pairs_in_data": 60,
    ...       "thresholds": [{"threshold": 0.667, "p_below": 0.13}]}
    >>> _krippendorff_threshold_text({"estimate": 0.74}, th, ["p"])[:70]
    "Krippendorff's alpha is 0.740. Over 1,000 resamples of Krippendorff's "
    """
    drawn, pairs = th.get("pairs_drawn"), th.get("pairs_in_data")
    cap = (
        f" ({fmt(drawn)} is the algorithm's cap of 25 draws per non-empty cell, of "
        f"{fmt(pairs)} pairs in the data, which widens the distribution)"
        if drawn is not None and pairs is not None and drawn < pairs
        else ""
    )
    return (
        f"Krippendorff's alpha is {fmt(alpha.get('estimate'))}. Over {fmt(th['n_boot'])} "
        f"resamples of Krippendorff's bootstrap, each of {fmt(drawn)} pairs of values drawn "
        f"from the coincidence matrix{cap}, {' and '.join(parts)} (Krippendorff's smallest "
        "acceptable values: 0.667 for tentative conclusions, 0.800 for reliable data). The "
        "other coefficients resample clips. Krippendorff's bootstrap takes the values of one "
        "clip as independent, so without the cap it is usually narrower than resampling clips."
    )


def resamples_of(th: dict) -> str:
    """The words "bootstrap resamples", or which resamples Krippendorff's bootstrap drew.

    Examples
    --------
    >>> resamples_of({}), resamples_of({"scheme": "krippendorff"})
    ('bootstrap resamples', "resamples of Krippendorff's bootstrap of pairs")
    """
    if th.get("scheme") == "krippendorff":
        return "resamples of Krippendorff's bootstrap of pairs"
    return "bootstrap resamples"


def triage_section(triage: dict) -> Section:
    """The annotator-triage section from the report's ``triage`` block
    (:func:`raer_agreement.aggregation.triage.triage_document`)."""
    s = Section("Annotator triage", anchor="triage")
    scheme = triage["scheme"]
    flagged = triage["flagged"]
    s.add(
        Paragraph(
            f"Spam score (Raykar & Yu 2012) from each annotator's Dawid-Skene confusion matrix on "
            f"the {scheme} scheme: 0 when the votes do not depend on the clip, 1 for a perfect "
            f"annotator; below {fmt(triage['spam_threshold'], 2)} the annotator is flagged. The "
            "trace of the confusion matrix runs from 1 (guessing) to the number of classes; a low "
            "entropy of an annotator's own labels (crowd-kit's rule, lowest 10%) marks someone who "
            "presses the same button too often."
        )
    )
    if flagged:
        s.add(Paragraph(f"Flagged as spammers: {', '.join(flagged)}.", "warn"))
    else:
        s.add(Paragraph("No annotator is flagged as a spammer.", "note"))
    t = pd.DataFrame(triage["annotators"])
    if len(t):
        t = t.sort_values("spam_score", kind="stable").rename(
            columns={
                "annotator_id": "annotator",
                "n_ratings": "ratings",
                "spam_score": "spam score",
                "trace_share": "trace / classes",
                "low_entropy": "low entropy",
                "spammer": "flagged",
            }
        )
        s.add(Table(t, caption="Lowest spam score first."))
    ex = triage.get("exclusion")
    if ex:
        who = ", ".join(ex["excluded"])
        lead = (
            f"What excluding the flagged annotator(s) {who} would change"
            if ex["hypothetical"]
            else f"Effect of excluding {who} ({fmt(ex['ratings_removed'])} ratings, counted as "
            "dropped in the ledger)"
        )
        co = pd.DataFrame(ex["coefficients"]).T.reset_index(names="coefficient")
        co["coefficient"] = co["coefficient"].map(lambda k: COEFFICIENT_NAMES.get(k, k))
        s.add(Paragraph(lead + ":"))
        s.add(Table(co[["coefficient", "before", "after", "change"]]))
        s.add(
            Paragraph(
                f"{fmt(ex['n_labels_changed'])} of {fmt(ex['n_items'])} clips change their "
                f"{ex['method']} label (ties left unresolved on both sides, so a clip that becomes "
                "or stops being a tie counts as changed).",
                "note",
            )
        )
        if ex["labels_changed"]:
            s.add(
                Table(
                    pd.DataFrame(ex["labels_changed"]).head(50),
                    caption="Clips whose label changes (first 50; – = no single label: a tie, or no rating left).",
                )
            )
    acc = triage.get("gold_accuracy")
    if acc:
        g = pd.DataFrame(acc).rename(columns={"annotator_id": "annotator", "n_gold": "gold clips"})
        s.add(
            Table(
                g,
                caption="Accuracy of each annotator on the clips with a gold label, with a 95% "
                "Wilson interval; lowest first.",
            )
        )
    return s


def comparison_section(
    column: str, block: dict, scheme: str | None = None, coefficients=None
) -> Section:
    """Agreement compared across the values of a context column, from a
    :meth:`~raer_agreement.metrics.compare.GroupComparison.to_dict` block:
    the overall test of equal agreement, then every pairwise difference
    (of ``coefficients`` only, when given)."""
    title = f"Does agreement differ by {column}?" + (f" ({scheme})" if scheme else "")
    anchor = f"compare-{column}" + (f"-{scheme}" if scheme else "")
    s = Section(title, anchor=anchor, level=3)
    ov = pd.DataFrame(block["overall"])
    pw = pd.DataFrame(block["pairwise"])
    if coefficients is not None:
        ov = ov[ov["coefficient"].isin(coefficients)] if len(ov) else ov
        pw = pw[pw["coefficient"].isin(coefficients)] if len(pw) else pw
    if len(ov):
        ov["coefficient"] = ov["coefficient"].map(lambda k: COEFFICIENT_NAMES.get(k, k))
        s.add(
            Table(
                ov.rename(columns={"n_groups": "groups", "chi2": "chi²", "p_value": "p"}),
                caption="Wald test that every group has the same agreement: the differences from "
                "the first group with their bootstrap covariance, chi² with groups - 1 degrees of "
                f"freedom ({fmt(block['n_boot'])} resamples of clips"
                + (", paired" if block["paired"] else ", groups resampled independently")
                + ").",
            )
        )
    if len(pw):
        pw["coefficient"] = pw["coefficient"].map(lambda k: COEFFICIENT_NAMES.get(k, k))
        conf = int(round(100 * block["confidence"]))
        s.add(
            Table(
                pw[
                    [
                        "coefficient",
                        "group_a",
                        "group_b",
                        "estimate_a",
                        "estimate_b",
                        "difference",
                        "ci_low",
                        "ci_high",
                        "p_value",
                    ]
                ].rename(
                    columns={
                        "group_a": "A",
                        "group_b": "B",
                        "estimate_a": "in A",
                        "estimate_b": "in B",
                        "difference": "B - A",
                        "ci_low": f"{conf}% CI low",
                        "ci_high": f"{conf}% CI high",
                        "p_value": "p",
                    }
                ),
                caption="Pairwise differences with percentile bootstrap intervals over clips; p "
                "inverts the interval (two-sided). With many pairs, expect some small p-values by "
                "chance.",
            )
        )
    return s
