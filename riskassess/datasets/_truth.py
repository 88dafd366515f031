"""The true risk of the synthetic cohort: shapes, need weights, time and violence.

Private to :mod:`riskassess.datasets` (which re-exports the public names).

* **Any proven reoffence.** Log-odds ``z = sum of TRUE_SHAPES(features) + sum of
  TRUE_NEED_WEIGHTS * true need scores``. The time ``T`` (years from the start of
  follow-up) to the first proven reoffence has the proportional-odds (log-logistic)
  distribution ``P(T <= t) = sigmoid(z + TRUE_INTERCEPTS[1] + TIME_SLOPE * log t)``. It
  is the one continuous-time law that keeps both yearly probabilities logistic in ``z``,
  so ``TRUE_INTERCEPTS[2] = TRUE_INTERCEPTS[1] + TIME_SLOPE * log 2`` and
  :func:`true_risk_from` needs only the 1-year probability. Its hazard is
  ``TIME_SLOPE / t * P(T <= t)``: highest early, as reoffending is after release.
* **Violent and serious violent.** A reoffender's reoffending is violent with
  probability ``s = sigmoid(TRUE_VIOLENT_INTERCEPT + violent terms)`` and serious violent
  with probability ``s * r``, ``r = sigmoid(TRUE_SERIOUS_INTERCEPT + serious terms)``,
  independently of when it happens: ``P(violent within h) = P(T <= h) * s`` and
  ``P(serious violent within h) = P(T <= h) * s * r``. So serious violent implies
  violent implies any reoffence, and each is monotone in the horizon.

Examples
--------
>>> bool(np.isclose(TRUE_INTERCEPTS[2] - TRUE_INTERCEPTS[1], TIME_SLOPE * np.log(2)))
True
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import expit

from riskassess.exceptions import DatasetArgumentError

__all__ = [
    "TIME_SLOPE",
    "TRUE_INTERCEPTS",
    "TRUE_NEED_WEIGHTS",
    "TRUE_SHAPES",
    "need_log_odds",
    "serious_share",
    "true_log_odds",
    "true_risk_from",
    "violent_share",
]


def _age_shape(age: Any) -> np.ndarray:
    return 1.6 * np.exp(-(np.asarray(age, dtype=float) - 18.0) / 12.0) - 0.6


def _copas_shape(copas: Any) -> np.ndarray:
    return 1.2 * np.tanh(np.asarray(copas, dtype=float) + 1.0)


def _custodial_shape(n: Any) -> np.ndarray:
    return 0.35 * np.log1p(np.asarray(n, dtype=float))


def _violent_shape(flag: Any) -> np.ndarray:
    return 0.15 * np.asarray(flag, dtype=float)


def _sex_shape(sex: Any) -> np.ndarray:
    return np.where(np.asarray(sex, dtype=object) == "female", -0.35, 0.0)


#: The true additive effect of each feature on the log-odds of reoffending (every
#: horizon), as a function of the feature column's values. Every other feature has no
#: effect given these and the need items.
TRUE_SHAPES: dict[str, Callable[[Any], np.ndarray]] = {
    "age": _age_shape,
    "copas_rate": _copas_shape,
    "previous_custodial": _custodial_shape,
    "violent_history": _violent_shape,
    "sex": _sex_shape,
}

#: Log-odds of reoffending added per point of each need item's true score (columns of
#: ``Cohort.true_needs``); the items not listed carry no signal for any reoffence.
TRUE_NEED_WEIGHTS: dict[str, float] = {
    "accommodation": 0.12,
    "unemployed": 0.20,
    "regular_offending_activities": 0.15,
    "drug_motivation": 0.10,
    "current_alcohol_use": 0.05,
    "binge_drinking": 0.05,
    "impulsivity": 0.10,
    "temper_control": 0.05,
    "pro_criminal_attitudes": 0.15,
    "uses_heroin": 0.30,
    "uses_crack_cocaine": 0.30,
}

#: Slope of the log-odds of ``P(T <= t)`` in ``log t`` (t in years).
TIME_SLOPE: float = 0.9 / float(np.log(2.0))

# Chosen so that the need part (mean about 0.39 on the default cohort) leaves the base
# rates where they were before need items existed (about 23% at 1 year, 39% at 2).
_INTERCEPT_1Y = -1.94

#: Intercept of the true log-odds per horizon in years (2 = 1 + ``TIME_SLOPE * log 2``).
TRUE_INTERCEPTS: dict[int, float] = {1: _INTERCEPT_1Y, 2: _INTERCEPT_1Y + 0.9}

# the violent share: terms on features and need items (log-odds)
TRUE_VIOLENT_INTERCEPT = -1.6
_VIOLENT_NEEDS = {"temper_control": 0.25, "binge_drinking": 0.20, "domestic_abuse": 0.45,
                  "weapon": 0.50, "previous_wounding_gbh": 0.50}
TRUE_SERIOUS_INTERCEPT = -2.6
_SERIOUS_NEEDS = {"weapon": 0.8, "previous_wounding_gbh": 0.6, "previous_firearms": 0.8,
                  "previous_robbery": 0.5, "previous_homicide": 1.0}


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return expit(z)  # 1 / (1 + exp(-z)) without overflow warnings at extreme horizons


def need_log_odds(true_needs: pd.DataFrame | None, n: int) -> np.ndarray:
    """The need part of the true log-odds (zeros when ``true_needs`` is None)."""
    if true_needs is None:
        return np.zeros(n)
    total = np.zeros(len(true_needs))
    for name, weight in TRUE_NEED_WEIGHTS.items():
        total += weight * true_needs[name].to_numpy(dtype=float)
    return total


def true_log_odds(features: pd.DataFrame, horizon: int = 2, *,
                  needs: pd.DataFrame | None = None) -> pd.Series:
    """The true log-odds of reoffending within ``horizon`` years.

    Parameters
    ----------
    features : pandas.DataFrame
        Frame from :func:`riskassess.features.build_features` (needs the columns of
        :data:`TRUE_SHAPES`).
    horizon : {1, 2}
    needs : pandas.DataFrame, optional
        The true need scores (``Cohort.true_needs``, same rows). Without them the need
        part is left out: the result is then the history part only, which is not the
        cohort's true log-odds (the need items carry signal of their own).

    Returns
    -------
    pandas.Series
        Same index as ``features``.

    Raises
    ------
    DatasetArgumentError
        ``horizon`` is not 1 or 2 (use ``Cohort.true_risk`` for any horizon).

    Examples
    --------
    >>> from riskassess.datasets import make_cohort
    >>> cohort = make_cohort(50, seed=1)
    >>> z = true_log_odds(cohort.features(), needs=cohort.true_needs)
    >>> bool(np.allclose(1 / (1 + np.exp(-z)), cohort.outcomes["true_p_2y"]))
    True
    """
    if horizon not in TRUE_INTERCEPTS:
        raise DatasetArgumentError(
            f"horizon must be one of {sorted(TRUE_INTERCEPTS)}, got {horizon!r}")
    total = np.full(len(features), TRUE_INTERCEPTS[horizon])
    for name, shape in TRUE_SHAPES.items():
        total = total + shape(features[name].to_numpy())
    total = total + need_log_odds(needs, len(features))
    return pd.Series(total, index=features.index, name=f"true_log_odds_{horizon}y")


def true_risk_from(p_one_year: np.ndarray, years: float) -> np.ndarray:
    """``P(T <= years)`` from ``P(T <= 1)`` under the proportional-odds time law.

    Examples
    --------
    >>> true_risk_from(np.array([0.2]), 1.0).round(12).tolist()
    [0.2]
    """
    p = np.asarray(p_one_year, dtype=float)
    if years <= 0:
        return np.zeros_like(p)
    with np.errstate(divide="ignore"):
        logit = np.log(p) - np.log1p(-p)
    return _sigmoid(logit + TIME_SLOPE * np.log(years))


def _terms(intercept: float, weights: dict[str, float], true_needs: pd.DataFrame) -> np.ndarray:
    total = np.full(len(true_needs), intercept)
    for name, weight in weights.items():
        total += weight * true_needs[name].to_numpy(dtype=float)
    return total


def violent_share(features: pd.DataFrame, true_needs: pd.DataFrame) -> np.ndarray:
    """``s``: the probability a reoffender's reoffending includes a violent offence."""
    z = _terms(TRUE_VIOLENT_INTERCEPT, _VIOLENT_NEEDS, true_needs)
    z += 1.0 * features["violent_history"].to_numpy(dtype=float)
    z += -0.02 * (features["age"].to_numpy(dtype=float) - 30.0)
    z += np.where(features["sex"].to_numpy(dtype=object) == "female", -0.5, 0.0)
    return _sigmoid(z)


def serious_share(true_needs: pd.DataFrame) -> np.ndarray:
    """``r``: the probability a violent reoffence is serious (given it is violent)."""
    return _sigmoid(_terms(TRUE_SERIOUS_INTERCEPT, _SERIOUS_NEEDS, true_needs))
