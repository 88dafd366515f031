"""pytest-callable checks for model-validation suites (riskassess.testing._checks)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from riskassess.models import AdditiveRiskClassifier
from riskassess.testing._checks import (
    assert_additive_explanations,
    assert_calibrated,
    assert_group_gap_within,
    assert_monotone,
    assert_no_protected_inputs,
)


@pytest.fixture(scope="module")
def cohort() -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(0)
    n = 1500
    X = pd.DataFrame({"age": rng.integers(18, 70, n).astype(float),
                      "priors_count": rng.poisson(2, n).astype(float)},
                     index=[f"P{i}" for i in range(n)])
    logit = -0.5 + 0.35 * X["priors_count"] - 0.04 * (X["age"] - 35)
    y = pd.Series((rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int), index=X.index)
    return X, y


class _Shifted:
    """A model whose score falls as priors rise beyond 3 (a broken monotone rule)."""

    def decision_function(self, X: pd.DataFrame) -> np.ndarray:
        pr = X["priors_count"].to_numpy()
        return np.where(pr <= 3, pr, 6 - pr) * 0.3

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        p = 1 / (1 + np.exp(-self.decision_function(X)))
        return np.column_stack([1 - p, p])


def test_monotone_passes_and_fails_with_the_case_named(cohort) -> None:
    X, y = cohort
    assert_monotone(LogisticRegression().fit(X, y), X, "priors_count")
    with pytest.raises(AssertionError, match=r"risk should never fall .* case 'P\d+'"):
        assert_monotone(_Shifted(), X, "priors_count")
    with pytest.raises(ValueError, match="no monotone direction"):
        assert_monotone(_Shifted(), X.assign(z=1.0), "z")


def test_monotone_uses_the_fitted_directions(cohort) -> None:
    X, y = cohort
    model = AdditiveRiskClassifier(max_bins=16).fit(X, y)
    assert model.monotone_["age"] == -1
    assert_monotone(model, X, "age")
    assert_monotone(model, X, "priors_count")


def test_calibrated(cohort) -> None:
    X, y = cohort
    model = LogisticRegression().fit(X, y)
    assert_calibrated(model, X, y)
    p = model.predict_proba(X)[:, 1]
    with pytest.raises(AssertionError, match="calibration slope"):
        assert_calibrated(1 / (1 + np.exp(-3 * np.log(p / (1 - p)))), y=y)


def test_group_gap_within(cohort) -> None:
    X, y = cohort
    p = LogisticRegression().fit(X, y).predict_proba(X)[:, 1]
    young = np.where(X["age"] < 30, "young", "older")
    with pytest.raises(AssertionError, match=r"selection rate gap .* exceeds the tolerance 5"):
        assert_group_gap_within(p, y=y, groups=young, metric="selection_rate", tolerance=0.05)
    assert_group_gap_within(p, y=y, groups=young, metric="selection_rate", tolerance=0.9)
    with pytest.raises(ValueError, match="metric must be one of"):
        assert_group_gap_within(p, y=y, groups=young, metric="accuracy")


def test_no_protected_inputs(cohort) -> None:
    X, y = cohort
    Xr = X.assign(race=np.where(X["age"] > 40, 1.0, 0.0))
    model = LogisticRegression().fit(Xr, y)
    with pytest.raises(AssertionError, match=r"LogisticRegression: protected .*\['race'\]"):
        assert_no_protected_inputs(model)
    assert_no_protected_inputs(model, allow=["race"])
    assert_no_protected_inputs(LogisticRegression().fit(X, y))


def test_additive_explanations(cohort) -> None:
    X, y = cohort
    model = AdditiveRiskClassifier(max_bins=16).fit(X, y)
    assert_additive_explanations(model, X.iloc[:200])


def test_additive_explanations_failure_is_readable(cohort, monkeypatch) -> None:
    import riskassess.explain as rx

    X, y = cohort
    model = AdditiveRiskClassifier(max_bins=16).fit(X, y)
    real = rx.explain

    def off_by_one(m, data, **kw):
        e = real(m, data, **kw)
        e.base_values = np.asarray(e.base_values) + np.where(np.arange(len(data)) == 3, 1.0, 0)
        return e

    monkeypatch.setattr(rx, "explain", off_by_one)
    with pytest.raises(AssertionError, match=r"1 of 50 rows; worst case 'P3'"):
        assert_additive_explanations(model, X.iloc[:50])
