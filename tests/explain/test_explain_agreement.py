"""Our exact values agree with shap's own explainers on equivalent models (to 1e-6)."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
import shap
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import GaussianNB

from riskassess.explain import BackgroundError, explain
from riskassess.models._terms import AdditiveForm, LinearTerm, NumericAxis, TableTerm

NAMES = ["a", "b", "c"]


def data(seed: int, n: int) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"a": rng.integers(0, 20, n).astype(float),
                      # multiples of 1/8: exact in float32, which shap's tree code uses
                      # (with 2-decimal values its interventional values miss additivity
                      # by ~1e-3 where a value sits within float32 rounding of a split)
                      "b": (rng.normal(size=n) * 8).round() / 8,
                      "c": rng.poisson(2, n).astype(float)})
    z = -0.1 * (X["a"] - 10) + 0.8 * X["b"] * (X["a"] > 10) + 0.4 * X["c"] - 0.8
    y = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(int)
    return X, y


def compile_groups(hgb: HistGradientBoostingClassifier, groups: list[list[int]]
                   ) -> AdditiveForm:
    """Lookup tables of a boosted model whose trees each use one group of features."""
    cuts: dict[int, set[float]] = {i: set() for i in range(len(NAMES))}
    for predictors in hgb._predictors:
        for predictor in predictors:
            for node in predictor.nodes:
                if not node["is_leaf"]:
                    cuts[int(node["feature_idx"])].add(float(node["num_threshold"]))
    axes = [NumericAxis(NAMES[i], tuple(sorted(cuts[i]))) for i in range(len(NAMES))]

    def points(axis: NumericAxis) -> list[float]:
        t = list(axis.thresholds)
        if not t:
            return [0.0, np.nan]
        inner = [(lo + hi) / 2 for lo, hi in itertools.pairwise(t)]
        return [t[0] - 1.0, *inner, t[-1] + 1.0, np.nan]

    reference = {NAMES[i]: points(axes[i])[0] for i in range(len(NAMES))}
    d_ref = float(hgb.decision_function(pd.DataFrame([reference]))[0])
    terms = []
    for group in groups:
        grid = list(itertools.product(*(points(axes[i]) for i in group)))
        rows = pd.DataFrame([{**reference, **{NAMES[i]: v for i, v in zip(group, cell,
                                                                             strict=True)}}
                             for cell in grid])
        table = (hgb.decision_function(rows) - d_ref).reshape([axes[i].n_bins for i in group])
        terms.append(TableTerm(" x ".join(NAMES[i] for i in group),
                               tuple(axes[i] for i in group), table))
    return AdditiveForm(d_ref, tuple(terms))


@pytest.mark.parametrize("groups", [[[0], [1], [2]], [[0, 1], [2]]],
                         ids=["single-feature", "pairwise"])
def test_equals_tree_explainer_interventional(form_model, groups):
    X, y = data(0, 800)
    hgb = HistGradientBoostingClassifier(max_iter=40, max_leaf_nodes=4,
                                         interaction_cst=groups, random_state=0).fit(X, y)
    form = compile_groups(hgb, groups)
    model = form_model(form, NAMES, score=hgb.decision_function)  # independent check
    background, rows = X.iloc[:100], X.iloc[150:230]  # shap samples > 100
    ours = explain(model, rows, background=background)
    tree = shap.TreeExplainer(hgb, data=background.to_numpy(),
                              feature_perturbation="interventional")
    theirs = tree.shap_values(rows.to_numpy())
    np.testing.assert_allclose(ours.values, theirs, atol=1e-6)
    np.testing.assert_allclose(ours.base_values, tree.expected_value, atol=1e-6)
    if len(groups[0]) == 2:  # the pair's split is not trivial: both features move
        assert np.abs(ours.values[:, 0]).max() > 0.01 and np.abs(ours.values[:, 1]).max() > 0.01


def test_equals_linear_explainer(form_model):
    X, y = data(1, 500)
    lr = LogisticRegression().fit(X, y)
    form = AdditiveForm(float(lr.intercept_[0]),
                        tuple(LinearTerm(f, f, float(c)) for f, c in zip(NAMES, lr.coef_[0],
                                                                          strict=True)))
    model = form_model(form, NAMES, score=lr.decision_function)
    background, rows = X.iloc[:200], X.iloc[200:300]
    ours = explain(model, rows, background=background)
    masker = shap.maskers.Independent(background.to_numpy(), max_samples=len(background))
    theirs = shap.LinearExplainer(lr, masker)(rows.to_numpy())
    np.testing.assert_allclose(ours.values, theirs.values, atol=1e-6)
    np.testing.assert_allclose(ours.base_values, theirs.base_values, atol=1e-6)


def test_fallback_linear_model_is_shaps_linear_explainer():
    X, y = data(2, 400)
    lr = LogisticRegression().fit(X, y)
    background, rows = X.iloc[:100], X.iloc[100:140]
    e = explain(lr, rows, background=background)
    masker = shap.maskers.Independent(background.to_numpy(), max_samples=len(background))
    np.testing.assert_allclose(e.values, shap.LinearExplainer(lr, masker)(rows.to_numpy()).values,
                               atol=1e-9)
    assert list(e.feature_names) == NAMES
    np.testing.assert_allclose(e.base_values + e.values.sum(1), lr.decision_function(rows),
                               atol=1e-6)


def test_fallback_tree_model_is_interventional_tree_explainer():
    X, y = data(3, 400)
    hgb = HistGradientBoostingClassifier(max_iter=20, random_state=0).fit(X, y)
    background, rows = X.iloc[:100], X.iloc[100:130]
    e = explain(hgb, rows, background=background)
    tree = shap.TreeExplainer(hgb, data=background.to_numpy(),
                              feature_perturbation="interventional")
    np.testing.assert_allclose(e.values, tree.shap_values(rows.to_numpy()), atol=1e-9)
    np.testing.assert_allclose(e.base_values + e.values.sum(1), hgb.decision_function(rows),
                               atol=1e-6)


def test_fallback_any_other_model_is_model_agnostic_and_adds_up():
    X, y = data(4, 300)
    nb = GaussianNB().fit(X, y)
    background, rows = X.iloc[:30], X.iloc[30:40]
    e = explain(nb, rows, background=background)
    p = nb.predict_proba(rows)[:, 1]
    np.testing.assert_allclose(e.base_values + e.values.sum(1), np.log(p / (1 - p)), atol=1e-6)


def test_fallback_needs_a_background():
    X, y = data(5, 100)
    with pytest.raises(BackgroundError, match="background="):
        explain(LogisticRegression().fit(X, y), X)


@pytest.mark.parametrize("groups", [[[0], [1], [2]], [[0, 1], [2]]],
                         ids=["single-feature", "pairwise"])
def test_models_compiled_booster_equals_tree_explainer(form_model, groups):
    models = pytest.importorskip("riskassess.models")
    if not hasattr(models, "form_from_hist_gradient_boosting"):
        pytest.skip("riskassess.models.form_from_hist_gradient_boosting not available yet")
    X, y = data(6, 600)
    hgb = HistGradientBoostingClassifier(max_iter=30, max_leaf_nodes=4,
                                         interaction_cst=groups, random_state=0).fit(X, y)
    form = models.form_from_hist_gradient_boosting(hgb, X)
    model = form_model(form, NAMES, score=hgb.decision_function)
    background, rows = X.iloc[:100], X.iloc[100:160]
    ours = explain(model, rows, background=background)
    tree = shap.TreeExplainer(hgb, data=background.to_numpy(),
                              feature_perturbation="interventional")
    np.testing.assert_allclose(ours.values, tree.shap_values(rows.to_numpy()), atol=1e-6)
    # the stored training counts are the training frame as background
    np.testing.assert_allclose(explain(model, rows).values,
                               explain(model, rows, background=X).values, atol=1e-9)


def test_fallback_pipeline_with_a_categorical_column():
    from sklearn.compose import make_column_transformer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder

    from riskassess.explain import reasons

    rng = np.random.default_rng(7)
    n = 300
    X = pd.DataFrame({"age": rng.integers(18, 70, n).astype(float),
                      "sex": rng.choice(["male", "female"], n),
                      "priors_count": rng.poisson(2, n).astype(float)})
    y = (rng.random(n) < 1 / (1 + np.exp(-(0.4 * X["priors_count"] - 1)))).astype(int)
    pipe = make_pipeline(make_column_transformer((OneHotEncoder(), ["sex"]),
                                                 remainder="passthrough"),
                         LogisticRegression()).fit(X, y)
    rows = X.iloc[:5]
    e = explain(pipe, rows, background=X.iloc[100:130])
    np.testing.assert_allclose(e.base_values + e.values.sum(1), pipe.decision_function(rows),
                               atol=1e-6)
    assert list(e.data[:, 1]) == list(rows["sex"])
    assert any(r.value in ("male", "female") for r in reasons(e[0], top=None))


def test_fallback_forest_is_on_the_probability_scale_and_reasons_say_risk():
    from sklearn.ensemble import RandomForestClassifier

    from riskassess.explain import reasons

    X, y = data(8, 300)
    forest = RandomForestClassifier(n_estimators=5, max_depth=3, random_state=0).fit(X, y)
    rows = X.iloc[:4]
    e = explain(forest, rows, background=X.iloc[100:150])
    np.testing.assert_allclose(e.base_values + e.values.sum(1),
                               forest.predict_proba(rows)[:, 1], atol=1e-6)
    assert e.output_names == "risk (probability scale)"
    r = reasons(e[0], top=None)
    assert all(" the risk by " in x.text for x in r)
    np.testing.assert_allclose(sum(x.change for x in r), 100 * e.values[0].sum(), atol=1e-9)
