"""DecisionLog: append, read back equal objects, export, verify, refuse bad input."""

from __future__ import annotations

import json
import math
import sqlite3
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import riskassess.decisions._verify as chain
from riskassess.decisions import (
    GENESIS,
    Assessment,
    DecisionLog,
    ExplanationRecord,
    FeatureContribution,
    FinalDecision,
    LogHead,
    ModelInfo,
    OverrideReason,
    ReasonRecord,
    canonical_json,
    verify_jsonl,
)
from riskassess.exceptions import AuditLogError, TamperedLogError
from riskassess.types import RISK_BANDS

T0 = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
RATIONALE = "Protective factors: stable housing and work confirmed by a home visit."


def make_decision(i: int, band: str = "medium", final: str | None = None,
                  officer: str = "off-1", when: datetime | None = None,
                  rationale: str = RATIONALE) -> FinalDecision:
    a = Assessment(case_id=f"C-{i}", assessment_date=date(2024, 3, 1), probability=0.5,
                   band=band, model=ModelInfo(name="OGRS3", version="1", fingerprint="f" * 64),
                   input_sha256=f"{i:064x}"[-64:], created_at=T0)
    final = final or band
    over = final != band
    return a.decide(officer, final, reason=OverrideReason.PROTECTIVE_FACTORS if over else None,
                    rationale=rationale if over else None,
                    decided_at=when or T0 + timedelta(minutes=i))


@pytest.fixture
def log(tmp_path: Path) -> DecisionLog:
    with DecisionLog(tmp_path / "log.sqlite") as lg:
        yield lg


# -- hypothesis strategy for varied decisions (floats, unicode text, overrides) ----------

finite = st.floats(-20, 20, allow_nan=False, allow_infinity=False)
unicode_words = st.text(st.characters(categories=("L", "N", "P", "Zs")), min_size=1,
                        max_size=12).map(lambda w: w.replace(" ", "") or "x")


@st.composite
def decisions(draw: st.DrawFn, i: int = 0) -> FinalDecision:
    contribs = draw(st.lists(finite, min_size=0, max_size=4))
    base = draw(finite)
    logit = base + math.fsum(contribs)
    p = 1 / (1 + math.exp(-logit))
    expl = ExplanationRecord(base_value=base, link="logit", contributions=tuple(
        FeatureContribution(feature=f"f{k}", value=draw(st.none() | finite | unicode_words),
                            contribution=c) for k, c in enumerate(contribs)))
    band, final = draw(st.sampled_from(RISK_BANDS)), draw(st.sampled_from(RISK_BANDS))
    a = Assessment(case_id=f"C-{draw(st.integers(0, 10**6))}", assessment_date=date(2024, 1, 1),
                   probability=p, band=band, explanation=expl,
                   reasons=(ReasonRecord(text=draw(unicode_words), contribution=draw(finite)),),
                   model=ModelInfo(name="m", version="1", fingerprint="abc"),
                   input_sha256="a" * 64,
                   created_at=T0 + timedelta(microseconds=draw(st.integers(0, 10**9))))
    words = draw(st.lists(unicode_words, min_size=0, max_size=3))
    rationale = "Officer rationale with ünïcödé and more " + " ".join(words)
    return a.decide(f"off-{draw(st.integers(0, 99))}", final,
                    reason=draw(st.sampled_from(list(OverrideReason))) if final != band else None,
                    rationale=rationale if final != band else None,
                    decided_at=a.created_at + timedelta(seconds=draw(st.integers(0, 10**6))))


@settings(max_examples=15)
@given(st.lists(decisions(), min_size=1, max_size=6), st.booleans())
def test_reading_back_returns_equal_objects(ds: list[FinalDecision], batch: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp, DecisionLog(Path(tmp) / "l.sqlite") as lg:
        receipts = lg.append_many(ds) if batch else [lg.append(d) for d in ds]
        assert [r.sequence for r in receipts] == list(range(1, len(ds) + 1))
        assert receipts[-1].hash == lg.head().hash and receipts[-1].checkpoint is None
        back = lg.read()
        assert back == ds
        assert [canonical_json(d) for d in back] == [canonical_json(d) for d in ds]
        assert lg.verify().ok and len(lg) == len(ds)
    # a second connection (another process would do the same) sees the same records
        with DecisionLog(Path(tmp) / "l.sqlite") as again:
            assert again.read() == ds


def test_chain_links_and_head(log: DecisionLog) -> None:
    assert log.head() == LogHead(0, GENESIS) and log.verify().ok
    log.append_many([make_decision(i) for i in range(5)])
    raw = sqlite3.connect(log.path)
    rows = raw.execute("SELECT seq, prev_hash, record, hash FROM decisions ORDER BY seq").fetchall()
    raw.close()
    prev = GENESIS
    for k, (seq, p, rec, h) in enumerate(rows, start=1):
        assert seq == k and p == prev
        assert h == chain.record_hash(p, seq, rec)
        prev = h
    assert log.head() == LogHead(5, prev)
    assert log.verify(expected_head=LogHead(5, prev)).ok


def test_triggers_refuse_update_and_delete(log: DecisionLog) -> None:
    log.append(make_decision(1))
    raw = sqlite3.connect(log.path)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        raw.execute("UPDATE decisions SET record = '{}' WHERE seq = 1")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        raw.execute("DELETE FROM decisions")
    raw.close()
    assert log.verify().ok and len(log) == 1


def test_a_failed_batch_appends_nothing(log: DecisionLog, monkeypatch: pytest.MonkeyPatch) -> None:
    log.append(make_decision(0))
    with pytest.raises(TypeError, match="FinalDecision"):
        log.append_many([make_decision(1), "not a decision"])  # type: ignore[list-item]
    calls = {"n": 0}
    real = chain.record_hash

    def failing(prev: str, seq: int, rec: str) -> str:
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("disk on fire")
        return real(prev, seq, rec)

    monkeypatch.setattr("riskassess.decisions._log.record_hash", failing)
    with pytest.raises(RuntimeError, match="disk on fire"):
        log.append_many([make_decision(i) for i in range(2, 6)])
    monkeypatch.undo()
    assert len(log) == 1 and log.verify().ok
    assert log.append(make_decision(9)).sequence == 2 and log.verify().ok


def test_jsonl_export_is_verifiable_and_tamper_evident(log: DecisionLog, tmp_path: Path) -> None:
    ds = [make_decision(i, final="high" if i % 3 == 0 else None) for i in range(7)]
    log.append_many(ds)
    out = log.to_jsonl(tmp_path / "export.jsonl")
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 7 and not list(tmp_path.glob(".export.jsonl.*"))
    assert [json.loads(x)["sequence"] for x in lines] == list(range(1, 8))
    assert verify_jsonl(out, expected_head=log.head()).ok
    assert json.loads(lines[4])["decision"]["final_band"] == "medium"
    lines[4] = lines[4].replace('"final_band":"medium"', '"final_band":"very high"')
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = verify_jsonl(out)
    assert not result.ok and result.first_bad == 5 and result.problems[0].kind == "edited"
    out.write_text("not json\n", encoding="utf-8")
    with pytest.raises(AuditLogError, match="line 1"):
        verify_jsonl(out)


def test_to_frame(log: DecisionLog) -> None:
    log.append_many([make_decision(1, "low", "high", officer="off-a"),
                     make_decision(2, "high", "medium", officer="off-b"),
                     make_decision(3, "medium")])
    f = log.to_frame()
    assert list(f["sequence"]) == [1, 2, 3]
    assert list(f["case_id"]) == ["C-1", "C-2", "C-3"]
    assert list(f["override"]) == [True, True, False]
    assert f["direction"].tolist()[:2] == ["up", "down"] and pd.isna(f["direction"].iloc[2])
    assert f["reason"].iloc[0] == "protective_factors"
    assert str(f["decided_at"].dt.tz) == "UTC"
    assert f["model_band"].cat.ordered and list(f["model_band"].cat.categories) == list(RISK_BANDS)
    assert f["hash"].iloc[-1] == log.head().hash


def test_verify_raises_naming_the_record(log: DecisionLog) -> None:
    log.append_many([make_decision(i) for i in range(4)])
    raw = sqlite3.connect(log.path)
    rows = [(s, p, r, h) for s, p, r, h in raw.execute(
        "SELECT seq, prev_hash, record, hash FROM decisions ORDER BY seq")]
    raw.close()
    rows[2] = (3, rows[2][1], rows[2][2].replace("C-2", "C-X"), rows[2][3])
    result = chain.diagnose(rows)
    with pytest.raises(TamperedLogError, match="record 3") as err:
        result.raise_if_tampered()
    assert err.value.sequence == 3
    assert "TAMPERED" in str(result) and not result


def test_bad_files_and_closed_logs(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("hello, this is not a database at all " * 50)
    with pytest.raises(AuditLogError, match=r"notes\.txt"):
        DecisionLog(text)
    other = tmp_path / "other.sqlite"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE people (name TEXT)")
    con.commit()
    con.close()
    with pytest.raises(AuditLogError, match="not a decision log"):
        DecisionLog(other)
    lg = DecisionLog(tmp_path / "sub" / "dir" / "log.sqlite")
    lg.close()
    lg.close()
    with pytest.raises(AuditLogError, match="closed"):
        lg.append(make_decision(1))
    with pytest.raises(TypeError, match="FinalDecision"):
        DecisionLog(tmp_path / "x.sqlite").append({"case_id": "C-1"})  # type: ignore[arg-type]


def test_deep_verify_rejects_a_rehashed_invalid_record(log: DecisionLog) -> None:
    log.append(make_decision(1))
    bad = json.loads(canonical_json(make_decision(2, "low", "high")))
    bad["rationale"] = "no"  # an override without a real rationale
    text = json.dumps(bad, sort_keys=True, separators=(",", ":"))
    prev = log.head().hash
    raw = sqlite3.connect(log.path)
    raw.execute("INSERT INTO decisions (seq, record, prev_hash, hash) VALUES (2, ?, ?, ?)",
                (text, prev, chain.record_hash(prev, 2, text)))
    raw.commit()
    raw.close()
    assert log.verify().ok  # the chain itself is intact ...
    deep = log.verify(deep=True)
    assert not deep.ok and deep.first_bad == 2  # ... but the record is not a valid decision
    with pytest.raises(AuditLogError, match="record 2"):
        log.read()
