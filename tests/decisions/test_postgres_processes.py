"""A PostgreSQL decision log under real concurrent processes, and writers killed mid-append.

* 8 processes x 500 keyed appends at once -> 4,000 records, one chain, every MAC valid;
* writers killed with SIGKILL while appending (singly and in batches) -> the log
  verifies with the key and the receipts, and every append a writer saw acknowledged
  is stored.

Every child runs under a timeout, so a hang fails the test instead of the CI job.
"""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from riskassess.decisions import DecisionLog
from riskassess.decisions._chain import Receipt

pytestmark = pytest.mark.slow

KEY = bytes(range(7, 39))

# A child: builds its decisions, waits for the start signal, appends, and writes each
# receipt to its ack file only after append() returned.
WORKER = r"""
import os, sys, time
from datetime import UTC, date, datetime, timedelta
from riskassess.decisions import Assessment, DecisionLog, ModelInfo
url, tag, n, batch, ack, go, key = sys.argv[1:8]
n, batch = int(n), int(batch)
t0 = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
model = ModelInfo(name="OGRS3", version="1", fingerprint="f" * 64)
def decision(i):
    a = Assessment(case_id=f"{tag}-{i}", assessment_date=date(2024, 3, 1), probability=0.5,
                   band="medium", model=model, input_sha256="0" * 64, created_at=t0)
    return a.decide(f"off-{tag}", decided_at=t0 + timedelta(seconds=i))
ds = [decision(i) for i in range(n)]
log = DecisionLog(url, key=bytes.fromhex(key), timeout=60)
fd = os.open(ack, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
os.write(fd, b"ready\n")
while not os.path.exists(go):
    time.sleep(0.005)
for start in range(0, n, batch):
    receipts = log.append_many(ds[start:start + batch])
    os.write(fd, "".join(r.to_json() + "\n" for r in receipts).encode())
log.close()
"""


def _spawn(url: str, tag: str, n: int, batch: int,
           tmp: Path) -> tuple[subprocess.Popen[bytes], Path]:
    ack = tmp / f"ack-{tag}.txt"
    proc = subprocess.Popen([sys.executable, "-c", WORKER, url, tag, str(n), str(batch),
                             str(ack), str(tmp / "go"), KEY.hex()], stderr=subprocess.PIPE)
    return proc, ack


def _receipts(ack: Path) -> list[Receipt]:
    if not ack.exists():
        return []
    lines = ack.read_text().split("\n")[:-1]  # a line without its newline was not acked
    return [Receipt.from_json(x) for x in lines if x != "ready"]


def _start(acks: list[Path], tmp: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while not all(a.exists() and "ready" in a.read_text() for a in acks):
        if time.monotonic() > deadline:
            pytest.fail("worker processes did not start within the timeout")
        time.sleep(0.02)
    (tmp / "go").touch()


def test_eight_processes_append_500_each_without_losing_one(pg_url: str, tmp_path: Path) -> None:
    DecisionLog(pg_url, key=KEY).close()
    procs = [_spawn(pg_url, f"P{k}", 500, 1, tmp_path) for k in range(8)]
    _start([a for _, a in procs], tmp_path)
    for proc, _ in procs:
        try:
            _, err = proc.communicate(timeout=300)
        except subprocess.TimeoutExpired:
            for p, _ in procs:
                p.kill()
            pytest.fail("an appending process hung for more than 300 s")
        assert proc.returncode == 0, err.decode()
    receipts = [r for _, ack in procs for r in _receipts(ack)]
    assert len(receipts) == 4000
    with DecisionLog(pg_url, key=KEY, read_only=True) as log:
        result = log.verify(receipts=receipts)
        ids = [d.case_id for d in log]
    assert result.ok and result.keyed and result.n_records == 4000, str(result)
    assert sorted(ids) == sorted(f"P{k}-{i}" for k in range(8) for i in range(500))
    # the writers really overlapped: run one after another, 8 writers switch 7 times
    switches = sum(a != b for a, b in itertools.pairwise(i.split("-")[0] for i in ids))
    assert switches > 7, "processes appended one after another, not concurrently"


@pytest.mark.parametrize(("batch", "min_acks"), [(1, 30), (50, 200)])
def test_writers_killed_mid_append_leave_a_verifiable_log(pg_url: str, tmp_path: Path,
                                                          batch: int, min_acks: int,
                                                          decision) -> None:  # type: ignore[no-untyped-def]
    DecisionLog(pg_url, key=KEY).close()
    procs = [_spawn(pg_url, f"K{k}", 20_000, batch, tmp_path) for k in range(3)]
    try:
        _start([a for _, a in procs], tmp_path)
        deadline = time.monotonic() + 120
        while sum(len(_receipts(a)) for _, a in procs) < min_acks:
            for proc, _ in procs:
                assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
            if time.monotonic() > deadline:
                pytest.fail("the writers did not acknowledge appends within 120 s")
            time.sleep(0.005)
        for proc, _ in procs:
            os.kill(proc.pid, signal.SIGKILL)
    finally:
        for proc, _ in procs:
            if proc.poll() is None:
                proc.kill()
            proc.wait(timeout=30)
    assert all(proc.returncode == -signal.SIGKILL for proc, _ in procs)
    receipts = [r for _, ack in procs for r in _receipts(ack)]
    with DecisionLog(pg_url, key=KEY) as log:
        result = log.verify(receipts=receipts)
        assert result.ok, str(result)
        stored = [d.case_id for d in log]
        # no lock or half-written transaction is left behind to block the next writer
        assert log.append(decision(1)).sequence == len(stored) + 1
    for _, ack in procs:
        tag = ack.stem.split("-")[1]
        mine = [int(c.split("-")[1]) for c in stored if c.startswith(f"{tag}-")]
        assert mine == list(range(len(mine))), "a writer's records are not a prefix"
        assert len(mine) % batch == 0, "a batch was partly written"
    assert len(stored) < 60_000, "the writers finished before they were killed"
