"""``score_frame``: the numbers of the public in-memory functions, without shap loaded."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from riskassess.distributed import score_frame
from riskassess.explain import explain
from riskassess.features import build_features_from_tables


@pytest.fixture(scope="module")
def features(tables: Any) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return build_features_from_tables(*tables).features


@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_scores_and_values_equal_explain_on_any_rows(model: Any, features: pd.DataFrame,
                                                     data: st.DataObject) -> None:
    """Any subset of rows, in any order: the explain() values, bit for bit."""
    rows = data.draw(st.lists(st.integers(0, len(features) - 1), min_size=1, max_size=300,
                              unique=True))
    frame = features.iloc[rows]
    out = score_frame(model, frame, include_features=data.draw(st.booleans()))
    X = frame[list(model.feature_names_in_)]
    expected = explain(model, X)
    assert out.index.tolist() == frame.index.tolist()
    shap_cols = [f"shap_{c}" for c in expected.feature_names]
    np.testing.assert_array_equal(out[shap_cols].to_numpy(), expected.values)
    np.testing.assert_array_equal(out["shap_base"].to_numpy(), expected.base_values)
    np.testing.assert_array_equal(out["probability"].to_numpy(),
                                  model.predict_proba(X)[:, 1])
    assert out["band"].astype(str).tolist() == [str(b) for b in model.predict_band(X)]


def test_empty_frame_keeps_the_schema(model: Any, features: pd.DataFrame) -> None:
    empty = score_frame(model, features.iloc[:0])
    full = score_frame(model, features.iloc[:5])
    assert len(empty) == 0
    assert empty.dtypes.to_dict() == full.dtypes.to_dict()


def test_scoring_a_partition_leaves_shap_unloaded() -> None:
    """Importing shap costs a fresh worker about a CPU-second; the exact values do not
    need it."""
    code = textwrap.dedent(
        """
        import sys
        from riskassess.datasets import make_cohort
        from riskassess.distributed import model_to_json, score_partition
        from riskassess.models import AdditiveRiskClassifier
        cohort = make_cohort(200, seed=0)
        X, y = cohort.features(), cohort.outcomes["reoffend_2y"]
        seen = y.notna().to_numpy()
        model = AdditiveRiskClassifier(max_bins=8).fit(X.loc[seen], y[seen].astype(int))
        out = score_partition(cohort.people, cohort.sanctions, cohort.assessments,
                              model_json=model_to_json(model))
        print(len(out.scores), out.scores.filter(like="shap_").shape[1] > 1,
              "shap" in sys.modules)
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=300, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["200", "True", "False"]
