"""Start-up: the light entry points import neither pandas, scipy nor matplotlib."""

import subprocess
import sys

import pytest

HEAVY = ("pandas", "scipy", "matplotlib", "statsmodels")


@pytest.mark.parametrize("args", [["--version"], ["--help"], ["aggregate", "--help"]])
def test_light_commands_import_no_heavy_module(args):
    code = (
        "import sys\n"
        "from raer_agreement.cli import main\n"
        f"try:\n    main({args!r})\nexcept SystemExit:\n    pass\n"
        f"print('HEAVY:' + ','.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "HEAVY:"


def test_cli_choices_match_the_loader():
    from raer_agreement.io import load, long, policies

    assert policies.FORMATS == load.FORMATS
    assert long.DUPLICATE_POLICIES == policies.DUPLICATE_POLICIES


def test_cli_choices_match_the_library():
    from raer_agreement import aggregation, planning
    from raer_agreement.commands import choices

    assert tuple(aggregation.METHODS) == choices.METHOD_CHOICES
    assert tuple(aggregation.CLAMPING_METHODS) == choices.CLAMPING_METHODS
    assert tuple(planning.PLAN_METHODS) == choices.PLAN_METHODS
    assert tuple(planning.STRATEGIES) == choices.STRATEGIES
    assert tuple(planning.TARGET_METRICS) == choices.TARGET_METRICS


def test_agreement_command_does_not_import_scipy_stats(tmp_path):
    """Intervals and p-values come from scipy.special (what scipy.stats' t and norm
    call); importing scipy.stats alone would cost about half a second per command."""
    path = tmp_path / "r.csv"
    path.write_text(
        "clip_id,annotator_id,label\n"
        + "".join(
            f"c{i},a{j},{'xy'[(i + j) % 2 if i % 3 else 0]}\n" for i in range(9) for j in range(3)
        )
    )
    code = (
        "import sys\n"
        "from raer_agreement.cli import main\n"
        f"main(['agreement', {str(path)!r}, '--n-boot', '20'])\n"
        "print('STATS:' + str('scipy.stats' in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "Krippendorff's alpha" in out.stdout
    assert out.stdout.strip().splitlines()[-1] == "STATS:False"
