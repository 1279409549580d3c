"""The ``raer-agreement agreement`` command: JSON against its schema, values
against published references and peers, user errors as one line (exit 2)."""

from __future__ import annotations

import json
from importlib import resources

import jsonschema
import krippendorff
import metric_cases as mc
import numpy as np
import pytest

from raer_agreement.cli import main

SCHEMA = json.loads(
    resources.files("raer_agreement.data_schema").joinpath("agreement.schema.json").read_text()
)
KEYS = [
    "percent_agreement",
    "fleiss_kappa",
    "randolph_kappa",
    "brennan_prediger",
    "conger_kappa",
    "gwet_ac1",
    "krippendorff_alpha",
    "mean_cohen_kappa",
]


def write_long(path, rows, header="item,annotator,label"):
    """rows: items x raters with None for missing."""
    lines = [header]
    for i, r in enumerate(rows):
        for a, v in enumerate(r):
            if v is not None:
                lines.append(f"u{i + 1},r{a + 1},{v}")
    path.write_text("\n".join(lines) + "\n")
    return path


def run_json(capsys, argv):
    assert main(argv) == 0
    out = capsys.readouterr().out
    doc = json.loads(out)
    jsonschema.Draft202012Validator(SCHEMA).validate(doc)
    return doc


def test_schema_is_valid_and_documents_every_field():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    missing = []

    def walk(node, where):
        if isinstance(node, dict):
            for name, sub in node.get("properties", {}).items():
                if "description" not in sub:
                    missing.append(f"{where}.{name}")
            for key, sub in node.items():
                walk(sub, f"{where}.{key}")
        elif isinstance(node, list):
            for k, sub in enumerate(node):
                walk(sub, f"{where}[{k}]")

    walk(SCHEMA, "$")
    assert not missing, missing


def test_json_matches_published_irrcac_values(tmp_path, capsys):
    f = write_long(tmp_path / "r.csv", mc.CAC_RAW4RATERS)
    doc = run_json(
        capsys, ["agreement", str(f), "--json", "--n-boot", "0", "--categories", "1,2,3,4,5"]
    )
    coefs = doc["schemes"]["label"]["coefficients"]
    assert sorted(coefs) == sorted(KEYS)
    for key, exp in mc.CAC_RAW4RATERS_EXPECTED.items():
        assert coefs[key]["estimate"] == pytest.approx(exp["estimate"], abs=6e-6), key
        assert coefs[key]["se"] == pytest.approx(exp["se"], abs=6e-6), key
        assert coefs[key]["ci_low"] == pytest.approx(exp["ci"][0], abs=6e-4), key
        assert coefs[key]["boot_ci_low"] is None and coefs[key]["boot_ci_high"] is None
    assert doc["bootstrap"]["n_boot"] == 0
    assert doc["ledger"]["rows_read"] == sum(v is not None for r in mc.CAC_RAW4RATERS for v in r)


def test_json_agrees_with_peers_on_random_data(tmp_path, capsys):
    from statsmodels.stats import inter_rater as ir

    rng = np.random.default_rng(5)
    truth = rng.integers(0, 4, 120)
    m = np.where(rng.random((120, 6)) < 0.7, truth[:, None], rng.integers(0, 4, (120, 6)))
    f = write_long(tmp_path / "r.csv", m.tolist())
    doc = run_json(
        capsys,
        [
            "agreement",
            str(f),
            "--json",
            "--n-boot",
            "100",
            "--seed",
            "3",
            "--categories",
            "0,1,2,3",
        ],
    )
    c = doc["schemes"]["label"]["coefficients"]
    counts, _ = ir.aggregate_raters(m, n_cat=4)
    assert c["fleiss_kappa"]["estimate"] == pytest.approx(ir.fleiss_kappa(counts), abs=1e-12)
    assert c["randolph_kappa"]["estimate"] == pytest.approx(
        ir.fleiss_kappa(counts, method="randolph"), abs=1e-12
    )
    ref = krippendorff.alpha(
        reliability_data=m.T, value_domain=[0, 1, 2, 3], level_of_measurement="nominal"
    )
    assert c["krippendorff_alpha"]["estimate"] == pytest.approx(ref, abs=1e-12)
    for key in KEYS:
        assert c[key]["boot_ci_low"] <= c[key]["estimate"] <= c[key]["boot_ci_high"], key
    assert doc["bootstrap"] == {
        "n_boot": 100,
        "seed": 3,
        "unit": "item",
        "method": "percentile",
        "scheme": "clips",
    }
    # the same seed gives the same document
    assert (
        run_json(
            capsys,
            [
                "agreement",
                str(f),
                "--json",
                "--n-boot",
                "100",
                "--seed",
                "3",
                "--categories",
                "0,1,2,3",
            ],
        )
        == doc
    )


def test_level_option_reaches_alpha(tmp_path, capsys):
    f = write_long(tmp_path / "r.csv", [list(r) for r in zip(*mc.KRIPPENDORFF_2011)])
    doc = run_json(
        capsys,
        [
            "agreement",
            str(f),
            "--json",
            "--n-boot",
            "0",
            "--level",
            "ordinal",
            "--categories",
            "1,2,3,4,5",
        ],
    )
    assert doc["schemes"]["label"]["coefficients"]["krippendorff_alpha"][
        "estimate"
    ] == pytest.approx(mc.KRIPPENDORFF_2011_ALPHA["ordinal"], abs=1e-12)
    assert doc["level_of_measurement"] == "ordinal"


def test_text_output(tmp_path, capsys):
    f = write_long(tmp_path / "r.csv", mc.FLEISS_1971)
    assert main(["agreement", str(f), "--n-boot", "50", "--categories", "1,2,3,4,5"]) == 0
    out = capsys.readouterr().out
    assert "== scheme label" in out
    for name in (
        "Fleiss' kappa",
        "Gwet's AC1",
        "Krippendorff's alpha",
        "per class:",
        "per annotator:",
    ):
        assert name in out
    assert "0.430" in out  # Fleiss (1971): kappa 0.430


def test_unknown_by_column_is_a_one_line_error(tmp_path, capsys):
    f = write_long(tmp_path / "r.csv", mc.FLEISS_1971)
    assert main(["agreement", str(f), "--by", "nonexistent", "--categories", "1,2,3,4,5"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "nonexistent" in err[0] and "error" in err[0]


def test_unknown_scheme_and_bad_n_boot(tmp_path, capsys):
    f = write_long(tmp_path / "r.csv", mc.FLEISS_1971)
    assert main(["agreement", str(f), "--scheme", "nope", "--categories", "1,2,3,4,5"]) == 2
    assert "nope" in capsys.readouterr().err
    assert main(["agreement", str(f), "--n-boot", "-1", "--categories", "1,2,3,4,5"]) == 2
    assert "--n-boot" in capsys.readouterr().err


def test_degenerate_input_warns_and_still_reports(tmp_path, capsys):
    f = write_long(tmp_path / "r.csv", [[1, 1], [1, 1], [1, 1]])
    assert main(["agreement", str(f), "--json", "--n-boot", "10", "--categories", "1,2"]) == 0
    cap = capsys.readouterr()
    doc = json.loads(cap.out)
    jsonschema.Draft202012Validator(SCHEMA).validate(doc)
    c = doc["schemes"]["label"]["coefficients"]
    assert c["fleiss_kappa"]["estimate"] is None and c["krippendorff_alpha"]["estimate"] is None
    assert c["percent_agreement"]["estimate"] == 1.0
    assert "only one category" in cap.err


def test_bundled_sample_by_context(capsys):
    pytest.importorskip("raer_agreement.simulate")
    doc = run_json(
        capsys, ["agreement", "--json", "--n-boot", "20", "--by", "split", "--by", "environment"]
    )
    assert set(doc["schemes"]) == {"coarse", "fine"}
    coarse = doc["schemes"]["coarse"]
    splits = {g["value"]: g for g in coarse["by"]["split"]}
    assert set(splits) == {"train", "test"}
    assert sum(g["n_items"] for g in splits.values()) == coarse["n_items"]
    for g in coarse["by"]["environment"]:
        assert sorted(g["coefficients"]) == sorted(KEYS)
    gran = doc["granularity"]
    assert gran and gran[0]["child"] == "fine" and gran[0]["parent"] == "coarse"
    assert 0 <= gran[0]["consistency"] <= 1
