"""Assessments, the officer's final decision, its safeguards, the log and the analytics.

The flow inside this package: :func:`assess` turns a fitted model and a case into an
:class:`Assessment` (a recommendation); only :meth:`Assessment.decide` turns that into a
:class:`FinalDecision` (with effective and review dates, and pending when the
:class:`CountersignaturePolicy` asks for a countersignature); a :class:`DecisionLog`
stores final decisions and their :class:`Countersignature`, :class:`Representation` and
:class:`Contest` records in a hash chain; :func:`reassessment_change` compares a case's
assessments; :func:`override_rates`, :func:`override_outcomes`,
:func:`override_accuracy`, :func:`override_drift`, :func:`countersignature_rates` and
:func:`challenge_rates` read the log back.

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
from riskassess.decisions._change import AssessmentChange, NeedChange, reassessment_change
from riskassess.decisions._keys import DEFAULT_KEY_VARIABLE
from riskassess.decisions._links import StoredRecord
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
from riskassess.decisions._override_analytics import (
    challenge_rates,
    countersignature_rates,
    override_accuracy,
    override_drift,
)
from riskassess.decisions._records import (
    MAX_RATIONALE_CHARS,
    MIN_RATIONALE_CHARS,
    MIN_RATIONALE_DISTINCT,
    MIN_RATIONALE_WORDS,
    REVIEW_INTERVAL,
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
from riskassess.decisions._safeguards import (
    DEFAULT_POLICY,
    Contest,
    Countersignature,
    CountersignaturePolicy,
    Representation,
)
from riskassess.decisions._verify import GENESIS, LogHead, LogProblem, VerifyResult, record_hash

__all__ = [
    "DEFAULT_KEY_VARIABLE",
    "DEFAULT_POLICY",
    "GENESIS",
    "MAX_RATIONALE_CHARS",
    "MIN_RATIONALE_CHARS",
    "MIN_RATIONALE_DISTINCT",
    "MIN_RATIONALE_WORDS",
    "REVIEW_INTERVAL",
    "Assessment",
    "AssessmentChange",
    "AssessmentWarning",
    "Contest",
    "Countersignature",
    "CountersignaturePolicy",
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
    "NeedChange",
    "OverrideReason",
    "ReasonRecord",
    "Receipt",
    "Representation",
    "StoredRecord",
    "VerifyResult",
    "assess",
    "canonical_json",
    "challenge_rates",
    "check_free_text",
    "check_rationale",
    "countersignature_rates",
    "decisions_frame",
    "generate_key",
    "override_accuracy",
    "override_drift",
    "override_outcomes",
    "override_rates",
    "read_receipts",
    "reassessment_change",
    "record_hash",
    "verify_jsonl",
    "wilson_interval",
]
