"""Edited or constructed cases never reach feature building unvalidated (issue 14)."""

from __future__ import annotations

import copy
import pickle
from datetime import timedelta

import pytest
from hypothesis import given, settings
from pydantic import ValidationError

from riskassess.cases import Case, ensure_valid, validate_cases
from riskassess.features import build_features, case_feature_row
from riskassess.testing._strategies import cases


def _late_sanctions(case: Case, count: int = 8) -> tuple:
    template = case.index_offence
    late = {"date": case.assessment_date + timedelta(days=3), "kind": template.kind,
            "disposal": template.disposal, "offence": template.offence,
            "violent": template.violent}
    return tuple(case.sanctions) + tuple(dict(late) for _ in range(count))


@settings(max_examples=25, deadline=None)
@given(cases())
def test_model_copy_with_late_sanctions_is_refused(case: Case) -> None:
    with pytest.raises(ValidationError, match=case.case_id[:20]):
        case.model_copy(update={"sanctions": _late_sanctions(case)})


@settings(max_examples=25, deadline=None)
@given(cases())
def test_constructed_case_is_refused_everywhere(case: Case) -> None:
    forged = Case.model_construct(**{**dict(case), "sanctions": _late_sanctions(case, 1)})
    for entry in (ensure_valid, case_feature_row, lambda c: build_features([c]),
                  lambda c: validate_cases([c]), Case.model_validate):
        with pytest.raises(ValidationError, match="sanctions"):
            entry(forged)


@settings(max_examples=25, deadline=None)
@given(cases())
def test_validated_case_passes_as_itself(case: Case) -> None:
    assert ensure_valid(case) is case
    assert Case.model_validate(case) is case
    for other in (copy.copy(case), copy.deepcopy(case), pickle.loads(pickle.dumps(case)),
                  case.model_copy()):
        again = ensure_valid(other)  # revalidated, and valid
        assert again == case and ensure_valid(again) is again


@settings(max_examples=25, deadline=None)
@given(cases())
def test_fields_swapped_after_validation_are_revalidated(case: Case) -> None:
    object.__setattr__(case, "assessment_date", case.index_offence.date - timedelta(days=1))
    with pytest.raises(ValidationError, match=r"index_offence\.date"):
        ensure_valid(case)


def test_nested_copy_is_validated() -> None:
    case = next(iter(validate_cases([{
        "case_id": "C1",
        "person": {"person_id": "P1", "date_of_birth": "1990-05-01", "sex": "male"},
        "assessment_date": "2020-01-10",
        "index_offence": {"date": "2020-01-02", "offence": "violence",
                          "disposal": "community", "violent": True}}])))
    with pytest.raises(ValidationError, match="sex"):
        case.person.model_copy(update={"sex": "unknown"})
    young = case.person.model_copy(update={"date_of_birth": case.assessment_date})
    with pytest.raises(ValidationError, match="10th birthday"):
        case.model_copy(update={"person": young})
    raw_person = type(case.person).model_construct(person_id="P1", date_of_birth="x",
                                                   sex="male")
    with pytest.raises(ValidationError, match="date_of_birth"):
        ensure_valid(Case.model_construct(**{**dict(case), "person": raw_person}))
