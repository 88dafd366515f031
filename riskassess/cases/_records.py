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
* the follow-up start, when given, is not before the index offence date;
* the observed follow-up, when given (``follow_up_end``, ``reoffence_date``): the end is
  strictly after the start of follow-up (``follow_up_start``, else the assessment date)
  and not in the future; the first proven reoffence is strictly after the start and on
  or before the end (times from the start are positive days).

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
from collections.abc import Iterable, Mapping
from operator import is_
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    TypeAdapter,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from riskassess.cases._dates import Day, tenth_birthday
from riskassess.cases._oasys import AGREEING, NeedItems, offence_from_code
from riskassess.cases._rules import MAX_AGE_YEARS, case_error, case_problems
from riskassess.types import CaseId, PersonId
from riskassess.vocabulary import Disposal, OffenceCategory, SanctionKind, Sex

__all__ = [
    "MAX_AGE_YEARS",
    "Case",
    "IndexOffence",
    "Person",
    "Sanction",
    "ensure_valid",
    "tenth_birthday",
    "validate_cases",
]


def _config(description: str) -> ConfigDict:
    """Frozen, no extra fields, and a schema description without the docstring examples.

    ``revalidate_instances="always"``: a record handed in as an object (not a dict) is
    checked again, so a part built with ``model_construct`` or edited with
    ``model_copy(update=...)`` cannot ride inside a case unchecked.
    """
    return ConfigDict(frozen=True, extra="forbid", revalidate_instances="always",
                      json_schema_extra={"description": description})


def _disposal_problem(kind: SanctionKind, disposal: Disposal | None) -> str:
    """Why ``disposal`` does not fit ``kind`` (called only when it does not)."""
    if kind is SanctionKind.CONVICTION:
        return "a conviction needs a disposal (custody, community, suspended, fine, ...)"
    return f"a caution has no disposal, got {getattr(disposal, 'value', disposal)!r}"


class _Record(BaseModel):
    """Base of the case records: a copy is a new record and is validated like one."""

    def model_copy(self, *, update: Mapping[str, Any] | None = None,
                   deep: bool = False) -> Any:
        """A copy, validated again (an edited copy must pass every rule).

        Raises
        ------
        pydantic.ValidationError
            If the edited copy breaks a rule (naming the case id and the field).
        """
        copied = super().model_copy(update=update, deep=deep)
        return type(self).model_validate(copied)


class Person(_Record):
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


#: A Home Office offence code: five ASCII digits. The form is checked with the mapping
#: (:func:`offence_from_code`), whose message names the code; the schema shows the pattern.
OffenceCode = Annotated[str, WithJsonSchema({"type": "string", "pattern": r"^[0-9]{5}$"})]


class _Offence(_Record):
    """Base of the two offence records: the code fills the category, the kind the disposal.

    Subclasses declare the fields (``kind``, ``disposal``, ``offence``, ``violent``,
    ``offence_code``); the rules below are written once for both, and run once the fields
    are valid (a single Python call per record: a case has a dozen of them).
    """

    if TYPE_CHECKING:  # declared by the subclasses, in their own field order
        kind: SanctionKind
        disposal: Disposal | None
        offence: OffenceCategory
        violent: bool
        offence_code: str | None

    @model_validator(mode="after")
    def _code_and_disposal(self) -> _Offence:
        # The usual record costs one set look-up and two identity tests: its code, offence
        # and flag already found to agree (AGREEING; every field given), and a disposal
        # that fits its kind. A case has a dozen records, so this is most of its checks.
        if ((self.offence_code, self.offence, self.violent) in AGREEING
                and (self.disposal is None) is not (self.kind is SanctionKind.CONVICTION)):
            return self
        problems: list[InitErrorDetails] = []
        offence: OffenceCategory | None = self.offence
        violent: bool | None = self.violent
        if self.offence_code is not None or offence is None or violent is None:
            offence, violent, problems = offence_from_code(self.offence_code, offence,
                                                           violent)
            if not problems:  # fill what the code gave (the record is frozen to users)
                for name, value in (("offence", offence), ("violent", violent)):
                    if getattr(self, name) is None:
                        object.__setattr__(self, name, value)
                        self.__pydantic_fields_set__.add(name)
        if (self.disposal is None) is (self.kind is SanctionKind.CONVICTION):
            problem = _disposal_problem(self.kind, self.disposal)
            problems.append(InitErrorDetails(
                type=PydanticCustomError("disposal_kind", "{problem}", {"problem": problem}),
                loc=("disposal",), input=self.disposal))
        if problems:
            raise ValidationError.from_exception_data(type(self).__name__, problems)
        return self


class Sanction(_Offence):
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
    offence: OffenceCategory = Field(  # type: ignore[assignment]  # filled from offence_code
        default=None, description="Offence category (one of OGRS3's 20 codes); may be "
        "omitted when offence_code is given (derived from it).")
    violent: StrictBool = Field(  # type: ignore[assignment]  # filled from offence_code
        default=None, description="Whether the offence was violent (true/false); may be "
        "omitted when offence_code is given (the code's violent-sanction flag).")
    offence_code: OffenceCode | None = Field(
        default=None,
        description="Home Office offence code (5 digits), mapped with HMPPS's table.")


class IndexOffence(_Offence):
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
    offence: OffenceCategory = Field(  # type: ignore[assignment]  # filled from offence_code
        default=None, description="Offence category (one of OGRS3's 20 codes); may be "
        "omitted when offence_code is given (derived from it).")
    kind: SanctionKind = Field(
        default=SanctionKind.CONVICTION, description="'conviction' (default) or 'caution'."
    )
    disposal: Disposal | None = Field(
        default=None,
        description="What the court imposed: required for a conviction, absent for a caution.",
    )
    violent: StrictBool = Field(  # type: ignore[assignment]  # filled from offence_code
        default=None, description="Whether the index offence was violent; may be omitted "
        "when offence_code is given (the code's violent-sanction flag).")
    offence_code: OffenceCode | None = Field(
        default=None,
        description="Home Office offence code (5 digits), mapped with HMPPS's table.")
    weapon: StrictBool | None = Field(
        default=None, description="The offence involved carrying or using a weapon "
        "(OASys 2.2A); absent: not recorded.")


Loc = tuple[str | int, ...]

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
    if isinstance(data, BaseModel):  # an edited or constructed record: check its values
        data = dict(data.__dict__)
    if not isinstance(data, Mapping):
        return []
    person = data.get("person")
    if isinstance(person, BaseModel):
        person = dict(person.__dict__)
    born = _quiet(_DAY, person.get("date_of_birth")) if isinstance(person, Mapping) else None
    raw_sanctions = data.get("sanctions", ())
    sanctions: list[Sanction] = []
    positions: list[int] = []
    if isinstance(raw_sanctions, list | tuple):
        for position, raw in enumerate(raw_sanctions):
            sanction = _quiet(_SANCTION, raw)
            if sanction is not None:
                sanctions.append(sanction)
                positions.append(position)
    follow_up_start = data.get("follow_up_start")
    follow_up_end, reoffence_date = data.get("follow_up_end"), data.get("reoffence_date")
    return case_problems(
        date_of_birth=born,
        assessment_date=_quiet(_DAY, data.get("assessment_date")),
        index_offence=_quiet(_INDEX, data.get("index_offence")),
        sanctions=sanctions,
        positions=positions,
        follow_up_start=None if follow_up_start is None else _quiet(_DAY, follow_up_start),
        follow_up_end=None if follow_up_end is None else _quiet(_DAY, follow_up_end),
        reoffence_date=None if reoffence_date is None else _quiet(_DAY, reoffence_date),
    )


class Case(_Record):
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

    # Holds the field values the case had when it passed validation (see _mark_validated).
    # A slot, not a field or a private attribute: copies, pickles and model_construct
    # never carry it, and it takes no part in equality, dumps or the schema.
    __slots__ = ("_validated_values",)

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
    needs: NeedItems | None = Field(
        default=None, description="OASys need items (each optional); absent: not recorded.")
    follow_up_end: Day | None = Field(
        default=None,
        description="Date the follow-up was observed to (the censoring date: proven "
        "reoffending is known up to here); strictly after the start of follow-up, not in "
        "the future. Absent: follow-up not observed (no outcome).")
    reoffence_date: Day | None = Field(
        default=None,
        description="Offence date of the first proven reoffence after the start of "
        "follow-up (strictly after it, on or before follow_up_end); absent: none seen.")

    @model_validator(mode="wrap")
    @classmethod
    def _check_case(cls, data: Any, handler: ValidatorFunctionWrapHandler) -> Case:
        if type(data) is cls and _is_validated(data):  # validated and unchanged since
            return data
        try:
            case: Case = handler(data)
        except ValidationError as exc:
            raise case_error(data, exc.errors(), _raw_problems(data)) from None
        cross = case_problems(
            date_of_birth=case.person.date_of_birth,
            assessment_date=case.assessment_date,
            index_offence=case.index_offence,
            sanctions=case.sanctions,
            follow_up_start=case.follow_up_start,
            follow_up_end=case.follow_up_end,
            reoffence_date=case.reoffence_date,
        )
        if cross:
            raise case_error(case, [], cross)
        _mark_validated(case)
        return case


# ------------------------------------------------------------------ the validated mark
# A Case that passed validation keeps, in a slot, the field values it had then.
# ``ensure_valid`` then costs a few identity checks instead of a new validation. Anything
# that did not pass through validation has no mark: a copy (``model_copy``,
# ``copy.copy``), an unpickled case, a ``model_construct`` one; and a case whose fields
# were swapped afterwards (``object.__setattr__``) no longer matches its mark.
_MARK = Case.__dict__["_validated_values"]


def _mark_validated(case: Case) -> None:
    _MARK.__set__(case, tuple(case.__dict__.values()))


def _is_validated(case: Case) -> bool:
    try:
        marked = _MARK.__get__(case, Case)
    except AttributeError:  # never validated: constructed, copied or unpickled
        return False
    values = case.__dict__.values()
    return len(marked) == len(values) and all(map(is_, marked, values))


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


def ensure_valid(case: Case | Mapping[str, Any]) -> Case:
    """The case, validated: at no cost if it passed validation and is unchanged since.

    Call it where a case enters (assessment, feature building). A case made by
    validation (``Case(...)``, ``Case.model_validate``, :func:`validate_cases`, JSON) is
    returned as it is after a dictionary look-up; anything else is validated in full: a
    dict, a case built with ``model_construct``, a copy, or a case whose fields were
    replaced after validation.

    Parameters
    ----------
    case : Case or mapping
        A case, or a JSON-like case dict.

    Returns
    -------
    Case
        ``case`` itself when it is a validated, unchanged Case; else a new valid Case.

    Raises
    ------
    pydantic.ValidationError
        If the case breaks a rule (every problem, naming the case id and the field).

    Examples
    --------
    >>> case = Case.model_validate({
    ...     "case_id": "C1",
    ...     "person": {"person_id": "P1", "date_of_birth": "1990-05-01", "sex": "male"},
    ...     "assessment_date": "2020-01-10",
    ...     "index_offence": {"date": "2020-01-02", "offence": "violence",
    ...                       "disposal": "community", "violent": True}})
    >>> ensure_valid(case) is case
    True
    >>> forged = Case.model_construct(**{**dict(case), "assessment_date": "2019-01-01"})
    >>> ensure_valid(forged)
    Traceback (most recent call last):
    ...
    pydantic_core._pydantic_core.ValidationError: 1 validation error for Case
    index_offence.date
      case 'C1': index_offence.date: dated 2020-01-02, after the assessment date 2019-01-01 ...
    """
    if type(case) is Case and _is_validated(case):
        return case
    return Case.model_validate(case)
