"""Full verification of a stored decision log: chain, MACs, receipts, head and schema.

:func:`check_log` reads the rows once, in sequence order, and keeps nothing but the
running state, so a log of a million records verifies in bounded memory. Only when the
chain is found broken does it read the rows again into memory, for :func:`diagnose` to
say which records were edited, deleted, reordered or inserted.

What each input adds:

========================  =============================================================
given                     also detected
========================  =============================================================
(nothing)                 edits, deletions, reorderings, insertions inside the chain;
                          missing append-only guards and foreign schema objects
``key``                   whole-chain rewrites with recomputed hashes, forged appends,
                          records transplanted from another log
``receipts``              censored records and a deleted tail, up to the last receipt
``expected_head``         a deleted tail or a rewritten chain, up to that head
========================  =============================================================

Examples
--------
>>> from riskassess.decisions._chain import GENESIS, record_hash, record_mac
>>> key = b"k" * 32
>>> h1 = record_hash(GENESIS, 1, "a")
>>> rows = [(1, GENESIS, "a", h1, record_mac(key, "L", 1, h1))]
>>> meta = {"format": "2", "log_id": "L", "mac": "hmac-sha256", "key_id": key_id(key)}
>>> check_log(lambda: iter(rows), meta, key=key).ok
True
>>> forged = [(1, GENESIS, "a", h1, "0" * 64)]
>>> print(check_log(lambda: iter(forged), meta, key=key).problems[0])
forged (record 1): the MAC does not verify with the key: written or rewritten without it
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from riskassess.decisions._chain import GENESIS, LogHead, Receipt, key_id, mac_function, record_mac
from riskassess.decisions._links import LinkScan, link_problems
from riskassess.decisions._storage import ChainRow, Lookup, Row
from riskassess.decisions._verify import LogProblem, VerifyResult, _runs, _span, diagnose
from riskassess.exceptions import AuditLogError

__all__ = ["check_log"]

MAC_NAME = "hmac-sha256"
_UNKEYED = ("the log is unkeyed: a chain rewritten with recomputed hashes, or forged "
            "records appended, cannot be detected (create logs with key=...)")
_NO_KEY = ("no key given: MACs not checked, so a chain rewritten with recomputed hashes or "
           "forged appends would pass (pass key= / --key-file)")
_NO_ANCHOR = ("no receipts or expected head given: deleting the last records (or restoring "
              "an older copy of the log) cannot be detected (pass receipts= / --receipts)")


def check_log(rows: Callable[[], Iterator[Row]], meta: Mapping[str, str], *,
              key: bytes | None = None, expected_head: LogHead | None = None,
              receipts: Iterable[Receipt] | None = None, schema: Sequence[str] = (),
              deep: Callable[[int, str], str | None] | None = None,
              pages: Callable[[], Iterator[Sequence[ChainRow]]] | None = None,
              links: Lookup | None = None) -> VerifyResult:
    """Verify a log's rows against its metadata, the key, receipts and an anchored head.

    Parameters
    ----------
    rows : callable
        Returns a fresh iterator over the rows in sequence order (called again, to
        diagnose, only when the chain is broken; and for the pass itself when ``pages``
        is not given).
    meta : mapping
        The log's metadata (``format``, ``log_id``, ``mac``, ``key_id``).
    key : bytes, optional
        The deployment's key: every record's MAC is checked.
    expected_head : LogHead, optional
        A head kept outside the log.
    receipts : iterable of Receipt, optional
        Receipts handed out by ``append``.
    schema : sequence of str
        Schema problems found by the storage backend.
    deep : callable, optional
        ``deep(sequence, record)`` returns why a record is not a valid decision, or None.
    links : callable, optional
        A :data:`~riskassess.decisions._storage.Lookup` of the stored log: the safeguard
        records and reassessment links are then checked (``"link"`` problems) and the
        decisions pending countersignature listed in ``VerifyResult.pending``.
    pages : callable, optional
        Returns the same rows in pages, each record as its UTF-8 bytes
        (:meth:`~riskassess.decisions._storage.LogStorage.chain_pages`): the fast route
        for the pass over every record.

    Returns
    -------
    VerifyResult

    Raises
    ------
    AuditLogError
        If a receipt's checkpoint was not made with ``key`` for this log (bad input).
    """
    receipts = list(receipts or ())
    keyed_log = meta.get("mac") == MAC_NAME
    log_id = meta.get("log_id", "")
    problems = [LogProblem("schema", 0, 0, p) for p in schema]
    check_macs = key is not None
    if key is not None and not keyed_log:
        problems.append(LogProblem("schema", 0, 0, "a key was given but the log says it is "
                                   "unkeyed: its records cannot be authenticated (a keyed "
                                   "log rewritten as an unkeyed one looks like this)"))
        check_macs = False
    elif key is not None and meta.get("key_id") != key_id(key):
        problems.append(LogProblem("forged", 1, 1, f"the log's key id "
                                   f"{meta.get('key_id')!r} is not the id of the key given "
                                   f"({key_id(key)!r}): a wrong key, or a re-keyed log"))
        check_macs = False
    wanted = _receipts(receipts, key if check_macs else None, log_id)

    scan = _scan(pages if pages is not None else _pages_of(rows),
                 mac_function(key, log_id) if check_macs and key is not None else None,
                 wanted, expected_head.count if expected_head is not None else None, deep)
    pending: tuple[int, ...] = ()
    count, intact, last = scan.count, scan.intact, (scan.last_seq, scan.last_hash)
    bad_macs, invalid, at_receipt, head_seen = (scan.bad_macs, scan.invalid, scan.at_receipt,
                                                scan.head_seen)

    if not intact:
        problems += diagnose([(s, p, r, h) for s, p, r, h, _ in rows()]).problems
    problems += [LogProblem("forged", a, b, "the MAC does not verify with the key: written "
                            "or rewritten without it") for a, b in _runs(bad_macs)]
    problems += _receipt_problems(wanted, at_receipt)
    if expected_head is not None:
        problems += _head_problems(expected_head, head_seen, last[0])
    if intact and not problems:
        problems += invalid
    if intact and links is not None:
        # only on an intact chain: links between edited records would say nothing new
        found, pending = link_problems(scan.links, links)
        problems += found
    problems.sort(key=lambda q: (q.sequence, q.kind))
    return VerifyResult(not problems, count, LogHead(count, last[1]), tuple(problems),
                        _warnings(meta, keyed_log, key, receipts, expected_head),
                        keyed=check_macs, pending=pending)


@dataclass
class _Scan:
    """What one pass over every record found."""

    count: int = 0
    intact: bool = True
    last_seq: int = 0
    last_hash: str = GENESIS
    bad_macs: list[int] = field(default_factory=list)
    invalid: list[LogProblem] = field(default_factory=list)
    at_receipt: dict[int, str] = field(default_factory=dict)
    head_seen: str | None = None
    links: LinkScan = field(default_factory=LinkScan.empty)


def _pages_of(rows: Callable[[], Iterator[Row]]) -> Callable[[], Iterator[list[ChainRow]]]:
    def pages() -> Iterator[list[ChainRow]]:
        page: list[ChainRow] = []
        for s, p, r, h, m in rows():
            page.append((s, p, r.encode("utf-8", "surrogatepass"), h, m))
            if len(page) == 10_000:  # bounded memory, whatever the log's size
                yield page
                page = []
        yield page

    return pages


def _scan(pages: Callable[[], Iterator[Sequence[ChainRow]]],
          mac_of: Callable[[int, str], str] | None, wanted: Mapping[int, Receipt],
          head_count: int | None, deep: Callable[[int, str], str | None] | None) -> _Scan:
    """One pass over every record: chain links, MACs, receipt and head positions.

    The loop is the cost of verifying a million records, so it does per record only
    what the checks need: one SHA-256 over the stored bytes (no decode and re-encode),
    one HMAC from a precomputed prefix, and dictionary look-ups; nothing is kept but the
    running state and the findings.
    """
    out = _Scan()
    sha256, compare = hashlib.sha256, hmac.compare_digest
    count, prev, intact = 0, GENESIS, True
    links = out.links
    for page in pages():
        for seq, p, rec, h, mac in page:
            count += 1
            if intact:
                if seq != count or p != prev or rec is None:
                    intact = False
                else:
                    digest = sha256(f"{p}\n{seq}\n".encode())
                    digest.update(rec)
                    intact = digest.hexdigest() == h
            # compare_digest: no timing side channel for someone probing MACs (it takes
            # ASCII text only: anything else stored in the column is simply a bad MAC)
            if mac_of is not None and (type(mac) is not str or not mac.isascii()
                                       or not compare(mac, mac_of(seq, h))):
                out.bad_macs.append(seq)
            if seq in wanted:
                out.at_receipt[seq] = h
            if seq == head_count:
                out.head_seen = h
            if rec is not None and (rec[:3] == b'{"r' or b'"previous_decision_hash":"' in rec
                                    or b'"countersignature_required":t' in rec):
                # rarely true (a safeguard record, a reassessment, a decision needing a
                # countersignature), so the common record costs three byte tests
                links.see(seq, h, rec)
            if deep is not None:
                why = deep(seq, "" if rec is None else rec.decode("utf-8", "replace"))
                if why is not None:
                    out.invalid.append(LogProblem("edited", seq, seq,
                                                  f"not a valid decision: {why}"))
            prev = h
        if page:
            out.last_seq = page[-1][0]
    out.count, out.intact, out.last_hash = count, intact, prev
    return out


def _receipts(receipts: Iterable[Receipt] | None, key: bytes | None,
              log_id: str) -> dict[int, Receipt]:
    wanted: dict[int, Receipt] = {}
    for r in receipts or ():
        if not isinstance(r, Receipt):
            raise AuditLogError(f"receipts: expected Receipt objects, got {type(r).__name__}")
        if key is not None and (r.checkpoint is None or not hmac.compare_digest(
                r.checkpoint, record_mac(key, log_id, r.sequence, r.hash))):
            raise AuditLogError(f"receipt {r.sequence} was not issued by this log with this "
                                "key (its checkpoint does not verify)")
        if r.sequence in wanted and wanted[r.sequence] != r:
            raise AuditLogError(f"receipts: two different receipts for record {r.sequence}")
        wanted[r.sequence] = r
    return wanted


def _receipt_problems(wanted: Mapping[int, Receipt],
                      found: Mapping[int, str]) -> list[LogProblem]:
    out = [LogProblem("deleted", a, b, f"{_span(a, b)} had receipts but are missing: deleted, "
                      "or the log was truncated or restored from an older copy")
           for a, b in _runs([s for s in wanted if s not in found])]
    out += [LogProblem("edited", a, b, f"{_span(a, b)} differ from the receipts issued at "
                       "append: rewritten (or an earlier record censored and the chain "
                       "re-hashed)")
            for a, b in _runs([s for s, h in found.items() if wanted[s].hash != h])]
    return out


def _head_problems(expected: LogHead, seen: str | None, last: int) -> list[LogProblem]:
    if expected.count == 0:
        return []
    if seen is None:
        first = min(last + 1, expected.count)
        return [LogProblem("deleted", first, expected.count,
                           f"{_span(first, expected.count)} of the anchored head "
                           f"({expected.count} records) are missing from the end of the log")]
    if seen != expected.hash:
        return [LogProblem("edited", expected.count, expected.count,
                           f"record {expected.count} does not have the anchored head hash: "
                           "the chain up to it was rewritten")]
    return []


def _warnings(meta: Mapping[str, str], keyed_log: bool, key: bytes | None,
              receipts: Iterable[Receipt] | None,
              expected_head: LogHead | None) -> tuple[str, ...]:
    out = []
    if not keyed_log:
        out.append(_UNKEYED)
    elif key is None:
        out.append(_NO_KEY)
    if not receipts and expected_head is None:
        out.append(_NO_ANCHOR)
    if meta.get("format") == "1":
        out.append("format 1 log (written before keyed integrity): start a new keyed log")
    return tuple(out)
