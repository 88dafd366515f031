"""The Case path (arns_inputs -> ARP/VRP/SVRP) and the request path (case_to_request ->
score_request) score random cases the same: form, every term, probability and band."""

from __future__ import annotations

import datetime as dt
import warnings
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from riskassess.cases import Case, DrugUse, PreviousConviction, tenth_birthday
from riskassess.exceptions import FeatureError, MissingDynamicInputWarning
from riskassess.instruments import ARP, SVRP, VRP, arns_inputs, case_to_request
from riskassess.instruments.arns import score_request, term_contributions
from riskassess.instruments.arns._data import offence_mapping

CODES = sorted(c for c, (cat, _) in offence_mapping().items() if cat != "UNKNOWN")
MODELS = {"arp": ARP, "vrp": VRP, "svrp": SVRP}
KEYS = {"arp": "allPredictor", "vrp": "violentPredictor", "svrp": "seriousViolentPredictor"}
LEVELS = ["no_problems", "some_problems", "significant_problems"]
NEEDS: dict[str, st.SearchStrategy[Any]] = {
    **{name: st.sampled_from(LEVELS) for name in (
        "accommodation", "relationship_with_partner", "regular_offending_activities",
        "current_alcohol_use", "binge_drinking", "impulsivity", "temper_control",
        "pro_criminal_attitudes")},
    "drug_motivation": st.sampled_from(["full_motivation", "partial_motivation",
                                        "no_motivation"]),
    "relationship_status": st.sampled_from(["not_in_relationship",
                                            "in_relationship_living_together",
                                            "in_relationship_not_living_together"]),
    "unemployed": st.booleans(), "domestic_abuse": st.booleans(),
    "drugs_used": st.lists(st.sampled_from([d.value for d in DrugUse]), unique=True,
                           max_size=4),
    "previous_serious_convictions": st.lists(
        st.sampled_from([c.value for c in PreviousConviction]), max_size=3),
}


@st.composite
def cases(draw: Any) -> Case:
    born = dt.date(1930, 1, 1) + dt.timedelta(days=draw(st.integers(0, 365 * 75)))
    tenth = tenth_birthday(born)
    assessed = draw(st.dates(tenth + dt.timedelta(days=400), dt.date(2025, 12, 31)))
    index_date = draw(st.dates(tenth + dt.timedelta(days=1), assessed))
    n_prior = draw(st.integers(0, 12))
    last_prior = min(index_date, assessed - dt.timedelta(days=1))
    priors = sorted(draw(st.lists(st.dates(tenth, last_prior), min_size=n_prior,
                                  max_size=n_prior)))
    follow = draw(st.one_of(st.none(), st.dates(index_date, dt.date(2026, 12, 31))))
    # all need items, none, or any subset: "auto" must pick the form per row
    needs = draw(st.one_of(st.none(), st.fixed_dictionaries(NEEDS),
                           st.fixed_dictionaries({}, optional=NEEDS)))
    data = {
        "case_id": f"C-{draw(st.integers(0, 10**6))}",
        "person": {"person_id": "P-1", "date_of_birth": born.isoformat(),
                   "sex": draw(st.sampled_from(["male", "female"]))},
        "assessment_date": assessed.isoformat(),
        "index_offence": {"date": index_date.isoformat(), "disposal": "community",
                          "offence_code": draw(st.sampled_from(CODES)),
                          "weapon": draw(st.one_of(st.none(), st.booleans()))},
        "sanctions": [{"date": d.isoformat(), "kind": "caution",
                       "offence_code": draw(st.sampled_from(CODES))} for d in priors],
        "follow_up_start": None if follow is None else follow.isoformat(),
        "needs": needs,
    }
    return Case.model_validate(data)


def _service_percent(p: float) -> float:
    return float((Decimal(p) * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


@settings(max_examples=100, deadline=None)
@given(cases())
def test_case_path_and_request_path_agree(case: Case) -> None:
    response = score_request(case_to_request(case))
    X = arns_inputs([case])
    for predictor, cls in MODELS.items():
        block = response[KEYS[predictor]]
        model = cls()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if block["type"] is None:  # the service refused: only its 0.00 score, or age
                errors = {e["type"] for e in block["validationErrors"]}
                assert errors <= {"UNEXPECTED_ERROR", "DATE_OF_START_OF_FOLLOWUP_OUT_OF_RANGE"}
                continue
            form = model.scored_forms(X)[0]
            p = float(model.predict_proba(X)[0, 1])
            band = model.predict_band(X)[0]
            terms = model._form_frame(X)
        assert form == block["type"].lower()
        assert abs(100 * p - block["output"]["score"]) <= 0.005 + 1e-9
        assert band == block["output"]["band"].lower().replace("_", " ")
        for name, value in block["featureValues"].items():
            if name != "totalWeight":
                assert terms[name].iloc[0] == pytest.approx(value, rel=1e-12, abs=1e-12)
        direct, names = term_contributions(X.fillna(0), predictor, form)
        assert np.allclose(direct[0], terms[names].iloc[0].to_numpy(), rtol=0, atol=1e-12)


def test_auto_warns_naming_missing_items_and_dynamic_refuses() -> None:
    case = Case.model_validate({
        "case_id": "C-5", "assessment_date": "2024-03-01",
        "person": {"person_id": "P-5", "date_of_birth": "1990-05-01", "sex": "male"},
        "index_offence": {"date": "2023-06-01", "offence_code": "11618", "disposal": "fine"},
        "needs": {"accommodation": "some_problems", "unemployed": True}})
    X = arns_inputs([case])
    with pytest.warns(MissingDynamicInputWarning, match="impulsivityProblems"):
        ARP().predict_proba(X)
    with pytest.raises(FeatureError, match=r"form='dynamic'.*proCriminalAttitudes.*C-5"):
        ARP(form="dynamic").predict_proba(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ARP(form="static").predict_proba(X)


def test_a_case_without_code_is_refused_naming_it() -> None:
    case = {"case_id": "C-6", "assessment_date": "2024-03-01",
            "person": {"person_id": "P-6", "date_of_birth": "1990-05-01", "sex": "male"},
            "index_offence": {"date": "2023-06-01", "offence": "violence", "violent": True,
                              "disposal": "fine"}}
    with pytest.raises(FeatureError, match=r"'C-6'.*index_offence.offence_code"):
        arns_inputs([case])
    with pytest.raises(FeatureError, match="'C-6'"):
        case_to_request(case)
