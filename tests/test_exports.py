"""Exports round-trip: NPZ, CSV, Parquet, sidecar, list files."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import raer_agreement
from raer_agreement.aggregation import DawidSkene, model_soft_labels, vote_distribution
from raer_agreement.errors import InputError
from raer_agreement.exports import (
    export_soft_labels,
    file_sha256,
    read_npz,
    write_labels_csv,
    write_list_files,
)
from raer_agreement.io.listfile import read_list_file
from raer_agreement.simulate import SimulationParams, simulate_corpus


@pytest.fixture(scope="module")
def corpus():
    return simulate_corpus(SimulationParams.scaled(200), seed=8)


def test_npz_loads_with_plain_numpy(tmp_path, corpus):
    soft = vote_distribution(corpus.annotations, "coarse", alpha=0.5)
    export_soft_labels(soft, tmp_path, formats=("npz",))
    with np.load(tmp_path / "soft_labels.npz", allow_pickle=False) as z:
        assert z["probs"].dtype == np.float32
        np.testing.assert_allclose(z["probs"].sum(axis=1), 1.0, atol=1e-6)
        assert z["classes"].tolist() == [
            "Neutrality",
            "Enjoyment",
            "Confusion",
            "Fatigue",
            "Distraction",
        ]
        assert z["codes"].tolist() == ["1", "2", "3", "4", "5"]
        ids = z["clip_ids"].tolist()
        counts = z["counts"]
    # ids travel with the vectors: counts match the annotations by id, not by row order
    ref = corpus.annotations.counts_frame("coarse")
    np.testing.assert_array_equal(counts, ref.loc[ids].to_numpy())
    back = read_npz(tmp_path / "soft_labels.npz")
    np.testing.assert_allclose(back.probs, soft.probs, atol=1e-6)


def test_tables_round_trip(tmp_path, corpus):
    soft = model_soft_labels(DawidSkene(), corpus.annotations, "coarse")
    written = export_soft_labels(soft, tmp_path, formats=("csv", "parquet"), inputs=[])
    csv = pd.read_csv(written["csv"], dtype={"clip_id": str, "code": str})
    pq = pd.read_parquet(written["parquet"])
    for t in (csv, pq):
        assert list(t.columns) == [
            "clip_id",
            *soft.classes,
            "n_ratings",
            "entropy",
            "label",
            "code",
        ]
        assert t["clip_id"].tolist() == list(soft.clip_ids)
        np.testing.assert_allclose(t[list(soft.classes)].to_numpy(), soft.probs, atol=1e-7)
        np.testing.assert_array_equal(t["n_ratings"].to_numpy(), soft.counts.sum(axis=1))
    assert (csv["code"] == csv["label"].map(dict(zip(soft.classes, soft.codes)))).all()


def test_sidecar_records_provenance(tmp_path, corpus):
    src = tmp_path / "ratings.csv"
    corpus.ratings.to_csv(src, index=False)
    soft = vote_distribution(corpus.annotations, "coarse", alpha=1.0)
    out = tmp_path / "out"
    export_soft_labels(soft, out, inputs=[src])
    meta = json.loads((out / "soft_labels.json").read_text())
    assert meta["version"] == raer_agreement.__version__
    assert meta["classes"] == list(soft.classes) and meta["method"] == "votes"
    assert meta["parameters"]["alpha"] == 1.0
    assert meta["inputs"][0]["sha256"] == file_sha256(src)
    import hashlib

    assert meta["inputs"][0]["sha256"] == hashlib.sha256(src.read_bytes()).hexdigest()


def test_no_overwrite_without_force(tmp_path, corpus):
    soft = vote_distribution(corpus.annotations, "coarse")
    export_soft_labels(soft, tmp_path)
    before = (tmp_path / "soft_labels.csv").read_bytes()
    with pytest.raises(InputError, match="--force"):
        export_soft_labels(soft, tmp_path)
    assert (tmp_path / "soft_labels.csv").read_bytes() == before
    export_soft_labels(soft, tmp_path, force=True)
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_list_files_round_trip(tmp_path, corpus):
    ann = corpus.annotations
    ds = DawidSkene().fit(ann, "coarse")
    res = write_list_files(ds.labels_, ann, tmp_path, scheme="coarse")
    assert set(k for k in res if k != "left_out") == {"train", "test"}
    back = pd.concat([read_list_file(res["train"]), read_list_file(res["test"])])
    items = ann.items
    assert len(back) + res["left_out"] == ann.n_items
    np.testing.assert_array_equal(
        back["num_frames"].to_numpy(), items.loc[back.index, "num_frames"].to_numpy()
    )
    codes = dict(zip(ann.categories("coarse"), ann.scheme("coarse").codes))
    assert (back["list_label"] == ds.labels_.astype(str).loc[back.index].map(codes)).all()
    assert set(back["list_label"]) <= {"1", "2", "3", "4", "5"}
    assert (back["split"] == items.loc[back.index, "split"]).all()


def test_labels_csv(tmp_path):
    df = pd.DataFrame(
        {"item": ["007", "007", "10"], "annotator": ["a", "b", "a"], "label": ["x", "y", "y"]}
    )
    ds = DawidSkene().fit(df)
    write_labels_csv(ds, tmp_path / "l.csv")
    t = pd.read_csv(tmp_path / "l.csv", dtype={"clip_id": str})
    assert t["clip_id"].tolist() == ["007", "10"]  # ids as given
    assert list(t.columns) == ["clip_id", "label", "confidence", "prob_x", "prob_y"]
