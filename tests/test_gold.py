"""Gold labels: clamping during EM (against crowd-kit's ``true_labels``), the
gold rows of a Toloka pool download, per-annotator accuracy on gold, and the
``--clamp-gold`` flag.

Independent references: crowd-kit 1.4.2 ``DawidSkene.fit(true_labels=...)``
run side by side; statsmodels' Wilson interval; per-annotator accuracies
recomputed with a pandas merge; the Toloka pool's README facts (20 control
tasks carry ``GOLDEN:R-4``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from raer_agreement import Annotations
from raer_agreement.aggregation import DawidSkene, read_gold
from raer_agreement.aggregation.triage import gold_accuracy
from raer_agreement.cli import main
from raer_agreement.errors import InputError


@pytest.mark.filterwarnings("ignore")  # crowd-kit's own pandas deprecation warnings
@pytest.mark.parametrize("name", ["zheng_dog", "bluebirds"])
def test_clamped_dawid_skene_matches_crowdkit_true_labels(shared_dir, name):
    ck = pytest.importorskip("crowdkit.aggregation")
    from raer_agreement.io import load_ratings

    d = shared_dir / "datasets" / name
    ann, gold = load_ratings(d / "labels.csv"), read_gold(d / "gold.csv")
    half = gold.iloc[::2]
    df = ann.to_crowdkit()
    df["label"] = df["label"].astype(str)
    ref = ck.DawidSkene(n_iter=100).fit(df, true_labels=half).labels_.astype(str)
    ours = DawidSkene(smoothing=0.0, max_iter=100).fit(ann, gold=half).labels_.astype(str)
    assert (ref.reindex(ours.index) == ours).mean() == 1.0
    assert (ours.reindex(half.index) == half).all()


def test_toloka_gold_rows_read_directly(shared_dir):
    path = (
        shared_dir
        / "datasets"
        / "real_formats"
        / "toloka_camarg"
        / "assignments_from_pool_42774131__05-02-2024.tsv"
    )
    if not path.is_file():
        pytest.skip("the Toloka pool download is absent")
    g = read_gold(path)
    raw = pd.read_csv(path, sep="\t", dtype=str)
    golden = raw.dropna(subset=["GOLDEN:R-4"])
    assert len(g) == 20 == golden["ASSIGNMENT:task_id"].nunique()
    ref = golden.drop_duplicates("ASSIGNMENT:task_id").set_index("ASSIGNMENT:task_id")["GOLDEN:R-4"]
    assert g.sort_index().tolist() == ref.sort_index().tolist()


def test_cli_clamps_the_gold_rows_of_a_toloka_export(shared_dir, tmp_path, capsys):
    path = (
        shared_dir
        / "datasets"
        / "real_formats"
        / "toloka_camarg"
        / "assignments_from_pool_42774131__05-02-2024.tsv"
    )
    if not path.is_file():
        pytest.skip("the Toloka pool download is absent")
    out = tmp_path / "labels.csv"
    assert main(["aggregate", str(path), "--clamp-gold", "--out", str(out)]) == 0
    assert "the 20 gold answers carried by the input" in capsys.readouterr().out
    labels = pd.read_csv(out, dtype=str).set_index("clip_id")["label"]
    gold = read_gold(path)
    assert (labels.reindex(gold.index) == gold).all()


def test_gold_file_with_conflicting_rows_names_the_line(tmp_path):
    p = tmp_path / "gold.csv"
    p.write_text("item,label\nc1,x\nc2,y\nc1,x\nc2,x\n")
    with pytest.raises(InputError, match=r"line 5.*two different gold labels"):
        read_gold(p)
    p.write_text("item,label\nc1,x\nc1,x\n")
    assert read_gold(p).to_dict() == {"c1": "x"}


def test_gold_accuracy_against_a_pandas_merge_and_statsmodels(shared_dir):
    from statsmodels.stats.proportion import proportion_confint

    from raer_agreement.io import load_ratings

    d = shared_dir / "datasets" / "zheng_face"
    ann, gold = load_ratings(d / "labels.csv"), read_gold(d / "gold.csv")
    acc = gold_accuracy(ann, gold)
    raw = pd.read_csv(d / "labels.csv", dtype=str)
    m = raw.merge(gold.rename("gold").rename_axis("item").reset_index(), on="item")
    ref = (m["label"] == m["gold"]).groupby(m["annotator"]).agg(["size", "sum", "mean"])
    ref = ref.reindex(acc.index)
    np.testing.assert_array_equal(acc["n_gold"], ref["size"])
    np.testing.assert_allclose(acc["accuracy"], ref["mean"])
    lo, hi = proportion_confint(ref["sum"], ref["size"], method="wilson")
    np.testing.assert_allclose(acc["ci_low"], lo, atol=1e-12)
    np.testing.assert_allclose(acc["ci_high"], hi, atol=1e-12)


def test_gold_accuracy_refuses_anonymous_votes():
    with pytest.raises(InputError, match="anonymous"):
        gold_accuracy(Annotations.from_counts([[2, 1]], categories=["x", "y"]), {"1": "x"})


def test_bundled_corpus_gold_accuracy_ranks_the_near_random_annotator_last():
    from importlib.resources import files

    from raer_agreement.simulate import load_sample

    ann = load_sample()
    root = files("raer_agreement") / "data" / "sample"
    truth = pd.read_csv(root / "truth.csv", dtype=str).set_index("clip_id")["coarse"]
    known = pd.read_csv(root / "annotators.csv").set_index("annotator_id")
    acc = gold_accuracy(ann, truth, "coarse")
    assert acc.index[0] == known["coarse_accuracy"].idxmin()
    # the simulator's per-annotator coarse accuracies are recovered within the Wilson interval
    inside = (known.loc[acc.index, "coarse_accuracy"] >= acc["ci_low"] - 0.01) & (
        known.loc[acc.index, "coarse_accuracy"] <= acc["ci_high"] + 0.01
    )
    assert inside.mean() >= 0.85


@pytest.fixture
def gold_file(tmp_path):
    from importlib.resources import files

    t = pd.read_csv(files("raer_agreement") / "data" / "sample" / "truth.csv", dtype=str)
    p = tmp_path / "gold.csv"
    t.iloc[:300][["clip_id", "coarse"]].to_csv(p, index=False)
    return p


def test_cli_clamp_gold_aggregate_and_soft_labels(gold_file, tmp_path, capsys):
    out = tmp_path / "labels.csv"
    assert main(["aggregate", "--gold", str(gold_file), "--clamp-gold", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "not an independent evaluation" in text
    labels = pd.read_csv(out, dtype=str).set_index("clip_id")["label"]
    gold = pd.read_csv(gold_file, dtype=str).set_index("clip_id")["coarse"]
    assert (labels.reindex(gold.index) == gold).all()
    sl = tmp_path / "soft"
    args = ["soft-labels", "--method", "dawid-skene", "--gold", str(gold_file), "--clamp-gold"]
    assert main([*args, "--out", str(sl), "--formats", "csv"]) == 0
    import json

    side = json.loads((sl / "soft_labels.json").read_text())
    assert side["parameters"]["gold_clamped"] == 300


@pytest.mark.parametrize(
    "argv, message",
    [
        (["aggregate", "--clamp-gold"], "needs gold labels"),
        (["aggregate", "--method", "majority", "--clamp-gold", "--gold", "GOLD"], "has no EM"),
        (["soft-labels", "--clamp-gold", "--gold", "GOLD"], "has no EM"),
    ],
)
def test_cli_clamp_gold_errors(argv, message, gold_file, tmp_path, capsys):
    argv = [str(gold_file) if a == "GOLD" else a for a in argv]
    assert main([*argv, "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]
