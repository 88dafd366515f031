"""PostgreSQL storage of the decision log, for a service where many offices write one log.

``DecisionLog("postgresql://user@host/db")`` keeps the same records, chain, MACs and
checks as the SQLite file, in two tables of the connection's current schema (the first
schema of ``search_path``; choose it with ``?options=-csearch_path%3Dmyschema``):

* **serialised appends**: each append takes a transaction-scoped advisory lock
  (``pg_advisory_xact_lock``, one lock per log schema), then reads the head, inserts,
  reads back and commits; writers in many processes and hosts queue on the lock, so the
  chain never forks. ``synchronous_commit = on`` makes a returned append durable. A
  writer killed mid-append leaves an aborted transaction and a released lock.
* **append-only, twice**: ``BEFORE UPDATE/DELETE`` row triggers and ``BEFORE TRUNCATE``
  statement triggers refuse changes; and ``UPDATE, DELETE, TRUNCATE`` are revoked from
  ``PUBLIC``. For the strongest setup let a separate owner role create the log, and grant
  the service role only ``SELECT, INSERT``::

      GRANT USAGE ON SCHEMA decision_log TO probation_app;
      GRANT SELECT, INSERT ON decision_log.decisions, decision_log.log_meta TO probation_app;

  The triggers, their function's source, rules, row-level policies and columns of the
  two tables are checked before every append (one catalog query, :data:`_SCHEMA_SQL`)
  and by ``verify``. An append first locks the decisions table in ``ROW EXCLUSIVE`` mode
  (what its insert takes anyway), so no trigger, rule, policy or column change on it can
  commit between that check and the insert; the check runs before the advisory lock, so
  writers check in parallel and hold the lock only for head, insert, read-back, commit,
  pipelined (libpq pipeline mode) into three exchanges with the server.
* **read-only verification**: the session is set ``READ ONLY``; nothing is created.

psycopg 3 is needed: ``pip install "riskassess[postgres]"``.

Examples
--------
>>> _lock_key("decision_log") == _lock_key("decision_log"), _lock_key("a") == _lock_key("b")
(True, False)
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Collection, Iterator, Mapping
from typing import Any

from riskassess.decisions._chain import GENESIS
from riskassess.decisions._storage import (
    APPEND_ONLY_MESSAGE,
    READBACK_SQL,
    BuildRows,
    CheckLinks,
    LogStorage,
    Row,
    lookup_rows,
)
from riskassess.exceptions import AuditLogError, NotADecisionLogError, TamperedLogError

__all__ = ["PostgresStorage"]

_FUNCTION = "decision_log_append_only"
_FUNCTION_BODY = f" BEGIN RAISE EXCEPTION '{APPEND_ONLY_MESSAGE}'; END "
_TABLES = ("decisions", "log_meta")
# (table, trigger name, timing/event, level)
_TRIGGERS = tuple((t, f"{t}_no_{what}", f"BEFORE {what.upper()}", level)
                  for t in _TABLES
                  for what, level in (("update", "ROW"), ("delete", "ROW"),
                                      ("truncate", "STATEMENT")))
_COLUMNS = {"decisions": [("seq", "bigint"), ("record", "text"), ("prev_hash", "text"),
                          ("hash", "text"), ("mac", "text")],
            "log_meta": [("key", "text"), ("value", "text")]}

# Everything schema_problems compares, in one round trip: the tables' triggers (with their
# function's name, schema and source), rules, row-level policies and columns. Columns are
# read from pg_attribute with format_type, which names a domain where
# information_schema.columns would report its base type.
_SCHEMA_SQL = """
SELECT 'trigger', c.relname::text, t.tgname::text, t.tgenabled::text, pg_get_triggerdef(t.oid),
       p.proname::text, pn.nspname::text, p.prosrc
FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_proc p ON p.oid = t.tgfoid
JOIN pg_namespace pn ON pn.oid = p.pronamespace
WHERE n.nspname = %(schema)s AND c.relname = ANY(%(tables)s) AND NOT t.tgisinternal
UNION ALL
SELECT 'rule', tablename::text, rulename::text, NULL, NULL, NULL, NULL, NULL FROM pg_rules
WHERE schemaname = %(schema)s AND tablename = ANY(%(tables)s)
UNION ALL
SELECT 'policy', tablename::text, policyname::text, NULL, NULL, NULL, NULL, NULL
FROM pg_policies WHERE schemaname = %(schema)s AND tablename = ANY(%(tables)s)
UNION ALL
SELECT 'column', c.relname::text, a.attname::text, format_type(a.atttypid, a.atttypmod),
       NULL, NULL, NULL, a.attnum::text
FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = %(schema)s AND c.relname = ANY(%(tables)s) AND a.attnum > 0
      AND NOT a.attisdropped
"""


def _lock_key(schema: str) -> int:
    """A signed 64-bit advisory-lock key for one log (one schema)."""
    digest = hashlib.sha256(f"riskassess-decision-log:{schema}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _redact(url: str) -> str:
    return repr(re.sub(r"://([^:/@]*):[^@]*@", r"://\1:***@", url))


class PostgresStorage(LogStorage):
    """The decision log in two PostgreSQL tables (see the module docstring)."""

    def __init__(self, url: str, *, read_only: bool = False,
                 new_meta: Mapping[str, str] | None = None, timeout: float = 30.0,
                 synchronous: str = "FULL") -> None:
        try:
            import psycopg
        except ImportError as exc:  # pragma: no cover - depends on the installation
            raise AuditLogError("a PostgreSQL decision log needs psycopg 3: "
                                'pip install "riskassess[postgres]"') from exc
        self._psycopg = psycopg
        self.location = _redact(url)
        self.read_only = read_only
        self._lock = threading.RLock()
        try:
            self._conn: Any = psycopg.connect(url, autocommit=True,
                                              connect_timeout=max(1, int(timeout)))
        except psycopg.Error as exc:
            raise AuditLogError(f"cannot connect to decision log {self.location}: "
                                f"{exc}") from exc
        try:
            self._setup_session(timeout)
            if not self._exists():
                if read_only:
                    raise NotADecisionLogError(f"{self.location} holds no decision log in "
                                               f"schema {self._schema!r}")
                self._create(dict(new_meta or {}))
            self._meta = self._read_meta()
        except psycopg.Error as exc:
            self.close()
            raise AuditLogError(f"cannot open decision log {self.location}: {exc}") from exc
        except BaseException:
            self.close()
            raise

    def _setup_session(self, timeout: float) -> None:
        conn = self._conn
        schema = conn.execute("SELECT current_schema()").fetchone()[0]
        if schema is None:
            raise AuditLogError(f"{self.location}: no existing schema in search_path")
        self._schema = str(schema)
        quoted = '"' + self._schema.replace('"', '""') + '"'
        # qualified names resolved once: a table planted earlier in search_path later on
        # cannot shadow the log
        self._decisions = f"{quoted}.decisions"
        self._log_meta = f"{quoted}.log_meta"
        self._function = f"{quoted}.{_FUNCTION}"
        conn.execute(f"SET lock_timeout = {int(timeout * 1000)}")
        conn.execute("SET synchronous_commit = on")
        if self.read_only:
            conn.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")

    def _exists(self) -> bool:
        found = self._conn.execute("SELECT to_regclass(%s), to_regclass(%s)",
                                   (self._decisions, self._log_meta)).fetchone()
        if found[0] is None and found[1] is None:
            return False
        if found[0] is None or found[1] is None:
            raise NotADecisionLogError(f"{self.location}: schema {self._schema!r} holds only "
                                       "part of a decision log")
        return True

    def _create(self, meta: dict[str, str]) -> None:
        with self._conn.transaction():
            # the same lock as appends: two services creating the log at once make one
            self._conn.execute("SELECT pg_advisory_xact_lock(%s)", (_lock_key(self._schema),))
            if self._exists():
                return
            cols = ", ".join(f"{n} {t}" + (" PRIMARY KEY" if k == 0 else "")
                             + (" NOT NULL" if n != "mac" else "")
                             for k, (n, t) in enumerate(_COLUMNS["decisions"]))
            self._conn.execute(f"CREATE TABLE {self._decisions} ({cols})")
            self._conn.execute(f"CREATE TABLE {self._log_meta} "
                               "(key text PRIMARY KEY, value text NOT NULL)")
            self._conn.execute(f"CREATE FUNCTION {self._function}() RETURNS trigger "
                               f"LANGUAGE plpgsql AS $${_FUNCTION_BODY}$$")
            for table, name, when, level in _TRIGGERS:
                target = self._decisions if table == "decisions" else self._log_meta
                self._conn.execute(f"CREATE TRIGGER {name} {when} ON {target} FOR EACH "
                                   f"{level} EXECUTE FUNCTION {self._function}()")
            self._conn.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON {self._decisions}, "
                               f"{self._log_meta} FROM PUBLIC")
            with self._conn.cursor() as cur:
                cur.executemany(f"INSERT INTO {self._log_meta} VALUES (%s, %s)",
                                sorted(meta.items()))

    def _read_meta(self) -> dict[str, str]:
        meta = {str(k): str(v) for k, v in self._conn.execute(
            f"SELECT key, value FROM {self._log_meta}")}
        if meta.get("format") != "riskassess-decision-log/2":
            raise NotADecisionLogError(f"{self.location}: unsupported log format "
                                       f"{meta.get('format')!r}")
        meta["format"] = "2"
        return meta

    def _run(self, sql: str, params: tuple[Any, ...] | Mapping[str, Any] = ()) -> list[Any]:
        with self._lock:
            if self._conn is None:
                raise AuditLogError(f"decision log {self.location} is closed")
            try:
                return list(self._conn.execute(sql, params).fetchall())
            except self._psycopg.Error as exc:
                raise AuditLogError(f"cannot read {self.location}: {exc}") from exc

    # -- the interface ---------------------------------------------------------------------

    def meta(self) -> Mapping[str, str]:
        return dict(self._meta)

    def schema_problems(self) -> list[str]:
        found = self._run(_SCHEMA_SQL, {"schema": self._schema, "tables": list(_TABLES)})
        expected = {name: (table, when, level) for table, name, when, level in _TRIGGERS}
        out: list[str] = []
        seen = set()
        columns: dict[str, list[tuple[int, str, str]]] = {t: [] for t in _TABLES}
        for kind, table, name, enabled, definition, proname, pschema, source in found:
            if kind == "rule":
                out.append(f"foreign rule {name!r} on {table!r}")
                continue
            if kind == "policy":
                out.append(f"foreign row-level policy {name!r} on {table!r}")
                continue
            if kind == "column":  # (enabled, source) hold (type, position) here
                columns[table].append((int(source), name, enabled))
                continue
            want = expected.get(name)
            if want is None or want[0] != table:
                out.append(f"foreign trigger {name!r} on {table!r}: {definition}")
                continue
            seen.add(name)
            if enabled == "D":
                out.append(f"trigger {name!r} (an append-only guard) is disabled")
            if (proname, pschema) != (_FUNCTION, self._schema) or source != _FUNCTION_BODY \
                    or f" {want[1]} " not in f" {definition} " \
                    or f"FOR EACH {want[2]}" not in definition:
                out.append(f"altered trigger {name!r}: {definition} (function source "
                           f"{str(source).strip()!r})")
        out += [f"missing trigger {n!r} (an append-only guard)" for n in expected
                if n not in seen]
        for table in _TABLES:
            cols = [(n, t) for _, n, t in sorted(columns[table])]
            if cols != _COLUMNS[table]:
                out.append(f"altered table {table!r}: columns {cols}")
        return out

    def append(self, build: BuildRows, check: CheckLinks | None = None) -> list[Row]:
        if self.read_only:
            raise AuditLogError(f"decision log {self.location} was opened read-only")
        psycopg = self._psycopg
        with self._lock:
            if self._conn is None:
                raise AuditLogError(f"decision log {self.location} is closed")
            conn = self._conn
            try:
                # pipeline mode: statements go out together and the server answers them
                # in order; the client waits only where the next step needs a result, so
                # the advisory lock is held for three exchanges (head, insert + read-back,
                # commit) instead of five: twice the appends/s with 8 writers
                with conn.pipeline(), conn.transaction(), conn.cursor() as cur:
                    # DDL on the table (triggers, rules, policies, columns) now waits for
                    # this transaction, so the check below holds until the commit
                    cur.execute(f"LOCK TABLE {self._decisions} IN ROW EXCLUSIVE MODE")
                    problems = self.schema_problems()
                    if problems:
                        raise TamperedLogError(f"refusing to append to {self.location}: its "
                                               "schema was changed: " + "; ".join(problems))
                    cur.execute("SELECT pg_advisory_xact_lock(%s)", (_lock_key(self._schema),))
                    if check is not None:  # under the lock: no other writer in between
                        check(lambda hashes: lookup_rows(
                            lambda q, p: cur.execute(q, p).fetchall(), self._decisions, "%s",
                            hashes))
                    # READ COMMITTED: this statement's snapshot is taken after the lock is
                    # held, so it sees the previous writer's committed head
                    found = cur.execute(f"SELECT seq, hash FROM {self._decisions} "
                                        "ORDER BY seq DESC LIMIT 1").fetchone()
                    last, prev = (0, GENESIS) if found is None else (int(found[0]),
                                                                     str(found[1]))
                    rows = build(last, prev)
                    cur.executemany(f"INSERT INTO {self._decisions} (seq, prev_hash, record, "
                                    "hash, mac) VALUES (%s, %s, %s, %s, %s)", rows)
                    line = READBACK_SQL.format(mac="mac")

                    def same_chunk(after: int, upto: int | None, count: int,
                                   text: str) -> bool:
                        bound = "" if upto is None else f"AND seq <= {int(upto)} "
                        got = cur.execute(f"SELECT count(*), string_agg({line}, '' ORDER BY "
                                          f"seq) FROM {self._decisions} WHERE seq > %s "
                                          f"{bound}", (after,)).fetchone()
                        return bool(got[0] == count and got[1] == text)

                    def read_all() -> list[Any]:
                        return list(cur.execute(
                            f"SELECT seq, prev_hash, record, hash, mac FROM {self._decisions} "
                            "WHERE seq > %s ORDER BY seq", (last,)).fetchall())

                    self.confirm_in_bulk(rows, same_chunk, read_all)
            except psycopg.Error as exc:
                raise AuditLogError(f"cannot append to {self.location}: {exc}") from exc
        return rows

    def rows(self, page: int = 20_000) -> Iterator[Row]:
        after: int | None = None
        while True:
            where, params = ("", ()) if after is None else ("WHERE seq > %s ", (after,))
            batch = self._run(f"SELECT seq, prev_hash, record, hash, mac FROM "
                              f"{self._decisions} {where}ORDER BY seq LIMIT {int(page)}",
                              params)
            for s, p, r, h, m in batch:
                yield int(s), str(p), str(r), str(h), None if m is None else str(m)
            if len(batch) < page:
                return
            after = int(batch[-1][0])

    def lookup(self, hashes: Collection[str]) -> list[tuple[int, str, str]]:
        return lookup_rows(lambda q, p: self._run(q, p), self._decisions, "%s", hashes)

    def head(self) -> tuple[int, str] | None:
        found = self._run(f"SELECT seq, hash FROM {self._decisions} ORDER BY seq DESC LIMIT 1")
        return (int(found[0][0]), str(found[0][1])) if found else None

    def count(self) -> int:
        return int(self._run(f"SELECT count(*) FROM {self._decisions}")[0][0])

    def close(self) -> None:
        with self._lock:
            conn, self._conn = getattr(self, "_conn", None), None
            if conn is not None:
                conn.close()
