"""Censored-outcome metrics against scikit-survival, on random and COMPAS data.

scikit-survival is the reference for the time-dependent AUC (``cumulative_dynamic_auc``
with ``tied_tol=0``, so that only exactly equal scores are ties, as in ours), the Brier
score and the integrated Brier score, with the censoring distribution estimated on the
validation data itself (``survival_train = survival_test``), and ``kaplan_meier_estimator``
(``conf_type="log-log"``) for Kaplan-Meier rates and their Greenwood log-log intervals.
(lifelines' ``KaplanMeierFitter`` gives the same numbers; it is not a test dependency
because it pins pandas < 3.)
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from sksurv.metrics import brier_score, cumulative_dynamic_auc
from sksurv.metrics import integrated_brier_score as sk_integrated_brier_score
from sksurv.nonparametric import kaplan_meier_estimator
from sksurv.util import Surv

from riskassess.validation import (
    censored_brier_score,
    integrated_brier_score,
    kaplan_meier,
    time_dependent_auc,
)
from riskassess.validation._survival_engine import CaseWeightedSurvival
from riskassess.validation._survival_inputs import check_survival_outcome

DAYS = 365.25
TOL = 1e-10


@st.composite
def censored_data(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, float]:
    """Outcomes with many tied days and tied scores, a score, and a horizon in years."""
    n = draw(st.integers(20, 150))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    # whole days from a small range: ties between events, censorings and both
    time = rng.integers(1, draw(st.integers(60, 1500)), n).astype(float)
    event = rng.random(n) < draw(st.floats(0.2, 0.9))
    score = np.round(rng.random(n), draw(st.integers(1, 4)))  # 1 decimal: many ties
    q = draw(st.floats(0.1, 0.9))
    horizon = float(np.quantile(time, q)) / DAYS
    y = Surv.from_arrays(event, time)
    days = horizon * DAYS
    # the reference needs cases and controls at the horizon, and a horizon inside the data
    assume(days < time.max() and days >= time.min())
    assume(((time <= days) & event).any() and (time > days).any())
    # scikit-survival refuses data whose censoring survival is 0 at an event time
    assume(not (event & (time == time.max())).any() or event[time == time.max()].all())
    return y, score, horizon


@given(censored_data())
def test_time_dependent_auc_equals_scikit_survival(data: tuple) -> None:
    y, score, horizon = data
    ours = time_dependent_auc(y, score, horizon, n_bootstrap=0).value
    ref = cumulative_dynamic_auc(y, y, score, horizon * DAYS, tied_tol=0)[0][0]
    assert ours == pytest.approx(ref, abs=TOL)


@given(censored_data())
def test_brier_score_equals_scikit_survival(data: tuple) -> None:
    y, score, horizon = data
    ours = censored_brier_score(y, score, horizon, n_bootstrap=0).value
    # scikit-survival takes the survival probability, 1 - P(event by the horizon)
    ref = brier_score(y, y, 1.0 - score, horizon * DAYS)[1][0]
    assert ours == pytest.approx(ref, abs=TOL)


@given(censored_data(), st.integers(2, 6))
def test_integrated_brier_score_equals_scikit_survival(data: tuple, k: int) -> None:
    y, score, horizon = data
    first = y["time"].min() / DAYS * (1 + 1e-12)  # not below the first day after rounding
    years = np.linspace(first, horizon, k)
    assume(np.all(np.diff(years) > 0))
    # a probability that rises with time, as a survival model's does
    proba = 1.0 - (1.0 - score[:, None]) ** (years[None, :] / horizon)
    ours = integrated_brier_score(y, proba, years, n_bootstrap=0).value
    ref = sk_integrated_brier_score(y, y, 1.0 - proba, years * DAYS)
    assert ours == pytest.approx(ref, abs=TOL)


@given(censored_data(), st.integers(0, 2**32 - 1))
def test_bootstrap_replicate_equals_metrics_on_repeated_cases(data: tuple, seed: int) -> None:
    """A replicate's weights mean "case i appears w_i times": the engine at those weights
    equals scikit-survival on the data with each case repeated w_i times (censoring
    distribution re-estimated), so the bootstrap replicates are the real thing."""
    y, score, horizon = data
    w = np.random.default_rng(seed).poisson(1.0, len(y))
    rows = np.repeat(np.arange(len(y)), w)
    y_rep = y[rows]
    days = horizon * DAYS
    time_rep = y_rep["time"]
    assume(((time_rep <= days) & y_rep["event"]).any() and (time_rep > days).any())
    assume(days < time_rep.max() and days >= time_rep.min())
    last = time_rep == time_rep.max()
    assume(not (y_rep["event"] & last).any() or y_rep["event"][last].all())
    engine = CaseWeightedSurvival.from_outcome(check_survival_outcome(y))
    # the engine takes weights in time order
    weights = engine.weigh(w[engine.time_order][None, :], engine.n)
    ours_auc = engine.auc(weights, engine.horizon_plan(score, days))[0]
    plan = engine.brier_plan(score[None, :], np.array([days]))
    ours_brier = engine.brier(weights, plan)[0, 0]
    ref_auc = cumulative_dynamic_auc(y_rep, y_rep, score[rows], days, tied_tol=0)[0][0]
    ref_brier = brier_score(y_rep, y_rep, 1.0 - score[rows], days)[1][0]
    assert ours_auc == pytest.approx(ref_auc, abs=TOL)
    assert ours_brier == pytest.approx(ref_brier, abs=TOL)


@given(censored_data())
def test_auc_depends_on_the_ranking_only(data: tuple) -> None:
    y, score, horizon = data
    a = time_dependent_auc(y, score, horizon, n_bootstrap=0).value
    b = time_dependent_auc(y, np.exp(3 * score) / 30.0, horizon, n_bootstrap=0).value
    assert a == pytest.approx(b, abs=1e-12)


def _reference_km(time: np.ndarray, event: np.ndarray, day: float) -> tuple[float, float, float]:
    """scikit-survival's Kaplan-Meier survival at ``day`` with its 95% log-log interval."""
    times, survival, band = kaplan_meier_estimator(np.asarray(event, dtype=bool),
                                                   np.asarray(time, dtype=float),
                                                   conf_type="log-log")
    i = int(np.searchsorted(times, day, side="right")) - 1
    if i < 0:  # before the first time: nobody has had the event yet
        return 1.0, 1.0, 1.0
    return float(survival[i]), float(band[0][i]), float(band[1][i])


@given(st.integers(0, 2**32 - 1), st.integers(5, 200))
def test_kaplan_meier_equals_scikit_survival(seed: int, n: int) -> None:
    rng = np.random.default_rng(seed)
    time = rng.integers(1, 400, n).astype(float) + 40.0
    event = rng.random(n) < 0.6
    y = pd.DataFrame({"event": event, "time": time})
    years = np.r_[np.unique(time)[:5], rng.uniform(0, time.max(), 5)] / DAYS
    ours = kaplan_meier(y, years)
    for t in years:
        row = ours.loc[t]
        d = row["days"]
        if d > time.max():  # a day after the last follow-up (after rounding): undefined
            assert np.isnan(row["survival"]) or row["survival"] == 0.0
            continue
        survival, lo, hi = _reference_km(time, event, d)
        assert row["survival"] == pytest.approx(survival, abs=TOL)
        assert row["survival_lower"] == pytest.approx(lo, abs=TOL)
        assert row["survival_upper"] == pytest.approx(hi, abs=TOL)


def test_interval_covers_the_estimate_and_tightens_with_more_cases() -> None:
    rng = np.random.default_rng(5)
    widths = []
    for n in (500, 5000):
        risk = rng.random(n)
        onset = rng.exponential(400 / (0.2 + risk))
        follow = rng.uniform(100, 1500, n)
        y = Surv.from_arrays(onset <= follow, np.minimum(onset, follow))
        est = time_dependent_auc(y, risk, 1.0, n_bootstrap=300, seed=1)
        assert est.lower < est.value < est.upper
        widths.append(est.upper - est.lower)
    # the interval shrinks about as 1/sqrt(n): ten times the cases, ~3 times narrower
    assert widths[1] < widths[0] / 2


# ------------------------------------------------------------------ COMPAS (real data)

@pytest.fixture(scope="module")
def compas_survival(compas_csv) -> tuple[np.ndarray, np.ndarray]:
    frame = pd.read_csv(compas_csv, usecols=["start", "end", "event", "decile_score"])
    frame["time"] = (frame["end"] - frame["start"]).astype(float)
    # ProPublica's file has cases whose follow-up ends on or before its start: no
    # follow-up at all, which validation refuses; they are left out here
    frame = frame[frame["time"] > 0]
    y = Surv.from_arrays(frame["event"].astype(bool), frame["time"])
    return y, frame["decile_score"].to_numpy(dtype=float) / 10.0


@pytest.mark.parametrize("horizon", [1.0, 2.0])
def test_compas_metrics_equal_scikit_survival_and_lifelines(compas_survival,
                                                            horizon: float) -> None:
    y, score = compas_survival
    days = horizon * DAYS
    auc = time_dependent_auc(y, score, horizon, n_bootstrap=0).value
    assert auc == pytest.approx(cumulative_dynamic_auc(y, y, score, days, tied_tol=0)[0][0],
                                abs=TOL)
    brier = censored_brier_score(y, score, horizon, n_bootstrap=0).value
    assert brier == pytest.approx(brier_score(y, y, 1.0 - score, days)[1][0], abs=TOL)
    decile = score == 0.5
    ours = kaplan_meier(y[decile], [horizon]).loc[horizon]
    survival, lo, hi = _reference_km(y["time"][decile], y["event"][decile], days)
    assert ours["survival"] == pytest.approx(survival, abs=TOL)
    assert (ours["survival_lower"], ours["survival_upper"]) == pytest.approx((lo, hi), abs=TOL)
