"""Column parsing for the table path: dates, codes, flags and ids, vectorised.

Private to :mod:`riskassess.features` (used by
:func:`riskassess.features.build_features_from_tables` and :mod:`riskassess.datasets`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

from riskassess.features._base import CATEGORIES
from riskassess.vocabulary import Disposal, OffenceCategory

_ID_RE = r"[A-Za-z0-9][A-Za-z0-9._:\-]{0,63}"


def _is_text(col: pd.Series) -> bool:
    return bool(pd.api.types.is_string_dtype(col.dtype) and col.dtype != object)


def _iso_or_none(value: object) -> str | None:
    """ISO text of a date, a string as is; a datetime only at midnight without time zone."""
    if type(value) is date:
        return value.isoformat()
    if isinstance(value, datetime):
        midnight = value.tzinfo is None and value == datetime(value.year, value.month, value.day)
        return value.date().isoformat() if midnight else None
    return value if isinstance(value, str) else None


def _days(col: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Day numbers (days since 1970), valid mask and missing mask of a date column."""
    missing = col.isna().to_numpy()
    if pd.api.types.is_datetime64_dtype(col.dtype):
        values = col.to_numpy()
        day = values.astype("datetime64[D]")
        ok = ~missing & (day == values)  # midnight only
        days = day.astype(np.int64)
    elif col.dtype == object or _is_text(col):
        text = col.map(_iso_or_none) if col.dtype == object else col
        parsed = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce").to_numpy()
        ok = ~np.isnat(parsed)
        days = parsed.astype("datetime64[D]").astype(np.int64)
    else:
        ok = np.zeros(len(col), dtype=bool)
        days = np.zeros(len(col), dtype=np.int64)
    return np.where(ok, days, 0), ok, missing


def _codes(col: pd.Series, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Category codes (-1 when unknown or missing) and the missing mask."""
    missing = col.isna().to_numpy()
    if isinstance(col.dtype, pd.CategoricalDtype) or col.dtype == object or _is_text(col):
        codes = _lookup(col, pd.Series(list(_VOCAB[name]), dtype=object))
    else:
        codes = np.full(len(col), -1, dtype=np.int64)
    return codes, missing


def _bools(col: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Values and valid mask of a flag column (real booleans only)."""
    if col.dtype == bool:
        return col.to_numpy(), np.ones(len(col), dtype=bool)
    if isinstance(col.dtype, pd.BooleanDtype):
        return col.fillna(False).to_numpy(dtype=bool), col.notna().to_numpy()
    if col.dtype == object:
        ok = np.fromiter((type(v) is bool or type(v) is np.bool_ for v in col), bool, len(col))
        return ok & np.fromiter((v is True or v is np.True_ for v in col), bool, len(col)), ok
    return np.zeros(len(col), dtype=bool), np.zeros(len(col), dtype=bool)


def _ids_ok(col: pd.Series) -> np.ndarray:
    text = col if _is_text(col) else col.map(lambda v: v if isinstance(v, str) else None)
    return text.astype("str").str.fullmatch(_ID_RE).fillna(False).to_numpy(dtype=bool) & (
        col.notna().to_numpy()
    )


def _tenth_days(dob: np.ndarray) -> np.ndarray:
    """Day number of the 10th birthday (29 February -> 1 March)."""
    d = dob.astype("datetime64[D]")
    month = d.astype("datetime64[M]")
    offset = (d - month.astype("datetime64[D]")).astype(np.int64)
    return (month + 120).astype("datetime64[D]").astype(np.int64) + offset


_VOCAB: dict[str, tuple[str, ...]] = {
    "sex": CATEGORIES["sex"],
    "offence": CATEGORIES["index_offence"],
    "kind": CATEGORIES["index_kind"],
    "disposal": tuple(m.value for m in Disposal),
}


_CUSTODY = _VOCAB["disposal"].index("custody")
_BREACH = tuple(i for i, m in enumerate(OffenceCategory) if m.is_breach)


def _iso(day: Any) -> str:
    return str(np.datetime64(int(day), "D"))


def _as_text(col: pd.Series) -> Any:
    """The column as a pyarrow large_string array (non-strings become null), or None."""
    try:
        import pyarrow as pa
    except ImportError:  # pragma: no cover - pandas without pyarrow
        return None
    if col.dtype == object or not _is_text(col):
        col = col.map(lambda v: v if isinstance(v, str) else None).astype(object)
        return pa.array(col.to_numpy(), type=pa.large_string(), from_pandas=True)
    return pa.array(col).cast(pa.large_string())


def _lookup(keys: pd.Series, reference: pd.Series) -> np.ndarray:
    """Row of the first occurrence of each key in ``reference`` (-1 when absent)."""
    if isinstance(keys.dtype, pd.CategoricalDtype):  # look up the categories only
        per_category = _lookup(pd.Series(keys.cat.categories), reference)
        codes = np.asarray(keys.cat.codes, dtype=np.int64)
        return np.where(codes >= 0, per_category[np.maximum(codes, 0)] if codes.size else codes,
                        -1)
    k, r = _as_text(keys), _as_text(reference)
    if k is not None and r is not None:
        import pyarrow.compute as pc

        found = pc.index_in(k, value_set=r, skip_nulls=True).fill_null(-1)
        return np.asarray(found.to_numpy(zero_copy_only=False), dtype=np.int64)
    return _lookup_pandas(keys, reference)  # pragma: no cover - pandas without pyarrow


def _lookup_pandas(keys: pd.Series, reference: pd.Series) -> np.ndarray:
    """:func:`_lookup` with pandas hashing only (strings only; slower)."""
    def text(col: pd.Series) -> np.ndarray:
        return np.array([v if isinstance(v, str) else None for v in col], dtype=object)

    ref = pd.Index(text(reference))
    first = ~ref.duplicated() & ref.notna()
    rows = np.flatnonzero(first)
    pos = pd.Index(ref[first]).get_indexer(pd.Index(text(keys)))
    return np.asarray(np.where(pos >= 0, rows[np.maximum(pos, 0)], -1), dtype=np.int64)


def _duplicated(col: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(first occurrence row of each row's value, mask of values that occur more than once)."""
    first = _lookup(col, col)
    first = np.where(first >= 0, first, np.arange(len(col)))  # nulls: their own row
    later = first != np.arange(len(col))
    dup = later.copy()
    dup[first[later]] = True
    return first, dup
