"""Transparency records and per-case explanations for the people a model's decisions affect.

* :func:`atrs_record`: the Algorithmic Transparency Recording Standard record of a model in
  use (tier 1 and tier 2 fields, named as in the v3.0 template), as JSON and Markdown;
  fields only the deploying body knows are listed as missing, never invented.
* :func:`explanation_pack`: one case's explanation in the ICO's six kinds (rationale,
  responsibility, data, fairness, safety and performance, impact), as Markdown and HTML
  that can be handed to the person.
* :func:`equality_impact_assessment` and :func:`data_protection_impact_assessment`:
  skeletons filled from the validation report, with the justification left TO COMPLETE.

Examples
--------
>>> from riskassess.transparency import ATRS_FIELDS, ICO_EXPLANATION_TYPES
>>> len(ICO_EXPLANATION_TYPES), ATRS_FIELDS[0].label
(6, 'Name')
"""

from riskassess.transparency._atrs import ATRS_TEMPLATE_URL, AtrsRecord, atrs_record
from riskassess.transparency._atrs_fields import ATRS_FIELDS, ATRS_VERSION, AtrsField
from riskassess.transparency._impact import (
    TO_COMPLETE,
    ImpactAssessment,
    data_protection_impact_assessment,
    equality_impact_assessment,
)
from riskassess.transparency._pack import (
    DEFAULT_BAND_MEANINGS,
    ICO_EXPLANATION_TYPES,
    ExplanationPack,
    explanation_pack,
)

__all__ = [
    "ATRS_FIELDS",
    "ATRS_TEMPLATE_URL",
    "ATRS_VERSION",
    "DEFAULT_BAND_MEANINGS",
    "ICO_EXPLANATION_TYPES",
    "TO_COMPLETE",
    "AtrsField",
    "AtrsRecord",
    "ExplanationPack",
    "ImpactAssessment",
    "atrs_record",
    "data_protection_impact_assessment",
    "equality_impact_assessment",
    "explanation_pack",
]
