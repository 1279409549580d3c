"""``--exclude-annotators`` and ``--drop-spammers`` on every command: the
excluded ratings appear in the ledger, the kept ones give the same numbers
as a file written without them, and user errors are one line (exit 2)."""

from __future__ import annotations

import json

import pytest

from raer_agreement.cli import build_parser, main

COMMANDS_READING_RATINGS = ["validate", "agreement", "aggregate", "soft-labels", "report"]


@pytest.mark.parametrize("command", COMMANDS_READING_RATINGS)
def test_flags_in_help(command, capsys):
    with pytest.raises(SystemExit):
        main([command, "--help"])
    out = capsys.readouterr().out
    assert "--exclude-annotators" in out and "--drop-spammers" in out


def write(path, rows):
    path.write_text("item,annotator,label\n" + "".join(f"{i},{a},{lab}\n" for i, a, lab in rows))
    return path


ROWS = [
    ("c1", "a", "x"),
    ("c1", "b", "x"),
    ("c1", "c", "y"),
    ("c2", "a", "y"),
    ("c2", "b", "y"),
    ("c2", "c", "y"),
    ("c3", "a", "x"),
    ("c3", "b", "y"),
    ("c3", "c", "x"),
    ("c4", "a", "x"),
    ("c4", "b", "x"),
    ("c4", "c", "y"),
]


def test_excluded_ratings_in_the_json_ledger_and_numbers_as_without_them(tmp_path, capsys):
    full = write(tmp_path / "full.csv", ROWS)
    without = write(tmp_path / "without.csv", [r for r in ROWS if r[1] != "c"])
    assert (
        main(["agreement", str(full), "--exclude-annotators", "c", "--json", "--n-boot", "0"]) == 0
    )
    doc = json.loads(capsys.readouterr().out)
    assert main(["agreement", str(without), "--json", "--n-boot", "0"]) == 0
    ref = json.loads(capsys.readouterr().out)
    led = doc["ledger"]
    assert led["rows_read"] == 12 and led["rows_dropped"] == 4 and led["rows_used"] == 8
    assert [e["reason"] for e in led["dropped"]] == ["excluded_annotator"]
    for k, c in ref["schemes"]["label"]["coefficients"].items():
        assert doc["schemes"]["label"]["coefficients"][k]["estimate"] == c["estimate"], k


def test_drop_spammers_on_the_bundled_corpus(capsys):
    assert main(["validate", "--drop-spammers", "0.1"]) == 0
    out = capsys.readouterr().out
    assert "spammer: ratings of annotator(s) A05 excluded" in out
    assert "annotators: 13" in out


def test_unknown_annotator_and_anonymous_votes_exit_2(tmp_path, capsys):
    full = write(tmp_path / "full.csv", ROWS)
    assert main(["validate", str(full), "--exclude-annotators", "zz"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no annotator 'zz'" in err[0]
    counts = tmp_path / "counts.csv"
    counts.write_text("item,x,y\nc1,2,1\nc2,0,3\n")
    assert (
        main(
            [
                "validate",
                str(counts),
                "--format",
                "counts",
                "--categories",
                "x,y",
                "--drop-spammers",
                "0.1",
            ]
        )
        == 2
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "anonymous" in err[0]


def test_parser_builds_once_with_the_flags():
    # the flags live in the one shared block: every reading command parses them
    p = build_parser()
    for command in COMMANDS_READING_RATINGS:
        extra = ["--out", "x"] if command in ("aggregate", "soft-labels") else []
        args = p.parse_args(
            [command, "--exclude-annotators", "a,b", "--drop-spammers", "0.2", *extra]
        )
        assert args.exclude_annotators == "a,b" and args.drop_spammers == 0.2
