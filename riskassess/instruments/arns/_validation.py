"""The service's validation rules (``service/validation/*.kt``, arns.md section 5).

Validation errors are plain dicts ``{"type", "message", "fields"}`` exactly as the service
serialises them; the order of the rules is each validator's.

Examples
--------
>>> import datetime as dt
>>> from riskassess.instruments.arns._request import parse_request
>>> req = parse_request({"gender": "MALE", "ageAtFirstSanction": 200},
...                     today=dt.date(2025, 1, 1))
>>> [e["type"] for e in validate_static("svrp", req)]
['MISSING_MANDATORY_INPUT', 'AGE_AT_FIRST_SANCTION_OUT_OF_RANGE']
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from riskassess.instruments.arns._data import PredictorName, offence_mapping
from riskassess.instruments.arns._request import (
    ParsedRequest,
    age_at,
    plus_months,
)

__all__ = [
    "DRUG_FIELDS",
    "DYNAMIC_REQUIRED",
    "STATIC_REQUIRED",
    "validate_dynamic",
    "validate_static",
]

# service/validation/*Validator.kt: staticRequiredFields() without assessmentDate (which
# is never null: it defaults to the server's today) and dynamicRequiredFields().
_STATIC_COMMON = (
    "dateOfBirth",
    "dateOfCurrentConviction",
    "ageAtFirstSanction",
    "gender",
    "currentOffenceCode",
    "totalNumberOfSanctionsForAllOffences",
)
STATIC_REQUIRED: dict[str, tuple[str, ...]] = {
    "arp": _STATIC_COMMON,
    "vrp": (*_STATIC_COMMON, "totalNumberOfViolentSanctions"),
    "svrp": (*_STATIC_COMMON, "totalNumberOfViolentSanctions"),
}
# each predictor's list transcribed in full and in the service's order (not built from a
# shared head), so that it can be checked line by line against the service's source
DYNAMIC_REQUIRED: dict[str, tuple[str, ...]] = {
    "arp": (
        "suitabilityOfAccommodation",
        "isUnemployed",
        "currentRelationshipWithPartner",
        "evidenceOfDomesticAbuse",
        "currentRelationshipStatus",
        "regularOffendingActivities",
        "currentAlcoholUseProblems",
        "excessiveAlcoholUse",
        "impulsivityProblems",
        "proCriminalAttitudes",
    ),
    "vrp": (
        "suitabilityOfAccommodation",
        "isUnemployed",
        "currentRelationshipWithPartner",
        "evidenceOfDomesticAbuse",
        "currentRelationshipStatus",
        "regularOffendingActivities",
        "motivationToTackleDrugMisuse",
        "currentAlcoholUseProblems",
        "excessiveAlcoholUse",
        "impulsivityProblems",
        "temperControl",
    ),
    "svrp": (
        "didOffenceInvolveCarryingOrUsingWeapon",
        "suitabilityOfAccommodation",
        "isUnemployed",
        "currentAlcoholUseProblems",
        "temperControl",
        "proCriminalAttitudes",
        "previousConvictions",
    ),
}
_DRUGS_COMMON = (
    "hasOtherOpiateUsage",
    "hasCrackCocaineUsage",
    "hasPowderCocaineUsage",
    "hasMisusedPrescriptionDrugUsage",
    "hasBenzodiazepinesUsage",
    "hasCannabisUsage",
    "hasSteroidsUsage",
    "hasOtherDrugsUsage",
    "hasKetamineUsage",
    "hasSpiceUsage",
    "hasHallucinogensUsage",
    "hasSolventsUsage",
)
# the drug questions each validator checks for MOTIVATION_TO_TACKLE_DRUG_MISUSE_INCONSISTENT
DRUG_FIELDS: dict[str, tuple[str, ...]] = {
    "arp": ("hasHeroinUsage", *_DRUGS_COMMON),
    "vrp": (*_DRUGS_COMMON, "hasMethadoneUsage"),
    "svrp": (),
}

_MESSAGES = {
    "MISSING_MANDATORY_INPUT": "Mandatory input field(s) missing",
    "MISSING_DYNAMIC_INPUT": "Dynamic input field(s) missing",
    "TOTAL_NUMBER_OF_SANCTIONS_OUT_OF_RANGE": (
        "Total number of sanctions must be between 1 and 999 (inclusive)"
    ),
    "VIOLENT_SANCTION_OUT_OF_RANGE": (
        "Violent sanctions count must be greater than 0, but less than or equal to total "
        "number of sanctions"
    ),
    "OFFENCE_CODE_INCORRECT_FORMAT": "Offence code must be a string of 5 digits",
    "OFFENCE_CODE_MAPPING_NOT_FOUND": (
        "No offence code to actuarial weighting mapping found for offence code"
    ),
    "AGE_AT_FIRST_SANCTION_OUT_OF_RANGE": "Age at current conviction must be less than 110",
    "DATE_OF_CURRENT_CONVICTION_BEFORE_DATE_OF_BIRTH": (
        "Date of current conviction cannot be before date of birth"
    ),
    "AGE_AT_FIRST_SANCTION_AFTER_AGE_AT_CURRENT_CONVICTION": (
        "Age at first sanction must be before age at current conviction"
    ),
    "DATE_OF_CURRENT_CONVICTION_WITHIN_THREE_MONTHS_OF_ASSESSMENT_DATE": (
        "Date of current conviction must be less than 3 months after the assessment date"
    ),
    "DATE_OF_START_OF_FOLLOWUP_REQUIRED": (
        "Either Date at start of followup or date of current conviction must be provided"
    ),
    "DATE_OF_START_OF_FOLLOWUP_BEFORE_DATE_OF_BIRTH": (
        "Date of start of followup cannot be before date of birth"
    ),
    "DATE_OF_START_OF_FOLLOWUP_OUT_OF_RANGE": (
        "Age at date at start of followup must be less than 110"
    ),
    "MOTIVATION_TO_TACKLE_DRUG_MISUSE_INCONSISTENT": (
        "When motivationToTackleDrugMisuse is null, all drug usage questions must be false "
        "or null"
    ),
}


def _error(kind: str, fields: list[str]) -> dict[str, Any]:
    return {"type": kind, "message": _MESSAGES[kind], "fields": list(fields)}


# --- CommonValidator.kt -------------------------------------------------------------------


def _rule_required(fields: tuple[str, ...], kind: str) -> Callable[[ParsedRequest], Any]:
    def check(r: ParsedRequest) -> dict[str, Any] | None:
        missing = [f for f in fields if r[f] is None]
        return _error(kind, missing) if missing else None

    return check


def _rule_t(r: ParsedRequest) -> dict[str, Any] | None:
    n = r["totalNumberOfSanctionsForAllOffences"]
    if n is not None and not 1 <= n <= 999:
        return _error(
            "TOTAL_NUMBER_OF_SANCTIONS_OUT_OF_RANGE", ["totalNumberOfSanctionsForAllOffences"]
        )
    return None


def _rule_v(r: ParsedRequest) -> dict[str, Any] | None:
    v, n = r["totalNumberOfViolentSanctions"], r["totalNumberOfSanctionsForAllOffences"]
    if v is not None and n is not None and (v < 0 or v > n):
        return _error(
            "VIOLENT_SANCTION_OUT_OF_RANGE",
            ["totalNumberOfViolentSanctions", "totalNumberOfSanctionsForAllOffences"],
        )
    return None


def _rule_o(r: ParsedRequest) -> dict[str, Any] | None:
    code = r["currentOffenceCode"]
    if code is None:
        return None
    if re.fullmatch(r"[0-9]{5}", code) is None:
        return _error("OFFENCE_CODE_INCORRECT_FORMAT", ["currentOffenceCode"])
    found = offence_mapping().get(code)
    if found is None or found[0] == "UNKNOWN":
        return _error("OFFENCE_CODE_MAPPING_NOT_FOUND", ["currentOffenceCode"])
    return None


def _rule_a(r: ParsedRequest) -> dict[str, Any] | None:
    age = r["ageAtFirstSanction"]
    if age is not None and not 0 <= age < 110:
        return _error("AGE_AT_FIRST_SANCTION_OUT_OF_RANGE", ["ageAtFirstSanction"])
    return None


def _rule_c(r: ParsedRequest) -> dict[str, Any] | None:
    conv, dob = r["dateOfCurrentConviction"], r["dateOfBirth"]
    if conv is not None and dob is not None and conv <= dob:
        return _error(
            "DATE_OF_CURRENT_CONVICTION_BEFORE_DATE_OF_BIRTH", ["dateOfCurrentConviction"]
        )
    return None


def _rule_f(r: ParsedRequest) -> dict[str, Any] | None:
    conv, first, dob = r["dateOfCurrentConviction"], r["ageAtFirstSanction"], r["dateOfBirth"]
    known = conv is not None and first is not None and dob is not None
    if known and conv > dob and age_at(dob, conv) < first:
        return _error(
            "AGE_AT_FIRST_SANCTION_AFTER_AGE_AT_CURRENT_CONVICTION",
            ["dateOfCurrentConviction", "ageAtFirstSanction"],
        )
    return None


def _rule_d(r: ParsedRequest) -> dict[str, Any] | None:
    conv = r["dateOfCurrentConviction"]
    if conv is not None and conv > plus_months(r.assessment_date, 3):
        return _error(
            "DATE_OF_CURRENT_CONVICTION_WITHIN_THREE_MONTHS_OF_ASSESSMENT_DATE",
            ["dateOfCurrentConviction", "assessmentDate"],
        )
    return None


def _rule_r(r: ParsedRequest) -> dict[str, Any] | None:
    if r["dateAtStartOfFollowup"] is None and r["dateOfCurrentConviction"] is None:
        return _error("DATE_OF_START_OF_FOLLOWUP_REQUIRED", ["dateAtStartOfFollowup"])
    return None


def _rule_b(r: ParsedRequest) -> dict[str, Any] | None:
    fu, dob = r["dateAtStartOfFollowup"], r["dateOfBirth"]
    if fu is not None and dob is not None and fu <= dob:
        return _error("DATE_OF_START_OF_FOLLOWUP_BEFORE_DATE_OF_BIRTH", ["dateAtStartOfFollowup"])
    return None


def _rule_g(r: ParsedRequest) -> dict[str, Any] | None:
    fu, dob = r["dateAtStartOfFollowup"], r["dateOfBirth"]
    if fu is not None and dob is not None and fu > dob and age_at(dob, fu) >= 110:
        return _error("DATE_OF_START_OF_FOLLOWUP_OUT_OF_RANGE", ["dateAtStartOfFollowup"])
    return None


def _rule_drugs(predictor: PredictorName) -> Callable[[ParsedRequest], Any]:
    def check(r: ParsedRequest) -> dict[str, Any] | None:
        if r["motivationToTackleDrugMisuse"] is None:
            true_flags = [f for f in DRUG_FIELDS[predictor] if r[f] is True]
            if true_flags:
                return _error("MOTIVATION_TO_TACKLE_DRUG_MISUSE_INCONSISTENT", true_flags)
        return None

    return check


_STATIC_RULES: dict[str, tuple[Callable[[ParsedRequest], Any], ...]] = {
    "arp": (_rule_c, _rule_f, _rule_d, _rule_a, _rule_o, _rule_t, _rule_r, _rule_b, _rule_g),
    "vrp": (
        _rule_a, _rule_t, _rule_v, _rule_o, _rule_c, _rule_f, _rule_d, _rule_r, _rule_b, _rule_g,
    ),
    "svrp": (_rule_t, _rule_v, _rule_o, _rule_a, _rule_c, _rule_f, _rule_d),
}


def validate_static(predictor: PredictorName, request: ParsedRequest) -> list[dict[str, Any]]:
    """The service's static validation of ``predictor``: required fields, then its rules.

    Parameters
    ----------
    predictor : {"arp", "vrp", "svrp"}
    request : ParsedRequest

    Returns
    -------
    list of dict
        ``{"type", "message", "fields"}`` in the service's order; empty when valid.

    Examples
    --------
    >>> from riskassess.instruments.arns._request import parse_request
    >>> errs = validate_static("arp", parse_request({"version": "V1_0"}))
    >>> [(e["type"], len(e["fields"])) for e in errs]
    [('MISSING_MANDATORY_INPUT', 6), ('DATE_OF_START_OF_FOLLOWUP_REQUIRED', 1)]
    """
    rules: tuple[Callable[[ParsedRequest], Any], ...] = (
        _rule_required(STATIC_REQUIRED[predictor], "MISSING_MANDATORY_INPUT"),
        *_STATIC_RULES[predictor],
    )
    return [e for e in (rule(request) for rule in rules) if e is not None]


def validate_dynamic(predictor: PredictorName, request: ParsedRequest) -> list[dict[str, Any]]:
    """The service's dynamic validation of ``predictor`` (missing need items, drug rule).

    Parameters
    ----------
    predictor : {"arp", "vrp", "svrp"}
    request : ParsedRequest

    Returns
    -------
    list of dict
        Empty when the DYNAMIC form can be scored.

    Examples
    --------
    >>> from riskassess.instruments.arns._request import parse_request
    >>> errs = validate_dynamic("vrp", parse_request({"hasCannabisUsage": True}))
    >>> [(e["type"], e["fields"][-1]) for e in errs]
    [('MISSING_DYNAMIC_INPUT', 'temperControl'), ('MOTIVATION_TO_TACKLE_DRUG_MISUSE_INCONSISTENT', 'hasCannabisUsage')]
    """  # noqa: E501
    rules: tuple[Callable[[ParsedRequest], Any], ...] = (
        _rule_required(DYNAMIC_REQUIRED[predictor], "MISSING_DYNAMIC_INPUT"),
    )
    if DRUG_FIELDS[predictor]:
        rules += (_rule_drugs(predictor),)
    return [e for e in (rule(request) for rule in rules) if e is not None]
