"""``riskassess log verify`` and ``DecisionLog(read_only=True)`` on evidence copies: they
never write, refuse what is not a decision log (exit 3), and take the key, receipts and
an anchored head on the command line. Also: keys, the integrity hook, old logs."""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from riskassess.cli import EXIT_BAD_INPUT, EXIT_CHECK_FAILED, EXIT_OK, main
from riskassess.decisions import DecisionLog, FinalDecision
from riskassess.decisions._chain import GENESIS, record_hash, record_mac
from riskassess.decisions._checks import check_log
from riskassess.decisions._keys import EnvironmentKey, FileKey, generate_key
from riskassess.exceptions import AuditLogError, DecisionError, NotADecisionLogError

KEY = bytes(range(7, 39))


def _fingerprint(folder: Path) -> dict[str, tuple[str, int]]:
    return {p.name: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
            for p in sorted(folder.iterdir())}


@pytest.fixture
def evidence(tmp_path: Path, decision: Callable[..., FinalDecision]) -> tuple[Path, Path]:
    """A keyed log copied as read-only evidence, its receipts file and key file."""
    log_path = tmp_path / "case" / "decisions.sqlite"
    with DecisionLog(log_path, key=KEY) as log:
        receipts = log.append_many([decision(i) for i in range(1, 6)])
    (tmp_path / "receipts.jsonl").write_text("".join(r.to_json() + "\n" for r in receipts))
    (tmp_path / "log.key").write_text(KEY.hex())
    log_path.chmod(0o444)
    log_path.parent.chmod(0o555)
    yield log_path, tmp_path
    log_path.parent.chmod(0o755)


def test_verify_of_a_read_only_copy_writes_nothing(evidence: tuple[Path, Path],
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    path, tmp = evidence
    before = _fingerprint(path.parent)
    args = ["log", "verify", str(path), "--key-file", str(tmp / "log.key"),
            "--receipts", str(tmp / "receipts.jsonl")]
    assert main(args) == EXIT_OK
    assert "keyed" in capsys.readouterr().out
    with DecisionLog(path, read_only=True) as log:
        head = log.head()
        with pytest.raises(AuditLogError, match="read-only"):
            log._store.append(lambda last, prev: [])
    assert main(["log", "verify", str(path), "--expected-head", str(head)]) == EXIT_OK
    assert _fingerprint(path.parent) == before  # no byte, no mtime, no -wal/-shm file


@pytest.mark.parametrize("content", [b"", b"hello, not a database " * 40])
def test_an_empty_or_foreign_file_is_not_a_decision_log_and_stays_as_it_was(
        tmp_path: Path, content: bytes, decision: Callable[..., FinalDecision]) -> None:
    path = tmp_path / "decisions.sqlite"
    path.write_bytes(content)
    assert main(["log", "verify", str(path)]) == EXIT_BAD_INPUT
    for read_only in (True, False):  # opening to write must not re-create an emptied log
        with pytest.raises(NotADecisionLogError):
            DecisionLog(path, read_only=read_only)
    assert path.read_bytes() == content and sorted(os.listdir(tmp_path)) == [path.name]


def test_a_foreign_sqlite_file_is_not_switched_to_wal(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE people (name TEXT)")
    con.commit()
    con.close()
    before = path.read_bytes()
    assert before[18:20] == b"\x01\x01"  # rollback journal, not WAL
    assert main(["log", "verify", str(path)]) == EXIT_BAD_INPUT
    with pytest.raises(NotADecisionLogError, match="not a decision log"):
        DecisionLog(path)
    assert path.read_bytes() == before and sorted(os.listdir(tmp_path)) == [path.name]


def test_a_copy_with_a_pending_write_ahead_log_is_read_in_full(
        tmp_path: Path, decision: Callable[..., FinalDecision]) -> None:
    path = tmp_path / "log.sqlite"
    log = DecisionLog(path, key=KEY)
    log.append_many([decision(i) for i in range(1, 4)])
    assert Path(f"{path}-wal").stat().st_size > 0  # records still in the -wal file
    with DecisionLog(path, key=KEY, read_only=True) as copy:
        assert copy.verify().n_records == 3
    log.close()


def test_command_line_exit_codes(tmp_path: Path, decision: Callable[..., FinalDecision],
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "log.sqlite"
    with DecisionLog(path, key=KEY) as log:
        log.append_many([decision(i) for i in range(1, 4)])
        head = log.head()
    monkeypatch.setenv("MY_LOG_KEY", KEY.hex())
    assert main(["log", "verify", str(path), "--key-env", "MY_LOG_KEY"]) == EXIT_OK
    monkeypatch.setenv("RISKASSESS_LOG_KEY", bytes(32).hex())  # the default variable: wrong
    assert main(["log", "verify", str(path)]) == EXIT_CHECK_FAILED
    monkeypatch.delenv("RISKASSESS_LOG_KEY")
    longer = f"{head.count + 2}:{head.hash}"
    assert main(["log", "verify", str(path), "--expected-head", longer]) == EXIT_CHECK_FAILED
    bad_receipts = tmp_path / "r.jsonl"
    bad_receipts.write_text('{"sequence": "one"}\n')
    assert main(["log", "verify", str(path), "--receipts", str(bad_receipts)]) == EXIT_BAD_INPUT
    with pytest.raises(SystemExit) as usage:
        main(["log", "verify", str(path), "--expected-head", "nonsense"])
    assert usage.value.code == 2
    assert main(["log", "stats", str(path)]) == EXIT_OK


def test_keys_come_from_the_environment_or_a_file_and_are_checked(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        decision: Callable[..., FinalDecision]) -> None:
    monkeypatch.setenv("K1", generate_key())
    assert len(EnvironmentKey("K1").key()) == 32
    monkeypatch.setenv("K1", "abcd")
    with pytest.raises(AuditLogError, match=r"K1.*at least 32"):
        EnvironmentKey("K1").key()
    raw = tmp_path / "raw.key"
    raw.write_bytes(os.urandom(48))
    assert FileKey(raw).key() == raw.read_bytes()
    with pytest.raises(AuditLogError, match="not a regular file"):
        FileKey(tmp_path).key()
    DecisionLog(tmp_path / "k.sqlite", key=KEY).close()
    with DecisionLog(tmp_path / "k.sqlite") as log, pytest.raises(
            AuditLogError, match="keyed: appending needs its key"):
        log.append(decision(1))
    with DecisionLog(tmp_path / "u.sqlite") as log, pytest.raises(AuditLogError, match="unkeyed"):
        DecisionLog(tmp_path / "u.sqlite", key=KEY).append(decision(1))


def test_a_decision_that_fails_its_integrity_check_is_not_stored(
        tmp_path: Path, decision: Callable[..., FinalDecision],
        monkeypatch: pytest.MonkeyPatch) -> None:
    class Changed(ValueError):
        pass

    def refuse(self: FinalDecision) -> None:
        if self.case_id == "C-2":
            raise Changed(f"case {self.case_id!r}: changed after creation")

    # the log checks a decision where it serialises it (one pass); either hook refuses
    monkeypatch.setattr(FinalDecision, "_check_integrity", refuse, raising=False)
    original = FinalDecision._canonical_json

    def refuse_json(self: FinalDecision) -> str:
        refuse(self)
        return original(self)

    monkeypatch.setattr(FinalDecision, "_canonical_json", refuse_json)
    with DecisionLog(tmp_path / "log.sqlite", key=KEY) as log:
        with pytest.raises(Changed, match="C-2"):
            log.append_many([decision(1), decision(2)])
        assert len(log) == 0
    # and for real: a decision edited after it was made is refused, nothing is stored
    monkeypatch.undo()
    edited = decision(2)
    object.__setattr__(edited, "final_band", "very high")
    with DecisionLog(tmp_path / "log2.sqlite", key=KEY) as log:
        with pytest.raises(DecisionError, match="changed after"):
            log.append_many([decision(1), edited])
        assert len(log) == 0


def test_a_format_1_log_still_reads_verifies_and_appends(
        tmp_path: Path, decision: Callable[..., FinalDecision]) -> None:
    from riskassess.decisions._sqlite import _SCHEMA_V1

    path = tmp_path / "old.sqlite"
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode = WAL")
    for statement in _SCHEMA_V1:
        con.execute(statement)
    con.execute("INSERT INTO log_meta VALUES ('format', 'riskassess-decision-log/1')")
    con.commit()
    con.close()
    with DecisionLog(path) as log:
        assert log.append(decision(1)).checkpoint is None
        result = log.verify()
    assert result.ok and any("format 1" in w for w in result.warnings)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.text(max_size=30), min_size=1, max_size=12), st.data())
def test_any_rewrite_with_recomputed_hashes_is_forged_from_that_record_on(
        texts: list[str], data: st.DataObject) -> None:
    meta = {"format": "2", "log_id": "L", "mac": "hmac-sha256"}
    from riskassess.decisions._chain import key_id

    meta["key_id"] = key_id(KEY)

    def chain(records: list[str], macs: list[str] | None = None) -> list[tuple]:  # type: ignore[type-arg]
        rows, prev = [], GENESIS
        for seq, text in enumerate(records, start=1):
            digest = record_hash(prev, seq, text)
            mac = record_mac(KEY, "L", seq, digest) if macs is None else macs[seq - 1]
            rows.append((seq, prev, text, digest, mac))
            prev = digest
        return rows

    good = chain(texts)
    assert check_log(lambda: iter(good), meta, key=KEY).ok
    at = data.draw(st.integers(0, len(texts) - 1))
    edited = [*texts[:at], texts[at] + "!", *texts[at + 1:]]
    # the attacker recomputes every hash but can only keep the old MACs (no key)
    forged = chain(edited, macs=[r[4] for r in good])
    result = check_log(lambda: iter(forged), meta, key=KEY)
    assert [(p.kind, p.sequence, p.last) for p in result.problems] == [
        ("forged", at + 1, len(texts))]
    assert check_log(lambda: iter(forged), meta).ok  # without the key it cannot be seen ...
    assert check_log(lambda: iter(forged), meta).warnings  # ... and the result says so
