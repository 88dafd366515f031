"""Time-to-event outcomes: read ``(event, time)`` and refuse what cannot be right.

An outcome is a numpy structured array with fields ``event`` (bool) and ``time`` (days;
scikit-survival's ``Surv.from_arrays`` convention) or a DataFrame with columns ``event``
and ``time``; a case system that holds dates may instead give ``start`` (start of
follow-up), ``end`` (end of follow-up: the extract date, or the date of leaving
observation) and ``event_date`` (the first proven reoffence, empty if none). Every
refusal names the case (the row's index label) and the field.

Examples
--------
>>> import pandas as pd
>>> y = pd.DataFrame({"event": [True, False], "time": [120.0, 730.0]}, index=["C-1", "C-2"])
>>> time, event = survival_outcomes(y, y.index)
>>> time.tolist(), event.tolist()
([120.0, 730.0], [1.0, 0.0])
>>> survival_outcomes(y.assign(time=[1.5, 2.0]), y.index)
Traceback (most recent call last):
...
riskassess.exceptions.TimeToEventError: time: every follow-up time is below 40 (longest 2.0, case 'C-2'); times must be in days from the start of follow-up, and these look like years (multiply by 365.25)
"""  # noqa: E501

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from riskassess.exceptions import TimeToEventError

__all__ = ["DAYS_PER_YEAR", "MIN_PLAUSIBLE_LONGEST_DAYS", "survival_outcomes"]

#: Days in a year (horizons are given in years, times in days).
DAYS_PER_YEAR = 365.25

#: A cohort whose longest follow-up is below this many days was almost surely given in
#: years (or months): no reoffending study follows everyone for under six weeks.
MIN_PLAUSIBLE_LONGEST_DAYS = 40.0


def _case(index: pd.Index, pos: int) -> Any:
    label = index[pos]
    return label.item() if isinstance(label, np.generic) else label


def _columns(y: Any) -> dict[str, np.ndarray]:
    if isinstance(y, pd.DataFrame):
        return {str(c): y[c].to_numpy() for c in y.columns}
    arr = np.asarray(y)
    if arr.dtype.names:
        return {name: arr[name] for name in arr.dtype.names}
    raise TimeToEventError(
        f"y: expected a structured array with fields 'event' and 'time' (sksurv's "
        f"Surv.from_arrays) or a DataFrame with columns 'event' and 'time' (days); got "
        f"{type(y).__name__}" + (f" of shape {arr.shape}" if arr.ndim else ""))


def _from_dates(cols: dict[str, np.ndarray], index: pd.Index
                ) -> tuple[np.ndarray, np.ndarray]:
    start = pd.to_datetime(pd.Series(cols["start"]))
    end = pd.to_datetime(pd.Series(cols["end"]))
    when = pd.to_datetime(pd.Series(cols["event_date"]))
    for name, s in (("start", start), ("end", end)):
        if s.isna().any():
            pos = int(np.flatnonzero(s.isna().to_numpy())[0])
            raise TimeToEventError(f"case {_case(index, pos)!r}: {name} is missing")
    late = (when > end).to_numpy()
    if late.any():
        pos = int(np.flatnonzero(late)[0])
        raise TimeToEventError(
            f"case {_case(index, pos)!r}: event_date {when.iloc[pos].date()} is after the end "
            f"of follow-up (end {end.iloc[pos].date()}); an event can only be recorded while "
            "the case is followed")
    event = when.notna().to_numpy()
    stop = when.where(when.notna(), end)
    time = ((stop - start).dt.total_seconds() / 86_400.0).to_numpy(dtype=np.float64)
    return time, event.astype(np.float64)


def _event_flags(raw: np.ndarray, index: pd.Index) -> np.ndarray:
    raw = np.asarray(raw)
    # fast paths (a million rows): booleans, and numbers that are all 0 or 1
    if raw.dtype == np.bool_:
        return raw.astype(np.float64)
    if raw.dtype.kind in "iuf" and np.isin(raw, (0, 1)).all():
        return raw.astype(np.float64)
    values = pd.Series(raw, dtype=object)  # the slow path finds and names the bad case
    missing = values.isna().to_numpy()
    if missing.any():
        pos = int(np.flatnonzero(missing)[0])
        raise TimeToEventError(f"case {_case(index, pos)!r}: event is missing (expected "
                               "True for a proven reoffence, False for censored)")
    ok = values.map(lambda v: isinstance(v, bool | np.bool_) or (
        isinstance(v, int | float | np.integer | np.floating) and v in (0, 1))).to_numpy()
    if not ok.all():
        pos = int(np.flatnonzero(~ok)[0])
        raise TimeToEventError(f"case {_case(index, pos)!r}: event is {values.iloc[pos]!r}; "
                               "expected True/False (or 1/0)")
    return values.astype(float).to_numpy(dtype=np.float64)


def survival_outcomes(y: Any, index: pd.Index) -> tuple[np.ndarray, np.ndarray]:
    """Check time-to-event outcomes; returns ``(time_days, event01)`` as float arrays.

    Parameters
    ----------
    y : numpy structured array or pandas.DataFrame
        Fields/columns ``event`` and ``time`` (days), or ``start``, ``end`` and
        ``event_date`` (dates).
    index : pandas.Index
        Case ids of the rows (named in every refusal).

    Raises
    ------
    TimeToEventError
        A missing field; a missing, infinite, zero or negative time; a missing or non-0/1
        event; an event date after the end of follow-up; times that look like years.

    Examples
    --------
    >>> import pandas as pd
    >>> y = pd.DataFrame({"event": [True, False], "time": [120.0, 730.0]})
    >>> time, event = survival_outcomes(y, pd.Index(["C-1", "C-2"]))
    >>> time.tolist(), event.tolist()
    ([120.0, 730.0], [1.0, 0.0])
    >>> survival_outcomes(y.assign(time=[0.0, 730.0]), pd.Index(["C-1", "C-2"]))
    Traceback (most recent call last):
    ...
    riskassess.exceptions.TimeToEventError: case 'C-1': ...
    """
    cols = _columns(y)
    if len(next(iter(cols.values()), [])) != len(index):
        raise TimeToEventError(f"y has {len(next(iter(cols.values()), []))} rows but X has "
                               f"{len(index)}")
    if {"event", "time"} <= set(cols):
        event = _event_flags(cols["event"], index)
        time = pd.to_numeric(pd.Series(cols["time"]), errors="coerce").to_numpy(np.float64)
    elif {"start", "end", "event_date"} <= set(cols):
        time, event = _from_dates(cols, index)
    else:
        missing = sorted({"event", "time"} - set(cols))
        raise TimeToEventError(
            f"y: missing field(s) {missing}; time-to-event outcomes need 'event' (bool) and "
            "'time' (days from the start of follow-up), or 'start', 'end' and 'event_date' "
            f"(dates); got fields {sorted(cols)}")
    bad = ~np.isfinite(time)
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise TimeToEventError(f"case {_case(index, pos)!r}: time is missing or infinite; "
                               "expected the days from the start of follow-up")
    bad = time <= 0
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise TimeToEventError(
            f"case {_case(index, pos)!r}: time is {float(time[pos])!r} days; a follow-up time must "
            "be positive (an event on the first day counts as day 1 or a fraction of it)")
    longest = int(np.argmax(time))
    if time[longest] < MIN_PLAUSIBLE_LONGEST_DAYS:
        raise TimeToEventError(
            f"time: every follow-up time is below {MIN_PLAUSIBLE_LONGEST_DAYS:.0f} (longest "
            f"{float(time[longest])!r}, case {_case(index, longest)!r}); times must be in days "
            "from the start of follow-up, and these look like years (multiply by 365.25)")
    return time, event
