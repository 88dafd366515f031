"""Observed follow-up on case records (follow_up_end, reoffence_date) and outcomes_from_cases."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from riskassess.cases import Case
from riskassess.exceptions import TimeToEventError
from riskassess.features import outcomes_from_cases

BASE: dict[str, Any] = {
    "case_id": "C-77",
    "person": {"person_id": "P-77", "date_of_birth": "1990-05-01", "sex": "male"},
    "assessment_date": "2020-01-10",
    "index_offence": {"date": "2020-01-02", "offence": "violence", "disposal": "community",
                      "violent": True},
    "follow_up_start": "2020-01-10",
}


def _problem(data: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as caught:
        Case.model_validate(data)
    return str(caught.value)


@pytest.mark.parametrize(("update", "field", "words"), [
    ({"follow_up_end": "2020-12-31", "reoffence_date": "2021-01-05"},
     "reoffence_date", "after the end of follow-up"),
    ({"follow_up_end": "2019-12-31"}, "follow_up_end", "on or before the start"),
    ({"follow_up_end": "2020-01-10"}, "follow_up_end", "must be positive"),
    ({"reoffence_date": "2020-01-10"}, "reoffence_date", "must be positive"),
    ({"reoffence_date": "2019-06-01"}, "reoffence_date", "on or before the start"),
    ({"follow_up_end": "2999-01-01"}, "follow_up_end", "in the future"),
    ({"follow_up_end": "2020-02-30"}, "follow_up_end", "not a real calendar date"),
])
def test_bad_follow_up_is_refused_naming_case_and_field(update: dict[str, Any], field: str,
                                                       words: str) -> None:
    message = _problem({**BASE, **update})
    assert f"case 'C-77': {field}:" in message and words in message


def test_start_defaults_to_the_assessment_date() -> None:
    data = {k: v for k, v in BASE.items() if k != "follow_up_start"}
    message = _problem({**data, "follow_up_end": "2020-01-05"})
    assert "(assessment_date)" in message
    frame = outcomes_from_cases([{**data, "follow_up_end": "2020-02-09"}])
    assert frame.loc["C-77", "time"] == 30.0


def test_a_case_without_observed_follow_up_has_no_outcome() -> None:
    with pytest.raises(TimeToEventError, match=r"case 'C-77': follow_up_end is missing"):
        outcomes_from_cases([BASE])
    assert len(outcomes_from_cases([])) == 0


@settings(max_examples=60, deadline=None)
@given(start_after=st.integers(0, 400), end_after=st.integers(1, 2000),
       reoffence=st.one_of(st.none(), st.floats(0, 1)))
def test_times_are_the_day_differences_and_always_positive(
        start_after: int, end_after: int, reoffence: float | None) -> None:
    start = date(2018, 1, 2) + timedelta(days=start_after)
    end = start + timedelta(days=end_after)
    data: dict[str, Any] = {**BASE, "assessment_date": "2018-01-02",
                            "index_offence": {**BASE["index_offence"], "date": "2018-01-01"},
                            "follow_up_start": start.isoformat(),
                            "follow_up_end": end.isoformat()}
    expected_days = end_after
    if reoffence is not None:
        days = 1 + int(reoffence * (end_after - 1))  # 1 .. end_after
        data["reoffence_date"] = (start + timedelta(days=days)).isoformat()
        expected_days = days
    frame = outcomes_from_cases([Case.model_validate(data)])
    assert frame["event"].tolist() == [reoffence is not None]
    assert frame["time"].tolist() == [float(expected_days)]
    assert (frame["time"] > 0).all()
    assert frame["event"].dtype == bool and frame["time"].dtype == float
