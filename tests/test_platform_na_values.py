"""``--na-values`` tokens in platform exports (Label Studio JSON, LeWiDi JSON,
Prodigy JSON Lines): an answer equal to a token is a missing rating, with the
same ledger note as the table readers write.

The exports are generated in their real layouts (as in
``../shared/datasets/real_formats/``); the truth is known by construction and
Krippendorff's alpha comes from the ``krippendorff`` package on the matrix
built here.
"""

from __future__ import annotations

import json

import krippendorff
import numpy as np
import pandas as pd
import pytest

import raer_agreement as ra
from raer_agreement.cli import main
from raer_agreement.errors import InputError
from raer_agreement.io.layouts import labelstudio_to_long
from raer_agreement.io.long import annotations_from_long
from raer_agreement.io.platforms import (
    lewidi_to_long,
    missing_answers,
    missing_values_note,
    prodigy_to_long,
)
from raer_agreement.metrics import agreement_table

CATS = ("neg", "neu", "pos")
WORKERS = ("ann1", "ann2", "ann3", "ann4")


def _votes(token: str, n_items: int = 15, seed: int = 4) -> list:
    """(item, worker, answer): every worker rates every item; about one answer
    in six is ``token`` (padded with spaces on some, as exports have them)."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n_items):
        base = int(rng.integers(len(CATS)))
        for w in WORKERS:
            if rng.random() < 0.17:
                answer = token if rng.random() < 0.5 else f" {token} "
            else:
                answer = CATS[base] if rng.random() < 0.7 else CATS[int(rng.integers(len(CATS)))]
            out.append((f"it{i:02d}", w, answer))
    return out


def _kept(votes, token):
    return [v for v in votes if v[2].strip() != token]


def _alpha(kept) -> float:
    items = sorted({v[0] for v in kept})
    matrix = np.full((len(WORKERS), len(items)), np.nan)
    for item, worker, lab in kept:
        matrix[WORKERS.index(worker), items.index(item)] = CATS.index(lab)
    return krippendorff.alpha(
        reliability_data=matrix, level_of_measurement="nominal", value_domain=range(len(CATS))
    )


def _labelstudio(path, votes):
    tasks = []
    for k, item in enumerate(dict.fromkeys(v[0] for v in votes), start=1):
        anns = [
            {
                "id": 100 * k + j,
                "completed_by": w,
                "was_cancelled": False,
                "result": [
                    {
                        "id": f"r{k}{j}",
                        "type": "choices",
                        "from_name": "sentiment",
                        "to_name": "text",
                        "origin": "manual",
                        "value": {"choices": [lab]},
                    }
                ],
            }
            for j, (i, w, lab) in enumerate(votes)
            if i == item
        ]
        tasks.append({"id": k, "data": {"text": f"text {k}", "clip_id": item}, "annotations": anns})
    path.write_text(json.dumps(tasks, indent=1), encoding="utf-8")
    return path


def _lewidi(path, votes):
    doc = {}
    for k, item in enumerate(dict.fromkeys(v[0] for v in votes), start=1):
        mine = [v for v in votes if v[0] == item]
        doc[item] = {
            "text": f"text {k}",
            "annotation task": "sentiment",
            "number of annotations": len(mine),
            "annotations": ",".join(v[2] for v in mine),
            "annotators": ",".join(v[1] for v in mine),
            "lang": "en",
            "split": "train",
        }
    path.write_text(json.dumps(doc, indent="\t"), encoding="utf-8")
    return path


def _prodigy(path, votes):
    hashes = {item: 1000 + k for k, item in enumerate(dict.fromkeys(v[0] for v in votes))}
    with open(path, "w", encoding="utf-8") as f:
        for item, w, lab in votes:
            rec = {
                "text": f"text of {item}",
                "_input_hash": hashes[item],
                "_task_hash": hashes[item] * 7,
                "options": [{"id": c, "text": c} for c in CATS],
                "_view_id": "choice",
                "config": {"choice_style": "single"},
                "accept": [lab],
                "answer": "accept",
                "_timestamp": 1652787105,
                "_annotator_id": f"job-{w}",
                "_session_id": f"job-{w}",
            }
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
    return path


def _long_csv(path, votes):
    pd.DataFrame(votes, columns=["item", "annotator", "label"]).to_csv(path, index=False)
    return path


def _workers(fmt):
    return {w: (f"job-{w}" if fmt == "prodigy" else w) for w in WORKERS}


def _longform(fmt, path):
    """The platform reader's long form of a generated export."""
    if fmt == "labelstudio":
        return labelstudio_to_long(json.loads(path.read_text()), path=str(path))
    if fmt == "lewidi":
        return lewidi_to_long(json.loads(path.read_text()), str(path))
    records = [json.loads(line) for line in path.read_text().splitlines()]
    return prodigy_to_long(records, np.arange(1, len(records) + 1), str(path))


def _validated(lf, path):
    """The long form validated as the loader validates a platform reading."""
    label_cols = list(lf.categories) if lf.categories else None
    return annotations_from_long(
        lf.frame,
        source=str(path),
        item_col="item",
        annotator_col="annotator",
        label_cols=label_cols,
        categories=lf.categories,
        line_numbers=lf.line_numbers,
        prior_entries=lf.entries,
        prior_notes=lf.notes,
        extra_rows_read=lf.extra_rows_read,
        file_rows=lf.file_rows,
    )


WRITERS = {"labelstudio": _labelstudio, "lewidi": _lewidi, "prodigy": _prodigy}
SUFFIX = {"labelstudio": ".json", "lewidi": ".json", "prodigy": ".jsonl"}


def _alpha_of(ann) -> float:
    with np.errstate(all="ignore"):
        table = agreement_table(ann, n_boot=0, coefficients=["krippendorff_alpha"])
    return float(table.set_index("coefficient").loc["krippendorff_alpha", "estimate"])


@pytest.mark.parametrize("fmt", sorted(WRITERS))
@pytest.mark.parametrize("token", ["?", "n/a", "skip"])
def test_a_token_answer_is_a_missing_rating_and_alpha_matches_krippendorff(fmt, token, tmp_path):
    votes = _votes(token)
    kept = _kept(votes, token)
    assert 0 < len(votes) - len(kept) < len(votes) // 3
    path = WRITERS[fmt](tmp_path / f"export{SUFFIX[fmt]}", votes)
    lf = missing_answers(_longform(fmt, path), [token])
    ann = _validated(lf, path)
    assert ann.n_ratings == len(kept)
    assert ann.n_items == len({v[0] for v in kept})
    assert ann.n_annotators == len({v[1] for v in kept})
    assert ann.ledger.rows_dropped == len(votes) - len(kept)
    assert set(ann.categories("label")) <= set(CATS)
    got = ann.to_long()
    who = {v: k for k, v in _workers(fmt).items()}
    pairs = sorted(zip(got["item_id"].astype(str), got["annotator_id"].map(who)))
    if fmt != "prodigy":  # Prodigy's items are input hashes
        assert pairs == sorted((i, w) for i, w, _ in kept)
    assert _alpha_of(ann) == pytest.approx(_alpha(kept), abs=1e-9)
    note = missing_values_note({token: len(votes) - len(kept)}, [token])
    assert note in ann.ledger.notes


def test_the_note_is_the_one_the_table_readers_write(tmp_path):
    """Same token, same counts: the platform note and the table note are one text."""
    votes = _votes("?")
    table = ra.load_ratings(_long_csv(tmp_path / "long.csv", votes), na_values=["?"])
    lf = missing_answers(_longform("lewidi", _lewidi(tmp_path / "e.json", votes)), ["?"])
    table_note = next(n for n in table.ledger.notes if n.startswith("missing values:"))
    assert table_note == lf.notes[-1]


def test_a_declared_category_is_not_a_token_unless_named():
    frame = pd.DataFrame(
        {"item": ["1", "1", "2"], "annotator": ["a", "b", "a"], "label": ["NA", "x", "?"]},
        dtype=object,
    )
    from raer_agreement.io.longform import LongForm

    lf = LongForm(frame, np.array([1, 2, 3]))
    # NA is a declared category (sodium, say): kept, and no note names it
    assert missing_answers(lf, [], categories=["NA", "x"]) is lf
    named = missing_answers(lf, ["NA", "?"], categories=["NA", "x"])
    assert named.frame["label"].tolist() == [None, "x", None]
    assert "'NA' (1)" in named.notes[-1] and "'?' (1)" in named.notes[-1]


@pytest.mark.parametrize("fmt", sorted(WRITERS))
def test_without_the_flag_a_punctuation_token_is_refused_as_in_a_table(fmt, tmp_path, capsys):
    """'?' without --na-values: refused in one line naming the flag, as the long
    table with the same answers is."""
    votes = _votes("?")
    path = WRITERS[fmt](tmp_path / f"export{SUFFIX[fmt]}", votes)
    table = _long_csv(tmp_path / "long.csv", votes)
    with pytest.raises(InputError) as t:
        ra.load_ratings(table)
    assert "--na-values ?" in str(t.value)
    with pytest.raises(InputError) as e:
        ra.load_ratings(path)
    message = str(e.value)
    assert "\n" not in message and len(message) <= 300
    assert path.name in message and "'?'" in message
    # the table reader's wording names the flag; Prodigy's declared options make it an
    # unknown label instead (refused all the same)
    assert "--na-values ?" in message or "unknown label" in message
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and len(err) <= 300


@pytest.mark.parametrize("fmt", sorted(WRITERS))
def test_without_the_flag_a_pandas_default_token_is_missing_as_in_a_table(fmt, tmp_path):
    """'n/a' is one of pandas' default missing tokens: missing in the table and in
    the export alike, without any flag."""
    votes = _votes("n/a")
    kept = _kept(votes, "n/a")
    path = WRITERS[fmt](tmp_path / f"export{SUFFIX[fmt]}", votes)
    table = ra.load_ratings(_long_csv(tmp_path / "long.csv", votes))
    ann = ra.load_ratings(path)
    assert table.n_ratings == ann.n_ratings == len(kept)
    assert set(ann.categories("label")) <= set(CATS)


@pytest.mark.parametrize("fmt", sorted(WRITERS))
def test_the_command_line_reads_a_token_as_missing(fmt, tmp_path, capsys):
    votes = _votes("?")
    kept = _kept(votes, "?")
    path = WRITERS[fmt](tmp_path / f"export{SUFFIX[fmt]}", votes)
    ann = ra.load_ratings(path, na_values=["?"])
    assert ann.n_ratings == len(kept)
    assert _alpha_of(ann) == pytest.approx(_alpha(kept), abs=1e-9)
