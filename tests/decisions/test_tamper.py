"""The tamper suite, on SQLite and on PostgreSQL: what an insider with database access can
do to a decision log, and what ``verify`` (and ``append``) make of it.

Every attack is made with the raw database layer, the append-only triggers dropped or
disabled first, as an attacker would. Keyed logs are checked with the key; unkeyed logs
show what only receipts or an anchored head can catch.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from riskassess.decisions import DecisionLog, FinalDecision, VerifyResult
from riskassess.decisions._chain import Receipt, record_hash, record_mac
from riskassess.exceptions import AuditLogError, NotADecisionLogError, TamperedLogError

KEY = bytes(range(7, 39))
Problems = list[tuple[str, int, int]]


@pytest.fixture
def receipts(backend, decision: Callable[..., FinalDecision]) -> list[Receipt]:  # type: ignore[no-untyped-def]
    """A keyed log of 10 decisions on the backend; the receipts the case system kept."""
    with DecisionLog(backend.target, key=KEY) as log:
        kept = log.append_many([decision(i) for i in range(1, 11)])
        assert log.verify(receipts=kept).ok
    return kept


def verify(target: str, key: bytes | None = None, **options: object) -> VerifyResult:
    """Verify as an auditor would: read-only, with whatever the auditor holds."""
    with DecisionLog(target, read_only=True, key=key) as log:
        return log.verify(**options)  # type: ignore[arg-type]


def problems(result: VerifyResult) -> Problems:
    assert not result.ok and not bool(result)
    return [(p.kind, p.sequence, p.last) for p in result.problems]


def rewrite_from(backend, start: int, edit: Callable[[str], str]) -> None:  # type: ignore[no-untyped-def]
    """Edit record ``start`` and recompute every hash after it: a whole-chain rewrite."""
    rows = backend.query("SELECT seq, prev_hash, record FROM decisions WHERE seq >= ? "
                         "ORDER BY seq", (start,))
    prev, statements = rows[0][1], []
    for seq, _, record in rows:
        text = edit(record) if seq == start else record
        digest = record_hash(prev, seq, text)
        statements.append(("UPDATE decisions SET prev_hash = ?, record = ?, hash = ? "
                           "WHERE seq = ?", (prev, text, digest, seq)))
        prev = digest
    backend.sql(*statements, restore_guards=True)


def to_high(record: str) -> str:
    assert '"final_band":"low"' in record
    return record.replace('"final_band":"low"', '"final_band":"high"')


def test_an_intact_keyed_log_verifies_with_every_check(backend, receipts) -> None:  # type: ignore[no-untyped-def]
    result = verify(backend.target, key=KEY, receipts=receipts)
    assert result.ok and result.keyed and result.n_records == 10 and not result.warnings
    unkeyed_check = verify(backend.target)
    assert unkeyed_check.ok and any("no key given" in w for w in unkeyed_check.warnings)


def test_an_edited_record_is_named(backend, receipts) -> None:  # type: ignore[no-untyped-def]
    backend.sql(("UPDATE decisions SET record = ? WHERE seq = 5", (to_high(backend.row(5)[1]),)))
    found = problems(verify(backend.target, key=KEY))
    assert ("edited", 5, 5) in found


def test_a_whole_chain_rewrite_is_caught_by_the_key_and_by_receipts(backend, receipts) -> None:  # type: ignore[no-untyped-def]
    rewrite_from(backend, 3, to_high)
    unkeyed = verify(backend.target)  # hashes recomputed, guards restored: looks intact ...
    assert unkeyed.ok and unkeyed.warnings  # ... and the result says what it could not see
    assert problems(verify(backend.target, key=KEY)) == [("forged", 3, 10)]
    assert problems(verify(backend.target, receipts=receipts)) == [("edited", 3, 10)]


def test_a_forged_append_is_caught_by_the_key(backend, receipts) -> None:  # type: ignore[no-untyped-def]
    prev = backend.row(10)[2]
    text = backend.row(10)[1].replace('"C-10"', '"C-99"')
    backend.sql(("INSERT INTO decisions VALUES (11, ?, ?, ?, ?)",
                 (text, prev, record_hash(prev, 11, text), "0" * 64)), drop_guards=False)
    assert verify(backend.target).ok  # a correctly linked append: only the key can tell
    assert problems(verify(backend.target, key=KEY)) == [("forged", 11, 11)]


@pytest.mark.parametrize("where", ["seq >= 9", "seq >= 1"])
def test_a_deleted_tail_is_caught_by_receipts_and_by_an_anchored_head(backend, receipts,
                                                                      where: str) -> None:  # type: ignore[no-untyped-def]
    first = int(where.split()[-1])
    with DecisionLog(backend.target, read_only=True) as log:
        anchor = log.head()
    backend.sql((f"DELETE FROM decisions WHERE {where}", ()), restore_guards=True)
    keyed = verify(backend.target, key=KEY)
    assert keyed.ok and any("receipts" in w for w in keyed.warnings)  # said plainly
    assert problems(verify(backend.target, key=KEY, receipts=receipts)) == [
        ("deleted", first, 10)]
    assert problems(verify(backend.target, expected_head=anchor)) == [("deleted", first, 10)]


def test_a_censored_record_is_caught_by_receipts(backend, receipts) -> None:  # type: ignore[no-untyped-def]
    # remove record 4 and renumber and re-hash the rest, as if it had never been there
    rows = backend.query("SELECT seq, record FROM decisions ORDER BY seq")
    kept = [r for s, r in rows if s != 4]
    prev, statements = backend.row(1)[0], [("DELETE FROM decisions", ())]
    for seq, text in enumerate(kept, start=1):
        digest = record_hash(prev, seq, text)
        statements.append(("INSERT INTO decisions (seq, record, prev_hash, hash) "
                           "VALUES (?, ?, ?, ?)", (seq, text, prev, digest)))
        prev = digest
    backend.sql(*statements, restore_guards=True)
    assert problems(verify(backend.target, receipts=receipts)) == [("edited", 4, 9),
                                                                  ("deleted", 10, 10)]
    assert problems(verify(backend.target, key=KEY))[0][0] == "forged"


def test_dropped_guards_fail_verify_and_block_appends(backend, receipts, decision) -> None:  # type: ignore[no-untyped-def]
    backend.sql()  # drop (or disable) the append-only triggers, change nothing else
    result = verify(backend.target, key=KEY)
    assert [p.kind for p in result.problems] == ["schema"] * len(result.problems)
    assert not result.ok and result.first_bad is None
    with DecisionLog(backend.target, key=KEY) as log, pytest.raises(TamperedLogError,
                                                                  match="schema"):
        log.append(decision(11))


PLANTED = {
    "sqlite": ["CREATE TRIGGER drop_overrides BEFORE INSERT ON decisions "
               "WHEN NEW.record LIKE '%\"override\":true%' BEGIN SELECT RAISE(IGNORE); END"],
    "postgres": ["CREATE FUNCTION drop_it() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                 "IF NEW.record LIKE '%\"override\":true%' THEN RETURN NULL; END IF; "
                 "RETURN NEW; END $$",
                 "CREATE TRIGGER drop_overrides BEFORE INSERT ON decisions FOR EACH ROW "
                 "EXECUTE FUNCTION drop_it()"],
}


def test_a_planted_trigger_that_drops_overrides_never_gets_a_receipt(
        backend, receipts, decision, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    backend.sql(*[(s, ()) for s in PLANTED[backend.name]], drop_guards=False)
    override = decision(11, "low", "high")
    with DecisionLog(backend.target, key=KEY) as log:
        with pytest.raises(TamperedLogError, match="drop_overrides"):
            log.append(override)
        # even with the schema check blinded, the read-back refuses to hand out a receipt
        monkeypatch.setattr(type(log._store), "schema_problems", lambda self: [])
        with pytest.raises(AuditLogError, match="not all stored"):
            log.append(override)
        monkeypatch.undo()
        assert len(log) == 10
    result = verify(backend.target, key=KEY, receipts=receipts)
    assert any("drop_overrides" in p.message for p in result.problems) and not result.ok


def test_reordered_replayed_and_inserted_records_are_named(backend, decision) -> None:  # type: ignore[no-untyped-def]
    with DecisionLog(backend.target) as log:  # unkeyed: the hash chain alone names these
        log.append_many([decision(i) for i in range(1, 11)])
    r4, r6 = backend.row(4)[:3], backend.row(6)[:3]
    backend.sql(("UPDATE decisions SET prev_hash = ?, record = ?, hash = ? WHERE seq = 4", r6),
                ("UPDATE decisions SET prev_hash = ?, record = ?, hash = ? WHERE seq = 6", r4),
                restore_guards=True)
    assert problems(verify(backend.target)) == [("reordered", 4, 4), ("reordered", 6, 6)]
    backend.sql(("UPDATE decisions SET prev_hash = ?, record = ?, hash = ? WHERE seq = 4", r4),
                ("UPDATE decisions SET prev_hash = ?, record = ?, hash = ? WHERE seq = 6", r6),
                restore_guards=True)
    assert verify(backend.target).ok
    prev, rec, digest = backend.row(3)[:3]
    backend.sql(("INSERT INTO decisions (seq, record, prev_hash, hash) VALUES (11, ?, ?, ?)",
                 (rec, prev, digest)), drop_guards=False)
    assert problems(verify(backend.target)) == [("inserted", 11, 11)]


def test_a_forged_receipt_and_a_wrong_key_are_not_mistaken_for_a_good_log(
        backend, receipts, decision) -> None:  # type: ignore[no-untyped-def]
    forged = Receipt(3, receipts[3].hash, receipts[3].checkpoint)  # record 4's, claiming 3
    with pytest.raises(AuditLogError, match="receipt 3 was not issued"):
        verify(backend.target, key=KEY, receipts=[forged])
    wrong = verify(backend.target, key=bytes(32))
    assert problems(wrong)[0][0] == "forged" and "key id" in wrong.problems[0].message
    with DecisionLog(backend.target, key=bytes(32)) as log, pytest.raises(AuditLogError,
                                                                           match="not the key"):
        log.append(decision(11))


def test_a_keyed_log_rewritten_as_unkeyed_fails_with_the_key(backend, receipts) -> None:  # type: ignore[no-untyped-def]
    backend.sql(("UPDATE log_meta SET value = 'none' WHERE key = 'mac'", ()),
                ("UPDATE decisions SET mac = NULL", ()), restore_guards=True)
    assert verify(backend.target).ok  # looks like an ordinary unkeyed log ...
    found = verify(backend.target, key=KEY)  # ... but the verifier knows it should be keyed
    assert not found.ok and "unkeyed" in found.problems[0].message


def test_an_emptied_or_removed_log_is_not_a_decision_log(backend, receipts) -> None:  # type: ignore[no-untyped-def]
    if backend.name == "sqlite":
        with open(backend.target, "wb"):
            pass  # truncated to 0 bytes
    else:
        backend.sql(("DROP TABLE decisions", ()), ("DROP TABLE log_meta", ()))
    with pytest.raises(NotADecisionLogError):
        verify(backend.target, key=KEY)


def test_mac_and_receipt_agree(backend, receipts) -> None:  # type: ignore[no-untyped-def]
    # a receipt's checkpoint is the stored MAC, which only the key can make
    with DecisionLog(backend.target, read_only=True) as log:
        log_id = log._meta["log_id"]
    for r in receipts:
        assert backend.row(r.sequence)[3] == r.checkpoint == record_mac(KEY, log_id,
                                                                        r.sequence, r.hash)
    assert json.loads(receipts[0].to_json())["sequence"] == 1
