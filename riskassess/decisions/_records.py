"""Assessments (the model's recommendation) and the officer's final decision.

An :class:`Assessment` is what the tool recommends for one case: probability, band, the
exact explanation and its top reasons, and the provenance of all of it (model name,
version and fingerprint, SHA-256 of the input, warnings). It is a recommendation, never
a decision.

A :class:`FinalDecision` is the officer's judgement on an assessment, and
:meth:`Assessment.decide` is the **only** way to make one (reading one back from a
:class:`~riskassess.audit.DecisionLog` goes through a private path that runs the same
checks). The rules, enforced by construction:

* the final band is always the officer's;
* agreeing (the model's band, or no band) needs only the officer id, and never records
  an override or a reason;
* any other band is an override: it needs a coded :class:`OverrideReason` and a written
  rationale of real length (:data:`MIN_RATIONALE_CHARS` non-space characters, at least
  :data:`MIN_RATIONALE_WORDS` words and :data:`MIN_RATIONALE_DISTINCT` distinct
  characters, so ``"n/a"`` or ``"xxxxxxxxxxxxxxxxxxxxxxxx"`` are refused); its direction
  (up / down) is recorded.

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

import math
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, Literal, Self

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from riskassess.exceptions import DecisionError
from riskassess.types import RISK_BANDS, CaseId, OfficerId, Probability, RiskBand

if TYPE_CHECKING:  # pragma: no cover
    pass

__all__ = [
    "MIN_RATIONALE_CHARS",
    "MIN_RATIONALE_DISTINCT",
    "MIN_RATIONALE_WORDS",
    "Assessment",
    "AssessmentWarning",
    "ExplanationRecord",
    "FeatureContribution",
    "FinalDecision",
    "HorizonProbability",
    "ModelInfo",
    "OverrideReason",
    "ReasonRecord",
    "check_rationale",
]

#: An override rationale needs at least this many non-whitespace characters.
MIN_RATIONALE_CHARS = 20
#: ... at least this many words (runs of non-space characters containing a letter) ...
MIN_RATIONALE_WORDS = 3
#: ... and at least this many distinct characters (case-insensitive, spaces ignored).
MIN_RATIONALE_DISTINCT = 8
#: Longest rationale accepted.
MAX_RATIONALE_CHARS = 4000

_SHA256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$", strict=True)]
_Text = Annotated[str, StringConstraints(min_length=1, max_length=1000)]


def _nan_to_none(value: Any) -> Any:
    """A missing numeric value is stored as None (NaN would not survive JSON)."""
    return None if isinstance(value, float) and not math.isfinite(value) else value


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class OverrideReason(StrEnum):
    """Coded reason for an override; each value is a stable code stored in the log.

    Examples
    --------
    >>> OverrideReason("protective_factors").label
    'protective factors'
    """

    INFORMATION_NOT_CAPTURED = "information_not_captured"
    PROTECTIVE_FACTORS = "protective_factors"
    RECENT_CHANGE = "recent_change"
    RECORD_ERROR = "record_error"
    SERIOUS_HARM = "serious_harm"
    POLICY = "policy"

    @property
    def label(self) -> str:
        """Plain-English label."""
        return _REASON_LABELS[self.value]


_REASON_LABELS = {
    "information_not_captured": "information the tool does not capture",
    "protective_factors": "protective factors",
    "recent_change": "recent change in circumstances",
    "record_error": "error in the record",
    "serious_harm": "professional judgement of serious harm",
    "policy": "policy",
}


class HorizonProbability(_Frozen):
    """Probability of proven reoffending within ``years`` years.

    Examples
    --------
    >>> HorizonProbability(years=2, probability=0.31)
    HorizonProbability(years=2, probability=0.31)
    >>> HorizonProbability(years=2, probability=1.3)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    pydantic_core._pydantic_core.ValidationError: 1 validation error for HorizonProbability
    ...
    """

    years: int = Field(ge=1, le=10, description="Follow-up horizon in years.")
    probability: Probability = Field(description="Predicted probability for that horizon.")


class FeatureContribution(_Frozen):
    """One feature's exact contribution to the score (on the explanation's scale).

    Examples
    --------
    >>> FeatureContribution(feature="age", value=float("nan"), contribution=-0.25)
    FeatureContribution(feature='age', value=None, contribution=-0.25)
    """

    feature: str = Field(min_length=1, description="Feature (or term) name.")
    value: float | str | None = Field(description="The case's value of the feature.")
    contribution: float = Field(allow_inf_nan=False, description="Contribution to the score.")

    _value_nan_is_none = field_validator("value")(lambda v: _nan_to_none(v))


class ExplanationRecord(_Frozen):
    """The explanation as plain data: base value plus per-feature contributions.

    ``base_value + sum(contributions)`` is the model's output on the ``link`` scale
    (log-odds for ``"logit"``, probability for ``"identity"``).

    Examples
    --------
    >>> e = ExplanationRecord(base_value=-1.0, link="logit", contributions=(
    ...     FeatureContribution(feature="age", value=23, contribution=0.6),
    ...     FeatureContribution(feature="priors", value=4, contribution=0.4)))
    >>> round(e.output, 6), round(e.probability, 3)
    (0.0, 0.5)
    """

    base_value: float = Field(allow_inf_nan=False, description="Expected model output.")
    link: Literal["logit", "identity"] = Field(description="Scale of the values.")
    contributions: tuple[FeatureContribution, ...] = Field(
        description="Per-feature contributions, in the model's feature order."
    )

    @property
    def output(self) -> float:
        """Base value plus all contributions (the model's output on the link scale)."""
        return self.base_value + math.fsum(c.contribution for c in self.contributions)

    @property
    def probability(self) -> float:
        """The output mapped to a probability."""
        out = self.output
        if self.link == "identity":
            return out
        return 1.0 / (1.0 + math.exp(-out)) if out >= 0 else math.exp(out) / (1.0 + math.exp(out))


class ReasonRecord(_Frozen):
    """One plain-English reason read to the officer, with the numbers behind it.

    Examples
    --------
    >>> r = ReasonRecord(text="Four prior convictions raise the risk by 9 percentage points.",
    ...                  feature="priors", value=4, contribution=0.4, change=9.0)
    >>> r.feature, r.change
    ('priors', 9.0)
    >>> ReasonRecord(text="Age lowers the risk.").contribution is None
    True
    """

    text: _Text = Field(description="The reason in plain English.")
    feature: str | None = Field(default=None, description="Feature the reason is about.")
    value: float | str | None = Field(default=None, description="The case's value.")
    contribution: float | None = Field(
        default=None, allow_inf_nan=False, description="Contribution on the explanation scale."
    )
    change: float | None = Field(
        default=None, allow_inf_nan=False,
        description="Signed change in risk, percentage points, against the average case.",
    )

    _value_nan_is_none = field_validator("value")(lambda v: _nan_to_none(v))


class ModelInfo(_Frozen):
    """Which model produced an assessment.

    Examples
    --------
    >>> info = ModelInfo(name="OGRS3", version="0.1.0", fingerprint="ab12")
    >>> info.name, info.fingerprint
    ('OGRS3', 'ab12')
    >>> info.model_dump()
    {'name': 'OGRS3', 'version': '0.1.0', 'fingerprint': 'ab12'}
    """

    name: str = Field(min_length=1, max_length=200, description="Model class or name.")
    version: str = Field(min_length=1, max_length=100, description="Model / library version.")
    fingerprint: str = Field(
        min_length=1, max_length=128, description="Fingerprint of the fitted model's content."
    )


class AssessmentWarning(_Frozen):
    """Something the officer should know about the input of an assessment.

    Examples
    --------
    >>> w = AssessmentWarning(code="out_of_range", feature="age",
    ...                       message="age 97 is above the training range (18 to 80)")
    >>> w.code, w.feature
    ('out_of_range', 'age')
    """

    code: Literal["out_of_range", "missing"] = Field(
        description="out_of_range: value outside the training range; missing: item missing."
    )
    feature: str = Field(min_length=1, description="The feature concerned.")
    message: _Text = Field(description="Plain-English description.")


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

    _normalise_created = field_validator("created_at")(_utc)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        years = [h.years for h in self.probabilities]
        if len(set(years)) != len(years):
            raise ValueError(f"case {self.case_id!r}: duplicate horizons {years}")
        if self.horizon_years is not None and self.horizon_years in years:
            p = self.probabilities[years.index(self.horizon_years)].probability
            if abs(p - self.probability) > 1e-9:
                raise ValueError(
                    f"case {self.case_id!r}: probability {self.probability!r} differs from "
                    f"the {self.horizon_years}-year probability {p!r}"
                )
        if self.explanation is not None:
            p = self.explanation.probability
            if not abs(p - self.probability) <= 1e-6:
                raise ValueError(
                    f"case {self.case_id!r}: explanation adds up to probability {p!r}, "
                    f"expected {self.probability!r}"
                )
        return self

    def decide(
        self,
        officer_id: str,
        band: str | None = None,
        reason: OverrideReason | str | None = None,
        rationale: str | None = None,
        decided_at: datetime | None = None,
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
        cid = self.case_id
        final = self.band if band is None else band
        if final not in RISK_BANDS:
            raise DecisionError(
                f"case {cid!r}: band must be one of {list(RISK_BANDS)}, got {band!r}"
            )
        if decided_at is None:
            decided_at = datetime.now(UTC)
        elif not isinstance(decided_at, datetime) or decided_at.tzinfo is None:
            raise DecisionError(
                f"case {cid!r}: decided_at must be a timezone-aware datetime, got {decided_at!r}"
            )
        if decided_at < self.created_at:
            raise DecisionError(
                f"case {cid!r}: decided_at {decided_at.isoformat()} is before the assessment "
                f"was made ({self.created_at.isoformat()})"
            )
        override = final != self.band
        code: OverrideReason | None = None
        if override:
            if reason is None or rationale is None:
                raise DecisionError(
                    f"case {cid!r}: an override from {self.band!r} to {final!r} needs a reason "
                    f"(one of {[r.value for r in OverrideReason]}) and a written rationale"
                )
            code = _reason(cid, reason)
            check_rationale(rationale, case_id=cid)
        elif reason is not None:
            raise DecisionError(
                f"case {cid!r}: reason {reason!r} given but the officer agrees with the model's "
                f"band {self.band!r}; a reason is only recorded for an override"
            )
        if rationale is not None and not override and not rationale.strip():
            rationale = None
        data = {
            "assessment": self,
            "officer_id": officer_id,
            "final_band": final,
            "override": override,
            "direction": _direction(self.band, final),
            "reason": code,
            "rationale": rationale.strip() if rationale is not None else None,
            "decided_at": decided_at,
        }
        try:
            return FinalDecision.model_validate(data, context=_GATE)
        except ValidationError as exc:
            problems = "; ".join(
                f"field {'.'.join(map(str, e['loc'])) or '(decision)'!r}: {e['msg']} "
                f"(got {e.get('input')!r})" for e in exc.errors(include_url=False)
            )
            raise DecisionError(f"case {cid!r}: invalid decision: {problems}") from None


def _reason(case_id: str, reason: OverrideReason | str) -> OverrideReason:
    try:
        return OverrideReason(reason)
    except ValueError:
        raise DecisionError(
            f"case {case_id!r}: reason must be one of {[r.value for r in OverrideReason]}, "
            f"got {reason!r}"
        ) from None


def _direction(model_band: str, final_band: str) -> Literal["up", "down"] | None:
    i, j = RISK_BANDS.index(model_band), RISK_BANDS.index(final_band)
    return None if i == j else ("up" if j > i else "down")


def check_rationale(rationale: object, *, case_id: str = "?") -> str:
    """Check an override rationale has real length; return it stripped.

    A rationale is accepted when, after stripping, it has at least
    :data:`MIN_RATIONALE_CHARS` non-whitespace characters, at least
    :data:`MIN_RATIONALE_WORDS` words containing a letter, at least
    :data:`MIN_RATIONALE_DISTINCT` distinct characters (ignoring case and whitespace),
    and at most :data:`MAX_RATIONALE_CHARS` characters.

    Raises
    ------
    DecisionError
        Naming the case id and saying which rule failed.

    Examples
    --------
    >>> check_rationale("  Protective family support confirmed at home visit. ")
    'Protective family support confirmed at home visit.'
    >>> check_rationale("see file see file see file")
    Traceback (most recent call last):
    ...
    riskassess.exceptions.DecisionError: case '?': rationale needs at least 8 distinct ...
    """
    if not isinstance(rationale, str):
        raise DecisionError(f"case {case_id!r}: rationale must be text, got {type(rationale)}")
    text = rationale.strip()
    compact = "".join(text.split())
    if len(compact) < MIN_RATIONALE_CHARS:
        raise DecisionError(
            f"case {case_id!r}: rationale needs at least {MIN_RATIONALE_CHARS} non-space "
            f"characters, got {len(compact)}: {text!r}"
        )
    if len(text) > MAX_RATIONALE_CHARS:
        raise DecisionError(
            f"case {case_id!r}: rationale is {len(text)} characters, at most "
            f"{MAX_RATIONALE_CHARS} allowed"
        )
    words = [w for w in text.split() if any(ch.isalpha() for ch in w)]
    if len(words) < MIN_RATIONALE_WORDS:
        raise DecisionError(
            f"case {case_id!r}: rationale needs at least {MIN_RATIONALE_WORDS} words, "
            f"got {len(words)}: {text!r}"
        )
    distinct = len(set(compact.lower()))
    if distinct < MIN_RATIONALE_DISTINCT:
        raise DecisionError(
            f"case {case_id!r}: rationale needs at least {MIN_RATIONALE_DISTINCT} distinct "
            f"characters, got {distinct}: {text!r}"
        )
    return text


# Module-private gate: FinalDecision validates only with this exact object as context.
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
    TypeError: a FinalDecision cannot be altered; make a new decision
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

    _normalise_decided = field_validator("decided_at")(_utc)

    @model_validator(mode="before")
    @classmethod
    def _only_through_decide(cls, data: Any, info: ValidationInfo) -> Any:
        if info.context is not _GATE:
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
            raise ValueError(f"case {cid!r}: override flag does not match the bands")
        if self.direction != _direction(a.band, self.final_band):
            raise ValueError(f"case {cid!r}: direction {self.direction!r} does not match bands")
        if self.override:
            if self.reason is None or self.rationale is None:
                raise ValueError(f"case {cid!r}: override without reason and rationale")
            check_rationale(self.rationale, case_id=cid)
        elif self.reason is not None:
            raise ValueError(f"case {cid!r}: reason recorded without an override")
        if self.decided_at < a.created_at:
            raise ValueError(f"case {cid!r}: decision precedes the assessment")
        return self

    @property
    def case_id(self) -> str:
        """The case id (from the assessment)."""
        return self.assessment.case_id

    @property
    def model_band(self) -> str:
        """The model's band (from the assessment)."""
        return self.assessment.band

    @classmethod
    def model_construct(  # type: ignore[override]
        cls, _fields_set: set[str] | None = None, **values: Any
    ) -> Self:
        """Refused: a FinalDecision is only made by :meth:`Assessment.decide`."""
        raise TypeError("FinalDecision.model_construct is disabled; use Assessment.decide")

    def model_copy(self, *, update: Any = None, deep: bool = False) -> Self:
        """A copy; ``update`` is refused (make a new decision instead)."""
        if update:
            raise TypeError("a FinalDecision cannot be altered; make a new decision")
        return super().model_copy(deep=deep)


def _final_decision_from_json(text: str | bytes) -> FinalDecision:
    """Rebuild a FinalDecision from its JSON (the decision log's private read path)."""
    return FinalDecision.model_validate_json(text, context=_GATE)
