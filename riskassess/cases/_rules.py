"""Cross-field rules of a case, and the one error format every case problem uses.

Private to :mod:`riskassess.cases`. :func:`case_problems` is the one place the
date-order rules of domain.md section 2 are written; :class:`riskassess.cases.Case` and
(through the same messages) the table path of :mod:`riskassess.features` report them.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any, Protocol

from pydantic import ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

from riskassess.cases._dates import DAY_ERROR, day_problem, short_repr, tenth_birthday

__all__ = ["MAX_AGE_YEARS", "case_problems", "follow_up_problems"]

#: Oldest credible age (years, days / 365.25) at the assessment date.
MAX_AGE_YEARS = 110.0

Loc = tuple[str | int, ...]


class _Dated(Protocol):
    @property
    def date(self) -> date: ...


# date.today() reads the clock and the time zone (about a microsecond); a batch of
# 100,000 cases asks for it 100,000 times, so the answer is kept for one second.
_today_cache: list[Any] = [date.min, 0.0]


def _today() -> date:
    now = time.monotonic()
    if now >= _today_cache[1]:
        _today_cache[0], _today_cache[1] = date.today(), now + 1.0
    return _today_cache[0]


def case_problems(
    *,
    date_of_birth: date | None,
    assessment_date: date | None,
    index_offence: _Dated | None,
    sanctions: Sequence[_Dated],
    follow_up_start: date | None,
    follow_up_end: date | None = None,
    reoffence_date: date | None = None,
    today: date | None = None,
    positions: Sequence[int] | None = None,
) -> list[tuple[Loc, str]]:
    """Cross-field rule violations of one case, from whatever parts are known.

    Parameters
    ----------
    date_of_birth, assessment_date, follow_up_start : date or None
        None when absent or invalid (the rules that need it are skipped).
    follow_up_end, reoffence_date : date or None
        The observed follow-up (see :func:`follow_up_problems`).
    index_offence : IndexOffence or None
        The index sanction, None when invalid.
    sanctions : sequence of Sanction
        The valid previous sanctions.
    today : date, optional
        Latest allowed assessment date; default today.
    positions : sequence of int, optional
        Each sanction's position in the case's list, when some were left out as invalid;
        default ``0, 1, ...``.

    Returns
    -------
    list of (loc, message)
        Field path and problem, in field order.

    Examples
    --------
    >>> case_problems(date_of_birth=date(2000, 1, 1), assessment_date=date(2005, 1, 1),
    ...               index_offence=None, sanctions=[], follow_up_start=None)
    []
    """
    out: list[tuple[Loc, str]] = []
    today = _today() if today is None else today
    assessed, born = assessment_date, date_of_birth
    tenth = tenth_birthday(born) if born is not None else None
    if assessed is not None:
        if assessed > today:
            out.append((("assessment_date",), f"{assessed} is in the future (today is {today})"))
        if born is not None and (assessed - born).days / 365.25 > MAX_AGE_YEARS:
            out.append((("person", "date_of_birth"),
                        f"{born} makes the person older than {MAX_AGE_YEARS:g} years "
                        f"on the assessment date {assessed}"))
    index_date = index_offence.date if index_offence is not None else None
    if index_date is not None:
        if assessed is not None and index_date > assessed:
            out.append((("index_offence", "date"),
                        f"dated {index_date}, after the assessment date {assessed}"))
        if tenth is not None and index_date < tenth:
            out.append((("index_offence", "date"),
                        f"dated {index_date}, before the person's 10th birthday {tenth} "
                        "(age of criminal responsibility)"))
    days = [sanction.date for sanction in sanctions]
    latest, earliest = (max(days), min(days)) if days else (None, None)
    # the usual case, at the cost of a min and a max: every sanction in its window
    if latest is not None and earliest is not None and not (
            (assessed is None or latest < assessed)
            and (index_date is None or latest <= index_date)
            and (tenth is None or earliest >= tenth)):
        for position, day in zip(range(len(days)) if positions is None else positions, days,
                                 strict=True):
            loc: Loc = ("sanctions", position, "date")
            if assessed is not None and day >= assessed:
                out.append((loc, f"dated {day}, on or after the assessment date {assessed} "
                                 "(later events are leakage)"))
            elif index_date is not None and day > index_date:
                out.append((loc, f"dated {day}, after the index offence date {index_date} "
                                 "(previous sanctions are on or before it)"))
            if tenth is not None and day < tenth:
                out.append((loc, f"dated {day}, before the person's 10th birthday {tenth} "
                                 "(age of criminal responsibility)"))
    if follow_up_start is not None and index_date is not None and follow_up_start < index_date:
        out.append((("follow_up_start",),
                    f"{follow_up_start} is before the index offence date {index_date}"))
    if follow_up_end is not None or reoffence_date is not None:  # an observed follow-up
        out.extend(follow_up_problems(
            start=follow_up_start if follow_up_start is not None else assessed,
            start_field="follow_up_start" if follow_up_start is not None else "assessment_date",
            follow_up_end=follow_up_end, reoffence_date=reoffence_date, today=today))
    return out


def follow_up_problems(
    *, start: date | None, start_field: str, follow_up_end: date | None,
    reoffence_date: date | None, today: date,
) -> list[tuple[Loc, str]]:
    """The rules of the observed follow-up: times from its start are positive, in order.

    The follow-up runs from ``start`` (``follow_up_start``, else the assessment date) to
    ``follow_up_end``; the first proven reoffence, when there is one, is dated strictly
    after the start (a time of zero days is no time at risk) and on or before the end.

    Examples
    --------
    >>> follow_up_problems(start=date(2020, 1, 1), start_field="follow_up_start",
    ...                    follow_up_end=date(2019, 6, 1), reoffence_date=None,
    ...                    today=date(2024, 1, 1))
    [(('follow_up_end',), '2019-06-01 is on or before the start of follow-up 2020-01-01 (follow_up_start): the follow-up time must be positive')]
    """  # noqa: E501
    out: list[tuple[Loc, str]] = []
    if follow_up_end is not None:
        if follow_up_end > today:
            out.append((("follow_up_end",), f"{follow_up_end} is in the future (today is "
                        f"{today}): follow-up is observed up to a past date"))
        if start is not None and follow_up_end <= start:
            out.append((("follow_up_end",), f"{follow_up_end} is on or before the start of "
                        f"follow-up {start} ({start_field}): the follow-up time must be "
                        "positive"))
    if reoffence_date is not None:
        if start is not None and reoffence_date <= start:
            out.append((("reoffence_date",), f"{reoffence_date} is on or before the start of "
                        f"follow-up {start} ({start_field}): the time to reoffence must be "
                        "positive"))
        if follow_up_end is not None and reoffence_date > follow_up_end:
            out.append((("reoffence_date",), f"{reoffence_date} is after the end of "
                        f"follow-up {follow_up_end} (follow_up_end): a reoffence is only "
                        "seen within the follow-up"))
        elif reoffence_date > today:
            out.append((("reoffence_date",), f"{reoffence_date} is in the future (today is "
                        f"{today})"))
    return out


def case_label(data: object) -> str:
    """``case 'C1'`` for messages (``case <no case_id>`` when there is none)."""
    case_id = (data.get("case_id") if isinstance(data, Mapping)
               else getattr(data, "case_id", None))
    if case_id is None:
        return "case <no case_id>"
    return f"case {short_repr(case_id, 70)}"


def _dotted(loc: Loc) -> str:
    return ".".join(str(part) for part in loc) or "<case>"


def case_error(
    data: object, field_errors: list[Any], cross: list[tuple[Loc, str]]
) -> ValidationError:
    """One :class:`pydantic.ValidationError` with every problem, each naming case and field."""
    label = case_label(data)
    details: list[InitErrorDetails] = []
    for err in field_errors:
        loc = tuple(err["loc"])
        kind, msg = err["type"], err["msg"]
        if kind == DAY_ERROR:  # the date schema checks in Rust; say precisely why here
            problem = day_problem(err.get("input"))
            if problem is not None:
                kind, msg = problem.type, problem.message()
        details.append(InitErrorDetails(
            type=PydanticCustomError(
                kind, "{label}: {path}: {msg}",
                {"label": label, "path": _dotted(loc), "msg": msg},
            ),
            loc=loc, input=err.get("input"),
        ))
    seen = {tuple(e["loc"]) for e in field_errors}
    for loc, msg in cross:
        if loc in seen:  # the field itself is already reported as invalid
            continue
        details.append(InitErrorDetails(
            type=PydanticCustomError(
                "case_rule", "{label}: {path}: {msg}",
                {"label": label, "path": _dotted(loc), "msg": msg},
            ),
            loc=loc, input=None,
        ))
    return ValidationError.from_exception_data("Case", details)
