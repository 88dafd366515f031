"""Disparity ratios, detectable differences, intersections and decision curves (issue 17.5).

Properties are checked against independent computations (a plain loop over thresholds,
sklearn's confusion matrix, Monte Carlo simulation of the tests the formulas describe),
never against numbers our own code printed.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import confusion_matrix

from riskassess.exceptions import ValidationInputError
from riskassess.testing import assert_disparity_ratio_within, assert_net_benefit_above_defaults
from riskassess.validation import (
    decision_curve,
    disparity_ratios,
    group_calibration,
    intersectional_groups,
    minimum_detectable_difference,
    net_benefit,
    validate,
)

cases = st.lists(st.tuples(st.integers(0, 1), st.floats(0.0, 1.0)), min_size=2, max_size=60)
thresholds = st.lists(st.floats(0.01, 0.99), min_size=1, max_size=8, unique=True).map(sorted)


# -- properties -------------------------------------------------------------------------


@given(cases)
def test_ratio_of_identical_groups_is_one(data: list) -> None:
    y, p = (np.array(v) for v in zip(*data, strict=True))
    # the same people twice, once as "a" and once as "b": every defined ratio is parity
    result = disparity_ratios(np.r_[y, y], np.r_[p, p], ["a"] * len(y) + ["b"] * len(y),
                              reference_group="a")
    ratios = result.table["ratio"].to_numpy(dtype=float)
    defined = np.isfinite(ratios)
    np.testing.assert_allclose(ratios[defined], 1.0)
    table = result.table[defined & result.table["lower"].notna().to_numpy()]
    assert ((table["lower"] <= 1.0 + 1e-12) & (table["upper"] >= 1.0 - 1e-12)).all()
    assert not result.table["distinct"].any()


@given(cases, thresholds)
def test_net_benefit_equals_the_formula_computed_directly(data: list, ts: list) -> None:
    y, p = (np.array(v) for v in zip(*data, strict=True))
    n = len(y)
    expected = []
    for t in ts:  # the textbook definition, one threshold at a time
        treat = p >= t
        tp, fp = int((treat & (y == 1)).sum()), int((treat & (y == 0)).sum())
        expected.append(tp / n - fp / n * t / (1 - t))
    np.testing.assert_allclose(net_benefit(y, p, ts), expected, rtol=1e-12, atol=1e-12)


@given(cases, thresholds)
def test_treat_none_is_zero_and_a_score_below_every_threshold_treats_none(
    data: list, ts: list
) -> None:
    y, p = (np.array(v) for v in zip(*data, strict=True))
    curve = decision_curve(y, p, thresholds=ts)
    assert (curve.table["net_benefit_none"] == 0.0).all()
    below = np.minimum(p, ts[0] / 2)  # nobody reaches any threshold: nobody is treated
    np.testing.assert_array_equal(net_benefit(y, below, ts), 0.0)
    prevalence = y.mean()
    odds = np.array(ts) / (1 - np.array(ts))
    np.testing.assert_allclose(curve.table["net_benefit_all"], prevalence
                               - (1 - prevalence) * odds)


@settings(max_examples=50)
@given(st.lists(st.tuples(st.integers(0, 1), st.floats(0, 1), st.sampled_from("xyz")),
                min_size=2, max_size=80), thresholds)
def test_group_curves_match_sklearn_and_add_up_to_the_whole(data: list, ts: list) -> None:
    y, p, g = (np.array(v) for v in zip(*data, strict=True))
    table = decision_curve(y, p, g, thresholds=ts).table
    for (group, t), row in table.set_index(["group", "threshold"]).iterrows():
        mask = np.ones(len(y), bool) if group == "(all cases)" else g == group
        _tn, fp, _fn, tp = confusion_matrix(y[mask], (p[mask] >= t).astype(int),
                                          labels=[0, 1]).ravel()
        assert (row["tp"], row["fp"], row["n"]) == (tp, fp, mask.sum())


@settings(max_examples=40)
@given(st.data())
def test_a_too_small_intersection_is_shown_and_flagged(data: st.DataObject) -> None:
    n_big = data.draw(st.integers(30, 60))
    n_tiny = data.draw(st.integers(1, 9))
    race = ["A"] * n_big + ["B"] * n_big + ["B"] * n_tiny
    sex = ["F", "M"] * n_big + ["X"] * n_tiny  # "B × X" is tiny; "A × X" has no one
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16)))
    p = rng.uniform(0.05, 0.95, len(race))
    y = (rng.random(len(race)) < p).astype(int)
    inter = intersectional_groups(y, p, {"race": race, "sex": sex}, min_group_size=10)
    groups = inter.groups.set_index("group")
    assert len(groups) == 2 * 3  # every combination of the values seen
    assert groups["n"].sum() == len(race)
    assert groups.loc["B × X", "n"] == n_tiny and groups.loc["B × X", "small"]
    assert "small" in groups.loc["B × X", "note"]
    assert groups.loc["A × X", "n"] == 0 and groups.loc["A × X", "small"]
    assert inter.disparity is not None
    tiny = inter.disparity.table[inter.disparity.table["group"] == "B × X"]
    assert len(tiny) == 4 and tiny["small"].all()  # compared too, marked, not dropped


# -- intervals and detectable differences by simulation ---------------------------------


def test_katz_interval_covers_the_true_ratio_about_95_percent() -> None:
    rng = np.random.default_rng(11)
    n_a, n_b, p_a, p_b = 300, 120, 0.35, 0.5  # true selection-rate ratio b / a
    hits, runs = 0, 400
    for _ in range(runs):
        y = np.r_[np.zeros(n_a, int), np.zeros(n_b, int)]
        selected = np.r_[rng.random(n_a) < p_a, rng.random(n_b) < p_b]
        score = np.where(selected, 0.9, 0.1)
        t = disparity_ratios(y, score, ["a"] * n_a + ["b"] * n_b, reference_group="a")
        row = t.table.set_index("metric").loc["selection_rate"]
        hits += bool(row["lower"] <= p_b / p_a <= row["upper"])
    assert 0.92 <= hits / runs <= 0.98


def test_detectable_difference_gives_80_percent_power_to_the_pooled_z_test() -> None:
    n1, n0, p0 = 150, 400, 0.3
    d = float(minimum_detectable_difference(n1, n0, p0))
    rng = np.random.default_rng(5)
    runs = 20_000
    x1 = rng.binomial(n1, p0 + d, runs)
    x0 = rng.binomial(n0, p0, runs)
    pooled = (x1 + x0) / (n1 + n0)
    z = (x1 / n1 - x0 / n0) / np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n0))
    power = float(np.mean(np.abs(z) > 1.959964))
    assert power == pytest.approx(0.80, abs=0.02)
    # downwards too, and a bigger sample detects a smaller difference
    down = float(minimum_detectable_difference(n1, n0, p0, direction=-1))
    assert 0 < down < p0
    assert float(minimum_detectable_difference(4 * n1, 4 * n0, p0)) < d


def test_detectable_difference_is_nan_where_no_difference_fits() -> None:
    assert math.isnan(float(minimum_detectable_difference(10, 10, 0.99)))
    assert math.isnan(float(minimum_detectable_difference(10, 0, 0.3)))
    with pytest.raises(ValidationInputError, match="power"):
        minimum_detectable_difference(10, 10, 0.3, power=1.5)


# -- the report --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cohort() -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    rng = np.random.default_rng(3)
    n = 6000
    attrs = pd.DataFrame({
        "race": rng.choice(["A", "B", "C"], n, p=[0.6, 0.395, 0.005]),
        "sex": rng.choice(["F", "M"], n, p=[0.2, 0.8]),
    }, index=[f"P{i}" for i in range(n)])
    p = rng.uniform(0.05, 0.95, n)
    y = (rng.random(n) < p).astype(int)
    return p, y, attrs


def test_validate_reports_disparity_intersections_and_decision_curve(cohort) -> None:
    p, y, attrs = cohort
    report = validate(p, y=pd.Series(y, index=attrs.index), groups=attrs["race"],
                      intersections=[("race", "sex")], attributes=attrs, n_bootstrap=0)
    d = report.disparity
    assert d is not None and d.reference == "A" and d.attribute == "race"
    assert set(d.table["group"]) == {"B", "C"}
    assert d.table.loc[d.table["group"] == "C", "small"].all()
    assert d.calibration_by_decile is not None
    assert set(d.calibration_by_decile["group"]) == {"A", "B", "C"}
    inter = report.intersections[0]
    assert inter.name == "race × sex" and len(inter.groups) == 6
    assert inter.groups["n"].sum() == len(y)
    assert any("race × sex group 'C × F'" in note for note in report.notes)
    curve = report.decision_curve
    assert curve is not None and curve.operating_threshold == report.threshold
    assert set(curve.at_operating["group"]) == {"(all cases)", "A", "B", "C"}
    # the report is immutable: editing a table handed out leaves the report unchanged
    d.table.loc[:, "ratio"] = 99.0
    assert (report.disparity.table["ratio"] != 99.0).all()
    as_dict = json.loads(report.to_json())
    assert as_dict["disparity"]["reference"] == "A"
    assert as_dict["intersections"][0]["attributes"] == ["race", "sex"]
    page = report.to_html(plots=False)
    assert "Equality Act 2010" in page and "Disparity ratios by race" in page
    assert "decision curve" in report.methods and "disparity ratios" in report.methods


def test_reference_group_is_chosen_by_name(cohort) -> None:
    p, y, attrs = cohort
    report = validate(p, y=y, groups=attrs["race"], reference_group="B", n_bootstrap=0)
    assert report.disparity.reference == "B"
    assert set(report.disparity.table["group"]) == {"A", "C"}


def test_bad_fairness_arguments_name_the_field(cohort) -> None:
    p, y, attrs = cohort
    with pytest.raises(ValidationInputError, match="reference_group: 'D' is not one of"):
        validate(p, y=y, groups=attrs["race"], reference_group="D", n_bootstrap=0)
    with pytest.raises(ValidationInputError, match="reference_group needs groups"):
        validate(p, y=y, reference_group="A", n_bootstrap=0)
    with pytest.raises(ValidationInputError, match="no column 'age'"):
        validate(p, y=y, intersections=[("race", "age")], attributes=attrs, n_bootstrap=0)
    broken = attrs.copy()
    broken.iloc[7, 1] = None
    with pytest.raises(ValidationInputError, match="sex: group is missing at case 'P7'"):
        validate(p, y=pd.Series(y, index=attrs.index), intersections=[("race", "sex")],
                 attributes=broken, n_bootstrap=0)
    with pytest.raises(ValidationInputError, match="thresholds must be strictly increasing"):
        decision_curve(y, p, thresholds=[0.5, 0.2])
    with pytest.raises(ValidationInputError, match="bins must be"):
        group_calibration(y, p, attrs["race"], bins="quintile")


def test_calibration_within_groups_flags_a_miscalibrated_group() -> None:
    rng = np.random.default_rng(8)
    n = 20_000
    g = np.where(rng.random(n) < 0.5, "a", "b")
    p = rng.uniform(0.05, 0.6, n)
    truth = np.where(g == "b", p + 0.3, p)  # the score under-predicts group b
    y = (rng.random(n) < truth).astype(int)
    table = group_calibration(y, p, g)
    assert table.loc[table["group"] == "a", "predicted_in_interval"].mean() >= 0.7
    assert not table.loc[table["group"] == "b", "predicted_in_interval"].any()
    ratio = disparity_ratios(y, p, g, reference_group="a").table.set_index("metric")
    assert ratio.loc["calibration", "lower"] > 1.5  # b's observed/expected far above a's


# -- the pytest checks --------------------------------------------------------------------


def test_disparity_check_passes_for_unrelated_groups_and_fails_for_a_biased_score() -> None:
    rng = np.random.default_rng(4)
    n = 20_000
    g = np.where(rng.random(n) < 0.5, "a", "b")
    p = rng.uniform(0.05, 0.95, n)
    y = (rng.random(n) < p).astype(int)
    assert_disparity_ratio_within(p, y=y, groups=g, metric="fpr")
    assert_disparity_ratio_within(p, y=y, groups=g, metric="fpr", on="interval")
    inflated = np.where(g == "b", np.clip(p + 0.25, 0, 1), p)  # b selected more often
    with pytest.raises(AssertionError, match=r"false positive rate ratio vs 'a'.*'b'"):
        assert_disparity_ratio_within(inflated, y=y, groups=g, metric="fpr",
                                      reference_group="a")


def test_disparity_check_lists_small_groups_it_did_not_check() -> None:
    rng = np.random.default_rng(6)
    n = 2000
    g = np.where(rng.random(n) < 0.5, "a", "b").astype(object)
    g[:10] = "tiny"
    p = rng.uniform(0.05, 0.95, n)
    y = (rng.random(n) < p).astype(int)
    inflated = np.where(g == "b", np.clip(p + 0.3, 0, 1), p)
    with pytest.raises(AssertionError, match=r"not checked: \['tiny'\]"):
        assert_disparity_ratio_within(inflated, y=y, groups=g, reference_group="a")
    with pytest.raises(ValidationInputError, match="bounds"):
        assert_disparity_ratio_within(p, y=y, groups=g, bounds=(1.1, 1.3))


def test_net_benefit_check() -> None:
    rng = np.random.default_rng(9)
    n = 5000
    p = rng.uniform(0.05, 0.95, n)
    y = (rng.random(n) < p).astype(int)
    g = np.where(rng.random(n) < 0.5, "a", "b")
    assert_net_benefit_above_defaults(p, y=y, groups=g, threshold=0.5)
    noise = rng.uniform(0.05, 0.95, n)  # unrelated to the outcome
    with pytest.raises(AssertionError, match="does not beat treat-all"):
        assert_net_benefit_above_defaults(noise, y=y, groups=g, threshold=0.3)


# -- the documentation page ----------------------------------------------------------------


def test_fairness_page_examples_run() -> None:
    import doctest
    import re
    from pathlib import Path

    page = Path(__file__).resolve().parents[2] / "docs" / "fairness.md"
    blocks = re.findall(r"^```pycon[ \t]*\n(.*?)^```[ \t]*$", page.read_text(encoding="utf-8"),
                        flags=re.S | re.M)
    assert blocks
    parser = doctest.DocTestParser()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    namespace: dict = {}
    for i, block in enumerate(blocks):
        test = parser.get_doctest(block, namespace, f"fairness.md[{i}]", str(page), 0)
        runner.run(test, clear_globs=False)
        namespace = test.globs  # carry the names of one block to the next
    failed, attempted = runner.summarize(verbose=False)
    assert attempted > 0 and failed == 0, f"{failed} of {attempted} examples failed"
