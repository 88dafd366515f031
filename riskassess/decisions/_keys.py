"""Where a keyed decision log gets its secret: a small key-provider interface.

The key is the deployment's, never the log's: it is read from the environment or from a
file that only the service account can read, and it is never written into the log (the
log stores only a short key id, :func:`~riskassess.decisions._chain.key_id`). Anyone
who can edit the log file but does not hold the key cannot produce records that verify.

A provider is any object with a ``key() -> bytes`` method; :class:`EnvironmentKey` and
:class:`FileKey` cover the usual deployments, and a vault or HSM client needs only that
one method. Keys are at least 32 bytes; text keys are hex (``generate_key()`` makes one).

Examples
--------
>>> import os
>>> os.environ["RISKASSESS_LOG_KEY"] = generate_key()
>>> len(EnvironmentKey().key())
32
>>> del os.environ["RISKASSESS_LOG_KEY"]
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Protocol, runtime_checkable

from riskassess.exceptions import AuditLogError

__all__ = ["DEFAULT_KEY_VARIABLE", "EnvironmentKey", "FileKey", "KeyProvider", "generate_key",
           "resolve_key"]

#: The environment variable :class:`EnvironmentKey` reads by default.
DEFAULT_KEY_VARIABLE = "RISKASSESS_LOG_KEY"
MIN_KEY_BYTES = 32
_MAX_KEY_FILE_BYTES = 4096  # a key file is small; refuse to read a mistaken large file


@runtime_checkable
class KeyProvider(Protocol):
    """Anything that hands out the log key: one method, ``key() -> bytes``.

    Examples
    --------
    >>> isinstance(FileKey("secret.key"), KeyProvider)
    True
    """

    def key(self) -> bytes:
        """The secret key (at least 32 bytes)."""
        ...  # pragma: no cover


def generate_key() -> str:
    """A new random 256-bit key as 64 hex digits (for a key file or the environment).

    Examples
    --------
    >>> k = generate_key()
    >>> len(k), int(k, 16) >= 0
    (64, True)
    """
    return secrets.token_hex(MIN_KEY_BYTES)


def _from_text(text: str, where: str) -> bytes:
    text = text.strip()
    try:
        key = bytes.fromhex(text)
    except ValueError:
        raise AuditLogError(f"{where}: the key must be hex digits (see generate_key())") from None
    if len(key) < MIN_KEY_BYTES:
        raise AuditLogError(f"{where}: the key has {len(key)} bytes; at least "
                            f"{MIN_KEY_BYTES} are needed")
    return key


class EnvironmentKey:
    """Read the key (hex) from an environment variable when it is needed.

    Parameters
    ----------
    variable : str, default "RISKASSESS_LOG_KEY"

    Examples
    --------
    >>> EnvironmentKey("NO_SUCH_VARIABLE_XYZ").key()
    Traceback (most recent call last):
    ...
    riskassess.exceptions.AuditLogError: environment variable NO_SUCH_VARIABLE_XYZ is not set ...
    """

    def __init__(self, variable: str = DEFAULT_KEY_VARIABLE) -> None:
        self.variable = variable

    def key(self) -> bytes:
        """The key from the environment.

        Raises
        ------
        AuditLogError
            If the variable is unset, not hex, or shorter than 32 bytes.
        """
        text = os.environ.get(self.variable)
        if text is None:
            raise AuditLogError(f"environment variable {self.variable} is not set (it should "
                                "hold the decision-log key as hex)")
        return _from_text(text, f"environment variable {self.variable}")

    def __repr__(self) -> str:
        return f"EnvironmentKey({self.variable!r})"


class FileKey:
    """Read the key from a file: hex text, or at least 32 raw bytes.

    Parameters
    ----------
    path : str or Path

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     p = Path(tmp) / "log.key"
    ...     _ = p.write_text(generate_key() + "\\n")
    ...     len(FileKey(p).key())
    32
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def key(self) -> bytes:
        """The key from the file.

        Raises
        ------
        AuditLogError
            If the file cannot be read, is not a regular file, or holds too short a key.
        """
        try:
            if not self.path.is_file():
                raise AuditLogError(f"key file {str(self.path)!r}: not a regular file")
            with open(self.path, "rb") as fh:
                data = fh.read(_MAX_KEY_FILE_BYTES + 1)
        except OSError as exc:
            raise AuditLogError(f"key file {str(self.path)!r}: {exc}") from exc
        if len(data) > _MAX_KEY_FILE_BYTES:
            raise AuditLogError(f"key file {str(self.path)!r}: over {_MAX_KEY_FILE_BYTES} "
                                "bytes; is it really a key?")
        try:
            text = data.decode("ascii").strip()
        except UnicodeDecodeError:
            text = ""
        if text and all(c in "0123456789abcdefABCDEF" for c in text):
            return _from_text(text, f"key file {str(self.path)!r}")
        if len(data) < MIN_KEY_BYTES:
            raise AuditLogError(f"key file {str(self.path)!r}: {len(data)} bytes; at least "
                                f"{MIN_KEY_BYTES} are needed")
        return data

    def __repr__(self) -> str:
        return f"FileKey({str(self.path)!r})"


def resolve_key(key: KeyProvider | bytes | None) -> bytes | None:
    """The key bytes from a provider, raw bytes, or ``None`` (unkeyed).

    Raises
    ------
    AuditLogError
        If the key is too short or the object is not a key provider.

    Examples
    --------
    >>> resolve_key(None) is None, len(resolve_key(b"x" * 32))
    (True, 32)
    """
    if key is None:
        return None
    if isinstance(key, bytes | bytearray):
        raw = bytes(key)
    elif isinstance(key, KeyProvider):
        raw = key.key()
        if not isinstance(raw, bytes):
            raise AuditLogError(f"{key!r}.key() returned {type(raw).__name__}, not bytes")
    else:
        raise AuditLogError(f"key: expected bytes or an object with a key() method "
                            f"(EnvironmentKey, FileKey), got {type(key).__name__}")
    if len(raw) < MIN_KEY_BYTES:
        raise AuditLogError(f"key: {len(raw)} bytes; at least {MIN_KEY_BYTES} are needed")
    return raw
