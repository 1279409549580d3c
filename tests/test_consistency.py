"""Every printed figure holds together with every other (properties, with hypothesis).

Data sets: simulated corpora of several shapes (``raer_agreement.simulate``, whose truth
is known) and every export in ``../shared/datasets/real_formats`` (defined in
``tests/consistency_data.py``; ``tests/test_consistency_dask.py`` checks the Dask engine
on the same sets).  What is checked
comes from outside the code under test: the definitions (an estimate lies inside its own
interval, a proportion in [0, 1], a kappa at most its maximum under the marginals) and
invariances that hold by construction (a statistic cannot depend on the order of the
rows, the names of the ids, the order of the categories or of the ``--by`` columns).

Properties x data sets (the count the suite reports):

* on the agreement JSON and its text, for every data set (8 simulated + 7 real = 15):
  intervals, proportions, kappa maximum, rounding noise, one value in text and JSON
  (5 x 15 = 75);
* invariances of the agreement JSON, for every data set: row order, column order,
  relabelled ids, category order (4 x 15 = 60); the order and number of ``--by``
  columns, for the simulated sets, which carry clip metadata (1 x 8 = 8);
* the plan JSON (intervals and proportions, "reached" only with the CI) and the report
  JSON (one value per coefficient, same as the agreement JSON) on three simulated
  shapes each (2 x 3 = 6).

149 property x data-set checks in all.
"""

from __future__ import annotations

import functools
import json
import math
import re
import warnings

import numpy as np
import pytest
from consistency_data import (
    DATASETS,
    PROPORTIONS,
    SCI,
    SIMULATED,
    dataset,
    small,
    summary,
    walk,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from raer_agreement.commands.agreement import render_text
from raer_agreement.io.frames import from_long

#: small, few examples, no deadline: the suite runs in ``make test``
FAST = settings(
    max_examples=3,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@functools.cache
def document(name: str, seed: int, full: bool) -> dict:
    ann, _ = dataset(name) if full else small(name)
    return summary(ann, seed=seed)


# ------------------------------------------------------------------ checks on one document
def _blocks(doc):
    """(where, coefficient, block) of every coefficient block: scheme level and by groups."""
    for sch, entry in doc["schemes"].items():
        for key, c in entry["coefficients"].items():
            yield f"{sch}", key, c, entry
        for col, groups in entry.get("by", {}).items():
            for g in groups:
                for key, c in g["coefficients"].items():
                    yield f"{sch} by {col}={g['value']}", key, c, entry


def _text_notes(doc) -> str:
    """The coefficient keys whose withheld interval the text explains in a note line."""
    from raer_agreement.metrics import COEFFICIENT_NAMES

    notes = [ln for ln in render_text(doc).splitlines() if ln.startswith("note: ")]
    return " ".join(k for k, name in COEFFICIENT_NAMES.items() if any(name in n for n in notes))


def check_intervals(doc):
    for where, key, c, _entry in _blocks(doc):
        est = c["estimate"]
        if est is None:
            continue
        for lo, hi in (("ci_low", "ci_high"), ("boot_ci_low", "boot_ci_high")):
            if c[lo] is None or c[hi] is None:
                # withheld: fine with no bootstrap, else a reason must be printed
                if lo == "boot_ci_low" and doc["bootstrap"]["n_boot"] > 0 and c["se"] is not None:
                    assert c.get("boot_reason") or c.get("reason"), (where, key, lo)
                    if c.get("boot_reason"):
                        assert "withheld" in c["boot_reason"] and key in _text_notes(doc), key
                continue
            assert c[lo] - 1e-9 <= est <= c[hi] + 1e-9, (where, key, lo, est, c[lo], c[hi])


def check_proportions(doc):
    for path, v in walk(doc["schemes"]):
        if not isinstance(v, float):
            continue
        last = path[-1]
        is_share = last in PROPORTIONS or "probabilities" in path
        is_raw = "percent_agreement" in path and last in (
            "estimate",
            "ci_low",
            "ci_high",
            "boot_ci_low",
            "boot_ci_high",
        )
        if is_share or is_raw:
            assert -1e-12 <= v <= 1 + 1e-12, (path, v)


def check_kappa_max(doc):
    for sch, entry in doc["schemes"].items():
        coefs, diag = entry["coefficients"], entry["diagnostics"]
        for key, c in coefs.items():
            if c["estimate"] is not None and key != "percent_agreement":
                assert c["estimate"] <= 1 + 1e-12, (sch, key, c["estimate"])
        for key, cap in (
            ("conger_kappa", "conger_kappa_max"),
            ("mean_cohen_kappa", "mean_cohen_kappa_max"),
        ):
            est, top = (coefs.get(key) or {}).get("estimate"), diag.get(cap)
            if est is not None and top is not None:
                assert est <= top + 1e-9, (sch, key, est, top)


def check_no_noise(doc):
    for path, v in walk(doc["schemes"]):
        # p-values are probabilities of extreme data, kept at full precision; the text
        # prints them as <0.001
        if isinstance(v, float) and path[-1] not in ("p_value", "chi2"):
            assert v == 0 or abs(v) > 1e-12, (path, v)
    text = render_text(doc)
    assert not SCI.search(text), SCI.search(text).group(0)


def check_one_value(doc):
    """The text prints each coefficient's estimate as the JSON holds it (3 decimals)."""
    from raer_agreement.metrics import COEFFICIENT_NAMES

    text = render_text(doc)
    for sch, entry in doc["schemes"].items():
        block = text.split(f"== scheme {sch}:", 1)[1]
        table = block.split("\nbands:", 1)[0]
        for key, c in entry["coefficients"].items():
            name = COEFFICIENT_NAMES[key]
            line = next((ln for ln in table.splitlines() if ln.startswith(name)), None)
            assert line is not None, (sch, key)
            printed = line[len(name) :].split()[0]
            want = "-" if c["estimate"] is None else f"{c['estimate']:.3f}"
            assert printed in (want, want.replace("-0.000", "0.000")), (sch, key, printed, want)
            if key == "percent_agreement":
                assert "-" == line.split()[-1], line  # no benchmark band on a raw proportion


DOC_CHECKS = [check_intervals, check_proportions, check_kappa_max, check_no_noise, check_one_value]


@pytest.mark.parametrize("check", DOC_CHECKS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("name", DATASETS)
@FAST
@given(seed=st.integers(0, 3), full=st.booleans())
def test_agreement_document(name, check, seed, full):
    check(document(name, seed, full))


# ------------------------------------------------------------------ invariances
def _analytic(doc):
    """Every figure that does not come from the bootstrap, per scheme and coefficient."""
    keys = ("estimate", "se", "ci_low", "ci_high", "p_value", "n_items", "n_ratings", "pa", "pe")
    return {
        (sch, k): tuple(c[f] for f in keys)
        for sch, e in doc["schemes"].items()
        for k, c in e["coefficients"].items()
    }


def _same(a, b, tol=1e-9):
    assert a.keys() == b.keys()
    for k in a:
        for x, y in zip(a[k], b[k]):
            if x is None or y is None:
                assert x is None and y is None, (k, x, y)
            else:
                assert math.isclose(x, y, rel_tol=tol, abs_tol=tol), (k, x, y)


def _rebuild(ann, long, **options):
    out = from_long(long, taxonomy=ann.taxonomy, **options)
    return out.as_anonymous() if ann.anonymous else out


@pytest.mark.parametrize("name", DATASETS)
@FAST
@given(order=st.integers(0, 2**32 - 1))
def test_row_order_does_not_matter(name, order):
    ann, _ = small(name)
    long = ann.to_long()
    shuffled = _rebuild(ann, long.iloc[np.random.default_rng(order).permutation(len(long))])
    # clips are held in id order, so even the bootstrap sees the same clips
    a, b = summary(ann, seed=1), summary(shuffled, seed=1)
    _same(_analytic(a), _analytic(b))
    for sch in a["schemes"]:
        ca, cb = a["schemes"][sch]["coefficients"], b["schemes"][sch]["coefficients"]
        assert {k: c["boot_ci_low"] for k, c in ca.items()} == {
            k: c["boot_ci_low"] for k, c in cb.items()
        }


@pytest.mark.parametrize("name", DATASETS)
@FAST
@given(order=st.integers(0, 2**32 - 1))
def test_column_order_does_not_matter(name, order):
    ann, _ = small(name)
    long = ann.to_long()
    cols = list(np.random.default_rng(order).permutation(list(long.columns)))
    item, annotator = long.columns[0], long.columns[1]
    other = _rebuild(ann, long[cols], item_col=item, annotator_col=annotator)
    _same(_analytic(summary(ann, n_boot=0)), _analytic(summary(other, n_boot=0)))


@pytest.mark.parametrize("name", DATASETS)
@FAST
@given(salt=st.integers(0, 10**6))
def test_relabelled_ids_do_not_matter(name, salt):
    ann, _ = small(name)
    long = ann.to_long()
    item, annotator = long.columns[0], long.columns[1]
    rng = np.random.default_rng(salt)
    for col in (item, annotator):
        ids = long[col].unique()
        new = dict(zip(ids, (f"x{salt}-{v}" for v in rng.permutation(len(ids)))))
        long[col] = long[col].map(new)
    other = _rebuild(ann, long, item_col=item, annotator_col=annotator)
    _same(_analytic(summary(ann, n_boot=0)), _analytic(summary(other, n_boot=0)))


@pytest.mark.parametrize("name", DATASETS)
@FAST
@given(order=st.integers(0, 2**32 - 1))
def test_category_order_does_not_matter(name, order):
    ann, scheme = small(name)
    cats = list(np.random.default_rng(order).permutation(list(ann.categories(scheme))))
    long = ann.to_long()
    item, annotator = long.columns[0], long.columns[1]
    codes = {c: i for i, c in enumerate(cats)}
    other = from_long(long, item_col=item, annotator_col=annotator, categories=cats)
    if ann.anonymous:
        other = other.as_anonymous()
    a, b = summary(ann, n_boot=0), summary(other, n_boot=0)
    _same(_analytic(a), _analytic(b))
    pa = {r["category"]: r for r in a["schemes"][scheme]["per_class"]}
    pb = {r["category"]: r for r in b["schemes"][scheme]["per_class"]}
    assert sorted(pb, key=codes.get) == list(pb) and pa.keys() == pb.keys()
    for c in pa:
        _same(
            {c: tuple(pa[c].get(k) for k in ("n_ratings", "prevalence", "fleiss_kappa"))},
            {c: tuple(pb[c].get(k) for k in ("n_ratings", "prevalence", "fleiss_kappa"))},
        )


BY = ("split", "session_type", "environment", "room")


@pytest.mark.parametrize("name", SIMULATED)
@FAST
@given(others=st.lists(st.sampled_from(BY[:2] + BY[3:]), unique=True), at=st.integers(0, 3))
def test_a_by_column_does_not_depend_on_the_others(name, others, at):
    ann, scheme = small(name)
    cols = [c for c in BY if c in ann.items.columns]
    others = [c for c in others if c in cols]
    alone = summary(ann, by=["environment"])["schemes"][scheme]
    given_cols = others[:]
    given_cols.insert(min(at, len(given_cols)), "environment")
    many = summary(ann, by=given_cols)["schemes"][scheme]
    assert many["by"]["environment"] == alone["by"]["environment"]
    assert many.get("by_comparison", {}).get("environment") == alone.get("by_comparison", {}).get(
        "environment"
    )
    assert many["coefficients"] == alone["coefficients"]


# ------------------------------------------------------------------ plan and report JSON
PLAN_REPORT_SHAPES = ["sim:raer_like", "sim:sparse_crowd", "sim:dominant_class"]


@pytest.mark.parametrize("name", PLAN_REPORT_SHAPES)
@FAST
@given(seed=st.integers(0, 5), target=st.sampled_from([0.8, 0.9, 0.95, 0.99]))
def test_plan_document(name, seed, target):
    from raer_agreement.planning import plan
    from raer_agreement.planning.plan import CI_LOW

    ann, scheme = small(name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        doc = plan(
            ann,
            scheme,
            n_resamples=8,
            n_boot=60,
            n_coefficient_resamples=1,
            target=f"accuracy={target}",
            strategies=("uniform", "entropy"),
            queue_size=5,
            seed=seed,
        ).to_dict()
    json.dumps(doc, allow_nan=False)
    for row in doc["per_k"]:
        for col, lo in CI_LOW.items():
            if row.get(col) is None:
                continue
            assert 0 <= row[col] <= 1, (col, row[col])
            hi = lo.replace("ci_low", "ci_high")
            if row.get(lo) is not None:
                assert row[lo] - 1e-12 <= row[col] <= row[hi] + 1e-12, (row["k"], col)
        assert row["n_clips"] + row["n_clips_short"] <= ann.n_items
    m = re.match(r"k=(\d+) votes per clip reach the target", doc["conclusion"])
    if m:
        row = next(r for r in doc["per_k"] if r["k"] == int(m.group(1)))
        assert row["ci_low"] >= target
    else:
        assert all(r["ci_low"] < target for r in doc["per_k"])
    assert "clips with at least" in doc["conclusion"]


@pytest.mark.parametrize("name", PLAN_REPORT_SHAPES)
@FAST
@given(seed=st.integers(0, 5))
def test_report_prints_the_agreement_figures(name, seed):
    from raer_agreement.report.builder import build_report

    ann, scheme = small(name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rep = build_report(ann, n_boot=20, seed=seed, method="majority")
    text = json.dumps(rep.document, allow_nan=False)
    agreement = summary(
        ann,
        n_boot=20,
        seed=seed,
        by=[
            c
            for c in ("split", "session_type", "environment")
            if c in ann.items.columns and ann.items[c].dropna().nunique() >= 2
        ],
    )
    got = rep.document["agreement"]["schemes"][scheme]
    want = agreement["schemes"][scheme]
    assert got["coefficients"] == want["coefficients"]
    assert got.get("by_comparison") == want.get("by_comparison")
    assert text.count('"agreement"') >= 1
