"""Benchmark: censored-outcome metrics against scikit-survival, on 100k and 1M cases.

What is timed
-------------
Point estimates, side by side in this one process, interleaved, medians over
``--repeats``:

* time-dependent AUC at 1 and 2 years: ``riskassess.validation.time_dependent_auc``
  against ``sksurv.metrics.cumulative_dynamic_auc`` (both horizons in one call);
* IPCW Brier score at 1 and 2 years: ``censored_brier_score`` against
  ``sksurv.metrics.brier_score``;
* integrated Brier score over 24 times: ``integrated_brier_score`` against
  ``sksurv.metrics.integrated_brier_score``.

Each pair is also checked to agree (to 1e-9), so the two sides compute the same thing.
Our per-metric lines include checking the outcomes (times, event flags; names the case
on a bad one) on every call; the "all three, checked input" line times what ``validate``
runs after checking once: all five numbers in one pass, against the three
scikit-survival calls.
Then, ours only (scikit-survival has no interval): the Poisson bootstrap of all three
metrics (``--bootstrap`` replicates) as ``validate`` runs it, per 100 replicates.

The data are continuous scores (every case its own score: the sort-heavy worst case), an
exponential event time whose rate grows with the score, and uniform censoring, with
times rounded to whole days (as case systems record them).

Run ``python benchmarks/bench_survival_metrics.py`` (``--quick`` for a smoke run).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np
from sksurv.metrics import brier_score, cumulative_dynamic_auc
from sksurv.metrics import integrated_brier_score as sk_ibs
from sksurv.util import Surv

from riskassess.validation import (
    censored_brier_score,
    integrated_brier_score,
    time_dependent_auc,
)
from riskassess.validation._survival_inputs import SurvivalOutcome, check_survival_outcome
from riskassess.validation._survival_metrics import survival_replicates

DAYS = 365.25
HORIZONS = (1.0, 2.0)


def make_data(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Outcomes (sksurv layout, whole days) and a continuous risk score."""
    rng = np.random.default_rng(seed)
    risk = rng.random(n)
    onset = np.ceil(rng.exponential(700.0 / (0.3 + risk)))
    follow = np.ceil(rng.uniform(60, 1200, n))
    return Surv.from_arrays(onset <= follow, np.minimum(onset, follow)), risk


def proba_at(risk: np.ndarray, years: np.ndarray) -> np.ndarray:
    """A probability of the event by each time that rises with time and with the risk."""
    return 1.0 - np.exp(-np.outer(0.3 + risk, years) * DAYS / 700.0)


def median_time(fn: Callable[[], object], repeats: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def compare(name: str, ours: Callable[[], object], theirs: Callable[[], object],
            repeats: int) -> None:
    ours_times, theirs_times = [], []
    ours_value = theirs_value = None
    for _ in range(repeats):  # interleaved, so both see the same machine load
        t, ours_value = median_time(ours, 1)
        ours_times.append(t)
        t, theirs_value = median_time(theirs, 1)
        theirs_times.append(t)
    a, b = np.asarray(ours_value, float), np.asarray(theirs_value, float)
    agree = "agree" if np.allclose(a, b, rtol=0, atol=1e-9) else f"DIFFER {a} vs {b}"
    mo, mt = statistics.median(ours_times), statistics.median(theirs_times)
    print(f"  {name:<26} ours {mo:8.3f} s   scikit-survival {mt:8.3f} s   "
          f"ratio {mt / mo:6.1f}x   ({agree})")


def _engine_values(outcome: SurvivalOutcome, p_h: np.ndarray, p_grid: np.ndarray,
                   grid: np.ndarray) -> np.ndarray:
    """td-AUC and Brier at both horizons and the IBS in one pass, as ``validate`` runs them
    once the outcomes are checked."""
    # the engine takes one row per time; the transposes are part of what is timed
    reps = survival_replicates(outcome, np.ascontiguousarray(p_h.T), HORIZONS,
                               grid_proba=np.ascontiguousarray(p_grid.T), grid_years=grid,
                               n_bootstrap=0, seed=0)
    return np.r_[reps.auc[0], reps.brier[0], reps.ibs[0]]


def run(n: int, repeats: int, n_bootstrap: int) -> None:
    y, risk = make_data(n)
    grid = np.linspace(2.0 / 24, 2.0, 24)
    p_h = proba_at(risk, np.asarray(HORIZONS))
    p_grid = proba_at(risk, grid)
    print(f"n = {n:,} cases, {int(y['event'].sum()):,} events, "
          f"medians of {repeats} interleaved runs")
    compare(
        "td-AUC at 1 and 2 years",
        lambda: [time_dependent_auc(y, p_h[:, k], h, n_bootstrap=0).value
                 for k, h in enumerate(HORIZONS)],
        lambda: cumulative_dynamic_auc(y, y, p_h, np.asarray(HORIZONS) * DAYS,
                                       tied_tol=0)[0],
        repeats)
    compare(
        "Brier at 1 and 2 years",
        lambda: [censored_brier_score(y, p_h[:, k], h, n_bootstrap=0).value
                 for k, h in enumerate(HORIZONS)],
        lambda: brier_score(y, y, 1.0 - p_h, np.asarray(HORIZONS) * DAYS)[1],
        repeats)
    compare(
        "integrated Brier (24 times)",
        lambda: integrated_brier_score(y, p_grid, grid, n_bootstrap=0).value,
        lambda: sk_ibs(y, y, 1.0 - p_grid, grid * DAYS),
        repeats)
    check_time, _ = median_time(lambda: check_survival_outcome(y), repeats)
    outcome = check_survival_outcome(y)
    compare(
        "all three, checked input",
        lambda: _engine_values(outcome, p_h, p_grid, grid),
        lambda: np.r_[cumulative_dynamic_auc(y, y, p_h, np.asarray(HORIZONS) * DAYS,
                                             tied_tol=0)[0],
                      brier_score(y, y, 1.0 - p_h, np.asarray(HORIZONS) * DAYS)[1],
                      sk_ibs(y, y, 1.0 - p_grid, grid * DAYS)],
        repeats)
    print(f"  (checking the outcomes once, included in the per-metric lines above and "
          f"shared by all metrics in validate: {check_time:.3f} s)")
    if n_bootstrap:
        start = time.perf_counter()
        survival_replicates(outcome, np.ascontiguousarray(p_h.T), HORIZONS,
                            grid_proba=np.ascontiguousarray(p_grid.T), grid_years=grid,
                            n_bootstrap=n_bootstrap, seed=0)
        took = time.perf_counter() - start
        print(f"  bootstrap of td-AUC x2, Brier x2 and IBS: {n_bootstrap} replicates in "
              f"{took:.1f} s ({100 * took / n_bootstrap:.2f} s per 100 replicates; "
              "scikit-survival has no interval to compare with)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--bootstrap", type=int, default=100)
    parser.add_argument("--quick", action="store_true", help="10k cases, 2 repeats")
    args = parser.parse_args()
    if args.quick:
        args.sizes, args.repeats, args.bootstrap = [10_000], 2, 20
    for n in args.sizes:
        run(n, args.repeats, args.bootstrap)


if __name__ == "__main__":
    main()
