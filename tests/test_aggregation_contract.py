"""One estimator contract for every aggregation method (in the spirit of
scikit-learn's ``check_estimator``), parametrised over ``aggregation.METHODS``."""

from __future__ import annotations

import inspect

import numpy as np
import pandas as pd
import pytest

from raer_agreement.aggregation import METHODS, Aggregator, make_aggregator, registry
from raer_agreement.io.frames import from_long
from raer_agreement.simulate import SimulationParams, simulate_corpus


@pytest.fixture(scope="module")
def corpus():
    return simulate_corpus(SimulationParams.scaled(120), seed=5).annotations


@pytest.fixture(scope="module")
def binary(corpus):
    """The corpus's coarse votes folded to two classes (for the binary-only methods)."""
    it, an, lab = corpus.ratings("coarse")
    frame = pd.DataFrame(
        {
            "item": np.asarray(corpus.item_ids, dtype=object)[it],
            "annotator": np.asarray(corpus.annotator_ids, dtype=object)[an],
            "label": np.where(lab == 0, "first", "other"),
        }
    )
    return from_long(frame)


@pytest.fixture(params=METHODS)
def method(request):
    return request.param


@pytest.fixture
def ann(method, corpus, binary):
    return binary if registry.spec(method).binary_only else corpus


@pytest.fixture
def scheme(ann):
    return ann.schemes[0]


def test_every_method_is_an_aggregator_with_keyword_only_options(method):
    est = make_aggregator(method)
    assert isinstance(est, Aggregator)
    sig = inspect.signature(type(est).__init__)
    for p in list(sig.parameters.values())[1:]:
        assert p.kind is p.KEYWORD_ONLY, f"{method}: option {p.name} is not keyword-only"


def test_init_stores_options_unchanged_and_params_round_trip(method):
    est = make_aggregator(method, seed=3)
    params = est.get_params()
    clone = type(est)(**params)
    assert clone.get_params() == params
    assert clone.set_params(**params) is clone
    assert not [k for k in vars(clone) if k.endswith("_") and not k.startswith("_")], (
        "__init__ must not set fitted attributes"
    )
    with pytest.raises(ValueError, match="no option"):
        clone.set_params(not_an_option=1)


def test_fit_returns_self_and_fitted_attributes_end_in_underscore(method, ann, scheme):
    est = make_aggregator(method, seed=0)
    before = set(vars(est))
    assert est.fit(ann, scheme) is est
    added = {k for k in vars(est) if k not in before and not k.startswith("_")}
    assert added, "fit set no fitted attribute"
    assert all(k.endswith("_") for k in added), sorted(k for k in added if not k.endswith("_"))
    assert set(est.get_params()) <= before


def test_posteriors_and_labels_follow_the_clips_and_declared_classes(method, ann, scheme):
    est = make_aggregator(method, seed=0).fit(ann, scheme)
    ids = pd.Index(ann.item_ids)
    cats = list(ann.categories(scheme))
    post = est.posteriors_
    assert post.index.equals(ids) and list(post.columns) == cats
    rated = ann.ratings_per_item(scheme) > 0
    sums = post.to_numpy()[rated].sum(axis=1)
    np.testing.assert_allclose(sums, 1.0, atol=1e-9)
    assert ((post.to_numpy()[rated] >= 0) & (post.to_numpy()[rated] <= 1 + 1e-12)).all()
    lab = est.labels_
    assert lab.index.equals(ids)
    assert isinstance(lab.dtype, pd.CategoricalDtype)
    assert list(lab.cat.categories) == cats
    assert est.classes_.tolist() == cats


def test_same_seed_same_output(method, ann, scheme):
    a = make_aggregator(method, seed=7).fit(ann, scheme)
    b = make_aggregator(method, seed=7).fit(ann, scheme)
    pd.testing.assert_frame_equal(a.posteriors_, b.posteriors_)
    pd.testing.assert_series_equal(a.labels_, b.labels_)


def test_fit_predict_and_fit_predict_proba_agree_with_fit(method, ann, scheme):
    labels = make_aggregator(method, seed=1).fit_predict(ann, scheme)
    proba = make_aggregator(method, seed=1).fit_predict_proba(ann, scheme)
    est = make_aggregator(method, seed=1).fit(ann, scheme)
    pd.testing.assert_series_equal(labels, est.labels_)
    pd.testing.assert_frame_equal(proba, est.posteriors_)
