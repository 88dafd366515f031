"""Home Office offence codes on case records: mapping, derived fields, refusals."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from riskassess._hmpps import (
    ACTUARIAL_CATEGORIES,
    compatible_ogrs3_categories,
    hmpps_json,
    offence_category,
    offence_mapping,
    ogrs3_category,
)
from riskassess.cases import Case, IndexOffence, Sanction
from riskassess.exceptions import OffenceCodeError
from riskassess.vocabulary import OffenceCategory

CODES = sorted(c for c, (cat, _) in offence_mapping().items() if cat != "UNKNOWN")
UNKNOWN = sorted(c for c, (cat, _) in offence_mapping().items() if cat == "UNKNOWN")


def case_with(index: dict[str, Any], sanctions: list[dict[str, Any]] | None = None) -> dict:
    return {"case_id": "C-77", "assessment_date": "2024-03-01",
            "person": {"person_id": "P-77", "date_of_birth": "1990-05-01", "sex": "male"},
            "index_offence": {"date": "2023-06-01", "disposal": "fine", **index},
            "sanctions": sanctions or []}


def test_the_24_categories_are_those_of_the_mapping_and_of_the_coefficients() -> None:
    mapped = {cat for cat, _ in offence_mapping().values()} - {"UNKNOWN"}
    scored = set(hmpps_json("coefficients.json")["predictors"]["ARP"]["static"]
                 ["offence_category_coefficients"])
    assert set(ACTUARIAL_CATEGORIES) == mapped == scored
    assert len(ACTUARIAL_CATEGORIES) == 24


@pytest.mark.parametrize("category", ACTUARIAL_CATEGORIES)
def test_every_category_maps_to_an_ogrs3_category_it_allows(category: str) -> None:
    default = ogrs3_category(category)
    assert isinstance(default, OffenceCategory)
    assert default in compatible_ogrs3_categories(category)


def test_unknown_actuarial_category_is_refused() -> None:
    with pytest.raises(OffenceCodeError, match="UNKNOWN"):
        ogrs3_category("UNKNOWN")


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(CODES), st.sampled_from(CODES))
def test_a_code_alone_derives_offence_and_violent(index_code: str, prior_code: str) -> None:
    case = Case.model_validate(case_with(
        {"offence_code": index_code},
        [{"date": "2015-01-01", "kind": "caution", "offence_code": prior_code}]))
    for record, code in ((case.index_offence, index_code), (case.sanctions[0], prior_code)):
        category, violent = offence_mapping()[code]
        assert record.offence is ogrs3_category(category)
        assert record.violent is violent
        assert record.offence_code == code
    assert Case.model_validate_json(case.model_dump_json()) == case


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(CODES), st.data())
def test_a_compatible_category_and_the_codes_flag_are_accepted(code: str, data: Any) -> None:
    category, violent = offence_mapping()[code]
    stated = data.draw(st.sampled_from(sorted(compatible_ogrs3_categories(category))))
    record = IndexOffence.model_validate({"date": "2023-01-01", "disposal": "fine",
                                          "offence_code": code, "offence": stated.value,
                                          "violent": violent})
    assert record.offence is stated


@pytest.mark.parametrize("code, words", [
    (UNKNOWN[0], "UNKNOWN"), ("99999", "no actuarial mapping"), ("1234", "malformed"),
    ("12a45", "malformed"), ("１２３４５", "malformed")])
def test_bad_codes_are_refused_naming_case_field_and_code(code: str, words: str) -> None:
    if code == "99999":
        assert code not in offence_mapping()
    with pytest.raises(ValidationError) as info:
        Case.model_validate(case_with({"offence_code": code}))
    (err,) = info.value.errors()
    assert err["loc"] == ("index_offence", "offence_code")
    assert "'C-77'" in err["msg"] and repr(code) in err["msg"] and words in err["msg"]


def test_a_non_string_code_is_refused() -> None:
    with pytest.raises(ValidationError) as info:
        Case.model_validate(case_with({"offence_code": 11618}))
    assert info.value.errors()[0]["loc"] == ("index_offence", "offence_code")


def test_disagreeing_category_is_refused_naming_both() -> None:
    code = next(c for c in CODES if offence_mapping()[c][0] == "OTHER_OFFENCES")
    with pytest.raises(ValidationError) as info:
        Case.model_validate(case_with({"offence_code": code, "offence": "robbery"}))
    (err,) = info.value.errors()
    assert err["loc"] == ("index_offence", "offence")
    assert "'robbery'" in err["msg"] and repr(code) in err["msg"] and "'C-77'" in err["msg"]


def test_disagreeing_violent_flag_is_refused_naming_both() -> None:
    code = next(c for c in CODES if offence_mapping()[c][1])
    with pytest.raises(ValidationError) as info:
        Case.model_validate(case_with(
            {"offence": "violence", "violent": True},
            [{"date": "2015-01-01", "kind": "caution", "offence_code": code,
              "violent": False}]))
    (err,) = info.value.errors()
    assert err["loc"] == ("sanctions", 0, "violent")
    assert "violent=false" in err["msg"] and repr(code) in err["msg"]


def test_without_a_code_offence_and_violent_stay_required() -> None:
    with pytest.raises(ValidationError) as info:
        Case.model_validate(case_with({}))
    locs = {e["loc"] for e in info.value.errors()}
    assert locs == {("index_offence", "offence"), ("index_offence", "violent")}
    assert all("'C-77'" in e["msg"] for e in info.value.errors())


def test_records_without_codes_are_unchanged() -> None:
    s = Sanction(date="2019-01-01", kind="caution", offence="criminal_damage", violent=False)
    assert s.offence_code is None and s.offence is OffenceCategory.CRIMINAL_DAMAGE


def test_the_schema_documents_the_code() -> None:
    schema = json.dumps(Case.model_json_schema())
    assert "offence_code" in schema and "Home Office" in schema


def test_offence_category_refusals_are_library_errors() -> None:
    with pytest.raises(OffenceCodeError) as info:
        offence_category(UNKNOWN[0])
    assert info.value.code == UNKNOWN[0]
    assert isinstance(info.value, ValueError)
