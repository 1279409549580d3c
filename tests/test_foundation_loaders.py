"""Each loader reads the same ratings back, whatever the layout."""

import json

import numpy as np
import pandas as pd
import pytest

from raer_agreement import InputError, load_ratings, load_taxonomy
from raer_agreement.io import load_clips, parse_clip_path

# a small long table: 3 clips x up to 3 annotators, one missing rating
LONG = pd.DataFrame(
    {
        "clip_id": ["RAER/images/Class/Classroom/Class005/P002/003"] * 3
        + ["RAER/images/SelfStudy/Library/P017/012"] * 2
        + ["RAER/images/SelfStudy/Dormitory/P017/013"] * 3,
        "annotator_id": ["A1", "A2", "A3", "A1", "A3", "A1", "A2", "A3"],
        "coarse": [
            "Fatigue",
            "Fatigue",
            "Neutrality",
            "Distraction",
            "Distraction",
            "Neutrality",
            "Neutrality",
            "Confusion",
        ],
    }
)
# expected votes per clip (Neutrality, Enjoyment, Confusion, Fatigue, Distraction), in id order
EXPECTED = {
    "RAER/images/Class/Classroom/Class005/P002/003": [1, 0, 0, 2, 0],
    "RAER/images/SelfStudy/Dormitory/P017/013": [2, 0, 1, 0, 0],
    "RAER/images/SelfStudy/Library/P017/012": [0, 0, 0, 0, 2],
}


def _check(ann):
    counts = ann.counts_frame("coarse")
    assert list(counts.columns) == [
        "Neutrality",
        "Enjoyment",
        "Confusion",
        "Fatigue",
        "Distraction",
    ]
    assert {i: list(counts.loc[i]) for i in counts.index} == EXPECTED
    assert ann.ledger.rows_used == 8


@pytest.mark.parametrize(
    "suffix,writer",
    [
        (".csv", lambda df, p: df.to_csv(p, index=False)),
        (".tsv", lambda df, p: df.to_csv(p, index=False, sep="\t")),
        (".parquet", lambda df, p: df.to_parquet(p, index=False)),
        (".jsonl", lambda df, p: df.to_json(p, orient="records", lines=True)),
        (".json", lambda df, p: df.to_json(p, orient="records")),
    ],
)
def test_long_layouts(tmp_path, suffix, writer):
    p = tmp_path / f"ratings{suffix}"
    writer(LONG, p)
    _check(load_ratings(p))


def test_codes_instead_of_names(tmp_path):
    codes = {
        "Neutrality": "1",
        "Enjoyment": "2",
        "Confusion": "3",
        "Fatigue": "4",
        "Distraction": "5",
    }
    df = LONG.assign(coarse=LONG["coarse"].map(codes))
    p = tmp_path / "r.csv"
    df.to_csv(p, index=False)
    _check(load_ratings(p))


def test_generic_column_names_with_taxonomy(tmp_path):
    df = LONG.rename(columns={"clip_id": "task", "annotator_id": "worker", "coarse": "answer"})
    p = tmp_path / "r.csv"
    df.to_csv(p, index=False)
    from raer_agreement import default_taxonomy

    _check(load_ratings(p, taxonomy=default_taxonomy()))
    # explicit columns override the guess
    df2 = LONG.rename(columns={"clip_id": "video_path", "annotator_id": "who", "coarse": "emo"})
    df2.to_csv(p, index=False)
    _check(
        load_ratings(
            p,
            item_col="video_path",
            annotator_col="who",
            label_cols=["emo=coarse"],
            taxonomy=default_taxonomy(),
        )
    )


def test_wide_layout(tmp_path):
    wide = LONG.pivot(index="clip_id", columns="annotator_id", values="coarse").reset_index()
    p = tmp_path / "wide.csv"
    wide.to_csv(p, index=False)
    ann = load_ratings(
        p, format="wide", label_cols=["label=coarse"], taxonomy=load_taxonomy_default()
    )
    _check(ann)
    assert ann.annotator_ids == ("A1", "A2", "A3")


def load_taxonomy_default():
    from raer_agreement import default_taxonomy

    return default_taxonomy()


def test_counts_layout(tmp_path):
    rows = [
        {
            "clip_id": k,
            **dict(zip(["Neutrality", "Enjoyment", "Confusion", "Fatigue", "Distraction"], v)),
        }
        for k, v in EXPECTED.items()
    ]
    p = tmp_path / "counts.csv"
    pd.DataFrame(rows).to_csv(p, index=False)
    ann = load_ratings(p, taxonomy=load_taxonomy_default())  # detected as counts
    _check(ann)


def test_label_studio_export(tmp_path):
    tasks = []
    for k, (clip, grp) in enumerate(LONG.groupby("clip_id", sort=False), start=1):
        anns = [
            {
                "completed_by": a,
                "was_cancelled": False,
                "result": [
                    {
                        "type": "choices",
                        "from_name": "coarse",
                        "to_name": "video",
                        "value": {"choices": [lab]},
                    }
                ],
            }
            for a, lab in zip(grp["annotator_id"], grp["coarse"])
        ]
        anns.append({"completed_by": "A9", "was_cancelled": True, "result": []})
        tasks.append({"id": k, "data": {"clip_id": clip}, "annotations": anns})
    p = tmp_path / "export.json"
    p.write_text(json.dumps(tasks))
    ann = load_ratings(p)
    counts = ann.counts_frame("coarse")
    assert {i: list(counts.loc[i]) for i in counts.index} == EXPECTED
    assert ann.ledger.rows_read == 11 and ann.ledger.rows_used == 8
    assert ann.ledger.dropped_by_reason == {"cancelled_annotation": 3}


def test_list_files_give_metadata(tmp_path):
    (tmp_path / "train.txt").write_text(
        "RAER/images/Class/Classroom/Class005/P002/003 32 4\n"
        "RAER/images/SelfStudy/Library/P017/012 16 5\n"
    )
    (tmp_path / "test.txt").write_text("RAER/images/SelfStudy/Dormitory/P017/013 48 1\n")
    meta = load_clips([tmp_path / "train.txt", tmp_path / "test.txt"])
    assert meta.loc["RAER/images/SelfStudy/Library/P017/012", "split"] == "train"
    assert meta.loc["RAER/images/SelfStudy/Dormitory/P017/013", "num_frames"] == 48
    p = tmp_path / "r.csv"
    LONG.to_csv(p, index=False)
    ann = load_ratings(p, clips=[tmp_path / "train.txt", tmp_path / "test.txt"])
    assert ann.items.loc["RAER/images/SelfStudy/Dormitory/P017/013", "environment"] == "Dormitory"
    assert ann.items.loc["RAER/images/Class/Classroom/Class005/P002/003", "room"] == "Class005"
    with pytest.raises(InputError, match="list file"):
        load_ratings(tmp_path / "train.txt")


def test_parse_clip_path_layouts():
    assert parse_clip_path("RAER/images/Class/Classroom/Class005/P002/003") == {
        "session_type": "class",
        "environment": "Classroom",
        "room": "Class005",
        "student": "P002",
    }
    assert (
        parse_clip_path("RAER/images/SelfStudy/Laboratory/P100/001")["session_type"] == "self_study"
    )
    assert parse_clip_path("clip_42") == dict.fromkeys(
        ["session_type", "environment", "room", "student"]
    )


def test_dirty_file_every_row_accounted_for(tmp_path):
    text = (
        "clip_id,annotator_id,coarse,fine\n"
        "c1,A1,Neutrality,Attentive\n"  # used
        "c1,A2, neutrality ,Passive\n"  # used after case/space normalisation
        "c1,A3,NA,\n"  # dropped: no label
        ",A4,Fatigue,Drowsy\n"  # dropped: no clip id
        "c2,A1,Fatigue,Smiling\n"  # kept, flagged: fine outside coarse
        "c2,A1,Fatigue,Yawning\n"  # kept, flagged: repeated rating
        "c2,,Enjoyment,Smiling\n"
    )  # dropped: no annotator
    p = tmp_path / "dirty.csv"
    p.write_text(text)
    ann = load_ratings(p)
    led = ann.ledger
    assert led.rows_read == 7 and led.rows_used == 4 and led.rows_dropped == 3
    assert led.dropped_by_reason == {
        "missing_item_id": 1,
        "missing_annotator_id": 1,
        "missing_label": 1,
    }
    flagged = {e.reason: e.count for e in led.entries if not e.dropped}
    assert flagged == {"inconsistent_fine_coarse": 1, "repeated_rating": 1}
    with pytest.raises(InputError) as e:
        load_ratings(p, inconsistent="error")
    assert "line 6" in str(e.value) and "'fine'" in str(e.value) and "Smiling" in str(e.value)
    ann2 = load_ratings(p, duplicates="last", inconsistent="drop")
    assert ann2.ledger.rows_used == 3
    assert ann2.ledger.rows_used + ann2.ledger.rows_dropped == 7


def test_unknown_label_is_one_clear_error(tmp_path):
    p = tmp_path / "r.csv"
    p.write_text("clip_id,annotator_id,coarse\nc1,A1,Neutrality\nc1,A2,Boredom\n")
    with pytest.raises(InputError) as e:
        load_ratings(p)
    msg = str(e.value)
    assert "line 3" in msg and "'coarse'" in msg and "'Boredom'" in msg and "Neutrality" in msg
    assert "\n" not in msg


def test_declared_categories_keep_unused_ones(tmp_path):
    p = tmp_path / "r.csv"
    p.write_text("item,annotator,label\n1,a,2\n1,b,10\n2,a,2\n")
    assert load_ratings(p).categories() == ("2", "10")  # numeric-aware order
    assert load_ratings(p, categories=["1", "2", "10"]).counts().shape == (2, 3)


def test_custom_taxonomy_file(tmp_path):
    tax = {
        "schemes": [
            {"name": "valence", "categories": ["neg", "neu", "pos"]},
            {
                "name": "emotion",
                "parent": "valence",
                "categories": [
                    {"name": "anger", "parent": "neg"},
                    {"name": "calm", "parent": "neu"},
                    {"name": "joy", "parent": "pos"},
                ],
            },
        ]
    }
    tp = tmp_path / "tax.json"
    tp.write_text(json.dumps(tax))
    p = tmp_path / "r.csv"
    p.write_text("item,rater,valence,emotion\nx,r1,neg,anger\nx,r2,pos,joy\n")
    ann = load_ratings(p, taxonomy=tp)
    assert ann.schemes == ("valence", "emotion")
    np.testing.assert_array_equal(load_taxonomy(tp).mapping("emotion", "valence"), [0, 1, 2])
    np.testing.assert_array_equal(ann.counts("emotion"), [[1, 0, 1]])
