"""Lookup-table axes, risk bands, and the public surface of riskassess.models."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import riskassess.models as models
from riskassess.exceptions import UnseenCategoryError
from riskassess.models import CategoricalAxis, RiskBands


@pytest.mark.parametrize("dtype", [object, "str", "category"])
def test_categorical_codes_any_dtype(dtype):
    axis = CategoricalAxis("s", ("male", "female"))
    col = pd.Series(["female", None, "male", "female"], dtype=dtype)
    np.testing.assert_array_equal(axis.codes(pd.DataFrame({"s": col})), [1, 2, 0, 1])
    bad = pd.Series(["male", "other"], dtype=dtype)
    with pytest.raises(UnseenCategoryError, match="other"):
        axis.codes(pd.DataFrame({"s": bad}))


def test_categorical_with_unused_vocabulary():
    axis = CategoricalAxis("s", ("male", "female"))
    col = pd.Categorical(["male", "male"], categories=["female", "male", "unknown"])
    np.testing.assert_array_equal(axis.codes(pd.DataFrame({"s": col})), [0, 0])


@given(st.lists(st.floats(0, 1), min_size=1, max_size=50))
def test_bands_monotone_in_probability(ps):
    bands = RiskBands()
    order = np.argsort(ps, kind="stable")
    idx = [bands.labels.index(b) for b in bands.assign(np.asarray(ps)[order])]
    assert np.all(np.diff(idx) >= 0)


@given(st.lists(st.floats(0, 1), min_size=1, max_size=50),
       st.lists(st.floats(0.01, 0.99), min_size=1, max_size=4, unique=True))
def test_band_numbers_are_the_labels_positions(ps, cuts):
    """index() is assign()'s rule as numbers; a label is one cut-point count above."""
    bands = RiskBands(cut_points=tuple(sorted(cuts)),
                      labels=tuple(f"band {k}" for k in range(len(cuts) + 1)))
    numbers = bands.index(ps)
    assert [bands.labels[k] for k in numbers] == bands.assign(ps).tolist()
    assert numbers.tolist() == [sum(p >= c for c in bands.cut_points) for p in ps]


def test_band_edges_and_validation():
    assert RiskBands().assign([0.4999, 0.5, 0.75, 0.9, 1.0]).tolist() == [
        "low", "medium", "high", "very high", "very high"]
    with pytest.raises(ValueError):
        RiskBands(cut_points=(0.5, 0.4), labels=("a", "b", "c"))
    with pytest.raises(ValueError):
        RiskBands(cut_points=(0.5,), labels=("a",))
    with pytest.raises(ValueError):
        RiskBands().assign([np.nan])
    with pytest.raises(ValueError):
        RiskBands().index([0.5, 1.5])


def test_public_surface():
    assert sorted(models.__all__) == sorted([
        "MAX_MODEL_BYTES", "ModelProvenance", "OGRS3_CUT_POINTS", "SMALL_FRAME",
        "AdditiveForm", "Plan", "ShapTables",
        "TransparentModel", "frame_rows", "plan_of", "prepare_labels",
        "column_as_float",
        "AdditiveRiskClassifier", "CategoricalAxis", "LinearTerm", "NumericAxis",
        "RiskBands", "ScorecardClassifier", "TableTerm", "Term",
        "form_from_hist_gradient_boosting", "load_model", "model_fingerprint",
        "model_from_json", "model_to_json", "register_model_class", "save_model",
        "AdditiveSurvivalModel", "DAYS_PER_YEAR", "band_ranges", "inverse_link",
        "link_function", "survival_outcomes", "warn_if_in_sample", "input_names",
    ])
    for name in models.__all__:
        assert hasattr(models, name)
