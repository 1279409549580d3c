"""The Dask engine in the consistency suite: its figures are the in-memory engine's.

Data sets: those of ``tests/test_consistency.py`` (8 simulated shapes and the 7 real
exports in ``../shared/datasets/real_formats``, at most 300 clips each), each written as
a long table (``item_id, annotator_id, <scheme>``) into a folder of four Parquet files
and read by :func:`raer_agreement.distributed.read_ratings` with the scheme's categories
declared, on one LocalCluster of two worker processes.  What is checked comes from
outside the engine under test: the in-memory estimators on the same ratings, the
``krippendorff`` package (alpha from the same vote counts), the definitions (an
estimate inside its interval, a proportion in [0, 1], a kappa at most 1) and invariances
that hold by construction (the number of partitions and the order of the rows cannot
change a statistic).

Properties x data sets (15 data sets each):

* the coefficient table equals ``agreement_summary`` (every field within 1e-9, the
  counts exactly), alpha the ``krippendorff`` package's, the ledger's counts the
  in-memory reader's; the same table as CSV files gives the same figures, and its
  categories, undeclared, are the in-memory reader's (2 x 15);
* the table, the majority-vote labels and the Dawid-Skene posteriors do not change with
  the number of partitions (1, 3, 7), nor with the order of the rows (2 x 15);
* majority-vote labels (ties at random and to the lowest code) and Dawid-Skene labels
  equal the in-memory estimators', posteriors within 1e-9 (2 x 15);
* what ``agreement --engine dask`` prints (JSON and text): estimates inside their
  intervals, proportions in [0, 1], kappas at most 1, no rounding noise, one value per
  coefficient in the text and the JSON (5 x 15).

165 property x data-set checks in all.
"""

from __future__ import annotations

import functools
import json
import math
import warnings

import krippendorff
import numpy as np
import pandas as pd
import pytest
from consistency_data import DATASETS, PROPORTIONS, SCI, small, summary, walk

pytest.importorskip(
    "distributed", reason="the Dask engine needs the dask extra: pip install 'raer_agreement[dask]'"
)
pytest.importorskip("dask.dataframe", reason="the Dask engine needs dask[dataframe]")
pytest.importorskip("pyarrow", reason="Parquet needs pyarrow")

from raer_agreement import distributed as rd  # noqa: E402
from raer_agreement.aggregation import DawidSkene, MajorityVote  # noqa: E402
from raer_agreement.cli import main  # noqa: E402
from raer_agreement.io import load_ratings  # noqa: E402
from raer_agreement.metrics import COEFFICIENT_NAMES  # noqa: E402

#: fields of a coefficient that the Dask table and ``agreement_summary`` both give
FIELDS = ("estimate", "se", "ci_low", "ci_high", "p_value", "pa", "pe")
#: the files each data set is written into, before the reader's shuffle by clip
N_FILES = 4


@pytest.fixture(scope="module")
def client():
    # one cluster for every test here: starting the worker processes is the slow part
    with rd.connect(n_workers=2, memory_limit="1GB") as c:
        yield c


class Store:
    """The data sets as long Parquet folders, written once per module and read on demand."""

    def __init__(self, root, client):
        self.root, self.client = root, client
        self.done: dict = {}

    def _once(self, make, *key):
        """``make(*key)``, computed on the first call only (keys are positional, so one
        call with defaults and one with the same values spelled out share a result)."""
        k = (make.__name__, *key)
        if k not in self.done:
            self.done[k] = make(*key)
        return self.done[k]

    def folder(self, name: str, order: int | None = None):
        return self._once(self._folder, name, order)

    def ratings(self, name: str, order: int | None = None, npartitions: int | None = None):
        return self._once(self._ratings, name, order, npartitions)

    def table(self, name: str, order: int | None = None, npartitions: int | None = None):
        return self._once(self._table, name, order, npartitions)

    def in_memory(self, name: str):
        """The in-memory reader on the same long table (one file): the labels' reference."""
        return self._once(self._in_memory, name)

    def _folder(self, name, order):
        """The long table of ``name`` in :data:`N_FILES` files (rows permuted by seed ``order``)."""
        ann, scheme = small(name)
        long = _long(ann, scheme)
        if order is not None:
            long = long.iloc[np.random.default_rng(order).permutation(len(long))]
        out = self.root / f"{name.replace(':', '_').replace('/', '_')}-{order}"
        out.mkdir()
        for k, idx in enumerate(np.array_split(np.arange(len(long)), N_FILES)):
            long.iloc[idx].to_parquet(out / f"part{k}.parquet", index=False)
        return out

    def _ratings(self, name, order, npartitions):
        return rd.read_ratings(
            self.folder(name, order),
            self.client,
            categories=_categories(name),
            npartitions=npartitions,
        )

    def whole(self, name: str):
        """The long table of ``name`` in one Parquet file, for the in-memory reader."""
        return self._once(self._whole, name)

    def _table(self, name, order, npartitions):
        return _quiet_table(self.ratings(name, order, npartitions))

    def _whole(self, name):
        out = self.root / f"whole-{name.replace(':', '_').replace('/', '_')}.parquet"
        _long(*small(name)).to_parquet(out, index=False)
        return out

    def _in_memory(self, name):
        return load_ratings(self.whole(name), categories=_categories(name))


def _quiet_table(ratings):
    # a degenerate coefficient warns; its missing value is what is compared
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return rd.agreement_table(ratings)


def _long(ann, scheme) -> pd.DataFrame:
    """One row per rating, ids and labels as text (as an export would hold them)."""
    long = ann.to_long()
    return pd.DataFrame(
        {
            "item_id": long.iloc[:, 0].astype(str).to_numpy(dtype=object),
            "annotator_id": long.iloc[:, 1].astype(str).to_numpy(dtype=object),
            scheme: long[scheme].astype(str).to_numpy(dtype=object),
        }
    )


def _categories(name: str) -> list:
    """The scheme's categories, declared so that a category no one chose still counts."""
    ann, scheme = small(name)
    return list(ann.categories(scheme))


@pytest.fixture(scope="module")
def store(client, tmp_path_factory):
    return Store(tmp_path_factory.mktemp("consistency_dask"), client)


def _close(a, b, tol):
    if a is None or b is None or (isinstance(a, float) and math.isnan(a)):
        return (a is None or math.isnan(a)) and (b is None or math.isnan(b))
    return math.isclose(a, b, rel_tol=0, abs_tol=tol)


def _nan_none(v):
    return None if isinstance(v, float) and math.isnan(v) else v


# ------------------------------------------------------------------ 1. the in-memory figures
@pytest.mark.parametrize("name", DATASETS)
def test_table_equals_in_memory(store, name):
    ann, scheme = small(name)
    ratings = store.ratings(name)
    assert (ratings.n_items, ratings.n_ratings, ratings.n_annotators) == (
        ann.n_items,
        ann.n_ratings,
        store.in_memory(name).n_annotators,
    )
    want = summary(ann, n_boot=0)["schemes"][scheme]["coefficients"]
    tab = store.table(name)
    for key in rd.TABLE_COEFFICIENTS:
        row, ref = tab.loc[key], want[key]
        for f in FIELDS:
            assert _close(_nan_none(row[f]), ref[f], 1e-9), (key, f, row[f], ref[f])
        assert (row["n_items"], row["n_ratings"]) == (ref["n_items"], ref["n_ratings"]), key
    # and alpha as the krippendorff package computes it from the same vote counts
    if ann.counts(scheme).sum(axis=1).max() >= 2:
        want_alpha = krippendorff.alpha(
            value_counts=ann.counts(scheme), level_of_measurement="nominal"
        )
        assert tab.loc["krippendorff_alpha", "estimate"] == pytest.approx(want_alpha, abs=1e-9)
    got, ref_led = ratings.ledger, store.in_memory(name).ledger
    assert got.rows_read == ref_led.rows_read == ann.n_ratings
    assert got.dropped_by_reason == ref_led.dropped_by_reason
    flagged = {e.reason: e.count for e in got.entries if not e.dropped}
    assert flagged == {e.reason: e.count for e in ref_led.entries if not e.dropped}
    assert got.ratings_per_item == ref_led.ratings_per_item
    assert (got.n_items, got.n_annotators) == (ref_led.n_items, ref_led.n_annotators)


@pytest.mark.parametrize("name", DATASETS)
def test_csv_folder_and_inferred_categories(store, client, name, tmp_path):
    """The same table as CSV files reads as the Parquet folder does; undeclared, the
    categories are the in-memory reader's on the same table."""
    ann, scheme = small(name)
    long = _long(ann, scheme)
    for k, idx in enumerate(np.array_split(np.arange(len(long)), N_FILES)):
        long.iloc[idx].to_csv(tmp_path / f"part{k}.csv", index=False)
    csv = rd.read_ratings(tmp_path, client, categories=_categories(name))
    _same_table(store.table(name), _quiet_table(csv))
    assert csv.ledger.dropped_by_reason == store.ratings(name).ledger.dropped_by_reason
    inferred = rd.read_ratings(tmp_path, client)
    assert inferred.categories(scheme) == load_ratings(store.whole(name)).categories(scheme)


# ------------------------------------------------------------------ 2. invariances
def _same_table(a, b, tol=1e-12):
    assert list(a.index) == list(b.index)
    for key in a.index:
        for f in (*FIELDS, "n_items", "n_ratings"):
            x, y = _nan_none(a.loc[key, f]), _nan_none(b.loc[key, f])
            assert _close(x, y, tol), (key, f, x, y)


def _labels(fit) -> pd.DataFrame:
    return fit.to_pandas().set_index("clip_id")


def _same_labels(a: pd.DataFrame, b: pd.DataFrame, tol: float):
    assert list(a.index) == list(b.index)
    np.testing.assert_array_equal(
        a["label"].astype(object).fillna("").to_numpy(),
        b["label"].astype(object).fillna("").to_numpy(),
    )
    probs = [c for c in a.columns if c.startswith("prob_")]
    np.testing.assert_allclose(a[probs].to_numpy(), b[probs].to_numpy(), rtol=0, atol=tol)


#: EM iterations in the invariance checks: each iteration must already agree, and the
#: full fit (up to 100 iterations, about 70 ms each on two local workers) is compared
#: with the in-memory estimator once per data set
SHORT_EM = 5


def _fits(store, name, order=None, npartitions=None):
    ratings = store.ratings(name, order, npartitions)
    return (
        _labels(rd.majority_vote(ratings, tie_break="random", random_state=7)),
        _labels(rd.dawid_skene(ratings, max_iter=SHORT_EM)),
    )


@pytest.mark.parametrize("name", DATASETS)
def test_number_of_partitions_does_not_matter(store, name):
    base = _fits(store, name)
    for n in (1, 3, 7):
        assert store.ratings(name, npartitions=n).n_partitions == n
        _same_table(store.table(name), store.table(name, npartitions=n))
        # the tied clips' draws and the EM sums cross partitions: neither may depend on them
        for a, b in zip(base, _fits(store, name, npartitions=n)):
            _same_labels(a, b, 1e-12)


@pytest.mark.parametrize("name", DATASETS)
def test_row_order_does_not_matter(store, name):
    # rows permuted before they are written: every file holds other clips' rows
    _same_table(store.table(name), store.table(name, order=11))
    for a, b in zip(_fits(store, name), _fits(store, name, order=11)):
        _same_labels(a, b, 1e-12)


# ------------------------------------------------------------------ 3. labels
@pytest.mark.parametrize("tie_break", ["random", "lowest"])
@pytest.mark.parametrize("name", DATASETS)
def test_majority_vote_equals_in_memory(store, name, tie_break):
    ann = store.in_memory(name)
    fit = rd.majority_vote(store.ratings(name), tie_break=tie_break, random_state=7)
    ref = MajorityVote(tie_break=tie_break, random_state=7).fit(ann)
    assert fit.info["n_ties"] == ref.n_ties_
    got = _labels(fit)
    want = ref.posteriors_.set_axis([f"prob_{c}" for c in ref.classes_], axis=1)
    want.insert(0, "label", ref.labels_.astype(object))
    _same_labels(got, want.set_axis(list(ann.item_ids)), 1e-12)


@pytest.mark.parametrize("name", DATASETS)
def test_dawid_skene_equals_in_memory(store, name):
    ann = store.in_memory(name)
    fit = rd.dawid_skene(store.ratings(name))
    ref = DawidSkene().fit(ann)
    assert (fit.info["n_iter"], fit.info["converged"]) == (ref.n_iter_, ref.converged_)
    want = ref.posteriors_.set_axis([f"prob_{c}" for c in ref.classes_], axis=1)
    want.insert(0, "label", ref.labels_.astype(object))
    _same_labels(_labels(fit), want.set_axis(list(ann.item_ids)), 1e-9)


# ------------------------------------------------------------------ 4. what the command prints
@functools.cache
def _printed(folder, scheduler: str, cats: tuple) -> tuple[dict, str]:
    """``agreement --engine dask`` on ``folder``: the JSON document and the text."""
    from contextlib import redirect_stdout
    from io import StringIO

    out = []
    for extra in (["--json"], []):
        buf = StringIO()
        with redirect_stdout(buf), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            args = ["agreement", str(folder), "--engine", "dask", "--scheduler", scheduler]
            rc = main([*args, "--n-boot", "0", "--categories", ",".join(cats), *extra])
        assert rc == 0
        out.append(buf.getvalue())
    return json.loads(out[0]), out[1]


def check_intervals(doc, text):
    for sch, entry in doc["schemes"].items():
        for key, c in entry["coefficients"].items():
            if c["estimate"] is None:
                assert c["ci_low"] is None and c["ci_high"] is None, (sch, key)
                continue
            if c["ci_low"] is not None:
                assert c["ci_low"] - 1e-9 <= c["estimate"] <= c["ci_high"] + 1e-9, (sch, key, c)


def check_proportions(doc, text):
    for path, v in walk(doc["schemes"]):
        raw = "percent_agreement" in path and path[-1] in ("estimate", "ci_low", "ci_high")
        if isinstance(v, float) and (path[-1] in PROPORTIONS or raw):
            assert -1e-12 <= v <= 1 + 1e-12, (path, v)


def check_kappa_max(doc, text):
    # the Dask table prints no maximum under the marginals: 1 is the bound left
    for sch, entry in doc["schemes"].items():
        for key, c in entry["coefficients"].items():
            if c["estimate"] is not None:
                assert c["estimate"] <= 1 + 1e-12, (sch, key, c["estimate"])


def check_no_noise(doc, text):
    for path, v in walk(doc["schemes"]):
        if isinstance(v, float) and path[-1] != "p_value":
            assert v == 0 or abs(v) > 1e-12, (path, v)
    assert not SCI.search(text), SCI.search(text).group(0)
    assert "-0.0000" not in text


def check_one_value(doc, text):
    """The text prints each coefficient's figures as the JSON holds them (4 decimals)."""
    for sch, entry in doc["schemes"].items():
        table = text.split(f"\nscheme {sch} (", 1)[1]
        lines = {ln.split()[0]: ln.split()[1:] for ln in table.splitlines()[2:] if ln.strip()}
        for key, c in entry["coefficients"].items():
            assert key in lines, (sch, key, COEFFICIENT_NAMES[key])
            want = "NaN" if c["estimate"] is None else f"{c['estimate']:.4f}"
            assert lines[key][0] == want, (sch, key, lines[key][0], want)


DOC_CHECKS = [check_intervals, check_proportions, check_kappa_max, check_no_noise, check_one_value]


@pytest.mark.parametrize("check", DOC_CHECKS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("name", DATASETS)
def test_agreement_printout(store, client, name, check):
    doc, text = _printed(store.folder(name), client.scheduler.address, tuple(_categories(name)))
    assert doc["engine"] == "dask" and list(doc["schemes"]) == [small(name)[1]]
    check(doc, text)
