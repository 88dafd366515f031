"""AdditiveRiskClassifier: tables, monotonicity, bad input, sklearn plumbing."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.model_selection import cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from riskassess.exceptions import FeatureError, UnseenCategoryError
from riskassess.models import AdditiveRiskClassifier, TableTerm


def _data(n=600, seed=0, missing=False):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({
        "age": rng.integers(18, 70, n).astype(float),
        "priors_count": rng.poisson(2, n).astype(float),
        "sex": pd.Categorical(rng.choice(["male", "female"], n), categories=["male", "female"]),
        "c_charge_degree": pd.Series(rng.choice(["F", "M"], n), dtype="str"),
    })
    logit = (0.5 - 0.04 * (X["age"] - 35) + 0.35 * np.sqrt(X["priors_count"])
             + 0.3 * (X["sex"] == "male") + 0.2 * (X["c_charge_degree"] == "F"))
    y = (rng.random(n) < 1 / (1 + np.exp(-logit.to_numpy()))).astype(int)
    if missing:
        X.loc[X.index[::7], "priors_count"] = np.nan
    return X, y


@pytest.fixture(scope="module")
def fitted():
    X, y = _data()
    return AdditiveRiskClassifier().fit(X, y), X, y


def test_predictions_go_through_the_tables(fitted):
    model, X, _ = fitted
    np.testing.assert_array_equal(model.decision_function(X), model.form_.decision_function(X))
    p = model.predict_proba(X)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    assert set(model.predict(X)) <= {0, 1}
    assert list(model.feature_names_in_) == list(X.columns)
    assert set(model.predict_band(X)) <= {"low", "medium", "high", "very high"}


def test_tables_centred_with_counts(fitted):
    model, X, _ = fitted
    for term in model.form_.terms:
        assert isinstance(term, TableTerm) and term.counts is not None
        assert term.counts.sum() == len(X)
        assert abs(np.sum(term.counts * term.table)) < 1e-8
    frame = model.to_frame()
    assert {"term", "feature", "bin", "contribution", "n_train"} <= set(frame.columns)
    assert frame["n_train"].sum() == len(X) * len(model.form_.terms)


def test_default_monotone_directions(fitted):
    model, _, _ = fitted
    assert model.monotone_["age"] == -1 and model.monotone_["priors_count"] == 1
    age = model.form_.terms[0].table[:-1]
    priors = model.form_.terms[1].table[:-1]
    assert np.all(np.diff(age) <= 0) and np.all(np.diff(priors) >= 0)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), direction=st.sampled_from([-1, 1]))
def test_monotone_holds_even_against_the_data(seed, direction):
    # the data say the opposite of the constraint: the table must still obey it
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 12, 200).astype(float)
    y = (rng.random(200) < 1 / (1 + np.exp(direction * (x - 6) / 2))).astype(int)
    if y.min() == y.max():
        y[0] = 1 - y[0]
    X = pd.DataFrame({"v": x})
    model = AdditiveRiskClassifier(monotone={"v": direction}).fit(X, y)
    grid = pd.DataFrame({"v": np.linspace(-1, 13, 57)})
    d = np.diff(model.decision_function(grid))
    assert np.all(d * direction >= 0)


def test_recovers_a_known_shape():
    rng = np.random.default_rng(3)
    n = 20_000
    x = rng.integers(0, 40, n).astype(float)
    truth = 1.2 * np.tanh((x - 15) / 8)
    y = (rng.random(n) < 1 / (1 + np.exp(-truth))).astype(int)
    model = AdditiveRiskClassifier(monotone={"x": 1}).fit(pd.DataFrame({"x": x}), y)
    fitted = model.decision_function(pd.DataFrame({"x": x}))
    assert np.sqrt(np.mean((fitted - truth) ** 2)) < 0.08


def test_unseen_category_and_columns(fitted):
    model, X, _ = fitted
    bad = X.head(3).copy()
    bad["c_charge_degree"] = ["F", "O", "M"]
    with pytest.raises(UnseenCategoryError, match="c_charge_degree"):
        model.predict_proba(bad)
    with pytest.raises(FeatureError, match="priors_count"):
        model.predict_proba(X.drop(columns=["priors_count"]))
    with pytest.raises(FeatureError, match="race"):
        model.predict_proba(X.assign(race="x"))
    # column order does not matter
    np.testing.assert_array_equal(model.predict_proba(X[X.columns[::-1]]),
                                  model.predict_proba(X))


def test_object_and_categorical_columns_agree(fitted):
    model, X, _ = fitted
    as_obj = X.astype({"sex": object, "c_charge_degree": object})
    np.testing.assert_array_equal(model.decision_function(as_obj), model.decision_function(X))


def test_missing_values():
    X, y = _data(missing=True)
    model = AdditiveRiskClassifier().fit(X, y)
    assert np.isfinite(model.decision_function(X)).all()
    X2, y2 = _data()
    clean = AdditiveRiskClassifier().fit(X2, y2)
    with pytest.raises(FeatureError, match=r"priors_count.*missing"):
        clean.predict_proba(X)


@pytest.mark.parametrize("labels", [
    [np.nan, 1.0, 0.0, 1.0], [np.inf, 1.0, 0.0, 1.0], [1, 1, 1, 1], [0, 1, 2, 1],
])
def test_bad_labels(labels):
    X = pd.DataFrame({"age": [20.0, 30.0, 40.0, 50.0]})
    with pytest.raises(ValueError, match="labels y"):
        AdditiveRiskClassifier().fit(X, labels)


def test_protected_refused_unless_allowed():
    X, y = _data()
    X["race"] = pd.Categorical(np.where(np.arange(len(X)) % 2, "a", "b"))
    with pytest.raises(FeatureError, match="race"):
        AdditiveRiskClassifier().fit(X, y)
    AdditiveRiskClassifier(allow_protected=("race",)).fit(X, y)


def test_interaction_term():
    X, y = _data()
    model = AdditiveRiskClassifier(interactions=[("age", "sex")]).fit(X, y)
    assert model.form_.term_names[-1] == "age x sex"
    pair = model.form_.terms[-1]
    assert pair.table.shape == (pair.axes[0].n_bins, 3)
    # the pair has its own (coarser) age axis: age must still never raise the risk,
    # for either sex, along a grid crossing every cut of both axes
    grid = np.linspace(X["age"].min() - 1, X["age"].max() + 1, 400)
    for sex in X["sex"].unique():
        rows = pd.DataFrame({c: [X[c].iloc[0]] * len(grid) for c in X.columns})
        rows["age"], rows["sex"] = grid, sex
        rows = rows.astype(X.dtypes.to_dict())
        assert np.all(np.diff(model.decision_function(rows)) <= 1e-12)
    # a pair of two monotone columns is accepted (both directions kept: test_interactions)
    AdditiveRiskClassifier(interactions=[("age", "priors_count")]).fit(X, y)


def test_clone_pipeline_cross_val():
    X, y = _data(n=300)
    pipe = make_pipeline(FunctionTransformer(lambda f: f), AdditiveRiskClassifier())
    p = cross_val_predict(pipe, X, y, cv=3, method="predict_proba")
    assert p.shape == (len(X), 2)
    c = clone(AdditiveRiskClassifier(smoothing=5.0))
    assert c.get_params()["smoothing"] == 5.0 and not hasattr(c, "form_")


def test_out_of_range(fitted):
    model, X, _ = fitted
    report = model.out_of_range(X.assign(age=[10.0] + [30.0] * (len(X) - 1)))
    row = report.set_index("feature").loc["age"]
    assert row["n_below"] == 1 and row["n_above"] == 0


@pytest.mark.parametrize("cls", ["AdditiveRiskClassifier", "ScorecardClassifier"])
def test_horizon_is_a_checked_parameter_that_survives_json(cls, tmp_path):
    import riskassess.models as models
    from riskassess.models import load_model, save_model

    rng = np.random.default_rng(2)
    X = pd.DataFrame({"age": rng.integers(18, 70, 300).astype(float),
                      "priors_count": rng.poisson(2, 300).astype(float)})
    y = (rng.random(300) < 0.4).astype(int)
    model = getattr(models, cls)(horizon=1).fit(X, y)
    save_model(model, tmp_path / "m.json")
    assert load_model(tmp_path / "m.json").horizon == 1
    unset = getattr(models, cls)().fit(X, y)
    assert unset.horizon is None
    np.testing.assert_array_equal(unset.predict_proba(X), model.predict_proba(X))
    with pytest.raises(ValueError, match="horizon"):
        getattr(models, cls)(horizon=0).fit(X, y)


def _age_data(n=1500, seed=4):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"age": rng.integers(18, 70, n).astype(float),
                      "priors_count": rng.poisson(2, n).astype(float)})
    logit = 0.3 - 0.05 * (X["age"] - 35) + 0.3 * np.sqrt(X["priors_count"])
    y = (rng.random(n) < 1 / (1 + np.exp(-logit.to_numpy()))).astype(int)
    return X, y


def test_zero_weight_below_22_keeps_age_monotone():
    # the review's example: weights 0 below age 22 used to leave empty age bins at 0,
    # between the intercept and the fitted young-age effect, so p(18) < p(23)
    X, y = _age_data()
    weights = np.where(X["age"] < 22, 0.0, 1.0)
    model = AdditiveRiskClassifier().fit(X, y, sample_weight=weights)
    age = model.form_.terms[0].table[:-1]
    assert np.all(np.diff(age) <= 0)
    probe = pd.DataFrame({"age": [18.0, 23.0], "priors_count": [1.0, 1.0]})
    p18, p23 = model.predict_proba(probe)[:, 1]
    assert p18 >= p23
    # and the fit is the fit without those rows
    kept = weights > 0
    without = AdditiveRiskClassifier().fit(X[kept], y[kept])
    np.testing.assert_allclose(model.predict_proba(X), without.predict_proba(X), rtol=1e-7)
    assert model.form_.terms[0].axes == without.form_.terms[0].axes
    assert model.training_ranges_ == without.training_ranges_


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 10_000), share=st.floats(0.1, 0.6))
def test_zero_weight_equals_removing_the_row(seed, share):
    X, y = _data(n=300, seed=seed % 50, missing=True)
    rng = np.random.default_rng(seed)
    weights = np.where(rng.random(len(X)) < share, 0.0, rng.integers(1, 4, len(X)))
    kept = weights > 0
    if len(set(y[kept])) < 2:
        return
    weighted = AdditiveRiskClassifier().fit(X, y, sample_weight=weights)
    repeated = AdditiveRiskClassifier().fit(X[kept].loc[X[kept].index.repeat(
        weights[kept].astype(int))], np.repeat(y[kept], weights[kept].astype(int)))
    probe = X[kept]
    np.testing.assert_allclose(weighted.predict_proba(probe), repeated.predict_proba(probe),
                               rtol=1e-6, atol=1e-9)
    assert weighted.missing_allowed_ == repeated.missing_allowed_


def test_missing_only_in_zero_weight_rows_is_not_learnt():
    X, y = _data(n=300)
    X.loc[X.index[:5], "priors_count"] = np.nan
    weights = np.r_[np.zeros(5), np.ones(len(X) - 5)]
    model = AdditiveRiskClassifier().fit(X, y, sample_weight=weights)
    with pytest.raises(FeatureError, match=r"priors_count.*missing"):
        model.predict_proba(X.head(5))


def test_weights_leaving_one_class_are_refused():
    X, y = _data(n=200)
    with pytest.raises(ValueError, match=r"sample_weight.*classes"):
        AdditiveRiskClassifier().fit(X, y, sample_weight=(y == 1).astype(float))
