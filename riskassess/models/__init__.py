"""Transparent risk models: additive model, integer scorecard, bands, persistence.

Every model exposes ``form_`` (:class:`AdditiveForm`): an intercept plus lookup tables
that anyone can print, plot and check by hand; predictions go through those tables.

Examples
--------
>>> from riskassess.models import RiskBands
>>> RiskBands().labels
('low', 'medium', 'high', 'very high')
"""

from riskassess.models._additive import AdditiveRiskClassifier
from riskassess.models._bands import OGRS3_CUT_POINTS, RiskBands
from riskassess.models._base import TransparentModel, prepare_labels
from riskassess.models._display import band_ranges
from riskassess.models._hgb import form_from_hist_gradient_boosting
from riskassess.models._inputs import input_names
from riskassess.models._io import (
    MAX_MODEL_BYTES,
    ModelProvenance,
    load_model,
    model_fingerprint,
    model_from_json,
    model_to_json,
    register_model_class,
    save_model,
)
from riskassess.models._links import inverse_link, link_function
from riskassess.models._plan import SMALL_FRAME, Plan, ShapTables, frame_rows, plan_of
from riskassess.models._rows import warn_if_in_sample
from riskassess.models._scorecard import ScorecardClassifier
from riskassess.models._survival import AdditiveSurvivalModel
from riskassess.models._survival_data import DAYS_PER_YEAR, survival_outcomes
from riskassess.models._terms import (
    AdditiveForm,
    CategoricalAxis,
    LinearTerm,
    NumericAxis,
    TableTerm,
    Term,
    column_as_float,
)

__all__ = [
    "DAYS_PER_YEAR",
    "MAX_MODEL_BYTES",
    "OGRS3_CUT_POINTS",
    "SMALL_FRAME",
    "AdditiveForm",
    "AdditiveRiskClassifier",
    "AdditiveSurvivalModel",
    "CategoricalAxis",
    "LinearTerm",
    "ModelProvenance",
    "NumericAxis",
    "Plan",
    "RiskBands",
    "ScorecardClassifier",
    "ShapTables",
    "TableTerm",
    "Term",
    "TransparentModel",
    "band_ranges",
    "column_as_float",
    "form_from_hist_gradient_boosting",
    "frame_rows",
    "input_names",
    "inverse_link",
    "link_function",
    "load_model",
    "model_fingerprint",
    "model_from_json",
    "model_to_json",
    "plan_of",
    "prepare_labels",
    "register_model_class",
    "save_model",
    "survival_outcomes",
    "warn_if_in_sample",
]
