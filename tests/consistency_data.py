"""The data sets of the consistency suites, and what their checks share.

Simulated corpora of several shapes (``raer_agreement.simulate``, whose truth is
known) and every export in ``../shared/datasets/real_formats``, each reduced to the
one scheme checked; ``tests/test_consistency.py`` checks the in-memory engine on them
and ``tests/test_consistency_dask.py`` the Dask engine.
"""

from __future__ import annotations

import functools
import re
import warnings
from pathlib import Path

import pandas as pd

from raer_agreement import Annotations
from raer_agreement.errors import DegenerateDataWarning
from raer_agreement.io.frames import from_long
from raer_agreement.metrics import agreement_summary
from raer_agreement.simulate import SimulationParams, simulate_corpus

REAL = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "real_formats"
REAL_FILES = sorted(
    str(p.relative_to(REAL))
    for p in REAL.glob("*/*")
    if p.suffix.lower() not in (".md", ".txt") and p.is_file()
)

#: simulated shapes: (SimulationParams overrides, scheme)
_NO_ODD = {"n_biased": 0, "n_spammers": 0}
SHAPES = {
    "raer_like": (dict(n_clips=120, n_annotators=8, ratings_per_clip=5), "coarse"),
    "sparse_crowd": (dict(n_clips=150, n_annotators=40, ratings_per_clip=3), "coarse"),
    "honeypots": (None, "coarse"),  # the sparse crowd plus clips everyone rates
    "two_annotators": (dict(n_clips=100, n_annotators=2, ratings_per_clip=2, **_NO_ODD), "coarse"),
    "many_classes": (dict(n_clips=120, n_annotators=6, ratings_per_clip=4), "fine"),
    "dominant_class": (
        dict(
            train_counts=(140, 3, 1, 3, 3), test_counts=(0,) * 5, n_annotators=6, ratings_per_clip=4
        ),
        "coarse",
    ),
    "missing_heavy": (
        dict(n_clips=120, n_annotators=8, ratings_per_clip=6, p_missing=0.4),
        "coarse",
    ),
    "near_perfect": (
        dict(
            n_clips=80,
            n_annotators=5,
            ratings_per_clip=5,
            class_accuracy=(0.99,) * 5,
            skill_spread=0.0,
            **_NO_ODD,
        ),
        "coarse",
    ),
}
DATASETS = [f"sim:{k}" for k in SHAPES] + [f"real:{f}" for f in REAL_FILES]
SIMULATED = [d for d in DATASETS if d.startswith("sim:")]


def _params(over: dict) -> SimulationParams:
    over = dict(over)
    n = over.pop("n_clips", None)
    return SimulationParams.scaled(n, **over) if n else SimulationParams(**over)


@functools.cache
def _simulated(shape: str) -> Annotations:
    over, _ = SHAPES[shape]
    if over is not None:
        return simulate_corpus(_params(over), seed=7).annotations
    crowd = _simulated("sparse_crowd")
    control = simulate_corpus(
        _params(dict(n_clips=8, n_annotators=40, ratings_per_clip=40, p_missing=0.0)), seed=8
    ).annotations
    # honeypot clips get their own ids; the same 40 annotator ids rate them all
    long = pd.concat(
        [crowd.to_long(), control.to_long().assign(item_id=lambda f: "honeypot/" + f["item_id"])],
        ignore_index=True,
    )
    items = pd.concat([crowd.items, control.items.set_axis("honeypot/" + control.items.index)])
    return from_long(long, taxonomy=crowd.taxonomy).with_items(items)


@functools.cache
def dataset(name: str) -> tuple[Annotations, str]:
    """The annotations of a data set, reduced to the one scheme checked."""
    kind, key = name.split(":", 1)
    if kind == "sim":
        ann, scheme = _simulated(key), SHAPES[key][1]
    else:
        from raer_agreement.io import load_ratings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ann = load_ratings([str(REAL / key)])
        scheme = ann.schemes[0]
    return ann.only(scheme), scheme


@functools.cache
def small(name: str) -> tuple[Annotations, str]:
    """At most 300 clips (the first by id), for the properties that recompute."""
    ann, scheme = dataset(name)
    if ann.n_items <= 300:
        return ann, scheme
    return ann.select(items=list(ann.item_ids[:300])), scheme


def summary(ann, *, n_boot=40, seed=0, by=None) -> dict:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateDataWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        return agreement_summary(ann, n_boot=n_boot, rng=seed, by=by)


PROPORTIONS = (
    "p_value",
    "pa",
    "pe",
    "share",
    "plurality_share",
    "prevalence",
    "top_prevalence",
    "consensus_agreement",
    "specific_agreement",
    "p_below",
    "probability",
    "cumulative",
)


def walk(obj, path=()):
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from walk(v, (*path, str(k)))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from walk(v, (*path, str(i)))
    else:
        yield path, obj


#: a number in scientific notation, standing alone (not inside an id such as A1E9F)
SCI = re.compile(r"(?<![\w.])[-+]?\d+(\.\d+)?[eE][-+]?\d+(?![\w.])")
