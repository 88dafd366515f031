"""Calibration at a horizon against Kaplan-Meier observed rates, by band and by decile.

With censored outcomes the observed rate of reoffending by a horizon is not a share of
cases (cases censored before the horizon have no known outcome there); it is one minus the
Kaplan-Meier survival at the horizon, computed within the band or decile. Its interval is
the log-log ("exponential Greenwood") interval on the Greenwood variance, the default of
lifelines' ``KaplanMeierFitter`` (the tests check our numbers against it to 1e-10).

Conventions:

* The Kaplan-Meier estimate is right-continuous: the survival at day ``t`` includes the
  events of day ``t``; cases censored on day ``t`` are still at risk for those events.
* Greenwood's sum adds ``d / (n (n - d))`` at every event day, and 0 on a day when every
  case at risk has the event (lifelines' convention). The interval is
  ``S ** exp(± z sqrt(V) / log S)``; where ``S = 1`` (no event yet) it is [1, 1].
* A band whose longest follow-up ends before the horizon has no observed rate there
  (NaN, with ``n_at_risk = 0``), unless every case in it had the event (observed rate 1).

Examples
--------
>>> import pandas as pd
>>> y = pd.DataFrame({"event": [True, False, True, False], "time": [50.0, 100.0, 200.0, 400.0]})
>>> kaplan_meier(y, [0.25, 0.5]).drop(columns="days").round(4)
       n_at_risk  n_events  survival  survival_lower  survival_upper
years
0.25           3         1      0.75          0.1279          0.9605
0.50           2         1      0.75          0.1279          0.9605
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from riskassess.validation._calibration import (
    Bands,
    assign_bands,
    decile_codes,
    resolve_bands,
)
from riskassess.validation._inputs import check_length, check_scores
from riskassess.validation._metrics import z_value
from riskassess.validation._survival_inputs import (
    DAYS_PER_YEAR,
    check_horizons,
    check_survival_outcome,
)

__all__ = ["HorizonCalibration", "calibration_at_horizon", "horizon_calibration",
           "kaplan_meier", "km_event_rate"]


def _km_at(event: np.ndarray, time: np.ndarray, days: np.ndarray,
           level: float) -> dict[str, np.ndarray]:
    """Kaplan-Meier survival with log-log Greenwood interval at each of ``days``."""
    order = np.argsort(time, kind="stable")
    t, e = time[order], event[order]
    starts = np.flatnonzero(np.r_[True, t[1:] != t[:-1]]) if t.size else np.array([], int)
    uniq = t[starts]
    deaths = np.add.reduceat(e.astype(np.float64), starts) if t.size else np.array([])
    at_risk = (t.size - starts).astype(np.float64)
    survival = np.cumprod(1.0 - deaths / at_risk)
    with np.errstate(divide="ignore", invalid="ignore"):
        step = np.where(at_risk > deaths, deaths / (at_risk * (at_risk - deaths)), 0.0)
    greenwood = np.cumsum(step)
    k = np.searchsorted(uniq, days, side="right") - 1
    s = np.where(k >= 0, survival[np.maximum(k, 0)] if t.size else 1.0, 1.0)
    v = np.where(k >= 0, greenwood[np.maximum(k, 0)] if t.size else 0.0, 0.0)
    # Beyond the last follow-up nobody is at risk and the estimate is not defined, unless
    # it already reached 0 (everyone had the event), where it stays.
    last = uniq[-1] if t.size else -math.inf
    defined = (days <= last) | (survival[-1] == 0.0 if t.size else False)
    z = z_value(level)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_s = np.log(s)
        spread = z * np.sqrt(v) / log_s  # negative: log S < 0
        lower = np.exp(-np.exp(np.log(-log_s) - spread))
        upper = np.exp(-np.exp(np.log(-log_s) + spread))
    lower = np.where(np.isnan(lower), 1.0, lower)
    upper = np.where(np.isnan(upper), 1.0, upper)
    n_at_risk = t.size - np.searchsorted(t, days, side="left")
    n_events = np.cumsum(deaths)[np.maximum(k, 0)] if t.size else np.zeros(len(days))
    nan = np.full(len(days), np.nan)
    return {"n_at_risk": n_at_risk, "n_events": np.where(k >= 0, n_events, 0),
            "survival": np.where(defined, s, nan),
            "survival_lower": np.where(defined, lower, nan),
            "survival_upper": np.where(defined, upper, nan)}


def kaplan_meier(y: Any, years: Sequence[float], *, level: float = 0.95) -> pd.DataFrame:
    """Kaplan-Meier survival at ``years`` with the log-log Greenwood interval.

    Parameters
    ----------
    y : structured array or DataFrame
        Outcomes with ``event`` (bool) and ``time`` (days).
    years : sequence of float
        Times in years (1 year = 365.25 days).
    level : float, default 0.95
        Confidence level.

    Returns
    -------
    DataFrame
        Indexed by ``years``: days, n_at_risk (followed to at least that day), n_events
        (events on or before it), survival, survival_lower, survival_upper.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.array([(True, 100.0), (True, 200.0), (False, 300.0)],
    ...              dtype=[("event", bool), ("time", float)])
    >>> kaplan_meier(y, [0.5])["survival"].round(4).tolist()  # one event by day 182.6
    [0.6667]
    """
    outcome = check_survival_outcome(y)
    yrs = np.asarray(years, dtype=float)
    table = _km_at(outcome.event, outcome.time, yrs * DAYS_PER_YEAR, level)
    frame = pd.DataFrame({"days": yrs * DAYS_PER_YEAR, **table},
                         index=pd.Index(yrs, name="years"))
    return frame.astype({"n_at_risk": int, "n_events": int})


def horizon_calibration(event: np.ndarray, time: np.ndarray, p: np.ndarray,
                        codes: np.ndarray, labels: Sequence[str], days: float,
                        level: float) -> pd.DataFrame:
    """Observed (1 - Kaplan-Meier) against mean predicted risk by bin, at ``days``.

    Columns: bin, n, n_events (events on or before the horizon), n_at_risk (followed
    past it), mean_predicted, observed, observed_lower, observed_upper, difference,
    predicted_in_interval. Empty bins are kept with ``n = 0``.
    """
    rows = []
    horizon = np.array([days])
    for j, label in enumerate(labels):
        inside = codes == j
        n = int(inside.sum())
        km = _km_at(event[inside], time[inside], horizon, level)
        observed = 1.0 - float(km["survival"][0])
        lower = 1.0 - float(km["survival_upper"][0])
        upper = 1.0 - float(km["survival_lower"][0])
        mean_p = float(p[inside].mean()) if n else math.nan
        rows.append({
            "bin": label, "n": n, "n_events": int(km["n_events"][0]),
            "n_at_risk": int(km["n_at_risk"][0]), "mean_predicted": mean_p,
            "observed": observed, "observed_lower": lower, "observed_upper": upper,
            "difference": observed - mean_p,
            "predicted_in_interval": bool(n and lower <= mean_p <= upper),
        })
    return pd.DataFrame(rows)


def km_event_rate(event: np.ndarray, time: np.ndarray, days: float,
                  level: float = 0.95) -> tuple[float, float, float]:
    """1 - Kaplan-Meier survival at ``days`` with its interval (observed, lower, upper)."""
    km = _km_at(event, time, np.array([days]), level)
    return (1.0 - float(km["survival"][0]), 1.0 - float(km["survival_upper"][0]),
            1.0 - float(km["survival_lower"][0]))


@dataclass(frozen=True)
class HorizonCalibration:
    """Calibration of predicted risk by ``horizon`` years against Kaplan-Meier rates.

    Attributes
    ----------
    horizon : float
        Years.
    observed_rate, observed_lower, observed_upper : float
        1 - Kaplan-Meier survival at the horizon over all cases, with its interval.
    mean_predicted : float
        Mean predicted probability of the event by the horizon.
    by_band, by_decile : DataFrame
        Observed against predicted per band / decile of predicted risk (see
        :func:`horizon_calibration` for the columns).
    bands : Bands
        The bands used.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> risk = rng.uniform(0.05, 0.6, 4000)
    >>> hazard = -np.log1p(-risk) / 365.25          # P(event within 1 year) = risk
    >>> event_time = rng.exponential(1 / hazard)
    >>> censor = rng.uniform(200, 1000, 4000)
    >>> y = np.rec.fromarrays([event_time <= censor, np.minimum(event_time, censor)],
    ...                       names="event,time")
    >>> cal = calibration_at_horizon(y, risk, 1.0)
    >>> bool(cal.by_band["predicted_in_interval"][cal.by_band["n"] > 0].all())
    True
    >>> cal.observed_lower < cal.observed_rate < cal.observed_upper
    True
    """

    horizon: float
    observed_rate: float
    observed_lower: float
    observed_upper: float
    mean_predicted: float
    by_band: pd.DataFrame
    by_decile: pd.DataFrame
    bands: Bands


def build_horizon_calibration(event: np.ndarray, time: np.ndarray, p: np.ndarray,
                              horizon: float, bands: Bands, level: float) -> HorizonCalibration:
    """The :class:`HorizonCalibration` of checked arrays (no input checks here)."""
    days = horizon * DAYS_PER_YEAR
    observed, lower, upper = km_event_rate(event, time, days, level)
    dec_codes, dec_labels = decile_codes(p)
    return HorizonCalibration(
        horizon, observed, lower, upper, float(p.mean()),
        horizon_calibration(event, time, p, assign_bands(p, bands.cut_points),
                            bands.labels, days, level),
        horizon_calibration(event, time, p, dec_codes, dec_labels, days, level),
        bands)


def calibration_at_horizon(
    y: Any, probabilities: Any, horizon: float, *, bands: Any = None, level: float = 0.95,
) -> HorizonCalibration:
    """Predicted risk by ``horizon`` years against Kaplan-Meier observed rates.

    Parameters
    ----------
    y : structured array or DataFrame
        Outcomes with ``event`` (bool) and ``time`` (days).
    probabilities : array-like of float
        Predicted probability of the event by the horizon.
    horizon : float
        Years; must be before the longest follow-up.
    bands : tuple of float or RiskBands-like, optional
        Band cut-points; default OGRS3's 0.50 / 0.75 / 0.90.
    level : float, default 0.95
        Confidence level of the Kaplan-Meier intervals.

    Returns
    -------
    HorizonCalibration

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(3)
    >>> p = rng.uniform(0.1, 0.9, 3000)
    >>> onset = rng.exponential(2 * 365.25 / -np.log1p(-p))   # P(event by 2 years) = p
    >>> y = pd.DataFrame({"event": onset <= 1000, "time": np.minimum(onset, 1000)})
    >>> cal = calibration_at_horizon(y, p, 2, bands=(0.3, 0.6))
    >>> cal.by_band[["bin", "predicted_in_interval"]]
          bin  predicted_in_interval
    0  band 1                   True
    1  band 2                   True
    2  band 3                   True
    """
    outcome = check_survival_outcome(y, probabilities)
    (h,) = check_horizons([horizon], outcome)
    check_length(outcome.n, probabilities, "probabilities")
    p = check_scores(probabilities, outcome.ids, "probabilities")
    return build_horizon_calibration(outcome.event, outcome.time, p, h, resolve_bands(bands),
                                     level)
