"""Exact explanations of additive forms: definition, background, additivity, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from riskassess.exceptions import ExplanationError, FeatureError, UnseenCategoryError
from riskassess.explain import BackgroundError, explain, to_probability
from riskassess.models._terms import (
    AdditiveForm,
    CategoricalAxis,
    LinearTerm,
    NumericAxis,
    TableTerm,
)

FEATURES = ["a", "b", "c", "d"]


def random_frame(rng: np.random.Generator, n: int, nan: bool = True) -> pd.DataFrame:
    a = rng.integers(0, 10, n).astype(float)
    b = rng.normal(size=n).round(2)
    if nan:
        a[rng.random(n) < 0.1] = np.nan
    c = rng.choice(["x", "y", "z"], n).astype(object)
    if nan:
        c[rng.random(n) < 0.1] = None
    return pd.DataFrame({"a": a, "b": b, "c": c, "d": rng.normal(size=n)})


def random_form(rng: np.random.Generator, pair: tuple[str, str], closed: str) -> AdditiveForm:
    axes = {
        "a": NumericAxis("a", (2.0, 5.0, 7.0), closed=closed),  # type: ignore[arg-type]
        "b": NumericAxis("b", (-0.5, 0.0, 0.8)),
        "c": CategoricalAxis("c", ("x", "y", "z")),
    }
    terms = [
        TableTerm("a", (axes["a"],), rng.normal(size=axes["a"].n_bins)),
        TableTerm("c", (axes["c"],), rng.normal(size=axes["c"].n_bins)),
        TableTerm(" x ".join(pair), (axes[pair[0]], axes[pair[1]]),
                  rng.normal(size=(axes[pair[0]].n_bins, axes[pair[1]].n_bins))),
        LinearTerm("d", "d", float(rng.normal())),
    ]
    return AdditiveForm(float(rng.normal()), tuple(terms))


@settings(max_examples=15)
@given(seed=st.integers(0, 2**32 - 1), pair=st.sampled_from([("a", "b"), ("b", "c"),
                                                            ("c", "a")]),
       closed=st.sampled_from(["right", "left"]))
def test_values_are_interventional_shapley_by_definition(form_model, shapley, seed, pair,
                                                         closed):
    rng = np.random.default_rng(seed)
    form = random_form(rng, pair, closed)
    model = form_model(form, FEATURES)
    background = random_frame(rng, 12)
    X = random_frame(rng, 3)
    e = explain(model, X, background=background)
    assert e.values.shape == (3, 4)
    assert list(e.feature_names) == FEATURES
    for i in range(3):
        expected = shapley(form.decision_function, X.iloc[[i]], background, FEATURES)
        np.testing.assert_allclose(e.values[i], expected, atol=1e-10)
    np.testing.assert_allclose(e.base_values, form.decision_function(background).mean(),
                               atol=1e-12)


@settings(max_examples=15)
@given(seed=st.integers(0, 2**32 - 1))
def test_stored_counts_equal_the_same_background_frame(form_model, seed):
    rng = np.random.default_rng(seed)
    base = random_form(rng, ("b", "c"), "right")
    background = random_frame(rng, 40)
    terms = []
    for t in base.terms:
        if isinstance(t, TableTerm):
            codes = t.codes(background)
            counts = np.zeros(t.table.shape)
            np.add.at(counts, codes, 1.0)
            terms.append(TableTerm(t.name, t.axes, t.table, counts))
        else:
            terms.append(LinearTerm(t.name, t.feature, t.coef, float(background["d"].mean())))
    form = AdditiveForm(base.intercept, tuple(terms))
    model = form_model(form, FEATURES)
    X = random_frame(rng, 25)
    stored = explain(model, X)
    given_bg = explain(model, X, background=background)
    np.testing.assert_allclose(stored.values, given_bg.values, atol=1e-12)
    np.testing.assert_allclose(stored.base_values, given_bg.base_values, atol=1e-12)


@settings(max_examples=15)
@given(seed=st.integers(0, 2**32 - 1), row=st.integers(0, 39))
def test_one_row_path_equals_the_frame_path(form_model, seed, row):
    rng = np.random.default_rng(seed)
    form = random_form(rng, ("a", "c"), "left")
    model = form_model(form, FEATURES)
    background = random_frame(rng, 30)
    X = random_frame(rng, 40)  # > 16 rows: vectorised column path
    whole = explain(model, X, background=background)
    one = explain(model, X.iloc[[row]], background=background)
    np.testing.assert_allclose(one.values[0], whole.values[row], atol=1e-12)
    assert all((pd.isna(u) and pd.isna(v)) or u == v
               for u, v in zip(one.data[0], whole.data[row], strict=True))


def test_values_and_base_add_up_to_the_model_and_explained_data_is_kept(form_model):
    rng = np.random.default_rng(1)
    form = random_form(rng, ("a", "b"), "right")
    model = form_model(form, FEATURES)
    X = random_frame(rng, 50)
    e = explain(model, X, background=random_frame(rng, 20))
    np.testing.assert_allclose(e.base_values + e.values.sum(1), form.decision_function(X),
                               atol=1e-12)
    assert e.data.shape == (50, 4)
    assert e.data[0, 2] == X["c"].iloc[0] or X["c"].iloc[0] is None


def test_features_no_term_reads_get_zero(form_model):
    rng = np.random.default_rng(2)
    form = random_form(rng, ("a", "b"), "right")
    model = form_model(form, [*FEATURES, "unused"])
    X = random_frame(rng, 5).assign(unused=1.0)
    e = explain(model, X, background=random_frame(rng, 5).assign(unused=0.0))
    assert np.all(e.values[:, 4] == 0.0)


def test_missing_background_says_what_to_pass(form_model):
    rng = np.random.default_rng(3)
    model = form_model(random_form(rng, ("a", "b"), "right"), FEATURES)
    with pytest.raises(BackgroundError, match="background="):
        explain(model, random_frame(rng, 3))


def test_additivity_violation_raises_naming_the_case(form_model):
    rng = np.random.default_rng(4)
    form = random_form(rng, ("a", "b"), "right")
    X = random_frame(rng, 6)
    X.index = [f"case-{i}" for i in range(6)]

    def off_by_a_little(frame: pd.DataFrame) -> np.ndarray:
        out = form.decision_function(frame)
        out[3] += 1e-7
        return out

    model = form_model(form, FEATURES, score=off_by_a_little)
    with pytest.raises(ExplanationError, match="case-3"):
        explain(model, X, background=random_frame(rng, 5))


def test_instance_names_are_the_pseudonymous_index(form_model):
    rng = np.random.default_rng(5)
    model = form_model(random_form(rng, ("a", "b"), "right"), FEATURES)
    X = random_frame(rng, 3)
    X.index = ["P-001", "P-002", "P-003"]
    e = explain(model, X, background=random_frame(rng, 5))
    assert list(e.instance_names) == ["P-001", "P-002", "P-003"]


@pytest.mark.parametrize("n", [1, 40])
def test_unseen_category_and_missing_column_raise_like_the_form(form_model, n):
    rng = np.random.default_rng(6)
    form = random_form(rng, ("a", "b"), "right")
    # a model that does not validate, so the explanation's own column handling is tested
    model = form_model(form, FEATURES, score=lambda X: np.zeros(len(X)))
    bg = random_frame(rng, 5)
    X = random_frame(rng, n)
    X.loc[X.index[0], "c"] = "w"
    with pytest.raises(UnseenCategoryError, match="'w'"):
        form.decision_function(X)
    with pytest.raises(UnseenCategoryError, match="'w'"):
        explain(model, X, background=bg)
    with pytest.raises(FeatureError, match="'d'"):
        explain(model, random_frame(rng, n).drop(columns="d"), background=bg)


@pytest.mark.parametrize("n", [1, 40])
def test_non_string_values_are_matched_by_their_string_form(form_model, n):
    form = AdditiveForm(0.0, (TableTerm("c", (CategoricalAxis("c", ("1", "2")),),
                                        np.array([0.5, -0.5, 0.0]), np.ones(3)),))
    model = form_model(form, ["c"])
    X = pd.DataFrame({"c": [1, 2] * (n // 2) if n > 1 else [2]})
    e = explain(model, X)
    np.testing.assert_allclose(e.values[:, 0], np.where(X["c"] == 1, 0.5, -0.5))


def test_numeric_strings_follow_the_form(form_model):
    form = AdditiveForm(0.0, (TableTerm("a", (NumericAxis("a", (1.0,)),),
                                        np.array([1.0, 2.0, 0.0]), np.ones(3)),))
    model = form_model(form, ["a"])
    e = explain(model, pd.DataFrame({"a": ["0.5", "3"]}))
    np.testing.assert_allclose(e.values[:, 0], [0.0, 1.0])


def test_real_additive_model_with_an_interaction():
    from riskassess.models import AdditiveRiskClassifier

    rng = np.random.default_rng(7)
    n = 600
    X = pd.DataFrame({"age": rng.integers(18, 70, n).astype(float),
                      "sex": rng.choice(["Male", "Female"], n),
                      "priors_count": rng.poisson(2, n).astype(float)})
    z = -0.03 * (X["age"] - 40) + 0.3 * X["priors_count"] - 0.5 + 0.4 * (X["sex"] == "Male")
    y = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(int)
    model = AdditiveRiskClassifier(interactions=[("age", "sex")], max_iter=200).fit(X, y)
    e = explain(model, X.head(30))
    np.testing.assert_allclose(e.base_values + e.values.sum(1),
                               model.decision_function(X.head(30)), atol=1e-9)
    # the stored training counts are the training data: same as passing it explicitly
    explicit = explain(model, X.head(30), background=X)
    np.testing.assert_allclose(e.values, explicit.values, atol=1e-9)
    with pytest.raises(FeatureError):
        explain(model, X.head(3).drop(columns="sex"))


@settings(max_examples=30)
@given(values=st.lists(st.floats(-4, 4, allow_subnormal=False), min_size=1, max_size=6),
       base=st.floats(-5, 5))
def test_to_probability_adds_up_and_keeps_signs(values, base):
    import shap

    e = shap.Explanation(np.array([values]), base_values=np.array([base]))
    p = to_probability(e)
    z = base + sum(values)
    assert p.base_values[0] == pytest.approx(1 / (1 + np.exp(-base)), abs=1e-12)
    assert p.base_values[0] + p.values.sum() == pytest.approx(1 / (1 + np.exp(-z)), abs=1e-12)
    assert np.all(np.sign(p.values) == np.sign(np.array(values)))
    one = to_probability(e[0])
    np.testing.assert_allclose(one.values, p.values[0], atol=1e-15)


def test_model_fitted_on_an_array_is_explained_from_an_array():
    from riskassess.models import AdditiveRiskClassifier

    rng = np.random.default_rng(8)
    arr = np.column_stack([rng.integers(18, 70, 300), rng.poisson(2, 300)]).astype(float)
    y = (rng.random(300) < 1 / (1 + np.exp(-(0.3 * arr[:, 1] - 0.5)))).astype(int)
    model = AdditiveRiskClassifier(max_iter=100).fit(arr, y)
    e = explain(model, arr[:5])
    np.testing.assert_allclose(e.base_values + e.values.sum(1), model.decision_function(arr[:5]),
                               atol=1e-9)


def test_an_array_for_a_model_with_named_columns_is_refused(form_model):
    rng = np.random.default_rng(9)
    form = random_form(rng, ("a", "b"), "right")
    model = form_model(form, FEATURES, score=lambda X: np.zeros(len(X)))
    with pytest.raises(FeatureError, match="DataFrame"):
        explain(model, np.zeros((2, 4)), background=random_frame(rng, 5))


def _pandas3_dtype(dtype: str) -> object:
    """``dtype``, with "str" meaning pandas 3's string dtype (NaN for missing) on pandas 2 too.

    On pandas 2, ``astype("str")`` means Python ``str`` and turns a missing value into the
    string "None"; pandas 2.2 spells pandas 3's "str" dtype ``StringDtype("pyarrow_numpy")``,
    pandas 2.3 ``StringDtype(na_value=np.nan)``.
    """
    if dtype != "str" or int(pd.__version__.split(".")[0]) >= 3:
        return dtype
    try:
        return pd.StringDtype(na_value=np.nan)
    except TypeError:
        return pd.StringDtype("pyarrow_numpy")


@pytest.mark.parametrize("dtype", ["object", "str", "category"])
@pytest.mark.parametrize("n", [1, 40])
def test_category_column_dtypes_agree_with_the_form(form_model, dtype, n):
    # the duck model scores with the form's own column handling, so the additivity
    # check inside explain() compares our codes with the form's on every row
    rng = np.random.default_rng(10)
    form = random_form(rng, ("c", "a"), "right")
    X = random_frame(rng, n)
    X["c"] = X["c"].astype(_pandas3_dtype(dtype))
    e = explain(form_model(form, FEATURES), X, background=random_frame(rng, 10))
    assert e.values.shape == (n, 4)


@settings(max_examples=10)
@given(seed=st.integers(0, 2**32 - 1), closed=st.sampled_from(["right", "left"]),
       kind=st.sampled_from(["whole", "whole-with-nan", "fractional", "wide"]))
def test_large_frame_codes_equal_the_forms(seed, closed, kind):

    rng = np.random.default_rng(seed)
    n = 12_000  # above the size where the whole-number and factorise shortcuts apply
    values = rng.integers(-5, 40, n).astype(float)
    if kind == "whole-with-nan":
        values[rng.random(n) < 0.05] = np.nan
    elif kind == "fractional":
        values = values + rng.choice([0.0, 0.5], n)
    elif kind == "wide":
        values[0] = 1e9
    thresholds = tuple(sorted(set(rng.choice(np.arange(-3.0, 38.0, 0.5), 6).tolist())))
    axis = NumericAxis("v", thresholds, closed=closed)  # type: ignore[arg-type]
    cats = CategoricalAxis("c", ("x", "y", "z"))
    frame = pd.DataFrame({"v": values,
                          "c": pd.Series(rng.choice(["x", "y", "z", None], n), dtype="str")})
    # the vectorised rule (with its whole-number shortcut) equals the scalar rule per value
    np.testing.assert_array_equal(axis.codes(frame), [axis.code(float(v)) for v in values])
    np.testing.assert_array_equal(cats.codes(frame),
                                  [cats.code(None if pd.isna(v) else v) for v in frame["c"]])
    frame.loc[7, "c"] = "w"
    with pytest.raises(UnseenCategoryError, match="'w'"):
        cats.codes(frame)
