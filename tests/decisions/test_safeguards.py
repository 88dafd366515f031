"""Countersignatures, representations and contests in the decision log, on SQLite and on
PostgreSQL: what is refused, what ``verify`` says, what an insider's edits look like, and
that logs written before these records existed still verify."""

from __future__ import annotations

import json
import re
import threading
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from riskassess.decisions import (
    DEFAULT_POLICY,
    Assessment,
    Contest,
    Countersignature,
    CountersignaturePolicy,
    DecisionLog,
    FinalDecision,
    ModelInfo,
    Receipt,
    Representation,
)
from riskassess.decisions._chain import mac_function, record_hash
from riskassess.decisions._safeguards import MAX_NOTE_CHARS
from riskassess.exceptions import DecisionError

KEY = bytes(range(7, 39))
T0 = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
WHY = "Recent threats to a former partner reported by the police on Monday."


def decided(i: int, band: str = "medium", final: str | None = None, officer: str = "off-1",
            hours: int = 1, **options: Any) -> FinalDecision:
    a = Assessment(case_id=f"C-{i}", assessment_date=date(2024, 3, 1), probability=0.4,
                   band=band, model=ModelInfo(name="OGRS3", version="1", fingerprint="f"),
                   input_sha256="0" * 64, created_at=T0)
    final = final or band
    over = final != band
    return a.decide(officer, final, reason="serious_harm" if over else None,
                    rationale=WHY if over else None, decided_at=T0 + timedelta(hours=hours),
                    **options)


def challenge(kind: type[Representation] | type[Contest], receipt: Receipt,
              new: Receipt | None = None, days: int = 2) -> Representation | Contest:
    return kind(decision_hash=receipt.hash, made_by="person",
                received_at=T0 + timedelta(days=days),
                statement="The report about me is about a different incident.",
                recorded_by="off-1", outcome="changed" if new else "upheld",
                new_decision_hash=None if new is None else new.hash,
                outcome_at=T0 + timedelta(days=days + 3), reviewed_by="sup-1")


def test_a_raised_override_is_pending_until_a_supervisor_countersigns(backend) -> None:  # type: ignore[no-untyped-def]
    up = decided(1, "medium", "high")
    assert up.countersignature_required and up.status == "pending"
    with DecisionLog(backend.target, key=KEY) as log:
        r_agree, r_up = log.append_many([decided(2), up])
        assert log.status(r_agree) == "effective" and log.status(r_up) == "pending"
        assert log.verify().pending == (r_up.sequence,)
        assert [s.hash for s in log.pending()] == [r_up.hash]
        signed_at = T0 + timedelta(hours=7)
        r_sig = log.countersign(r_up, "sup-1", signed_at=signed_at, note="Agreed on review.")
        assert r_sig.sequence == 3 and log.status(r_up) == "effective"
        result = log.verify(receipts=[r_agree, r_up, r_sig], deep=True)
        assert result.ok and result.pending == () and result.n_records == 3
        assert log.read() == [decided(2), up]  # decisions only; records() has all three
        kinds = [type(s.record).__name__ for s in log.records()]
        assert kinds == ["FinalDecision", "FinalDecision", "Countersignature"]
        frame = log.to_frame()
        assert frame["status"].tolist() == ["effective", "effective"]
        assert frame["countersigned_at"].iloc[1] == signed_at
        assert frame["countersigned_by"].iloc[1] == "sup-1"


@pytest.mark.parametrize("attempt, message", [
    ("deciding officer", "made the decision and cannot countersign"),
    ("twice", "already effective"),
    ("not needed", "does not need a countersignature"),
    ("unknown", "unknown decision"),
    ("wrong role", "may not countersign"),
])
def test_bad_countersignatures_are_refused_and_nothing_is_written(backend, attempt: str,
                                                                  message: str) -> None:  # type: ignore[no-untyped-def]
    with DecisionLog(backend.target) as log:
        r_up, r_agree = log.append_many([decided(1, "high", "very high"), decided(2)])
        if attempt == "twice":
            log.countersign(r_up, "sup-1", signed_at=T0 + timedelta(hours=2))
        before = len(log)
        target, officer, role = {
            "deciding officer": (r_up, "off-1", "supervisor"),
            "twice": (r_up, "sup-2", "supervisor"),
            "not needed": (r_agree, "sup-1", "supervisor"),
            "unknown": ("ab" * 32, "sup-1", "supervisor"),
            "wrong role": (r_up, "sup-1", "probation officer"),
        }[attempt]
        with pytest.raises(DecisionError, match=message):
            log.countersign(target, officer, role, signed_at=T0 + timedelta(hours=3))
        assert len(log) == before and log.verify().ok


def test_only_one_of_two_concurrent_countersignatures_is_accepted(backend) -> None:  # type: ignore[no-untyped-def]
    with DecisionLog(backend.target) as log:
        receipt = log.append(decided(1, "medium", "high"))
    outcomes: list[str] = []
    start = threading.Barrier(4)

    def sign(officer: str) -> None:
        with DecisionLog(backend.target) as own:
            start.wait()
            try:
                own.countersign(receipt, officer, signed_at=T0 + timedelta(hours=2))
                outcomes.append("signed")
            except DecisionError:
                outcomes.append("refused")

    threads = [threading.Thread(target=sign, args=(f"sup-{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["refused"] * 3 + ["signed"]
    with DecisionLog(backend.target, read_only=True) as log:
        assert log.verify().ok and len(log) == 2 and log.status(receipt) == "effective"


def test_representations_and_contests_link_to_decisions(backend) -> None:  # type: ignore[no-untyped-def]
    with DecisionLog(backend.target, key=KEY) as log:
        first = log.append(decided(1, "low"))
        log.append(challenge(Representation, first))
        with pytest.raises(DecisionError, match="unknown decision"):
            log.append(challenge(Contest, Receipt(9, "cd" * 32)))
        with pytest.raises(DecisionError, match="new_decision_hash"):
            log.append(challenge(Contest, first, new=Receipt(9, "cd" * 32)))
        again = log.append(decided(1, "medium", hours=30, previous=first))
        log.append(challenge(Contest, first, new=again))
        result = log.verify(deep=True)
        assert result.ok, result
        table = log.safeguards_frame()
        assert table["record_type"].tolist() == ["representation", "contest"]
        assert table["case_id"].tolist() == ["C-1", "C-1"]
        assert table["days_to_outcome"].tolist() == [3.0, 3.0]


def test_a_reassessment_must_link_to_an_earlier_decision_of_the_same_case(backend) -> None:  # type: ignore[no-untyped-def]
    with DecisionLog(backend.target) as log:
        other = log.append(decided(2))
        with pytest.raises(DecisionError, match="another case"):
            log.append(decided(1, previous=other))
        with pytest.raises(DecisionError, match="no earlier decision"):
            log.append(decided(1, previous="ef" * 32))
        assert len(log) == 1


def test_a_decision_outside_the_logs_policy_is_refused(backend) -> None:  # type: ignore[no-untyped-def]
    unsigned = decided(1, "medium", "high", policy=None)  # someone turned the policy off
    assert not unsigned.countersignature_required
    with DecisionLog(backend.target) as log, pytest.raises(DecisionError,
                                                           match="needs a countersignature"):
        log.append(unsigned)
    strict = CountersignaturePolicy(all_overrides=True)
    with DecisionLog(backend.target, policy=strict) as log:
        with pytest.raises(DecisionError, match="needs a countersignature"):
            log.append(decided(2, "low", "medium"))  # default policy: no need
        receipt = log.append(decided(2, "low", "medium", policy=strict))
        assert log.status(receipt) == "pending"
    with DecisionLog(backend.target, policy=None) as log:  # no policy: stored as decided
        log.append(unsigned)
        assert len(log) == 2


BANDS = ("low", "medium", "high", "very high")


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pairs=st.lists(st.tuples(st.sampled_from(BANDS), st.sampled_from(BANDS),
                                st.booleans()), min_size=1, max_size=8))
def test_a_batch_is_refused_at_its_first_decision_outside_the_policy(
        tmp_path_factory: pytest.TempPathFactory,
        pairs: list[tuple[str, str, bool]]) -> None:
    # decisions made with the policy off (flag False) or on: the log asks the policy once
    # per pair of bands, and must still refuse exactly the batch a record-by-record check
    # refuses, naming the first such decision's case, and store nothing of it
    batch = [decided(i, band, final, policy=DEFAULT_POLICY if on else None)
             for i, (band, final, on) in enumerate(pairs)]
    wrong = [d.case_id for d in batch
             if d.countersignature_required != DEFAULT_POLICY.requires(d.model_band,
                                                                       d.final_band)]
    with DecisionLog(tmp_path_factory.mktemp("policy") / "log.sqlite") as log:
        if wrong:
            with pytest.raises(DecisionError, match=f"case '{wrong[0]}'"):
                log.append_many(batch)
            assert len(log) == 0
        else:
            assert len(log.append_many(batch)) == len(batch)


# -- what an insider with database access can do -----------------------------------------


def _insert(backend, seq: int, text: str, key: bytes | None) -> None:  # type: ignore[no-untyped-def]
    """Append a record round the library, with a correct hash (and MAC, given the key)."""
    prev = backend.query("SELECT hash FROM decisions WHERE seq = ?", (seq - 1,))[0][0]
    log_id = dict(backend.query("SELECT key, value FROM log_meta"))["log_id"]
    digest = record_hash(prev, seq, text)
    mac = None if key is None else mac_function(key, log_id)(seq, digest)
    backend.sql(("INSERT INTO decisions (seq, record, prev_hash, hash, mac) VALUES "
                 "(?, ?, ?, ?, ?)", (seq, text, prev, digest, mac)), drop_guards=False)


def test_a_self_countersignature_written_round_the_library_is_a_link_problem(backend) -> None:  # type: ignore[no-untyped-def]
    with DecisionLog(backend.target, key=KEY) as log:
        receipt = log.append(decided(1, "medium", "high"))
    forged = Countersignature(decision_hash=receipt.hash, officer_id="off-1",
                              role="supervisor", signed_at=T0 + timedelta(hours=2))
    from riskassess.decisions._safeguards import record_json

    _insert(backend, 2, record_json(forged), KEY)  # an insider who holds the key
    with DecisionLog(backend.target, key=KEY, read_only=True) as log:
        result = log.verify()
        assert not result.ok
        assert [(p.kind, p.sequence) for p in result.problems] == [("link", 2)]
        assert "cannot countersign" in result.problems[0].message
        assert result.pending == (1,)  # the bad signature does not make it effective
        assert log.status(receipt) == "pending"
        assert log.to_frame()["status"].tolist() == ["pending"]
        assert [s.hash for s in log.pending()] == [receipt.hash]


def test_an_edited_countersignature_is_caught_as_an_edit_and_by_the_key(backend) -> None:  # type: ignore[no-untyped-def]
    with DecisionLog(backend.target, key=KEY) as log:
        receipt = log.append(decided(1, "medium", "high"))
        signed = log.countersign(receipt, "sup-1", signed_at=T0 + timedelta(hours=2))
    _, text, _, _ = backend.row(2)
    backend.sql(("UPDATE decisions SET record = ? WHERE seq = 2",
                 (text.replace("sup-1", "sup-9"),)))
    with DecisionLog(backend.target, key=KEY, read_only=True) as log:
        result = log.verify(receipts=[receipt, signed])
    assert ("edited", 2) in [(p.kind, p.sequence) for p in result.problems]


def test_a_log_written_before_the_safeguards_still_verifies(backend) -> None:  # type: ignore[no-untyped-def]
    # the record text an older version of the library stored: no dates, no links
    new_fields = re.compile(r',"effective_date":.*,"previous_decision_hash":null\}$')
    old = [new_fields.sub("}", decided(i, "medium", "high" if i == 2 else None)
                          ._canonical_json()) for i in (1, 2, 3)]
    assert all(t.endswith('"decided_at":"' + (T0 + timedelta(hours=1)).isoformat()
                          .replace("+00:00", "Z") + '"}') for t in old)
    with DecisionLog(backend.target, key=KEY) as log:
        log_id = dict(backend.query("SELECT key, value FROM log_meta"))["log_id"]
        mac = mac_function(KEY, log_id)

        def build(last: int, prev: str) -> list[Any]:
            rows = []
            for seq, text in enumerate(old, start=last + 1):
                digest = record_hash(prev, seq, text)
                rows.append((seq, prev, text, digest, mac(seq, digest)))
                prev = digest
            return rows

        log._live.append(build)
    with DecisionLog(backend.target, key=KEY, read_only=True) as log:
        result = log.verify(deep=True)
        assert result.ok and result.pending == ()  # nothing was pending under the old rules
        back = log.read()
        assert [d.effective_date for d in back] == [None] * 3
        assert [json.loads(t)["final_band"] for t in old] == [d.final_band for d in back]
        assert log.to_frame()["status"].tolist() == ["effective"] * 3


def test_an_old_decision_is_found_beyond_the_recent_window(backend, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import riskassess.decisions._storage as storage

    monkeypatch.setattr(storage, "RECENT_WINDOW", 2)  # the first decision is "old"
    with DecisionLog(backend.target) as log:
        receipts = log.append_many([decided(i, "medium", "high") for i in range(1, 6)])
        log.countersign(receipts[0], "sup-1", signed_at=T0 + timedelta(hours=3))
        with pytest.raises(DecisionError, match="already effective"):
            log.countersign(receipts[0], "sup-2", signed_at=T0 + timedelta(hours=4))
        assert log.status(receipts[0]) == "effective" and log.status(receipts[4]) == "pending"
        assert log.verify().pending == (2, 3, 4, 5)


def _with_text(kind: str, text: str) -> Countersignature | Representation | Contest:
    if kind == "note":
        return Countersignature(decision_hash="ab" * 32, officer_id="sup-1", role="supervisor",
                                signed_at=T0, note=text)
    cls = Representation if kind == "representation" else Contest
    return cls(decision_hash="ab" * 32, made_by="person", received_at=T0,
               statement="I have moved.", recorded_by="off-1", outcome="upheld",
               outcome_at=T0 + timedelta(days=1), reviewed_by="sup-1", outcome_reason=text)


@pytest.mark.parametrize(("kind", "field"), [("note", "note"),
                                             ("representation", "outcome_reason"),
                                             ("contest", "outcome_reason")])
def test_optional_free_text_is_checked_under_its_own_field_name(kind: str, field: str) -> None:
    assert getattr(_with_text(kind, "  "), field) is None  # blank means none given
    assert getattr(_with_text(kind, "Agreed."), field) == "Agreed."
    with pytest.raises(ValidationError, match=f"field '{field}'"):
        _with_text(kind, "x" * (MAX_NOTE_CHARS + 1))
