"""Griffe extension for the API pages: attributes documented by their class.

The API pages are built by inspection (some docstrings are completed at
import time), and an inspected class attribute whose value is a plain
``int``, ``float``, ``str``... takes that type's docstring: a dataclass field
``n_boot: int = 0`` would read "int([x]) -> integer ...". This extension gives
each such attribute the description of its class's numpydoc ``Attributes``
section instead, and no docstring at all when the section does not name it.
"""

from __future__ import annotations

import builtins
import inspect

import griffe

#: The help text of every built-in type (what an inspected default value would show).
BUILTIN_HELP = {
    inspect.cleandoc(t.__doc__)
    for t in vars(builtins).values()
    if isinstance(t, type) and t.__doc__
}


def is_builtin_help(docstring: griffe.Docstring | None) -> bool:
    return docstring is not None and inspect.cleandoc(docstring.value) in BUILTIN_HELP


def _attributes_section(cls: griffe.Class) -> dict[str, str]:
    """``{name: description}`` from the class docstring's ``Attributes`` section."""
    if cls.docstring is None:
        return {}
    out = {}
    for section in cls.docstring.parse("numpy", warn_unknown_params=False):
        if section.kind is griffe.DocstringSectionKind.attributes:
            out.update({a.name: a.description for a in section.value})
    return out


class AttributesFromClass(griffe.Extension):
    """Replace built-in help on class attributes by the class's own words."""

    def on_package(self, *, pkg: griffe.Module, **kwargs) -> None:
        seen: set[str] = set()
        stack: list[griffe.Object] = [pkg]
        while stack:
            obj = stack.pop()
            if obj.path in seen:
                continue
            seen.add(obj.path)
            if obj.is_class:
                self._fix_class(obj)  # type: ignore[arg-type]
            stack.extend(m for m in obj.members.values() if not m.is_alias)

    @staticmethod
    def _fix_class(cls: griffe.Class) -> None:
        described = _attributes_section(cls)
        for name, member in cls.members.items():
            if member.is_alias or not member.is_attribute:
                continue
            if member.docstring is None or is_builtin_help(member.docstring):
                text = described.get(name, "")
                member.docstring = griffe.Docstring(text, parent=member) if text else None
