"""Benchmark: the additive time-to-event model (AdditiveSurvivalModel), side by side.

Run with ``python benchmarks/bench_survival.py [--quick]``. Two parts, one run:

(a) **Synthetic cohort with a known hazard** (``make_cohort``'s ``time``/``event`` and
    ``Cohort.true_risk``), a *recent* cohort (assessed in the 2.5 years before the
    extract date, so most cases are censored): mean absolute error of p(1 y) and p(2 y)
    against the true probabilities, on fresh people, for the survival model on every case
    versus the routes that drop the people not followed for the whole horizon (the
    additive classifier per horizon, as in the README, and the survival model on those
    same people).
(b) **COMPAS start/end/event** (ProPublica's two-year file; time = end - start days,
    event = ``event``; rows with time <= 0 are dropped and counted), 5-fold CV:
    time-dependent AUC at 1 and 2 years (``sksurv.metrics.cumulative_dynamic_auc``) and
    the integrated Brier score from 30 days to 2 years
    (``sksurv.metrics.integrated_brier_score``) against lifelines' ``CoxPHFitter`` and
    scikit-survival's ``GradientBoostingSurvivalAnalysis`` and ``RandomSurvivalForest``
    (defaults, one thread), with median fit times and their ratios.

``--quick``: smaller cohort, 2 repetitions, 2 folds, 30-tree baselines (a smoke run; the
numbers quoted in reports come from the full run).
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from riskassess.datasets import load_compas, make_cohort
from riskassess.models import AdditiveRiskClassifier, AdditiveSurvivalModel

DAYS = 365.25
COMPAS = Path(__file__).resolve().parents[2] / "shared" / "data" / "compas" / \
    "compas-scores-two-years.csv"


# ----------------------------------------------------------------- (a) synthetic
#: A recent cohort: assessed in the 2.5 years before make_cohort's extract date
#: (2021-12-31), so most people have under two years of follow-up.
RECENT = (dt.date(2019, 7, 1), dt.date(2021, 11, 30))


def synthetic(n: int, reps: int) -> pd.DataFrame:
    rows = []
    for rep in range(reps):
        train = make_cohort(n, seed=rep, assessment_dates=RECENT)
        test = make_cohort(max(2000, n // 2), seed=1000 + rep, id_offset=10_000_000,
                           assessment_dates=RECENT)
        X, X_test = train.features(), test.features()
        out = train.outcomes.reindex(X.index)
        # people whose follow-up has not started by the extract date (still in custody)
        # have no time at risk: make_cohort leaves their time empty, and they are not
        # part of any training set
        started = out["time"].notna().to_numpy()
        X, out = X[started], out[started]
        y = out[["event", "time"]].astype({"event": bool, "time": float})
        truth = {h: test.true_risk(h).reindex(X_test.index).to_numpy() for h in (1, 2)}
        t0 = time.perf_counter()
        every = AdditiveSurvivalModel().fit(X, y)
        row = {"rep": rep, "censored": float(1 - y["event"].mean()),
               "not_started": float(1 - started.mean()),
               "fit_s_survival_all": time.perf_counter() - t0}
        for h in (1, 2):
            # the route of today's README: only people followed for the whole horizon
            # (make_cohort's reoffend_{h}y is <NA> for the others), whatever happened to them
            label = out[f"reoffend_{h}y"]
            known = label.notna().to_numpy()
            clf = AdditiveRiskClassifier(horizon=h).fit(X[known], label[known].astype(int))
            surv_known = AdditiveSurvivalModel(horizon=h).fit(X[known], y[known])
            preds = {"survival_all": every.predict_proba(X_test, horizon=h)[:, 1],
                     "classifier_known": clf.predict_proba(X_test)[:, 1],
                     "survival_known": surv_known.predict_proba(X_test, horizon=h)[:, 1]}
            row[f"kept_{h}y"] = float(known.mean())
            for name, p in preds.items():
                row[f"mae_{h}y_{name}"] = float(np.mean(np.abs(p - truth[h])))
        rows.append(row)
    return pd.DataFrame(rows)


# --------------------------------------------------------------------- (b) COMPAS
def _compas() -> tuple[pd.DataFrame, pd.DataFrame, int]:
    X, _, full = load_compas(COMPAS)
    time_days = (full["end"] - full["start"]).astype(float)
    ok = (time_days > 0).to_numpy()
    y = pd.DataFrame({"event": full["event"].astype(bool), "time": time_days}, index=X.index)
    return X[ok], y[ok], int((~ok).sum())


def _numeric(X: pd.DataFrame) -> pd.DataFrame:
    out = X.copy()
    out["sex"] = (X["sex"].astype(str) == "male").astype(float)
    out["c_charge_degree"] = (X["c_charge_degree"].astype(str) == "F").astype(float)
    return out.astype(float)


def _surv(y: pd.DataFrame) -> np.ndarray:
    from sksurv.util import Surv

    out: np.ndarray = Surv.from_arrays(y["event"].to_numpy(), y["time"].to_numpy())
    return out


def _fit_predict(name: str, X_tr: pd.DataFrame, y_tr: pd.DataFrame, X_te: pd.DataFrame,
                 grid: np.ndarray, trees: int) -> tuple[float, np.ndarray]:
    """(fit seconds, survival probabilities of shape (n_test, len(grid)))."""
    if name == "AdditiveSurvivalModel":
        t0 = time.perf_counter()
        model = AdditiveSurvivalModel().fit(X_tr, y_tr)
        fit_s = time.perf_counter() - t0
        surv = np.column_stack([model.predict_proba(X_te, horizon=t / DAYS)[:, 0]
                                for t in grid])
        return fit_s, surv
    if name == "CoxPHFitter":
        from lifelines import CoxPHFitter

        frame = _numeric(X_tr).assign(T=y_tr["time"].to_numpy(), E=y_tr["event"].to_numpy())
        t0 = time.perf_counter()
        cph = CoxPHFitter().fit(frame, "T", "E")
        fit_s = time.perf_counter() - t0
        return fit_s, cph.predict_survival_function(_numeric(X_te), times=grid).to_numpy().T
    from sksurv.ensemble import GradientBoostingSurvivalAnalysis, RandomSurvivalForest

    model = (GradientBoostingSurvivalAnalysis(n_estimators=trees, random_state=0)
             if name == "GradientBoostingSurvivalAnalysis"
             else RandomSurvivalForest(n_estimators=trees, random_state=0, n_jobs=1))
    t0 = time.perf_counter()
    model.fit(_numeric(X_tr), _surv(y_tr))
    fit_s = time.perf_counter() - t0
    fns = model.predict_survival_function(_numeric(X_te))
    return fit_s, np.vstack([fn(grid) for fn in fns])


MODELS = ("AdditiveSurvivalModel", "CoxPHFitter", "GradientBoostingSurvivalAnalysis",
          "RandomSurvivalForest")


def compas(folds: int, trees: int) -> pd.DataFrame:
    from sklearn.model_selection import StratifiedKFold
    from sksurv.metrics import cumulative_dynamic_auc, integrated_brier_score

    X, y, dropped = _compas()
    print(f"COMPAS: {len(X)} people, {y['event'].mean():.3f} with an event, {dropped} rows "
          f"with end - start <= 0 dropped; {folds}-fold CV")
    grid = np.arange(30.0, 2 * DAYS, 15.0)
    rows = []
    split = StratifiedKFold(folds, shuffle=True, random_state=0).split(X, y["event"])
    for fold, (tr, te) in enumerate(split):
        y_tr, y_te = _surv(y.iloc[tr]), _surv(y.iloc[te])
        for name in MODELS:
            fit_s, surv = _fit_predict(name, X.iloc[tr], y.iloc[tr], X.iloc[te], grid, trees)
            row = {"fold": fold, "model": name, "fit_s": fit_s}
            for h in (1, 2):
                t = float(h * DAYS) - 1e-6  # just inside the grid's range
                risk = 1.0 - np.array([np.interp(t, grid, s) for s in surv])
                row[f"auc_{h}y"] = float(cumulative_dynamic_auc(y_tr, y_te, risk, [t])[0][0])
            row["ibs"] = float(integrated_brier_score(y_tr, y_te, surv, grid))
            rows.append(row)
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run (see module doc)")
    parser.add_argument("--part", choices=["a", "b", "both"], default="both",
                        help="(a) synthetic, (b) COMPAS, or both (default)")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    n, reps, folds, trees = (4000, 2, 2, 30) if args.quick else (20_000, 5, 5, 100)

    if args.part in ("a", "both"):
        part_a(n, reps)
    if args.part in ("b", "both"):
        part_b(folds, trees)


def part_a(n: int, reps: int) -> None:
    print(f"(a) synthetic recent cohort, n={n}, {reps} repetitions (medians)")
    syn = synthetic(n, reps)
    med = syn.median(numeric_only=True)
    print(f"follow-up not yet started (left out): {med['not_started']:.1%}")
    print(f"censored: {med['censored']:.1%}; people followed for the whole horizon: "
          f"{med['kept_1y']:.1%} at 1 y, {med['kept_2y']:.1%} at 2 y; survival fit on all "
          f"cases: {med['fit_s_survival_all']:.2f} s")
    table = pd.DataFrame({f"MAE p({h}y)": [med[f"mae_{h}y_{k}"] for k in
                                           ("survival_all", "classifier_known",
                                            "survival_known")] for h in (1, 2)},
                         index=["survival model, every case",
                                "additive classifier per horizon, people followed for "
                                "less than the horizon dropped",
                                "survival model, the same people dropped"])
    print(table.round(4).to_string())


def part_b(folds: int, trees: int) -> None:
    if not COMPAS.is_file():
        print(f"(b) skipped: {COMPAS} is absent")
        return
    print("(b)", end=" ")
    res = compas(folds, trees)
    summary = res.groupby("model", sort=False).median(numeric_only=True).drop(columns="fold")
    ours = summary.loc["AdditiveSurvivalModel", "fit_s"]
    summary["fit_time_ratio_vs_ours"] = summary["fit_s"] / ours
    print("medians over folds (AUC: higher is better; IBS: lower is better)")
    print(summary.round(4).to_string())
    best_auc = {h: summary.drop(index="AdditiveSurvivalModel")[f"auc_{h}y"].max()
                for h in (1, 2)}
    best_ibs = summary.drop(index="AdditiveSurvivalModel")["ibs"].min()
    gbsa = summary.loc["GradientBoostingSurvivalAnalysis", "fit_s"]
    print(f"goal: AUC 1y {summary.loc['AdditiveSurvivalModel', 'auc_1y']:.4f} vs best other "
          f"{best_auc[1]:.4f}; AUC 2y {summary.loc['AdditiveSurvivalModel', 'auc_2y']:.4f} vs "
          f"{best_auc[2]:.4f}; IBS {summary.loc['AdditiveSurvivalModel', 'ibs']:.4f} vs "
          f"{best_ibs:.4f}; boosted fit time / ours = {gbsa / ours:.1f}x (goal >= 10x)")


if __name__ == "__main__":
    main()
