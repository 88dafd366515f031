"""Validation and fairness: the report a model validator signs.

:func:`validate` gives discrimination (AUC, DeLong and bootstrap intervals), Brier score,
calibration (reliability by decile and band, calibration-in-the-large, slope and
intercept), the comparison with an incumbent score, per-group fairness metrics with the
trade-off the model makes, and the population stability index. :func:`group_error_rates`
gives confusion-matrix rates by group; :func:`model_card` writes the model card.

Examples
--------
>>> from riskassess import validation
>>> validation.group_error_rates([0, 1], [1, 1], ["a", "a"])["fpr"].tolist()
[1.0]
"""

from __future__ import annotations

from riskassess.validation._calibration import Bands, Recalibration
from riskassess.validation._card import ModelCard, model_card
from riskassess.validation._drift import StabilityIndex, population_stability
from riskassess.validation._fairness import Tradeoff, group_error_rates
from riskassess.validation._metrics import Estimate
from riskassess.validation._report import (
    Calibration,
    Fairness,
    IncumbentComparison,
    ValidationReport,
    validate,
)

__all__ = [
    "Bands",
    "Calibration",
    "Estimate",
    "Fairness",
    "IncumbentComparison",
    "ModelCard",
    "Recalibration",
    "StabilityIndex",
    "Tradeoff",
    "ValidationReport",
    "group_error_rates",
    "model_card",
    "population_stability",
    "validate",
]
