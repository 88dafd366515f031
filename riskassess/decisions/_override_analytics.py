"""Override analytics for monitoring the safeguards: accuracy, drift, countersignatures.

* :func:`override_accuracy`: did upward overrides reoffend more than the model said?
  For agreed, upward and downward decisions: observed reoffending against the model's
  expected count (the sum of its probabilities), their ratio, the excess rate with a 95%
  interval, and a test of "the model was right for these cases". Published studies of
  LSI-R (Ontario) and of the US federal PCRA found overrides mostly upward and less
  accurate than the tool; this is the table that would show it in a service's own log.
* :func:`override_drift`: each officer's override rate in their first and last months,
  with the change and its 95% interval: drift back to old habits, one officer at a time.
* :func:`countersignature_rates`: how many decisions needing a countersignature got one,
  how many are pending, and how long countersigning took.
* :func:`challenge_rates`: representations and contests per decision, their outcomes
  (upheld or changed) and time to an outcome.

Examples
--------
>>> from datetime import UTC, date, datetime
>>> import pandas as pd
>>> from riskassess.decisions._records import Assessment, ModelInfo
>>> def case(i, band, p):
...     return Assessment(case_id=f"C-{i}", assessment_date=date(2024, 1, 2),
...                       probability=p, band=band, input_sha256="0" * 64,
...                       model=ModelInfo(name="m", version="1", fingerprint="x"),
...                       created_at=datetime(2024, 1, 2, tzinfo=UTC))
>>> at = datetime(2024, 1, 3, tzinfo=UTC)
>>> ds = [case(i, "medium", 0.3).decide("o-1", "high", reason="serious_harm",
...       rationale="Recent threats to a former partner reported by police.", decided_at=at)
...       for i in range(4)]
>>> out = override_accuracy(ds, pd.Series({f"C-{i}": int(i < 2) for i in range(4)}))
>>> out.loc["overridden up", ["n_known", "observed", "expected"]].tolist()
[4.0, 2.0, 1.2]
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import norm

from riskassess.decisions._analytics import _as_frame, decisions_with_outcomes, wilson_interval
from riskassess.exceptions import ValidationInputError

__all__ = ["challenge_rates", "countersignature_rates", "override_accuracy", "override_drift"]

_GROUPS = ("agreed", "overridden up", "overridden down")


def override_accuracy(data: Any, outcomes: Any, *, latest_only: bool = True) -> pd.DataFrame:
    """Observed against expected reoffending for agreed, upward and downward decisions.

    Parameters
    ----------
    data : DataFrame from :func:`decisions_frame`, DecisionLog, or iterable of FinalDecision
    outcomes : pandas.Series
        1 reoffended, 0 not, missing when not yet known; indexed by case id.
    latest_only : bool, default True
        Use each case's latest decision only.

    Returns
    -------
    pandas.DataFrame
        Index ``agreed``, ``overridden up``, ``overridden down``; columns ``n_known``,
        ``observed`` (reoffended), ``expected`` (sum of the model's probabilities),
        ``o_e_ratio``, ``excess_rate`` (observed minus mean predicted rate) with
        ``ci_low`` / ``ci_high`` (95%, Wilson interval of the observed rate less the mean
        predicted), and ``p_value``: two-sided, of the observed count under the model's
        probabilities (normal approximation to the Poisson-binomial; NaN below 1 expected
        event either way). An upward override that was right shows ``excess_rate`` above 0;
        one that was not shows it near 0 (the model's probability was right) or below.

    Raises
    ------
    ValidationInputError
        If outcomes are not 0/1 or a case id repeats (names the case ids).

    Examples
    --------
    See the module docstring.
    """
    frame, group, outcome = decisions_with_outcomes(data, outcomes, latest_only)
    work = pd.DataFrame({"group": group, "y": outcome,
                         "p": frame["probability"].to_numpy(dtype=float)})
    work = work[~np.isnan(work["y"])]
    rows = {}
    for name in _GROUPS:
        part = work[work["group"] == name]
        n, obs, exp = len(part), float(part["y"].sum()), float(part["p"].sum())
        var = float((part["p"] * (1 - part["p"])).sum())
        lo, hi = wilson_interval(obs, n)
        mean_p = exp / n if n else np.nan
        with np.errstate(invalid="ignore", divide="ignore"):
            z = (obs - exp) / np.sqrt(var) if var > 0 else np.nan
        # the normal approximation is poor with almost no expected events or non-events
        usable = exp >= 1 and (n - exp) >= 1
        rows[name] = {"n_known": float(n), "observed": obs, "expected": exp,
                      "o_e_ratio": obs / exp if exp > 0 else np.nan,
                      "excess_rate": obs / n - mean_p if n else np.nan,
                      "ci_low": float(lo) - mean_p, "ci_high": float(hi) - mean_p,
                      "p_value": float(2 * norm.sf(abs(z))) if usable else np.nan}
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "decision"
    return out


def _newcombe(k1: Any, n1: Any, k2: Any, n2: Any) -> tuple[np.ndarray, np.ndarray]:
    """95% interval of p2 - p1 from two Wilson intervals (Newcombe's method 10)."""
    l1, u1 = wilson_interval(k1, n1)
    l2, u2 = wilson_interval(k2, n2)
    with np.errstate(invalid="ignore", divide="ignore"):
        p1, p2 = np.asarray(k1, float) / n1, np.asarray(k2, float) / n2
    d = p2 - p1
    return (d - np.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2),
            d + np.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2))


def override_drift(data: Any, *, window: int = 3) -> pd.DataFrame:
    """Each officer's override rate in their first and last ``window`` months, and the change.

    Parameters
    ----------
    data : DataFrame from :func:`decisions_frame`, DecisionLog, or iterable of FinalDecision
    window : int, default 3
        Months at each end. Officers with fewer than ``2 * window`` months of decisions
        are listed with the change missing (too little history to compare).

    Returns
    -------
    pandas.DataFrame
        Index ``officer_id``; columns ``n_months``, ``first_month``, ``last_month``,
        ``n_early``, ``rate_early``, ``n_late``, ``rate_late``, ``change`` with its 95%
        interval ``ci_low`` / ``ci_high`` (Newcombe). The month-by-month rates behind it:
        ``override_rates(data, by=["officer", "month"])``.

    Raises
    ------
    ValidationInputError
        If ``window`` is not a positive integer.

    Examples
    --------
    >>> from datetime import UTC, date, datetime
    >>> from riskassess.decisions._records import Assessment, ModelInfo
    >>> def d(i, month, final):
    ...     a = Assessment(case_id=f"C-{i}", assessment_date=date(2024, month, 1),
    ...                    probability=0.3, band="medium", input_sha256="0" * 64,
    ...                    model=ModelInfo(name="m", version="1", fingerprint="x"),
    ...                    created_at=datetime(2024, month, 1, tzinfo=UTC))
    ...     over = final != "medium"
    ...     return a.decide("o-1", final, reason="serious_harm" if over else None,
    ...                     rationale="Threats reported by police last week." if over else None,
    ...                     decided_at=datetime(2024, month, 2, tzinfo=UTC))
    >>> ds = [d(i, m, "high" if m > 1 and i % 2 else "medium")
    ...       for m in (1, 2) for i in range(10)]
    >>> override_drift(ds, window=1)[["rate_early", "rate_late", "change"]]
                rate_early  rate_late  change
    officer_id
    o-1                0.0        0.5     0.5
    """
    if isinstance(window, bool) or not isinstance(window, int) or window < 1:
        raise ValidationInputError(f"override_drift: window must be a positive number of "
                                   f"months, got {window!r}")
    frame = _as_frame(data)
    month = frame["decided_at"].dt.strftime("%Y-%m")
    rows = {}
    for officer, part in frame.assign(month=month).groupby("officer_id", sort=True):
        months = sorted(part["month"].unique())
        early = part[part["month"].isin(months[:window])]
        late = part[part["month"].isin(months[-window:])]
        enough = len(months) >= 2 * window
        rows[officer] = {"n_months": len(months), "first_month": months[0],
                         "last_month": months[-1], "n_early": len(early),
                         "k_early": int(early["override"].sum()), "n_late": len(late),
                         "k_late": int(late["override"].sum()), "enough": enough}
    out = pd.DataFrame.from_dict(rows, orient="index")
    if out.empty:
        return pd.DataFrame(columns=["n_months", "first_month", "last_month", "n_early",
                                     "rate_early", "n_late", "rate_late", "change", "ci_low",
                                     "ci_high"])
    out.index.name = "officer_id"
    out["rate_early"] = out["k_early"] / out["n_early"]
    out["rate_late"] = out["k_late"] / out["n_late"]
    lo, hi = _newcombe(out["k_early"], out["n_early"], out["k_late"], out["n_late"])
    has_history = out["enough"].to_numpy(dtype=bool)
    out["change"] = np.where(has_history, out["rate_late"] - out["rate_early"], np.nan)
    out["ci_low"] = np.where(has_history, lo, np.nan)
    out["ci_high"] = np.where(has_history, hi, np.nan)
    return out[["n_months", "first_month", "last_month", "n_early", "rate_early", "n_late",
                "rate_late", "change", "ci_low", "ci_high"]]


def countersignature_rates(log_or_frame: Any, by: str | None = None) -> pd.DataFrame:
    """Decisions needing a countersignature: how many got one, and how fast.

    Parameters
    ----------
    log_or_frame : DecisionLog or DataFrame from ``DecisionLog.to_frame()``
    by : {"officer_id", "month", "model_band", "final_band"}, optional
        Break down by this column (default: one row, ``"all"``).

    Returns
    -------
    pandas.DataFrame
        Columns ``n_decisions``, ``n_required``, ``required_rate``, ``n_countersigned``,
        ``n_pending``, ``countersigned_rate`` (of those required) with its 95% Wilson
        interval ``ci_low`` / ``ci_high``, and ``median_hours`` / ``p90_hours`` from the
        decision to its countersignature.

    Raises
    ------
    ValidationInputError
        If the table has no status columns (it is not from a log) or ``by`` is unknown.

    Examples
    --------
    >>> frame = pd.DataFrame({
    ...     "countersignature_required": [True, True, False],
    ...     "status": ["effective", "pending", "effective"],
    ...     "decided_at": pd.to_datetime(["2024-01-01T09:00Z"] * 3),
    ...     "countersigned_at": pd.to_datetime(["2024-01-01T15:00Z", None, None], utc=True)})
    >>> countersignature_rates(frame)[["n_required", "n_pending", "median_hours"]]
         n_required  n_pending  median_hours
    all           2          1           6.0
    """
    frame = log_or_frame.to_frame() if hasattr(log_or_frame, "verify") else log_or_frame
    need = {"countersignature_required", "status", "decided_at", "countersigned_at"}
    missing = need - set(frame.columns)
    if missing:
        raise ValidationInputError(f"countersignature_rates needs DecisionLog.to_frame()'s "
                                   f"columns; missing {sorted(missing)}")
    if by is not None and by not in {"officer_id", "month", "model_band", "final_band"}:
        raise ValidationInputError(f"countersignature_rates: cannot group by {by!r}")
    work = frame.assign(
        month=frame["decided_at"].dt.strftime("%Y-%m"), key="all",
        hours=(frame["countersigned_at"] - frame["decided_at"]).dt.total_seconds() / 3600)
    groups = work.groupby(by if by is not None else "key", observed=True, sort=True)
    rows = {}
    for name, part in groups:
        req = part[part["countersignature_required"].astype(bool)]
        signed = req[req["status"] == "effective"]
        hours = signed["hours"].dropna()
        rows[name] = {"n_decisions": len(part), "n_required": len(req),
                      "n_countersigned": len(signed), "n_pending": len(req) - len(signed),
                      "median_hours": float(hours.median()) if len(hours) else np.nan,
                      "p90_hours": float(hours.quantile(0.9)) if len(hours) else np.nan}
    out = pd.DataFrame.from_dict(rows, orient="index")
    out["required_rate"] = out["n_required"] / out["n_decisions"]
    with np.errstate(invalid="ignore", divide="ignore"):
        out["countersigned_rate"] = out["n_countersigned"] / out["n_required"]
    out["ci_low"], out["ci_high"] = wilson_interval(out["n_countersigned"], out["n_required"])
    return out[["n_decisions", "n_required", "required_rate", "n_countersigned", "n_pending",
                "countersigned_rate", "ci_low", "ci_high", "median_hours", "p90_hours"]]


def challenge_rates(log: Any) -> pd.DataFrame:
    """Representations and contests: how often, and how they ended.

    Parameters
    ----------
    log : DecisionLog

    Returns
    -------
    pandas.DataFrame
        Index ``representation``, ``contest``; columns ``n_decisions`` (in the log),
        ``n_records``, ``rate_per_decision`` with its 95% Wilson interval (decisions
        challenged at least once), ``n_upheld``, ``n_changed``, ``changed_rate`` with its
        95% Wilson interval, and ``median_days`` to an outcome.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from riskassess.decisions import DecisionLog
    >>> with tempfile.TemporaryDirectory() as tmp, DecisionLog(Path(tmp) / "l.sqlite") as log:
    ...     challenge_rates(log)["n_records"].tolist()
    [0, 0]
    """
    n_decisions = int(log.to_frame().shape[0])
    table = log.safeguards_frame()
    rows = {}
    for kind in ("representation", "contest"):
        part = table[table["record_type"] == kind]
        changed = int((part["outcome"] == "changed").sum())
        rows[kind] = {"n_decisions": n_decisions, "n_records": len(part),
                      "n_decisions_challenged": int(part["decision_hash"].nunique()),
                      "n_upheld": len(part) - changed, "n_changed": changed,
                      "median_days": float(part["days_to_outcome"].median())
                      if len(part) else np.nan}
    out = pd.DataFrame.from_dict(rows, orient="index")
    with np.errstate(invalid="ignore", divide="ignore"):
        out["rate_per_decision"] = out["n_decisions_challenged"] / out["n_decisions"]
        out["changed_rate"] = out["n_changed"] / out["n_records"]
    out["rate_ci_low"], out["rate_ci_high"] = wilson_interval(out["n_decisions_challenged"],
                                                              out["n_decisions"])
    out["changed_ci_low"], out["changed_ci_high"] = wilson_interval(out["n_changed"],
                                                                    out["n_records"])
    return out[["n_decisions", "n_records", "n_decisions_challenged", "rate_per_decision",
                "rate_ci_low", "rate_ci_high", "n_upheld", "n_changed", "changed_rate",
                "changed_ci_low", "changed_ci_high", "median_days"]]
