"""Write the corpus of malformed and tricky input files used by
``tests/test_bad_inputs.py``.

Every file is written byte for byte from this script (so encodings, byte-order
marks and line endings are exactly what the file name says); the expected
outcome of each file is in ``cases.json`` beside it.  Run it again after
changing a file here and commit what it writes::

    python tests/bad_inputs/make_corpus.py
"""

from __future__ import annotations

import codecs
import io
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent

HEADER = "clip_id,annotator_id,coarse\n"


def rows(*lines: str, header: str = HEADER, nl: str = "\n") -> str:
    """A CSV text: the header then one line per argument."""
    return (header + "".join(line + "\n" for line in lines)).replace("\n", nl)


# name -> text (UTF-8, no BOM) unless bytes
TEXT_FILES: dict[str, str] = {
    # --- line endings
    "crlf.csv": rows(
        "c1,A1,Neutrality", "c1,A2,Distraction", "c2,A1,Fatigue", "c2,A2,Fatigue", nl="\r\n"
    ),
    "cr_only.csv": rows("c1,A1,Neutrality", "c1,A2,Distraction", "c2,A1,Fatigue", nl="\r"),
    "cr_only_unknown.csv": rows("c1,A1,Neutrality", "c1,A2,Distraction", "c2,A1,Sleepy", nl="\r"),
    # --- delimiters
    "tab.tsv": rows(
        "c1\tA1\tNeutrality",
        "c1\tA2\tEnjoyment",
        "c2\tA1\tConfusion",
        header="clip_id\tannotator_id\tcoarse\n",
    ),
    "tab_in_csv.csv": rows(
        "c1\tA1\tNeutrality",
        "c1\tA2\tEnjoyment",
        "c2\tA1\tConfusion",
        header="clip_id\tannotator_id\tcoarse\n",
    ),
    "semicolon.csv": rows(
        "c1;A1;Neutrality;Attentive",
        "c1;A2;Fatigue;Yawning",
        "c2;A1;Distraction;Looking away",
        header="clip_id;annotator_id;coarse;fine\n",
    ),
    # --- quoting
    "quoted_commas.csv": rows(
        '"clip 1, take 2",A1,Distraction,"Looking away"',
        '"clip 1, take 2",A2,Distraction,Off-task activity',
        '"say ""hi""",A1,Neutrality,Attentive',
        header="clip_id,annotator_id,coarse,fine\n",
    ),
    "unterminated_quote.csv": rows("c1,A1,Neutrality", 'c1,A2,"Enjoyment', "c2,A1,Fatigue"),
    # --- empty and header-only
    "empty.csv": "",
    "whitespace_only.csv": "\n  \n\n",
    "header_only.csv": HEADER,
    # --- columns
    "missing_column.csv": rows("c1,Neutrality", "c2,Fatigue", header="clip_id,coarse\n"),
    "duplicated_column.csv": rows(
        "c1,A1,Neutrality,Fatigue", header="clip_id,annotator_id,coarse,coarse\n"
    ),
    "ragged_row.csv": rows("c1,A1,Neutrality", "c1,A2,Enjoyment,extra", "c2,A1,Fatigue"),
    "short_row.csv": rows("c1,A1,Neutrality", "c1,A2", "c2,A1,Fatigue"),
    # --- labels
    "unknown_label.csv": rows(
        "c1,A1,Neutrality", "c1,A2,Enjoyment", "c2,A1,Boredom", "c2,A2,Fatigue"
    ),
    "near_miss_labels.csv": rows(
        "c1,A1, neutrality",
        "c1,A2,ENJOYMENT",
        "c2,A1,Confusion  ",
        "c2,A2,  fatigue ",
        "c3,A1,DISTRACTION",
    ),
    "near_miss_typo.csv": rows("c1,A1,Neutrality", "c1,A2,Neutral"),
    "codes.csv": rows("c1,A1,1", "c1,A2,2", "c2,A1,3", "c2,A2,4", "c3,A1,5", "c3,A2,1.0"),
    "code_out_of_range.csv": rows("c1,A1,1", "c1,A2,6", "c2,A1,3"),
    "code_zero.csv": rows("c1,A1,1", "c1,A2,2", "c2,A1,0"),
    # --- repeated ratings
    "duplicate_ratings.csv": rows(
        "c1,A1,Neutrality",
        "c1,A2,Neutrality",
        "c1,A1,Fatigue",
        "c2,A1,Enjoyment",
        "c2,A2,Enjoyment",
    ),
    # --- ids that look like numbers stay strings exactly as given
    "numeric_ids.csv": rows(
        "003,01,Neutrality",
        "003,1,Neutrality",
        "1e3,1.0,Fatigue",
        "0x1,01,Enjoyment",
        "1.50,1,Confusion",
        "00,1.0,Distraction",
        "3,01,Neutrality",
    ),
    # --- NaN-like strings
    "nan_like.csv": rows(
        "c1,A1,Neutrality",
        "c1,A2,NA",
        "c1,A3,nan",
        "c2,A1,null",
        "c2,A2,",
        "c2,A3,N/A",
        "NA,A1,Fatigue",
        "c3,,Fatigue",
        "c3,A1,None",
        "c3,A2,Enjoyment",
    ),
    # --- degenerate but valid data
    "one_rating_clip.csv": rows(
        "c1,A1,Neutrality", "c1,A2,Neutrality", "c1,A3,Fatigue", "c2,A2,Confusion"
    ),
    "one_annotator.csv": rows("c1,A1,Neutrality", "c2,A1,Fatigue", "c3,A1,Enjoyment"),
    "all_identical.csv": rows(
        "c1,A1,Neutrality", "c1,A2,Neutrality", "c2,A1,Neutrality", "c2,A2,Neutrality"
    ),
    # --- two granularities
    "fine_contradicts_coarse.csv": rows(
        "c1,A1,Neutrality,Attentive",
        "c1,A2,Enjoyment,Yawning",
        "c2,A1,Fatigue,Drowsy",
        "c2,A2,Fatigue,Yawning",
        header="clip_id,annotator_id,coarse,fine\n",
    ),
    # --- blank lines keep true line numbers
    "blank_lines.csv": "\n"
    + rows("c1,A1,Neutrality", "", "c1,A2,Enjoyment", "", "", "c2,A1,Fatigue", "")
    + "\n",
    "blank_lines_unknown.csv": rows(
        "c1,A1,Neutrality", "", "c1,A2,Enjoyment", ",,", "", "c2,A1,Happy"
    ),
    # --- a column renamed between two batches
    "batch1.csv": rows("c1,A1,Neutrality", "c1,A2,Fatigue", "c2,A1,Enjoyment"),
    "batch2_label_renamed.csv": rows(
        "c2,A2,Enjoyment", "c3,A1,Distraction", header="clip_id,annotator_id,label\n"
    ),
    "batch2_annotator_renamed.csv": rows(
        "c2,A2,Enjoyment", "c3,A1,Distraction", header="clip_id,worker,coarse\n"
    ),
    # --- other layouts
    "wide_gaps.csv": rows("c1,yes,yes,", "c2,no,,no", "c3,,yes,NA", header="item,r1,r2,r3\n"),
    "counts_negative.csv": rows(
        "c1,3,1,0,0,0",
        "c2,2,-1,0,1,0",
        header="clip_id,Neutrality,Enjoyment,Confusion,Fatigue,Distraction\n",
    ),
    "counts_ok.csv": rows(
        "007,7,1,0,2,0",
        "008,0,0,0,0,10",
        header="clip_id,Neutrality,Enjoyment,Confusion,Fatigue,Distraction\n",
    ),
    "list_file_as_ratings.txt": "RAER/images/Class/Classroom/Class005/P002/003 32 4\n"
    "RAER/images/SelfStudy/Library/P010/001 28 1\n",
    "bad_line.jsonl": '{"clip_id": "c1", "annotator_id": "A1", "coarse": "Neutrality"}\n'
    '{"clip_id": "c1", "annotator_id": "A2", "coarse": "Fatigue"}\n'
    '{"clip_id": "c2", "annotator_id": "A1", "coarse": \n',
    "numeric_ids.jsonl": '{"clip_id": "003", "annotator_id": "01", "coarse": "Neutrality"}\n'
    "\n"
    '{"clip_id": "1e3", "annotator_id": "1", "coarse": 4}\n',
    "labelstudio_truncated.json": '[{"id": 1, "data": {"clip_id": "c1"}, "annotations": [{"completed_by": 1,',
}


def labelstudio_export() -> str:
    """Three tasks: five completed annotations, two cancelled or skipped
    (``was_cancelled``), one submitted without a choice."""

    def ann(who, choice=None, cancelled=False):
        result = (
            []
            if choice is None
            else [
                {
                    "from_name": "coarse",
                    "to_name": "video",
                    "type": "choices",
                    "value": {"choices": [choice]},
                }
            ]
        )
        return {"id": who * 100, "completed_by": who, "was_cancelled": cancelled, "result": result}

    tasks = [
        {
            "id": 11,
            "data": {"clip_id": "RAER/images/Class/Classroom/Class005/P002/003"},
            "annotations": [
                ann(1, "Neutrality"),
                ann(2, "Neutrality"),
                ann(3, None, cancelled=True),
            ],
        },
        {
            "id": 12,
            "data": {"clip_id": "RAER/images/SelfStudy/Library/P010/001"},
            "annotations": [ann(1, "Fatigue"), ann(2, None, cancelled=True), ann(3, None)],
        },
        {
            "id": 13,
            "data": {"clip_id": "RAER/images/SelfStudy/Dormitory/P011/002"},
            "annotations": [ann(1, "Distraction")],
            "cancelled_annotations": 0,
        },
        {
            "id": 14,
            "data": {"clip_id": "RAER/images/SelfStudy/Dormitory/P011/003"},
            "annotations": [ann(2, "Confusion")],
        },
    ]
    return json.dumps(tasks, indent=1) + "\n"


def parquet_bytes() -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table(
        {
            "clip_id": ["003", "003", "1e3", "0x1", "007"],
            "annotator_id": ["01", "1", "01", "1", "01"],
            "coarse": ["Neutrality", "Fatigue", "Fatigue", "Enjoyment", "Confusion"],
        }
    )
    buf = io.BytesIO()
    pq.write_table(table, buf, compression=None)
    return buf.getvalue()


def binary_files() -> dict[str, bytes]:
    latin = rows("c1,A1,Neutrality", "c1,Zoë,Enjoyment", "c2,José,Fatigue")
    utf16 = rows("c1,A1,Neutrality", "c1,Zoë,Enjoyment", "c2,José,Fatigue", nl="\r\n")
    pq_ok = parquet_bytes()
    return {
        "utf8_bom.csv": codecs.BOM_UTF8
        + rows("c1,A1,Neutrality", "c1,A2,Enjoyment", "c2,A1,Fatigue", "c2,A2,Fatigue").encode(
            "utf-8"
        ),
        "latin1.csv": latin.encode("latin-1"),
        "utf16.csv": utf16.encode("utf-16"),  # with its byte-order mark
        "utf16_nobom.csv": utf16.encode("utf-16-le"),
        "binary_garbage.csv": bytes(range(128, 256)) * 4,
        "ids.parquet": pq_ok,
        "truncated.parquet": pq_ok[: len(pq_ok) // 2],
        "labelstudio_cancelled.json": labelstudio_export().encode("utf-8"),
    }


def main() -> None:
    for name, text in TEXT_FILES.items():
        (HERE / name).write_bytes(text.encode("utf-8"))
    for name, data in binary_files().items():
        (HERE / name).write_bytes(data)
    print(f"wrote {len(TEXT_FILES) + len(binary_files())} files to {HERE}")


if __name__ == "__main__":
    main()
