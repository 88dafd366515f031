"""How :meth:`Assessment.decide` builds a :class:`FinalDecision`: the rules, one place.

Kept apart from :mod:`riskassess.decisions._records` (which holds the two record
classes) so that neither module grows past what a reader can hold; ``decide`` is a thin
method that calls :func:`build_decision` with the one way to validate a FinalDecision
(``make``), so this module never imports the records module (no import cycle).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import ValidationError

from riskassess.decisions._parts import (
    OverrideReason,
    _direction,
    check_free_text,
    check_rationale,
)
from riskassess.exceptions import DecisionError
from riskassess.types import RISK_BANDS

if TYPE_CHECKING:  # pragma: no cover
    from riskassess.decisions._safeguards import CountersignaturePolicy

__all__ = ["REVIEW_INTERVAL", "build_decision"]

#: Review date when none is given: 26 weeks after the effective date (a deployment with
#: another review cycle passes ``review_date`` to :meth:`Assessment.decide`).
REVIEW_INTERVAL = timedelta(weeks=26)

Decision = TypeVar("Decision")


def build_decision(assessment: Any, officer_id: str, band: str | None,
                   reason: OverrideReason | str | None, rationale: str | None,
                   decided_at: datetime | None, effective_date: date | None,
                   review_date: date | None, policy: CountersignaturePolicy | None,
                   previous: Any, make: Callable[[dict[str, Any]], Decision]) -> Decision:
    """The body of :meth:`Assessment.decide` (see there for the parameters and rules);
    ``make(data)`` validates the FinalDecision (pydantic errors become DecisionError).

    Examples
    --------
    >>> from datetime import UTC, date, datetime
    >>> from riskassess.decisions import Assessment, ModelInfo
    >>> a = Assessment(
    ...     case_id="C-9", assessment_date=date(2024, 1, 5), probability=0.8, band="high",
    ...     model=ModelInfo(name="m", version="1", fingerprint="abc"),
    ...     input_sha256="0" * 64, created_at=datetime(2024, 1, 5, tzinfo=UTC))
    >>> d = a.decide("off-2", decided_at=datetime(2024, 1, 6, tzinfo=UTC),
    ...              review_date=date(2024, 3, 1), policy=None)
    >>> d.effective_date, d.review_date, d.status
    (datetime.date(2024, 1, 6), datetime.date(2024, 3, 1), 'effective')
    """
    cid = assessment.case_id
    assessment._check_integrity()
    final = assessment.band if band is None else band
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
    if decided_at < assessment.created_at:
        raise DecisionError(
            f"case {cid!r}: decided_at {decided_at.isoformat()} is before the assessment "
            f"was made ({assessment.created_at.isoformat()})"
        )
    override = final != assessment.band
    code: OverrideReason | None = None
    if override:
        if reason is None or rationale is None:
            raise DecisionError(
                f"case {cid!r}: an override from {assessment.band!r} to {final!r} needs a "
                f"reason (one of {[r.value for r in OverrideReason]}) and a written rationale"
            )
        code = _reason(cid, reason)
        rationale = check_rationale(rationale, case_id=cid)
    elif reason is not None:
        raise DecisionError(
            f"case {cid!r}: reason {reason!r} given but the officer agrees with the model's "
            f"band {assessment.band!r}; a reason is only recorded for an override"
        )
    elif rationale is not None:  # optional when agreeing, but plain text all the same
        rationale = check_free_text(rationale, case_id=cid, field="rationale") or None
    effective, review = _dates(cid, decided_at, effective_date, review_date)
    data = {
        "assessment": assessment,
        "officer_id": officer_id,
        "final_band": final,
        "override": override,
        "direction": _direction(assessment.band, final),
        "reason": code,
        "rationale": rationale,
        "decided_at": decided_at,
        "effective_date": effective,
        "review_date": review,
        "countersignature_required": (policy is not None
                                      and policy.requires(assessment.band, final)),
        "previous_decision_hash": _previous_hash(cid, previous),
    }
    try:
        return make(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"field {'.'.join(map(str, e['loc'])) or '(decision)'!r}: {e['msg']} "
            f"(got {e.get('input')!r})" for e in exc.errors(include_url=False)
        )
        raise DecisionError(f"case {cid!r}: invalid decision: {problems}") from None


def _dates(cid: str, decided_at: datetime, effective: Any, review: Any) -> tuple[date, date]:
    """The effective and review dates of a new decision, defaults filled in and checked."""
    for name, value in (("effective_date", effective), ("review_date", review)):
        # a datetime is a date too, but a time of day has no meaning here
        if value is not None and (not isinstance(value, date) or isinstance(value, datetime)):
            raise DecisionError(f"case {cid!r}, field {name!r}: expected a date, got "
                                f"{value!r:.60}")
    decided_on = decided_at.astimezone(UTC).date()
    effective = decided_on if effective is None else effective
    if effective < decided_on:
        raise DecisionError(f"case {cid!r}, field 'effective_date': {effective} is before "
                            f"the decision was made ({decided_on}); a decision cannot take "
                            "effect retrospectively")
    review = effective + REVIEW_INTERVAL if review is None else review
    if review <= effective:
        raise DecisionError(f"case {cid!r}, field 'review_date': {review} is not after the "
                            f"effective date {effective}")
    return effective, review


def _previous_hash(cid: str, previous: Any) -> str | None:
    """The record hash a reassessment links to (a hash, or a receipt's hash)."""
    value = getattr(previous, "hash", previous)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) != 64 or set(value) - set("0123456789abcdef"):
        raise DecisionError(f"case {cid!r}, field 'previous': expected the previous "
                            f"decision's record hash (64 hex digits) or its Receipt, got "
                            f"{value!r:.80}")
    return value


def _reason(case_id: str, reason: OverrideReason | str) -> OverrideReason:
    try:
        return OverrideReason(reason)
    except ValueError:
        raise DecisionError(
            f"case {case_id!r}: reason must be one of {[r.value for r in OverrideReason]}, "
            f"got {reason!r}"
        ) from None

