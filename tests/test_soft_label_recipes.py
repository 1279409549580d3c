"""Soft-label rules and FER+'s published training targets.

Expected values come from hand-worked examples and from a plain per-row
transcription of the rules of the public FER+ reader (microsoft/FERPlus,
``src/ferplus.py``, ``_process_data`` and ``load_folders``) applied to the
real ``fer2013new.csv`` (../shared/datasets/real_formats/ferplus; the test
skips when it is absent).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from raer_agreement import Annotations
from raer_agreement.aggregation import soft_labels, vote_distribution
from raer_agreement.cli import main

FERPLUS_CSV = (
    Path(__file__).resolve().parents[1].parent
    / "shared/datasets/real_formats/ferplus/fer2013new.csv"
)
EMOTIONS = ["neutral", "happiness", "surprise", "sadness", "anger", "disgust", "fear", "contempt"]
FER_CLASSES = EMOTIONS + ["unknown", "NF"]
MODES = ["majority", "probability", "crossentropy", "multitarget"]


def fer(rows: list[dict]) -> Annotations:
    """Counts over the ten FER+ columns from {class: votes} dicts."""
    m = np.array([[r.get(c, 0) for c in FER_CLASSES] for r in rows])
    return Annotations.from_counts(
        m, categories=FER_CLASSES, item_ids=[f"f{i}" for i in range(len(m))]
    )


def target(ann, recipe, clip="f0"):
    s = soft_labels(ann, recipe=recipe)
    ids = s.clip_ids.tolist()
    return None if clip not in ids else s.probs[ids.index(clip)]


# ---------------------------------------------------------------- hand-worked examples
def test_hand_example_three_recipes():
    # 5 neutral, 3 happiness, 1 surprise, 1 unknown: singles dropped, S = 8
    ann = fer([{"neutral": 5, "happiness": 3, "surprise": 1, "unknown": 1}])
    e = np.zeros(8)
    np.testing.assert_allclose(target(ann, "ferplus-majority"), np.eye(8)[0])  # 5 > 4
    e[:2] = [5 / 8, 3 / 8]  # 5 < 0.75*8 = 6, then 5 + 3 = 8 >= 6: two classes
    np.testing.assert_allclose(target(ann, "ferplus-crossentropy"), e)
    e[:2] = [0.5, 0.5]  # both >= 0.3*8 = 2.4: equal weight
    np.testing.assert_allclose(target(ann, "ferplus-multitarget"), e)
    s = soft_labels(ann, recipe="ferplus-crossentropy")
    assert s.classes == tuple(EMOTIONS)
    assert s.counts.tolist() == [[5, 3, 1, 0, 0, 0, 0, 0]]  # raw votes of the kept classes


def test_hand_example_no_majority_is_left_out():
    # 4 neutral, 4 unknown, 2 happiness (S = 10): no class above 5
    ann = fer([{"neutral": 4, "unknown": 4, "happiness": 2}])
    assert target(ann, "ferplus-majority") is None
    # cross-entropy: neutral taken; unknown ties with it after it, so it is not taken and the
    # loop stops with 4 <= 0.5*10 votes covered: no target
    assert target(ann, "ferplus-crossentropy") is None
    s = soft_labels(ann, recipe="ferplus-crossentropy")
    assert s.params["left_out_ids"] == {"no target under the recipe's rule": ["f0"]}


def test_hand_example_unknown_on_top_is_left_out():
    ann = fer([{"unknown": 6, "neutral": 4}])
    for mode in ("majority", "crossentropy", "multitarget"):
        s = soft_labels(ann, recipe=f"ferplus-{mode}")
        assert len(s.clip_ids) == 0
        assert s.params["left_out"] == {"top class is an excluded class": 1}


def test_hand_example_too_many_classes_and_all_noise():
    ann = fer(
        [
            {c: 2 for c in EMOTIONS[:5]},  # five classes tie at 2: more than 3 taken
            {c: 1 for c in FER_CLASSES[:9]},  # nine single votes: nothing left
        ]
    )
    for mode in MODES:
        assert len(soft_labels(ann, recipe=f"ferplus-{mode}").clip_ids) == 0


def test_multitarget_threshold_is_inclusive():
    # 4 + 3 + 3 of 10: each has at least 0.3 * 10 votes, so all three are targets
    ann = fer([{"neutral": 4, "happiness": 3, "sadness": 3}])
    np.testing.assert_allclose(target(ann, "ferplus-multitarget")[[0, 1, 3]], [1 / 3] * 3)
    # 4 + 4 + 2 of 10: sadness (2 < 3) is not
    ann = fer([{"neutral": 4, "anger": 4, "sadness": 2}])
    e = np.zeros(8)
    e[[0, 4]] = 0.5
    np.testing.assert_allclose(target(ann, "ferplus-multitarget"), e)


def test_fear_and_contempt_majorities_are_kept():
    ann = fer([{"fear": 8, "neutral": 2}, {"contempt": 7, "sadness": 3}])
    s = soft_labels(ann, recipe="ferplus-majority")
    assert s.hard_labels().tolist() == ["fear", "contempt"]


# ---------------------------------------------------------------- generic rules
def test_generic_rules_by_hand():
    df = pd.DataFrame(
        {
            "item": ["a"] * 6 + ["b"] * 4,
            "annotator": list("uvwxyz") + list("uvwx"),
            "label": ["x", "x", "x", "y", "z", "z"] + ["z", "z", "z", "x"],
        }
    )
    # a: x3 y1 z2; b: x1 z3. Drop single votes, exclude z, need half the votes kept.
    s = vote_distribution(df, min_class_votes=2, exclude=["z"], min_kept_share=0.5)
    assert s.classes == ("x", "y")
    assert s.clip_ids.tolist() == ["a"]  # a keeps 3 of 6; b keeps 0 of 4
    np.testing.assert_allclose(s.probs, [[1.0, 0.0]])
    assert s.params["left_out"] == {"no votes left after the rules": 1}
    # without the noise rule a keeps x3 y1 = 4/6 votes, b keeps x1 = 1/4: a share of 0.7 drops both
    s = vote_distribution(df, exclude=["z"], min_kept_share=0.7)
    assert s.clip_ids.tolist() == []
    assert s.params["left_out"] == {"kept votes below min_kept_share": 2}
    # excluding by code works like by name; alpha smooths the kept classes only
    s = vote_distribution(df, exclude=["z"], alpha=1.0)
    np.testing.assert_allclose(s.probs, [[4 / 6, 2 / 6], [2 / 3, 1 / 3]])


def test_rules_reject_bad_options():
    ann = fer([{"neutral": 10}])
    with pytest.raises(ValueError, match="cannot exclude class 'joy'"):
        vote_distribution(ann, exclude=["joy"])
    with pytest.raises(ValueError, match="every class"):
        vote_distribution(ann, exclude=FER_CLASSES)
    with pytest.raises(ValueError, match="unknown recipe"):
        vote_distribution(ann, recipe="ferplus-mode")
    with pytest.raises(ValueError, match="temperature"):
        vote_distribution(ann, recipe="ferplus-majority", temperature=2.0)
    with pytest.raises(ValueError, match="min_kept_share"):
        vote_distribution(ann, min_kept_share=1.5)
    with pytest.raises(ValueError, match="for method 'votes' only"):
        soft_labels(ann, method="majority", recipe="ferplus-majority")
    plain = Annotations.from_counts([[3, 1]], categories=["p", "n"])
    with pytest.raises(ValueError, match="exclude=\\[\\]"):
        soft_labels(plain, recipe="ferplus-majority")
    # with no class to exclude the recipe applies as such: 3 > 0.5*3
    assert soft_labels(plain, recipe="ferplus-majority", exclude=[]).probs.tolist() == [[1.0, 0.0]]


def test_anonymous_votes_get_distributions_and_recipes():
    ann = fer([{"neutral": 6, "happiness": 4}])
    assert ann.anonymous
    np.testing.assert_allclose(soft_labels(ann).probs[0, [0, 1]], [0.6, 0.4])
    np.testing.assert_allclose(target(ann, "ferplus-majority"), np.eye(8)[0])


# ---------------------------------------------------------------- the real FER+ file
def published_rule(raw, mode):
    """Plain transcription of FER+'s rules for one row of ten counts.

    Returns the eight-emotion target, or None when the published reader
    leaves the face out.
    """
    size = len(raw)
    raw = [0.0 if v < 1.0 + sys.float_info.epsilon else float(v) for v in raw]
    total = sum(raw)
    out = [0.0] * size
    unknown = [0.0] * size
    unknown[-2] = 1.0
    if mode == "majority":
        peak = max(raw)
        if peak > 0.5 * total:
            out[raw.index(peak)] = peak
        else:
            out = unknown
    elif mode in ("probability", "crossentropy"):
        part, n, ok = 0.0, 0, True
        while part < 0.75 * total and n < 3 and ok:
            peak = max(raw)
            for i in range(size):
                if raw[i] == peak:
                    out[i], raw[i] = peak, 0.0
                    part += peak
                    n += 1
                    if i >= 8:
                        ok = False
                        if sum(out) > peak:
                            out[i] = 0.0
                            n -= 1
                        break
        if sum(out) <= 0.5 * total or n > 3:
            out = unknown
    else:
        for i in range(size):
            if raw[i] >= 0.3 * total:
                out[i] = raw[i]
        if sum(out) <= 0.5 * total:
            out = unknown
    s = sum(out)
    out = [v / s for v in out]
    top = max(range(size), key=lambda i: (out[i], -i))  # first maximum
    if top >= 8:
        return None
    emo = out[:8]
    t = sum(emo)
    emo = [v / t for v in emo]
    if mode == "multitarget":
        emo = [1.0 if v > 0 else 0.0 for v in emo]
        emo = [v / sum(emo) for v in emo]
    return emo


@pytest.fixture(scope="module")
def ferplus():
    if not FERPLUS_CSV.is_file():
        pytest.skip(f"{FERPLUS_CSV} is absent: the real-format samples are not here")
    d = pd.read_csv(FERPLUS_CSV)
    d = d[d["Image name"].notna()].reset_index(drop=True)
    # row number in the id: the four duplicated names stay separate rows
    ids = [f"{i}:{n}" for i, n in enumerate(d["Image name"])]
    assert list(d.columns[2:]) == FER_CLASSES
    ann = Annotations.from_counts(d[FER_CLASSES].to_numpy(), categories=FER_CLASSES, item_ids=ids)
    return d, ann


def sample_rows(d: pd.DataFrame) -> list[int]:
    """300 evenly spread rows, 100 with 2+ unknown/NF votes, and the row with 9 votes."""
    even = np.linspace(0, len(d) - 1, 300).astype(int).tolist()
    odd = np.flatnonzero((d["unknown"] >= 2) | (d["NF"] >= 2))[:100].tolist()
    nine = np.flatnonzero(d[FER_CLASSES].sum(axis=1) == 9).tolist()
    assert len(nine) == 1  # as SOURCE.txt says
    return sorted(set(even + odd + nine))


@pytest.mark.parametrize("mode", MODES)
def test_ferplus_targets_match_the_published_rules(ferplus, mode):
    d, ann = ferplus
    s = soft_labels(ann, recipe=f"ferplus-{mode}", seed=3)
    assert s.classes == tuple(EMOTIONS)
    pos = {c: i for i, c in enumerate(s.clip_ids)}
    rows = sample_rows(d)
    n_kept = 0
    for r in rows:
        expected = published_rule(d.loc[r, FER_CLASSES].tolist(), mode)
        clip = f"{r}:{d.loc[r, 'Image name']}"
        if expected is None:
            assert clip not in pos, clip
            continue
        n_kept += 1
        got = s.probs[pos[clip]]
        np.testing.assert_allclose(got, expected, atol=1e-12, err_msg=clip)
        if mode != "probability":
            assert s.labels[pos[clip]] == int(np.argmax(expected))
        else:
            assert expected[s.labels[pos[clip]]] > 0  # a draw from the target
    # the sample exercises both outcomes
    assert 0 < n_kept < len(rows)


def test_ferplus_probability_draws_follow_the_target(ferplus):
    _, ann = ferplus
    s = soft_labels(ann, recipe="ferplus-probability", seed=11)
    ce = soft_labels(ann, recipe="ferplus-crossentropy")
    np.testing.assert_array_equal(s.clip_ids, ce.clip_ids)
    np.testing.assert_allclose(s.probs, ce.probs)
    # over ~35,000 faces the share of draws per class is the mean target (binomial sd < 0.003)
    share = np.bincount(s.labels, minlength=8) / len(s.labels)
    np.testing.assert_allclose(share, s.probs.mean(axis=0), atol=0.01)
    again = soft_labels(ann, recipe="ferplus-probability", seed=11)
    np.testing.assert_array_equal(s.labels, again.labels)


def test_ferplus_left_out_clips_are_listed(ferplus):
    d, ann = ferplus
    s = soft_labels(ann, recipe="ferplus-majority")
    listed = [c for ids in s.params["left_out_ids"].values() for c in ids]
    assert len(listed) == s.params["n_clips_left_out"] == len(d) - len(s.clip_ids)
    assert not set(listed) & set(s.clip_ids)


def test_cli_recipe_on_a_counts_table(tmp_path, capsys):
    rows = [
        ("Training", "a.png", {"neutral": 5, "happiness": 3, "surprise": 1, "unknown": 1}),
        ("Training", "b.png", {"unknown": 6, "neutral": 4}),
        ("PublicTest", "c.png", {"fear": 8, "NF": 2}),
    ]
    table = pd.DataFrame(
        [{"Usage": u, "Image name": n, **{c: v.get(c, 0) for c in FER_CLASSES}} for u, n, v in rows]
    )
    path = tmp_path / "votes.csv"
    table.to_csv(path, index=False)
    out = tmp_path / "soft"
    args = ["soft-labels", str(path), "--format", "counts", "--item-col", "Image name"]
    args += ["--categories", ",".join(FER_CLASSES), "--out", str(out)]
    assert main(args + ["--recipe", "ferplus-crossentropy", "--formats", "csv"]) == 0
    printed = capsys.readouterr().out
    assert "1 clips left out: top class is an excluded class" in printed
    got = pd.read_csv(out / "soft_labels.csv", index_col=0)
    assert got.index.tolist() == ["a.png", "c.png"]
    # one row across columns of several dtypes is an object Series: cast for numpy 1.23
    row = got.loc["a.png", ["neutral", "happiness"]].astype(float)
    np.testing.assert_allclose(row, [5 / 8, 3 / 8])
    np.testing.assert_allclose(got.loc["c.png", "fear"], 1.0)
    assert "unknown" not in got.columns
    # the rules of a recipe are fixed; models take no vote rules: one line, exit code 2
    assert main(args + ["--recipe", "ferplus-majority", "--alpha", "1", "--force"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "alpha" in err[0]
    assert main(args + ["--method", "majority", "--exclude", "NF", "--force"]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


@pytest.mark.parametrize("mode", ["majority", "crossentropy"])
def test_cli_recipe_on_the_real_file_with_no_options(ferplus, mode, tmp_path):
    # the file as published, read by layout detection; the loader merges the four names that
    # occur twice (their votes add up: ../shared/datasets/real_formats/README.md)
    d, _ = ferplus
    merged = d.groupby("Image name", sort=False)[FER_CLASSES].sum()
    expected = {n: published_rule(row.tolist(), mode) for n, row in merged.iterrows()}
    expected = {n: t for n, t in expected.items() if t is not None}
    out = tmp_path / mode
    args = ["soft-labels", str(FERPLUS_CSV), "--recipe", f"ferplus-{mode}", "--out", str(out)]
    assert main(args + ["--formats", "csv"]) == 0
    got = pd.read_csv(out / "soft_labels.csv", index_col=0)
    assert sorted(got.index) == sorted(expected)
    want = np.array([expected[n] for n in got.index])
    np.testing.assert_allclose(got[EMOTIONS].to_numpy(), want, atol=1e-6)
