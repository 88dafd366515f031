"""Small explanations copied from a verified template equal the ones shap builds."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
import shap
from hypothesis import given, settings
from hypothesis import strategies as st

from riskassess.exceptions import ExplanationError
from riskassess.explain import _template, explain
from riskassess.explain._template import MAX_TEMPLATE_ROWS, small_explanation
from riskassess.models import AdditiveRiskClassifier

finite = st.floats(-1e6, 1e6, allow_nan=False)
cell = st.one_of(finite, st.integers(-5, 5), st.sampled_from(["F", "M", "violent"]),
                 st.none(), st.just(float("nan")))


@st.composite
def layouts(draw: Any) -> dict[str, Any]:
    n = draw(st.integers(1, 4))
    p = draw(st.integers(1, 4))
    values = np.array(draw(st.lists(finite, min_size=n * p, max_size=n * p))).reshape(n, p)
    base = np.array(draw(st.lists(finite, min_size=n, max_size=n)))
    kind = draw(st.sampled_from(["float", "object", "none"]))
    if kind == "float":
        data: np.ndarray | None = np.array(
            draw(st.lists(finite, min_size=n * p, max_size=n * p))).reshape(n, p)
    elif kind == "object":
        data = np.empty((n, p), dtype=object)
        for i in range(n):
            for j in range(p):
                data[i, j] = draw(cell)
    else:
        data = None
    names = draw(st.one_of(st.none(), st.lists(st.sampled_from(list("abcdefgh")),
                                               min_size=p, max_size=p, unique=True)))
    output = draw(st.sampled_from([None, "risk", "2-year risk"]))
    cases = draw(st.one_of(st.none(), st.lists(st.text("abc123", min_size=1, max_size=4),
                                               min_size=n, max_size=n, unique=True)))
    return {"values": values, "base_values": base, "data": data, "feature_names": names,
            "output_name": output, "instance_names": cases}


def built(kw: dict[str, Any]) -> shap.Explanation:
    return shap.Explanation(kw["values"], base_values=kw["base_values"], data=kw["data"],
                            feature_names=kw["feature_names"], output_names=kw["output_name"],
                            instance_names=kw["instance_names"])


def same(a: Any, b: Any) -> bool:
    """Equal, arrays element by element, NaN equal to NaN."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        return a.shape == b.shape and same(a.tolist(), b.tolist())
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and isinstance(b, float) and np.isnan(a) and np.isnan(b):
        return True
    return type(a) is type(b) and bool(a == b)


def assert_equal_explanations(ours: shap.Explanation, theirs: shap.Explanation) -> None:
    for field in ("values", "base_values", "data", "feature_names", "output_names",
                  "instance_names", "display_data", "lower_bounds", "clustering"):
        assert same(getattr(ours, field), getattr(theirs, field)), field
    assert ours.shape == theirs.shape
    assert type(ours._s) is type(theirs._s)
    assert sorted(vars(ours._s)) == sorted(vars(theirs._s))
    assert {k: t.dim for k, t in ours._s._objects.items()} == \
        {k: t.dim for k, t in theirs._s._objects.items()}
    # slicing by position and, where named, by feature and case name
    for i in range(ours.shape[0]):
        assert same(ours[i].values, theirs[i].values)
        assert same(ours[i].base_values, theirs[i].base_values)
        assert same(ours[i].data, theirs[i].data)
    names = theirs.feature_names
    if isinstance(names, list):
        for name in names:
            assert same(ours[:, name].values, theirs[:, name].values)
    cases = theirs.instance_names
    if isinstance(cases, list):
        assert same(ours[cases[-1]].values, theirs[cases[-1]].values)


@settings(deadline=None)
@given(first=layouts(), data=st.data())
def test_copies_equal_what_shap_builds(first: dict[str, Any], data: Any) -> None:
    _template._TEMPLATES.clear()
    assert_equal_explanations(small_explanation(**first), built(first))
    # a second explanation of the same layout with other numbers is a template copy
    second = dict(first)
    n, p = first["values"].shape
    second["values"] = np.array(data.draw(st.lists(finite, min_size=n * p, max_size=n * p))
                                ).reshape(n, p)
    second["base_values"] = first["base_values"] + 1.5
    if first["instance_names"] is not None:
        second["instance_names"] = [f"z{i}" for i in range(n)]
    copied = small_explanation(**second)
    assert_equal_explanations(copied, built(second))


def test_the_template_route_is_taken_and_checked_once() -> None:
    _template._TEMPLATES.clear()
    kw = {"values": np.ones((1, 2)), "base_values": np.zeros(1), "data": np.ones((1, 2)),
          "feature_names": ["a", "b"], "output_name": "risk", "instance_names": ["c1"]}
    small_explanation(**kw)
    assert len(_template._TEMPLATES) == 1
    template = next(iter(_template._TEMPLATES.values()))
    assert template is not None
    copied = small_explanation(**{**kw, "values": np.full((1, 2), 3.0)})
    assert copied._s is not template._s and len(_template._TEMPLATES) == 1


def test_copies_share_no_mutable_state() -> None:
    _template._TEMPLATES.clear()
    kw = {"values": np.ones((2, 2)), "base_values": np.zeros(2),
          "data": np.array([[1.0, "M"], [2.0, None]], dtype=object),
          "feature_names": ["a", "b"], "output_name": "risk", "instance_names": ["c1", "c2"]}
    first = small_explanation(**kw)
    second = small_explanation(**{**kw, "instance_names": ["c3", "c4"]})
    second.feature_names = ["A", "B"]
    second.instance_names[0] = "x"  # in place (there is no setter)
    second.feature_names.append("C")  # in place, on the copy's own list
    third = small_explanation(**{**kw, "instance_names": ["c5", "c6"]})
    for e in (first, third):
        assert e.feature_names == ["a", "b"]
        assert float(e[:, "b"].values[0]) == 1.0
    assert first.instance_names == ["c1", "c2"] and third.instance_names == ["c5", "c6"]
    assert float(first["c2", "a"].values) == 1.0


def test_a_template_that_does_not_verify_is_never_used(monkeypatch: Any) -> None:
    _template._TEMPLATES.clear()
    monkeypatch.setattr(_template, "_equivalent", lambda copied, built: False)
    kw = {"values": np.ones((1, 2)), "base_values": np.zeros(1), "data": None,
          "feature_names": ["a", "b"], "output_name": None, "instance_names": None}
    first = small_explanation(**kw)
    assert list(_template._TEMPLATES.values()) == [None]
    again = small_explanation(**{**kw, "values": np.full((1, 2), 2.0)})
    assert_equal_explanations(again, built({**kw, "values": np.full((1, 2), 2.0)}))
    assert first.values.tolist() == [[1.0, 1.0]]


def test_slicer_internals_changing_falls_back(monkeypatch: Any) -> None:
    _template._TEMPLATES.clear()

    def broken(*args: Any) -> Any:
        raise AttributeError("_objects")

    monkeypatch.setattr(_template, "_copy", broken)
    kw = {"values": np.ones((1, 1)), "base_values": np.zeros(1), "data": np.ones((1, 1)),
          "feature_names": ["a"], "output_name": "risk", "instance_names": None}
    assert_equal_explanations(small_explanation(**kw), built(kw))
    assert list(_template._TEMPLATES.values()) == [None]


@pytest.mark.parametrize("kw", [
    {"values": np.ones((MAX_TEMPLATE_ROWS + 1, 1)), "base_values": np.zeros(MAX_TEMPLATE_ROWS + 1)},
    {"values": np.ones((1, 2)), "base_values": np.zeros(1),
     "data": np.array([[[1, 2], "M"]], dtype=object)},  # a list in a cell
    {"values": np.ones((1, 1), dtype=np.float32), "base_values": np.zeros(1)},
])
def test_unusual_layouts_are_built_the_ordinary_way(kw: dict[str, Any]) -> None:
    _template._TEMPLATES.clear()
    full = {"data": None, "feature_names": None, "output_name": None, "instance_names": None,
            **kw}
    assert_equal_explanations(small_explanation(**full), built(full))
    assert _template._TEMPLATES == {}


def test_waterfall_draws_a_template_copy() -> None:
    matplotlib = pytest.importorskip("matplotlib", reason="plots need the plot extra")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    _template._TEMPLATES.clear()
    kw = {"values": np.array([[0.3, -0.2]]), "base_values": np.array([-1.0]),
          "data": np.array([[3.0, "M"]], dtype=object), "feature_names": ["priors", "sex"],
          "output_name": "risk", "instance_names": ["c1"]}
    small_explanation(**kw)
    copied = small_explanation(**{**kw, "values": np.array([[0.5, 0.1]])})
    shap.plots.waterfall(copied[0], show=False)
    labels = [t.get_text() for t in plt.gcf().axes[0].get_yticklabels()]
    plt.close("all")
    assert any("priors" in label for label in labels)


# ----------------------------------------------------------- one case, read once


def _model_and_cases() -> tuple[AdditiveRiskClassifier, pd.DataFrame]:
    rng = np.random.default_rng(3)
    X = pd.DataFrame({"age": rng.integers(18, 70, 400).astype(float),
                      "priors": rng.integers(0, 12, 400).astype(float),
                      "sex": rng.choice(["F", "M"], 400)})
    y = (rng.random(400) < 1 / (1 + np.exp(-(X["priors"] - 4) / 3))).astype(int)
    return AdditiveRiskClassifier().fit(X, y), X


def test_one_case_equals_the_same_case_explained_in_a_large_frame() -> None:
    model, X = _model_and_cases()
    X.index = [f"case-{i}" for i in range(len(X))]  # pseudonymous case ids
    whole = explain(model, X)
    for i in (0, 7, 399):
        one = explain(model, X.iloc[[i]])
        np.testing.assert_array_equal(one.values[0], whole.values[i])
        assert one.base_values[0] == whole.base_values[i]
        assert one.instance_names == [f"case-{i}"] == [whole.instance_names[i]]


def test_an_overridden_decision_function_is_still_what_is_checked() -> None:
    model, X = _model_and_cases()

    class Shifted(AdditiveRiskClassifier):
        def decision_function(self, X: Any) -> np.ndarray:
            return super().decision_function(X) + 0.5

    shifted = Shifted().fit(X, np.asarray(model.predict(X)))
    with pytest.raises(ExplanationError, match="does not add up"):
        explain(shifted, X.iloc[[0]])
