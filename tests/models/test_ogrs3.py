"""OGRS3 against values computed by hand from the published coefficients (domain.md §3)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from riskassess.exceptions import FeatureError, UnseenCategoryError
from riskassess.instruments import OGRS3, ogrs3_form
from riskassess.models import CategoricalAxis, RiskBands, TableTerm
from riskassess.vocabulary import OffenceCategory

# Typed in again from domain.md, independently of riskassess.instruments._ogrs3.
A = {1: 1.402562384, 2: 2.121705678}
COPAS = 1.251124464
MALE_30_34 = -1.325976554
FEMALE_18_20 = -0.897480934
MALE_50_PLUS = -2.025261458
FEMALE_10_11 = -0.785038489
MALE_16_17 = -0.061594199
MALE_18_20 = -0.625103618
REPEAT = 0.463062792
MULTIPLE_CAUTIONS = 0.34859587
THEFT_NON_MOTOR = 0.661244321
DRUG_IMPORT = -0.795556373
BURGLARY_DOMESTIC = -0.12394352


def _frame(**cols):
    return pd.DataFrame({k: v if isinstance(v, list) else [v] for k, v in cols.items()})


def _p(z):
    return 1.0 / (1.0 + math.exp(-z))


@pytest.mark.parametrize("horizon", [1, 2])
def test_hand_computed_examples(horizon):
    # copas from its definition: 5 previous sanctions, age 31.5, first sanction at 17
    copas = math.log((1 + 5) / (10 + 31.5 - 17))
    X = _frame(copas_rate_at_index=[copas, -1.2, 0.3],
               sanction_history=["repeat_offender", "multiple_cautions", "repeat_offender"],
               age_at_follow_up=[31.5, 19.0, 64.0], sex=["male", "female", "male"],
               index_offence=["theft_non_motor", "drug_import_export_production",
                              "burglary_domestic"])
    expected_z = [
        A[horizon] + COPAS * copas + REPEAT + MALE_30_34 + THEFT_NON_MOTOR,
        A[horizon] + COPAS * -1.2 + MULTIPLE_CAUTIONS + FEMALE_18_20 + DRUG_IMPORT,
        A[horizon] + COPAS * 0.3 + REPEAT + MALE_50_PLUS + BURGLARY_DOMESTIC,
    ]
    model = OGRS3(horizon=horizon)
    np.testing.assert_allclose(model.decision_function(X), expected_z, rtol=0, atol=1e-12)
    np.testing.assert_allclose(model.predict_proba(X)[:, 1], [_p(z) for z in expected_z],
                               atol=1e-12)


def test_age_bands_are_closed_on_the_left():
    # 18.0 is in 18-20, 17.999 in 16-17; 10 is allowed (10-11)
    X = _frame(copas_rate_at_index=[0.0] * 3, sanction_history=["first_caution"] * 3,
               age_at_follow_up=[18.0, 17.999, 10.0], sex=["male", "male", "female"],
               index_offence=["violence"] * 3)
    z = OGRS3(horizon=2).decision_function(X)
    np.testing.assert_allclose(z, [A[2] + MALE_18_20, A[2] + MALE_16_17, A[2] + FEMALE_10_11],
                               atol=1e-12)


def test_band_uses_two_year_probability():
    # z2 = 2.1217 + 0.4631 - 1.3260 = 1.2588 -> p2 = 0.779 (high); p1 = 0.663
    X = _frame(copas_rate_at_index=0.0, sanction_history="repeat_offender", age_at_follow_up=32.0,
               sex="male", index_offence="violence")
    p2 = _p(A[2] + REPEAT + MALE_30_34)
    assert 0.75 <= p2 < 0.90
    assert OGRS3(horizon=1).predict_band(X).tolist() == ["high"]
    assert OGRS3(horizon=2).predict_band(X).tolist() == ["high"]
    custom = OGRS3(bands=RiskBands(cut_points=(0.8,), labels=("lower", "higher")))
    assert custom.predict_band(X).tolist() == ["lower"]


def test_every_offence_code_has_a_coefficient():
    form = ogrs3_form(2)
    term = next(t for t in form.terms if t.name == "index_offence")
    assert isinstance(term, TableTerm) and isinstance(term.axes[0], CategoricalAxis)
    assert list(term.axes[0].categories) == [o.value for o in OffenceCategory]


@pytest.mark.parametrize(("column", "value", "error"), [
    ("copas_rate_at_index", np.nan, FeatureError),
    ("age_at_follow_up", np.nan, FeatureError),
    ("age_at_follow_up", 9.5, FeatureError),
    ("sex", None, FeatureError),
    ("index_offence", "arson", UnseenCategoryError),
    ("sanction_history", "unknown", UnseenCategoryError),
])
def test_bad_inputs_are_refused(column, value, error):
    X = _frame(copas_rate_at_index=0.0, sanction_history="first_conviction", age_at_follow_up=30.0,
               sex="male", index_offence="violence")
    X.index = pd.Index(["case-7"], name="case_id")
    X[column] = pd.Series([value], index=X.index, dtype=object)
    with pytest.raises(error, match=column):
        OGRS3().predict_proba(X)


def test_missing_column_named():
    X = _frame(copas_rate_at_index=0.0, sanction_history="first_conviction", sex="male",
               index_offence="violence")
    with pytest.raises(FeatureError, match="age_at_follow_up"):
        OGRS3().fit(X)


def test_fit_is_a_noop_and_extra_columns_ignored():
    X = _frame(copas_rate_at_index=[0.0, 0.5], sanction_history=["first_conviction"] * 2,
               age_at_follow_up=[30.0, 40.0], sex=["male", "female"],
               index_offence=["violence", "robbery"], previous_sanctions=[1, 2])
    before = OGRS3().decision_function(X)
    after = OGRS3().fit(X, [0, 1]).decision_function(X)
    np.testing.assert_array_equal(before, after)
    np.testing.assert_array_equal(before, ogrs3_form(2).decision_function(X))
    with pytest.raises(ValueError, match="horizon"):
        OGRS3(horizon=3).fit(X)


@pytest.mark.parametrize("years_before", [0, 1, 3, 7])
def test_copas_rate_is_measured_to_the_index_conviction(years_before: int) -> None:
    """The published Copas rate uses the age at the current conviction, whatever the time
    between the conviction and the assessment (HMPPS's service read it the same way)."""
    import math
    from datetime import date

    from riskassess.features import DAYS_PER_YEAR, build_features
    from riskassess.instruments import OGRS3

    born, first, conviction = date(1980, 3, 1), date(2000, 6, 1), date(2010, 5, 1)
    assessed = date(conviction.year + years_before, 9, 1)
    case = {
        "case_id": f"C-{years_before}",
        "person": {"person_id": "P-1", "date_of_birth": born.isoformat(), "sex": "male"},
        "assessment_date": assessed.isoformat(),
        "index_offence": {"date": conviction.isoformat(), "offence": "burglary_domestic",
                          "disposal": "community", "violent": False},
        "sanctions": [{"date": first.isoformat(), "kind": "conviction", "disposal": "fine",
                       "offence": "theft_non_motor", "violent": False},
                      {"date": date(2005, 1, 1).isoformat(), "kind": "conviction",
                       "disposal": "fine", "offence": "theft_non_motor", "violent": False}],
    }
    X = build_features([case])
    age_at_conviction = (conviction - born).days / DAYS_PER_YEAR
    age_first = (first - born).days / DAYS_PER_YEAR
    expected = math.log((1 + 2) / (10 + age_at_conviction - age_first))  # published formula
    assert X["copas_rate_at_index"].iloc[0] == pytest.approx(expected, abs=1e-12)
    # the instrument reads its own rate: the probability follows the published formula
    age_at_follow_up = X["age_at_follow_up"].iloc[0]
    age_band = -1.166679288 if 25 <= age_at_follow_up < 30 else None
    model = OGRS3(horizon=2)
    z = model.decision_function(X)[0]
    terms = dict(zip(model.form_.term_names, model.form_.contributions(X)[0], strict=True))
    assert terms["copas_rate"] == pytest.approx(1.251124464 * expected, abs=1e-12)
    assert z == pytest.approx(2.121705678 + 1.251124464 * expected + 0.463062792
                              + terms["age_at_follow_up x sex"] - 0.12394352, abs=1e-12)
    if years_before:
        # the rate at the assessment would be lower (a longer career): not what OGRS3 reads
        assert X["copas_rate"].iloc[0] < expected
    del age_band
