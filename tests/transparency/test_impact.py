"""Equality and data protection impact assessment skeletons: facts filled, judgements open."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from riskassess.exceptions import TransparencyError
from riskassess.transparency import (
    TO_COMPLETE,
    data_protection_impact_assessment,
    equality_impact_assessment,
)
from riskassess.validation import validate


def test_the_eia_names_age_and_sex_inputs_and_leaves_their_justification_open(
        model, report) -> None:
    eia = equality_impact_assessment(model, report)
    sections = dict(eia.sections)
    listed = sections["Protected characteristics used as inputs"][1]
    assert any(item.startswith("age [age]") for item in listed)
    assert any(item.startswith("sex [sex]") for item in listed)
    open_items = [i for i in eia.to_complete if i.startswith("why using")]
    assert len(open_items) == len(listed)  # one justification to write per protected input
    assert all(TO_COMPLETE not in text for text in listed)


def test_an_input_free_of_protected_characteristics_asks_for_no_justification() -> None:
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"priors_count": rng.poisson(2, 300),
                      "juv_fel_count": rng.poisson(1, 300)})
    y = (rng.random(300) < 0.4).astype(int)
    model = LogisticRegression().fit(X, y)
    eia = equality_impact_assessment(model, validate(model, X, y, n_bootstrap=0))
    assert not [i for i in eia.to_complete if i.startswith("why using")]
    assert "No input is, or is derived from, a protected characteristic." in eia.to_markdown()


def test_the_eia_evidence_is_the_reports_group_metrics(model, report, other_report) -> None:
    ours = equality_impact_assessment(model, report).to_markdown()
    theirs = equality_impact_assessment(model, other_report).to_markdown()
    assert ours != theirs
    for rep, text in ((report, ours), (other_report, theirs)):
        for row in rep.fairness.groups.itertuples():
            assert f"sex {row.group}: {row.n} cases" in text
    assert "No evidence in this validation for: age," in ours  # only sex was compared


def test_the_dpia_lists_every_input_and_leaves_the_lawful_basis_open(model, report) -> None:
    dpia = data_protection_impact_assessment(model, report)
    inputs = dict(dpia.sections)["Nature of the processing"][1]
    assert [item.split(":")[0] for item in inputs] == list(model.feature_names_in_)
    assert any("lawful basis" in item for item in dpia.to_complete)
    assert f"Validated on {report.n} cases." in dpia.to_markdown()
    assert json.loads(json.dumps(dpia.to_dict()))["to_complete"] == list(dpia.to_complete)


def test_a_skeleton_says_how_many_items_are_open(model, report) -> None:
    eia = equality_impact_assessment(model, report)
    assert f"skeleton, {len(eia.to_complete)} item(s) marked {TO_COMPLETE}" in eia.to_html()


def test_a_report_that_is_not_one_is_refused(model) -> None:
    with pytest.raises(TransparencyError):
        equality_impact_assessment(model, None)  # type: ignore[arg-type]
    with pytest.raises(TransparencyError):
        data_protection_impact_assessment(model, "report.html")  # type: ignore[arg-type]
