"""A ``--by`` column's statistics do not depend on the other ``--by`` columns given.

Each column's bootstrap has its own random stream, keyed by the seed and the column's
name: ``agreement --by environment`` and ``agreement --by split --by session_type --by
environment`` print the same environment test.
"""

from __future__ import annotations

import json

from raer_agreement.cli import main


def _summary(capsys, *by):
    args = ["agreement", "--json", "--scheme", "coarse", "--n-boot", "50", "--seed", "3"]
    for col in by:
        args += ["--by", col]
    assert main(args) == 0
    return json.loads(capsys.readouterr().out)["schemes"]["coarse"]


def test_the_environment_test_is_the_same_with_other_by_columns(capsys):
    one = _summary(capsys, "environment")
    many = _summary(capsys, "split", "session_type", "environment")
    reordered = _summary(capsys, "environment", "split")
    for other in (many, reordered):
        assert other["by_comparison"]["environment"] == one["by_comparison"]["environment"]
        assert other["by"]["environment"] == one["by"]["environment"]
        # the scheme-level coefficients do not move either
        assert other["coefficients"] == one["coefficients"]
    chi2 = {r["coefficient"]: r["chi2"] for r in one["by_comparison"]["environment"]["overall"]}
    assert chi2["fleiss_kappa"] > 0
    assert many["by"]["split"] == reordered["by"]["split"]
