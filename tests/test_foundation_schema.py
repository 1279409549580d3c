"""raer_agreement/data_schema/ stays consistent with the taxonomy and the loader."""

import json
from importlib import resources
from pathlib import Path

import pandas as pd

from raer_agreement import default_taxonomy
from raer_agreement.io.long import ANNOTATOR_COLUMNS, ITEM_COLUMNS
from raer_agreement.simulate import sample_path

# the schemas of the package under test (installed or editable)
# the folder of a file (a namespace package's files() is not a plain path on Python 3.10)
SCHEMA = Path(
    str(resources.files("raer_agreement.data_schema").joinpath("datapackage.json"))
).parent


def _fields(resource):
    dp = json.loads((SCHEMA / "datapackage.json").read_text())
    res = next(r for r in dp["resources"] if r["name"] == resource)
    return {f["name"]: f for f in res["schema"]["fields"]}


def test_label_enums_are_the_taxonomy():
    tax = default_taxonomy()
    fields = _fields("ratings")
    for scheme in ("coarse", "fine"):
        expected = set(tax[scheme].categories) | set(tax[scheme].codes)
        assert set(fields[scheme]["constraints"]["enum"]) == expected


def test_column_alternatives_are_what_the_loader_recognises():
    fields = _fields("ratings")
    assert set(fields["clip_id"]["alternatives"]) | {"clip_id"} == set(ITEM_COLUMNS)
    assert set(fields["annotator_id"]["alternatives"]) | {"annotator_id"} == set(ANNOTATOR_COLUMNS)


def test_bundled_sample_follows_the_schema():
    fields = _fields("clips")
    clips = pd.read_csv(sample_path() / "clips.csv", dtype=str)
    assert list(clips.columns) == list(fields)
    for name, f in fields.items():
        enum = f.get("constraints", {}).get("enum")
        if enum:
            assert set(clips[name]) <= set(enum)
    assert clips["clip_id"].is_unique
    ratings = pd.read_csv(sample_path() / "ratings.csv", dtype=str, keep_default_na=False)
    assert list(ratings.columns) == list(_fields("ratings"))
    assert all(f.get("description") for f in _fields("ratings").values())
