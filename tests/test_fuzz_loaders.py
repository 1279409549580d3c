"""Fuzz the loaders: random bytes, mutated CSV, JSON Lines and Label Studio
exports.  The only exception a loader may raise is :class:`InputError` (one
clear line); whatever loads has a ledger whose counts add up.

The number of examples is bounded so the whole module runs in a few seconds
in ``make test``; raise ``RAER_FUZZ_EXAMPLES`` for a longer run.
"""

from __future__ import annotations

import json
import os
import random

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from raer_agreement.errors import InputError
from raer_agreement.io import load_ratings

N = int(os.environ.get("RAER_FUZZ_EXAMPLES", "60"))
FUZZ = settings(
    max_examples=N,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

SEED_CSV = (
    "clip_id,annotator_id,coarse,fine\n"
    "RAER/images/Class/Classroom/Class005/P002/003,A01,Neutrality,Attentive\n"
    "RAER/images/Class/Classroom/Class005/P002/003,A02,Fatigue,Yawning\n"
    '"c,2",A01,Distraction,Looking away\n'
    "c3,A03,3,3.1\n"
    "c3,A01,NA,\n"
)

LABELS = [
    "Neutrality",
    "Enjoyment",
    "Confusion",
    "Fatigue",
    "Distraction",
    "1",
    "5",
    "6",
    "",
    "NA",
    " neutrality ",
    "Yawning",
    "Attentive",
    "x",
    "null",
]
TOKENS = [
    ",",
    ";",
    "\t",
    '"',
    "\n",
    "\r",
    "\r\n",
    "\ufeff",
    "\x00",
    "é",
    "NA",
    "003",
    "1e3",
    "0x1",
    " ",
    "coarse",
    "fine",
    "clip_id",
    "annotator_id",
    "label",
    "worker",
    "{",
    "}",
    "[",
    "]",
    ":",
    "\\",
]


def check_loaded(ann) -> None:
    """A loaded object must account for every row it read."""
    led = ann.ledger
    assert led.rows_used + led.rows_dropped == led.rows_read
    assert led.rows_used == ann.n_ratings
    assert all(e.count > 0 for e in led.entries)
    assert all(isinstance(i, str) for i in ann.item_ids)
    assert all(isinstance(a, str) for a in ann.annotator_ids)
    if ann.n_ratings:
        assert ann.item.min() >= 0 and ann.item.max() < ann.n_items
        counts = ann.counts(ann.schemes[0])
        assert counts.sum() == int((ann.labels[ann.schemes[0]] >= 0).sum())


def try_load(path, **kw):
    try:
        ann = load_ratings(path, **kw)
    except InputError as e:
        text = str(e)
        assert text and "\n" not in text.strip(), text
        return None
    check_loaded(ann)
    return ann


def mutate(text: str, rnd: random.Random, n: int) -> str:
    chars = list(text)
    for _ in range(n):
        op = rnd.randrange(4)
        pos = rnd.randrange(len(chars) + 1)
        if op == 0 and chars:  # delete a span
            del chars[pos : pos + rnd.randrange(1, 6)]
        elif op == 1:  # insert a token
            chars[pos:pos] = list(rnd.choice(TOKENS))
        elif op == 2 and chars:  # duplicate a span
            span = chars[pos : pos + rnd.randrange(1, 40)]
            chars[pos:pos] = span
        elif chars:  # replace a character
            chars[min(pos, len(chars) - 1)] = rnd.choice(TOKENS)
    return "".join(chars)


@FUZZ
@given(
    data=st.binary(max_size=400),
    suffix=st.sampled_from([".csv", ".tsv", ".json", ".jsonl", ".txt", ".parquet"]),
)
def test_random_bytes(tmp_path, data, suffix):
    p = tmp_path / f"in{suffix}"
    p.write_bytes(data)
    try_load(p)


@FUZZ
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 12),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "latin-1"]),
)
def test_mutated_csv(tmp_path, seed, n, encoding):
    rnd = random.Random(seed)
    text = mutate(SEED_CSV, rnd, n)
    p = tmp_path / "in.csv"
    p.write_bytes(text.encode(encoding, errors="replace"))
    try_load(p)
    try_load(p, duplicates="last", inconsistent="drop", unknown="drop")


@FUZZ
@given(
    rows=st.lists(
        st.fixed_dictionaries(
            {
                "clip_id": st.one_of(
                    st.sampled_from(["003", "1e3", "0x1", "c1", "", "NA"]),
                    st.integers(0, 5),
                    st.none(),
                    st.floats(allow_nan=True),
                ),
                "annotator_id": st.one_of(
                    st.sampled_from(["01", "1", "A", ""]), st.integers(0, 3), st.none()
                ),
                "coarse": st.one_of(
                    st.sampled_from(LABELS),
                    st.integers(-1, 7),
                    st.none(),
                    st.booleans(),
                    st.lists(st.integers(), max_size=2),
                ),
            }
        ),
        max_size=8,
    ),
    garbage=st.booleans(),
)
def test_jsonl_records(tmp_path, rows, garbage):
    lines = [json.dumps(r) for r in rows]
    if garbage and lines:
        lines[len(lines) // 2] = lines[len(lines) // 2][:-3]
    p = tmp_path / "in.jsonl"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    try_load(p)


json_scalar = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.sampled_from(LABELS))
json_any = st.recursive(
    json_scalar,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(
            st.sampled_from(
                [
                    "id",
                    "data",
                    "annotations",
                    "result",
                    "value",
                    "choices",
                    "completed_by",
                    "was_cancelled",
                    "from_name",
                    "type",
                    "clip_id",
                    "email",
                ]
            ),
            inner,
            max_size=4,
        ),
    ),
    max_leaves=12,
)


def labelstudio_task(draw_choice, who, cancelled, result_kind):
    return {
        "completed_by": who,
        "was_cancelled": cancelled,
        "result": (
            [{"from_name": "coarse", "type": "choices", "value": {"choices": draw_choice}}]
            if result_kind == "choices"
            else result_kind
        ),
    }


annotation = st.builds(
    labelstudio_task,
    st.one_of(st.lists(st.sampled_from(LABELS), max_size=2), json_any),
    st.one_of(
        st.integers(0, 3),
        st.none(),
        st.fixed_dictionaries({"email": st.sampled_from(["a@x", "b@x"])}),
        json_any,
    ),
    st.one_of(st.booleans(), json_any),
    st.one_of(st.just("choices"), json_any),
)

task = st.fixed_dictionaries(
    {
        "id": st.one_of(st.integers(0, 4), json_any),
        "data": st.one_of(
            st.fixed_dictionaries({"clip_id": st.one_of(st.sampled_from(["003", "c1"]), json_any)}),
            json_any,
        ),
        "annotations": st.one_of(st.lists(annotation, max_size=3), json_any),
    }
)


@FUZZ
@given(export=st.one_of(st.lists(task, max_size=4), json_any))
def test_labelstudio_export(tmp_path, export):
    p = tmp_path / "export.json"
    p.write_text(json.dumps(export), encoding="utf-8")
    try_load(p)
    try_load(p, format="labelstudio")


@FUZZ
@given(
    cells=st.lists(
        st.lists(
            st.sampled_from(["", "NA", "yes", "no", "1", "2", "-1", "0.5", "x"]),
            min_size=3,
            max_size=3,
        ),
        min_size=0,
        max_size=5,
    ),
    fmt=st.sampled_from(["auto", "wide", "counts"]),
)
def test_wide_and_counts(tmp_path, cells, fmt):
    p = tmp_path / "table.csv"
    p.write_text(
        "item,Neutrality,Fatigue,Distraction\n"
        + "".join(f"c{k}," + ",".join(r) + "\n" for k, r in enumerate(cells)),
        encoding="utf-8",
    )
    try_load(p, format=fmt)
    try_load(p, format=fmt, categories=["Neutrality", "Fatigue", "Distraction"])


@pytest.mark.parametrize("cut", [0.1, 0.5, 0.9, 0.99])
def test_truncated_parquet(tmp_path, cut):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    full = tmp_path / "full.parquet"
    pq.write_table(
        pa.table({"clip_id": ["c1", "c2"], "annotator_id": ["a", "b"], "coarse": ["1", "2"]}), full
    )
    data = full.read_bytes()
    p = tmp_path / "cut.parquet"
    p.write_bytes(data[: int(len(data) * cut)])
    with pytest.raises(InputError):
        load_ratings(p)
    rng = np.random.default_rng(int(cut * 100))
    flipped = bytearray(data)
    for k in rng.integers(0, len(data), 5):
        flipped[k] ^= 0xFF
    p.write_bytes(bytes(flipped))
    try_load(p)
