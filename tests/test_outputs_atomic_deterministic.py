"""Outputs are atomic (a failure leaves no file, partial or not), are never
overwritten without ``--force``, and are byte-identical for identical input
and seed.

The library helpers are tested under exceptions; every command that writes
files is tested through :func:`raer_agreement.cli.main`.  Commands that are
not part of this build are skipped with the reason.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from raer_agreement.cli import build_parser, main
from raer_agreement.errors import InputError
from raer_agreement.io.atomic import atomic_files, atomic_path, atomic_write_text

SIM_FILES = {
    "ratings.csv",
    "clips.csv",
    "train.txt",
    "test.txt",
    "truth.csv",
    "annotators.csv",
    "params.json",
}


def tree(root: Path) -> dict:
    """Relative path -> SHA-256 of every file under ``root`` (hidden files too)."""
    if not root.exists():
        return {}
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def available_commands() -> set:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    return set(sub.choices)


def command_options(name: str) -> set:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    return {opt for action in sub.choices[name]._actions for opt in action.option_strings}


# ----------------------------------------------------------- library helpers
class Boom(RuntimeError):
    pass


def test_atomic_path_leaves_nothing_on_error(tmp_path):
    target = tmp_path / "out.csv"
    with pytest.raises(Boom):
        with atomic_path(target) as tmp:
            tmp.write_text("half a file")
            raise Boom()
    assert list(tmp_path.iterdir()) == []


def test_atomic_path_keeps_old_file_on_error(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("old")
    with pytest.raises(Boom):
        with atomic_path(target, force=True) as tmp:
            tmp.write_text("new, half written")
            raise Boom()
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_atomic_path_interrupted(tmp_path):
    target = tmp_path / "out.csv"
    with pytest.raises(KeyboardInterrupt):
        with atomic_path(target) as tmp:
            tmp.write_text("x")
            raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []


def test_no_overwrite_without_force(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("keep me")
    with pytest.raises(InputError, match="--force"):
        atomic_write_text(target, "replaced", force=False)
    assert target.read_text() == "keep me"
    atomic_write_text(target, "replaced", force=True)
    assert target.read_text() == "replaced"


def test_atomic_files_all_or_none(tmp_path):
    targets = [tmp_path / "a.csv", tmp_path / "sub" / "b.csv", tmp_path / "c.json"]
    with pytest.raises(Boom):
        with atomic_files(targets) as tmp:
            tmp[targets[0]].write_text("a")
            tmp[targets[1]].write_text("b")
            raise Boom()
    assert tree(tmp_path) == {}
    with atomic_files(targets) as tmp:
        for t in targets:
            tmp[t].write_text(t.name)
    assert {p: t.read_text() for p, t in zip("abc", targets)} == {
        "a": "a.csv",
        "b": "b.csv",
        "c": "c.json",
    }
    assert sorted(tree(tmp_path)) == ["a.csv", "c.json", "sub/b.csv"]


def test_atomic_files_checks_every_target_first(tmp_path):
    (tmp_path / "b.csv").write_text("old b")
    with pytest.raises(InputError, match="--force"):
        with atomic_files([tmp_path / "a.csv", tmp_path / "b.csv"], force=False):
            pytest.fail("nothing may be written when a target exists")  # pragma: no cover
    assert tree(tmp_path) == {"b.csv": hashlib.sha256(b"old b").hexdigest()}


def test_unwritable_target_is_a_clear_error(tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    with pytest.raises(InputError, match="cannot create the output folder"):
        atomic_write_text(blocker / "sub" / "out.txt", "x")
    with pytest.raises(InputError, match="existing folder"):
        atomic_write_text(tmp_path, "x")


# ------------------------------------------------------------- simulate
SIM_ARGS = ["--n-clips", "40", "--n-annotators", "6", "--ratings-per-clip", "4"]


def test_simulate_is_deterministic(tmp_path):
    assert main(["simulate", "--out", str(tmp_path / "a"), "--seed", "11", *SIM_ARGS]) == 0
    assert main(["simulate", "--out", str(tmp_path / "b"), "--seed", "11", *SIM_ARGS]) == 0
    assert main(["simulate", "--out", str(tmp_path / "c"), "--seed", "12", *SIM_ARGS]) == 0
    a, b, c = tree(tmp_path / "a"), tree(tmp_path / "b"), tree(tmp_path / "c")
    assert set(a) == SIM_FILES
    assert a == b
    assert a["ratings.csv"] != c["ratings.csv"]


def test_simulate_refuses_to_overwrite(tmp_path, capsys):
    out = tmp_path / "corpus"
    out.mkdir()
    (out / "truth.csv").write_text("mine")
    assert main(["simulate", "--out", str(out), "--seed", "1", *SIM_ARGS]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--force" in err[0] and "truth.csv" in err[0]
    assert tree(out) == {"truth.csv": hashlib.sha256(b"mine").hexdigest()}
    assert main(["simulate", "--out", str(out), "--seed", "1", "--force", *SIM_ARGS]) == 0
    assert set(tree(out)) == SIM_FILES
    assert (out / "truth.csv").read_text() != "mine"


def test_simulate_into_unwritable_target(tmp_path, capsys):
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    assert main(["simulate", "--out", str(blocker / "corpus"), "--seed", "1", *SIM_ARGS]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
    assert tree(tmp_path) == {"a_file": hashlib.sha256(b"").hexdigest()}


@pytest.mark.parametrize("exc", [Boom, KeyboardInterrupt])
def test_simulate_failing_midway_leaves_nothing(tmp_path, monkeypatch, exc):
    """The list files are written after ratings.csv and clips.csv: fail there."""
    import raer_agreement.io.listfile as listfile

    real = listfile.write_list_file

    def failing(path, *args, **kw):
        if "test" in Path(path).name or Path(path).name.startswith(".test.txt"):
            raise exc()
        return real(path, *args, **kw)

    monkeypatch.setattr(listfile, "write_list_file", failing)
    out = tmp_path / "corpus"
    if exc is KeyboardInterrupt:
        assert main(["simulate", "--out", str(out), "--seed", "1", *SIM_ARGS]) == 130
    else:
        with pytest.raises(Boom):
            main(["simulate", "--out", str(out), "--seed", "1", *SIM_ARGS])
    assert tree(out) == {}


# ------------------------------------------------- the other writing commands
def _ratings(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("sim")
    assert main(["simulate", "--out", str(d), "--seed", "5", *SIM_ARGS]) == 0
    return d / "ratings.csv"


@pytest.fixture(scope="module")
def ratings(tmp_path_factory):
    return _ratings(tmp_path_factory)


def command_argv(name: str, ratings: Path, out: Path, seed: int) -> list:
    """argv writing ``out`` (a file for aggregate, a folder otherwise)."""
    opts = command_options(name)
    argv = [name, str(ratings)]
    if "--out" not in opts:
        pass  # the command prints its result
    elif name == "aggregate":
        argv += ["--out", str(out / "labels.csv"), "--method", "dawid-skene"]
    else:
        argv += ["--out", str(out)]
    if "--json" in opts:
        argv += ["--json"]
    if "--seed" in opts:
        argv += ["--seed", str(seed)]
    if "--n-boot" in opts:
        argv += ["--n-boot", "50"]
    elif "--bootstrap" in opts:
        argv += ["--bootstrap", "50"]
    return argv


WRITERS = ["aggregate", "soft-labels", "agreement", "report"]
#: the commands that write files (``agreement`` prints its result)
FILE_WRITERS = ["aggregate", "soft-labels", "report"]


def need(name, *, writes=False):
    if name not in available_commands():
        pytest.skip(f"subcommand {name!r} is not in this build yet")
    if writes and "--out" not in command_options(name):
        pytest.skip(f"subcommand {name!r} prints its result and writes no file")


def run_output(name, argv, out: Path, capsys) -> dict:
    """The files written under ``out``, or the printed output for commands without --out."""
    capsys.readouterr()
    assert main(argv) == 0
    printed = capsys.readouterr().out
    if "--out" in command_options(name):
        return tree(out)
    return {"<stdout>": printed}


@pytest.mark.parametrize("name", WRITERS)
def test_command_is_deterministic(name, ratings, tmp_path, capsys):
    need(name)
    a = run_output(name, command_argv(name, ratings, tmp_path / "a", 3), tmp_path / "a", capsys)
    b = run_output(name, command_argv(name, ratings, tmp_path / "b", 3), tmp_path / "b", capsys)
    assert a and all(a.values()), f"{name} produced nothing"
    assert a == b


@pytest.mark.parametrize("name", WRITERS)
def test_command_on_bad_input_writes_nothing(name, tmp_path, capsys):
    need(name)
    bad = Path(__file__).parent / "bad_inputs" / "unknown_label.csv"
    out = tmp_path / "out"
    capsys.readouterr()
    assert main(command_argv(name, bad, out, 3)) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    err = captured.err.strip().splitlines()
    assert len(err) == 1 and "Boredom" in err[0]
    assert tree(tmp_path) == {}


def test_file_writers_are_the_commands_with_out():
    assert [n for n in WRITERS if "--out" in command_options(n)] == FILE_WRITERS


@pytest.mark.parametrize("name", FILE_WRITERS)
def test_command_does_not_overwrite_without_force(name, ratings, tmp_path, capsys):
    need(name, writes=True)
    out = tmp_path / "out"
    argv = command_argv(name, ratings, out, 3)
    assert main(argv) == 0
    before = tree(out)
    assert before
    # change one output by hand: a second run must refuse and leave everything as it is
    first = sorted(out.rglob("*"))
    victim = next(p for p in first if p.is_file())
    victim.write_bytes(b"edited by hand")
    before = tree(out)
    capsys.readouterr()
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "--force" in err and "Traceback" not in err
    assert tree(out) == before
    assert main(argv + ["--force"]) == 0
    assert victim.read_bytes() != b"edited by hand"
