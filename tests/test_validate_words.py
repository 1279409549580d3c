"""``validate`` names what is rated as the report does, and says how many clips of
the list files matched the ratings (counts taken here from the files by hand)."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from raer_agreement.cli import main
from raer_agreement.report.vocabulary import display_name

SAMPLE = Path(__file__).resolve().parents[1] / "raer_agreement" / "data" / "sample"


def _rated_clips() -> set:
    with open(SAMPLE / "ratings.csv", newline="", encoding="utf-8") as f:
        return {row["clip_id"] for row in csv.DictReader(f)}


def _listed(path) -> list:
    return [line.split()[0] for line in Path(path).read_text().splitlines() if line.strip()]


def _validate(capsys, *args) -> str:
    assert main(["validate", str(SAMPLE / "ratings.csv"), *map(str, args)]) == 0
    return capsys.readouterr().out


def test_validate_names_clips_like_the_report(capsys):
    out = _validate(capsys)
    word = display_name("n_items")
    assert word == "clips"
    assert f"{word}: {len(_rated_clips()):,}\n" in out
    assert not re.search(r"^items:", out, flags=re.M)
    assert "ratings per clip:" in out


def test_validate_clips_counts_the_matches(capsys):
    rated, train = _rated_clips(), _listed(SAMPLE / "train.txt")
    matched = len(set(train) & rated)
    assert matched == len(train) == 2121  # RAER's published train split
    out = _validate(capsys, "--clips", SAMPLE / "train.txt")
    assert (
        f"clip metadata: {matched:,} of {len(train):,} listed clips matched the ratings, 0 did "
        f"not; {len(rated) - matched:,} rated clips are not listed"
    ) in out


def test_validate_clips_counts_the_listed_clips_without_ratings(tmp_path, capsys):
    extra = [f"RAER/images/SelfStudy/Library/P999/{k:03d} 16 1" for k in range(3)]
    lst = tmp_path / "more.txt"
    lst.write_text(
        (SAMPLE / "train.txt").read_text() + (SAMPLE / "test.txt").read_text() + "\n".join(extra)
    )
    listed, rated = _listed(lst), _rated_clips()
    out = _validate(capsys, "--clips", lst)
    n_match = len(set(listed) & rated)
    assert (n_match, len(listed) - n_match) == (len(rated), len(extra))
    assert (
        f"{n_match:,} of {len(listed):,} listed clips matched the ratings, "
        f"{len(extra)} did not (no rating); every rated clip is listed"
    ) in out


@pytest.mark.parametrize("key", ["n_items", "n_changed", "n_matched", "clip_id", "missing_item"])
def test_the_vocabulary_names_what_is_rated_once(key):
    assert "clip" in display_name(key) and "item" not in display_name(key)
