"""ScorecardClassifier: integer points, few bins, hand-addable."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import expit

from riskassess.models import ScorecardClassifier
from riskassess.models._scorecard import segment


def _data(n=800, seed=0):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({
        "age": rng.integers(18, 70, n).astype(float),
        "priors_count": rng.poisson(2, n).astype(float),
        "juv_fel_count": rng.poisson(0.2, n).astype(float),
        "sex": pd.Categorical(rng.choice(["male", "female"], n)),
        "index_offence": pd.Categorical(rng.choice(list("abcdefgh"), n)),
    })
    logit = (0.5 - 0.04 * (X["age"] - 35) + 0.35 * np.sqrt(X["priors_count"])
             + 0.1 * X["index_offence"].cat.codes)
    y = (rng.random(n) < expit(logit.to_numpy())).astype(int)
    return X, y


@pytest.fixture(scope="module")
def card():
    X, y = _data()
    return ScorecardClassifier(max_features=3, max_bins=4).fit(X, y), X, y


def test_card_limits(card):
    model, _, _ = card
    assert len(model.points_) <= 3
    for name, pts in model.points_.items():
        assert pts.dtype.kind == "i" and pts.min() >= 0
        assert len(set(pts[:-1].tolist())) <= 4, name
    frame = model.points_frame()
    assert set(frame["feature"]) == set(model.points_)


def test_points_add_up_on_paper(card):
    model, X, _ = card
    total = np.zeros(len(X))
    for t in model.form_.terms:
        codes = t.axes[0].codes(X)
        total += model.points_[t.name][codes]
    expected = model.offset_ + model.slope_ * total
    np.testing.assert_allclose(model.decision_function(X), expected, atol=1e-9)
    table = model.score_table().set_index("points")["probability"]
    probs = model.predict_proba(X)[:, 1]
    np.testing.assert_allclose(table.loc[total.astype(int)].to_numpy(), probs, atol=1e-9)


def test_monotone_card(card):
    model, _, _ = card
    assert np.all(np.diff(model.points_["age"][:-1]) <= 0)
    assert np.all(np.diff(model.points_["priors_count"][:-1]) >= 0)


def test_rounding_cost_reported(card):
    model, _, _ = card
    assert model.rounding_auc_cost_ == pytest.approx(model.auc_unrounded_ - model.auc_rounded_)
    assert abs(model.rounding_auc_cost_) < 0.05


@settings(max_examples=30, deadline=None)
@given(values=st.lists(st.floats(-5, 5), min_size=1, max_size=30), m=st.integers(1, 6))
def test_segment_is_optimal_runs(values, m):
    v = np.asarray(values)
    cuts = segment(v, np.ones(len(v)), m)
    assert len(cuts) + 1 <= m
    assert np.all(np.diff(cuts) > 0) and (len(cuts) == 0 or (cuts[0] > 0 and cuts[-1] < len(v)))
    # never worse than the best single cut-free grouping into equal runs
    runs = np.split(v, cuts)
    sse = sum(float(np.sum((r - r.mean()) ** 2)) for r in runs)
    assert sse <= float(np.sum((v - v.mean()) ** 2)) + 1e-9
