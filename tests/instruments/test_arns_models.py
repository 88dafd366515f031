"""ARP, VRP and SVRP as models: bands, explanations, persistence, assess, bad input."""

from __future__ import annotations

import json
import math
import warnings
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from riskassess.cases import Case
from riskassess.decisions import assess
from riskassess.exceptions import (
    BackgroundError,
    FeatureError,
    InstrumentWarning,
    ModelFileError,
)
from riskassess.explain import explain, shap_values
from riskassess.instruments import ARP, SVRP, VRP, arns_inputs
from riskassess.instruments.arns import band_of, feature_names, service_cut_points
from riskassess.models import model_from_json, model_to_json

MODELS = {"arp": ARP, "vrp": VRP, "svrp": SVRP}
FULL_NEEDS = {
    "accommodation": "some_problems", "unemployed": True,
    "relationship_with_partner": "significant_problems",
    "relationship_status": "in_relationship_living_together", "domestic_abuse": False,
    "regular_offending_activities": "no_problems", "drug_motivation": "partial_motivation",
    "current_alcohol_use": "some_problems", "binge_drinking": "no_problems",
    "impulsivity": "significant_problems", "temper_control": "some_problems",
    "pro_criminal_attitudes": "some_problems", "drugs_used": ["cannabis", "spice"],
    "previous_serious_convictions": ["robbery"]}


def make_case(i: int, needs: Any = None, code: str = "11618") -> dict[str, Any]:
    return {"case_id": f"C-{i}", "assessment_date": "2024-03-01",
            "person": {"person_id": f"P-{i}", "date_of_birth": f"{1960 + i % 30}-05-01",
                       "sex": "female" if i % 3 == 0 else "male"},
            "index_offence": {"date": "2023-01-10", "offence_code": code,
                              "disposal": "community", "weapon": i % 2 == 0},
            "follow_up_start": "2023-01-10",
            "sanctions": [{"date": f"{2010 + k}-02-01", "kind": "caution",
                           "offence_code": "00101" if k % 2 else "11618"}
                          for k in range(i % 6)],
            "needs": needs}


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    cases = [make_case(i, FULL_NEEDS if i % 2 else None) for i in range(60)]
    return arns_inputs(cases)


def _service_band(predictor: str, p: float) -> str | None:
    score = float((Decimal(p) * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
    score = min(score, 99.99)
    out = band_of(predictor, [score])[0]
    return None if out is None else str(out).lower().replace("_", " ")


def _boundaries() -> list[float]:
    out = []
    for predictor in MODELS:
        for c in service_cut_points(predictor):
            decimal_cut = float(Decimal(repr(c)))
            for x in (c, decimal_cut, round(c, 5)):
                out += [x, math.nextafter(x, 0.0), math.nextafter(x, 1.0)]
    return out


@settings(max_examples=500, deadline=None)
@given(st.sampled_from(list(MODELS)),
       st.one_of(st.floats(0.00006, 1.0), st.sampled_from(_boundaries())))
def test_bands_equal_the_service_bands_of_the_rounded_score(predictor: str, p: float) -> None:
    ours = MODELS[predictor]()._bands().assign([p])[0]
    assert ours == _service_band(predictor, p)


def test_the_published_cut_points_are_half_a_unit_below_the_service_bounds() -> None:
    expected = {"arp": (0.49995, 0.74995, 0.89995), "vrp": (0.29995, 0.59995, 0.79995),
                "svrp": (0.00995, 0.02995, 0.06895)}
    for predictor, cuts in expected.items():
        got = service_cut_points(predictor)
        # equal to the decimal cut point, or the next double above it when the nearest
        # double lies below the decimal (VRP 0.29995 and 0.59995, SVRP 0.06895)
        assert all(g == c or g == math.nextafter(c, 1.0) for g, c in zip(got, cuts, strict=True))


def test_full_needs_score_dynamic_and_missing_needs_static(frame: pd.DataFrame) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for cls in MODELS.values():
            forms = cls().scored_forms(frame)
            has_needs = np.arange(len(frame)) % 2 == 1
            assert (forms[has_needs] == "dynamic").all()
            assert (forms[~has_needs] == "static").all()


def test_exact_shap_values_are_terms_minus_background_means(frame: pd.DataFrame) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for predictor, cls in MODELS.items():
            model = cls().fit(frame)
            e = explain(model, frame.head(7))
            terms = model._form_frame(frame.head(7))
            means = model._form_frame(frame).mean(axis=0)
            assert e.feature_names == feature_names(predictor, "dynamic")
            assert np.allclose(e.values, (terms - means).to_numpy(), atol=1e-12)
            z = model.decision_function(frame.head(7))
            assert np.allclose(e.base_values + e.values.sum(axis=1), z, atol=1e-9)
            values, base = shap_values(model, frame)
            assert np.allclose(base + values.sum(axis=1), model.decision_function(frame))


def test_unfitted_explanation_needs_a_background(frame: pd.DataFrame) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(BackgroundError, match="background"):
            explain(ARP(), frame.head(2))


def test_persistence_pins_coefficients_and_bands(frame: pd.DataFrame) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for cls in MODELS.values():
            model = cls(form="static").fit(frame)
            again = model_from_json(model_to_json(model))
            assert type(again) is cls and again.form == "static"
            assert np.array_equal(again.predict_proba(frame), model.predict_proba(frame))
            content = json.loads(model_to_json(model))["content"]
            for key, value in (("cut_points", [0.5, 0.75, 0.9]),
                               ("coefficients_sha256", "0" * 64), ("predictor", "OGRS3")):
                bad = json.loads(json.dumps(content))
                bad["fitted"][key] = value
                with pytest.raises(ModelFileError):
                    _load_content(bad)


def _load_content(content: dict[str, Any]) -> Any:
    from riskassess.models._io import _digest  # the fingerprint of edited content

    doc = {"content": content, "fingerprint": _digest(content), "format": "riskassess-model",
           "format_version": 2}
    return model_from_json(json.dumps(doc, sort_keys=True, indent=1, ensure_ascii=True)
                           + "\n")


def test_assess_one_case(frame: pd.DataFrame) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = VRP().fit(frame)
        case = Case.model_validate(make_case(5, FULL_NEEDS))
        a = assess(model, case)
        p = float(model.predict_proba(arns_inputs([case]))[0, 1])
    assert a.probability == pytest.approx(p, abs=1e-15)
    assert [c.feature for c in a.explanation.contributions] == feature_names("vrp", "dynamic")
    assert len(a.reasons) == 3


@pytest.mark.parametrize("column, value, words", [
    ("age_at_followup", 30.5, "whole years"), ("n_sanctions", 0, "1..999"),
    ("offence_category", "violence", "24 actuarial"), ("impulsivity", 3, "0..2"),
    ("n_violent_sanctions", 99, "exceeds"), ("age_at_first_sanction", 200, "0..109")])
def test_bad_input_is_refused_naming_column_and_row(frame: pd.DataFrame, column: str,
                                                    value: Any, words: str) -> None:
    bad = frame.copy()
    bad[column] = bad[column].astype(object)
    bad.loc["C-4", column] = value
    with pytest.raises(FeatureError) as info:
        SVRP().predict_proba(bad)
    assert words in str(info.value) and "C-4" in str(info.value)


def test_arp_score_of_zero_warns() -> None:
    X = pd.DataFrame({"female": [1.0], "age_at_followup": [92.0], "age_at_conviction": [89.0],
                      "age_at_first_sanction": [89.0], "n_sanctions": [1.0],
                      "offence_category": ["WELFARE_FRAUD"], "offence_free_months": [36.0]},
                     index=["C-old"])
    with pytest.warns(InstrumentWarning, match="C-old"):
        p = ARP(form="static").predict_proba(X)[0, 1]
    assert p < 0.00005
    assert ARP(form="static").predict_band(X).tolist() == ["low"]
