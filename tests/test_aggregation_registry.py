"""The registry of aggregation methods: one line per method, read by the command
line, the docs and the contract tests; a method registered at run time is offered
everywhere and refused or accepted as its declared capabilities say."""

from __future__ import annotations

import inspect
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from raer_agreement.aggregation import registry
from raer_agreement.aggregation.base import Aggregator
from raer_agreement.aggregation.registry import MethodSpec
from raer_agreement.cli import main

ROOT = Path(__file__).resolve().parents[1]


class FirstVote(Aggregator):
    """A stand-in method: each clip gets the vote shares of its ratings."""

    needs_identities = False

    def __init__(self, *, max_iter: int = 1):
        self.max_iter = max_iter

    def _fit(self, ann, scheme):
        counts = ann.counts(scheme).astype(float)
        self.n_votes_ = counts.sum(axis=1)
        return counts / self.n_votes_[:, None]


@pytest.fixture
def ratings(tmp_path):
    path = tmp_path / "r.csv"
    rows = [(f"c{i}", f"a{j}", "xyz"[(i + (j == 2)) % 3]) for i in range(12) for j in range(3)]
    pd.DataFrame(rows, columns=["clip_id", "annotator_id", "label"]).to_csv(path, index=False)
    return path


def test_a_registered_method_is_offered_by_aggregate_and_runs(ratings, tmp_path, capsys):
    with registry.registered(MethodSpec("first-vote", FirstVote, "the first vote wins",
                                        needs_identities=False)):  # fmt: skip
        with pytest.raises(SystemExit):
            main(["aggregate", "--help"])
        shown = re.sub(r"-\s+", "-", " ".join(capsys.readouterr().out.split()))  # argparse wraps
        assert ",first-vote," in shown and "first-vote: the first vote wins" in shown
        out = tmp_path / "o.csv"
        assert main(["aggregate", str(ratings), "--method", "first-vote", "--out", str(out)]) == 0
        t = pd.read_csv(out).set_index("clip_id")["label"]
        expected = {f"c{i}": "xyz"[i % 3] for i in range(12)}  # a0 and a1 outvote a2
        assert t.to_dict() == expected
        # it declares no gold clamping: --clamp-gold is refused naming the method
        code = main(["aggregate", str(ratings), "--method", "first-vote", "--clamp-gold",
                     "--out", str(tmp_path / "p.csv")])  # fmt: skip
        assert code == 2 and "first-vote" in capsys.readouterr().err
    assert "first-vote" not in registry.method_names()
    with pytest.raises(SystemExit):
        main(["aggregate", str(ratings), "--method", "first-vote", "--out", str(out)])


def test_a_method_declared_binary_only_is_refused_on_three_classes(ratings, tmp_path, capsys):
    with registry.registered(MethodSpec("first-vote-2", FirstVote, "binary stand-in",
                                        needs_identities=False, binary_only=True)):  # fmt: skip
        code = main(["aggregate", str(ratings), "--method", "first-vote-2",
                     "--out", str(tmp_path / "o.csv")])  # fmt: skip
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "two classes only" in err[0]


def test_registry_refuses_duplicates_and_the_reserved_name():
    with pytest.raises(ValueError, match="already registered"):
        registry.register(MethodSpec("majority", FirstVote, "x"))
    with pytest.raises(ValueError, match="reserved"):
        registry.register(MethodSpec("auto", FirstVote, "x"))
    with pytest.raises(ValueError, match="expected one of"):
        registry.make_aggregator("no-such-method")


@pytest.mark.parametrize("spec", registry.BUILTIN, ids=lambda s: s.name)
def test_declared_capabilities_match_the_estimators(spec):
    est = registry.make_aggregator(spec.name)
    assert est.needs_identities == spec.needs_identities
    fit_takes_gold = "gold" in inspect.signature(type(est).fit).parameters
    assert fit_takes_gold == spec.clamps_gold
    assert ("random_state" in est.get_params()) == spec.seeded


def test_the_docs_list_every_method():
    index = (ROOT / "docs" / "aggregation" / "index.md").read_text(encoding="utf-8")
    listed = re.findall(r"^\| `([a-z-]+)` \|", index, flags=re.M)
    assert listed == list(registry.METHODS)
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    for name in registry.METHODS:
        page = re.search(r"\[[^\]]+\]\(([a-z-]+\.md)\)", index.split(f"| `{name}` |")[1])
        assert page and (ROOT / "docs" / "aggregation" / page.group(1)).is_file(), name
        assert f"aggregation/{page.group(1)}" in nav, name


def test_the_dask_engine_offers_the_methods_declared_dask():
    from raer_agreement.distributed.cli import METHODS as DASK

    assert set(DASK) - {"votes"} == {s.name for s in registry.BUILTIN if s.dask}


def test_smoothing_help_shows_the_estimators_defaults():
    from raer_agreement.commands.aggregate import SMOOTHING_DEFAULTS

    for name, shown in SMOOTHING_DEFAULTS.items():
        assert registry.make_aggregator(name).smoothing == shown
    with_smoothing = {s.name for s in registry.BUILTIN
                      if "smoothing" in registry.make_aggregator(s.name).get_params()}  # fmt: skip
    assert with_smoothing - {"hierarchical"} == set(SMOOTHING_DEFAULTS)


def test_reading_the_registry_imports_nothing_heavy_and_no_cycle():
    code = (
        "import sys\n"
        "from raer_agreement.aggregation import registry\n"
        "registry.method_names()\n"
        "print(','.join(m for m in ('pandas', 'numpy', 'raer_agreement.aggregation.soft_labels')"
        " if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
    for module in ("soft_labels", "triage", "multilabel"):
        text = (ROOT / "raer_agreement" / "aggregation" / f"{module}.py").read_text()
        assert "from . import" not in text, f"{module} imports the package __init__"
