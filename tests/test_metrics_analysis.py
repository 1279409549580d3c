"""One analysis computed once: the Analysis object, its typed results, the
report reading it (nothing computed twice), and anonymous votes (no identity
statistic anywhere)."""

from __future__ import annotations

import json
from collections import Counter
from importlib import resources
from pathlib import Path
from unittest import mock

import jsonschema
import krippendorff
import numpy as np
import pandas as pd
import pytest
from statsmodels.stats import inter_rater as ir

import raer_agreement
from raer_agreement import Annotations
from raer_agreement.cli import main
from raer_agreement.errors import AnonymousVotesError
from raer_agreement.io.frames import from_long, from_matrix
from raer_agreement.metrics import (
    COEFFICIENTS,
    IDENTITY_COEFFICIENTS,
    IDENTITY_NOTE,
    Analysis,
    Coefficient,
    CoefficientTable,
    _core,
    _sufficient,
    agreement_summary,
    agreement_table,
    analysis,
    diagnostics,
    max_kappa,
)
from raer_agreement.report import build_report, validate_report
from raer_agreement.simulate import SimulationParams, load_sample, simulate_corpus

SCHEMA = json.loads(
    (resources.files("raer_agreement.data_schema") / "agreement.schema.json").read_text()
)

# Fleiss (1971): 30 psychiatric patients x 6 raters, categories 1..5, as vote counts.
# Source: /work/shared/reference/agreement_cases.json ("fleiss_1971_diagnoses"): Fleiss'
# kappa 0.4302445 (statsmodels, R irr); per-category kappas 0.245/0.245/0.520/0.471/0.566.
FLEISS_1971 = [
    [4, 4, 4, 4, 4, 4], [2, 2, 2, 5, 5, 5], [2, 3, 3, 3, 3, 5], [5, 5, 5, 5, 5, 5],
    [2, 2, 2, 4, 4, 4], [1, 1, 3, 3, 3, 3], [3, 3, 3, 3, 5, 5], [1, 1, 3, 3, 3, 4],
    [1, 1, 4, 4, 4, 4], [5, 5, 5, 5, 5, 5], [1, 4, 4, 4, 4, 4], [1, 2, 4, 4, 4, 4],
    [2, 2, 2, 3, 3, 3], [1, 4, 4, 4, 4, 4], [2, 2, 4, 4, 4, 5], [3, 3, 3, 3, 3, 5],
    [1, 1, 1, 4, 5, 5], [1, 1, 1, 1, 1, 2], [2, 2, 4, 4, 4, 4], [1, 3, 3, 5, 5, 5],
    [5, 5, 5, 5, 5, 5], [2, 4, 4, 4, 4, 4], [2, 2, 4, 5, 5, 5], [1, 1, 4, 4, 4, 4],
    [1, 4, 4, 4, 4, 5], [2, 2, 2, 2, 2, 4], [1, 1, 1, 1, 5, 5], [2, 2, 4, 4, 4, 4],
    [1, 3, 3, 3, 3, 3], [5, 5, 5, 5, 5, 5],
]  # fmt: skip
FLEISS_KAPPA = 0.43024452006014074
FLEISS_PER_CATEGORY = [0.24475524, 0.24475524, 0.52, 0.47112727, 0.56611781]


def fleiss_counts() -> np.ndarray:
    m = np.asarray(FLEISS_1971)
    return np.stack([(m == k).sum(1) for k in range(1, 6)], axis=1)


def ac1_by_hand(counts) -> float:
    """Gwet's AC1 (Gwet 2008, eq. for multiple raters) written out from the counts."""
    counts = np.asarray(counts, dtype=float)
    m = counts.sum(1)
    keep = m >= 2
    q = counts.shape[1]
    pa = np.mean(((counts * (counts - 1)).sum(1) / (m * (m - 1)))[keep])
    pi = (counts / m[:, None]).mean(0)
    pe = (pi * (1 - pi)).sum() / (q - 1)
    return (pa - pe) / (1 - pe)


# ------------------------------------------------------------------ Analysis
def test_analysis_is_exported_where_a_newcomer_looks():
    assert raer_agreement.Analysis is Analysis
    assert raer_agreement.metrics.Analysis is Analysis


def test_analysis_matches_statsmodels_and_krippendorff_on_fleiss_1971():
    ann = from_matrix(FLEISS_1971, categories=[1, 2, 3, 4, 5])
    a = Analysis(ann)
    t = a.coefficients(n_boot=100, rng=0)
    assert isinstance(t, CoefficientTable) and isinstance(t["fleiss_kappa"], Coefficient)
    assert t["fleiss_kappa"].estimate == pytest.approx(FLEISS_KAPPA, abs=1e-12)
    counts = fleiss_counts()
    assert t["fleiss_kappa"].estimate == pytest.approx(ir.fleiss_kappa(counts), abs=1e-12)
    alpha = krippendorff.alpha(
        value_counts=counts, value_domain=[1, 2, 3, 4, 5], level_of_measurement="nominal"
    )
    assert t["krippendorff_alpha"].estimate == pytest.approx(alpha, abs=1e-12)
    assert t["gwet_ac1"].estimate == pytest.approx(ac1_by_hand(counts), abs=1e-12)
    lo, hi = t["fleiss_kappa"].boot_ci
    assert lo < FLEISS_KAPPA < hi
    np.testing.assert_allclose(a.per_class()["fleiss_kappa"], FLEISS_PER_CATEGORY, atol=5e-9)


def test_coefficient_table_renders_the_agreement_table():
    ann = from_matrix(FLEISS_1971, categories=[1, 2, 3, 4, 5])
    frame = Analysis(ann).coefficients(n_boot=50, rng=1).to_frame()
    pd.testing.assert_frame_equal(frame, agreement_table(ann, n_boot=50, rng=1))
    assert list(frame["coefficient"]) == list(COEFFICIENTS)
    text = Analysis(ann).coefficients().to_text()
    assert "fleiss_kappa" in text and "0.430" in text


def counting(target, name):
    """Patch ``target.name`` with a wrapper that records every call's arguments."""
    calls = []
    original = getattr(target, name)

    def wrapper(*args, **kwargs):
        calls.append((args, kwargs))
        return original(*args, **kwargs)

    return mock.patch.object(target, name, side_effect=wrapper), calls


def content_key(s) -> tuple:
    return (s.scheme, s.item.tobytes(), s.annotator.tobytes(), s.label.tobytes())


def test_report_computes_nothing_twice():
    ann = load_sample()
    built = []
    original_init = _sufficient.Sufficient.__init__

    def record(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        built.append(self)

    p_pairs, pair_calls = counting(_core, "pair_tables")
    p_spread, spread_calls = counting(analysis, "vote_spread_of")
    p_class, class_calls = counting(analysis, "per_class_of")
    p_ceiling, ceiling_calls = counting(analysis, "consensus_tables")
    p_bound, bound_calls = counting(diagnostics, "conger_pa_max")
    with (
        mock.patch.object(_sufficient.Sufficient, "__init__", record),
        p_pairs,
        p_spread,
        p_class,
        p_ceiling,
        p_bound,
    ):
        report = build_report(ann, n_boot=20, seed=0)
    keys = Counter(content_key(s) for s in built)
    assert keys and max(keys.values()) == 1, "the same sufficient statistics were built twice"
    # the whole data of each scheme: once
    for sch in ann.schemes:
        whole = [s for s in built if s.scheme == sch and s.n_ratings == ann.only(sch).n_ratings]
        assert len(whole) >= 1
    # pair tables: once per distinct data (each scheme, each context group)
    assert Counter(content_key(args[0]) for args, _ in pair_calls).most_common(1)[0][1] == 1
    assert len(spread_calls) == len(ann.schemes)
    assert len(class_calls) == len(ann.schemes)  # the bootstrapped table serves both views
    # the leave-one-out consensus: once per scheme, for the per-annotator table, its
    # intervals and the human ceiling
    assert len(ceiling_calls) == len(ann.schemes)
    assert len(bound_calls) == len(ann.schemes)
    assert set(report.analyses) == set(ann.schemes)


# ------------------------------------------------------------- max-kappa bound
def bound_by_brute_force(ann: Annotations) -> float:
    """Percent-agreement bound of Conger's kappa, by loops over items and rating pairs."""
    it, an, lab = ann.ratings()
    q = ann.n_categories()
    A: dict = {}
    n2 = 0
    self_pairs = 0.0
    for i in np.unique(it):
        rows = np.flatnonzero(it == i)
        m = len(rows)
        if m < 2:
            continue
        n2 += 1
        w = 1.0 / (m * (m - 1))
        for r in rows:
            for s in rows:
                if r == s:
                    continue
                if an[r] == an[s]:
                    self_pairs += w
                    continue
                key = (an[r], an[s])
                A.setdefault(key, np.zeros(q))[lab[r]] += w  # a's label k, b present
    total = 0.0
    for (a, b), v in A.items():
        total += np.minimum(v, A.get((b, a), np.zeros(q))).sum()
    return (total + self_pairs) / n2


@pytest.mark.parametrize("seed", range(6))
def test_conger_bound_is_consistent_with_the_estimate(seed):
    rng = np.random.default_rng(seed)
    n_items, n_ann, q = 40, 7, 3
    rows = []
    for i in range(n_items):
        raters = rng.choice(n_ann, size=rng.integers(2, 6), replace=False)
        truth = rng.integers(q)
        for a in raters:
            lab = truth if rng.random() < 0.6 + 0.05 * a else rng.integers(q)
            rows.append((f"c{i}", f"a{a}", f"k{lab}"))
            if seed % 2 and rng.random() < 0.1:  # a repeated rating
                rows.append((f"c{i}", f"a{a}", f"k{rng.integers(q)}"))
    df = pd.DataFrame(rows, columns=["item", "annotator", "label"])
    ann = from_long(df, categories=[f"k{k}" for k in range(q)])
    s = _sufficient.sufficient(ann)
    assert diagnostics.conger_pa_max(s) == pytest.approx(bound_by_brute_force(ann), abs=1e-12)
    mk = max_kappa(ann)
    assert mk["conger_kappa"] <= mk["conger_kappa_max"] + 1e-12
    assert mk["mean_cohen_kappa"] <= mk["mean_cohen_kappa_max"] + 1e-12


def test_conger_bound_is_the_textbook_one_when_everyone_rates_everything():
    # Umesh, Peterson & Sauber (1989): with complete data the bound is the mean over rater
    # pairs of sum_k min(p_ak, p_bk) (each rater's own marginals).
    m = np.asarray(FLEISS_1971)
    p = np.stack([(m == k).mean(0) for k in range(1, 6)], axis=1)  # raters x categories
    r = len(p)
    pa_max = np.mean([np.minimum(p[a], p[b]).sum() for a in range(r) for b in range(a + 1, r)])
    ann = from_matrix(FLEISS_1971, categories=[1, 2, 3, 4, 5])
    assert diagnostics.conger_pa_max(_sufficient.sufficient(ann)) == pytest.approx(
        pa_max, abs=1e-12
    )


# ---------------------------------------------------------------- anonymous votes
IDENTITY_WORDS = ("conger", "cohen", "per_annotator", "pairwise", "human_ceiling_by")


def assert_no_identity_statistic(doc: dict):
    for sch in doc["schemes"].values():
        assert not set(IDENTITY_COEFFICIENTS) & set(sch["coefficients"])
        assert "per_annotator" not in sch
        assert not any("kappa_max" in k for k in sch["diagnostics"])
        for groups in sch["by"].values():
            for g in groups:
                assert not set(IDENTITY_COEFFICIENTS) & set(g["coefficients"])


def test_counts_table_keeps_fleiss_alpha_ac1_and_drops_identity_statistics():
    counts = fleiss_counts()
    ann = Annotations.from_counts(counts, categories=[1, 2, 3, 4, 5])
    assert ann.anonymous
    doc = agreement_summary(ann, n_boot=50, rng=0)
    jsonschema.Draft202012Validator(SCHEMA).validate(doc)
    assert doc["anonymous_votes"] == IDENTITY_NOTE
    assert_no_identity_statistic(doc)
    c = doc["schemes"]["label"]["coefficients"]
    assert c["fleiss_kappa"]["estimate"] == pytest.approx(FLEISS_KAPPA, abs=1e-12)
    alpha = krippendorff.alpha(
        value_counts=counts, value_domain=[1, 2, 3, 4, 5], level_of_measurement="nominal"
    )
    assert c["krippendorff_alpha"]["estimate"] == pytest.approx(alpha, abs=1e-12)
    assert c["gwet_ac1"]["estimate"] == pytest.approx(ac1_by_hand(counts), abs=1e-12)
    per_class = [r["fleiss_kappa"] for r in doc["schemes"]["label"]["per_class"]]
    np.testing.assert_allclose(per_class, FLEISS_PER_CATEGORY, atol=5e-9)


@pytest.mark.parametrize(
    "ask",
    [
        lambda a: a.per_annotator,
        lambda a: a.pairwise_cohen,
        lambda a: a.kappa_matrix,
        lambda a: a.max_kappa,
        lambda a: a.human_ceiling,
        lambda a: a.coefficients(["conger_kappa"]),
        lambda a: a.coefficients(["mean_cohen_kappa"]),
    ],
)
def test_identity_statistics_refuse_anonymous_votes(ask):
    a = Analysis(Annotations.from_counts(fleiss_counts()))
    with pytest.raises(AnonymousVotesError, match="anonymous"):
        ask(a)


def test_functions_refuse_anonymous_votes():
    from raer_agreement.metrics import (
        cohen_kappa_matrix,
        conger_kappa,
        light_kappa,
        pairwise_cohen,
        per_annotator_agreement,
    )

    ann = Annotations.from_counts(fleiss_counts())
    for f in (cohen_kappa_matrix, conger_kappa, light_kappa, pairwise_cohen):
        with pytest.raises(AnonymousVotesError):
            f(ann)
    with pytest.raises(AnonymousVotesError):
        per_annotator_agreement(ann)
    with pytest.raises(ValueError):  # AnonymousVotesError is a ValueError (InputError)
        max_kappa(ann)


@pytest.mark.parametrize(
    "method", ["wawa", "dawid-skene", "one-coin", "class-conditional", "glad", "mace"]
)
def test_identity_aggregators_refuse_anonymous_votes(method):
    from raer_agreement.aggregation import make_aggregator

    with pytest.raises(AnonymousVotesError, match="needs annotator identities"):
        make_aggregator(method).fit(Annotations.from_counts(fleiss_counts()))


def test_majority_vote_works_on_anonymous_votes():
    from raer_agreement.aggregation import make_aggregator

    labels = make_aggregator("majority", tie_break="lowest").fit_predict(
        Annotations.from_counts([[3, 1], [0, 4], [2, 2]], categories=["x", "y"])
    )
    assert labels.tolist() == ["x", "y", "x"]


@pytest.fixture(scope="module")
def counts_csv(tmp_path_factory) -> Path:
    f = tmp_path_factory.mktemp("counts") / "fleiss1971_counts.csv"
    c = fleiss_counts()
    pd.DataFrame(c, columns=[f"c{k}" for k in range(1, 6)]).rename_axis(
        "item"
    ).reset_index().to_csv(f, index=False)
    return f


def test_cli_agreement_on_a_counts_table_says_so_once(counts_csv, capsys):
    assert (
        main(
            [
                "agreement",
                str(counts_csv),
                "--format",
                "counts",
                "--categories",
                "c1,c2,c3,c4,c5",
                "--n-boot",
                "0",
            ]
        )
        == 0
    )
    text = capsys.readouterr().out
    assert text.count(IDENTITY_NOTE) == 1
    body = text.split("conventions:")[0].replace(IDENTITY_NOTE, "")
    assert "Conger" not in body and "Cohen" not in body
    assert "per annotator" not in body
    assert (
        main(
            [
                "agreement",
                str(counts_csv),
                "--format",
                "counts",
                "--categories",
                "c1,c2,c3,c4,c5",
                "--json",
                "--n-boot",
                "20",
            ]
        )
        == 0
    )
    doc = json.loads(capsys.readouterr().out)
    jsonschema.Draft202012Validator(SCHEMA).validate(doc)
    assert_no_identity_statistic(doc)
    fk = doc["schemes"][next(iter(doc["schemes"]))]["coefficients"]["fleiss_kappa"]["estimate"]
    assert fk == pytest.approx(FLEISS_KAPPA, abs=1e-12)


def test_cli_report_on_a_counts_table_holds_no_identity_statistic(counts_csv, tmp_path, capsys):
    out = tmp_path / "rep"
    argv = [
        "report",
        str(counts_csv),
        "--format",
        "counts",
        "--categories",
        "c1,c2,c3,c4,c5",
        "--n-boot",
        "20",
        "--quiet",
    ]
    assert main(argv + ["--out", str(out)]) == 0
    doc = json.loads((out / "report.json").read_text())
    validate_report(doc)
    assert doc["anonymous_votes"] == IDENTITY_NOTE
    assert_no_identity_statistic(doc["agreement"])
    assert all("pairwise_kappa" not in d for d in doc["detail"].values())
    assert doc["human_ceiling"] == []
    assert doc["aggregation"]["methods"] == ["majority"]
    assert doc["aggregation"]["dawid_skene"] is None
    html = (out / "report.html").read_text()
    assert html.count("annotator identities are unknown") == 1
    capsys.readouterr()
    assert main(argv + ["--out", str(tmp_path / "ds"), "--method", "dawid-skene"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "needs annotator identities" in err[0]
    assert not (tmp_path / "ds").exists()


def test_identified_data_still_has_every_identity_statistic():
    ann = simulate_corpus(SimulationParams.scaled(80), seed=4).annotations
    doc = agreement_summary(ann, n_boot=0, schemes=["coarse"])
    assert "anonymous_votes" not in doc
    s = doc["schemes"]["coarse"]
    assert set(IDENTITY_COEFFICIENTS) <= set(s["coefficients"])
    assert len(s["per_annotator"]) == ann.only("coarse").n_annotators
    assert s["diagnostics"]["conger_kappa_max"] >= s["coefficients"]["conger_kappa"]["estimate"]


def test_human_ceiling_by_brute_force_with_shared_ties():
    from raer_agreement.metrics import human_ceiling

    rng = np.random.default_rng(3)
    m = rng.integers(1, 4, size=(40, 5)).astype(float)
    m[rng.random(m.shape) < 0.2] = np.nan
    ann = from_matrix(m, categories=[1, 2, 3])
    got = human_ceiling(ann)
    for a in range(m.shape[1]):
        T = np.zeros((3, 3))
        for i in range(m.shape[0]):
            if np.isnan(m[i, a]):
                continue
            others = [int(v) - 1 for j, v in enumerate(m[i]) if j != a and not np.isnan(v)]
            if not others:
                continue
            c = np.bincount(others, minlength=3)
            top = np.flatnonzero(c == c.max())
            for t in top:
                T[int(m[i, a]) - 1, t] += 1 / len(top)
        row = got.loc[str(a + 1)]
        assert row["n_compared"] == T.sum()
        assert row["war"] == pytest.approx(np.trace(T) / T.sum(), abs=1e-12)
        cols = T.sum(0)
        assert row["uar"] == pytest.approx(
            np.mean(np.diag(T)[cols > 0] / cols[cols > 0]), abs=1e-12
        )
