"""The annotation budget planner, checked against known truth.

The simulator knows every clip's true class, so the planner's estimates
(made without the truth) are compared with figures computed from it.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from raer_agreement import Annotations
from raer_agreement.aggregation import DawidSkene, MajorityVote
from raer_agreement.cli import main
from raer_agreement.planning import (
    Refitter,
    Votes,
    auto_soft_labels,
    parse_target,
    plan,
    rank_soft_label_methods,
)
from raer_agreement.planning.soft_labels import split_half_scores
from raer_agreement.simulate import SimulationParams, load_sample, sample_path, simulate_corpus


@pytest.fixture(scope="module")
def corpus():
    params = SimulationParams(
        train_counts=(300, 40, 20, 50, 90), test_counts=(0, 0, 0, 0, 0), n_annotators=8
    )
    return simulate_corpus(params, seed=7)


@pytest.fixture(scope="module")
def small_plan(corpus):
    return plan(
        corpus.annotations,
        "coarse",
        truth=corpus.truth["coarse"],
        n_resamples=20,
        n_boot=400,
        strategies=("uniform", "entropy"),
        seed=3,
    )


def test_expected_accuracy_agrees_with_truth_within_ci(small_plan):
    # The planner's accuracy estimate at k uses no truth; the simulator's
    # truth gives the actual accuracy of the same k-vote labels.  Up to
    # about half the panel the truth lies inside the estimate's CI; near the
    # full panel the estimate inherits Dawid-Skene's overconfidence (clips
    # differ in difficulty, which the model ignores), as documented.
    t = small_plan.per_k
    for _, r in t[t["k"] <= 5].iterrows():
        assert r["expected_accuracy_ci_low"] <= r["accuracy_vs_truth"]
        assert r["accuracy_vs_truth"] <= r["expected_accuracy_ci_high"]


def test_accuracy_vs_truth_matches_a_direct_computation(corpus):
    # One subset with k = 3 votes per clip, aggregated by the public estimator,
    # scored against the truth by hand: the planner's figure must be close.
    ann = corpus.annotations
    truth = corpus.truth["coarse"].reindex(list(ann.item_ids))
    votes = Votes.of(ann, "coarse")
    rng = np.random.default_rng(11)
    accs = []
    for _ in range(5):
        sub = votes.subset(votes.rank(rng) < 3)
        lab = DawidSkene().fit(sub, "coarse").labels_.astype(str)
        accs.append(float((lab.to_numpy() == truth.to_numpy()).mean()))
    p = plan(
        ann,
        "coarse",
        truth=corpus.truth["coarse"],
        ks=[3],
        n_resamples=10,
        n_boot=200,
        strategies=(),
        seed=5,
    )
    row = p.per_k.iloc[0]
    assert row["accuracy_ci_low"] - 0.02 <= np.mean(accs) <= row["accuracy_ci_high"] + 0.02


def test_full_panel_fit_equals_the_estimators():
    ann = load_sample()
    votes = Votes.of(ann, "coarse")
    post, lab = Refitter(votes, "dawid-skene").fit_full()
    ds = DawidSkene().fit(ann, "coarse")
    np.testing.assert_allclose(post, ds.posteriors_.to_numpy(), atol=1e-9)
    _, mv = Refitter(votes, "majority").fit_full(rng=np.random.default_rng(0))
    ref = MajorityVote(tie_break="lowest").fit(ann, "coarse")
    clear = ~ref.posteriors_.apply(lambda r: (r == r.max()).sum() > 1, axis=1).to_numpy()
    assert (mv[clear] == ref.label_codes_[clear]).all()


def test_clips_with_fewer_than_k_ratings_are_counted(small_plan, corpus):
    n = corpus.annotations.ratings_per_item("coarse")
    hist = small_plan.to_dict()["settings"]["clips_by_ratings"]
    assert {int(r): c for r, c in hist.items()} == dict(zip(*np.unique(n, return_counts=True)))
    t = small_plan.per_k.set_index("k")
    for k in t.index:
        assert t.loc[k, "n_clips_short"] == int((n < k).sum())
        assert t.loc[k, "n_clips"] + t.loc[k, "n_clips_short"] == corpus.annotations.n_items
        assert t.loc[k, "n_ratings"] == int(np.minimum(n, k).sum())


def test_adaptive_beats_uniform_at_equal_cost_on_the_bundled_corpus():
    ann = load_sample()
    truth = pd.read_csv(sample_path() / "truth.csv", index_col=0)["coarse"]
    p = plan(
        ann,
        "coarse",
        truth=truth,
        ks=[3],
        n_resamples=2,
        n_boot=100,
        start_k=3,
        strategies=("uniform", "entropy", "expected_change"),
        budget=ann.n_items,
        seed=1,
    )
    c = p.adaptive
    last = c.groupby("strategy").tail(1).set_index("strategy")
    # equal cost: every strategy spent the same ratings
    assert last["n_ratings"].nunique() == 1
    for s in ("entropy", "expected_change"):
        assert last.loc[s, "accuracy_vs_truth"] > last.loc["uniform", "accuracy_vs_truth"]


def test_parse_target():
    assert parse_target("uar=0.95") == ("uar", 0.95)
    with pytest.raises(ValueError):
        parse_target("kappa=0.9")
    with pytest.raises(ValueError):
        parse_target("accuracy=1.5")


def test_plan_json_interface(tmp_path, capsys, corpus):
    f = tmp_path / "ratings.csv"
    corpus.ratings.to_csv(f, index=False)
    gold = tmp_path / "gold.csv"
    corpus.truth["coarse"].rename("label").rename_axis("clip_id").reset_index().to_csv(
        gold, index=False
    )
    rc = main(
        [
            "plan",
            str(f),
            "--gold",
            str(gold),
            "--resamples",
            "5",
            "--n-boot",
            "100",
            "--strategies",
            "uniform,margin",
            "--target",
            "uar=0.9",
            "--json",
            "--soft-labels",
            "--out",
            str(tmp_path / "out"),
        ]
    )
    assert rc == 0
    doc = json.loads(capsys.readouterr().out)
    assert {"per_k", "adaptive", "conclusion"} <= set(doc)
    row = doc["per_k"][0]
    for key in (
        "k",
        "n_ratings",
        "agreement_with_full",
        "ci_low",
        "ci_high",
        "uar_with_full",
        "alpha_ci_width",
        "accuracy_vs_truth",
    ):
        assert key in row
    assert doc["settings"]["seed"] == 0 and doc["settings"]["n_resamples"] == 5
    assert doc["conclusion"].startswith("k=") or doc["conclusion"].startswith("no k")
    assert {"uniform", "margin"} == set(doc["adaptive"]["strategies"])
    assert doc["soft_labels"]["recommended"]["method"] in {
        "votes",
        "dawid-skene",
        "glad",
        "hierarchical",
        "ferplus",
    }
    q = pd.read_csv(tmp_path / "out" / "next_clips.csv")
    assert {"rank", "clip_id", "n_votes", "votes", "label"} <= set(q.columns)
    assert set(q["clip_id"]) <= set(corpus.annotations.item_ids)
    for name in ("plan.json", "quality_vs_k.png", "ci_width_vs_k.png", "adaptive_vs_uniform.png"):
        assert (tmp_path / "out" / name).is_file()


def test_plan_is_reproducible_with_a_seed(corpus):
    kw = dict(
        truth=corpus.truth["coarse"],
        ks=[1, 2],
        n_resamples=3,
        n_boot=50,
        strategies=("uniform",),
        seed=9,
    )
    a = plan(corpus.annotations, "coarse", **kw).to_dict()
    b = plan(corpus.annotations, "coarse", **kw).to_dict()
    assert a == b


def test_bad_target_exits_2(capsys):
    assert main(["plan", "--target", "kappa=2"]) == 2
    err = capsys.readouterr().err
    assert "--target" in err and err.count("\n") == 1


def test_dawid_skene_warm_start_reaches_the_cold_fixed_point():
    # EM from the posteriors of a fit on a subset of the votes ends where EM
    # from the soft majority vote ends, in fewer iterations.
    ann = load_sample()
    votes = Votes.of(ann, "coarse")
    small = DawidSkene().fit(votes.subset(votes.rank(np.random.default_rng(4)) < 6), "coarse")
    cold = DawidSkene(tol=1e-9, max_iter=500).fit(ann, "coarse")
    warm = DawidSkene(tol=1e-9, max_iter=500).fit(ann, "coarse", init=small.posteriors_)
    assert (warm.label_codes_ == cold.label_codes_).mean() > 0.999
    np.testing.assert_allclose(warm.priors_, cold.priors_, atol=1e-3)
    assert warm.n_iter_ < cold.n_iter_
    with pytest.raises(ValueError, match="init must have shape"):
        DawidSkene().fit(ann, "coarse", init=np.ones((3, 5)))


def test_batched_engine_equals_the_estimator_on_a_subset():
    # The planner's batched EM (several subsets in one incidence matrix) and
    # the public estimator started from the same confusions agree.
    ann = load_sample()
    votes = Votes.of(ann, "coarse")
    rf = Refitter(votes, "dawid-skene")
    rf.fit_full()
    full = DawidSkene().fit(ann, "coarse")
    rng = np.random.default_rng(2)
    masks = np.stack([votes.rank(rng) < k for k in (3, 5)])
    post, lab = rf.fit_many(masks)
    for b in range(2):
        est = DawidSkene(init_confusions=full.confusions_, init_priors=full.priors_.to_numpy()).fit(
            votes.subset(masks[b]), "coarse"
        )
        assert (lab[b] == est.label_codes_).mean() > 0.998
        np.testing.assert_allclose(post[b], est.posteriors_.to_numpy(), atol=0.05)


def test_split_half_scores_by_hand():
    # half A predicts (0.8, 0.2); half B voted 3 x class 0 and 1 x class 1
    s = split_half_scores(np.array([[0.8, 0.2]]), np.array([[3, 1]]))
    assert s["nll"] == pytest.approx(-(3 * np.log(0.8) + np.log(0.2)) / 4)
    assert s["brier"] == pytest.approx(0.05**2 + 0.05**2)
    assert s["nll_class"] == pytest.approx([-np.log(0.8), -np.log(0.2)])
    # one clip, one bin per class: |0.8 - 0.75| and |0.2 - 0.25|
    assert s["ece_class"] == pytest.approx([0.05, 0.05])


def test_unanimous_votes_rank_raw_shares_first():
    # every vote of a clip agrees: the raw shares predict the other half exactly
    ann = Annotations.from_counts([[6, 0, 0], [0, 6, 0], [0, 0, 6], [6, 0, 0]] * 5)
    r = rank_soft_label_methods(ann, n_splits=3, seed=0)
    assert r["nll"].iloc[0] == pytest.approx(0.0, abs=1e-9)
    assert json.loads(r["params"].iloc[0]) in (
        {"method": "votes", "alpha": 0.0},
        {"method": "ferplus"},
    )


def test_auto_soft_labels_record_the_choice_in_the_sidecar(tmp_path):
    from raer_agreement.exports import export_soft_labels

    ann = load_sample()
    soft = auto_soft_labels(ann, "coarse", n_splits=2, seed=1)
    assert soft.params["auto"]["criterion"].startswith("split-half")
    paths = export_soft_labels(soft, tmp_path, formats=("csv",))
    side = json.loads(paths["json"].read_text())
    assert side["parameters"]["auto"]["choice"] == soft.params["auto"]["choice"]
    np.testing.assert_allclose(soft.probs.sum(axis=1), 1.0)


def test_report_with_the_planning_section_validates(tmp_path):
    pytest.importorskip("jsonschema")
    from raer_agreement.report import build_report, validate_report, write_report

    ann = load_sample()
    report = build_report(ann, n_boot=0, progress=False)
    truth = pd.read_csv(sample_path() / "truth.csv", index_col=0)["coarse"]
    p = plan(ann, report.scheme, truth=truth, ks=[1, 2, 3], n_resamples=2, n_boot=50, seed=0)
    report.document["planning"] = p.to_dict()
    validate_report(report.document)
    paths = write_report(report, tmp_path, exports=False)
    html = paths["html"].read_text(encoding="utf-8")
    assert "Annotation budget" in html and p.conclusion.split(":")[0] in html
    assert json.loads(paths["json"].read_text())["planning"]["conclusion"] == p.conclusion


def test_hierarchical_and_majority_plans_run_on_both_granularities(corpus):
    for method in ("hierarchical", "majority"):
        p = plan(
            corpus.annotations,
            "coarse",
            method=method,
            truth=corpus.truth["coarse"],
            ks=[2, 4],
            n_resamples=2,
            n_boot=50,
            strategies=("uniform", "margin"),
            budget=50,
            seed=0,
        )
        t = p.per_k.set_index("k")
        # more votes, labels closer to the truth (known from the simulator)
        assert t.loc[4, "accuracy_vs_truth"] > t.loc[2, "accuracy_vs_truth"]
        assert p.settings["method"] == method


def test_anonymous_counts_default_to_majority(tmp_path, capsys):
    counts = pd.DataFrame(
        {"item": [f"c{i}" for i in range(40)], "a": [5, 1] * 20, "b": [1, 4] * 20, "c": [0, 1] * 20}
    )
    f = tmp_path / "counts.csv"
    counts.to_csv(f, index=False)
    rc = main(
        ["plan", str(f), "--format", "counts", "--categories", "a,b,c", "--resamples", "3"]
        + ["--n-boot", "50", "--json"]
    )
    assert rc == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["settings"]["method"] == "majority"
    assert [r["k"] for r in doc["per_k"]] == [1, 2, 3, 4, 5, 6]
    assert (
        main(
            [
                "plan",
                str(f),
                "--format",
                "counts",
                "--categories",
                "a,b,c",
                "--method",
                "dawid-skene",
            ]
        )
        == 2
    )
    assert "anonymous" in capsys.readouterr().err


def test_soft_labels_command_method_auto(tmp_path, corpus):
    f = tmp_path / "ratings.csv"
    corpus.ratings.to_csv(f, index=False)
    out = tmp_path / "soft"
    rc = main(["soft-labels", str(f), "--method", "auto", "--formats", "csv", "--out", str(out)])
    assert rc == 0
    side = json.loads(next(out.glob("*.json")).read_text())
    auto = side["parameters"]["auto"]
    assert auto["criterion"] == "split-half negative log-likelihood"
    assert auto["ranking"][0]["name"]
    probs = pd.read_csv(next(out.glob("*.csv")))
    assert len(probs) == corpus.annotations.n_items
