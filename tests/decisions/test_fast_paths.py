"""The decision log's fast paths give the same answers as the plain definitions.

Appends read their rows back in bulk (one concatenated string per chunk) and ``verify``
hashes stored bytes with a precomputed HMAC prefix; these tests hold them to the
row-by-row and textbook spellings, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from riskassess.decisions import DecisionLog, FinalDecision, OverrideReason
from riskassess.decisions._chain import (
    GENESIS,
    Receipt,
    key_id,
    mac_function,
    record_hash,
    record_hash_bytes,
    record_mac,
)
from riskassess.decisions._checks import check_log
from riskassess.decisions._storage import (
    READBACK_SQL,
    LogStorage,
    Row,
    readback_line,
)
from riskassess.exceptions import AuditLogError

KEY = bytes(range(7, 39))
hex64 = st.text("0123456789abcdef", min_size=64, max_size=64)
# record text with the characters the read-back format uses as delimiters, and non-ASCII
texts = st.text(st.characters(codec="utf-8") | st.sampled_from(" ~=0123456789"), max_size=40)


@given(key=st.binary(min_size=1, max_size=200), log_id=st.text(max_size=40),
       seq=st.integers(1, 10**12), digest=hex64)
def test_the_precomputed_mac_is_the_textbook_hmac(key: bytes, log_id: str, seq: int,
                                                  digest: str) -> None:
    # keys longer than SHA-256's 64-byte block are hashed first: both sides of that edge
    assert mac_function(key, log_id)(seq, digest) == record_mac(key, log_id, seq, digest)


@given(prev=hex64, seq=st.integers(1, 10**12), text=texts)
def test_hashing_stored_bytes_is_hashing_the_text(prev: str, seq: int, text: str) -> None:
    assert record_hash_bytes(prev, seq, text.encode()) == record_hash(prev, seq, text)


rows = st.lists(st.tuples(st.integers(1, 10**6), hex64, texts, hex64, st.none() | hex64),
                max_size=4)


@given(first=rows, second=rows)
def test_read_back_text_tells_any_two_row_lists_apart(first: list[Row],
                                                      second: list[Row]) -> None:
    joined = ["".join(map(readback_line, r)) for r in (first, second)]
    assert (joined[0] == joined[1]) == (first == second)


@given(row=st.tuples(st.integers(1, 10**6), hex64, texts, hex64, st.none() | hex64))
def test_sqlite_makes_the_read_back_line_python_makes(row: Row) -> None:
    # the line SQLite builds for a stored row (PostgreSQL's read-back uses the same
    # format) is the line Python builds for the row it inserted
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE decisions (seq INTEGER PRIMARY KEY, record TEXT NOT NULL, "
               "prev_hash TEXT NOT NULL, hash TEXT NOT NULL, mac TEXT)")
    db.execute("INSERT INTO decisions (seq, prev_hash, record, hash, mac) VALUES "
               "(?, ?, ?, ?, ?)", row)
    assume("\x00" not in row[2])  # SQLite's length() of text stops at a NUL (JSON escapes it)
    stored = db.execute(f"SELECT {READBACK_SQL.format(mac='mac')} FROM decisions").fetchone()[0]
    assert stored == readback_line(row)


def _chain(n: int) -> list[Row]:
    out: list[Row] = []
    prev = GENESIS
    for seq in range(1, n + 1):
        text = f'{{"n":{seq},"t":"é{"x" * (seq % 3)}"}}'
        digest = record_hash(prev, seq, text)
        out.append((seq, prev, text, digest, record_mac(KEY, "L", seq, digest)))
        prev = digest
    return out


@settings(max_examples=60)
@given(n=st.integers(0, 9), edit=st.sampled_from(["none", "text", "drop", "swap", "mac"]),
       where=st.integers(0, 8), page=st.integers(1, 4))
def test_verify_in_pages_of_bytes_agrees_with_verify_of_rows(n: int, edit: str, where: int,
                                                             page: int) -> None:
    good = _chain(n)
    found = list(good)
    i = where % n if n else 0
    if n and edit == "text":
        s, p, r, h, m = found[i]
        found[i] = (s, p, r + " ", h, m)
    elif n and edit == "drop":
        del found[i]
    elif n > 1 and edit == "swap":
        j = (i + 1) % n  # two records change places; positions are read in order
        found[i], found[j] = (i + 1, *good[j][1:]), (j + 1, *good[i][1:])
    elif n and edit == "mac":
        s, p, r, h, _ = found[i]
        found[i] = (s, p, r, h, "0" * 64)
    encoded = [(s, p, r.encode(), h, m) for s, p, r, h, m in found]
    meta: dict[str, Any] = {"format": "2", "log_id": "L", "mac": "hmac-sha256",
                            "key_id": key_id(KEY)}
    receipts = [Receipt(s, h, m) for s, _, _, h, m in good]  # so a dropped tail shows too
    from_rows = check_log(lambda: iter(found), meta, key=KEY, receipts=receipts)
    in_pages = check_log(lambda: iter(found), meta, key=KEY, receipts=receipts,
                         pages=lambda: iter([encoded[k:k + page]
                                             for k in range(0, len(encoded), page)]))
    assert in_pages == from_rows
    assert from_rows.ok == (edit == "none" or (n < 2 and edit == "swap") or n == 0)


def _decisions(decision: Callable[..., FinalDecision]) -> list[FinalDecision]:
    # overrides carry a non-ASCII rationale: lengths are counted in characters by both
    # databases and by Python, which the bulk read-back relies on
    out = []
    for i in range(1, 8):
        made = decision(i)
        out.append(made if i % 2 else made.assessment.decide(
            "off-2", "high", reason=OverrideReason.PROTECTIVE_FACTORS,
            rationale=f"Logement stable, emploi confirmé — visite n° {i} ✓ 住所確認済み",
            decided_at=made.decided_at))
    return out


def test_the_bulk_read_back_matches_what_was_stored(backend, decision,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    def row_by_row(self: LogStorage, expected: list[Row], stored: list[Any]) -> None:
        raise AssertionError("the bulk read-back differed from the rows appended")

    monkeypatch.setattr(LogStorage, "confirm", row_by_row)
    monkeypatch.setattr("riskassess.decisions._storage.READBACK_CHUNK", 3)  # several chunks
    with DecisionLog(backend.target, key=KEY) as log:
        receipts = log.append_many(_decisions(decision))
        receipts.append(log.append(decision(9)))
        assert log.verify(receipts=receipts).ok and len(log) == 8


REWRITE = {
    "sqlite": ["CREATE TRIGGER raise_overrides BEFORE INSERT ON decisions "
               "WHEN NEW.record LIKE '%\"final_band\":\"high\"%' BEGIN "
               "INSERT INTO decisions (seq, record, prev_hash, hash, mac) VALUES (NEW.seq, "
               "replace(NEW.record, '\"final_band\":\"high\"', '\"final_band\":\"very high\"'), "
               "NEW.prev_hash, NEW.hash, NEW.mac); SELECT RAISE(IGNORE); END"],
    "postgres": ["CREATE FUNCTION raise_it() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                 "NEW.record := replace(NEW.record, '\"final_band\":\"high\"', "
                 "'\"final_band\":\"very high\"'); RETURN NEW; END $$",
                 "CREATE TRIGGER raise_overrides BEFORE INSERT ON decisions FOR EACH ROW "
                 "EXECUTE FUNCTION raise_it()"],
}


def test_a_trigger_that_rewrites_records_never_gets_a_receipt(
        backend, decision, monkeypatch: pytest.MonkeyPatch) -> None:
    with DecisionLog(backend.target, key=KEY) as log:
        log.append(decision(0))
    backend.sql(*[(s, ()) for s in REWRITE[backend.name]], drop_guards=False)
    monkeypatch.setattr("riskassess.decisions._storage.READBACK_CHUNK", 2)
    with DecisionLog(backend.target, key=KEY) as log:
        # blind the schema check: the read-back alone must see the rewritten content
        monkeypatch.setattr(type(log._store), "schema_problems", lambda self: [])
        # the override is the 4th of 5 rows: in the middle chunk, same row count
        batch = [decision(i) for i in range(1, 4)] + [decision(4, "low", "high"), decision(5)]
        with pytest.raises(AuditLogError, match="different content"):
            log.append_many(batch)
        assert len(log) == 1


def test_a_trigger_that_stores_records_as_blobs_never_gets_a_receipt(
        tmp_path, decision, monkeypatch: pytest.MonkeyPatch) -> None:
    # the same bytes as a BLOB: the read-back measures records in bytes, yet a BLOB must
    # never pass for the text (non-ASCII included, where bytes and characters differ)
    path = tmp_path / "log.sqlite"
    with DecisionLog(path, key=KEY) as log:
        log.append(decision(0))
    with sqlite3.connect(path) as db:
        db.execute("CREATE TRIGGER as_blob BEFORE INSERT ON decisions "
                   "WHEN typeof(NEW.record) = 'text' BEGIN "
                   "INSERT INTO decisions (seq, record, prev_hash, hash, mac) VALUES (NEW.seq, "
                   "CAST(NEW.record AS BLOB), NEW.prev_hash, NEW.hash, NEW.mac); "
                   "SELECT RAISE(IGNORE); END")
    with DecisionLog(path, key=KEY) as log:
        monkeypatch.setattr(type(log._store), "schema_problems", lambda self: [])
        with pytest.raises(AuditLogError, match="different content"):
            log.append_many(_decisions(decision))
        assert len(log) == 1


def test_a_blob_in_the_record_column_is_not_the_record(tmp_path, decision) -> None:
    path = tmp_path / "log.sqlite"
    with DecisionLog(path, key=KEY) as log:
        log.append_many([decision(i) for i in range(1, 4)])
    with sqlite3.connect(path) as db:  # the same bytes, stored as a BLOB
        db.execute("DROP TRIGGER decisions_no_update")
        db.execute("UPDATE decisions SET record = CAST(record AS BLOB) WHERE seq = 2")
        db.execute("CREATE TRIGGER decisions_no_update BEFORE UPDATE ON decisions BEGIN "
                   "SELECT RAISE(ABORT, 'the decision log is append-only'); END")
    with DecisionLog(path, key=KEY, read_only=True) as log:
        result = log.verify()
    assert not result.ok and ("edited", 2, 2) in [(p.kind, p.sequence, p.last)
                                                  for p in result.problems]
