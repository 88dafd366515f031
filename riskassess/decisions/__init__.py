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
from riskassess.decisions._chain import read_receipts
from riskassess.decisions._keys import DEFAULT_KEY_VARIABLE
from riskassess.decisions._log import (
    DecisionLog,
    EnvironmentKey,
    FileKey,
    KeyProvider,
    Receipt,
    canonical_json,
    generate_key,
    verify_jsonl,
)
from riskassess.decisions._records import (
    MAX_RATIONALE_CHARS,
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
    check_free_text,
    check_rationale,
)
from riskassess.decisions._verify import GENESIS, LogHead, LogProblem, VerifyResult, record_hash

__all__ = [
    "DEFAULT_KEY_VARIABLE",
    "GENESIS",
    "MAX_RATIONALE_CHARS",
    "MIN_RATIONALE_CHARS",
    "MIN_RATIONALE_DISTINCT",
    "MIN_RATIONALE_WORDS",
    "Assessment",
    "AssessmentWarning",
    "DecisionLog",
    "EnvironmentKey",
    "ExplanationRecord",
    "FeatureContribution",
    "FileKey",
    "FinalDecision",
    "HorizonProbability",
    "KeyProvider",
    "LogHead",
    "LogProblem",
    "ModelInfo",
    "OverrideReason",
    "ReasonRecord",
    "Receipt",
    "VerifyResult",
    "assess",
    "canonical_json",
    "check_free_text",
    "check_rationale",
    "decisions_frame",
    "generate_key",
    "override_outcomes",
    "override_rates",
    "read_receipts",
    "record_hash",
    "verify_jsonl",
    "wilson_interval",
]
