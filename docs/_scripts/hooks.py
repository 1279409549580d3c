"""mkdocs hooks: pages made when the site is built.

* ``cli.md``: the command-line reference, from the argparse parser of
  ``raer_agreement.cli`` (every subcommand registered there, with its options);
* ``benchmarks/``: every ``benchmarks/*.md`` of the repository (README as the
  section's first page) and the images they show, listed in the nav in that order;
* ``changelog.md`` and ``contributing.md``: the repository's own files;
* after the build, the Sphinx roles of the numpydoc docstrings
  (``:func:`agreement_table```) become links to the object's entry in the API
  pages, or plain code when no page documents it.

Nothing is copied into docs/: a page added to the repository appears on the next build.
"""

from __future__ import annotations

import argparse
import html
import os
import re
from pathlib import Path

from mkdocs.structure.files import File, Files

REPO = Path(__file__).resolve().parents[2]
BENCH = REPO / "benchmarks"
NAV_BENCHMARKS = "Benchmarks"


def _bench_pages() -> list[tuple[str, Path]]:
    """(page path in the site, source file), README first."""
    mds = sorted(BENCH.glob("*.md"), key=lambda p: (p.name != "README.md", p.name))
    return [
        ("benchmarks/index.md" if p.name == "README.md" else f"benchmarks/{p.name}", p) for p in mds
    ]


def _title(path: Path) -> str:
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return path.stem.replace("_", " ").capitalize()


def on_config(config, **kwargs):
    # the Benchmarks section lists whatever benchmarks/*.md holds
    nav = config["nav"]
    for k, entry in enumerate(nav):
        if isinstance(entry, dict) and NAV_BENCHMARKS in entry:
            pages = _bench_pages()
            nav[k] = {
                NAV_BENCHMARKS: [pages[0][0]] + [{_title(src): page} for page, src in pages[1:]]
            }
    return config


def cli_markdown() -> str:
    from raer_agreement.cli import build_parser

    os.environ["COLUMNS"] = "96"  # argparse wraps its help at the terminal width
    parser = build_parser()
    out = [
        "# Command line",
        "",
        "`raer-agreement COMMAND [options]`. This page is generated from the command's "
        "argparse parser when the site is built, so it lists every subcommand and option "
        "of this version.",
        "",
        "```text",
        parser.format_help().rstrip(),
        "```",
        "",
    ]
    seen = set()
    for action in parser._actions:
        if not isinstance(action, argparse._SubParsersAction):
            continue
        for name, sub in action.choices.items():
            if id(sub) in seen:  # an alias of a command already shown
                continue
            seen.add(id(sub))
            out += [f"## {name}", ""]
            if sub.description:
                out += [sub.description, ""]
            out += ["```text", sub.format_help().rstrip(), "```", ""]
    return "\n".join(out)


def on_files(files: Files, config, **kwargs) -> Files:
    def add(path: str, content: str | bytes) -> None:
        files.append(File.generated(config, path, content=content))

    add("cli.md", cli_markdown())
    for page, src in _bench_pages():
        add(page, src.read_text(encoding="utf-8"))
    for img in sorted(BENCH.glob("*.png")) + sorted(BENCH.glob("*.svg")):
        add(f"benchmarks/{img.name}", img.read_bytes())
    for name in ("CHANGELOG.md", "CONTRIBUTING.md"):
        if (REPO / name).exists():
            add(name.lower(), (REPO / name).read_text(encoding="utf-8"))
    return files


#: A Sphinx role as the Markdown renderer leaves it: ``:func:<code>~pkg.mod.name</code>``.
ROLE = re.compile(
    r":(?:py:)?(?:func|class|meth|data|attr|mod|obj|exc|const):<code>(~?)([^<]+)</code>"
)
OBJECT_ID = re.compile(r'\bid="(raer_agreement(?:\.[A-Za-z_][\w]*)*)"')


def _target(name: str, ids: dict) -> str | None:
    """The documented object a role names: the exact path, else the shortest
    documented path ending in the same name (the public re-export), closest
    to the named module first."""
    if name in ids:
        return name
    tail = name.split(".")[-2:] if "." in name else [name]
    for k in (len(tail), 1):
        suffix = "." + ".".join(tail[-k:])
        found = [i for i in ids if i.endswith(suffix)]
        if found:
            prefix = name.rsplit(".", k)[0] if "." in name else ""
            return min(found, key=lambda i: (not i.startswith(prefix), i.count("."), i))
    return None


def resolve_roles(text: str, page: Path, ids: dict) -> str:
    """``text`` (a built page) with each role a link, or code when nothing documents it."""

    def one(m: re.Match) -> str:
        name = m[2].strip().removesuffix("()")
        shown = html.escape(name.rsplit(".", 1)[-1] if m[1] else name)
        target = _target(name, ids)
        if target is None:
            return f"<code>{shown}</code>"
        href = os.path.relpath(ids[target], page.parent).replace(os.sep, "/")
        href = "" if ids[target] == page else href
        return (
            f'<a class="autorefs autorefs-internal" href="{href}#{target}"><code>{shown}</code></a>'
        )

    return ROLE.sub(one, text)


def on_post_build(config, **kwargs) -> None:
    site = Path(config["site_dir"])
    pages = {p: p.read_text(encoding="utf-8") for p in sorted(site.rglob("*.html"))}
    ids: dict[str, Path] = {}
    for page, text in pages.items():
        for m in OBJECT_ID.finditer(text):
            ids.setdefault(m[1], page)
    for page, text in pages.items():
        fixed = resolve_roles(text, page, ids)
        if fixed != text:
            page.write_text(fixed, encoding="utf-8")
