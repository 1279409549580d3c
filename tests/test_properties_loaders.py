"""Property-based tests of the loaders (hypothesis).

* permuting the rows of a file changes nothing (ids, counts per clip, ledger);
* the ledger's counts always add up to the rows read, and each drop reason
  counts exactly the rows the generator made bad for that reason;
* round trips: Annotations -> long CSV / Parquet / JSON Lines / wide CSV /
  counts CSV -> load_ratings give the same data back;
* ids that look numeric (``003``, ``1e3``, ``0x1``) come back exactly as written.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from raer_agreement.errors import InputError
from raer_agreement.io import load_ratings
from raer_agreement.io.frames import from_long
from raer_agreement.taxonomy import NA_STRINGS, default_taxonomy

PROPS = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

TAX = default_taxonomy()
COARSE = list(TAX["coarse"].categories)
FINE = list(TAX["fine"].categories)
PARENT = dict(zip(FINE, (COARSE[k] for k in TAX.mapping("fine", "coarse"))))
TRICKY_IDS = [
    "003",
    "3",
    "1e3",
    "0x1",
    "00",
    "1.50",
    "-1",
    "+7",
    "1,000",
    "P002/003",
    "a b",
    'say "x"',
    "RAER/images/Class/Classroom/Class005/P002/003",
    "Zoë",
    "1.0",
    "true",
]

id_text = (
    st.text(alphabet="abcXYZ0123456789._-/ ,é", min_size=1, max_size=8)
    .map(str.strip)
    .filter(lambda s: s != "" and s.casefold() not in NA_STRINGS)
)
ids = st.one_of(st.sampled_from(TRICKY_IDS), id_text)


@st.composite
def corpora(draw, *, max_rows=25, repeats=False):
    """Rows (clip, annotator, coarse, fine) with consistent fine labels;
    unique (clip, annotator) pairs unless ``repeats``."""
    clips = draw(st.lists(ids, min_size=1, max_size=6, unique=True))
    raters = draw(st.lists(ids, min_size=1, max_size=5, unique=True))
    pairs = [(c, a) for c in clips for a in raters]
    if repeats:
        chosen = draw(st.lists(st.sampled_from(pairs), min_size=1, max_size=max_rows))
    else:
        idx = draw(
            st.lists(
                st.integers(0, len(pairs) - 1),
                min_size=1,
                max_size=min(max_rows, len(pairs)),
                unique=True,
            )
        )
        chosen = [pairs[k] for k in idx]
    rows = []
    for c, a in chosen:
        fine = draw(st.sampled_from(FINE))
        rows.append((c, a, PARENT[fine], fine))
    return rows


def write_csv(path: Path, header, rows, **kw) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator=kw.pop("lineterminator", "\n"), **kw)
    w.writerow(header)
    w.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


def content(ann):
    """Everything a permutation must keep: ids, per-clip counts, the triples, the ledger."""
    triples = Counter()
    lab = {s: ann.labels[s] for s in ann.schemes}
    for r in range(ann.n_ratings):
        triples[
            (
                ann.item_ids[ann.item[r]],
                ann.annotator_ids[ann.annotator[r]],
                tuple(
                    ann.categories(s)[lab[s][r]] if lab[s][r] >= 0 else None for s in ann.schemes
                ),
            )
        ] += 1
    led = ann.ledger
    return (
        ann.item_ids,
        ann.annotator_ids,
        {s: ann.counts(s).tolist() for s in ann.schemes},
        triples,
        led.rows_read,
        led.rows_used,
        led.dropped_by_reason,
        {e.reason: e.count for e in led.entries if not e.dropped},
    )


def expected_triples(rows):
    return Counter((c, a, (co, fi)) for c, a, co, fi in rows)


@PROPS
@given(
    rows=corpora(repeats=True),
    perm_seed=st.integers(0, 2**31 - 1),
    duplicates=st.sampled_from(["keep", "last"]),
)
def test_permuting_rows_changes_nothing(rows, perm_seed, duplicates):
    if duplicates == "last":
        # "last" depends on row order by definition: keep pairs unique for it
        rows = list({(c, a): (c, a, co, fi) for c, a, co, fi in rows}.values())
    perm = np.random.default_rng(perm_seed).permutation(len(rows))
    with tempfile.TemporaryDirectory() as d:
        a, b = Path(d) / "a.csv", Path(d) / "b.csv"
        header = ["clip_id", "annotator_id", "coarse", "fine"]
        write_csv(a, header, rows)
        write_csv(b, header, [rows[k] for k in perm])
        ca = content(load_ratings(a, duplicates=duplicates))
        cb = content(load_ratings(b, duplicates=duplicates))
    assert ca == cb
    assert ca[3] == expected_triples(rows)


@st.composite
def dirty_rows(draw):
    """Rows with a known defect each: (row, reason or None)."""
    n = draw(st.integers(1, 30))
    out = []
    for _ in range(n):
        kind = draw(
            st.sampled_from(["ok", "ok", "ok", "no_item", "no_annotator", "no_label", "unknown"])
        )
        clip = draw(ids)
        rater = draw(st.sampled_from(["A1", "A2", "A3", "007"]))
        label = draw(st.sampled_from(COARSE + ["1", "5", " fatigue "]))
        na = draw(st.sampled_from(["", "NA", "nan", "null", "None", "N/A", "  "]))
        if kind == "no_item":
            clip = na
        elif kind == "no_annotator":
            rater = na
        elif kind == "no_label":
            label = na
        elif kind == "unknown":
            label = draw(st.sampled_from(["Boredom", "6", "0", "Neutral", "Happy"]))
        out.append(((clip, rater, label), kind))
    return out


REASON = {
    "no_item": "missing_item_id",
    "no_annotator": "missing_annotator_id",
    "no_label": "missing_label",
    "unknown": "unknown_label_coarse",
}


@PROPS
@given(rows=dirty_rows(), duplicates=st.sampled_from(["keep", "last"]))
def test_ledger_adds_up(rows, duplicates):
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "dirty.csv"
        write_csv(p, ["clip_id", "annotator_id", "coarse"], [r for r, _ in rows])
        if all(k != "ok" for _, k in rows):
            # every row left out: refused in one line, not an empty reading
            with pytest.raises(InputError, match="no rating in the file"):
                load_ratings(p, unknown="drop", duplicates=duplicates)
            return
        ann = load_ratings(p, unknown="drop", duplicates=duplicates)
    led = ann.ledger
    assert led.rows_read == len(rows)
    assert led.rows_used + led.rows_dropped == led.rows_read
    assert ann.n_ratings == led.rows_used
    expected = Counter(REASON[k] for _, k in rows if k != "ok")
    # rows in file order, so "the earlier rating of a pair" is known here too
    good = [r for r, k in rows if k == "ok"]
    superseded = len(good) - len({(c.strip(), a.strip()) for c, a, _ in good})
    if duplicates == "last" and superseded:
        expected["repeated_rating_superseded"] = superseded
    assert led.dropped_by_reason == dict(expected)
    assert led.rows_used == len(good) - (superseded if duplicates == "last" else 0)


def roundtrip_long(ann, path: Path, fmt: str):
    long = ann.to_long()
    if fmt == "csv":
        long.to_csv(path, index=False)
    elif fmt == "tsv":
        long.to_csv(path, index=False, sep="\t")
    elif fmt == "parquet":
        pytest.importorskip("pyarrow")
        long.astype(object).where(long.notna(), None).to_parquet(path, index=False)
    elif fmt == "jsonl":
        with open(path, "w", encoding="utf-8") as fh:
            for rec in long.astype(object).where(long.notna(), None).to_dict("records"):
                fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    return load_ratings(path, duplicates="keep")


@PROPS
@given(rows=corpora(repeats=True), fmt=st.sampled_from(["csv", "tsv", "parquet", "jsonl"]))
def test_roundtrip_through_long_files(rows, fmt):
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "in.csv"
        write_csv(p, ["clip_id", "annotator_id", "coarse", "fine"], rows)
        first = load_ratings(p, duplicates="keep")  # repeats are part of the draw
        again = roundtrip_long(first, Path(d) / f"out.{fmt}", fmt)
    assert content(first)[:4] == content(again)[:4]
    assert content(again)[3] == expected_triples(rows)
    assert set(again.item_ids) == {r[0] for r in rows}
    assert set(again.annotator_ids) == {r[1] for r in rows}


@PROPS
@given(rows=corpora())
def test_roundtrip_wide(rows):
    raters = sorted({a for _, a, _, _ in rows})
    clips = sorted({c for c, _, _, _ in rows})
    cell = {(c, a): co for c, a, co, _ in rows}
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "wide.csv"
        write_csv(
            p, ["clip_id", *raters], [[c, *(cell.get((c, a), "") for a in raters)] for c in clips]
        )
        ann = load_ratings(p, format="wide", label_cols=["coarse"], taxonomy=TAX)
    assert set(ann.item_ids) == set(clips)
    assert set(ann.annotator_ids) == set(raters)
    assert ann.ledger.rows_used == len(rows)
    got = {
        (ann.item_ids[i], ann.annotator_ids[a]): COARSE[k]
        for i, a, k in zip(ann.item, ann.annotator, ann.labels["coarse"])
    }
    assert got == cell


@PROPS
@given(
    counts=st.lists(st.lists(st.integers(0, 4), min_size=5, max_size=5), min_size=1, max_size=6),
    clip_ids=st.lists(ids, min_size=6, max_size=6, unique=True),
)
def test_roundtrip_counts(counts, clip_ids):
    clips = clip_ids[: len(counts)]
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "counts.csv"
        write_csv(p, ["clip_id", *COARSE], [[c, *row] for c, row in zip(clips, counts)])
        if not sum(map(sum, counts)):
            # no vote at all: refused in one line rather than every statistic undefined
            with pytest.raises(InputError, match="no rating in the file"):
                load_ratings(p)
            return
        ann = load_ratings(p)
    table = ann.counts_frame("coarse")
    for c, row in zip(clips, counts):
        if sum(row):
            assert table.loc[c].tolist() == row
        else:
            assert c not in ann.item_ids  # a clip with no vote has no rating
    assert ann.ledger.rows_read == ann.ledger.rows_used == sum(map(sum, counts))


@PROPS
@given(
    clip=st.sampled_from(TRICKY_IDS),
    rater=st.sampled_from(TRICKY_IDS),
    fmt=st.sampled_from(["csv", "tsv", "semicolon", "jsonl", "crlf"]),
)
def test_numeric_looking_ids_survive(clip, rater, fmt):
    rows = [(clip, rater, "Fatigue"), (clip, rater + "_2", "4")]
    with tempfile.TemporaryDirectory() as d:
        if fmt == "jsonl":
            p = Path(d) / "r.jsonl"
            p.write_text(
                "".join(
                    json.dumps(dict(zip(["clip_id", "annotator_id", "coarse"], r))) + "\n"
                    for r in rows
                ),
                encoding="utf-8",
            )
        else:
            p = Path(d) / ("r.tsv" if fmt == "tsv" else "r.csv")
            kw = {"delimiter": {"tsv": "\t", "semicolon": ";"}.get(fmt, ",")}
            if fmt == "crlf":
                kw["lineterminator"] = "\r\n"
            write_csv(p, ["clip_id", "annotator_id", "coarse"], rows, **kw)
        ann = load_ratings(p)
    assert ann.item_ids == (clip,)
    assert set(ann.annotator_ids) == {rater, rater + "_2"}
    assert ann.counts("coarse").tolist() == [[0, 0, 0, 2, 0]]


def test_numeric_ids_from_dataframe_strings():
    """A frame of strings keeps leading zeros; nothing is parsed as a number."""

    ann = from_long(
        pd.DataFrame(
            {
                "item": ["003", "3", "1e3", "0x1"],
                "annotator": ["01", "1", "01", "1"],
                "coarse": ["1", "2", "3", "4"],
            }
        )
    )
    assert set(ann.item_ids) == {"003", "3", "1e3", "0x1"}
    assert set(ann.annotator_ids) == {"01", "1"}
