"""The planning section of the report: votes per clip and adaptive spending.

Everything is drawn from the JSON document of
:meth:`raer_agreement.planning.Plan.to_dict`, so the page and ``plan.json``
show the same numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from .plots import PALETTE, new_axes
from .render import Figure, Paragraph, Section, Table
from .vocabulary import display_name

__all__ = [
    "PLAN_FIGURES",
    "PER_K_COLUMNS",
    "plot_quality_vs_k",
    "plot_ci_width_vs_k",
    "plot_adaptive",
    "plan_figures",
    "planning_section",
]

#: File stems of the plan's figures.
PLAN_FIGURES = ("quality_vs_k", "ci_width_vs_k", "adaptive_vs_uniform")

_SERIES = (
    ("agreement_with_full", "ci_low", "ci_high", "agreement with full-panel labels"),
    ("uar_with_full", "uar_ci_low", "uar_ci_high", "UAR vs full-panel labels"),
    ("accuracy_vs_truth", "accuracy_ci_low", "accuracy_ci_high", "accuracy vs truth"),
    ("uar_vs_truth", "uar_vs_truth_ci_low", "uar_vs_truth_ci_high", "UAR vs truth"),
)


#: The series every k-vote figure is read against (agreement with the full panel's labels).
REFERENCE = "agreement_with_full"
REFERENCE_COLOUR = PALETTE[-1]  # black: apart from the coloured series
#: Above the other lines and their bands (matplotlib draws lines at zorder 2).
REFERENCE_Z = 3

#: Each figure's title: the quantity it shows.
TITLES = {
    "quality_vs_k": "Label quality of k-vote labels against votes per clip",
    "ci_width_vs_k": "95% CI width of alpha and AC1 against votes per clip",
}


def _legend_reference_first(ax, **kwargs):
    """A legend whose first entry is the reference line (drawn on top)."""
    handles, labels = ax.get_legend_handles_labels()
    ref = [k for k, h in enumerate(handles) if h.get_zorder() >= REFERENCE_Z]
    order = ref + [k for k in range(len(handles)) if k not in ref]
    if handles:
        ax.legend([handles[k] for k in order], [labels[k] for k in order], **kwargs)


def plot_quality_vs_k(per_k: pd.DataFrame, ax=None):
    """Agreement and UAR of k-vote labels against k, with 95% bands.

    The agreement with the full-panel labels (:data:`REFERENCE`) is drawn
    dashed in black above the other series, and leads the legend.

    Parameters
    ----------
    per_k : DataFrame
        ``plan.per_k`` (or the ``per_k`` records of ``plan.json``).

    Returns
    -------
    matplotlib Axes
    """
    ax = new_axes(ax)
    t = pd.DataFrame(per_k)
    for (col, lo, hi, label), colour in zip(_SERIES, PALETTE):
        if col not in t or t[col].isna().all():
            continue
        if col == REFERENCE:
            # the full-panel agreement is often equal to accuracy vs truth: it is drawn
            # last, above the others, in its own style, so that it never hides
            style = dict(color=REFERENCE_COLOUR, ls="--", marker="s", lw=2.0, zorder=REFERENCE_Z)
            colour = REFERENCE_COLOUR
        else:
            style = dict(color=colour, marker="o", lw=1.4, zorder=2)
        ax.plot(t["k"], t[col], label=label, gid=col, **style)
        if lo in t and hi in t:
            ax.fill_between(
                t["k"], t[lo].astype(float), t[hi].astype(float), color=colour, alpha=0.2, zorder=1
            )
    ax.set_xlabel("votes per clip (k)")
    ax.set_ylabel("share of clips / UAR")
    ax.set_xticks(t["k"])
    ax.set_title(TITLES["quality_vs_k"], fontsize=10)
    _legend_reference_first(ax, loc="lower right", fontsize=8)
    ax.grid(alpha=0.3)
    return ax


def plot_ci_width_vs_k(per_k: pd.DataFrame, ax=None):
    """Width of the 95% CI of Krippendorff's alpha and Gwet's AC1 against k."""
    ax = new_axes(ax)
    t = pd.DataFrame(per_k)
    for (col, label), colour in zip(
        (("alpha_ci_width", "Krippendorff's alpha"), ("ac1_ci_width", "Gwet's AC1")), PALETTE
    ):
        if col in t and t[col].notna().any():
            ax.plot(t["k"], t[col], marker="o", color=colour, label=label)
    ax.set_xlabel("votes per clip (k)")
    ax.set_ylabel("95% CI width")
    ax.set_xticks(t["k"])
    ax.set_title(TITLES["ci_width_vs_k"], fontsize=10)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return ax


def plot_adaptive(curve: pd.DataFrame, ax=None, *, metric: str = "agreement_with_full"):
    """Label quality against total ratings, uniform vs adaptive spending."""
    ax = new_axes(ax)
    name = next((label for col, _, _, label in _SERIES if col == metric), display_name(metric))
    ax.set_title(f"{name[:1].upper()}{name[1:]} against total ratings, by strategy", fontsize=10)
    c = pd.DataFrame(curve)
    if not len(c):
        return ax
    for (s, g), colour in zip(c.groupby("strategy", sort=False), PALETTE):
        # uniform spending is the reference the adaptive strategies are read against:
        # dashed, above the others (two strategies often draw the same line)
        ax.plot(
            g["n_ratings"],
            g[metric],
            color=REFERENCE_COLOUR if s == "uniform" else colour,
            lw=2.0 if s == "uniform" else 1.4,
            ls="--" if s == "uniform" else "-",
            zorder=REFERENCE_Z if s == "uniform" else 2,
            label=s.replace("_", " "),
            gid=f"strategy:{s}",
        )
    ax.set_xlabel("total ratings")
    ax.set_ylabel(name)
    _legend_reference_first(ax, fontsize=8)
    ax.grid(alpha=0.3)
    return ax


def plan_figures(doc: dict) -> dict:
    """The three figures of a plan document, keyed by :data:`PLAN_FIGURES`."""
    import matplotlib

    per_k = pd.DataFrame(doc["per_k"])
    curve = pd.DataFrame(doc["adaptive"]["curve"])
    out = {}
    draws: tuple[Callable[[pd.DataFrame], Any], ...] = (
        plot_quality_vs_k,
        plot_ci_width_vs_k,
        plot_adaptive,
    )
    # a report keeps all its figures open until it renders them: that is
    # intended, so the too-many-figures warning is off while these are drawn
    with matplotlib.rc_context({"figure.max_open_warning": 0}):
        for key, draw, data in zip(PLAN_FIGURES, draws, (per_k, per_k, curve)):
            out[key] = draw(data).figure
    return out


def planning_section(doc: dict) -> Section:
    """The report section "Annotation budget" from a plan document.

    Parameters
    ----------
    doc : dict
        :meth:`raer_agreement.planning.Plan.to_dict`.

    Returns
    -------
    Section
    """
    s = doc["settings"]
    sec = Section("Annotation budget", anchor="planning")
    sec.add(Paragraph(doc["advice"] or doc["conclusion"]))
    sec.add(Paragraph(doc["conclusion"] + "."))
    sec.add(
        Paragraph(
            f"{s['method']} re-run on {s['n_resamples']} seeded subsets per k (seed {s['seed']}); "
            f"95% intervals from {s['n_boot']} bootstrap draws over clips. "
            f"{s['clips_with_fewer_than_max']} clips have fewer than {s['max_ratings_per_clip']} "
            "ratings (clips by number of ratings: "
            + ", ".join(f"{r}: {c:,}" for r, c in s["clips_by_ratings"].items())
            + "): at each k, clips with fewer than k ratings are left out of the figures and "
            "counted in n_clips_short.",
            kind="note",
        )
    )
    sec.add(_per_k_table(doc["per_k"], s["max_ratings_per_clip"]))
    figs = plan_figures(doc)
    captions = (
        "Agreement and UAR of k-vote labels, with 95% bands",
        "Width of the 95% CI of alpha and AC1 against k",
        f"Adaptive vs uniform spending from k={s['start_k']} (equal ratings per step)",
    )
    for fig, cap in zip(figs.values(), captions):
        sec.add(Figure(fig, caption=cap, alt=cap))
    summ = doc["adaptive"].get("summary") or {}
    if summ.get("strategies"):
        rows = [
            {"strategy": k, **{c: v for c, v in r.items() if not c.startswith("start_")}}
            for k, r in summ["strategies"].items()
        ]
        sec.add(
            Table(
                pd.DataFrame(rows),
                caption=f"After {summ['extra_ratings']:,} extra ratings",
            )
        )
    if doc.get("soft_labels"):
        r = pd.DataFrame(doc["soft_labels"]["ranking"])
        sec.add(
            Table(
                r[["rank", "name", "nll", "brier", "ece"]].head(10),
                caption="Soft-label methods ranked by how well one half of the annotators "
                "predicts the other half's votes",
            )
        )
    return sec


#: The per-k columns the budget tables show (report and ``plan``), in order (those the plan has).
PER_K_COLUMNS = (
    "k",
    "n_ratings",
    "n_clips",
    "n_clips_short",
    "agreement_with_full",
    "ci_low",
    "ci_high",
    "uar_with_full",
    "accuracy_vs_truth",
    "uar_vs_truth",
    "alpha_ci_width",
    "ac1_ci_width",
)


def _per_k_table(rows: list, max_ratings: int) -> Table:
    """The plan's per-k figures as a table."""
    per_k = pd.DataFrame(rows)
    return Table(
        per_k[[c for c in PER_K_COLUMNS if c in per_k]],
        caption="k-vote labels: agreement_with_full and uar_with_full compare them with the "
        f"{max_ratings}-vote (full-panel) labels, accuracy_vs_truth and "
        "uar_vs_truth with the truth; each figure is a mean over the n_clips clips with at "
        "least k ratings",
    )
