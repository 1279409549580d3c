"""Report figures: numbers on heatmap cells stay readable, and the per-annotator
plot shows each annotator's n and interval."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # the test picks the backend, as the command line does

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402

from raer_agreement.report import plots  # noqa: E402


def luminance(rgba) -> float:
    c = np.asarray(rgba[:3], float)
    lin = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return float(lin @ [0.2126, 0.7152, 0.0722])


def contrast(a, b) -> float:
    """WCAG 2 contrast ratio of two colours."""
    la, lb = sorted([luminance(a), luminance(b)], reverse=True)
    return (la + 0.05) / (lb + 0.05)


@pytest.mark.parametrize("normalise", [True, False])
def test_heatmap_numbers_contrast_with_their_cell(normalise):
    rng = np.random.default_rng(0)
    table = pd.DataFrame(rng.integers(0, 400, size=(5, 10)))
    ax = plots.plot_contingency(table, normalise=normalise)
    im = ax.images[0]
    data = im.get_array()
    texts = ax.texts
    assert texts
    for t in texts:
        j, i = (int(round(v)) for v in t.get_position())
        cell = im.cmap(im.norm(data[i, j]))
        # WCAG AA for small text is 4.5; black or white on any cividis cell reaches it
        assert contrast(to_rgba(t.get_color()), cell) >= 4.5, (i, j, t.get_color())


def test_annotator_plot_shows_n_and_interval():
    df = pd.DataFrame(
        {
            "annotator": ["a", "b"],
            "kappa_vs_consensus": [0.9, 0.4],
            "kappa_vs_consensus_ci_low": [0.2, 0.35],
            "kappa_vs_consensus_ci_high": [1.0, 0.45],
            "n_compared": [2.0, 1500.0],
        }
    )
    ax = plots.plot_annotator_agreement(df)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["b (n=1,500)", "a (n=2)"]
    bars = [c for c in ax.collections if len(c.get_segments())]
    widths = sorted(float(np.ptp(s[:, 0])) for c in bars for s in c.get_segments())
    assert widths == pytest.approx([0.1, 0.8])


def _overlaps(labels) -> list[tuple[str, str]]:
    fig = labels[0].figure
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    boxes = [(t.get_text(), t.get_window_extent(r)) for t in labels if t.get_text()]
    return [(a, b) for (a, x), (b, y) in zip(boxes, boxes[1:]) if x.overlaps(y)]


@pytest.mark.parametrize(
    "classes",
    [
        # FER+'s ten vote columns: long names side by side collided when horizontal
        [
            "neutral",
            "happiness",
            "surprise",
            "sadness",
            "anger",
            "disgust",
            "fear",
            "contempt",
            "unknown",
            "NF",
        ],
        ["Neutrality", "Enjoyment", "Confusion", "Fatigue", "Distraction"],
        ["0", "1", "2", "3"],
    ],
)
def test_class_share_labels_do_not_overlap(classes):
    k = len(classes)
    dist = pd.DataFrame(
        {"majority": np.full(k, 1 / k), "dawid-skene": np.full(k, 1 / k)}, index=classes
    )
    ax = plots.plot_class_distribution(dist, title="final class shares")
    assert _overlaps(ax.get_xticklabels()) == []
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["majority vote", "Dawid-Skene"]


def test_coefficient_labels_are_display_names():
    table = pd.DataFrame(
        {
            "coefficient": ["krippendorff_alpha", "gwet_ac1"],
            "estimate": [0.5, 0.6],
            "ci_low": [0.4, 0.5],
            "ci_high": [0.6, 0.7],
        }
    )
    ax = plots.plot_coefficients(table)
    shown = {t.get_text() for t in ax.get_yticklabels()}
    assert shown == {"Krippendorff's alpha", "Gwet's AC1"}
