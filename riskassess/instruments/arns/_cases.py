"""From case records to ARP / VRP / SVRP: the input frame and the service's request.

NOTICE: Coefficients and offence mapping from ministryofjustice/hmpps-arns-risk-actuarial-api,
MIT licence, Crown Copyright; see riskassess/data/hmpps/LICENSE-hmpps-arns.txt.

How a :class:`~riskassess.cases.Case` becomes the service's fields:

==============================  =============================================================
dateOfCurrentConviction         ``index_offence.date``
dateAtStartOfFollowup           ``follow_up_start``, else the assessment date (the case
                                record's rule; the service would fall back to the
                                conviction date, so the request always states it)
ageAtFirstSanction              whole years at the earliest sanction (index included)
total sanctions (n)             previous sanctions + 1 (cautions included, as "sanctions")
violent sanctions (v)           sanctions flagged ``violent``, the index offence included
                                (it is one of the n sanctions, and v <= n)
currentOffenceCode              ``index_offence.offence_code`` (required here: the 24
                                actuarial groups cannot be recovered from an OGRS3 category)
need items                      ``case.needs`` and ``index_offence.weapon``; not recorded
                                items are NaN in the frame and absent from the request
==============================  =============================================================

Ages are whole years as ``Period.between`` counts them (the service's rule); offence-free
months are completed calendar months from follow-up to assessment, 0 when the assessment
comes first, at most 36.

Examples
--------
>>> case = {"case_id": "C-1", "assessment_date": "2024-03-01",
...         "person": {"person_id": "P-1", "date_of_birth": "1990-05-01", "sex": "male"},
...         "index_offence": {"date": "2023-01-10", "offence_code": "02700",
...                           "disposal": "community"},
...         "follow_up_start": "2023-01-10",
...         "sanctions": [{"date": "2012-06-01", "kind": "caution", "offence_code": "11618"}]}
>>> X = arns_inputs([case])
>>> X.loc["C-1", ["age_at_conviction", "age_at_first_sanction", "n_sanctions",
...               "offence_free_months"]].tolist()
[32.0, 22.0, 2.0, 13.0]
>>> case_to_request(case)["totalNumberOfSanctionsForAllOffences"]
2
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from riskassess._hmpps import offence_category
from riskassess.cases import Case, NeedItems, validate_cases
from riskassess.exceptions import FeatureError
from riskassess.instruments.arns._exact import OFM_CAP
from riskassess.instruments.arns._request import age_at, months_between
from riskassess.instruments.arns._terms import INPUT_COLUMNS, NEED_SOURCES

__all__ = ["arns_inputs", "case_to_request"]

# NeedItems field -> (request field, column); scored items use the enum's score.
_NEED_FIELDS: dict[str, tuple[str, str]] = {
    "accommodation": ("suitabilityOfAccommodation", "accommodation"),
    "unemployed": ("isUnemployed", "unemployed"),
    "relationship_with_partner": ("currentRelationshipWithPartner",
                                  "relationship_with_partner"),
    "domestic_abuse": ("evidenceOfDomesticAbuse", "domestic_abuse"),
    "regular_offending_activities": ("regularOffendingActivities",
                                     "regular_offending_activities"),
    "drug_motivation": ("motivationToTackleDrugMisuse", "drug_motivation"),
    "current_alcohol_use": ("currentAlcoholUseProblems", "chronic_drinking"),
    "binge_drinking": ("excessiveAlcoholUse", "binge_drinking"),
    "impulsivity": ("impulsivityProblems", "impulsivity"),
    "temper_control": ("temperControl", "temper_control"),
    "pro_criminal_attitudes": ("proCriminalAttitudes", "pro_criminal_attitudes"),
}
_DRUG_COLUMNS = tuple(c for c, (field, enc) in NEED_SOURCES.items()
                      if enc == "bool" and field.startswith("has"))
_PAST_COLUMNS = tuple(c for c in NEED_SOURCES if c.startswith("past_"))
_NUMERIC = tuple(c for c in INPUT_COLUMNS if c != "offence_category")


def _validated(cases: Iterable[Case | Mapping[str, Any]]) -> list[Case]:
    items = list(cases)
    if all(type(c) is Case for c in items):
        return items  # type: ignore[return-value]
    return validate_cases(items)


def _history(case: Case) -> dict[str, Any]:
    """The history fields (python values) shared by the frame and the request."""
    index = case.index_offence
    if index.offence_code is None:
        raise FeatureError(
            f"case {case.case_id!r}: index_offence.offence_code is needed by ARP, VRP and "
            "SVRP (their 24 offence groups cannot be recovered from an OGRS3 category)")
    dob = case.person.date_of_birth
    followup = case.follow_up_start or case.assessment_date
    first = min([index.date, *(s.date for s in case.sanctions)])
    return {
        "dob": dob, "conviction": index.date, "followup": followup,
        "female": case.person.sex.value == "female",
        "age_first": age_at(dob, first),
        "n": len(case.sanctions) + 1,
        "v": sum(s.violent for s in case.sanctions) + int(index.violent),
        "code": index.offence_code,
    }


def _offence_free_months(followup: dt.date, assessment: dt.date) -> int:
    # 0 when the assessment precedes the follow-up ("not in the community")
    return 0 if assessment < followup else min(months_between(followup, assessment), OFM_CAP)


_NOT_RECORDED: dict[str, float] = dict.fromkeys(NEED_SOURCES, np.nan)
_SCORES: dict[Any, float] = {}  # answer -> its OASys score (the enum's score is a list scan)


def _score(value: Any) -> float:
    score = _SCORES.get(value)
    if score is None:
        score = _SCORES[value] = float(value if isinstance(value, bool) else value.score)
    return score


def _need_columns(case: Case) -> dict[str, float]:
    out = _NOT_RECORDED.copy()
    weapon = case.index_offence.weapon
    if weapon is not None:
        out["weapon_in_current_offence"] = float(weapon)
    needs: NeedItems | None = case.needs
    if needs is None:
        return out
    for name, (_, column) in _NEED_FIELDS.items():
        value = getattr(needs, name)
        if value is not None:
            out[column] = _score(value)
    if needs.relationship_status is not None:
        out["living_with_partner"] = float(
            needs.relationship_status.value == "in_relationship_living_together")
    if needs.drugs_used is not None:
        used = {d.value for d in needs.drugs_used}
        for column in _DRUG_COLUMNS:
            out[column] = float(column in used)
    if needs.previous_serious_convictions is not None:
        kinds = {k.value for k in needs.previous_serious_convictions}
        for column in _PAST_COLUMNS:
            out[column] = float(column.removeprefix("past_") in kinds)
    return out


def arns_inputs(cases: Iterable[Case | Mapping[str, Any]]) -> pd.DataFrame:
    """The input frame of ARP, VRP and SVRP for case records (one row per case).

    Parameters
    ----------
    cases : iterable of Case or mapping
        Validated cases, or case dicts (validated here). The index offence needs an
        ``offence_code``.

    Returns
    -------
    pandas.DataFrame
        Index ``case_id``; the columns :data:`~riskassess.instruments.arns.INPUT_COLUMNS`
        (float, except ``offence_category``); need items not recorded are NaN.

    Raises
    ------
    FeatureError
        A case without ``index_offence.offence_code`` (naming the case and the field).
    pydantic.ValidationError
        An invalid case dict.

    Examples
    --------
    >>> from riskassess.instruments.arns import ARP
    >>> case = {"case_id": "C-2", "assessment_date": "2024-03-01",
    ...         "person": {"person_id": "P-2", "date_of_birth": "1985-02-01",
    ...                    "sex": "female"},
    ...         "index_offence": {"date": "2023-06-01", "offence_code": "11618",
    ...                           "disposal": "fine"}, "follow_up_start": "2023-06-01",
    ...         "needs": {"accommodation": "some_problems"}}
    >>> X = arns_inputs([case])
    >>> float(X.loc["C-2", "accommodation"]), bool(np.isnan(X.loc["C-2", "impulsivity"]))
    (1.0, True)
    >>> round(float(ARP(form="static").predict_proba(X)[0, 1]), 4)
    0.0494
    """
    rows = []
    ids = []
    for case in _validated(cases):
        h = _history(case)
        row: dict[str, Any] = {
            "female": float(h["female"]),
            "age_at_followup": float(age_at(h["dob"], h["followup"])),
            "age_at_conviction": float(age_at(h["dob"], h["conviction"])),
            "age_at_first_sanction": float(h["age_first"]),
            "n_sanctions": float(h["n"]),
            "n_violent_sanctions": float(h["v"]),
            "offence_category": offence_category(h["code"])[0],
            "offence_free_months": float(_offence_free_months(h["followup"],
                                                              case.assessment_date)),
        }
        row.update(_need_columns(case))
        rows.append(row)
        ids.append(case.case_id)
    # one float64 block for the numbers, then the category inserted at its place:
    # building the frame from row dicts and casting its columns costs ~20 times more
    numbers = np.array([[row[c] for c in _NUMERIC] for row in rows], dtype=np.float64)
    frame = pd.DataFrame(numbers.reshape(len(rows), len(_NUMERIC)), columns=list(_NUMERIC),
                         index=pd.Index(ids, name="case_id"), copy=False)
    frame.insert(INPUT_COLUMNS.index("offence_category"), "offence_category",
                 pd.Series([row["offence_category"] for row in rows], index=frame.index,
                           dtype="str"))
    return frame


def case_to_request(case: Case | Mapping[str, Any]) -> dict[str, Any]:
    """The service's request body (camelCase JSON) for one case record.

    For case systems moving from the service: ``score_request(case_to_request(case))``
    scores the case as the service would, and :func:`arns_inputs` feeds ``ARP``, ``VRP``
    and ``SVRP`` the same numbers (property-tested). Need items not recorded are left
    out (the service then scores STATIC where they are required); the follow-up date is
    always stated (see the module docstring).

    Parameters
    ----------
    case : Case or mapping

    Returns
    -------
    dict
        A JSON-ready request body.

    Raises
    ------
    FeatureError
        The index offence has no ``offence_code``.

    Examples
    --------
    >>> from riskassess.instruments.arns import score_request
    >>> case = {"case_id": "C-3", "assessment_date": "2024-03-01",
    ...         "person": {"person_id": "P-3", "date_of_birth": "1985-02-01", "sex": "male"},
    ...         "index_offence": {"date": "2023-06-01", "offence_code": "11618",
    ...                           "disposal": "fine"}}
    >>> request = case_to_request(case)
    >>> request["dateAtStartOfFollowup"], request["gender"]
    ('2024-03-01', 'MALE')
    >>> score_request(request)["allPredictor"]["type"]
    'STATIC'
    """
    valid = case if type(case) is Case else Case.model_validate(case)
    h = _history(valid)
    out: dict[str, Any] = {
        "assessmentDate": valid.assessment_date.isoformat(),
        "gender": "FEMALE" if h["female"] else "MALE",
        "dateOfBirth": h["dob"].isoformat(),
        "dateOfCurrentConviction": h["conviction"].isoformat(),
        "dateAtStartOfFollowup": h["followup"].isoformat(),
        "ageAtFirstSanction": h["age_first"],
        "totalNumberOfSanctionsForAllOffences": h["n"],
        "totalNumberOfViolentSanctions": h["v"],
        "currentOffenceCode": h["code"],
    }
    if valid.index_offence.weapon is not None:
        out["didOffenceInvolveCarryingOrUsingWeapon"] = valid.index_offence.weapon
    needs = valid.needs
    if needs is None:
        return out
    for name, (field, _) in _NEED_FIELDS.items():
        value = getattr(needs, name)
        if value is not None:
            out[field] = value if isinstance(value, bool) else value.service_name
    if needs.relationship_status is not None:
        out["currentRelationshipStatus"] = needs.relationship_status.service_name
    if needs.drugs_used is not None:
        used = {d.value for d in needs.drugs_used}
        for column in _DRUG_COLUMNS:
            out[NEED_SOURCES[column][0]] = column in used
    if needs.previous_serious_convictions is not None:
        out["previousConvictions"] = sorted(
            {k.service_name for k in needs.previous_serious_convictions})
    return out
