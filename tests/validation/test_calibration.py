"""Bands, reliability tables and the logistic recalibration fit."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.special import logit
from sklearn.linear_model import LogisticRegression

from riskassess.exceptions import ValidationInputError
from riskassess.validation._calibration import (
    Bands,
    assign_bands,
    decile_codes,
    recalibration,
    reliability_table,
    resolve_bands,
)


def test_band_boundaries_follow_ogrs3() -> None:
    # OGRS3: low 0-49%, medium 50-74%, high 75-89%, very high 90-100%
    p = np.array([0.0, 0.4999, 0.5, 0.7499, 0.75, 0.8999, 0.9, 1.0])
    assert assign_bands(p, (0.5, 0.75, 0.9)).tolist() == [0, 0, 1, 1, 2, 2, 3, 3]


def test_resolve_bands_accepts_tuple_riskbands_and_model_attribute() -> None:
    from riskassess.models import RiskBands

    assert resolve_bands().labels == ("low", "medium", "high", "very high")
    assert resolve_bands((0.3,)).labels == ("band 1", "band 2")
    rb = RiskBands(cut_points=(0.2, 0.6), labels=("a", "b", "c"))
    assert resolve_bands(rb) == Bands((0.2, 0.6), ("a", "b", "c"))

    class Model:
        bands = rb

        def predict_proba(self, X: object) -> None:  # pragma: no cover - never called
            raise AssertionError

    assert resolve_bands(None, Model()).cut_points == (0.2, 0.6)


def test_bad_bands_raise() -> None:
    with pytest.raises(ValidationInputError, match="cut-points"):
        resolve_bands((0.7, 0.3))


@given(st.lists(st.floats(0, 1), min_size=1, max_size=200), st.randoms())
def test_reliability_table_accounts_for_every_case(p: list[float], r: object) -> None:
    arr = np.array(p)
    y = (arr > 0.5).astype(np.int8)
    codes, labels = decile_codes(arr)
    t = reliability_table(y, arr, codes, labels)
    assert t["n"].sum() == len(arr)
    filled = t[t["n"] > 0]
    assert np.allclose((filled["observed"] * filled["n"]).sum(), y.sum())


def test_recalibration_matches_unpenalised_logistic_regression() -> None:
    rng = np.random.default_rng(0)
    p = rng.uniform(0.02, 0.98, 4000)
    true = 1 / (1 + np.exp(-(0.3 + 0.6 * logit(p))))  # too extreme predictions: slope 0.6
    y = (rng.random(4000) < true).astype(np.int8)
    fit = recalibration(y, p)
    ref = LogisticRegression(C=np.inf, tol=1e-10, max_iter=1000).fit(logit(p)[:, None], y)
    assert fit.converged
    assert fit.slope.value == pytest.approx(ref.coef_[0, 0], abs=1e-5)
    assert fit.intercept.value == pytest.approx(ref.intercept_[0], abs=1e-5)
    assert fit.slope.lower < 0.6 < fit.slope.upper


def test_recalibration_with_one_distinct_score_reports_no_interval() -> None:
    y = np.array([0, 1, 0, 1, 1], dtype=np.int8)
    fit = recalibration(y, np.full(5, 0.5))
    assert not fit.converged and np.isnan(fit.slope.lower) and fit.slope.note
