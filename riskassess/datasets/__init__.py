"""Data sets: the synthetic cohort generator and loaders for public layouts.

Examples
--------
>>> from riskassess import datasets
>>> cohort = datasets.make_cohort(100, seed=0)
>>> cohort.features().shape[0]
100
"""

from __future__ import annotations

from riskassess.datasets._cohort import Cohort
from riskassess.datasets._compas import COMPAS_LABEL, COMPAS_X_COLUMNS, load_compas
from riskassess.datasets._needs import NEED_COLUMNS
from riskassess.datasets._synthetic import CENSOR_DATE, EXTRACT_DATE, WAITING_DAYS, make_cohort
from riskassess.datasets._truth import (
    TIME_SLOPE,
    TRUE_INTERCEPTS,
    TRUE_NEED_WEIGHTS,
    TRUE_SHAPES,
    true_log_odds,
)

__all__ = [
    "CENSOR_DATE",
    "COMPAS_LABEL",
    "COMPAS_X_COLUMNS",
    "EXTRACT_DATE",
    "NEED_COLUMNS",
    "TIME_SLOPE",
    "TRUE_INTERCEPTS",
    "TRUE_NEED_WEIGHTS",
    "TRUE_SHAPES",
    "WAITING_DAYS",
    "Cohort",
    "load_compas",
    "make_cohort",
    "true_log_odds",
]
