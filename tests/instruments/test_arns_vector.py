"""The vectorised ARNS terms agree with the exact scorer, term by term."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.special import expit

from riskassess.exceptions import FeatureError, UnseenCategoryError
from riskassess.instruments.arns import (
    INPUT_COLUMNS,
    NEED_COLUMNS,
    band_of,
    feature_names,
    request_to_inputs,
    required_columns,
    score_request,
    term_contributions,
)
from riskassess.instruments.arns._data import offence_mapping
from riskassess.instruments.arns._exact import derive_inputs, exact_terms
from riskassess.instruments.arns._request import parse_request

PREDICTORS = ("arp", "vrp", "svrp")
KEYS = {"arp": "allPredictor", "vrp": "violentPredictor", "svrp": "seriousViolentPredictor"}
CODES = sorted(c for c, (cat, _) in offence_mapping().items() if cat != "UNKNOWN")
PROBLEM = ["NO_PROBLEMS", "SOME_PROBLEMS", "SIGNIFICANT_PROBLEMS"]
MOTIVATION = ["FULL_MOTIVATION", "PARTIAL_MOTIVATION", "NO_MOTIVATION"]
STATUS = ["NOT_IN_RELATIONSHIP", "IN_RELATIONSHIP_LIVING_TOGETHER",
          "IN_RELATIONSHIP_NOT_LIVING_TOGETHER"]
CONVICTIONS = ["HOMICIDE", "WOUNDING_GBH", "KIDNAPPING", "FIREARMS", "ROBBERY",
               "AGGRAVATED_BURGLARY", "WEAPON", "CRIMINAL_DAMAGE", "ARSON"]
BOOLS = [
    "isUnemployed", "evidenceOfDomesticAbuse", "didOffenceInvolveCarryingOrUsingWeapon",
    "hasHeroinUsage", "hasOtherOpiateUsage", "hasCrackCocaineUsage", "hasPowderCocaineUsage",
    "hasMisusedPrescriptionDrugUsage", "hasBenzodiazepinesUsage", "hasCannabisUsage",
    "hasSteroidsUsage", "hasOtherDrugsUsage", "hasKetamineUsage", "hasSpiceUsage",
    "hasHallucinogensUsage", "hasSolventsUsage", "hasMethadoneUsage",
]
PROBLEMS = [
    "suitabilityOfAccommodation", "currentRelationshipWithPartner", "regularOffendingActivities",
    "currentAlcoholUseProblems", "excessiveAlcoholUse", "impulsivityProblems", "temperControl",
    "proCriminalAttitudes",
]


@st.composite
def valid_requests(draw: Any) -> dict[str, Any]:
    """Requests whose history fields pass every static rule of the three predictors."""
    dob = draw(st.dates(dt.date(1915, 1, 1), dt.date(2008, 12, 31)))
    conviction = dob + dt.timedelta(days=draw(st.integers(10 * 366, 95 * 365)))
    age_conv = conviction.year - dob.year - ((conviction.month, conviction.day)
                                            < (dob.month, dob.day))
    n = draw(st.one_of(st.integers(1, 4), st.integers(1, 999)))
    req: dict[str, Any] = {
        "gender": draw(st.sampled_from(["MALE", "FEMALE"])),
        "dateOfBirth": dob.isoformat(),
        "dateOfCurrentConviction": conviction.isoformat(),
        "ageAtFirstSanction": draw(st.integers(0, min(age_conv, 109))),
        "totalNumberOfSanctionsForAllOffences": n,
        "totalNumberOfViolentSanctions": draw(st.one_of(st.integers(0, min(n, 2)),
                                                        st.integers(0, n))),
        "currentOffenceCode": draw(st.sampled_from(CODES)),
        "assessmentDate": (conviction + dt.timedelta(days=draw(st.integers(-85, 4000)))
                           ).isoformat(),
    }
    if draw(st.booleans()):
        start = conviction + dt.timedelta(days=draw(st.integers(-300, 3000)))
        if start > dob and start.year - dob.year < 105:
            req["dateAtStartOfFollowup"] = start.isoformat()
    everything = draw(st.booleans())
    for name in BOOLS:
        if everything or draw(st.booleans()):
            req[name] = draw(st.booleans())
    for name in PROBLEMS:
        if everything or draw(st.booleans()):
            req[name] = draw(st.sampled_from(PROBLEM))
    if everything or draw(st.booleans()):
        req["currentRelationshipStatus"] = draw(st.sampled_from(STATUS))
    if everything or draw(st.booleans()):
        req["motivationToTackleDrugMisuse"] = draw(st.sampled_from(MOTIVATION))
    if everything or draw(st.booleans()):
        req["previousConvictions"] = draw(st.lists(st.sampled_from(CONVICTIONS), max_size=4))
    return req


@given(valid_requests())
def test_vector_matches_exact_scorer(request: dict[str, Any]) -> None:
    out = score_request(request)
    inputs = request_to_inputs(request)
    frame = pd.DataFrame([inputs])
    exact_inputs = derive_inputs(parse_request(request))
    for predictor in PREDICTORS:
        block = out[KEYS[predictor]]
        assert block["validationErrors"] == [] or block["type"] in ("STATIC", None)
        for form in ("static", "dynamic"):
            terms, names = term_contributions(frame, predictor, form)
            exact = exact_terms(exact_inputs, predictor, form)
            total = exact.pop("totalWeight")
            assert names == list(exact)
            np.testing.assert_allclose(terms[0], [float(v) for v in exact.values()],
                                       rtol=1e-12, atol=1e-9)
            p_vec = float(expit(terms.sum(axis=1))[0])
            p_exact = float(1 / (1 + (-total).exp()))
            assert p_vec == pytest.approx(p_exact, abs=1e-9)
            if block["type"] == form.upper():  # the form the service scored
                service = dict(block["featureValues"])
                service_total = service.pop("totalWeight")
                assert list(service) == names
                np.testing.assert_allclose(terms[0], list(service.values()), rtol=0, atol=1e-9)
                assert float(terms.sum()) == pytest.approx(service_total, abs=1e-9)
                score = block["output"]["score"]
                assert abs(100 * p_vec - score) <= 0.005 + 1e-9 or score in (0.0, 99.99)
                assert band_of(predictor, [score])[0] == block["output"]["band"]


def test_input_columns_documented_order() -> None:
    assert INPUT_COLUMNS[:8] == (
        "female", "age_at_followup", "age_at_conviction", "age_at_first_sanction",
        "n_sanctions", "n_violent_sanctions", "offence_category", "offence_free_months",
    )
    assert set(NEED_COLUMNS) <= set(INPUT_COLUMNS)
    assert "n_violent_sanctions" not in required_columns("arp", "dynamic")
    assert "heroin" not in required_columns("vrp", "dynamic")
    assert "methadone" not in required_columns("arp", "dynamic")
    assert set(required_columns("svrp", "dynamic")) >= {"weapon_in_current_offence", "past_arson"}
    for predictor in PREDICTORS:
        for form in ("static", "dynamic"):
            assert set(required_columns(predictor, form)) <= set(INPUT_COLUMNS)
            assert feature_names(predictor, form)[0] == "twoYearInterceptWeight"


def _frame(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({c: rng.integers(0, 3, n) for c in NEED_COLUMNS})
    first = rng.integers(10, 40, n)
    frame["female"] = rng.integers(0, 2, n)
    frame["age_at_first_sanction"] = first
    frame["age_at_conviction"] = first + rng.integers(0, 40, n)
    frame["age_at_followup"] = frame["age_at_conviction"] + rng.integers(0, 3, n)
    frame["n_sanctions"] = rng.integers(1, 60, n)
    frame["n_violent_sanctions"] = rng.integers(0, 3, n)
    frame["offence_free_months"] = rng.integers(0, 37, n)
    cats = sorted({cat for cat, _ in offence_mapping().values()} - {"UNKNOWN"})
    frame["offence_category"] = rng.choice(cats, n)
    return frame


def test_categorical_and_string_categories_agree() -> None:
    frame = _frame(500)
    as_cat = frame.assign(offence_category=frame["offence_category"].astype("category"))
    a, _ = term_contributions(frame, "svrp", "dynamic")
    b, _ = term_contributions(as_cat, "svrp", "dynamic")
    np.testing.assert_array_equal(a, b)


def test_errors() -> None:
    frame = _frame(3)
    with pytest.raises(FeatureError, match="n_violent_sanctions"):
        term_contributions(frame.drop(columns="n_violent_sanctions"), "vrp", "static")
    term_contributions(frame.drop(columns="n_violent_sanctions"), "arp", "static")
    bad = frame.assign(offence_category=["UNKNOWN", "OTHER_OFFENCES", "OTHER_OFFENCES"])
    with pytest.raises(UnseenCategoryError, match="UNKNOWN"):
        term_contributions(bad, "arp", "static")
    with pytest.raises(ValueError, match="predictor"):
        term_contributions(frame, "ogrs", "static")  # type: ignore[arg-type]
    with pytest.raises(FeatureError, match="missing"):
        request_to_inputs({"gender": "MALE"})


def test_band_thresholds() -> None:
    assert band_of("arp", [0.0, 0.01, 49.99, 50.0, 74.99, 75.0, 89.99, 90.0, 99.99]).tolist() == [
        None, "LOW", "LOW", "MEDIUM", "MEDIUM", "HIGH", "HIGH", "VERY_HIGH", "VERY_HIGH",
    ]
    assert band_of("vrp", [29.99, 30.0, 60.0, 80.0]).tolist() == [
        "LOW", "MEDIUM", "HIGH", "VERY_HIGH",
    ]
    assert band_of("svrp", [0.0, 1.0, 3.0, 6.9]).tolist() == ["LOW", "MEDIUM", "HIGH", "VERY_HIGH"]


def test_request_to_inputs_derivations() -> None:
    req = {"gender": "FEMALE", "dateOfBirth": "2000-02-29", "dateOfCurrentConviction":
           "2021-02-28", "dateAtStartOfFollowup": "2021-03-01", "ageAtFirstSanction": 15,
           "totalNumberOfSanctionsForAllOffences": 3, "currentOffenceCode": "11618",
           "assessmentDate": "2021-04-30", "currentRelationshipStatus":
           "IN_RELATIONSHIP_NOT_LIVING_TOGETHER", "previousConvictions": ["ARSON"],
           "hasSpiceUsage": True}
    x = request_to_inputs(req)
    assert (x["age_at_conviction"], x["age_at_followup"]) == (20.0, 21.0)  # born 29 Feb
    assert x["offence_free_months"] == 1.0  # 1 Mar -> 30 Apr: one completed month
    assert x["living_with_partner"] == 0.0 and x["past_arson"] == 1.0 and x["spice"] == 1.0
    assert np.isnan(x["n_violent_sanctions"]) and x["female"] == 1.0
    capped = request_to_inputs({**req, "assessmentDate": "2040-01-01"})
    assert capped["offence_free_months"] == 36.0
    custody = request_to_inputs({**req, "assessmentDate": "2021-02-28"})
    assert custody["offence_free_months"] == 0.0


def test_vector_exactness_on_many_rows() -> None:
    frame = _frame(300, seed=3)
    for predictor in PREDICTORS:
        for form in ("static", "dynamic"):
            terms, _ = term_contributions(frame, predictor, form)
            for i in range(0, 300, 37):
                row = {k: (v if k == "offence_category" else int(v))
                       for k, v in frame.iloc[i].items()}
                exact = exact_terms(row, predictor, form)
                total = exact.pop("totalWeight")
                np.testing.assert_allclose(terms[i], [float(v) for v in exact.values()],
                                           rtol=1e-12, atol=1e-12)
                assert float(terms[i].sum()) == pytest.approx(float(total), abs=1e-9)
                assert isinstance(total, Decimal)


def test_a_large_frame_scores_as_its_chunks() -> None:
    # speed is measured in benchmarks/bench_arns.py, not asserted here; what a large frame
    # must do is give every row the numbers it gets in a small one
    frame = _frame(200_000, seed=1)
    terms, names = term_contributions(frame, "arp", "dynamic")
    assert terms.shape == (200_000, len(names))
    for start in (0, 65_536, 199_990):
        part, part_names = term_contributions(frame.iloc[start:start + 10], "arp", "dynamic")
        assert part_names == names
        np.testing.assert_array_equal(np.asarray(part), np.asarray(terms)[start:start + 10])
