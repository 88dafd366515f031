"""The storage interface behind :class:`~riskassess.decisions.DecisionLog`.

The log's rules (canonical JSON, hash chain, keyed MACs, receipts, verification) live in
:mod:`._log` and :mod:`._verify` and are the same for every database. A backend only
stores rows and enforces what a database can enforce:

* one serialised transaction per append that reads the head, inserts the new rows and
  **reads them back** before committing (a row dropped or changed by a planted trigger
  or rule is an error, never a receipt). The read-back compares every stored value, in
  chunks of :data:`READBACK_CHUNK` rows: a database across a network (PostgreSQL)
  concatenates each chunk into one string (:func:`readback_line` per row, in sequence
  order) compared with the rows given, so a batch costs a few round trips
  (:meth:`LogStorage.confirm_in_bulk`); an embedded one (SQLite) hands each chunk back as
  rows of the very types inserted, compared with one ``==``
  (:meth:`LogStorage.confirm_fetched`). Only when that differs are the rows read one by
  one, to say what differs;
* append-only guards (triggers, privileges) and a check that they are still in place
  (:meth:`LogStorage.schema_problems`), run before every append and by ``verify``;
* a read-only mode that never writes (no schema creation, no journal switch).

A third backend is one module with a :class:`LogStorage` subclass, registered under its
URL scheme with :func:`register_backend`.

Examples
--------
>>> sorted(_BACKENDS)
['postgres', 'postgresql']
"""

from __future__ import annotations

import importlib
import os
from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Iterator, Mapping
from pathlib import Path
from typing import Any

from riskassess.exceptions import AuditLogError

__all__ = ["BuildRows", "ChainRow", "CheckLinks", "LogStorage", "Lookup", "Row", "open_storage",
           "readback_line", "register_backend"]

#: One stored record: (sequence, prev_hash, record text, hash, mac or None).
Row = tuple[int, str, str, str, str | None]
#: A record as verification reads it: the text as its UTF-8 bytes (None when the stored
#: value is not text), so a million records are hashed without decoding and re-encoding.
ChainRow = tuple[int, str, bytes | None, str, str | None]
#: Rows per read-back query: a chunk of ~2 KB records is about 1 MB, which stays in the
#: CPU's caches while it is compared (2,048 rows, 4 MB, cost SQLite appends ~3% more CPU).
READBACK_CHUNK = 512
#: SQL for one stored row's read-back line, ``{length}`` being the record's length.
_READBACK_TEMPLATE = ("seq || ' ' || prev_hash || ' ' || hash || ' ' || "
                      "(CASE WHEN {mac} IS NULL THEN '~' ELSE '=' || {mac} END) || ' ' || "
                      "{length} || ' ' || record")
#: SQL (SQLite and PostgreSQL alike) for :func:`readback_line` of a stored row.
READBACK_SQL = _READBACK_TEMPLATE.format(mac="{mac}", length="length(record)")
#: Called inside the append transaction with (last sequence, last hash); returns new rows.
BuildRows = Callable[[int, str], list[Row]]
#: ``lookup(hashes)``: (sequence, record text, hash) of the stored records with those
#: hashes and of the safeguard records (text starting :data:`SAFEGUARD_PREFIX`) that name
#: one of them; callers parse and filter.
Lookup = Callable[[Collection[str]], list[tuple[int, str, str]]]
#: Called inside the append transaction, before the rows are built, with a
#: :data:`Lookup` reading that transaction's snapshot; raises to refuse the append.
CheckLinks = Callable[[Lookup], None]
#: How a safeguard record's stored text starts (a decision's starts '{"assessment":').
SAFEGUARD_PREFIX = '{"record_type":"'
#: Hashes per ``hash IN (...)`` query (SQLite's default limit is 32,766 parameters).
LOOKUP_CHUNK = 500
#: Records from the end searched first for a hash, then 50 times as many, then all
#: (see :func:`lookup_rows`).
RECENT_WINDOW = 1_000

#: URL scheme -> "module:Class" (imported on first use, so psycopg is optional).
_BACKENDS: dict[str, str] = {
    "postgresql": "riskassess.decisions._postgres:PostgresStorage",
    "postgres": "riskassess.decisions._postgres:PostgresStorage",
}

#: The backend for a plain file path.
_DEFAULT_BACKEND = "riskassess.decisions._sqlite:SqliteStorage"

APPEND_ONLY_MESSAGE = "the decision log is append-only"


class LogStorage(ABC):
    """Rows of one decision log in one database (see the module docstring).

    Subclasses take ``(target, *, read_only, new_meta, timeout, synchronous)`` and raise
    :class:`~riskassess.exceptions.NotADecisionLogError` when the target holds something
    else. ``new_meta`` is written only when a log is created (never in read-only mode).
    """

    #: Where the log is, for messages (a path, or a URL without its password).
    location: str
    read_only: bool

    @abstractmethod
    def meta(self) -> Mapping[str, str]:
        """The log's metadata: ``format``, and ``log_id``, ``mac``, ``key_id`` (format 2)."""

    @abstractmethod
    def schema_problems(self) -> list[str]:
        """What differs from the expected schema: missing guards, foreign objects."""

    @abstractmethod
    def append(self, build: BuildRows, check: CheckLinks | None = None) -> list[Row]:
        """Append the rows ``build(last_seq, last_hash)`` makes, in one serialised
        transaction that refuses a changed schema and confirms the rows as stored;
        ``check(lookup)`` runs first in the same transaction (see :data:`CheckLinks`)."""

    def lookup(self, hashes: Collection[str]) -> list[tuple[int, str, str]]:
        """:data:`Lookup` outside any append (verification). Backends answer it in SQL;
        this default reads every row."""
        wanted = set(hashes)
        return [(seq, text, digest) for seq, _, text, digest, _ in self.rows()
                if digest in wanted or (text.startswith(SAFEGUARD_PREFIX)
                                        and any(h in text for h in wanted))]

    @abstractmethod
    def rows(self) -> Iterator[Row]:
        """Every stored row in sequence order."""

    @abstractmethod
    def head(self) -> tuple[int, str] | None:
        """(sequence, hash) of the last row, or None when empty."""

    @abstractmethod
    def count(self) -> int:
        """Number of stored rows."""

    @abstractmethod
    def close(self) -> None:
        """Release the connection (idempotent)."""

    def chain_pages(self, page: int = 10_000) -> Iterator[list[ChainRow]]:
        """Every row in sequence order, in pages, the record as UTF-8 bytes (for verify).

        Backends override this to read the bytes directly; this default encodes
        :meth:`rows`.
        """
        batch: list[ChainRow] = []
        for seq, prev, text, digest, mac in self.rows():
            batch.append((seq, prev, text.encode("utf-8", "surrogatepass"), digest, mac))
            if len(batch) >= page:
                yield batch
                batch = []
        if batch:
            yield batch

    def confirm_in_bulk(self, expected: list[Row],
                        same_chunk: Callable[[int, int | None, int, str], bool],
                        read_all: Callable[[], list[tuple[Any, ...]]],
                        line: Callable[[Row], str] | None = None) -> None:
        """Raise unless the rows just inserted are stored exactly as given (chunk by chunk).

        ``same_chunk(after, upto, count, text)`` says whether the stored rows with
        ``after < seq <= upto`` (``upto`` None: no upper bound, so rows added beyond the
        batch are counted too) are ``count`` rows whose concatenation, ``line`` (default
        :func:`readback_line`) of each row in sequence order, is exactly ``text`` (the
        database may compare, or hand its concatenation back). Any difference, however it
        arose, falls back to :meth:`confirm` on ``read_all()``, which compares row by row
        and names the problem.
        """
        line_of = readback_line if line is None else line
        for start in range(0, len(expected), READBACK_CHUNK):
            chunk = expected[start:start + READBACK_CHUNK]
            last_chunk = start + READBACK_CHUNK >= len(expected)
            if not same_chunk(chunk[0][0] - 1, None if last_chunk else chunk[-1][0],
                              len(chunk), "".join(map(line_of, chunk))):
                self.confirm(expected, read_all())
                return

    def confirm_fetched(self, expected: list[Row],
                        fetch: Callable[[int, int | None], list[tuple[Any, ...]]],
                        read_all: Callable[[], list[tuple[Any, ...]]]) -> None:
        """Raise unless the rows just inserted are stored exactly as given (chunk by chunk).

        For a driver that reads a stored row back as the Python types it was given
        (``sqlite3``: ``int`` sequence, ``str`` text, ``None`` for no MAC; a BLOB planted in
        a text column comes back as ``bytes``, never equal to the text). ``fetch(after,
        upto)`` returns the stored rows with ``after < seq <= upto`` (``upto`` None: no upper
        bound, so rows added beyond the batch are read too) in sequence order, in
        :data:`Row` field order; each chunk must equal the rows given, field by field (a
        record read back as the same ``str`` was stored as the same UTF-8 bytes: strict
        UTF-8 decoding is one-to-one, and bytes that are not UTF-8 fail the read instead).
        Any difference falls back to :meth:`confirm` on ``read_all()``, which names it.

        One list comparison in C per chunk: cheaper, in an embedded database, than having
        the database concatenate and compare the chunk (:meth:`confirm_in_bulk`), whose
        string operations per row cost more than reading the row (measured in
        ``benchmarks/bench_decision.py``).

        Examples
        --------
        >>> class Store(LogStorage):
        ...     location = "'example'"
        ...     meta = schema_problems = append = rows = head = count = close = None
        >>> rows = [(1, "p", '{"a":1}', "h", None), (2, "h", '{"a":2}', "i", None)]
        >>> Store().confirm_fetched(rows, lambda after, upto: rows[after:upto], lambda: rows)
        >>> Store().confirm_fetched(rows, lambda after, upto: [rows[0]], lambda: [rows[0]])
        Traceback (most recent call last):
        ...
        riskassess.exceptions.AuditLogError: cannot append to 'example': sequence numbers ...
        """
        size = READBACK_CHUNK  # read once: the chunks of one append are all the same size
        for start in range(0, len(expected), size):
            chunk = expected[start:start + size]
            last_chunk = start + size >= len(expected)
            if fetch(chunk[0][0] - 1, None if last_chunk else chunk[-1][0]) != chunk:
                self.confirm(expected, read_all())
                return

    def confirm(self, expected: list[Row], stored: list[tuple[Any, ...]]) -> None:
        """Raise unless the rows read back are exactly the rows just inserted.

        Called inside the append transaction, before commit: a trigger or rule that drops,
        adds or changes rows makes the append fail (and roll back) instead of handing out
        receipts for records that are not there.
        """
        got = [(int(s), str(p), str(r), str(h), None if m is None else str(m))
               for s, p, r, h, m in stored]
        if got == expected:
            return
        want = [r[0] for r in expected]
        seen = [r[0] for r in got]
        what = (f"sequence numbers {want[:3]}... were not all stored (read back {seen[:3]}...)"
                if want != seen else "rows were stored with different content")
        raise AuditLogError(f"cannot append to {self.location}: {what}; something in the "
                            "database (a trigger or rule) interferes with the log, so nothing "
                            "was appended")


def lookup_rows(run: Callable[[str, Any], list[Any]], table: str, placeholder: str,
                hashes: Collection[str]) -> list[tuple[int, str, str]]:
    """:data:`Lookup` in SQL: ``run(sql, params)`` on SQLite (``?``) or PostgreSQL (``%s``).

    The decisions table has no index on ``hash`` (adding one would change the schema
    every existing log is checked against), so the hashes are first looked for among the
    last :data:`RECENT_WINDOW` records (a primary-key range: the decision countersigned
    or challenged is nearly always recent), then among 50 times as many, and only those
    still not found in the whole table. Safeguard records (text starting
    :data:`SAFEGUARD_PREFIX`) can only link to an earlier record, so they are read from
    the earliest record found onwards, and kept when they name a wanted hash.

    Examples
    --------
    >>> import sqlite3
    >>> db = sqlite3.connect(":memory:")
    >>> _ = db.execute("CREATE TABLE decisions (seq, record, hash)")
    >>> _ = db.execute("INSERT INTO decisions VALUES (1, '{}', 'h1')")
    >>> lookup_rows(lambda q, p: db.execute(q, p).fetchall(), "decisions", "?", ["h1"])
    [(1, '{}', 'h1')]
    """
    wanted = sorted(set(hashes))
    if not wanted:
        return []
    top = run(f"SELECT max(seq) FROM {table}", ())[0][0]
    if top is None:
        return []
    found: dict[str, tuple[int, str, str]] = {}
    for lowest in (int(top) - RECENT_WINDOW, int(top) - 50 * RECENT_WINDOW, None):
        missing = [h for h in wanted if h not in found]
        if not missing:
            break
        where = "" if lowest is None else f"seq > {int(lowest)} AND "
        for start in range(0, len(missing), LOOKUP_CHUNK):
            chunk = missing[start:start + LOOKUP_CHUNK]
            marks = ", ".join([placeholder] * len(chunk))
            for s, r, h in run(f"SELECT seq, record, hash FROM {table} WHERE {where}"
                               f"hash IN ({marks})", tuple(chunk)):
                found.setdefault(str(h), (int(s), str(r), str(h)))
        if lowest is not None and lowest <= 0:
            break  # that window was the whole table
    out = list(found.values())
    if out:
        first = min(row[0] for row in out)
        size = len(SAFEGUARD_PREFIX)
        for s, r, h in run(f"SELECT seq, record, hash FROM {table} WHERE seq > {first} AND "
                           f"substr(record, 1, {size}) = {placeholder}", (SAFEGUARD_PREFIX,)):
            if any(w in r for w in wanted):
                out.append((int(s), str(r), str(h)))
    return out


def readback_line(row: Row) -> str:
    """One row as the append read-back compares it (what :data:`READBACK_SQL` makes).

    Each field is delimited, the MAC marked present (``=``) or absent (``~``) and the
    record prefixed by its length in characters, so two different rows (or row lists)
    never give the same text.

    Examples
    --------
    >>> readback_line((2, "p" * 64, '{"a":1}', "h" * 64, None))[-12:]
    ' ~ 7 {"a":1}'
    """
    seq, prev, text, digest, mac = row
    return f"{seq} {prev} {digest} {'~' if mac is None else '=' + mac} {len(text)} {text}"


def register_backend(scheme: str, factory: str | Callable[..., LogStorage]) -> None:
    """Make ``DecisionLog("<scheme>://...")`` use another storage backend.

    Parameters
    ----------
    scheme : str
        URL scheme, e.g. ``"mysql"``.
    factory : str or callable
        ``"package.module:Class"`` (imported on first use) or the class itself.

    Examples
    --------
    >>> register_backend("postgresql", "riskassess.decisions._postgres:PostgresStorage")
    """
    _BACKENDS[scheme.lower()] = factory  # type: ignore[assignment]


def _factory(scheme: str) -> Callable[..., LogStorage]:
    entry: Any = _BACKENDS.get(scheme.lower())
    if entry is None:
        raise AuditLogError(f"no decision-log backend for {scheme}:// URLs (known: "
                            f"{sorted(_BACKENDS)}, or a file path for SQLite)")
    if isinstance(entry, str):
        module, _, name = entry.partition(":")
        entry = getattr(importlib.import_module(module), name)
    factory: Callable[..., LogStorage] = entry
    return factory


def open_storage(target: str | os.PathLike[str], **options: Any) -> LogStorage:
    """The backend for a file path (SQLite) or a ``scheme://`` URL.

    Examples
    --------
    >>> open_storage("mysql://db/log")
    Traceback (most recent call last):
    ...
    riskassess.exceptions.AuditLogError: no decision-log backend for mysql:// URLs ...
    """
    if isinstance(target, str) and "://" in target and not Path(target).exists():
        return _factory(target.split("://", 1)[0])(target, **options)
    # the embedded default is imported by name like the other backends (no import cycle)
    module, _, name = _DEFAULT_BACKEND.partition(":")
    factory: Callable[..., LogStorage] = getattr(importlib.import_module(module), name)
    return factory(target, **options)
