"""The README runs as written: every ``raer-agreement`` command of its shell
blocks through the installed console script, and its Python blocks in order.

The commands read the files the README names (``ratings.csv``, ``train.txt``,
``test.txt``, ``truth.csv``, ``preds.csv``), made here from the bundled
corpus. Optional parts (``[--json]``) are run with the option, ``...`` is
dropped. Each command must exit 0 and write what the README says it writes;
a command added to the README later is run too.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from importlib import resources
from pathlib import Path

import jsonschema
import krippendorff
import numpy as np
import pandas as pd
import pytest
from referencing import Registry, Resource

from raer_agreement.simulate import RAER_TEST_COUNTS, RAER_TRAIN_COUNTS, sample_path

README = Path(__file__).resolve().parents[1] / "README.md"
SCRIPT = Path(sys.executable).parent / "raer-agreement"
N_CLIPS = sum(RAER_TRAIN_COUNTS) + sum(RAER_TEST_COUNTS)  # RAER's published clip count
CLASSES = ["Neutrality", "Enjoyment", "Confusion", "Fatigue", "Distraction"]


def blocks(language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", README.read_text(), flags=re.M | re.S)


def readme_commands() -> list[str]:
    lines = [line for b in blocks("sh") for line in b.splitlines()]
    cmds = [line.split(" #", 1)[0].strip() for line in lines if line.startswith("raer-agreement ")]
    return [
        re.sub(r"\s+", " ", c.replace("[", "").replace("]", "").replace("...", "")).strip()
        for c in cmds
    ]


COMMANDS = readme_commands()


def schema(name: str) -> dict:
    return json.loads(resources.files("raer_agreement.data_schema").joinpath(name).read_text())


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    """The files the README's commands name, from the bundled corpus."""
    d = tmp_path_factory.mktemp("readme")
    for name in ("ratings.csv", "train.txt", "test.txt", "truth.csv"):
        shutil.copy(sample_path() / name, d / name)
    truth = pd.read_csv(d / "truth.csv", dtype=str)
    truth[["clip_id", "coarse"]].rename(columns={"coarse": "prediction"}).to_csv(
        d / "preds.csv", index=False
    )
    return d


def run(cmd: str, cwd: Path) -> subprocess.CompletedProcess:
    argv = shlex.split(cmd)
    assert argv[0] == "raer-agreement"
    proc = subprocess.run(
        [str(SCRIPT), *argv[1:]],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, "MPLBACKEND": "Agg"},
    )
    assert proc.returncode == 0, f"{cmd}\n{proc.stderr}"
    assert "Traceback" not in proc.stderr
    return proc


def test_readme_shows_the_commands():
    names = {c.split()[1] for c in COMMANDS}
    assert {"validate", "agreement", "aggregate", "soft-labels", "report", "simulate"} <= names


@pytest.mark.parametrize("cmd", COMMANDS, ids=[c.split()[1] for c in COMMANDS])
def test_readme_command(cmd, workdir):
    proc = run(cmd, workdir)
    check = CHECKS.get(cmd.split()[1])
    if check:
        check(proc, workdir, shlex.split(cmd))


def opt(argv: list[str], name: str) -> str:
    return argv[argv.index(name) + 1]


def check_validate(proc, d, argv):
    n_rows = len(pd.read_csv(d / "ratings.csv"))
    assert re.search(rf"rows read:\s+{n_rows:,}\n", proc.stdout)
    assert re.search(rf"clips:\s+{N_CLIPS:,}\n", proc.stdout)


def check_agreement(proc, d, argv):
    doc = json.loads(proc.stdout)
    jsonschema.validate(doc, schema("agreement.schema.json"))
    # Krippendorff's alpha from the peer package on the same votes
    votes = pd.read_csv(d / "ratings.csv", dtype=str)
    codes = votes["coarse"].map({c: i for i, c in enumerate(CLASSES)})
    matrix = (
        pd.DataFrame({"a": votes["annotator_id"], "i": votes["clip_id"], "c": codes})
        .pivot(index="a", columns="i", values="c")
        .to_numpy(dtype=float)
    )
    peer = krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal")
    coarse = doc["schemes"]["coarse"]
    assert abs(coarse["coefficients"]["krippendorff_alpha"]["estimate"] - peer) < 1e-9
    assert doc["bootstrap"]["n_boot"] == int(opt(argv, "--n-boot"))
    assert set(coarse["by"]) == {opt(argv, "--by")}


def check_aggregate(proc, d, argv):
    labels = pd.read_csv(d / opt(argv, "--out"), dtype={"clip_id": str})
    assert list(labels.columns) == ["clip_id", "label", "confidence"] + [
        f"prob_{c}" for c in CLASSES
    ]
    assert len(labels) == N_CLIPS
    np.testing.assert_allclose(
        labels.filter(like="prob_").sum(axis=1), 1.0, atol=1e-5
    )  # 6 decimals written
    truth = pd.read_csv(d / opt(argv, "--gold"), dtype=str).set_index("clip_id")["coarse"]
    accuracy = (labels.set_index("clip_id")["label"] == truth.reindex(labels["clip_id"])).mean()
    printed = float(re.search(r"accuracy\s+([0-9.]+)", proc.stdout).group(1))
    assert abs(printed - accuracy) < 5e-5


def check_soft_labels(proc, d, argv):
    out = d / opt(argv, "--out")
    npz = np.load(next(out.glob("*.npz")), allow_pickle=False)
    assert {"clip_ids", "classes", "counts", "probs"} <= set(npz.files)
    assert list(npz["classes"]) == CLASSES and npz["probs"].shape == (N_CLIPS, 5)
    sidecar = json.loads(next(out.glob("*.json")).read_text())
    assert sidecar  # the JSON sidecar beside the targets
    # the official list-file layout, with the frame folders and frame counts of the inputs
    given = {}
    for name in ("train.txt", "test.txt"):
        for line in (d / name).read_text().splitlines():
            frame_dir, n_frames, _ = line.split()
            given[frame_dir] = n_frames
    lists = [p for p in out.rglob("*.txt")]
    assert lists
    for p in lists:
        for line in p.read_text().splitlines():
            frame_dir, n_frames, label = line.split(" ")
            assert given[frame_dir] == n_frames and label in {"1", "2", "3", "4", "5"}


def check_report(proc, d, argv):
    out = d / opt(argv, "--out")
    for name in ("report.html", "report.md", "report.json"):
        assert (out / name).stat().st_size > 0
    agreement = schema("agreement.schema.json")  # report.schema.json refers to it by $id
    registry = Registry().with_resource(agreement["$id"], Resource.from_contents(agreement))
    jsonschema.Draft202012Validator(schema("report.schema.json"), registry=registry).validate(
        json.loads((out / "report.json").read_text())
    )


def check_simulate(proc, d, argv):
    out = d / opt(argv, "--out")
    truth = pd.read_csv(out / "truth.csv", dtype=str)
    assert len(truth) == N_CLIPS
    counts = truth["coarse"].value_counts().reindex(CLASSES).tolist()
    assert counts == [a + b for a, b in zip(RAER_TRAIN_COUNTS, RAER_TEST_COUNTS)]


CHECKS = {
    "validate": check_validate,
    "agreement": check_agreement,
    "aggregate": check_aggregate,
    "soft-labels": check_soft_labels,
    "report": check_report,
    "simulate": check_simulate,
}


def test_readme_python_blocks_run_as_written(tmp_path, monkeypatch):
    code = blocks("python")
    assert code
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    namespace: dict = {"__name__": "__readme__"}
    with contextlib.redirect_stdout(io.StringIO()) as out:
        for block in code:
            exec(compile(block, str(README), "exec"), namespace)
    # the example loads the bundled corpus: RAER's clip count, every clip labelled
    assert namespace["ann"].n_items == N_CLIPS
    assert len(namespace["labels"]) == N_CLIPS
    assert "rows read" in out.getvalue()
