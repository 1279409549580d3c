"""The Dask engine against the in-memory estimators, on a LocalCluster of two worker processes.

One million simulated ratings (100,000 clips x 10 annotators out of 200,
five classes, known truth) with defects of every kind the validator
accounts for, read from a folder of Parquet files into 16 partitions:
labels must be identical to the in-memory estimators', posteriors and
coefficients within 1e-9, and the ledger's counts equal.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

pytest.importorskip(
    "distributed", reason="the Dask engine needs the dask extra: pip install 'raer_agreement[dask]'"
)
pytest.importorskip("dask.dataframe", reason="the Dask engine needs dask[dataframe]")
pytest.importorskip("pyarrow", reason="Parquet needs pyarrow")

from raer_agreement import distributed as rd  # noqa: E402
from raer_agreement.aggregation import DawidSkene, MajorityVote  # noqa: E402
from raer_agreement.cli import main  # noqa: E402
from raer_agreement.errors import InputError  # noqa: E402
from raer_agreement.io import load_ratings  # noqa: E402
from raer_agreement.metrics import (  # noqa: E402
    brennan_prediger,
    fleiss_kappa,
    gwet_ac1,
    krippendorff_alpha,
    percent_agreement,
)

CLASSES = np.array(["Neutrality", "Enjoyment", "Confusion", "Fatigue", "Distraction"], dtype=object)
N_CLIPS, PER_CLIP, N_ANN = 100_000, 10, 200


def simulate(n_clips, seed=0):
    """Long ratings with known truth: each annotator right with its own accuracy,
    otherwise a uniformly random class."""
    rng = np.random.default_rng(seed)
    q = len(CLASSES)
    truth = rng.choice(q, n_clips, p=[0.5, 0.2, 0.15, 0.1, 0.05])
    acc = rng.uniform(0.35, 0.9, N_ANN)
    item = np.repeat(np.arange(n_clips), PER_CLIP)
    # ten distinct annotators per clip: a random start and a fixed stride, permuted
    start = rng.integers(0, N_ANN, n_clips)
    ann = rng.permutation(N_ANN)[(start[:, None] + 17 * np.arange(PER_CLIP)) % N_ANN].ravel()
    right = rng.random(len(item)) < acc[ann]
    lab = np.where(right, truth[item], rng.integers(0, q, len(item)))
    df = pd.DataFrame(
        {
            "clip_id": "clip" + pd.Series(item).astype(str),
            "annotator_id": "w" + pd.Series(ann).astype(str),
            "label": CLASSES[lab],
        }
    )
    # defects the validator drops or flags, each with a ledger entry
    rows = rng.choice(len(df), 400, replace=False)
    df.loc[rows[:100], "label"] = "n/a"  # missing label
    df.loc[rows[100:150], "annotator_id"] = ""  # missing annotator
    df.loc[rows[150:200], "clip_id"] = " " + df.loc[rows[150:200], "clip_id"] + " "  # same clip
    dup = df.loc[rows[200:260]].copy()  # the same annotator rates the clip again
    df = pd.concat([df, dup], ignore_index=True)
    return df, truth


@pytest.fixture(scope="module")
def client():
    with rd.connect(n_workers=2) as c:
        yield c


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("dask")
    df, truth = simulate(N_CLIPS)
    df.to_parquet(root / "all.parquet", index=False)
    folder = root / "ratings"
    folder.mkdir()
    for k, idx in enumerate(np.array_split(np.arange(len(df)), 4)):
        df.iloc[idx].to_parquet(folder / f"part{k}.parquet", index=False)
    ann = load_ratings(root / "all.parquet")
    return {"root": root, "folder": folder, "ann": ann, "truth": truth}


@pytest.fixture(scope="module")
def ratings(client, data):
    return rd.read_ratings(data["folder"], client, npartitions=16)


def test_partitions_and_ledger(ratings, data):
    ann = data["ann"]
    assert ratings.n_partitions == 16
    assert (ratings.n_items, ratings.n_annotators, ratings.n_ratings) == (
        ann.n_items,
        ann.n_annotators,
        ann.n_ratings,
    )
    assert ratings.annotator_ids == ann.annotator_ids
    assert ratings.categories() == ann.categories()
    got, want = ratings.ledger, ann.ledger
    assert got.rows_read == want.rows_read == len(pd.read_parquet(data["root"] / "all.parquet"))
    assert got.dropped_by_reason == want.dropped_by_reason
    assert got.dropped_by_reason == {"missing_annotator_id": 50, "missing_label": 100}
    flagged = {e.reason: e.count for e in got.entries if not e.dropped}
    assert flagged == {e.reason: e.count for e in want.entries if not e.dropped}
    assert flagged["repeated_rating"] >= 50  # 60 copies, some of dropped rows
    assert got.ratings_per_item == want.ratings_per_item
    assert (got.n_items, got.n_annotators) == (want.n_items, want.n_annotators)
    # the in-memory loader also says which layout it detected; the Dask reader reads long only
    # the in-memory reader also names the missing-value tokens it met (the Dask ingest does not)
    skip = ("layout:", "missing values:")
    assert set(got.notes) == {n for n in want.notes if not n.startswith(skip)}


def _clip_order(frame, ann):
    """The Dask output in the in-memory clip order."""
    assert frame["clip_id"].tolist() == list(ann.item_ids)
    return frame


@pytest.mark.parametrize("model", ["full", "diagonal", "one-coin"])
def test_dawid_skene_equals_in_memory(ratings, data, model):
    ann = data["ann"]
    fit = rd.dawid_skene(ratings, model=model)
    got = _clip_order(fit.to_pandas(), ann)
    ref = DawidSkene(model=model).fit(ann)
    assert fit.info["n_iter"] == ref.n_iter_
    assert fit.info["converged"] == ref.converged_
    np.testing.assert_array_equal(got["label"].to_numpy(dtype=object), ref.labels_.astype(str))
    post = got[[f"prob_{c}" for c in ref.classes_]].to_numpy()
    np.testing.assert_allclose(post, ref.posteriors_.to_numpy(), rtol=0, atol=1e-9)
    np.testing.assert_allclose(fit.info["confusions"], ref.confusions_, rtol=0, atol=1e-9)
    np.testing.assert_allclose(fit.info["priors"], ref.priors_.to_numpy(), rtol=0, atol=1e-9)
    np.testing.assert_allclose(fit.info["log_likelihood"], ref.log_likelihood_, rtol=1e-12)
    # and it recovers the simulated truth far better than chance
    truth = CLASSES[data["truth"][[int(c.strip()[4:]) for c in ann.item_ids]]]
    assert (got["label"].to_numpy(dtype=object) == truth).mean() > 0.9


@pytest.mark.parametrize("tie_break", ["random", "lowest", "prior", "unresolved"])
def test_majority_vote_equals_in_memory(ratings, data, tie_break):
    ann = data["ann"]
    fit = rd.majority_vote(ratings, tie_break=tie_break, random_state=7)
    got = _clip_order(fit.to_pandas(), ann)
    ref = MajorityVote(tie_break=tie_break, random_state=7).fit(ann)
    assert fit.info["n_ties"] == ref.n_ties_ > 1000  # many ties: the policy matters
    np.testing.assert_array_equal(
        got["label"].astype(object).fillna("").to_numpy(),
        ref.labels_.astype(object).fillna("").to_numpy(),
    )
    post = got[[f"prob_{c}" for c in ref.classes_]].to_numpy()
    np.testing.assert_allclose(post, ref.posteriors_.to_numpy(), rtol=0, atol=1e-12)


def test_coefficient_table_equals_in_memory(ratings, data):
    ann = data["ann"]
    tab = rd.agreement_table(ratings)
    assert tab.attrs["distinct_count_vectors"] < 5000  # the reduced table is small
    for name, fn in (
        ("percent_agreement", percent_agreement),
        ("fleiss_kappa", fleiss_kappa),
        ("brennan_prediger", brennan_prediger),
        ("gwet_ac1", gwet_ac1),
        ("krippendorff_alpha", krippendorff_alpha),
    ):
        ref = fn(ann)
        row = tab.loc[name]
        for field in ("estimate", "se", "ci_low", "ci_high", "p_value", "pa", "pe"):
            assert row[field] == pytest.approx(ref[field], abs=1e-9, rel=0), (name, field)
        assert (row["n_items"], row["n_ratings"]) == (ref["n_items"], ref["n_ratings"])


def test_krippendorff_alpha_matches_the_krippendorff_package(ratings, data):
    krippendorff = pytest.importorskip("krippendorff")
    counts = data["ann"].counts()
    want = krippendorff.alpha(value_counts=counts, level_of_measurement="nominal")
    got = rd.agreement_table(ratings).loc["krippendorff_alpha", "estimate"]
    assert got == pytest.approx(want, abs=1e-9)


def test_write_parquet_per_partition(ratings, data, tmp_path):
    fit = rd.majority_vote(ratings, tie_break="lowest")
    out = fit.write_parquet(tmp_path / "labels")
    files = sorted(out.glob("part.*.parquet"))
    assert len(files) == 16
    back = pd.concat([pd.read_parquet(f) for f in files])
    assert len(back) == data["ann"].n_items
    assert set(back["clip_id"]) == set(data["ann"].item_ids)
    with pytest.raises(InputError):
        fit.write_parquet(tmp_path / "labels")  # exists, no force


# ------------------------------------------------------------ small inputs
SMALL = pd.DataFrame(
    {
        "item": ["c1", "c1", "c1", "c2", "c2", "c2", "c3", "c3", "c10", "c10", "c10"],
        "rater": ["a", "b", "a", "a", "b", "c", "b", "c", "a", "b", "c"],
        "answer": ["x", "y", "y", "X", "x", "zz", "y", "y", "x", "X", "x"],
    }
)


@pytest.mark.parametrize("duplicates", ["keep", "last"])
def test_policies_and_declared_categories_from_csv(client, tmp_path, duplicates):
    src = tmp_path / "small.csv"
    SMALL.to_csv(src, index=False)
    folder = rd.csv_to_parquet(src, tmp_path / "parts", npartitions=3)
    assert (folder / "_raer_partitioned.json").is_file()
    opts = dict(categories=["x", "y"], unknown="drop", duplicates=duplicates)
    r = rd.read_ratings(folder, client, **opts)
    ann = load_ratings(src, **opts)
    assert r.ledger.dropped_by_reason == ann.ledger.dropped_by_reason
    assert r.ledger.dropped_by_reason["unknown_label_answer"] == 1
    # "2 label(s) ... matched after case" summed over partitions
    assert set(r.ledger.notes) == {n for n in ann.ledger.notes if not n.startswith("layout:")}
    # example lines still point into the CSV
    got_lines = {e.reason: e.lines for e in r.ledger.entries}
    assert got_lines == {e.reason: e.lines for e in ann.ledger.entries}
    fit = rd.dawid_skene(r, max_iter=20)
    ref = DawidSkene(max_iter=20).fit(ann)
    got = fit.to_pandas()
    assert got["clip_id"].tolist() == list(ann.item_ids) == ["c1", "c10", "c2", "c3"]
    np.testing.assert_allclose(
        got[["prob_x", "prob_y"]].to_numpy(), ref.posteriors_.to_numpy(), atol=1e-9
    )


def test_bad_label_is_one_clear_error(client, tmp_path):
    src = tmp_path / "bad.csv"
    SMALL.to_csv(src, index=False)
    with pytest.raises(Exception) as err:
        rd.read_ratings(src, client, categories=["x", "y"])
    msg = str(err.value)
    assert "zz" in msg and "answer" in msg


def test_cli_engine_dask(client, tmp_path, capsys):
    src = tmp_path / "small.csv"
    SMALL.to_csv(src, index=False)
    addr = client.scheduler.address
    out = tmp_path / "labels"
    # X and x differ only in case: both engines refuse them until declared
    declared = ["--categories", "X,x,y,zz"]
    assert main(["agreement", str(src)]) == 2
    assert main(["agreement", str(src), "--engine", "dask", "--scheduler", addr]) == 2
    rc = main(
        ["aggregate", str(src), "--engine", "dask", "--scheduler", addr, "--method", "majority",
         "--tie-break", "lowest", "--out", str(out), *declared]
    )  # fmt: skip
    assert rc == 0
    back = pd.concat(pd.read_parquet(f) for f in sorted(out.glob("*.parquet")))
    assert dict(zip(back["clip_id"], back["label"])) == {
        "c1": "y",  # a said x then y (repeated ratings kept): y 2, x 1
        "c2": "X",  # X, x, zz tie (declared categories keep case): the lowest, X
        "c3": "y",
        "c10": "x",
    }
    capsys.readouterr()
    rc = main(["agreement", str(src), "--engine", "dask", "--scheduler", addr, "--json", *declared])
    assert rc == 0
    doc = json.loads(capsys.readouterr().out)
    # X and x differ only in case: the in-memory reader refuses them unless declared
    want = fleiss_kappa(load_ratings(src, categories=["X", "x", "y", "zz"]))
    got = doc["schemes"]["answer"]["coefficients"]["fleiss_kappa"]
    assert got["estimate"] == pytest.approx(want["estimate"], abs=1e-12)
    assert doc["ledger"]["rows_read"] == len(SMALL)
    rc = main(
        ["soft-labels", str(src), "--engine", "dask", "--scheduler", addr, "--out",
         str(tmp_path / "soft"), *declared]
    )  # fmt: skip
    assert rc == 0
    soft = pd.concat(pd.read_parquet(f) for f in (tmp_path / "soft").glob("*.parquet"))
    c1 = soft.set_index("clip_id").loc["c1"]
    assert (c1["prob_x"], c1["prob_y"]) == pytest.approx((1 / 3, 2 / 3))  # votes x, y, y
    rc = main(["aggregate", str(src), "--engine", "dask", "--method", "glad", "--out", "z"])
    assert rc == 2
    assert "glad" in capsys.readouterr().err
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rc = main(
            ["aggregate", str(src), "--engine", "dask", "--scheduler", addr, "--categories", "x,y",
             "--out", str(tmp_path / "x")]
        )  # fmt: skip
    assert rc == 2
    assert "zz" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize(
    "defect, flag",
    [("case", "--fold-case"), ("joined", "--multi-sep"), ("grouped", "--item-col")],
)
def test_reading_invariants_hold_on_the_dask_engine(client, tmp_path, defect, flag):
    """The in-memory reader's refusals that need every partition: labels that
    differ only in case, labels joined by a separator, an item column that
    names groups of clips. Both engines refuse the same file, naming the flag."""
    df, _ = simulate(2_000, seed=3)
    df = df[df["label"] != "n/a"].copy()
    if defect == "case":
        df.loc[df.index % 7 == 0, "label"] = df["label"].str.upper()
    elif defect == "joined":
        df.loc[df.index % 7 == 0, "label"] = "Fatigue|Confusion"
    else:
        # a panel of ten rates every clip; clips 0..3 of each video share an id
        clip = df["clip_id"].str.strip().str[4:].astype(int)
        df["annotator_id"] = "r" + df.groupby(clip).cumcount().astype(str)
        df["clip_id"] = "video" + (clip // 4).astype(str)
    src = tmp_path / f"{defect}.csv"
    df.to_csv(src, index=False)
    for read in (lambda: load_ratings(src), lambda: rd.read_ratings(src, client)):
        with pytest.raises(InputError) as err:
            read()
        assert flag in str(err.value) and len(str(err.value)) <= 300
