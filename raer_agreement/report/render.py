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

__all__ = ["Section", "Paragraph", "Table", "Figure", "to_html", "to_markdown", "fmt"]


def fmt(v, digits: int = 3) -> str:
    """Numbers for people: fixed decimals, nan as an en dash."""
    if v is None:
        return "–"
    if isinstance(v, (bool, np.bool_)):
        return "yes" if v else "no"
    if isinstance(v, (int, np.integer)):
        return f"{int(v):,}"
    if isinstance(v, (float, np.floating)):
        if not math.isfinite(float(v)):
            return "–"
        if float(v).is_integer() and abs(v) >= 1000:
            return f"{int(v):,}"
        if v != 0 and abs(v) < 10**-digits:
            return f"{v:.1e}"
        return f"{v:.{digits}f}"
    return str(v)


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


#: Column headers for people (JSON keys stay as they are); others lose their underscores.
HEADERS = {
    "n_ratings": "ratings",
    "n_items": "clips",
    "n_compared": "ratings compared",
    "n_both": "ratings with both labels",
    "n_changed": "clips changed",
    "n_votes": "votes",
    "n_distinct_labels": "distinct labels",
    "p_value": "p",
    "se": "SE",
    "se_h0": "SE under H0",
    "consensus_agreement": "agreement with consensus",
    "kappa_vs_consensus": "kappa vs consensus",
    "mean_cohen_kappa": "mean Cohen's kappa",
    "alpha_without": "alpha without",
    "alpha_influence": "alpha influence",
    "fleiss_kappa": "Fleiss' kappa",
    "alpha_one_vs_rest": "alpha one-vs-rest",
    "share_changed": "share changed",
    "min_confidence": "lowest confidence",
    "max_entropy": "highest entropy",
    "top_vote_share": "top-vote share",
    "clip_id": "clip",
    "uar": "UAR",
    "war": "WAR",
    "ci_low": "CI low",
    "ci_high": "CI high",
    "boot_ci_low": "bootstrap low",
    "boot_ci_high": "bootstrap high",
}


def header(name) -> str:
    """A column header for people: ``kappa_vs_consensus`` -> ``kappa vs consensus``.

    >>> header("n_compared"), header("alpha_one_vs_rest"), header("95% CI low")
    ('ratings compared', 'alpha one-vs-rest', '95% CI low')
    """
    name = str(name)
    if name in HEADERS:
        return HEADERS[name]
    if name.startswith("label_"):
        return "label (" + name[len("label_") :] + ")"
    return name.replace("_", " ")


def _is_count(name) -> bool:
    name = str(name)
    return name.startswith("n_") or name in ("rows", "count", "counts")


def _is_p(name) -> bool:
    return str(name) in ("p_value", "p", "p-value")


def cell(v, column, digits: int = 3) -> str:
    """One table cell: counts as integers, p-values below 0.001 as ``<0.001``.

    >>> cell(1638.0, "n_compared"), cell(0.0, "p_value"), cell(0.0312, "p_value")
    ('1,638', '<0.001', '0.031')
    """
    if _is_count(column) and isinstance(v, (int, float, np.integer, np.floating)):
        if isinstance(v, (bool, np.bool_)) or not math.isfinite(float(v)):
            return fmt(v, digits)
        if float(v).is_integer():
            return f"{int(v):,}"
    if _is_p(column) and isinstance(v, (float, np.floating)) and math.isfinite(float(v)):
        return "<0.001" if v < 0.001 else f"{v:.3f}"
    return fmt(v, digits)


def _cells(df: pd.DataFrame, digits: int, index: bool):
    frame = df.reset_index() if index else df
    cols = list(frame.columns)
    head = [header(c) for c in cols]
    rows = [
        [cell(v, c, digits) for v, c in zip(row, cols)]
        for row in frame.itertuples(index=False, name=None)
    ]
    return head, rows


_CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;color:#1b1b1b;background:#fafafa}
header{background:#0b3c5d;color:#fff;padding:18px 32px}
header h1{margin:0 0 4px 0;font-size:1.6em} header p{margin:0;opacity:.85}
nav{position:sticky;top:0;background:#fff;border-bottom:1px solid #ddd;padding:6px 32px;font-size:.85em;z-index:2}
nav a{margin-right:14px;color:#0b3c5d;text-decoration:none} nav a:hover{text-decoration:underline}
main{max-width:1100px;margin:0 auto;padding:8px 32px 48px}
h2{border-bottom:2px solid #0b3c5d;padding-bottom:4px;margin-top:36px;color:#0b3c5d}
h3{margin-top:26px;color:#333}
table{border-collapse:collapse;margin:8px 0 4px;font-size:.86em;background:#fff}
th,td{border:1px solid #d8d8d8;padding:3px 8px;text-align:right}
th{background:#eef3f7} td:first-child,th:first-child{text-align:left}
caption{caption-side:bottom;text-align:left;font-size:.8em;color:#555;padding-top:3px}
figure{margin:10px 0 18px} figure img{max-width:100%;border:1px solid #e3e3e3;background:#fff}
figcaption{font-size:.82em;color:#555}
p.note{color:#555;font-size:.88em} p.warn{background:#fff4e5;border-left:4px solid #E69F00;padding:6px 10px}
.scroll{overflow-x:auto}
"""


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
                head, rows = _cells(b.frame, b.digits, b.index)
                out.append('<div class="scroll"><table>')
                if b.caption:
                    out.append(f"<caption>{html.escape(b.caption)}</caption>")
                out.append(
                    "<thead><tr>"
                    + "".join(f"<th>{html.escape(h)}</th>" for h in head)
                    + "</tr></thead><tbody>"
                )
                for r in rows:
                    out.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>")
                out.append("</tbody></table></div>")
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
