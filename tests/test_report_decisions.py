"""The decision sections of the report: what the page shows equals the document."""

from __future__ import annotations

import pytest

from raer_agreement.aggregation.triage import exclude_annotators, triage_document
from raer_agreement.report.decisions import benchmark_frame, comparison_section, triage_section
from raer_agreement.report.render import Paragraph, Table, to_markdown


@pytest.fixture(scope="module")
def sample():
    from raer_agreement.simulate import load_sample

    return load_sample()


def test_triage_section_shows_the_document(sample):
    kept = exclude_annotators(sample, ["A05"])
    doc = triage_document(kept, "coarse", original=sample, excluded=["A05"])
    sec = triage_section(doc)
    tables = [b for b in sec.blocks if isinstance(b, Table)]
    coefs = tables[1].frame.set_index("coefficient")
    assert coefs.loc["Gwet's AC1", "after"] == pytest.approx(
        doc["exclusion"]["coefficients"]["gwet_ac1"]["after"]
    )
    text = " ".join(b.text for b in sec.blocks if isinstance(b, Paragraph))
    assert "Effect of excluding A05" in text and "counted as dropped in the ledger" in text
    assert "No annotator is flagged" in text
    md = to_markdown("r", "s", [sec])
    assert "## Annotator triage" in md


def test_benchmark_frame_reads_irrcac_vignette_values():
    # irrCAC vignette "irrCAC-benchmarking": AC1 0.77544 (SE 0.14295) is Moderate on
    # Landis-Koch and Altman (CumProb 0.99542), Intermediate to Good on Fleiss
    from raer_agreement.metrics.benchmarking import coefficient_benchmarks

    f = benchmark_frame(
        {"gwet_ac1": {"estimate": 0.77544, "benchmark": coefficient_benchmarks(0.77544, 0.14295)}}
    )
    row = f.iloc[0]
    assert row["Landis & Koch"] == "moderate (0.995)"
    assert row["Altman"] == "moderate (0.995)"
    assert row["Fleiss"] == "intermediate to good (0.995)"


def test_comparison_section_shows_the_document(sample):
    from raer_agreement.metrics.compare import compare_by

    c = compare_by(sample, "environment", "coarse", coefficients=["gwet_ac1"], n_boot=50, rng=0)
    sec = comparison_section("environment", c.to_dict())
    overall, pairwise = [b.frame for b in sec.blocks if isinstance(b, Table)]
    assert overall["p"].tolist() == pytest.approx(c.overall["p_value"].tolist())
    assert len(pairwise) == len(c.pairwise)
    assert pairwise["B - A"].tolist() == pytest.approx(c.pairwise["difference"].tolist())


def test_report_with_exclusion_gold_and_clamping(tmp_path):
    import json
    from importlib.resources import files

    import pandas as pd

    from raer_agreement.cli import main
    from raer_agreement.report import validate_report

    truth = pd.read_csv(files("raer_agreement") / "data" / "sample" / "truth.csv", dtype=str)
    gold = tmp_path / "gold.csv"
    truth.iloc[:400][["clip_id", "coarse"]].to_csv(gold, index=False)
    out = tmp_path / "rep"
    argv = ["report", "--out", str(out), "--n-boot", "30", "--quiet", "--no-exports"]
    argv += ["--drop-spammers", "0.1", "--gold", str(gold), "--gold-label-col", "coarse"]
    assert main([*argv, "--clamp-gold", "--method", "dawid-skene"]) == 0
    doc = json.loads((out / "report.json").read_text())
    validate_report(doc)
    assert doc["ledger"]["dropped"][-1]["reason"] == "spammer"
    ex = doc["triage"]["exclusion"]
    assert ex["excluded"] == ["A05"] and ex["hypothetical"] is False
    assert ex["ratings_removed"] == doc["ledger"]["dropped"][-1]["count"]
    acc = {r["annotator_id"]: r for r in doc["triage"]["gold_accuracy"]}
    assert "A05" not in acc and len(acc) == 13
    assert doc["aggregation"]["gold_clamped"]["dawid-skene"] is True
    md = (out / "report.md").read_text()
    assert "## Annotator triage" in md and "Effect of excluding A05" in md
