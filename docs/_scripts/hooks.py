"""mkdocs hooks: pages made when the site is built.

* ``cli.md``: the command-line reference, from the argparse parser of
  ``raer_agreement.cli`` (every subcommand registered there, with its options);
* ``benchmarks/``: every ``benchmarks/*.md`` of the repository (README as the
  section's first page) and the images they show, listed in the nav in that order;
* ``changelog.md`` and ``contributing.md``: the repository's own files.

Nothing is copied into docs/: a page added to the repository appears on the next build.
"""

from __future__ import annotations

import argparse
import os
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
