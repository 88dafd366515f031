"""ScorecardClassifier before and after the minimum bin size and the penalised refit.

Issue 13: refitted on all COMPAS rows, the card gave ``juv_fel_count > 7`` (5 people)
139 points, about 124 times the odds, because a run of bins could hold a handful of
people and the second-stage refit had no penalty. The card now keeps every bin at
``min_bin_size`` or more of the training weight and refits with the first stage's ridge.

What is measured, side by side in one process on the same folds:

* **before**: the card as it was at commit ``918f006`` (its module source read from git
  and loaded next to the current one; it uses today's first-stage additive model, whose
  fit on unit weights is the same up to solver tolerance);
* **after**: today's card, at its default ``min_bin_size`` and at the other sizes asked
  for (``--sizes``).

For each: out-of-fold AUC, 3 x 10-fold stratified CV on COMPAS two-year data (seeds 0, 1,
2; the default size was chosen on seeds 10, 11, 12, pass ``--seeds 10 11 12`` to see that
run), the AUC cost against "before" (mean of the per-fold-set differences and its range),
the largest bin's points and its odds ratio against the lowest bin, and the points of
``juv_fel_count > 7`` on the card fitted on all rows. Folds are interleaved: every
variant is fitted on one fold before the next fold.

Run ``python benchmarks/bench_scorecard.py`` (``--quick``: one seed, 5 folds).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

from riskassess.datasets import load_compas
from riskassess.models import ScorecardClassifier

REPO = Path(__file__).resolve().parents[1]
CSV = REPO.parent / "shared" / "data" / "compas" / "compas-scores-two-years.csv"
BEFORE_COMMIT = "918f006"


def before_class() -> Any:
    """ScorecardClassifier as it was at :data:`BEFORE_COMMIT`, loaded from git."""
    source = subprocess.run(
        ["git", "-C", str(REPO), "show", f"{BEFORE_COMMIT}:riskassess/models/_scorecard.py"],
        check=True, capture_output=True, text=True).stdout
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "scorecard_before.py"
        path.write_text(source)
        spec = importlib.util.spec_from_file_location("scorecard_before", path)
        if spec is None or spec.loader is None:
            raise RuntimeError(f"cannot load {path}")
        module = importlib.util.module_from_spec(spec)
        sys.modules["scorecard_before"] = module
        spec.loader.exec_module(module)
    return module.ScorecardClassifier


def juv_fel_points(card: Any, X: pd.DataFrame) -> str:
    """Points and odds ratio of the card's bin holding juv_fel_count = 8 (and its size)."""
    if "juv_fel_count" not in card.points_:
        return "juv_fel_count not on the card"
    term = next(t for t in card.form_.terms if t.name == "juv_fel_count")
    probe = pd.DataFrame({"juv_fel_count": [8.0]})
    code = int(term.axes[0].codes(probe)[0])
    pts = int(card.points_["juv_fel_count"][code])
    people = int((term.axes[0].codes(X) == code).sum())
    label = term.axes[0].labels()[code]
    return (f"juv_fel_count {label} ({people} people): {pts} points, "
            f"odds x{np.exp(card.slope_ * pts):.1f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--folds", type=int, default=10)
    parser.add_argument("--sizes", type=float, nargs="*", default=[0.005, 0.01, 0.05],
                        help="other min_bin_size values to report (fractions)")
    args = parser.parse_args(argv)
    if args.quick:
        args.seeds, args.folds, args.sizes = args.seeds[:1], 5, []
    if not CSV.exists():
        print(f"COMPAS file not found at {CSV}: nothing to measure", file=sys.stderr)
        return 1
    X, y_series, _ = load_compas(CSV)
    y = np.asarray(y_series)
    default = ScorecardClassifier().min_bin_size
    variants: dict[str, Any] = {"before (918f006)": before_class()}
    variants[f"after, min_bin_size={default:g} (default)"] = ScorecardClassifier
    for size in args.sizes:
        variants[f"after, min_bin_size={size:g}"] = (
            lambda size=size: ScorecardClassifier(min_bin_size=size))
    print(f"COMPAS two-year, {len(y)} rows, {len(args.seeds)} x {args.folds}-fold CV "
          f"(seeds {args.seeds}), {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")
    aucs: dict[str, list[float]] = {name: [] for name in variants}
    times: dict[str, list[float]] = {name: [] for name in variants}
    for seed in args.seeds:
        oof = {name: np.empty(len(y)) for name in variants}
        folds = StratifiedKFold(args.folds, shuffle=True, random_state=seed).split(X, y)
        for train, test in folds:
            for name, make in variants.items():
                start = time.perf_counter()
                card = make().fit(X.iloc[train], y[train])
                times[name].append(time.perf_counter() - start)
                oof[name][test] = card.predict_proba(X.iloc[test])[:, 1]
        for name in variants:
            aucs[name].append(float(roc_auc_score(y, oof[name])))
    base = np.asarray(aucs["before (918f006)"])
    print(f"{'variant':40s} {'AUC (mean)':>10s} {'cost vs before':>15s} "
          f"{'range':>17s} {'s/fit':>6s}")
    for name in variants:
        diff = base - np.asarray(aucs[name])
        print(f"{name:40s} {np.mean(aucs[name]):10.4f} {np.mean(diff):+15.4f} "
              f"[{diff.min():+.4f}, {diff.max():+.4f}] {statistics.median(times[name]):6.2f}")
    print("\nFitted on all rows:")
    for name, make in variants.items():
        card = make().fit(X, y)
        top = max(int(p.max()) for p in card.points_.values())
        print(f"  {name:40s} largest bin {top} points (odds x{np.exp(card.slope_ * top):.1f}); "
              f"{juv_fel_points(card, X)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
