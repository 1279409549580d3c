"""The core object and its converters, checked against peers and published tables."""

import krippendorff
import numpy as np
import pandas as pd
import pytest
from statsmodels.stats import inter_rater

from raer_agreement import Annotations
from raer_agreement.io.frames import from_long, from_matrix

NAN = np.nan
# Krippendorff (2011) "Computing Krippendorff's Alpha-Reliability", reliability data
# matrix C: 4 coders (rows) x 12 units; nominal alpha = 0.743 (krippendorff doctests).
K2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, NAN, NAN, NAN],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NAN, 3],
    [NAN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NAN],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NAN],
]
K2011_ALPHA_NOMINAL = 0.743421052631579

# Fleiss (1971), psychiatric diagnoses: 30 subjects x 6 raters, categories 1..5;
# published kappa 0.430 (statsmodels test value 0.4302445), category totals below.
FLEISS_1971 = [
    [4, 4, 4, 4, 4, 4],
    [2, 2, 2, 5, 5, 5],
    [2, 3, 3, 3, 3, 5],
    [5, 5, 5, 5, 5, 5],
    [2, 2, 2, 4, 4, 4],
    [1, 1, 3, 3, 3, 3],
    [3, 3, 3, 3, 5, 5],
    [1, 1, 3, 3, 3, 4],
    [1, 1, 4, 4, 4, 4],
    [5, 5, 5, 5, 5, 5],
    [1, 4, 4, 4, 4, 4],
    [1, 2, 4, 4, 4, 4],
    [2, 2, 2, 3, 3, 3],
    [1, 4, 4, 4, 4, 4],
    [2, 2, 4, 4, 4, 5],
    [3, 3, 3, 3, 3, 5],
    [1, 1, 1, 4, 5, 5],
    [1, 1, 1, 1, 1, 2],
    [2, 2, 4, 4, 4, 4],
    [1, 3, 3, 5, 5, 5],
    [5, 5, 5, 5, 5, 5],
    [2, 4, 4, 4, 4, 4],
    [2, 2, 4, 5, 5, 5],
    [1, 1, 4, 4, 4, 4],
    [1, 4, 4, 4, 4, 5],
    [2, 2, 2, 2, 2, 4],
    [1, 1, 1, 1, 5, 5],
    [2, 2, 4, 4, 4, 4],
    [1, 3, 3, 3, 3, 3],
    [5, 5, 5, 5, 5, 5],
]
FLEISS_1971_KAPPA = 0.43024452006014074
FLEISS_1971_TOTALS = [26, 26, 30, 55, 43]

# Wikipedia "Fleiss' kappa" worked example: 10 subjects x 14 raters, counts; kappa 0.210.
WIKI_COUNTS = [
    [0, 0, 0, 0, 14],
    [0, 2, 6, 4, 2],
    [0, 0, 3, 5, 6],
    [0, 3, 9, 2, 0],
    [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0],
    [3, 2, 6, 3, 0],
    [2, 5, 3, 2, 2],
    [6, 5, 2, 1, 0],
    [0, 2, 2, 3, 7],
]
WIKI_KAPPA = 0.20993070442195522


def test_raters_x_items_round_trip_and_krippendorff():
    ann = from_matrix(K2011, orientation="raters_x_items", categories=[1, 2, 3, 4, 5])
    assert (ann.n_annotators, ann.n_items, ann.n_ratings) == (4, 12, 41)
    m = ann.to_raters_x_items()
    np.testing.assert_array_equal(np.isnan(m), np.isnan(np.array(K2011)))
    # codes 0..4 stand for categories 1..5
    np.testing.assert_array_equal(m[~np.isnan(m)] + 1, np.array(K2011)[~np.isnan(np.array(K2011))])
    alpha = krippendorff.alpha(m, level_of_measurement="nominal", value_domain=range(5))
    assert alpha == pytest.approx(K2011_ALPHA_NOMINAL, abs=1e-12)


def test_items_x_raters_matches_statsmodels_aggregate_raters():
    ann = from_matrix(FLEISS_1971, categories=[1, 2, 3, 4, 5])
    m = ann.to_items_x_raters()
    assert m.shape == (30, 6)
    table, cats = inter_rater.aggregate_raters(m.astype(int), n_cat=5)
    np.testing.assert_array_equal(ann.counts(), table)
    np.testing.assert_array_equal(ann.counts().sum(0), FLEISS_1971_TOTALS)
    assert inter_rater.fleiss_kappa(ann.counts()) == pytest.approx(FLEISS_1971_KAPPA, abs=1e-9)


def test_counts_round_trip_wikipedia():
    ann = Annotations.from_counts(WIKI_COUNTS, categories=list("ABCDE"))
    np.testing.assert_array_equal(ann.counts(), WIKI_COUNTS)
    assert inter_rater.fleiss_kappa(ann.counts()) == pytest.approx(WIKI_KAPPA, abs=1e-12)


def test_unused_categories_are_kept_everywhere():
    ann = from_matrix([[1, 1], [2, 1]], categories=[1, 2, 3, 4])
    assert ann.counts().shape == (2, 4)
    assert list(ann.counts_frame().columns) == ["1", "2", "3", "4"]
    ck = ann.to_crowdkit()
    assert list(ck.columns) == ["task", "worker", "label"]
    assert list(ck["label"].cat.categories) == ["1", "2", "3", "4"]


def test_ids_stay_strings_as_given():
    df = pd.DataFrame(
        {
            "item": ["003", "3", "1e3", "0x1"],
            "annotator": ["007", "7", "7", "7"],
            "label": ["a", "b", "a", "b"],
        }
    )
    ann = from_long(df)
    assert set(ann.item_ids) == {"003", "3", "1e3", "0x1"}
    assert set(ann.annotator_ids) == {"007", "7"}


def test_object_is_immutable():
    ann = from_matrix(FLEISS_1971)
    with pytest.raises(ValueError):
        ann.item[0] = 5
    with pytest.raises(ValueError):
        ann.labels["label"][0] = 1


def test_repeated_ratings_refuse_one_cell_matrices():
    df = pd.DataFrame(
        {"item": ["c", "c", "c"], "annotator": ["a", "a", "b"], "label": ["x", "y", "x"]}
    )
    ann = from_long(df)
    assert ann.n_ratings == 3  # both ratings of annotator a are kept
    np.testing.assert_array_equal(ann.counts(), [[2, 1]])
    with pytest.raises(ValueError, match="more than once"):
        ann.to_items_x_raters()


def test_select_and_groups_partition_the_items():
    items = pd.DataFrame({"env": ["lib", "dorm", "lib"]}, index=["i1", "i2", "i3"])
    ann = from_matrix([[1, 2], [2, 2], [1, 1]], item_ids=["i1", "i2", "i3"]).with_items(items)
    parts = dict(ann.groups("env"))
    assert sorted(parts) == ["dorm", "lib"]
    assert parts["lib"].item_ids == ("i1", "i3")
    np.testing.assert_array_equal(parts["lib"].counts(), [[1, 1], [2, 0]])
    assert sum(p.n_ratings for p in parts.values()) == ann.n_ratings


def test_collapse_fine_to_coarse_uses_the_taxonomy():
    df = pd.DataFrame(
        {
            "clip_id": ["c1", "c1", "c2"],
            "annotator": ["a", "b", "a"],
            "coarse": ["Fatigue", "Neutrality", "Distraction"],
            "fine": ["Yawning", "", "Drowsy"],
        }
    )
    ann = from_long(df)
    assert ann.schemes == ("coarse", "fine")
    collapsed = ann.collapse("fine", "coarse")
    names = [ann.categories("coarse")[c] if c >= 0 else None for c in collapsed]
    # the placeholder taxonomy nests Yawning and Drowsy under Fatigue
    assert names == ["Fatigue", None, "Fatigue"]
