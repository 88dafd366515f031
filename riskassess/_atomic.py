"""Atomic file writes: a reader sees the old file or the whole new one, never half.

The one implementation behind saved models, exported decision logs, validation reports
and model cards: write to a temporary file in the target's folder, flush and fsync it,
move it into place with :func:`os.replace`, then fsync the folder so the rename itself is
durable. On any error the temporary file is removed and the target is left untouched.

The file gets the permissions an ordinary ``open(path, "w")`` would give: those of the
file it replaces, or ``0o666`` less the umask for a new file (``0o644`` under the usual
umask ``022``), not the ``0o600`` of a temporary file. A missing folder is reported as an
:class:`~riskassess.exceptions.OutputPathError` naming the folder and the file, never
the temporary file.

Examples
--------
>>> import tempfile
>>> from pathlib import Path
>>> with tempfile.TemporaryDirectory() as folder:
...     target = Path(folder) / "note.txt"
...     atomic_write_text(target, "first\\n")
...     try:
...         with atomic_writer(target) as fh:
...             _ = fh.write("half a line")
...             raise RuntimeError("crash mid-write")
...     except RuntimeError:
...         pass
...     target.read_text(), sorted(p.name for p in Path(folder).iterdir())
('first\\n', ['note.txt'])
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from riskassess.exceptions import OutputPathError

__all__ = ["atomic_write_bytes", "atomic_write_text", "atomic_writer"]


@contextlib.contextmanager
def atomic_writer(path: str | os.PathLike[str], *, binary: bool = False) -> Iterator[IO]:
    """Open a temporary file that replaces ``path`` atomically when the block ends.

    Parameters
    ----------
    path : str or path-like
        The file to create or replace.
    binary : bool, default False
        Bytes mode; otherwise UTF-8 text with ``\\n`` line endings.

    Yields
    ------
    file object
        Write the whole content to it; nothing reaches ``path`` if the block raises.
    """
    target = Path(path)
    folder = target.parent
    if not folder.is_dir():
        raise OutputPathError(f"cannot write {target}: the folder {folder} does not exist")
    mode = _mode_for(target)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        os.fchmod(fd, mode)  # mkstemp makes 0o600: give what open(path, "w") would
        with (os.fdopen(fd, "wb") if binary
              else os.fdopen(fd, "w", encoding="utf-8", newline="\n")) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):  # make the rename durable (not on every platform)
        dfd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)


def _umask() -> int:
    """The process umask, read without changing it where the platform allows."""
    # Linux >= 4.7: reading it here is free of the race of setting and restoring it
    with contextlib.suppress(OSError, ValueError), \
            open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    old = os.umask(0o022)
    os.umask(old)
    return old


def _mode_for(target: Path) -> int:
    """Permission bits for ``target``: kept when it exists, else 0o666 less the umask."""
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except OSError:
        return 0o666 & ~_umask()


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically; see :func:`atomic_writer`."""
    with atomic_writer(path) as fh:
        fh.write(text)


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` atomically; see :func:`atomic_writer`."""
    with atomic_writer(path, binary=True) as fh:
        fh.write(data)
