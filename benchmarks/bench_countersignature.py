"""Issue 17: the cost of the countersignature policy on decision-log appends.

Keyed appends with the policy on (the default, :data:`DEFAULT_POLICY`) against off
(``policy=None``): single durable appends alternating one by one between the two logs,
and batches interleaved, so that disk noise falls on both alike (medians, and the on/off
ratio). Then the cost of one countersignature on a log of ``n_batch`` records, for a
recent decision (found among the last 1,000 records) and for the oldest (a whole-table
read: the hash has no index).

Run alone: ``python benchmarks/bench_countersignature.py [--quick]``; also run by
``benchmarks/bench_decision.py`` (``--policy-only`` there runs just this section).
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from riskassess.decisions import DEFAULT_POLICY, DecisionLog, FinalDecision

KEY = bytes(range(32))


def bench_policy(root: Path, decisions: list[FinalDecision], n_single: int, n_batch: int,
                 repeats: int) -> list[tuple[str, float, str]]:
    """Keyed appends with the countersignature policy on and off, repeats interleaved so
    that disk noise falls on both alike; then countersigning on a full log."""
    run = [0]

    def fresh() -> Path:
        run[0] += 1
        d = root / f"policy-{run[0]}"
        d.mkdir()
        return d / "log.sqlite"

    def batch(policy: Any) -> int:
        with DecisionLog(fresh(), key=KEY, policy=policy) as log:
            log.append_many(decisions[:n_batch])
        return n_batch

    timings: dict[str, list[float]] = {k: [] for k in ("s_on", "s_off", "b_on", "b_off")}
    for _ in range(repeats):
        # single appends alternate one by one between a log with the policy and one
        # without, so a burst of disk contention (fsync-bound) hits both alike
        with DecisionLog(fresh(), key=KEY) as on, DecisionLog(fresh(), key=KEY,
                                                                policy=None) as off:
            per: dict[str, list[float]] = {"s_on": [], "s_off": []}
            for d in decisions[:n_single]:
                for name, log in (("s_on", on), ("s_off", off)):
                    t = time.perf_counter()
                    log.append(d)
                    per[name].append(time.perf_counter() - t)
            for name, times in per.items():
                timings[name].append(1.0 / statistics.median(times))
        for name, policy in (("b_on", DEFAULT_POLICY), ("b_off", None)):
            t = time.perf_counter()
            k = batch(policy)
            timings[name].append(k / (time.perf_counter() - t))
    med = {k: statistics.median(v) for k, v in timings.items()}
    rows = [("policy  single append, policy on (default)", med["s_on"], "appends/s"),
            ("policy  single append, policy off", med["s_off"], "appends/s"),
            ("policy  batch append_many, policy on (default)", med["b_on"], "records/s"),
            ("policy  batch append_many, policy off", med["b_off"], "records/s")]

    # countersigning: one look-up (by hash, and the safeguard records) per signature
    with DecisionLog(fresh(), key=KEY) as log:
        receipts = log.append_many(decisions[:n_batch])
        pending = [r for r, d in zip(receipts, decisions, strict=False)
                   if d.countersignature_required]
        k = max(5, repeats * 4)
        # recent decisions (the usual case: found in the last 1,000 records) and the
        # oldest ones (a whole-table read: the hash has no index)
        for label, chosen in (("recent", pending[-k:]), ("oldest", pending[:k])):
            times = []
            for r in chosen:
                t = time.perf_counter()
                log.countersign(r, "sup-bench", signed_at=datetime.now(UTC))
                times.append(time.perf_counter() - t)
            if times:
                rows.append((f"policy  countersign a {label} decision, log of {n_batch:,}",
                             statistics.median(times) * 1000, "ms"))
    return rows


def _print_policy(rows: list[tuple[str, float, str]], table: bool = True) -> None:
    if table:
        width = max(len(r[0]) for r in rows)
        for name, value, unit in rows:
            print(f"{name.ljust(width)}  {value:12,.3f}  {unit}")
    by = {r[0]: r[1] for r in rows}
    s_on, s_off = by["policy  single append, policy on (default)"], by[
        "policy  single append, policy off"]
    b_on, b_off = by["policy  batch append_many, policy on (default)"], by[
        "policy  batch append_many, policy off"]
    print(f"ratio policy on / off: single appends {s_on / s_off:.3f}, batch append "
          f"{b_on / b_off:.3f} (1.0 = no overhead)")



def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, 2 repeats")
    parser.add_argument("--dir", default=None, help="directory for the temporary logs")
    args = parser.parse_args(argv)
    from bench_decision import main as decision_main

    decision_main([*(["--quick"] if args.quick else []), "--policy-only",
                   *(["--dir", args.dir] if args.dir else [])])


if __name__ == "__main__":
    main()
