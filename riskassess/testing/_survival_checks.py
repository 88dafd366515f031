"""Checks for time-to-event validation suites: call them from pytest; they raise AssertionError.

The outcome ``y`` has ``event`` (bool) and ``time`` (days) and every case counts, censored
or not; ``horizon`` is in years. A model whose ``predict_proba`` takes ``horizon`` (such
as :class:`~riskassess.models.AdditiveSurvivalModel`) is scored at the horizon; a
fixed-horizon classifier at its own ``horizon``; or pass the probabilities themselves.
A failure names the horizon and, for calibration, every failing band. Bad arguments
raise :class:`~riskassess.exceptions.ValidationInputError` or
:class:`~riskassess.exceptions.TimeToEventError` (both ``ValueError``), so a mistake in
the suite is not mistaken for a failing model.

Examples
--------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(0)
>>> p = rng.uniform(0.05, 0.6, 4000)                       # P(event within 1 year)
>>> onset = rng.exponential(365.25 / -np.log1p(-p))
>>> follow = rng.uniform(200, 1000, 4000)
>>> y = pd.DataFrame({"event": onset <= follow, "time": np.minimum(onset, follow)})
>>> assert_time_dependent_auc_at_least(p, None, y, horizon=1, minimum=0.6)
>>> assert_calibrated_at_horizon(p, None, y, horizon=1)
>>> assert_calibrated_at_horizon(np.minimum(p * 1.6, 1), None, y, horizon=1)
Traceback (most recent call last):
...
AssertionError: not calibrated at 1 year(s): observed 33.0% ... vs mean predicted 51.7%; band...
"""

from __future__ import annotations

import math
from numbers import Integral, Real
from typing import Any

from riskassess.exceptions import ValidationInputError

__all__ = ["assert_brier_score_at_most", "assert_calibrated_at_horizon",
           "assert_time_dependent_auc_at_least"]


def _number(value: Any, name: str, low: float = -math.inf, high: float = math.inf) -> float:
    if isinstance(value, bool) or not isinstance(value, Real) or not low <= float(value) < high:
        raise ValidationInputError(f"{name} must be a number in [{low:g}, {high:g}); got "
                                   f"{value!r}")
    return float(value)


def _at_horizon(model_or_scores: Any, X: Any, y: Any, horizon: Any, **options: Any) -> Any:
    """The :class:`~riskassess.validation.HorizonMetrics` at ``horizon`` (no IBS)."""
    from riskassess.validation import survival_validation

    result = survival_validation(model_or_scores, X, y, horizons=[horizon],
                                 integrated_brier=False, **options)
    return result.horizons[0]


def _where(m: Any) -> str:
    return (f"at {m.horizon:g} year(s) ({m.n_events} events by then, {m.n_at_risk} "
            "followed past it)")


def assert_time_dependent_auc_at_least(
    model_or_scores: Any, X: Any, y: Any, *, horizon: float, minimum: float,
    use_lower_bound: bool = False, n_bootstrap: int = 200, seed: int = 0,
    level: float = 0.95,
) -> None:
    """Assert that the cumulative/dynamic time-dependent AUC at ``horizon`` is high enough.

    Parameters
    ----------
    model_or_scores : fitted model or array-like of float
        Scored at ``horizon`` (see the module notes), or probabilities by the horizon.
    X : DataFrame or None
        Model inputs (None for probabilities).
    y : structured array or DataFrame
        ``event`` and ``time`` (days).
    horizon : float
        Years.
    minimum : float
        The AUC must be at least this.
    use_lower_bound : bool, default False
        Require the lower end of the bootstrap interval to reach ``minimum`` (a stricter
        check: the data must *show* the AUC is high enough).
    n_bootstrap, seed, level
        Bootstrap of the interval shown in the message (and checked with
        ``use_lower_bound``).

    Raises
    ------
    AssertionError
        Names the horizon, the AUC with its interval, the minimum, the events and controls.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> p = rng.uniform(0.05, 0.6, 2000)
    >>> onset = rng.exponential(365.25 / -np.log1p(-p))
    >>> y = pd.DataFrame({"event": onset <= 900, "time": np.minimum(onset, 900)})
    >>> assert_time_dependent_auc_at_least(p, None, y, horizon=1, minimum=0.6)
    >>> assert_time_dependent_auc_at_least(rng.random(2000), None, y, horizon=1, minimum=0.6)
    Traceback (most recent call last):
    ...
    AssertionError: time-dependent AUC at 1 year(s) (... events by then, ...) is 0.4991, below...
    """
    minimum = _number(minimum, "minimum", 0.0, 1.0 + 1e-12)
    m = _at_horizon(model_or_scores, X, y, horizon, n_bootstrap=n_bootstrap, seed=seed,
                    level=level)
    checked = m.auc.lower if use_lower_bound else m.auc.value
    what = ("lower bound of the time-dependent AUC" if use_lower_bound
            else "time-dependent AUC")
    if math.isnan(checked) or checked < minimum:
        raise AssertionError(f"{what} {_where(m)} is {checked:.4f}, below the minimum "
                             f"{minimum:g}: {m.auc}")


def assert_brier_score_at_most(
    model_or_scores: Any, X: Any, y: Any, *, horizon: float, maximum: float,
    n_bootstrap: int = 200, seed: int = 0, level: float = 0.95,
) -> None:
    """Assert that the IPCW Brier score at ``horizon`` is at most ``maximum``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> p = rng.uniform(0.05, 0.6, 2000)
    >>> onset = rng.exponential(365.25 / -np.log1p(-p))
    >>> y = pd.DataFrame({"event": onset <= 900, "time": np.minimum(onset, 900)})
    >>> assert_brier_score_at_most(p, None, y, horizon=1, maximum=0.25)
    >>> assert_brier_score_at_most(1 - p, None, y, horizon=1, maximum=0.25)
    Traceback (most recent call last):
    ...
    AssertionError: Brier score (IPCW) at 1 year(s) (... events by then, ...) is 0.4...
    """
    maximum = _number(maximum, "maximum", 0.0, 1.0 + 1e-12)
    m = _at_horizon(model_or_scores, X, y, horizon, n_bootstrap=n_bootstrap, seed=seed,
                    level=level)
    if math.isnan(m.brier.value) or m.brier.value > maximum:
        raise AssertionError(f"Brier score (IPCW) {_where(m)} is {m.brier.value:.4f}, above "
                             f"the maximum {maximum:g}: {m.brier}")


def assert_calibrated_at_horizon(
    model_or_scores: Any, X: Any, y: Any, *, horizon: float, tolerance: float = 0.05,
    min_bin_size: int = 30, bands: Any = None, level: float = 0.95,
) -> None:
    """Assert that predicted risk by ``horizon`` matches Kaplan-Meier observed rates.

    Holds when the overall observed rate (1 - Kaplan-Meier at the horizon) is within
    ``tolerance`` of the mean predicted probability or its interval covers it, and the
    same holds in every band with at least ``min_bin_size`` cases.

    Raises
    ------
    AssertionError
        Names the horizon and every failing band with its observed rate, interval and
        mean predicted probability.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> p = rng.uniform(0.05, 0.6, 3000)
    >>> onset = rng.exponential(365.25 / -np.log1p(-p))
    >>> y = pd.DataFrame({"event": onset <= 900, "time": np.minimum(onset, 900)})
    >>> assert_calibrated_at_horizon(p, None, y, horizon=1)
    >>> assert_calibrated_at_horizon(p / 2, None, y, horizon=1)
    Traceback (most recent call last):
    ...
    AssertionError: not calibrated at 1 year(s): observed ... vs mean predicted ...
    """
    tolerance = _number(tolerance, "tolerance", 0.0, 1.0)
    if isinstance(min_bin_size, bool) or not isinstance(min_bin_size, Integral) \
            or min_bin_size < 1:
        raise ValidationInputError(f"min_bin_size must be a whole number >= 1; got "
                                   f"{min_bin_size!r}")
    cal = _at_horizon(model_or_scores, X, y, horizon, n_bootstrap=0, bands=bands,
                      level=level).calibration
    problems = []
    overall_ok = (abs(cal.observed_rate - cal.mean_predicted) <= tolerance
                  or cal.observed_lower <= cal.mean_predicted <= cal.observed_upper)
    if not overall_ok:
        problems.append(f"observed {cal.observed_rate:.1%} (Kaplan-Meier CI "
                        f"{cal.observed_lower:.1%} to {cal.observed_upper:.1%}) vs mean "
                        f"predicted {cal.mean_predicted:.1%}")
    for row in cal.by_band.to_dict("records"):
        if row["n"] < min_bin_size or math.isnan(row["observed"]):
            continue
        if abs(row["difference"]) > tolerance and not row["predicted_in_interval"]:
            problems.append(f"band {row['bin']!r} (n={row['n']}): observed "
                            f"{row['observed']:.1%} (Kaplan-Meier CI "
                            f"{row['observed_lower']:.1%} to {row['observed_upper']:.1%}) vs "
                            f"predicted {row['mean_predicted']:.1%}")
    if problems:
        raise AssertionError(f"not calibrated at {cal.horizon:g} year(s): "
                             + "; ".join(problems))
