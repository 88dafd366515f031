"""Assessments, the officer's final decision, the decision log and override analytics.

The flow inside this package: :func:`assess` turns a fitted model and a case into an
:class:`Assessment` (a recommendation); only :meth:`Assessment.decide` turns that into a
:class:`FinalDecision`; a :class:`DecisionLog` stores final decisions in a hash chain;
:func:`override_rates` and :func:`override_outcomes` read them back.

Examples
--------
>>> from riskassess.decisions import OverrideReason
>>> OverrideReason.SERIOUS_HARM.label
'professional judgement of serious harm'
"""

from riskassess.decisions._analytics import (
    decisions_frame,
    override_outcomes,
    override_rates,
    wilson_interval,
)
from riskassess.decisions._assess import assess
from riskassess.decisions._log import DecisionLog, canonical_json, verify_jsonl
from riskassess.decisions._records import (
    MIN_RATIONALE_CHARS,
    MIN_RATIONALE_DISTINCT,
    MIN_RATIONALE_WORDS,
    Assessment,
    AssessmentWarning,
    ExplanationRecord,
    FeatureContribution,
    FinalDecision,
    HorizonProbability,
    ModelInfo,
    OverrideReason,
    ReasonRecord,
    check_rationale,
)
from riskassess.decisions._verify import GENESIS, LogHead, LogProblem, VerifyResult, record_hash

__all__ = [
    "GENESIS",
    "MIN_RATIONALE_CHARS",
    "MIN_RATIONALE_DISTINCT",
    "MIN_RATIONALE_WORDS",
    "Assessment",
    "AssessmentWarning",
    "DecisionLog",
    "ExplanationRecord",
    "FeatureContribution",
    "FinalDecision",
    "HorizonProbability",
    "LogHead",
    "LogProblem",
    "ModelInfo",
    "OverrideReason",
    "ReasonRecord",
    "VerifyResult",
    "assess",
    "canonical_json",
    "check_rationale",
    "decisions_frame",
    "override_outcomes",
    "override_rates",
    "record_hash",
    "verify_jsonl",
    "wilson_interval",
]
