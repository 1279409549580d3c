"""Survey exports (Qualtrics): respondents are annotators, questions items.

The file is written here in the layout of a Qualtrics CSV export (three header
rows: names, question wording, ImportId; the survey's own columns; a preview
response; embedded data; timing and ``_TEXT`` columns), from ratings known by
construction; Krippendorff's alpha is checked against the ``krippendorff``
package on the raters x items matrix.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import raer_agreement as ra
from raer_agreement.errors import InputError
from raer_agreement.metrics import krippendorff_alpha


def _survey(rng, n_respondents=12, n_questions=30):
    truth = rng.integers(0, 3, n_questions)
    noisy = rng.random((n_respondents, n_questions)) < 0.3
    codes = np.where(noisy, rng.integers(0, 3, (n_respondents, n_questions)), truth)
    answers = np.array(["Positive", "Negative", "Neutral"], dtype=object)[codes]
    answers[rng.random(answers.shape) < 0.1] = ""  # skipped questions
    questions = [f"Q{k + 1}" for k in range(n_questions)]
    frame = pd.DataFrame(answers, columns=questions)
    ids = [f"R_{k:03d}x" for k in range(n_respondents)]
    meta = pd.DataFrame(
        {
            "StartDate": "2024-03-01 10:00:00",
            "EndDate": "2024-03-01 10:25:00",
            "Status": "IP Address",
            "Progress": "100",
            "Duration (in seconds)": [str(600 + 7 * k) for k in range(n_respondents)],
            "Finished": "True",
            "ResponseId": ids,
            "PROLIFIC_PID": [f"5f{k:022d}" for k in range(n_respondents)],
            "Q_RecaptchaScore": "0.9",
        }
    )
    extra = pd.DataFrame(
        {
            "Q1_Page Submit": [f"{3 + k}.2" for k in range(n_respondents)],
            "Q31_TEXT": "",
        }
    )
    table = pd.concat([meta, frame, extra], axis=1)
    wording = {c: (f"How does tweet {c[1:]} read?" if c in questions else c) for c in table}
    wording["ResponseId"] = "Response ID"
    import_ids = {c: json.dumps({"ImportId": c}) for c in table}
    preview = {**table.iloc[0].to_dict(), "Status": "Survey Preview", "ResponseId": "R_prev"}
    out = pd.concat([pd.DataFrame([wording, import_ids, preview]), table], ignore_index=True)
    return out, answers, ids, questions


def test_qualtrics_export_reads_respondents_as_annotators(tmp_path):
    krippendorff = pytest.importorskip("krippendorff")
    out, answers, ids, questions = _survey(np.random.default_rng(3))
    path = tmp_path / "survey.csv"
    out.to_csv(path, index=False)
    ann = ra.load_ratings(path)
    filled = answers != ""
    assert (ann.n_ratings, ann.n_items, ann.n_annotators) == (int(filled.sum()), 30, 12)
    assert set(ann.item_ids) == set(questions) and set(ann.annotator_ids) == set(ids)
    reasons = {e.reason: e.count for e in ann.ledger.entries}
    assert reasons == {"survey_header_row": 2, "survey_preview_or_test": 1}
    assert any("PROLIFIC_PID" in n for n in ann.ledger.notes)
    order = {"Negative": 0, "Neutral": 1, "Positive": 2}
    matrix = np.array([[order.get(v, np.nan) for v in row] for row in answers], dtype=float)
    want = krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal")
    got = krippendorff_alpha(ann, "label")["estimate"]
    assert got == pytest.approx(want, abs=5e-4)


def test_qualtrics_respondent_and_questions_can_be_named(tmp_path):
    out, answers, _, _ = _survey(np.random.default_rng(4))
    path = tmp_path / "survey.csv"
    out.to_csv(path, index=False)
    ann = ra.load_ratings(path, annotator_col="PROLIFIC_PID", label_cols=["Q1", "Q2", "Q3"])
    assert ann.n_items == 3 and ann.n_annotators == 12
    assert ann.n_ratings == int((answers[:, :3] != "").sum())
    with pytest.raises(InputError, match="--annotator-col"):
        ra.load_ratings(path, annotator_col="respondent")


def test_a_forms_export_reads_transposed_with_the_respondent_named(tmp_path):
    """A Google Forms sheet: a timestamp, an e-mail, then one column per
    question. The refusals lead to ``--transpose --annotator-col``, and the
    timestamp is then left out as the respondents' attribute."""
    _, answers, ids, questions = _survey(np.random.default_rng(5), n_respondents=8)
    sheet = pd.DataFrame(answers, columns=[f"Tweet {q[1:]}: how does it read?" for q in questions])
    sheet.insert(0, "Email address", [f"{i}@lab.org" for i in ids])
    sheet.insert(0, "Timestamp", [f"2024/03/01 10:{k:02d}:00 AM GMT" for k in range(len(ids))])
    path = tmp_path / "form.csv"
    sheet.to_csv(path, index=False)
    with pytest.raises(InputError, match="--transpose"):
        ra.load_ratings(path)
    with pytest.raises(InputError, match="--annotator-col"):
        ra.load_ratings(path, format="wide", transpose=True)
    ann = ra.load_ratings(path, format="wide", transpose=True, annotator_col="Email address")
    assert (ann.n_ratings, ann.n_items, ann.n_annotators) == (int((answers != "").sum()), 30, 8)
    assert any("Timestamp" in n for n in ann.ledger.notes)
