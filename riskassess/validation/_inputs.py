"""Case names, and checks on the labels, scores and groups given to validation.

Every check raises :class:`~riskassess.exceptions.ValidationInputError` naming the input,
the case id(s) (the pandas index when one is given, else ``row <i>``) and what was
expected. :func:`case_names` is the one rule for naming cases in validation: the time-to-
event checks and the fairness modules use it too.

Examples
--------
>>> import numpy as np
>>> check_labels([0, 1, 1], CaseNames(3))
array([0, 1, 1], dtype=int8)
>>> check_labels([0, 2], CaseNames(2))
Traceback (most recent call last):
...
riskassess.exceptions.ValidationInputError: y: labels must be 0 or 1; got 2 at row 1 ...
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from numbers import Integral, Real
from typing import Any, overload

import numpy as np
import pandas as pd

from riskassess.exceptions import ValidationInputError

__all__ = ["CaseNames", "case_index", "case_names", "check_count", "check_groups",
           "check_labels", "check_scores", "check_share", "checked_outcomes"]

_SHOW = 5


class CaseNames(Sequence[str]):
    """The names of the cases in messages, made only when a message asks for one.

    ``case '<index label>'`` when a pandas index is given, else ``row <i>``. A message names
    a handful of cases, while a list of a million strings built up front would cost more
    than most metrics.

    Examples
    --------
    >>> CaseNames(2)[1], CaseNames(1, pd.Index(["C-9"]))[0], CaseNames(1, pd.Index([7]))[0]
    ('row 1', "case 'C-9'", 'case 7')
    """

    def __init__(self, n: int, index: pd.Index | None = None) -> None:
        self._n = n
        self._index = index

    @property
    def pandas_index(self) -> pd.Index | None:
        """The pandas index the names come from, or None (names are ``row <i>``)."""
        return self._index

    def __len__(self) -> int:
        return self._n

    @overload
    def __getitem__(self, i: int) -> str: ...

    @overload
    def __getitem__(self, i: slice) -> Sequence[str]: ...

    def __getitem__(self, i: int | slice) -> str | Sequence[str]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(self._n))]
        j = range(self._n)[i]  # IndexError past the end, like a list
        if self._index is None:
            return f"row {j}"
        label = self._index[j]
        # A numpy scalar's repr is ``np.int64(7)``; the case id a user typed is ``7``.
        return f"case {label.item() if isinstance(label, np.generic) else label!r}"


def case_index(n: int, *candidates: object) -> pd.Index | None:
    """The index of the first pandas object of length ``n`` among ``candidates`` that has
    case ids of its own, or None when none has (a default 0..n-1 index names nobody).

    Examples
    --------
    >>> list(case_index(2, [0, 1], pd.Series([0, 1]), pd.Series([0, 1], index=["A", "B"])))
    ['A', 'B']
    >>> case_index(2, pd.Series([0, 1])) is None
    True
    """
    for obj in candidates:
        if isinstance(obj, pd.Series | pd.DataFrame) and len(obj) == n:
            if isinstance(obj.index, pd.RangeIndex) and obj.index.start == 0:
                continue
            return obj.index
    return None


def case_names(n: int, *candidates: object) -> CaseNames:
    """Names of ``n`` cases from the first of ``candidates`` with case ids (see
    :func:`case_index`), else ``row <i>``.

    Examples
    --------
    >>> names = case_names(3, [1, 2, 3], pd.Series([1, 2, 3], index=["p1", "p2", "p3"]))
    >>> names[1], len(names)
    ("case 'p2'", 3)
    """
    return CaseNames(n, case_index(n, *candidates))


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


def checked_outcomes(y_true: Any, y_prob: Any, *others: tuple[Any, str],
                     ) -> tuple[CaseNames, np.ndarray, np.ndarray]:
    """Case names, 0/1 outcomes and scores, checked; each ``(value, name)`` in ``others``
    must have the same length, unless its value is None (an optional input not given).

    The first pandas input with its own index names the cases in every error.

    Examples
    --------
    >>> ids, y, p = checked_outcomes([0, 1], [0.2, 0.9], (["a", "b"], "groups"))
    >>> ids[1], y.tolist(), p.tolist()
    ('row 1', [0, 1], [0.2, 0.9])
    """
    others = tuple((value, name) for value, name in others if value is not None)
    n = len(y_true)
    ids = case_names(n, y_true, y_prob, *(value for value, _ in others))
    check_length(n, y_prob, "y_prob")
    for value, name in others:
        check_length(n, value, name)
    return ids, check_labels(y_true, ids, "y_true"), check_scores(y_prob, ids, "y_prob")
