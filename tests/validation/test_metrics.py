"""AUC, DeLong and Wilson against independent computations and published values."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn.metrics import roc_auc_score

from riskassess.validation._metrics import (
    auc,
    delong_auc,
    delong_paired,
    delong_variance,
    wilson,
)


def _delong_variance_direct(y: np.ndarray, s: np.ndarray) -> float:
    """DeLong et al. (1988) written out with the O(m n) kernel matrix."""
    x, z = s[y == 1], s[y == 0]
    psi = (x[:, None] > z[None, :]) + 0.5 * (x[:, None] == z[None, :])
    v10, v01 = psi.mean(axis=1), psi.mean(axis=0)
    return float(v10.var(ddof=1) / len(x) + v01.var(ddof=1) / len(z))


labelled_scores = st.integers(4, 60).flatmap(
    lambda n: st.tuples(
        st.lists(st.integers(0, 1), min_size=n, max_size=n).filter(
            lambda v: 2 <= sum(v) <= len(v) - 2),
        st.lists(st.integers(0, 6), min_size=n, max_size=n),  # coarse: many ties
    )
)


@given(labelled_scores)
def test_auc_matches_sklearn_with_ties(data: tuple[list[int], list[int]]) -> None:
    y, s = np.array(data[0]), np.array(data[1], dtype=float) / 6
    assert auc(y, s) == pytest.approx(roc_auc_score(y, s), abs=1e-12)


@given(labelled_scores)
def test_delong_variance_matches_direct_formula(data: tuple[list[int], list[int]]) -> None:
    y, s = np.array(data[0]), np.array(data[1], dtype=float)
    a, var = delong_variance(y, s)
    assert var == pytest.approx(_delong_variance_direct(y, s), rel=1e-9, abs=1e-15)
    assert a == pytest.approx(roc_auc_score(y, s))


def test_delong_interval_covers_and_is_clipped() -> None:
    y = np.array([0, 0, 0, 1, 1, 1])
    s = np.array([0.1, 0.2, 0.3, 0.7, 0.8, 0.9])  # perfect separation
    est = delong_auc(y, s)
    assert est.value == 1.0 and est.upper <= 1.0 and est.lower <= 1.0


def test_delong_one_class_is_undefined_with_note() -> None:
    est = delong_auc(np.array([1, 1, 1]), np.array([0.1, 0.5, 0.9]))
    assert math.isnan(est.value) and "one outcome" in est.note


def test_paired_difference_of_identical_scores_is_zero() -> None:
    rng = np.random.default_rng(0)
    s = rng.random(300)
    y = (rng.random(300) < s).astype(int)
    a1, a2, diff, p = delong_paired(y, s, s)
    assert a1 == a2 and diff.value == 0.0 and p == 1.0


def test_paired_interval_narrower_than_unpaired_for_correlated_scores() -> None:
    rng = np.random.default_rng(1)
    s = rng.random(2000)
    y = (rng.random(2000) < s).astype(int)
    s2 = s + rng.normal(0, 0.05, 2000)  # strongly correlated competitor
    _, _, diff, _ = delong_paired(y, s, s2)
    _, v1 = delong_variance(y, s)
    _, v2 = delong_variance(y, s2)
    unpaired_half = 1.96 * math.sqrt(v1 + v2)
    assert (diff.upper - diff.lower) / 2 < unpaired_half


def test_wilson_matches_newcombe_1998_example() -> None:
    # Newcombe (1998), Statistics in Medicine 17:857, Table I: 81/263 -> 0.2553 to 0.3662
    est = wilson(81, 263)
    assert est.lower == pytest.approx(0.2553, abs=5e-5)
    assert est.upper == pytest.approx(0.3662, abs=5e-5)


@given(st.integers(0, 500), st.integers(1, 500))
def test_wilson_interval_contains_estimate_within_unit_interval(k: int, n: int) -> None:
    k = min(k, n)
    est = wilson(k, n)
    assert 0.0 <= est.lower <= est.value <= est.upper <= 1.0


def test_wilson_empty_is_nan_with_note() -> None:
    est = wilson(0, 0)
    assert math.isnan(est.value) and est.note
