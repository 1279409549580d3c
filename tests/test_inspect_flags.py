"""The ``flags:`` line of ``raer-agreement inspect`` settles the reading: run as
printed, it reads the same ratings as the command that was inspected.

Each case is a generated file that needs its flags (without them it is refused
or reads otherwise), so that a flag left off the line shows as other counts.
"""

from __future__ import annotations

import json
import shlex

import pytest

from raer_agreement.cli import main

ROWS = [
    ("c1", "ann1", "pos"),
    ("c1", "ann2", "neg"),
    ("c1", "ann3", "pos"),
    ("c2", "ann1", "neg"),
    ("c2", "ann2", "neg"),
    ("c3", "ann1", "pos"),
    ("c3", "ann2", "pos"),
    ("c3", "ann3", "neg"),
    ("c4", "ann2", "neu"),
    ("c4", "ann3", "neu"),
]


def _write(path, lines, encoding="utf-8"):
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def _transposed(tmp):
    """Rows are annotators, columns clips (--transpose)."""
    clips = sorted({r[0] for r in ROWS})
    who = sorted({r[1] for r in ROWS})
    cell = {(c, a): lab for c, a, lab in ROWS}
    lines = ["annotator," + ",".join(clips)]
    lines += [a + "," + ",".join(cell.get((c, a), "") for c in clips) for a in who]
    return _write(tmp / "raters_x_clips.csv", lines), ["--transpose"]


def _headerless(tmp):
    lines = [",".join(r) for r in ROWS]
    flags = ["--no-header", "--item-col", "column_1", "--annotator-col", "column_2"]
    return _write(tmp / "plain.csv", lines), [*flags, "--label-col", "column_3"]


def _tokens(tmp):
    rows = [*ROWS, ("c4", "ann1", "?"), ("c2", "ann3", "?")]
    lines = ["clip_id,annotator,label", *(",".join(r) for r in rows)]
    return _write(tmp / "tokens.csv", lines), ["--na-values", "?"]


def _latin1_semicolons(tmp):
    names = {"pos": "café", "neg": "thé", "neu": "eau"}
    lines = ["clip_id;annotator;label", *(f"{c};{a};{names[lab]}" for c, a, lab in ROWS)]
    return _write(tmp / "latin.csv", lines, "latin-1"), ["--sep", ";", "--encoding", "latin-1"]


def _multi(tmp):
    lines = ["clip_id,annotator,tags"]
    lines += [
        f'{c},{a},"{lab};x"' if k % 3 else f"{c},{a},{lab}" for k, (c, a, lab) in enumerate(ROWS)
    ]
    return _write(tmp / "multi.csv", lines), ["--multi-sep", ";", "--label-col", "tags"]


def _duplicates(tmp):
    rows = [*ROWS, ("c1", "ann1", "neg"), ("c3", "ann2", "neg")]
    lines = ["clip_id,annotator,label", *(",".join(r) for r in rows)]
    return _write(tmp / "twice.csv", lines), ["--duplicates", "last"]


def _cases(tmp):
    rows = [(c, a, lab.upper() if k % 4 == 0 else lab) for k, (c, a, lab) in enumerate(ROWS)]
    lines = ["clip_id,annotator,label", *(",".join(r) for r in rows)]
    return _write(tmp / "cases.csv", lines), ["--fold-case"]


def _anonymous(tmp):
    lines = ["clip_id,label", *(f"{c},{lab}" for c, _, lab in ROWS)]
    return _write(tmp / "votes.csv", lines), ["--anonymous", "--categories", "neg,neu,pos,mixed"]


def _named_columns(tmp):
    """Columns named otherwise than the defaults, the layout forced."""
    lines = [
        "segment,coder,mood,note",
        *(f"{c},{a},{lab},n{k}" for k, (c, a, lab) in enumerate(ROWS)),
    ]
    flags = ["--format", "long", "--item-col", "segment", "--annotator-col", "coder"]
    return _write(tmp / "named.csv", lines), [*flags, "--label-col", "mood"]


def _wide_raters(tmp):
    """A wide table whose rater columns are named (one --annotator-col each)."""
    clips = sorted({r[0] for r in ROWS})
    cell = {(c, a): lab for c, a, lab in ROWS}
    lines = ["clip,r1,r2,r3,comment"]
    lines += [
        f"{c},{cell.get((c, 'ann1'), '')},{cell.get((c, 'ann2'), '')},{cell.get((c, 'ann3'), '')},ok"
        for c in clips
    ]
    flags = ["--item-col", "clip", "--annotator-col", "r1", "--annotator-col", "r2"]
    return _write(tmp / "wide.csv", lines), [*flags, "--annotator-col", "r3"]


CASES = {
    f.__name__.strip("_"): f
    for f in (
        _transposed,
        _headerless,
        _tokens,
        _latin1_semicolons,
        _multi,
        _duplicates,
        _cases,
        _anonymous,
        _named_columns,
        _wide_raters,
    )
}


def _counts(capsys, path, flags) -> tuple | str:
    """(ratings, items, annotators, rows read) of ``validate``, or "refused"."""
    code = main(["validate", str(path), *flags, "--json"])
    out = capsys.readouterr().out
    if code != 0:
        return "refused"
    led = json.loads(out)["ledger"]
    return (led["rows_used"], led["n_items"], led["n_annotators"], led["rows_read"])


def _flags_line(capsys, path, flags) -> list:
    assert main(["inspect", str(path), *flags]) == 0
    lines = [x for x in capsys.readouterr().out.splitlines() if x.startswith("flags: ")]
    assert len(lines) == 1
    return shlex.split(lines[0][len("flags: ") :])


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_flags_line_run_as_printed_reads_the_same_ratings(case, tmp_path, capsys):
    path, flags = CASES[case](tmp_path)
    want = _counts(capsys, path, flags)
    assert want != "refused"
    # the flags matter: without them the file is refused or reads otherwise
    assert _counts(capsys, path, []) != want
    printed = _flags_line(capsys, path, flags)
    assert {f for f in printed if f.startswith("--")} == {f for f in flags if f.startswith("--")}
    assert _counts(capsys, path, printed) == want


def test_the_flags_line_is_a_recipe_for_inspect_too(tmp_path, capsys):
    """Inspected again with its own flags line, a file prints the same line."""
    path, flags = _tokens(tmp_path)
    printed = _flags_line(capsys, path, [*flags, "--unknown", "drop", "--fold-case"])
    assert _flags_line(capsys, path, printed) == printed


def test_the_other_readings_are_tried_with_the_flags_given(tmp_path, capsys):
    """An alternative reading keeps the tokens: '?' is not refused in it again."""
    path, flags = _tokens(tmp_path)
    assert main(["inspect", str(path), *flags, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    for alt in report["alternatives"]:
        assert "--na-values '?'" in alt["flags"] or "--na-values ?" in alt["flags"]
        assert "punctuation only" not in alt["why_not"]


def test_a_saved_recipe_keeps_the_transpose_and_the_tokens(tmp_path, capsys):
    for make in (_transposed, _tokens):
        path, flags = make(tmp_path)
        recipe = tmp_path / f"{path.stem}.recipe.json"
        want = _counts(capsys, path, flags)
        assert main(["inspect", str(path), *flags, "--save-recipe", str(recipe)]) == 0
        capsys.readouterr()
        assert _counts(capsys, path, ["--recipe", str(recipe)]) == want
