"""Readings of wide tables, class names and count headers, against counts known
by construction and ``krippendorff.alpha`` on the matrix the file was written
from.

Each case is generated (seeded), not collected: a wide table of raters with one
more column of a clip's own (its split, its year, its number of ratings, its
majority label), a table of raters only, a class named ``None``, count headers
whose first word looks like a summary's.  The property: read right, or refused
with the flag that settles it; never read with an extra "annotator".
"""

from __future__ import annotations

import krippendorff
import numpy as np
import pandas as pd
import pytest

from raer_agreement import load_ratings
from raer_agreement.errors import InputError


def _ratings(seed: int, n_items: int = 80, n_raters: int = 6, q: int = 5, missing: float = 0.2):
    """A raters' matrix (items x raters) of codes 1..q with missing cells (nan)."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(1, q + 1, n_items)
    skill = rng.uniform(0.5, 0.9, n_raters)
    good = rng.random((n_items, n_raters)) < skill
    m = np.where(good, truth[:, None], rng.integers(1, q + 1, (n_items, n_raters))).astype(float)
    m[rng.random(m.shape) < missing] = np.nan
    m[:, 0][np.isnan(m).sum(1) >= n_raters - 1] = truth[np.isnan(m).sum(1) >= n_raters - 1]
    return m


def _cell(v) -> str:
    return "" if np.isnan(v) else str(int(v))


def _write_wide(path, m, *, id_col: str | None = "id", extra: dict | None = None):
    cols = {} if id_col is None else {id_col: [f"q{i}" for i in range(len(m))]}
    cols.update({f"A{j + 1}": [_cell(v) for v in m[:, j]] for j in range(m.shape[1])})
    cols.update(extra or {})
    pd.DataFrame(cols).to_csv(path, index=False)
    return path


def _majority(m) -> list:
    out = []
    for row in m:
        vals = pd.Series(row[~np.isnan(row)]).value_counts()
        out.append(str(int(vals.index[0])))
    return out


def _extras(m, rng) -> dict:
    n = len(m)
    return {
        "split": {"split": list(rng.choice(["train", "dev", "test"], n))},
        "year": {"year": list(rng.choice(["2019", "2020"], n))},
        "n_ratings": {"n_ratings": [str(int((~np.isnan(r)).sum())) for r in m]},
        "majority": {"majority": _majority(m)},
    }


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("kind", ["split", "year", "n_ratings", "majority"])
def test_a_clip_attribute_beside_the_raters_is_refused_then_read_when_named(tmp_path, seed, kind):
    m = _ratings(seed)
    extra = _extras(m, np.random.default_rng(seed))[kind]
    path = _write_wide(tmp_path / "wide.csv", m, extra=extra)
    with pytest.raises(InputError, match="--annotator-col") as err:
        load_ratings(path)
    assert repr(kind) in str(err.value) and len(str(err.value)) <= 300
    raters = [f"A{j + 1}" for j in range(m.shape[1])]
    ann = load_ratings(path, item_col="id", annotator_col=raters)
    assert (ann.n_items, ann.n_annotators) == m.shape
    assert ann.n_ratings == int((~np.isnan(m)).sum())
    want = krippendorff.alpha(reliability_data=m.T, level_of_measurement="nominal")
    got = pd.DataFrame({"i": ann.item, "a": ann.annotator, "l": ann.labels["label"]}).pivot(
        index="a", columns="i", values="l"
    )
    assert krippendorff.alpha(
        reliability_data=got.to_numpy(float), level_of_measurement="nominal"
    ) == pytest.approx(want, abs=1e-12)


@pytest.mark.parametrize("seed", range(6))
def test_raters_only_the_rows_are_the_items(tmp_path, seed):
    """irrCAC's tables (one column per rater, no unit column): every row is an
    item, and the first rater is not taken for the id."""
    m = _ratings(seed, n_items=40 + 5 * seed, n_raters=3 + seed % 4)
    path = _write_wide(tmp_path / "raters.csv", m, id_col=None)
    ann = load_ratings(path)
    assert ann.n_items == len(m) - int(np.isnan(m).all(1).sum())
    assert ann.n_annotators == m.shape[1]
    assert ann.n_ratings == int((~np.isnan(m)).sum())
    assert any("each row is one item" in n for n in ann.ledger.notes)
    from raer_agreement.metrics import krippendorff_alpha

    want = krippendorff.alpha(reliability_data=m.T, level_of_measurement="nominal")
    assert float(krippendorff_alpha(ann)["estimate"]) == pytest.approx(want, abs=1e-9)


def _long_with_none(tmp_path, spellings):
    rng = np.random.default_rng(3)
    rows = [
        (f"t{i}", f"w{a}", str(rng.choice(spellings + ["Hate", "Offensive"])))
        for i in range(30)
        for a in range(4)
    ]
    path = tmp_path / "none.csv"
    pd.DataFrame(rows, columns=["item_id", "worker_id", "label"]).to_csv(path, index=False)
    return path, rows


def test_a_declared_class_named_none_is_a_class(tmp_path):
    path, rows = _long_with_none(tmp_path, ["None"])
    ann = load_ratings(path, categories=["None", "Hate", "Offensive"])
    assert ann.n_ratings == len(rows)
    none = ann.categories("label").index("None")
    assert int((ann.labels["label"] == none).sum()) == sum(r[2] == "None" for r in rows)
    # undeclared, it is one of pandas' missing-value tokens, as pandas reads it
    undeclared = load_ratings(path)
    assert undeclared.n_ratings == sum(r[2] != "None" for r in rows)


def test_a_missing_token_beside_its_case_twin_is_refused(tmp_path):
    path, rows = _long_with_none(tmp_path, ["None", "NONE"])
    with pytest.raises(InputError, match="--na-values None") as err:
        load_ratings(path)
    assert "--categories" in str(err.value)
    as_missing = load_ratings(path, na_values=["None"], fold_case=True)
    assert as_missing.n_ratings == sum(r[2] != "None" for r in rows)


@pytest.mark.parametrize(
    "header",
    [
        ["none", "mild", "moderate", "severe"],
        ["propaganda", "not_propaganda"],
        ["totally_disagree", "disagree", "neutral", "agree", "totally_agree"],
        ["N", "A", "S"],
    ],
)
def test_count_headers_that_start_like_a_summary_are_categories(tmp_path, header):
    rng = np.random.default_rng(len(header))
    votes = rng.multinomial(5, np.ones(len(header)) / len(header), size=40)
    frame = pd.DataFrame(votes, columns=header)
    frame.insert(0, "item_id", [f"img_{i:04d}.jpg" for i in range(40)])
    path = tmp_path / "counts.csv"
    frame.to_csv(path, index=False)
    ann = load_ratings(path, format="counts")
    assert list(ann.categories("label")) == header
    assert ann.n_ratings == int(votes.sum())
    got = np.bincount(ann.labels["label"], minlength=len(header))
    assert got.tolist() == votes.sum(0).tolist()


def _scale_file(tmp_path, marker: str | None, spell_float: bool = False, seed: int = 0):
    """A long file of 1..5 ratings (60 items x 5 raters), some cells holding
    ``marker`` where the rating is missing; returns the path and the matrix."""
    m = _ratings(seed, n_items=60, n_raters=5, missing=0.15)
    rows = []
    for i in range(m.shape[0]):
        for j in range(m.shape[1]):
            v = m[i, j]
            if np.isnan(v):
                if marker is None:
                    continue
                text = marker
            else:
                text = f"{v:.1f}" if spell_float and (i + j) % 2 else str(int(v))
            rows.append((f"S{i:03d}", f"R{j}", text))
    path = tmp_path / "scale.csv"
    pd.DataFrame(rows, columns=["Item ID", "Rater", "Score"]).to_csv(path, index=False)
    return path, m


OPTS = dict(item_col="Item ID", annotator_col="Rater", label_cols="Score")


@pytest.mark.parametrize("marker", ["*", "?", "-", "n.a.", "99", "-1"])
def test_a_missing_marker_in_a_scale_is_refused_then_read_with_na_values(tmp_path, marker):
    path, m = _scale_file(tmp_path, marker)
    with pytest.raises(InputError, match="--na-values") as err:
        load_ratings(path, **OPTS)
    assert repr(marker) in str(err.value)
    ann = load_ratings(path, na_values=[marker], **OPTS)
    assert ann.n_ratings == int((~np.isnan(m)).sum())
    from raer_agreement.metrics import krippendorff_alpha

    want = krippendorff.alpha(reliability_data=m.T, level_of_measurement="nominal")
    assert float(krippendorff_alpha(ann)["estimate"]) == pytest.approx(want, abs=1e-9)


def test_numbers_spelled_two_ways_are_one_category(tmp_path):
    path, m = _scale_file(tmp_path, None, spell_float=True)
    ann = load_ratings(path, **OPTS)
    assert list(ann.categories("Score")) == [
        str(k) for k in sorted(set(m[~np.isnan(m)].astype(int)))
    ]
    assert any("spelled another way" in n for n in ann.ledger.notes)
    from raer_agreement.metrics import krippendorff_alpha

    want = krippendorff.alpha(reliability_data=m.T, level_of_measurement="nominal")
    assert float(krippendorff_alpha(ann)["estimate"]) == pytest.approx(want, abs=1e-9)


def test_declared_categories_keep_a_marker_as_a_class(tmp_path):
    path, m = _scale_file(tmp_path, "99")
    ann = load_ratings(path, categories=["1", "2", "3", "4", "5", "99"], **OPTS)
    assert ann.n_ratings == m.size


def test_files_whose_clip_ids_restart_are_refused_until_duplicates_is_given(tmp_path):
    """Two splits of one data set, each numbering its items 1, 2, ...: read
    together they would merge different items under one id."""
    paths = []
    for k, n in enumerate((40, 30)):
        m = _ratings(k, n_items=n, n_raters=4, missing=0.0)
        rows = [(str(i + 1), f"w{j}", str(int(m[i, j]))) for i in range(n) for j in range(4)]
        p = tmp_path / f"split{k}.csv"
        pd.DataFrame(rows, columns=["item_id", "annotator_id", "label"]).to_csv(p, index=False)
        paths.append(p)
    with pytest.raises(InputError, match="--duplicates keep"):
        load_ratings(paths)
    kept = load_ratings(paths, duplicates="keep")
    assert kept.n_ratings == 4 * (40 + 30)
    assert kept.n_items == 40  # ids 1..30 shared: what the user asked for


def test_a_column_of_the_clips_own_text_is_not_the_label(tmp_path):
    """DICES-like: each conversation's reply text sits on every rating row; the
    default label column would be the text (one value per item)."""
    rng = np.random.default_rng(5)
    rows = [
        (f"c{i}", f"r{a}", f"reply number {i}, which the bot gave", str(rng.choice(["Yes", "No"])))
        for i in range(40)
        for a in range(5)
    ]
    path = tmp_path / "dices.csv"
    pd.DataFrame(rows, columns=["item_id", "rater_id", "response", "Q_overall"]).to_csv(
        path, index=False
    )
    with pytest.raises(InputError, match="--label-col"):
        load_ratings(path, label_cols="response")
    ann = load_ratings(path, label_cols="Q_overall")
    assert (ann.n_items, ann.n_annotators, ann.n_ratings) == (40, 5, 200)


@pytest.mark.parametrize(
    "flags",
    [
        dict(item_col="ItemID"),
        dict(annotator_col="Rater_id"),
        dict(item_col="ItemID", annotator_col="Rater"),
        dict(item_col="Item ID", annotator_col="Rater", label_cols="Scor"),
    ],
)
def test_a_misspelt_column_is_a_refusal_naming_the_columns(tmp_path, flags):
    """A column flag that names no column is one refusal line (exit 2 at the
    CLI), never another exception, whichever other flags are given."""
    path, _ = _scale_file(tmp_path, None)
    with pytest.raises(InputError, match="not found; columns are") as err:
        load_ratings(path, **flags)
    assert len(str(err.value)) <= 300


@pytest.mark.parametrize("seed", range(3))
def test_lists_of_votes_without_annotators_are_one_rating_per_element(tmp_path, seed):
    """SNLI's ``annotator_labels``: five labels of unknown annotators in one
    list; a repeated element shows they are votes, not a multi-select answer."""
    import json

    rng = np.random.default_rng(seed)
    classes = ["entailment", "neutral", "contradiction"]
    n = 50
    sizes = rng.choice([1, 5], n, p=[0.2, 0.8])
    votes = [[str(rng.choice(classes)) for _ in range(k)] for k in sizes]
    path = tmp_path / "snli.jsonl"
    path.write_text(
        "".join(
            json.dumps({"pairID": f"p{i}", "annotator_labels": v, "gold_label": v[0]}) + "\n"
            for i, v in enumerate(votes)
        )
    )
    ann = load_ratings(path, anonymous=True, item_col="pairID", label_cols="annotator_labels")
    assert ann.n_ratings == int(sizes.sum()) and ann.n_items == n
    m = np.full((5, n), np.nan)
    for i, v in enumerate(votes):
        m[: len(v), i] = [classes.index(x) for x in v]
    from raer_agreement.metrics import krippendorff_alpha

    want = krippendorff.alpha(reliability_data=m, level_of_measurement="nominal")
    assert float(krippendorff_alpha(ann)["estimate"]) == pytest.approx(want, abs=1e-9)


@pytest.mark.parametrize("kind", ["csv", "jsonl"])
def test_cells_mapping_annotators_to_labels_are_one_rating_per_key(tmp_path, kind):
    """LeWiDi's ``annotations`` flattened into a table: ``{"ann1": 1, ...}``."""
    import json

    m = _ratings(7, n_items=40, n_raters=5, q=3)
    cells = [
        {f"ann{j + 1}": int(m[i, j]) for j in range(m.shape[1]) if not np.isnan(m[i, j])}
        for i in range(len(m))
    ]
    path = tmp_path / f"dicts.{kind}"
    if kind == "csv":
        frame = pd.DataFrame({"id": [f"t{i}" for i in range(len(m))], "labels": cells})
        frame["labels"] = frame["labels"].map(json.dumps)
        frame.to_csv(path, index=False)
        ann = load_ratings(path, label_cols="labels")
    else:
        path.write_text(
            "".join(json.dumps({"id": f"t{i}", "labels": c}) + "\n" for i, c in enumerate(cells))
        )
        ann = load_ratings(path)
    assert (ann.n_items, ann.n_annotators) == m.shape
    assert ann.n_ratings == int((~np.isnan(m)).sum())
    from raer_agreement.metrics import krippendorff_alpha

    want = krippendorff.alpha(reliability_data=m.T, level_of_measurement="nominal")
    assert float(krippendorff_alpha(ann)["estimate"]) == pytest.approx(want, abs=1e-9)


def test_annotators_and_labels_joined_by_a_separator_are_parallel_lists(tmp_path):
    """LeWiDi flattened into a CSV: ``annotators = "Ann1,Ann2,Ann4"`` beside
    ``annotations = "1,0,1"``; with ``--multi-sep ,`` one rating per pair."""
    m = _ratings(11, n_items=40, n_raters=5, q=2)
    rows = []
    for i in range(len(m)):
        js = [j for j in range(m.shape[1]) if not np.isnan(m[i, j])]
        rows.append(
            (i + 1, ",".join(f"Ann{j + 1}" for j in js), ",".join(str(int(m[i, j])) for j in js))
        )
    path = tmp_path / "flat.csv"
    pd.DataFrame(rows, columns=["id", "annotators", "annotations"]).to_csv(path, index=False)
    ann = load_ratings(
        path, item_col="id", annotator_col="annotators", label_cols="annotations", multi_sep=","
    )
    assert (ann.n_items, ann.n_annotators) == m.shape
    assert ann.n_ratings == int((~np.isnan(m)).sum())
    from raer_agreement.metrics import krippendorff_alpha

    want = krippendorff.alpha(reliability_data=m.T, level_of_measurement="nominal")
    assert float(krippendorff_alpha(ann)["estimate"]) == pytest.approx(want, abs=1e-9)
    # one list shorter than its partner: refused with the row
    bad = pd.DataFrame(
        [(1, "Ann1,Ann2", "1")] + rows[1:], columns=["id", "annotators", "annotations"]
    )
    bad.to_csv(path, index=False)
    with pytest.raises(InputError, match="parallel lists"):
        load_ratings(
            path, item_col="id", annotator_col="annotators", label_cols="annotations", multi_sep=","
        )


@pytest.mark.parametrize("sep,mark", [(",", ""), (" ", "."), ("\t", "*")])
def test_a_matrix_without_a_header_row(tmp_path, sep, mark):
    """Krippendorff's reliability data as written by hand or by R: raters x
    units, no header, a mark for missing cells; ``--no-header``."""
    m = _ratings(13, n_items=30, n_raters=4)
    lines = [sep.join(mark if np.isnan(v) else str(int(v)) for v in row) for row in m.T]
    path = tmp_path / "matrix.txt"
    path.write_text("\n".join(lines) + "\n")
    opts = dict(format="wide", transpose=True, sep=sep, na_values=[mark] if mark else [])
    with pytest.raises(InputError, match="--no-header"):
        load_ratings(path, **opts)
    ann = load_ratings(path, no_header=True, **opts)
    assert ann.n_annotators == m.shape[1]
    assert ann.n_ratings == int((~np.isnan(m)).sum())
    from raer_agreement.metrics import krippendorff_alpha

    want = krippendorff.alpha(reliability_data=m.T, level_of_measurement="nominal")
    assert float(krippendorff_alpha(ann)["estimate"]) == pytest.approx(want, abs=1e-9)


def test_a_space_separated_matrix_read_without_sep_is_refused(tmp_path):
    """Without ``--sep ' '`` each line would be one value: refused, naming it."""
    m = _ratings(17, n_items=20, n_raters=3)
    path = tmp_path / "matrix.txt"
    path.write_text("\n".join(" ".join(_cell(v) or "." for v in row) for row in m.T) + "\n")
    with pytest.raises(InputError, match="--sep ' '"):
        load_ratings(path, format="wide", transpose=True)


@pytest.mark.parametrize("style", ["doccano_v1", "groundtruth_worker_responses"])
def test_lists_of_answer_records_are_one_rating_per_record(tmp_path, style):
    """doccano v1 (``annotations: [{"label": 3, "user": 5}]``) and SageMaker
    Ground Truth worker responses (``answers: [{"workerId": ..., "answerContent":
    {"crowd-classifier": {"label": ...}}}]``): one rating per record."""
    import json

    m = _ratings(19, n_items=40, n_raters=5, q=3)
    lines = []
    for i, row in enumerate(m):
        js = [j for j in range(len(row)) if not np.isnan(row[j])]
        if style == "doccano_v1":
            rec = {
                "id": i,
                "text": f"Review {i}",
                "annotations": [{"label": int(row[j]), "user": j + 1} for j in js],
            }
        else:
            rec = {
                "datasetObjectId": str(i),
                "dataObject": {"content": f"Review {i}"},
                "answers": [
                    {
                        "answerContent": {"crowd-classifier": {"label": f"L{int(row[j])}"}},
                        "workerId": f"private.us-east-1.user{j}",
                        "submissionTime": "2020-03-02T10:00:00Z",
                    }
                    for j in js
                ],
            }
        lines.append(json.dumps(rec))
    path = tmp_path / "export.jsonl"
    path.write_text("\n".join(lines) + "\n")
    item = "id" if style == "doccano_v1" else "datasetObjectId"
    ann = load_ratings(path, item_col=item)
    assert (ann.n_items, ann.n_annotators) == m.shape
    assert ann.n_ratings == int((~np.isnan(m)).sum())
    from raer_agreement.metrics import krippendorff_alpha

    want = krippendorff.alpha(reliability_data=m.T, level_of_measurement="nominal")
    assert float(krippendorff_alpha(ann)["estimate"]) == pytest.approx(want, abs=1e-9)
