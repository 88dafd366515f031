"""Assessments (the model's recommendation) and the officer's final decision.

An :class:`Assessment` is what the tool recommends for one case: probability, band, the
exact explanation and its top reasons, and the provenance of all of it (model name,
version, fingerprint and bands, SHA-256 of the input, warnings). It is a recommendation,
never a decision. It is **sealed** (:mod:`riskassess.decisions._seal`): ``seal`` is a
SHA-256 over all its other fields, set when it is validated; ``model_copy(update=...)``
is refused, and one altered after validation (``object.__setattr__``,
``model_construct``) or whose band disagrees with its probability and the model's
cut-points is refused by :meth:`Assessment.decide`.

A :class:`FinalDecision` is the officer's judgement on an assessment, and
:meth:`Assessment.decide` is the **only** way to make one (reading one back from a
:class:`~riskassess.decisions.DecisionLog` goes through a private path that runs the
same checks). It keeps a digest of itself taken when it was made;
:meth:`FinalDecision._check_integrity` (called by the log before storing) raises
:class:`~riskassess.exceptions.DecisionError` if it was changed since. The rules,
enforced by construction:

* the final band is always the officer's;
* agreeing (the model's band, or no band) needs only the officer id, and never records
  an override or a reason;
* any other band is an override: it needs a coded :class:`OverrideReason` and a written
  rationale of real length (:data:`MIN_RATIONALE_CHARS` non-space characters, at least
  :data:`MIN_RATIONALE_WORDS` words and :data:`MIN_RATIONALE_DISTINCT` distinct
  characters, so ``"n/a"`` or ``"xxxxxxxxxxxxxxxxxxxxxxxx"`` are refused); its direction
  (up / down) is recorded;
* any rationale has at most :data:`MAX_RATIONALE_CHARS` characters and no control,
  bidirectional or invisible characters (:func:`check_free_text`).

What each stored record holds
-----------------------------
A decision log stores one :class:`FinalDecision` per record, as JSON (the safeguard
records are described in :mod:`riskassess.decisions._safeguards`):

* **the decision**: officer id (pseudonymous), final band, override flag, direction,
  coded reason, rationale (the officer's free text, at most 4,000 plain characters),
  decision time (UTC), effective and review dates, whether a countersignature is
  required, the record hash of the case's previous decision;
* **the assessment decided on**: case id (pseudonymous), assessment date, probability
  (and per-horizon probabilities), model band, creation time (UTC), the seal;
* **the model**: name, version, fingerprint, band cut-points and labels;
* **the input**: only its SHA-256 (``input_sha256``), never the case record itself;
* **the explanation and reasons**: per feature, the contribution and the case's value
  *as an officer needs it*: durations and ages in whole years rounded down (age, age at
  follow-up, age at first sanction, career length, years since the last sanction), the
  Copas rate to two decimals, counts and categories as they are; the reasons' text as
  generated; warnings about missing or out-of-range inputs.

Never stored: names, dates of birth, sanction dates or any other date from the case
record, addresses, free text from the case record, exact ages or durations, the key.

Examples
--------
>>> from datetime import UTC, date, datetime
>>> a = Assessment(
...     case_id="C-001", assessment_date=date(2024, 3, 1), probability=0.62, band="medium",
...     model=ModelInfo(name="OGRS3", version="1", fingerprint="f" * 64),
...     input_sha256="0" * 64, created_at=datetime(2024, 3, 1, 9, 0, tzinfo=UTC))
>>> agreed = a.decide("officer-17")
>>> agreed.final_band, agreed.override
('medium', False)
>>> raised = a.decide("officer-17", "high", reason=OverrideReason.SERIOUS_HARM,
...                   rationale="Recent threats to a former partner reported by police.")
>>> raised.final_band, raised.direction, raised.reason.label
('high', 'up', 'professional judgement of serious harm')
>>> a.decide("officer-17", "low")
Traceback (most recent call last):
...
riskassess.exceptions.DecisionError: case 'C-001': an override from 'medium' to 'low' ...
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AwareDatetime,
    Field,
    PrivateAttr,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from riskassess.decisions._deciding import REVIEW_INTERVAL, build_decision
from riskassess.decisions._parts import (
    MAX_RATIONALE_CHARS,
    MIN_RATIONALE_CHARS,
    MIN_RATIONALE_DISTINCT,
    MIN_RATIONALE_WORDS,
    AssessmentWarning,
    ExplanationRecord,
    FeatureContribution,
    HorizonProbability,
    ModelInfo,
    OverrideReason,
    ReasonRecord,
    _direction,
    _Frozen,
    check_free_text,
    check_rationale,
)
from riskassess.decisions._safeguards import DEFAULT_POLICY, CountersignaturePolicy
from riskassess.decisions._seal import (
    assessment_seal,
    band_problem,
    decision_digest,
    digest_of_json,
)
from riskassess.exceptions import DecisionError, DecisionTypeError
from riskassess.types import CaseId, OfficerId, Probability, RiskBand

__all__ = [
    "MAX_RATIONALE_CHARS",
    "MIN_RATIONALE_CHARS",
    "MIN_RATIONALE_DISTINCT",
    "MIN_RATIONALE_WORDS",
    "REVIEW_INTERVAL",
    "Assessment",
    "AssessmentWarning",
    "ExplanationRecord",
    "FeatureContribution",
    "FinalDecision",
    "HorizonProbability",
    "ModelInfo",
    "OverrideReason",
    "ReasonRecord",
    "check_free_text",
    "check_rationale",
]

_SHA256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$", strict=True)]



def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


class Assessment(_Frozen):
    """The tool's recommendation for one case (never a decision).

    Make one with :func:`assess`; decide on it with :meth:`decide`.

    Examples
    --------
    Built directly (as :func:`assess` does), it checks its own consistency:

    >>> from datetime import UTC, date, datetime
    >>> a = Assessment(
    ...     case_id="C-3", assessment_date=date(2024, 2, 1), probability=0.35, band="medium",
    ...     horizon_years=2, probabilities=(HorizonProbability(years=1, probability=0.2),
    ...                                     HorizonProbability(years=2, probability=0.35)),
    ...     model=ModelInfo(name="OGRS3", version="1", fingerprint="f" * 64),
    ...     input_sha256="0" * 64, created_at=datetime(2024, 2, 1, 10, 0, tzinfo=UTC))
    >>> a.band, a.probabilities[0].probability
    ('medium', 0.2)
    >>> Assessment(**{**dict(a), "probability": 0.5})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    pydantic_core._pydantic_core.ValidationError: 1 validation error for Assessment
      Value error, case 'C-3': probability 0.5 differs from the 2-year probability 0.35 ...
    """

    case_id: CaseId = Field(description="Pseudonymous case id.")
    assessment_date: date = Field(description="Date the assessment is as at.")
    probability: Probability = Field(description="Predicted probability (the banded one).")
    horizon_years: int | None = Field(
        default=None, ge=1, le=10, description="Horizon of `probability`, when the model has one."
    )
    probabilities: tuple[HorizonProbability, ...] = Field(
        default=(), description="Probability per horizon where the model gives several."
    )
    band: RiskBand = Field(description="The model's risk band.")
    explanation: ExplanationRecord | None = Field(
        default=None, description="Exact per-feature contributions (plain data)."
    )
    reasons: tuple[ReasonRecord, ...] = Field(default=(), description="Top reasons, in order.")
    model: ModelInfo = Field(description="Model name, version and fingerprint.")
    input_sha256: _SHA256 = Field(description="SHA-256 of the canonical JSON of the input.")
    warnings: tuple[AssessmentWarning, ...] = Field(
        default=(), description="Out-of-range values and missing items."
    )
    created_at: AwareDatetime = Field(description="When the assessment was made (UTC).")
    seal: _SHA256 | None = Field(default=None, description=(
        "SHA-256 over every other field, set when the assessment is validated (give None "
        "to seal a new one); a record whose content no longer matches it is refused."))

    _normalise_created = field_validator("created_at")(_utc)

    def _problem(self) -> str | None:
        """What is inconsistent in this assessment (None when nothing is)."""
        years = [h.years for h in self.probabilities]
        if len(set(years)) != len(years):
            return f"duplicate horizons {years}"
        if self.horizon_years is not None and self.horizon_years in years:
            p = self.probabilities[years.index(self.horizon_years)].probability
            if abs(p - self.probability) > 1e-9:
                return (f"probability {self.probability!r} differs from the "
                        f"{self.horizon_years}-year probability {p!r}")
        if self.explanation is not None:
            p = self.explanation.probability
            if not abs(p - self.probability) <= 1e-6:
                return (f"explanation adds up to probability {p!r}, expected "
                        f"{self.probability!r}")
        return band_problem(self)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        problem = self._problem()
        if problem is not None:
            raise DecisionError(f"case {self.case_id!r}: {problem}")
        seal = assessment_seal(self)
        if self.seal is None:
            self.__dict__["seal"] = seal  # frozen: set once, here, at validation
        elif self.seal != seal:
            raise DecisionError(f"case {self.case_id!r}: the seal does not match the content "
                             "(the assessment was edited)")
        return self

    def _check_integrity(self) -> None:
        """Raise DecisionError unless the seal, probabilities and band still agree."""
        if self.seal is None:
            raise DecisionError(f"case {self.case_id!r}: the assessment is not sealed (it "
                                "was built without validation); assess the case again")
        if self.seal != assessment_seal(self):
            raise DecisionError(f"case {self.case_id!r}: the assessment was changed after it "
                                "was made (its seal does not match its content)")
        problem = self._problem()
        if problem is not None:
            raise DecisionError(f"case {self.case_id!r}: {problem}")

    def model_copy(self, *, update: Any = None, deep: bool = False) -> Self:
        """A copy; ``update`` is refused (assess the case again instead).

        Raises
        ------
        DecisionTypeError
            When ``update`` is given.
        """
        if update:
            raise DecisionTypeError(f"case {self.case_id!r}: an Assessment cannot be "
                                    "altered; assess the case again")
        return super().model_copy(deep=deep)

    def __repr__(self) -> str:
        from riskassess.decisions._display import assessment_repr

        return assessment_repr(self)

    def _repr_html_(self) -> str:
        from riskassess.decisions._display import assessment_html

        return assessment_html(self)

    def decide(
        self,
        officer_id: str,
        band: str | None = None,
        reason: OverrideReason | str | None = None,
        rationale: str | None = None,
        decided_at: datetime | None = None,
        *,
        effective_date: date | None = None,
        review_date: date | None = None,
        policy: CountersignaturePolicy | None = DEFAULT_POLICY,
        previous: Any = None,
    ) -> FinalDecision:
        """Record the officer's final judgement on this assessment.

        Parameters
        ----------
        officer_id : str
            Pseudonymous id of the officer deciding.
        band : {"low", "medium", "high", "very high"} or None, default None
            The officer's band. None or the model's band means the officer agrees.
        reason : OverrideReason or str, optional
            Coded reason; required for an override, refused when agreeing.
        rationale : str, optional
            Written rationale; required for an override (see :func:`check_rationale`),
            optional when agreeing.
        decided_at : datetime, optional
            Timezone-aware time of the decision (default: now, UTC); not before the
            assessment was made.
        effective_date : date, optional
            When it takes effect (default and earliest: the UTC date of ``decided_at``);
            a decision needing a countersignature is only effective once countersigned.
        review_date : date, optional
            When it is to be reviewed (default: ``effective_date`` + :data:`REVIEW_INTERVAL`);
            after ``effective_date``.
        policy : CountersignaturePolicy or None, default DEFAULT_POLICY
            Decides ``countersignature_required`` (None: never required). A log opened
            with a policy refuses a decision that disagrees with it.
        previous : str or Receipt, optional
            Record hash (or receipt) of this case's previous decision in the log (the
            reassessment link; the log refuses an unknown record or another case's).

        Returns
        -------
        FinalDecision
            Whose ``final_band`` is the officer's band.

        Raises
        ------
        DecisionError
            If the rules above are broken; the message names the case id.

        Examples
        --------
        >>> from datetime import UTC, date, datetime
        >>> a = Assessment(
        ...     case_id="C-9", assessment_date=date(2024, 1, 5), probability=0.8, band="high",
        ...     model=ModelInfo(name="m", version="1", fingerprint="abc"),
        ...     input_sha256="0" * 64, created_at=datetime(2024, 1, 5, tzinfo=UTC))
        >>> d = a.decide("off-2", "medium", reason="protective_factors",
        ...              rationale="Stable housing and full-time work since release.")
        >>> (d.model_band, d.final_band, d.direction, d.override)
        ('high', 'medium', 'down', True)
        """
        return build_decision(self, officer_id, band, reason, rationale, decided_at,
                              effective_date, review_date, policy, previous,
                              lambda data: FinalDecision.model_validate(data, context=_GATE))


class _Gate(dict[str, object]):
    pass


_GATE: dict[str, Any] = _Gate(gate=object())


class FinalDecision(_Frozen):
    """The officer's final judgement on an :class:`Assessment`.

    There is no public constructor: use :meth:`Assessment.decide`. Calling
    ``FinalDecision(...)``, ``FinalDecision.model_validate(...)`` or
    ``FinalDecision.model_construct(...)`` raises :class:`TypeError`, and
    ``model_copy(update=...)`` is refused, so every FinalDecision has passed the rules.

    Examples
    --------
    >>> from datetime import UTC, date, datetime
    >>> a = Assessment(
    ...     case_id="C-5", assessment_date=date(2024, 4, 2), probability=0.15, band="low",
    ...     model=ModelInfo(name="m", version="1", fingerprint="abc"),
    ...     input_sha256="0" * 64, created_at=datetime(2024, 4, 2, tzinfo=UTC))
    >>> d = a.decide("off-9", decided_at=datetime(2024, 4, 2, 11, 0, tzinfo=UTC))
    >>> d.case_id, d.model_band, d.final_band, d.override, d.reason
    ('C-5', 'low', 'low', False, None)
    >>> FinalDecision(assessment=a, officer_id="off-9", final_band="high", override=True,
    ...               direction="up", reason=None, rationale=None,
    ...               decided_at=datetime(2024, 4, 2, tzinfo=UTC))
    Traceback (most recent call last):
    ...
    TypeError: a FinalDecision cannot be built directly; use Assessment.decide(...)...
    >>> d.model_copy(update={"final_band": "high"})
    Traceback (most recent call last):
    ...
    riskassess.exceptions.DecisionTypeError: a FinalDecision cannot be altered; make a new ...
    """

    assessment: Assessment = Field(description="The assessment decided on.")
    officer_id: OfficerId = Field(description="Pseudonymous id of the deciding officer.")
    final_band: RiskBand = Field(description="The officer's band: always the final one.")
    override: bool = Field(description="True when the officer's band differs from the model's.")
    direction: Literal["up", "down"] | None = Field(
        description="Direction of an override (None when agreeing)."
    )
    reason: OverrideReason | None = Field(description="Coded override reason (None if agreeing).")
    rationale: str | None = Field(description="Written rationale (required for an override).")
    decided_at: AwareDatetime = Field(description="When the officer decided (UTC).")
    # Added with the safeguards: older records read back with the defaults and still
    # verify (the chain hashes the stored text, never a re-serialisation).
    effective_date: date | None = Field(
        default=None, description="When the decision takes effect (None in older records).")
    review_date: date | None = Field(
        default=None, description="When the decision is to be reviewed (None in older records).")
    countersignature_required: bool = Field(
        default=False, description="Pending until a supervisor countersigns (policy).")
    previous_decision_hash: _SHA256 | None = Field(
        default=None, description="Record hash of this case's previous decision, if any.")

    _normalise_decided = field_validator("decided_at")(_utc)
    # Digest of the decision as validated; _check_integrity compares it before storing.
    _integrity: str = PrivateAttr(default="")

    @model_validator(mode="before")
    @classmethod
    def _only_through_decide(cls, data: Any, info: ValidationInfo) -> Any:
        if info.context is not _GATE:
            # The builtin TypeError on purpose: pydantic turns any ValueError raised in a
            # validator (every library error is one) into a ValidationError.
            raise TypeError(
                "a FinalDecision cannot be built directly; use Assessment.decide(officer_id, "
                "band, reason=..., rationale=...)"
            )
        return data

    @model_validator(mode="after")
    def _rules(self) -> Self:
        a = self.assessment
        cid = a.case_id
        if self.override != (self.final_band != a.band):
            raise DecisionError(f"case {cid!r}: override flag does not match the bands")
        if self.direction != _direction(a.band, self.final_band):
            raise DecisionError(f"case {cid!r}: direction {self.direction!r} does not match bands")
        if self.override:
            if self.reason is None or self.rationale is None:
                raise DecisionError(f"case {cid!r}: override without reason and rationale")
            check_rationale(self.rationale, case_id=cid)
        elif self.reason is not None:
            raise DecisionError(f"case {cid!r}: reason recorded without an override")
        elif self.rationale is not None:
            check_free_text(self.rationale, case_id=cid, field="rationale")
        if self.decided_at < a.created_at:
            raise DecisionError(f"case {cid!r}: decision precedes the assessment")
        if (self.effective_date is not None and self.review_date is not None
                and self.review_date <= self.effective_date):
            raise DecisionError(f"case {cid!r}: review date not after the effective date")
        if self.countersignature_required and not self.override:
            raise DecisionError(f"case {cid!r}: countersignature required without an override")
        self._integrity = decision_digest(self)
        return self

    def _check_integrity(self) -> None:
        """Raise :class:`~riskassess.exceptions.DecisionError` if this decision changed.

        Compares the digest taken when the decision was made (by :meth:`Assessment.decide`
        or read back from a log) with one of its present content, then re-checks the
        assessment's seal and band (tests/decisions/test_seal.py shows it refusing an
        ``object.__setattr__`` edit).
        """
        made = getattr(self, "_integrity", "")
        if not made or made != decision_digest(self):
            raise DecisionError(f"case {self.case_id!r}: the final decision was changed after "
                                "it was made (its digest does not match its content)")
        self.assessment._check_integrity()

    def _canonical_json(self) -> str:
        """Check and serialise in one pass (the log's append path): the digest covers the
        assessment's JSON, seal included, checked by ``decide`` before it was taken."""
        body = type(self).__pydantic_serializer__.to_json(self)
        # the private dict itself: getattr goes through BaseModel.__getattr__ after a
        # failed look-up (~3 us, a tenth of an append's Python time per record)
        made = (self.__pydantic_private__ or {}).get("_integrity", "")
        if not made or made != digest_of_json(body):
            raise DecisionError(f"case {self.case_id!r}: the final decision was changed after "
                                "it was made (its digest does not match its content)")
        return body.decode()

    @property
    def case_id(self) -> str:
        """The case id (from the assessment)."""
        return self.assessment.case_id

    @property
    def model_band(self) -> str:
        """The model's band (from the assessment)."""
        return self.assessment.band

    @property
    def status(self) -> Literal["pending", "effective"]:
        """``"pending"`` if it needs a countersignature, else ``"effective"``: the status
        it was made with (``DecisionLog.status`` knows whether it was countersigned)."""
        return "pending" if self.countersignature_required else "effective"

    @classmethod
    def model_construct(  # type: ignore[override]
        cls, _fields_set: set[str] | None = None, **values: Any
    ) -> Self:
        """Refused: a FinalDecision is only made by :meth:`Assessment.decide`."""
        raise DecisionTypeError("FinalDecision.model_construct is disabled; use "
                                "Assessment.decide")

    def model_copy(self, *, update: Any = None, deep: bool = False) -> Self:
        """A copy; ``update`` is refused (make a new decision instead)."""
        if update:
            raise DecisionTypeError("a FinalDecision cannot be altered; make a new decision")
        return super().model_copy(deep=deep)

    def __repr__(self) -> str:
        from riskassess.decisions._display import decision_repr

        return decision_repr(self)

    def _repr_html_(self) -> str:
        from riskassess.decisions._display import decision_html

        return decision_html(self)


def _final_decision_from_json(text: str | bytes) -> FinalDecision:
    """Rebuild a FinalDecision from its JSON (the decision log's private read path)."""
    return FinalDecision.model_validate_json(text, context=_GATE)
