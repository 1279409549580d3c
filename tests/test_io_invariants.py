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


def _long_truth(rng, n_items=60, n_workers=7, per_item=5, cats=("pos", "neg", "neu")):
    """Ratings of a small crowd, known by construction."""
    rows = []
    for i in range(n_items):
        truth = rng.integers(len(cats))
        for w in rng.choice(n_workers, per_item, replace=False):
            lab = truth if rng.random() < 0.7 else rng.integers(len(cats))
            rows.append((f"t{i:03d}", f"w{w}", cats[lab]))
    return pd.DataFrame(rows, columns=["item_id", "worker", "label"])


def _sizes(ann, scheme="label"):
    codes = ann.labels[scheme]
    return sorted(int(v) for v in np.bincount(codes[codes >= 0]) if v)


@pytest.mark.parametrize("labels", [("pos", "neg", "neu"), ("0", "1")])
def test_a_confidence_column_beside_each_rater_is_refused_then_read_named(tmp_path, labels):
    """Confidence columns (1..5) read as raters would pool two label sets into
    one scheme: refused, also when the sets share a value (``1``); naming the
    rater columns reads the ratings the table was built from."""
    rng = np.random.default_rng(5)
    long = _long_truth(rng, cats=labels)
    wide = long.pivot(index="item_id", columns="worker", values="label")
    table = pd.DataFrame({"item_id": wide.index})
    for c in wide.columns:
        table[c] = wide[c].to_numpy()
        table[c + "_conf"] = np.where(wide[c].isna(), None, rng.integers(1, 6, len(wide)))
    path = tmp_path / "conf.csv"
    table.to_csv(path, index=False)
    with pytest.raises(InputError, match="two label sets") as err:
        ra.load_ratings(path, format="wide")
    assert "--annotator-col" in str(err.value) and len(str(err.value)) <= 300
    ann = ra.load_ratings(path, item_col="item_id", annotator_col=list(wide.columns))
    assert (ann.n_ratings, ann.n_items, ann.n_annotators) == (len(long), 60, 7)
    assert _sizes(ann) == sorted(long["label"].value_counts().tolist())


def test_raters_who_skip_a_rare_class_are_one_label_set(tmp_path):
    """Half the raters never use the rare class: their set is part of the others',
    so no second label set is seen."""
    rng = np.random.default_rng(8)
    long = _long_truth(rng)
    rare = long["worker"].isin(["w0", "w1", "w2"]) & (long.index % 9 == 0)
    long.loc[rare, "label"] = "rare"
    path = tmp_path / "rare.csv"
    long.to_csv(path, index=False)
    ann = ra.load_ratings(path)
    assert _sizes(ann) == sorted(long["label"].value_counts().tolist())


def test_labels_joined_with_a_separator_need_multi_sep(tmp_path):
    rng = np.random.default_rng(9)
    long = _long_truth(rng)
    long.loc[long.index % 6 == 0, "label"] = "pos|neu"
    path = tmp_path / "multi.csv"
    long.to_csv(path, index=False)
    with pytest.raises(InputError, match=r"--multi-sep '\|'") as err:
        ra.load_ratings(path)
    assert len(str(err.value)) <= 300
    ann = ra.load_ratings(path, multi_sep="|")
    # one binary scheme per option; a joined cell says yes to both of its options
    said = long["label"].str.split("|").explode()
    for option in ("pos", "neg", "neu"):
        assert int((ann.labels[option] == 1).sum()) == int((said == option).sum())


def test_header_lines_inside_the_table_are_skipped_with_a_note(tmp_path):
    rng = np.random.default_rng(10)
    long = _long_truth(rng)
    text = long.iloc[:100].to_csv(index=False) + long.iloc[100:].to_csv(index=False)
    path = tmp_path / "joined.csv"
    path.write_text(text)
    ann = ra.load_ratings(path)
    assert (ann.n_ratings, ann.n_items, ann.n_annotators) == (len(long), 60, 7)
    assert "label" not in ann.categories("label")
    assert any("repeat the header (line 102)" in n for n in ann.ledger.notes)


def test_one_hot_columns_with_one_choice_per_rating_are_one_label(tmp_path):
    rng = np.random.default_rng(11)
    long = _long_truth(rng)
    one_hot = long.drop(columns="label")
    for c in ("pos", "neg", "neu"):
        one_hot[c] = (long["label"] == c).astype(int)
    path = tmp_path / "one_hot.csv"
    one_hot.to_csv(path, index=False)
    ann = ra.load_ratings(path)
    assert ann.schemes == ("label",)
    assert _sizes(ann) == sorted(long["label"].value_counts().tolist())
    # named, the columns are separate yes/no questions
    named = ra.load_ratings(path, label_cols=["pos", "neg", "neu"])
    assert set(named.schemes) == {"pos", "neg", "neu"}
    # two ones on a row: checkboxes, read as one binary scheme per column
    one_hot.loc[3, ["pos", "neg"]] = 1
    one_hot.to_csv(path, index=False)
    assert set(ra.load_ratings(path).schemes) == {"pos", "neg", "neu"}


def test_mturk_batch_without_status_columns_reads_with_a_note(tmp_path):
    """A batch file trimmed of AssignmentStatus (``--format mturk``) was a crash."""
    rng = np.random.default_rng(12)
    long = _long_truth(rng)
    batch = pd.DataFrame({"HITId": long["item_id"], "WorkerId": long["worker"]})
    for c in ("pos", "neg", "neu"):
        batch[f"Answer.sentiment.{c}"] = np.where(long["label"] == c, "true", "false")
    path = tmp_path / "batch.csv"
    batch.to_csv(path, index=False)
    ann = ra.load_ratings(path, format="mturk")
    assert (ann.n_ratings, ann.n_items, ann.n_annotators) == (len(long), 60, 7)
    assert _sizes(ann, ann.schemes[0]) == sorted(long["label"].value_counts().tolist())
    assert any("no AssignmentStatus column" in n for n in ann.ledger.notes)


@pytest.mark.parametrize("name", ["expert", "reference", "target", "y", "label"])
def test_a_lone_reference_column_in_a_wide_table_is_no_rater(tmp_path, name):
    """A reference label that agrees with the raters' majority on 70% of clips is
    no rater; raters sharing the word (``expert_1``, ``expert_2``) are raters."""
    rng = np.random.default_rng(13)
    long = _long_truth(rng)
    wide = long.pivot(index="item_id", columns="worker", values="label")
    reference = [rng.choice(["pos", "neg", "neu"]) for _ in range(len(wide))]
    path = tmp_path / "ref.csv"
    wide.reset_index().assign(**{name: reference}).to_csv(path, index=False)
    with pytest.raises(InputError, match="--annotator-col") as err:
        ra.load_ratings(path, format="wide")
    assert len(str(err.value)) <= 300
    experts = wide.copy()
    experts.columns = [f"{name}_{k + 1}" for k in range(experts.shape[1])]
    experts.reset_index().to_csv(path, index=False)
    ann = ra.load_ratings(path, format="wide")
    assert (ann.n_ratings, ann.n_items, ann.n_annotators) == (len(long), 60, 7)


def test_a_table_of_label_shares_is_refused(tmp_path):
    """Soft labels (shares adding up to 1) have no ratings to count."""
    long = _long_truth(np.random.default_rng(14))
    shares = pd.crosstab(long["item_id"], long["label"], normalize="index").reset_index()
    path = tmp_path / "soft.csv"
    shares.to_csv(path, index=False)
    for fmt in ("auto", "wide", "counts"):
        with pytest.raises(InputError) as err:
            ra.load_ratings(path, format=fmt)
        assert len(str(err.value)) <= 300


def test_an_item_column_that_names_a_group_of_clips_is_refused(tmp_path):
    """Clip ids that restart per video (``video``, ``clip``): either column alone
    makes most ratings repeat an annotator on a "clip"."""
    long = _long_truth(np.random.default_rng(15))
    split = long.assign(video=long["item_id"].str[:3], clip=long["item_id"].str[3:])
    path = tmp_path / "clips.csv"
    split.drop(columns="item_id").to_csv(path, index=False)
    for item in ("video", "clip"):
        with pytest.raises(InputError, match="--item-col") as err:
            ra.load_ratings(path, item_col=item, annotator_col="worker", label_cols=["label"])
        assert "--duplicates" in str(err.value) and len(str(err.value)) <= 300
        kept = ra.load_ratings(path, item_col=item, duplicates="keep")
        assert kept.n_ratings == len(long)


def test_label_set_components_equal_scipy_connected_components():
    """The small component search behind label_set_groups numbers the groups as
    scipy.sparse.csgraph.connected_components does, on random graphs."""
    from scipy.sparse.csgraph import connected_components

    from raer_agreement.io.invariants import _components

    rng = np.random.default_rng(7)
    for _ in range(200):
        n = int(rng.integers(1, 50))
        adj = rng.random((n, n)) < rng.random() * 0.15
        adj = adj | adj.T
        np.fill_diagonal(adj, True)
        assert _components(adj).tolist() == connected_components(adj, directed=False)[1].tolist()


def test_whole_number_ids_written_two_ways_are_one_clip(tmp_path):
    """Clip ids '7' in one file and '7.0' in another (a float column saved by
    pandas) name one clip: the reading has the clips and ratings written, and
    alpha equals krippendorff's on the true raters x clips matrix."""
    import krippendorff

    rng = np.random.default_rng(3)
    labels = rng.integers(0, 3, size=(6, 30))
    first = pd.DataFrame(
        [(c, f"w{a}", labels[a, c]) for c in range(30) for a in range(3)],
        columns=["clip", "annotator", "label"],
    )
    second = pd.DataFrame(
        [(f"{c}.0", f"w{a}", labels[a, c]) for c in range(30) for a in range(3, 6)],
        columns=["clip", "annotator", "label"],
    )
    first.to_csv(tmp_path / "a.csv", index=False)
    second.to_csv(tmp_path / "b.csv", index=False)
    ann = ra.load_ratings([tmp_path / "a.csv", tmp_path / "b.csv"])
    assert (ann.n_items, ann.n_annotators, ann.n_ratings) == (30, 6, 180)
    assert any("decimal point" in n for n in ann.ledger.notes)
    want = krippendorff.alpha(reliability_data=labels, level_of_measurement="nominal")
    assert krippendorff_alpha(ann).estimate == pytest.approx(want, abs=1e-9)


def test_whole_number_spellings_within_one_file_stay_two_ids(tmp_path):
    """Within one file, '1' and '1.0' are two ids as given (only another file's
    spelling is taken for a float export of the same column)."""
    pd.DataFrame(
        {
            "clip": ["1", "1.0", "2", "2.0"] * 3,
            "annotator": list("aaaabbbbcccc"),
            "label": list("xyxy") * 3,
        }
    ).to_csv(tmp_path / "one.csv", index=False)
    ann = ra.load_ratings(tmp_path / "one.csv")
    assert ann.n_items == 4
    assert not any("decimal point" in n for n in ann.ledger.notes)
