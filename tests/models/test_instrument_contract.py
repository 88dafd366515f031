"""The scikit-learn contract for published instruments, on DataFrames.

scikit-learn's estimator checks feed random numeric arrays, which an instrument reading
named ``build_features`` columns refuses, so most of them are expected failures in
test_sklearn_checks.py. These are their DataFrame-based equivalents: clone and
parameters, fit idempotence, row-order and subset invariance, use inside a Pipeline,
the input attributes, consistency of the prediction methods, and a clear refusal of
arrays.

Every test runs for each entry of :data:`INSTRUMENTS`; a new instrument joins by adding
an :class:`Instrument` (its factory, how to make a frame of its inputs, and its outcome).
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import expit
from sklearn.base import clone
from sklearn.model_selection import cross_val_predict
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from riskassess.datasets import make_cohort
from riskassess.exceptions import FeatureError
from riskassess.instruments import ARP, OGRS3, SVRP, VRP
from riskassess.instruments._ogrs3 import OGRS3_COLUMNS
from riskassess.instruments.arns import INPUT_COLUMNS, NEED_COLUMNS, NEED_SOURCES
from riskassess.instruments.arns._data import offence_mapping
from riskassess.instruments.arns._vector import required_columns


@dataclass(frozen=True)
class Instrument:
    """How the contract tests build, feed and label one instrument."""

    name: str
    make: Callable[..., Any]
    columns: tuple[str, ...]
    data: Callable[[int, int], tuple[pd.DataFrame, np.ndarray]]  # (n, seed) -> X, y
    other_params: dict[str, Any]  # a valid non-default parameter setting

    def __str__(self) -> str:
        return self.name


@functools.lru_cache(maxsize=8)
def _cohort_2y(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    """Features of a synthetic cohort and its 2-year outcome, people followed 2 years."""
    cohort = make_cohort(n, seed)
    outcome = cohort.outcomes["reoffend_2y"]
    known = outcome.notna().to_numpy()
    return cohort.features()[known], outcome[known].to_numpy(dtype=int)


_ARNS_CATEGORIES = sorted({cat for cat, _ in offence_mapping().values()} - {"UNKNOWN"})


@functools.lru_cache(maxsize=8)
def _arns_inputs(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    """Valid ARP / VRP / SVRP inputs (every need item recorded, so each row is DYNAMIC),
    with an outcome drawn from ARP's own probability (an instrument ignores it anyway)."""
    rng = np.random.default_rng(seed)
    top = {"problem": 3, "motivation": 3}
    frame = pd.DataFrame({c: rng.integers(0, top.get(NEED_SOURCES[c][1], 2), n).astype(float)
                          for c in NEED_COLUMNS})
    first = rng.integers(10, 50, n)
    frame["female"] = rng.integers(0, 2, n)
    frame["age_at_first_sanction"] = first
    frame["age_at_conviction"] = first + rng.integers(0, 30, n)
    frame["age_at_followup"] = frame["age_at_conviction"] + rng.integers(0, 3, n)
    frame["n_sanctions"] = rng.integers(1, 40, n)
    frame["n_violent_sanctions"] = np.minimum(rng.integers(0, 4, n), frame["n_sanctions"])
    frame["offence_free_months"] = rng.integers(0, 37, n)
    frame["offence_category"] = rng.choice(_ARNS_CATEGORIES, n)
    frame = frame[list(INPUT_COLUMNS)]
    frame.index = pd.Index([f"C-{seed}-{i}" for i in range(n)], name="case_id")
    y = (rng.random(n) < ARP().predict_proba(frame)[:, 1]).astype(int)
    return frame, y


def _arns_columns(predictor: str) -> tuple[str, ...]:
    """The inputs a predictor reads: its static history columns and the need items."""
    read = set(required_columns(predictor, "static")) | set(NEED_COLUMNS)
    return tuple(c for c in INPUT_COLUMNS if c in read)


INSTRUMENTS = [
    Instrument("OGRS3", OGRS3, tuple(OGRS3_COLUMNS), _cohort_2y, {"horizon": 1}),
    *(Instrument(cls.__name__, cls, _arns_columns(cls.__name__.lower()), _arns_inputs,
                 {"form": "static"}) for cls in (ARP, VRP, SVRP)),
]

_N = 300


@pytest.fixture(params=INSTRUMENTS, ids=str, scope="module")
def instrument(request):
    return request.param


@pytest.fixture(scope="module")
def data(instrument):
    X, y = instrument.data(_N, 0)
    return X.copy(), y.copy()


def _fitted_state(model: Any) -> dict[str, Any]:
    """Everything a fit leaves behind that later calls read (tables with background)."""
    return {"forms": {h: f.to_dict() for h, f in model.horizon_forms().items()},
            "n_features_in_": model.n_features_in_,
            "feature_names_in_": list(model.feature_names_in_)}


def _assert_state_close(a: Any, b: Any, where: str = "state") -> None:
    """Equal structure and text; numbers equal up to summation-order rounding (1e-12)."""
    if isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), where
        for key in a:
            _assert_state_close(a[key], b[key], f"{where}[{key!r}]")
    elif isinstance(a, list | tuple):
        assert isinstance(b, list | tuple) and len(a) == len(b), where
        for i, (x, z) in enumerate(zip(a, b, strict=True)):
            _assert_state_close(x, z, f"{where}[{i}]")
    elif isinstance(a, float | np.floating) and not isinstance(a, bool):
        assert b == pytest.approx(a, rel=1e-12, abs=1e-12), where
    else:
        assert a == b, where


def _outputs(model: Any, X: pd.DataFrame) -> dict[str, np.ndarray]:
    return {"predict": model.predict(X), "predict_proba": model.predict_proba(X),
            "decision_function": model.decision_function(X),
            "predict_band": model.predict_band(X)}


def _assert_outputs_equal(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> None:
    for method in a:
        if a[method].dtype.kind in "fc":
            np.testing.assert_allclose(a[method], b[method], rtol=1e-12, atol=1e-12,
                                       err_msg=method)
        else:
            np.testing.assert_array_equal(a[method], b[method], err_msg=method)


def test_clone_and_params_round_trip(instrument, data):
    X, y = data
    model = instrument.make(**instrument.other_params)
    params = model.get_params()
    for key, value in instrument.other_params.items():
        assert params[key] == value
    copy = clone(model)
    assert copy is not model and copy.get_params() == params
    fresh = instrument.make().set_params(**params)
    assert fresh.get_params() == params
    fitted = instrument.make().fit(X, y)
    unfitted_copy = clone(fitted)
    assert "background_" not in unfitted_copy.__dict__
    assert not any(k.endswith("_") and not k.startswith("_")
                   for k in unfitted_copy.__dict__)


def test_fit_returns_self_and_keeps_params_and_input(instrument, data):
    X, y = data
    model = instrument.make(**instrument.other_params)
    before, X_before = model.get_params(), X.copy(deep=True)
    assert model.fit(X, y) is model
    assert model.get_params() == before
    pd.testing.assert_frame_equal(X, X_before)


def test_fit_is_idempotent(instrument, data):
    X, y = data
    once = instrument.make().fit(X, y)
    twice = instrument.make().fit(X, y).fit(X, y)
    _assert_state_close(_fitted_state(once), _fitted_state(twice))
    _assert_outputs_equal(_outputs(once, X), _outputs(twice, X))
    # a fit on other data leaves nothing behind once refitted on the first data
    refit = instrument.make().fit(*instrument.data(_N // 2, 7)).fit(X, y)
    _assert_state_close(_fitted_state(refit), _fitted_state(once))


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_row_order_invariance(seed):
    for instrument in INSTRUMENTS:
        X, y = instrument.data(150, 3)
        order = np.random.default_rng(seed).permutation(len(X))
        model = instrument.make().fit(X, y)
        shuffled = instrument.make().fit(X.iloc[order], y[order])
        _assert_state_close(_fitted_state(shuffled), _fitted_state(model))
        whole = _outputs(model, X)
        permuted = _outputs(model, X.iloc[order])
        _assert_outputs_equal({k: v[order] for k, v in whole.items()}, permuted)


@settings(max_examples=10, deadline=None)
@given(cuts=st.lists(st.integers(1, 99), max_size=5, unique=True))
def test_subset_invariance(cuts):
    for instrument in INSTRUMENTS:
        X, y = instrument.data(150, 5)
        model = instrument.make().fit(X, y)
        whole = _outputs(model, X)
        bounds = [0, *sorted(cuts), len(X)]
        parts = [_outputs(model, X.iloc[a:b]) for a, b in itertools.pairwise(bounds)]
        joined = {k: np.concatenate([p[k] for p in parts]) for k in whole}
        _assert_outputs_equal(whole, joined)


def test_inside_a_pipeline(instrument, data):
    X, y = data
    columns = list(instrument.columns)
    pipe = Pipeline([
        ("select", FunctionTransformer(lambda frame: frame[columns])),
        ("instrument", instrument.make()),
    ])
    alone = instrument.make().fit(X, y)
    pipe.fit(X, y)
    np.testing.assert_array_equal(pipe.predict_proba(X), alone.predict_proba(X))
    np.testing.assert_array_equal(pipe.decision_function(X), alone.decision_function(X))
    # the pipeline clones and refits per fold: out-of-fold equals in-sample for fixed
    # coefficients, so cross-validation gives the instrument's own probabilities
    oof = cross_val_predict(pipe, X, y, cv=3, method="predict_proba")
    np.testing.assert_allclose(oof, alone.predict_proba(X), rtol=1e-12)
    # parameters are reachable through the pipeline
    key, value = next(iter(instrument.other_params.items()))
    pipe.set_params(**{f"instrument__{key}": value})
    assert pipe.get_params()[f"instrument__{key}"] == value


def test_input_attributes(instrument, data):
    X, y = data
    model = instrument.make().fit(X, y)
    assert model.n_features_in_ == len(instrument.columns)
    assert list(model.feature_names_in_) == list(instrument.columns)
    # a frame holding only the instrument's columns, in another order, gives the same
    reordered = X[list(instrument.columns)[::-1]]
    np.testing.assert_array_equal(model.predict_proba(reordered), model.predict_proba(X))


def test_prediction_methods_agree(instrument, data):
    X, y = data
    model = instrument.make().fit(X, y)
    proba = model.predict_proba(X)
    decision = model.decision_function(X)
    assert proba.shape == (len(X), 2) and decision.shape == (len(X),)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(proba[:, 1], expit(decision), rtol=1e-12)
    # log(1 - p) for p near 1 loses digits in np.log(proba), not in predict_log_proba
    np.testing.assert_allclose(model.predict_log_proba(X), np.log(proba), rtol=1e-12,
                               atol=1e-15)
    np.testing.assert_array_equal(model.predict(X), model.classes_[np.argmax(proba, axis=1)])
    np.testing.assert_array_equal(model.predict(X), model.classes_[(decision > 0).astype(int)])
    assert set(model.predict_band(X)) <= set(model._bands().labels)
    assert model.score(X, y) == pytest.approx(np.mean(model.predict(X) == y))


@pytest.mark.parametrize("as_array", [
    pytest.param(lambda X, cols: X[cols].to_numpy(), id="object array"),
    pytest.param(lambda X, cols: np.zeros((len(X), len(cols))), id="numeric array"),
    pytest.param(lambda X, cols: X[cols].to_numpy().tolist(), id="list of rows"),
])
@pytest.mark.parametrize("method", ["fit", "predict", "predict_proba", "decision_function"])
def test_arrays_are_refused_clearly(instrument, data, as_array, method):
    X, y = data
    bad = as_array(X, list(instrument.columns))
    model = instrument.make().fit(X, y)
    call = getattr(model, method)
    with pytest.raises(FeatureError, match="DataFrame") as info:
        call(bad, y) if method == "fit" else call(bad)
    # the message names what is needed
    assert all(c in str(info.value) for c in instrument.columns)


def test_missing_column_is_named(instrument, data):
    X, _ = data
    model = instrument.make()
    dropped = instrument.columns[0]
    with pytest.raises(FeatureError, match=dropped):
        model.predict_proba(X.drop(columns=[dropped]))
