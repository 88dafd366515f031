"""Validation and fairness: the report a model validator signs.

:func:`validate` gives discrimination (AUC, DeLong and bootstrap intervals), Brier score,
calibration (reliability by decile and band, calibration-in-the-large, slope and
intercept), the comparison with an incumbent score, per-group fairness metrics with the
trade-off the model makes, and the population stability index. :func:`group_error_rates`
gives confusion-matrix rates by group; :func:`model_card` writes the model card.

With time-to-event outcomes (``event``, ``time`` in days) :func:`validate` also reports,
at horizons in years, the time-dependent AUC (:func:`time_dependent_auc`), the IPCW and
integrated Brier scores (:func:`censored_brier_score`, :func:`integrated_brier_score`)
and calibration against Kaplan-Meier rates (:func:`calibration_at_horizon`,
:func:`kaplan_meier`), each with an interval.

For validators' fairness questions: :func:`disparity_ratios` (FPR, FNR, selection-rate
and calibration ratios against a reference group, Katz intervals, and the
:func:`minimum_detectable_difference` of each comparison), :func:`intersectional_groups`
(e.g. race × sex, small groups marked, never dropped), :func:`group_calibration` and
:func:`decision_curve` / :func:`net_benefit` (one threshold for every group); ``validate``
puts them in ``report.disparity``, ``report.intersections`` and ``report.decision_curve``.

Examples
--------
>>> from riskassess import validation
>>> validation.group_error_rates([0, 1], [1, 1], ["a", "a"])["fpr"].tolist()
[1.0]
"""

from __future__ import annotations

from riskassess.validation._calibration import Bands, Recalibration
from riskassess.validation._card import ModelCard, model_card
from riskassess.validation._disparity import (
    Disparity,
    disparity_ratios,
    group_calibration,
    minimum_detectable_difference,
)
from riskassess.validation._drift import StabilityIndex, population_stability
from riskassess.validation._fairness import Tradeoff, group_error_rates
from riskassess.validation._intersectional import Intersection, intersectional_groups
from riskassess.validation._metrics import Estimate
from riskassess.validation._net_benefit import DecisionCurve, decision_curve, net_benefit
from riskassess.validation._report import (
    Calibration,
    Fairness,
    IncumbentComparison,
    ValidationReport,
    validate,
)
from riskassess.validation._survival_calibration import (
    HorizonCalibration,
    calibration_at_horizon,
    kaplan_meier,
)
from riskassess.validation._survival_metrics import (
    censored_brier_score,
    integrated_brier_score,
    time_dependent_auc,
)
from riskassess.validation._survival_report import survival_validation
from riskassess.validation._survival_results import HorizonMetrics, SurvivalValidation

__all__ = [
    "Bands",
    "Calibration",
    "DecisionCurve",
    "Disparity",
    "Estimate",
    "Fairness",
    "HorizonCalibration",
    "HorizonMetrics",
    "IncumbentComparison",
    "Intersection",
    "ModelCard",
    "Recalibration",
    "StabilityIndex",
    "SurvivalValidation",
    "Tradeoff",
    "ValidationReport",
    "calibration_at_horizon",
    "censored_brier_score",
    "decision_curve",
    "disparity_ratios",
    "group_calibration",
    "group_error_rates",
    "integrated_brier_score",
    "intersectional_groups",
    "kaplan_meier",
    "minimum_detectable_difference",
    "model_card",
    "net_benefit",
    "population_stability",
    "survival_validation",
    "time_dependent_auc",
    "validate",
]
