"""Time-to-event outcomes in ``validate``, the report's render, the pytest checks, bad input."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sksurv.metrics import cumulative_dynamic_auc
from sksurv.util import Surv

from riskassess.exceptions import TimeToEventError, ValidationInputError
from riskassess.models import AdditiveSurvivalModel
from riskassess.testing import (
    assert_brier_score_at_most,
    assert_calibrated_at_horizon,
    assert_time_dependent_auc_at_least,
)
from riskassess.validation import calibration_at_horizon, time_dependent_auc, validate

DAYS = 365.25


class TrueRisk:
    """A "model" that knows the true hazard, optionally distorted: ``predict_proba(X,
    horizon)`` returns ``distort(true P(event within horizon))``."""

    def __init__(self, rate: pd.Series, distort=lambda p: p) -> None:
        self.rate = rate
        self.distort = distort

    def predict_proba(self, X: pd.DataFrame, horizon: float = 2.0) -> np.ndarray:
        p = self.distort(1.0 - np.exp(-self.rate.loc[X.index].to_numpy() * horizon * DAYS))
        return np.column_stack([1.0 - p, p])


def cohort(n: int = 3000, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(seed)
    ids = [f"C{i:05d}" for i in range(n)]
    X = pd.DataFrame({"age": rng.integers(18, 70, n).astype(float),
                      "priors": rng.integers(0, 12, n).astype(float)}, index=ids)
    rate = pd.Series(np.exp(-0.03 * (X["age"] - 35) + 0.15 * X["priors"]) / 1400, index=ids)
    onset = rng.exponential(1.0 / rate)
    follow = rng.uniform(150, 1100, n)  # a recent cohort: many censored before 2 years
    y = pd.DataFrame({"event": onset <= follow, "time": np.minimum(onset, follow)}, index=ids)
    return X, y, rate


@pytest.fixture(scope="module")
def data() -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    return cohort()


def test_validate_reports_censored_metrics_with_intervals(data) -> None:
    X, y, _ = data
    model = AdditiveSurvivalModel(max_bins=16).fit(X, y)
    report = validate(model, X, y, n_bootstrap=100)
    sv = report.survival
    assert sv is not None and [m.horizon for m in sv.horizons] == [1.0, 2.0]
    for m in sv.horizons:
        for est in (m.auc, m.brier):
            assert est.lower < est.value < est.upper
        ref = cumulative_dynamic_auc(
            Surv.from_dataframe("event", "time", y), Surv.from_dataframe("event", "time", y),
            model.predict_proba(X, horizon=m.horizon)[:, 1], m.horizon * DAYS,
            tied_tol=0)[0][0]
        assert m.auc.value == pytest.approx(ref, abs=1e-10)
        # a model fitted on these people: observed and predicted agree overall
        assert m.calibration.observed_lower - 0.02 <= m.calibration.mean_predicted
        assert m.calibration.mean_predicted <= m.calibration.observed_upper + 0.02
    assert sv.integrated_brier is not None
    assert sv.integrated_brier.lower < sv.integrated_brier.value < sv.integrated_brier.upper
    # the binary part is at 1 year on the cases whose 1-year outcome is known
    known = (y["event"] & (y["time"] <= DAYS)) | (y["time"] > DAYS)
    assert report.n == int(known.sum()) < len(y)
    assert any("whose outcome by then is known" in n for n in report.notes)
    page = report.to_html(plots=False)
    assert "Time-dependent AUC at 2 year(s)" in page and "Kaplan-Meier" in page
    summary = json.loads(report.to_json())["survival"]["summary"]
    assert [row["horizon"] for row in summary] == [1.0, 2.0]


def test_scores_with_a_horizon_and_a_fixed_horizon_classifier(data) -> None:
    X, y, rate = data
    p2 = TrueRisk(rate).predict_proba(X, 2.0)[:, 1]
    report = validate(p2, y=y, horizons=2, n_bootstrap=0)
    assert report.survival is not None
    assert report.survival.at(2).auc.value == pytest.approx(
        time_dependent_auc(y, p2, 2, n_bootstrap=0).value)
    assert report.survival.integrated_brier is None  # no predictions at other horizons

    class FixedHorizon:
        horizon = 2

        def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
            return TrueRisk(rate).predict_proba(X, 2.0)

    fixed = validate(FixedHorizon(), X, y, n_bootstrap=0)
    assert fixed.survival is not None and fixed.survival.at(2).auc.value == pytest.approx(
        report.survival.at(2).auc.value)
    with pytest.raises(ValidationInputError, match="own horizon"):
        validate(FixedHorizon(), X, y, horizons=1, n_bootstrap=0)
    with pytest.raises(ValidationInputError, match="horizons"):
        validate(p2, y=y, n_bootstrap=0)


def test_checks_pass_for_the_true_risk_and_fail_when_miscalibrated(data) -> None:
    X, y, rate = data
    truth = TrueRisk(rate)
    for h in (1, 2):
        assert_calibrated_at_horizon(truth, X, y, horizon=h)
        assert_time_dependent_auc_at_least(truth, X, y, horizon=h, minimum=0.6,
                                           use_lower_bound=True, n_bootstrap=100)
    # twice the odds of reoffending: too high in every band
    doubled = TrueRisk(rate, lambda p: 2 * p / (1 + p))
    with pytest.raises(AssertionError, match=r"not calibrated at 2 year\(s\).*band 'low'"):
        assert_calibrated_at_horizon(doubled, X, y, horizon=2)
    noise = pd.Series(np.random.default_rng(3).random(len(X)), index=X.index)
    with pytest.raises(AssertionError, match=r"time-dependent AUC at 1 year\(s\)"):
        assert_time_dependent_auc_at_least(noise.to_numpy(), None, y, horizon=1,
                                           minimum=0.6, n_bootstrap=0)
    with pytest.raises(AssertionError, match=r"Brier score \(IPCW\) at 1 year\(s\)"):
        assert_brier_score_at_most(1 - truth.predict_proba(X, 1)[:, 1], None, y, horizon=1,
                                   maximum=0.25, n_bootstrap=0)


@given(st.floats(1.2, 3.0))
def test_calibration_detects_any_overstatement(factor: float) -> None:
    X, y, rate = cohort(2000, seed=1)
    p = TrueRisk(rate).predict_proba(X, 1.0)[:, 1]
    cal = calibration_at_horizon(y, np.minimum(p * factor, 1.0), 1.0)
    assert cal.mean_predicted > cal.observed_upper


@pytest.mark.parametrize(("change", "message"), [
    ({"time": -3.0}, r"case 'C00002': time is -3.0 days"),
    ({"time": 0.0}, r"case 'C00002': time is 0.0 days"),
    ({"time": np.nan}, r"case 'C00002': time is missing"),
    ({"event": 2}, r"case 'C00002': event is 2"),
])
def test_bad_outcomes_are_refused_naming_the_case_and_field(data, change, message) -> None:
    X, y, rate = data
    bad = y.astype({"event": object}).copy()
    for column, value in change.items():
        bad.loc["C00002", column] = value
    with pytest.raises(TimeToEventError, match=message):
        validate(TrueRisk(rate), X, bad, n_bootstrap=0)


def test_horizon_beyond_follow_up_or_times_in_years_are_refused(data) -> None:
    X, y, rate = data
    longest = y["time"].idxmax()
    with pytest.raises(TimeToEventError, match=f"horizon 4 years .*{longest}"):
        validate(TrueRisk(rate), X, y, horizons=[1, 4], n_bootstrap=0)
    in_years = y.assign(time=y["time"] / DAYS)
    with pytest.raises(TimeToEventError, match="look like years"):
        validate(TrueRisk(rate), X, in_years, n_bootstrap=0)
    with pytest.raises(ValidationInputError, match="horizons must be increasing"):
        validate(TrueRisk(rate), X, y, horizons=[2, 1], n_bootstrap=0)
    with pytest.raises(ValidationInputError, match="only for time-to-event"):
        validate(np.full(4, 0.5), y=[0, 1, 0, 1], horizons=1)
