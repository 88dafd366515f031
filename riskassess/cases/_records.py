"""Case records: the validated input of every assessment.

A :class:`Case` is one person (:class:`Person`) assessed on one date, for one current
(index) sanction (:class:`IndexOffence`), with the sanctions before it
(:class:`Sanction`). All records are frozen pydantic v2 models that refuse unknown
fields; ``Case.model_json_schema()`` is the contract case systems code against.

Validity rules (domain.md §2), all checked at once, each problem reported with the case
id and the field path (``case 'C1': sanctions.2.date: ...``) in one
:class:`pydantic.ValidationError`:

* dates are real calendar dates, given as :class:`datetime.date` or ISO ``YYYY-MM-DD``
  strings (no datetimes, no numbers);
* categories come from :mod:`riskassess.vocabulary`; the ``violent`` flags are real
  booleans; ids are pseudonymous (:data:`riskassess.types.CaseId`);
* a conviction has a disposal, a caution has none;
* the assessment date is not in the future and the person is at most
  :data:`MAX_AGE_YEARS` old on it;
* no event (index offence or previous sanction) before the person's 10th birthday
  (someone born on 29 February turns 10 on 1 March);
* the index offence is dated on or before the assessment date;
* every previous sanction is dated strictly before the assessment date (anything on
  or after it is leakage) and on or before the index offence date (several sanctions
  can be given on the same day; a sanction after the index offence is not "previous");
* the follow-up start, when given, is not before the index offence date.

Examples
--------
>>> case = Case.model_validate({
...     "case_id": "C1",
...     "person": {"person_id": "P1", "date_of_birth": "1990-05-01", "sex": "male"},
...     "assessment_date": "2020-01-10",
...     "index_offence": {"date": "2020-01-02", "offence": "burglary_domestic",
...                       "disposal": "community", "violent": False},
...     "sanctions": [{"date": "2015-03-01", "kind": "caution", "offence": "theft_non_motor",
...                    "violent": False}],
... })
>>> case.index_offence.kind, len(case.sanctions)
(<SanctionKind.CONVICTION: 'conviction'>, 1)
>>> bad = case.model_dump()
>>> bad["sanctions"][0]["date"] = "2020-02-01"
>>> Case.model_validate(bad)
Traceback (most recent call last):
...
pydantic_core._pydantic_core.ValidationError: 1 validation error for Case
sanctions.0.date
  case 'C1': sanctions.0.date: dated 2020-02-01, on or after the assessment date ...
"""

from __future__ import annotations

import gc
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    StrictBool,
    TypeAdapter,
    ValidationError,
    ValidatorFunctionWrapHandler,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from riskassess.types import CaseId, PersonId
from riskassess.vocabulary import Disposal, OffenceCategory, SanctionKind, Sex

__all__ = [
    "MAX_AGE_YEARS",
    "Case",
    "IndexOffence",
    "Person",
    "Sanction",
    "tenth_birthday",
    "validate_cases",
]

#: Oldest credible age (years, days / 365.25) at the assessment date.
MAX_AGE_YEARS = 110.0

_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _short(value: object, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _to_date(value: object) -> object:
    """Accept a date or an ISO ``YYYY-MM-DD`` string; refuse anything else clearly."""
    cls = type(value)
    if cls is date:
        return value
    if cls is str and len(value) == 10 and value[4] == "-" and value[7] == "-":  # type: ignore[arg-type,index]
        try:  # fromisoformat needs ASCII digits around the two dashes here
            if value.isascii():  # type: ignore[attr-defined]
                return date.fromisoformat(value)  # type: ignore[arg-type]
        except ValueError:
            pass
    if isinstance(value, str):
        if _DATE_RE.fullmatch(value):
            try:
                return date.fromisoformat(value)
            except ValueError:
                raise PydanticCustomError(
                    "date_not_real", "{value} is not a real calendar date",
                    {"value": _short(value)},
                ) from None
        raise PydanticCustomError(
            "date_format", "expected an ISO date 'YYYY-MM-DD', got {value}",
            {"value": _short(value)},
        )
    if isinstance(value, datetime):
        raise PydanticCustomError(
            "date_type", "expected a date, got a datetime {value} (give the date only)",
            {"value": _short(value)},
        )
    raise PydanticCustomError(
        "date_type", "expected a date or an ISO date string 'YYYY-MM-DD', got {type}",
        {"type": type(value).__name__},
    )


#: A calendar date: a :class:`datetime.date` or an ISO ``YYYY-MM-DD`` string.
Day = Annotated[date, BeforeValidator(_to_date), Strict()]



def _config(description: str) -> ConfigDict:
    """Frozen, no extra fields, and a schema description without the docstring examples."""
    return ConfigDict(frozen=True, extra="forbid", json_schema_extra={"description": description})


def tenth_birthday(date_of_birth: date) -> date:
    """The date a person turns 10 (29 February birthdays: 1 March).

    Examples
    --------
    >>> tenth_birthday(date(2004, 2, 29))
    datetime.date(2014, 3, 1)
    """
    try:
        return date_of_birth.replace(year=date_of_birth.year + 10)
    except ValueError:
        return date(date_of_birth.year + 10, 3, 1)


def _disposal_problem(kind: SanctionKind, disposal: Disposal | None) -> str | None:
    if kind is SanctionKind.CONVICTION and disposal is None:
        return "a conviction needs a disposal (custody, community, suspended, fine, ...)"
    if kind is SanctionKind.CAUTION and disposal is not None:
        return f"a caution has no disposal, got {disposal.value!r}"
    return None


def _raise_disposal(title: str, kind: SanctionKind, disposal: Disposal | None) -> None:
    problem = _disposal_problem(kind, disposal)
    if problem is not None:
        raise ValidationError.from_exception_data(
            title,
            [InitErrorDetails(
                type=PydanticCustomError("disposal_kind", "{problem}", {"problem": problem}),
                loc=("disposal",), input=disposal,
            )],
        )


class Person(BaseModel):
    """The person assessed (pseudonymous).

    Examples
    --------
    >>> Person(person_id="P1", date_of_birth="1990-01-01", sex="female").sex
    <Sex.FEMALE: 'female'>
    """

    model_config = _config(
        "The person assessed (pseudonymous)."
    )

    person_id: PersonId = Field(description="Pseudonymous person identifier.")
    date_of_birth: Day = Field(description="Date of birth (ISO date).")
    sex: Sex = Field(description="Sex as recorded: 'male' or 'female'.")


class Sanction(BaseModel):
    """One previous sanction: a caution, or a conviction with its disposal.

    Examples
    --------
    >>> Sanction(date="2019-01-01", kind="caution", offence="criminal_damage", violent=False)
    ... # doctest: +ELLIPSIS
    Sanction(date=datetime.date(2019, 1, 1), kind=<SanctionKind.CAUTION: 'caution'>, ...)
    """

    model_config = _config(
        "One previous sanction: a caution, or a conviction with its disposal."
    )

    date: Day = Field(description="Date of the sanction (caution or conviction), ISO date.")
    kind: SanctionKind = Field(description="'caution' or 'conviction'.")
    disposal: Disposal | None = Field(
        default=None,
        description="What the court imposed: required for a conviction, absent for a caution.",
    )
    offence: OffenceCategory = Field(description="Offence category (one of OGRS3's 20 codes).")
    violent: StrictBool = Field(description="Whether the offence was violent (true/false).")

    @model_validator(mode="after")
    def _disposal_matches_kind(self) -> Sanction:
        if (self.disposal is None) is (self.kind is SanctionKind.CONVICTION):
            _raise_disposal(type(self).__name__, self.kind, self.disposal)
        return self


class IndexOffence(BaseModel):
    """The current (index) sanction: the one that led to this assessment.

    Examples
    --------
    >>> IndexOffence(date="2020-01-01", offence="robbery", disposal="custody", violent=True).kind
    <SanctionKind.CONVICTION: 'conviction'>
    """

    model_config = _config(
        "The current (index) sanction: the one that led to this assessment."
    )

    date: Day = Field(description="Date of the index sanction, ISO date.")
    offence: OffenceCategory = Field(description="Offence category (one of OGRS3's 20 codes).")
    kind: SanctionKind = Field(
        default=SanctionKind.CONVICTION, description="'conviction' (default) or 'caution'."
    )
    disposal: Disposal | None = Field(
        default=None,
        description="What the court imposed: required for a conviction, absent for a caution.",
    )
    violent: StrictBool = Field(description="Whether the index offence was violent.")

    @model_validator(mode="after")
    def _disposal_matches_kind(self) -> IndexOffence:
        if (self.disposal is None) is (self.kind is SanctionKind.CONVICTION):
            _raise_disposal(type(self).__name__, self.kind, self.disposal)
        return self


# --------------------------------------------------------------------------- cross-field rules

Loc = tuple[str | int, ...]


def case_problems(
    *,
    date_of_birth: date | None,
    assessment_date: date | None,
    index_offence: IndexOffence | None,
    sanctions: Sequence[tuple[int, Sanction]],
    follow_up_start: date | None,
    today: date | None = None,
) -> list[tuple[Loc, str]]:
    """Cross-field rule violations of one case, from whatever parts are known.

    Parameters
    ----------
    date_of_birth, assessment_date, follow_up_start : date or None
        None when absent or invalid (the rules that need it are skipped).
    index_offence : IndexOffence or None
        The index sanction, None when invalid.
    sanctions : sequence of (position, Sanction)
        The valid previous sanctions with their position in the case's list.
    today : date, optional
        Latest allowed assessment date; default ``date.today()``.

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
    today = date.today() if today is None else today
    ad, dob = assessment_date, date_of_birth
    tenth = tenth_birthday(dob) if dob is not None else None
    if ad is not None:
        if ad > today:
            out.append((("assessment_date",), f"{ad} is in the future (today is {today})"))
        if dob is not None and (ad - dob).days / 365.25 > MAX_AGE_YEARS:
            out.append((("person", "date_of_birth"),
                        f"{dob} makes the person older than {MAX_AGE_YEARS:g} years "
                        f"on the assessment date {ad}"))
    idx = index_offence.date if index_offence is not None else None
    if idx is not None:
        if ad is not None and idx > ad:
            out.append((("index_offence", "date"),
                        f"dated {idx}, after the assessment date {ad}"))
        if tenth is not None and idx < tenth:
            out.append((("index_offence", "date"),
                        f"dated {idx}, before the person's 10th birthday {tenth} "
                        "(age of criminal responsibility)"))
    for pos, sanction in sanctions:
        sd = sanction.date
        loc: Loc = ("sanctions", pos, "date")
        if ad is not None and sd >= ad:
            out.append((loc, f"dated {sd}, on or after the assessment date {ad} "
                             "(later events are leakage)"))
        elif idx is not None and sd > idx:
            out.append((loc, f"dated {sd}, after the index offence date {idx} "
                             "(previous sanctions are on or before it)"))
        if tenth is not None and sd < tenth:
            out.append((loc, f"dated {sd}, before the person's 10th birthday {tenth} "
                             "(age of criminal responsibility)"))
    if follow_up_start is not None and idx is not None and follow_up_start < idx:
        out.append((("follow_up_start",),
                    f"{follow_up_start} is before the index offence date {idx}"))
    return out


_DAY = TypeAdapter(Day)


def _quiet(adapter: TypeAdapter[Any], value: object) -> Any:
    try:
        return adapter.validate_python(value)
    except (ValidationError, TypeError, ValueError):
        return None


_PERSON = TypeAdapter(Person)
_INDEX = TypeAdapter(IndexOffence)
_SANCTION = TypeAdapter(Sanction)


def _raw_problems(data: object) -> list[tuple[Loc, str]]:
    """Best-effort cross-field checks on raw input whose fields did not all validate."""
    if not isinstance(data, Mapping):
        return []
    person = data.get("person")
    dob = None
    if isinstance(person, Mapping):
        dob = _quiet(_DAY, person.get("date_of_birth"))
    elif isinstance(person, Person):
        dob = person.date_of_birth
    raw_sanctions = data.get("sanctions", ())
    sanctions: list[tuple[int, Sanction]] = []
    if isinstance(raw_sanctions, list | tuple):
        for pos, raw in enumerate(raw_sanctions):
            s = _quiet(_SANCTION, raw)
            if s is not None:
                sanctions.append((pos, s))
    fus = data.get("follow_up_start")
    return case_problems(
        date_of_birth=dob,
        assessment_date=_quiet(_DAY, data.get("assessment_date")),
        index_offence=_quiet(_INDEX, data.get("index_offence")),
        sanctions=sanctions,
        follow_up_start=None if fus is None else _quiet(_DAY, fus),
    )


def _case_label(data: object) -> str:
    cid = data.get("case_id") if isinstance(data, Mapping) else getattr(data, "case_id", None)
    if cid is None:
        return "case <no case_id>"
    return f"case {_short(cid, 70)}"


def _dotted(loc: Loc) -> str:
    return ".".join(str(part) for part in loc) or "<case>"


def _case_error(
    data: object, field_errors: list[Any], cross: list[tuple[Loc, str]]
) -> ValidationError:
    label = _case_label(data)
    details: list[InitErrorDetails] = []
    for err in field_errors:
        loc = tuple(err["loc"])
        details.append(InitErrorDetails(
            type=PydanticCustomError(
                err["type"], "{label}: {path}: {msg}",
                {"label": label, "path": _dotted(loc), "msg": err["msg"]},
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


class Case(BaseModel):
    """One assessment of one person: the index offence and the sanctions before it.

    See the module docstring for the validity rules. Every problem is reported at once
    in a single :class:`pydantic.ValidationError`, each message naming the case id and
    the field path.

    Examples
    --------
    >>> c = Case(case_id="C9", person=Person(person_id="P9", date_of_birth="1980-01-01",
    ...          sex="male"), assessment_date="2021-06-01",
    ...          index_offence=IndexOffence(date="2021-05-01", offence="violence",
    ...                                     disposal="custody", violent=True))
    >>> c.sanctions
    ()
    """

    model_config = _config(
        "One assessment of one person: the index offence and the sanctions before it. "
        "Previous sanctions are strictly before the assessment date and on or before the "
        "index offence date; no event before the person's 10th birthday; the assessment "
        "date is not in the future."
    )

    case_id: CaseId = Field(description="Pseudonymous case identifier (unique per assessment).")
    person: Person = Field(description="The person assessed.")
    assessment_date: Day = Field(
        description="Date of the assessment; features use only events strictly before it."
    )
    index_offence: IndexOffence = Field(
        description="The current sanction, dated on or before the assessment date."
    )
    sanctions: tuple[Sanction, ...] = Field(
        default=(),
        description="Previous sanctions: strictly before the assessment date, on or before "
        "the index offence date, none before the person's 10th birthday.",
    )
    follow_up_start: Day | None = Field(
        default=None,
        description="Start of follow-up (sentence for community orders, release for "
        "custody); not before the index offence date. Absent: the assessment date.",
    )

    @model_validator(mode="wrap")
    @classmethod
    def _check_case(cls, data: Any, handler: ValidatorFunctionWrapHandler) -> Case:
        try:
            case: Case = handler(data)
        except ValidationError as exc:
            raise _case_error(data, exc.errors(), _raw_problems(data)) from None
        if isinstance(data, Case):
            return case
        cross = case_problems(
            date_of_birth=case.person.date_of_birth,
            assessment_date=case.assessment_date,
            index_offence=case.index_offence,
            sanctions=list(enumerate(case.sanctions)),
            follow_up_start=case.follow_up_start,
        )
        if cross:
            raise _case_error(case, [], cross)
        return case


_CASES = TypeAdapter(list[Case])


def validate_cases(items: Iterable[Case | Mapping[str, Any]]) -> list[Case]:
    """Validate many cases in one batch (faster than one ``model_validate`` each).

    Parameters
    ----------
    items : iterable of Case or mapping
        Cases or JSON-like case dicts.

    Returns
    -------
    list of Case

    Raises
    ------
    pydantic.ValidationError
        Every problem of every case, each message naming its case id and field path
        (locations are prefixed with the item's position).

    Notes
    -----
    Python's cyclic garbage collector is paused during the batch: the records hold no
    reference cycles, and without the pause repeated full collections over the growing
    batch cost more than the validation itself.

    Examples
    --------
    >>> validate_cases([])
    []
    """
    data = list(items)
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _CASES.validate_python(data)
    finally:
        if was_enabled:
            gc.enable()
