"""Override accuracy, drift, countersignature and challenge rates, on simulated practice
whose truth the test knows (the numbers are checked against that truth, not against
earlier output of the same code)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from riskassess.decisions import (
    Assessment,
    Contest,
    DecisionLog,
    ModelInfo,
    Representation,
    challenge_rates,
    countersignature_rates,
    override_accuracy,
    override_drift,
)
from riskassess.exceptions import ValidationInputError

T0 = datetime(2024, 1, 1, 9, 0, tzinfo=UTC)
WHY = "Recent threats to a former partner reported by the police on Monday."


def table(p: np.ndarray, direction: list[str | None], months: np.ndarray | None = None,
          officer: list[str] | None = None) -> pd.DataFrame:
    n = len(p)
    at = pd.to_datetime([T0 + timedelta(days=31 * int(m)) for m in
                         (months if months is not None else np.zeros(n))], utc=True)
    return pd.DataFrame({
        "case_id": [f"C-{i}" for i in range(n)], "officer_id": officer or ["o-1"] * n,
        "decided_at": at, "model_band": ["medium"] * n, "probability": p,
        "override": [d is not None for d in direction], "direction": direction,
        "reason": [None if d is None else "serious_harm" for d in direction]})


def test_override_accuracy_tells_a_right_override_from_a_wrong_one() -> None:
    rng = np.random.default_rng(17)
    n = 4000
    p = rng.uniform(0.1, 0.5, n)
    frame = table(p, ["up"] * n)
    ids = frame["case_id"]
    # the model was right: upward overrides reoffend as the model said
    as_model = pd.Series((rng.random(n) < p).astype(int), index=ids)
    # the officers were right: 15 points more reoffending than the model said
    as_officers = pd.Series((rng.random(n) < p + 0.15).astype(int), index=ids)
    right = override_accuracy(frame, as_model).loc["overridden up"]
    wrong = override_accuracy(frame, as_officers).loc["overridden up"]
    assert right["expected"] == pytest.approx(p.sum())
    assert right["observed"] == as_model.sum()
    assert right["ci_low"] < 0 < right["ci_high"] and right["p_value"] > 0.01
    assert wrong["ci_low"] > 0.1 and wrong["p_value"] < 1e-6
    assert wrong["excess_rate"] == pytest.approx(0.15, abs=0.03)
    assert wrong["o_e_ratio"] == pytest.approx(as_officers.sum() / p.sum())


@given(st.lists(st.tuples(st.floats(0.01, 0.99), st.booleans(),
                          st.sampled_from([None, "up", "down"])), min_size=1, max_size=40))
def test_override_accuracy_counts_every_known_case_once(rows: list[tuple[float, bool,
                                                                           str | None]]) -> None:
    frame = table(np.array([r[0] for r in rows]), [r[2] for r in rows])
    y = pd.Series([int(r[1]) for r in rows], index=frame["case_id"])
    out = override_accuracy(frame, y)
    assert out["n_known"].sum() == len(rows)
    assert out["observed"].sum() == y.sum()
    assert out["expected"].sum() == pytest.approx(sum(r[0] for r in rows))
    known = out[out["n_known"] > 0]
    assert (known["ci_low"] <= known["excess_rate"] + 1e-12).all()
    assert (known["excess_rate"] <= known["ci_high"] + 1e-12).all()


def test_drift_back_to_old_habits_is_seen_for_one_officer_only() -> None:
    rng = np.random.default_rng(3)
    per_month, months = 300, np.repeat(np.arange(6), 300)
    drifting = rng.random(6 * per_month) < np.where(months < 3, 0.1, 0.4)
    steady = rng.random(6 * per_month) < 0.2
    directions = [("up" if o else None) for o in np.concatenate([drifting, steady])]
    frame = table(np.full(12 * per_month, 0.3), directions, np.concatenate([months, months]),
                  ["o-drift"] * 6 * per_month + ["o-steady"] * 6 * per_month)
    frame["case_id"] = [f"C-{i}" for i in range(len(frame))]
    out = override_drift(frame, window=3)
    d, s = out.loc["o-drift"], out.loc["o-steady"]
    assert d["rate_early"] == pytest.approx(drifting[:900].mean())
    assert d["rate_late"] == pytest.approx(drifting[900:].mean())
    assert d["ci_low"] > 0.2 and d["change"] == pytest.approx(0.3, abs=0.05)
    assert s["ci_low"] < 0 < s["ci_high"]
    short = override_drift(frame[frame["decided_at"] < T0 + timedelta(days=100)], window=3)
    assert short["change"].isna().all()  # too little history is said, not guessed
    with pytest.raises(ValidationInputError, match="window"):
        override_drift(frame, window=0)


def decided(i: int, final: str, officer: str = "off-1") -> object:
    a = Assessment(case_id=f"C-{i}", assessment_date=date(2024, 1, 1), probability=0.4,
                   band="medium", model=ModelInfo(name="m", version="1", fingerprint="f"),
                   input_sha256="0" * 64, created_at=T0)
    over = final != "medium"
    return a.decide(officer, final, reason="serious_harm" if over else None,
                    rationale=WHY if over else None, decided_at=T0 + timedelta(hours=i))


def test_countersignature_and_challenge_rates_from_a_log(tmp_path: Path) -> None:
    waits = [2.0, 5.0, 30.0]  # hours each supervisor took
    with DecisionLog(tmp_path / "l.sqlite") as log:
        receipts = log.append_many([decided(i, "high") for i in range(4)]
                                   + [decided(9, "medium")])
        for i, wait in enumerate(waits):
            log.countersign(receipts[i], "sup-1", signed_at=T0 + timedelta(hours=i + wait))
        for kind, r in ((Representation, receipts[4]), (Contest, receipts[4]),
                        (Representation, receipts[0])):
            log.append(kind(decision_hash=r.hash, made_by="person",
                            received_at=T0 + timedelta(days=1),
                            statement="I was not at that address.", recorded_by="off-1",
                            outcome="upheld", outcome_at=T0 + timedelta(days=4),
                            reviewed_by="sup-1"))
        rates = countersignature_rates(log).loc["all"]
        assert (rates["n_decisions"], rates["n_required"]) == (5, 4)
        assert (rates["n_countersigned"], rates["n_pending"]) == (3, 1)
        assert rates["median_hours"] == pytest.approx(np.median(waits))
        assert rates["ci_low"] < 0.75 < rates["ci_high"]
        by_officer = countersignature_rates(log, by="officer_id")
        assert by_officer.index.tolist() == ["off-1"]
        challenges = challenge_rates(log)
        assert challenges.loc["representation", "n_records"] == 2
        assert challenges.loc["representation", "rate_per_decision"] == pytest.approx(2 / 5)
        assert challenges.loc["contest", "n_upheld"] == 1
        assert challenges.loc["contest", "median_days"] == pytest.approx(3.0)
    with pytest.raises(ValidationInputError, match="missing"):
        countersignature_rates(pd.DataFrame({"a": [1]}))
