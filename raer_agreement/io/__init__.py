"""Loaders, validation and writers.

:func:`load_ratings` is the one entry point for ratings files; see
:mod:`raer_agreement.io.load`.
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
    "FORMATS": ".load",
    "attach_metadata": ".load",
    "load_clips": ".load",
    "load_ratings": ".load",
}


__getattr__, __dir__ = lazy_attributes(__name__, _LAZY)

__all__ = [
    "load_ratings",
    "load_clips",
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
