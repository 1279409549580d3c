"""Check a built documentation site: every internal link, anchor and image resolves.

    python docs/_scripts/check_site.py build/site

Walks every HTML page, resolves each ``href`` and ``src`` that stays on the site
(relative, or absolute from the site root) to a file, and each ``#fragment`` to an
``id`` on the target page. Scripts and stylesheets must come from the site itself
(it works offline). Every internal link names a file, so that the site opens from
disk (``file://``): a directory link would show a directory listing there.
The API pages show no raw Sphinx role (``:func:`x```: the docstrings' roles are
resolved by the build) and no built-in help (an attribute documented by its
value's type, "int([x]) -> integer"). Exits 1 with one line per problem.
"""

from __future__ import annotations

import builtins
import re
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit


class Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str]] = []  # (tag.attr, url)
        self.ids: set[str] = set()
        self.text: list[str] = []
        self._skip = 0  # inside <script> or <style>

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)

    def handle_data(self, data):
        if not self._skip:
            self.text.append(data)

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        if tag == "a" and a.get("name"):
            self.ids.add(a["name"])
        for attr in ("href", "src"):
            url = a.get(attr)
            if url is not None and tag in ("a", "img", "link", "script", "source", "iframe"):
                self.links.append((f"{tag}.{attr}", url))


def parse(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8", errors="replace"))
    return page


def target_file(site: Path, page: Path, path: str) -> Path:
    base = site if path.startswith("/") else page.parent
    t = (base / unquote(path.lstrip("/"))).resolve()
    if t.is_dir() or path.endswith("/"):
        t = t / "index.html"
    return t


#: A Sphinx role left as text.
RAW_ROLE = re.compile(r":(?:py:)?(?:func|class|meth|data|attr|mod|obj|exc|const):`?~?[A-Za-z_]")
#: The first line of every built-in type's help, as an inspected attribute would show it.
BUILTIN_HELP = sorted(
    {
        t.__doc__.strip().splitlines()[0]
        for t in vars(builtins).values()
        if isinstance(t, type) and t.__doc__ and len(t.__doc__.strip().splitlines()[0]) > 12
    }
)


def text_problems(rel: Path, page: Page) -> list[str]:
    """Raw roles and built-in help on an API page."""
    if rel.parts[0] != "api":
        return []
    text = "".join(page.text)
    out = [f"{rel}: raw role {m[0]!r}" for m in RAW_ROLE.finditer(text)]
    out += [f"{rel}: built-in help {h[:40]!r}" for h in BUILTIN_HELP if h in text]
    return out


def check(site: Path) -> list[str]:
    site = site.resolve()
    pages = {p.resolve(): parse(p) for p in site.rglob("*.html")}
    problems = []
    for page, parsed in sorted(pages.items()):
        rel = page.relative_to(site)
        problems += text_problems(rel, parsed)
        for where, url in parsed.links:
            parts = urlsplit(url)
            if parts.scheme in ("mailto", "tel", "javascript", "data"):
                continue
            if parts.scheme or parts.netloc:
                if where in ("link.href", "script.src", "img.src", "source.src", "iframe.src") and (
                    where != "link.href" or parts.path.endswith((".css", ".js", ".woff", ".woff2"))
                ):
                    problems.append(f"{rel}: {where} loads {url} from the network")
                continue
            if not parts.path and not parts.fragment:
                continue
            t = page if not parts.path else target_file(site, page, parts.path)
            if parts.path and t.name == "index.html" and not parts.path.endswith(".html"):
                problems.append(f"{rel}: {where} {url} names a folder (does not open from disk)")
            if not t.exists():
                problems.append(f"{rel}: broken {where} {url}")
                continue
            if parts.fragment and t.suffix == ".html":
                ids = pages[t].ids if t in pages else parse(t).ids
                if unquote(parts.fragment) not in ids:
                    problems.append(f"{rel}: {where} {url}: no id {parts.fragment!r} on the page")
    return problems


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    site = Path(argv[0])
    if not (site / "index.html").is_file():
        print(f"{site}: no index.html (is the site built?)", file=sys.stderr)
        return 2
    problems = check(site)
    n_pages = sum(1 for _ in site.rglob("*.html"))
    for p in problems:
        print(p, file=sys.stderr)
    print(f"check_site: {n_pages} pages, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
