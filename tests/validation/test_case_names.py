"""One rule names the cases in every validation message: the binary checks, the fairness
inputs and the time-to-event checks all say ``case <id as typed>``, or ``row <i>`` when
the inputs carry no case ids."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from riskassess.exceptions import TimeToEventError, ValidationInputError
from riskassess.validation._inputs import CaseNames, case_names, check_labels, checked_outcomes
from riskassess.validation._survival_inputs import check_horizons, check_survival_outcome

_LABELS = st.lists(st.integers(-10**6, 10**6) | st.text(alphabet="AB-12", min_size=1,
                                                        max_size=5),
                   min_size=2, max_size=8, unique=True)


@settings(max_examples=40, deadline=None)
@given(labels=_LABELS, data=st.data())
def test_every_check_names_the_bad_case_by_its_id(labels: list[object],
                                                  data: st.DataObject) -> None:
    n = len(labels)
    bad = data.draw(st.integers(0, n - 1))
    index = pd.Index(labels)
    name = f"case {labels[bad]!r}"  # the id as the user typed it, never np.int64(...)

    y = pd.Series(np.zeros(n, dtype=int), index=index)
    y.iloc[bad] = 2
    with pytest.raises(ValidationInputError, match=re.escape(f"got 2 at {name} ")):
        check_labels(y, case_names(n, y))

    scores = pd.Series(np.full(n, 0.5), index=index)
    scores.iloc[bad] = 1.5
    with pytest.raises(ValidationInputError, match=re.escape(f"got 1.5 at {name} ")):
        checked_outcomes(np.zeros(n, dtype=int), scores)

    time = np.full(n, 100.0)
    time[bad] = 200.0  # the longest follow-up, named when a horizon is past it
    outcome = check_survival_outcome(
        pd.DataFrame({"event": np.ones(n, dtype=bool), "time": time}, index=index))
    with pytest.raises(TimeToEventError, match=re.escape(f"at {name})")):
        check_horizons([1.0], outcome)


@pytest.mark.parametrize("index", [None, pd.RangeIndex(3)])
def test_inputs_without_case_ids_name_rows(index: pd.Index | None) -> None:
    y = pd.Series([0, 1, 1], index=index)
    assert list(case_names(3, y)) == ["row 0", "row 1", "row 2"]
    assert list(check_survival_outcome(
        pd.DataFrame({"event": [True] * 3, "time": [100.0, 200.0, 300.0]}, index=index)).ids) == \
        ["row 0", "row 1", "row 2"]


def test_the_first_input_with_case_ids_names_the_cases() -> None:
    plain = pd.Series([0, 1])
    named = pd.Series([0, 1], index=["P-1", "P-2"])
    assert list(case_names(2, [0, 1], plain, named)) == ["case 'P-1'", "case 'P-2'"]
    # an input of another length is not the cases' (a reference cohort, say)
    assert list(case_names(2, pd.Series([0], index=["Q"]))) == ["row 0", "row 1"]


def test_case_names_behave_like_a_list() -> None:
    names = CaseNames(4, pd.Index(["a", "b", "c", "d"]))
    assert names[-1] == "case 'd'"
    assert names[1:3] == ["case 'b'", "case 'c'"]
    with pytest.raises(IndexError):
        names[4]
