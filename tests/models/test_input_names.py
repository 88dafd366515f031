"""input_names: one reading of a fitted model's input columns for the card, the checks and
assess."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.linear_model import LogisticRegression

from riskassess.models import AdditiveRiskClassifier, input_names


def _data(columns: list[str], n: int = 60) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(n, len(columns))), columns=columns)
    y = (X.iloc[:, 0] + rng.normal(scale=0.5, size=n) > 0).astype(int).to_numpy()
    return X, y


@settings(max_examples=25, deadline=None)
@given(st.lists(st.text(alphabet="abcdefgh_", min_size=1, max_size=8), min_size=1,
                max_size=5, unique=True))
def test_a_frame_fitted_model_gives_its_columns_in_order(columns: list[str]) -> None:
    X, y = _data(columns)
    assert input_names(LogisticRegression().fit(X, y)) == columns


def test_an_additive_model_fitted_on_an_array_gives_its_form_features() -> None:
    X, y = _data(["a", "b"])
    model = AdditiveRiskClassifier().fit(X.to_numpy(), y)
    assert not hasattr(model, "feature_names_in_")
    assert input_names(model) == [str(f) for f in model.form_.features]


def test_a_model_that_does_not_say_gives_none() -> None:
    X, y = _data(["a", "b"])
    assert input_names(LogisticRegression().fit(X.to_numpy(), y)) is None
    assert input_names(object()) is None


@pytest.mark.parametrize("names", [(1, 2), (np.int64(3), "x")])
def test_names_are_strings(names: tuple[object, ...]) -> None:
    class Fitted:
        feature_names_in_ = np.array(names, dtype=object)

    got = input_names(Fitted())
    assert got == [str(n) for n in names]
    assert all(isinstance(n, str) for n in got or [])
