"""Checks on the labels, scores and groups given to validation.

Every check raises :class:`~riskassess.exceptions.ValidationInputError` naming the input,
the case id(s) (the pandas index when one is given, else ``row <i>``) and what was
expected.

Examples
--------
>>> import numpy as np
>>> check_labels([0, 1, 1], case_ids(3))
array([0, 1, 1], dtype=int8)
>>> check_labels([0, 2], case_ids(2))
Traceback (most recent call last):
...
riskassess.exceptions.ValidationInputError: y: labels must be 0 or 1; got 2 at row 1 ...
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from numbers import Integral, Real
from typing import Any

import numpy as np
import pandas as pd

from riskassess.exceptions import ValidationInputError

__all__ = ["case_ids", "check_count", "check_groups", "check_labels", "check_scores",
           "check_share", "ids_from"]

_SHOW = 5


def case_ids(n: int, index: pd.Index | None = None) -> list[str]:
    """Names of the rows used in messages: index labels when given, else ``row <i>``."""
    if index is None:
        return [f"row {i}" for i in range(n)]
    return [f"case {v!r}" for v in index]


def ids_from(n: int, *candidates: object) -> list[str]:
    """Row names from the first pandas object among ``candidates`` with a non-default index."""
    for obj in candidates:
        if isinstance(obj, pd.Series | pd.DataFrame) and len(obj) == n:
            if isinstance(obj.index, pd.RangeIndex) and obj.index.start == 0:
                continue
            return case_ids(n, obj.index)
    return case_ids(n)


def _where(ids: Sequence[str], bad: np.ndarray) -> str:
    rows = np.flatnonzero(bad)
    shown = ", ".join(ids[i] for i in rows[:_SHOW])
    more = f" and {len(rows) - _SHOW} more" if len(rows) > _SHOW else ""
    return f"{shown}{more}"


def _show(value: Any) -> str:
    return repr(value.item() if isinstance(value, np.generic) else value)


def _one_dim(values: Any, name: str) -> np.ndarray:
    if isinstance(values, pd.DataFrame):
        if values.shape[1] != 1:
            raise ValidationInputError(
                f"{name}: expected one column, got a table with columns {list(values.columns)}"
            )
        values = values.iloc[:, 0]
    arr = np.asarray(values.to_numpy() if isinstance(values, pd.Series) else values)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ValidationInputError(f"{name}: expected a 1-d array, got shape {arr.shape}")
    return arr


def check_length(n: int, arr: Any, name: str) -> None:
    """Raise unless ``arr`` has ``n`` rows."""
    if len(arr) != n:
        raise ValidationInputError(
            f"mismatched lengths: {name} has {len(arr)} rows, the labels y have {n}"
        )


def check_labels(y: Any, ids: Sequence[str], name: str = "y") -> np.ndarray:
    """Labels as int8 0/1; anything else (2, -1, 0.5, missing, text) raises."""
    arr = _one_dim(y, name)
    if arr.size == 0:
        raise ValidationInputError(f"{name}: no rows to validate")
    if arr.dtype == bool:
        return arr.astype(np.int8)
    num = np.asarray(pd.to_numeric(pd.Series(arr, copy=False), errors="coerce"), dtype=float)
    bad = ~np.isin(num, (0.0, 1.0))
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise ValidationInputError(
            f"{name}: labels must be 0 or 1; got {_show(arr[first])} at {ids[first]} "
            f"({int(bad.sum())} bad row(s): {_where(ids, bad)})"
        )
    return num.astype(np.int8)


def check_scores(
    scores: Any, ids: Sequence[str], name: str = "scores", *, probability: bool = True
) -> np.ndarray:
    """Scores as float64: finite, and within [0, 1] when ``probability``."""
    arr = _one_dim(scores, name)
    if arr.size == 0:
        raise ValidationInputError(f"{name}: no scores (an empty cohort)")
    try:
        num = np.asarray(arr, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValidationInputError(
            f"{name}: scores must be numbers; got dtype {arr.dtype}"
        ) from None
    bad = ~np.isfinite(num)
    if bad.any():
        raise ValidationInputError(
            f"{name}: scores must be finite numbers; got NaN or infinity at "
            f"{_where(ids, bad)}"
        )
    if probability:
        bad = (num < 0.0) | (num > 1.0)
        if bad.any():
            first = int(np.flatnonzero(bad)[0])
            raise ValidationInputError(
                f"{name}: probabilities must lie in [0, 1]; got {_show(num[first])} at "
                f"{ids[first]} ({int(bad.sum())} bad row(s): {_where(ids, bad)})"
            )
    return num


def check_groups(groups: Any, ids: Sequence[str], name: str = "groups") -> np.ndarray:
    """Group labels as an array of str; missing values raise (they would vanish silently)."""
    arr = _one_dim(groups, name)
    missing = np.asarray(pd.isna(pd.Series(arr, copy=False)))
    if missing.any():
        raise ValidationInputError(
            f"{name}: group is missing at {_where(ids, missing)}; give every case a group "
            "(for example 'unknown') so that no one is dropped silently"
        )
    return np.array([str(v) for v in arr], dtype=object)


def check_count(value: Any, name: str, minimum: int) -> int:
    """A whole-number parameter of at least ``minimum`` (bool is refused: it is a flag).

    Examples
    --------
    >>> check_count(200, "n_bootstrap", 0)
    200
    >>> check_count(-5, "n_bootstrap", 0)
    Traceback (most recent call last):
    ...
    riskassess.exceptions.ValidationInputError: n_bootstrap must be a whole number >= 0; got -5
    """
    if isinstance(value, bool) or not isinstance(value, Integral) or value < minimum:
        raise ValidationInputError(
            f"{name} must be a whole number >= {minimum}; got {_show(value)}")
    return int(value)


def check_share(value: Any, name: str) -> float:
    """A parameter that is a difference of probabilities: a number in [0, 1).

    Examples
    --------
    >>> check_share(0.05, "tolerance")
    0.05
    >>> check_share(-3, "tolerance")
    Traceback (most recent call last):
    ...
    riskassess.exceptions.ValidationInputError: tolerance must be a number in [0, 1); got -3
    """
    if isinstance(value, bool) or not isinstance(value, Real):
        raise ValidationInputError(f"{name} must be a number in [0, 1); got {_show(value)}")
    share = float(value)
    if math.isnan(share) or not 0.0 <= share < 1.0:
        raise ValidationInputError(f"{name} must be a number in [0, 1); got {_show(value)}")
    return share
