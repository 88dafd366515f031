"""Data sets: the synthetic cohort generator and loaders for public layouts.

Examples
--------
>>> from riskassess import datasets
>>> "load_compas" in datasets.__all__
True
"""

from __future__ import annotations

from riskassess.datasets._compas import COMPAS_LABEL, COMPAS_X_COLUMNS, load_compas

__all__ = ["COMPAS_LABEL", "COMPAS_X_COLUMNS", "load_compas"]
