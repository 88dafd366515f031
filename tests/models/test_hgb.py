"""Compiling a HistGradientBoostingClassifier into lookup tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier

from riskassess.models import TableTerm, form_from_hist_gradient_boosting


def _data(n=800, seed=0):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"age": rng.integers(18, 70, n).astype(float),
                      "priors": rng.poisson(2, n).astype(float),
                      "sex": pd.Categorical(rng.choice(["male", "female"], n)),
                      "other": rng.normal(size=n)})
    X.loc[X.index[::9], "age"] = np.nan
    logit = -0.04 * (X["age"].fillna(35) - 35) + 0.3 * X["priors"] ** 0.5
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return X, y


@pytest.mark.parametrize("cst", ["no_interactions", [[0, 1], [2], [3]]])
def test_compiled_tables_equal_the_booster(cst):
    X, y = _data()
    hgb = HistGradientBoostingClassifier(max_iter=40, max_leaf_nodes=4, interaction_cst=cst,
                                         categorical_features="from_dtype").fit(X, y)
    form = form_from_hist_gradient_boosting(hgb, X)
    Xt, _ = _data(seed=1)
    np.testing.assert_allclose(form.decision_function(Xt), hgb.decision_function(Xt),
                               rtol=0, atol=1e-12)
    assert all(isinstance(t, TableTerm) and len(t.axes) <= 2 for t in form.terms)
    for t in form.terms:
        assert isinstance(t, TableTerm)
        assert t.counts is not None and t.counts.sum() == len(X)


def test_numpy_booster():
    X, y = _data()
    A = X.drop(columns=["sex"]).to_numpy()
    hgb = HistGradientBoostingClassifier(max_iter=30, interaction_cst="no_interactions")
    hgb.fit(A, y)
    form = form_from_hist_gradient_boosting(hgb)
    frame = pd.DataFrame(A, columns=["x0", "x1", "x2"])
    np.testing.assert_allclose(form.decision_function(frame), hgb.decision_function(A),
                               atol=1e-12)


def test_unconstrained_booster_refused():
    X, y = _data()
    hgb = HistGradientBoostingClassifier(max_iter=20, max_depth=4,
                                         categorical_features="from_dtype").fit(X, y)
    with pytest.raises(ValueError, match="more than two features"):
        form_from_hist_gradient_boosting(hgb, X)
