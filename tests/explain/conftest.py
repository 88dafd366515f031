"""Helpers for the explanation tests: a duck-typed model and brute-force Shapley values."""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from riskassess.models._terms import AdditiveForm


class FormModel:
    """The smallest thing ``explain`` treats as a transparent model."""

    def __init__(self, form: AdditiveForm, features: list[str], score: Any = None,
                 horizon: Any = None) -> None:
        self.form_ = form
        self.feature_names_in_ = np.array(features, dtype=object)
        self._score = score
        if horizon is not None:
            self.horizon = horizon

    def decision_function(self, X: pd.DataFrame) -> np.ndarray:
        if self._score is not None:
            return np.asarray(self._score(X), dtype=np.float64)
        return self.form_.decision_function(X)


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
