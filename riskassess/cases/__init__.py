"""Case records: the validated input of every assessment (first stage of the flow).

A :class:`Case` is one person (:class:`Person`) assessed on one date, for one current
(index) sanction (:class:`IndexOffence`), with the sanctions before it (:class:`Sanction`).
The validity rules are listed in :mod:`riskassess.cases._records`; ``Case.model_json_schema()``
is the contract case systems code against.

Examples
--------
>>> from riskassess.cases import Case
>>> sorted(Case.model_json_schema()["required"])
['assessment_date', 'case_id', 'index_offence', 'person']
"""

from riskassess.cases._dates import EPOCH_ORDINAL, tenth_birthday, tenth_birthdays
from riskassess.cases._oasys import (
    DrugUse,
    MotivationLevel,
    NeedItems,
    PreviousConviction,
    ProblemLevel,
    RelationshipStatus,
)
from riskassess.cases._records import (
    MAX_AGE_YEARS,
    Case,
    IndexOffence,
    Person,
    Sanction,
    ensure_valid,
    validate_cases,
)

__all__ = [
    "EPOCH_ORDINAL",
    "MAX_AGE_YEARS",
    "Case",
    "DrugUse",
    "IndexOffence",
    "MotivationLevel",
    "NeedItems",
    "Person",
    "PreviousConviction",
    "ProblemLevel",
    "RelationshipStatus",
    "Sanction",
    "ensure_valid",
    "tenth_birthday",
    "tenth_birthdays",
    "validate_cases",
]
