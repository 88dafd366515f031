"""The ATRS record: the template's field names, missing fields listed, never invented."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from riskassess.exceptions import TransparencyError
from riskassess.transparency import ATRS_FIELDS, atrs_record

# The ATRS v3.0 template's sections and field labels, typed from the template
# (https://www.gov.uk/government/publications/algorithmic-transparency-template),
# independently of riskassess/transparency/_atrs_fields.py.
TEMPLATE: dict[str, list[str]] = {
    "tier_1": ["Name", "Description", "Website URL", "Contact email"],
    "owner_and_responsibility": [
        "Organisation or department", "Team", "Senior responsible owner",
        "Third party involvement", "Third party", "Companies House number",
        "Third party role", "Procurement procedure type", "Third party data access terms"],
    "description_and_rationale": [
        "Detailed description", "Scope", "Benefit", "Previous process",
        "Alternatives considered"],
    "decision_making_process": [
        "Process integration", "Provided information", "Frequency and scale of usage",
        "Human decisions and review", "Required training", "Appeals and review"],
    "tool_specification": ["System architecture", "Phase", "Maintenance", "Models"],
    "model_specification": [
        "Model name", "Model version", "Model task", "Model input", "Model output",
        "Model architecture", "Model performance", "Datasets", "Dataset purposes"],
    "data_specification": [
        "Source data name", "Data modality", "Data description", "Data quantities",
        "Sensitive attributes", "Data completeness and representativeness",
        "Source data URL", "Data collection", "Data cleaning", "Data sharing agreements",
        "Data access and storage"],
    "risks_mitigations_and_impact_assessments": ["Impact assessments",
                                                 "Risks and mitigations"],
}

#: What only the deploying body can know (the library must never fill these).
BODY_ONLY = {
    "name", "description", "website", "contact_email", "organisation_or_department", "team",
    "senior_responsible_owner", "third_party_involvement", "scope", "benefit",
    "previous_process", "alternatives_considered", "process_integration",
    "frequency_and_scale_of_usage", "required_training", "appeals_and_review", "phase",
    "maintenance", "datasets", "dataset_purposes", "source_data_name", "data_description",
    "data_completeness_and_representativeness", "data_collection", "data_cleaning",
    "data_sharing_agreements", "data_access_and_storage", "impact_assessments",
}


def _full_deployment() -> dict[str, str]:
    text = {key: f"The body's text for {key}." for key in BODY_ONLY}
    text["contact_email"] = "atrs@probation.example.gov.uk"
    text["website"] = "https://probation.example.gov.uk/tools/risk"
    return text


def test_field_names_and_order_are_the_templates() -> None:
    ours = [(f.section, f.label) for f in ATRS_FIELDS]
    theirs = [(section, label) for section, labels in TEMPLATE.items() for label in labels]
    assert ours == theirs


def test_record_sections_are_the_templates(model, report) -> None:
    record = atrs_record(model, report, draft=True).to_dict()
    assert list(record["tier_2"]) == list(TEMPLATE)[1:]
    assert len(record["tier_1"]) == len(TEMPLATE["tier_1"])
    assert sum(len(s) for s in record["tier_2"].values()) == sum(
        len(v) for k, v in TEMPLATE.items() if k != "tier_1")


def test_a_record_without_deployment_is_refused_naming_every_missing_field(model,
                                                                          report) -> None:
    with pytest.raises(TransparencyError) as info:
        atrs_record(model, report)
    assert isinstance(info.value, ValueError)
    assert set(info.value.missing) == BODY_ONLY
    for key in BODY_ONLY:
        assert key in str(info.value)


def test_a_draft_lists_the_missing_fields_and_invents_none(model, report) -> None:
    record = atrs_record(model, report, draft=True)
    assert set(record.missing) == BODY_ONLY and not record.publishable
    data = record.to_dict()
    values = data["tier_1"] | {k: v for s in data["tier_2"].values() for k, v in s.items()}
    assert all(values[key] is None for key in BODY_ONLY)
    assert data["status"] == "draft"
    markdown = record.to_markdown()
    assert markdown.count("MISSING: to be supplied by the deploying body") == len(BODY_ONLY)


@given(st.sets(st.sampled_from(sorted(BODY_ONLY))))
def test_given_fields_leave_the_missing_list(model, report, keys) -> None:
    full = _full_deployment()
    record = atrs_record(model, report, deployment={k: full[k] for k in keys}, draft=True)
    assert set(record.missing) == BODY_ONLY - keys
    assert all(record.values[k] == full[k] for k in keys)


def test_a_complete_record_is_publishable_and_round_trips(model, report) -> None:
    record = atrs_record(model, report, deployment=_full_deployment())
    assert record.publishable and record.missing == ()
    assert json.loads(record.to_json()) == record.to_dict()
    assert record.to_dict()["status"] == "publishable"
    assert "MISSING" not in record.to_markdown()


def test_a_third_party_makes_its_details_required(model, report) -> None:
    details = {"third_party", "companies_house_number", "third_party_role",
               "procurement_procedure_type", "third_party_data_access_terms"}
    without = atrs_record(model, report, deployment=_full_deployment()
                          | {"third_party_involvement": "No."})
    assert without.publishable
    record = atrs_record(model, report, draft=True, deployment=_full_deployment()
                         | {"third_party_involvement": "Yes: a supplier hosts the tool."})
    assert set(record.missing) == details


def test_blank_text_counts_as_missing(model, report) -> None:
    deployment = _full_deployment() | {"team": "   "}
    with pytest.raises(TransparencyError) as info:
        atrs_record(model, report, deployment=deployment)
    assert info.value.missing == ("team",)


def test_library_fields_come_from_the_report(model, report, other_report) -> None:
    ours = atrs_record(model, report, draft=True).values
    theirs = atrs_record(model, other_report, draft=True).values
    assert str(report.auc) in ours["model_performance"]
    assert str(other_report.auc) in theirs["model_performance"]
    assert ours["model_performance"] != theirs["model_performance"]
    assert f"Validation: {report.n} cases, {report.n_positive}" in ours["data_quantities"]
    for row in report.fairness.groups.itertuples():
        assert f"sex {row.group}: {row.n} cases" in ours["model_performance"]


def test_sensitive_inputs_are_named(model, report) -> None:
    text = atrs_record(model, report, draft=True).values["sensitive_attributes"]
    assert "sex (Equality Act 2010 characteristic: sex)" in text
    assert "age (Equality Act 2010 characteristic: age)" in text


def test_body_text_for_a_library_field_is_added_not_replacing(model, report) -> None:
    plain = atrs_record(model, report, draft=True).values["risks_and_mitigations"]
    added = atrs_record(model, report, draft=True,
                        deployment={"risks_and_mitigations": "Quarterly audit."})
    assert added.values["risks_and_mitigations"].startswith(plain)
    assert added.values["risks_and_mitigations"].endswith("Quarterly audit.")


@pytest.mark.parametrize(("deployment", "named"), [
    ({"nmae": "typo"}, "nmae"),
    ({"team": 7}, "team"),
    ({"contact_email": "not an email"}, "contact_email"),
    ({"website": "javascript:alert(1)"}, "website"),
])
def test_bad_deployment_values_are_refused_naming_the_field(model, report, deployment,
                                                            named) -> None:
    with pytest.raises(TransparencyError, match=named):
        atrs_record(model, report, deployment=deployment, draft=True)


def test_a_report_that_is_not_one_is_refused(model) -> None:
    with pytest.raises(TransparencyError, match="ValidationReport"):
        atrs_record(model, {"auc": 0.7})


def test_hostile_body_text_is_escaped_in_markdown(model, report) -> None:
    record = atrs_record(model, report, draft=True,
                         deployment={"scope": "<script>alert(1)</script> [x](javascript:y)"})
    markdown = record.to_markdown()
    assert "<script>" not in markdown and "&lt;script&gt;" in markdown
    assert "[x](" not in markdown
