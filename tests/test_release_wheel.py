"""What users install: the package under test, the built wheel and sdist, the version.

``make test`` builds the sdist and the wheel into ``dist/``, installs the wheel
into a fresh virtual environment and runs the suite there with
``RAER_AGREEMENT_INSTALLED=1`` and ``RAER_AGREEMENT_DIST`` set; the checks on the
built files skip elsewhere (``make test-dev`` on the editable install).
"""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from importlib import resources
from pathlib import Path

import pytest

import raer_agreement

REPO = Path(__file__).resolve().parents[1]
SOURCE = REPO / "raer_agreement"
#: The data contract, kept once at the top level and shipped as raer_agreement/data_schema.
TOP_SCHEMA = REPO / "data_schema"
INSTALLED = os.environ.get("RAER_AGREEMENT_INSTALLED") == "1"
DIST = Path(os.environ["RAER_AGREEMENT_DIST"]) if "RAER_AGREEMENT_DIST" in os.environ else None

needs_dist = pytest.mark.skipif(
    DIST is None, reason="RAER_AGREEMENT_DIST is not set: run by make test on the built wheel"
)


def source_files() -> set[str]:
    """Every file of the source package that must ship, as ``raer_agreement/...`` paths."""
    return {
        p.relative_to(REPO).as_posix()
        for p in SOURCE.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    }


def built(pattern: str) -> Path:
    found = sorted(DIST.glob(pattern))
    assert len(found) == 1, f"expected one {pattern} in {DIST}, found {found}"
    return found[0]


@pytest.mark.skipif(not INSTALLED, reason="the suite runs on the editable install here")
def test_the_package_under_test_is_the_installed_one():
    where = Path(raer_agreement.__file__).resolve()
    site = Path(sysconfig.get_paths()["purelib"]).resolve()
    assert where.is_relative_to(site), f"{where} is not in {site}"
    assert not where.is_relative_to(REPO / "raer_agreement")
    # and a child process (the console script, python -m) sees the same
    out = subprocess.run(
        [sys.executable, "-c", "import raer_agreement; print(raer_agreement.__file__)"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert Path(out).resolve() == where


@needs_dist
def test_wheel_holds_every_module_schema_and_sample_file():
    names = set(zipfile.ZipFile(built("*.whl")).namelist())
    missing = source_files() - names
    assert not missing, f"missing from the wheel: {sorted(missing)}"
    # the parts the package cannot work without, named so a failure reads plainly
    for must in (
        "raer_agreement/commands/__init__.py",
        "raer_agreement/data_schema/raer_taxonomy.json",
        "raer_agreement/data_schema/agreement.schema.json",
        "raer_agreement/data_schema/report.schema.json",
        "raer_agreement/data_schema/datapackage.json",
        "raer_agreement/data/sample/ratings.csv",
        "raer_agreement/data/sample/train.txt",
        "raer_agreement/data/sample/test.txt",
        "raer_agreement/data/sample/truth.csv",
    ):
        assert must in names
    # nothing beside the package: no tests, benchmarks or a stray top-level package
    tops = {n.split("/")[0] for n in names}
    assert tops == {"raer_agreement", f"raer_agreement-{raer_agreement.__version__}.dist-info"}


def _top_schema() -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in TOP_SCHEMA.iterdir() if p.is_file()}


def test_the_package_reads_the_top_level_data_schema():
    # editable or installed: the schemas the package reads are the top-level files, byte for byte
    pkg = resources.files("raer_agreement.data_schema")
    top = _top_schema()
    assert {"report.schema.json", "raer_taxonomy.json", "README.md"} <= set(top)
    for name, data in top.items():
        assert pkg.joinpath(name).read_bytes() == data, name
    shipped = {p.name for p in pkg.iterdir() if p.is_file()}
    assert shipped == set(top)


@needs_dist
def test_wheel_ships_the_top_level_data_schema():
    prefix = "raer_agreement/data_schema/"
    with zipfile.ZipFile(built("*.whl")) as whl:
        shipped = {n[len(prefix) :]: whl.read(n) for n in whl.namelist() if n.startswith(prefix)}
    assert shipped == _top_schema()


@needs_dist
def test_sdist_holds_what_the_wheel_is_built_from():
    sdist = built("*.tar.gz")
    with tarfile.open(sdist) as tar:
        names = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
    missing = (source_files() | {"pyproject.toml", "README.md"}) - names
    assert not missing, f"missing from the sdist: {sorted(missing)}"


@needs_dist
def test_wheel_metadata_names_the_console_script_and_version():
    with zipfile.ZipFile(built("*.whl")) as whl:
        info = f"raer_agreement-{raer_agreement.__version__}.dist-info"
        entry_points = whl.read(f"{info}/entry_points.txt").decode()
        metadata = whl.read(f"{info}/METADATA").decode()
    assert "raer-agreement = raer_agreement.cli:main" in entry_points
    assert f"\nVersion: {raer_agreement.__version__}\n" in metadata


def test_cli_version_is_the_distribution_version():
    script = Path(sys.executable).parent / "raer-agreement"
    proc = subprocess.run([str(script), "--version"], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == f"raer-agreement {importlib.metadata.version('raer_agreement')}"
