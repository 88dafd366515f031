"""Effective and review dates, the reassessment link and the change between assessments,
and a property test of countersigning against a model of the rules."""

from __future__ import annotations

import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from riskassess.decisions import (
    REVIEW_INTERVAL,
    Assessment,
    DecisionLog,
    ExplanationRecord,
    FeatureContribution,
    ModelInfo,
    reassessment_change,
)
from riskassess.exceptions import DecisionError
from riskassess.types import RISK_BANDS

T0 = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
WHY = "Recent threats to a former partner reported by the police on Monday."


def assessed(day: int = 0, p: float = 0.4, band: str = "medium", case: str = "C-1",
             needs: dict[str, object] | None = None, fingerprint: str = "f") -> Assessment:
    expl = None
    if needs is not None:
        expl = ExplanationRecord(base_value=p, link="identity", contributions=tuple(
            FeatureContribution(feature=k, value=v, contribution=0.0)
            for k, v in needs.items()))
    at = T0 + timedelta(days=day)
    return Assessment(case_id=case, assessment_date=at.date(), probability=p, band=band,
                      explanation=expl, input_sha256="0" * 64, created_at=at,
                      model=ModelInfo(name="ARP", version="1", fingerprint=fingerprint))


def test_dates_default_from_the_decision_and_are_checked() -> None:
    at = T0 + timedelta(hours=3)
    d = assessed().decide("off-1", decided_at=at)
    assert d.effective_date == at.date() and d.review_date == at.date() + REVIEW_INTERVAL
    later = assessed().decide("off-1", decided_at=at, effective_date=date(2024, 3, 4),
                              review_date=date(2024, 6, 1))
    assert (later.effective_date, later.review_date) == (date(2024, 3, 4), date(2024, 6, 1))
    with pytest.raises(DecisionError, match=r"case 'C-1', field 'effective_date'.*retro"):
        assessed().decide("off-1", decided_at=at, effective_date=date(2024, 2, 1))
    with pytest.raises(DecisionError, match=r"case 'C-1', field 'review_date'.*not after"):
        assessed().decide("off-1", decided_at=at, review_date=at.date())
    with pytest.raises(DecisionError, match=r"field 'review_date': expected a date"):
        assessed().decide("off-1", decided_at=at, review_date=at)
    with pytest.raises(DecisionError, match=r"field 'previous': expected"):
        assessed().decide("off-1", decided_at=at, previous="not-a-hash")


def test_the_change_shows_score_band_and_need_items() -> None:
    before = assessed(0, 0.62, "high", needs={"accommodation": 2, "unemployed": 1, "age": 30})
    after = assessed(90, 0.41, "medium", needs={"accommodation": 0, "unemployed": 1,
                                                "age": 30})
    lowered = after.decide("off-1", decided_at=T0 + timedelta(days=90))
    change = reassessment_change(before, lowered)
    assert change.probability_change == pytest.approx(0.41 - 0.62)
    assert (change.previous_band, change.current_band, change.band_steps) == ("high",
                                                                              "medium", -1)
    assert [(n.item, n.before, n.after) for n in change.needs] == [("accommodation", 2, 0)]
    assert change.same_model
    assert not reassessment_change(before, assessed(90, fingerprint="g")).same_model
    with pytest.raises(DecisionError, match="another case"):
        reassessment_change(before, assessed(90, case="C-2"))
    with pytest.raises(DecisionError, match="swap"):
        reassessment_change(after, before)


bands = st.sampled_from(RISK_BANDS)


@given(st.lists(st.tuples(st.floats(0.01, 0.99), bands), min_size=3, max_size=3))
def test_changes_add_up_along_a_history(steps: list[tuple[float, str]]) -> None:
    a, b, c = (assessed(i * 30, p, band) for i, (p, band) in enumerate(steps))
    ab, bc, ac = reassessment_change(a, b), reassessment_change(b, c), reassessment_change(a, c)
    assert ab.band_steps + bc.band_steps == ac.band_steps
    assert ab.probability_change + bc.probability_change == pytest.approx(
        ac.probability_change, abs=1e-12)
    assert reassessment_change(a, a).needs == () and reassessment_change(a, a).band_steps == 0


# -- countersigning against a model of the rules -----------------------------------------

officers = st.sampled_from(["off-1", "off-2", "sup-1"])
action = st.one_of(
    st.tuples(st.just("decide"), bands, bands, officers),
    st.tuples(st.just("sign"), st.integers(0, 20), officers, st.sampled_from(
        ["supervisor", "probation officer"])),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(action, min_size=1, max_size=12))
def test_countersigning_follows_the_rules(actions: list[tuple[object, ...]]) -> None:
    """Whatever is attempted, the log accepts exactly what the rules allow, and its
    pending list is the decisions needing a signature that no accepted one covers."""
    with tempfile.TemporaryDirectory() as tmp, DecisionLog(Path(tmp) / "l.sqlite") as log:
        decided: list[tuple[str, str, bool]] = []  # (hash, officer, needs a signature)
        signed: set[str] = set()
        for i, act in enumerate(actions):
            if act[0] == "decide":
                _, model, final, officer = act
                a = assessed(0, band=str(model), case=f"C-{i}")
                over = final != model
                d = a.decide(str(officer), str(final), reason="serious_harm" if over else None,
                             rationale=WHY if over else None, decided_at=T0 + timedelta(hours=1))
                needs = over and ("high" in (model, final) or "very high" in (model, final))
                assert d.countersignature_required == needs
                decided.append((log.append(d).hash, str(officer), needs))
                continue
            _, index, officer, role = act
            target = decided[int(index) % len(decided)] if decided else ("ab" * 32, "", False)
            allowed = (bool(decided) and target[2] and target[0] not in signed
                       and officer != target[1] and role == "supervisor")
            before = len(log)
            try:
                log.countersign(target[0], str(officer), str(role),
                                signed_at=T0 + timedelta(hours=2))
                accepted = True
            except DecisionError:
                accepted = False
                assert len(log) == before  # nothing half-written
            assert accepted == allowed
            if accepted:
                signed.add(target[0])
        result = log.verify(deep=True)
        assert result.ok
        seq_of = {s.hash: s.sequence for s in log.records()}
        assert result.pending == tuple(sorted(seq_of[h] for h, _, needs in decided
                                              if needs and h not in signed))


@given(st.text(min_size=1, max_size=200), st.sampled_from(["person", "representative"]),
       st.integers(0, 10_000))
def test_a_challenge_reads_back_as_written_or_is_refused_naming_the_field(
        statement: str, who: str, minutes: int) -> None:
    from pydantic import ValidationError

    from riskassess.decisions import Representation
    from riskassess.decisions._safeguards import parse_safeguard, record_json

    received = T0 + timedelta(minutes=minutes)
    try:
        record = Representation(decision_hash="ab" * 32, made_by=who, received_at=received,
                                statement=statement, recorded_by="off-1", outcome="upheld",
                                outcome_at=received + timedelta(days=1), reviewed_by="sup-1")
    except ValidationError as exc:
        assert "statement" in str(exc)  # control characters or nothing but spaces
        return
    text = record_json(record)
    assert text.startswith('{"record_type":"representation","decision_hash":')
    assert parse_safeguard(text) == record
