"""``scored_values``: probability, band and SHAP values from one binning, bit for bit the
numbers of ``predict_proba``, ``predict_band`` and ``shap_values``."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from riskassess.datasets import make_cohort
from riskassess.exceptions import ExplanationError, FeatureError
from riskassess.explain import ScoredValues, scored_values, shap_values
from riskassess.explain._exact import _plan_scores_everything
from riskassess.instruments import ARP, OGRS3, arns_inputs
from riskassess.models import (
    AdditiveRiskClassifier,
    AdditiveSurvivalModel,
    RiskBands,
    ScorecardClassifier,
)


@pytest.fixture(scope="module")
def cohort() -> Any:
    cohort = make_cohort(3000, seed=11)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        X = cohort.features()
    y = cohort.outcomes["reoffend_2y"].reindex(X.index)
    return cohort, X, y


class BandedByHand(AdditiveRiskClassifier):
    """Bands its own way: ``scored_values`` must ask it, not read the plan."""

    def predict_band(self, X: Any) -> np.ndarray:
        p = self.predict_proba(X)[:, 1]
        return np.where(p > 0.5, "high", "low")


def _fitted(kind: str, cohort: Any) -> tuple[Any, pd.DataFrame]:
    data, X, y = cohort
    seen = y.notna().to_numpy()
    numeric = ["age", "previous_sanctions", "copas_rate", "career_length"]
    if kind == "additive":
        cols = [*numeric, "sex", "index_offence"]
        model = AdditiveRiskClassifier(max_bins=12, interactions=[("age", "sex")])
        return model.fit(X.loc[seen, cols], y[seen].astype(int)), X[cols]
    if kind == "custom_bands":
        model = AdditiveRiskClassifier(max_bins=8, bands=RiskBands(
            cut_points=(0.3, 0.6), labels=("lower", "middle", "upper")))
        return model.fit(X.loc[seen, numeric], y[seen].astype(int)), X[numeric]
    if kind == "scorecard":
        model = ScorecardClassifier(max_bins=5)
        return model.fit(X.loc[seen, numeric], y[seen].astype(int)), X[numeric]
    if kind == "banded_by_hand":
        return BandedByHand(max_bins=8).fit(X.loc[seen, numeric], y[seen].astype(int)), \
            X[numeric]
    if kind in ("ogrs3_1y", "ogrs3_2y"):
        cols = list(OGRS3().fit(X).feature_names_in_)
        return OGRS3(horizon=1 if kind == "ogrs3_1y" else 2).fit(X), X[cols]
    if kind == "survival":
        outcomes = data.outcomes.reindex(X.index)
        timed = outcomes["time"].notna().to_numpy() & (outcomes["time"] > 0).to_numpy()
        y_time = outcomes.loc[timed, ["event", "time"]].astype({"event": bool})
        model = AdditiveSurvivalModel(max_bins=8)
        return model.fit(X.loc[timed, numeric], y_time), X[numeric]
    raise AssertionError(kind)


KINDS = ["additive", "custom_bands", "scorecard", "banded_by_hand", "ogrs3_1y", "ogrs3_2y",
         "survival"]


@pytest.fixture(scope="module")
def fitted(cohort: Any) -> dict[str, tuple[Any, pd.DataFrame]]:
    return {kind: _fitted(kind, cohort) for kind in KINDS}


def _assert_same(out: ScoredValues, model: Any, X: pd.DataFrame) -> None:
    np.testing.assert_array_equal(out.probability, model.predict_proba(X)[:, 1])
    band = model.predict_band(X)
    assert out.band.tolist() == band.tolist()
    assert [out.band_labels[k] for k in out.band_codes] == band.tolist()
    values, base = shap_values(model, X)
    np.testing.assert_array_equal(out.values, values)
    assert out.base_value == base


@settings(max_examples=40, deadline=None)
@given(kind=st.sampled_from(KINDS), data=st.data())
def test_the_three_calls_bit_for_bit(fitted: dict[str, Any], kind: str,
                                     data: st.DataObject) -> None:
    """Any rows, in any order, few (scalar routes) or many: the public calls' numbers."""
    model, X = fitted[kind]
    rows = data.draw(st.lists(st.integers(0, len(X) - 1), min_size=1, max_size=400))
    frame = X.iloc[rows]
    if data.draw(st.booleans()):
        frame = frame.reset_index(drop=True)
    _assert_same(scored_values(model, frame), model, frame)


def _large(X: pd.DataFrame) -> pd.DataFrame:
    """12,000 rows resampled from ``X``, ages in whole years (binning whole numbers of
    10,000 rows or more takes the look-up route), text columns as categoricals with an
    unused first category (their codes are then not the bins: the look-up is not the
    identity)."""
    big = X.sample(12_000, replace=True, random_state=5)
    for c in big.columns:
        if big[c].dtype == object or str(big[c].dtype) in ("str", "string", "category"):
            values = big[c].astype(str)
            big[c] = pd.Categorical(values, categories=["(unused)", *sorted(set(values))])
        elif c.startswith("age"):
            big[c] = np.floor(big[c])
    return big


@pytest.mark.parametrize("kind", KINDS)
def test_whole_frame_including_the_sampled_additivity_check(
        fitted: dict[str, Any], kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Above FULL_CHECK_ROWS only a spread of rows is checked; the numbers stay the same."""
    import riskassess.explain._exact as exact

    model, X = fitted[kind]
    monkeypatch.setattr(exact, "FULL_CHECK_ROWS", 100)
    monkeypatch.setattr(exact, "CHECKED_ROWS", 50)
    _assert_same(scored_values(model, X), model, X)
    big = _large(X)
    _assert_same(scored_values(model, big), model, big)


def test_the_shared_route_is_taken_only_where_the_plan_scores_everything() -> None:
    assert _plan_scores_everything(AdditiveRiskClassifier)
    assert _plan_scores_everything(OGRS3)
    assert not _plan_scores_everything(BandedByHand)
    assert not _plan_scores_everything(AdditiveSurvivalModel)


# no need items recorded: every case takes ARP's static form, and ARP says so (tested in
# tests/instruments); here only the numbers matter
@pytest.mark.filterwarnings("ignore::riskassess.exceptions.MissingDynamicInputWarning")
def test_an_instrument_with_a_background() -> None:
    cases = [{"case_id": f"C-{i}", "assessment_date": "2024-03-01",
              "person": {"person_id": f"P-{i}", "date_of_birth": f"{1960 + i % 30}-05-01",
                         "sex": "female" if i % 3 == 0 else "male"},
              "index_offence": {"date": "2023-01-10", "offence_code": "11618",
                                "disposal": "community"},
              "follow_up_start": "2023-01-10",
              "sanctions": [{"date": f"{2010 + k}-02-01", "kind": "caution",
                             "offence_code": "00101" if k % 2 else "11618"}
                            for k in range(i % 6)]} for i in range(80)]
    X = arns_inputs(cases)
    model = ARP()
    out = scored_values(model, X, background=X)
    np.testing.assert_array_equal(out.probability, model.predict_proba(X)[:, 1])
    assert out.band.tolist() == model.predict_band(X).tolist()
    values, base = shap_values(model, X, background=X)
    np.testing.assert_array_equal(out.values, values)
    assert out.base_value == base


def test_bad_input_is_refused_as_predict_refuses_it(fitted: dict[str, Any]) -> None:
    model, X = fitted["additive"]
    with pytest.raises(FeatureError, match="copas_rate"):
        scored_values(model, X.drop(columns="copas_rate"))
    with pytest.raises(FeatureError):
        model.predict_proba(X.drop(columns="copas_rate"))


def test_a_model_whose_scoring_drifted_from_its_tables_is_refused(fitted: dict[str, Any]
                                                                  ) -> None:
    model, X = fitted["additive"]

    class Drifted(AdditiveRiskClassifier):
        def decision_function(self, X: Any) -> np.ndarray:
            return super().decision_function(X) + 0.5

    drifted = Drifted(**model.get_params())
    drifted.__dict__.update({k: v for k, v in model.__dict__.items() if k.endswith("_")})
    assert not _plan_scores_everything(Drifted)
    with pytest.raises(ExplanationError):
        scored_values(drifted, X)


def test_the_plan_scores_from_look_ups_as_from_codes(fitted: dict[str, Any]) -> None:
    """``binned_scores`` (one-axis tables gathered through the look-up) is ``scores``,
    bit for bit, for every form of every plan: main, band and each horizon."""
    from riskassess.models import plan_of

    for kind in ("additive", "ogrs3_1y", "scorecard"):
        model, X = fitted[kind]
        X = _large(X)
        plan = plan_of(model)
        frame = model._form_frame(X)
        binned = plan.frame_binned(frame)
        columns = plan.linear_columns(frame)
        for form in (plan.main, plan.band, *plan.horizons.values()):
            np.testing.assert_array_equal(
                plan.binned_scores(form, binned, frame, columns),
                plan.scores(form, plan.frame_codes(frame), frame))


def test_scored_values_cannot_be_changed(fitted: dict[str, Any]) -> None:
    import dataclasses

    model, X = fitted["additive"]
    out = scored_values(model, X)
    with pytest.raises(dataclasses.FrozenInstanceError):
        out.base_value = 0.0  # type: ignore[misc]
