"""The SQLite append's read-back (rows fetched back a chunk at a time, compared with one
``==``) accepts exactly the rows appended and refuses any other.

Each property runs over batch sizes and chunk sizes, so a difference in the first, a
middle or the last chunk (the one read without an upper bound) is exercised; records carry
non-ASCII text, where characters and UTF-8 bytes differ.
"""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from riskassess.decisions import DecisionLog, FinalDecision, OverrideReason
from riskassess.decisions._sqlite import _SCHEMA_V2
from riskassess.decisions._storage import LogStorage, Row
from riskassess.exceptions import AuditLogError

KEY = bytes(range(7, 39))
RATIONALE = "Logement stable, emploi confirmé — visite n° {i} ✓ 住所確認済み"


Decide = Callable[..., FinalDecision]
# the ``decision`` fixture is a pure factory: safe to share between hypothesis examples
_EXAMPLES = {"deadline": None, "suppress_health_check": [HealthCheck.function_scoped_fixture]}


def _batch(decision: Decide, n: int) -> list[FinalDecision]:
    """n decisions (2..n+1), every other one an override with a non-ASCII rationale."""
    out = []
    for i in range(2, n + 2):
        made = decision(i)
        out.append(made if i % 2 else made.assessment.decide(
            "off-2", "high", reason=OverrideReason.PROTECTIVE_FACTORS,
            rationale=RATIONALE.format(i=i), decided_at=made.decided_at + timedelta(hours=1)))
    return out


def _bulk_only(self: LogStorage, expected: list[Row], stored: list[Any]) -> None:
    raise AssertionError("the chunked read-back differed from the rows appended")


@settings(max_examples=25, **_EXAMPLES)
@given(n=st.integers(1, 9), chunk=st.integers(1, 4))
def test_the_rows_appended_pass_the_read_back_chunk_by_chunk(decision: Decide, n: int,
                                                             chunk: int) -> None:
    batch = _batch(decision, n)
    with tempfile.TemporaryDirectory() as tmp, pytest.MonkeyPatch.context() as mp:
        # the row-by-row fallback must never be needed when nothing interferes
        mp.setattr(LogStorage, "confirm", _bulk_only)
        mp.setattr("riskassess.decisions._storage.READBACK_CHUNK", chunk)
        with DecisionLog(Path(tmp) / "log.sqlite", key=KEY) as log:
            first = log.append(decision(1))
            receipts = [first, *log.append_many(batch)]
            assert log.read() == [decision(1), *batch]
            assert log.verify(receipts=receipts).ok


# What a planted trigger does to the row with sequence number TARGET: each edit changes
# one thing a receipt would vouch for (the text, a hash, the MAC, the type of the record,
# the position) or drops the row or adds one.
_FLIP = "(CASE WHEN substr({c}, 1, 1) = '0' THEN '1' ELSE '0' END || substr({c}, 2))"
_VALUES = {
    "text": "NEW.seq, NEW.record || ' ', NEW.prev_hash, NEW.hash, NEW.mac",
    "prev_hash": f"NEW.seq, NEW.record, {_FLIP.format(c='NEW.prev_hash')}, NEW.hash, NEW.mac",
    "hash": f"NEW.seq, NEW.record, NEW.prev_hash, {_FLIP.format(c='NEW.hash')}, NEW.mac",
    "mac": f"NEW.seq, NEW.record, NEW.prev_hash, NEW.hash, {_FLIP.format(c='NEW.mac')}",
    "blob": "NEW.seq, CAST(NEW.record AS BLOB), NEW.prev_hash, NEW.hash, NEW.mac",
    # text that is not UTF-8 cannot be read back as a str: the read fails, and so does
    # the append
    "not_utf8": "NEW.seq, CAST(x'7bff7d' AS TEXT), NEW.prev_hash, NEW.hash, NEW.mac",
    "moved": "NEW.seq + 1000000, NEW.record, NEW.prev_hash, NEW.hash, NEW.mac",
}
_COLUMNS = "(seq, record, prev_hash, hash, mac)"


def _trigger(edit: str, target: int) -> str:
    if edit == "dropped":
        return (f"CREATE TRIGGER planted BEFORE INSERT ON decisions WHEN NEW.seq = {target} "
                "BEGIN SELECT RAISE(IGNORE); END")
    if edit == "added":
        return (f"CREATE TRIGGER planted AFTER INSERT ON decisions WHEN NEW.seq = {target} "
                f"BEGIN INSERT INTO decisions {_COLUMNS} VALUES (NEW.seq + 1000000, "
                "NEW.record, NEW.prev_hash, NEW.hash, NEW.mac); END")
    return (f"CREATE TRIGGER planted BEFORE INSERT ON decisions WHEN NEW.seq = {target} "
            f"BEGIN INSERT INTO decisions {_COLUMNS} VALUES ({_VALUES[edit]}); "
            "SELECT RAISE(IGNORE); END")


@settings(max_examples=40, **_EXAMPLES)
@given(n=st.integers(1, 7), chunk=st.integers(1, 3), where=st.integers(0, 6),
       edit=st.sampled_from([*_VALUES, "dropped", "added"]))
def test_a_row_stored_otherwise_than_appended_never_gets_a_receipt(decision: Decide, n: int,
                                                                    chunk: int, where: int,
                                                                    edit: str) -> None:
    target = 2 + where % n  # record 1 is already in the log; the batch is 2..n+1
    with tempfile.TemporaryDirectory() as tmp, pytest.MonkeyPatch.context() as mp:
        path = Path(tmp) / "log.sqlite"
        with DecisionLog(path, key=KEY) as log:
            log.append(decision(1))
        with sqlite3.connect(path) as db:
            db.execute(_trigger(edit, target))
        mp.setattr("riskassess.decisions._storage.READBACK_CHUNK", chunk)
        with DecisionLog(path, key=KEY) as log:
            # blind the schema check: the read-back alone must see what the trigger did
            mp.setattr(type(log._store), "schema_problems", lambda self: [])
            with pytest.raises(AuditLogError, match="cannot append to"):
                log.append_many(_batch(decision, n))
            assert len(log) == 1  # rolled back: not even the rows before the edit


def test_a_utf16_database_reads_back_and_verifies(tmp_path: Path, decision: Decide) -> None:
    # a log copied into a UTF-16 database (SQLite converts the text): its records come
    # back as the same characters, so appends pass the read-back and verify hashes UTF-8
    source = tmp_path / "log.sqlite"
    with DecisionLog(source, key=KEY) as log:
        log.append(decision(1))
    copy = tmp_path / "utf16.sqlite"
    with sqlite3.connect(source) as old, sqlite3.connect(copy) as new:
        new.execute("PRAGMA encoding = 'UTF-16le'")
        for statement in _SCHEMA_V2:
            new.execute(statement)
        new.executemany("INSERT INTO log_meta VALUES (?, ?)",
                        old.execute("SELECT key, value FROM log_meta"))
        new.executemany("INSERT INTO decisions VALUES (?, ?, ?, ?, ?)",
                        old.execute("SELECT seq, record, prev_hash, hash, mac FROM decisions"))
        assert new.execute("PRAGMA encoding").fetchone()[0].upper().startswith("UTF-16")
    with pytest.MonkeyPatch.context() as mp, DecisionLog(copy, key=KEY) as log:
        mp.setattr(LogStorage, "confirm", _bulk_only)
        receipts = log.append_many(_batch(decision, 5))
        assert log.verify(receipts=receipts).ok
        assert log.read()[1:] == _batch(decision, 5)
