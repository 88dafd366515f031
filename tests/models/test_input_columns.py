"""Wrong inputs to a fitted model raise FeatureError naming the expected columns."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from riskassess.exceptions import FeatureError
from riskassess.instruments import OGRS3, OGRS3_COLUMNS
from riskassess.models import AdditiveRiskClassifier, ScorecardClassifier


def _data(n=300):
    rng = np.random.default_rng(3)
    X = pd.DataFrame({"age": rng.integers(18, 70, n).astype(float),
                      "priors_count": rng.poisson(2, n).astype(float),
                      "sex": rng.choice(["male", "female"], n)})
    y = (rng.random(n) < 1 / (1 + np.exp(0.04 * (X["age"] - 35)))).astype(int).to_numpy()
    return X, y


@pytest.fixture(scope="module")
def fitted():
    X, y = _data()
    return X, [AdditiveRiskClassifier().fit(X, y), ScorecardClassifier(max_bins=3).fit(X, y)]


@pytest.mark.parametrize("method", ["decision_function", "predict_proba", "predict",
                                    "predict_band"])
def test_array_to_frame_fitted_model(fitted, method):
    X, models = fitted
    for model in models:
        for bad in (X[["age", "priors_count"]].to_numpy(), X.to_numpy(),
                    X.set_axis(range(3), axis=1)):  # non-string names: treated as array
            with pytest.raises(FeatureError) as info:
                getattr(model, method)(bad)
            for name in ("age", "priors_count", "sex"):
                assert repr(name) in str(info.value)


@pytest.mark.parametrize("method", ["decision_function", "predict_proba"])
def test_frame_with_wrong_columns(fitted, method):
    X, models = fitted
    for model in models:
        for bad in (X.rename(columns={"age": "years"}), X.drop(columns="sex"),
                    X.assign(extra=1.0), X.iloc[:1].rename(columns={"age": "years"})):
            with pytest.raises(FeatureError) as info:
                getattr(model, method)(bad)
            assert "'age'" in str(info.value) and "'sex'" in str(info.value)


def test_reordered_columns_still_accepted(fitted):
    X, models = fitted
    for model in models:
        np.testing.assert_array_equal(model.decision_function(X[X.columns[::-1]]),
                                      model.decision_function(X))


def test_array_fitted_model_reads_frame_by_position():
    X, y = _data()
    arr = X[["age", "priors_count"]].to_numpy()
    model = AdditiveRiskClassifier().fit(arr, y)
    frame = pd.DataFrame(arr, columns=["a", "b"])
    with pytest.warns(UserWarning, match="feature names"):
        got = model.decision_function(frame)
    np.testing.assert_array_equal(got, model.decision_function(arr))


def test_ogrs3_names_expected_columns():
    model = OGRS3()
    for bad in (np.zeros((1, 5)), pd.DataFrame({"age": [30.0]})):
        with pytest.raises(FeatureError) as info:
            model.decision_function(bad)
        assert all(repr(c) in str(info.value) for c in OGRS3_COLUMNS)


def test_a_non_numeric_value_is_reported_with_its_case_id():
    from riskassess.models._terms import column_as_float

    X = pd.DataFrame({"age": ["30", "x", "41"]}, index=["C-1", "C-2", "C-3"])
    with pytest.raises(FeatureError, match=r"case 'C-2': column 'age' must be numeric"):
        column_as_float(X, "age")
