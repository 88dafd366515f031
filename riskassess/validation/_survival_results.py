"""Result types of the censored part of a validation report (time-to-event outcomes).

Frozen dataclasses, as the other parts of :class:`~riskassess.validation.ValidationReport`;
computed by :func:`riskassess.validation.survival_validation`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from riskassess.exceptions import ValidationInputError
from riskassess.validation._metrics import Estimate
from riskassess.validation._survival_calibration import HorizonCalibration

__all__ = ["HorizonMetrics", "SurvivalValidation"]


@dataclass(frozen=True)
class HorizonMetrics:
    """Censored-outcome metrics at one horizon (years).

    Attributes
    ----------
    horizon : float
        Years.
    n_events : int
        Events on or before the horizon.
    n_at_risk : int
        Cases still followed, event-free, after the horizon (the controls).
    auc : Estimate
        Cumulative/dynamic time-dependent AUC with IPCW weights.
    brier : Estimate
        IPCW Brier score at the horizon.
    calibration : HorizonCalibration
        Predicted against Kaplan-Meier observed rates, overall, by band and by decile.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from riskassess.validation import survival_validation
    >>> rng = np.random.default_rng(1)
    >>> p = rng.uniform(0.1, 0.5, 800)
    >>> onset = rng.exponential(365.25 / -np.log1p(-p))
    >>> y = pd.DataFrame({"event": onset <= 800, "time": np.minimum(onset, 800)})
    >>> m = survival_validation(p, None, y, horizons=1, n_bootstrap=0).at(1)
    >>> m.n_events + m.n_at_risk == len(y)   # no one censored before the horizon here
    True
    """

    horizon: float
    n_events: int
    n_at_risk: int
    auc: Estimate
    brier: Estimate
    calibration: HorizonCalibration


@dataclass(frozen=True)
class SurvivalValidation:
    """The censored part of a :class:`~riskassess.validation.ValidationReport`.

    Attributes
    ----------
    n, n_events : int
        Cases, and cases with an event at any time in their follow-up.
    longest_follow_up_days : float
        The longest follow-up time in the data.
    horizons : tuple of HorizonMetrics
        One entry per horizon, in increasing order.
    integrated_brier : Estimate or None
        Integrated Brier score from ``ibs_years[0]`` to ``ibs_years[-1]``; None when the
        model cannot predict at other horizons (a fixed-horizon classifier or scores).
    ibs_years : tuple of float
        The times (years) the integrated Brier score is computed over (empty when none).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(2)
    >>> p = rng.uniform(0.1, 0.5, 800)
    >>> onset = rng.exponential(365.25 / -np.log1p(-p))
    >>> follow = rng.uniform(300, 900, 800)
    >>> y = pd.DataFrame({"event": onset <= follow, "time": np.minimum(onset, follow)})
    >>> from riskassess.validation import survival_validation
    >>> sv = survival_validation(p, None, y, horizons=1, n_bootstrap=0)
    >>> sv.summary().columns.tolist()[:4]
    ['horizon', 'n_events', 'n_at_risk', 'auc']
    >>> sv.integrated_brier is None
    True
    """

    n: int
    n_events: int
    longest_follow_up_days: float
    horizons: tuple[HorizonMetrics, ...]
    integrated_brier: Estimate | None
    ibs_years: tuple[float, ...]

    def at(self, horizon: float) -> HorizonMetrics:
        """The metrics at ``horizon`` years (one of the validated horizons)."""
        for item in self.horizons:
            if math.isclose(item.horizon, float(horizon)):
                return item
        raise ValidationInputError(
            f"horizon {horizon!r}: not validated; validated horizons are "
            f"{[h.horizon for h in self.horizons]}")

    def summary(self) -> pd.DataFrame:
        """One row per horizon: events, controls, AUC, Brier and calibration, intervals."""
        rows = []
        for m in self.horizons:
            c = m.calibration
            rows.append({
                "horizon": m.horizon, "n_events": m.n_events, "n_at_risk": m.n_at_risk,
                "auc": m.auc.value, "auc_lower": m.auc.lower, "auc_upper": m.auc.upper,
                "brier": m.brier.value, "brier_lower": m.brier.lower,
                "brier_upper": m.brier.upper, "observed": c.observed_rate,
                "observed_lower": c.observed_lower, "observed_upper": c.observed_upper,
                "mean_predicted": c.mean_predicted})
        return pd.DataFrame(rows)
