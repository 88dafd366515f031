"""AdditiveSurvivalModel: monotone in t, exactly additive on the cloglog scale, monotone
where declared, persisted exactly, uses censored cases, agrees with lifelines' Cox fit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from riskassess.explain import explain
from riskassess.models import AdditiveSurvivalModel, model_from_json, model_to_json
from riskassess.models._links import link_function

DAYS = 365.25


def cohort(n: int, seed: int, *, follow_low: float = 60.0, follow_high: float = 1100.0
           ) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    """People with a known proportional hazard; returns (X, y, log hazard ratio)."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({
        "age": rng.integers(18, 70, n).astype(float),
        "priors_count": rng.poisson(2.0, n).astype(float),
        "sex": pd.Categorical(rng.choice(["female", "male"], n)),
    }, index=[f"C-{i}" for i in range(n)])
    lhr = -0.04 * (X["age"] - 35) + 0.35 * np.sqrt(X["priors_count"]) + \
        0.3 * (X["sex"] == "male")
    onset = rng.exponential(800.0 / np.exp(lhr))
    follow = rng.uniform(follow_low, follow_high, n)
    y = pd.DataFrame({"event": onset <= follow, "time": np.minimum(onset, follow)},
                     index=X.index)
    return X, y, lhr


@pytest.fixture(scope="module")
def fitted() -> tuple[AdditiveSurvivalModel, pd.DataFrame, pd.DataFrame]:
    X, y, _ = cohort(1500, seed=3)
    return AdditiveSurvivalModel(max_bins=32).fit(X, y), X, y


horizons = st.floats(min_value=0.01, max_value=2.9, allow_nan=False)


@given(h1=horizons, h2=horizons, rows=st.lists(st.integers(0, 1499), min_size=1,
                                                 max_size=20))
@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_probability_is_monotone_in_the_horizon(fitted, h1: float, h2: float,
                                                rows: list[int]) -> None:
    model, X, _ = fitted
    lo, hi = sorted((h1, h2))
    part = X.iloc[rows]
    p_lo = model.predict_proba(part, horizon=lo)[:, 1]
    p_hi = model.predict_proba(part, horizon=hi)[:, 1]
    assert np.all(p_lo <= p_hi)
    assert np.all((p_lo > 0) & (p_hi < 1))


@given(h=horizons, rows=st.lists(st.integers(0, 1499), min_size=1, max_size=12))
@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_shap_values_add_up_to_the_cloglog_at_every_horizon(fitted, h: float,
                                                            rows: list[int]) -> None:
    model, X, _ = fitted
    part = X.iloc[rows]
    e = explain(model, part, horizon=h)
    cloglog = link_function("cloglog")(model.predict_proba(part, horizon=h)[:, 1])
    np.testing.assert_allclose(e.base_values + e.values.sum(axis=1), cloglog, atol=1e-9)
    # the values themselves do not depend on the horizon: only the base value moves
    np.testing.assert_array_equal(e.values, explain(model, part).values)


def test_explanation_base_moves_by_the_log_baseline_hazard(fitted) -> None:
    model, X, _ = fitted
    e1, e2 = explain(model, X.head(3), horizon=1), explain(model, X.head(3), horizon=2)
    h1, h2 = model.baseline_cumulative_hazard([1, 2])
    np.testing.assert_allclose(e2.base_values - e1.base_values, np.log(h2 / h1), atol=1e-12)


@given(seed=st.integers(0, 10_000), direction=st.sampled_from([-1, 1]))
@settings(max_examples=8, deadline=None)
def test_declared_monotone_features_hold(seed: int, direction: int) -> None:
    X, y, _ = cohort(300, seed=seed)
    model = AdditiveSurvivalModel(monotone={"age": direction, "priors_count": 0},
                                  max_bins=16).fit(X, y)
    grid = pd.DataFrame({"age": np.arange(16.0, 75.0),
                         "priors_count": 2.0, "sex": pd.Categorical(["male"] * 59,
                                                                    categories=["female",
                                                                                "male"])})
    steps = np.diff(model.predict_proba(grid, horizon=1)[:, 1])
    assert np.all(direction * steps >= -1e-15)


def test_persistence_round_trip_is_exact(fitted) -> None:
    model, X, _ = fitted
    again = model_from_json(model_to_json(model))
    assert isinstance(again, AdditiveSurvivalModel)
    for h in (None, 0.5, 1, 1.7, 2, 2.9):
        np.testing.assert_array_equal(again.predict_proba(X, horizon=h),
                                      model.predict_proba(X, horizon=h))
    np.testing.assert_array_equal(again.predict_band(X, horizon=1),
                                  model.predict_band(X, horizon=1))
    assert {h: f.intercept for h, f in again.horizon_forms().items()} == \
        {h: f.intercept for h, f in model.horizon_forms().items()}


def test_censored_rows_change_the_fit() -> None:
    X, y, _ = cohort(800, seed=5)
    every = AdditiveSurvivalModel(max_bins=16).fit(X, y)
    events = y["event"].to_numpy()
    dropped = AdditiveSurvivalModel(max_bins=16).fit(X[events], y[events])
    p_every = every.predict_proba(X, horizon=1)[:, 1]
    p_dropped = dropped.predict_proba(X, horizon=1)[:, 1]
    # dropping the censored people leaves only reoffenders: the 1-year risk is inflated
    assert p_dropped.mean() > p_every.mean() + 0.05


def test_using_censored_cases_is_closer_to_the_truth() -> None:
    X, y, lhr = cohort(3000, seed=11, follow_low=30.0, follow_high=900.0)
    truth = 1 - np.exp(-(DAYS / 800.0) * np.exp(lhr.to_numpy()))
    every = AdditiveSurvivalModel(max_bins=32).fit(X, y)
    # the classifier's route: keep only people with a full year of follow-up or an event
    known = (y["time"] >= DAYS) | y["event"]
    kept = AdditiveSurvivalModel(max_bins=32).fit(X[known], y[known])
    err_every = np.abs(every.predict_proba(X, horizon=1)[:, 1] - truth).mean()
    err_kept = np.abs(kept.predict_proba(X, horizon=1)[:, 1] - truth).mean()
    assert err_every < err_kept


def test_agrees_with_scikit_survival_cox_on_a_linear_case() -> None:
    # scikit-survival's CoxPHSurvivalAnalysis (Breslow ties, Breslow baseline, as ours);
    # lifelines' CoxPHFitter gives the same here but pins pandas < 3 (benchmarks only)
    from sksurv.linear_model import CoxPHSurvivalAnalysis
    from sksurv.util import Surv

    rng = np.random.default_rng(7)
    n = 2000
    # binary features: a table of two bins represents a linear effect exactly
    X = pd.DataFrame({"a": rng.integers(0, 2, n).astype(float),
                      "b": rng.integers(0, 2, n).astype(float)})
    onset = rng.exponential(500.0 / np.exp(0.8 * X["a"] - 0.5 * X["b"]))
    follow = rng.uniform(100, 1000, n)
    y = pd.DataFrame({"event": onset <= follow, "time": np.minimum(onset, follow)})
    ours = AdditiveSurvivalModel(monotone=None, smoothing=0.0, ridge=1e-8).fit(X, y)
    theirs = CoxPHSurvivalAnalysis(ties="breslow").fit(
        X, Surv.from_arrays(y["event"].to_numpy(), y["time"].to_numpy()))
    for k, _name in enumerate(["a", "b"]):
        table = ours.form_.terms[k].table
        np.testing.assert_allclose(table[1] - table[0], theirs.coef_[k], atol=2e-3)
    # the baseline too: survival at one year of a person with a = b = 0
    ours_p = ours.predict_proba(pd.DataFrame({"a": [0.0], "b": [0.0]}), horizon=1)[0, 1]
    surv = theirs.predict_survival_function(pd.DataFrame({"a": [0.0], "b": [0.0]}))[0](DAYS)
    assert abs(ours_p - (1 - surv)) < 0.01


def test_interactions_are_fitted_as_pair_tables() -> None:
    X, y, _ = cohort(600, seed=2)
    model = AdditiveSurvivalModel(max_bins=8, monotone={"priors_count": 0},
                                  interactions=[("age", "priors_count")]).fit(X, y)
    assert "age x priors_count" in model.form_.term_names
    e = explain(model, X.head(5), horizon=1)
    cloglog = link_function("cloglog")(model.predict_proba(X.head(5), horizon=1)[:, 1])
    np.testing.assert_allclose(e.base_values + e.values.sum(axis=1), cloglog, atol=1e-9)


def test_decision_function_is_the_band_horizons_cloglog(fitted) -> None:
    model, X, _ = fitted
    p = model.predict_proba(X, horizon=model.horizon)[:, 1]
    np.testing.assert_allclose(model.decision_function(X), link_function("cloglog")(p),
                               atol=1e-9)
    bands = model.predict_band(X)
    np.testing.assert_array_equal(bands, model.predict_band(X, horizon=model.horizon))


def test_weight_two_equals_a_repeated_row() -> None:
    X, y, _ = cohort(200, seed=9)
    w = np.ones(len(X))
    w[:20] = 2.0
    # max_bins above the distinct values: both fits cut the same bins (quantile cuts
    # would move with the repeated rows, which is binning, not the likelihood)
    weighted = AdditiveSurvivalModel(max_bins=128).fit(X, y, sample_weight=w)
    repeated = AdditiveSurvivalModel(max_bins=128).fit(pd.concat([X, X.iloc[:20]]),
                                                    pd.concat([y, y.iloc[:20]]))
    np.testing.assert_allclose(weighted.predict_proba(X, 1), repeated.predict_proba(X, 1),
                               atol=1e-5)
