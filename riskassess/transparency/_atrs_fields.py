"""The fields of the Algorithmic Transparency Recording Standard (ATRS) template, v3.0.

One place for the template's structure: every field of tier 1 and tier 2, under the
section the template puts it in, with the label the template gives it, and who fills it:

* ``"library"``: riskassess fills it from the model and its validation report (the
  deploying body may add text after the library's facts, never replace them);
* ``"deployment"``: only the deploying body knows it; it comes from ``deployment=`` and
  is listed as missing when absent, never invented.

``required`` marks the fields a publishable record cannot leave empty. The template
(CDDO / DSIT, "Algorithmic Transparency Recording Standard", v3.0) is published at
https://www.gov.uk/government/publications/algorithmic-transparency-template, with the
guidance at https://www.gov.uk/government/publications/guidance-for-organisations-using-
the-algorithmic-transparency-recording-standard.

Examples
--------
>>> [f.label for f in ATRS_FIELDS if f.section == "tier_1"]
['Name', 'Description', 'Website URL', 'Contact email']
>>> FIELDS_BY_KEY["human_decisions_and_review"].filled_by
'library'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["ATRS_FIELDS", "ATRS_SECTIONS", "ATRS_VERSION", "FIELDS_BY_KEY", "AtrsField"]

#: The template version these fields follow.
ATRS_VERSION = "3.0"


@dataclass(frozen=True)
class AtrsField:
    """One field of the ATRS template.

    Examples
    --------
    >>> f = AtrsField("tier_1", "name", "Name", "deployment", True)
    >>> f.key, f.required
    ('name', True)
    """

    section: str
    key: str
    label: str
    filled_by: Literal["library", "deployment"]
    required: bool


#: Section key -> the section's title in the template, in the template's order.
ATRS_SECTIONS: dict[str, str] = {
    "tier_1": "Tier 1 - Summary information",
    "owner_and_responsibility": "Tier 2 - Owner and responsibility",
    "description_and_rationale": "Tier 2 - Description and rationale",
    "decision_making_process": "Tier 2 - Decision-making process",
    "tool_specification": "Tier 2 - Tool specification",
    "model_specification": "Tier 2 - Model specification",
    "data_specification": "Tier 2 - Data specification",
    "risks_mitigations_and_impact_assessments":
        "Tier 2 - Risks, mitigations and impact assessments",
}

_L, _D = "library", "deployment"

#: Every field, in the template's order: (section, key, label, filled by, required).
ATRS_FIELDS: tuple[AtrsField, ...] = tuple(AtrsField(*row) for row in [  # type: ignore[arg-type]
    ("tier_1", "name", "Name", _D, True),
    ("tier_1", "description", "Description", _D, True),
    ("tier_1", "website", "Website URL", _D, True),
    ("tier_1", "contact_email", "Contact email", _D, True),
    ("owner_and_responsibility", "organisation_or_department", "Organisation or department",
     _D, True),
    ("owner_and_responsibility", "team", "Team", _D, True),
    ("owner_and_responsibility", "senior_responsible_owner", "Senior responsible owner",
     _D, True),
    ("owner_and_responsibility", "third_party_involvement", "Third party involvement",
     _D, True),
    ("owner_and_responsibility", "third_party", "Third party", _D, False),
    ("owner_and_responsibility", "companies_house_number", "Companies House number",
     _D, False),
    ("owner_and_responsibility", "third_party_role", "Third party role", _D, False),
    ("owner_and_responsibility", "procurement_procedure_type", "Procurement procedure type",
     _D, False),
    ("owner_and_responsibility", "third_party_data_access_terms",
     "Third party data access terms", _D, False),
    ("description_and_rationale", "detailed_description", "Detailed description", _L, True),
    ("description_and_rationale", "scope", "Scope", _D, True),
    ("description_and_rationale", "benefit", "Benefit", _D, True),
    ("description_and_rationale", "previous_process", "Previous process", _D, True),
    ("description_and_rationale", "alternatives_considered", "Alternatives considered",
     _D, True),
    ("decision_making_process", "process_integration", "Process integration", _D, True),
    ("decision_making_process", "provided_information", "Provided information", _L, True),
    ("decision_making_process", "frequency_and_scale_of_usage",
     "Frequency and scale of usage", _D, True),
    ("decision_making_process", "human_decisions_and_review", "Human decisions and review",
     _L, True),
    ("decision_making_process", "required_training", "Required training", _D, True),
    ("decision_making_process", "appeals_and_review", "Appeals and review", _D, True),
    ("tool_specification", "system_architecture", "System architecture", _L, True),
    ("tool_specification", "phase", "Phase", _D, True),
    ("tool_specification", "maintenance", "Maintenance", _D, True),
    ("tool_specification", "models", "Models", _L, True),
    ("model_specification", "model_name", "Model name", _L, True),
    ("model_specification", "model_version", "Model version", _L, True),
    ("model_specification", "model_task", "Model task", _L, True),
    ("model_specification", "model_input", "Model input", _L, True),
    ("model_specification", "model_output", "Model output", _L, True),
    ("model_specification", "model_architecture", "Model architecture", _L, True),
    ("model_specification", "model_performance", "Model performance", _L, True),
    ("model_specification", "datasets", "Datasets", _D, True),
    ("model_specification", "dataset_purposes", "Dataset purposes", _D, True),
    ("data_specification", "source_data_name", "Source data name", _D, True),
    ("data_specification", "data_modality", "Data modality", _L, True),
    ("data_specification", "data_description", "Data description", _D, True),
    ("data_specification", "data_quantities", "Data quantities", _L, True),
    ("data_specification", "sensitive_attributes", "Sensitive attributes", _L, True),
    ("data_specification", "data_completeness_and_representativeness",
     "Data completeness and representativeness", _D, True),
    ("data_specification", "source_data_url", "Source data URL", _D, False),
    ("data_specification", "data_collection", "Data collection", _D, True),
    ("data_specification", "data_cleaning", "Data cleaning", _D, True),
    ("data_specification", "data_sharing_agreements", "Data sharing agreements", _D, True),
    ("data_specification", "data_access_and_storage", "Data access and storage", _D, True),
    ("risks_mitigations_and_impact_assessments", "impact_assessments", "Impact assessments",
     _D, True),
    ("risks_mitigations_and_impact_assessments", "risks_and_mitigations",
     "Risks and mitigations", _L, True),
])

#: Field key -> field.
FIELDS_BY_KEY: dict[str, AtrsField] = {f.key: f for f in ATRS_FIELDS}
