"""The models' one-pass term kernel: each row scored with its own form, exactly as
term_contributions scores that form alone; a few rows read as one block give the same
numbers and the same errors as many rows read column by column."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import expit

from riskassess.exceptions import FeatureError
from riskassess.instruments import ARP, SVRP, VRP, arns_inputs
from riskassess.instruments.arns import (
    INPUT_COLUMNS,
    NEED_COLUMNS,
    NEED_SOURCES,
    feature_names,
    term_contributions,
)
from riskassess.instruments.arns._checks import optional_columns
from riskassess.instruments.arns._data import offence_mapping

MODELS = {"arp": ARP, "vrp": VRP, "svrp": SVRP}
CATEGORIES = sorted({cat for cat, _ in offence_mapping().values()} - {"UNKNOWN"})
SMALL = 16  # the block reader's limit (riskassess.instruments.arns._vector._SMALL)


def random_frame(seed: int, n: int, missing: float, absent: list[str]) -> pd.DataFrame:
    """Valid inputs; a share ``missing`` of need cells not recorded, ``absent`` columns
    left out (integer history columns, float need columns, string categories)."""
    rng = np.random.default_rng(seed)
    top = {"problem": 3, "motivation": 3}
    frame = pd.DataFrame({c: rng.integers(0, top.get(NEED_SOURCES[c][1], 2), n).astype(float)
                          for c in NEED_COLUMNS if c not in absent})
    for column in frame.columns:
        frame.loc[rng.random(n) < missing, column] = np.nan
    first = rng.integers(0, 60, n)
    frame["female"] = rng.integers(0, 2, n)
    frame["age_at_first_sanction"] = first
    frame["age_at_conviction"] = first + rng.integers(0, 40, n)
    frame["age_at_followup"] = np.minimum(frame["age_at_conviction"] + rng.integers(0, 3, n),
                                          109)
    frame["n_sanctions"] = rng.choice([1, 2, 3, 4, 25, 999], n)
    frame["n_violent_sanctions"] = np.minimum(rng.integers(0, 4, n), frame["n_sanctions"])
    frame["offence_free_months"] = rng.integers(0, 37, n)
    frame["offence_category"] = rng.choice(CATEGORIES, n)
    frame.index = pd.Index([f"C-{i}" for i in range(n)], name="case_id")
    return frame


frames = st.builds(random_frame, st.integers(0, 2**32 - 1), st.integers(1, 60),
                   st.sampled_from([0.0, 0.02, 0.3, 1.0]),
                   st.lists(st.sampled_from(NEED_COLUMNS), max_size=3))


def _quiet(fn: Any, *args: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args)


@settings(max_examples=60, deadline=None)
@given(frames, st.sampled_from(list(MODELS)))
def test_each_row_gets_its_forms_terms(frame: pd.DataFrame, predictor: str) -> None:
    model = MODELS[predictor]()
    terms = _quiet(model._form_frame, frame)
    forms = _quiet(model.scored_forms, frame)
    names = feature_names(predictor, "dynamic")  # type: ignore[arg-type]
    assert list(terms.columns) == names and terms.index.equals(frame.index)
    full = frame.reindex(columns=list(INPUT_COLUMNS))  # an absent column: not recorded
    for form in ("static", "dynamic"):
        rows = forms == form
        if not rows.any():
            continue
        # the service's reading: an optional item not recorded counts as 0
        alone, own = term_contributions(full[rows], predictor, form,  # type: ignore[arg-type]
                                        zero_if_missing=optional_columns(predictor))
        if form == "dynamic":
            alone = alone[:, [own.index(n) for n in names]]
        else:
            expected = np.zeros((int(rows.sum()), len(names)))
            expected[:, [names.index(n) for n in own]] = alone
            alone = expected
        np.testing.assert_array_equal(terms.to_numpy()[rows], alone)


@settings(max_examples=40, deadline=None)
@given(frames, st.sampled_from(list(MODELS)))
def test_probability_and_band_are_the_plans_sums(frame: pd.DataFrame, predictor: str) -> None:
    model = _quiet(MODELS[predictor]().fit, frame)
    z = _quiet(model.decision_function, frame)
    p = _quiet(model.predict_proba, frame)[:, 1]
    assert np.array_equal(p, expit(z))  # the same sums in the same order: same bits
    assert (_quiet(model.predict_band, frame) == model._bands().assign(expit(z))).all()


@settings(max_examples=40, deadline=None)
@given(frames, st.sampled_from(list(MODELS)), st.integers(1, SMALL))
def test_a_few_rows_read_as_a_block_score_as_many(frame: pd.DataFrame, predictor: str,
                                                  size: int) -> None:
    model = MODELS[predictor]()
    big = pd.concat([frame] * (SMALL // len(frame) + 1)).iloc[:max(len(frame), SMALL + 1)]
    whole = _quiet(model._form_frame, big).to_numpy()
    head = _quiet(model._form_frame, big.head(size)).to_numpy()
    np.testing.assert_array_equal(head, whole[:size])
    np.testing.assert_array_equal(_quiet(model.predict_proba, big.head(size)),
                                  _quiet(model.predict_proba, big)[:size])
    full = big.reindex(columns=list(INPUT_COLUMNS)).fillna(0)
    terms, _ = term_contributions(full, predictor, "dynamic")  # type: ignore[arg-type]
    few, _ = term_contributions(full.head(size), predictor, "dynamic")  # type: ignore[arg-type]
    np.testing.assert_array_equal(few, terms[:size])


@pytest.mark.parametrize("column, value", [
    ("age_at_followup", 30.5), ("n_sanctions", 0), ("female", np.nan),
    ("offence_category", "violence"), ("impulsivity", 3), ("unemployed", 0.5),
    ("n_violent_sanctions", 999), ("age_at_first_sanction", 200), ("heroin", "yes")])
def test_a_few_rows_are_refused_as_many(column: str, value: Any) -> None:
    frame = random_frame(7, 40, 0.1, [])
    frame[column] = frame[column].astype(object)
    frame.loc["C-1", column] = value
    messages = []
    for rows in (frame, frame.head(3)):
        with pytest.raises(FeatureError) as info:
            SVRP().predict_proba(rows)
        messages.append(str(info.value))
    assert messages[0] == messages[1] and "C-1" in messages[0] and column in messages[0]


def test_case_frame_columns_and_types() -> None:
    case = {"case_id": "C-9", "assessment_date": "2024-03-01",
            "person": {"person_id": "P-9", "date_of_birth": "1980-02-01", "sex": "female"},
            "index_offence": {"date": "2023-06-01", "offence_code": "11618",
                              "disposal": "fine"},
            "needs": {"accommodation": "some_problems"}}
    X = arns_inputs([case])
    assert tuple(X.columns) == INPUT_COLUMNS and list(X.index) == ["C-9"]
    numeric = X.drop(columns="offence_category")
    assert (numeric.dtypes == np.float64).all()
    assert X["offence_category"].tolist() == ["OTHER_OFFENCES"]
    assert X["accommodation"].tolist() == [1.0] and X["impulsivity"].isna().all()
    assert arns_inputs([]).shape == (0, len(INPUT_COLUMNS))
