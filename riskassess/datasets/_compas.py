"""Loader for the ProPublica COMPAS two-year layout (Broward County, 2013-2014).

The file ``compas-scores-two-years.csv`` has one row per person screened. The loader
returns the model inputs ``X`` (never ``race``), the label ``y`` (``two_year_recid``)
and the full frame for audits, all three on the same index.
"""

from __future__ import annotations

from os import PathLike
from pathlib import Path

import numpy as np
import pandas as pd

from riskassess.exceptions import DatasetFileError, FeatureError

__all__ = ["COMPAS_LABEL", "COMPAS_X_COLUMNS", "load_compas"]

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


def load_compas(
    path: str | PathLike[str], propublica_filter: bool = False
) -> tuple[pd.DataFrame, pd.Series, pd.DataFrame]:
    """Load the ProPublica COMPAS two-year file as model inputs, label and audit frame.

    Parameters
    ----------
    path : str or path-like
        Path to ``compas-scores-two-years.csv``.
    propublica_filter : bool, default False
        Apply ProPublica's analysis filter (7,214 -> 6,172 rows):
        ``-30 <= days_b_screening_arrest <= 30`` (missing excluded), ``is_recid != -1``,
        ``c_charge_degree != 'O'``, ``score_text != 'N/A'``.

    Returns
    -------
    X : pandas.DataFrame
        Columns :data:`COMPAS_X_COLUMNS`: ``age`` and the four counts as int64, ``sex``
        categorical (``male``, ``female``; lower-cased from the file), ``c_charge_degree``
        categorical (``F``, ``M``). ``race`` is never among them.
    y : pandas.Series
        ``two_year_recid`` as int64 0/1.
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
    """
    frame = _read(path)
    if propublica_filter:
        frame = frame[_propublica_mask(frame)]
    frame = frame.reset_index(drop=True)

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
    return X, y, frame
