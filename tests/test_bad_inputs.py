"""Every file of the bad-input corpus behaves as ``tests/bad_inputs/cases.json``
says, through the library (:func:`load_ratings`) and the command line
(``raer-agreement validate``, in process and once as a real process).

The files are written by ``tests/bad_inputs/make_corpus.py``; the expected
outcomes are written from the files' known content.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from raer_agreement.cli import main
from raer_agreement.errors import InputError
from raer_agreement.io import load_ratings

HERE = Path(__file__).resolve().parent / "bad_inputs"
CASES = json.loads((HERE / "cases.json").read_text(encoding="utf-8"))["cases"]
IDS = [c["id"] for c in CASES]


def case_paths(case):
    return [HERE / f for f in case["files"]]


def cli_options(options: dict) -> list[str]:
    argv = []
    for key, val in options.items():
        flag = "--" + key.replace("_", "-")
        if key == "label_cols":
            for v in val:
                argv += ["--label-col", v]
        elif key == "categories":
            argv += [flag, ",".join(val)]
        else:
            argv += [flag, str(val)]
    return argv


def check_error_text(text: str, case) -> None:
    exp = case["expect"]
    assert exp["message"] in text
    assert exp.get("path", case["files"][-1]) in text
    if "line" in exp:
        assert f"line {exp['line']}" in text
    if "column" in exp:
        assert repr(exp["column"]) in text
    if "value" in exp:
        assert repr(exp["value"]) in text


def check_loaded(ann, exp) -> None:
    led = ann.ledger
    assert led.rows_read == exp["rows_read"]
    assert led.rows_used == exp["rows_used"]
    assert led.rows_used + led.rows_dropped == led.rows_read
    assert ann.n_ratings == led.rows_used
    assert led.dropped_by_reason == exp.get("dropped", {})
    flagged = {e.reason: e.count for e in led.entries if not e.dropped}
    assert flagged == exp.get("flagged", {})
    for reason, lines in exp.get("lines", {}).items():
        entry = next(e for e in led.entries if e.reason == reason)
        assert list(entry.lines) == lines
    if "n_items" in exp:
        assert ann.n_items == exp["n_items"]
    if "n_annotators" in exp:
        assert ann.n_annotators == exp["n_annotators"]
    if "item_ids" in exp:
        assert sorted(ann.item_ids) == sorted(exp["item_ids"])
    if "annotator_ids" in exp:
        assert sorted(ann.annotator_ids) == sorted(exp["annotator_ids"])
    if "schemes" in exp:
        assert list(ann.schemes) == exp["schemes"]
    for scheme, per_item in exp.get("counts", {}).items():
        table = ann.counts_frame(scheme)
        for item, counts in per_item.items():
            row = table.loc[item]
            assert {k: int(v) for k, v in row.items() if v} == counts, (scheme, item)
    if "ratings_per_item" in exp:
        per = ann.ratings_per_item()
        assert per.min() == exp["ratings_per_item"]["min"]
        assert per.max() == exp["ratings_per_item"]["max"]
    if "note" in exp:
        assert any(exp["note"] in n for n in led.notes)


def test_corpus_is_complete():
    """At least 25 files, each one used by a case, each case's files present."""
    files = {
        p.name
        for p in HERE.iterdir()
        if p.name not in ("cases.json", "make_corpus.py", "__pycache__")
    }
    used = {f for c in CASES for f in c["files"]}
    assert len(files) >= 25
    assert used == files
    assert len(set(IDS)) == len(IDS)


def test_corpus_matches_its_script(tmp_path):
    """The committed files are what make_corpus.py writes (byte for byte)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_corpus", HERE / "make_corpus.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    written = {**{k: v.encode("utf-8") for k, v in mod.TEXT_FILES.items()}, **mod.binary_files()}
    for name, data in written.items():
        if name.endswith(".parquet"):
            continue  # pyarrow versions may differ in metadata bytes
        assert (HERE / name).read_bytes() == data, name


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_load_ratings(case):
    exp = case["expect"]
    if exp["ok"]:
        check_loaded(load_ratings(case_paths(case), **case["options"]), exp)
    else:
        with pytest.raises(InputError) as info:
            load_ratings(case_paths(case), **case["options"])
        err = info.value
        check_error_text(str(err), case)
        assert "\n" not in str(err)
        if "line" in exp:
            assert err.line == exp["line"]
        if "column" in exp:
            assert err.column == exp["column"]
        if "value" in exp:
            assert err.value == exp["value"]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_cli_validate(case, capsys):
    exp = case["expect"]
    argv = ["validate", *map(str, case_paths(case)), *cli_options(case["options"])]
    if exp["ok"]:
        assert main(argv + ["--json"]) == 0
        out = json.loads(capsys.readouterr().out)
        led = out["ledger"]
        assert led["rows_read"] == exp["rows_read"]
        assert led["rows_used"] == exp["rows_used"]
        assert {e["reason"]: e["count"] for e in led["dropped"]} == exp.get("dropped", {})
        assert {e["reason"]: e["count"] for e in led["flagged"]} == exp.get("flagged", {})
    else:
        assert main(argv) == 2
        captured = capsys.readouterr()
        assert captured.out == ""
        lines = captured.err.strip().splitlines()
        assert len(lines) == 1, captured.err
        assert lines[0].startswith("raer-agreement validate: error: ")
        check_error_text(lines[0], case)


# one case per kind of failure, run as a real process: exit code 2, one line, no traceback
PROCESS_CASES = [
    "latin1_default",
    "utf16_nobom",
    "ragged_row",
    "missing_column",
    "unknown_label",
    "duplicates_error",
    "batches_label_renamed",
    "labelstudio_truncated",
    "truncated_parquet",
    "empty",
]


@pytest.mark.parametrize("case_id", PROCESS_CASES)
def test_cli_process_exit_code(case_id):
    case = next(c for c in CASES if c["id"] == case_id)
    assert not case["expect"]["ok"]
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "raer_agreement",
            "validate",
            *map(str, case_paths(case)),
            *cli_options(case["options"]),
        ],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    check_error_text(proc.stderr, case)
