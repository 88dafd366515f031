"""Fixtures for the transparency tests: one fitted model, its reports, one assessed case.

The model is fitted once per session on a synthetic cohort (a few seconds); the case is
a hand-written record, so the tests do not depend on the cohort's case generator.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
import pytest

from riskassess.datasets import make_cohort
from riskassess.decisions import Assessment, assess
from riskassess.models import AdditiveRiskClassifier
from riskassess.validation import ValidationReport, validate

T0 = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)

CASE: dict[str, Any] = {
    "case_id": "C-42",
    "person": {"person_id": "P-42", "date_of_birth": "1990-05-01", "sex": "male"},
    "assessment_date": "2024-03-01",
    "index_offence": {"date": "2024-02-01", "offence": "theft_non_motor",
                      "disposal": "community", "violent": False},
    "sanctions": [
        {"date": "2010-06-01", "kind": "caution", "offence": "theft_non_motor",
         "violent": False},
        {"date": "2015-09-01", "kind": "conviction", "offence": "burglary_domestic",
         "disposal": "custody", "violent": False},
    ],
}


@pytest.fixture(scope="session")
def cohort_data() -> tuple[pd.DataFrame, pd.Series]:
    """Held-out cases (the model is fitted on the others)."""
    return _split()[1]


def _split() -> tuple[tuple[pd.DataFrame, pd.Series], tuple[pd.DataFrame, pd.Series]]:
    cohort = make_cohort(2000, seed=3)
    X = cohort.features()
    y = cohort.outcomes["reoffend_2y"].reindex(X.index)
    known = y.notna().to_numpy()
    X, y = X[known], y[known].astype(int)
    cut = len(X) // 2
    return (X.iloc[:cut], y.iloc[:cut]), (X.iloc[cut:], y.iloc[cut:])


@pytest.fixture(scope="session")
def model() -> AdditiveRiskClassifier:
    X, y = _split()[0]
    return AdditiveRiskClassifier(horizon=2).fit(X, y)


@pytest.fixture(scope="session")
def report(model: AdditiveRiskClassifier,
           cohort_data: tuple[pd.DataFrame, pd.Series]) -> ValidationReport:
    X, y = cohort_data
    return validate(model, X, y, groups=X["sex"], n_bootstrap=0)


@pytest.fixture(scope="session")
def other_report(model: AdditiveRiskClassifier,
                 cohort_data: tuple[pd.DataFrame, pd.Series]) -> ValidationReport:
    """The same model validated on another sample: different numbers everywhere."""
    X, y = cohort_data
    rows = np.random.default_rng(1).choice(len(X), size=len(X) // 2, replace=False)
    Xs, ys = X.iloc[np.sort(rows)], y.iloc[np.sort(rows)]
    return validate(model, Xs, ys, groups=Xs["sex"], n_bootstrap=0)


@pytest.fixture(scope="session")
def assessment(model: AdditiveRiskClassifier) -> Assessment:
    return assess(model, CASE, assessed_at=T0)
