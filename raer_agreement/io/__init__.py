"""Loaders, validation and writers.

:func:`load_ratings` is the one entry point for ratings files; see
:mod:`raer_agreement.io.load`.  A table already in memory becomes
:class:`~raer_agreement.Annotations` through :func:`from_long` (one row per
rating) or :func:`from_matrix` (items x raters), validated the same way.
"""

from .._lazy import lazy_attributes

# Loaded on first use (PEP 562): importing one light submodule (such as
# ``io.policies`` for the command line's choices) does not import pandas.
_LAZY = {
    "atomic_files": ".atomic",
    "atomic_path": ".atomic",
    "atomic_write_bytes": ".atomic",
    "atomic_write_text": ".atomic",
    "parse_clip_path": ".listfile",
    "read_list_file": ".listfile",
    "write_list_file": ".listfile",
    "as_annotations": ".frames",
    "from_long": ".frames",
    "from_matrix": ".frames",
    "FORMATS": ".load",
    "attach_metadata": ".load",
    "load_clips": ".load",
    "load_ratings": ".load",
}


__getattr__, __dir__ = lazy_attributes(__name__, _LAZY)

__all__ = [
    "load_ratings",
    "load_clips",
    "from_long",
    "from_matrix",
    "as_annotations",
    "attach_metadata",
    "read_list_file",
    "write_list_file",
    "parse_clip_path",
    "atomic_path",
    "atomic_files",
    "atomic_write_text",
    "atomic_write_bytes",
    "FORMATS",
]
