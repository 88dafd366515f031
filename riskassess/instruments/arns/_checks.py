"""The input frame of ARP, VRP and SVRP read once, checked, and which rows take DYNAMIC.

The rules are the service's validation rules (arns.md section 5) written on columns:
whole-year ages with ``age_at_first_sanction`` in 0..109 and not after the age at
conviction, 1..999 sanctions, 0..n violent sanctions, 0..36 offence-free months, an
actuarial category of the 24, need items on their scales (NaN: not recorded). Errors name
the column and the rows (the frame's index: case ids for
:func:`~riskassess.instruments.arns.arns_inputs`).

Every column is read from the frame once per call (a frame of a few rows as one block:
reading its columns one by one costs more than scoring it), and each column is checked
with reductions only (min, max and the largest fractional part); the failing rows are
looked for only when a check fails.

Examples
--------
>>> import pandas as pd
>>> X = pd.DataFrame({"female": [0], "age_at_followup": [30.5], "age_at_conviction": [30],
...     "age_at_first_sanction": [18], "n_sanctions": [4],
...     "offence_category": ["THEFT_NON_MOTOR"], "offence_free_months": [6]}, index=["C-1"])
>>> read_inputs(X, "arp", "ARP")
Traceback (most recent call last):
...
riskassess.exceptions.FeatureError: ARP: column 'age_at_followup' must hold whole years (as the service computes ages; arns_inputs does) for rows ['C-1']
"""  # noqa: E501

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from riskassess.exceptions import FeatureError
from riskassess.instruments.arns._terms import NEED_COLUMNS, NEED_SOURCES
from riskassess.instruments.arns._validation import DRUG_FIELDS, DYNAMIC_REQUIRED
from riskassess.instruments.arns._vector import FrameReader, required_columns

__all__ = ["Inputs", "dynamic_rows", "kernel_columns", "optional_columns", "read_inputs"]

# (low, high) of each history column, all whole numbers; age_at_followup < 110 is the
# service's rule g (ARP and VRP; SVRP does not check it, the Case path does).
_RANGES: dict[str, tuple[float, float]] = {
    "female": (0, 1),
    "age_at_followup": (0, 109),
    "age_at_conviction": (0, 200),
    "age_at_first_sanction": (0, 109),
    "n_sanctions": (1, 999),
    "n_violent_sanctions": (0, 999),
    "offence_free_months": (0, 36),
}
_SCALE = {"problem": 2, "motivation": 2}  # every other encoding is 0/1


@dataclass(frozen=True)
class Inputs:
    """A checked input frame as arrays.

    Attributes
    ----------
    index : pandas.Index
        The frame's index (case ids), for messages and results.
    columns : dict of str to ndarray of float64
        History columns, and the need columns present (NaN: not recorded). The arrays
        may be views of the caller's frame: never written to.
    categories : ndarray of int
        Position of each row's offence category in the kernel's category order.
    with_missing : frozenset of str
        The need columns that hold NaN.
    """

    index: pd.Index
    columns: dict[str, np.ndarray]
    categories: np.ndarray
    with_missing: frozenset[str]


def _rows(index: pd.Index, bad: np.ndarray) -> list[Any]:
    return index[bad][:5].tolist()


@cache
def _dynamic_columns(predictor: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(required, optional) need columns of the predictor's DYNAMIC form."""
    read = [c for c in required_columns(predictor, "dynamic") if c in NEED_SOURCES]  # type: ignore[arg-type]
    required = tuple(c for c in read if NEED_SOURCES[c][0] in DYNAMIC_REQUIRED[predictor])
    return required, tuple(c for c in read if c not in required)


@cache
def _bounds(history: tuple[str, ...], needs: tuple[str, ...]
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(low, high, NaN allowed) of each column, for checking a block of cells at once."""
    tops = [_SCALE.get(NEED_SOURCES[c][1], 1) for c in needs]
    return (np.array([_RANGES[c][0] for c in history] + [0] * len(needs), dtype=np.float64),
            np.array([_RANGES[c][1] for c in history] + tops, dtype=np.float64),
            np.array([False] * len(history) + [True] * len(needs)))


def _check(v: np.ndarray, low: float, high: float, *, whole: bool, missing_ok: bool
           ) -> tuple[bool, bool]:
    """(every value is whole in ``low..high``, some value is NaN), by reductions only."""
    smallest, largest = v.min(), v.max()  # NaN if any value is NaN
    missing = bool(np.isnan(smallest))
    if missing:
        if not missing_ok:
            return False, True
        smallest, largest = np.fmin.reduce(v), np.fmax.reduce(v)  # NaN-ignoring
        if np.isnan(smallest):  # every value missing
            return True, True
    if smallest < low or largest > high:
        return False, missing
    if not whole:
        fraction = np.round(v)
        fraction -= v  # NaN where missing, ignored by fmin/fmax
        if np.fmax.reduce(fraction) != 0 or np.fmin.reduce(fraction) != 0:
            return False, missing
    return True, missing


def _refuse_history(v: np.ndarray, column: str, index: pd.Index, name: str) -> None:
    low, high = _RANGES[column]
    if np.isnan(v).any():
        raise FeatureError(f"{name}: column {column!r} is missing for rows "
                           f"{_rows(index, np.isnan(v))}")
    bad = (v < low) | (v > high)
    if bad.any():
        raise FeatureError(f"{name}: column {column!r} must lie in {low:g}..{high:g}; "
                           f"rows {_rows(index, bad)} do not")
    frac = v != np.floor(v)
    raise FeatureError(f"{name}: column {column!r} must hold whole years (as the "
                       "service computes ages; arns_inputs does) for rows "
                       f"{_rows(index, frac)}" if column.startswith("age") else
                       f"{name}: column {column!r} must hold whole numbers for rows "
                       f"{_rows(index, frac)}")


def read_inputs(X: Any, predictor: str, name: str, *, needs: bool = True) -> Inputs:
    """Read and check an input frame.

    Parameters
    ----------
    X : pandas.DataFrame
    predictor : {"arp", "vrp", "svrp"}
    name : str
        The model's name, for messages.
    needs : bool, default True
        Whether to read and check the need items (not when only the STATIC form is used).

    Returns
    -------
    Inputs

    Raises
    ------
    FeatureError
        Not a frame, no rows, a missing history column or value, a value off its scale
        or range, an offence category outside the 24.
    """
    if not isinstance(X, pd.DataFrame):
        static = required_columns(predictor, "static")  # type: ignore[arg-type]
        raise FeatureError(f"{name} reads a DataFrame of ARNS input columns (arns_inputs "
                           f"builds it from case records); got {type(X).__name__}. Columns: "
                           f"{', '.join(static)}; need items (DYNAMIC form, optional): "
                           f"{', '.join(NEED_COLUMNS)}")
    if len(X) == 0:
        raise FeatureError(f"{name}: found a frame with 0 rows; at least one is needed")
    static = required_columns(predictor, "static")  # type: ignore[arg-type]
    missing = [c for c in static if c not in X.columns]
    if missing:
        raise FeatureError(f"{name} reads columns {static}; missing {missing} (build the "
                           "frame with arns_inputs)")
    reader = FrameReader(X, name)
    index = X.index
    history = tuple(c for c in static if c != "offence_category")
    present = tuple(c for c in NEED_COLUMNS if c in X.columns) if needs else ()
    trusted = reader.small_block((*history, *present), *_bounds(history, present),
                                 n_history=len(history))  # a few rows at once
    columns: dict[str, np.ndarray] = {} if trusted is None else trusted[0]
    for column in history if trusted is None else ():
        v, whole = reader.floats(column)
        low, high = _RANGES[column]
        if not _check(v, low, high, whole=whole, missing_ok=False)[0]:
            _refuse_history(v, column, index, name)
        columns[column] = v
    late = columns["age_at_first_sanction"] > columns["age_at_conviction"]
    if late.any():
        raise FeatureError(f"{name}: 'age_at_first_sanction' is after 'age_at_conviction' "
                           f"for rows {_rows(index, late)}")
    if "n_violent_sanctions" in columns:
        over = columns["n_violent_sanctions"] > columns["n_sanctions"]
        if over.any():
            raise FeatureError(f"{name}: 'n_violent_sanctions' exceeds 'n_sanctions' for "
                               f"rows {_rows(index, over)}")
    categories, unknown_cells = reader.categories()
    unknown = categories < 0
    if unknown.any():
        shown = sorted({str(c) for c in unknown_cells[:50]})[:5]
        raise FeatureError(f"{name}: column 'offence_category' holds {shown}, not among the "
                           f"24 actuarial categories, for rows {_rows(index, unknown)}")
    with_missing = set() if trusted is None else trusted[1]
    for column in present if trusted is None else ():
        v, whole = reader.floats(column)
        top = _SCALE.get(NEED_SOURCES[column][1], 1)
        ok, has_missing = _check(v, 0, top, whole=whole, missing_ok=True)
        if not ok:
            off = ~(np.isnan(v) | ((v >= 0) & (v <= top) & (v == np.floor(v))))
            raise FeatureError(f"{name}: need item {column!r} must be 0..{top} (or NaN, not "
                               f"recorded); rows {_rows(index, off)} are not")
        columns[column] = v
        if has_missing:
            with_missing.add(column)
    return Inputs(index, columns, categories, frozenset(with_missing))


def dynamic_rows(inputs: Inputs, predictor: str) -> tuple[np.ndarray, list[str]]:
    """Rows that can take the DYNAMIC form, and what keeps the others STATIC.

    Parameters
    ----------
    inputs : Inputs
        Read with ``needs=True`` (an absent need column counts as not recorded).
    predictor : {"arp", "vrp", "svrp"}

    Returns
    -------
    ok : ndarray of bool
    reasons : list of str
        One per missing request field (its columns and rows), plus the service's
        motivation rule (ARP, VRP): drug use recorded without the motivation item.
    """
    required, _ = _dynamic_columns(predictor)
    n = len(inputs.index)
    ok = np.ones(n, dtype=bool)
    reasons = []
    by_field: dict[str, list[str]] = {}
    for column in required:
        by_field.setdefault(NEED_SOURCES[column][0], []).append(column)

    def not_recorded(column: str) -> np.ndarray | bool:
        if column not in inputs.columns:
            return True
        if column not in inputs.with_missing:
            return False
        return np.isnan(inputs.columns[column])

    for field in DYNAMIC_REQUIRED[predictor]:
        columns = by_field.get(field, [])
        miss = np.zeros(n, dtype=bool)
        for column in columns:
            miss |= not_recorded(column)
        if miss.any():
            ok &= ~miss
            reasons.append(f"{field} ({', '.join(columns)}) not recorded for "
                           f"{int(miss.sum())} row(s), e.g. {_rows(inputs.index, miss)[:3]}")
    drugs = [c for c in NEED_COLUMNS if NEED_SOURCES[c][0] in DRUG_FIELDS[predictor]
             and c in inputs.columns]
    motivation = not_recorded("drug_motivation")
    if drugs and np.any(motivation):
        used = np.zeros(n, dtype=bool)
        for column in drugs:
            used |= inputs.columns[column] == 1
        clash = motivation & used
        if clash.any():
            ok &= ~clash
            reasons.append("drug use recorded without motivationToTackleDrugMisuse "
                           "(MOTIVATION_TO_TACKLE_DRUG_MISUSE_INCONSISTENT) for rows "
                           f"{_rows(inputs.index, clash)}")
    return ok, reasons


def kernel_columns(inputs: Inputs, predictor: str) -> dict[str, np.ndarray]:
    """The columns the term kernel reads: need items not recorded count as 0 (the rows
    missing a required one are STATIC, whose need terms have coefficient 0; an optional
    one counts as 0, as in the service), and an absent need column is all 0.

    Parameters
    ----------
    inputs : Inputs
    predictor : {"arp", "vrp", "svrp"}

    Returns
    -------
    dict of str to ndarray of float64
    """
    out = dict(inputs.columns)
    for column in inputs.with_missing:
        # fmax ignores NaN: NaN -> 0, and every recorded value is already >= 0
        out[column] = np.fmax(inputs.columns[column], 0.0)
    required, optional = _dynamic_columns(predictor)
    for column in (*required, *optional):
        if column not in out:
            out[column] = np.zeros(len(inputs.index))
    return out


def optional_columns(predictor: str) -> tuple[str, ...]:
    """Need columns the DYNAMIC form reads but the service does not require (drug flags,
    ARP's motivation): not recorded counts as 0, as in the service.

    Parameters
    ----------
    predictor : {"arp", "vrp", "svrp"}

    Returns
    -------
    tuple of str

    Examples
    --------
    >>> optional_columns("arp")[:2]
    ('drug_motivation', 'heroin')
    """
    return _dynamic_columns(predictor)[1]
