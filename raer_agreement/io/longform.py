"""The long frame every layout reader returns, with its accounting.

Its own module so that the platform readers and the layout readers can both build
one without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd


@dataclass
class LongForm:
    """A long frame (``item, annotator, <scheme columns>``) and its accounting."""

    frame: pd.DataFrame
    line_numbers: np.ndarray
    entries: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    extra_rows_read: int = 0
    #: data rows of the file when one row gives several ratings (counts, wide tables)
    file_rows: int | None = None
    item_order: list | None = None
    annotator_order: list | None = None
    items: pd.DataFrame | None = None
    #: categories the export itself declares (``{scheme: [category, ...]}``), such as
    #: the options of a Prodigy choice task; used when the caller declares none
    categories: dict | None = None
    #: the scheme columns of ``frame`` when the reader names them (several
    #: answer fields, or a scheme the user named); None: the long reader finds them
    schemes: list | None = None
