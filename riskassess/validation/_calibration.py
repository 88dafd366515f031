"""Calibration: risk bands, reliability tables and logistic recalibration.

* Band ``j`` holds ``cut[j-1] <= p < cut[j]`` (OGRS3: a probability of 0.50 is "medium").
* Reliability tables give, per bin, the number of cases, the mean predicted probability,
  the observed rate with its Wilson interval, and observed minus predicted.
* Calibration slope and intercept come from the logistic recalibration
  ``logit P(y=1) = a + b * logit(p)`` (Cox 1958), fitted by Newton's method on the
  distinct scores, with Wald intervals from the observed information. A well calibrated
  score has ``a = 0`` and ``b = 1``; ``b < 1`` means predictions are too extreme.

Examples
--------
>>> import numpy as np
>>> assign_bands(np.array([0.1, 0.5, 0.8, 0.95]), (0.5, 0.75, 0.9))
array([0, 1, 2, 3])
>>> rng = np.random.default_rng(0)
>>> p = rng.uniform(0.05, 0.95, 20_000); y = (rng.random(20_000) < p).astype(np.int8)
>>> fit = recalibration(y, p)
>>> bool(fit.slope.lower < 1.0 < fit.slope.upper)
True
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import expit

from riskassess.exceptions import ValidationInputError
from riskassess.types import RISK_BANDS
from riskassess.validation._metrics import Estimate, wilson, z_value

__all__ = [
    "DEFAULT_CUT_POINTS",
    "Bands",
    "Recalibration",
    "assign_bands",
    "recalibration",
    "reliability_table",
    "resolve_bands",
]

#: OGRS3 band cut-points on the two-year probability.
DEFAULT_CUT_POINTS: tuple[float, ...] = (0.50, 0.75, 0.90)

_EPS = 1e-12


@dataclass(frozen=True)
class Bands:
    """Cut-points and labels of the risk bands (``len(labels) == len(cut_points) + 1``).

    Raises
    ------
    ValidationInputError
        If the cut-points do not increase strictly within (0, 1), or the number of labels
        is not one more than the number of cut-points.

    Examples
    --------
    >>> Bands((0.3, 0.6), ("low", "medium", "high"))
    Bands(cut_points=(0.3, 0.6), labels=('low', 'medium', 'high'))
    >>> Bands((0.6, 0.3), ("low", "medium", "high"))
    Traceback (most recent call last):
    ...
    riskassess.exceptions.ValidationInputError: bands: cut-points must increase strictly ...
    """

    cut_points: tuple[float, ...]
    labels: tuple[str, ...]

    def __post_init__(self) -> None:
        c = np.asarray(self.cut_points, dtype=float)
        if c.ndim != 1 or np.any(np.diff(c) <= 0) or np.any((c <= 0) | (c >= 1)):
            raise ValidationInputError(
                f"bands: cut-points must increase strictly within (0, 1); got {self.cut_points}"
            )
        if len(self.labels) != len(self.cut_points) + 1:
            raise ValidationInputError(
                f"bands: {len(self.cut_points)} cut-points need {len(self.cut_points) + 1} "
                f"labels; got {list(self.labels)}"
            )


def resolve_bands(bands: Any = None, model: Any = None) -> Bands:
    """Bands from a tuple of cut-points, a RiskBands-like object, the model, or the default.

    A RiskBands-like object has ``cut_points`` and ``labels`` (a mapping with those keys
    also works); a fitted model may carry one as ``bands_`` or ``bands``.

    Examples
    --------
    >>> resolve_bands({"cut_points": (0.4,), "labels": ("lower", "higher")})
    Bands(cut_points=(0.4,), labels=('lower', 'higher'))
    """
    if bands is None and model is not None:
        for attr in ("bands_", "bands"):
            candidate = getattr(model, attr, None)
            if candidate is not None and hasattr(candidate, "cut_points"):
                bands = candidate
                break
    if bands is None:
        return Bands(DEFAULT_CUT_POINTS, RISK_BANDS)
    if isinstance(bands, Bands):
        return bands
    if isinstance(bands, Mapping):
        bands = SimpleNamespace(cut_points=bands.get("cut_points", DEFAULT_CUT_POINTS),
                                labels=bands.get("labels", ()))
    if hasattr(bands, "cut_points"):
        cuts = tuple(float(c) for c in bands.cut_points)
        labels = tuple(str(v) for v in getattr(bands, "labels", ()) or ())
    else:
        cuts = tuple(float(c) for c in bands)
        labels = ()
    if not labels:
        labels = RISK_BANDS if len(cuts) == 3 else tuple(f"band {i + 1}"
                                                        for i in range(len(cuts) + 1))
    return Bands(cuts, labels)


def assign_bands(p: np.ndarray, cut_points: Sequence[float]) -> np.ndarray:
    """Band index of every probability (band ``j``: ``cut[j-1] <= p < cut[j]``)."""
    return np.searchsorted(np.asarray(cut_points, dtype=float), p, side="right")


def reliability_table(
    y: np.ndarray, p: np.ndarray, codes: np.ndarray, labels: Sequence[str], level: float = 0.95
) -> pd.DataFrame:
    """Observed against predicted per bin; empty bins are kept with ``n = 0``.

    Columns: bin, n, mean_predicted, observed, observed_lower, observed_upper,
    difference (observed minus mean predicted), predicted_in_interval.
    """
    k = len(labels)
    n = np.bincount(codes, minlength=k)
    pos = np.bincount(codes, weights=y, minlength=k)
    psum = np.bincount(codes, weights=p, minlength=k)
    rows = []
    for j, label in enumerate(labels):
        est = wilson(float(pos[j]), float(n[j]), level)
        mean_p = psum[j] / n[j] if n[j] else math.nan
        rows.append({
            "bin": label, "n": int(n[j]), "mean_predicted": mean_p, "observed": est.value,
            "observed_lower": est.lower, "observed_upper": est.upper,
            "difference": est.value - mean_p,
            "predicted_in_interval": bool(n[j] and est.lower <= mean_p <= est.upper),
        })
    return pd.DataFrame(rows)


def decile_codes(p: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Decile bin of every score (fewer bins when scores have fewer distinct values)."""
    edges = np.unique(np.quantile(p, np.linspace(0.1, 0.9, 9)))
    codes = np.searchsorted(edges, p, side="right")
    bounds = [0.0, *edges.tolist(), 1.0]
    labels = [f"[{a:.3f}, {b:.3f})" for a, b in itertools.pairwise(bounds)]
    labels[-1] = labels[-1][:-1] + "]"
    return codes, labels


@dataclass(frozen=True)
class Recalibration:
    """Logistic recalibration ``logit P(y=1) = intercept + slope * logit(p)``.

    Examples
    --------
    A score whose log-odds are twice too extreme has a slope of about one half:

    >>> import numpy as np
    >>> from scipy.special import expit, logit
    >>> rng = np.random.default_rng(0)
    >>> true = rng.uniform(0.1, 0.9, 5000)
    >>> y = (rng.random(5000) < true).astype(int)
    >>> fit = recalibration(y, expit(2 * logit(true)))
    >>> fit.converged, round(fit.slope.value, 2), fit.slope.method
    (True, 0.51, 'Wald (logistic recalibration)')
    """

    intercept: Estimate
    slope: Estimate
    converged: bool


def recalibration(y: np.ndarray, p: np.ndarray, level: float = 0.95) -> Recalibration:
    """Fit the recalibration model by Newton's method on the distinct scores."""
    levels, inverse = np.unique(np.clip(p, _EPS, 1 - _EPS), return_inverse=True)
    n = np.bincount(inverse).astype(float)
    k = np.bincount(inverse, weights=y).astype(float)
    x = np.log(levels / (1 - levels))
    design = np.column_stack([np.ones_like(x), x])
    beta = np.array([0.0, 1.0])
    converged = False
    info = np.eye(2)
    for _ in range(50):
        eta = design @ beta
        mu = expit(eta)
        grad = design.T @ (k - n * mu)
        info = (design * (n * mu * (1 - mu))[:, None]).T @ design
        try:
            step = np.linalg.solve(info, grad)
        except np.linalg.LinAlgError:
            break
        beta = beta + step
        if np.max(np.abs(step)) < 1e-10:
            converged = True
            break
    try:
        cov = np.linalg.inv(info)
        se = np.sqrt(np.maximum(np.diag(cov), 0.0))
    except np.linalg.LinAlgError:
        se = np.array([math.nan, math.nan])
    z = z_value(level)
    note = "" if converged else "recalibration fit did not converge (e.g. one distinct score)"
    if not converged:
        se = np.array([math.nan, math.nan])
    ests = [
        Estimate(float(b), float(b - z * e), float(b + z * e), "Wald (logistic recalibration)",
                 level, note)
        for b, e in zip(beta, se, strict=True)
    ]
    return Recalibration(intercept=ests[0], slope=ests[1], converged=converged)
