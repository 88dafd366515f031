"""Pairwise interactions: FAST's choice of pairs, monotone pair tables, SHAP, heat maps."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.special import logit

from riskassess.exceptions import ExplanationInputError, FeatureError, ValidationInputError
from riskassess.explain import explain
from riskassess.models import (
    AdditiveRiskClassifier,
    ScorecardClassifier,
    model_from_json,
    model_to_json,
)
from riskassess.models._fast import pair_gain, rank_pairs, select_pairs


def _planted(n=3000, seed=0):
    """Four features; the log-odds has main effects of a and c and an a x b interaction."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({c: rng.uniform(0, 10, n) for c in "abcd"})
    z = (0.2 * (X["a"] - 5) + 0.1 * (X["c"] - 5)
         + 1.5 * np.sign(X["a"] - 5) * np.sign(X["b"] - 5))
    y = (rng.random(n) < 1 / (1 + np.exp(-z.to_numpy()))).astype(int)
    return X, y


def test_fast_finds_the_planted_pair():
    X, y = _planted()
    model = AdditiveRiskClassifier(monotone=None, interactions="auto", max_interactions=1)
    model.fit(X, y)
    assert model.interactions_ == [("a", "b")]
    assert model.form_.term_names[-1] == "a x b"


def test_auto_pairs_improve_the_fit_on_held_out_rows():
    X, y = _planted(seed=1)
    X_test, y_test = _planted(seed=2)
    main = AdditiveRiskClassifier(monotone=None).fit(X, y)
    pairs = AdditiveRiskClassifier(monotone=None, interactions="auto").fit(X, y)

    def log_loss(model):
        p = model.predict_proba(X_test)[:, 1]
        return -np.mean(y_test * np.log(p) + (1 - y_test) * np.log(1 - p))

    assert log_loss(pairs) < log_loss(main) - 0.01


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(20, 300),
       bins=st.tuples(st.integers(2, 6), st.integers(2, 6)))
def test_pair_gain_is_symmetric_non_negative_and_order_free(seed, n, bins):
    rng = np.random.default_rng(seed)
    a, b = rng.integers(0, bins[0], n), rng.integers(0, bins[1], n)
    gradient, hessian = rng.normal(size=n), rng.uniform(0, 1, n)
    gain = pair_gain(a, b, bins[0], bins[1], gradient, hessian)
    assert gain >= 0.0
    assert gain == pytest.approx(pair_gain(b, a, bins[1], bins[0], gradient, hessian),
                                 rel=1e-9, abs=1e-12)
    order = rng.permutation(n)
    assert gain == pytest.approx(pair_gain(a[order], b[order], bins[0], bins[1],
                                           gradient[order], hessian[order]),
                                 rel=1e-9, abs=1e-12)


def test_rank_pairs_refuses_mismatched_inputs():
    codes = {"a": np.zeros(10, dtype=int), "b": np.zeros(9, dtype=int)}
    with pytest.raises(ValidationInputError, match="codes"):
        rank_pairs(codes, {"a": 1, "b": 1}, np.zeros(10), np.ones(10))
    with pytest.raises(ValidationInputError, match="'z'"):
        select_pairs({"a": np.zeros(3, dtype=int)}, {"a": 1}, np.zeros(3), np.ones(3),
                     max_pairs=1, candidates=[("a", "z")])
    with pytest.raises(ValidationInputError, match="non-negative"):
        rank_pairs({"a": np.zeros(2, dtype=int)}, {"a": 1}, np.zeros(2), -np.ones(2))


def _monotone_case(draw_seed, n):
    rng = np.random.default_rng(draw_seed)
    X = pd.DataFrame({"u": rng.integers(0, 12, n).astype(float),
                      "v": rng.normal(0, 3, n).round(1),
                      "w": rng.uniform(0, 1, n)})
    y = rng.integers(0, 2, n)
    y[:2] = [0, 1]  # both classes, whatever the draw
    return X, y


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(30, 250),
       directions=st.sampled_from([(1, 1), (1, -1), (-1, 1), (-1, -1), (1, 0), (0, -1)]),
       bins=st.integers(2, 8), smoothing=st.sampled_from([0.0, 1.0, 100.0]))
def test_risk_is_monotone_along_each_monotone_feature_of_a_pair(seed, n, directions, bins,
                                                               smoothing):
    """For any data: p moves in each declared direction for every value of the partner."""
    X, y = _monotone_case(seed, n)
    model = AdditiveRiskClassifier(
        monotone={"u": directions[0], "v": directions[1], "w": 0},
        interactions=[("u", "v"), ("v", "w")], max_interaction_bins=bins,
        smoothing=smoothing).fit(X, y)
    # a grid reaching beyond the training range, every combination of u and v
    u = np.linspace(-2, 14, 23)
    v = np.linspace(X["v"].min() - 1, X["v"].max() + 1, 19)
    for w in (0.1, 0.9):
        grid = pd.DataFrame({"u": np.repeat(u, len(v)), "v": np.tile(v, len(u)), "w": w})
        p = model.predict_proba(grid)[:, 1].reshape(len(u), len(v))
        for axis, direction in enumerate(directions):
            if direction:
                steps = direction * np.diff(p, axis=axis)
                assert steps.min() >= -1e-12, (axis, steps.min())


def test_both_monotone_pair_keeps_each_direction_in_the_table():
    X, y = _planted()
    model = AdditiveRiskClassifier(monotone={"a": 1, "b": -1, "c": 0, "d": 0},
                                   interactions=[("a", "b")]).fit(X, y)
    table = model.form_.terms[-1].table[:-1, :-1]  # regular bins (last = missing values)
    assert np.diff(table, axis=0).min() >= -1e-12
    assert np.diff(table, axis=1).max() <= 1e-12


def test_exact_shap_adds_up_with_auto_pairs():
    X, y = _planted(n=1500)
    model = AdditiveRiskClassifier(interactions="auto", max_interactions=2).fit(X, y)
    assert model.interactions_
    e = explain(model, X.head(50))
    np.testing.assert_allclose(e.base_values + e.values.sum(axis=1),
                               logit(model.predict_proba(X.head(50))[:, 1]), atol=1e-9)


def test_auto_pairs_round_trip_through_json():
    X, y = _planted(n=1500)
    model = AdditiveRiskClassifier(interactions="auto", max_interactions=2).fit(X, y)
    again = model_from_json(model_to_json(model))
    np.testing.assert_array_equal(again.predict_proba(X), model.predict_proba(X))
    assert again.interactions_ == model.interactions_


def test_zero_interactions_is_the_main_effects_model():
    X, y = _planted(n=800)
    main = AdditiveRiskClassifier().fit(X, y)
    none = AdditiveRiskClassifier(interactions="auto", max_interactions=0).fit(X, y)
    assert none.interactions_ == []
    np.testing.assert_array_equal(none.predict_proba(X), main.predict_proba(X))


def test_bad_interactions_are_refused_with_the_column_named():
    X, y = _planted(n=300)
    with pytest.raises(FeatureError, match="'zz'"):
        AdditiveRiskClassifier(interactions=[("a", "zz")]).fit(X, y)
    with pytest.raises(FeatureError, match="distinct"):
        AdditiveRiskClassifier(interactions=[("a", "a")]).fit(X, y)
    with pytest.raises(ValueError, match="max_interactions"):
        AdditiveRiskClassifier(interactions="auto", max_interactions=-1).fit(X, y)
    with pytest.raises(ValueError, match="interactions"):
        AdditiveRiskClassifier(interactions="all").fit(X, y)


def test_scorecard_has_no_interactions():
    with pytest.raises(TypeError, match="interactions"):
        ScorecardClassifier(interactions=[("age", "priors_count")])
    assert "interactions" not in ScorecardClassifier().get_params()


def test_heat_map_draws_the_pair_table():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from riskassess.explain.plot import plot_interaction

    X, y = _planted(n=800)
    model = AdditiveRiskClassifier(monotone=None, interactions=[("a", "b")],
                                   max_interaction_bins=5).fit(X, y)
    pair = model.form_.terms[-1]
    ax = plot_interaction(model, ("b", "a"))
    drawn = np.asarray(ax.images[0].get_array())
    assert drawn.shape == (pair.axes[0].n_bins - 1, pair.axes[1].n_bins - 1)
    # centred, so cells compare with the average person in training
    assert float(np.sum(drawn * pair.counts[:-1, :-1])) == pytest.approx(0.0, abs=1e-9)
    with_missing = plot_interaction(model, "a x b", show_missing=True)
    assert np.asarray(with_missing.images[0].get_array()).shape == pair.table.shape
    with pytest.raises(ExplanationInputError, match="a x b"):
        plot_interaction(model, ("a", "c"))
    plt.close("all")
