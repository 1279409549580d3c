"""Turn a report document (``report.json``, :attr:`Report.document
<raer_agreement.report.builder.Report>`) into page sections (text, tables,
figures) for the HTML and Markdown renderings.

The pages are functions of the document alone: ``report.json`` re-renders
the very pages it was written with (:func:`raer_agreement.report.render_report`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..metrics import COEFFICIENT_NAMES
from ..metrics.results import format_annotators
from . import plots
from .decisions import (
    alpha_threshold_text,
    benchmark_frame,
    comparison_section,
    resamples_of,
    triage_section,
)
from .planning import planning_section
from .render import Figure, Paragraph, Section, Table, count, fmt
from .vocabulary import METHOD_NAMES, class_name, display_name

__all__ = ["report_sections", "reading_of_coefficients"]


def _coef_frame(coefs: dict) -> pd.DataFrame:
    rows = []
    for key, c in coefs.items():
        rows.append(
            {
                "coefficient": key,
                "estimate": c["estimate"],
                "se": c["se"],
                "ci_low": c["ci_low"],
                "ci_high": c["ci_high"],
                "boot_ci_low": c["boot_ci_low"],
                "boot_ci_high": c["boot_ci_high"],
                "p_value": c["p_value"],
            }
        )
    return pd.DataFrame(rows).astype(
        {
            k: float
            for k in (
                "estimate",
                "se",
                "ci_low",
                "ci_high",
                "boot_ci_low",
                "boot_ci_high",
                "p_value",
            )
        }
    )


#: When the page explains the kappa paradox (the rule of the document's ``paradox`` flag,
#: :func:`raer_agreement.metrics.paradox_diagnostics`).
PARADOX_RULE = (
    "The paradox is named when one class holds more than half of the votes, raw agreement "
    "is at least 0.70 and AC1 exceeds Fleiss' kappa by more than 0.10."
)


def reading_of_coefficients(coefs: dict, diagnostics: dict, scheme: str) -> str:
    """A plain-language reading of the coefficient table."""

    def g(k):
        v = coefs.get(k, {}).get("estimate")
        return np.nan if v is None else float(v)

    pa, kappa, alpha, ac1 = (
        g("percent_agreement"),
        g("fleiss_kappa"),
        g("krippendorff_alpha"),
        g("gwet_ac1"),
    )
    top = diagnostics.get("top_category")
    prev = diagnostics.get("top_prevalence")
    parts = [
        f"On the {scheme} scheme, two ratings of one clip name the same class in "
        f"{fmt(100 * pa, 1)}% of rating pairs. Corrected for chance, Krippendorff's alpha is {fmt(alpha)} and Fleiss' kappa "
        f"{fmt(kappa)}."
    ]
    th = (coefs.get("krippendorff_alpha") or {}).get("krippendorff_thresholds")
    if th and th.get("n_boot") and th["thresholds"][0]["p_below"] is not None:
        p_low = th["thresholds"][0]["p_below"]
        if p_low >= 0.95:
            parts.append(
                "Alpha is below Krippendorff's 0.667 threshold for tentative conclusions in "
                f"{fmt(100 * p_low, 1)}% of {resamples_of(th)}: expect label noise, and prefer "
                "soft labels or model-based aggregation to single votes."
            )
        elif p_low > 0.05:
            parts.append(
                "Whether alpha reaches Krippendorff's 0.667 is uncertain: it falls below in "
                f"{fmt(100 * p_low, 1)}% of {resamples_of(th)}."
            )
        else:
            p_high = th["thresholds"][-1]["p_below"]
            parts.append(
                "Alpha clears Krippendorff's 0.667 in "
                f"{fmt(100 * (1 - p_low), 1)}% of {resamples_of(th)}, and 0.800 in "
                f"{fmt(100 * (1 - p_high), 1)}%."
            )
    elif alpha == alpha:
        if alpha >= 0.8:
            parts.append("By Krippendorff's rule of thumb (0.800) the labels are reliable.")
        elif alpha >= 0.667:
            parts.append(
                "By Krippendorff's rule of thumb this allows only tentative conclusions (0.667-0.800)."
            )
        else:
            parts.append(
                "That is below Krippendorff's 0.667 threshold for tentative conclusions: expect label "
                "noise, and prefer soft labels or model-based aggregation to single votes."
            )
    if diagnostics.get("paradox") and top is not None and prev is not None:
        parts.append(
            f"{class_name(top)} makes up {fmt(100 * prev, 1)}% of the votes: one class dominates. "
            "Kappa-type coefficients (kappa, alpha) then expect much agreement by chance and fall "
            "even though raw agreement stays high (the kappa paradox); Gwet's AC1 "
            f"({fmt(ac1)}) and Brennan-Prediger ({fmt(g('brennan_prediger'))}) model chance "
            "differently and stay higher. Report them side by side, with the per-class values "
            f"below, rather than one number. ({PARADOX_RULE})"
        )
    mk = diagnostics.get("mean_cohen_kappa_max")
    if mk is not None:
        parts.append(
            f"Given each pair's own class marginals, the highest mean Cohen's kappa attainable is "
            f"{fmt(mk)}, not 1."
        )
    return " ".join(parts)


def _expanded(led: dict) -> bool:
    """True when the file's rows gave another number of ratings (counts, wide tables)."""
    return led.get("file_rows_read", led["rows_read"]) != led["rows_read"]


def _reading(led: dict):
    """Rows read, and the ratings they gave when that differs (``35,887 -> 358,869 ratings``)."""
    rows = led.get("file_rows_read", led["rows_read"])
    return f"{count(rows)} -> {count(led['rows_read'])} ratings" if _expanded(led) else rows


def _dropped_of(led: dict) -> str:
    if _expanded(led):
        return (
            f"Ratings dropped: {count(led['rows_dropped'])} of {count(led['rows_read'])} "
            f"(from {count(led['file_rows_read'])} rows read)"
        )
    return f"Rows dropped: {count(led['rows_dropped'])} of {count(led['rows_read'])}"


def _ledger_section(doc: dict) -> Section:
    led = doc["ledger"]
    s = Section("What was read", anchor="ledger")
    unit = "ratings" if _expanded(led) else "rows"
    rows = [
        ("sources", ", ".join(led["sources"])),
        ("rows read", _reading(led)),
        (f"{unit} used", led["rows_used"]),
        (f"{unit} dropped", led["rows_dropped"]),
        ("clips", led["n_items"]),
        (
            "annotators",
            "unknown (anonymous votes)" if led["n_annotators"] is None else led["n_annotators"],
        ),
    ]
    r = led.get("ratings_per_item") or {}
    if r:
        rows.append(
            (
                "ratings per clip",
                f"min {fmt(r['min'], 0)}, median {fmt(r['median'], 0)}, "
                f"mean {fmt(r['mean'], 2)}, max {fmt(r['max'], 0)}",
            )
        )
    s.add(
        Table(
            pd.DataFrame(rows, columns=["", "value"]),
            caption="Every input row is used or dropped with a reason.",
        )
    )
    entries = [dict(e, kind="dropped") for e in led["dropped"]] + [
        dict(e, kind="flagged (kept)") for e in led["flagged"]
    ]
    if entries:
        s.add(
            Table(
                pd.DataFrame(
                    [
                        {
                            "what": e["kind"],
                            "rows": e["count"],
                            "reason": e["reason"],
                            "detail": e["detail"],
                            "example lines": ", ".join(map(str, e["example_lines"][:6])),
                        }
                        for e in entries
                    ]
                )
            )
        )
    else:
        s.add(Paragraph("Nothing was dropped or flagged.", "note"))
    for n in led["notes"]:
        s.add(Paragraph(n, "note"))
    return s


#: Coefficients compared across contexts on the page (every one is in report.json).
_CONTEXT_COEFFICIENTS = ("krippendorff_alpha", "gwet_ac1", "fleiss_kappa")


def _scheme_sections(doc: dict, scheme: str) -> list[Section]:
    """The sections of one scheme: coefficients, per class, annotators, vote spread and
    agreement by context (with its comparisons)."""
    return [
        _coefficients_section(doc, scheme),
        _per_class_section(doc, scheme),
        _annotators_section(doc, scheme),
        _votes_section(doc, scheme),
        *_context_sections(doc, scheme),
    ]


def _alpha_scheme_note(doc: dict) -> str:
    """The caption's words on alpha's bootstrap when it is Krippendorff's ("" otherwise)."""
    if doc["agreement"]["bootstrap"].get("scheme") != "krippendorff":
        return ""
    return (
        "; Krippendorff's alpha: Krippendorff's bootstrap of pairs drawn from the coincidence "
        "matrix (--bootstrap krippendorff)"
    )


def _coefficients_section(doc: dict, scheme: str) -> Section:
    """Every coefficient with its intervals, bands, withheld intervals and plot."""
    entry = doc["agreement"]["schemes"][scheme]
    coefs = entry["coefficients"]
    diag = entry["diagnostics"]
    s = Section(f"Agreement on the {scheme} scheme", anchor=f"agreement-{scheme}")
    s.add(Paragraph(reading_of_coefficients(coefs, diag, scheme)))
    table = _coef_frame(coefs)
    shown = table.assign(
        coefficient=table["coefficient"].map(lambda k: COEFFICIENT_NAMES.get(k, k))
    )
    shown = shown.rename(
        columns={
            "ci_low": "95% CI low",
            "ci_high": "95% CI high",
            "boot_ci_low": "bootstrap low",
            "boot_ci_high": "bootstrap high",
        }
    )
    s.add(
        Table(
            shown,
            caption=f"{fmt(entry['n_items'])} clips, {fmt(entry['n_ratings'])} ratings, "
            f"{format_annotators(entry['n_annotators'])}. SE by Gwet's linearisation, 95% CI with t(n-1) clipped at 1 (irrCAC "
            f"conventions); bootstrap: {doc['n_boot']} percentile resamples of clips (seed "
            f"{doc['seed']})" + _alpha_scheme_note(doc) + ".",
        )
    )
    s.add(
        Table(
            benchmark_frame(coefs),
            caption="How strong, given the uncertainty (Gwet 2014, ch. 6): on each benchmark "
            "scale, the best band the coefficient reaches with probability at least 0.95 (in "
            "brackets), from a normal distribution with its SE, truncated to [-1, 1]. A fixed "
            "cutoff would ignore the SE; the full band probabilities are in report.json.",
        )
    )
    for key, c in coefs.items():
        if c.get("boot_reason"):
            s.add(Paragraph(f"{COEFFICIENT_NAMES.get(key, key)}: {c['boot_reason']}."))
    alpha_text = alpha_threshold_text(coefs.get("krippendorff_alpha", {}))
    if alpha_text:
        s.add(Paragraph(alpha_text))
    s.add(
        Figure(
            plots.plot_coefficients(table, title=f"{scheme}: coefficients with 95% CIs").figure,
            "Each coefficient with its analytic (blue) and bootstrap (orange) 95% interval; dotted and "
            "dashed lines mark Krippendorff's 0.667 and 0.800.",
        )
    )
    return s


def _per_class_section(doc: dict, scheme: str) -> Section:
    """Fleiss' category kappa per class, where agreement breaks down most."""
    detail = doc["detail"][scheme]
    pc = pd.DataFrame(detail["per_class"])
    s = Section(f"Per class ({scheme})", anchor=f"classes-{scheme}", level=3)
    worst = (
        pc.loc[pc["fleiss_kappa"].astype(float).idxmin()]
        if pc["fleiss_kappa"].notna().any()
        else None
    )
    if worst is not None:
        s.add(
            Paragraph(
                f"Agreement breaks down most on {class_name(worst['category'])} (Fleiss' category kappa "
                f"{fmt(float(worst['fleiss_kappa']))}, {fmt(100 * float(worst['prevalence']), 1)}% of votes)."
            )
        )
    fig_df = pc.rename(
        columns={
            "category": "class",
            "boot_ci_low": "fleiss_kappa_ci_low",
            "boot_ci_high": "fleiss_kappa_ci_high",
        }
    )
    s.add(
        Figure(
            plots.plot_per_class(fig_df, title=f"{scheme}: Fleiss' category kappa").figure,
            "Fleiss' category kappa per class with 95% bootstrap intervals over clips; labels give each "
            "class's share of the votes.",
        )
    )
    cols = [
        c
        for c in (
            "category",
            "n_ratings",
            "prevalence",
            "fleiss_kappa",
            "boot_ci_low",
            "boot_ci_high",
            "alpha_one_vs_rest",
            "specific_agreement",
        )
        if c in pc.columns
    ]
    s.add(
        Table(
            pc[cols].rename(
                columns={
                    "boot_ci_low": "kappa boot low",
                    "boot_ci_high": "kappa boot high",
                    "specific_agreement": "specific (positive) agreement",
                }
            ),
            caption="Prevalence is the class's share of all votes; specific agreement is the chance that a "
            "second annotator also picks the class when one does.",
        )
    )
    return s


def _annotators_section(doc: dict, scheme: str) -> Section:
    """Each annotator against the consensus, pairwise kappas and Dawid-Skene confusions."""
    entry = doc["agreement"]["schemes"][scheme]
    detail = doc["detail"][scheme]
    s = Section(f"Annotators ({scheme})", anchor=f"annotators-{scheme}", level=3)
    pa = pd.DataFrame(entry.get("per_annotator", []))
    if "anonymous_votes" in doc:
        s.add(
            Paragraph(doc["anonymous_votes"][0].upper() + doc["anonymous_votes"][1:] + ".", "note")
        )
    if len(pa):
        low = pa.sort_values("kappa_vs_consensus").iloc[0]
        infl = low.get("alpha_influence")
        moves = (
            ""
            if infl is None or infl != infl
            else f"; leaving them out {'raises' if infl > 0 else 'lowers'} alpha by {fmt(abs(infl))}"
        )
        s.add(
            Paragraph(
                f"{len(pa)} annotators. Lowest agreement with the others' consensus: {low['annotator']} "
                f"(kappa {fmt(low['kappa_vs_consensus'])}){moves}."
            )
        )
        s.add(_consensus_figure(pa, detail.get("consensus_kappa"), scheme))
        s.add(
            Table(
                pa,
                caption="alpha without: alpha with the annotator left out; alpha influence: that "
                "minus the full alpha (positive = the annotator lowers agreement).",
            )
        )
    km = detail.get("pairwise_kappa")
    if km and len(km["annotators"]) <= 60:
        s.add(_pairwise_figure(km, scheme))
    ds = doc["aggregation"]["dawid_skene"]
    if ds is not None and doc["aggregation"]["scheme"] == scheme and len(ds["annotators"]) <= 40:
        s.add(_confusions_figure(ds, doc["data"]["schemes"][scheme]))
    return s


def _consensus_figure(pa: pd.DataFrame, cc: dict | None, scheme: str) -> Figure:
    """Each annotator's kappa against the others' consensus, with its interval."""
    cc = cc or {"annotators": [], "ci_low": [], "ci_high": []}
    ci = pd.DataFrame(
        {"ci_low": cc["ci_low"], "ci_high": cc["ci_high"]},
        index=pd.Index(cc["annotators"], dtype=object),
        dtype=float,
    )
    names = pa["annotator"].astype(str)
    shown = pa.assign(
        kappa_vs_consensus_ci_low=ci["ci_low"].reindex(names).to_numpy(),
        kappa_vs_consensus_ci_high=ci["ci_high"].reindex(names).to_numpy(),
    )
    return Figure(
        plots.plot_annotator_agreement(
            shown, title=f"{scheme}: agreement with the consensus"
        ).figure,
        "Cohen's kappa of each annotator against the majority of the other annotators on "
        "the same clips, with its 95% interval (t, Fleiss-Cohen-Everitt SE); n is the "
        "number of ratings compared: few ratings, wide interval. A dot without an "
        "interval: the annotator gave one class to every clip, so kappa is 0 by "
        "construction.",
    )


def _pairwise_figure(km: dict, scheme: str) -> Figure:
    """The matrix of pairwise Cohen's kappas."""
    m = pd.DataFrame(
        np.array(km["matrix"], dtype=float), index=km["annotators"], columns=km["annotators"]
    )
    return Figure(
        plots.plot_pairwise_kappa(m, title=f"{scheme}: pairwise Cohen's kappa").figure,
        "Cohen's kappa for every pair of annotators on the clips both rated (blank: too few).",
    )


def _confusions_figure(ds: dict, categories) -> Figure:
    """Dawid-Skene's confusion matrix of each annotator."""
    fig = plots.plot_confusions(
        np.asarray(ds["confusions"], dtype=float), categories, ds["annotators"]
    )
    return Figure(
        fig,
        "Each annotator's confusion matrix as estimated by Dawid-Skene: rows the estimated true "
        "class, columns the label given (a strong diagonal is a reliable annotator).",
    )


def _votes_section(doc: dict, scheme: str) -> Section:
    """How clips split their votes: unanimity, majority, entropy."""
    detail = doc["detail"][scheme]
    s = Section(f"How clips split their votes ({scheme})", anchor=f"votes-{scheme}", level=3)
    vd = detail["vote_distribution"]
    s.add(
        Paragraph(
            f"Of {fmt(vd['n_items_with_2plus'])} clips with two or more votes, {fmt(100 * (vd['unanimous_share'] or 0), 1)}% "
            f"are unanimous and {fmt(100 * (vd['majority_share'] or 0), 1)}% have a strict majority; mean "
            f"top-vote share {fmt(vd['mean_top_share'])}, mean normalised entropy {fmt(vd['mean_entropy'])}."
        )
    )
    s.add(
        Figure(
            plots.plot_vote_histogram(
                vd["histogram"], title=f"{scheme}: per-clip vote spread"
            ).figure,
            "Top-vote share (1 = unanimous) and normalised vote entropy (0 = unanimous) per clip.",
        )
    )
    return s


def _context_sections(doc: dict, scheme: str) -> list[Section]:
    """Agreement within each value of every ``--by`` column, and the tests between them."""
    entry = doc["agreement"]["schemes"][scheme]
    out = []
    if entry.get("by"):
        s = Section(f"Agreement by context ({scheme})", anchor=f"context-{scheme}", level=3)
        for col, groups in entry["by"].items():
            rows = []
            for g in groups:
                for key in ("krippendorff_alpha", "gwet_ac1", "fleiss_kappa"):
                    c = g["coefficients"].get(key)
                    if c:
                        rows.append(
                            {
                                "group": g["value"],
                                "coefficient": key,
                                "estimate": c["estimate"],
                                "ci_low": c["ci_low"],
                                "ci_high": c["ci_high"],
                                "boot_ci_low": c["boot_ci_low"],
                                "boot_ci_high": c["boot_ci_high"],
                                "n_items": g["n_items"],
                            }
                        )
            df = pd.DataFrame(rows)
            alpha = df[df["coefficient"] == "krippendorff_alpha"].reset_index(drop=True)
            if len(alpha):
                lo = alpha.loc[alpha["estimate"].astype(float).idxmin()]
                s.add(
                    Paragraph(
                        f"By {display_name(col)}: alpha is lowest for {class_name(lo['group'])} "
                        f"({fmt(lo['estimate'])}, {count(lo['n_items'])} clips)."
                    )
                )
                s.add(
                    Figure(
                        plots.plot_by_context(
                            df, title=f"{scheme}: agreement by {display_name(col)}"
                        ).figure,
                        "Krippendorff's alpha, Gwet's AC1 and Fleiss' kappa within each "
                        f"{display_name(col)} value, with "
                        "95% CIs (t-based).",
                    )
                )
            s.add(
                Table(
                    df.rename(columns={"group": col}),
                    caption=f"Coefficients within each {display_name(col)} value.",
                )
            )
        out.append(s)
        for col, block in entry.get("by_comparison", {}).items():
            sec = comparison_section(col, block, scheme, _CONTEXT_COEFFICIENTS)
            sec.title = sec.title.replace(f"by {col}?", f"by {display_name(col)}?")
            out.append(sec)
    return out


def _granularity_section(doc: dict) -> Section | None:
    if not doc["granularity"]:
        return None
    s = Section("Two granularities", anchor="granularity")
    summary = {(g["child"], g["parent"]): g for g in doc["agreement"].get("granularity", [])}
    for g in doc["granularity"]:
        child, parent = g["child"], g["parent"]
        gs = summary.get((child, parent), {})
        s.add(
            Paragraph(
                f"{fmt(100 * gs.get('consistency', float('nan')), 1)}% of the ratings that carry both labels put the "
                f"{child} label under the same annotator's own {parent} label. Alpha of the {parent} votes: "
                f"{fmt(gs.get('alpha_parent'))}; alpha of the {child} votes collapsed to {parent}: "
                f"{fmt(gs.get('alpha_collapsed'))}; alpha of the {child} votes themselves: {fmt(gs.get('alpha_child'))}."
            )
        )
        cont = pd.DataFrame(
            g["contingency"]["counts"],
            index=pd.Index(g["contingency"]["rows"], name=f"{parent} vote"),
            columns=pd.Index(g["contingency"]["columns"], name=f"{child} vote"),
        )
        s.add(
            Figure(
                plots.plot_contingency(
                    cont, title=f"{parent} x {child} votes (same rating)"
                ).figure,
                f"How each {parent} vote splits over {child} labels; numbers are ratings, colour the row share. "
                "Cells outside a row's own children are inconsistent ratings.",
            )
        )
        pa = pd.DataFrame(g["per_annotator"])
        if len(pa):
            s.add(
                Table(
                    pa,
                    caption=f"Per annotator: ratings with both labels and the share whose {child} label "
                    f"lies under their own {parent} label.",
                )
            )
    return s


_RAER_UAR = ", RAER's primary metric"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _is_raer(doc: dict) -> bool:
    """RAER-specific wording only on data read with the RAER taxonomy."""
    return doc["data"].get("taxonomy") == "RAER"


def _method_choice_blocks(choice: dict | None) -> list:
    """With ``--method auto``: why the exported method was chosen, and every candidate's score."""
    if not choice:
        return []
    scores = choice["held_out_log_likelihood"]
    if not scores:  # anonymous votes: nothing to choose from
        return [Paragraph(_capital(choice["reason"].removeprefix("auto: ")) + ".", "note")]
    name = METHOD_NAMES.get(choice["method"], choice["method"])
    blocks = [
        Paragraph(
            f"{name} was chosen by --method auto, without gold: of the {len(scores)} "
            "candidate models it best predicts votes it was not fitted on.",
            "note",
        )
    ]
    table = pd.DataFrame(
        {
            "method": [METHOD_NAMES.get(m, m) for m in scores],
            "held-out log-likelihood per vote": [fmt(v, 4) for v in scores.values()],
            "chosen": ["yes" if m == choice["method"] else "" for m in scores],
        }
    )
    caption = (
        f"--method auto: each candidate, fitted on {choice['n_folds'] - 1} of "
        f"{choice['n_folds']} folds of the votes, predicts the held-out fold (no gold used; "
        "higher is better)."
    )
    return [*blocks, Table(table, caption=caption)]


def _aggregation_section(doc: dict) -> list[Section]:
    agg = doc["aggregation"]
    scheme = agg["scheme"]
    s = Section("Aggregated labels", anchor="aggregation")
    changed = pd.DataFrame(agg["changed"])
    dist = pd.DataFrame(agg["class_distribution"])
    s.add(
        Paragraph(
            f"Final labels of the {scheme} scheme by "
            f"{', '.join(METHOD_NAMES.get(m, m) for m in agg['methods'])}; the exported labels and "
            f"soft-label targets come from {METHOD_NAMES.get(agg['chosen'], agg['chosen'])}. "
            + " ".join(
                f"{_capital(display_name(r['a']))} and {display_name(r['b'])} disagree on "
                f"{count(r['n_changed'])} clips "
                f"({fmt(100 * r['share_changed'], 1)}%)."
                for r in agg["changed"]
            )
        )
    )
    s.add(*_method_choice_blocks(agg.get("method_choice")))
    if agg.get("unresolved", {}).get("majority"):
        s.add(
            Paragraph(
                f"Majority vote ties were broken at random (seed {doc['seed']}); "
                f"{count(agg['unresolved']['majority'])} clips stay unresolved.",
                "note",
            )
        )
    shares = dist / dist.sum()
    if agg.get("published_counts"):
        pub = pd.Series(agg["published_counts"]).reindex(dist.index)
        shares["RAER published"] = pub / pub.sum()
        dist["RAER published"] = pub
    s.add(
        Figure(
            plots.plot_class_distribution(shares, title=f"final {scheme} class shares").figure,
            "Share of clips per final class for each method"
            + (
                ", beside RAER's published train+test counts."
                if agg.get("published_counts")
                else "."
            ),
        )
    )
    s.add(Table(dist.rename_axis("class"), index=True, caption="Clips per final class."))
    if len(changed):
        s.add(Table(changed, caption="Clips whose final label differs between two methods."))
    ds = agg["dawid_skene"]
    if ds is not None:
        s.add(
            Paragraph(
                f"Dawid-Skene: {ds['n_iter']} EM iterations, converged: "
                f"{'yes' if ds['converged'] else 'no'}, final log-likelihood "
                f"{fmt(ds['log_likelihood'], 2)}.",
                "note",
            )
        )
    else:
        s.add(
            Paragraph(
                "Dawid-Skene and the other annotator models are not fitted: they need to know "
                "who cast each vote.",
                "note",
            )
        )
    out = [s]

    rv = doc["review"]
    s = Section("Clips to review", anchor="review", level=3)
    clips = pd.DataFrame(rv["clips"]).head(25)
    s.add(
        Paragraph(
            f"{count(rv['n_queued'])} clips are queued ({rv['criteria']}); the "
            f"{min(25, len(clips))} most doubtful are listed below."
        )
    )
    if len(clips):
        keep = [c for c in clips.columns if c.startswith("label_")] + [
            c
            for c in ("votes", "min_confidence", "reason", "environment", "split")
            if c in clips.columns
        ]
        s.add(Table(clips[["clip_id"] + keep]))
    out.append(s)

    s = Section(
        "Human ceiling" + (" and the model's score" if doc.get("predictions") else ""),
        anchor="ceiling",
        level=3,
    )
    hc = pd.DataFrame(doc["human_ceiling"])
    if len(hc):
        s.add(
            Paragraph(
                f"Each annotator scored against the majority of the other annotators (UAR = mean "
                f"per-class recall{_RAER_UAR if _is_raer(doc) else ''}; WAR = accuracy): median UAR "
                f"{fmt(hc['uar'].median())}, median WAR {fmt(hc['war'].median())}. A model trained "
                "on these labels is read against this."
            )
        )
    else:
        s.add(
            Paragraph(
                "No human ceiling: scoring each annotator against the others needs annotator "
                "identities.",
                "note",
            )
        )
    pred = doc.get("predictions")
    if pred:
        s.add(
            Paragraph(
                f"The predictions in {pred['source']} ({count(pred['n_matched'])} clips matched) score UAR "
                f"{fmt(pred['uar'])} and WAR {fmt(pred['war'])} against the {pred['against']} labels"
                + (
                    f", beside the human median UAR {fmt(pred['human_uar_median'])} and WAR "
                    f"{fmt(pred['human_war_median'])}."
                    if pred["human_uar_median"] is not None
                    else "."
                )
            )
        )
        s.add(
            Table(
                pd.DataFrame(
                    {"class": list(pred["recall"]), "model recall": list(pred["recall"].values())}
                ),
                caption="Per-class recall of the model.",
            )
        )
    if len(hc):
        s.add(Table(hc, caption="Per annotator, against the leave-one-out consensus."))
    out.append(s)
    return out


def report_sections(document) -> list[Section]:
    """Sections of the report page, in reading order, from the report document
    (a :class:`~raer_agreement.report.builder.Report` is read for its document)."""
    doc = document if isinstance(document, dict) else document.document
    d = doc["data"]
    first = doc["aggregation"]["scheme"]
    entry = doc["agreement"]["schemes"][first]
    a = entry["coefficients"]["krippendorff_alpha"]
    ac1 = entry["coefficients"]["gwet_ac1"]
    over = Section("At a glance", anchor="glance")
    over.add(
        Paragraph(
            f"{d['n_items']:,} clips, {format_annotators(d['n_annotators'])}, {d['n_ratings']:,} "
            "ratings; schemes: "
            + "; ".join(f"{k} ({len(v)} classes)" for k, v in d["schemes"].items())
            + ". "
            f"On {first}: Krippendorff's alpha {fmt(a['estimate'])} (95% CI {fmt(a['ci_low'])}-{fmt(a['ci_high'])}), "
            f"Gwet's AC1 {fmt(ac1['estimate'])}. {_dropped_of(doc['ledger'])}."
        )
    )
    sections = [over, _ledger_section(doc)]
    for s in d["schemes"]:
        sections += _scheme_sections(doc, s)
    g = _granularity_section(doc)
    if g is not None:
        sections.append(g)
    sections += _aggregation_section(doc)
    if doc.get("triage"):
        sections.append(triage_section(doc["triage"]))
    if doc.get("planning"):  # opt-in: report --plan
        sections.append(planning_section(doc["planning"]))
    return sections
