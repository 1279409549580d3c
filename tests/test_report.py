"""The report end to end: files, schema, determinism, and numbers checked
against the simulated truth and independent computations."""

import hashlib
import json
import re

import numpy as np
import pandas as pd
import pytest

from raer_agreement.cli import main
from raer_agreement.report import validate_report
from raer_agreement.simulate import sample_path

FILES = {
    "report.html",
    "report.md",
    "report.json",
    "labels.csv",
    "soft_labels.npz",
    "soft_labels.csv",
    "soft_labels.parquet",
    "soft_labels.json",
    "train.txt",
    "test.txt",
}


@pytest.fixture(scope="module")
def sample_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("rep")
    assert (
        main(["report", "--out", str(out / "a"), "--n-boot", "50", "--seed", "3", "--quiet"]) == 0
    )
    return out / "a"


def test_sidecar_lists_the_bundled_inputs_with_sha256(sample_report):
    meta = json.loads((sample_report / "soft_labels.json").read_text())
    listed = {p["path"]: p["sha256"] for p in meta["inputs"]}
    for name in ("ratings.csv", "clips.csv"):
        f = sample_path() / name
        assert listed[str(f)] == hashlib.sha256(f.read_bytes()).hexdigest()


def test_soft_labels_exported_as_parquet_too(sample_report):
    csv = pd.read_csv(sample_report / "soft_labels.csv", dtype={"clip_id": str})
    pq = pd.read_parquet(sample_report / "soft_labels.parquet")
    assert list(pq.columns) == list(csv.columns)
    assert pq["clip_id"].tolist() == csv["clip_id"].tolist()
    doc = json.loads((sample_report / "report.json").read_text())
    prob = doc["data"]["schemes"][doc["aggregation"]["scheme"]]
    assert np.allclose(pq[prob].to_numpy(float), csv[prob].to_numpy(float), atol=1e-6)


def test_writes_every_file_and_a_valid_document(sample_report):
    assert {p.name for p in sample_report.iterdir()} == FILES
    doc = json.loads((sample_report / "report.json").read_text())
    validate_report(doc)
    assert doc["data"]["n_items"] == 2649
    assert doc["data"]["contexts"] == ["split", "session_type", "environment"]
    assert doc["aggregation"]["chosen"] == "hierarchical"
    assert {g["child"] for g in doc["granularity"]} == {"fine"}


def test_html_is_self_contained(sample_report):
    html = (sample_report / "report.html").read_text()
    assert not re.search(r'(src|href)="(https?:|//|file:)', html)
    n_img = html.count('src="data:image/png;base64,')
    assert n_img >= 15
    for heading in (
        "What was read",
        "Agreement on the coarse scheme",
        "Per class (coarse)",
        "Two granularities",
        "Aggregated labels",
        "Clips to review",
        "Human ceiling",
        "Agreement by context (coarse)",
    ):
        assert f">{heading}</h" in html
    md = (sample_report / "report.md").read_text()
    assert "## Agreement on the coarse scheme" in md and "| Gwet's AC1 |" in md


def test_same_input_and_seed_same_json(sample_report, tmp_path):
    assert main(["report", "--out", str(tmp_path), "--n-boot", "50", "--seed", "3", "--quiet"]) == 0
    assert (tmp_path / "report.json").read_bytes() == (sample_report / "report.json").read_bytes()


def test_aggregated_labels_recover_the_simulated_truth(sample_report):
    truth = pd.read_csv(sample_path() / "truth.csv", dtype=str).set_index("clip_id")["coarse"]
    labels = pd.read_csv(sample_report / "labels.csv", dtype=str, keep_default_na=False).set_index(
        "clip_id"
    )
    assert labels.index.equals(labels.index.unique()) and set(labels.index) == set(truth.index)
    acc = (labels["label"] == truth.reindex(labels.index)).mean()
    assert acc > 0.95
    probs = labels[[c for c in labels.columns if c.startswith("prob_")]].astype(float)
    assert np.allclose(probs.sum(axis=1), 1, atol=1e-6)
    # the list files carry the same labels as RAER codes 1-5, for a training script
    codes = {
        "1": "Neutrality",
        "2": "Enjoyment",
        "3": "Confusion",
        "4": "Fatigue",
        "5": "Distraction",
    }
    train = pd.read_csv(
        sample_report / "train.txt", sep=" ", header=None, names=["dir", "n", "code"], dtype=str
    )
    assert len(train) == 2121
    assert (
        train["code"].map(codes).to_numpy() == labels.loc[train["dir"], "label"].to_numpy()
    ).all()


def test_class_distribution_beside_published_counts(sample_report):
    agg = json.loads((sample_report / "report.json").read_text())["aggregation"]
    # RAER's published counts, train + test (ICCV 2025 paper)
    assert agg["published_counts"] == {
        "Neutrality": 1728,
        "Enjoyment": 161,
        "Confusion": 37,
        "Fatigue": 196,
        "Distraction": 527,
    }
    for dist in agg["class_distribution"].values():
        assert sum(dist.values()) <= 2649


def test_predictions_scored_against_labels_beside_humans(tmp_path, sample_report):
    truth = pd.read_csv(sample_path() / "truth.csv", dtype=str)
    truth = truth.rename(columns={"coarse": "predicted"})[["clip_id", "predicted"]]
    truth.to_csv(tmp_path / "preds.csv", index=False)
    out = tmp_path / "r"
    assert (
        main(
            [
                "report",
                "--out",
                str(out),
                "--n-boot",
                "0",
                "--quiet",
                "--no-exports",
                "--predictions",
                str(tmp_path / "preds.csv"),
            ]
        )
        == 0
    )
    doc = json.loads((out / "report.json").read_text())
    pred = doc["predictions"]
    labels = pd.read_csv(sample_report / "labels.csv", dtype=str, keep_default_na=False).set_index(
        "clip_id"
    )["label"]
    t = truth.set_index("clip_id")["predicted"].reindex(labels.index)
    assert pred["war"] == pytest.approx((t == labels).mean(), abs=1e-12)
    recalls = [(t[labels == c] == c).mean() for c in labels.unique()]
    assert pred["uar"] == pytest.approx(np.mean(recalls), abs=1e-12)
    assert 0 < pred["human_uar_median"] < 1
    assert {p.name for p in out.iterdir()} == {"report.html", "report.md", "report.json"}


def test_public_dataset_report(shared_dir, tmp_path):
    out = tmp_path / "dog"
    assert (
        main(
            [
                "report",
                str(shared_dir / "datasets" / "zheng_dog" / "labels.csv"),
                "--out",
                str(out),
                "--n-boot",
                "20",
                "--quiet",
            ]
        )
        == 0
    )
    doc = json.loads((out / "report.json").read_text())
    validate_report(doc)
    assert doc["aggregation"]["chosen"] == "dawid-skene"
    assert doc["granularity"] == [] and doc["data"]["contexts"] == []
    assert doc["aggregation"]["published_counts"] is None
    # zheng_dog: 807 items, 109 annotators (../shared/datasets/README.md)
    assert (doc["data"]["n_items"], doc["data"]["n_annotators"]) == (807, 109)


def test_user_errors_leave_nothing(tmp_path, capsys):
    out = tmp_path / "r"
    assert main(["report", "--out", str(out), "--predictions", str(tmp_path / "missing.csv")]) == 2
    assert "predictions file not found" in capsys.readouterr().err
    assert not out.exists()
    out.mkdir()
    (out / "report.json").write_text("old")
    assert main(["report", "--out", str(out), "--n-boot", "0", "--quiet"]) == 2
    assert (out / "report.json").read_text() == "old"
    assert sorted(p.name for p in out.iterdir()) == ["report.json"]
