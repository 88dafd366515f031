"""Model files: signatures of the fingerprint, and the checks made before parsing.

Private helpers of :mod:`riskassess.models._io`. A signature signs
``_SIGNED_PREFIX + fingerprint`` (the fingerprint covers the whole file except the
signatures), with HMAC-SHA256 for a shared key (bytes) or Ed25519 (``cryptography``).
The checks before parsing keep a hostile file from costing unbounded time or memory:
a regular file only (a FIFO, device or folder is refused without blocking), a size limit
checked on the open file and enforced by reading at most one byte more, ASCII, nesting
depth and number-literal length measured on the raw bytes before :func:`json.loads`
(whose own limits raise RecursionError and ValueError).

Examples
--------
>>> sig = sign(b"0123456789abcdef", "ab" * 32)
>>> sig["alg"], verifies(sig, b"0123456789abcdef", "ab" * 32), verifies(sig, b"x" * 16, "ab" * 32)
('hmac-sha256', True, False)
>>> prechecked(b"[" * 100 + b"]" * 100, "f", 1000)
Traceback (most recent call last):
...
riskassess.exceptions.ModelFileError: f nests deeper than 64 levels
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import os
import re
import stat
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from riskassess.exceptions import ModelFileError

#: Deepest nesting of ``[`` / ``{`` accepted (real files nest about 8 deep).
MAX_DEPTH = 64
#: Longest number literal accepted (a float's shortest repr is at most 24 characters).
MAX_NUMBER_CHARS = 40
#: Most signatures a file may carry.
MAX_SIGNATURES = 8
# Signatures sign this prefix plus the fingerprint, so a signature made for another
# purpose with the same key can never pass as a model signature.
_SIGNED_PREFIX = b"riskassess-model-signature-v2:"
_CHUNK = 1 << 20


@dataclasses.dataclass(frozen=True)
class ModelProvenance:
    """Where a loaded model came from and what was verified (``model.provenance_``).

    Attributes
    ----------
    source : str
        The file name, or how the JSON text was named.
    fingerprint : str
        The fingerprint stored in (and checked against) the file.
    verified : bool
        True when ``expected_fingerprint`` matched or a signature verified with one of
        ``trusted_keys``; False means anyone could have written this file.
    signed_by : tuple of str
        Key ids of the trusted keys whose signatures verified.

    Examples
    --------
    >>> from riskassess.instruments import OGRS3
    >>> from riskassess.models import model_fingerprint, model_from_json, model_to_json
    >>> text = model_to_json(OGRS3())
    >>> p = model_from_json(text, source="ogrs3.json").provenance_
    >>> p.verified, p.signed_by
    (False, ())
    >>> fp = model_fingerprint(OGRS3())
    >>> model_from_json(text, expected_fingerprint=fp).provenance_.verified
    True
    """

    source: str
    fingerprint: str
    verified: bool
    signed_by: tuple[str, ...] = ()


def _ed25519() -> Any:
    """The ``cryptography`` Ed25519 module, or None when it is not installed."""
    try:
        from cryptography.hazmat.primitives.asymmetric import ed25519
    except ImportError:  # pragma: no cover - cryptography is a dependency
        return None
    return ed25519


def _key_id(kind: bytes, material: bytes) -> str:
    # A public, key-derived id (hashed with a label, so an HMAC key id reveals nothing
    # usable about the key) lets a loader pick the right key among several.
    return hashlib.sha256(b"riskassess-key-id:" + kind + b":" + material).hexdigest()[:16]


def as_list(keys: Any) -> list[Any]:
    if keys is None:
        return []
    if isinstance(keys, bytes | bytearray | str) or not isinstance(keys, Iterable):
        return [keys]
    return list(keys)


def sign(key: Any, fingerprint: str) -> dict[str, str]:
    message = _SIGNED_PREFIX + fingerprint.encode("ascii")
    ed = _ed25519()
    if isinstance(key, bytes | bytearray):
        if len(key) < 16:
            raise ModelFileError(f"an HMAC signing key needs at least 16 bytes, got {len(key)}")
        return {"alg": "hmac-sha256", "key_id": _key_id(b"hmac", bytes(key)),
                "value": hmac.new(bytes(key), message, hashlib.sha256).hexdigest()}
    if ed is not None and isinstance(key, ed.Ed25519PrivateKey):
        public = key.public_key().public_bytes_raw()
        return {"alg": "ed25519", "key_id": _key_id(b"ed25519", public),
                "value": key.sign(message).hex()}
    raise ModelFileError("signing_key must be bytes (HMAC-SHA256, at least 16) or an "
                         f"Ed25519PrivateKey; got {type(key).__name__}")


def verifies(sig: Mapping[str, str], key: Any, fingerprint: str) -> bool:
    message = _SIGNED_PREFIX + fingerprint.encode("ascii")
    ed = _ed25519()
    if isinstance(key, bytes | bytearray):
        if sig["alg"] != "hmac-sha256" or sig["key_id"] != _key_id(b"hmac", bytes(key)):
            return False
        good = hmac.new(bytes(key), message, hashlib.sha256).hexdigest()
        return hmac.compare_digest(good, sig["value"])
    if ed is not None and isinstance(key, ed.Ed25519PrivateKey):
        key = key.public_key()
    if ed is not None and isinstance(key, ed.Ed25519PublicKey):
        if sig["alg"] != "ed25519" or sig["key_id"] != _key_id(
                b"ed25519", key.public_bytes_raw()):
            return False
        from cryptography.exceptions import InvalidSignature

        try:
            key.verify(bytes.fromhex(sig["value"]), message)
        except (InvalidSignature, ValueError):  # a wrong signature, or odd-length hex
            return False
        return True
    raise ModelFileError("trusted_keys must be bytes (HMAC-SHA256) or Ed25519 public "
                         f"(or private) keys; got {type(key).__name__}")


def checked_signatures(doc: Mapping[str, Any], source: str) -> list[dict[str, str]]:
    sigs = doc.get("signatures", [])
    ok = isinstance(sigs, list) and len(sigs) <= MAX_SIGNATURES and all(
        isinstance(s, dict) and set(s) == {"alg", "key_id", "value"}
        and s["alg"] in {"hmac-sha256", "ed25519"}
        and all(isinstance(v, str) and re.fullmatch(r"[0-9a-f]{1,256}", v)
                for k, v in s.items() if k != "alg") for s in sigs)
    if not ok:
        raise ModelFileError(f"{source}: 'signatures' must be a list of at most "
                             f"{MAX_SIGNATURES} {{alg, key_id, value}} entries (hex)")
    return sigs


_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_LONG_NUMBER = re.compile(rb"[-+0-9.eE]{%d,}" % (MAX_NUMBER_CHARS + 1))


def _max_depth(data: bytes, limit: int) -> int:
    """Deepest ``[``/``{`` nesting of ``data`` (strings removed), stopping past ``limit``.

    Chunked so that memory stays a few MB whatever the size (json.loads would recurse).
    """
    arr = np.frombuffer(data, dtype=np.uint8)
    depth = deepest = 0
    for start in range(0, arr.size, _CHUNK):
        c = arr[start:start + _CHUNK]
        step = ((c == 0x5B).astype(np.int32) + (c == 0x7B) - (c == 0x5D) - (c == 0x7D))
        run = np.cumsum(step, dtype=np.int64) + depth
        deepest, depth = max(deepest, int(run.max())), int(run[-1])
        if deepest > limit:
            break
    return deepest


def prechecked(raw: bytes, source: str, max_bytes: int) -> str:
    """The text of ``raw`` once it passes the cheap checks that come before parsing."""
    if len(raw) > max_bytes:
        raise ModelFileError(f"{source} is larger than the limit of {max_bytes} bytes")
    if not raw.isascii():
        raise ModelFileError(f"{source} is not a model file: it holds non-ASCII bytes")
    bare = _STRING.sub(b'""', raw)  # brackets and digits inside strings do not count
    if _max_depth(bare, MAX_DEPTH) > MAX_DEPTH:
        raise ModelFileError(f"{source} nests deeper than {MAX_DEPTH} levels")
    if _LONG_NUMBER.search(bare):
        raise ModelFileError(f"{source} holds a number literal longer than "
                             f"{MAX_NUMBER_CHARS} characters")
    return raw.decode("ascii")


def read_limited(path: str | os.PathLike[str], max_bytes: int) -> bytes:
    """At most ``max_bytes + 1`` bytes of a regular file; never blocks on a FIFO."""
    name = repr(os.fspath(path))
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise ModelFileError(f"cannot read model file {name}: {exc}") from None
    try:
        info = os.fstat(fd)  # of the opened file: no swap between check and read
        if not stat.S_ISREG(info.st_mode):
            raise ModelFileError(f"model file {name} is not a regular file")
        if info.st_size > max_bytes:
            raise ModelFileError(f"model file {name} is {info.st_size} bytes, larger than "
                                 f"the limit of {max_bytes}")
        chunks, left = [], max_bytes + 1
        while left > 0:
            chunk = os.read(fd, min(left, _CHUNK))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    except OSError as exc:
        raise ModelFileError(f"cannot read model file {name}: {exc}") from None
    finally:
        os.close(fd)
