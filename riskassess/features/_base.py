"""The feature rules, written once: constants, the per-case aggregation and the arithmetic.

Private to :mod:`riskassess.features` (which re-exports the public names). Every path
builds features in the same two steps:

1. :func:`_summarise_sanctions` turns previous-sanction rows (each tagged with the case
   it belongs to) into per-case counts, flags and first / last days: the one
   aggregation, used by the per-case path (:mod:`riskassess.features._cases`), the table
   path (:mod:`riskassess.features._tables`) and so by the synthetic cohort, which goes
   through the table path;
2. :func:`_features` applies every feature rule (first sanction, follow-up start, ages,
   Copas rate, offence-free time, sanction-history group) to those per-case numbers,
   with numpy operations (many cases, :func:`_assemble`) or plain Python ones (one case,
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
from riskassess.vocabulary import Disposal, OffenceCategory, SanctionKind, Sex

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
_DISPOSALS = tuple(m.value for m in Disposal)
_CUSTODY = _DISPOSALS.index("custody")
#: Codes of the offence categories that count as breach / bail offences.
_BREACH = tuple(i for i, m in enumerate(OffenceCategory) if m.is_breach)

#: The per-case numbers :func:`_features` reads, as :func:`_summarise_sanctions` and the
#: callers name them. Day numbers count days since 1970-01-01.
_NUMBERS = (
    "birth_day", "assessment_day", "index_day", "follow_up_day", "has_follow_up_start",
    "previous", "previous_convictions", "previous_cautions", "previous_custodial",
    "first_previous_day", "last_previous_day", "any_violent", "any_breach",
    "sex", "index_offence", "index_kind",
)


@dataclass(frozen=True)
class _Reductions:
    """Element-wise tests and per-case reductions, for arrays or for one case's lists."""

    equal: Callable[[Any, int], Any]  # (column, code) -> mask
    both: Callable[[Any, Any], Any]  # (mask, mask) -> mask
    member: Callable[[Any, Any], Any]  # (column, codes) -> mask
    rows: Callable[[Any], Any]  # any column -> number of rows per case
    count: Callable[[Any], Any]  # mask -> count per case
    any: Callable[[Any], Any]  # mask -> flag per case
    first: Callable[[Any], Any]  # days -> earliest per case
    last: Callable[[Any], Any]  # days -> latest per case


def _array_reductions(case_of: np.ndarray, n_cases: int) -> _Reductions:
    """Reductions over sanction rows tagged with their case's position ``case_of``."""
    def count(mask: np.ndarray) -> np.ndarray:
        return np.bincount(case_of[mask], minlength=n_cases).astype(np.int64, copy=False)

    def extreme(ufunc: np.ufunc, start: int) -> Callable[[np.ndarray], np.ndarray]:
        def reduce(days: np.ndarray) -> np.ndarray:
            out = np.full(n_cases, start, dtype=np.int64)
            ufunc.at(out, case_of, days)
            return out
        return reduce

    return _Reductions(
        equal=lambda column, code: column == code,
        both=np.logical_and,
        member=np.isin,
        rows=lambda _column: np.bincount(case_of, minlength=n_cases).astype(np.int64,
                                                                             copy=False),
        count=count,
        any=lambda mask: count(mask.astype(bool, copy=False)) > 0,
        first=extreme(np.minimum, np.iinfo(np.int64).max),
        last=extreme(np.maximum, np.iinfo(np.int64).min),
    )


# one case, its sanctions as Python lists: no numpy call costs a microsecond per sanction
_LIST_REDUCTIONS = _Reductions(
    equal=lambda column, code: [value == code for value in column],
    both=lambda a, b: [x and y for x, y in zip(a, b, strict=True)],
    member=lambda column, codes: [value in codes for value in column],
    rows=len,
    count=sum,
    any=any,
    first=lambda days: min(days, default=0),
    last=lambda days: max(days, default=0),
)


def _summarise_sanctions(day: Any, kind: Any, disposal: Any, offence: Any, violent: Any,
                         reduce: _Reductions) -> dict[str, Any]:
    """Previous-sanction rows -> per-case counts, flags and first / last day.

    The one place that says which previous sanctions count for what. The columns are
    arrays over many cases' rows (with :func:`_array_reductions`) or one case's lists
    (with :data:`_LIST_REDUCTIONS`).

    Parameters
    ----------
    day, kind, disposal, offence : int arrays or lists
        Day number, and the codes of :data:`CATEGORIES` (``disposal``: position in
        :class:`~riskassess.vocabulary.Disposal`, -1 for a caution).
    violent : bool array or list
    reduce : _Reductions

    Returns
    -------
    dict of str to array or int
        ``previous``, ``previous_convictions``, ``previous_cautions``,
        ``previous_custodial`` (counts), ``any_violent``, ``any_breach`` (flags) and
        ``first_previous_day``, ``last_previous_day`` (meaningless where ``previous`` is 0).
    """
    conviction = reduce.equal(kind, _CONVICTION)
    return {
        "previous": reduce.rows(day),
        "previous_convictions": reduce.count(conviction),
        "previous_cautions": reduce.count(reduce.equal(kind, _CAUTION)),
        # a custodial sentence is a disposal of a conviction: a caution's is ignored
        "previous_custodial": reduce.count(
            reduce.both(conviction, reduce.equal(disposal, _CUSTODY))),
        "any_violent": reduce.any(violent),
        "any_breach": reduce.any(reduce.member(offence, _BREACH)),
        "first_previous_day": reduce.first(day),
        "last_previous_day": reduce.last(day),
    }


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


def _features(numbers: Mapping[str, Any], ops: _Ops) -> dict[str, Any]:
    """Every feature, in column order, from the per-case numbers of :data:`_NUMBERS`.

    ``numbers`` holds int64 arrays (with :data:`_ARRAY_OPS`) or Python ints (with
    :data:`_SCALAR_OPS`): day numbers ``birth_day``, ``assessment_day``, ``index_day``,
    ``follow_up_day`` (any value where ``has_follow_up_start`` is false), the counts and
    flags of :func:`_summarise_sanctions` and the category codes ``sex``,
    ``index_offence``, ``index_kind``. This is the one place each feature rule is written.
    """
    born, assessed, index_day = (numbers["birth_day"], numbers["assessment_day"],
                                 numbers["index_day"])
    previous = numbers["previous"]
    has_previous = previous > 0
    # the criminal career starts at the first previous sanction, or at the index offence
    # for a first offender (its first-day number is meaningless then)
    career_start = ops.where(has_previous, ops.minimum(numbers["first_previous_day"],
                                                       index_day), index_day)
    # a follow-up start far from the assessment (a long sentence, a data error) would make
    # age_at_follow_up describe a different person: use the assessment date instead
    follow_up_near = numbers["has_follow_up_start"] & (
        ops.abs(numbers["follow_up_day"] - assessed) <= FOLLOW_UP_WINDOW_DAYS)
    follow_up_day = ops.where(follow_up_near, numbers["follow_up_day"], assessed)
    age = (assessed - born) / DAYS_PER_YEAR
    age_first = (career_start - born) / DAYS_PER_YEAR
    sanctions_with_index = previous + 1
    convictions_with_index = numbers["previous_convictions"] + (
        numbers["index_kind"] != _CAUTION)
    # OGRS3 groups, codes of CATEGORIES["sanction_history"]: cautions only -> 0, 1, 2 for
    # one, two, three or more; any conviction -> 3 for a first sanction, 4 otherwise
    history = ops.where(convictions_with_index == 0, ops.minimum(sanctions_with_index, 3) - 1,
                        ops.where(sanctions_with_index == 1, 3, 4))
    count, category = ops.count, ops.category
    return {
        "age": age,
        "age_at_follow_up": (follow_up_day - born) / DAYS_PER_YEAR,
        "sex": category("sex", numbers["sex"]),
        "previous_sanctions": count(previous),
        "previous_convictions": count(numbers["previous_convictions"]),
        "previous_cautions": count(numbers["previous_cautions"]),
        "previous_custodial": count(numbers["previous_custodial"]),
        "age_first_sanction": age_first,
        "career_length": (assessed - career_start) / DAYS_PER_YEAR,
        # Copas rate: the +1 counts the index sanction, the +10 keeps short careers finite
        "copas_rate": ops.log((1.0 + previous) / (10.0 + age - age_first)),
        # OGRS3's own rate: the career measured to the index (current) conviction, not to
        # the assessment, as the published formula and HMPPS's service both read it
        "copas_rate_at_index": ops.log(
            (1.0 + previous) / (10.0 + (index_day - born) / DAYS_PER_YEAR - age_first)),
        "years_since_last_sanction": ops.where(
            has_previous, (assessed - numbers["last_previous_day"]) / DAYS_PER_YEAR, ops.nan),
        "index_offence": category("index_offence", numbers["index_offence"]),
        "index_kind": category("index_kind", numbers["index_kind"]),
        "sanction_history": category("sanction_history", history),
        "violent_history": count(numbers["any_violent"]),
        "breach_history": count(numbers["any_breach"]),
    }


def _assemble(case_ids: Any, numbers: Mapping[str, np.ndarray], check_unique: bool = True,
              ) -> pd.DataFrame:
    """Per-case numbers (arrays, see :func:`_features`) -> the feature frame (the per-case
    and the table path both end here)."""
    columns = _features(numbers, _ARRAY_OPS)
    index = pd.Index(case_ids, name="case_id", dtype="str")
    if check_unique and not index.is_unique:
        duplicates = index[index.duplicated()].unique().tolist()[:10]
        raise CaseValidationError([(str(d), "case_id", "case id is not unique")
                                   for d in duplicates])
    return pd.DataFrame(columns, index=index)
