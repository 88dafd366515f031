"""Reasons: exact wording, order, both directions, units, and that the changes add up."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import shap
from hypothesis import given, settings
from hypothesis import strategies as st

from riskassess.explain import Reason, explain, reasons
from riskassess.features import CATEGORIES, FEATURES
from riskassess.models._terms import AdditiveForm, CategoricalAxis, NumericAxis, TableTerm


def row(values, data, names, base=0.0, output="2-year risk"):
    e = shap.Explanation(np.array([values], dtype=float), base_values=np.array([base]),
                         data=np.array([data], dtype=object), feature_names=names,
                         output_names=output)
    return e[0]


def test_exact_wording_of_a_raising_and_a_lowering_reason():
    # base log-odds 0 (p = 0.5); contributions ln 3 and 0: p = 0.75, i.e. +25 points
    r = reasons(row([math.log(3), 0.0], [7, 30.0], ["previous_sanctions", "age"]))
    assert [x.text for x in r] == [
        "Previous sanctions: 7. Raises the 2-year risk by 25 percentage points compared "
        "with the average case."
    ]
    assert r[0].change == pytest.approx(25.0)
    # ln(1/3): p = 0.25, i.e. -25 points
    (low,) = reasons(row([math.log(1 / 3)], [55.0], ["age"]))
    assert low.text == ("Age: 55 years. Lowers the 2-year risk by 25 percentage points "
                        "compared with the average case.")
    assert low.direction == "lowers" and low.change == pytest.approx(-25.0)


def test_order_is_by_size_with_both_directions_and_top_limits():
    r = reasons(row([0.1, -0.9, 0.5, -0.05], [1, 2, 3, 4], ["f1", "f2", "f3", "f4"]), top=3)
    assert [x.feature for x in r] == ["f2", "f3", "f1"]
    assert [x.direction for x in r] == ["lowers", "raises", "raises"]
    assert len(reasons(row([0.1, -0.9, 0.5, -0.05], [1, 2, 3, 4], ["a", "b", "c", "d"]),
                       top=None)) == 4


def test_zero_contributions_are_not_reasons():
    assert reasons(row([0.0, 0.0], [1, 2], ["a", "b"])) == []


@pytest.mark.parametrize(
    ("feature", "value", "expected"),
    [
        ("previous_sanctions", 1, "1"),  # counts are bare: the label says what is counted
        ("previous_custodial", 2, "2"),
        # ages and durations in completed years: an exact age with the assessment date
        # would give away the date of birth
        ("age", 23.5, "23 years"),
        ("age", 23.99, "23 years"),
        ("career_length", 19.6234, "19 years"),
        ("years_since_last_sanction", 1.0, "1 year"),
        ("violent_history", True, "yes"),
        ("violent_history", 0, "no"),
        ("sex", "female", "female"),
        ("index_kind", "caution", "caution"),
        ("index_offence", "drug_possession_supply", "drug possession/supply"),
        ("index_offence", "not_a_code", "not_a_code"),  # unknown codes are read as they are
        ("sanction_history", "repeat_offender", "repeat offender"),
        ("sanction_history", "multiple_cautions", "three or more cautions, no conviction"),
        ("c_charge_degree", "F", "felony"),
        ("years_since_last_sanction", np.nan, "not recorded"),
        ("copas_rate", -0.81234, "-0.81"),
        ("copas_rate", -0.131, "-0.13"),
        ("copas_rate", -0.001, "0.00"),
        ("unknown_feature", 3, "3"),
    ],
)
def test_values_are_read_as_an_officer_would_say_them(feature, value, expected):
    (r,) = reasons(row([0.3], [value], [feature]))
    assert r.value_text == expected
    assert f": {expected}. Raises" in r.text


def test_labels_are_read_not_the_long_meaning():
    (r,) = reasons(row([0.3], [2.0], ["years_since_last_sanction"]))
    assert r.text.startswith("Offence-free time: 2 years. Raises")
    (r,) = reasons(row([0.3], [40.0], ["age_at_follow_up"]))
    assert r.text.startswith("Age at the start of follow-up: 40 years.")
    (r,) = reasons(row([0.3], [19.6], ["career_length"]))
    assert r.text.startswith("Length of criminal career: 19 years. Raises")
    (r,) = reasons(row([0.3], [-0.131], ["copas_rate"]))
    assert r.text == ("Rate of offending over the career (Copas rate): -0.13. Raises the "
                      "2-year risk by 7 percentage points compared with the average case.")
    assert r.unit == "log sanctions per year"  # the catalogue unit stays on the record
    (r,) = reasons(row([0.3], ["drug_possession_supply"], ["index_offence"]))
    assert r.text.startswith("Index offence: drug possession/supply. Raises")
    (r,) = reasons(row([0.3], [3], ["unknown_feature"]))
    assert r.text.startswith("Unknown feature: 3. Raises")


@pytest.mark.parametrize("feature", sorted(CATEGORIES))
def test_every_category_code_reads_without_codes(feature):
    for code in CATEGORIES[feature]:
        (r,) = reasons(row([0.3], [code], [feature]))
        assert "_" not in r.text, (feature, code, r.text)
        assert r.text.startswith(f"{FEATURES[feature].label}: ")


def test_every_documented_feature_has_a_short_label():
    for spec in FEATURES.values():
        assert spec.label and "_" not in spec.label and len(spec.label) <= 50, spec.name
        assert spec.label != spec.meaning, spec.name


def test_small_changes_and_one_point():
    # slope at p = 0.5 is 0.25 per log-odds unit: 0.01 -> 0.25 points, 0.04 -> 1 point
    (tiny,) = reasons(row([0.01], [3], ["priors_count"]))
    assert "by less than 1 percentage point compared" in tiny.text
    (one,) = reasons(row([0.04], [3], ["priors_count"]))
    assert "by 1 percentage point compared" in one.text


@settings(max_examples=30)
@given(values=st.lists(st.floats(-3, 3).filter(lambda v: abs(v) > 1e-3), min_size=1,
                       max_size=6),
       base=st.floats(-4, 4))
def test_changes_add_up_to_the_probability_difference(values, base):
    names = [f"f{i}" for i in range(len(values))]
    r = reasons(row(values, list(range(len(values))), names, base=base), top=None)
    p0 = 1 / (1 + math.exp(-base))
    p = 1 / (1 + math.exp(-(base + sum(values))))
    assert sum(x.change for x in r) == pytest.approx(100 * (p - p0), abs=1e-9)
    assert [abs(x.contribution) for x in r] == sorted((abs(v) for v in values), reverse=True)


def test_horizon_comes_from_the_model(form_model):
    form = AdditiveForm(0.0, (TableTerm("sex", (CategoricalAxis("sex", ("F", "M")),),
                                        np.array([-0.5, 0.5, 0.0]), np.ones(3)),
                              TableTerm("age", (NumericAxis("age", (30.0,)),),
                                        np.array([0.2, -0.2, 0.0]), np.ones(3))))
    X = pd.DataFrame({"sex": ["M"], "age": [25.0]})
    with_h = explain(form_model(form, ["sex", "age"], horizon=2), X)
    assert "the 2-year risk" in reasons(with_h[0])[0].text
    without = explain(form_model(form, ["sex", "age"]), X)
    assert " the risk by " in reasons(without[0])[0].text


def test_reason_is_frozen_and_strict():
    (r,) = reasons(row([0.3], [3], ["priors_count"]))
    assert isinstance(r, Reason)
    with pytest.raises(ValueError, match="frozen"):
        r.text = "changed"  # type: ignore[misc]
    with pytest.raises(ValueError, match="extra"):
        Reason(**r.model_dump(), case_name="x")  # type: ignore[call-arg]


def test_many_rows_are_refused():
    e = shap.Explanation(np.zeros((2, 2)), base_values=np.zeros(2))
    with pytest.raises(ValueError, match=r"explanation\[i\]"):
        reasons(e)
