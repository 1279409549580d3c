"""Plots of agreement and aggregation results (matplotlib).

Every function takes the tidy objects the library returns, draws on ``ax``
(a new figure when None) and returns the Axes, so the same pictures serve
notebooks and the report.  Colours come from the Okabe-Ito palette, which
stays distinguishable with colour-vision deficiencies.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .vocabulary import display_name, short_name

__all__ = [
    "PALETTE",
    "plot_coefficients",
    "plot_per_class",
    "plot_pairwise_kappa",
    "plot_annotator_agreement",
    "plot_confusions",
    "plot_vote_distribution",
    "plot_vote_histogram",
    "plot_by_context",
    "plot_contingency",
    "plot_class_distribution",
    "new_axes",
    "text_colour",
]

#: Okabe & Ito (2008) colour-blind-safe palette.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
_SEQ_CMAP = "cividis"  # perceptually uniform, colour-blind safe
_DIV_CMAP = "PuOr"


def new_axes(ax=None, figsize=(6.4, 3.6)):
    """``ax`` itself, or the Axes of a new figure (Agg-safe)."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def text_colour(rgba) -> str:
    """Black or white, whichever reads better on a cell of colour ``rgba``.

    Uses the WCAG relative luminance of the cell: dark cells get white text.

    >>> text_colour((0.0, 0.13, 0.3, 1.0)), text_colour((1.0, 0.9, 0.2, 1.0))
    ('white', 'black')
    """
    c = np.asarray(rgba[:3], dtype=float)
    lin = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    lum = float(lin @ [0.2126, 0.7152, 0.0722])
    # contrast with black (lum + .05) / .05 against white 1.05 / (lum + .05)
    return "black" if (lum + 0.05) / 0.05 >= 1.05 / (lum + 0.05) else "white"


def _interval_rows(
    ax, labels, est, low, high, *, color=PALETTE[0], offset=0.0, label=None, marker="o"
):
    y = np.arange(len(labels)) + offset
    est, low, high = (np.asarray(v, float) for v in (est, low, high))
    err = np.vstack([np.clip(est - low, 0, None), np.clip(high - est, 0, None)])
    ok = np.isfinite(est)
    err[:, ~np.isfinite(low) | ~np.isfinite(high)] = 0
    ax.errorbar(
        est[ok], y[ok], xerr=err[:, ok], fmt=marker, color=color, capsize=3, label=label, lw=1.2
    )
    ax.set_yticks(np.arange(len(labels)), labels)
    # half a row above and below: the default 5% margin grows with the number of rows
    ax.set_ylim(-0.6, len(labels) - 0.4)
    return ax


def plot_coefficients(table: pd.DataFrame, ax=None, *, title: str | None = None):
    """Coefficients with 95% analytic CIs (and bootstrap CIs when present).

    Parameters
    ----------
    table : DataFrame
        Columns ``coefficient, estimate, ci_low, ci_high`` and optionally
        ``boot_ci_low, boot_ci_high`` (as :func:`raer_agreement.metrics.agreement_table`).
    """
    ax = new_axes(ax, (6.4, 0.45 * len(table) + 1.2))
    labels = [display_name(c) for c in table["coefficient"]]
    _interval_rows(
        ax, labels, table["estimate"], table["ci_low"], table["ci_high"], label="95% CI (analytic)"
    )
    if {"boot_ci_low", "boot_ci_high"} <= set(table.columns) and table["boot_ci_low"].notna().any():
        _interval_rows(
            ax,
            labels,
            # no bootstrap marker where the interval is withheld (or undefined)
            table["estimate"].where(table["boot_ci_low"].notna()),
            table["boot_ci_low"],
            table["boot_ci_high"],
            color=PALETTE[1],
            offset=0.25,
            label="95% CI (bootstrap over clips)",
            marker="s",
        )
    for x, ls in ((0.667, ":"), (0.8, "--")):
        ax.axvline(x, color="0.5", ls=ls, lw=0.8)
    ax.text(
        0.667,
        1.0,
        " 0.667",
        transform=ax.get_xaxis_transform(),
        color="0.4",
        fontsize=7,
        va="bottom",
    )
    ax.text(
        0.8, 1.0, " 0.800", transform=ax.get_xaxis_transform(), color="0.4", fontsize=7, va="bottom"
    )
    ax.set_xlim(min(0.0, np.nanmin(np.asarray(table["ci_low"], float), initial=0.0)) - 0.02, 1.02)
    ax.invert_yaxis()
    ax.set_xlabel("coefficient value (1 = perfect agreement, 0 = chance)")
    # below the axis label: inside the axes it covered the last row
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2, fontsize=7, frameon=False)
    if title:
        ax.set_title(title)
    return ax


def plot_per_class(
    per_class: pd.DataFrame, ax=None, *, value: str = "fleiss_kappa", title: str | None = None
):
    """Per-class agreement with CIs, prevalence annotated.

    Parameters
    ----------
    per_class : DataFrame
        One row per class (index, or a ``class``/``category`` column), with ``value`` and,
        when available, ``<value>_ci_low``/``<value>_ci_high`` or
        ``ci_low``/``ci_high``, and ``prevalence``.
    """
    ax = new_axes(ax, (6.4, 0.55 * len(per_class) + 1.2))
    df = per_class if {"class", "category"} & set(per_class.columns) else per_class.reset_index()
    names = [str(x) for x in df["class" if "class" in df.columns else "category"]]
    if "prevalence" in df:
        names = [f"{n}\n{100 * p:.1f}% of votes" for n, p in zip(names, df["prevalence"])]
    lo = df.get(f"{value}_ci_low", df.get("ci_low", pd.Series(np.nan, index=df.index)))
    hi = df.get(f"{value}_ci_high", df.get("ci_high", pd.Series(np.nan, index=df.index)))
    _interval_rows(ax, names, df[value], lo, hi, label=short_name(value))
    ax.axvline(0, color="0.6", lw=0.8)
    ax.invert_yaxis()
    ax.set_xlabel(f"{short_name(value)} (95% CI)")
    if title:
        ax.set_title(title)
    return ax


def plot_pairwise_kappa(
    matrix: pd.DataFrame,
    ax=None,
    *,
    title: str | None = None,
    min_items: pd.DataFrame | None = None,
):
    """Annotator x annotator Cohen's kappa heatmap (blank: too few shared clips)."""
    n = len(matrix)
    ax = new_axes(ax, (0.32 * n + 2.5, 0.32 * n + 1.8))
    m = matrix.to_numpy(float)
    im = ax.imshow(
        np.ma.masked_invalid(m),
        cmap=_SEQ_CMAP,
        vmin=min(0.0, np.nanmin(m) if np.isfinite(m).any() else 0),
        vmax=1,
    )
    ax.set_xticks(range(n), [str(c) for c in matrix.columns], rotation=90, fontsize=7)
    ax.set_yticks(range(n), [str(c) for c in matrix.index], fontsize=7)
    ax.figure.colorbar(im, ax=ax, label="Cohen's kappa", shrink=0.8)
    ax.set_xlabel("annotator")
    ax.set_ylabel("annotator")
    if title:
        ax.set_title(title)
    return ax


def plot_annotator_agreement(
    per_annotator: pd.DataFrame,
    ax=None,
    *,
    value: str = "kappa_vs_consensus",
    title: str | None = None,
    max_rows: int = 60,
):
    """Each annotator's agreement with the leave-one-out consensus (sorted), with
    its interval (columns ``<value>_ci_low``/``_ci_high`` when present) and the
    number of ratings it rests on (``n_compared``) beside the name, so that an
    annotator with two ratings does not pass for a reliable one.  Beyond
    ``max_rows`` annotators only the lowest are drawn (the ones a triage looks
    at), and the title says so."""
    df = per_annotator.sort_values(value)
    if len(df) > max_rows:
        title = f"{title or 'agreement with the consensus'}\n(the {max_rows} lowest of {len(df):,})"
        df = df.head(max_rows)
    ax = new_axes(ax, (6.4, 0.3 * len(df) + 1.2))
    names = [str(x) for x in (df["annotator"] if "annotator" in df else df.index)]
    if "n_compared" in df:
        names = [
            f"{a} (n={int(n):,})" if np.isfinite(n) else a
            for a, n in zip(names, df["n_compared"].astype(float))
        ]
    lo = df.get(f"{value}_ci_low", pd.Series(np.nan, index=df.index))
    hi = df.get(f"{value}_ci_high", pd.Series(np.nan, index=df.index))
    _interval_rows(ax, names, df[value], lo, hi)
    ax.tick_params(axis="y", labelsize=7)
    ax.set_xlabel("Cohen's kappa against the consensus\nof the other annotators (95% CI)")
    if title:
        ax.set_title(title)
    return ax


def plot_confusions(
    confusions: np.ndarray,
    classes: Sequence[str],
    annotators: Sequence[str],
    *,
    ncols: int = 5,
    fig=None,
):
    """Small multiples: one estimated confusion matrix per annotator.

    Parameters
    ----------
    confusions : ndarray, shape (n_annotators, q, q)
        Rows: true class; columns: the annotator's label; rows sum to 1.
    """
    import matplotlib.pyplot as plt

    n = len(annotators)
    nrows = int(np.ceil(n / ncols))
    if fig is None:
        fig = plt.figure(figsize=(1.9 * ncols + 0.8, 1.9 * nrows + 0.6), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False)
    short = [str(c)[:4] for c in classes]
    im = None
    for k, ax in enumerate(axes.ravel()):
        if k >= n:
            ax.axis("off")
            continue
        im = ax.imshow(confusions[k], cmap=_SEQ_CMAP, vmin=0, vmax=1)
        ax.set_title(str(annotators[k]), fontsize=8)
        ax.set_xticks(
            range(len(classes)), short if k // ncols == nrows - 1 else [], fontsize=6, rotation=90
        )
        ax.set_yticks(range(len(classes)), short if k % ncols == 0 else [], fontsize=6)
    if im is not None:
        fig.colorbar(im, ax=axes, shrink=0.6, label="P(label | true class)")
    fig.supxlabel("label given", fontsize=8)
    fig.supylabel("true class (estimated)", fontsize=8)
    return fig


def plot_vote_distribution(spread: pd.DataFrame, ax=None, *, title: str | None = None):
    """Histogram of per-clip top-vote share and normalised vote entropy.

    Parameters
    ----------
    spread : DataFrame
        As :func:`raer_agreement.metrics.vote_spread`: ``top_share`` and
        ``entropy`` per clip (nan for clips with fewer than two votes).
    """
    s = spread.dropna(subset=["top_share", "entropy"])
    edges = np.linspace(0, 1, 21)
    histogram = {
        "edges": edges,
        "top_share": np.histogram(s["top_share"], bins=edges)[0],
        "entropy": np.histogram(s["entropy"], bins=edges)[0],
    }
    return plot_vote_histogram(histogram, ax, title=title)


def plot_vote_histogram(histogram: dict, ax=None, *, title: str | None = None):
    """The vote-spread histograms from their counts (as ``report.json`` keeps them).

    Parameters
    ----------
    histogram : dict
        ``edges`` (bin edges over 0-1) and the clip counts per bin of
        ``top_share`` and ``entropy``.
    """
    ax = new_axes(ax)
    edges = np.asarray(histogram["edges"], dtype=float)
    mids = (edges[:-1] + edges[1:]) / 2
    for key, alpha, colour, label in (
        ("top_share", 0.75, PALETTE[0], "top-vote share"),
        ("entropy", 0.6, PALETTE[1], "vote entropy (normalised)"),
    ):
        counts = np.asarray(histogram[key], dtype=float)
        ax.hist(mids, bins=edges, weights=counts, alpha=alpha, color=colour, label=label)
    ax.set_xlabel("per-clip value (0-1)")
    ax.set_ylabel("clips")
    ax.legend(fontsize=8, frameon=False)
    if title:
        ax.set_title(title)
    return ax


def plot_by_context(
    table: pd.DataFrame,
    ax=None,
    *,
    value_col: str = "estimate",
    group_col: str = "group",
    title: str | None = None,
):
    """Coefficients by context value (environment, session type, split), with CIs.

    Parameters
    ----------
    table : DataFrame
        Columns ``group_col``, ``value_col``, ``ci_low``, ``ci_high``,
        optionally ``n_items`` and ``coefficient`` (one marker colour per
        coefficient).
    """
    groups = list(dict.fromkeys(table[group_col]))
    coefs = list(dict.fromkeys(table["coefficient"])) if "coefficient" in table else [None]
    ax = new_axes(ax, (6.4, 0.5 * len(groups) * max(1, len(coefs) * 0.6) + 1.2))
    n_of = table.groupby(group_col)["n_items"].max() if "n_items" in table else None
    labels = [f"{g} (n={int(n_of[g])})" if n_of is not None else str(g) for g in groups]
    step = 0.8 / max(len(coefs), 1)
    for k, c in enumerate(coefs):
        sub = table if c is None else table[table["coefficient"] == c]
        sub = sub.set_index(group_col).reindex(groups)
        _interval_rows(
            ax,
            labels,
            sub[value_col],
            sub.get("ci_low", np.nan),
            sub.get("ci_high", np.nan),
            color=PALETTE[k % len(PALETTE)],
            offset=(k - (len(coefs) - 1) / 2) * step,
            label=None if c is None else display_name(c),
            marker="osD^v"[k % 5],
        )
    ax.invert_yaxis()
    ax.set_xlabel("coefficient (95% CI)")
    if coefs != [None]:
        ax.legend(
            fontsize=7,
            frameon=False,
            loc="upper center",
            bbox_to_anchor=(0.5, -0.16),
            ncol=len(coefs),
        )
    if title:
        ax.set_title(title)
    return ax


def plot_contingency(
    table: pd.DataFrame, ax=None, *, title: str | None = None, normalise: bool = True
):
    """Heatmap of a contingency table (e.g. coarse x fine votes), row shares."""
    m = table.to_numpy(float)
    shown = m / np.maximum(m.sum(1, keepdims=True), 1) if normalise else m
    ax = new_axes(ax, (0.45 * m.shape[1] + 2.5, 0.4 * m.shape[0] + 1.6))
    im = ax.imshow(shown, cmap=_SEQ_CMAP, vmin=0, vmax=1 if normalise else None, aspect="auto")
    ax.set_xticks(
        range(m.shape[1]), [str(c) for c in table.columns], rotation=60, ha="right", fontsize=7
    )
    ax.set_yticks(range(m.shape[0]), [str(c) for c in table.index], fontsize=8)
    for i in range(m.shape[0]):
        for j in range(m.shape[1]):
            if m[i, j]:
                ax.text(
                    j,
                    i,
                    f"{int(m[i, j])}",
                    ha="center",
                    va="center",
                    fontsize=6,
                    color=text_colour(im.cmap(im.norm(shown[i, j]))),
                )
    ax.figure.colorbar(im, ax=ax, label="share of row" if normalise else "votes", shrink=0.8)
    ax.set_xlabel(table.columns.name or "")
    ax.set_ylabel(table.index.name or "")
    if title:
        ax.set_title(title)
    return ax


def _labels_collide(names: Sequence[str], ax) -> bool:
    """Whether horizontal tick labels would run into each other: each label's
    width (about 0.6 em a character at the tick font size) against its slot."""
    width_in = ax.figure.get_figwidth() * ax.get_position().width
    slot_pt = 72 * width_in / max(len(names), 1)
    return max((len(n) for n in names), default=0) * 0.6 * 10 > 0.9 * slot_pt


def plot_class_distribution(dist: pd.DataFrame, ax=None, *, title: str | None = None):
    """Grouped bars: final class shares per method (columns) and a reference.

    Parameters
    ----------
    dist : DataFrame
        Rows classes, columns methods (shares or counts).
    """
    ax = new_axes(ax)
    k, m = dist.shape
    width = 0.8 / m
    for j, col in enumerate(dist.columns):
        ax.bar(
            np.arange(k) + (j - (m - 1) / 2) * width,
            dist[col].to_numpy(float),
            width,
            label=display_name(col),
            color=PALETTE[j % len(PALETTE)],
        )
    names = [str(c) for c in dist.index]
    if _labels_collide(names, ax):
        ax.set_xticks(range(k), names, rotation=90)  # upright labels never touch
    else:
        ax.set_xticks(range(k), names)
    ax.set_ylabel("share of clips")
    ax.legend(fontsize=7, frameon=False)
    if title:
        ax.set_title(title)
    return ax
