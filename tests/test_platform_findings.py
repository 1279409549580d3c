"""Platform exports from a user test: each read right, or refused in one line.

The files are built here in each platform's layout, so the counts (items,
annotators, ratings, categories) are known by construction:

* MTurk batch results with a free-text ``Answer.comments`` beside the answer,
  and with one-hot ``Answer.<option>.on`` radio buttons;
* Prodigy's binary view (``answer`` accept/reject/ignore, no choices);
* JSON Lines told by their content whatever the extension (``.manifest``,
  ``.txt``, ``.json``), and SageMaker Ground Truth's output manifest refused;
* a Figure Eight / Appen aggregated report refused.
"""

from __future__ import annotations

import json

import krippendorff
import numpy as np
import pandas as pd
import pytest

import raer_agreement as ra
from raer_agreement.errors import MAX_MESSAGE, InputError
from raer_agreement.metrics import agreement_table

OPTIONS = ["positive", "negative", "neutral"]


def _votes(n_items=12, per_item=3, n_workers=6, seed=0):
    """(item, worker, label) triples: each item rated by ``per_item`` distinct workers."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n_items):
        truth = OPTIONS[i % 3]
        for w in rng.choice(n_workers, per_item, replace=False):
            lab = truth if rng.random() < 0.7 else str(rng.choice(OPTIONS))
            out.append((f"t{i:03d}", f"W{w}", lab))
    return out


def _mturk(tmp_path, votes, *, answers, name="Batch.csv", status=None):
    """An MTurk batch results file: one row per assignment, ``answers(k, label)``
    gives the ``Answer.*`` fields of row k."""
    rows = []
    for k, (item, worker, lab) in enumerate(votes):
        row = {
            "HITId": f"H{item}",
            "AssignmentId": f"A{k}",
            "WorkerId": worker,
            "AssignmentStatus": (status or {}).get(k, "Approved"),
            "Input.text": item,
        }
        row.update(answers(k, lab))
        rows.append(row)
    path = tmp_path / name
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def _counts(ann, scheme="label"):
    return ann.n_items, ann.n_annotators, ann.n_ratings, tuple(sorted(ann.categories(scheme)))


def _truth(votes):
    items = {v[0] for v in votes}
    workers = {v[1] for v in votes}
    return len(items), len(workers), len(votes), tuple(sorted({v[2] for v in votes}))


def _notes(ann) -> str:
    return " | ".join(ann.ledger.notes)


# --- 1. MTurk: a free-text field beside the answer, one-hot radio buttons ---------


@pytest.mark.parametrize("comment", ["by_name", "by_values"])
def test_mturk_free_text_field_beside_the_answer_is_not_a_label(tmp_path, comment):
    """``Answer.comments`` (a comment box by its name, even with few values) or a
    field whose answers nearly all differ is noted and left out; the one
    categorical answer is the label."""
    votes = _votes(n_items=30)
    if comment == "by_name":
        field, text = "Answer.comments", lambda k: ["", "good hit", "none"][k % 3]
    else:
        field, text = "Answer.why", lambda k: f"because of word {k}"
    path = _mturk(
        tmp_path,
        votes,
        answers=lambda k, lab: {"Answer.sentiment.label": lab, field: text(k)},
    )
    ann = ra.load_ratings(path)
    assert ann.schemes == ("label",)
    assert _counts(ann) == _truth(votes)
    assert f"{field} ignored" in _notes(ann)


@pytest.mark.parametrize("named", ["Answer.sentiment.label", "sentiment"])
def test_mturk_label_col_takes_the_full_or_the_short_name(tmp_path, named):
    votes = _votes()
    path = _mturk(
        tmp_path,
        votes,
        answers=lambda k, lab: {"Answer.sentiment.label": lab, "Answer.comments": "ok"},
    )
    ann = ra.load_ratings(path, label_cols=[named])
    assert ann.schemes == ("sentiment",)
    assert _counts(ann, "sentiment") == _truth(votes)


def test_mturk_two_categorical_answers_are_two_schemes(tmp_path):
    """Two label-like answer fields are both read (the long reader is told the
    schemes), each with its own categories."""
    votes = _votes()
    path = _mturk(
        tmp_path,
        votes,
        answers=lambda k, lab: {
            "Answer.sentiment.label": lab,
            "Answer.topic.label": "sport" if k % 2 else "news",
        },
    )
    ann = ra.load_ratings(path)
    assert ann.schemes == ("sentiment", "topic")
    assert _counts(ann, "sentiment") == _truth(votes)
    assert ann.categories("topic") == ("news", "sport")


def _radios(lab_of_row):
    def answers(k, lab):
        lab = lab_of_row.get(k, lab)
        picked = lab if isinstance(lab, (list, tuple)) else [lab]
        return {f"Answer.{o}.on": o in picked for o in OPTIONS} | {"Answer.comments": ""}

    return answers


def test_mturk_one_hot_radios_are_one_label_and_alpha_matches_krippendorff(tmp_path):
    """``Answer.<option>.on`` True/False, one true per assignment: one categorical
    label, the option whose column is true; rejected assignments are dropped;
    Krippendorff's alpha equals the ``krippendorff`` package on the same matrix."""
    votes = _votes(n_items=40, per_item=4, n_workers=8, seed=3)
    status = {5: "Rejected", 17: "Rejected"}
    path = _mturk(tmp_path, votes, answers=_radios({}), status=status)
    ann = ra.load_ratings(path)
    kept = [v for k, v in enumerate(votes) if k not in status]
    assert ann.schemes == ("label",)
    assert _counts(ann) == _truth(kept)
    assert "one-hot answers Answer.positive.on" in _notes(ann)

    cats = sorted({v[2] for v in kept})
    items = sorted({v[0] for v in kept})
    workers = sorted({v[1] for v in kept})
    matrix = np.full((len(workers), len(items)), np.nan)
    for item, worker, lab in kept:
        matrix[workers.index(worker), items.index(item)] = cats.index(lab)
    expected = krippendorff.alpha(
        reliability_data=matrix, level_of_measurement="nominal", value_domain=range(len(cats))
    )
    with np.errstate(all="ignore"):
        table = agreement_table(ann, n_boot=0, coefficients=["krippendorff_alpha"])
    got = table.set_index("coefficient").loc["krippendorff_alpha", "estimate"]
    assert got == pytest.approx(expected, abs=1e-9)


def test_mturk_radio_row_with_none_true_is_a_missing_rating(tmp_path):
    votes = _votes()
    path = _mturk(tmp_path, votes, answers=_radios({4: []}))
    ann = ra.load_ratings(path)
    assert ann.n_ratings == len(votes) - 1
    assert ann.ledger.rows_dropped == 1
    assert "1 answer(s) with none true are missing ratings" in _notes(ann)


def test_mturk_radio_row_with_two_true_is_refused_naming_its_line(tmp_path):
    """Two true boxes are checkboxes (multi-label): refused on the row's line;
    naming each box with --label-col reads one binary scheme per box."""
    votes = _votes()
    path = _mturk(tmp_path, votes, answers=_radios({6: ["positive", "neutral"]}))
    with pytest.raises(InputError) as e:
        ra.load_ratings(path)
    assert e.value.line == 8  # header, then rows 0..6
    assert "--label-col" in str(e.value) and len(str(e.value)) <= MAX_MESSAGE
    ann = ra.load_ratings(path, label_cols=[f"Answer.{o}.on" for o in OPTIONS])
    assert ann.schemes == tuple(OPTIONS)
    assert ann.categories("positive") == ("False", "True")
    assert ann.n_ratings == len(votes)


# --- 2. Prodigy binary view --------------------------------------------------------


def _prodigy(tmp_path, answers, *, labels=("POSITIVE",), name="db.jsonl"):
    """One record per (item, annotator, answer, label asked)."""
    path = tmp_path / name
    with open(path, "w") as f:
        for item, who, answer, label in answers:
            rec = {
                "text": f"text {item}",
                "label": label,
                "_input_hash": item,
                "_task_hash": hash((item, label)) % 10**6,
                "answer": answer,
                "_view_id": "classification",
                "_annotator_id": who,
            }
            f.write(json.dumps(rec) + "\n")
    return path


def _binary_answers(n_items=20, seed=1, labels=("POSITIVE",)):
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n_items):
        for label in labels:
            for w in rng.choice(6, 3, replace=False):
                out.append(
                    (1000 + i, f"u{w}", str(rng.choice(["accept", "reject", "ignore"])), label)
                )
    return out


@pytest.mark.parametrize("label_cols", [None, ["answer"]])
def test_prodigy_binary_reject_is_a_no_and_ignore_is_missing(tmp_path, label_cols):
    answers = _binary_answers()
    path = _prodigy(tmp_path, answers)
    ann = ra.load_ratings(path, label_cols=label_cols)
    rated = [a for a in answers if a[2] != "ignore"]
    assert ann.schemes == ("label",)
    assert ann.n_ratings == len(rated)
    assert ann.n_items == len({a[0] for a in rated})
    assert ann.n_annotators == len({a[1] for a in rated})
    assert ann.categories("label") == ("accept", "reject")
    assert ann.ledger.dropped_by_reason["answer_ignore"] == len(answers) - len(rated)


def test_prodigy_binary_tasks_asking_several_labels_are_one_scheme_each(tmp_path):
    answers = _binary_answers(labels=("SPORT", "NEWS"))
    ann = ra.load_ratings(_prodigy(tmp_path, answers))
    assert ann.schemes == ("SPORT", "NEWS")
    for lab in ("SPORT", "NEWS"):
        rated = [a for a in answers if a[3] == lab and a[2] != "ignore"]
        assert int((ann.labels[lab] >= 0).sum()) == len(rated)


def test_prodigy_label_col_other_than_answer_or_accept_is_refused(tmp_path):
    path = _prodigy(tmp_path, _binary_answers())
    with pytest.raises(InputError, match="'answer' .* or 'accept'"):
        ra.load_ratings(path, label_cols=["text"])


# --- 3. JSON Lines by content; SageMaker Ground Truth output manifest ---------------


@pytest.mark.parametrize("suffix", [".manifest", ".txt", ".json", ""])
def test_json_lines_are_read_by_content_whatever_the_extension(tmp_path, suffix):
    votes = _votes()
    path = tmp_path / f"export{suffix}"
    path.write_text(
        "\n".join(json.dumps({"item": i, "annotator": w, "label": lab}) for i, w, lab in votes)
        + "\n"
    )
    ann = ra.load_ratings(path)
    assert _counts(ann) == _truth(votes)


def test_one_json_document_in_a_json_file_is_still_a_document(tmp_path):
    """A pretty-printed JSON array (JSON-MIN) is not JSON Lines."""
    votes = _votes()
    path = tmp_path / "min.json"
    recs = [{"item": i, "annotator": w, "label": lab} for i, w, lab in votes]
    path.write_text(json.dumps(recs, indent=2))
    assert _counts(ra.load_ratings(path)) == _truth(votes)


@pytest.mark.parametrize("name", ["output.manifest", "output.jsonl"])
def test_groundtruth_output_manifest_is_refused_saying_why(tmp_path, name):
    path = tmp_path / name
    with open(path, "w") as f:
        for i in range(5):
            f.write(
                json.dumps(
                    {
                        "source": f"Review {i}",
                        "sentiment-job": i % 3,
                        "sentiment-job-metadata": {
                            "confidence": 0.9,
                            "job-name": "labeling-job/sentiment-job",
                            "class-name": OPTIONS[i % 3],
                            "human-annotated": "yes",
                            "type": "groundtruth/text-classification",
                        },
                    }
                )
                + "\n"
            )
    with pytest.raises(InputError) as e:
        ra.load_ratings(path)
    msg = str(e.value)
    assert "Ground Truth output manifest" in msg and "no per-worker labels" in msg
    assert "\n" not in msg and len(msg) <= MAX_MESSAGE


# --- 4. Figure Eight / Appen aggregated report -------------------------------------


def test_appen_aggregated_report_is_refused_asking_for_the_full_report(tmp_path):
    path = tmp_path / "a1234567.csv"
    pd.DataFrame(
        {
            "_unit_id": [1, 2, 3, 4],
            "_golden": ["false"] * 4,
            "_unit_state": ["finalized"] * 4,
            "_trusted_judgments": [5, 5, 4, 5],
            "_last_judgment_at": ["3/2/2020 10:05:00"] * 4,
            "answer": ["yes", "no", "yes", "no"],
            "answer:confidence": [0.8, 0.6, 1.0, 0.7],
        }
    ).to_csv(path, index=False)
    for anonymous in (False, True):
        with pytest.raises(InputError) as e:
            ra.load_ratings(path, anonymous=anonymous)
        msg = str(e.value)
        assert "aggregated report" in msg and "full report" in msg
        assert "--anonymous" not in msg and len(msg) <= MAX_MESSAGE


# --- JSON Lines under a table format, and records in dict cells ---------------------------


def _metadata_lines(path, n=8):
    """JSON Lines with one consolidated record per image (no annotator anywhere)."""
    with open(path, "w") as f:
        for i in range(n):
            meta = {"class-name": OPTIONS[i % 3], "confidence": round(0.5 + i / 40, 3)}
            f.write(json.dumps({"source-ref": f"s3://b/{i}.jpg", "job-metadata": meta}) + "\n")
    return path


@pytest.mark.parametrize("fmt", ["wide", "long", "counts"])
def test_json_lines_under_a_table_format_are_refused(tmp_path, fmt):
    path = _metadata_lines(tmp_path / "out.manifest")
    with pytest.raises(InputError, match="JSON Lines") as e:
        ra.load_ratings(path, format=fmt)
    assert "--format auto" in str(e.value) and len(str(e.value)) <= MAX_MESSAGE


def test_record_fields_in_a_dict_cell_are_not_annotators(tmp_path):
    # {"class-name": "cat", "confidence": 0.9} on every row: two fields of one record,
    # not two annotators (their values share nothing); with the item named it is refused
    path = _metadata_lines(tmp_path / "out.jsonl")
    with pytest.raises(InputError, match="annotator"):
        ra.load_ratings(path, item_col="source-ref")


def test_a_panel_in_dict_cells_still_reads(tmp_path):
    votes = _votes(n_items=10, per_item=3, n_workers=3)
    cells: dict = {}
    for item, worker, label in votes:
        cells.setdefault(item, {})[worker] = label
    path = tmp_path / "panel.jsonl"
    path.write_text(
        "".join(json.dumps({"id": i, "annotations": c}) + "\n" for i, c in cells.items())
    )
    ann = ra.load_ratings(path, item_col="id")
    assert (ann.n_ratings, ann.n_items, ann.n_annotators) == (30, 10, 3)
