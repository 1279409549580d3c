"""Reading invariants, the layouts of issue 19 and the reader registry.

Expected values come from outside the reader: counts by construction,
``krippendorff.alpha`` on the raters x items matrix, statsmodels' Fleiss kappa
on the vote table.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import raer_agreement as ra
from raer_agreement.errors import InputError
from raer_agreement.io import readers
from raer_agreement.metrics import fleiss_kappa, krippendorff_alpha


def _matrix(rng, n_raters=4, n_items=120, q=3):
    truth = rng.integers(0, q, n_items)
    m = np.where(
        rng.random((n_raters, n_items)) < 0.8, truth, rng.integers(0, q, (n_raters, n_items))
    )
    m = m.astype(object)
    m[rng.random(m.shape) < 0.1] = ""
    return m


def test_raters_x_items_needs_transpose_and_matches_krippendorff(tmp_path):
    krippendorff = pytest.importorskip("krippendorff")
    m = _matrix(np.random.default_rng(0))
    path = tmp_path / "reliability.csv"
    pd.DataFrame(m, columns=[f"ratings.{k + 1}" for k in range(m.shape[1])]).to_csv(
        path, index=False
    )
    with pytest.raises(InputError) as err:
        ra.load_ratings(path, format="wide")
    assert "--transpose" in str(err.value) and len(str(err.value)) <= 300
    ann = ra.load_ratings(path, format="wide", transpose=True)
    data = np.where(m == "", np.nan, m).astype(float)
    assert (ann.n_items, ann.n_annotators, ann.n_ratings) == (
        m.shape[1],
        4,
        int(np.isfinite(data).sum()),
    )
    want = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
    got = krippendorff_alpha(ann)["estimate"]
    assert got == pytest.approx(want, abs=5e-4)


def test_counts_with_total_and_majority_code(tmp_path):
    sm = pytest.importorskip("statsmodels.stats.inter_rater")
    rng = np.random.default_rng(1)
    votes = np.array([rng.multinomial(3, rng.dirichlet([1, 3, 1])) for _ in range(200)])
    frame = pd.DataFrame(votes, columns=["hate_speech", "offensive_language", "neither"])
    frame.insert(0, "count", votes.sum(1))
    frame["class"] = votes.argmax(1)
    frame["tweet"] = [f"tweet number {k}" for k in range(len(frame))]
    path = tmp_path / "labeled_data.csv"
    frame.to_csv(path)  # with the unnamed leading index column
    ann = ra.load_ratings(path, format="counts")
    assert ann.categories() == ("hate_speech", "offensive_language", "neither")
    assert ann.n_ratings == votes.sum() and ann.n_items == 200
    got = fleiss_kappa(ann)["estimate"]
    assert got == pytest.approx(sm.fleiss_kappa(votes), abs=5e-4)
    frame.loc[7, "count"] = 99
    frame.to_csv(path)
    with pytest.raises(InputError, match="do not add up to the total column 'count'"):
        ra.load_ratings(path, format="counts")


def test_wide_with_text_columns_and_mixed_case(tmp_path):
    m = _matrix(np.random.default_rng(2), n_items=60)
    names = np.array(["Agree", "Disagree", "Neutral"], dtype=object)
    frame = pd.DataFrame(
        {"id": [f"a{k}" for k in range(60)], "text": [f"article {k} " * 4 for k in range(60)]}
    )
    for j, who in enumerate("rpas"):
        cells = np.where(m[j] == "", "", names[np.where(m[j] == "", 0, m[j]).astype(int)])
        frame[f"annotator_{who}"] = cells
    frame.loc[3, "annotator_r"] = "agree"
    path = tmp_path / "stance.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(InputError) as err:
        ra.load_ratings(path, format="wide")
    assert "--annotator-col" in str(err.value) and len(str(err.value)) <= 300
    cols = [f"annotator_{w}" for w in "rpas"]
    with pytest.raises(InputError, match="--fold-case"):
        ra.load_ratings(path, item_col="id", annotator_col=cols)
    ann = ra.load_ratings(path, item_col="id", annotator_col=cols, fold_case=True)
    assert (ann.n_items, ann.n_annotators, ann.n_ratings) == (60, 4, int((m != "").sum()))
    assert set(ann.categories()) == {"Agree", "Disagree", "Neutral"}
    assert any(n.startswith("--fold-case") for n in ann.ledger.notes)


def test_none_is_a_category_and_na_values_adds_tokens(tmp_path):
    path = tmp_path / "relations.csv"
    rows = [
        f"c{k // 3},w{k % 3},{['NONE', 'cause', 'skip'][k % 3 if k % 5 else 0]}" for k in range(30)
    ]
    path.write_text("clip_id,annotator_id,relation\n" + "\n".join(rows) + "\n")
    ann = ra.load_ratings(path)
    assert "NONE" in ann.categories() and ann.n_ratings == 30
    ann = ra.load_ratings(path, na_values=["skip"])
    assert "skip" not in ann.categories()
    assert ann.n_ratings == 30 - sum(1 for k in range(30) if k % 5 and k % 3 == 2)
    assert any("'skip'" in n and n.startswith("missing values") for n in ann.ledger.notes)


def test_blank_header_names(tmp_path):
    path = tmp_path / "batch.csv"
    lines = ["clip_id,annotator_id,label,,"] + [
        f"c{k // 2},w{k % 2},{'ab'[k % 3 == 0]},x{k}," for k in range(20)
    ]
    path.write_text("\n".join(lines) + "\n")
    ann = ra.load_ratings(path)
    notes = " ".join(ann.ledger.notes)
    assert ann.n_ratings == 20 and "column_5" in notes and "column_4" in notes


def test_a_registered_reader_is_a_format(tmp_path):
    reader = readers.Reader(
        "pairs_test", "a test reader", "table", "raer_agreement.io.load:read_table"
    )
    readers.register(reader)
    try:
        assert (
            "pairs_test" in readers.FORMATS and "pairs_test: a test reader" in readers.format_help()
        )
        with pytest.raises(ValueError, match="already registered"):
            readers.register(reader)
    finally:
        del readers.READERS["pairs_test"]
        readers.FORMATS = ("auto", *readers.READERS)


@pytest.mark.parametrize("seed", range(60))
def test_generated_raters_x_items_read_as_krippendorff_reads_them(tmp_path, seed):
    """Generated raters x items matrices (2-6 annotators, 1-15 items, blanks, whole empty
    item columns; with and without a names column) read as ``krippendorff.alpha``'s
    ``reliability_data``: the same filled cells, the same alpha."""
    krippendorff = pytest.importorskip("krippendorff")
    rng = np.random.default_rng(seed)
    n_raters, n_items = int(rng.integers(2, 7)), int(rng.integers(1, 16))
    m = _matrix(rng, n_raters=n_raters, n_items=n_items, q=int(rng.integers(2, 5)))
    m[:, rng.random(n_items) < 0.15] = ""  # items nobody rated
    stem = ("ratings.", "c", "item_")[seed % 3]
    frame = pd.DataFrame(m, columns=[f"{stem}{k + 1}" for k in range(n_items)])
    named = seed % 2 == 0
    if named:
        frame.insert(0, "coder", [f"coder {chr(65 + j)}" for j in range(n_raters)])
    path = tmp_path / "reliability.csv"
    frame.to_csv(path, index=False)
    data = np.where(m == "", np.nan, m).astype(float)
    filled = np.isfinite(data)
    if filled.sum() == 0:
        with pytest.raises(InputError, match="no rating|no data rows"):
            ra.load_ratings(path, format="wide", transpose=True)
        return
    ann = ra.load_ratings(path, format="wide", transpose=True)
    assert ann.n_ratings == int(filled.sum())
    assert ann.n_items == int(filled.any(0).sum())
    # every named row is an annotator of the panel, rated or not (as in the wide layout);
    # an unrated annotator without a name is a blank line, no CSV row
    # (a row of empty cells only is a blank line too)
    rows = n_raters if named else int(filled.any(1).sum())
    assert ann.n_annotators == rows
    if named:
        assert set(ann.annotator_ids) <= {f"coder {chr(65 + j)}" for j in range(n_raters)}
    pairable = filled.sum(0) >= 2
    if len(np.unique(data[:, pairable][filled[:, pairable]])) >= 2:
        want = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
        with np.errstate(all="ignore"):
            got = krippendorff_alpha(ann)["estimate"]
        assert got == pytest.approx(want, abs=1e-9)
