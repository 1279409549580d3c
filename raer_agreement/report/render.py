"""Rendering blocks shared by the HTML and Markdown reports.

A report is a list of sections; each section holds blocks: paragraphs,
tables (DataFrames) and figures.  :func:`to_html` makes one self-contained
page (figures embedded as PNG data URIs, no external files, readable
offline); :func:`to_markdown` the same content as Markdown with the figures
left out.
"""

from __future__ import annotations

import base64
import html
import io
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..wording import ZERO, count, fmt
from .vocabulary import display_name

__all__ = [
    "Section",
    "Paragraph",
    "Table",
    "Figure",
    "to_html",
    "to_markdown",
    "fmt",
    "count",
    "ZERO",
]


@dataclass
class Paragraph:
    text: str
    kind: str = "p"  # "p", "note" (muted), "warn"


@dataclass
class Table:
    frame: pd.DataFrame
    caption: str = ""
    digits: int = 3
    index: bool = False


@dataclass
class Figure:
    figure: object  # a matplotlib Figure
    caption: str = ""
    alt: str = ""


@dataclass
class Section:
    title: str
    blocks: list = field(default_factory=list)
    anchor: str = ""
    level: int = 2

    def add(self, *blocks) -> Section:
        self.blocks.extend(b for b in blocks if b is not None)
        return self


def _figure_uri(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, metadata={"Software": None})
    import matplotlib.pyplot as plt

    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def header(name) -> str:
    """A column header for people: the vocabulary's name of the key.

    >>> header("n_compared"), header("alpha_one_vs_rest"), header("95% CI low")
    ('ratings compared', 'alpha one-vs-rest', '95% CI low')
    """
    return display_name(name)


def _is_count(name) -> bool:
    name = str(name)
    return name.startswith("n_") or name in ("rows", "count", "counts", "ratings", "clips")


def _is_p(name) -> bool:
    return str(name) in ("p_value", "p", "p-value")


#: Columns whose values are keys of the vocabulary (shown by their display names).
NAMED_VALUES = ("coefficient", "reason", "method", "a", "b")


def cell(v, column, digits: int = 3) -> str:
    """One table cell: counts as integers, p-values below 0.001 as ``<0.001``,
    coefficient keys and ledger reasons by their display names, other numbers
    by :func:`fmt`.

    >>> cell(1638.0, "n_compared"), cell(0.0, "p_value"), cell(0.0312, "p_value")
    ('1,638', '<0.001', '0.031')
    >>> cell("gwet_ac1", "coefficient"), cell(6.8e-04, "alpha_influence")
    ("Gwet's AC1", '0.001')
    """
    if _is_count(column):
        return count(v)
    if _is_p(column) and isinstance(v, (float, np.floating)) and math.isfinite(float(v)):
        return "<0.001" if v < 0.001 else f"{v:.3f}"
    if isinstance(v, str) and str(column) in NAMED_VALUES:
        return display_name(v)
    return fmt(v, digits)


def chips(votes: str) -> list[tuple[str, str]]:
    """``"Neutrality 3, Fatigue 1"`` (a review-queue votes cell) as ``[(class, count)]``.

    >>> chips("Neutrality 3, Fatigue 1"), chips("1 1, 2 1")
    ([('Neutrality', '3'), ('Fatigue', '1')], [('1', '1'), ('2', '1')])
    """
    out = []
    for part in str(votes).split(", "):
        name, _, n = part.rpartition(" ")
        out.append((name, n) if name and n.isdigit() else (part, ""))
    return out


def _votes_text(votes: str) -> str:
    return ", ".join(f"{name} ×{n}" if n else name for name, n in chips(votes))


def _votes_html(votes: str) -> str:
    return "".join(
        f'<span class="chip">{html.escape(name)}'
        + (f" <b>×{html.escape(n)}</b>" if n else "")
        + "</span>"
        for name, n in chips(votes)
    )


def _cells(df: pd.DataFrame, digits: int, index: bool, *, as_html: bool = False):
    """Headers and rows of a table as text (or as escaped HTML with vote chips)."""
    frame = df.reset_index() if index else df
    cols = list(frame.columns)
    head = [header(c) for c in cols]

    def one(v, c) -> str:
        if str(c) == "votes" and isinstance(v, str):
            return _votes_html(v) if as_html else _votes_text(v)
        text = cell(v, c, digits)
        if not as_html:
            return text
        # paths and ids may break after a slash, never inside a word
        return html.escape(text).replace("/", "/<wbr>")

    rows = [
        [one(v, c) for v, c in zip(row, cols)] for row in frame.itertuples(index=False, name=None)
    ]
    return head, rows


_CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;color:#1b1b1b;background:#fafafa}
header{background:#0b3c5d;color:#fff;padding:18px 32px}
header h1{margin:0 0 4px 0;font-size:1.6em} header p{margin:0;opacity:.85}
nav{position:sticky;top:0;background:#fff;border-bottom:1px solid #ddd;padding:6px 32px;font-size:.85em;z-index:2}
nav a{margin-right:14px;color:#0b3c5d;text-decoration:none} nav a:hover{text-decoration:underline}
main{max-width:1216px;margin:0 auto;padding:8px 32px 48px}
h2{border-bottom:2px solid #0b3c5d;padding-bottom:4px;margin-top:36px;color:#0b3c5d}
h3{margin-top:26px;color:#333}
table{border-collapse:collapse;margin:8px 0 4px;font-size:.86em;background:#fff}
th,td{border:1px solid #d8d8d8;padding:3px 8px;text-align:right}
th{background:#eef3f7} td:first-child,th:first-child{text-align:left}
caption{caption-side:bottom;text-align:left;font-size:.8em;color:#555;padding-top:3px}
figure{margin:10px 0 18px} figure img{max-width:100%;box-sizing:border-box;border:1px solid #e3e3e3;background:#fff}
figcaption{font-size:.82em;color:#555}
p.note{color:#555;font-size:.88em} p.warn{background:#fff4e5;border-left:4px solid #E69F00;padding:6px 10px}
.scroll{overflow-x:auto;max-width:100%}
td{overflow-wrap:break-word} td.t,th.t{text-align:left}
.chip{display:inline-block;white-space:nowrap;background:#eef3f7;border-radius:8px;padding:0 6px;margin:1px 2px;font-size:.92em}
@media print{
 nav{display:none} header{background:none;color:#000} main{max-width:none;padding:0}
 .scroll{overflow:visible} table{width:100%;table-layout:auto;font-size:.72em;page-break-inside:auto}
 th,td{padding:2px 4px;overflow-wrap:anywhere;word-break:break-word} tr{page-break-inside:avoid}
 figure{page-break-inside:avoid} figure img{max-width:100%}
}
"""


def _table_html(b: Table) -> str:
    """A table in its own scrolling box (wide tables scroll on screen, wrap in print)."""
    head, rows = _cells(b.frame, b.digits, b.index, as_html=True)
    out = ['<div class="scroll"><table>']
    if b.caption:
        out.append(f"<caption>{html.escape(b.caption)}</caption>")
    # text columns read left to right; numbers align on the right
    frame = b.frame.reset_index() if b.index else b.frame
    text_cols = [not pd.api.types.is_numeric_dtype(frame[c]) for c in frame.columns]
    out.append(
        "<thead><tr>"
        + "".join(
            f'<th class="t">{html.escape(h)}</th>' if t else f"<th>{html.escape(h)}</th>"
            for h, t in zip(head, text_cols)
        )
        + "</tr></thead><tbody>"
    )
    for r in rows:
        out.append(
            "<tr>"
            + "".join(
                f'<td class="t">{c}</td>' if is_text else f"<td>{c}</td>"
                for c, is_text in zip(r, text_cols)
            )
            + "</tr>"
        )
    out.append("</tbody></table></div>")
    return "\n".join(out)


def to_html(title: str, subtitle: str, sections: list[Section]) -> str:
    """One self-contained HTML page."""
    nav = " ".join(
        f'<a href="#{html.escape(s.anchor)}">{html.escape(s.title)}</a>'
        for s in sections
        if s.level == 2 and s.anchor
    )
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<header><h1>{html.escape(title)}</h1><p>{html.escape(subtitle)}</p></header>",
        f"<nav>{nav}</nav><main>",
    ]
    for s in sections:
        tag = f"h{s.level}"
        anchor = f' id="{html.escape(s.anchor)}"' if s.anchor else ""
        out.append(f"<{tag}{anchor}>{html.escape(s.title)}</{tag}>")
        for b in s.blocks:
            if isinstance(b, Paragraph):
                cls = f' class="{b.kind}"' if b.kind != "p" else ""
                out.append(f"<p{cls}>{html.escape(b.text)}</p>")
            elif isinstance(b, Table):
                out.append(_table_html(b))
            elif isinstance(b, Figure):
                alt = html.escape(b.alt or b.caption)
                out.append(
                    f'<figure><img alt="{alt}" src="{_figure_uri(b.figure)}">'
                    f"<figcaption>{html.escape(b.caption)}</figcaption></figure>"
                )
    out.append("</main></body></html>")
    return "\n".join(out)


def to_markdown(title: str, subtitle: str, sections: list[Section]) -> str:
    """The same report as Markdown (tables and text; figures are in the HTML)."""
    out = [f"# {title}", "", subtitle, ""]
    for s in sections:
        out += ["#" * s.level + " " + s.title, ""]
        for b in s.blocks:
            if isinstance(b, Paragraph):
                out += [("> " if b.kind == "warn" else "") + b.text, ""]
            elif isinstance(b, Table):
                head, rows = _cells(b.frame, b.digits, b.index)
                esc = [h.replace("|", "\\|") for h in head]
                out.append("| " + " | ".join(esc) + " |")
                out.append(
                    "|" + "|".join("---" if i == 0 else "---:" for i in range(len(head))) + "|"
                )
                for r in rows:
                    out.append("| " + " | ".join(c.replace("|", "\\|") for c in r) + " |")
                if b.caption:
                    out += ["", f"*{b.caption}*"]
                out.append("")
            elif isinstance(b, Figure):
                out += [f"*Figure (see report.html): {b.caption}*", ""]
    return "\n".join(out).rstrip() + "\n"
