"""A gauntlet of layout mutations: each is read right or refused in one line.

Every real export in ``../shared/datasets/real_formats`` (its counts checked
against that folder's README first) and the bundled corpus give a small set
of ratings (the first items in id order).  Those ratings are written out in
several layouts (long, wide, raters x items, counts), and each layout is
mutated in ways whose effect on the counts is known by construction:
a byte-order mark, shuffled columns, a text column, a unique row id, a blank
header, a total column, a majority-code column, labels in mixed case, an
NA-like word (``NONE``) as a label, ids repeated over rows.

The property: the package reads each mutation with the counts the mutation
was built to have (ratings, items, annotators, and the size of every
category), or refuses it with one line of at most 300 characters.  It never
reads one wrong without saying so.  The number of readings and the share
read right are printed (``pytest -s``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import raer_agreement as ra
from raer_agreement.errors import InputError

N_ITEMS = 24
# file, README counts (ratings, items), the reading's first scheme
REAL = [
    ("ferplus/fer2013new.csv", 357_139, 35_710),
    ("mturk_speaker/Batch_3795612_batch_results-2.csv", 2_842, 30),
    ("mturk_facial/Batch_4350992_batch_results.csv", 2_100, 700),
    ("toloka_camarg/assignments_from_pool_42774131__05-02-2024.tsv", 6_409, 1_729),
    ("lewidi2023/HS-Brexit_train.json", 4_704, 784),
    ("lewidi2023/ArMIS_train.json", 1_971, 657),
    ("prodigy_presto/presto_distortion.jsonl", 1_776, 593),
]


@dataclass
class Case:
    """A file to write and read, the options for it, and the counts it must give."""

    name: str
    frame: pd.DataFrame
    options: dict
    expected: tuple  # (ratings, items, annotators or None, sorted category sizes)
    bom: bool = False
    header_renames: dict = field(default_factory=dict)


def _expected(long: pd.DataFrame, anonymous: bool) -> tuple:
    sizes = tuple(sorted(long["label"].value_counts().tolist()))
    annotators = None if anonymous else long["annotator"].nunique()
    return (len(long), long["item"].nunique(), annotators, sizes)


def _subset(ann) -> tuple[pd.DataFrame, bool]:
    """The ratings of the first items, one per (item, annotator), labels as text."""
    scheme = ann.schemes[0]
    long = ann.to_long().rename(
        columns={"item_id": "item", "annotator_id": "annotator", scheme: "label"}
    )
    long = long[["item", "annotator", "label"]].dropna()
    long["label"] = long["label"].astype(str)
    keep = list(dict.fromkeys(long["item"]))[:N_ITEMS]
    long = long[long["item"].isin(keep)]
    long = long.drop_duplicates(["item", "annotator"]).reset_index(drop=True)
    # ids and labels that no layout can confuse with numbers or blanks
    long["item"] = "item_" + long["item"].astype(str).str.replace(r"[\s,;\"']+", "_", regex=True)
    long["label"] = long["label"].str.replace(r"[\s,;\"'\n]+", "_", regex=True)
    return long, ann.anonymous


def _layouts(long: pd.DataFrame, anonymous: bool) -> list[Case]:
    """The ratings in each layout that holds them."""
    exp = _expected(long, anonymous)
    cases = []
    if anonymous:
        lf = long[["item", "label"]].rename(columns={"item": "item_id"})
        cases.append(Case("long", lf, {"anonymous": True}, exp))
    else:
        lf = long.rename(columns={"item": "item_id", "annotator": "annotator_id"})
        cases.append(Case("long", lf, {}, exp))
        wide = long.pivot(index="item", columns="annotator", values="label")
        wide.columns = [f"r_{c}" for c in wide.columns]
        wide = wide.reset_index().rename(columns={"item": "item_id"}).fillna("")
        named = _expected(long.assign(annotator="r_" + long["annotator"]), False)
        cases.append(Case("wide", wide, {"format": "wide"}, named))
        rxi = long.pivot(index="annotator", columns="item", values="label").fillna("")
        rxi = rxi.reset_index().rename(columns={"annotator": "coder"})
        cases.append(Case("raters_x_items", rxi, {"format": "wide", "transpose": True}, exp))
    counts = pd.crosstab(long["item"], long["label"]).reset_index()
    counts = counts.rename(columns={"item": "item_id"})
    counts.columns.name = None
    cases.append(Case("counts", counts, {"format": "counts"}, (*exp[:2], None, exp[3])))
    return cases


def _label_columns(case: Case) -> list:
    if case.name == "long":
        return ["label"]
    if case.name == "counts":
        return []
    return [c for c in case.frame.columns if c not in ("item_id", "coder")]


def _mutate_labels(case: Case, fn: Callable[[pd.Series], pd.Series]) -> pd.DataFrame:
    out = case.frame.copy()
    for c in _label_columns(case):
        out[c] = fn(out[c].astype(str))
    return out


def _mutations(case: Case, rng: np.random.Generator) -> list[Case]:
    """Each mutation of one layout, with the counts it keeps by construction."""
    f = case.frame
    out = [case, replace(case, name=case.name + "+bom", bom=True)]
    cols = list(f.columns)
    rng.shuffle(cols)
    out.append(replace(case, name=case.name + "+shuffled", frame=f[cols]))
    text = [f"free text number {k}, said twice: {k} {k}" for k in range(len(f))]
    out.append(replace(case, name=case.name + "+text", frame=f.assign(comment=text)))
    # a unique row id in an unnamed leading column (pandas' to_csv with its index)
    row_id = f.copy()
    row_id.insert(0, "row_id", range(len(f)))
    out.append(
        replace(case, name=case.name + "+row_id", frame=row_id, header_renames={"row_id": ""})
    )
    out.append(
        replace(case, name=case.name + "+blank_column", frame=f.assign(blank=""),
                header_renames={"blank": ""})
    )  # fmt: skip
    if case.name == "counts":
        cats = [c for c in f.columns if c != "item_id"]
        values = f[cats].to_numpy()
        out.append(replace(case, name="counts+total", frame=f.assign(total=values.sum(1))))
        top = values.argmax(1)
        out.append(replace(case, name="counts+majority_code", frame=f.assign(**{"class": top})))
        # ids repeated on most rows (a group id) beside a unique row id column
        group = f.assign(item_id=[f"group_{k // 3}" for k in range(len(f))])
        out.append(replace(case, name="counts+repeated_ids", frame=group))
        none = f.rename(columns={cats[0]: "NONE"})
        out.append(replace(case, name="counts+NONE", frame=none))
        # the votes as shares of the row (soft labels): no counts are left to read
        shares = f.assign(**{c: f[c] / values.sum(1) for c in cats})
        out.append(replace(case, name="counts+shares", frame=shares, expected=("refused",)))
    labels = set(pd.unique(f[_label_columns(case)].to_numpy().ravel())) - {""}
    if labels and case.name != "counts":
        if any(str(v).casefold() != str(v).upper() for v in labels):
            mixed = _mutate_labels(case, lambda s: s.where(s.index % 2 == 0, s.str.upper()))
            out.append(replace(case, name=case.name + "+mixed_case", frame=mixed))
            out.append(
                replace(case, name=case.name + "+mixed_case+fold", frame=mixed,
                        options={**case.options, "fold_case": True})
            )  # fmt: skip
        first = sorted(labels)[0]
        none = _mutate_labels(case, lambda s: s.where(s != first, "NONE"))
        out.append(replace(case, name=case.name + "+NONE", frame=none))
    if case.name == "wide":
        group = f.assign(item_id=[f"group_{k // 3}" for k in range(len(f))])
        out.append(replace(case, name="wide+repeated_ids", frame=group))
        # a clip's own columns beside the raters: its split, its number of ratings
        split = [str(x) for x in rng.choice(["train", "dev", "test"], len(f))]
        out.append(replace(case, name="wide+split", frame=f.assign(split=split)))
        raters = [c for c in f.columns if c != "item_id"]
        n_filled = (f[raters] != "").sum(axis=1).astype(str)
        out.append(replace(case, name="wide+n_ratings", frame=f.assign(n_ratings=n_filled)))
        # raters only, no id column: one item per row
        out.append(replace(case, name="wide+no_id", frame=f[raters]))
    if case.name == "long":
        out.extend(_long_mutations(case, labels))
    if case.name == "wide":
        out.extend(_wide_mutations(case, rng))
    if case.name == "raters_x_items":
        # a form's timestamp beside the rater names: the raters' attribute, no item
        stamp = [f"2024-03-01 10:{k // 60:02d}:{k % 60:02d}" for k in range(len(f))]
        named = {**case.options, "annotator_col": "coder"}
        out.append(
            replace(case, name="raters_x_items+timestamp", frame=f.assign(Timestamp=stamp),
                    options=named)
        )  # fmt: skip
    if labels and case.name in ("long", "wide"):
        # a missing-value mark in some rated cells: a class or no rating? Only a
        # refusal is right (no counts are expected)
        star = _mutate_labels(case, lambda s: s.where((s.index % 7 != 3) | (s == ""), "*"))
        out.append(replace(case, name=case.name + "+star", frame=star, expected=("refused",)))
    return out


def _long_mutations(case: Case, labels: set) -> list[Case]:
    """A long table's header repeated inside it, its labels one-hot, joined in
    multi-select cells, and its ratings as parallel lists in one row per item."""
    f = case.frame
    out = []
    header = pd.DataFrame([list(f.columns)], columns=f.columns)
    half = len(f) // 2
    joined = pd.concat([f.iloc[:half], header, f.iloc[half:]], ignore_index=True)
    out.append(replace(case, name="long+header_repeated", frame=joined))
    if len(labels) >= 2 and "annotator_id" in f:
        names = sorted(labels)
        one_hot = f.drop(columns="label").assign(
            **{f"is_{c}": (f["label"] == c).astype(int) for c in names}
        )
        sizes = replace(case, frame=one_hot, name="long+one_hot")
        out.append(sizes)
        # two labels of one rating joined with '|': a multi-select cell, which only
        # --multi-sep can read (no counts are expected without it)
        multi = f.copy()
        multi.loc[multi.index % 5 == 1, "label"] = names[0] + "|" + names[1]
        out.append(replace(case, name="long+multi_select", frame=multi, expected=("refused",)))
        lists = (
            f.groupby("item_id", sort=False)
            .agg(workers=("annotator_id", list), answers=("label", list))
            .reset_index()
        )
        # clip ids that restart per group: the id alone names four clips. Seen
        # only where annotators rate several clips of a group (a panel); in a
        # sparse crowd the merged clips look like any others, so no case is made
        clip = pd.factorize(f["item_id"])[0]
        group = f.assign(group=[f"g{k % 4}" for k in clip], item_id=[f"c{k // 4}" for k in clip])
        repeats = group.duplicated(["item_id", "annotator_id"]).sum()
        if repeats >= max(10, 0.2 * len(group)):
            out.append(replace(case, name="long+split_key", frame=group, expected=("refused",)))
        lists["workers"] = lists["workers"].map(json.dumps)
        lists["answers"] = lists["answers"].map(json.dumps)
        flags = {"item_col": "item_id", "annotator_col": "workers", "label_cols": ["answers"]}
        out.append(replace(case, name="long+lists_in_cells", frame=lists, options=flags))
    return out


def _wide_mutations(case: Case, rng: np.random.Generator) -> list[Case]:
    """A confidence column beside each rater's: refused as one scheme, read right
    with the rater columns named."""
    f = case.frame
    raters = [c for c in f.columns if c != "item_id"]
    conf = f.copy()
    for c in raters:
        conf[c + "_confidence"] = np.where(f[c] == "", "", rng.integers(1, 6, len(f)).astype(str))
    named = {"format": "wide", "item_col": "item_id", "annotator_col": raters}
    # a reference label beside the raters (an expert's, a model's), from the raters'
    # own label set and agreeing with them by chance only
    labels = sorted(set(f[raters].to_numpy().ravel()) - {""})
    reference = f.assign(reference=rng.choice(labels, len(f)))
    return [
        replace(case, name="wide+confidence", frame=conf),
        replace(case, name="wide+confidence+named", frame=conf, options=named),
        replace(case, name="wide+reference", frame=reference, expected=("refused",)),
        replace(case, name="wide+reference+named", frame=reference, options=named),
    ]


def _write(case: Case, path: Path) -> None:
    frame = case.frame.rename(columns=case.header_renames)
    text = frame.to_csv(index=False, lineterminator="\n")
    path.write_text(("\ufeff" if case.bom else "") + text, encoding="utf-8")


def _read(case: Case, path: Path):
    """('right' | 'refused' | 'WRONG', detail)."""
    try:
        ann = ra.load_ratings(path, **case.options)
    except InputError as e:
        msg = str(e)
        assert "\n" not in msg and len(msg) <= 300, (case.name, msg)
        return "refused", msg
    scheme = ann.schemes[0]
    sizes = tuple(
        sorted(int(v) for v in np.bincount(ann.labels[scheme][ann.labels[scheme] >= 0]) if v)
    )
    got = (ann.n_ratings, ann.n_items, None if ann.anonymous else ann.n_annotators, sizes)
    want = case.expected
    return ("right" if got == want else "WRONG"), f"got {got[:3]}, want {want[:3]}"


@pytest.fixture
def sources(shared_dir) -> list:
    """(name, ratings subset, anonymous) of every real export and the bundled corpus."""
    root = shared_dir / "datasets" / "real_formats"
    out = []
    for rel, n_ratings, n_items in REAL:
        ann = ra.load_ratings(root / rel)
        # the anchor: the full file reads with the README's counts
        assert (ann.n_ratings, ann.n_items) == (n_ratings, n_items), rel
        out.append((rel, *_subset(ann)))
    out.append(("bundled corpus", *_subset(ra.simulate.load_sample())))
    return out


def test_every_mutation_is_read_right_or_refused(sources, tmp_path, capsys):
    rng = np.random.default_rng(19)
    results = []
    for name, long, anonymous in sources:
        for base in _layouts(long, anonymous):
            for case in _mutations(base, rng):
                path = tmp_path / f"{len(results)}.csv"
                _write(case, path)
                verdict, detail = _read(case, path)
                results.append((name, case.name, verdict, detail))
    wrong = [r for r in results if r[2] == "WRONG"]
    right = sum(r[2] == "right" for r in results)
    with capsys.disabled():
        print(
            f"\ngauntlet: {len(sources)} files x layouts x mutations = {len(results)} readings; "
            f"{right} read right ({right / len(results):.0%}), "
            f"{len(results) - right - len(wrong)} refused in one line, {len(wrong)} wrong"
        )
    assert not wrong, " | ".join(sorted({f"{r[0][:12]} {r[1]}: {r[3]}" for r in wrong}))
    # the unmutated layouts of the bundled corpus are read right, not merely refused
    plain = [r for r in results if r[0] == "bundled corpus" and "+" not in r[1]]
    assert plain and all(r[2] == "right" for r in plain), plain
