"""Case records: validity rules, error reporting, schema snapshot."""

from __future__ import annotations

import difflib
import json
import os
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from riskassess.cases import (
    Case,
    IndexOffence,
    Person,
    Sanction,
    tenth_birthday,
    validate_cases,
)
from riskassess.testing._strategies import bad_case_dicts, case_dicts, cases
from riskassess.vocabulary import Disposal, SanctionKind

SNAPSHOT = Path(__file__).parent / "snapshots" / "case_schema.json"
UPDATE_ENV = "RISKASSESS_UPDATE_SNAPSHOTS"


def good_case(**changes: Any) -> dict[str, Any]:
    case: dict[str, Any] = {
        "case_id": "C1",
        "person": {"person_id": "P1", "date_of_birth": "1990-05-01", "sex": "male"},
        "assessment_date": "2020-01-10",
        "index_offence": {"date": "2020-01-02", "offence": "burglary_domestic",
                          "disposal": "community", "violent": False},
        "sanctions": [
            {"date": "2015-03-01", "kind": "caution", "offence": "theft_non_motor",
             "violent": False},
            {"date": "2018-07-09", "kind": "conviction", "disposal": "custody",
             "offence": "violence", "violent": True},
        ],
        "follow_up_start": "2020-01-02",
    }
    case.update(changes)
    return case


def errors_of(data: dict[str, Any]) -> list[Any]:
    with pytest.raises(ValidationError) as info:
        Case.model_validate(data)
    return info.value.errors()


def locs(errors: list[Any]) -> set[tuple[Any, ...]]:
    return {tuple(e["loc"]) for e in errors}


def test_valid_case_round_trips_through_json() -> None:
    case = Case.model_validate(good_case())
    again = Case.model_validate_json(case.model_dump_json())
    assert again == case
    assert case.sanctions[1].disposal is Disposal.CUSTODY
    assert case.index_offence.kind is SanctionKind.CONVICTION


def test_frozen_and_extra_forbidden() -> None:
    case = Case.model_validate(good_case())
    with pytest.raises(ValidationError):
        case.case_id = "C2"
    assert ("extra_field",) in locs(errors_of(good_case(extra_field=1)))


def test_every_field_has_a_description() -> None:
    for model in (Person, Sanction, IndexOffence, Case):
        for name, field in model.model_fields.items():
            assert field.description, f"{model.__name__}.{name} lacks a description"


@pytest.mark.parametrize(
    ("path", "value", "loc"),
    [
        (("assessment_date",), "2020-13-01", ("assessment_date",)),
        (("assessment_date",), "2021-02-29", ("assessment_date",)),
        (("assessment_date",), 1577836800, ("assessment_date",)),
        (("assessment_date",), "2020/01/10", ("assessment_date",)),
        (("assessment_date",), datetime(2020, 1, 10), ("assessment_date",)),
        (("person", "sex"), "M", ("person", "sex")),
        (("sanctions", 0, "offence"), "arson", ("sanctions", 0, "offence")),
        (("sanctions", 0, "violent"), "false", ("sanctions", 0, "violent")),
        (("sanctions", 0, "violent"), 0, ("sanctions", 0, "violent")),
        (("sanctions", 0, "disposal"), "fine", ("sanctions", 0, "disposal")),
        (("sanctions", 1, "kind"), "warning", ("sanctions", 1, "kind")),
        (("index_offence", "disposal"), None, ("index_offence", "disposal")),
        (("case_id",), 17, ("case_id",)),
        (("case_id",), "", ("case_id",)),
        (("person", "person_id"), "Zoë Smith", ("person", "person_id")),
    ],
)
def test_bad_field_is_named_with_case_id(
    path: tuple[Any, ...], value: Any, loc: tuple[Any, ...]
) -> None:
    data = good_case()
    target: Any = data
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    errors = errors_of(data)
    assert loc in locs(errors)
    dotted = ".".join(map(str, loc))
    expected_label = "case 17" if path == ("case_id",) and value == 17 else "case "
    for e in errors:
        assert e["msg"].startswith(expected_label)
    assert any(dotted in e["msg"] for e in errors)


def test_case_id_in_every_message() -> None:
    errors = errors_of(good_case(case_id="CASE-7", assessment_date="2014-01-01"))
    assert errors and all("'CASE-7'" in e["msg"] for e in errors)


def test_event_rules() -> None:
    # sanction on the assessment date: leakage
    data = good_case()
    data["sanctions"][1]["date"] = "2020-01-10"
    assert ("sanctions", 1, "date") in locs(errors_of(data))
    # sanction after the index offence but before the assessment
    data = good_case()
    data["sanctions"][1]["date"] = "2020-01-05"
    errs = errors_of(data)
    assert ("sanctions", 1, "date") in locs(errs)
    assert "index offence" in errs[0]["msg"]
    # index offence after assessment
    data = good_case()
    data["index_offence"]["date"] = "2020-01-11"
    assert ("index_offence", "date") in locs(errors_of(data))
    # follow-up before index
    assert ("follow_up_start",) in locs(errors_of(good_case(follow_up_start="2019-12-31")))
    # future assessment
    future = (date.today() + timedelta(days=2)).isoformat()
    data = good_case(assessment_date=future)
    assert ("assessment_date",) in locs(errors_of(data))
    # implausibly old
    data = good_case()
    data["person"]["date_of_birth"] = "1890-01-01"
    assert ("person", "date_of_birth") in locs(errors_of(data))


def test_age_ten_boundary() -> None:
    data = good_case()
    data["person"]["date_of_birth"] = "2005-03-01"
    data["sanctions"][0]["date"] = "2015-03-01"  # exactly 10th birthday: allowed
    Case.model_validate(data)
    data["sanctions"][0]["date"] = "2015-02-28"  # one day before: refused
    errs = errors_of(data)
    assert locs(errs) == {("sanctions", 0, "date")}
    assert "10th birthday" in errs[0]["msg"]
    assert tenth_birthday(date(2004, 2, 29)) == date(2014, 3, 1)


def test_all_problems_reported_at_once() -> None:
    data = good_case()
    data["person"]["sex"] = "x"  # field error
    data["sanctions"][0]["date"] = "1999-01-01"  # before 10th birthday (cross-field)
    data["sanctions"][1]["violent"] = "yes"  # field error
    data["follow_up_start"] = "2019-01-01"  # cross-field
    assert locs(errors_of(data)) == {
        ("person", "sex"),
        ("sanctions", 0, "date"),
        ("sanctions", 1, "violent"),
        ("follow_up_start",),
    }


def test_batch_validation_prefixes_position() -> None:
    bad = good_case(case_id="C2")
    bad["sanctions"][0]["offence"] = "nope"
    with pytest.raises(ValidationError) as info:
        validate_cases([good_case(), bad])
    (err,) = info.value.errors()
    assert err["loc"] == (1, "sanctions", 0, "offence")
    assert "'C2'" in err["msg"]
    assert [c.case_id for c in validate_cases([good_case(), good_case(case_id="C3")])] == [
        "C1", "C3"]


def test_schema_snapshot() -> None:
    current = json.dumps(Case.model_json_schema(), indent=2, sort_keys=True) + "\n"
    if os.environ.get(UPDATE_ENV):
        SNAPSHOT.write_text(current)
    stored = SNAPSHOT.read_text()
    if stored != current:
        diff = "".join(difflib.unified_diff(
            stored.splitlines(keepends=True), current.splitlines(keepends=True),
            "tests/snapshots/case_schema.json (stored)", "Case.model_json_schema() (now)",
        ))
        pytest.fail(
            "Case.model_json_schema() changed; it is the contract case systems code "
            f"against. If the change is deliberate, regenerate with {UPDATE_ENV}=1 "
            f"pytest tests/test_cases.py::test_schema_snapshot\n{diff}"
        )


# ------------------------------------------------------------------------------ fuzzing

@settings(max_examples=60, deadline=None)
@given(case_dicts())
def test_valid_dicts_validate_and_round_trip(data: dict[str, Any]) -> None:
    case = Case.model_validate(data)
    assert Case.model_validate_json(case.model_dump_json()) == case
    assert Case.model_validate(case.model_dump()) == case


@settings(max_examples=30, deadline=None)
@given(cases())
def test_adding_a_sanction_on_the_assessment_date_is_refused(case: Case) -> None:
    data = case.model_dump(mode="json")
    data["sanctions"].append({"date": data["assessment_date"], "kind": "caution",
                              "offence": "other", "violent": False})
    errors = errors_of(data)
    assert ("sanctions", len(data["sanctions"]) - 1, "date") in locs(errors)


@settings(max_examples=150, deadline=None)
@given(bad_case_dicts())
def test_fuzz_bad_input_always_names_the_field(bad: tuple[dict[str, Any], tuple]) -> None:
    data, loc = bad
    try:
        Case.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        text = str(exc)  # the message renders (odd unicode included)
    else:
        pytest.fail(f"accepted a broken case (expected an error at {loc}): {data!r}")
    assert any(tuple(e["loc"])[: len(loc)] == loc for e in errors), (loc, errors)
    assert all(e["msg"].startswith("case ") for e in errors)
    assert ".".join(map(str, loc)) in text


@settings(max_examples=10, deadline=None)
@given(case_dicts(max_sanctions=0), st.integers(0, 499), st.sampled_from(
    ["offence", "date", "violent"]))
def test_very_long_history(data: dict[str, Any], position: int, field: str) -> None:
    tenth = tenth_birthday(date.fromisoformat(data["person"]["date_of_birth"]))
    day = tenth.isoformat()
    data["sanctions"] = [{"date": day, "kind": "caution", "offence": "other", "violent": False}
                         for _ in range(500)]
    assert len(Case.model_validate(data).sanctions) == 500
    data["sanctions"][position][field] = {"offence": "arson", "date": "2020-02-30",
                                          "violent": "no"}[field]
    assert locs(errors_of(data)) == {("sanctions", position, field)}


@settings(max_examples=40, deadline=None)
@given(st.one_of(st.none(), st.integers(), st.text(max_size=20), st.lists(st.integers()),
                 st.binary(max_size=10), st.floats()))
def test_not_a_mapping(value: Any) -> None:
    with pytest.raises(ValidationError):
        Case.model_validate(value)
