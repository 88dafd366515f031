"""Plots render on Agg with the expected artists (not pixels)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from riskassess.explain import explain
from riskassess.explain.plot import case_bar, importance_plot, shape_plot, waterfall
from riskassess.models._terms import (
    AdditiveForm,
    CategoricalAxis,
    LinearTerm,
    NumericAxis,
    TableTerm,
)

AGE = NumericAxis("age", (25.0, 40.0))
SEX = CategoricalAxis("sex", ("F", "M"))
FORM = AdditiveForm(-0.5, (
    TableTerm("age", (AGE,), np.array([0.6, 0.1, -0.4, 0.0]), np.array([2.0, 3, 5, 0])),
    TableTerm("age x sex", (AGE, SEX), np.arange(12.0).reshape(4, 3) / 10,
              np.ones((4, 3))),
    LinearTerm("priors_count", "priors_count", 0.3, 2.0),
))
X = pd.DataFrame({"age": [20.0, 33.0, 60.0], "sex": ["M", "F", "M"],
                  "priors_count": [7.0, 0.0, 2.0]})


@pytest.fixture
def explanation(form_model):
    return explain(form_model(FORM, ["age", "sex", "priors_count"]), X)


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_shape_plot_of_a_shape_function_and_a_pair(form_model):
    model = form_model(FORM, ["age", "sex", "priors_count"])
    ax = shape_plot(model, "age")
    assert len(ax.patches) == AGE.n_bins  # one bar per bin of the shape function
    assert len(ax.get_lines()) >= SEX.n_bins  # one line per sex bin for the pair
    assert [t.get_text() for t in ax.get_xticklabels()] == AGE.labels()
    ax = shape_plot(model, "priors_count", xlim=(0, 10))
    line = ax.get_lines()[0]
    assert line.get_xdata()[0] == 0 and line.get_ydata()[0] == pytest.approx(0.3 * (0 - 2.0))
    with pytest.raises(ValueError, match="no term"):
        shape_plot(model, "nothing")


def test_importance_plot_orders_features(explanation):
    ax = importance_plot(explanation)
    mean = np.abs(explanation.values).mean(0)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == [explanation.feature_names[i] for i in np.argsort(-mean, kind="stable")]
    assert len(ax.patches) == 3


def test_shap_waterfall_works_on_our_explanation(explanation):
    ax = waterfall(explanation[0])
    texts = " ".join(t.get_text() for t in ax.figure.findobj(matplotlib.text.Text))
    assert "age" in texts and "priors_count" in texts


def test_case_bar(explanation):
    ax = case_bar(explanation[0], top=2)
    assert len(ax.patches) == 2
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[0].startswith("priors_count = 7")  # the largest contribution first
    assert "\u2192" in ax.get_title()


def test_importance_of_a_model_explains_the_cases_given(form_model, explanation):
    model = form_model(FORM, ["age", "sex", "priors_count"])
    ax = importance_plot(model, X)
    widths = sorted(p.get_width() for p in ax.patches)
    assert widths == pytest.approx(sorted(np.abs(explanation.values).mean(0)))
    with pytest.raises(ValueError, match="needs cases"):
        importance_plot(model)
