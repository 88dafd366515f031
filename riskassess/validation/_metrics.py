"""Point estimates and analytic intervals: AUC with DeLong, Wilson for proportions.

* AUC is the Mann-Whitney statistic (ties count one half), computed from mid-ranks.
* Its variance is DeLong, DeLong & Clarke-Pearson (1988) in the fast mid-rank form of
  Sun & Xu (2014); the interval is normal, ``auc ± z·se``, clipped to [0, 1].
* The difference of two AUCs on the same people uses the paired DeLong covariance.
* Proportions use the Wilson score interval.

Examples
--------
>>> import numpy as np
>>> y = np.array([0, 0, 1, 1, 0, 1])
>>> s = np.array([0.1, 0.4, 0.35, 0.8, 0.2, 0.9])
>>> est = delong_auc(y, s)
>>> round(est.value, 4), est.method
(0.8889, 'DeLong')
>>> wilson(5, 10).lower < 0.5 < wilson(5, 10).upper
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.stats import norm, rankdata

__all__ = ["Estimate", "auc", "delong_auc", "delong_paired", "delong_variance", "wilson", "z_value"]


@dataclass(frozen=True)
class Estimate:
    """A point estimate with its interval and the method that produced the interval.

    Parameters
    ----------
    value : float
        Point estimate (NaN when undefined, e.g. an AUC in a group with one class).
    lower, upper : float
        Interval bounds (NaN when no interval could be computed; see ``note``).
    method : str
        How the interval was obtained ("DeLong", "Wilson", "bootstrap percentile", ...).
    level : float
        Confidence level of the interval.
    note : str
        Why an interval is missing, or other caveats; empty when none.

    Examples
    --------
    >>> est = Estimate(0.7, 0.65, 0.75, "DeLong")
    >>> print(est)
    0.7000 (95% CI 0.6500 to 0.7500, DeLong)
    >>> est.to_dict()
    {'value': 0.7, 'lower': 0.65, 'upper': 0.75, 'method': 'DeLong', 'level': 0.95, 'note': ''}
    >>> nan = float("nan")
    >>> print(Estimate(nan, nan, nan, "DeLong", note="group has one class only"))
    undefined (group has one class only)
    """

    value: float
    lower: float
    upper: float
    method: str
    level: float = 0.95
    note: str = ""

    def to_dict(self) -> dict[str, float | str]:
        """JSON-ready dictionary (NaN becomes None via the renderer)."""
        return {"value": self.value, "lower": self.lower, "upper": self.upper,
                "method": self.method, "level": self.level, "note": self.note}

    def __str__(self) -> str:
        if math.isnan(self.value):
            return f"undefined ({self.note})" if self.note else "undefined"
        if math.isnan(self.lower):
            return f"{self.value:.4f} (no interval: {self.note})"
        return (f"{self.value:.4f} ({self.level:.0%} CI {self.lower:.4f} to "
                f"{self.upper:.4f}, {self.method})")


def z_value(level: float) -> float:
    """Two-sided normal quantile for a confidence level (1.96 for 0.95)."""
    return float(norm.ppf(0.5 + level / 2.0))


def auc(y: np.ndarray, s: np.ndarray) -> float:
    """Area under the ROC curve (ties count one half); NaN if one class is absent.

    Examples
    --------
    >>> auc(np.array([0, 1]), np.array([0.3, 0.3]))
    0.5
    """
    pos = y == 1
    m = int(pos.sum())
    n = len(y) - m
    if m == 0 or n == 0:
        return math.nan
    ranks = rankdata(s)
    return float((ranks[pos].sum() - m * (m + 1) / 2.0) / (m * n))


def _placements(y: np.ndarray, s: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """AUC and DeLong placement values V10 (positives) and V01 (negatives)."""
    pos = y == 1
    x, z = s[pos], s[~pos]
    m, n = len(x), len(z)
    tz = rankdata(np.concatenate([x, z]))
    tx, ty = rankdata(x), rankdata(z)
    a = (tz[:m].sum() - m * (m + 1) / 2.0) / (m * n)
    v10 = (tz[:m] - tx) / n
    v01 = 1.0 - (tz[m:] - ty) / m
    return float(a), v10, v01


def delong_variance(y: np.ndarray, s: np.ndarray) -> tuple[float, float]:
    """AUC and its DeLong variance (NaN when a class has fewer than 2 cases)."""
    m = int((y == 1).sum())
    n = len(y) - m
    if m == 0 or n == 0:
        return math.nan, math.nan
    a, v10, v01 = _placements(y, s)
    if m < 2 or n < 2:
        return a, math.nan
    return a, float(np.var(v10, ddof=1)) / m + float(np.var(v01, ddof=1)) / n


def delong_auc(y: np.ndarray, s: np.ndarray, level: float = 0.95) -> Estimate:
    """AUC with a DeLong interval; NaN with a note if a class has fewer than 2 cases."""
    m = int((y == 1).sum())
    n = len(y) - m
    if m == 0 or n == 0:
        return Estimate(math.nan, math.nan, math.nan, "DeLong", level,
                        "AUC undefined: only one outcome class present")
    a, var = delong_variance(y, s)
    if math.isnan(var):
        return Estimate(a, math.nan, math.nan, "DeLong", level,
                        "too few cases of one outcome for a variance")
    se = math.sqrt(var)
    z = z_value(level)
    return Estimate(a, max(0.0, a - z * se), min(1.0, a + z * se), "DeLong", level)


def delong_paired(
    y: np.ndarray, s1: np.ndarray, s2: np.ndarray, level: float = 0.95
) -> tuple[float, float, Estimate, float]:
    """Paired DeLong comparison of two scores on the same people.

    Returns
    -------
    auc1, auc2 : float
        AUC of each score.
    difference : Estimate
        ``auc1 - auc2`` with the paired DeLong interval.
    p_value : float
        Two-sided test of equal AUCs.
    """
    m = int((y == 1).sum())
    n = len(y) - m
    if m < 2 or n < 2:
        nan = math.nan
        return nan, nan, Estimate(nan, nan, nan, "paired DeLong", level,
                                  "too few cases of one outcome"), nan
    a1, v10a, v01a = _placements(y, s1)
    a2, v10b, v01b = _placements(y, s2)
    s10 = np.cov(np.vstack([v10a, v10b]))
    s01 = np.cov(np.vstack([v01a, v01b]))
    cov = s10 / m + s01 / n
    var = float(cov[0, 0] + cov[1, 1] - 2.0 * cov[0, 1])
    d = a1 - a2
    if var <= 0.0:
        lo = hi = d
        p = 1.0 if d == 0 else 0.0
    else:
        se = math.sqrt(var)
        z = z_value(level)
        lo, hi = d - z * se, d + z * se
        p = float(2.0 * norm.sf(abs(d) / se))
    return a1, a2, Estimate(d, max(-1.0, lo), min(1.0, hi), "paired DeLong", level), p


def wilson(k: float, n: float, level: float = 0.95) -> Estimate:
    """Proportion ``k / n`` with the Wilson score interval (NaN when ``n`` is 0).

    Examples
    --------
    >>> e = wilson(0, 20)
    >>> e.value, e.lower, round(e.upper, 3)
    (0.0, 0.0, 0.161)
    """
    if n <= 0:
        return Estimate(math.nan, math.nan, math.nan, "Wilson", level, "no cases")
    z = z_value(level)
    p = k / n
    denom = 1.0 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    lower = 0.0 if k <= 0 else min(p, max(0.0, centre - half))
    upper = 1.0 if k >= n else max(p, min(1.0, centre + half))
    return Estimate(float(p), lower, upper, "Wilson", level)
