"""Decision log and assess() throughput, side by side with plain peers.

Targets (issue 5): >= 500 durable single appends/s from one process; batch append
>= 20,000 records/s; ``assess`` of one case (dict -> Assessment with reasons) <= 1 ms
median.

Peers, run in the same process on the same disk with the same durability:

* plain ``sqlite3`` inserts of the same (pre-serialised) JSON text, WAL +
  ``synchronous=FULL``, one ``BEGIN IMMEDIATE ... COMMIT`` per append (or per batch);
* a JSON-lines file, ``write`` + ``fsync`` per append (or one ``fsync`` per batch);
* for ``assess``: the general route (``build_features`` + the model's ``predict_proba``
  / ``predict_band`` + ``explain`` + ``reasons``).

Run: ``python benchmarks/bench_decision.py [--quick] [--dir DIR]``. Medians over repeats.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from riskassess.decisions import (
    Assessment,
    DecisionLog,
    FinalDecision,
    OverrideReason,
    canonical_json,
)


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
                  repeats: int) -> list[tuple[str, float, str]]:
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
                     ("peer: sqlite3 insert, same durability", sqlite_single),
                     ("peer: JSON lines + fsync", jsonl_single)):
        rate, _ = _median_rate(fn, repeats)
        rows.append((f"single  {name}", rate, "appends/s"))

    # -- one batch -------------------------------------------------------------------
    def ours_batch() -> int:
        with DecisionLog(fresh("ours") / "log.sqlite") as log:
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

    def jsonl_batch() -> int:
        with open(fresh("jsonl") / "peer.jsonl", "a", encoding="utf-8") as fh:
            fh.write("".join(t + "\n" for t in texts[:n_batch]))
            fh.flush()
            os.fsync(fh.fileno())
        return n_batch

    for name, fn in (("DecisionLog.append_many (serialise+hash)", ours_batch),
                     ("DecisionLog.append_many + verify()", ours_batch_verify),
                     ("peer: sqlite3 executemany, same durability", sqlite_batch),
                     ("peer: JSON lines, one fsync", jsonl_batch)):
        rate, _ = _median_rate(fn, repeats)
        rows.append((f"batch   {name}", rate, "records/s"))
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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, 2 repeats")
    parser.add_argument("--dir", default=None, help="directory for the temporary logs")
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
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        rows = bench_appends(Path(tmp), decisions, n_single, n_batch, repeats)
    rows += bench_assess(cases, repeats)
    width = max(len(r[0]) for r in rows)
    print(f"{'measurement'.ljust(width)}  {'median':>12}  unit")
    for name, value, unit in rows:
        print(f"{name.ljust(width)}  {value:12,.3f}  {unit}")
    by = {r[0]: r[1] for r in rows}
    ours = by["single  DecisionLog.append (hash chain)"]
    peer = by["single  peer: sqlite3 insert, same durability"]
    ours_b = by["batch   DecisionLog.append_many (serialise+hash)"]
    peer_b = by["batch   peer: sqlite3 executemany, same durability"]
    print(f"\nratio single appends DecisionLog / plain sqlite3: {ours / peer:.2f}")
    print(f"ratio batch append   DecisionLog / plain sqlite3: {ours_b / peer_b:.2f}")
    print(json.dumps({"single_appends_per_s": round(ours), "batch_records_per_s": round(ours_b),
                      "targets": {"single": 500, "batch": 20000, "assess_ms": 1.0}}))


if __name__ == "__main__":
    main()
