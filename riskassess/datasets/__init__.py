"""Data sets: the synthetic cohort generator and loaders for public layouts.

Examples
--------
>>> from riskassess import datasets
>>> cohort = datasets.make_cohort(100, seed=0)
>>> cohort.features().shape[0]
100
"""

from __future__ import annotations

from riskassess.datasets._compas import COMPAS_LABEL, COMPAS_X_COLUMNS, load_compas
from riskassess.datasets._synthetic import (
    EXTRACT_DATE,
    TRUE_INTERCEPTS,
    TRUE_SHAPES,
    Cohort,
    make_cohort,
    true_log_odds,
)

__all__ = [
    "COMPAS_LABEL",
    "COMPAS_X_COLUMNS",
    "EXTRACT_DATE",
    "TRUE_INTERCEPTS",
    "TRUE_SHAPES",
    "Cohort",
    "load_compas",
    "make_cohort",
    "true_log_odds",
]
