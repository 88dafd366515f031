"""Loader for the ProPublica COMPAS two-year layout (Broward County, 2013-2014).

The file ``compas-scores-two-years.csv`` has one row per person screened. The loader
returns the model inputs ``X`` (never ``race``), the label ``y`` (``two_year_recid``,
or the time to recidivism with ``outcome="time_to_event"``) and the full frame for
audits, all three on the same index.

ProPublica's ``start``, ``end`` and ``event`` columns (the counting-process form of
their Cox analysis) are whole days counted from the COMPAS screening date: ``start`` is
the day the person is at risk from (0, or the day they left the jail spell that
followed the screening), ``end`` the day of the recidivism arrest (``event`` 1) or the
last day observed (``event`` 0, censored). The time at risk is ``end - start`` days.
Eight rows of the file (all eight also in ProPublica's filtered 6,172) have
``end <= start``: five recidivism on the very day the person was released (time 0)
and three ``end`` before ``start``; a time-to-event model cannot use a time of zero or
less, so ``outcome="time_to_event"`` drops them and says how many it dropped
(:data:`COMPAS_BAD_TIME_ROWS` on the real file).
"""

from __future__ import annotations

import warnings
from os import PathLike
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from riskassess.exceptions import DatasetArgumentError, DatasetFileError, FeatureError

__all__ = ["COMPAS_BAD_TIME_ROWS", "COMPAS_LABEL", "COMPAS_X_COLUMNS", "load_compas"]

#: Rows of the real ProPublica file with ``end <= start`` (dropped for time-to-event).
COMPAS_BAD_TIME_ROWS = 8

_TIME_COLUMNS = ("start", "end", "event")

#: Columns of ``X`` returned by :func:`load_compas`, in order.
COMPAS_X_COLUMNS: tuple[str, ...] = (
    "age",
    "sex",
    "priors_count",
    "juv_fel_count",
    "juv_misd_count",
    "juv_other_count",
    "c_charge_degree",
)

#: The label column: proven recidivism within two years (0/1).
COMPAS_LABEL = "two_year_recid"

_COUNT_COLUMNS = ("age", "priors_count", "juv_fel_count", "juv_misd_count", "juv_other_count")
_FILTER_COLUMNS = ("days_b_screening_arrest", "is_recid", "score_text")
_SEX = {"Male": "male", "Female": "female"}
_DEGREES = ("F", "M")


def _read(path: str | PathLike[str]) -> pd.DataFrame:
    p = Path(path)
    if not p.is_file():
        raise DatasetFileError(
            f"COMPAS file not found: {str(p)!r} (expected the ProPublica "
            "'compas-scores-two-years.csv')"
        )
    frame = pd.read_csv(p)
    needed = [*COMPAS_X_COLUMNS, COMPAS_LABEL, "race", *_FILTER_COLUMNS]
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise FeatureError(
            f"COMPAS file {str(p)!r} lacks column(s) {missing}; expected the ProPublica "
            f"two-year layout with at least {needed}"
        )
    return frame


def _propublica_mask(frame: pd.DataFrame) -> pd.Series:
    days = pd.to_numeric(frame["days_b_screening_arrest"], errors="coerce")
    return (
        days.between(-30, 30)  # NaN is excluded, as in ProPublica's R filter
        & (frame["is_recid"] != -1)
        & (frame["c_charge_degree"].astype(str) != "O")
        & (frame["score_text"].astype(str) != "N/A")
        & frame["score_text"].notna()
    )


def _check_column(frame: pd.DataFrame, column: str, allowed: tuple[str, ...] | None) -> None:
    values = frame[column]
    bad_rows = values.isna()
    if allowed is not None:
        bad_rows |= ~values.isin(allowed)
    else:
        numeric = pd.to_numeric(values, errors="coerce")
        bad_rows |= numeric.isna() | (numeric < 0) | (numeric != np.floor(numeric))
    if bad_rows.any():
        examples = values[bad_rows].head(3).tolist()
        rows = frame.index[bad_rows][:3].tolist()
        expected = f"one of {list(allowed)}" if allowed else "a non-negative whole number"
        raise FeatureError(
            f"COMPAS column {column!r}: expected {expected}, got {examples} "
            f"(rows {rows}; {int(bad_rows.sum())} bad value(s))"
        )


def _time_to_event(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rows with a positive time at risk, and their ``event``/``time`` frame."""
    missing = [c for c in _TIME_COLUMNS if c not in frame.columns]
    if missing:
        raise FeatureError(
            f"COMPAS file lacks column(s) {missing}, needed for outcome='time_to_event' "
            "(ProPublica's start/end/event)")
    for column in _TIME_COLUMNS:
        _check_column(frame, column, None)
    if not frame["event"].isin((0, 1)).all():
        bad = frame.loc[~frame["event"].isin((0, 1)), "event"].head(3).tolist()
        raise FeatureError(f"COMPAS column 'event': expected 0 or 1, got {bad}")
    days = frame["end"].astype("int64") - frame["start"].astype("int64")
    keep = days > 0
    dropped = int((~keep).sum())
    if dropped:
        warnings.warn(
            f"load_compas: dropped {dropped} row(s) with end <= start (no time at risk; "
            f"file ids {frame.loc[~keep, 'id'].head(8).tolist() if 'id' in frame else []})",
            UserWarning, stacklevel=3)
    frame = frame[keep].reset_index(drop=True)
    y = pd.DataFrame({"event": frame["event"].astype(bool).to_numpy(),
                      "time": days[keep].astype(float).to_numpy()}, index=frame.index)
    return frame, y


def load_compas(
    path: str | PathLike[str], propublica_filter: bool = False,
    outcome: Literal["two_year", "time_to_event"] = "two_year",
) -> tuple[pd.DataFrame, pd.Series | pd.DataFrame, pd.DataFrame]:
    """Load the ProPublica COMPAS two-year file as model inputs, label and audit frame.

    Parameters
    ----------
    path : str or path-like
        Path to ``compas-scores-two-years.csv``.
    propublica_filter : bool, default False
        Apply ProPublica's analysis filter (7,214 -> 6,172 rows):
        ``-30 <= days_b_screening_arrest <= 30`` (missing excluded), ``is_recid != -1``,
        ``c_charge_degree != 'O'``, ``score_text != 'N/A'``.
    outcome : {"two_year", "time_to_event"}, default "two_year"
        What ``y`` is: the two-year label, or the time to recidivism from ProPublica's
        ``start``/``end``/``event`` (see the module docstring; rows with
        ``end <= start`` are dropped with a warning that counts them).

    Returns
    -------
    X : pandas.DataFrame
        Columns :data:`COMPAS_X_COLUMNS`: ``age`` and the four counts as int64, ``sex``
        categorical (``male``, ``female``; lower-cased from the file), ``c_charge_degree``
        categorical (``F``, ``M``). ``race`` is never among them.
    y : pandas.Series or pandas.DataFrame
        ``two_year_recid`` as int64 0/1; with ``outcome="time_to_event"`` a frame with
        ``event`` (bool) and ``time`` (float, days at risk: ``end - start``).
    frame : pandas.DataFrame
        Every column of the file (``race``, ``decile_score``, ``score_text``, ...) for
        audits, on the same index as ``X`` and ``y``.

    The index is a fresh ``RangeIndex`` (0..n-1) after filtering; the file's own ``id``
    column stays in ``frame`` to trace rows back.

    Raises
    ------
    FileNotFoundError
        If ``path`` is not a file.
    riskassess.exceptions.FeatureError
        If a needed column is absent, or a feature or label value is missing or outside
        its vocabulary (names the column and the first bad rows).
    riskassess.exceptions.DatasetArgumentError
        If ``outcome`` is not one of the two.

    Examples
    --------
    >>> import io, tempfile, os
    >>> csv = ("id,sex,age,race,juv_fel_count,juv_misd_count,juv_other_count,priors_count,"
    ...        "days_b_screening_arrest,c_charge_degree,is_recid,score_text,two_year_recid\\n"
    ...        "1,Male,30,Other,0,0,0,2,-1,F,1,Low,1\\n"
    ...        "2,Female,45,Other,0,1,0,0,40,M,0,Low,0\\n")
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = os.path.join(d, "c.csv")
    ...     with open(p, "w") as f:
    ...         _ = f.write(csv)
    ...     X, y, frame = load_compas(p, propublica_filter=True)
    >>> list(X.columns) == list(COMPAS_X_COLUMNS) and "race" not in X.columns
    True
    >>> len(X), y.tolist(), frame["race"].tolist()
    (1, [1], ['Other'])

    With ProPublica's ``start``, ``end`` and ``event`` columns:

    >>> csv = csv.replace("two_year_recid\\n", "two_year_recid,start,end,event\\n")
    >>> csv = csv.replace(",1\\n2,", ",1,3,120,1\\n2,").replace(",0\\n", ",0,0,700,0\\n")
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = os.path.join(d, "c.csv")
    ...     with open(p, "w") as f:
    ...         _ = f.write(csv)
    ...     X, y, frame = load_compas(p, outcome="time_to_event")
    >>> y
       event   time
    0   True  117.0
    1  False  700.0
    """
    if outcome not in ("two_year", "time_to_event"):
        raise DatasetArgumentError(
            f"outcome must be 'two_year' or 'time_to_event', got {outcome!r}")
    frame = _read(path)
    if propublica_filter:
        frame = frame[_propublica_mask(frame)]
    frame = frame.reset_index(drop=True)
    survival: pd.DataFrame | None = None
    if outcome == "time_to_event":
        frame, survival = _time_to_event(frame)

    _check_column(frame, "sex", tuple(_SEX))
    _check_column(frame, "c_charge_degree", _DEGREES)
    _check_column(frame, COMPAS_LABEL, None)
    for column in _COUNT_COLUMNS:
        _check_column(frame, column, None)
    labels = frame[COMPAS_LABEL].astype("int64")
    if not labels.isin((0, 1)).all():
        bad = labels[~labels.isin((0, 1))].head(3).tolist()
        raise FeatureError(f"COMPAS column {COMPAS_LABEL!r}: expected 0 or 1, got {bad}")

    X = pd.DataFrame(index=frame.index)
    for column in COMPAS_X_COLUMNS:
        if column == "sex":
            X[column] = pd.Categorical(
                frame["sex"].map(_SEX).astype(object), categories=["male", "female"]
            )
        elif column == "c_charge_degree":
            X[column] = pd.Categorical(
                frame[column].astype(object), categories=list(_DEGREES)
            )
        else:
            X[column] = frame[column].astype("int64")
    y = labels.rename(COMPAS_LABEL)
    if survival is not None:
        return X, survival, frame
    return X, y, frame
