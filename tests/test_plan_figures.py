"""The plan's figures: a title naming the quantity each shows, and the full-panel
agreement drawn above the other lines (it often equals accuracy vs truth)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from raer_agreement.report.planning import PLAN_FIGURES, plan_figures  # noqa: E402


def _doc():
    ks = [1, 2, 3, 4]
    share = [0.80, 0.88, 0.93, 1.0]
    per_k = [
        {
            "k": k,
            "agreement_with_full": a,
            "ci_low": a - 0.02,
            "ci_high": min(a + 0.02, 1.0),
            "uar_with_full": a - 0.1,
            "uar_ci_low": a - 0.12,
            "uar_ci_high": a - 0.08,
            # the same numbers as the full-panel agreement: the line that used to hide it
            "accuracy_vs_truth": a,
            "accuracy_ci_low": a - 0.02,
            "accuracy_ci_high": min(a + 0.02, 1.0),
            "alpha_ci_width": 0.1 / k,
            "ac1_ci_width": 0.08 / k,
        }
        for k, a in zip(ks, share)
    ]
    curve = [
        {"strategy": s, "n_ratings": n, "agreement_with_full": v}
        for s, vals in (("uniform", [0.8, 0.85, 0.9]), ("entropy", [0.8, 0.9, 0.95]))
        for n, v in zip((100, 150, 200), vals)
    ]
    return {"per_k": per_k, "adaptive": {"curve": curve}}


@pytest.fixture
def figures():
    figs = plan_figures(_doc())
    yield figs
    for f in figs.values():
        plt.close(f)


def test_every_plan_figure_has_a_title_naming_its_quantity(figures):
    assert list(figures) == list(PLAN_FIGURES)
    words = {
        "quality_vs_k": "label quality",
        "ci_width_vs_k": "ci width",
        "adaptive_vs_uniform": "agreement with full-panel labels",
    }
    for key, fig in figures.items():
        title = fig.axes[0].get_title()
        assert title.strip(), key
        assert words[key] in title.lower(), title


def test_full_panel_line_is_drawn_above_the_others_and_in_the_legend(figures):
    ax = figures["quality_vs_k"].axes[0]
    lines = {line.get_gid(): line for line in ax.get_lines()}
    ref = lines["agreement_with_full"]
    others = [line for gid, line in lines.items() if gid != "agreement_with_full"]
    assert lines["accuracy_vs_truth"].get_ydata().tolist() == ref.get_ydata().tolist()
    assert others and all(ref.get_zorder() > o.get_zorder() for o in others)
    assert all(ref.get_zorder() > c.get_zorder() for c in ax.collections)  # the 95% bands
    # a style of its own: dashed, and a colour no other line has
    assert ref.get_linestyle() == "--"
    assert ref.get_color() not in {o.get_color() for o in others}
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[0] == ref.get_label() == "agreement with full-panel labels"


def test_uniform_reference_is_drawn_above_the_adaptive_strategies(figures):
    ax = figures["adaptive_vs_uniform"].axes[0]
    lines = {line.get_gid(): line for line in ax.get_lines()}
    assert lines["strategy:uniform"].get_zorder() > lines["strategy:entropy"].get_zorder()
    assert [t.get_text() for t in ax.get_legend().get_texts()][0] == "uniform"
