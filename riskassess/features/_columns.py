"""Column parsing for the table path: dates, codes, flags and ids, vectorised.

Private to :mod:`riskassess.features` (used by
:func:`riskassess.features.build_features_from_tables` and :mod:`riskassess.datasets`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from riskassess.features._base import CATEGORIES
from riskassess.vocabulary import Disposal

_ID_RE = r"[A-Za-z0-9][A-Za-z0-9._:\-]{0,63}"
# What riskassess.cases accepts as a date string: ASCII digits only (pandas' "%Y-%m-%d"
# alone would also take '1985-4-1' and Arabic-Indic or full-width digits)
_ISO_DATE_RE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


def _is_text(col: pd.Series) -> bool:
    return bool(pd.api.types.is_string_dtype(col.dtype) and col.dtype != object)


def _iso_or_none(value: object) -> str | None:
    """ISO text of a date, a string as is; a datetime only at midnight without time zone."""
    if type(value) is date:
        return value.isoformat()
    if value is pd.NaT:  # a datetime subclass without a year: missing, like None
        return None
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
        # a list, not Series.map: pandas would infer its str dtype, which cannot hold a
        # lone surrogate
        text = _as_text(pd.Series([_iso_or_none(v) for v in col], dtype=object)
                        if col.dtype == object else col)
        iso = pc.match_substring_regex(text, _ISO_DATE_RE).fill_null(False)
        text = pc.if_else(iso, text, pa.scalar(None, pa.large_string()))
        parsed = pd.to_datetime(pd.Series(text.to_pandas(), dtype=object),
                                format="%Y-%m-%d", errors="coerce").to_numpy()
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
    """Mask of valid pseudonymous ids (the pattern of :data:`riskassess.types.CaseId`)."""
    matched = pc.match_substring_regex(_as_text(col), "^" + _ID_RE + "$").fill_null(False)
    return np.asarray(matched.to_numpy(zero_copy_only=False), dtype=bool)


_VOCAB: dict[str, tuple[str, ...]] = {
    "sex": CATEGORIES["sex"],
    "offence": CATEGORIES["index_offence"],
    "kind": CATEGORIES["index_kind"],
    "disposal": tuple(m.value for m in Disposal),
}



def _iso(day: Any) -> str:
    return str(np.datetime64(int(day), "D"))


def _text_or_none(value: object) -> str | None:
    """A string that can be stored as UTF-8 (no lone surrogate); anything else None."""
    if type(value) is not str and not isinstance(value, str):
        return None
    if value.isascii():  # the common case, without encoding
        return value
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: not text, and the Case path refuses it
        return None
    return value


def _as_text(col: pd.Series) -> pa.LargeStringArray:
    """The column as a pyarrow large_string array; non-strings (and lone surrogates) null."""
    if _is_text(col):
        try:
            return pa.array(col).cast(pa.large_string())
        except (pa.ArrowException, UnicodeEncodeError):  # a Python-backed string column
            pass
    values = np.array([_text_or_none(v) for v in col], dtype=object)
    return pa.array(values, type=pa.large_string(), from_pandas=True)


def _run_starts(text: pa.Array) -> np.ndarray:
    """Rows where the value differs from the row before (row 0 always), nulls as values."""
    if len(text) == 0:
        return np.zeros(0, dtype=np.int64)
    differs = pc.not_equal(text[1:], text[:-1])
    # a null next to anything counts as a change (not_equal gives null there)
    differs = pc.fill_null(differs, True)
    changed = np.asarray(differs.to_numpy(zero_copy_only=False), dtype=bool)
    return np.concatenate([[0], np.flatnonzero(changed) + 1])


def _lookup(keys: pd.Series, reference: pd.Series) -> np.ndarray:
    """Row of the first occurrence of each key in ``reference`` (-1 when absent).

    Hash look-ups of millions of strings spill out of the processor's caches, so the time
    per row grows with the table. Two common layouts avoid most of them: keys equal to
    the reference row by row (assessments listed in the order of people), and keys in
    runs (sanctions grouped by person), where only the first key of each run is looked up.
    """
    if isinstance(keys.dtype, pd.CategoricalDtype):  # look up the categories only
        per_category = _lookup(pd.Series(keys.cat.categories), reference)
        codes = np.asarray(keys.cat.codes, dtype=np.int64)
        if np.array_equal(per_category, np.arange(per_category.size)):
            return codes  # categories in the reference's order: the codes are the rows
        return np.where(codes >= 0, per_category[np.maximum(codes, 0)] if codes.size else codes,
                        -1)
    key_text, reference_text = _as_text(keys), _as_text(reference)
    if (len(key_text) == len(reference_text) and len(key_text) > 0
            and key_text.null_count == 0 and reference_text.null_count == 0):
        same = pc.all(pc.equal(key_text, reference_text)).as_py()
        if same and not _has_duplicates(reference_text):
            return np.arange(len(key_text), dtype=np.int64)
    starts = _run_starts(key_text)
    if starts.size * 2 < len(key_text):  # long runs: look up one key per run
        heads = pc.index_in(key_text.take(pa.array(starts)), value_set=reference_text,
                            skip_nulls=True).fill_null(-1)
        head_rows = np.asarray(heads.to_numpy(zero_copy_only=False), dtype=np.int64)
        return np.repeat(head_rows, np.diff(np.append(starts, len(key_text))))
    found = pc.index_in(key_text, value_set=reference_text, skip_nulls=True).fill_null(-1)
    return np.asarray(found.to_numpy(zero_copy_only=False), dtype=np.int64)


def _has_duplicates(text: pa.Array) -> bool:
    """Whether a non-null value occurs twice (strictly increasing text has none)."""
    if len(text) < 2:
        return False
    if text.null_count == 0 and pc.all(pc.greater(text[1:], text[:-1])).as_py():
        return False  # sorted ids (the usual export): one pass over memory, no hashing
    non_null = pc.drop_null(text)
    return bool(pc.count_distinct(non_null).as_py() != len(non_null))


def _duplicated(col: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(first occurrence row of each row's value, mask of values that occur more than once)."""
    if not _has_duplicates(_as_text(col)):
        return np.arange(len(col), dtype=np.int64), np.zeros(len(col), dtype=bool)
    first = _lookup(col, col)
    first = np.where(first >= 0, first, np.arange(len(col)))  # nulls: their own row
    later = first != np.arange(len(col))
    dup = later.copy()
    dup[first[later]] = True
    return first, dup
