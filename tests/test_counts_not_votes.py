"""``--format counts`` on a table whose numeric columns are not vote counts (an
MTurk batch: seconds, money, ids) is refused in one line before anything is
expanded, instead of building hundreds of millions of "votes"."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from raer_agreement.cli import main
from raer_agreement.io.layouts import MAX_VOTES_PER_ROW


def mturk_like(path: Path, n: int = 300) -> Path:
    """An MTurk-like batch: one assignment per row, numeric bookkeeping columns."""
    rng = np.random.default_rng(0)
    pd.DataFrame(
        {
            "HITId": [f"H{i // 3}" for i in range(n)],
            "WorkerId": [f"W{rng.integers(20)}" for _ in range(n)],
            "AutoApprovalDelayInSeconds": 259200,
            "WorkTimeInSeconds": rng.integers(5, 400, n),
            "Reward": 0.05,
            "Answer.label": rng.choice(["happy", "sad", "neutral"], n),
        }
    ).to_csv(path, index=False)
    return path


def refusal(argv, capsys) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and len(err) < 400
    return err


def test_bookkeeping_columns_are_refused_before_expansion(tmp_path, capsys):
    f = mturk_like(tmp_path / "batch.csv")
    tracemalloc.start()
    err = refusal(["validate", str(f), "--format", "counts"], capsys)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    # 300 rows x 259,200 "votes" would be 78M votes (over 600 MB as int64 alone)
    assert peak < 100 * 2**20
    assert "AutoApprovalDelayInSeconds" in err and "259200" in err and "--format long" in err


def test_a_real_counts_table_at_the_limit_still_reads(tmp_path, capsys):
    # 300 items of 5 votes, and one with MAX_VOTES_PER_ROW: allowed, every vote read
    rng = np.random.default_rng(1)
    votes = [[MAX_VOTES_PER_ROW - 2, 1, 1]] + rng.multinomial(5, [0.5, 0.3, 0.2], 300).tolist()
    f = tmp_path / "counts.csv"
    pd.DataFrame(votes, columns=["a", "b", "c"]).assign(item=[f"i{k}" for k in range(301)])[
        ["item", "a", "b", "c"]
    ].to_csv(f, index=False)
    assert main(["validate", str(f), "--format", "counts", "--item-col", "item"]) in (0, None)
    out = capsys.readouterr().out
    assert f"{sum(map(sum, votes)):,} ratings" in out.replace("\u202f", ",")


@pytest.mark.parametrize("folder", ["mturk_facial", "mturk_speaker"])
def test_real_mturk_batches_are_refused(shared_dir, folder, capsys):
    files = sorted((shared_dir / "datasets" / "real_formats" / folder).glob("*.csv"))
    if not files:
        pytest.skip(f"{folder} is not in shared/datasets/real_formats")
    err = refusal(["validate", str(files[0]), "--format", "counts"], capsys)
    assert "not vote counts" in err
