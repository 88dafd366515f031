"""Helpers for the explanation tests: a duck-typed model and brute-force Shapley values."""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from riskassess.models import AdditiveForm, TransparentModel


class FormModel(TransparentModel):
    """A transparent model made from a given form (no fitting); ``score`` replaces its
    ``decision_function`` when given (to test the additivity check)."""

    def __init__(self, form: AdditiveForm | None = None, features: Any = (),
                 score: Any = None, horizon: Any = None) -> None:
        self.form = form
        self.features = features
        self.score = score
        self.horizon = horizon
        self.form_ = form
        self.feature_names_in_ = np.array(list(features), dtype=object)
        self.n_features_in_ = len(self.feature_names_in_)
        self.classes_ = np.array([0, 1])
        self.missing_allowed_ = {str(f): True for f in features}

    def fit(self, X: Any = None, y: Any = None) -> FormModel:
        return self

    def decision_function(self, X: pd.DataFrame) -> np.ndarray:
        if self.score is not None:
            return np.asarray(self.score(X), dtype=np.float64)
        return super().decision_function(X)


def brute_force_shap(score: Any, x: pd.DataFrame, background: pd.DataFrame,
                     features: list[str]) -> np.ndarray:
    """Interventional Shapley values of one row by definition (all coalitions)."""
    p = len(features)
    v: dict[frozenset[str], float] = {}
    for k in range(p + 1):
        for subset in itertools.combinations(features, k):
            hybrid = background.copy()
            for f in subset:
                hybrid[f] = [x[f].iloc[0]] * len(hybrid)
            v[frozenset(subset)] = float(np.mean(score(hybrid)))
    out = np.zeros(p)
    for i, f in enumerate(features):
        others = [g for g in features if g != f]
        for k in range(p):
            w = math.factorial(k) * math.factorial(p - k - 1) / math.factorial(p)
            for subset in itertools.combinations(others, k):
                s = frozenset(subset)
                out[i] += w * (v[s | {f}] - v[s])
    return out


@pytest.fixture(scope="session")
def form_model() -> type[FormModel]:
    return FormModel


@pytest.fixture(scope="session")
def shapley() -> Any:
    return brute_force_shap
