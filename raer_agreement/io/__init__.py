"""Loaders, validation and writers.

:func:`load_ratings` is the one entry point for ratings files; see
:mod:`raer_agreement.io.load`.
"""

from .atomic import atomic_files, atomic_path, atomic_write_bytes, atomic_write_text
from .listfile import parse_clip_path, read_list_file, write_list_file
from .load import FORMATS, attach_metadata, load_clips, load_ratings

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
