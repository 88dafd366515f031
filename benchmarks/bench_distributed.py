"""National scale on dask: features + scores + explanations, distributed vs in memory.

Measures, on this machine, in one process (timings are noisy: other jobs share the cores,
so each in-memory timing is the median of several runs and everything is printed as
ratios next to the raw numbers):

1. the in-memory path on ``--baseline-people`` people (default 1,000,000): tables already
   in memory -> ``build_features_from_tables`` -> ``predict_proba`` / ``predict_band`` ->
   SHAP values (``score_frame``), one core; cases per second per core;
2. a synthetic cohort of ``--people`` people (default 10,000,000, about 9 sanctions each)
   written to co-partitioned Parquet chunk by chunk on the cluster (never whole in memory);
3. the distributed job on a freshly started ``LocalCluster`` of 2 single-threaded worker
   processes: read Parquet -> features -> scores -> bands -> explanations -> write
   Parquet, timed from building the job to the last file written, so the workers' first
   imports of riskassess and the model parse are included (nothing is pre-loaded);
   cases per second per core (one core per worker) and per worker CPU-second, each as
   a ratio of medians to (1) (goal >= 0.8), and peak resident memory of each worker
   process, sampled every 0.2 s (goal <= 2 GiB). ``--dist-repeats`` runs (default 2),
   each on a fresh cluster, interleaved with the in-memory runs; ``--warm`` also runs
   the job a second time on the same workers (the steady state, start-up excluded).
   Workers run without dask's ``MALLOC_TRIM_THRESHOLD_`` (see :data:`WORKER_ENV`);
   ``--compare-dask-env`` also runs the job with dask's default;
4. the in-memory path again, reading the first ``--baseline-people`` people's part files
   (the workers' reader) and writing its scores as one Parquet file (their writer),
   interleaved like (1): the ratio of (3) to this is what distributing itself costs
   (partitioning, id checks, worker start-up, dask), apart from the reads and writes;
5. scaling: the same job on ``--scaling-people`` people at 1 and at 2 workers; speed-up.

``--workers-from DIR`` compares two versions of the worker code side by side: beside each
of our distributed runs (after it, then before the next: alternating), the same job runs
on fresh workers that import riskassess from the source tree ``DIR`` (e.g. ``git archive
HEAD | tar -x -C DIR``; the job is built by this tree, so both versions must have the
same task functions), and the table gives both workers' CPU and their ratio (medians).
Load on a shared machine moves the in-memory baseline by up to 2x; the interleaved ratio
of the two worker versions does not depend on it.

Run::

    .venv/bin/python benchmarks/bench_distributed.py --quick        # ~1-2 minutes
    .venv/bin/python benchmarks/bench_distributed.py                # 10M people: long

Data go under ``--out`` (default /tmp/riskassess-bench; never in the repository).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import statistics
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import psutil

GIB = 1024**3


class RssSampler:
    """Peak resident set size of some processes, sampled in a background thread."""

    def __init__(self, pids: list[int], interval: float = 0.2) -> None:
        self.pids = pids
        self.interval = interval
        self.peak = dict.fromkeys(pids, 0)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        procs = {pid: psutil.Process(pid) for pid in self.pids}
        while not self._stop.is_set():
            for pid, proc in procs.items():
                with suppress(psutil.Error):
                    self.peak[pid] = max(self.peak[pid], proc.memory_info().rss)
            self._stop.wait(self.interval)

    def _cpu(self) -> dict[int, float]:
        out = {}
        for pid in self.pids:
            t = psutil.Process(pid).cpu_times()
            out[pid] = t.user + t.system
        return out

    def __enter__(self) -> RssSampler:
        self._cpu0 = self._cpu()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.cpu = {pid: t - self._cpu0[pid] for pid, t in self._cpu().items()}
        self._stop.set()
        self._thread.join()


#: Worker environment for this workload. dask's nanny sets ``MALLOC_TRIM_THRESHOLD_=65536``
#: by default, which also freezes glibc's mmap threshold at 128 KiB: every temporary
#: array above that is then mmap'd and unmapped again, so each page is faulted in anew
#: (measured: ~30% more worker CPU on this job, a third of it in the kernel). Unsetting it
#: gives the workers the same allocator behaviour as the in-memory process.
WORKER_ENV: dict[str, Any] = {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}


@contextmanager
def local_cluster(n_workers: int, memory_limit: str, dask_env: bool = False,
                  source: Path | None = None) -> Iterator[Any]:
    """A fresh cluster; with ``source``, its workers import riskassess from that tree."""
    import dask
    from dask.distributed import Client, LocalCluster

    with dask.config.set({} if dask_env else WORKER_ENV), \
            LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                         dashboard_address=":0", memory_limit=memory_limit) as cluster, \
            Client(cluster) as client:
        if source is not None:
            # a spawned worker starts with this process's sys.path (PYTHONPATH has no
            # say), and has not imported riskassess yet: put the tree first, then check
            # where it would be found, without importing it (the import is timed)
            client.run(lambda: sys.path.insert(0, str(source)))
            where = client.run(lambda: getattr(importlib.util.find_spec("riskassess"),
                                               "origin", None))
            if not all(str(f).startswith(str(source)) for f in where.values()):
                from riskassess.distributed import DistributedArgumentError

                raise DistributedArgumentError(
                    f"--workers-from {source}: workers would import riskassess from {where}")
        yield client


def worker_pids(client: Any) -> list[int]:
    return sorted(client.run(os.getpid).values())


def fit_model(n_people: int, seed: int) -> Any:
    """An additive model on every case feature, fitted on a separate synthetic cohort."""
    from riskassess.datasets import make_cohort
    from riskassess.features import CASE_FEATURES
    from riskassess.models import AdditiveRiskClassifier

    cohort = make_cohort(n_people, seed=seed + 7919, id_offset=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        X = cohort.features()
    y = cohort.outcomes["reoffend_2y"].reindex(X.index)
    seen = y.notna().to_numpy()
    cols = [s.name for s in CASE_FEATURES]
    return AdditiveRiskClassifier(max_bins=16).fit(X.loc[seen, cols],
                                                   y[seen].astype(int).to_numpy())


def in_memory_job(model: Any, people: pd.DataFrame, sanctions: pd.DataFrame,
                  assessments: pd.DataFrame) -> pd.DataFrame:
    """The in-memory path: exactly what one partition does, on the whole tables."""
    from riskassess.distributed import score_frame
    from riskassess.features import build_features_from_tables

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        table = build_features_from_tables(people, sanctions, assessments, invalid="drop")
    return score_frame(model, table.features, explain=True)


def timed(fn: Callable[[], Any], repeats: int) -> tuple[list[float], list[float], Any]:
    """Wall and CPU seconds of each run of ``fn``."""
    walls, cpus, out = [], [], None
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    return walls, cpus, out


def in_memory_tables(n_people: int, seed: int) -> tuple[pd.DataFrame, ...]:
    from riskassess.datasets import make_cohort

    cohort = make_cohort(n_people, seed=seed, id_offset=0)
    return cohort.people, cohort.sanctions, cohort.assessments


def baseline(model: Any, tables: tuple[pd.DataFrame, ...], repeats: int) -> dict[str, Any]:
    proc = psutil.Process()
    with RssSampler([proc.pid]) as rss:
        walls, cpus, out = timed(lambda: in_memory_job(model, *tables), repeats)
    return {"cases": len(out), "walls": walls, "cpus": cpus, "peak_rss": rss.peak[proc.pid]}


def in_memory_parquet_job(model: Any, data: Any, n_partitions: int, out: Path) -> int:
    """The in-memory path with the distributed job's reads and writes: the first
    ``n_partitions`` part files of each table read into memory as one table (the columns
    and types the workers' reader gives, arrow tables concatenated without a copy and
    converted once), scored at once and written as one Parquet file (the workers'
    writer).
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    from riskassess.distributed import DICTIONARY_COLUMNS, write_frame
    from riskassess.features import TABLE_COLUMNS

    files = data.partitions()[:n_partitions]
    tables = []
    for k, name in enumerate(("people", "sanctions", "assessments")):
        names = pq.read_schema(files[0][k]).names
        columns = [c for c in TABLE_COLUMNS[name] if c in names]
        text = [c for c in DICTIONARY_COLUMNS[name] if c in columns]
        parts = [pq.read_table(f[k], columns=columns, read_dictionary=text) for f in files]
        tables.append(pa.concat_tables(parts).to_pandas())
    scores = in_memory_job(model, *tables)
    write_frame(scores, str(out), index=True)
    return len(scores)


def baseline_parquet(model: Any, data: Any, n_partitions: int, out: Path,
                     repeats: int) -> dict[str, Any]:
    _, cpus, cases = timed(lambda: in_memory_parquet_job(model, data, n_partitions, out),
                           repeats)
    return {"cases": cases, "cpus": cpus}


def generate(root: Path, n_people: int, per_partition: int, seed: int,
             reuse: bool) -> tuple[Any, float]:
    from riskassess.distributed import open_partitioned, write_cohort_parquet

    if reuse and (root / "_layout.json").exists():
        import json

        layout = json.loads((root / "_layout.json").read_text())
        if layout.get("n_people") == n_people and layout.get("seed") == seed and \
                layout.get("people_per_partition") == per_partition:
            return open_partitioned(root), 0.0
    if root.exists():
        shutil.rmtree(root)
    with local_cluster(2, "4GiB") as client:
        t0 = time.perf_counter()
        data = write_cohort_parquet(root, n_people, seed=seed,
                                    people_per_partition=per_partition, parallel=True,
                                    client=client)
        return data, time.perf_counter() - t0


def distributed_job(model: Any, data: Any, out: Path, n_workers: int,
                    dask_env: bool = False, warm: bool = False,
                    source: Path | None = None) -> dict[str, Any]:
    """One run on a freshly started cluster; with ``warm``, a second run on the same one.

    The second run shows the steady state (imports and model parse done, pages mapped):
    the cost per partition without the workers' start-up.
    """
    from riskassess.distributed import score_parquet

    if out.exists():
        shutil.rmtree(out)
    warm_run = None
    with local_cluster(n_workers, "4GiB", dask_env, source) as client:
        pids = worker_pids(client)
        idle = {pid: psutil.Process(pid).memory_info().rss for pid in pids}
        # Timed from here: the job as a user runs it on a freshly started cluster, so
        # the workers' first imports of riskassess and the model parse are part of it;
        # nothing is pre-loaded on the workers.
        with RssSampler(pids) as rss:
            t0 = time.perf_counter()
            job = score_parquet(model, data, invalid="drop")
            counts = job.to_parquet(out, client=client)
            elapsed = time.perf_counter() - t0
        if warm:
            with RssSampler(pids) as again:
                t0 = time.perf_counter()
                score_parquet(model, data, invalid="drop").to_parquet(out, client=client)
                warm_seconds = time.perf_counter() - t0
            warm_run = {"seconds": warm_seconds, "cpu_s": sum(again.cpu.values())}
    cases = int(counts["scored"].sum())
    lost = int((counts["assessments"] - counts["scored"] - counts["rejected"]).abs().sum())
    cpu = sum(rss.cpu.values())
    return {"workers": n_workers, "seconds": elapsed, "cases": cases,
            "rejected": int(counts["rejected"].sum()), "lost": lost,
            "sanctions": int(counts["sanctions"].sum()), "cpu_s": cpu,
            "cases_per_s_core": cases / elapsed / n_workers,
            "cases_per_cpu_s": cases / cpu,
            "peak_rss": [rss.peak[p] for p in pids], "idle_rss": [idle[p] for p in pids],
            "warm": warm_run}


def spot_check(model: Any, data: Any, out: Path) -> float:
    """Largest difference between partition 0 as written and the in-memory path."""
    people, sanctions, assessments = data.read_partition(0)
    expected = in_memory_job(model, people, sanctions, assessments)
    got = pd.read_parquet(out / "scores" / "part.0.parquet").loc[expected.index]
    num = [c for c in expected.columns if c != "band"]
    if not (got["band"].astype(str) == expected["band"].astype(str)).all():
        return float("inf")
    return float(np.max(np.abs(got[num].to_numpy(float) - expected[num].to_numpy(float))))


def subset(data: Any, n_partitions: int) -> Any:
    from riskassess.distributed import PartitionedDataset

    return PartitionedDataset(data.root, data.files[:n_partitions])


def _peer_run(model: Any, data: Any, args: argparse.Namespace) -> dict[str, Any]:
    """The job on fresh workers that import riskassess from ``args.workers_from``."""
    peer = distributed_job(model, data, args.out / "scores-peer", 2, warm=args.warm,
                           source=args.workers_from)
    peer_warm = f"; warm re-run {peer['warm']['cpu_s']:.1f} s CPU" if peer["warm"] else ""
    print(f"  same job, workers from {args.workers_from}: {peer['seconds']:.1f} s wall, "
          f"{peer['cpu_s']:.1f} s worker CPU{peer_warm}; load average {os.getloadavg()}",
          flush=True)
    return peer


def _peer_rows(runs: list[dict[str, Any]], peer_runs: list[dict[str, Any]], source: Path,
               base_cpu: float) -> list[tuple[str, str, str]]:
    """Table rows comparing our workers with workers running another source tree."""
    ours = statistics.median(r["cpu_s"] for r in runs)
    theirs = statistics.median(r["cpu_s"] for r in peer_runs)
    rows = [
        (f"worker CPU, workers from {source.name}", f"{theirs:.1f} s",
         f"median of {len(peer_runs)}: "
         + ", ".join(f"{r['cpu_s']:.1f}" for r in peer_runs)
         + f"; per CPU-second vs in-memory "
         f"{statistics.median(r['cases_per_cpu_s'] for r in peer_runs) / base_cpu:.2f}"),
        ("worker CPU, ours / theirs", f"{ours / theirs:.3f}",
         "interleaved fresh-worker runs, ratio of medians; per pair "
         + ", ".join(f"{a['cpu_s'] / b['cpu_s']:.3f}" for a, b in zip(runs, peer_runs,
                                                                       strict=True))),
    ]
    if all(r["warm"] for r in runs + peer_runs):
        warm_ours = statistics.median(r["warm"]["cpu_s"] for r in runs)
        warm_theirs = statistics.median(r["warm"]["cpu_s"] for r in peer_runs)
        rows.append(("warm worker CPU, ours / theirs", f"{warm_ours / warm_theirs:.3f}",
                     f"{warm_ours:.1f} / {warm_theirs:.1f} s"))
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (~2 minutes)")
    parser.add_argument("--people", type=int, default=None)
    parser.add_argument("--baseline-people", type=int, default=None)
    parser.add_argument("--scaling-people", type=int, default=None)
    parser.add_argument("--people-per-partition", type=int, default=None)
    parser.add_argument("--repeats", type=int, default=2,
                        help="in-memory runs before and after each distributed run")
    parser.add_argument("--dist-repeats", type=int, default=2,
                        help="distributed runs, each on a fresh cluster, interleaved with "
                             "the in-memory runs (medians of both are compared)")
    parser.add_argument("--warm", action="store_true",
                        help="after each distributed run, run the job again on the same "
                             "workers: the steady state without start-up")
    parser.add_argument("--fit-people", type=int, default=None)
    parser.add_argument("--out", type=Path, default=Path("/tmp/riskassess-bench"))
    parser.add_argument("--reuse", action="store_true", help="reuse generated Parquet")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--compare-dask-env", action="store_true",
                        help="also run the main job with dask's default worker environment")
    parser.add_argument("--workers-from", type=Path, default=None,
                        help="a riskassess source tree (e.g. an exported git revision): "
                             "after each distributed run, run the job on fresh workers "
                             "importing riskassess from it, and compare worker CPU")
    args = parser.parse_args(argv)
    quick = args.quick
    n_people = args.people or (300_000 if quick else 10_000_000)
    n_base = args.baseline_people or (100_000 if quick else 1_000_000)
    per_part = args.people_per_partition or (50_000 if quick else 100_000)
    n_scale = args.scaling_people or (200_000 if quick else 2_000_000)
    n_fit = args.fit_people or (5_000 if quick else 20_000)
    args.out.mkdir(parents=True, exist_ok=True)
    print(f"free disk at {args.out}: {shutil.disk_usage(args.out).free / GIB:.1f} GiB; "
          f"cores: {os.cpu_count()}; load average: {os.getloadavg()}")

    t0 = time.perf_counter()
    model = fit_model(n_fit, args.seed)
    print(f"model fitted on {n_fit:,} people in {time.perf_counter() - t0:.1f} s "
          f"({len(model.form_.terms)} terms)")

    tables = in_memory_tables(n_base, args.seed)
    data, gen_s = generate(args.out / f"cohort-{n_people}", n_people, per_part, args.seed,
                           args.reuse)
    size = sum(f.stat().st_size for f in data.root.rglob("*.parquet"))
    print(f"cohort of {n_people:,} people: {data.n_partitions} partitions, "
          f"{size / GIB:.2f} GiB Parquet, written in {gen_s:.1f} s (0: reused)", flush=True)

    # interleaved: in-memory, distributed, in-memory, ..., in-memory, so that a change of
    # load on the machine hits both sides; every ratio below is a ratio of medians
    baselines = [baseline(model, tables, args.repeats)]
    # the same in-memory job, reading its tables from (and writing its scores to) the
    # Parquet files the workers use: the first n_base people's partitions
    io_parts = max(1, min(data.n_partitions, n_base // per_part))
    io_out = args.out / "scores-in-memory.parquet"
    io_baselines = [baseline_parquet(model, data, io_parts, io_out, args.repeats)]
    runs: list[dict[str, Any]] = []
    peer_runs: list[dict[str, Any]] = []
    for i in range(args.dist_repeats):
        print(f"in-memory, {n_base:,} people: wall "
              f"{[round(t, 2) for t in baselines[-1]['walls']]} s, CPU "
              f"{[round(t, 2) for t in baselines[-1]['cpus']]} s", flush=True)
        # with a peer tree, the two alternate which goes first (ABBA), so a change of
        # load during a pair does not always fall on the same side
        peer_first = args.workers_from is not None and i % 2 == 1
        if peer_first:
            peer_runs.append(_peer_run(model, data, args))
        runs.append(distributed_job(model, data, args.out / "scores", 2, warm=args.warm))
        run = runs[-1]
        warm_note = (f"; warm re-run {run['warm']['seconds']:.1f} s wall, "
                     f"{run['warm']['cpu_s']:.1f} s CPU" if run["warm"] else "")
        print(f"distributed run {i + 1}, 2 fresh workers: {run['seconds']:.1f} s wall, "
              f"{run['cpu_s']:.1f} s worker CPU{warm_note}; load average "
              f"{os.getloadavg()}", flush=True)
        if args.workers_from is not None and not peer_first:
            peer_runs.append(_peer_run(model, data, args))
        baselines.append(baseline(model, tables, args.repeats))
        io_baselines.append(baseline_parquet(model, data, io_parts, io_out, args.repeats))
    print(f"in-memory, {n_base:,} people: wall {[round(t, 2) for t in baselines[-1]['walls']]}"
          f" s, CPU {[round(t, 2) for t in baselines[-1]['cpus']]} s", flush=True)
    main_run = runs[-1]
    diff = spot_check(model, data, args.out / "scores")
    default_env = None
    if args.compare_dask_env:
        default_env = distributed_job(model, data, args.out / "scores-dask-env", 2,
                                      dask_env=True)
        print(f"distributed, 2 workers, dask's default worker env: "
              f"{default_env['seconds']:.1f} s wall, {default_env['cpu_s']:.1f} s worker CPU",
              flush=True)

    walls = [t for b in baselines for t in b["walls"]]
    cpus = [t for b in baselines for t in b["cpus"]]
    base_wall = n_base / statistics.median(walls)
    base_cpu = n_base / statistics.median(cpus)
    io_cases = io_baselines[0]["cases"]
    io_cpus = [t for b in io_baselines for t in b["cpus"]]
    io_cpu = io_cases / statistics.median(io_cpus)
    dist_wall = statistics.median(r["cases_per_s_core"] for r in runs)
    dist_cpu = statistics.median(r["cases_per_cpu_s"] for r in runs)
    warm_cpu = (statistics.median(r["cases"] / r["warm"]["cpu_s"] for r in runs)
                if args.warm else None)

    k = max(1, min(data.n_partitions, -(-n_scale // per_part)))
    part = subset(data, k)
    one = distributed_job(model, part, args.out / "scores-1w", 1)
    two = distributed_job(model, part, args.out / "scores-2w", 2)

    peak = max(p for r in runs for p in r["peak_rss"])
    n_runs = len(runs)
    rows = [
        ("in-memory cases/s (wall, 1 core)", f"{base_wall:,.0f}",
         f"{n_base:,} people, {len(tables[1]):,} sanctions; median of {len(walls)} runs "
         "around the distributed ones"),
        ("in-memory cases per CPU-second", f"{base_cpu:,.0f}", "process CPU time; median"),
        ("in-memory peak RSS", f"{max(b['peak_rss'] for b in baselines) / GIB:.2f} GiB",
         "whole process, tables included"),
        ("distributed cases", f"{main_run['cases']:,}",
         f"{main_run['sanctions']:,} sanctions; rejected {main_run['rejected']}, "
         f"lost {main_run['lost']}"),
        ("distributed wall time",
         f"{statistics.median(r['seconds'] for r in runs):.1f} s",
         f"median of {n_runs}: " + ", ".join(f"{r['seconds']:.1f}" for r in runs)
         + "; 2 fresh workers x 1 thread; read Parquet .. write Parquet, first imports "
         "included; MALLOC_TRIM_THRESHOLD_ unset"),
        ("distributed cases/s/core (wall)", f"{dist_wall:,.0f}",
         f"cases / wall / 2; median of {n_runs}"),
        ("distributed cases per CPU-second", f"{dist_cpu:,.0f}",
         f"worker processes' CPU time; median of {n_runs}: "
         + ", ".join(f"{r['cpu_s']:.1f}" for r in runs) + " CPU-s"),
        ("ratio per core, wall (goal >= 0.8)", f"{dist_wall / base_wall:.2f}",
         "median distributed / median in-memory; per run "
         + ", ".join(f"{r['cases_per_s_core'] / base_wall:.2f}" for r in runs)),
        ("ratio per CPU-second (goal >= 0.8)", f"{dist_cpu / base_cpu:.2f}",
         "less sensitive to other load than wall time; per run "
         + ", ".join(f"{r['cases_per_cpu_s'] / base_cpu:.2f}" for r in runs)),
        ("in-memory with Parquet reads and writes",
         f"{io_cpu:,.0f}", f"cases per CPU-second; {io_cases:,} cases of {io_parts} "
         "partitions read as one table, scored at once, written with write_frame; "
         f"median of {len(io_cpus)}: {statistics.median(io_cpus):.2f} CPU-s"),
        ("ratio per CPU-second, same reads and writes", f"{dist_cpu / io_cpu:.2f}",
         "distributed / in-memory with Parquet: what distributing itself costs "
         "(partitioning, id checks, start-up, dask)"),
        *([("ratio per CPU-second, warm workers", f"{warm_cpu / base_cpu:.2f}",
            "same job again on the same workers: start-up (imports, model parse, first "
            "page faults) excluded")] if warm_cpu is not None else []),
        *([("ratio per CPU-second, dask's env",
             f"{default_env['cases_per_cpu_s'] / base_cpu:.2f}",
             "MALLOC_TRIM_THRESHOLD_=65536 (dask's default); peak RSS "
             + " / ".join(f"{p / GIB:.2f}" for p in default_env["peak_rss"]) + " GiB")]
          if default_env else []),
        *(_peer_rows(runs, peer_runs, args.workers_from, base_cpu) if peer_runs else []),
        ("peak RSS per worker (goal <= 2 GiB)",
         " / ".join(f"{max(r['peak_rss'][i] for r in runs) / GIB:.2f}" for i in range(2))
         + " GiB",
         "idle " + " / ".join(f"{p / GIB:.2f}" for p in main_run["idle_rss"]) + " GiB"),
        ("max |distributed - in-memory|", f"{diff:.1e}", "partition 0, every column"),
        (f"scaling, {k * per_part:,} people, 1 worker", f"{one['seconds']:.1f} s",
         f"CPU {one['cpu_s']:.1f} s"),
        (f"scaling, {k * per_part:,} people, 2 workers", f"{two['seconds']:.1f} s",
         f"CPU {two['cpu_s']:.1f} s"),
        ("speed-up 2 vs 1 worker (ideal 2.0)", f"{one['seconds'] / two['seconds']:.2f}",
         "wall-time ratio; bounded by the cores other jobs leave free"),
    ]
    width = max(len(r[0]) for r in rows)
    vwidth = max(len(r[1]) for r in rows)
    print()
    print(f"{'measure':<{width}}  {'value':>{vwidth}}  note")
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:>{vwidth}}  {note}")
    print(f"\npeak worker RSS {peak / GIB:.2f} GiB; load average at the end "
          f"{os.getloadavg()}")
    if data.n_partitions < 20:
        print("note: with this few partitions each worker's first-task cost (imports of "
              "riskassess, model parse, first page faults: ~2 CPU-s) weighs on the "
              "ratios; the goal is about the 10M-person run (see --warm)")


if __name__ == "__main__":
    main()
