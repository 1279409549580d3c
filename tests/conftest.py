"""Shared test fixtures.

``../shared`` (beside the checkout) holds public data sets and published
reference values; tests that read it skip with a reason when it is absent.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import settings

# Property tests draw the same examples on every run: CI never turns red by chance.
settings.register_profile("repeatable", derandomize=True, deadline=None, print_blob=True)
settings.load_profile("repeatable")

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture
def shared_dir() -> Path:
    if not (SHARED / "datasets").is_dir():
        pytest.skip(f"../shared is absent ({SHARED}): public data sets are not available here")
    return SHARED
