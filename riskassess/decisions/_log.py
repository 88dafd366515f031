"""The tamper-evident, append-only decision log.

:class:`DecisionLog` stores every :class:`~riskassess.decisions.FinalDecision` as its
canonical JSON (:func:`canonical_json`) in a hash chain, in an embedded SQLite file
(the default) or in PostgreSQL (``DecisionLog("postgresql://...")``), behind one storage
interface (:mod:`riskassess.decisions._storage`):

* **keyed** (the recommended setup): with ``key=`` (an :class:`EnvironmentKey`,
  a :class:`FileKey`, or raw bytes) every record also carries an HMAC-SHA256 only the key
  holder can compute, so a chain rewritten with recomputed hashes or a forged append is
  caught by ``verify(key=...)``. The key is never stored in the log.
* **receipts**: ``append`` returns a :class:`Receipt` (sequence, hash, checkpoint) for
  the case system to keep; ``verify(receipts=...)`` then finds censored records and a
  deleted tail, which no chain can show from inside itself.
* **honest appends**: each append is one serialised transaction that refuses a log whose
  append-only guards were removed or that carries foreign triggers, and reads the rows
  back before committing; a receipt is only handed out for a record that is stored.
* **read-only verification**: ``DecisionLog(path, read_only=True)`` never writes, not
  even on an empty or foreign file (:class:`~riskassess.exceptions.NotADecisionLogError`).

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
>>> key = bytes.fromhex(generate_key())      # in production: FileKey(...) or EnvironmentKey()
>>> with tempfile.TemporaryDirectory() as tmp:
...     with DecisionLog(Path(tmp) / "decisions.sqlite", key=key) as log:
...         receipt = log.append(d)
...     with DecisionLog(Path(tmp) / "decisions.sqlite", key=key, read_only=True) as log:
...         result = log.verify(receipts=[receipt])
...         back = log.read()
>>> receipt.sequence, back == [d], result.ok, result.keyed
(1, True, True, True)
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import TracebackType
from typing import Literal

from riskassess._atomic import atomic_writer
from riskassess.decisions._chain import (
    GENESIS,
    LogHead,
    Receipt,
    key_id,
    mac_function,
    record_hash,
)
from riskassess.decisions._checks import MAC_NAME, check_log
from riskassess.decisions._keys import (
    EnvironmentKey,
    FileKey,
    KeyProvider,
    generate_key,
    resolve_key,
)
from riskassess.decisions._links import LogRecord, check_appends, parse_record
from riskassess.decisions._log_records import SafeguardMethods
from riskassess.decisions._records import FinalDecision, _final_decision_from_json
from riskassess.decisions._safeguards import (
    DEFAULT_POLICY,
    Contest,
    Countersignature,
    CountersignaturePolicy,
    Representation,
    record_json,
)
from riskassess.decisions._storage import LogStorage, Lookup, Row, open_storage
from riskassess.decisions._verify import LogProblem, VerifyResult, diagnose
from riskassess.exceptions import AuditLogError, DecisionTypeError

__all__ = [
    "GENESIS",
    "DecisionLog",
    "EnvironmentKey",
    "FileKey",
    "KeyProvider",
    "LogHead",
    "LogProblem",
    "Receipt",
    "VerifyResult",
    "canonical_json",
    "generate_key",
    "record_hash",
    "verify_jsonl",
]

_FORMAT = "riskassess-decision-log/2"
_JSONL_LINE = re.compile(
    r'^\{"sequence":(-?\d+),"prev_hash":"([0-9a-f]{64})","hash":"([0-9a-f]{64})",'
    r'"decision":(.*)\}$', re.DOTALL)


def canonical_json(decision: FinalDecision) -> str:
    """The canonical JSON of a decision: the text that is stored and hashed.

    Fields in schema (declaration) order, no whitespace, UTF-8, floats in shortest
    round-trip form, datetimes in ISO 8601 UTC (pydantic's JSON serialiser). The same
    decision always gives the same text, and reading the text back gives an equal
    decision; ``verify`` hashes the stored text itself, so records written by an older
    schema still verify. A decision that fails its own integrity check is refused
    (``FinalDecision._canonical_json()``: the check and the serialisation in one pass).

    Examples
    --------
    >>> from datetime import UTC, date, datetime
    >>> from riskassess.decisions._records import Assessment, ModelInfo
    >>> a = Assessment(case_id="C-1", assessment_date=date(2024, 3, 1), probability=0.3,
    ...                band="low", model=ModelInfo(name="m", version="1", fingerprint="x"),
    ...                input_sha256="0" * 64, created_at=datetime(2024, 3, 1, tzinfo=UTC))
    >>> text = canonical_json(a.decide("off-1", decided_at=datetime(2024, 3, 2, tzinfo=UTC)))
    >>> text[:27], text[-45:]
    ('{"assessment":{"case_id":"C', 'equired":false,"previous_decision_hash":null}')
    """
    if not isinstance(decision, FinalDecision):
        raise DecisionTypeError(f"expected a FinalDecision (from Assessment.decide), got "
                                f"{type(decision)}")
    # a FinalDecision changed after creation (object.__setattr__ on a frozen model) must
    # not be stored: the decision module's own integrity check refuses it, on the very
    # text it returns (serialising is most of an append's cost: done once, here)
    return decision._canonical_json()


class DecisionLog(SafeguardMethods):
    """Append-only, hash-chained (and keyed) store of final decisions and their safeguards.

    Besides decisions it holds :class:`Countersignature`, :class:`Representation` and
    :class:`Contest` records, each linked to a decision by its record hash
    (:meth:`countersign`, :meth:`status`, :meth:`pending`, :meth:`records`,
    :meth:`safeguards_frame`); :meth:`read` and iteration give the decisions only.

    Parameters
    ----------
    target : str or Path
        An SQLite file (created, with its directory, when missing) or a
        ``postgresql://`` URL.
    key : KeyProvider or bytes, optional
        The deployment's key (:class:`FileKey`, :class:`EnvironmentKey`, or at least 32
        bytes). A log created with a key is keyed for life: every append needs the key,
        and ``verify`` checks every record's MAC with it. Without a key the log is
        unkeyed, and ``verify`` says what that cannot detect.
    read_only : bool, default False
        Open for reading and verifying only: nothing is created or written (evidence
        copies, read-only media).
    timeout : float, default 30.0
        Seconds to wait for another writer's append before failing.
    synchronous : {"FULL", "EXTRA"}, default "FULL"
        SQLite durability level (both make a returned append survive a crash).
    policy : CountersignaturePolicy or None, default DEFAULT_POLICY
        Appends refuse a decision whose ``countersignature_required`` disagrees with it,
        and only its supervisor roles may countersign. None: decisions are stored as
        decided (the default policy's roles still apply to countersigning).

    Raises
    ------
    NotADecisionLogError
        If the file or database holds something else (an empty file included).
    AuditLogError
        If the log cannot be opened, or the key cannot be read.

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
    >>> key = bytes(range(32))
    >>> with tempfile.TemporaryDirectory() as tmp, DecisionLog(Path(tmp) / "log.sqlite",
    ...                                                         key=key) as log:
    ...     receipts = log.append_many([agree, lower])
    ...     print([r.sequence for r in receipts], len(log), log.verify(receipts=receipts))
    ...     frame = log.to_frame()
    [1, 2] 2 decision log ok (keyed: every MAC checked): 2 records, head ...
    >>> frame[["case_id", "officer_id", "model_band", "final_band", "override"]]
      case_id officer_id model_band final_band  override
    0     C-1      off-1       high       high     False
    1     C-1      off-2       high     medium      True

    The file is append-only: SQL refuses edits, and edits made round SQLite (or by
    someone without the key) are found by :meth:`verify`.

    >>> import sqlite3
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = Path(tmp) / "log.sqlite"
    ...     with DecisionLog(path, key=key) as log:
    ...         _ = log.append(agree)
    ...     with sqlite3.connect(path) as db:
    ...         db.execute("DELETE FROM decisions")
    Traceback (most recent call last):
    ...
    sqlite3.IntegrityError: the decision log is append-only
    """

    def __init__(self, target: str | os.PathLike[str], *, key: KeyProvider | bytes | None = None,
                 read_only: bool = False, timeout: float = 30.0,
                 synchronous: Literal["FULL", "EXTRA"] = "FULL",
                 policy: CountersignaturePolicy | None = DEFAULT_POLICY) -> None:
        if synchronous not in ("FULL", "EXTRA"):
            raise AuditLogError(f"decision log option synchronous: expected 'FULL' or "
                                f"'EXTRA', got {synchronous!r}")
        self._target = target
        self._policy = policy
        self._key = resolve_key(key)
        new_meta = {"format": _FORMAT, "log_id": uuid.uuid4().hex,
                    "mac": MAC_NAME if self._key is not None else "none",
                    "key_id": key_id(self._key) if self._key is not None else ""}
        self._store = open_storage(target, read_only=read_only, new_meta=new_meta,
                                   timeout=timeout, synchronous=synchronous)
        self._meta = dict(self._store.meta())
        self._closed = False

    @property
    def path(self) -> Path:
        """The SQLite file (for a PostgreSQL log: the URL, as a path-like string)."""
        return Path(self._target)

    @property
    def keyed(self) -> bool:
        """Whether the log was created keyed (each record carries a MAC)."""
        return self._meta.get("mac") == MAC_NAME

    # -- writing -----------------------------------------------------------------------

    def append(self, decision: LogRecord) -> Receipt:
        """Append one record durably; return its receipt for the case system to keep.

        ``decision`` is a :class:`FinalDecision` or a safeguard record
        (:class:`Countersignature`, :class:`Representation`, :class:`Contest`). When this
        returns, the record is committed, synced, and was read back as stored.

        Raises
        ------
        DecisionTypeError
            If ``decision`` is none of those.
        DecisionError
            If it breaks the log's countersignature policy or a link rule (an unknown
            decision, a countersignature by the deciding officer or of an effective
            decision, a reassessment linking to another case): nothing is appended.
        AuditLogError
            If the log is keyed and no (or the wrong) key was given, or the database did
            not store the record as given.
        TamperedLogError
            If the log's append-only guards were removed or foreign triggers added.
        """
        return self.append_many([decision])[0]

    def append_many(self, decisions: Iterable[LogRecord]) -> list[Receipt]:
        """Append records in one transaction (all or none); return their receipts.

        A safeguard record must name a decision already in the log (not one in the same
        batch: its record hash is only known once it is stored).
        """
        records = list(decisions)
        texts = [_text(r) for r in records]
        if not texts:
            return []
        check = None
        if self._policy is not None or any(
                not isinstance(r, FinalDecision) or r.previous_decision_hash is not None
                for r in records):
            # only then: plain decisions under no policy need no look-up at all
            def check(lookup: Lookup) -> None:
                check_appends(records, lookup, self._policy)
        mac_key = self._mac_key()
        log_id = self._meta.get("log_id", "")

        # the key schedule and the MAC prefix are done once, not once per record
        mac_of = None if mac_key is None else mac_function(mac_key, log_id)

        def build(last: int, prev: str) -> list[Row]:
            rows: list[Row] = []
            add = rows.append  # bound once: this loop runs once per record of a batch
            for seq, text in enumerate(texts, start=last + 1):
                digest = record_hash(prev, seq, text)
                add((seq, prev, text, digest, None if mac_of is None else mac_of(seq, digest)))
                prev = digest
            return rows

        stored = self._live.append(build, check)
        return [Receipt(seq, digest, mac) for seq, _, _, digest, mac in stored]

    def _mac_key(self) -> bytes | None:
        """The key appends must use, after checking that it is this log's key."""
        if not self.keyed:
            if self._key is not None:
                raise AuditLogError(f"decision log {self._store.location} was created "
                                    "unkeyed; a key cannot be added later: start a new log "
                                    "with key=...")
            return None
        if self._key is None:
            raise AuditLogError(f"decision log {self._store.location} is keyed: appending "
                                "needs its key (key=FileKey(...) or EnvironmentKey())")
        if key_id(self._key) != self._meta.get("key_id"):
            raise AuditLogError(f"the key given is not the key of decision log "
                                f"{self._store.location} (key id {key_id(self._key)!r}, "
                                f"the log's is {self._meta.get('key_id')!r})")
        return self._key

    # -- reading -----------------------------------------------------------------------

    @property
    def _live(self) -> LogStorage:
        if self._closed:
            raise AuditLogError(f"decision log {self._store.location} is closed")
        return self._store

    def __iter__(self) -> Iterator[FinalDecision]:
        for seq, _, text, _, _ in self._live.rows():
            if text.startswith('{"record_type":'):  # a safeguard record: see records()
                continue
            try:
                yield _final_decision_from_json(text)
            except ValueError as exc:
                raise AuditLogError(f"record {seq} of {self._store.location} is not a valid "
                                    f"decision: {exc}") from exc

    def read(self) -> list[FinalDecision]:
        """Every decision, in the order appended (equal to the objects appended); the
        safeguard records are read with :meth:`records`."""
        return list(self)

    def __len__(self) -> int:
        return self._live.count()

    def head(self) -> LogHead:
        """Number of records and the last hash: keep it elsewhere to anchor the chain."""
        found = self._live.head()
        return LogHead(0, GENESIS) if found is None else LogHead(*found)

    def verify(self, *, key: KeyProvider | bytes | None = None,
               receipts: Iterable[Receipt] | None = None,
               expected_head: LogHead | None = None, deep: bool = False) -> VerifyResult:
        """Check the chain, the MACs, the receipts, the anchored head and the schema.

        Parameters
        ----------
        key : KeyProvider or bytes, optional
            The key to check MACs with (default: the key the log was opened with).
        receipts : iterable of Receipt, optional
            Receipts from :meth:`append`; detects censored records and a deleted tail.
        expected_head : LogHead, optional
            A head kept outside the log; detects deleted tails and rewritten chains.
        deep : bool, default False
            Also re-validate every record (as a decision or a safeguard record).

        Returns
        -------
        VerifyResult
            Truthy when nothing is wrong (``pending`` lists the decisions waiting for a
            countersignature, and ``"link"`` problems name safeguard records that break
            the link rules); ``problems`` names the records otherwise
            (``raise_if_tampered()`` raises :class:`~riskassess.exceptions.TamperedLogError`)
            and ``warnings`` says what could not be checked without a key or receipts.

        Raises
        ------
        AuditLogError
            If a receipt was not issued by this log with this key.
        """
        store = self._live
        check_key = self._key if key is None else resolve_key(key)
        return check_log(store.rows, self._meta, key=check_key, expected_head=expected_head,
                         receipts=receipts, schema=store.schema_problems(),
                         deep=_invalid_decision if deep else None, pages=store.chain_pages,
                         links=store.lookup)

    # -- export ------------------------------------------------------------------------

    def to_jsonl(self, path: str | os.PathLike[str]) -> Path:
        """Write the log as JSON Lines, atomically (temp file, fsync, rename).

        Each line: ``{"sequence":…,"prev_hash":…,"hash":…,"decision":<stored text>}``,
        the decision being the exact stored text, so the chain can be re-checked from the
        file with :func:`verify_jsonl`.
        """
        target = Path(path)
        with atomic_writer(target) as fh:
            for seq, prev, text, digest, _ in self._live.rows():
                fh.write(f'{{"sequence":{int(seq)},"prev_hash":"{prev}","hash":"{digest}",'
                         f'"decision":{text}}}\n')
        return target

    # -- lifetime ----------------------------------------------------------------------

    def close(self) -> None:
        """Close the database connection (idempotent)."""
        self._closed = True
        self._store.close()

    def __enter__(self) -> DecisionLog:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"DecisionLog({self._store.location})"


def _text(record: LogRecord) -> str:
    if type(record) is FinalDecision:  # the usual record, and the cheapest test first
        return record._canonical_json()
    if isinstance(record, Countersignature | Representation | Contest):
        return record_json(record)
    return canonical_json(record)


def _invalid_decision(sequence: int, text: str) -> str | None:
    try:
        parse_record(text)
    except (ValueError, TypeError) as exc:
        return str(exc)
    return None


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
