"""Override analytics: rates by group with intervals, and outcomes of overridden cases."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import binomtest

from riskassess.decisions import (
    Assessment,
    DecisionLog,
    FinalDecision,
    ModelInfo,
    OverrideReason,
    decisions_frame,
    override_outcomes,
    override_rates,
    wilson_interval,
)
from riskassess.exceptions import ValidationInputError
from riskassess.types import RISK_BANDS

T0 = datetime(2024, 1, 10, tzinfo=UTC)
RATIONALE = "New information from the police about recent threats made."


def decide(i: int, band: str, final: str, officer: str = "o-1", month: int = 1,
           reason: OverrideReason = OverrideReason.PROTECTIVE_FACTORS,
           p: float = 0.5) -> FinalDecision:
    a = Assessment(case_id=f"C-{i}", assessment_date=date(2024, 1, 10), probability=p,
                   band=band, model=ModelInfo(name="m", version="1", fingerprint="x"),
                   input_sha256="0" * 64, created_at=T0)
    over = band != final
    when = datetime(2024, month, 15, tzinfo=UTC) + timedelta(minutes=i)
    return a.decide(officer, final, reason=reason if over else None,
                    rationale=RATIONALE if over else None, decided_at=when)


decision_specs = st.lists(
    st.tuples(st.sampled_from(RISK_BANDS), st.sampled_from(RISK_BANDS),
              st.sampled_from(["o-1", "o-2", "o-3"]), st.integers(1, 4),
              st.sampled_from(list(OverrideReason))),
    min_size=1, max_size=40)


def build(specs: list[tuple[str, str, str, int, OverrideReason]]) -> list[FinalDecision]:
    return [decide(i, b, f, o, m, r) for i, (b, f, o, m, r) in enumerate(specs)]


@settings(max_examples=20)  # each example makes ~10 grouped tables
@given(decision_specs)
def test_rates_add_up_across_groups(specs: list[tuple[str, str, str, int, OverrideReason]]
                                    ) -> None:
    ds = build(specs)
    n_over = sum(d.override for d in ds)
    overall = override_rates(ds)
    assert overall.loc["all", "n_decisions"] == len(ds)
    assert overall.loc["all", "n_overrides"] == n_over
    assert overall.loc["all", "override_rate"] == pytest.approx(n_over / len(ds))
    assert overall.loc["all", "n_up"] + overall.loc["all", "n_down"] == n_over
    for by in ("model_band", "officer", "month", ["officer", "month"]):
        g = override_rates(ds, by=by)
        assert g["n_decisions"].sum() == len(ds) and g["n_overrides"].sum() == n_over
        assert ((g["ci_low"] <= g["override_rate"]) & (g["override_rate"] <= g["ci_high"])).all()
    by_band = override_rates(ds, by="band")
    for band, row in by_band.iterrows():
        members = [d for d in ds if d.model_band == band]
        assert row["n_decisions"] == len(members)
        assert row["n_up"] == sum(d.direction == "up" for d in members)
    by_reason = override_rates(ds, by="reason")
    assert list(by_reason.index) == [r.value for r in OverrideReason]
    assert by_reason["n_overrides"].sum() == n_over
    # the group total is labelled as such (not as the reason's own count of decisions)
    assert "n_decisions" not in by_reason.columns
    assert (by_reason["n_decisions_in_group"] == len(ds)).all()
    if n_over:
        assert by_reason["share_of_overrides"].sum() == pytest.approx(1.0)
    by_dir = override_rates(ds, by="direction")
    assert by_dir.loc["up", "n_overrides"] == sum(d.direction == "up" for d in ds)
    by_officer_reason = override_rates(ds, by=["officer", "reason"])
    assert by_officer_reason["n_overrides"].sum() == n_over
    assert len(by_officer_reason) == len({d.officer_id for d in ds}) * len(OverrideReason)
    for (officer, reason), row in by_officer_reason.iterrows():
        mine = [d for d in ds if d.officer_id == officer]
        assert row["n_decisions_in_group"] == len(mine)
        assert row["n_overrides"] == sum(d.reason == reason for d in mine)


@given(st.integers(0, 200), st.integers(1, 200))
def test_wilson_interval_matches_scipy(k: int, n: int) -> None:
    k = min(k, n)
    lo, hi = wilson_interval(k, n)
    ref = binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    assert float(lo) == pytest.approx(ref.low, abs=1e-9)
    assert float(hi) == pytest.approx(ref.high, abs=1e-9)
    assert 0.0 <= float(lo) <= k / n <= float(hi) <= 1.0  # exact ends, no rounding residue


def test_wilson_interval_is_nan_without_data() -> None:
    lo, hi = wilson_interval([0], [0])
    assert np.isnan(lo[0]) and np.isnan(hi[0])


def test_rates_by_month_follow_the_decision_date() -> None:
    ds = [decide(1, "low", "low", month=1), decide(2, "low", "high", month=1),
          decide(3, "high", "high", month=3)]
    g = override_rates(ds, by="month")
    assert list(g.index) == ["2024-01", "2024-03"]
    assert g.loc["2024-01", "override_rate"] == 0.5 and g.loc["2024-03", "override_rate"] == 0


def test_outcomes_of_overridden_and_agreed_cases() -> None:
    ds = [decide(1, "low", "low"), decide(2, "low", "low"), decide(3, "low", "low"),
          decide(4, "low", "high"), decide(5, "low", "high"),
          decide(6, "high", "medium", p=0.8), decide(7, "high", "high", p=0.9)]
    outcomes = pd.Series({"C-1": 0, "C-2": 1, "C-3": np.nan, "C-4": 1, "C-5": 1, "C-6": 0,
                          "C-7": True, "C-99": 1})
    out = override_outcomes(ds, outcomes)
    agreed_low = out.loc[("low", "agreed")]
    assert (agreed_low["n_decisions"], agreed_low["n_known"], agreed_low["n_reoffended"]) == (
        3, 2, 1)
    assert agreed_low["reoffence_rate"] == 0.5
    up = out.loc[("all", "overridden up")]
    assert (up["n_known"], up["n_reoffended"], up["reoffence_rate"]) == (2, 2, 1.0)
    assert up["ci_low"] < 1.0 == up["ci_high"]
    down = out.loc[("all", "overridden down")]
    assert (down["n_known"], down["reoffence_rate"], down["mean_predicted"]) == (1, 0.0, 0.8)
    assert out.loc[("all", "agreed"), "n_decisions"] == 4
    assert list(out.index.get_level_values(0).unique()) == ["all", "low", "high"]
    only_all = override_outcomes(ds, outcomes, by_band=False)
    assert set(only_all.index.get_level_values(0)) == {"all"}


def test_latest_decision_per_case_is_used() -> None:
    first = decide(1, "low", "low")
    later = decide(1, "low", "high", month=2)
    out = override_outcomes([first, later], pd.Series({"C-1": 1}))
    assert "agreed" not in out.loc["all"].index
    both = override_outcomes([first, later], pd.Series({"C-1": 1}), latest_only=False)
    assert both.loc[("all", "agreed"), "n_known"] == 1


def test_bad_outcomes_and_groups_are_refused_by_name() -> None:
    ds = [decide(1, "low", "low")]
    with pytest.raises(ValidationInputError, match="C-1"):
        override_outcomes(ds, pd.Series({"C-1": 2}))
    with pytest.raises(ValidationInputError, match="more than once"):
        override_outcomes(ds, pd.Series([1, 0], index=["C-1", "C-1"]))
    with pytest.raises(ValidationInputError, match="race"):
        override_rates(ds, by="race")
    with pytest.raises(ValidationInputError, match="lacks column"):
        override_rates(pd.DataFrame({"case_id": ["C-1"]}))
    with pytest.raises(TypeError, match="FinalDecision"):
        decisions_frame([3])


def test_analytics_read_a_decision_log(tmp_path: Path) -> None:
    ds = [decide(i, "medium", "high" if i % 4 == 0 else "medium") for i in range(12)]
    with DecisionLog(tmp_path / "l.sqlite") as log:
        log.append_many(ds)
        from_log = override_rates(log, by="model_band")
        direct = override_rates(ds, by="model_band")
        pd.testing.assert_frame_equal(from_log, direct)
        assert override_rates(log).loc["all", "n_overrides"] == 3
        frame = log.to_frame()
    log_only = ["sequence", "hash", "status", "countersigned_by", "countersigner_role",
                "countersigned_at"]
    pd.testing.assert_frame_equal(frame.drop(columns=log_only), decisions_frame(ds))
