"""Calendar dates of case records: parsing, and the age-of-responsibility rule.

Private to :mod:`riskassess.cases` (which re-exports the public names). The 10th-birthday
rule is written here twice on purpose, once for one :class:`datetime.date`
(:func:`tenth_birthday`) and once for a whole column of day numbers
(:func:`tenth_birthdays`, used by the table path and the synthetic cohort); a property
test holds the two spellings equal.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any

import numpy as np
from pydantic import GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError
from pydantic_core import core_schema as cs

__all__ = ["DAY_ERROR", "EPOCH_ORDINAL", "Day", "day_problem", "tenth_birthday", "tenth_birthdays"]

#: ``date(1970, 1, 1).toordinal()``: day numbers are days since 1 January 1970, like
#: numpy's ``datetime64[D]``.
EPOCH_ORDINAL = 719163

_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

def short_repr(value: object, limit: int = 40) -> str:
    """``repr(value)`` cut to ``limit`` characters (bad input is quoted, never dumped)."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _to_date(value: object) -> object:
    """Accept a date or an ISO ``YYYY-MM-DD`` string; refuse anything else clearly."""
    kind = type(value)
    if kind is date:
        return value
    # the common case, without the regular expression: ten ASCII characters with the
    # dashes in place (fromisoformat then takes only YYYY-MM-DD with ASCII digits)
    if (kind is str and len(value) == 10  # type: ignore[arg-type]
            and value[4] == "-" and value[7] == "-" and value.isascii()):  # type: ignore[index,attr-defined]
        try:
            return date.fromisoformat(value)  # type: ignore[arg-type]
        except ValueError:
            pass  # reported below, with the reason
    if isinstance(value, str):
        # [0-9] and not \d: fromisoformat would take Arabic-Indic or full-width digits
        if _DATE_RE.fullmatch(value):
            try:
                return date.fromisoformat(value)
            except ValueError:
                raise PydanticCustomError(
                    "date_not_real", "{value} is not a real calendar date",
                    {"value": short_repr(value)},
                ) from None
        raise PydanticCustomError(
            "date_format", "expected an ISO date 'YYYY-MM-DD', got {value}",
            {"value": short_repr(value)},
        )
    if isinstance(value, datetime):
        raise PydanticCustomError(
            "date_type", "expected a date, got a datetime {value} (give the date only)",
            {"value": short_repr(value)},
        )
    raise PydanticCustomError(
        "date_type", "expected a date or an ISO date string 'YYYY-MM-DD', got {type}",
        {"type": type(value).__name__},
    )


def day_problem(value: object) -> PydanticCustomError | None:
    """Why ``value`` is not a :data:`Day` (the precise message), or None if it is one.

    Examples
    --------
    >>> day_problem("2021-02-29").message()
    "'2021-02-29' is not a real calendar date"
    >>> day_problem("2021-02-28") is None
    True
    """
    try:
        _to_date(value)
    except PydanticCustomError as exc:
        return exc
    return None


#: Error type of a value that is not a :data:`Day`; a case's error names the precise
#: reason (:func:`day_problem`).
DAY_ERROR = "day"


class _DaySchema:
    """pydantic schema of :data:`Day`: the rule of :func:`_to_date`, checked in Rust.

    A case carries a dozen dates; a Python validator on each was a fifth of the time of
    validating a case. pydantic-core checks the same rule natively: a ``date`` that is not
    a ``datetime``, or a string of exactly ``[0-9]{4}-[0-9]{2}-[0-9]{2}`` that is a real
    calendar date. A value refused gets error type :data:`DAY_ERROR`; :class:`Case` then
    replaces the message with :func:`day_problem`'s (a record validated on its own keeps
    the short message, with the input shown by pydantic). A property test holds this
    schema equal to :func:`_to_date`.
    """

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> cs.CoreSchema:
        iso_string = cs.chain_schema([
            cs.str_schema(strict=True, pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"),
            cs.date_schema(),  # lax: parses the string, refusing 2021-02-29 and the like
        ])
        return cs.custom_error_schema(
            cs.json_or_python_schema(
                # JSON has no date type: only the ISO string (a strict JSON date would
                # also take a Unix time in a string)
                json_schema=iso_string,
                # the string first: a batch of case dicts carries a dozen per case, and
                # a branch that fails costs more than the cheap type test of a date
                python_schema=cs.union_schema([iso_string, cs.date_schema(strict=True)],
                                              mode="left_to_right"),
            ),
            custom_error_type=DAY_ERROR,
            custom_error_message="expected a real calendar date: a date or an ISO date "
                                 "string 'YYYY-MM-DD'",
            serialization=cs.to_string_ser_schema(when_used="json-unless-none"),
        )

    def __get_pydantic_json_schema__(self, core_schema: cs.CoreSchema,
                                     handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        return handler(cs.date_schema())


#: A calendar date: a :class:`datetime.date` or an ISO ``YYYY-MM-DD`` string.
Day = Annotated[date, _DaySchema()]


def tenth_birthday(date_of_birth: date) -> date:
    """The date a person turns 10 (29 February birthdays: 1 March).

    Examples
    --------
    >>> tenth_birthday(date(2004, 2, 29))
    datetime.date(2014, 3, 1)
    """
    try:  # the constructor, not .replace(year=...): a third of its cost, run per case
        return date(date_of_birth.year + 10, date_of_birth.month, date_of_birth.day)
    except ValueError:  # 29 February in a year that is not a leap year
        return date(date_of_birth.year + 10, 3, 1)


def tenth_birthdays(birth_days: np.ndarray) -> np.ndarray:
    """:func:`tenth_birthday` of many people at once, as day numbers since 1970.

    Parameters
    ----------
    birth_days : numpy.ndarray of int
        Dates of birth as days since 1970-01-01 (see :data:`EPOCH_ORDINAL`).

    Returns
    -------
    numpy.ndarray of int64
        Day numbers of the 10th birthdays.

    Examples
    --------
    >>> born = np.array([date(2004, 2, 29).toordinal() - EPOCH_ORDINAL])
    >>> str(np.datetime64(int(tenth_birthdays(born)[0]), "D"))
    '2014-03-01'
    """
    day = np.asarray(birth_days, dtype=np.int64).astype("datetime64[D]")
    month = day.astype("datetime64[M]")
    day_in_month = (day - month.astype("datetime64[D]")).astype(np.int64)
    # 120 months later, then the same day offset: 29 February + 28 days runs into 1 March
    # when the 10th year is not a leap year, which is exactly the scalar rule
    return (month + 120).astype("datetime64[D]").astype(np.int64) + day_in_month
