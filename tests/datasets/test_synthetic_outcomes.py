"""Synthetic cohorts: dated outcomes, censoring, violent outcomes, true risk at any horizon."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from riskassess.datasets import (
    CENSOR_DATE,
    EXTRACT_DATE,
    WAITING_DAYS,
    Cohort,
    make_cohort,
)
from riskassess.exceptions import DatasetArgumentError
from riskassess.features import DAYS_PER_YEAR, outcomes_from_cases

RECENT = (date(2020, 7, 1), date(2021, 6, 30))


@pytest.fixture(scope="module")
def large() -> Cohort:
    return make_cohort(60_000, seed=21)


@settings(max_examples=15, deadline=None)
@given(n=st.integers(0, 300), seed=st.integers(0, 2**31), offset=st.integers(0, 10**6))
def test_dated_outcome_invariants(n: int, seed: int, offset: int) -> None:
    out = make_cohort(n, seed=seed, id_offset=offset).outcomes
    censor_days = out["follow_up_years"] * DAYS_PER_YEAR
    started = censor_days > 0
    assert out["time"].isna().equals(~started)  # no follow-up yet: no time at risk
    assert not out.loc[~started, "event"].any()
    time = out.loc[started, "time"]
    assert (time > 0).all()
    # an event is seen only up to the censoring date; a non-event is censored there
    assert (time <= censor_days[started] + 1e-6).all()
    censored = started & ~out["event"]
    np.testing.assert_allclose(out.loc[censored, "time"], censor_days[censored], atol=1e-6)
    ev = out[out["event"]]
    assert (ev["reoffence_date"] <= pd.Timestamp(CENSOR_DATE)).all()
    assert (ev["conviction_date"] <= pd.Timestamp(EXTRACT_DATE)).all()
    lag = (ev["conviction_date"] - ev["reoffence_date"]).dt.days
    assert lag.between(14, WAITING_DAYS).all()
    assert out.loc[~out["event"], ["reoffence_date", "conviction_date"]].isna().all().all()


@settings(max_examples=15, deadline=None)
@given(n=st.integers(1, 300), seed=st.integers(0, 2**31))
def test_yearly_outcomes_agree_with_the_dated_outcome(n: int, seed: int) -> None:
    out = make_cohort(n, seed=seed).outcomes
    for h in (1, 2):
        known = out[f"reoffend_{h}y"].notna()
        assert known.equals(out["follow_up_years"] >= h)
        within = out["event"] & (out["time"] <= h * DAYS_PER_YEAR)
        assert (out.loc[known, f"reoffend_{h}y"].astype(bool) == within[known]).all()
        # nested: serious violent => violent => any reoffence, for observed and true
        for column in ("violent", "serious_violent"):
            assert out[f"{column}_{h}y"].isna().equals(~known)
        hit = {c: out.loc[known, f"{c}_{h}y"].astype(int) for c in
               ("reoffend", "violent", "serious_violent")}
        assert (hit["serious_violent"] <= hit["violent"]).all()
        assert (hit["violent"] <= hit["reoffend"]).all()
        p = out[[f"true_p_{h}y", f"true_p_violent_{h}y", f"true_p_serious_violent_{h}y"]]
        assert (p.diff(axis=1).iloc[:, 1:] <= 0).all().all()
    both = out[["reoffend_1y", "reoffend_2y"]].dropna().astype(int)
    assert (both["reoffend_1y"] <= both["reoffend_2y"]).all()


@settings(max_examples=25, deadline=None)
@given(a=st.floats(0, 10), b=st.floats(0, 10), seed=st.integers(0, 1000))
def test_true_risk_is_monotone_and_matches_the_yearly_truth(a: float, b: float,
                                                           seed: int) -> None:
    cohort = make_cohort(50, seed=seed)
    low, high = sorted((a, b))
    assert (cohort.true_risk(low) <= cohort.true_risk(high) + 1e-15).all()
    for h in (1, 2):
        np.testing.assert_allclose(cohort.true_risk(h), cohort.outcomes[f"true_p_{h}y"],
                                   rtol=1e-9)
    assert (cohort.true_risk(0) == 0).all()
    assert cohort.true_risk(high).index.equals(cohort.outcomes.index)


def test_true_risk_refuses_bad_horizons() -> None:
    cohort = make_cohort(5)
    for years in (-1, float("nan"), float("inf"), "2", True):
        with pytest.raises(DatasetArgumentError, match="years"):
            cohort.true_risk(years)  # type: ignore[arg-type]


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 2**31), k=st.integers(0, 3))
def test_reproducible_and_chunkable(seed: int, k: int) -> None:
    a, b = make_cohort(120, seed=seed, id_offset=k * 120), make_cohort(120, seed=seed,
                                                                       id_offset=k * 120)
    for name in ("people", "sanctions", "assessments", "outcomes", "needs", "true_needs"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))
    assert a.outcomes.index[0] == f"C{k * 120 + 1:07d}"


def _kaplan_meier(time: np.ndarray, event: np.ndarray, at: float) -> tuple[float, float]:
    """KM estimate of P(T <= at) (scikit-survival's estimator) and its Greenwood standard
    error, from the event table."""
    from sksurv.nonparametric import kaplan_meier_estimator

    time, event = np.asarray(time, dtype=float), np.asarray(event, dtype=bool)
    times, survival_curve = kaplan_meier_estimator(event, time)
    i = int(np.searchsorted(times, at, side="right")) - 1
    survival = 1.0 if i < 0 else float(survival_curve[i])
    event_times, deaths = np.unique(time[event & (time <= at)], return_counts=True)
    at_risk = len(time) - np.searchsorted(np.sort(time), event_times, side="left")
    deaths, at_risk = deaths.astype(float), at_risk.astype(float)
    ok = at_risk > deaths
    variance = survival ** 2 * np.sum(deaths[ok] / (at_risk[ok] * (at_risk[ok] - deaths[ok])))
    return 1.0 - survival, float(np.sqrt(variance))


@pytest.mark.parametrize("window", [None, RECENT], ids=["default", "recent"])
def test_kaplan_meier_matches_the_mean_true_risk(window: tuple[date, date] | None) -> None:
    """Censoring is independent of the outcome: KM on (time, event) recovers the mean
    true risk at 6 months, 1 and 2 years within 4 standard errors, also when most cases
    are censored (recent cohort)."""
    cohort = (make_cohort(60_000, seed=3) if window is None
              else make_cohort(60_000, seed=3, assessment_dates=window))
    out = cohort.outcomes[cohort.outcomes["time"].notna()]
    if window is not None:
        assert out.index.size < 60_000 and (cohort.outcomes["reoffend_2y"].isna().mean() > 0.9)
    horizons = (0.5, 1.0) if window is not None else (0.5, 1.0, 2.0)
    for years in horizons:
        km, se = _kaplan_meier(out["time"].to_numpy(), out["event"].to_numpy(),
                               years * DAYS_PER_YEAR)
        truth = float(cohort.true_risk(years).loc[out.index].mean())
        assert abs(km - truth) < 4 * se + 1e-3, (years, km, truth, se)


def test_violent_rates_match_their_truth(large: Cohort) -> None:
    out = large.outcomes
    for column in ("reoffend_2y", "violent_2y", "serious_violent_2y", "violent_1y"):
        known = out[column].notna()
        observed = out.loc[known, column].astype(float)
        truth = out.loc[known, f"true_p_{column.removeprefix('reoffend_')}"
                        if column.startswith("reoffend") else f"true_p_{column}"]
        se = float(np.sqrt((truth * (1 - truth)).sum()) / known.sum())
        assert abs(observed.mean() - truth.mean()) < 4 * se, column
    # the shares are realistic: violent a sizeable minority, serious violent rare
    assert 0.08 < out["violent_2y"].mean() < 0.25
    assert 0.003 < out["serious_violent_2y"].mean() < 0.04


def test_recent_cohort_is_mostly_censored_and_bad_windows_are_refused() -> None:
    recent = make_cohort(2_000, seed=0, assessment_dates=RECENT).outcomes
    assert recent["reoffend_2y"].isna().mean() > 0.95
    assert recent["reoffend_1y"].isna().mean() > 0.5
    assert recent["time"].notna().mean() > 0.8  # still usable as time-to-event data
    for bad in ((date(2021, 1, 1), date(2020, 1, 1)), (date(2020, 1, 1), CENSOR_DATE),
                ("2020-01-01", "2020-06-01"), (date(2020, 1, 1),)):
        with pytest.raises(DatasetArgumentError, match="assessment_dates"):
            make_cohort(5, assessment_dates=bad)  # type: ignore[arg-type]


def test_case_records_carry_the_same_follow_up() -> None:
    cohort = make_cohort(250, seed=4)
    cases = list(cohort.cases())
    out = cohort.outcomes
    started = out["time"].notna()
    with_follow_up = [c for c in cases if c.follow_up_end is not None]
    assert len(with_follow_up) == int(started.sum())
    frame = outcomes_from_cases(with_follow_up)
    expected = out.loc[frame.index]
    assert frame["event"].equals(expected["event"])
    # a case record counts whole days: the offence falls on day ceil(time)
    np.testing.assert_array_equal(frame["time"], np.ceil(expected["time"]))
