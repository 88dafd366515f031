"""The tamper-evident, append-only decision log.

:class:`DecisionLog` stores every :class:`~riskassess.decision.FinalDecision` in an
embedded SQLite file (standard library ``sqlite3``):

* **durable**: WAL journal with ``synchronous=FULL``, so an append that has returned
  survives a crash or power cut;
* **atomic**: each append (or :meth:`DecisionLog.append_many` batch) is one transaction;
  an error or a kill part-way leaves the log as it was, and it verifies;
* **concurrent**: several processes may append at once; ``BEGIN IMMEDIATE`` makes
  "read the last hash, insert the next record" one serialised step (with a busy
  timeout), so no record is lost and the chain never forks;
* **append-only**: SQL triggers refuse ``UPDATE`` and ``DELETE``; anyone who gets round
  them (editing the file) is caught by :meth:`DecisionLog.verify`;
* **tamper-evident**: each record holds its canonical JSON (:func:`canonical_json`),
  the SHA-256 of the previous record and its own SHA-256 over (previous hash, sequence
  number, JSON); see :mod:`riskassess.decisions._verify` for what ``verify`` can tell apart.

Only pseudonymous ids are stored (case and officer ids are validated pseudonyms).

Examples
--------
>>> import tempfile
>>> from pathlib import Path
>>> from datetime import UTC, date, datetime
>>> from riskassess.decisions._records import Assessment, ModelInfo
>>> a = Assessment(case_id="C-1", assessment_date=date(2024, 3, 1), probability=0.3,
...                band="low", model=ModelInfo(name="m", version="1", fingerprint="x"),
...                input_sha256="0" * 64, created_at=datetime(2024, 3, 1, tzinfo=UTC))
>>> d = a.decide("off-1", decided_at=datetime(2024, 3, 2, tzinfo=UTC))
>>> with tempfile.TemporaryDirectory() as tmp:
...     with DecisionLog(Path(tmp) / "decisions.sqlite") as log:
...         log.append(d)
...         log.read() == [d], log.verify().ok
1
(True, True)
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal

from riskassess._atomic import atomic_writer
from riskassess.decisions._records import FinalDecision, _final_decision_from_json
from riskassess.decisions._verify import (
    GENESIS,
    LogHead,
    LogProblem,
    VerifyResult,
    diagnose,
    record_hash,
)
from riskassess.exceptions import AuditLogError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "GENESIS",
    "DecisionLog",
    "LogHead",
    "LogProblem",
    "VerifyResult",
    "canonical_json",
    "record_hash",
    "verify_jsonl",
]

_FORMAT = "riskassess-decision-log/1"
_JSONL_LINE = re.compile(
    r'^\{"sequence":(-?\d+),"prev_hash":"([0-9a-f]{64})","hash":"([0-9a-f]{64})",'
    r'"decision":(.*)\}$', re.DOTALL)

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS log_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS decisions (seq INTEGER PRIMARY KEY, record TEXT NOT NULL, "
    "prev_hash TEXT NOT NULL, hash TEXT NOT NULL)",
    "CREATE TRIGGER IF NOT EXISTS decisions_no_update BEFORE UPDATE ON decisions "
    "BEGIN SELECT RAISE(ABORT, 'the decision log is append-only'); END",
    "CREATE TRIGGER IF NOT EXISTS decisions_no_delete BEFORE DELETE ON decisions "
    "BEGIN SELECT RAISE(ABORT, 'the decision log is append-only'); END",
)


def canonical_json(decision: FinalDecision) -> str:
    """The canonical JSON of a decision: the text that is stored and hashed.

    Fields in schema (declaration) order, no whitespace, UTF-8, floats in shortest
    round-trip form, datetimes in ISO 8601 UTC (pydantic's JSON serialiser). The same
    decision always gives the same text, and reading the text back gives an equal
    decision; ``verify`` hashes the stored text itself, so records written by an older
    schema still verify.

    Examples
    --------
    >>> from datetime import UTC, date, datetime
    >>> from riskassess.decisions._records import Assessment, ModelInfo
    >>> a = Assessment(case_id="C-1", assessment_date=date(2024, 3, 1), probability=0.3,
    ...                band="low", model=ModelInfo(name="m", version="1", fingerprint="x"),
    ...                input_sha256="0" * 64, created_at=datetime(2024, 3, 1, tzinfo=UTC))
    >>> text = canonical_json(a.decide("off-1", decided_at=datetime(2024, 3, 2, tzinfo=UTC)))
    >>> text[-84:]
    '"direction":null,"reason":null,"rationale":null,"decided_at":"2024-03-02T00:00:00Z"}'
    """
    if not isinstance(decision, FinalDecision):
        raise TypeError(f"expected a FinalDecision (from Assessment.decide), got {type(decision)}")
    return decision.model_dump_json()


class DecisionLog:
    """Append-only, hash-chained store of final decisions in one SQLite file.

    Parameters
    ----------
    path : str or Path
        The database file; created (with its directory) when missing.
    timeout : float, default 30.0
        Seconds to wait for another process's append before failing.
    synchronous : {"FULL", "EXTRA"}, default "FULL"
        SQLite durability level (both make a returned append survive a crash).

    Raises
    ------
    AuditLogError
        If the file is not a decision log or cannot be opened.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from datetime import UTC, date, datetime
    >>> from riskassess.decisions._records import Assessment, ModelInfo
    >>> a = Assessment(case_id="C-1", assessment_date=date(2024, 3, 1), probability=0.7,
    ...                band="high", model=ModelInfo(name="m", version="1", fingerprint="x"),
    ...                input_sha256="0" * 64, created_at=datetime(2024, 3, 1, tzinfo=UTC))
    >>> agree = a.decide("off-1", decided_at=datetime(2024, 3, 2, tzinfo=UTC))
    >>> lower = a.decide("off-2", "medium", reason="protective_factors",
    ...                  rationale="Stable housing and full-time work since release.",
    ...                  decided_at=datetime(2024, 3, 2, tzinfo=UTC))
    >>> with tempfile.TemporaryDirectory() as tmp, DecisionLog(Path(tmp) / "log.sqlite") as log:
    ...     log.append_many([agree, lower])
    ...     head = log.head()
    ...     print(len(log), head.count, log.verify())  # doctest: +ELLIPSIS
    ...     frame = log.to_frame()
    [1, 2]
    2 2 decision log ok: 2 records, head ...
    >>> frame[["case_id", "officer_id", "model_band", "final_band", "override"]]
      case_id officer_id model_band final_band  override
    0     C-1      off-1       high       high     False
    1     C-1      off-2       high     medium      True

    The file is append-only: SQL refuses edits, and edits made round SQLite are found by
    :meth:`verify`.

    >>> import sqlite3
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = Path(tmp) / "log.sqlite"
    ...     with DecisionLog(path) as log:
    ...         _ = log.append(agree)
    ...     with sqlite3.connect(path) as db:
    ...         db.execute("DELETE FROM decisions")
    Traceback (most recent call last):
    ...
    sqlite3.IntegrityError: the decision log is append-only
    """

    def __init__(self, path: str | os.PathLike[str], *, timeout: float = 30.0,
                 synchronous: Literal["FULL", "EXTRA"] = "FULL") -> None:
        self._path = Path(path)
        if synchronous not in ("FULL", "EXTRA"):
            raise ValueError(f"synchronous must be 'FULL' or 'EXTRA', got {synchronous!r}")
        self._lock = threading.RLock()
        try:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self._path, timeout=timeout, isolation_level=None,
                                   check_same_thread=False)
        except (OSError, sqlite3.Error) as exc:
            raise AuditLogError(f"cannot open decision log {str(self._path)!r}: {exc}") from exc
        self._conn: sqlite3.Connection | None = conn
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise AuditLogError(f"decision log {str(self._path)!r}: WAL mode refused ({mode})")
            conn.execute(f"PRAGMA synchronous = {synchronous}")
            self._init_schema()
        except sqlite3.Error as exc:
            conn.close()
            self._conn = None
            raise AuditLogError(f"{str(self._path)!r} is not a usable decision log: {exc}") from exc
        except BaseException:
            conn.close()
            self._conn = None
            raise

    def _init_schema(self) -> None:
        conn = self._db
        fmt = self._format()
        if fmt == _FORMAT:
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
            if tables - {"log_meta", "decisions", "decisions_no_update", "decisions_no_delete"}:
                raise AuditLogError(
                    f"{str(self._path)!r} is an SQLite file but not a decision log "
                    f"(tables {sorted(tables)})"
                )
            for statement in _SCHEMA:
                conn.execute(statement)
            conn.execute("INSERT OR IGNORE INTO log_meta VALUES ('format', ?)", (_FORMAT,))
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        if self._format() != _FORMAT:
            raise AuditLogError(f"{str(self._path)!r}: unsupported log format {self._format()!r}")

    def _format(self) -> str | None:
        try:
            row = self._db.execute("SELECT value FROM log_meta WHERE key = 'format'").fetchone()
        except sqlite3.OperationalError:
            return None
        return None if row is None else str(row[0])

    @property
    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            raise AuditLogError(f"decision log {str(self._path)!r} is closed")
        return self._conn

    @property
    def path(self) -> Path:
        """The database file."""
        return self._path

    # -- writing -----------------------------------------------------------------------

    def append(self, decision: FinalDecision) -> int:
        """Append one decision durably; return its sequence number (1-based).

        When this returns, the record is committed and synced to disk.
        """
        return self.append_many([decision])[0]

    def append_many(self, decisions: Iterable[FinalDecision]) -> list[int]:
        """Append decisions in one transaction (all or none); return their sequence numbers."""
        texts = [canonical_json(d) for d in decisions]
        if not texts:
            return []
        with self._lock:
            conn = self._db
            try:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    row = conn.execute(
                        "SELECT seq, hash FROM decisions ORDER BY seq DESC LIMIT 1").fetchone()
                    seq, prev = (0, GENESIS) if row is None else (int(row[0]), str(row[1]))
                    first = seq + 1
                    rows = []
                    for text in texts:
                        seq += 1
                        h = record_hash(prev, seq, text)
                        rows.append((seq, text, prev, h))
                        prev = h
                    conn.executemany(
                        "INSERT INTO decisions (seq, record, prev_hash, hash) VALUES (?, ?, ?, ?)",
                        rows)
                    conn.execute("COMMIT")
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
            except sqlite3.Error as exc:
                raise AuditLogError(f"cannot append to {str(self._path)!r}: {exc}") from exc
        return list(range(first, first + len(texts)))

    # -- reading -----------------------------------------------------------------------

    def _rows(self, columns: str) -> Iterator[tuple[Any, ...]]:
        with self._lock:
            try:
                rows = self._db.execute(f"SELECT {columns} FROM decisions ORDER BY seq").fetchall()
            except sqlite3.Error as exc:
                raise AuditLogError(f"cannot read {str(self._path)!r}: {exc}") from exc
        yield from rows

    def __iter__(self) -> Iterator[FinalDecision]:
        for seq, text in self._rows("seq, record"):
            try:
                yield _final_decision_from_json(text)
            except ValueError as exc:
                raise AuditLogError(f"record {seq} of {str(self._path)!r} is not a valid "
                                    f"decision: {exc}") from exc

    def read(self) -> list[FinalDecision]:
        """Every decision, in the order appended (equal to the objects appended)."""
        return list(self)

    def _one(self, sql: str) -> tuple[Any, ...] | None:
        with self._lock:
            try:
                row: tuple[Any, ...] | None = self._db.execute(sql).fetchone()
            except sqlite3.Error as exc:
                raise AuditLogError(f"cannot read {str(self._path)!r}: {exc}") from exc
        return row

    def __len__(self) -> int:
        row = self._one("SELECT count(*) FROM decisions")
        return 0 if row is None else int(row[0])

    def head(self) -> LogHead:
        """Number of records and the last hash: keep it elsewhere to anchor the chain."""
        row = self._one("SELECT seq, hash FROM decisions ORDER BY seq DESC LIMIT 1")
        return LogHead(0, GENESIS) if row is None else LogHead(int(row[0]), str(row[1]))

    def verify(self, *, expected_head: LogHead | None = None, deep: bool = False) -> VerifyResult:
        """Check the hash chain; say which records were edited, deleted, reordered, inserted.

        Parameters
        ----------
        expected_head : LogHead, optional
            A head kept outside the log; detects deleted tails and rewritten chains.
        deep : bool, default False
            Also re-validate every record as a FinalDecision.

        Returns
        -------
        VerifyResult
            Truthy when intact; ``problems`` names the records otherwise
            (``raise_if_tampered()`` raises :class:`~riskassess.exceptions.TamperedLogError`).
        """
        rows = [(int(s), str(p), str(r), str(h))
                for s, p, r, h in self._rows("seq, prev_hash, record, hash")]
        result = diagnose(rows, expected_head)
        if deep and result.ok:
            bad = []
            for seq, _, text, _ in rows:
                try:
                    _final_decision_from_json(text)
                except (ValueError, TypeError) as exc:
                    bad.append(LogProblem("edited", seq, seq, f"not a valid decision: {exc}"))
            if bad:
                return VerifyResult(False, result.n_records, result.head, tuple(bad))
        return result

    # -- export ------------------------------------------------------------------------

    def to_jsonl(self, path: str | os.PathLike[str]) -> Path:
        """Write the log as JSON Lines, atomically (temp file, fsync, rename).

        Each line: ``{"sequence":…,"prev_hash":…,"hash":…,"decision":<stored text>}``,
        the decision being the exact stored text, so the chain can be re-checked from the
        file with :func:`verify_jsonl`.
        """
        target = Path(path)
        with atomic_writer(target) as fh:
            for seq, prev, text, h in self._rows("seq, prev_hash, record, hash"):
                fh.write(f'{{"sequence":{int(seq)},"prev_hash":"{prev}","hash":"{h}",'
                         f'"decision":{text}}}\n')
        return target

    def to_frame(self) -> pd.DataFrame:
        """One row per decision (see :func:`riskassess.analytics.decisions_frame`)."""
        from riskassess.decisions._analytics import decisions_frame

        records = [(int(s), str(h), json.loads(r)) for s, r, h in self._rows("seq, record, hash")]
        return decisions_frame([r for _, _, r in records], sequence=[s for s, _, _ in records],
                               hashes=[h for _, h, _ in records])

    def override_rates(self, by: str | list[str] | None = None) -> pd.DataFrame:
        """Override rates (see :func:`riskassess.analytics.override_rates`)."""
        from riskassess.decisions._analytics import override_rates

        return override_rates(self.to_frame(), by=by)

    # -- lifetime ----------------------------------------------------------------------

    def close(self) -> None:
        """Close the database connection (idempotent)."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def __enter__(self) -> DecisionLog:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"DecisionLog({str(self._path)!r})"


def verify_jsonl(path: str | os.PathLike[str], *,
                 expected_head: LogHead | None = None) -> VerifyResult:
    """Verify the hash chain of a :meth:`DecisionLog.to_jsonl` export.

    Parameters
    ----------
    path : str or Path
        The JSON Lines file written by :meth:`DecisionLog.to_jsonl`.
    expected_head : LogHead, optional
        A head kept outside the log; detects deleted tails and rewritten chains.

    Returns
    -------
    VerifyResult
        Truthy when the chain is intact; ``problems`` names the records otherwise.

    Raises
    ------
    AuditLogError
        If a line is not a JSON object with the expected keys.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from datetime import UTC, date, datetime
    >>> from riskassess.decisions._records import Assessment, ModelInfo
    >>> a = Assessment(case_id="C-1", assessment_date=date(2024, 3, 1), probability=0.3,
    ...                band="low", model=ModelInfo(name="m", version="1", fingerprint="x"),
    ...                input_sha256="0" * 64, created_at=datetime(2024, 3, 1, tzinfo=UTC))
    >>> d = a.decide("off-1", decided_at=datetime(2024, 3, 2, tzinfo=UTC))
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     with DecisionLog(Path(tmp) / "log.sqlite") as log:
    ...         _ = log.append_many([d, d])
    ...         head = log.head()
    ...         export = log.to_jsonl(Path(tmp) / "log.jsonl")
    ...     print(verify_jsonl(export, expected_head=head).ok)
    ...     # edit the officer id of record 1 only (the first occurrence in the file)
    ...     _ = export.write_text(export.read_text().replace("off-1", "off-9", 1))
    ...     result = verify_jsonl(export)
    True
    >>> result.ok, [(p.kind, p.sequence) for p in result.problems]
    (False, [('edited', 1)])
    """
    rows = []
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            m = _JSONL_LINE.match(line.rstrip("\n"))
            if m is None:
                raise AuditLogError(f"{str(path)!r} line {lineno}: not a decision log record "
                                    "written by DecisionLog.to_jsonl")
            rows.append((int(m.group(1)), m.group(2), m.group(4), m.group(3)))
    rows.sort(key=lambda r: r[0])
    return diagnose(rows, expected_head)
