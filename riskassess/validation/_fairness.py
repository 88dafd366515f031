"""Fairness: error rates, calibration and discrimination by group, and the trade-off made.

When base rates differ between groups, a score cannot be calibrated within every group
*and* have equal false positive and false negative rates (Kleinberg, Mullainathan &
Raghavan 2017; Chouldechova 2017). The report therefore shows every quantity and states
which of the two properties the model keeps (:class:`Tradeoff`).

Examples
--------
>>> y = [1, 0, 1, 0, 1, 0]
>>> pred = [1, 1, 0, 0, 1, 0]
>>> g = ["a", "a", "a", "b", "b", "b"]
>>> t = group_error_rates(y, pred, g)
>>> t[["n", "tp", "fp", "fn", "tn"]].loc["a"].tolist()
[3, 1, 1, 1, 0]
>>> float(t.loc["b", "fpr"])
0.0
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from riskassess.validation._bootstrap import count_bootstrap, percentile_interval
from riskassess.validation._calibration import reliability_table
from riskassess.validation._inputs import case_names, check_groups, check_labels, check_length
from riskassess.validation._metrics import delong_variance, wilson, z_value

__all__ = ["Tradeoff", "group_error_rates"]

_RATES = {  # name: (numerator cells, denominator cells) over (tp, fp, fn, tn)
    "base_rate": ((0, 2), (0, 1, 2, 3)),
    "selection_rate": ((0, 1), (0, 1, 2, 3)),
    "tpr": ((0,), (0, 2)),
    "fpr": ((1,), (1, 3)),
    "fnr": ((2,), (0, 2)),
    "tnr": ((3,), (1, 3)),
    "ppv": ((0,), (0, 1)),
    "npv": ((3,), (2, 3)),
    "accuracy": ((0, 3), (0, 1, 2, 3)),
}
_GAP_METRICS = ("base_rate", "fpr", "fnr", "ppv", "selection_rate")


def _confusion(y: np.ndarray, pred: np.ndarray, codes: np.ndarray, k: int) -> np.ndarray:
    """Counts (tp, fp, fn, tn) per group, shape ``(k, 4)``."""
    # One integer per case, group * 4 + cell (tp 0, fp 1, fn 2, tn 3), so a single
    # bincount gives every group's confusion matrix in one pass over the cases.
    cell = codes * 4 + np.where(y == 1, np.where(pred == 1, 0, 2), np.where(pred == 1, 1, 3))
    return np.bincount(cell, minlength=4 * k).reshape(k, 4)


def _rate(counts: np.ndarray, name: str) -> np.ndarray:
    num_idx, den_idx = _RATES[name]
    # ``...`` lets the same code rate one table (groups, 4) or bootstrap replicates
    # (replicates, groups, 4)
    num = counts[..., list(num_idx)].sum(axis=-1)
    den = counts[..., list(den_idx)].sum(axis=-1)
    # an empty denominator (no negatives in a group: no FPR) is undefined, not 0
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)


def group_error_rates(y_true: Any, y_pred: Any, groups: Any) -> pd.DataFrame:
    """Confusion-matrix counts and rates by group.

    Parameters
    ----------
    y_true : array-like of {0, 1}
        Observed outcomes.
    y_pred : array-like of {0, 1}
        Predicted class (1 = predicted to reoffend, e.g. COMPAS Medium or High).
    groups : array-like
        Group of every case (audit variable such as race).

    Returns
    -------
    pandas.DataFrame
        Indexed by group (sorted), columns ``n, n_positive, n_predicted_positive, tp, fp,
        fn, tn, base_rate, selection_rate, tpr, fpr, fnr, tnr, ppv, npv, accuracy``. A
        rate whose denominator is zero is NaN (e.g. FPR in a group with no negatives).

    Raises
    ------
    ValidationInputError
        Labels or predictions not 0/1, missing groups, or mismatched lengths.

    Examples
    --------
    >>> t = group_error_rates([0, 1, 1, 0], [0, 1, 0, 1], ["x", "x", "y", "y"])
    >>> t[["fpr", "fnr", "ppv"]].to_dict("index")
    {'x': {'fpr': 0.0, 'fnr': 0.0, 'ppv': 1.0}, 'y': {'fpr': 1.0, 'fnr': 1.0, 'ppv': 0.0}}
    """
    n = len(y_true)
    ids = case_names(n, y_true, y_pred, groups)
    check_length(n, y_pred, "y_pred")
    check_length(n, groups, "groups")
    y = check_labels(y_true, ids, "y_true")
    pred = check_labels(y_pred, ids, "y_pred")
    g = check_groups(groups, ids)
    names, codes = np.unique(g.astype(str), return_inverse=True)
    counts = _confusion(y, pred, codes, len(names))
    frame = pd.DataFrame(counts, columns=["tp", "fp", "fn", "tn"],
                         index=pd.Index(names.tolist(), name="group"))
    frame.insert(0, "n", counts.sum(axis=1))
    frame.insert(1, "n_positive", counts[:, 0] + counts[:, 2])
    frame.insert(2, "n_predicted_positive", counts[:, 0] + counts[:, 1])
    for name in _RATES:
        frame[name] = _rate(counts, name)
    return frame


@dataclass(frozen=True)
class Tradeoff:
    """Which fairness property the model keeps, in numbers and in words.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from riskassess.validation import validate
    >>> rng = np.random.default_rng(0)
    >>> p = rng.uniform(0.05, 0.95, 600)
    >>> y = (rng.random(600) < p).astype(int)
    >>> groups = pd.Series(np.where(rng.random(600) < 0.5, "a", "b"), name="area")
    >>> t = validate(p, y=y, groups=groups, n_bootstrap=0).fairness.tradeoff
    >>> t.base_rates_differ, t.calibrated_within_groups, t.equal_error_rates
    (True, True, False)
    >>> print(t.statement.split(". ")[-1])  # doctest: +ELLIPSIS
    Trade-off: it keeps calibration within groups ... at the cost of unequal error rates.
    """

    base_rates_differ: bool
    calibrated_within_groups: bool
    equal_error_rates: bool
    statement: str


def group_table(
    y: np.ndarray, p: np.ndarray, pred: np.ndarray, g: np.ndarray, *, min_group_size: int,
    level: float, small_note: str = "intervals are wide and the group is left out of the "
    "gaps and the trade-off",
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Per-group metrics with intervals; also returns group names and codes.

    ``small_note`` follows "fewer than <min_group_size> cases: " in a small group's note.
    """
    names, codes = np.unique(g.astype(str), return_inverse=True)
    counts = _confusion(y, pred, codes, len(names))
    rows = []
    for j, name in enumerate(names):
        mask = codes == j
        c = counts[j]
        row: dict[str, Any] = {"group": str(name), "n": int(mask.sum()),
                               "small": bool(mask.sum() < min_group_size)}
        for metric in ("base_rate", "fpr", "fnr", "ppv", "selection_rate"):
            # Wilson, not the normal approximation: small groups and rates near 0 or 1
            # are common here, and Wilson's interval stays inside [0, 1]
            num_idx, den_idx = _RATES[metric]
            est = wilson(float(c[list(num_idx)].sum()), float(c[list(den_idx)].sum()), level)
            row[metric], row[f"{metric}_lower"], row[f"{metric}_upper"] = (
                est.value, est.lower, est.upper)
        # the group's own AUC: how well the score ranks within the group, which a
        # difference in base rates between groups does not affect
        a, var = delong_variance(y[mask], p[mask])
        half = z_value(level) * math.sqrt(var) if not math.isnan(var) else math.nan
        row["auc"], row["auc_lower"], row["auc_upper"] = (
            a, max(0.0, a - half), min(1.0, a + half))
        row["auc_variance"] = var
        row["mean_predicted"] = float(p[mask].mean())
        row["observed_expected"] = (row["base_rate"] / row["mean_predicted"]
                                    if row["mean_predicted"] > 0 else math.nan)
        notes = []
        if row["small"]:
            notes.append(f"fewer than {min_group_size} cases: {small_note}")
        if math.isnan(a):
            notes.append("AUC undefined: one outcome only")
        elif math.isnan(var):
            notes.append("no AUC interval: fewer than 2 cases of one outcome")
        row["note"] = "; ".join(notes)
        rows.append(row)
    return pd.DataFrame(rows), names, codes


def group_band_table(
    y: np.ndarray, p: np.ndarray, band: np.ndarray, band_labels: Sequence[str],
    names: np.ndarray, codes: np.ndarray, level: float,
) -> pd.DataFrame:
    """Reliability by band within each group (long format: one row per group and band)."""
    parts = []
    for j, name in enumerate(names):
        mask = codes == j
        t = reliability_table(y[mask], p[mask], band[mask], band_labels, level)
        t.insert(0, "group", str(name))
        parts.append(t.rename(columns={"bin": "band"}))
    return pd.concat(parts, ignore_index=True)


def gap_table(
    groups: pd.DataFrame, counts: np.ndarray, *, n_bootstrap: int, seed: int, level: float
) -> pd.DataFrame:
    """Largest minus smallest value across eligible groups, with a bootstrap interval.

    The two groups are those at the extremes in the sample; the interval is the Poisson
    bootstrap percentile interval of the difference between those same two groups. The
    AUC gap uses DeLong variances of the two (independent) groups.
    """
    # small groups are shown but not compared: their rates are too noisy to call a gap
    eligible = ~groups["small"].to_numpy()
    # the rates are functions of the (group, predicted, outcome) counts, so bootstrapping
    # the counts (one Poisson draw per cell) gives every rate's replicates at once
    reps = count_bootstrap(counts, n_bootstrap=n_bootstrap, seed=seed) if n_bootstrap else None
    rows = []
    for metric in (*_GAP_METRICS, "auc"):
        values = groups[metric].to_numpy(dtype=float)
        ok = eligible & np.isfinite(values)
        row: dict[str, Any] = {"metric": metric}
        if ok.sum() < 2:
            rows.append({**row, "high_group": None, "low_group": None, "gap": math.nan,
                         "lower": math.nan, "upper": math.nan,
                         "method": "fewer than two eligible groups"})
            continue
        idx = np.flatnonzero(ok)
        # The gap is max minus min over groups, and its interval follows that same pair
        # through the replicates. Re-picking the extremes in every replicate would give
        # the distribution of a maximum, biased upwards even when all groups are equal.
        hi, lo = idx[np.argmax(values[ok])], idx[np.argmin(values[ok])]
        gap = float(values[hi] - values[lo])
        if metric == "auc":
            # groups hold different people, so their AUCs are independent and the
            # variances add; no bootstrap needed
            var = groups["auc_variance"].to_numpy(dtype=float)
            half = z_value(level) * math.sqrt(var[hi] + var[lo])
            low, high, method = gap - half, gap + half, "DeLong (independent groups)"
        elif reps is not None:
            r = _rate(reps, metric)
            low, high = percentile_interval(r[:, hi] - r[:, lo], level)
            method = f"Poisson bootstrap percentile ({n_bootstrap} replicates)"
        else:
            low, high, method = math.nan, math.nan, "no bootstrap (n_bootstrap=0)"
        rows.append({**row, "high_group": groups["group"].iloc[hi],
                     "low_group": groups["group"].iloc[lo], "gap": gap, "lower": low,
                     "upper": high, "method": method})
    return pd.DataFrame(rows).set_index("metric")


def _distinct(gaps: pd.DataFrame, metric: str, tolerance: float) -> bool:
    """A gap counts when it exceeds the tolerance and its interval excludes zero."""
    row = gaps.loc[metric]
    if not np.isfinite(row["gap"]):
        return False
    # Both conditions: a gap inside the tolerance is negligible however certain, and a
    # large gap whose interval reaches zero may be noise. Without a bootstrap (no
    # interval) only the tolerance decides.
    excludes_zero = not (np.isfinite(row["lower"]) and row["lower"] <= 0.0)
    return bool(row["gap"] > tolerance and excludes_zero)


def _pct(v: float) -> str:
    return "n/a" if not np.isfinite(v) else f"{100 * v:.1f}%"


def tradeoff(
    groups: pd.DataFrame, by_band: pd.DataFrame, gaps: pd.DataFrame, *, min_group_size: int,
    tolerance: float, threshold_text: str,
) -> Tradeoff:
    """Say which of calibration within groups and equal error rates the model keeps."""
    if groups["small"].all() or (~groups["small"]).sum() < 2:
        return Tradeoff(False, False, False,
                        "Fewer than two groups have enough cases "
                        f"(at least {min_group_size}) to compare; no trade-off is stated.")
    # Calibration within groups is judged band by band, in the cells with enough cases:
    # a cell is off only if observed and predicted differ by more than the tolerance AND
    # the observed rate's interval misses the prediction, so sampling noise in a small
    # cell does not count as miscalibration.
    cells = by_band[(by_band["n"] >= min_group_size)
                    & by_band["group"].isin(groups.loc[~groups["small"], "group"])]
    off = cells[(cells["difference"].abs() > tolerance) & ~cells["predicted_in_interval"]]
    calibrated = off.empty
    # any detectable difference in base rates triggers the impossibility result, so the
    # tolerance is 0 here (the interval alone decides)
    base_differ = _distinct(gaps, "base_rate", 0.0)
    fpr_gap, fnr_gap = _distinct(gaps, "fpr", tolerance), _distinct(gaps, "fnr", tolerance)
    equal_rates = not (fpr_gap or fnr_gap)

    def describe(metric: str, label: str) -> str:
        r = gaps.loc[metric]
        values = dict(zip(groups["group"], groups[metric].astype(float), strict=True))
        return (f"{label} {r['high_group']} {_pct(values[r['high_group']])} vs "
                f"{r['low_group']} {_pct(values[r['low_group']])} "
                f"(gap {100 * r['gap']:.1f} points, CI {100 * r['lower']:.1f} to "
                f"{100 * r['upper']:.1f})")

    parts = [
        f"Base rates {'differ' if base_differ else 'do not differ detectably'} between "
        f"groups ({describe('base_rate', 'base rate')})."
    ]
    if base_differ:
        parts.append("With different base rates a score cannot be calibrated within every "
                     "group and also have equal false positive and false negative rates "
                     "(Kleinberg et al. 2017; Chouldechova 2017).")
    worst = off.iloc[int(np.argmax(off["difference"].abs().to_numpy()))] if len(off) else None
    cal = ("is calibrated within groups: in every band with at least "
           f"{min_group_size} cases of a group, the observed rate is within "
           f"{100 * tolerance:.0f} points of the predicted probability or its interval "
           "covers it" if calibrated else
           f"is not calibrated within groups: {len(off)} group-band cell(s) differ by more "
           f"than {100 * tolerance:.0f} points (largest: group {worst['group']}, band "
           f"{worst['band']}, observed {_pct(worst['observed'])} vs predicted "
           f"{_pct(worst['mean_predicted'])})" if worst is not None else "")
    rates = (f"error rates at {threshold_text}: {describe('fpr', 'false positive rate')}; "
             f"{describe('fnr', 'false negative rate')}")
    parts.append(f"The model {cal}; {rates}.")
    if calibrated and not equal_rates:
        parts.append("Trade-off: it keeps calibration within groups (a score means the same "
                     "risk whoever it is given to) at the cost of unequal error rates.")
    elif equal_rates and not calibrated:
        parts.append("Trade-off: it keeps error rates balanced at the cost of calibration "
                     "within groups (the same score means different risks in different "
                     "groups).")
    elif calibrated and equal_rates:
        parts.append("It keeps both properties within the tolerance"
                     + (" (possible here because the difference in base rates is small)."
                        if base_differ else "."))
    else:
        parts.append("It keeps neither property: it is miscalibrated within groups and its "
                     "error rates differ.")
    return Tradeoff(base_differ, calibrated, equal_rates, " ".join(parts))
