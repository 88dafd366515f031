"""The real transparent models: OGRS3 (pairwise age x sex, no stored background)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from riskassess.explain import BackgroundError, explain, reasons

OGRS3_COLUMNS = ["copas_rate_at_index", "sanction_history", "age_at_follow_up", "sex",
                 "index_offence"]


def ogrs3_cases(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "copas_rate_at_index": rng.normal(-1.0, 0.5, n).round(3),
        "sanction_history": rng.choice(["first_conviction", "repeat_offender",
                                        "first_caution"], n),
        "age_at_follow_up": rng.integers(18, 70, n).astype(float),
        "sex": rng.choice(["male", "female"], n),
        "index_offence": rng.choice(["violence", "burglary_domestic", "drink_driving"], n),
    })


def test_ogrs3_needs_a_background_and_then_adds_up():
    from riskassess.instruments import OGRS3

    model = OGRS3(horizon=2)
    X = ogrs3_cases(20, 0)
    with pytest.raises(BackgroundError, match="background="):
        explain(model, X)
    background = ogrs3_cases(200, 1)
    e = explain(model, X, background=background)
    np.testing.assert_allclose(e.base_values + e.values.sum(1), model.decision_function(X),
                               atol=1e-9)
    np.testing.assert_allclose(e.base_values, model.decision_function(background).mean(),
                               atol=1e-9)
    names = list(e.feature_names)
    assert set(names) == set(OGRS3_COLUMNS)
    # the age x sex table is split between age and sex: both carry a share
    assert np.abs(e.values[:, names.index("sex")]).max() > 0
    assert np.abs(e.values[:, names.index("age_at_follow_up")]).max() > 0
    assert all("the 2-year risk" in r.text for r in reasons(e[0]))
    one_year = explain(OGRS3(horizon=1), X, background=background)
    assert "the 1-year risk" in reasons(one_year[0])[0].text


def test_large_explanation_keeps_its_values_when_sliced(form_model):
    from riskassess.models._terms import AdditiveForm, CategoricalAxis, NumericAxis, TableTerm

    form = AdditiveForm(0.1, (
        TableTerm("sex", (CategoricalAxis("sex", ("F", "M")),), np.array([-0.3, 0.2, 0.0]),
                  np.array([1.0, 3.0, 0.0])),
        TableTerm("age", (NumericAxis("age", (30.0,)),), np.array([0.4, -0.2, 0.0]),
                  np.array([1.0, 1.0, 0.0])),
    ))
    n = 5000  # above the size where object data skips shap's element scan
    rng = np.random.default_rng(2)
    X = pd.DataFrame({"sex": rng.choice(["F", "M"], n),
                      "age": rng.integers(18, 60, n).astype(float)})
    e = explain(form_model(form, ["sex", "age"]), X)
    assert e.data.shape == (n, 2) and e.data.dtype == object
    assert list(e.data[:, 0]) == list(X["sex"]) and list(e.data[:, 1]) == list(X["age"])
    row = e[1234]
    assert list(row.data) == [X["sex"].iloc[1234], X["age"].iloc[1234]]
    np.testing.assert_allclose(row.values, e.values[1234])
    assert e[10:20].data.shape == (10, 2)


def test_scorecard_explanation_adds_up_and_uses_the_training_background():
    from riskassess.models import ScorecardClassifier

    rng = np.random.default_rng(3)
    n = 800
    X = pd.DataFrame({"age": rng.integers(18, 70, n).astype(float),
                      "sex": rng.choice(["male", "female"], n),
                      "priors_count": rng.poisson(2, n).astype(float)})
    z = 0.4 * X["priors_count"] - 0.03 * (X["age"] - 40) - 1
    y = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(int)
    card = ScorecardClassifier().fit(X, y)
    e = explain(card, X.head(25))
    np.testing.assert_allclose(e.base_values + e.values.sum(1),
                               card.decision_function(X.head(25)), atol=1e-9)
    # the scorecard stores its training counts: they are the default background
    np.testing.assert_allclose(e.values, explain(card, X.head(25), background=X).values,
                               atol=1e-9)


def test_large_numeric_data_is_kept_exactly(form_model):
    from riskassess.models._terms import AdditiveForm, CategoricalAxis, NumericAxis, TableTerm

    form = AdditiveForm(0.0, (
        TableTerm("sex", (CategoricalAxis("sex", ("F", "M")),), np.array([-0.3, 0.2, 0.0]),
                  np.ones(3)),
        TableTerm("priors", (NumericAxis("priors", (1.5,)),), np.array([0.1, 0.5, 0.0]),
                  np.ones(3)),
        TableTerm("rate", (NumericAxis("rate", (0.0,)),), np.array([0.1, 0.5, 0.0]),
                  np.ones(3)),
    ))
    n = 20_000  # discrete and continuous numeric columns, with missing values
    rng = np.random.default_rng(4)
    priors = rng.poisson(2, n).astype(float)
    priors[::97] = np.nan
    X = pd.DataFrame({"sex": rng.choice(["F", "M"], n), "priors": priors,
                      "rate": rng.normal(size=n)})
    e = explain(form_model(form, ["sex", "priors", "rate"]), X)
    got = pd.DataFrame(e.data, columns=["sex", "priors", "rate"])
    pd.testing.assert_series_equal(got["priors"].astype(float), X["priors"])
    pd.testing.assert_series_equal(got["rate"].astype(float), X["rate"])
    assert list(got["sex"]) == list(X["sex"])


@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # a class, no state
@given(st.integers(-40, 40), st.integers(0, 300))
def test_large_whole_number_data_is_kept_exactly(form_model, low, width):
    """Whole numbers in a short range are boxed through a grid of their range: every
    cell is the column's own value, as a Python float (negative ranges included)."""
    from riskassess.models._terms import AdditiveForm, CategoricalAxis, NumericAxis, TableTerm

    form = AdditiveForm(0.0, (
        TableTerm("sex", (CategoricalAxis("sex", ("F", "M")),), np.array([-0.3, 0.2, 0.0]),
                  np.ones(3)),
        TableTerm("count", (NumericAxis("count", (float(low) + 0.5,)),),
                  np.array([0.1, 0.5, 0.0]), np.ones(3)),
    ))
    n = 12_000  # above the size where discrete columns are boxed once per value
    rng = np.random.default_rng([low + 100, width])  # seeds are non-negative
    counts = rng.integers(low, low + width + 1, n).astype(float)
    X = pd.DataFrame({"sex": rng.choice(["F", "M"], n), "count": counts})
    e = explain(form_model(form, ["sex", "count"]), X)
    column = e.data[:, 1]
    assert all(type(v) is float for v in column[:: n // 50])
    np.testing.assert_array_equal(column.astype(float), counts)
