"""Layouts of published data sets and platform exports, read under ``--format auto``.

Each fixture is written in the layout its source documents (cited per test),
with made-up values; expected values come from the fixture itself (the votes
we wrote) or from statsmodels computing the same statistic.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.inter_rater import fleiss_kappa

import raer_agreement as ra
from raer_agreement.errors import InputError
from raer_agreement.metrics import agreement_table


def _fleiss(ann) -> float:
    t = agreement_table(ann, n_boot=0, coefficients=["fleiss_kappa"])
    return float(t.set_index("coefficient").loc["fleiss_kappa", "estimate"])


def _layout(ann) -> str:
    return next(n for n in ann.ledger.notes if n.startswith("layout: ")).split()[1]


def test_cremad_tabulated_votes_written_by_r(tmp_path):
    """CREMA-D processedResults/tabulatedVotes.csv (its docs/README.md lists the
    columns): vote counts A, D, F, H, N, S beside derived columns, written by
    R's write.csv with an unnamed first column of row names."""
    rng = np.random.default_rng(1)
    counts = rng.multinomial(9, [0.5, 0.1, 0.1, 0.1, 0.1, 0.1], size=40)
    counts[::7] = rng.multinomial(11, [0.1, 0.1, 0.1, 0.5, 0.1, 0.1], size=len(counts[::7]))
    lines = [
        '"","A","D","F","H","N","S","fileName","numResponses","agreement","emoVote","meanEmoResp"'
    ]
    for k, row in enumerate(counts, start=1):
        n = row.sum()
        lines.append(
            f'"{k}",{",".join(map(str, row))},"10{k:02d}_IEO_ANG_HI",{n},'
            f'{row.max() / n:.4f},"{"ADFHNS"[row.argmax()]}",{50 + k / 3:.3f}'
        )
    path = tmp_path / "tabulatedVotes.csv"
    path.write_text("\n".join(lines) + "\n")
    ann = ra.load_ratings(path)
    assert _layout(ann) == "counts"
    assert ann.anonymous
    assert ann.categories() == ("A", "D", "F", "H", "N", "S")
    assert ann.n_items == 40 and ann.item_ids[0] == "1001_IEO_ANG_HI"
    assert ann.n_ratings == counts.sum()
    notes = " ".join(ann.ledger.notes)
    for derived in ("numResponses", "agreement", "meanEmoResp"):
        assert derived in notes
    assert "emoVote" in ann.items.columns
    # Gwet's generalised Fleiss with unequal votes per item
    n = counts.sum(1)
    pa = np.mean((counts * (counts - 1)).sum(1) / (n * (n - 1)))
    pi = (counts / n[:, None]).mean(0)
    pe = (pi**2).sum()
    assert _fleiss(ann) == pytest.approx((pa - pe) / (1 - pe), abs=1e-12)


def test_cifar10h_style_counts_without_item_ids(tmp_path):
    """A CIFAR-10H-style counts table: 10 class columns, ~51 votes per image,
    no id column (items are numbered by row)."""
    classes = [
        "airplane",
        "automobile",
        "bird",
        "cat",
        "deer",
        "dog",
        "frog",
        "horse",
        "ship",
        "truck",
    ]
    rng = np.random.default_rng(2)
    truth = rng.integers(0, 10, 300)
    probs = np.full((300, 10), 0.02)
    probs[np.arange(300), truth] = 0.82
    counts = np.array([rng.multinomial(rng.integers(47, 56), p) for p in probs])
    pd.DataFrame(counts, columns=classes).to_csv(tmp_path / "cifar10h-counts.csv", index=False)
    ann = ra.load_ratings(tmp_path / "cifar10h-counts.csv")
    assert _layout(ann) == "counts"
    assert ann.anonymous and ann.categories() == tuple(classes)
    assert ann.n_items == 300 and ann.item_ids[:3] == ("1", "2", "3")
    np.testing.assert_array_equal(ann.counts(), counts)
    equal = counts[counts.sum(1) == 51]
    sub = ann.select(items=np.asarray(ann.item_ids)[counts.sum(1) == 51])
    assert _fleiss(sub) == pytest.approx(fleiss_kappa(equal), abs=1e-12)


def test_anonymous_ratings_need_the_flag(tmp_path):
    """EmoBank-style ratings: one row per rating of V, A, D, no annotator column."""
    rng = np.random.default_rng(3)
    rows = [
        (f"s{i}", *(str(v) for v in rng.integers(1, 6, 3))) for i in range(30) for _ in range(5)
    ]
    path = tmp_path / "reader.csv"
    pd.DataFrame(rows, columns=["id", "V", "A", "D"]).to_csv(path, index=False)
    with pytest.raises(InputError, match="--anonymous"):
        ra.load_ratings(path)
    ann = ra.load_ratings(path, anonymous=True)
    assert ann.anonymous
    assert ann.schemes == ("V", "A", "D")
    assert ann.n_items == 30 and ann.n_ratings == 150
    assert ann.ledger.summary().count("annotators: unknown") == 1


def test_anonymous_flag_at_the_cli(tmp_path):
    path = tmp_path / "reader.csv"
    path.write_text("id,V\ns1,3\ns1,4\ns2,2\ns2,2\n")
    fail = subprocess.run(
        [sys.executable, "-m", "raer_agreement", "validate", str(path)],
        capture_output=True,
        text=True,
    )
    assert fail.returncode == 2
    assert len(fail.stderr.strip().splitlines()) == 1 and "--anonymous" in fail.stderr
    ok = subprocess.run(
        [sys.executable, "-m", "raer_agreement", "validate", str(path), "--anonymous"],
        capture_output=True,
        text=True,
    )
    assert ok.returncode == 0, ok.stderr
    assert "annotators: unknown" in ok.stdout


def test_goemotions_one_hot_columns(tmp_path):
    """GoEmotions' goemotions_*.csv: one row per (comment, rater), one 0/1 column per emotion."""
    emotions = ["admiration", "amusement", "anger", "neutral"]
    rows = []
    rng = np.random.default_rng(4)
    for i in range(20):
        for r in range(3):
            hot = rng.integers(0, 2, len(emotions))
            rows.append(
                [
                    f"text {i}",
                    f"e{i}",
                    "author",
                    "sub",
                    f"t3_{i}",
                    f"t1_{i}",
                    "1.5e9",
                    str(r),
                    "False",
                    *map(str, hot),
                ]
            )
    cols = [
        "text",
        "id",
        "author",
        "subreddit",
        "link_id",
        "parent_id",
        "created_utc",
        "rater_id",
        "example_very_unclear",
        *emotions,
    ]
    path = tmp_path / "goemotions_1.csv"
    pd.DataFrame(rows, columns=cols).to_csv(path, index=False)
    ann = ra.load_ratings(path)
    assert set(ann.schemes) == set(emotions)
    assert ann.n_items == 20 and ann.n_annotators == 3 and ann.n_ratings == 60
    assert any("one binary scheme per label" in n for n in ann.ledger.notes)
    for e in emotions:
        assert ann.categories(e) == ("0", "1")


def test_figure_eight_full_report(tmp_path):
    """A Figure Eight / Appen full report: _unit_id, _worker_id, _tainted,
    _golden, the answer field and its <field>_gold twin."""
    header = [
        "_unit_id",
        "_created_at",
        "_golden",
        "_id",
        "_missed",
        "_started_at",
        "_tainted",
        "_channel",
        "_trust",
        "_worker_id",
        "_country",
        "sentiment",
        "sentiment_gold",
        "text",
    ]
    rows = [
        ["u1", "t", "false", "1", "", "t", "false", "c", "0.9", "w1", "US", "pos", "", "a"],
        ["u1", "t", "false", "2", "", "t", "false", "c", "0.8", "w2", "US", "pos", "", "a"],
        ["u1", "t", "false", "3", "", "t", "true", "c", "0.2", "w3", "US", "neg", "", "a"],
        ["u2", "t", "true", "4", "", "t", "false", "c", "0.9", "w1", "US", "neg", "neg", "b"],
        ["u2", "t", "true", "5", "", "t", "false", "c", "0.8", "w2", "US", "neg", "neg", "b"],
    ]
    path = tmp_path / "f8_report.csv"
    pd.DataFrame(rows, columns=header).to_csv(path, index=False)
    ann = ra.load_ratings(path)
    assert _layout(ann) == "appen"
    assert ann.n_ratings == 4 and ann.n_annotators == 2
    assert ann.ledger.dropped_by_reason == {"tainted_judgment": 1}
    assert ann.items.loc["u2", "gold"] == "neg"


def test_mturk_one_hot_answers(tmp_path):
    """MTurk's crowd-classifier template writes one boolean column per option."""
    header = "HITId,WorkerId,AssignmentStatus,Input.text,Answer.sentiment.negative,Answer.sentiment.neutral,Answer.sentiment.positive"
    rows = [
        "H1,W1,Approved,good,false,false,true",
        "H1,W2,Approved,good,false,true,false",
        "H2,W1,Approved,bad,true,false,false",
        "H2,W3,Rejected,bad,false,false,true",
    ]
    path = tmp_path / "batch.csv"
    path.write_text("\n".join([header, *rows]) + "\n")
    ann = ra.load_ratings(path)
    long = ann.to_long().sort_values(["item_id", "annotator_id"])
    assert list(long["label"].astype(str)) == ["negative", "positive", "neutral"]
    assert ann.ledger.dropped_by_reason == {"rejected_assignment": 1}


def test_non_utf8_export_is_refused_with_the_choices(tmp_path):
    """A Mac-era MTurk batch decodes only as mac_roman: one line names the line
    and what each candidate encoding would read; with it, no mojibake."""
    header = "HITId,WorkerId,AssignmentStatus,Input.text,Answer.label\n"
    path = tmp_path / "batch.csv"
    path.write_bytes(
        (header + "H1,W1,Submitted,x,caf\u00e9\nH1,W2,Submitted,x,th\u00e9\n").encode("mac_roman")
    )
    with pytest.raises(InputError) as e:
        ra.load_ratings(path)
    msg = str(e.value)
    assert "line 2" in msg and "--encoding mac_roman reads 'café'" in msg
    ann = ra.load_ratings(path, encoding="mac_roman")
    assert set(ann.categories()) == {"café", "thé"}


def test_ambiguous_whole_numbers_are_refused(tmp_path):
    """Whole numbers with near-constant row sums but no zeros could be counts or
    annotators' numeric labels: the loader names both flags."""
    rng = np.random.default_rng(5)
    vals = rng.integers(3, 5, size=(30, 4))
    df = pd.DataFrame(vals, columns=["r1", "r2", "r3", "r4"])
    df.insert(0, "clip", [f"c{i}" for i in range(30)])
    df.to_csv(tmp_path / "t.csv", index=False)
    with pytest.raises(InputError, match="--format counts or --format wide"):
        ra.load_ratings(tmp_path / "t.csv")
    assert ra.load_ratings(tmp_path / "t.csv", format="wide").n_annotators == 4
    assert ra.load_ratings(tmp_path / "t.csv", format="counts").anonymous


def test_mturk_comment_box_is_not_a_label(tmp_path):
    """Templates often add an optional free-text comment beside the answer."""
    rows = ["HITId,WorkerId,AssignmentStatus,Input.img,Answer.emotion,Answer.comment"]
    for i in range(30):
        rows.append(
            f"H{i},W{i % 3},Approved,img{i}.jpg,{'happy' if i % 2 else 'sad'},note number {i}"
        )
    path = tmp_path / "batch.csv"
    path.write_text("\n".join(rows) + "\n")
    ann = ra.load_ratings(path)
    assert ann.schemes == ("label",)
    assert set(ann.categories()) == {"happy", "sad"}
    assert any("Answer.comment ignored" in n for n in ann.ledger.notes)


def _cifar10h_raw(tmp_path, columns):
    """A CIFAR-10H ``cifar10h-raw.csv``-style table: one row per (image, annotator),
    the answer in ``chosen_label`` / ``chosen_category`` beside the true class and two
    0/1 bookkeeping columns (Peterson et al. 2019, github.com/jcpeterson/cifar-10h)."""
    classes = ["airplane", "automobile", "bird", "cat", "deer"]
    rng = np.random.default_rng(6)
    rows = []
    for image in range(40):
        truth = image % len(classes)
        for annotator in range(4):
            chosen = truth if rng.random() < 0.8 else int(rng.integers(len(classes)))
            rows.append(
                {
                    "annotator_id": annotator,
                    "cifar10_test_test_idx": image,
                    "true_label": truth,
                    "true_category": classes[truth],
                    "chosen_label": chosen,
                    "chosen_category": classes[chosen],
                    "correct_guess": int(chosen == truth),
                    "is_attn_check": 0 if image else 1,
                }
            )
    path = tmp_path / "cifar10h-raw.csv"
    pd.DataFrame(rows)[columns].to_csv(path, index=False)
    return path


def test_several_label_like_columns_are_refused_with_the_flag(tmp_path):
    """Two 0/1 bookkeeping columns are not a multi-label answer when columns named
    as labels sit beside them: the loader names the candidates and --label-col."""
    columns = [
        "annotator_id",
        "cifar10_test_test_idx",
        "true_label",
        "true_category",
        "chosen_label",
        "chosen_category",
        "correct_guess",
        "is_attn_check",
    ]
    path = _cifar10h_raw(tmp_path, columns)
    opts = {"item_col": "cifar10_test_test_idx"}
    with pytest.raises(InputError, match="chosen_label, chosen_category.*--label-col") as err:
        ra.load_ratings(path, **opts)
    assert "\n" not in str(err.value)
    ann = ra.load_ratings(path, label_cols=["chosen_category=label"], **opts)
    assert ann.n_ratings == 160 and ann.n_items == 40 and ann.n_annotators == 4
    assert ann.schemes == ("label",)


def test_the_one_column_named_as_a_label_is_taken_with_a_note(tmp_path):
    path = _cifar10h_raw(
        tmp_path, ["annotator_id", "cifar10_test_test_idx", "chosen_category", "correct_guess"]
    )
    ann = ra.load_ratings(path, item_col="cifar10_test_test_idx")
    assert ann.schemes == ("chosen_category",)
    assert set(ann.categories("chosen_category")) <= {
        "airplane",
        "automobile",
        "bird",
        "cat",
        "deer",
    }
    assert any("label column 'chosen_category'" in n for n in ann.ledger.notes)


def test_reliability_literature_column_names(tmp_path):
    """Krippendorff's (2011) words for long data: units, coders and values. His
    worked example read from such a file gives his published nominal alpha."""
    from metric_cases import KRIPPENDORFF_2011, KRIPPENDORFF_2011_ALPHA

    rows = [
        f"{unit + 1},{'ABCD'[coder]},{value}"
        for coder, values in enumerate(KRIPPENDORFF_2011)
        for unit, value in enumerate(values)
        if value is not None
    ]
    path = tmp_path / "reliability_data.csv"
    path.write_text("unit,coder,value\n" + "\n".join(rows) + "\n")
    ann = ra.load_ratings(path)
    assert ann.n_items == 12 and ann.n_annotators == 4 and ann.n_ratings == len(rows)
    t = agreement_table(ann, n_boot=0, coefficients=["krippendorff_alpha"])
    alpha = float(t.set_index("coefficient").loc["krippendorff_alpha", "estimate"])
    assert alpha == pytest.approx(KRIPPENDORFF_2011_ALPHA["nominal"], abs=1e-12)


def _label_studio_csv(tmp_path, extra=None):
    """Label Studio's CSV export (label-studio-converter ``csv``): one row per
    annotation, the answer in a column named after the control (``sentiment``)."""
    rng = np.random.default_rng(7)
    rows = []
    for task in range(1, 41):
        for annotator in (1, 2, 3):
            row = {
                "annotation_id": len(rows) + 1,
                "annotator": annotator,
                "created_at": "2024-01-01T10:00:00.000Z",
                "id": task,
                "lead_time": round(float(rng.random()) * 10, 3),
                "sentiment": ["Positive", "Negative", "Neutral"][int(rng.integers(3))],
                "text": f"text of task {task}, with a comma",
                "updated_at": "2024-01-01T10:00:00.000Z",
            }
            if extra:
                row[extra] = ["yes", "no"][int(rng.integers(2))]
            rows.append(row)
    path = tmp_path / "project-1-at-2024.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_label_studio_csv_answer_named_after_the_control(tmp_path):
    """The only column whose few values differ between one task's annotations is
    the answer; the task's text and timestamps do not differ."""
    ann = ra.load_ratings(_label_studio_csv(tmp_path))
    assert ann.schemes == ("sentiment",)
    assert ann.n_ratings == 120 and ann.n_items == 40 and ann.n_annotators == 3
    assert set(ann.categories("sentiment")) == {"Positive", "Negative", "Neutral"}
    assert any("label column 'sentiment'" in n for n in ann.ledger.notes)


def test_two_varying_answer_columns_are_refused_with_the_flag(tmp_path):
    path = _label_studio_csv(tmp_path, extra="sarcasm")
    with pytest.raises(InputError, match=r"\(sentiment, sarcasm\).*--label-col"):
        ra.load_ratings(path)
    ann = ra.load_ratings(path, label_cols=["sentiment", "sarcasm"])
    assert set(ann.schemes) == {"sentiment", "sarcasm"}


def _mturk_emotions(tmp_path, second_label="Enjoyment"):
    rows = ["HITId,WorkerId,AssignmentStatus,Input.video,Answer.emotion,Answer.comment"]
    labels = ["Neutrality", second_label, "Fatigue", "Fatigue"]
    for i, label in enumerate(labels):
        rows.append(f"H{i // 2},W{i % 2},Approved,clip{i // 2}.mp4,{label},ok {i}")
    rows.append("H9,W7,Rejected,clip9.mp4,Confusion,late")
    path = tmp_path / "Batch_1_batch_results.csv"
    path.write_text("\n".join(rows) + "\n")
    return path


def test_platform_readers_take_the_columns_the_user_names(tmp_path):
    """--label-col COL=SCHEME on an MTurk batch: the answer is read into the
    taxonomy's scheme (and checked against it); rejected assignments still go to
    the ledger; --item-col and --annotator-col replace the reader's picks."""
    path = _mturk_emotions(tmp_path)
    ann = ra.load_ratings(path, label_cols={"Answer.emotion": "coarse"})
    assert ann.schemes == ("coarse",)
    assert ann.categories("coarse") == ra.default_taxonomy()["coarse"].categories
    assert ann.n_ratings == 4 and ann.n_items == 2
    assert ann.ledger.dropped_by_reason == {"rejected_assignment": 1}
    by_hit = ra.load_ratings(path, item_col="HITId", label_cols=["Answer.emotion"])
    assert by_hit.schemes == ("emotion",) and by_hit.n_items == 2
    with pytest.raises(InputError, match="Enjoyement"):
        ra.load_ratings(
            _mturk_emotions(tmp_path, "Enjoyement"), label_cols={"Answer.emotion": "coarse"}
        )
    with pytest.raises(InputError, match="'Answer.nope': no such column"):
        ra.load_ratings(path, label_cols=["Answer.nope"])


def _prodigy_choice(tmp_path, multiple: bool):
    """Prodigy ``db-out`` of a ``choice`` recipe (prodi.gy/docs/api-interfaces#choice):
    the task's ``options`` and the annotator's ``accept`` list of option ids."""
    import json

    records = []
    for i in range(12):
        for who in ("alex", "sam"):
            accept = ["B"] if i % 3 else ["A"]
            if who == "sam" and i % 4 == 0:
                # items 0, 4, 8: sam adds A (multiple) or differs from alex (single)
                accept = ["A", "B"] if multiple else (["A"] if i % 3 else ["B"])
            records.append(
                {
                    "text": f"text {i}",
                    "options": [{"id": o, "text": o} for o in ("A", "B", "C")],
                    "_input_hash": 1000 + i,
                    "_task_hash": 2000 + i,
                    "accept": accept,
                    "answer": "accept",
                    "_annotator_id": f"choice-{who}",
                    "_session_id": f"choice-{who}",
                }
            )
    path = tmp_path / "choice.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    return path


def test_prodigy_options_are_the_declared_categories(tmp_path):
    """Option C is never chosen but is one of the task's options: it counts in q
    (Brennan-Prediger's chance agreement is 1/q = 1/3, not 1/2)."""
    ann = ra.load_ratings(_prodigy_choice(tmp_path, multiple=False))
    assert ann.categories() == ("A", "B", "C")
    t = agreement_table(ann, n_boot=0, coefficients=["percent_agreement", "brennan_prediger"])
    est = t.set_index("coefficient")["estimate"]
    pa = 9 / 12  # the two agree on 9 of 12 items (all but 0, 4 and 8)
    assert est["percent_agreement"] == pytest.approx(pa)
    assert est["brennan_prediger"] == pytest.approx((pa - 1 / 3) / (1 - 1 / 3))


def test_prodigy_multiple_choice_is_multi_label(tmp_path):
    """An answer accepting two options makes the task multi-label: one 0/1 scheme
    per option, every answer kept (none dropped as an error)."""
    ann = ra.load_ratings(_prodigy_choice(tmp_path, multiple=True))
    assert set(ann.schemes) == {"A", "B", "C"}
    assert ann.n_ratings == 24 and ann.ledger.rows_dropped == 0
    long = ann.to_long().set_index(["item_id", "annotator_id"])
    assert long.loc[("1000", "choice-sam"), ["A", "B", "C"]].tolist() == ["1", "1", "0"]
    assert long.loc[("1001", "choice-alex"), ["A", "B", "C"]].tolist() == ["0", "1", "0"]


def test_spreadsheet_workbooks_are_refused_with_what_to_do(tmp_path):
    """An .xlsx is a zip archive: one line says to export CSV, never a parse of
    its bytes as a table (which reported 'no data rows')."""
    import zipfile

    for name in ("ratings.xlsx", "ratings.csv"):  # the signature decides, not only the name
        path = tmp_path / name
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("xl/workbook.xml", "<workbook/>")
        with pytest.raises(InputError, match="spreadsheet workbook.*export the sheet as CSV"):
            ra.load_ratings(path)


def test_label_studio_json_min_export(tmp_path):
    """Label Studio's JSON-MIN export: a JSON list of flat records, one per
    annotation, the answer named after the control."""
    import json

    path = _label_studio_csv(tmp_path)
    records = pd.read_csv(path).to_dict("records")
    json_min = tmp_path / "project-1-at-2024-min.json"
    json_min.write_text(json.dumps(records))
    ann = ra.load_ratings(json_min)
    assert ann.schemes == ("sentiment",)
    assert ann.n_ratings == 120 and ann.n_items == 40 and ann.n_annotators == 3
    assert "layout: long (JSON records: one object per rating)" in ann.ledger.notes


def test_counts_with_few_zeros_under_category_headers(tmp_path):
    """Ten votes over four emotions, written as R writes numbers (``3.0``): few
    cells are 0, but the headers are category words and the sums constant. The
    Fleiss kappa of the read table is statsmodels' on the same counts."""
    rng = np.random.default_rng(8)
    counts = rng.multinomial(10, [0.1, 0.3, 0.3, 0.3], size=200)
    assert 0.05 <= (counts == 0).mean() < 0.25  # the case the sparse rule misses
    cols = ["neutral", "happiness", "sadness", "anger"]
    table = pd.DataFrame(counts.astype(float), columns=cols)
    table.insert(0, "image", [f"img{i}.png" for i in range(200)])
    table.to_csv(tmp_path / "votes.csv", index=False)
    ann = ra.load_ratings(tmp_path / "votes.csv")
    assert _layout(ann) == "counts" and ann.anonymous
    assert ann.categories() == tuple(cols) and ann.n_ratings == 2000
    assert _fleiss(ann) == pytest.approx(fleiss_kappa(counts), abs=1e-12)


@pytest.mark.parametrize("names", [["alice", "bob", "carol", "dave"], ["r1", "r2", "r3", "r4"]])
def test_numeric_labels_of_named_annotators_stay_ambiguous(tmp_path, names):
    """Likert answers 3-5 of four annotators sum to a nearly constant total too;
    with no zero cell (first case) or annotator-like headers (second, zeros
    included) the loader still asks instead of reading them as vote counts."""
    rng = np.random.default_rng(9)
    vals = rng.integers(3, 5, size=(40, 4))
    if names[0] == "r1":
        vals[rng.random(vals.shape) < 0.1] = 0  # a 0-4 scale: some zeros
    df = pd.DataFrame(vals, columns=names)
    df.insert(0, "clip", [f"c{i}" for i in range(40)])
    df.to_csv(tmp_path / "t.csv", index=False)
    with pytest.raises(InputError, match="--format counts or --format wide"):
        ra.load_ratings(tmp_path / "t.csv")
