"""The date rule of case records: the native (Rust) schema of ``Day`` and its reference.

``Day`` is checked by pydantic-core for speed; ``_to_date`` is the rule written in Python
(it also words the precise message). These tests hold the two equal on any input and
check that a case's error gives the precise reason, naming the case and the field.
"""

from __future__ import annotations

import json
import string
from datetime import date, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError
from pydantic_core import PydanticCustomError

from riskassess.cases import Case, Sanction
from riskassess.cases._dates import Day, _to_date, day_problem

_DAY = TypeAdapter(Day)

# Strings near the ISO form: right shape with any digits (impossible days and months),
# wrong separators, other digit systems, whitespace and trailing newlines.
_near_iso = st.builds(
    lambda y, m, d, sep, tail: f"{y:04d}{sep}{m:02d}{sep}{d:02d}{tail}",
    st.integers(0, 9999), st.integers(0, 13), st.integers(0, 32),
    st.sampled_from(["-", "-", "-", "/", ""]), st.sampled_from(["", "", "\n", " ", "T00:00"]),
)
_values = st.one_of(
    st.dates(), st.datetimes(), _near_iso,
    st.dates().map(date.isoformat),
    st.text(alphabet=string.digits + "-٠١٢٣٤٥٦٧٨٩０１２ T:", max_size=12),
    st.integers(), st.floats(allow_nan=False), st.none(), st.binary(max_size=12),
)


def _reference(value: object) -> tuple[bool, object]:
    try:
        return True, _to_date(value)
    except PydanticCustomError as exc:
        return False, exc.type


@settings(max_examples=400, deadline=None)
@given(_values)
def test_native_schema_accepts_exactly_what_the_rule_accepts(value: Any) -> None:
    ok, expected = _reference(value)
    try:
        got = _DAY.validate_python(value)
    except ValidationError:
        assert not ok, f"{value!r} refused natively but accepted by the rule"
        assert day_problem(value) is not None
    else:
        assert ok, f"{value!r} accepted natively but refused by the rule ({expected})"
        assert got == expected and type(got) is date


@settings(max_examples=300, deadline=None)
@given(st.one_of(_near_iso, st.text(max_size=12), st.integers().map(str)))
def test_json_input_follows_the_same_rule(text: str) -> None:
    ok, expected = _reference(text)
    try:
        got = _DAY.validate_json(json.dumps(text))
    except ValidationError:
        assert not ok, f"{text!r} refused in JSON but accepted by the rule"
    else:
        assert ok, f"{text!r} accepted in JSON but refused by the rule ({expected})"
        assert got == expected
    with pytest.raises(ValidationError):  # a JSON number is never a date
        _DAY.validate_json("1577836800")


BASE: dict[str, Any] = {
    "case_id": "C-days",
    "person": {"person_id": "P-days", "date_of_birth": "1990-05-01", "sex": "male"},
    "assessment_date": "2020-01-10",
    "index_offence": {"date": "2020-01-02", "offence": "violence", "disposal": "community",
                      "violent": True},
    "sanctions": [{"date": "2015-03-01", "kind": "caution", "offence": "theft_non_motor",
                   "violent": False}],
}


@pytest.mark.parametrize(("path", "value", "words"), [
    (("assessment_date",), "2021-02-29", "is not a real calendar date"),
    (("person", "date_of_birth"), "1990-5-01", "expected an ISO date 'YYYY-MM-DD'"),
    (("index_offence", "date"), datetime(2020, 1, 2), "give the date only"),
    (("sanctions", 0, "date"), 20150301, "expected a date or an ISO date string"),
])
def test_a_case_names_the_precise_reason_the_case_and_the_field(
        path: tuple[str | int, ...], value: object, words: str) -> None:
    data: Any = {**BASE, "person": dict(BASE["person"]),
                 "index_offence": dict(BASE["index_offence"]),
                 "sanctions": [dict(BASE["sanctions"][0])]}
    target = data
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    with pytest.raises(ValidationError) as caught:
        Case.model_validate(data)
    dotted = ".".join(str(p) for p in path)
    assert f"case 'C-days': {dotted}: " in str(caught.value)
    assert words in str(caught.value)
    problem = day_problem(value)
    assert problem is not None
    assert [e["type"] for e in caught.value.errors()] == [problem.type]


def test_a_record_on_its_own_refuses_with_the_input_shown() -> None:
    with pytest.raises(ValidationError, match=r"real calendar date.*2019-02-30"):
        Sanction(date="2019-02-30", kind="caution", offence="criminal_damage", violent=False)


def test_dates_serialise_as_iso_strings_and_round_trip() -> None:
    case = Case.model_validate(BASE)
    text = case.model_dump_json()
    assert '"assessment_date":"2020-01-10"' in text
    assert Case.model_validate_json(text) == case
    assert case.model_dump()["assessment_date"] == date(2020, 1, 10)


def test_the_schema_still_says_an_iso_date() -> None:
    schema = Case.model_json_schema()
    assert schema["properties"]["assessment_date"]["format"] == "date"
    assert schema["properties"]["assessment_date"]["type"] == "string"
