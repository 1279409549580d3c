"""Lists in cells and multi-select answers: counts known by construction."""

from __future__ import annotations

import json

import numpy as np
import pytest

from raer_agreement.errors import InputError
from raer_agreement.io import load_ratings
from raer_agreement.io.containers import parse_cell


def _jsonl(tmp_path, records):
    p = tmp_path / "items.jsonl"
    p.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return p


def _parallel_records(n_items=30, seed=0):
    """One object per item with parallel worker/answer arrays; returns the records and the
    truth (ratings, items, annotators) counted while building them."""
    rng = np.random.default_rng(seed)
    records, ratings, workers = [], 0, set()
    for i in range(n_items):
        who = rng.choice([f"w{k}" for k in range(8)], size=int(rng.integers(2, 6)), replace=False)
        what = [str(rng.choice(["pos", "neg", "neutral"])) for _ in who]
        records.append(
            {"id": f"t{i}", "text": "x" * 50, "worker_ids": who.tolist(), "annotations": what}
        )
        ratings += len(who)
        workers.update(who.tolist())
    return records, ratings, n_items, len(workers)


FLAGS = dict(item_col="id", annotator_col="worker_ids", label_cols=["annotations"])


def test_parallel_json_arrays_one_rating_per_element(tmp_path):
    records, n, n_items, n_ann = _parallel_records()
    ann = load_ratings(_jsonl(tmp_path, records), **FLAGS)
    assert (ann.n_ratings, ann.n_items, ann.n_annotators) == (n, n_items, n_ann)
    # the first item's pairs, in order
    first = [(a, lab) for a, lab in zip(records[0]["worker_ids"], records[0]["annotations"])]
    got = ann.to_long()
    got = got[got["item_id"] == "t0"]
    assert sorted(zip(got["annotator_id"], got["annotations"])) == sorted(first)


def test_empty_element_is_a_ledger_entry_and_empty_row_too(tmp_path):
    records = [
        {"id": "a", "worker_ids": ["w1", "w2", "w3"], "annotations": ["x", None, "y"]},
        {"id": "b", "worker_ids": ["w1", "w2"], "annotations": ["x", "x"]},
        {"id": "c", "worker_ids": [], "annotations": []},
    ]
    ann = load_ratings(_jsonl(tmp_path, records), **FLAGS)
    assert ann.n_ratings == 4
    reasons = {e.reason: e.count for e in ann.ledger.entries}
    assert reasons == {"missing_label": 1, "empty_lists": 1}
    assert ann.ledger.rows_read == 6  # 5 elements + 1 row without any


def test_unequal_lengths_refused_with_the_row(tmp_path):
    records = [
        {"id": "a", "worker_ids": ["w1", "w2"], "annotations": ["x", "y"]},
        {"id": "b", "worker_ids": ["w1", "w2", "w3"], "annotations": ["x", "y"]},
    ]
    with pytest.raises(InputError) as e:
        load_ratings(_jsonl(tmp_path, records), **FLAGS)
    msg = str(e.value)
    assert "line 2" in msg and "3 elements" in msg and "2 elements" in msg
    assert len(msg) <= 300 and "\n" not in msg


def test_python_literal_lists_in_csv_cells(tmp_path):
    p = tmp_path / "lit.csv"
    p.write_text(
        "sample_id,text,annotations,anon_annotators\n"
        "s1,hello,\"[['age'], ['age'], []]\",\"['a77', 'a78', 'a79']\"\n"
        "s2,world,\"[['gender'], ['age'], ['gender']]\",\"['a77', 'a78', 'a80']\"\n"
        "s3,x,\"[[], ['age']]\",\"['a79', 'a80']\"\n",
        encoding="utf-8",
    )
    ann = load_ratings(
        p, item_col="sample_id", annotator_col="anon_annotators", label_cols=["annotations"]
    )
    # 8 elements, 2 empty: 6 ratings; a77 a78 a80 rated (a79's two are empty)
    assert (ann.n_ratings, ann.n_items, ann.n_annotators) == (6, 3, 3)
    assert list(ann.categories("annotations")) == ["age", "gender"]
    assert ann.ledger.rows_read == 8


def test_list_answers_with_several_options_are_multi_label(tmp_path):
    records = [
        {"id": "a", "worker_ids": ["w1", "w2"], "annotations": [["age", "sex"], ["age"]]},
        {"id": "b", "worker_ids": ["w1", "w2"], "annotations": [["sex"], []]},
    ]
    ann = load_ratings(_jsonl(tmp_path, records), **FLAGS)
    assert set(ann.schemes) == {"age", "sex"}
    assert ann.n_ratings == 3
    long = ann.to_long().sort_values(["item_id", "annotator_id"])
    assert long["age"].tolist() == ["1", "1", "0"]
    assert long["sex"].tolist() == ["1", "0", "1"]


def _figure_eight(tmp_path):
    p = tmp_path / "f8.csv"
    p.write_text(
        "_unit_id,_worker_id,_tainted,relation,relation_gold\n"
        'u1,w1,false,"CAUSES\nTREATS",\n'
        "u1,w2,false,NONE,\n"
        "u1,w3,false,CAUSES,\n"
        "u2,w1,false,NONE,\n"
        'u2,w2,false,"TREATS\nNONE",\n'
        "u2,w3,false,,\n",
        encoding="utf-8",
    )
    return p


def test_newline_multi_select_keeps_none_as_a_class(tmp_path):
    ann = load_ratings(_figure_eight(tmp_path))
    assert set(ann.schemes) == {"CAUSES", "NONE", "TREATS"}
    assert ann.n_ratings == 5  # the empty cell is the only missing answer
    long = ann.to_long().sort_values(["item_id", "annotator_id"])
    assert long["NONE"].tolist() == ["0", "1", "0", "1", "1"]
    assert long["CAUSES"].tolist() == ["1", "0", "1", "0", "0"]


def test_multi_sep_splits_cells(tmp_path):
    p = tmp_path / "semi.csv"
    p.write_text("item,annotator,label\ni1,r1,a;b\ni1,r2,a\ni2,r1,b\ni2,r2,c;a\n", encoding="utf-8")
    ann = load_ratings(p, multi_sep=";")
    assert set(ann.schemes) == {"a", "b", "c"}
    assert ann.n_ratings == 4
    # without the flag, labels that join other labels are multi-select answers
    # or labels of their own: refused naming the flag that settles it
    with pytest.raises(InputError, match="--multi-sep ';'") as e:
        load_ratings(p)
    assert len(str(e.value)) <= 300 and "\n" not in str(e.value)
    declared = load_ratings(p, categories={"label": ["a", "b", "a;b", "c;a"]})
    assert set(declared.categories("label")) == {"a;b", "a", "b", "c;a"}


def test_list_of_item_ids_and_objects_refused_in_one_line(tmp_path):
    records = [{"id": ["a", "b"], "worker_ids": ["w1"], "annotations": ["x"]}]
    with pytest.raises(InputError, match="item id is a list"):
        load_ratings(_jsonl(tmp_path, records), **FLAGS)
    records = [{"id": "a", "worker_ids": "w1", "annotations": {"label": "x" * 500}}]
    with pytest.raises(InputError) as e:
        load_ratings(_jsonl(tmp_path, records), **FLAGS)
    assert "JSON object" in str(e.value) and len(str(e.value)) <= 300 and "…" in str(e.value)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("['a', 'b']", ["a", "b"]),
        ("[1, null]", [1, None]),
        ("[laughs]", None),
        ("(neutral)", None),
        ("('x',)", ("x",)),
        ("plain", None),
    ],
)
def test_parse_cell(text, expected):
    assert parse_cell(text) == expected


def _ls_task(tid, answers, kind="taxonomy"):
    anns = []
    for who, picked in answers:
        key = "taxonomy" if kind == "taxonomy" else "choices"
        anns.append(
            {
                "completed_by": who,
                "result": [
                    {"type": kind, "from_name": kind, "to_name": "text", "value": {key: picked}}
                ],
            }
        )
    return {"id": tid, "data": {"text": "t"}, "annotations": anns}


def test_labelstudio_taxonomy_paths_are_labels(tmp_path):
    tasks = [
        _ls_task(1, [(1, [["Eukarya", "Human"]]), (2, [["Archaea"]])]),
        _ls_task(2, [(1, [["Eukarya", "Human"]]), (2, [["Eukarya", "Opossum"]])]),
    ]
    p = tmp_path / "ls.json"
    p.write_text(json.dumps(tasks), encoding="utf-8")
    ann = load_ratings(p)
    assert (ann.n_ratings, ann.n_items, ann.n_annotators) == (4, 2, 2)
    assert list(ann.categories("label")) == ["Archaea", "Eukarya/Human", "Eukarya/Opossum"]


def test_labelstudio_several_choices_are_multi_label(tmp_path):
    tasks = [
        _ls_task(1, [(1, ["a", "b"]), (2, ["a"])], kind="choices"),
        _ls_task(2, [(1, ["b"]), (2, [])], kind="choices"),
    ]
    p = tmp_path / "ls.json"
    p.write_text(json.dumps(tasks), encoding="utf-8")
    ann = load_ratings(p)
    assert set(ann.schemes) == {"a", "b"}
    long = ann.to_long().sort_values(["item_id", "annotator_id"])
    assert long["a"].tolist() == ["1", "1", "0"] and long["b"].tolist() == ["1", "0", "1"]


def test_annotator_lists_beside_a_scalar_label_refused(tmp_path):
    records = [{"id": "a", "worker_ids": ["w1", "w2"], "annotations": "x"}]
    with pytest.raises(InputError) as e:
        load_ratings(_jsonl(tmp_path, records), **FLAGS)
    assert "holds no list" in str(e.value) and "line 1" in str(e.value)


def test_cli_multi_sep(tmp_path, capsys):
    from raer_agreement.cli import main

    p = tmp_path / "semi.csv"
    p.write_text("item,annotator,label\ni1,r1,a;b\ni1,r2,a\ni2,r1,b\ni2,r2,NONE\n")
    assert main(["validate", str(p), "--multi-sep", ";", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert sorted(out["schemes"]) == ["NONE", "a", "b"]
    assert out["ledger"]["rows_read"] == 4
