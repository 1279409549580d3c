"""The real-data gallery: every real export through every command, as a user runs it.

Each file under ``../shared/datasets/real_formats`` goes through ``validate``,
``agreement``, ``aggregate``, ``soft-labels`` and ``report`` with no option
beyond what that folder's README says a user must give (none).  Checked:

* the README's counts of ratings, items and annotators;
* one independent value per set: statsmodels' ``fleiss_kappa`` on a counts
  table built here straight from the raw file (the items with the modal
  number of votes), against the package's Fleiss kappa on the same items;
* no identity statistic anywhere in the outputs of anonymous data.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.inter_rater import fleiss_kappa

import raer_agreement as ra
from raer_agreement.metrics import agreement_table

# file -> (ratings, items, annotators or None when anonymous)
GALLERY = {
    "ferplus/fer2013new.csv": (357_139, 35_710, None),
    "mturk_speaker/Batch_3795612_batch_results-2.csv": (2_842, 30, 166),
    "mturk_facial/Batch_4350992_batch_results.csv": (2_100, 700, 73),
    "toloka_camarg/assignments_from_pool_42774131__05-02-2024.tsv": (6_409, 1_729, 282),
    "lewidi2023/HS-Brexit_train.json": (4_704, 784, 6),
    "lewidi2023/ArMIS_train.json": (1_971, 657, 3),
    "prodigy_presto/presto_distortion.jsonl": (1_776, 593, 3),
}
IDS = [k.split("/")[0] + ("_" + k.split("/")[1][:6] if "lewidi" in k else "") for k in GALLERY]

# keys of statistics that need annotator identities
IDENTITY_KEYS = ("conger", "cohen", "per_annotator", "pairwise", "influence", "max_kappa")


@pytest.fixture
def real_dir(shared_dir):
    d = shared_dir / "datasets" / "real_formats"
    if not d.is_dir():
        pytest.skip("../shared/datasets/real_formats is absent")
    return d


def _cli(*args):
    proc = subprocess.run(
        [sys.executable, "-m", "raer_agreement", *map(str, args)], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def _identity_keys(doc, path=""):
    """Paths of identity statistics that hold a value (absent or null is fine)."""
    found = []
    if isinstance(doc, dict):
        for k, v in doc.items():
            here = f"{path}/{k}"
            if any(t in str(k).lower() for t in IDENTITY_KEYS) and v not in (None, [], {}):
                found.append(here)
            else:
                found += _identity_keys(v, here)
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            found += _identity_keys(v, f"{path}[{i}]")
    return found


@pytest.mark.parametrize("name", list(GALLERY), ids=IDS)
def test_every_command_on_every_real_file(real_dir, tmp_path, name):
    path = real_dir / name
    n_ratings, n_items, n_annotators = GALLERY[name]
    ledger = json.loads(_cli("validate", path, "--json"))["ledger"]
    assert ledger["rows_used"] == n_ratings
    assert ledger["n_items"] == n_items
    assert ledger["n_annotators"] == n_annotators

    agreement = json.loads(_cli("agreement", path, "--json"))
    _cli("aggregate", path, "--out", tmp_path / "labels.csv")
    labels = pd.read_csv(tmp_path / "labels.csv", dtype=str, keep_default_na=False)
    assert len(labels) == n_items
    _cli("soft-labels", path, "--out", tmp_path / "soft")
    with np.load(tmp_path / "soft" / "soft_labels.npz", allow_pickle=False) as z:
        # float32 targets, as training scripts read them
        np.testing.assert_allclose(z["probs"].sum(axis=1), 1.0, atol=1e-6)
    _cli("report", path, "--out", tmp_path / "report")
    report = json.loads((tmp_path / "report" / "report.json").read_text())
    assert (tmp_path / "report" / "report.html").stat().st_size > 0

    if n_annotators is None:
        assert "anonymous_votes" in agreement and "anonymous_votes" in report
        assert _identity_keys(agreement) == []
        assert _identity_keys(report) == []
        # no invented annotators (vote slots) appear in the page
        assert "vote_1" not in (tmp_path / "report" / "report.html").read_text()
    else:
        assert "anonymous_votes" not in agreement


def _raw_counts(real_dir, name) -> pd.DataFrame:
    """Item x label vote counts parsed here from the raw file, without the package."""
    p = real_dir / name
    if name.startswith("mturk"):
        df = pd.read_csv(p, dtype=str, keep_default_na=False)
        df = df[df["AssignmentStatus"] != "Rejected"]
        inputs = [c for c in df.columns if c.startswith("Input.")]
        item = df[inputs].agg(" | ".join, axis=1)
        label = df[[c for c in df.columns if c.startswith("Answer.")][0]]
    elif name.startswith("toloka"):
        df = pd.read_csv(p, sep="\t", dtype=str, keep_default_na=False)
        df = df[df["ASSIGNMENT:status"] == "APPROVED"]
        item, label = df["ASSIGNMENT:task_id"], df["OUTPUT:R-4"]
    elif name.startswith("lewidi"):
        rows = [
            (k, a)
            for k, v in json.loads(p.read_text(encoding="utf-8")).items()
            for a in v["annotations"].split(",")
        ]
        item, label = pd.Series([r[0] for r in rows]), pd.Series([r[1] for r in rows])
    else:  # prodigy
        recs = [json.loads(line) for line in p.read_text(encoding="utf-8").splitlines() if line]
        recs = [r for r in recs if r["answer"] == "accept" and len(r.get("accept", [])) == 1]
        item = pd.Series([str(r["_input_hash"]) for r in recs])
        label = pd.Series([r["accept"][0] for r in recs])
    return pd.crosstab(item.to_numpy(), label.to_numpy())


@pytest.mark.parametrize("name", [n for n in GALLERY if not n.startswith("ferplus")])
def test_fleiss_equals_statsmodels_on_raw_counts(real_dir, name):
    counts = _raw_counts(real_dir, name)
    n = counts.sum(axis=1)
    modal = Counter(n).most_common(1)[0][0]
    same = counts[n == modal]
    expected = fleiss_kappa(same.to_numpy())
    ann = ra.load_ratings(real_dir / name)
    sub = ann.select(items=[str(i) for i in same.index])
    assert sub.n_items == len(same)
    got = agreement_table(sub, n_boot=0, coefficients=["fleiss_kappa"])
    assert float(got["estimate"].iloc[0]) == pytest.approx(expected, abs=1e-9)
