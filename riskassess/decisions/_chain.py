"""Chain arithmetic of the decision log: record hashes, keyed MACs, heads and receipts.

Record ``n`` (1-based sequence) stores the canonical JSON of a decision, the hash of
record ``n - 1`` (:data:`GENESIS` for the first) and its own hash::

    hash_n = SHA-256( prev_hash + "\\n" + str(n) + "\\n" + canonical_json )

A keyed log also stores, for every record, a MAC that only the holder of the deployment's
key can compute::

    mac_n = HMAC-SHA256( key, "riskassess-decision-log/2\\n" + log_id + "\\n" + str(n)
                              + "\\n" + hash_n )

The hash makes the chain self-checking (an edit breaks it); the MAC makes it *keyed*:
someone with the file but not the key can rewrite records and recompute every hash, but
cannot recompute the MACs, so a rewritten chain or a forged append is caught. The
``log_id`` (random, fixed when the log is created) stops records being transplanted from
another log kept with the same key.

What a chain cannot show from inside itself is a missing *tail* (the last records
deleted, or the file truncated to an earlier state). A :class:`Receipt` from every
append, kept by the case system, or a :class:`LogHead` kept elsewhere, closes that gap.

Examples
--------
>>> h1 = record_hash(GENESIS, 1, '{"a":1}')
>>> key = bytes(range(32))
>>> mac = record_mac(key, "log-1", 1, h1)
>>> len(mac), mac == record_mac(key, "log-2", 1, h1)   # bound to this log
(64, False)
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from riskassess.exceptions import AuditLogError

__all__ = ["GENESIS", "LogHead", "Receipt", "key_id", "mac_function", "read_receipts",
           "record_hash", "record_hash_bytes", "record_mac"]

#: The ``prev_hash`` of the first record.
GENESIS = "0" * 64

_MAC_DOMAIN = "riskassess-decision-log/2"
_HEX = frozenset("0123456789abcdef")


def record_hash(prev_hash: str, sequence: int, record: str) -> str:
    """SHA-256 (hex) of one chain link: previous hash, sequence number and record text.

    Parameters
    ----------
    prev_hash : str
        Hash of the previous record (:data:`GENESIS` for the first).
    sequence : int
        This record's 1-based sequence number.
    record : str
        The record's stored text (canonical JSON of a decision).

    Returns
    -------
    str
        64 lowercase hex digits.

    Examples
    --------
    >>> h1 = record_hash(GENESIS, 1, '{"a":1}')
    >>> h1
    '58a8b64ede0a31c39c4c0afb728c913a6b777e6ee987ceea8e4264a089470621'
    >>> record_hash(GENESIS, 2, '{"a":1}') == h1  # the position is part of the hash
    False
    """
    data = f"{prev_hash}\n{sequence}\n{record}".encode()
    return hashlib.sha256(data).hexdigest()


def record_mac(key: bytes, log_id: str, sequence: int, hash_hex: str) -> str:
    """HMAC-SHA256 (hex) binding a record's hash to its position in one log.

    The hash already covers the previous hash and the record text, so the MAC covers the
    whole chain up to this record.

    Parameters
    ----------
    key : bytes
        The deployment's secret (see :mod:`riskassess.decisions._keys`).
    log_id : str
        The log's random id, fixed at creation.
    sequence : int
        The record's sequence number.
    hash_hex : str
        The record's hash (:func:`record_hash`).

    Returns
    -------
    str
        64 lowercase hex digits.

    Examples
    --------
    >>> key = b"k" * 32
    >>> record_mac(key, "L", 1, GENESIS) == record_mac(key, "L", 2, GENESIS)
    False
    """
    message = f"{_MAC_DOMAIN}\n{log_id}\n{sequence}\n{hash_hex}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def record_hash_bytes(prev_hash: str, sequence: int, record: bytes) -> str:
    """:func:`record_hash` of a record given as its UTF-8 bytes (as SQLite stores it).

    The same digest: the UTF-8 encoding of the joined text is the joined encodings. It
    lets ``verify`` hash a million stored records without decoding each to ``str`` and
    encoding it again.

    Examples
    --------
    >>> record_hash_bytes(GENESIS, 1, '{"a":"é"}'.encode()) == record_hash(GENESIS, 1, '{"a":"é"}')
    True
    """
    digest = hashlib.sha256(f"{prev_hash}\n{sequence}\n".encode())
    digest.update(record)
    return digest.hexdigest()


def mac_function(key: bytes, log_id: str) -> Callable[[int, str], str]:
    """:func:`record_mac` for one log and key, as a function of (sequence, hash).

    HMAC as RFC 2104 defines it, ``H((K ^ opad) + H((K ^ ipad) + message))``, with the
    inner hash of the key block and the fixed prefix (domain and log id) and the outer
    hash of the key block computed once and copied for each record. That skips the key
    schedule and the prefix, and ``hmac.HMAC.copy`` (a Python-level object per record):
    about a third of :func:`record_mac`'s cost per record when appending a batch or
    verifying a whole log. The result is identical (tests/decisions/test_fast_paths.py
    holds it to :func:`record_mac` for keys shorter and longer than a block).

    Examples
    --------
    >>> key = bytes(range(32))
    >>> mac = mac_function(key, "L")
    >>> mac(7, GENESIS) == record_mac(key, "L", 7, GENESIS)
    True
    """
    block = hashlib.sha256().block_size
    padded = (hashlib.sha256(key).digest() if len(key) > block else key).ljust(block, b"\0")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in padded))
    inner.update(f"{_MAC_DOMAIN}\n{log_id}\n".encode())
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in padded))

    def mac(sequence: int, hash_hex: str) -> str:
        state = inner.copy()
        state.update(f"{sequence}\n{hash_hex}".encode())
        final = outer.copy()
        final.update(state.digest())
        return final.hexdigest()

    return mac


def key_id(key: bytes) -> str:
    """A short public name for a key (an HMAC of a constant; reveals nothing of the key).

    Stored in the log so that a wrong key is reported as a wrong key, not as tampering.

    Examples
    --------
    >>> key_id(b"k" * 32) == key_id(b"k" * 32), key_id(b"k" * 32) == key_id(b"j" * 32)
    (True, False)
    """
    return hmac.new(key, b"riskassess-decision-log key id", hashlib.sha256).hexdigest()[:16]


def _check_hex(value: Any, what: str) -> str:
    if not isinstance(value, str) or len(value) != 64 or not set(value) <= _HEX:
        raise AuditLogError(f"{what}: expected 64 lowercase hex digits, got {value!r:.80}")
    return value


@dataclass(frozen=True)
class LogHead:
    """The end of a chain: number of records and the last record's hash.

    Keep one outside the log (a report, another system) and pass it to
    ``DecisionLog.verify(expected_head=...)`` to detect deleted tails or rewritten chains.

    Examples
    --------
    >>> head = LogHead.parse("2:" + "ab" * 32)
    >>> head.count, str(head) == "2:" + "ab" * 32
    (2, True)
    """

    count: int
    hash: str

    @classmethod
    def parse(cls, text: str) -> LogHead:
        """Read ``COUNT:HASH`` (what ``str(head)`` writes and the command line takes).

        Raises
        ------
        AuditLogError
            If the text is not ``COUNT:HASH`` with 64 hex digits.

        Examples
        --------
        >>> LogHead.parse("0:" + GENESIS).count
        0
        """
        count, sep, digest = text.strip().partition(":")
        if not sep or not count.isdigit():
            raise AuditLogError(f"expected head as COUNT:HASH, got {text!r:.80}")
        return cls(int(count), _check_hex(digest, "expected head hash"))

    def __str__(self) -> str:
        return f"{self.count}:{self.hash}"


@dataclass(frozen=True)
class Receipt:
    """What ``DecisionLog.append`` hands back for the case system to keep.

    ``sequence`` and ``hash`` name the stored record; ``checkpoint`` is its MAC in a keyed
    log (``None`` in an unkeyed one), so a receipt cannot be forged without the key
    either. A set of kept receipts lets ``verify(receipts=...)`` find records censored
    or a tail deleted after the fact, even in an unkeyed log.

    Examples
    --------
    >>> r = Receipt(3, "ab" * 32, None)
    >>> Receipt.from_json(r.to_json()) == r
    True
    >>> r.to_json()[:30]
    '{"sequence":3,"hash":"abababab'
    """

    sequence: int
    hash: str
    checkpoint: str | None = None

    def to_json(self) -> str:
        """One line of JSON (the receipts file holds one per line)."""
        return json.dumps({"sequence": self.sequence, "hash": self.hash,
                           "checkpoint": self.checkpoint}, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> Receipt:
        """Read a receipt written by :meth:`to_json`.

        Raises
        ------
        AuditLogError
            If the text is not a receipt (names the offending field).

        Examples
        --------
        >>> Receipt.from_json('{"sequence":1,"hash":"' + "0" * 64 + '"}').checkpoint is None
        True
        """
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise AuditLogError(f"receipt is not JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise AuditLogError(f"receipt: expected a JSON object, got {text!r:.80}")
        seq = data.get("sequence")
        if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
            raise AuditLogError(f"receipt field 'sequence': expected an integer >= 1, "
                                f"got {seq!r:.40}")
        checkpoint = data.get("checkpoint")
        if checkpoint is not None:
            checkpoint = _check_hex(checkpoint, f"receipt {seq} field 'checkpoint'")
        return cls(seq, _check_hex(data.get("hash"), f"receipt {seq} field 'hash'"),
                   checkpoint)


def read_receipts(path: str | os.PathLike[str]) -> list[Receipt]:
    """Read a receipts file: one :meth:`Receipt.to_json` line per receipt (blank lines skipped).

    Raises
    ------
    AuditLogError
        If the file cannot be read or a line is not a receipt (names the line).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     p = Path(tmp) / "receipts.jsonl"
    ...     _ = p.write_text(Receipt(1, "ab" * 32).to_json() + "\\n")
    ...     [r.sequence for r in read_receipts(p)]
    [1]
    """
    try:
        with open(path, encoding="utf-8") as fh:
            lines = fh.read().splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise AuditLogError(f"receipts file {str(path)!r}: {exc}") from exc
    out = []
    for lineno, line in enumerate(lines, start=1):
        if line.strip():
            try:
                out.append(Receipt.from_json(line))
            except AuditLogError as exc:
                raise AuditLogError(f"receipts file {str(path)!r} line {lineno}: {exc}") from None
    return out
