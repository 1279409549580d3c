"""The aggregate and soft-labels commands."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from raer_agreement.aggregation import METHODS, registry  # every method the command offers
from raer_agreement.cli import main
from raer_agreement.simulate import SimulationParams, simulate_corpus


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli")
    c = simulate_corpus(SimulationParams.scaled(150), seed=5)
    c.ratings.to_csv(d / "ratings.csv", index=False)
    c.truth["coarse"].rename("label").rename_axis("clip_id").reset_index().to_csv(
        d / "gold.csv", index=False
    )
    return d, c


@pytest.mark.parametrize(
    "method", [m for m in METHODS if not registry.spec(m).binary_only]
)  # the binary-only methods: tests/test_aggregation_new_methods.py
def test_aggregate_writes_csv_with_ids_as_given(files, method, tmp_path, capsys):
    d, c = files
    out = tmp_path / "labels.csv"
    assert (
        main(
            [
                "aggregate",
                str(d / "ratings.csv"),
                "--method",
                method,
                "--out",
                str(out),
                "--gold",
                str(d / "gold.csv"),
                "--seed",
                "1",
            ]
        )
        == 0
    )
    t = pd.read_csv(out, dtype={"clip_id": str})
    classes = list(c.annotations.categories("coarse"))
    assert list(t.columns) == ["clip_id", "label", "confidence"] + [f"prob_{k}" for k in classes]
    assert set(t["clip_id"]) == set(c.truth.index)
    np.testing.assert_allclose(t[[f"prob_{k}" for k in classes]].sum(axis=1), 1.0, atol=1e-5)
    printed = capsys.readouterr().out
    assert "UAR" in printed and "WAR" in printed and "confusion matrix" in printed
    acc = (
        t.set_index("clip_id")["label"] == c.truth["coarse"].reindex(t["clip_id"]).to_numpy()
    ).mean()
    assert acc > 0.9


def test_aggregate_refuses_to_overwrite(files, tmp_path, capsys):
    d, _ = files
    out = tmp_path / "x.csv"
    out.write_text("keep")
    assert main(["aggregate", str(d / "ratings.csv"), "--out", str(out)]) == 2
    assert "--force" in capsys.readouterr().err
    assert out.read_text() == "keep"
    assert main(["aggregate", str(d / "ratings.csv"), "--out", str(out), "--force"]) == 0


def test_bad_gold_is_one_line_error(files, tmp_path, capsys):
    d, _ = files
    bad = tmp_path / "gold.csv"
    bad.write_text("clip_id,label\nRAER/x,Nope\n")
    assert (
        main(
            [
                "aggregate",
                str(d / "ratings.csv"),
                "--out",
                str(tmp_path / "o.csv"),
                "--gold",
                str(bad),
            ]
        )
        == 2
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1


def test_soft_labels_command(files, tmp_path):
    d, c = files
    out = tmp_path / "soft"
    assert (
        main(
            [
                "soft-labels",
                str(d / "ratings.csv"),
                "--method",
                "votes",
                "--alpha",
                "1",
                "--out",
                str(out),
                "--scheme",
                "fine",
                "--coarse-from-fine",
            ]
        )
        == 0
    )
    names = {p.name for p in out.iterdir()}
    assert {
        "soft_labels.npz",
        "soft_labels.csv",
        "soft_labels.parquet",
        "soft_labels.json",
        "soft_labels_coarse.npz",
    } <= names
    with np.load(out / "soft_labels_coarse.npz") as z:
        assert z["classes"].tolist() == list(c.annotations.categories("coarse"))
        np.testing.assert_allclose(z["probs"].sum(1), 1, atol=1e-6)


def test_soft_labels_list_files_need_frame_counts(files, tmp_path, capsys):
    d, _ = files
    # ratings alone carry no frame counts: a clear error
    assert (
        main(
            [
                "soft-labels",
                str(d / "ratings.csv"),
                "--method",
                "dawid-skene",
                "--out",
                str(tmp_path / "a"),
                "--list-files",
            ]
        )
        == 2
    )
    assert "--clips" in capsys.readouterr().err
    assert not (tmp_path / "a").exists()  # nothing written before the error
    # the bundled corpus has them: train.txt and test.txt in the official layout
    assert (
        main(["soft-labels", "--method", "majority", "--out", str(tmp_path / "b"), "--list-files"])
        == 0
    )
    line = (tmp_path / "b" / "train.txt").read_text().splitlines()[0].split()
    assert line[0].startswith("RAER/images/") and line[1].isdigit() and line[2] in "12345"
