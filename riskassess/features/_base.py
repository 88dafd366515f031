"""The feature rules, written once: constants and the arithmetic every path shares.

Private to :mod:`riskassess.features` (which re-exports the public names). Per-case day
numbers and counts go in; :func:`_derive` applies every rule (first sanction, follow-up
start, ages, Copas rate, offence-free time, sanction-history group) with either numpy
operations (a whole table, :func:`_assemble`) or plain Python ones (one case,
:func:`riskassess.features.case_feature_row`), so the paths cannot drift apart.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from riskassess.exceptions import CaseValidationError
from riskassess.vocabulary import OffenceCategory, SanctionKind, Sex

__all__ = ["CATEGORIES", "DAYS_PER_YEAR", "FOLLOW_UP_WINDOW_DAYS"]

#: Days per year for every age and duration (ages are exact day counts / 365.25).
DAYS_PER_YEAR = 365.25

#: A follow-up start at most this many days from the assessment sets ``age_at_follow_up``.
FOLLOW_UP_WINDOW_DAYS = 730

#: Full category list of each categorical feature, in pandas category order.
CATEGORIES: dict[str, tuple[str, ...]] = {
    "sex": tuple(m.value for m in Sex),
    "index_offence": tuple(m.value for m in OffenceCategory),
    "index_kind": tuple(m.value for m in SanctionKind),
    "sanction_history": (
        "first_caution", "second_caution", "multiple_cautions", "first_conviction",
        "repeat_offender",
    ),
}

_CAUTION = CATEGORIES["index_kind"].index("caution")
_CONVICTION = CATEGORIES["index_kind"].index("conviction")
_EPOCH_ORDINAL = 719163  # date(1970, 1, 1).toordinal(): day numbers are days since 1970

#: Names of the per-case numbers :func:`_derive` reads (the columns of :func:`_assemble`'s
#: input; :func:`_case_numbers` gives them for one case, in this order).
_NUMBERS = ("dob", "assessment", "index_date", "follow_up_start", "has_follow_up_start",
            "n_prev", "n_conv", "n_caut", "n_cust", "first_prev", "last_prev", "violent",
            "breach", "sex", "index_offence", "index_kind")


@dataclass(frozen=True)
class _Ops:
    """The few operations whose spelling differs between arrays and Python scalars."""

    where: Callable[[Any, Any, Any], Any]
    minimum: Callable[[Any, Any], Any]
    abs: Callable[[Any], Any]
    log: Callable[[Any], Any]
    nan: float
    count: Callable[[Any], Any]  # a count or 0/1 flag as its output type
    category: Callable[[str, Any], Any]  # (feature, codes) -> categorical output


def _categorical(name: str, codes: np.ndarray) -> Any:
    return pd.Categorical.from_codes(codes.astype(np.int8),
                                     categories=pd.Index(list(CATEGORIES[name])))


_ARRAY_OPS = _Ops(np.where, np.minimum, np.abs, np.log, np.nan,
                  lambda v: v.astype(np.int64), _categorical)
# np.log (not math.log) so one case gives bit-for-bit the value of a table
_SCALAR_OPS = _Ops(lambda cond, a, b: a if cond else b, min, abs,
                   lambda x: float(np.log(x)), math.nan,
                   int, lambda name, code: CATEGORIES[name][code])


def _features(c: Mapping[str, Any], ops: _Ops) -> dict[str, Any]:
    """Every feature, in column order, from per-case day numbers and counts.

    ``c`` holds the values of :data:`_NUMBERS` (int64 arrays with :data:`_ARRAY_OPS`,
    Python ints with :data:`_SCALAR_OPS`): day numbers dob, assessment, index_date,
    follow_up_start (any value where has_follow_up_start is false), counts n_prev,
    n_conv, n_caut, n_cust, day numbers first_prev, last_prev (any value where
    n_prev == 0), flags violent, breach (0/1) and category codes sex, index_offence,
    index_kind. This is the one place each feature rule is written.
    """
    dob, ad, idx, n_prev = c["dob"], c["assessment"], c["index_date"], c["n_prev"]
    has_prev = n_prev > 0
    first = ops.where(has_prev, ops.minimum(c["first_prev"], idx), idx)
    near = c["has_follow_up_start"] & (ops.abs(c["follow_up_start"] - ad)
                                       <= FOLLOW_UP_WINDOW_DAYS)
    start = ops.where(near, c["follow_up_start"], ad)
    age = (ad - dob) / DAYS_PER_YEAR
    age_first = (first - dob) / DAYS_PER_YEAR
    total = n_prev + 1
    convictions_total = c["n_conv"] + (c["index_kind"] != _CAUTION)
    history = ops.where(convictions_total == 0, ops.minimum(total, 3) - 1,
                        ops.where(total == 1, 3, 4))
    count, category = ops.count, ops.category
    return {
        "age": age,
        "age_at_follow_up": (start - dob) / DAYS_PER_YEAR,
        "sex": category("sex", c["sex"]),
        "previous_sanctions": count(n_prev),
        "previous_convictions": count(c["n_conv"]),
        "previous_cautions": count(c["n_caut"]),
        "previous_custodial": count(c["n_cust"]),
        "age_first_sanction": age_first,
        "career_length": (ad - first) / DAYS_PER_YEAR,
        "copas_rate": ops.log((1.0 + n_prev) / (10.0 + age - age_first)),
        "years_since_last_sanction": ops.where(has_prev, (ad - c["last_prev"]) / DAYS_PER_YEAR,
                                               ops.nan),
        "index_offence": category("index_offence", c["index_offence"]),
        "index_kind": category("index_kind", c["index_kind"]),
        "sanction_history": category("sanction_history", history),
        "violent_history": count(c["violent"]),
        "breach_history": count(c["breach"]),
    }


def _assemble(case_ids: Any, c: Mapping[str, np.ndarray], check_unique: bool = True,
              ) -> pd.DataFrame:
    """Per-case day numbers and counts (int64 arrays, see :func:`_features`) -> the
    feature frame (the per-case and the table path both end here)."""
    columns = _features(c, _ARRAY_OPS)
    index = pd.Index(case_ids, name="case_id", dtype="str")
    if check_unique and not index.is_unique:
        dup = index[index.duplicated()].unique().tolist()[:10]
        raise CaseValidationError([(str(d), "case_id", "case id is not unique") for d in dup])
    return pd.DataFrame(columns, index=index)


_SEX_CODE = {m: i for i, m in enumerate(Sex)}
_OFFENCE_CODE = {m: i for i, m in enumerate(OffenceCategory)}
_KIND_CODE = {m: i for i, m in enumerate(SanctionKind)}


def _case_numbers(case: Any) -> tuple[int, ...]:
    """The values of :data:`_NUMBERS` for one validated case (flags as 0/1)."""
    ep = _EPOCH_ORDINAL
    conv = caut = cust = violent = breach = 0
    first = last = 0
    days = [s.date.toordinal() - ep for s in case.sanctions]
    for s in case.sanctions:
        if s.kind is SanctionKind.CONVICTION:
            conv += 1
            cust += s.disposal == "custody"
        else:
            caut += 1
        violent |= s.violent
        breach |= s.offence.is_breach
    if days:
        first, last = min(days), max(days)
    fus = case.follow_up_start
    return (
        case.person.date_of_birth.toordinal() - ep,
        case.assessment_date.toordinal() - ep,
        case.index_offence.date.toordinal() - ep,
        0 if fus is None else fus.toordinal() - ep,
        int(fus is not None),
        len(days), conv, caut, int(cust), first, last, int(violent), int(breach),
        _SEX_CODE[case.person.sex],
        _OFFENCE_CODE[case.index_offence.offence],
        _KIND_CODE[case.index_offence.kind],
    )


