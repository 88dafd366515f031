"""Foundation benchmarks: feature building, case validation, cohort generation.

Run from the repository root::

    python benchmarks/bench_foundation.py            # full sizes (a few minutes)
    python benchmarks/bench_foundation.py --quick    # small sizes (seconds)

Targets on the reference machine (2 cores): features for 1,000,000 people with about
10 sanctions each from tables <= 20 s; validating 100,000 case dicts <= 5 s;
``make_cohort(1_000_000)`` <= 30 s. Each comparison runs both sides in this process,
one after the other, and prints medians over the repeats and their ratio (the machine
is shared, so absolute times are noisy; ratios much less so).
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import statistics
import time
import warnings
from collections.abc import Callable
from typing import Any

from pydantic import TypeAdapter

from riskassess.cases import Case, validate_cases
from riskassess.datasets import make_cohort
from riskassess.features import build_features, build_features_from_tables


def _median_time(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeats):
        # free the previous result before the clock starts: tearing down 100,000 cases
        # (a million records) is not the work measured, and took 0.6 s of it
        result = None
        gc.collect()
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def _row(name: str, n: int, seconds: float, target: float | None = None) -> None:
    per = seconds / max(n, 1) * 1e6
    verdict = "" if target is None else ("  ok" if seconds <= target else "  OVER TARGET")
    goal = "" if target is None else f"(target {target:g} s)"
    print(f"  {name:<44} {n:>10,} {seconds:>9.2f} s {per:>9.2f} us/row {goal}{verdict}")


def bench_features(n_people: int, n_reference: int, repeats: int) -> None:
    print(f"\n[1] features from tables: {n_people:,} people")
    cohort = make_cohort(n_people, seed=0)
    n_sanctions = len(cohort.sanctions)
    print(f"  tables: {n_people:,} people, {n_sanctions:,} sanctions "
          f"({n_sanctions / max(n_people, 1):.1f} per person)")

    def tables() -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return build_features_from_tables(cohort.people, cohort.sanctions,
                                              cohort.assessments)

    t_tables, out = _median_time(tables, repeats)
    _row("build_features_from_tables (vectorised)", n_people, t_tables, 20.0)

    small = make_cohort(n_reference, seed=1)
    cases = list(small.cases())
    t_ref, ref = _median_time(lambda: build_features(cases), repeats)
    t_small, small_out = _median_time(
        lambda: build_features_from_tables(small.people, small.sanctions, small.assessments),
        repeats)
    assert ref.equals(small_out.features), "per-case and table paths disagree"
    _row("build_features per case (reference loop)", n_reference, t_ref)
    _row("build_features_from_tables, same subsample", n_reference, t_small)
    per_ref = t_ref / n_reference
    per_tab = t_tables / n_people
    print(f"  per-row ratio reference / vectorised (full size): {per_ref / per_tab:.1f}x; "
          f"identical output on the subsample; {out.features.shape[0]:,} rows built")


def bench_scaling(sizes: tuple[int, int], repeats: int) -> None:
    """Feature building at two sizes: medians and the growth exponent (1.0 = linear)."""
    print(f"\n[1b] features from tables: growth between {sizes[0]:,} and {sizes[1]:,} people")
    medians = []
    for n_people in sizes:
        cohort = make_cohort(n_people, seed=0)

        def tables(cohort: Any = cohort) -> Any:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return build_features_from_tables(cohort.people, cohort.sanctions,
                                                  cohort.assessments)

        seconds, _ = _median_time(tables, repeats)
        medians.append(seconds)
        _row("build_features_from_tables", n_people, seconds)
        del cohort
    exponent = math.log(medians[1] / medians[0]) / math.log(sizes[1] / sizes[0])
    print(f"  growth exponent: {exponent:.2f} (time ~ n^exponent; 1.00 is linear)")


def bench_validation(n_cases: int, repeats: int) -> None:
    print(f"\n[2] validate {n_cases:,} case dicts into Case")
    dicts = list(make_cohort(n_cases, seed=2).case_dicts())
    n_s = sum(len(d["sanctions"]) for d in dicts)
    print(f"  {n_s / max(n_cases, 1):.1f} sanctions per case on average")
    adapter = TypeAdapter(list[Case])
    t_each, _ = _median_time(lambda: [Case.model_validate(d) for d in dicts], repeats)
    t_adapter, _ = _median_time(lambda: adapter.validate_python(dicts), repeats)
    t_batch, got = _median_time(lambda: validate_cases(dicts), repeats)
    assert len(got) == n_cases
    _row("Case.model_validate per dict", n_cases, t_each)
    _row("TypeAdapter(list[Case]) batch", n_cases, t_adapter)
    _row("validate_cases (batch, GC paused)", n_cases, t_batch, 5.0)
    print(f"  ratio per-dict / validate_cases: {t_each / t_batch:.2f}x; "
          f"TypeAdapter / validate_cases: {t_adapter / t_batch:.2f}x")


def _baseline_generator(ref: str) -> Callable[..., Any] | None:
    """``make_cohort`` as it was at git ``ref`` (for a before/after ratio), or None.

    The old ``riskassess/datasets/_synthetic.py`` is read with ``git show`` and loaded as
    a module of its own next to today's package (it imports only public names), so both
    generators run in this process, one after the other.
    """
    import importlib.util
    import subprocess
    import sys
    import tempfile

    try:
        source = subprocess.run(
            ["git", "show", f"{ref}:riskassess/datasets/_synthetic.py"], check=True,
            capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        print(f"  (no baseline: git show {ref} failed: {exc})")
        return None
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "_baseline_synthetic.py")
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(source)
        spec = importlib.util.spec_from_file_location("_baseline_synthetic", path)
        if spec is None or spec.loader is None:
            return None
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        try:
            spec.loader.exec_module(module)
        except ImportError as exc:  # the old module needs names that moved since
            print(f"  (no baseline: the generator at {ref} does not import today: {exc})")
            return None
    return module.make_cohort  # type: ignore[no-any-return]


def bench_cohort(n_people: int, repeats: int, baseline: str | None) -> None:
    print(f"\n[3] make_cohort({n_people:,})")
    old = _baseline_generator(baseline) if baseline else None
    t, cohort = _median_time(lambda: make_cohort(n_people, seed=3), repeats)
    if old is not None:
        t_old, old_cohort = _median_time(lambda: old(n_people, seed=3), repeats)
        _row(f"make_cohort at {baseline} (history, 2 outcomes)", n_people, t_old)
        del old_cohort
    _row("make_cohort (codes, needs, dated and violent outcomes)", n_people, t, 30.0)
    if old is not None:
        print(f"  ratio now / {baseline}: {t / t_old:.2f}x")
    out = cohort.outcomes
    print(f"  {len(cohort.sanctions):,} sanctions; 2-year base rate "
          f"{out['reoffend_2y'].mean():.3f}; censored at 2 years "
          f"{out['reoffend_2y'].isna().mean():.3f}; events {out['event'].mean():.3f}; "
          f"violent 2-year {out['violent_2y'].mean():.3f}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, one repeat")
    parser.add_argument("--repeats", type=int, default=None, help="repeats per timing")
    parser.add_argument("--only", choices=["features", "scaling", "validate", "cohort"],
                        action="append",
                        help="run only these parts (repeatable); default all")
    parser.add_argument("--baseline", default=None, metavar="GIT_REF",
                        help="also time make_cohort as it was at this git ref (e.g. HEAD)")
    args = parser.parse_args(argv)
    if args.quick:
        sizes = {"features": 20_000, "reference": 1_000, "validate": 5_000, "cohort": 20_000}
        scaling = (30_000, 100_000)
        repeats = args.repeats or 1
    else:
        sizes = {"features": 1_000_000, "reference": 5_000, "validate": 100_000,
                 "cohort": 1_000_000}
        scaling = (300_000, 1_000_000)
        repeats = args.repeats or 3
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"bench_foundation: medians over {repeats} repeat(s); load average at start "
          f"{load:.1f} on {os.cpu_count()} cores")
    parts = set(args.only or ["features", "scaling", "validate", "cohort"])
    if "features" in parts:
        bench_features(sizes["features"], sizes["reference"], repeats)
    if "scaling" in parts:
        bench_scaling(scaling, repeats)
    if "validate" in parts:
        bench_validation(sizes["validate"], repeats)
    if "cohort" in parts:
        bench_cohort(sizes["cohort"], max(1, repeats - 1), args.baseline)


if __name__ == "__main__":
    main()
