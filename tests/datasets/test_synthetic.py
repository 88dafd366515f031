"""Synthetic cohorts: determinism, chunking, validity, realistic shape, known truth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from riskassess.datasets import (
    NEED_COLUMNS,
    TRUE_INTERCEPTS,
    TRUE_NEED_WEIGHTS,
    TRUE_SHAPES,
    Cohort,
    make_cohort,
    true_log_odds,
)
from riskassess.features import FEATURES, TABLE_COLUMNS, build_features


@pytest.fixture(scope="module")
def cohort() -> Cohort:
    return make_cohort(20_000, seed=7)


def test_same_seed_same_cohort_and_different_seed_differs() -> None:
    a, b, c = make_cohort(500, seed=1), make_cohort(500, seed=1), make_cohort(500, seed=2)
    for name in ("people", "sanctions", "assessments", "outcomes", "needs", "true_needs"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))
    assert not a.outcomes["true_p_2y"].equals(c.outcomes["true_p_2y"])


def test_layout_matches_table_columns(cohort: Cohort) -> None:
    # the table layout, then the offence codes (extra columns the table path ignores)
    extra = {"people": (), "sanctions": ("offence_code",),
             "assessments": ("index_offence_code",)}
    for name in TABLE_COLUMNS:
        assert tuple(getattr(cohort, name).columns) == TABLE_COLUMNS[name] + extra[name]
    yearly = [f"{kind}_{h}y" for kind in ("violent", "serious_violent") for h in (1, 2)]
    assert list(cohort.outcomes.columns) == [
        "follow_up_years", "reoffend_1y", "reoffend_2y", "true_p_1y", "true_p_2y",
        "time", "event", "censor_date", "reoffence_date", "conviction_date",
        *yearly, *(f"true_p_{c}" for c in yearly)]
    assert cohort.outcomes.index.equals(cohort.features().index)
    for column in ("reoffend_2y", *yearly):
        assert str(cohort.outcomes[column].dtype) == "Int8"
    assert cohort.outcomes["event"].dtype == bool
    assert cohort.outcomes["time"].dtype == float
    assert tuple(cohort.needs.columns) == NEED_COLUMNS == tuple(cohort.true_needs.columns)
    assert cohort.needs.index.equals(cohort.outcomes.index)


def test_chunks_have_unique_ids_and_are_reproducible() -> None:
    chunks = [make_cohort(300, seed=5, id_offset=k * 300) for k in range(3)]
    ids = pd.concat([c.assessments["case_id"] for c in chunks])
    assert ids.is_unique and len(ids) == 900
    assert chunks[1].people["person_id"].iat[0] == "P0000301"
    again = make_cohort(300, seed=5, id_offset=300)
    pd.testing.assert_frame_equal(again.sanctions, chunks[1].sanctions)


def test_cases_give_the_same_features_as_the_tables() -> None:
    small = make_cohort(150, seed=11)
    cases = list(small.cases())
    assert len(cases) == 150
    pd.testing.assert_frame_equal(build_features(cases), small.features(), check_exact=True)


def test_realistic_shape(cohort: Cohort) -> None:
    out, X = cohort.outcomes, cohort.features()
    observed2 = out["reoffend_2y"].dropna().astype(int)
    assert 0.25 <= observed2.mean() <= 0.45
    censored = out["reoffend_2y"].isna()
    assert 0.05 < censored.mean() < 0.5
    assert (out.loc[censored, "follow_up_years"] < 2).all()
    assert (out.loc[~censored, "follow_up_years"] >= 2).all()
    both = out[["reoffend_1y", "reoffend_2y"]].dropna().astype(int)
    assert (both["reoffend_1y"] <= both["reoffend_2y"]).all()  # 1y reoffender is a 2y one
    assert 5 <= X["previous_sanctions"].mean() <= 15
    assert (X["age"] >= 18).all() and X["age"].median() < 35
    # age-crime curve: the young reoffend more than the old
    young = observed2[X.loc[observed2.index, "age"] < 25].mean()
    old = observed2[X.loc[observed2.index, "age"] >= 45].mean()
    assert young > old + 0.1


def test_true_log_odds_matches_stored_probabilities(cohort: Cohort) -> None:
    X = cohort.features()
    for h in (1, 2):
        p = 1 / (1 + np.exp(-true_log_odds(X, h, needs=cohort.true_needs)))
        np.testing.assert_allclose(p, cohort.outcomes[f"true_p_{h}y"], rtol=1e-12)
        np.testing.assert_allclose(p, cohort.true_risk(h), rtol=1e-9)
    assert TRUE_INTERCEPTS[1] < TRUE_INTERCEPTS[2]


def test_true_shapes_follow_the_catalogue_directions() -> None:
    grid = np.linspace(0, 1, 11)
    ranges = {"age": (18, 80), "copas_rate": (-3.5, 1.5), "previous_custodial": (0, 20),
              "violent_history": (0, 1)}
    for name, shape in TRUE_SHAPES.items():
        assert name in FEATURES
        if name == "sex":
            assert shape(np.array(["female"]))[0] < shape(np.array(["male"]))[0]
            continue
        lo, hi = ranges[name]
        steps = np.diff(shape(lo + grid * (hi - lo)))
        assert (np.sign(steps) == FEATURES[name].monotone).all(), name


def test_outcomes_are_drawn_from_the_stated_truth(cohort: Cohort) -> None:
    """A logistic fit on the true shape values and need scores recovers the stated
    coefficients (slope 1 on each shape, the stated weight on each need item) within 4 SE."""
    X = cohort.features()
    y = cohort.outcomes["reoffend_2y"]
    keep = y.notna().to_numpy()
    needs = cohort.true_needs[list(TRUE_NEED_WEIGHTS)].to_numpy(dtype=float)
    # a need item enters as weight * score: scaling the column by its weight makes the
    # stated coefficient 1 for every column, so one z-test covers shapes and needs
    Z = np.column_stack([*(TRUE_SHAPES[n](X[n].to_numpy()) for n in TRUE_SHAPES),
                         needs * np.array(list(TRUE_NEED_WEIGHTS.values()))])[keep]
    fit = LogisticRegression(C=1e6, max_iter=1000).fit(Z, y[keep].astype(int))
    p = fit.predict_proba(Z)[:, 1]
    design = np.column_stack([np.ones(len(Z)), Z])
    cov = np.linalg.inv(design.T @ (design * (p * (1 - p))[:, None]))
    se = np.sqrt(np.diag(cov))
    z_slopes = (fit.coef_[0] - 1.0) / se[1:]
    z_intercept = (fit.intercept_[0] - TRUE_INTERCEPTS[2]) / se[0]
    names = [*TRUE_SHAPES, *TRUE_NEED_WEIGHTS]
    assert np.all(np.abs(z_slopes) < 4), dict(zip(names, z_slopes, strict=True))
    assert abs(z_intercept) < 4


def test_empty_and_bad_arguments() -> None:
    empty = make_cohort(0)
    assert len(empty.people) == len(empty.features()) == len(empty.outcomes) == 0
    with pytest.raises(ValueError, match="n_people"):
        make_cohort(-1)
    with pytest.raises(ValueError, match="id_offset"):
        make_cohort(5, id_offset=-3)
    with pytest.raises(ValueError, match="horizon"):
        true_log_odds(empty.features(), horizon=3)
