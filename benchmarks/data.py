"""Benchmark corpora, shared by our side and the peers through ``.npy`` files.

Two sources:

* ``raer``: the package's own simulator at RAER size (2,649 clips x 10
  ratings, coarse scheme), with ``p_missing=0`` so that every clip has the
  same number of ratings (statsmodels' Fleiss' kappa assumes that; hence also
  ``p_short_clip=0``);
* ``synthetic(n_ratings)``: a vectorised generator for large corpora
  (items x 10 ratings from 10 distinct annotators out of 500, five classes
  with RAER-like priors, one confusion matrix per annotator).  The
  package's simulator draws fine labels in a Python loop, which is too slow
  at millions of ratings.

Each corpus is a folder with ``item.npy``, ``annotator.npy``, ``label.npy``
(int64 codes, one entry per rating), ``truth.npy`` (int64, one per item) and
``meta.json`` (categories, sizes, seed).  This module imports nothing from
the peers; :func:`load_annotations` needs ``raer_agreement``.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
DATA = RESULTS / "data"

#: RAER's five classes in the official code order.
CATEGORIES = ("Neutrality", "Enjoyment", "Confusion", "Fatigue", "Distraction")
#: Class shares of RAER's train split (1383 / 129 / 30 / 157 / 422).
PRIORS = np.array([1383, 129, 30, 157, 422], dtype=float) / 2121
RATINGS_PER_ITEM = 10
N_ANNOTATORS = 500
RAER_CLIPS = 2649


def size_label(n_ratings: int) -> str:
    """``26490 -> 'raer'``-style folder names: '1e6', '1e7', or the count."""
    if n_ratings == RAER_CLIPS * RATINGS_PER_ITEM:
        return "raer"
    exp = np.log10(n_ratings)
    if float(exp).is_integer():
        return f"1e{int(exp)}"
    return str(n_ratings)


def annotator_confusions(n_annotators: int, q: int, rng: np.random.Generator) -> np.ndarray:
    """Per-annotator confusion matrices, shape (n_annotators, q, q).

    Most annotators are decent (hit rate 0.55-0.9 per class), 5% are close
    to random and 5% pull a third of every class towards class 0 (the
    Neutrality over-user of real affect annotation).
    """
    acc = rng.uniform(0.55, 0.9, size=(n_annotators, q))
    kind = rng.random(n_annotators)
    acc[kind < 0.05] = 1.0 / q + 0.02
    off = rng.dirichlet(np.ones(q - 1), size=(n_annotators, q))
    conf = np.empty((n_annotators, q, q))
    for z in range(q):
        others = [k for k in range(q) if k != z]
        conf[:, z, z] = acc[:, z]
        conf[:, z, others] = (1.0 - acc[:, z])[:, None] * off[:, z, :]
    biased = (kind >= 0.05) & (kind < 0.10)
    conf[biased] *= 2.0 / 3.0
    conf[biased, :, 0] += 1.0 / 3.0
    return conf


def _distinct_annotators(
    n_items: int, k: int, n_annotators: int, rng: np.random.Generator
) -> np.ndarray:
    """``k`` distinct annotators per item, shape (n_items, k): redraw the rows
    holding a repeat until none does (about 9% of rows for 10 out of 500)."""
    a = rng.integers(0, n_annotators, size=(n_items, k))
    bad = np.arange(n_items)
    while True:
        s = np.sort(a[bad], axis=1)
        dup = (s[:, 1:] == s[:, :-1]).any(axis=1)
        bad = bad[dup]
        if not len(bad):
            return a
        a[bad] = rng.integers(0, n_annotators, size=(len(bad), k))


def synthetic(
    n_ratings: int,
    *,
    seed: int = 0,
    ratings_per_item: int = RATINGS_PER_ITEM,
    n_annotators: int = N_ANNOTATORS,
    chunk: int = 2_000_000,
) -> dict:
    """A large corpus with known truth, fully vectorised.

    Returns
    -------
    dict with ``item, annotator, label`` (int64, shape (n_ratings,)),
    ``truth`` (int64, shape (n_items,)) and ``meta``.
    """
    rng = np.random.default_rng(seed)
    q = len(CATEGORIES)
    n_items = n_ratings // ratings_per_item
    truth = rng.choice(q, size=n_items, p=PRIORS)
    conf = annotator_confusions(n_annotators, q, rng)
    cum = np.cumsum(conf, axis=2)
    cum[:, :, -1] = 1.0
    annotator = _distinct_annotators(n_items, ratings_per_item, n_annotators, rng).ravel()
    item = np.repeat(np.arange(n_items), ratings_per_item)
    label = np.empty(len(item), dtype=np.int64)
    for lo in range(0, len(item), chunk):
        hi = min(lo + chunk, len(item))
        rows = cum[annotator[lo:hi], truth[item[lo:hi]]]
        u = rng.random(hi - lo)
        label[lo:hi] = (u[:, None] > rows).sum(axis=1)
    # rating order as a user's file would have it: shuffled within the corpus
    order = rng.permutation(len(item))
    meta = dict(
        source="benchmarks.data.synthetic",
        seed=seed,
        n_items=int(n_items),
        n_ratings=int(len(item)),
        n_annotators=n_annotators,
        ratings_per_item=ratings_per_item,
        categories=list(CATEGORIES),
        scheme="coarse",
    )
    return dict(
        item=item[order],
        annotator=annotator[order].astype(np.int64),
        label=label[order],
        truth=truth.astype(np.int64),
        meta=meta,
    )


def raer(*, seed: int = 2025) -> dict:
    """The package simulator's RAER-size corpus (coarse scheme, no missing votes)."""
    from raer_agreement.simulate import SimulationParams, simulate_corpus

    corpus = simulate_corpus(
        SimulationParams.scaled(RAER_CLIPS, p_missing=0.0, p_short_clip=0.0), seed=seed
    )
    ann = corpus.annotations
    it, an, lab = ann.ratings("coarse")
    cats = list(ann.categories("coarse"))
    truth = corpus.truth["coarse"].reindex(list(ann.item_ids))
    truth_codes = np.asarray(truth.map({c: i for i, c in enumerate(cats)}), dtype=np.int64)
    meta = dict(
        source="raer_agreement.simulate (p_missing=0, p_short_clip=0)",
        seed=seed,
        n_items=ann.n_items,
        n_ratings=int(len(it)),
        n_annotators=ann.n_annotators,
        ratings_per_item=int(np.bincount(it).max()),
        categories=cats,
        scheme="coarse",
    )
    return dict(
        item=np.asarray(it, np.int64),
        annotator=np.asarray(an, np.int64),
        label=np.asarray(lab, np.int64),
        truth=truth_codes,
        meta=meta,
    )


def corpus_dir(name: str) -> Path:
    return DATA / name


def ensure(name: str, n_ratings: int | None = None, *, seed: int = 0, root=None) -> Path:
    """Write corpus ``name`` (``'raer'`` or a size label) once, under ``root``
    (default ``benchmarks/results/data``); return its folder."""
    out = corpus_dir(name) if root is None else Path(root) / name
    if (out / "meta.json").exists():
        return out
    t0 = time.perf_counter()
    data = raer() if name == "raer" else synthetic(int(n_ratings), seed=seed)
    out.mkdir(parents=True, exist_ok=True)
    for key in ("item", "annotator", "label", "truth"):
        np.save(out / f"{key}.npy", data[key])
    data["meta"]["generated_in_s"] = round(time.perf_counter() - t0, 2)
    (out / "meta.json").write_text(json.dumps(data["meta"], indent=2) + "\n")
    return out


def load_arrays(folder) -> dict:
    """The corpus arrays and meta of a folder written by :func:`ensure`."""
    folder = Path(folder)
    d = {k: np.load(folder / f"{k}.npy") for k in ("item", "annotator", "label", "truth")}
    d["meta"] = json.loads((folder / "meta.json").read_text())
    return d


def load_annotations(folder):
    """Our side's input: an :class:`~raer_agreement.Annotations` built
    straight from the integer codes (the state right after loading)."""
    from raer_agreement import Annotations, Taxonomy

    d = load_arrays(folder)
    meta = d["meta"]
    tax = Taxonomy.from_categories({meta["scheme"]: meta["categories"]})
    item_ids = [f"clip{i:07d}" for i in range(meta["n_items"])]
    ann_ids = [f"A{a:03d}" for a in range(meta["n_annotators"])]
    return Annotations(
        d["item"], d["annotator"], {meta["scheme"]: d["label"]}, item_ids, ann_ids, tax
    ), d


def write_csv(folder, path) -> Path:
    """The corpus as a long ratings CSV (``clip_id, annotator_id, coarse``),
    written with pyarrow (once; the 10M file is about 300 MB)."""
    path = Path(path)
    if path.exists():
        return path
    import pyarrow as pa
    import pyarrow.csv as pacsv

    d = load_arrays(folder)
    meta = d["meta"]
    width = max(7, len(str(meta["n_items"])))
    item_ids = np.char.add("clip", np.char.zfill(np.arange(meta["n_items"]).astype(str), width))
    ann_ids = np.char.add("A", np.char.zfill(np.arange(meta["n_annotators"]).astype(str), 3))
    table = pa.table(
        {
            "clip_id": pa.DictionaryArray.from_arrays(
                pa.array(d["item"], pa.int32()), pa.array(item_ids)
            ),
            "annotator_id": pa.DictionaryArray.from_arrays(
                pa.array(d["annotator"], pa.int32()), pa.array(ann_ids)
            ),
            meta["scheme"]: pa.DictionaryArray.from_arrays(
                pa.array(d["label"], pa.int32()), pa.array(meta["categories"])
            ),
        }
    )
    tmp = path.with_suffix(".tmp")
    path.parent.mkdir(parents=True, exist_ok=True)
    # plain header and fields (no quotes), as pandas' to_csv writes such a file
    with open(tmp, "wb") as fh:
        fh.write((",".join(table.column_names) + "\n").encode())
        pacsv.write_csv(
            table.cast(pa.schema([(n, pa.string()) for n in table.column_names])),
            fh,
            pacsv.WriteOptions(quoting_style="none", include_header=False),
        )
    tmp.replace(path)
    return path


def honeypot(
    *, seed: int = 0, n_workers: int = 5_000, n_other: int = 60_000, ratings_per_item: int = 10
) -> dict:
    """One "honeypot" clip rated by every one of ``n_workers`` workers, among
    ``n_other`` ordinary ratings (clips x ``ratings_per_item`` by distinct
    workers of the same pool): the shape of a crowd task with a gold
    question shown to everyone (about 65,000 ratings by default).

    The honeypot is item 0; the other items follow.  Same dict as
    :func:`synthetic`.
    """
    d = synthetic(n_other, seed=seed, ratings_per_item=ratings_per_item, n_annotators=n_workers)
    rng = np.random.default_rng(seed + 1)
    q = len(CATEGORIES)
    conf = annotator_confusions(n_workers, q, rng)
    z = int(rng.choice(q, p=PRIORS))
    cum = np.cumsum(conf[:, z, :], axis=1)
    cum[:, -1] = 1.0
    hp_label = (rng.random(n_workers)[:, None] > cum).sum(axis=1)
    d["item"] = np.concatenate([np.zeros(n_workers, np.int64), d["item"] + 1])
    d["annotator"] = np.concatenate([np.arange(n_workers, dtype=np.int64), d["annotator"]])
    d["label"] = np.concatenate([hp_label.astype(np.int64), d["label"]])
    d["truth"] = np.concatenate([[z], d["truth"]]).astype(np.int64)
    d["meta"].update(
        source="benchmarks.data.honeypot",
        n_items=int(d["meta"]["n_items"] + 1),
        n_ratings=int(len(d["item"])),
        honeypot_raters=n_workers,
    )
    return d


def ensure_corpus(name: str, builder, *, root=None) -> Path:
    """Like :func:`ensure` for any corpus: ``builder()`` returns the dict of
    :func:`synthetic`; it is called only when the folder is absent."""
    out = corpus_dir(name) if root is None else Path(root) / name
    if (out / "meta.json").exists():
        return out
    t0 = time.perf_counter()
    data = builder()
    out.mkdir(parents=True, exist_ok=True)
    for key in ("item", "annotator", "label", "truth"):
        np.save(out / f"{key}.npy", data[key])
    data["meta"]["generated_in_s"] = round(time.perf_counter() - t0, 2)
    (out / "meta.json").write_text(json.dumps(data["meta"], indent=2) + "\n")
    return out
