"""Benchmark: decision curves (net benefit) on 1,000,000 cases, overall and per group.

What is timed
-------------
1. ``riskassess.validation.decision_curve`` on ``--n`` cases with continuous scores, at
   99 thresholds (0.01 to 0.99), for all cases and for four groups.
2. Side by side, on the same data, in this one process, interleaved (so machine load
   hits both alike), for the whole cohort:

   * **numpy loop**: the textbook computation, one threshold at a time:
     ``treat = p >= t; tp = (treat & y).sum(); fp = (treat & ~y).sum()``;
   * **sklearn roc_curve**: ``sklearn.metrics.roc_curve`` (one sort, TP and FP counts at
     every distinct score), then each threshold's counts looked up by ``searchsorted``;
   * **riskassess**: each score placed among the sorted thresholds, one ``bincount`` over
     (group, position, outcome) and a reversed cumulative sum (no sort of the cases).

   All three are checked to give the same net benefits before timing. Medians over
   ``--repeats`` runs and the ratios of medians are printed; per-group curves are timed
   for riskassess and for the numpy loop run once per group.
3. ``disparity_ratios`` (four metrics, Katz intervals, detectable differences and
   calibration by decile within group) on the same cases, for scale.

Run ``python benchmarks/bench_fairness.py`` (``--quick`` for a smoke run).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable

import numpy as np
from sklearn.metrics import roc_curve

from riskassess.validation import decision_curve, disparity_ratios
from riskassess.validation._net_benefit import default_thresholds

THRESHOLDS = default_thresholds()


def make_data(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Continuous scores, outcomes drawn from them, four groups of unequal size."""
    rng = np.random.default_rng(seed)
    p = rng.beta(2, 3, n)
    y = (rng.random(n) < p).astype(np.int8)
    groups = rng.choice(np.array(["a", "b", "c", "d"]), n, p=[0.5, 0.3, 0.15, 0.05])
    return p, y, groups


def numpy_loop(y: np.ndarray, p: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Net benefit one threshold at a time (the textbook computation)."""
    n = len(y)
    pos = y == 1
    out = np.empty(len(t))
    for i, threshold in enumerate(t):
        treat = p >= threshold
        tp = np.count_nonzero(treat & pos)
        fp = np.count_nonzero(treat & ~pos)
        out[i] = tp / n - fp / n * threshold / (1 - threshold)
    return out


def sklearn_roc(y: np.ndarray, p: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Net benefit from sklearn's ROC curve: counts at each distinct score, looked up."""
    n = len(y)
    n_pos = int(y.sum())
    fpr, tpr, cuts = roc_curve(y, p, drop_intermediate=False)
    # cuts decrease; position of the last cut >= t gives the counts of p >= t
    order = cuts[::-1]
    idx = len(cuts) - np.searchsorted(order, t, side="left") - 1
    tp = np.where(idx >= 0, tpr[np.maximum(idx, 0)] * n_pos, 0.0)
    fp = np.where(idx >= 0, fpr[np.maximum(idx, 0)] * (n - n_pos), 0.0)
    return np.asarray(tp / n - fp / n * t / (1 - t))


def ours(y: np.ndarray, p: np.ndarray, t: np.ndarray) -> np.ndarray:
    table = decision_curve(y, p, thresholds=t).table
    return np.asarray(table["net_benefit"].to_numpy())


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="100,000 cases, 3 repeats")
    args = parser.parse_args(argv)
    if args.quick:
        args.n, args.repeats = 100_000, 3
    load_before = os.getloadavg()[0]
    p, y, groups = make_data(args.n)
    t = THRESHOLDS
    reference = numpy_loop(y, p, t)
    for name, fn in (("sklearn roc_curve", sklearn_roc), ("riskassess", ours)):
        got = fn(y, p, t)
        if not np.allclose(got, reference, rtol=0, atol=1e-12):
            print(f"{name} disagrees with the numpy loop: max difference "
                  f"{np.max(np.abs(got - reference)):.3g}", file=sys.stderr)
            return 1
    runs: dict[str, list[float]] = {"numpy loop": [], "sklearn roc_curve": [],
                                     "riskassess": [], "numpy loop, per group": [],
                                     "riskassess, per group": []}
    names = np.unique(groups)
    for _ in range(args.repeats):  # interleaved: load hits every method alike
        runs["numpy loop"].append(timed(lambda: numpy_loop(y, p, t)))
        runs["sklearn roc_curve"].append(timed(lambda: sklearn_roc(y, p, t)))
        runs["riskassess"].append(timed(lambda: ours(y, p, t)))
        runs["numpy loop, per group"].append(timed(
            lambda: [numpy_loop(y, p, t)] + [numpy_loop(y[groups == g], p[groups == g], t)
                                             for g in names]))
        runs["riskassess, per group"].append(timed(
            lambda: decision_curve(y, p, groups, thresholds=t)))
    med = {k: statistics.median(v) for k, v in runs.items()}
    print(f"decision curves: n={args.n:,}, {len(t)} thresholds, {len(names)} groups; "
          f"medians of {args.repeats} interleaved runs (net benefits agree to 1e-12)")
    print(f"\n{'method':<40}{'median s':>10}{'vs riskassess':>16}")
    for key, base in (("numpy loop", "riskassess"), ("sklearn roc_curve", "riskassess"),
                      ("riskassess", "riskassess"),
                      ("numpy loop, per group", "riskassess, per group"),
                      ("riskassess, per group", "riskassess, per group")):
        print(f"{key:<40}{med[key]:>10.3f}{med[key] / med[base]:>15.1f}x")
    disparity = [timed(lambda: disparity_ratios(y, p, groups, threshold=0.5))
                 for _ in range(max(1, args.repeats // 2))]
    print(f"\ndisparity_ratios (4 metrics, Katz intervals, detectable differences, "
          f"calibration by decile in 4 groups): median {statistics.median(disparity):.3f} s")
    print(f"\nload average (1 min) {load_before:.1f} at start, {os.getloadavg()[0]:.1f} at end, "
          f"{os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
