"""The safeguards around a decision as records: countersignature, representations, contest.

Each is its own append-only record in the :class:`~riskassess.decisions.DecisionLog`,
chained and MAC'd like a decision, and linked to the decision it concerns by that
decision's **record hash** (the ``hash`` of its :class:`~riskassess.decisions.Receipt`).
The record hash names one stored record: the same decision appended twice has two.

* :class:`CountersignaturePolicy` says which decisions need a second officer with a
  supervisor role. By default (:data:`DEFAULT_POLICY`) that is any override into or out
  of ``high`` or ``very high``. :meth:`Assessment.decide` records the answer in the
  decision (``countersignature_required``); such a decision is *pending* until a
  :class:`Countersignature` for it is in the log, and *effective* from then on.
* :class:`Representation` and :class:`Contest`: what the person (or their
  representative) said about a decision, when, who recorded it, and the outcome: the
  decision ``"upheld"``, or ``"changed"`` with the hash of the new decision that
  replaces it.

Every record's JSON starts with ``{"record_type":...`` while a decision's starts with
``{"assessment":...``, so a log tells them apart from the text alone and logs written
before these records existed need no migration.

Examples
--------
>>> DEFAULT_POLICY.requires("medium", "high"), DEFAULT_POLICY.requires("low", "medium")
(True, False)
>>> from datetime import UTC, datetime
>>> c = Countersignature(decision_hash="ab" * 32, officer_id="sup-1", role="supervisor",
...                      signed_at=datetime(2024, 3, 2, tzinfo=UTC))
>>> c.model_dump_json()[:45]
'{"record_type":"countersignature","decision_h'
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AwareDatetime,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from riskassess.decisions._parts import _Frozen, check_free_text
from riskassess.exceptions import DecisionError
from riskassess.types import RISK_BANDS, OfficerId

__all__ = [
    "DEFAULT_POLICY",
    "MAX_NOTE_CHARS",
    "Contest",
    "Countersignature",
    "CountersignaturePolicy",
    "Representation",
    "SafeguardRecord",
    "parse_safeguard",
]

#: Longest note or statement accepted in a safeguard record (characters).
MAX_NOTE_CHARS = 4000

_SHA256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$", strict=True)]
_ROLE = Annotated[str, StringConstraints(min_length=1, max_length=64,
                                         pattern=r"^[a-z][a-z0-9_ -]*$", strict=True)]


@dataclass(frozen=True)
class CountersignaturePolicy:
    """Which decisions need a countersignature, and which roles may give one.

    Parameters
    ----------
    bands : frozenset of str, default {"high", "very high"}
        An override *into or out of* one of these bands needs a countersignature.
    all_overrides : bool, default False
        Every override needs one (whatever the bands).
    supervisor_roles : frozenset of str, default {"supervisor"}
        Roles whose holder may countersign.

    Examples
    --------
    >>> strict = CountersignaturePolicy(all_overrides=True)
    >>> strict.requires("low", "medium"), strict.requires("low", "low")
    (True, False)
    >>> CountersignaturePolicy(bands=frozenset({"purple"}))
    Traceback (most recent call last):
    ...
    riskassess.exceptions.DecisionError: countersignature policy field 'bands': unknown ...
    """

    bands: frozenset[str] = field(default_factory=lambda: frozenset({"high", "very high"}))
    all_overrides: bool = False
    supervisor_roles: frozenset[str] = field(default_factory=lambda: frozenset({"supervisor"}))

    def __post_init__(self) -> None:
        unknown = set(self.bands) - set(RISK_BANDS)
        if unknown:
            raise DecisionError(f"countersignature policy field 'bands': unknown band(s) "
                                f"{sorted(unknown)}; expected some of {list(RISK_BANDS)}")
        if not self.supervisor_roles:
            raise DecisionError("countersignature policy field 'supervisor_roles': at least "
                                "one role must be able to countersign")

    def requires(self, model_band: str, final_band: str) -> bool:
        """Whether a decision from ``model_band`` to ``final_band`` needs a countersignature.

        Agreeing with the model never does; an override does when ``all_overrides`` or
        when either band is in ``bands``.

        Examples
        --------
        >>> DEFAULT_POLICY.requires("very high", "medium"), DEFAULT_POLICY.requires("high", "high")
        (True, False)
        """
        if model_band == final_band:
            return False
        return self.all_overrides or model_band in self.bands or final_band in self.bands


#: The default: any override into or out of high or very high, countersigned by a supervisor.
DEFAULT_POLICY = CountersignaturePolicy()


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def _optional_text(value: str | None, info: ValidationInfo) -> str | None:
    """An optional free-text field: plain text within the note limit; blank means none."""
    if value is None:
        return None
    field_name = info.field_name or "text"  # always set for a field validator
    return check_free_text(value, field=field_name, max_chars=MAX_NOTE_CHARS) or None


class Countersignature(_Frozen):
    """A second officer's countersignature of one logged decision.

    Append it with :meth:`DecisionLog.append` (or :meth:`DecisionLog.countersign`); the
    log refuses one by the deciding officer, one for a decision that does not need it or
    is already effective, and one for a decision it does not hold.

    Examples
    --------
    >>> from datetime import UTC, datetime
    >>> Countersignature(decision_hash="ab" * 32, officer_id="sup-1", role="supervisor",
    ...                  signed_at=datetime(2024, 3, 2, tzinfo=UTC), note="Agreed.").role
    'supervisor'
    """

    record_type: Literal["countersignature"] = "countersignature"
    decision_hash: _SHA256 = Field(description="Record hash of the decision countersigned.")
    officer_id: OfficerId = Field(description="Pseudonymous id of the countersigning officer.")
    role: _ROLE = Field(description="The countersigning officer's role, e.g. 'supervisor'.")
    signed_at: AwareDatetime = Field(description="When it was countersigned (UTC).")
    note: str | None = Field(default=None, description="Optional note (plain text).")

    _normalise_signed = field_validator("signed_at")(_utc)
    _plain_note = field_validator("note")(_optional_text)


_WHO = Literal["person", "representative"]


class _Challenge(_Frozen):
    """What a representation and a contest share (see their docstrings)."""

    decision_hash: _SHA256 = Field(description="Record hash of the decision concerned.")
    made_by: _WHO = Field(description="Who made it: the person or their representative.")
    received_at: AwareDatetime = Field(description="When it was received (UTC).")
    statement: str = Field(description="What the person said (plain text).")
    recorded_by: OfficerId = Field(description="Officer who recorded it.")
    outcome: Literal["upheld", "changed"] = Field(
        description="'upheld' (the decision stands) or 'changed' (a new decision replaces it).")
    outcome_at: AwareDatetime = Field(description="When the outcome was decided (UTC).")
    reviewed_by: OfficerId = Field(description="Officer who decided the outcome.")
    new_decision_hash: _SHA256 | None = Field(
        default=None, description="Record hash of the new decision when 'changed'.")
    outcome_reason: str | None = Field(default=None, description="Why (plain text).")

    _normalise_times = field_validator("received_at", "outcome_at")(_utc)
    _plain_reason = field_validator("outcome_reason")(_optional_text)

    @field_validator("statement")
    @classmethod
    def _plain_statement(cls, value: str) -> str:
        text = check_free_text(value, field="statement", max_chars=MAX_NOTE_CHARS)
        if not text:
            raise DecisionError("field 'statement': empty (record what the person said)")
        return text

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if (self.outcome == "changed") != (self.new_decision_hash is not None):
            raise DecisionError("field 'new_decision_hash': required when the outcome is "
                             "'changed' and only then")
        if self.new_decision_hash == self.decision_hash:
            raise DecisionError("field 'new_decision_hash': the new decision must differ from "
                             "the one challenged")
        if self.outcome_at < self.received_at:
            raise DecisionError("field 'outcome_at': before the challenge was received")
        return self


class Representation(_Challenge):
    """Representations the person made about a decision, and their outcome.

    UK GDPR Article 22C(2)(b) (as inserted by the Data (Use and Access) Act 2025) asks
    for a way to make representations about a significant decision; this is that event
    as data.

    Examples
    --------
    >>> from datetime import UTC, datetime
    >>> r = Representation(decision_hash="ab" * 32, made_by="person",
    ...                    received_at=datetime(2024, 3, 5, tzinfo=UTC),
    ...                    statement="I have moved in with my sister since March.",
    ...                    recorded_by="off-1", outcome="upheld",
    ...                    outcome_at=datetime(2024, 3, 8, tzinfo=UTC), reviewed_by="sup-1")
    >>> r.record_type, r.outcome
    ('representation', 'upheld')
    """

    record_type: Literal["representation"] = "representation"


class Contest(_Challenge):
    """The person's contest of a decision, and its outcome (UK GDPR Article 22C(2)(d)).

    Examples
    --------
    >>> from datetime import UTC, datetime
    >>> Contest(decision_hash="ab" * 32, made_by="representative",
    ...         received_at=datetime(2024, 3, 5, tzinfo=UTC),
    ...         statement="The 2019 conviction was quashed on appeal.", recorded_by="off-1",
    ...         outcome="changed", new_decision_hash="cd" * 32,
    ...         outcome_at=datetime(2024, 3, 9, tzinfo=UTC), reviewed_by="sup-1").outcome
    'changed'
    """

    record_type: Literal["contest"] = "contest"


# A subclass's own field comes after the inherited ones, so record_json puts record_type
# first explicitly: the log tells record kinds apart by how the stored text starts.
SafeguardRecord = Countersignature | Representation | Contest
_KINDS: dict[str, type[Countersignature] | type[Representation] | type[Contest]] = {
    "countersignature": Countersignature, "representation": Representation,
    "contest": Contest}


def record_json(record: SafeguardRecord) -> str:
    """The canonical JSON of a safeguard record: ``record_type`` first, then the fields.

    Examples
    --------
    >>> from datetime import UTC, datetime
    >>> text = record_json(Contest(
    ...     decision_hash="ab" * 32, made_by="person",
    ...     received_at=datetime(2024, 3, 5, tzinfo=UTC), statement="Wrong person.",
    ...     recorded_by="off-1", outcome="upheld",
    ...     outcome_at=datetime(2024, 3, 9, tzinfo=UTC), reviewed_by="sup-1"))
    >>> text[:42]
    '{"record_type":"contest","decision_hash":"'
    """
    body = record.model_dump(mode="json")
    ordered = {"record_type": body.pop("record_type"), **body}
    return json.dumps(ordered, ensure_ascii=False, separators=(",", ":"),
                      allow_nan=False)


def parse_safeguard(text: str | bytes) -> SafeguardRecord:
    """Read a safeguard record back from its stored JSON.

    Raises
    ------
    DecisionError
        If the text is not a safeguard record (names the record type and the field).

    Examples
    --------
    >>> from datetime import UTC, datetime
    >>> c = Countersignature(decision_hash="ab" * 32, officer_id="sup-1", role="supervisor",
    ...                      signed_at=datetime(2024, 3, 2, tzinfo=UTC))
    >>> parse_safeguard(record_json(c)) == c
    True
    """
    try:
        data: Any = json.loads(text)
    except ValueError as exc:
        raise DecisionError(f"safeguard record is not JSON: {exc}") from None
    kind = data.get("record_type") if isinstance(data, dict) else None
    cls = _KINDS.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise DecisionError(f"field 'record_type': expected one of {sorted(_KINDS)}, got "
                            f"{kind!r:.40}")
    try:
        return cls.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"field {'.'.join(map(str, e['loc'])) or '(record)'!r}: "
                             f"{e['msg']}" for e in exc.errors(include_url=False))
        raise DecisionError(f"{kind} record: {problems}") from None
