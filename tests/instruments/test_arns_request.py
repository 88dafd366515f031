"""Conformance of ``riskassess.instruments.arns.score_request`` with HMPPS's service.

The 9 snapshot fixtures of ministryofjustice/hmpps-arns-risk-actuarial-api are read from
``../shared/data/arns/fixtures`` (beside the repository); those tests skip when it is
absent. The rule tests build small requests by hand and assert what arns.md section 1
and 5 (and the service's validators) prescribe: error types, messages, fields and order.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from riskassess.exceptions import RiskAssessError
from riskassess.instruments.arns import (
    OffenceCodeError,
    RequestError,
    offence_category,
    score_request,
)
from riskassess.instruments.arns._data import offence_mapping
from riskassess.instruments.arns._exact import score_request_decimal

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO.parent / "shared" / "data" / "arns" / "fixtures"
FIXTURE_FILES = sorted(FIXTURES.glob("*/*.json")) if FIXTURES.exists() else []
KEY = {
    "allReoffendingPredictor": "allPredictor",
    "violentReoffendingPredictor": "violentPredictor",
    "seriousViolentReoffendingPredictor": "seriousViolentPredictor",
}
# arns.md section 6: fixtures without assessmentDate only reproduce when "today" is at
# least 36 months after their follow-up start (2021-12-12).
TODAY = dt.date(2026, 1, 1)
PREDICTOR_KEYS = ("allPredictor", "violentPredictor", "seriousViolentPredictor")
UNEXPECTED_PREFIX = "Unexpected error thrown during calculation, see logs for further details: "


@pytest.fixture(scope="module")
def fixture_files() -> list[Path]:
    if not FIXTURE_FILES:
        pytest.skip(f"ARNS fixtures not found at {FIXTURES}: a checkout without ../shared")
    return FIXTURE_FILES


def _fixture_ids() -> list[str]:
    return [p.stem for p in FIXTURE_FILES] or ["absent"]


@pytest.mark.parametrize("index", range(max(len(FIXTURE_FILES), 1)), ids=_fixture_ids())
def test_fixture_reproduced_exactly(fixture_files: list[Path], index: int) -> None:
    path = fixture_files[index]
    text = path.read_text(encoding="utf-8")
    as_decimal = json.loads(text, parse_float=Decimal)
    as_float = json.loads(text)
    key = KEY[path.parent.name]
    expected = as_float["response"]

    got = score_request(as_float["request"], today=TODAY)[key]
    assert list(got) == list(expected)
    assert got["algorithm"] == expected["algorithm"]
    assert got["type"] == expected["type"]
    assert got["output"] == expected["output"]
    assert got["validationErrors"] == expected["validationErrors"]
    assert list(got["featureValues"]) == list(expected["featureValues"])
    for name, value in expected["featureValues"].items():
        assert got["featureValues"][name] == pytest.approx(value, abs=1e-9), name
        assert got["featureValues"][name] == value, name  # same double

    exact = score_request_decimal(as_decimal["request"], today=TODAY)[key]["featureValues"]
    for name, value in as_decimal["response"]["featureValues"].items():
        assert exact[name] == value, f"{name}: {exact[name]} != {value} at 15 decimals"


def test_fixture_count(fixture_files: list[Path]) -> None:
    assert len(fixture_files) == 9


# --- hand-built requests ------------------------------------------------------------------


def base(**extra: Any) -> dict[str, Any]:
    """A request valid for the static form of all three predictors."""
    req: dict[str, Any] = {
        "version": "V1_0",
        "assessmentDate": "2025-01-01",
        "gender": "MALE",
        "dateOfBirth": "1990-06-15",
        "dateOfCurrentConviction": "2020-03-01",
        "dateAtStartOfFollowup": "2021-01-01",
        "ageAtFirstSanction": 18,
        "totalNumberOfSanctionsForAllOffences": 5,
        "totalNumberOfViolentSanctions": 2,
        "currentOffenceCode": "11618",
    }
    req.update(extra)
    return req


ARP_VRP_NEEDS = {
    "suitabilityOfAccommodation": "SIGNIFICANT_PROBLEMS",
    "isUnemployed": True,
    "currentRelationshipWithPartner": "SOME_PROBLEMS",
    "evidenceOfDomesticAbuse": False,
    "currentRelationshipStatus": "IN_RELATIONSHIP_LIVING_TOGETHER",
    "regularOffendingActivities": "NO_PROBLEMS",
    "currentAlcoholUseProblems": "SOME_PROBLEMS",
    "excessiveAlcoholUse": "NO_PROBLEMS",
    "impulsivityProblems": "SIGNIFICANT_PROBLEMS",
    "proCriminalAttitudes": "SOME_PROBLEMS",
    "temperControl": "SOME_PROBLEMS",
}
SVRP_NEEDS = {
    "didOffenceInvolveCarryingOrUsingWeapon": True,
    "suitabilityOfAccommodation": "SOME_PROBLEMS",
    "isUnemployed": False,
    "currentAlcoholUseProblems": "NO_PROBLEMS",
    "temperControl": "SOME_PROBLEMS",
    "proCriminalAttitudes": "NO_PROBLEMS",
    "previousConvictions": [],
}


def types(block: dict[str, Any]) -> list[str]:
    return [e["type"] for e in block["validationErrors"]]


def test_response_shape_and_types() -> None:
    out = score_request(base())
    assert list(out) == list(PREDICTOR_KEYS)
    for key in PREDICTOR_KEYS:
        block = out[key]
        assert list(block) == [
            "algorithm", "type", "modelVersion", "thresholdsVersion", "output",
            "featureValues", "validationErrors",
        ]
        assert block["type"] == "STATIC"
        assert (block["modelVersion"], block["thresholdsVersion"]) == ("1.0", "1.0")
        assert list(block["output"]) == ["band", "score"]
        assert isinstance(block["output"]["score"], float)
        assert block["output"]["score"] == round(block["output"]["score"], 2)
        assert list(block["featureValues"])[-1] == "totalWeight"
        assert all(isinstance(v, float) for v in block["featureValues"].values())
        assert types(block) == ["MISSING_DYNAMIC_INPUT"]
    algorithms = [out[k]["algorithm"] for k in PREDICTOR_KEYS]
    assert algorithms == [
        "ALL_REOFFENDING_PREDICTOR",
        "VIOLENT_REOFFENDING_PREDICTOR",
        "SERIOUS_VIOLENT_REOFFENDING_PREDICTOR",
    ]


def test_total_weight_is_sum_of_terms() -> None:
    for block in score_request(base(**{**ARP_VRP_NEEDS, **SVRP_NEEDS})).values():
        values = block["featureValues"]
        total = values.pop("totalWeight")
        assert sum(values.values()) == pytest.approx(total, abs=1e-12)


def test_missing_everything_lists_fields_in_service_order() -> None:
    out = score_request({})
    static = [
        "dateOfBirth", "dateOfCurrentConviction", "ageAtFirstSanction", "gender",
        "currentOffenceCode", "totalNumberOfSanctionsForAllOffences",
    ]
    arp = out["allPredictor"]["validationErrors"]
    assert arp[0] == {
        "type": "MISSING_MANDATORY_INPUT",
        "message": "Mandatory input field(s) missing",
        "fields": static,
    }
    assert out["violentPredictor"]["validationErrors"][0]["fields"] == [
        *static, "totalNumberOfViolentSanctions",
    ]
    svrp = out["seriousViolentPredictor"]
    assert types(svrp) == ["MISSING_MANDATORY_INPUT", "MISSING_DYNAMIC_INPUT"]
    assert svrp["type"] is None and svrp["output"] == {"band": None, "score": None}
    assert svrp["featureValues"] == {}


def test_static_rule_order_per_predictor() -> None:
    # born after the conviction (c), conviction > assessment + 3 months (d), age at first
    # sanction 110 (a), malformed code (o), no sanctions (t), violent -1 (v), follow-up
    # before birth (b); f is skipped when the conviction is not after the birth date.
    req = base(
        dateOfBirth="2030-01-01",
        dateOfCurrentConviction="2029-01-01",
        dateAtStartOfFollowup="2020-01-01",
        ageAtFirstSanction=110,
        currentOffenceCode="1234",
        totalNumberOfSanctionsForAllOffences=0,
        totalNumberOfViolentSanctions=-1,
    )
    out = score_request(req)
    c, d = "DATE_OF_CURRENT_CONVICTION_BEFORE_DATE_OF_BIRTH", (
        "DATE_OF_CURRENT_CONVICTION_WITHIN_THREE_MONTHS_OF_ASSESSMENT_DATE"
    )
    a, o = "AGE_AT_FIRST_SANCTION_OUT_OF_RANGE", "OFFENCE_CODE_INCORRECT_FORMAT"
    t, v = "TOTAL_NUMBER_OF_SANCTIONS_OUT_OF_RANGE", "VIOLENT_SANCTION_OUT_OF_RANGE"
    b, dyn = "DATE_OF_START_OF_FOLLOWUP_BEFORE_DATE_OF_BIRTH", "MISSING_DYNAMIC_INPUT"
    assert types(out["allPredictor"]) == [c, d, a, o, t, b, dyn]
    assert types(out["violentPredictor"]) == [a, t, v, o, c, d, b, dyn]
    assert types(out["seriousViolentPredictor"]) == [t, v, o, a, c, d, dyn]
    errors = {e["type"]: e for e in out["violentPredictor"]["validationErrors"]}
    assert errors[d]["fields"] == ["dateOfCurrentConviction", "assessmentDate"]
    assert errors[v]["fields"] == [
        "totalNumberOfViolentSanctions", "totalNumberOfSanctionsForAllOffences",
    ]
    assert errors[a]["message"] == "Age at current conviction must be less than 110"
    assert errors[o]["message"] == "Offence code must be a string of 5 digits"
    for key in PREDICTOR_KEYS:
        assert out[key]["type"] is None and out[key]["featureValues"] == {}


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("ageAtFirstSanction", -1, "AGE_AT_FIRST_SANCTION_OUT_OF_RANGE"),
        ("ageAtFirstSanction", 110, "AGE_AT_FIRST_SANCTION_OUT_OF_RANGE"),
        ("totalNumberOfSanctionsForAllOffences", 0, "TOTAL_NUMBER_OF_SANCTIONS_OUT_OF_RANGE"),
        ("totalNumberOfSanctionsForAllOffences", 1000, "TOTAL_NUMBER_OF_SANCTIONS_OUT_OF_RANGE"),
        ("currentOffenceCode", "1161", "OFFENCE_CODE_INCORRECT_FORMAT"),
        ("currentOffenceCode", "1161a", "OFFENCE_CODE_INCORRECT_FORMAT"),
        ("currentOffenceCode", "00000", "OFFENCE_CODE_MAPPING_NOT_FOUND"),
        (
            "dateOfCurrentConviction",
            "1990-06-15",
            "DATE_OF_CURRENT_CONVICTION_BEFORE_DATE_OF_BIRTH",
        ),
        ("dateAtStartOfFollowup", "1990-06-15", "DATE_OF_START_OF_FOLLOWUP_BEFORE_DATE_OF_BIRTH"),
        ("dateAtStartOfFollowup", "2100-06-15", "DATE_OF_START_OF_FOLLOWUP_OUT_OF_RANGE"),
    ],
)
def test_single_rule(field: str, value: Any, error: str) -> None:
    out = score_request(base(**{field: value}))
    for key in PREDICTOR_KEYS:
        block = out[key]
        if key == "seriousViolentPredictor" and field == "dateAtStartOfFollowup":
            continue  # SVRP has no follow-up checks (tested below)
        assert error in types(block)
        assert block["type"] is None and block["output"]["score"] is None
        found = next(e for e in block["validationErrors"] if e["type"] == error)
        assert field in found["fields"]


def test_unmapped_offence_code() -> None:
    code = next(f"{i:05d}" for i in range(100000) if f"{i:05d}" not in offence_mapping())
    err = score_request(base(currentOffenceCode=code))["allPredictor"]["validationErrors"][0]
    assert err == {
        "type": "OFFENCE_CODE_MAPPING_NOT_FOUND",
        "message": "No offence code to actuarial weighting mapping found for offence code",
        "fields": ["currentOffenceCode"],
    }


def test_age_at_first_sanction_boundaries_and_after_conviction() -> None:
    assert types(score_request(base(ageAtFirstSanction=0))["allPredictor"]) == [
        "MISSING_DYNAMIC_INPUT"
    ]
    # age at conviction is 29 (birthday 15 June not reached on 1 March 2020)
    ok = score_request(base(ageAtFirstSanction=29))["allPredictor"]
    bad = score_request(base(ageAtFirstSanction=30))["allPredictor"]
    assert ok["type"] == "STATIC"
    assert bad["validationErrors"][0] == {
        "type": "AGE_AT_FIRST_SANCTION_AFTER_AGE_AT_CURRENT_CONVICTION",
        "message": "Age at first sanction must be before age at current conviction",
        "fields": ["dateOfCurrentConviction", "ageAtFirstSanction"],
    }


def test_violent_sanctions_bounds() -> None:
    for v, ok in ((0, True), (5, True), (6, False), (-1, False)):
        out = score_request(base(totalNumberOfViolentSanctions=v))
        assert (out["violentPredictor"]["type"] == "STATIC") is ok
        assert (out["seriousViolentPredictor"]["type"] == "STATIC") is ok
        assert out["allPredictor"]["type"] == "STATIC"  # ARP ignores the violent count


def test_three_month_rule_uses_clamped_plus_months() -> None:
    # 2024-11-30 + 3 months = 2025-02-28 (day clamped)
    edge = base(assessmentDate="2024-11-30", dateOfCurrentConviction="2025-02-28",
                dateAtStartOfFollowup=None)
    after = base(assessmentDate="2024-11-30", dateOfCurrentConviction="2025-03-01",
                 dateAtStartOfFollowup=None)
    assert score_request(edge)["allPredictor"]["type"] == "STATIC"
    assert types(score_request(after)["allPredictor"])[0] == (
        "DATE_OF_CURRENT_CONVICTION_WITHIN_THREE_MONTHS_OF_ASSESSMENT_DATE"
    )


def test_followup_required_only_for_arp_vrp() -> None:
    out = score_request(base(dateOfCurrentConviction=None, dateAtStartOfFollowup=None))
    required = {
        "type": "DATE_OF_START_OF_FOLLOWUP_REQUIRED",
        "message": "Either Date at start of followup or date of current conviction must be "
        "provided",
        "fields": ["dateAtStartOfFollowup"],
    }
    assert out["allPredictor"]["validationErrors"][1] == required
    assert out["violentPredictor"]["validationErrors"][1] == required
    assert types(out["seriousViolentPredictor"]) == [
        "MISSING_MANDATORY_INPUT", "MISSING_DYNAMIC_INPUT",
    ]


def test_svrp_does_not_check_followup() -> None:
    before_birth = score_request(base(dateAtStartOfFollowup="1980-01-01"))
    svrp = before_birth["seriousViolentPredictor"]
    assert svrp["type"] is None and svrp["featureValues"] == {}
    assert svrp["validationErrors"] == [
        {
            "type": "UNEXPECTED_ERROR",
            "message": UNEXPECTED_PREFIX
            + "Date at start of followup calculated cannot be on or before date of birth.",
            "fields": [],
        }
    ]
    assert types(before_birth["allPredictor"])[0] == (
        "DATE_OF_START_OF_FOLLOWUP_BEFORE_DATE_OF_BIRTH"
    )
    old = score_request(base(dateAtStartOfFollowup="2100-06-15", assessmentDate="2101-01-01"))
    assert old["seriousViolentPredictor"]["type"] == "STATIC"
    assert types(old["violentPredictor"])[0] == "DATE_OF_START_OF_FOLLOWUP_OUT_OF_RANGE"


def _welfare_fraud_code() -> str:
    return next(c for c, (cat, _) in sorted(offence_mapping().items()) if cat == "WELFARE_FRAUD")


@pytest.mark.parametrize(("gender", "age", "zero"), [("FEMALE", 92, {"allPredictor"}),
                                                      ("MALE", 95, {"allPredictor",
                                                                    "violentPredictor"})])
def test_score_zero_is_unexpected_error_for_arp_vrp(gender: str, age: int, zero: set[str]) -> None:
    # arns.md section 4: one welfare-fraud sanction and 36 offence-free months
    req = base(
        gender=gender,
        dateOfBirth=f"{2000 - age}-01-01",
        dateOfCurrentConviction="2000-06-01",
        dateAtStartOfFollowup="2000-06-01",
        assessmentDate="2003-07-01",
        ageAtFirstSanction=age,
        totalNumberOfSanctionsForAllOffences=1,
        totalNumberOfViolentSanctions=0,
        currentOffenceCode=_welfare_fraud_code(),
    )
    out = score_request(req)
    for key in zero:
        block = out[key]
        assert block["type"] is None and block["output"] == {"band": None, "score": None}
        assert block["validationErrors"] == [
            {
                "type": "UNEXPECTED_ERROR",
                "message": UNEXPECTED_PREFIX + "Percentage score cannot be less than 0%: 0.0",
                "fields": [],
            }
        ]  # the MISSING_DYNAMIC_INPUT error is dropped
    svrp = out["seriousViolentPredictor"]
    assert svrp["type"] == "STATIC" and svrp["output"]["band"] == "LOW"


def test_dynamic_form_and_drug_rules() -> None:
    out = score_request(base(**{**ARP_VRP_NEEDS, **SVRP_NEEDS}))
    assert out["allPredictor"]["type"] == "DYNAMIC"  # motivation not required by ARP
    assert out["seriousViolentPredictor"]["type"] == "DYNAMIC"
    vrp = out["violentPredictor"]
    assert vrp["type"] == "STATIC"
    assert vrp["validationErrors"] == [
        {
            "type": "MISSING_DYNAMIC_INPUT",
            "message": "Dynamic input field(s) missing",
            "fields": ["motivationToTackleDrugMisuse"],
        }
    ]
    drugs = base(**ARP_VRP_NEEDS, hasCannabisUsage=True, hasHeroinUsage=True,
                 hasMethadoneUsage=True, hasSpiceUsage=False)
    out = score_request(drugs)
    inconsistent = "MOTIVATION_TO_TACKLE_DRUG_MISUSE_INCONSISTENT"
    arp = out["allPredictor"]
    assert arp["type"] == "STATIC"
    assert arp["validationErrors"] == [
        {
            "type": inconsistent,
            "message": "When motivationToTackleDrugMisuse is null, all drug usage questions "
            "must be false or null",
            "fields": ["hasHeroinUsage", "hasCannabisUsage"],
        }
    ]
    assert [(e["type"], e["fields"]) for e in out["violentPredictor"]["validationErrors"]] == [
        ("MISSING_DYNAMIC_INPUT", ["motivationToTackleDrugMisuse"]),
        (inconsistent, ["hasCannabisUsage", "hasMethadoneUsage"]),
    ]
    full = score_request(base(**ARP_VRP_NEEDS, motivationToTackleDrugMisuse="NO_MOTIVATION",
                              hasHeroinUsage=True))
    assert full["violentPredictor"]["type"] == "DYNAMIC"
    arp_fv = full["allPredictor"]["featureValues"]
    assert arp_fv["heroinUsageWeight"] != 0.0
    assert "heroinUsageWeight" not in full["violentPredictor"]["featureValues"]


def test_missing_dynamic_fields_order() -> None:
    out = score_request(base())
    assert out["allPredictor"]["validationErrors"][0]["fields"] == [
        "suitabilityOfAccommodation", "isUnemployed", "currentRelationshipWithPartner",
        "evidenceOfDomesticAbuse", "currentRelationshipStatus", "regularOffendingActivities",
        "currentAlcoholUseProblems", "excessiveAlcoholUse", "impulsivityProblems",
        "proCriminalAttitudes",
    ]
    assert out["seriousViolentPredictor"]["validationErrors"][0]["fields"] == [
        "didOffenceInvolveCarryingOrUsingWeapon", "suitabilityOfAccommodation", "isUnemployed",
        "currentAlcoholUseProblems", "temperControl", "proCriminalAttitudes",
        "previousConvictions",
    ]


def test_unemployed_counts_twice_and_duplicate_convictions_once() -> None:
    req = base(**{**ARP_VRP_NEEDS, **SVRP_NEEDS})
    req2 = copy.deepcopy(req)
    req2["previousConvictions"] = ["ARSON", "ARSON", "HOMICIDE"]
    req3 = copy.deepcopy(req2)
    req3["previousConvictions"] = ["HOMICIDE", "ARSON"]
    a, b = (score_request(r)["seriousViolentPredictor"]["featureValues"] for r in (req2, req3))
    assert a == b and a["pastArsonOffenceWeight"] != 0.0
    on = score_request(base(**ARP_VRP_NEEDS))["allPredictor"]["featureValues"]
    off = score_request(base(**{**ARP_VRP_NEEDS, "isUnemployed": False}))["allPredictor"]
    assert off["featureValues"]["unemployedWeight"] == 0.0
    from riskassess.instruments.arns._data import form_coefficients

    coef = form_coefficients("arp", "dynamic").float("unemployed")
    assert on["unemployedWeight"] == pytest.approx(2 * coef, abs=1e-15)


def test_today_replaces_missing_assessment_date() -> None:
    req = base(assessmentDate=None)
    del req["assessmentDate"]
    early = score_request(req, today=dt.date(2021, 6, 1))["allPredictor"]["featureValues"]
    late = score_request(req, today=dt.date(2030, 1, 1))["allPredictor"]["featureValues"]
    given = score_request(base(assessmentDate="2030-01-01"), today=dt.date(2021, 6, 1))
    assert early["offenceFreeMonthsWeight"] != late["offenceFreeMonthsWeight"]
    assert given["allPredictor"]["featureValues"] == late


# --- HTTP 400 equivalents -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"unknownField": 1}, "unknownField"),
        ({"isUnemployed": 1}, "isUnemployed"),
        ({"isUnemployed": "true"}, "isUnemployed"),
        ({"gender": 0}, "gender"),
        ({"gender": "male"}, "gender"),
        ({"suitabilityOfAccommodation": 1}, "suitabilityOfAccommodation"),
        ({"ageAtFirstSanction": 18.5}, "ageAtFirstSanction"),
        ({"ageAtFirstSanction": True}, "ageAtFirstSanction"),
        ({"totalNumberOfSanctionsForAllOffences": 2**31}, "totalNumberOfSanctionsForAllOffences"),
        ({"dateOfBirth": "15/06/1990"}, "dateOfBirth"),
        ({"dateOfBirth": "1990-02-30"}, "dateOfBirth"),
        ({"assessmentDate": None}, "assessmentDate"),
        ({"version": "V2_0"}, "version"),
        ({"previousConvictions": ["MURDER"]}, "previousConvictions"),
        ({"previousConvictions": "ARSON"}, "previousConvictions"),
        ({"currentOffenceCode": 11618}, "currentOffenceCode"),
    ],
)
def test_json_type_rules_raise_request_error(patch: dict[str, Any], field: str) -> None:
    with pytest.raises(RequestError) as info:
        score_request(base(**patch))
    assert info.value.field == field
    assert field in str(info.value)
    assert isinstance(info.value, ValueError) and isinstance(info.value, RiskAssessError)


def test_non_object_request_and_known_other_fields() -> None:
    with pytest.raises(RequestError):
        score_request([])  # type: ignore[arg-type]
    # fields of the service's other predictors are known (and explicit nulls allowed)
    out = score_request(base(supervisionStatus="CUSTODY", hasEverCommittedSexualOffence=None,
                             saraRiskToPartner="NOT_APPLICABLE"))
    assert out["allPredictor"]["type"] == "STATIC"


# --- offence_category ---------------------------------------------------------------------


@pytest.mark.parametrize("code", ["00000", "1234", "123456", "abcde", " 11618", "11618\n"])
def test_offence_category_refuses_naming_the_code(code: str) -> None:
    with pytest.raises(OffenceCodeError, match=repr(code).replace("\\", "\\\\")):
        offence_category(code)


def test_offence_category_unmapped_and_known() -> None:
    code = next(f"{i:05d}" for i in range(100000) if f"{i:05d}" not in offence_mapping())
    with pytest.raises(OffenceCodeError, match=code) as info:
        offence_category(code)
    assert info.value.code == code
    with pytest.raises(ValueError, match="UNKNOWN"):
        offence_category("00001")
    with pytest.raises(OffenceCodeError):
        offence_category(11618)  # type: ignore[arg-type]
    assert offence_category("11618") == ("OTHER_OFFENCES", False)
    violent = [c for c, (cat, flag) in offence_mapping().items() if flag and cat != "UNKNOWN"]
    assert violent and offence_category(violent[0])[1] is True
