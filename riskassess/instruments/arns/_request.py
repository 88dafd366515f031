"""The service's request: JSON-type checks (HTTP 400) and java.time's date arithmetic.

Reproduces ``dto/RiskScoreRequest.kt`` (every field of the service's request, not only
those ARP/VRP/SVRP read: an unknown field fails the whole request) and the Jackson
settings of ``config/JacksonConfig.kt`` (arns.md section 1). The validation rules
(``service/validation/*.kt``, section 5) are in :mod:`._validation`.

Examples
--------
>>> import datetime as dt
>>> req = parse_request({"gender": "MALE", "ageAtFirstSanction": 200},
...                     today=dt.date(2025, 1, 1))
>>> req.assessment_date, req["ageAtFirstSanction"]
(datetime.date(2025, 1, 1), 200)
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from riskassess.exceptions import FeatureError
from riskassess.instruments.arns._errors import RequestError

__all__ = [
    "ENUMS",
    "FIELD_TYPES",
    "ParsedRequest",
    "age_at",
    "months_between",
    "parse_request",
    "plus_months",
]

PROBLEM_LEVEL = ("NO_PROBLEMS", "SOME_PROBLEMS", "SIGNIFICANT_PROBLEMS")
ENUMS: dict[str, tuple[str, ...]] = {
    "RiskScoreVersion": ("V1_0",),
    "Gender": ("MALE", "FEMALE"),
    "ProblemLevel": PROBLEM_LEVEL,
    "MotivationLevel": ("FULL_MOTIVATION", "PARTIAL_MOTIVATION", "NO_MOTIVATION"),
    "YesSometimesNo": ("YES", "SOMETIMES", "NO"),
    "SupervisionStatus": ("CUSTODY", "COMMUNITY", "REMAND"),
    "RiskBand": ("LOW", "MEDIUM", "HIGH", "VERY_HIGH", "NOT_APPLICABLE"),
    "HasQualifications": ("ANY_QUALIFICATION", "NO_QUALIFICATIONS"),
    "CurrentRelationshipStatus": (
        "NOT_IN_RELATIONSHIP",
        "IN_RELATIONSHIP_LIVING_TOGETHER",
        "IN_RELATIONSHIP_NOT_LIVING_TOGETHER",
    ),
    "PreviousConviction": (
        "HOMICIDE",
        "WOUNDING_GBH",
        "KIDNAPPING",
        "FIREARMS",
        "ROBBERY",
        "AGGRAVATED_BURGLARY",
        "WEAPON",
        "CRIMINAL_DAMAGE",
        "ARSON",
    ),
}

_P, _B, _I, _D = "ProblemLevel", "bool", "int", "date"
# Every property of dto/RiskScoreRequest.kt at 016919c, in declaration order, with its
# JSON kind: "date", "int", "bool", "str", an enum name of ENUMS, or "list:<enum>".
FIELD_TYPES: dict[str, str] = {
    "version": "RiskScoreVersion",
    "gender": "Gender",
    "assessmentDate": _D,
    "dateOfBirth": _D,
    "dateOfCurrentConviction": _D,
    "totalNumberOfSanctionsForAllOffences": _I,
    "ageAtFirstSanction": _I,
    "currentOffenceCode": "str",
    "dateAtStartOfFollowup": _D,
    "totalNumberOfViolentSanctions": _I,
    "doesRecogniseImpactOfOffendingOnOthers": _B,
    "isCurrentlyOfNoFixedAbodeOrTransientAccommodation": _B,
    "isUnemployed": _B,
    "currentAlcoholUseProblems": _P,
    "excessiveAlcoholUse": _P,
    "hasCurrentPsychiatricTreatment": _B,
    "temperControl": _P,
    "proCriminalAttitudes": _P,
    "regularOffendingActivities": _P,
    "currentDrugMisuse": _P,
    "motivationToTackleDrugMisuse": "MotivationLevel",
    "problemSolvingSkills": _P,
    "awarenessOfConsequences": "YesSometimesNo",
    "understandsOtherPeoplesViews": _P,
    "hasPeerGroupInfluences": _B,
    "influenceFromCriminalAssociates": _P,
    "recklessnessAndRiskTakingBehaviour": _P,
    "difficultiesCoping": _P,
    "attitudesTowardsSelf": _P,
    "impulsivityProblems": _P,
    "supervisionStatus": "SupervisionStatus",
    "hasEverCommittedSexualOffence": _B,
    "isARiskOfSexualHarm": _B,
    "sexualPreoccupation": _P,
    "offenceRelatedSexualInterests": _P,
    "emotionalCongruenceWithChildren": _P,
    "hostileOrientation": _P,
    "currentRelationshipWithFamilyMembers": _P,
    "previousCloseRelationships": _P,
    "easilyInfluencedByCriminalAssociates": _P,
    "controllingOrAggressiveBehaviour": _P,
    "saraRiskToPartner": "RiskBand",
    "saraRiskToOthers": "RiskBand",
    "applyOPDOverride": _B,
    "isEligibleForMappa": _B,
    "didOffenceInvolveCarryingOrUsingWeapon": _B,
    "didOffenceInvolveViolenceOrThreatOfViolence": _B,
    "didOffenceInvolveExcessiveUseOfViolence": _B,
    "didOffenceInvolveArson": _B,
    "offenceMotivationEmotionalState": _B,
    "isAnalysisOfOffenceIssuesLinkedToRisk": _B,
    "hasAccommodationIssuesLinkedToRisk": _B,
    "experienceOfChildhood": _P,
    "evidenceOfDomesticAbuse": _B,
    "domesticAbuseAgainstPartner": _B,
    "domesticAbuseAgainstFamily": _B,
    "relationshipIssuesLinkedToRisk": _B,
    "currentPsychologicalProblems": _P,
    "areEmotionalIssuesLinkedToRisk": _B,
    "areThinkingAndBehaviourIssuesLinkedToRisk": _B,
    "hasCustodialSentence": _B,
    "overRelianceOnOthersForFinancialSupport": _P,
    "manipulativeOrPredatoryBehaviour": _P,
    "isEvidenceOfChildhoodBehaviouralProblems": _B,
    "currentPsychiatricProblems": _P,
    "hasHistoryOfPsychiatricTreatment": _B,
    "hasBeenOnMedicationForMentalHealthProblems": _B,
    "hasEverBeenInSpecialHospitalOrRegionalSecureUnit": _B,
    "hasDisplayedObsessiveBehaviourLinkedToOffending": _B,
    "hasSelfHarmOrAttemptedSuicide": _B,
    "attitudeTowardsSupervisionOrLicence": _P,
    "hasAssaultedOrThreatenedStaff": _B,
    "hasEscapedOrAbsconded": _B,
    "hasControlIssues": _B,
    "overallRiskForAssessment": "RiskBand",
    "highestRiskLevelOverAllAssessments": "RiskBand",
    "workRelatedSkills": _P,
    "problemsWithReadingWritingNumeracy": _P,
    "hasProblemsWithReading": _B,
    "hasProblemsWithNumeracy": _B,
    "learningDifficulties": _P,
    "professionalOrVocationalQualifications": "HasQualifications",
    "totalContactAdultSexualSanctions": _I,
    "totalContactChildSexualSanctions": _I,
    "totalIndecentImageSanctions": _I,
    "totalNonContactSexualOffences": _I,
    "dateOfMostRecentSexualOffence": _D,
    "isCurrentOffenceAgainstVictimStranger": _B,
    "suitabilityOfAccommodation": _P,
    "currentRelationshipWithPartner": _P,
    "currentRelationshipStatus": "CurrentRelationshipStatus",
    "previousConvictions": "list:PreviousConviction",
    "isCurrentOffenceSexuallyMotivated": _B,
    "mostRecentOffenceDate": _D,
    "hasHeroinUsage": _B,
    "hasOtherOpiateUsage": _B,
    "hasCrackCocaineUsage": _B,
    "hasPowderCocaineUsage": _B,
    "hasMisusedPrescriptionDrugUsage": _B,
    "hasBenzodiazepinesUsage": _B,
    "hasCannabisUsage": _B,
    "hasSteroidsUsage": _B,
    "hasOtherDrugsUsage": _B,
    "hasKetamineUsage": _B,
    "hasSpiceUsage": _B,
    "hasHallucinogensUsage": _B,
    "hasSolventsUsage": _B,
    "hasMethadoneUsage": _B,
}
# Kotlin non-null properties with a default: absent means the default, an explicit JSON
# null is refused by jackson-module-kotlin (null is not "the same as default").
_NON_NULL = ("version", "assessmentDate")
_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

class ParsedRequest(Mapping[str, Any]):
    """A request that passed the JSON-type checks: field -> Python value or None.

    Dates are :class:`datetime.date`, enums their name, ``previousConvictions`` a tuple;
    every field of the service's request is present (None when absent or null) except
    ``assessmentDate``, which is :attr:`assessment_date` (the request's or ``today``).

    Examples
    --------
    >>> import datetime as dt
    >>> r = parse_request({"dateOfBirth": "1990-02-28"}, today=dt.date(2024, 5, 1))
    >>> r["dateOfBirth"], r["gender"], r.assessment_date_given
    (datetime.date(1990, 2, 28), None, False)
    """

    def __init__(
        self, values: dict[str, Any], assessment_date: dt.date, assessment_date_given: bool
    ) -> None:
        self._values = values
        self.assessment_date = assessment_date
        self.assessment_date_given = assessment_date_given

    def __getitem__(self, key: str) -> Any:
        return self._values[key]

    def __iter__(self) -> Any:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if isinstance(value, int):
        return f"integer {value}"
    if isinstance(value, float):
        return f"number {value!r}"
    if isinstance(value, str):
        return f"string {value!r}"
    if isinstance(value, list | tuple):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _parse_value(name: str, kind: str, value: Any) -> Any:
    def bad(expected: str) -> RequestError:
        return RequestError(
            f"request field {name!r}: expected {expected}, got {_type_name(value)} "
            "(the service answers HTTP 400)",
            field=name,
        )

    if kind == _B:
        if not isinstance(value, bool):
            raise bad("a JSON boolean (true/false)")
        return value
    if kind == _I:
        if isinstance(value, bool) or not isinstance(value, int):
            raise bad("a JSON integer")
        if not _INT_MIN <= value <= _INT_MAX:
            raise bad("a 32-bit integer")
        return value
    if kind == "str":
        if not isinstance(value, str):
            raise bad("a JSON string")
        return value
    if kind == _D:
        if not isinstance(value, str) or _DATE.fullmatch(value) is None:
            raise bad("a date string yyyy-MM-dd")
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise bad("a valid calendar date yyyy-MM-dd") from None
    if kind.startswith("list:"):
        if not isinstance(value, list):
            raise bad("a JSON array")
        members = ENUMS[kind[5:]]
        out = []
        for item in value:
            if not isinstance(item, str) or item not in members:
                raise RequestError(
                    f"request field {name!r}: element {_type_name(item)} is not one of "
                    f"{', '.join(members)} (the service answers HTTP 400)",
                    field=name,
                )
            out.append(item)
        return tuple(out)
    members = ENUMS[kind]
    if not isinstance(value, str):
        raise bad(f"one of the strings {', '.join(members)}")
    if value not in members:
        raise bad(f"one of {', '.join(members)}")
    return value


def parse_request(request: Mapping[str, Any], *, today: dt.date | None = None) -> ParsedRequest:
    """Apply the service's JSON-type rules (its HTTP 400) to a decoded request body.

    Parameters
    ----------
    request : mapping
        The decoded JSON object (camelCase field names).
    today : datetime.date, optional
        Stands in for the server's "today" when ``assessmentDate`` is absent;
        defaults to :meth:`datetime.date.today`.

    Returns
    -------
    ParsedRequest

    Raises
    ------
    RequestError
        Not a JSON object, an unknown field, a wrong JSON type (numbers are never taken
        for enums, nor anything but true/false for booleans), an unknown enum value, a
        malformed date, or an explicit null for ``version`` / ``assessmentDate``.

    Examples
    --------
    >>> parse_request({"isUnemployed": 1})
    Traceback (most recent call last):
    ...
    riskassess.instruments.arns._errors.RequestError: request field 'isUnemployed': expected a JSON boolean (true/false), got integer 1 (the service answers HTTP 400)
    """  # noqa: E501
    if not isinstance(request, Mapping):
        raise RequestError(f"the request must be a JSON object, got {_type_name(request)}")
    values: dict[str, Any] = dict.fromkeys(FIELD_TYPES)
    for name, value in request.items():
        kind = FIELD_TYPES.get(name) if isinstance(name, str) else None
        if kind is None:
            raise RequestError(
                f"unknown request field {name!r} (the service refuses unknown properties: "
                "HTTP 400)",
                field=str(name),
            )
        if value is None:
            if name in _NON_NULL:
                raise RequestError(
                    f"request field {name!r} may be absent but not null (the service "
                    "answers HTTP 400)",
                    field=name,
                )
            continue
        values[name] = _parse_value(name, kind, value)
    given = values.pop("assessmentDate")
    assessment = given if given is not None else (today or dt.date.today())
    return ParsedRequest(values, assessment, given is not None)


# --- date arithmetic of java.time -------------------------------------------------------


def age_at(date_of_birth: dt.date, date: dt.date) -> int:
    """Completed years from ``date_of_birth`` to ``date`` (``Period.between(...).years``).

    Parameters
    ----------
    date_of_birth, date : datetime.date

    Returns
    -------
    int

    Raises
    ------
    FeatureError
        ``date`` is on or before the birth date (the service's ``getAgeAtDate`` throws).

    Examples
    --------
    >>> import datetime as dt
    >>> age_at(dt.date(2000, 2, 29), dt.date(2001, 2, 28)), age_at(
    ...     dt.date(2000, 2, 29), dt.date(2001, 3, 1))
    (0, 1)
    """
    if date <= date_of_birth:
        raise FeatureError(f"{date} is on or before the date of birth {date_of_birth}")
    before = (date.month, date.day) < (date_of_birth.month, date_of_birth.day)
    return date.year - date_of_birth.year - int(before)


def months_between(start: dt.date, end: dt.date) -> int:
    """Completed calendar months from ``start`` to ``end`` (``ChronoUnit.MONTHS.between``).

    Parameters
    ----------
    start, end : datetime.date

    Returns
    -------
    int
        Negative when ``end`` precedes ``start`` (truncated toward zero, as java.time).

    Examples
    --------
    >>> import datetime as dt
    >>> months_between(dt.date(2021, 1, 31), dt.date(2021, 2, 28))
    0
    >>> months_between(dt.date(2021, 12, 12), dt.date(2025, 1, 1))
    36
    """
    packed1 = (start.year * 12 + start.month - 1) * 32 + start.day
    packed2 = (end.year * 12 + end.month - 1) * 32 + end.day
    diff = packed2 - packed1
    return diff // 32 if diff >= 0 else -((-diff) // 32)


def plus_months(date: dt.date, months: int) -> dt.date:
    """``LocalDate.plusMonths``: same day of month, clamped to the month's last day.

    Parameters
    ----------
    date : datetime.date
    months : int

    Returns
    -------
    datetime.date

    Examples
    --------
    >>> import datetime as dt
    >>> plus_months(dt.date(2024, 11, 30), 3)
    datetime.date(2025, 2, 28)
    """
    index = date.year * 12 + date.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(date.day, calendar.monthrange(year, month)[1]))
