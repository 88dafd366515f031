"""DecisionLog under real processes and direct edits of the database file.

* 4 processes x 1,000 durable appends at once -> 4,000 records, one valid chain;
* a process killed with SIGKILL while appending (singly or in batches) -> the log
  verifies and every append the child saw acknowledged is present;
* records edited, re-hashed, deleted, reordered or inserted with the sqlite3 command
  layer (triggers dropped, as an attacker would) -> ``verify()`` fails and names them.

Every child process runs under a timeout so a hang fails the test instead of CI.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from riskassess.decisions import Assessment, DecisionLog, FinalDecision, ModelInfo
from riskassess.decisions._verify import record_hash

pytestmark = pytest.mark.slow

T0 = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)

# A child: builds its decisions first, waits for the start signal, then appends,
# writing each acknowledged case id to its ack file only after append() returned.
WORKER = r"""
import os, sys, time
from datetime import UTC, date, datetime, timedelta
from riskassess.decisions import DecisionLog
from riskassess.decisions import Assessment, ModelInfo
path, tag, n, batch, ack, go = sys.argv[1:7]
n, batch = int(n), int(batch)
t0 = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
model = ModelInfo(name="OGRS3", version="1", fingerprint="f" * 64)
def decision(i):
    a = Assessment(case_id=f"{tag}-{i}", assessment_date=date(2024, 3, 1), probability=0.5,
                   band="medium", model=model, input_sha256="0" * 64, created_at=t0)
    return a.decide(f"off-{tag}", decided_at=t0 + timedelta(seconds=i))
ds = [decision(i) for i in range(n)]
log = DecisionLog(path, timeout=60)
fd = os.open(ack, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
os.write(fd, b"ready\n")
while not os.path.exists(go):
    time.sleep(0.005)
for start in range(0, n, batch):
    chunk = ds[start:start + batch]
    if batch == 1:
        log.append(chunk[0])
    else:
        log.append_many(chunk)
    os.write(fd, "".join(d.case_id + "\n" for d in chunk).encode())
log.close()
"""


def _spawn(path: Path, tag: str, n: int, batch: int,
           tmp: Path) -> tuple[subprocess.Popen[bytes], Path]:
    ack = tmp / f"ack-{tag}.txt"
    proc = subprocess.Popen(
        [sys.executable, "-c", WORKER, str(path), tag, str(n), str(batch), str(ack),
         str(tmp / "go")], stderr=subprocess.PIPE)
    return proc, ack


def _acked(ack: Path) -> list[str]:
    if not ack.exists():
        return []
    text = ack.read_text()
    lines = text.split("\n")[:-1]  # a line without its newline was not fully acknowledged
    return [x for x in lines if x != "ready"]


def _wait_ready(acks: list[Path], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not all(a.exists() and "ready" in a.read_text() for a in acks):
        if time.monotonic() > deadline:
            pytest.fail("worker processes did not start within the timeout")
        time.sleep(0.02)


def test_four_processes_append_at_once_without_losing_a_record(tmp_path: Path) -> None:
    db = tmp_path / "log.sqlite"
    DecisionLog(db).close()
    procs = [_spawn(db, f"P{k}", 1000, 1, tmp_path) for k in range(4)]
    _wait_ready([a for _, a in procs])
    (tmp_path / "go").touch()
    for proc, _ in procs:
        try:
            _, err = proc.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            for p, _ in procs:
                p.kill()
            pytest.fail("an appending process hung for more than 120 s")
        assert proc.returncode == 0, err.decode()
    with DecisionLog(db) as log:
        result = log.verify()
        assert result.ok, str(result)
        assert result.n_records == 4000 and log.head().count == 4000
        ids = [d.case_id for d in log]
    assert sorted(ids) == sorted(f"P{k}-{i}" for k in range(4) for i in range(1000))
    # appends interleaved: the processes really ran at the same time. Four processes run
    # one after another switch tag exactly 3 times; any overlap switches more often (the
    # SQLite lock may still let one process take a long run, so no window is assumed).
    tags = [i.split("-")[0] for i in ids]
    switches = sum(a != b for a, b in itertools.pairwise(tags))
    assert switches > 3, "processes appended one after another, not concurrently"
    for _, ack in procs:
        assert len(_acked(ack)) == 1000


@pytest.mark.parametrize(("batch", "min_acks", "delay"), [(1, 40, 0.0), (1, 120, 0.013),
                                                          (250, 500, 0.007)])
def test_sigkill_mid_append_leaves_a_valid_log_with_every_acknowledged_record(
        tmp_path: Path, batch: int, min_acks: int, delay: float) -> None:
    db = tmp_path / "log.sqlite"
    proc, ack = _spawn(db, "K", 20_000, batch, tmp_path)
    try:
        _wait_ready([ack])
        (tmp_path / "go").touch()
        deadline = time.monotonic() + 60
        while len(_acked(ack)) < min_acks:
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
            if time.monotonic() > deadline:
                pytest.fail("the child did not acknowledge appends within 60 s")
            time.sleep(0.002)
        time.sleep(delay)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    acked = _acked(ack)
    with DecisionLog(db) as log:
        result = log.verify()
        assert result.ok, str(result)
        stored = [d.case_id for d in log]
    assert set(acked) <= set(stored), "an acknowledged append was lost"
    assert len(stored) % batch == 0, "a batch was partly written"
    assert stored == [f"K-{i}" for i in range(len(stored))]
    assert len(stored) < 20_000, "the child finished before it was killed"


# -- direct edits of the database file ------------------------------------------------


def _decision(i: int) -> FinalDecision:
    a = Assessment(case_id=f"C-{i}", assessment_date=date(2024, 3, 1), probability=0.4,
                   band="low", model=ModelInfo(name="OGRS3", version="1", fingerprint="f"),
                   input_sha256="0" * 64, created_at=T0)
    return a.decide("off-1", decided_at=T0 + timedelta(hours=i))


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "log.sqlite"
    with DecisionLog(path) as log:
        log.append_many([_decision(i) for i in range(1, 11)])
        assert log.verify().ok
    return path


def _attack(path: Path, *sql: tuple[str, tuple[object, ...]]) -> None:
    """Edit with the guards dropped, then put them back: only the chain can tell.

    (A missing guard is itself reported; see tests/decisions/test_tamper.py.)
    """
    con = sqlite3.connect(path)
    guards = {name: text for name, text in con.execute(
        "SELECT name, sql FROM sqlite_master WHERE name LIKE 'decisions_no_%'")}
    for name in guards:
        con.execute(f"DROP TRIGGER {name}")
    for statement, params in sql:
        con.execute(statement, params)
    for text in guards.values():
        con.execute(text)
    con.commit()
    con.close()


def _row(path: Path, seq: int) -> tuple[str, str, str]:
    con = sqlite3.connect(path)
    row = con.execute("SELECT prev_hash, record, hash FROM decisions WHERE seq = ?",
                      (seq,)).fetchone()
    con.close()
    return str(row[0]), str(row[1]), str(row[2])


def _verify(path: Path) -> list[tuple[str, int, int]]:
    with DecisionLog(path, read_only=True) as log:
        result = log.verify()
    assert not result.ok and not bool(result)
    return [(p.kind, p.sequence, p.last) for p in result.problems]


def test_an_edited_record_is_named(db: Path) -> None:
    _, rec, _ = _row(db, 5)
    assert '"final_band":"low"' in rec
    _attack(db, ("UPDATE decisions SET record = ? WHERE seq = 5",
                 (rec.replace('"final_band":"low"', '"final_band":"high"'),)))
    assert _verify(db) == [("edited", 5, 5)]


def test_an_edited_record_with_a_recomputed_hash_is_named(db: Path) -> None:
    prev, rec, _ = _row(db, 5)
    forged = rec.replace('"officer_id":"off-1"', '"officer_id":"off-2"')
    _attack(db, ("UPDATE decisions SET record = ?, hash = ? WHERE seq = 5",
                 (forged, record_hash(prev, 5, forged))))
    assert _verify(db) == [("edited", 5, 5)]


@pytest.mark.parametrize(("where", "expected"), [
    ("seq = 5", [("deleted", 5, 5)]),
    ("seq BETWEEN 4 AND 7", [("deleted", 4, 7)]),
    ("seq = 1", [("deleted", 1, 1)]),
])
def test_deleted_records_are_named(db: Path, where: str, expected: list[object]) -> None:
    _attack(db, (f"DELETE FROM decisions WHERE {where}", ()))
    assert _verify(db) == expected


def test_deleting_the_tail_needs_an_anchored_head(db: Path) -> None:
    with DecisionLog(db) as log:
        anchor = log.head()
    _attack(db, ("DELETE FROM decisions WHERE seq >= 9", ()))
    with DecisionLog(db) as log:
        assert log.verify().ok  # undetectable from inside the file (documented) ...
        result = log.verify(expected_head=anchor)  # ... but not against a kept head
    assert [(p.kind, p.sequence, p.last) for p in result.problems] == [("deleted", 9, 10)]


def test_swapped_records_are_reported_as_reordered(db: Path) -> None:
    r4, r6 = _row(db, 4), _row(db, 6)
    _attack(db, ("UPDATE decisions SET prev_hash = ?, record = ?, hash = ? WHERE seq = 4", r6),
            ("UPDATE decisions SET prev_hash = ?, record = ?, hash = ? WHERE seq = 6", r4))
    assert _verify(db) == [("reordered", 4, 4), ("reordered", 6, 6)]


def test_a_record_moved_to_the_end_is_reported_as_reordered(db: Path) -> None:
    _attack(db, ("UPDATE decisions SET seq = 11 WHERE seq = 2", ()))
    assert _verify(db) == [("reordered", 2, 2)]


def test_a_replayed_copy_is_reported_as_inserted(db: Path) -> None:
    prev, rec, h = _row(db, 3)
    _attack(db, ("INSERT INTO decisions (seq, record, prev_hash, hash) VALUES (11, ?, ?, ?)",
                 (rec, prev, h)))
    assert _verify(db) == [("inserted", 11, 11)]


def test_a_forged_record_inserted_in_the_middle_is_named(db: Path) -> None:
    prev5 = _row(db, 5)[2]
    forged = json.dumps({"forged": True})
    _attack(db,
            ("UPDATE decisions SET seq = -seq WHERE seq >= 6", ()),
            ("UPDATE decisions SET seq = 1 - seq WHERE seq < 0", ()),
            ("INSERT INTO decisions (seq, record, prev_hash, hash) VALUES (6, ?, ?, ?)",
             (forged, prev5, record_hash(prev5, 6, forged))))
    problems = _verify(db)
    assert ("inserted", 6, 6) in problems
    assert problems == [("inserted", 6, 6), ("reordered", 6, 10)]


def test_a_forged_record_appended_with_a_wrong_link_is_caught(db: Path) -> None:
    forged = json.dumps({"forged": True})
    _attack(db, ("INSERT INTO decisions (seq, record, prev_hash, hash) VALUES (11, ?, ?, ?)",
                 (forged, "1" * 64, record_hash("1" * 64, 11, forged))))
    problems = _verify(db)
    assert problems and problems[0][1] in (10, 11)
