"""SQLite storage of the decision log (standard library ``sqlite3``): the embedded default.

* **durable**: WAL journal with ``synchronous=FULL``, so an append that has returned
  survives a crash or power cut;
* **atomic and serialised**: ``BEGIN IMMEDIATE`` makes "check the schema, read the head,
  insert, read back" one step across processes (with a busy timeout); a kill part-way
  leaves the file as it was. The read-back compares every stored value, a chunk of rows
  at a time in one ``==`` (see :mod:`riskassess.decisions._storage`), so a batch costs
  about what the inserts do;
* **16 KB pages** for new logs: ~2 KB records then share pages instead of taking one
  each, which halves the bytes a batch writes and a ``verify`` reads;
* **append-only**: triggers refuse ``UPDATE`` and ``DELETE`` on both tables; the schema is
  compared with the expected one before every append and by ``verify``;
* **created atomically**: a new log is built in a temporary file and hard-linked into
  place, so nobody ever sees a half-made log, and an *existing* empty file is refused as
  "not a decision log" (an emptied log is never silently re-created);
* **read-only evidence mode**: ``immutable=1`` when no write-ahead log is pending,
  ``mode=ro`` otherwise; nothing is written, not even a journal-mode switch.

Examples
--------
>>> import tempfile
>>> from pathlib import Path
>>> with tempfile.TemporaryDirectory() as tmp:
...     store = SqliteStorage(Path(tmp) / "log.sqlite",
...                           new_meta={"format": "riskassess-decision-log/2"})
...     problems = store.schema_problems()
...     store.close()
>>> problems
[]
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import uuid
from collections.abc import Collection, Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from riskassess.decisions._chain import GENESIS
from riskassess.decisions._storage import (
    APPEND_ONLY_MESSAGE,
    BuildRows,
    ChainRow,
    CheckLinks,
    LogStorage,
    Row,
    lookup_rows,
)
from riskassess.exceptions import AuditLogError, NotADecisionLogError, TamperedLogError

__all__ = ["SqliteStorage"]

_GUARD = f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END"
_SCHEMA_V1 = (
    "CREATE TABLE IF NOT EXISTS log_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS decisions (seq INTEGER PRIMARY KEY, record TEXT NOT NULL, "
    "prev_hash TEXT NOT NULL, hash TEXT NOT NULL)",
    f"CREATE TRIGGER IF NOT EXISTS decisions_no_update BEFORE UPDATE ON decisions {_GUARD}",
    f"CREATE TRIGGER IF NOT EXISTS decisions_no_delete BEFORE DELETE ON decisions {_GUARD}",
)
# Format 2 adds the MAC column and guards the metadata too: the log id and key id in
# log_meta are what keyed verification relies on.
_SCHEMA_V2 = (
    "CREATE TABLE log_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE decisions (seq INTEGER PRIMARY KEY, record TEXT NOT NULL, "
    "prev_hash TEXT NOT NULL, hash TEXT NOT NULL, mac TEXT)",
    f"CREATE TRIGGER decisions_no_update BEFORE UPDATE ON decisions {_GUARD}",
    f"CREATE TRIGGER decisions_no_delete BEFORE DELETE ON decisions {_GUARD}",
    f"CREATE TRIGGER log_meta_no_update BEFORE UPDATE ON log_meta {_GUARD}",
    f"CREATE TRIGGER log_meta_no_delete BEFORE DELETE ON log_meta {_GUARD}",
)
_FORMATS = {"riskassess-decision-log/1": "1", "riskassess-decision-log/2": "2"}
# Records are ~2 KB of JSON: with SQLite's default 4 KB pages each row takes a page of
# its own, half empty; 16 KB pages hold seven, so a batch writes (and fsyncs, and a verify
# reads) about half the bytes. Durability is unchanged (WAL, synchronous=FULL). Fixed when
# a log is created; existing logs keep their page size.
_PAGE_SIZE = 16384
_LAST_SEQ = 2**63 - 1
_SCHEMAS = {"1": _SCHEMA_V1, "2": _SCHEMA_V2}


@cache
def _expected(fmt: str) -> frozenset[tuple[str, str, str, str | None]]:
    """sqlite_master rows a log of this format has: made by SQLite itself, in memory, so
    they compare exactly with what SQLite stored in the file."""
    con = sqlite3.connect(":memory:")
    try:
        for statement in _SCHEMAS[fmt]:
            con.execute(statement)
        return frozenset(con.execute("SELECT type, name, tbl_name, sql FROM sqlite_master"))
    finally:
        con.close()


def _uri(path: Path, mode: str) -> str:
    return f"file:{quote(str(path.resolve()))}?{mode}"


class SqliteStorage(LogStorage):
    """The decision log in one SQLite file (see the module docstring)."""

    def __init__(self, path: str | os.PathLike[str], *, read_only: bool = False,
                 new_meta: Mapping[str, str] | None = None, timeout: float = 30.0,
                 synchronous: str = "FULL") -> None:
        self._path = Path(path)
        self.location = repr(str(self._path))
        self.read_only = read_only
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        if read_only:
            self._conn = self._connect(self._read_only_mode(), timeout)
        else:
            if not self._path.exists():
                self._create(dict(new_meta or {}), timeout, synchronous)
            self._conn = self._connect("mode=rw", timeout)
        try:
            self._meta = self._identify()
            if not read_only:
                self._prepare_for_writing(timeout, synchronous)
        except BaseException:
            self.close()
            raise

    # -- opening -------------------------------------------------------------------------

    def _read_only_mode(self) -> str:
        if not self._path.is_file():
            raise AuditLogError(f"{self.location}: no such file")
        wal = self._path.with_name(self._path.name + "-wal")
        # immutable=1 reads the main file only, with no lock and no -shm file, so it works
        # on read-only media; it would miss records still in a pending -wal file, so then
        # the ordinary read-only mode (which reads the WAL) is used instead.
        pending = wal.exists() and wal.stat().st_size > 0
        return "mode=ro" if pending else "immutable=1"

    def _connect(self, mode: str, timeout: float) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(_uri(self._path, mode), uri=True, timeout=timeout,
                                   isolation_level=None, check_same_thread=False)
            conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
        except sqlite3.Error as exc:
            raise AuditLogError(f"cannot open decision log {self.location}: {exc}") from exc
        return conn

    def _create(self, meta: dict[str, str], timeout: float, synchronous: str) -> None:
        """Build a new log in a temporary file and link it into place (atomic creation)."""
        try:
            self._path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise AuditLogError(f"cannot create decision log {self.location}: {exc}") from exc
        tmp = self._path.with_name(f".{self._path.name}.{uuid.uuid4().hex}.tmp")
        try:
            con = sqlite3.connect(tmp, isolation_level=None)
            try:
                con.execute(f"PRAGMA page_size = {_PAGE_SIZE}")  # before the first write
                con.execute("PRAGMA journal_mode = WAL")
                con.execute(f"PRAGMA synchronous = {synchronous}")
                con.execute("BEGIN IMMEDIATE")
                for statement in _SCHEMA_V2:
                    con.execute(statement)
                con.executemany("INSERT INTO log_meta VALUES (?, ?)", sorted(meta.items()))
                con.execute("COMMIT")
            finally:
                con.close()  # the last connection checkpoints and removes the -wal file
            with contextlib.suppress(FileExistsError):  # another process created it first
                os.link(tmp, self._path)
            _fsync_dir(self._path.parent)
        except (OSError, sqlite3.Error) as exc:
            raise AuditLogError(f"cannot create decision log {self.location}: {exc}") from exc
        finally:
            for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
                leftover.unlink(missing_ok=True)

    def _identify(self) -> dict[str, str]:
        """The log's metadata, or NotADecisionLogError; reads only."""
        db = self._db
        try:
            tables = {r[0] for r in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
        except sqlite3.DatabaseError as exc:
            raise NotADecisionLogError(f"{self.location} is not a decision log (not an "
                                       f"SQLite database: {exc})") from exc
        if not tables:
            raise NotADecisionLogError(f"{self.location} is not a decision log (empty: no "
                                       "tables)")
        if not {"log_meta", "decisions"} <= tables:
            raise NotADecisionLogError(f"{self.location} is an SQLite file but not a decision "
                                       f"log (tables {sorted(tables)})")
        try:
            meta = {str(k): str(v) for k, v in db.execute("SELECT key, value FROM log_meta")}
        except sqlite3.Error as exc:
            raise NotADecisionLogError(f"{self.location}: unreadable log_meta: {exc}") from exc
        fmt = _FORMATS.get(meta.get("format", ""))
        if fmt is None:
            raise NotADecisionLogError(f"{self.location}: unsupported log format "
                                       f"{meta.get('format')!r}")
        meta["format"] = fmt
        try:
            encoding = str(db.execute("PRAGMA encoding").fetchone()[0])
        except sqlite3.Error as exc:
            raise NotADecisionLogError(f"{self.location}: unreadable: {exc}") from exc
        # verify reads records as their stored bytes only when those are the UTF-8 the
        # chain hashes (a log copied into a UTF-16 database is read as text instead)
        self._utf8 = encoding.upper() == "UTF-8"
        return meta

    def _prepare_for_writing(self, timeout: float, synchronous: str) -> None:
        db = self._db
        try:
            # only now, once the file is known to be a decision log, may its journal change
            if str(db.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
                mode = db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                if str(mode).lower() != "wal":
                    raise AuditLogError(f"decision log {self.location}: WAL mode refused "
                                        f"({mode})")
            db.execute(f"PRAGMA synchronous = {synchronous}")
        except sqlite3.Error as exc:
            raise AuditLogError(f"cannot open decision log {self.location}: {exc}") from exc

    @property
    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            raise AuditLogError(f"decision log {self.location} is closed")
        return self._conn

    # -- the interface ---------------------------------------------------------------------

    def meta(self) -> Mapping[str, str]:
        return dict(self._meta)

    def schema_problems(self) -> list[str]:
        with self._lock:
            try:
                present = frozenset(self._db.execute(
                    "SELECT type, name, tbl_name, sql FROM sqlite_master"))
            except sqlite3.Error as exc:
                raise AuditLogError(f"cannot read {self.location}: {exc}") from exc
        expected = _expected(self._meta["format"])
        if present == expected:  # the usual case: one set comparison, nothing to name
            return []
        names = {r[1]: r for r in present}
        wanted = {r[1]: r for r in expected}
        out = [f"missing {t} {n!r}" + (" (an append-only guard)" if t == "trigger" else "")
               for n, (t, *_) in sorted(wanted.items()) if n not in names]
        out += [f"foreign {t} {n!r} on {tbl!r}: {sql}" for n, (t, _, tbl, sql)
                in sorted(names.items()) if n not in wanted]
        out += [f"altered {names[n][0]} {n!r}: {names[n][3]}" for n in sorted(wanted)
                if n in names and names[n] != wanted[n]]
        return out

    def append(self, build: BuildRows, check: CheckLinks | None = None) -> list[Row]:
        if self.read_only:
            raise AuditLogError(f"decision log {self.location} was opened read-only")
        mac = "mac" if self._meta["format"] == "2" else "NULL"
        with self._lock:
            conn = self._db
            try:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    problems = self.schema_problems()
                    if problems:
                        raise TamperedLogError(f"refusing to append to {self.location}: its "
                                               "schema was changed: " + "; ".join(problems))
                    if check is not None:  # in the transaction: no other writer in between
                        check(lambda hashes: lookup_rows(
                            lambda q, p: conn.execute(q, p).fetchall(), "decisions", "?",
                            hashes))
                    row = conn.execute(
                        "SELECT seq, hash FROM decisions ORDER BY seq DESC LIMIT 1").fetchone()
                    last, prev = (0, GENESIS) if row is None else (int(row[0]), str(row[1]))
                    rows = build(last, prev)
                    if mac == "mac":  # the columns in Row order: the rows go in as they are
                        conn.executemany("INSERT INTO decisions (seq, prev_hash, record, hash, "
                                         "mac) VALUES (?, ?, ?, ?, ?)", rows)
                    else:
                        conn.executemany("INSERT INTO decisions (seq, record, prev_hash, hash) "
                                         "VALUES (?, ?, ?, ?)",
                                         [(s, r, p, h) for s, p, r, h, _ in rows])
                    columns = f"seq, prev_hash, record, hash, {mac}"  # in Row order

                    def fetch(after: int, upto: int | None) -> list[Any]:
                        # the rows come back as the types inserted, so one == per chunk
                        # compares every value: a Python object per value costs about half
                        # the CPU of SQLite concatenating the chunk into one string with
                        # each record's byte length and comparing that (as appends did
                        # before): string operations per row, and a cast to measure bytes
                        return conn.execute(
                            f"SELECT {columns} FROM decisions WHERE seq > ? AND seq <= ? "
                            "ORDER BY seq", (after, _LAST_SEQ if upto is None else upto)
                        ).fetchall()

                    def read_all() -> list[Any]:
                        return conn.execute(
                            f"SELECT {columns} FROM decisions WHERE seq > ? ORDER BY seq",
                            (last,)).fetchall()

                    self.confirm_fetched(rows, fetch, read_all)
                    conn.execute("COMMIT")
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
            except sqlite3.Error as exc:
                raise AuditLogError(f"cannot append to {self.location}: {exc}") from exc
        return rows

    def _query(self, sql: str) -> list[Any]:
        with self._lock:
            try:
                return self._db.execute(sql).fetchall()
            except sqlite3.Error as exc:
                raise AuditLogError(f"cannot read {self.location}: {exc}") from exc

    def rows(self, page: int = 20_000) -> Iterator[Row]:
        mac = "mac" if self._meta["format"] == "2" else "NULL"
        # paged by sequence so that verifying a million records never holds them all
        after: int | None = None
        while True:
            where = "" if after is None else f"WHERE seq > {after} "
            batch = self._query(f"SELECT seq, prev_hash, record, hash, {mac} FROM decisions "
                                f"{where}ORDER BY seq LIMIT {int(page)}")
            for s, p, r, h, m in batch:
                yield int(s), str(p), str(r), str(h), None if m is None else str(m)
            if len(batch) < page:
                return
            after = int(batch[-1][0])

    def chain_pages(self, page: int = 10_000) -> Iterator[list[ChainRow]]:
        if not self._utf8:
            yield from super().chain_pages(page)
            return
        mac = "mac" if self._meta["format"] == "2" else "NULL"
        # the stored UTF-8 bytes of text records; anything else (a BLOB planted in the
        # record column) reads as None, which verify counts as a broken link
        record = "CASE WHEN typeof(record) = 'text' THEN CAST(record AS BLOB) END"
        after = 0
        first = True
        while True:
            where = "" if first else f"WHERE seq > {after} "
            batch = self._query(f"SELECT seq, prev_hash, {record}, hash, {mac} FROM "
                                f"decisions {where}ORDER BY seq LIMIT {int(page)}")
            if batch:
                yield batch
            if len(batch) < page:
                return
            first, after = False, int(batch[-1][0])

    def lookup(self, hashes: Collection[str]) -> list[tuple[int, str, str]]:
        with self._lock:
            try:
                return lookup_rows(lambda q, p: self._db.execute(q, p).fetchall(),
                                   "decisions", "?", hashes)
            except sqlite3.Error as exc:
                raise AuditLogError(f"cannot read {self.location}: {exc}") from exc

    def head(self) -> tuple[int, str] | None:
        found = self._query("SELECT seq, hash FROM decisions ORDER BY seq DESC LIMIT 1")
        return (int(found[0][0]), str(found[0][1])) if found else None

    def count(self) -> int:
        return int(self._query("SELECT count(*) FROM decisions")[0][0])

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None


def _fsync_dir(directory: Path) -> None:
    """Make the new directory entry durable (the link that created the log)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
