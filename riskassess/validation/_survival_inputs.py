"""Time-to-event outcomes given to validation: recognise them, check them, check horizons.

A time-to-event outcome ``y`` is either a numpy structured array with fields ``event``
(bool) and ``time`` (float; scikit-survival's ``Surv.from_arrays`` layout) or a pandas
DataFrame with columns ``event`` and ``time``. ``time`` is in **days** from the start of
follow-up; horizons are given in **years** (1 year = 365.25 days).

Every refusal of an outcome or a horizon is a :class:`~riskassess.exceptions.TimeToEventError`
naming the field (``event`` or ``time``) and the case id (the DataFrame's index label, else
the index label of ``X``, else the row number).

Examples
--------
>>> import pandas as pd
>>> y = pd.DataFrame({"event": [True, False], "time": [120.0, 400.0]}, index=["C1", "C2"])
>>> is_time_to_event(y)
True
>>> outcome = check_survival_outcome(y)
>>> outcome.time.tolist(), outcome.event.tolist()
([120.0, 400.0], [True, False])
>>> check_survival_outcome(pd.DataFrame({"event": [1, 0], "time": [0.0, 50.0]}, index=["A", "B"]))
Traceback (most recent call last):
...
riskassess.exceptions.TimeToEventError: case 'A': time is 0.0 days; a follow-up time must be ...
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from numbers import Real
from typing import Any

import numpy as np
import pandas as pd

from riskassess.exceptions import TimeToEventError, ValidationInputError
from riskassess.models import DAYS_PER_YEAR, survival_outcomes
from riskassess.validation._inputs import CaseNames, case_index

__all__ = ["DAYS_PER_YEAR", "SurvivalOutcome", "check_horizons", "check_survival_outcome",
           "is_time_to_event"]


@dataclass(frozen=True)
class SurvivalOutcome:
    """Checked time-to-event outcomes: ``event`` (bool), ``time`` (days), row names."""

    event: np.ndarray
    time: np.ndarray
    ids: Sequence[str]

    @property
    def n(self) -> int:
        """Number of cases."""
        return len(self.time)


def is_time_to_event(y: Any) -> bool:
    """True when ``y`` has ``event`` and ``time`` (or ``start``, ``end``, ``event_date``)."""
    if isinstance(y, pd.DataFrame):
        names: Any = set(map(str, y.columns))
    else:
        names = set(getattr(getattr(y, "dtype", None), "names", None) or ())
    return {"event", "time"} <= names or {"start", "end", "event_date"} <= names


def check_survival_outcome(y: Any, *others: Any) -> SurvivalOutcome:
    """Check a time-to-event outcome and return it as arrays with row names.

    The rules are the models' own (:func:`riskassess.models.survival_outcomes`), so that a
    model is fitted and validated on outcomes read the same way; this function adds the
    row names used in validation messages.

    Parameters
    ----------
    y : structured array or DataFrame
        Fields/columns ``event`` (bool or 0/1) and ``time`` (days, finite and > 0), or
        ``start``, ``end`` and ``event_date`` (dates).
    *others : pandas objects, optional
        Where to find case ids when ``y`` has none (e.g. ``X``).

    Returns
    -------
    SurvivalOutcome

    Raises
    ------
    TimeToEventError
        A missing field; an event flag not boolean or 0/1; a time that is missing, not
        finite, zero or negative; times that look like years (names the case and field).

    Examples
    --------
    >>> import numpy as np
    >>> y = np.array([(True, 30.0), (False, np.nan)], dtype=[("event", bool), ("time", float)])
    >>> check_survival_outcome(y)
    Traceback (most recent call last):
    ...
    riskassess.exceptions.TimeToEventError: case 1: time is missing or infinite; ...
    """
    n = len(y)
    if n == 0:
        raise TimeToEventError("y: no rows to validate")
    index = case_index(n, y, *others)
    time, event = survival_outcomes(y, pd.RangeIndex(n) if index is None else index)
    return SurvivalOutcome(event.astype(bool), time, CaseNames(n, index))


def check_horizons(horizons: Any, outcome: SurvivalOutcome) -> tuple[float, ...]:
    """Horizons in years, increasing, each strictly before the longest follow-up.

    The IPCW estimators divide by the censoring survival at the horizon, which is
    undefined from the longest follow-up time on; a horizon there is refused. The message
    also catches times given in the wrong unit (years or months instead of days).

    Examples
    --------
    >>> import numpy as np
    >>> y = np.array([(True, 200.0), (False, 900.0)], dtype=[("event", bool), ("time", float)])
    >>> check_horizons([1, 2], check_survival_outcome(y))
    (1.0, 2.0)
    >>> check_horizons(3, check_survival_outcome(y))
    Traceback (most recent call last):
    ...
    riskassess.exceptions.TimeToEventError: horizon 3 years (1095.75 days) is not before...
    """
    values = np.atleast_1d(np.asarray(horizons, dtype=object))
    if values.size == 0:
        raise ValidationInputError("horizons: give at least one horizon (in years)")
    checked: list[float] = []
    for value in values.tolist():
        if isinstance(value, bool) or not isinstance(value, Real) or not (
                math.isfinite(float(value)) and float(value) > 0):
            raise ValidationInputError(
                f"horizons: each horizon must be a positive number of years; got {value!r}")
        checked.append(float(value))
    if any(b <= a for a, b in itertools.pairwise(checked)):
        raise ValidationInputError(f"horizons must be increasing; got {checked}")
    longest = int(np.argmax(outcome.time))
    last = float(outcome.time[longest])
    for h in checked:
        days = h * DAYS_PER_YEAR
        if days >= last:
            raise TimeToEventError(
                f"horizon {h:g} years ({days:g} days) is not before the longest follow-up, "
                f"{last:g} days (y field 'time' at {outcome.ids[longest]}); choose a "
                "shorter horizon, or check that 'time' is in days (not years or months)")
    return tuple(checked)
