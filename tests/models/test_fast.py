"""The scalar fast path (<= 16 rows) equals the vectorised path bit for bit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from riskassess.exceptions import FeatureError
from riskassess.models import AdditiveRiskClassifier, ScorecardClassifier
from riskassess.models._fast import MAX_ROWS, fast_decision, small_frame_rows

CATS = ["F", "M", "O"]


def _train(n=400):
    rng = np.random.default_rng(5)
    age = rng.integers(18, 70, n).astype(float)
    age[rng.random(n) < 0.05] = np.nan  # missing allowed for age
    X = pd.DataFrame({
        "age": age,
        "priors_count": rng.poisson(2, n).astype(float),  # never missing: refused
        "charge": rng.choice(CATS, n),  # string dtype
        "sex": pd.Categorical(rng.choice(["female", "male"], n)),
    })
    y = (rng.random(n) < 1 / (1 + np.exp(0.04 * (np.nan_to_num(age, nan=35) - 35)))
         ).astype(int)
    return X, y


@pytest.fixture(scope="module")
def fitted():
    X, y = _train()
    return [
        AdditiveRiskClassifier(interactions=(("priors_count", "charge"),)).fit(X, y),
        AdditiveRiskClassifier(monotone=None, max_bins=8).fit(X, y),
        ScorecardClassifier(max_bins=3, max_features=2).fit(X, y),
    ]


ages = st.one_of(st.floats(10, 90), st.integers(10, 90), st.just(np.nan), st.just(None),
                 st.just(np.inf), st.sampled_from([18.0, 25.5, 40.0]))
priors = st.one_of(st.integers(0, 20).map(float), st.integers(0, 20), st.just(np.nan),
                   st.floats(-1e300, 1e300, allow_nan=False, allow_infinity=False))
charges = st.one_of(st.sampled_from([*CATS, "unseen"]), st.just(None), st.just(np.nan))
sexes = st.sampled_from(["female", "male", None])
# ordinary values only (missing only where training had some): the fast path answers
clean = (st.one_of(st.floats(10, 90), st.integers(10, 90), st.just(np.nan), st.just(None)),
         st.one_of(st.integers(0, 20).map(float), st.integers(0, 20),
                   st.floats(-1e300, 1e300, allow_nan=False, allow_infinity=False)),
         st.sampled_from(CATS), st.sampled_from(["female", "male"]))


@st.composite
def frames(draw):
    n = draw(st.integers(1, MAX_ROWS + 2))
    values = clean if draw(st.booleans()) else (ages, priors, charges, sexes)
    rows = draw(st.lists(st.tuples(*values), min_size=n, max_size=n))
    cols = list(zip(*rows, strict=True))
    numeric_age = draw(st.booleans())
    X = pd.DataFrame({
        "age": pd.Series(cols[0], dtype=float if numeric_age else object),
        "priors_count": pd.Series(cols[1], dtype=draw(st.sampled_from([float, object]))),
        "charge": pd.Series(cols[2], dtype=draw(st.sampled_from(["str", object]))),
        "sex": pd.Series(cols[3], dtype=draw(st.sampled_from(["category", object, "str"]))),
    })
    return X.set_axis([f"case-{i}" for i in range(n)])


def _outcome(fn, X):
    try:
        return "ok", fn(X)
    except (FeatureError, ValueError) as exc:
        return type(exc), None


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow])
@given(X=frames(), which=st.integers(0, 2))
def test_fast_path_equals_vectorised(fitted, X, which):
    model = fitted[which]
    fast = fast_decision(model, X)
    kind, slow = _outcome(model._decision_vectorised, X)
    if fast is not None:  # the fast path answered: the vectorised path agrees exactly
        assert kind == "ok"
        assert fast.dtype == np.float64 and fast.shape == (len(X),)
        assert fast.tobytes() == slow.tobytes()
    public_kind, public = _outcome(model.decision_function, X)
    assert public_kind == kind  # same errors as before
    if kind == "ok":
        assert public.tobytes() == slow.tobytes()


def test_fast_path_is_taken_for_ordinary_cases(fitted):
    X, _ = _train()
    for model in fitted:
        for i in range(0, 40, 3):
            one = X.iloc[[i]]
            if pd.isna(one["priors_count"].iloc[0]):
                continue
            fast = fast_decision(model, one)
            assert fast is not None
            assert fast.tobytes() == model._decision_vectorised(one).tobytes()
        few = X.iloc[:MAX_ROWS]
        fast_few = fast_decision(model, few)
        assert fast_few is not None
        assert fast_few.tobytes() == model._decision_vectorised(few).tobytes()
        assert fast_decision(model, X.iloc[:MAX_ROWS + 1]) is None  # too many rows
        assert fast_decision(model, X.iloc[:1][X.columns[::-1]]) is None  # other order


def test_bad_single_case_gives_the_usual_errors(fitted):
    X, _ = _train()
    model = fitted[0]
    one = X.iloc[[0]]
    with pytest.raises(FeatureError, match="'priors_count' has missing values"):
        model.decision_function(one.assign(priors_count=np.nan))
    with pytest.raises(FeatureError, match=r"'charge'.*not seen"):
        model.decision_function(one.assign(charge="Z"))
    with pytest.raises(FeatureError, match="infinite"):
        model.decision_function(one.assign(age=np.inf))


def test_shared_form_uses_each_models_own_rules(fitted):
    X, y = _train()
    model = fitted[1]
    other = AdditiveRiskClassifier(monotone=None, max_bins=8).fit(X, y)
    other.form_ = model.form_  # same tables, but other's missing rules are changed below
    other.missing_allowed_ = {**model.missing_allowed_, "age": False}
    one = X.iloc[[int(np.flatnonzero(X["age"].isna())[0])]]
    assert fast_decision(model, one) is not None
    assert fast_decision(other, one) is None  # not model's cached plan
    with pytest.raises(FeatureError, match="'age' has missing values"):
        other.decision_function(one)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow])
@given(X=frames(), which=st.integers(0, 2))
def test_cells_read_by_the_caller_give_the_same_answer(fitted, X, which):
    model = fitted[which]
    own = fast_decision(model, X)
    shared = fast_decision(model, X, small_frame_rows(X))
    assert (own is None) == (shared is None)
    if own is not None:
        assert own.tobytes() == shared.tobytes()


def test_cells_of_another_shape_are_declined(fitted):
    X, _ = _train()
    one = X.iloc[[3]]
    rows = small_frame_rows(one)
    assert fast_decision(fitted[0], one, rows) is not None
    assert fast_decision(fitted[0], one, rows + rows) is None  # two rows for one
    assert fast_decision(fitted[0], one, [rows[0][:-1]]) is None  # a cell short
