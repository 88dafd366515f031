"""Reasons an officer can say aloud: the Copas rate as sanctions over years, ARNS terms as
the inputs they weigh, and the exact numbers kept on the record."""

from __future__ import annotations

import math
import re
import warnings

import numpy as np
import pandas as pd
import pytest
import shap
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from riskassess.explain import explain, reasons
from riskassess.explain._reasons import _PHRASES
from riskassess.features import ARNS_TERMS, FEATURES, spec_of
from riskassess.instruments import ARP, SVRP, VRP
from riskassess.instruments.arns._terms import INPUT_COLUMNS, TERMS


def row(values, data, names, base=0.0, output="2-year risk"):
    e = shap.Explanation(np.array([values], dtype=float), base_values=np.array([base]),
                         data=np.array([data], dtype=object), feature_names=names,
                         output_names=output)
    return e[0]


def _copas(n: int, years: float) -> float:
    # the catalogue's definition, written out independently of the phrasing code
    return math.log((1 + n) / (10 + years))


@settings(max_examples=200, deadline=None)
@given(n=st.integers(1, 60), years=st.floats(0, 60, allow_nan=False))
def test_copas_rate_is_read_as_sanctions_over_the_career(n, years):
    # a whole number of years plus a sliver would floor either way after the logarithm
    assume(abs(years - round(years)) > 1e-6 or years == 0)
    rate = _copas(n, years)
    (r,) = reasons(row([0.2], [rate], ["copas_rate"]),
                   case_features={"previous_sanctions": n})
    whole = math.floor(years)
    span = "less than a year" if whole < 1 else f"{whole} year" + ("" if whole == 1 else "s")
    noun = "previous sanction" + ("" if n == 1 else "s")
    assert r.value_text == f"{n} {noun} in the {span} since the first"
    assert r.value == rate  # the exact number stays on the record
    assert r.contribution == 0.2
    assert "Copas rate" in r.text and f"{rate:.2f}" not in r.text


def test_copas_rate_uses_the_career_length_when_the_row_has_it():
    (r,) = reasons(row([0.3, 0.0], [_copas(7, 12.4), 12.4], ["copas_rate", "career_length"]),
                   case_features={"previous_sanctions": 7})
    assert r.value_text == "7 previous sanctions in the 12 years since the first"
    # the explanation's own columns are context too: no case_features needed
    (r, _) = reasons(row([0.3, 0.1], [_copas(7, 12.4), 7], ["copas_rate",
                                                             "previous_sanctions"]))
    assert r.value_text == "7 previous sanctions in the 12 years since the first"


def test_copas_rate_with_no_previous_sanction_and_without_the_count():
    (r,) = reasons(row([0.3], [_copas(0, 4.0)], ["copas_rate"]),
                   case_features={"previous_sanctions": 0})
    assert r.value_text == "no previous sanctions"
    (r,) = reasons(row([0.3], [-0.131], ["copas_rate"]))
    assert r.value_text == "-0.13"  # nothing to read it from: the number, as before


def test_copas_rate_at_index_reads_the_years_up_to_the_current_offence():
    rate = _copas(3, 9.5)
    (r,) = reasons(row([-0.3], [rate], ["copas_rate_at_index"]),
                   case_features={"previous_sanctions": 3})
    assert r.value_text == ("3 previous sanctions in the 9 years from the first to the "
                            "current offence")
    assert r.direction == "lowers"


def test_every_catalogued_phrase_has_a_wording_and_every_arns_term_is_documented():
    phrases = {s.phrase for s in (*FEATURES.values(), *ARNS_TERMS) if s.phrase}
    assert phrases <= set(_PHRASES)
    terms = {t.name for form in TERMS.values() for t in form}
    assert terms == {s.name for s in ARNS_TERMS}
    for spec in ARNS_TERMS:
        assert spec.label and spec.label != spec.name
        assert set(spec.reads) <= set(INPUT_COLUMNS), spec.name


def _arns_frame(n_rows: int = 80, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "female": rng.integers(0, 2, n_rows).astype(float),
        "age_at_followup": rng.integers(20, 60, n_rows).astype(float),  # whole years
        "offence_category": rng.choice(["OTHER_OFFENCES", "BURGLARY_DOMESTIC"], n_rows),
        "offence_free_months": rng.integers(0, 37, n_rows).astype(float),
    })
    frame["age_at_conviction"] = frame["age_at_followup"]
    frame["age_at_first_sanction"] = frame["age_at_conviction"] - rng.integers(0, 15, n_rows)
    frame["n_sanctions"] = rng.integers(1, 12, n_rows).astype(float)
    frame["n_violent_sanctions"] = np.minimum(rng.integers(0, 4, n_rows),
                                              frame["n_sanctions"]).astype(float)
    for column in INPUT_COLUMNS:
        if column not in frame:
            frame[column] = rng.integers(0, 2, n_rows).astype(float)
    return frame[list(INPUT_COLUMNS)]


@pytest.mark.parametrize("instrument", [ARP, VRP, SVRP])
def test_arns_reasons_name_inputs_not_weights(instrument):
    frame = _arns_frame()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = instrument().fit(frame)
        e = explain(model, frame.iloc[:5])
    raw = {s.name for s in ARNS_TERMS}
    for i in range(5):
        context = frame.iloc[i].to_dict()
        for r in reasons(e[i], top=None, case_features=context):
            assert r.feature in raw
            head = r.text.split(". ")[0]
            assert not re.search(r"[a-z][A-Z]", head), head  # no camelCase term name
            assert f"{r.value:.3g}" not in head or r.value in (0, 1)
        without = reasons(e[i], top=None)
        for r in without:  # no inputs: the term is named, its weight is not read out
            assert not re.search(r"[a-z][A-Z]", r.text)


def test_arns_phrases_read_the_inputs_they_weigh():
    context = {"age_at_followup": 34.9, "female": 0.0, "unemployed": 1.0,
               "accommodation": 2.0, "n_sanctions": 7.0, "age_at_conviction": 40.2,
               "age_at_first_sanction": 28.0, "n_violent_sanctions": 0.0,
               "offence_free_months": 40.0, "drug_motivation": 1.0}
    names = ["ageGenderPolynomialWeight", "unemployedWeight", "suitableAccommodationWeight",
             "copasScore", "copasViolentOffencesScore", "offenceFreeMonthsWeight",
             "drugMotivationWeight"]
    out = reasons(row([0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05], [-2.6, 0.07, 0.1, -1.2, 0.0,
                                                               -0.3, 0.05], names),
                  top=None, case_features=context)
    spoken = {r.feature: r.value_text for r in out}
    assert spoken == {
        "ageGenderPolynomialWeight": "34 years, male",
        "unemployedWeight": "yes",
        "suitableAccommodationWeight": "significant problems",
        "copasScore": ("7 sanctions, the current one included, in the 12 years from the "
                       "first to the current conviction"),
        "copasViolentOffencesScore": "no violent sanctions",
        "offenceFreeMonthsWeight": "36 months or more",
        "drugMotivationWeight": "partial motivation",
    }
    assert [r.value for r in out] == [-2.6, 0.07, 0.1, -1.2, 0.0, -0.3, 0.05]


@given(weight=st.floats(-3, 3, allow_nan=False).filter(lambda w: w != 0))
def test_a_need_term_without_its_input_reads_present_or_absent_from_its_weight(weight):
    (r,) = reasons(row([0.1], [weight], ["unemployedWeight"]))
    assert r.value_text == "yes"
    (r,) = reasons(row([0.1], [0.0], ["unemployedWeight"]))
    assert r.value_text == "no"
    (r,) = reasons(row([0.1], [weight], ["impulsivityProblemsWeight"]))
    assert r.value_text == "some problems or significant problems"


def test_spec_of_covers_features_and_terms():
    assert spec_of("age") is FEATURES["age"]
    assert spec_of("copasScore").source == "arns"
    assert spec_of("nothing") is None
