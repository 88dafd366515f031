"""What changed between a case's previous assessment and this one.

A reassessment is linked to the case's previous decision in the log
(``Assessment.decide(..., previous=receipt)``); :func:`reassessment_change` says what
moved: the probability, the model's band, the officer's final band, and, with a dynamic
instrument (one reading OASys need items, e.g. HMPPS's ARP / VRP), each need item whose
recorded value differs. For a static instrument such as OGRS3 the need items are not
inputs, so only the score and band can change (by ageing and new sanctions).

Examples
--------
>>> from datetime import UTC, date, datetime
>>> from riskassess.decisions import Assessment, ExplanationRecord, FeatureContribution, ModelInfo
>>> def assessed(day, p, band, accommodation):
...     expl = ExplanationRecord(base_value=0.0, link="identity", contributions=(
...         FeatureContribution(feature="accommodation", value=accommodation,
...                             contribution=p),))
...     return Assessment(case_id="C-1", assessment_date=date(2024, day, 1), probability=p,
...                       band=band, explanation=expl, input_sha256="0" * 64,
...                       model=ModelInfo(name="ARP", version="1", fingerprint="x"),
...                       created_at=datetime(2024, day, 1, tzinfo=UTC))
>>> change = reassessment_change(assessed(1, 0.62, "high", 2), assessed(6, 0.41, "medium", 0))
>>> round(change.probability_change, 2), change.band_steps, change.needs[0].item
(-0.21, -1, 'accommodation')
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import ConfigDict, Field

from riskassess.decisions._parts import _Frozen
from riskassess.decisions._records import Assessment, FinalDecision
from riskassess.exceptions import DecisionError, DecisionTypeError
from riskassess.types import RISK_BANDS, CaseId, RiskBand

__all__ = ["AssessmentChange", "NeedChange", "need_items", "reassessment_change"]


def need_items() -> frozenset[str]:
    """The feature names that are OASys need items (from the ARNS instruments' terms).

    Examples
    --------
    >>> "accommodation" in need_items(), "age" in need_items()
    (True, False)
    """
    from riskassess.instruments.arns import NEED_COLUMNS

    return frozenset(NEED_COLUMNS)


class NeedChange(_Frozen):
    """One need item whose recorded value differs between two assessments.

    Examples
    --------
    >>> NeedChange(item="accommodation", before=2.0, after=0.0).after
    0.0
    """

    item: str = Field(description="Need item (feature name).")
    before: Any = Field(description="Value at the previous assessment (None: not recorded).")
    after: Any = Field(description="Value at this assessment (None: not recorded).")
    contribution_change: float | None = Field(
        default=None, description="Change in the item's contribution on the model's scale.")


class AssessmentChange(_Frozen):
    """The change from a case's previous assessment (or decision) to the current one,
    as :func:`reassessment_change` returns it.

    Examples
    --------
    >>> from datetime import date
    >>> change = AssessmentChange(
    ...     case_id="C-1", previous_date=date(2024, 1, 5), current_date=date(2024, 7, 5),
    ...     same_model=True, previous_probability=0.62, current_probability=0.48,
    ...     probability_change=-0.14, previous_band="medium", current_band="low",
    ...     band_steps=-1, model_band_steps=-1,
    ...     needs=(NeedChange(item="unemployed", before=1.0, after=0.0),))
    >>> change.band_steps, [n.item for n in change.needs]
    (-1, ['unemployed'])
    """

    case_id: CaseId
    previous_date: date
    current_date: date
    same_model: bool = Field(description="Both by the same model fingerprint (like for like).")
    previous_probability: float
    current_probability: float
    probability_change: float
    previous_band: RiskBand = Field(description="Final band before (the model's if undecided).")
    current_band: RiskBand = Field(description="Final band now (the model's if undecided).")
    # pydantic < 2.10 reserves every "model_" name; model_band_steps is ours, not its
    model_config = ConfigDict(frozen=True, extra="forbid", protected_namespaces=())

    band_steps: int = Field(description="Bands moved: positive is up.")
    model_band_steps: int = Field(description="Bands the model's band moved.")
    needs: tuple[NeedChange, ...] = Field(description="Need items whose value changed.")


def _parts(x: Any, which: str) -> tuple[Assessment, str]:
    if isinstance(x, FinalDecision):
        return x.assessment, x.final_band
    if isinstance(x, Assessment):
        return x, x.band
    raise DecisionTypeError(f"reassessment_change: {which} must be an Assessment or a "
                            f"FinalDecision, got {type(x).__name__}")


def _values(a: Assessment) -> dict[str, tuple[Any, float]]:
    if a.explanation is None:
        return {}
    return {c.feature: (c.value, c.contribution) for c in a.explanation.contributions}


def reassessment_change(previous: Any, current: Any) -> AssessmentChange:
    """The change in score, band and need items between two assessments of one case.

    Parameters
    ----------
    previous, current : Assessment or FinalDecision
        The earlier and the later one (a decision's band is the officer's final band).

    Returns
    -------
    AssessmentChange

    Raises
    ------
    DecisionError
        If the case ids differ (names both) or ``previous`` is not earlier.
    DecisionTypeError
        If either is not an Assessment or a FinalDecision.

    Examples
    --------
    See the module docstring.
    """
    a0, band0 = _parts(previous, "previous")
    a1, band1 = _parts(current, "current")
    if a0.case_id != a1.case_id:
        raise DecisionError(f"case {a1.case_id!r}, field 'previous': the previous "
                            f"assessment is of another case ({a0.case_id!r})")
    if a0.created_at > a1.created_at:
        raise DecisionError(f"case {a1.case_id!r}, field 'previous': made after the current "
                            "assessment (swap the arguments)")
    v0, v1 = _values(a0), _values(a1)
    needs = []
    for item in sorted(need_items() & (set(v0) | set(v1))):
        before, c0 = v0.get(item, (None, None))
        after, c1 = v1.get(item, (None, None))
        if before != after:
            delta = None if c0 is None or c1 is None else c1 - c0
            needs.append(NeedChange(item=item, before=before, after=after,
                                    contribution_change=delta))
    steps = RISK_BANDS.index(band1) - RISK_BANDS.index(band0)
    return AssessmentChange(
        case_id=a1.case_id, previous_date=a0.assessment_date, current_date=a1.assessment_date,
        same_model=a0.model.fingerprint == a1.model.fingerprint,
        previous_probability=a0.probability, current_probability=a1.probability,
        probability_change=a1.probability - a0.probability, previous_band=band0,
        current_band=band1, band_steps=steps,
        model_band_steps=RISK_BANDS.index(a1.band) - RISK_BANDS.index(a0.band),
        needs=tuple(needs))
