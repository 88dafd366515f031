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
from typing import Annotated

import numpy as np
from pydantic import BeforeValidator, Strict
from pydantic_core import PydanticCustomError

__all__ = ["EPOCH_ORDINAL", "Day", "tenth_birthday", "tenth_birthdays"]

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


#: A calendar date: a :class:`datetime.date` or an ISO ``YYYY-MM-DD`` string.
Day = Annotated[date, BeforeValidator(_to_date), Strict()]


def tenth_birthday(date_of_birth: date) -> date:
    """The date a person turns 10 (29 February birthdays: 1 March).

    Examples
    --------
    >>> tenth_birthday(date(2004, 2, 29))
    datetime.date(2014, 3, 1)
    """
    try:
        return date_of_birth.replace(year=date_of_birth.year + 10)
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
