"""``agreement --compare A B``: the document against its schema, its numbers
against each input's own agreement table, and the round trip through files."""

from __future__ import annotations

import json
from importlib import resources

import jsonschema
import numpy as np
import pytest

from raer_agreement.commands._compare import comparison_document, render_comparison
from raer_agreement.io.frames import from_matrix
from raer_agreement.metrics import agreement_table

SCHEMA = json.loads(
    resources.files("raer_agreement.data_schema").joinpath("comparison.schema.json").read_text()
)


def rounds(seed=0, n=80, shared=True):
    """Two rounds of 4 annotators on the same clips; round B agrees more."""
    rng = np.random.default_rng(seed)
    z = rng.integers(0, 3, n)
    out = []
    for acc in (0.6, 0.9):
        lab = np.where(rng.random((n, 4)) < acc, z[:, None], rng.integers(0, 3, (n, 4)))
        out.append(
            from_matrix(
                lab,
                categories=[0, 1, 2],
                item_ids=[f"c{i}" if shared else f"{acc}-{i}" for i in range(n)],
            )
        )
    return out


def test_document_matches_schema_and_the_single_tables():
    a, b = rounds()
    doc = comparison_document(a, b, n_boot=200, seed=0, names=("r1.csv", "r2.csv"))
    jsonschema.validate(doc, SCHEMA)
    assert doc["bootstrap"]["paired"] is True
    for x, key in ((a, "estimate_a"), (b, "estimate_b")):
        t = agreement_table(x, n_boot=0).set_index("coefficient")["estimate"]
        for k, v in t.items():
            assert doc["comparison"][k][key] == pytest.approx(v), k
    c = doc["comparison"]["fleiss_kappa"]
    assert c["difference"] > 0 and c["ci_low"] > 0 and c["p_value"] < 0.01
    assert c["n_common"] == 80
    text = render_comparison(doc)
    assert "paired" in text and "Fleiss" in text and "B - A" in text


def test_disjoint_inputs_are_compared_independently():
    a, b = rounds(1, shared=False)
    doc = comparison_document(a, b, n_boot=100, seed=0)
    jsonschema.validate(doc, SCHEMA)
    assert doc["bootstrap"]["paired"] is False
    assert doc["comparison"]["gwet_ac1"]["n_common"] == 0


def write_long(path, ann):
    long = ann.to_long().rename(columns={"item_id": "item", "annotator_id": "annotator"})
    long.to_csv(path, index=False)
    return path


def test_cli_compare_json_and_text(tmp_path, capsys):
    from raer_agreement.cli import main

    a, b = rounds(2)
    pa, pb = write_long(tmp_path / "a.csv", a), write_long(tmp_path / "b.csv", b)
    assert main(["agreement", "--compare", str(pa), str(pb), "--json", "--n-boot", "200"]) == 0
    doc = json.loads(capsys.readouterr().out)
    jsonschema.validate(doc, SCHEMA)
    ref = comparison_document(a, b, n_boot=200, seed=0)
    for k, c in ref["comparison"].items():
        for f in ("estimate_a", "estimate_b", "difference"):
            assert doc["comparison"][k][f] == pytest.approx(c[f]), (k, f)
    assert doc["inputs"] == {"a": str(pa), "b": str(pb)}
    assert main(["agreement", "--compare", str(pa), str(pb), "--n-boot", "100"]) == 0
    assert "B - A" in capsys.readouterr().out


def test_cli_compare_with_exclusion_counts_it_in_both_ledgers(tmp_path, capsys):
    from raer_agreement.cli import main

    a, b = rounds(3)
    pa, pb = write_long(tmp_path / "a.csv", a), write_long(tmp_path / "b.csv", b)
    argv = ["agreement", "--compare", str(pa), str(pb), "--json", "--n-boot", "50"]
    assert main([*argv, "--exclude-annotators", "1"]) == 0
    doc = json.loads(capsys.readouterr().out)
    for side in ("a", "b"):
        assert [e["reason"] for e in doc["ledgers"][side]["dropped"]] == ["excluded_annotator"]
        assert doc["ledgers"][side]["rows_dropped"] == 80


def test_cli_compare_errors(tmp_path, capsys):
    from raer_agreement.cli import main

    a, b = rounds(4)
    pa, pb = write_long(tmp_path / "a.csv", a), write_long(tmp_path / "b.csv", b)
    assert main(["agreement", "--compare", str(pa), str(pb), "--n-boot", "0"]) == 2
    assert "--n-boot" in capsys.readouterr().err
    assert main(["agreement", str(pa), "--compare", str(pa), str(pb)]) == 2
    assert "no other INPUT" in capsys.readouterr().err
