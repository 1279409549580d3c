"""The report's words and numbers come from the data: no RAER wording on other
data, the kappa-paradox paragraph only where one class dominates, one number
format (no scientific notation, counts as integers), display names instead of
machine keys.

Read on the bundled corpus and on a real Toloka export
(``../shared/datasets/real_formats/toloka_camarg``); the facts the pages are
checked against (class shares) are counted here from the input files with
pandas, not taken from the package.
"""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

import pandas as pd
import pytest

from raer_agreement.cli import main
from raer_agreement.report.render import count, fmt
from raer_agreement.report.vocabulary import class_name, display_name
from raer_agreement.simulate import sample_path

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
TOLOKA = (
    SHARED / "datasets/real_formats/toloka_camarg/assignments_from_pool_42774131__05-02-2024.tsv"
)

#: Machine keys that must not reach a page (the JSON keeps them).
KEYS = (
    "krippendorff_alpha",
    "gwet_ac1",
    "fleiss_kappa",
    "alpha_without",
    "alpha_influence",
    "expired_assignment",
    "inconsistent_fine_coarse",
    "session_type",
    "n_compared",
)
SCIENTIFIC = re.compile(r"\b\d\.\de[-+]\d\d\b")
FLOAT_COUNT = re.compile(r"\b\d{4,}\.000\b")


def _pages(out: Path) -> str:
    """What a reader sees: the HTML page's text (no tags, anchors or images) and the Markdown."""
    html = (out / "report.html").read_text(encoding="utf-8")
    chips = "CHIPS" if '<span class="chip">' in html else ""
    text = re.sub(r"<[^>]+>", " ", html.split("</style>", 1)[1])
    return chips + text + (out / "report.md").read_text(encoding="utf-8")


def _report(out: Path, *inputs) -> str:
    argv = ["report", *map(str, inputs), "--out", str(out), "--n-boot", "20", "--quiet"]
    assert main([*argv, "--no-exports"]) == 0
    return _pages(out)


@pytest.fixture(scope="module")
def sample_pages(tmp_path_factory) -> str:
    return _report(tmp_path_factory.mktemp("wording") / "sample")


@pytest.fixture(scope="module")
def toloka_pages(tmp_path_factory) -> str:
    if not TOLOKA.is_file():
        pytest.skip(f"the Toloka export is absent ({TOLOKA})")
    return _report(tmp_path_factory.mktemp("wording") / "toloka", TOLOKA)


def _toloka_shares() -> pd.Series:
    csv.field_size_limit(sys.maxsize)
    t = pd.read_csv(TOLOKA, sep="\t", dtype=str, engine="python", quoting=csv.QUOTE_MINIMAL)
    kept = t[t["ASSIGNMENT:status"] != "EXPIRED"]["OUTPUT:R-4"].dropna()
    return kept.value_counts(normalize=True)


def test_toloka_shares_as_published():
    if not TOLOKA.is_file():
        pytest.skip("the Toloka export is absent")
    shares = _toloka_shares()
    # README of real_formats: 6,409 ratings; no class holds half of them
    assert shares.max() < 0.5


def test_no_raer_wording_on_other_data(toloka_pages):
    for phrase in ("RAER's", "RAER published", "with their paths", "clips to RAER"):
        assert phrase not in toloka_pages
    assert "Final label labels" not in toloka_pages
    assert "Final labels of the label scheme by majority vote" in toloka_pages


def test_raer_wording_on_the_raer_taxonomy(sample_pages):
    assert "RAER's primary metric" in sample_pages
    assert "RAER published" in sample_pages


def test_paradox_paragraph_only_where_one_class_dominates(sample_pages, toloka_pages):
    ratings = pd.read_csv(sample_path() / "ratings.csv")
    top = ratings["coarse"].value_counts(normalize=True)
    assert top.max() > 0.5  # one class dominates the bundled coarse votes
    assert "kappa paradox" in sample_pages
    assert "one class holds more than half of the votes" in sample_pages  # the rule is stated
    # the Toloka votes have no dominant class (test above): no paradox paragraph
    assert "kappa paradox" not in toloka_pages
    assert "makes up" not in toloka_pages


def test_bare_codes_are_named_as_classes(toloka_pages):
    # the Toloka labels are the codes 0-3: sentences say "class 0", never a bare code
    assert re.search(r"breaks down most on class \d", toloka_pages)
    assert not re.search(r"breaks down most on \d", toloka_pages)


@pytest.mark.parametrize("which", ["sample_pages", "toloka_pages"])
def test_one_number_format(which, request):
    pages = request.getfixturevalue(which)
    assert not SCIENTIFIC.findall(pages)
    assert not FLOAT_COUNT.findall(pages)
    assert "-0.000" not in pages
    assert not re.search(r"Rows dropped: \d{4,}", pages)  # thousands separated
    assert not re.search(r"of \d{4,}\b", pages)


@pytest.mark.parametrize("which", ["sample_pages", "toloka_pages"])
def test_display_names_not_keys(which, request):
    pages = request.getfixturevalue(which)
    assert [k for k in KEYS if k in pages] == []


def test_votes_as_chips(toloka_pages):
    assert toloka_pages.startswith("CHIPS")  # the HTML shows each vote count as a chip
    assert not re.search(r"\| \d \d, \d \d", toloka_pages)  # never "1 1, 2 1" in a cell


def test_the_one_formatter():
    assert fmt(5.6e-17) == "0.000"  # a Wilson bound at zero
    assert fmt(-3e-13) == "0.000"
    assert fmt(-0.0004) == "0.000"  # rounds to zero: no sign
    assert fmt(-5.5e-04) == "-0.001"
    assert fmt(6.0e-04) == "0.001"
    assert fmt(24711) == "24,711"
    assert fmt(12345.678, 2) == "12,345.68"
    assert count(1637.9999999999998) == "1,638"
    assert fmt(float("inf")) == "–"


def test_vocabulary():
    assert display_name("gwet_ac1") == "Gwet's AC1"
    assert display_name("label_dawid-skene") == "label (Dawid-Skene)"
    assert display_name("inconsistent_fine_coarse") == "fine label outside its coarse label"
    assert class_name("3") == "class 3"
    assert class_name("Fatigue") == "Fatigue"
