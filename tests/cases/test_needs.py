"""OASys need items on case records: every item optional, enumerations strict."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from riskassess.cases import (
    Case,
    DrugUse,
    MotivationLevel,
    NeedItems,
    PreviousConviction,
    ProblemLevel,
    RelationshipStatus,
)

SCALED = {"accommodation": ProblemLevel, "relationship_with_partner": ProblemLevel,
          "regular_offending_activities": ProblemLevel, "drug_motivation": MotivationLevel,
          "current_alcohol_use": ProblemLevel, "binge_drinking": ProblemLevel,
          "impulsivity": ProblemLevel, "temper_control": ProblemLevel,
          "pro_criminal_attitudes": ProblemLevel, "relationship_status": RelationshipStatus}
FLAGS = ("unemployed", "domestic_abuse")


def needs_dicts() -> st.SearchStrategy[dict[str, Any]]:
    items: dict[str, st.SearchStrategy[Any]] = {
        name: st.sampled_from([m.value for m in enum]) for name, enum in SCALED.items()}
    items.update({name: st.booleans() for name in FLAGS})
    items["drugs_used"] = st.lists(st.sampled_from([d.value for d in DrugUse]), unique=True)
    items["previous_serious_convictions"] = st.lists(
        st.sampled_from([c.value for c in PreviousConviction]), unique=True)
    return st.fixed_dictionaries({}, optional=items)


def case_with(needs: Any) -> dict[str, Any]:
    return {"case_id": "C-9", "assessment_date": "2024-03-01",
            "person": {"person_id": "P-9", "date_of_birth": "1990-05-01", "sex": "female"},
            "index_offence": {"date": "2023-06-01", "offence": "violence", "violent": True,
                              "disposal": "custody", "weapon": True},
            "needs": needs}


def test_all_items_are_in_the_model_and_optional() -> None:
    fields = NeedItems.model_fields
    assert set(SCALED) | set(FLAGS) | {"drugs_used", "previous_serious_convictions"} == \
        set(fields)
    assert all(not f.is_required() for f in fields.values())


@settings(max_examples=80, deadline=None)
@given(needs_dicts())
def test_any_subset_of_items_is_a_valid_record(needs: dict[str, Any]) -> None:
    case = Case.model_validate(case_with(needs))
    assert case.needs is not None
    for name, value in needs.items():
        got = getattr(case.needs, name)
        if isinstance(value, list):
            assert [v.value for v in got] == value
        else:
            assert got == value
    for name in set(NeedItems.model_fields) - set(needs):
        assert getattr(case.needs, name) is None
    assert Case.model_validate_json(case.model_dump_json()) == case


def test_scores_follow_oasys() -> None:
    assert [p.score for p in ProblemLevel] == [0, 1, 2]
    assert [m.score for m in MotivationLevel] == [0, 1, 2]
    assert ProblemLevel("no_problems").service_name == "NO_PROBLEMS"


def test_no_needs_at_all_is_valid() -> None:
    data = case_with(None)
    assert Case.model_validate(data).needs is None
    del data["needs"]
    assert Case.model_validate(data).needs is None


@pytest.mark.parametrize("field, value", [
    ("accommodation", "bad"), ("accommodation", 1), ("unemployed", "yes"),
    ("unemployed", 1), ("drugs_used", ["glue"]), ("previous_serious_convictions", ["theft"]),
    ("no_such_item", True)])
def test_bad_items_are_refused_naming_case_and_field(field: str, value: Any) -> None:
    with pytest.raises(ValidationError) as info:
        Case.model_validate(case_with({field: value}))
    err = info.value.errors()[0]
    assert err["loc"][:2] == ("needs", field)
    assert "'C-9'" in err["msg"]


def test_weapon_is_an_optional_strict_flag_of_the_index_offence() -> None:
    assert Case.model_validate(case_with(None)).index_offence.weapon is True
    data = case_with(None)
    data["index_offence"]["weapon"] = "yes"
    with pytest.raises(ValidationError) as info:
        Case.model_validate(data)
    assert info.value.errors()[0]["loc"] == ("index_offence", "weapon")
