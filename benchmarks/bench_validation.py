"""Benchmark: validate 1,000,000 scored cases with 1,000 bootstrap replicates (target <= 30 s).

What is timed
-------------
1. ``riskassess.validation.validate`` on ``--n`` cases with continuous scores (the worst
   case: every case its own distinct score), four audit groups and an incumbent score,
   ``--bootstrap`` replicates. A tqdm bar shows the bootstrap when stderr is a terminal.
   Parts are also timed alone: the Poisson bootstrap, DeLong, and everything else.
2. Side by side on a subsample (``--sub`` cases, ``--sub-bootstrap`` replicates), in this
   one process, interleaved: the usual bootstrap -- resample rows with replacement and
   call ``sklearn.metrics.roc_auc_score`` in a loop -- against our vectorised Poisson
   bootstrap of the same statistic. Medians over ``--repeats`` and their ratio.

How the bootstrap is vectorised: the AUC, Brier score and observed/expected ratio depend
on the data only through the counts of positive and negative cases at each distinct score
(a cell); a Poisson(1) weight per case summed over a cell is Poisson(count), so one
Poisson draw per cell and replicate *is* the case-level Poisson bootstrap. The replicate
AUC is then one cumulative sum over the cells; replicates run in chunks as 2-d arrays.
Intervals that need no bootstrap use DeLong (AUC, paired AUC difference, group AUC) and
Wilson (proportions).

Run ``python benchmarks/bench_validation.py`` (``--quick`` for a smoke run).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable

import numpy as np
from sklearn.metrics import roc_auc_score

from riskassess.validation import validate
from riskassess.validation._bootstrap import score_bootstrap
from riskassess.validation._metrics import delong_auc


def make_data(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Continuous scores, outcomes drawn from them, four groups, a noisier incumbent."""
    rng = np.random.default_rng(seed)
    p = rng.beta(2, 3, n)
    y = (rng.random(n) < p).astype(np.int8)
    groups = rng.choice(np.array(["a", "b", "c", "d"]), n, p=[0.5, 0.3, 0.15, 0.05])
    incumbent = np.clip(p + rng.normal(0, 0.15, n), 0, 1)
    return p, y, groups, incumbent


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def sklearn_loop(y: np.ndarray, s: np.ndarray, b: int, seed: int) -> np.ndarray:
    """The usual bootstrap: resample rows, roc_auc_score per replicate."""
    rng = np.random.default_rng(seed)
    n = len(y)
    out = np.empty(b)
    for i in range(b):
        idx = rng.integers(0, n, n)
        out[i] = roc_auc_score(y[idx], s[idx])
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small smoke run")
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--bootstrap", type=int, default=1000)
    parser.add_argument("--sub", type=int, default=20_000)
    parser.add_argument("--sub-bootstrap", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    if args.quick:
        args.n, args.bootstrap, args.sub, args.sub_bootstrap, args.repeats = (
            50_000, 200, 5_000, 30, 2)

    load_before = os.getloadavg()[0]
    p, y, groups, incumbent = make_data(args.n)
    interactive = sys.stderr.isatty()
    print(f"validate(): n={args.n:,}, {args.bootstrap} bootstrap replicates, 4 groups, "
          f"incumbent; progress bar {'on' if interactive else 'off (not a terminal)'}")
    full: list[float] = []
    boot: list[float] = []
    delong: list[float] = []
    report = None
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        report = validate(p, y=y, groups=groups, incumbent=incumbent,
                          n_bootstrap=args.bootstrap, progress=None)
        full.append(time.perf_counter() - t0)
        boot.append(timed(lambda: score_bootstrap(y, p, n_bootstrap=args.bootstrap, seed=0)))
        delong.append(timed(lambda: delong_auc(y, p)))
    assert report is not None
    med_full, med_boot, med_delong = (statistics.median(v) for v in (full, boot, delong))
    print(f"\n{'part':<44}{'median s':>10}")
    print(f"{'validate() total':<44}{med_full:>10.2f}")
    print(f"{'  Poisson bootstrap alone':<44}{med_boot:>10.2f}")
    print(f"{'  DeLong AUC alone':<44}{med_delong:>10.2f}")
    print(f"{'  everything else (by difference)':<44}"
          f"{med_full - med_boot:>10.2f}")
    runs = [f"{v:.2f}" for v in full]
    if args.n >= 1_000_000 and args.bootstrap >= 1000:
        print(f"target 30 s: {'met' if med_full <= 30.0 else 'NOT met'}; runs {runs}")
    else:
        print(f"(the 30 s target applies to n=1,000,000 x 1,000 replicates); runs {runs}")
    print(f"AUC {report.auc}; bootstrap {report.auc_bootstrap}")

    ys, ps = y[: args.sub], p[: args.sub]
    ours: list[float] = []
    peer: list[float] = []
    for r in range(args.repeats):
        t0 = time.perf_counter()
        sklearn_loop(ys, ps, args.sub_bootstrap, r)
        t1 = time.perf_counter()
        score_bootstrap(ys, ps, n_bootstrap=args.sub_bootstrap, seed=r)
        t2 = time.perf_counter()
        peer.append(t1 - t0)
        ours.append(t2 - t1)
    m_ours, m_peer = statistics.median(ours), statistics.median(peer)
    per_rep_peer = m_peer / args.sub_bootstrap
    print(f"\nbootstrap AUC on a {args.sub:,}-case subsample, {args.sub_bootstrap} replicates, "
          f"median of {args.repeats}")
    print(f"{'method':<52}{'median s':>10}{'per rep ms':>12}")
    print(f"{'sklearn roc_auc_score in a loop (row resampling)':<52}{m_peer:>10.3f}"
          f"{1000 * per_rep_peer:>12.2f}")
    print(f"{'riskassess Poisson cell bootstrap':<52}{m_ours:>10.3f}"
          f"{1000 * m_ours / args.sub_bootstrap:>12.2f}")
    print(f"ratio sklearn / ours: {m_peer / m_ours:.1f}x")
    est = per_rep_peer * args.n / args.sub * args.bootstrap
    print(f"sklearn loop extrapolated to n={args.n:,} x {args.bootstrap} replicates "
          f"(linear in n, a lower bound: sorting is n log n): ~{est:.0f} s "
          f"vs our bootstrap {med_boot:.1f} s")
    print(f"\nload average (1 min) {load_before:.1f} at start, {os.getloadavg()[0]:.1f} at end, "
          f"on {os.cpu_count()} cores: above the core count, absolute times are inflated "
          "(the side-by-side ratio is not)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
