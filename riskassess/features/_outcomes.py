"""Time-to-event outcomes from case records: :func:`outcomes_from_cases`.

Private to :mod:`riskassess.features` (which re-exports the public name). A case system
states what it observed after the assessment on the case record itself
(``follow_up_end``, ``reoffence_date``; rules in :mod:`riskassess.cases`); this turns
those dates into the ``(event, time)`` frame the time-to-event models and validation read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from riskassess.cases import Case, validate_cases
from riskassess.exceptions import TimeToEventError

__all__ = ["outcomes_from_cases"]


def outcomes_from_cases(cases: Iterable[Case | Mapping[str, Any]]) -> pd.DataFrame:
    """The observed follow-up of each case as ``event`` and ``time`` (days).

    The follow-up starts at ``follow_up_start`` (else the assessment date). A case with a
    ``reoffence_date`` has ``event=True`` and ``time`` = days from the start to that
    date; otherwise ``event=False`` and ``time`` = days to ``follow_up_end`` (censored
    there). Times are whole days as floats (1 year = 365.25 days), always positive.

    Parameters
    ----------
    cases : iterable of Case or mapping
        Validated cases or case dicts (validated here; the date rules of
        :class:`riskassess.cases.Case` refuse a reoffence after the end of follow-up, an
        end on or before the start, a reoffence on or before the start).

    Returns
    -------
    pandas.DataFrame
        Index ``case_id``; ``event`` (bool) and ``time`` (float, days).

    Raises
    ------
    TimeToEventError
        A case with neither ``follow_up_end`` nor ``reoffence_date`` (no outcome
        observed), naming the case id and the field.
    pydantic.ValidationError
        An invalid case dict (naming the case id and the field).

    Examples
    --------
    >>> case = {"case_id": "C1", "assessment_date": "2020-01-10",
    ...         "person": {"person_id": "P1", "date_of_birth": "1990-05-01", "sex": "male"},
    ...         "index_offence": {"date": "2020-01-02", "offence": "violence",
    ...                           "disposal": "community", "violent": True},
    ...         "follow_up_start": "2020-01-10", "follow_up_end": "2021-01-10"}
    >>> outcomes_from_cases([case, {**case, "case_id": "C2", "reoffence_date": "2020-03-10"}])
             event   time
    case_id
    C1       False  366.0
    C2        True   60.0
    >>> outcomes_from_cases([{**case, "reoffence_date": "2021-02-01"}])
    Traceback (most recent call last):
    ...
    pydantic_core._pydantic_core.ValidationError: 1 validation error for list[...]
    0.reoffence_date
      case 'C1': reoffence_date: 2021-02-01 is after the end of follow-up 2021-01-10 ...
    """
    items = list(cases)
    valid: list[Case] = (items if all(type(c) is Case for c in items)  # type: ignore[assignment]
                         else validate_cases(items))
    n = len(valid)
    event = np.zeros(n, dtype=bool)
    time = np.empty(n, dtype=float)
    ids: list[str] = []
    for row, case in enumerate(valid):
        start = case.follow_up_start or case.assessment_date
        ids.append(case.case_id)
        if case.reoffence_date is not None:
            event[row] = True
            end = case.reoffence_date
        elif case.follow_up_end is not None:
            end = case.follow_up_end
        else:
            raise TimeToEventError(
                f"case {case.case_id!r}: follow_up_end is missing (and there is no "
                "reoffence_date): the case has no observed follow-up, so no outcome; "
                "leave it out or state the date the follow-up was observed to")
        # Case validation already refuses end <= start; checked again because a time of
        # zero or less would silently corrupt every survival estimate downstream
        days = (end - start).days
        if days <= 0:
            field = "reoffence_date" if event[row] else "follow_up_end"
            raise TimeToEventError(
                f"case {case.case_id!r}: {field} {end} gives a time of {days} days from the "
                f"start of follow-up {start}; times must be positive")
        time[row] = float(days)
    return pd.DataFrame({"event": event, "time": time},
                        index=pd.Index(ids, name="case_id", dtype="str"))
