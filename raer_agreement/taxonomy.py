"""Label taxonomies: schemes (granularities), their categories and mappings.

A taxonomy is configuration, never code: the default RAER taxonomy lives in
``raer_agreement/data_schema/raer_taxonomy.json`` and any other file of the same layout can
replace it (``--taxonomy FILE`` at the CLI).  A scheme is one label set (a
granularity); a scheme may name a ``parent`` scheme, in which case every one
of its categories names its parent category (a many-to-one mapping).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .errors import InputError

__all__ = [
    "Scheme",
    "Taxonomy",
    "load_taxonomy",
    "default_taxonomy",
    "natural_sort",
    "natural_order",
]

#: Strings read as "no rating" in every loader.
#: the tokens pandas reads as missing by default (``pandas.read_csv``'s ``na_values``),
#: matched exactly after stripping surrounding spaces: ``NONE``, ``none``, ``-`` and
#: ``None of the above`` are categories (``--na-values`` adds tokens)
NA_STRINGS = frozenset(
    {"", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
     "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"}
)  # fmt: skip


def _norm(s: str) -> str:
    return re.sub(r"\s+", " ", str(s).strip()).casefold()


# first characters of text float() may read: spaces, a sign, a digit, ".", inf, nan
_NUMBER_STARTS = np.array([ord(c) for c in " \t\n\r\f\v+-.0123456789iInN"], dtype=np.uint32)


def _first_chars(texts: np.ndarray) -> np.ndarray:
    """The first code point of each string of a numpy ``str`` array (0 for "")."""
    width = texts.dtype.itemsize // 4
    if width == 0:
        return np.zeros(len(texts), dtype=np.uint32)
    return np.ascontiguousarray(texts).view(np.uint32).reshape(len(texts), width)[:, 0]


def natural_order(texts) -> np.ndarray:
    """Permutation that sorts strings numerically where they are numbers, else
    as text (numbers first).

    Parameters
    ----------
    texts : sequence of str, shape (n,)

    Returns
    -------
    ndarray of int, shape (n,)

    Examples
    --------
    >>> natural_order(["10", "b", "2"]).tolist()
    [2, 0, 1]
    """
    texts = np.asarray(texts, dtype=str)
    if len(texts) == 0:
        return np.zeros(0, dtype=np.int64)
    # float() decides what is a number, tried only where a regex says it could be,
    # and the regex only where the first character could start one (millions of
    # clip ids such as "clip00123" are passed over in one vectorised step)
    could = np.zeros(len(texts), dtype=bool)
    first = _first_chars(texts)
    # a non-ASCII first character may be a space float() strips (no-break space)
    maybe = np.flatnonzero(np.isin(first, _NUMBER_STARTS) | (first > 127))
    could[maybe] = (
        pd.Series(texts[maybe]).str.match(r"\s*[+-]?(?:\d|\.\d|inf|nan)", case=False).to_numpy(bool)
    )
    number = np.zeros(len(texts))
    is_number = np.zeros(len(texts), dtype=bool)
    for k in np.flatnonzero(could):
        try:
            number[k] = float(texts[k])
            is_number[k] = True
        except ValueError:
            pass
    return np.lexsort((texts, np.where(is_number, number, 0.0), ~is_number))


def natural_sort(values: Iterable) -> list[str]:
    """Distinct labels sorted numerically where they are numbers, else as text.

    Examples
    --------
    >>> natural_sort(["10", "2", "1"])
    ['1', '2', '10']
    >>> natural_sort(["b", "a", "2"])
    ['2', 'a', 'b']
    """
    texts = pd.unique(pd.Series([str(v) for v in values], dtype=object)).astype(str)
    return texts[natural_order(texts)].tolist()


@dataclass(frozen=True)
class Scheme:
    """One label set (granularity).

    Attributes
    ----------
    name : str
        Scheme name, also the ratings column that holds it (``coarse``).
    categories : tuple of str
        Category names in declared order; integer code ``k`` means
        ``categories[k]``.
    codes : tuple of str
        The external codes (RAER: ``"1"``..``"5"``), same order.
    parent : str or None
        Name of the coarser scheme this one nests into.
    parent_index : tuple of int or None
        For each category, the index of its parent category.
    description : str
    placeholder : bool
        True when the categories are a documented stand-in.
    """

    name: str
    categories: tuple
    codes: tuple
    parent: str | None = None
    parent_index: tuple | None = None
    description: str = ""
    placeholder: bool = False

    @property
    def n_categories(self) -> int:
        return len(self.categories)

    def _lookup(self) -> tuple[dict, dict]:
        exact: dict[str, int] = {}
        for k, (name, code) in enumerate(zip(self.categories, self.codes)):
            exact.setdefault(str(name), k)
            exact.setdefault(str(code), k)
        loose: dict[str, int] = {}
        for key, k in exact.items():
            loose.setdefault(_norm(key), k)
            # "1.0" as written by spreadsheet programs for code 1
            try:
                f = float(key)
                if f.is_integer():
                    loose.setdefault(_norm(f"{int(f)}.0"), k)
            except ValueError:
                pass
        return exact, loose

    def encode(
        self,
        values: Sequence,
        *,
        path=None,
        column=None,
        first_line: int = 2,
        line_numbers: np.ndarray | None = None,
    ) -> tuple[np.ndarray, int]:
        """Map raw labels to integer codes.

        Parameters
        ----------
        values : sequence of str, shape (n,)
            Raw labels; missing values are ``None``/NaN or NA-like strings.
        path, column : optional
            Named in the error for an unknown label.
        first_line : int
            Line number of ``values[0]`` (for errors), unless ``line_numbers``.
        line_numbers : ndarray of int, shape (n,), optional

        Returns
        -------
        codes : ndarray of int64, shape (n,)
            ``-1`` where the label is missing.
        n_normalised : int
            Labels matched only after case/space normalisation.

        Raises
        ------
        InputError
            For a label that is neither a category name nor a code.
        """
        exact, loose = self._lookup()
        inv, uniq = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
        out = np.empty(len(uniq) + 1, dtype=np.int64)
        out[-1] = -1  # factorize's NA sentinel (-1) indexes this slot
        normalised = np.zeros(len(uniq) + 1, dtype=bool)
        for j, u in enumerate(map(str, uniq)):
            if u in exact:
                out[j] = exact[u]
            elif u.strip() in NA_STRINGS:
                out[j] = -1
            elif _norm(u) in loose:
                out[j] = loose[_norm(u)]
                normalised[j] = True
            else:
                first = int(np.flatnonzero(inv == j)[0])
                line = int(line_numbers[first]) if line_numbers is not None else first_line + first
                shown = ", ".join(
                    f"{c} ({n})" if c != n else str(n) for c, n in zip(self.codes, self.categories)
                )
                raise InputError(
                    f"unknown label for scheme {self.name!r}; expected one of: {shown}",
                    path=path,
                    line=line,
                    column=column,
                    value=u,
                )
        return out[inv], int(normalised[inv].sum())

    def to_dict(self) -> dict:
        d: dict[str, Any] = {
            "name": self.name,
            "description": self.description,
            "categories": [{"code": c, "name": n} for c, n in zip(self.codes, self.categories)],
        }
        if self.parent is not None:
            d["parent"] = self.parent
            for cat, p in zip(d["categories"], self.parent_index or ()):
                cat["parent_index"] = int(p)
        if self.placeholder:
            d["placeholder"] = True
        return d


@dataclass(frozen=True)
class Taxonomy:
    """A set of schemes, optionally nested.

    Examples
    --------
    >>> tax = default_taxonomy()
    >>> tax.scheme_names
    ('coarse', 'fine')
    >>> tax["coarse"].categories
    ('Neutrality', 'Enjoyment', 'Confusion', 'Fatigue', 'Distraction')
    >>> tax.mapping("fine", "coarse")[:4]
    array([0, 0, 1, 1])
    """

    schemes: tuple
    name: str = ""
    description: str = ""

    def __post_init__(self):
        names = [s.name for s in self.schemes]
        if len(set(names)) != len(names):
            raise ValueError(f"duplicate scheme names in taxonomy: {names}")

    @property
    def scheme_names(self) -> tuple:
        return tuple(s.name for s in self.schemes)

    def __getitem__(self, name: str) -> Scheme:
        for s in self.schemes:
            if s.name == name:
                return s
        raise KeyError(
            f"scheme {name!r} is not in the taxonomy (schemes: {', '.join(self.scheme_names)})"
        )

    def __contains__(self, name) -> bool:
        return name in self.scheme_names

    def mapping(self, child: str, parent: str) -> np.ndarray:
        """Index of each ``child`` category's ancestor in ``parent``.

        Returns
        -------
        ndarray of int64, shape (n_child_categories,)
        """
        idx = np.arange(self[child].n_categories)
        s = self[child]
        while s.name != parent:
            if s.parent is None:
                raise KeyError(f"scheme {child!r} does not nest into {parent!r}")
            idx = np.asarray(s.parent_index)[idx]
            s = self[s.parent]
        return idx.astype(np.int64)

    def pairs(self) -> list[tuple[str, str]]:
        """(child, parent) pairs of nested schemes."""
        return [(s.name, s.parent) for s in self.schemes if s.parent is not None]

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "description": self.description,
            "schemes": [s.to_dict() for s in self.schemes],
        }

    @classmethod
    def from_categories(cls, categories: Mapping[str, Sequence]) -> Taxonomy:
        """Flat taxonomy from ``{scheme: [category, ...]}`` (names are codes)."""
        return cls(
            tuple(
                Scheme(name, tuple(map(str, cats)), tuple(map(str, cats)))
                for name, cats in categories.items()
            )
        )

    @classmethod
    def from_dict(cls, d: Mapping, *, path=None) -> Taxonomy:
        """Build from the JSON layout of ``raer_agreement/data_schema/raer_taxonomy.json``."""

        def bad(msg, column=None, value=None):
            return InputError(msg, path=path, column=column, value=value)

        if not isinstance(d, Mapping) or not isinstance(d.get("schemes"), list) or not d["schemes"]:
            raise bad("a taxonomy needs a non-empty 'schemes' list", column="schemes")
        raw = {}
        for s in d["schemes"]:
            if not isinstance(s, Mapping) or "name" not in s or not s.get("categories"):
                raise bad(
                    "each scheme needs 'name' and a non-empty 'categories' list",
                    column="schemes",
                    value=s,
                )
            raw[str(s["name"])] = s
        schemes = []
        for name, s in raw.items():
            cats, codes, parents = [], [], []
            for c in s["categories"]:
                if isinstance(c, Mapping):
                    cname = str(c.get("name", c.get("code")))
                    codes.append(str(c.get("code", cname)))
                    parents.append(c.get("parent"))
                else:
                    cname = str(c)
                    codes.append(cname)
                    parents.append(None)
                cats.append(cname)
            if len(set(cats)) != len(cats) or len(set(codes)) != len(codes):
                raise bad(f"scheme {name!r} repeats a category name or code", column="categories")
            parent = s.get("parent")
            pidx: tuple[int, ...] | None = None
            if parent is not None:
                if parent not in raw:
                    raise bad(
                        f"scheme {name!r} names unknown parent scheme",
                        column="parent",
                        value=parent,
                    )
                pcats = [
                    str(c.get("name", c.get("code"))) if isinstance(c, Mapping) else str(c)
                    for c in raw[parent]["categories"]
                ]
                pcodes = [
                    str(c.get("code", c.get("name"))) if isinstance(c, Mapping) else str(c)
                    for c in raw[parent]["categories"]
                ]
                positions: list[int] = []
                for cname, p in zip(cats, parents):
                    if p is None:
                        raise bad(
                            f"category {cname!r} of scheme {name!r} needs a 'parent'",
                            column="parent",
                        )
                    p = str(p)
                    if p in pcats:
                        positions.append(pcats.index(p))
                    elif p in pcodes:
                        positions.append(pcodes.index(p))
                    else:
                        raise bad(
                            f"category {cname!r}: parent is not a category of {parent!r}",
                            column="parent",
                            value=p,
                        )
                pidx = tuple(positions)
            schemes.append(
                Scheme(
                    name,
                    tuple(cats),
                    tuple(codes),
                    parent,
                    pidx,
                    str(s.get("description", "")),
                    bool(s.get("placeholder", False)),
                )
            )
        return cls(tuple(schemes), str(d.get("name", "")), str(d.get("description", "")))


def load_taxonomy(path) -> Taxonomy:
    """Read a taxonomy JSON file (layout of ``raer_agreement/data_schema/raer_taxonomy.json``)."""
    p = Path(path)
    try:
        d = json.loads(p.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise InputError("taxonomy file not found", path=p) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise InputError(f"not a readable JSON taxonomy ({e})", path=p) from None
    return Taxonomy.from_dict(d, path=p)


def default_taxonomy() -> Taxonomy:
    """The RAER taxonomy shipped in ``raer_agreement/data_schema/raer_taxonomy.json``.

    ``coarse`` holds the five published classes with codes 1-5 in the
    official order; ``fine`` is a documented placeholder nested into them
    (the real second label set is unpublished).
    """
    text = (
        resources.files("raer_agreement.data_schema")
        .joinpath("raer_taxonomy.json")
        .read_text("utf-8")
    )
    return Taxonomy.from_dict(
        json.loads(text), path="raer_agreement/data_schema/raer_taxonomy.json"
    )
