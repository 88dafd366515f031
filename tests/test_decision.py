"""Assessment and FinalDecision: the officer's band always wins, overrides carry reasons."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from riskassess.decisions import (
    MIN_RATIONALE_CHARS,
    Assessment,
    AssessmentWarning,
    ExplanationRecord,
    FeatureContribution,
    FinalDecision,
    HorizonProbability,
    ModelInfo,
    OverrideReason,
    ReasonRecord,
    check_rationale,
)
from riskassess.exceptions import DecisionError
from riskassess.testing._strategies import case_dicts
from riskassess.types import RISK_BANDS

CREATED = datetime(2024, 3, 1, 9, 30, tzinfo=UTC)
GOOD_RATIONALE = "Police report of recent threats to a former partner, not in the record."


def make_assessment(band: str = "medium", case_id: str = "C-001", p: float = 0.6,
                    **kw: object) -> Assessment:
    data: dict[str, object] = {
        "case_id": case_id, "assessment_date": date(2024, 3, 1), "probability": p,
        "band": band, "model": ModelInfo(name="OGRS3", version="1.0", fingerprint="ab" * 32),
        "input_sha256": "0" * 64, "created_at": CREATED,
    }
    data.update(kw)
    return Assessment(**data)


bands = st.sampled_from(RISK_BANDS)
reasons = st.sampled_from(list(OverrideReason))
officers = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._:\-]{0,20}", fullmatch=True)
words = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFG", min_size=3, max_size=10)
rationales = st.lists(words, min_size=5, max_size=12).map(" ".join).filter(
    lambda t: len(set(t.replace(" ", "").lower())) >= 8 and len(t.replace(" ", "")) >= 20)


@given(model_band=bands, officer_band=bands, reason=reasons, rationale=rationales,
       officer=officers)
def test_the_officers_band_always_wins(model_band: str, officer_band: str,
                                       reason: OverrideReason, rationale: str,
                                       officer: str) -> None:
    a = make_assessment(model_band)
    override = officer_band != model_band
    d = a.decide(officer, officer_band, reason=reason if override else None,
                 rationale=rationale if override else None)
    assert d.final_band == officer_band
    assert d.model_band == model_band
    assert d.override is override
    assert d.officer_id == officer
    if override:
        assert d.reason is reason and d.rationale == rationale.strip()
        up = RISK_BANDS.index(officer_band) > RISK_BANDS.index(model_band)
        assert d.direction == ("up" if up else "down")
    else:
        assert d.direction is None and d.reason is None


@given(model_band=bands, officer_band=bands, reason=st.none() | reasons,
       rationale=st.none() | rationales)
def test_no_override_without_reason_and_rationale(model_band: str, officer_band: str,
                                                 reason: OverrideReason | None,
                                                 rationale: str | None) -> None:
    a = make_assessment(model_band)
    if officer_band == model_band or (reason is not None and rationale is not None):
        return
    with pytest.raises(DecisionError, match="C-001"):
        a.decide("off-1", officer_band, reason=reason, rationale=rationale)


@given(model_band=bands, same=st.booleans(), rationale=st.none() | rationales)
def test_agreeing_never_records_an_override(model_band: str, same: bool,
                                            rationale: str | None) -> None:
    a = make_assessment(model_band)
    d = a.decide("off-1", model_band if same else None, rationale=rationale)
    assert (d.override, d.direction, d.reason) == (False, None, None)
    assert d.final_band == model_band


def test_agreeing_with_a_reason_is_refused() -> None:
    with pytest.raises(DecisionError, match="only recorded for an override"):
        make_assessment("high").decide("off-1", "high", reason="policy",
                                       rationale=GOOD_RATIONALE)


@pytest.mark.parametrize("text", [
    "n/a", "see notes", "x" * 40, "xxxxxxxx xxxxxxxxx xxxxxxxx", "abcabc abcabc abcabc abcabc",
    "Supercalifragilisticexpialidocious", "a" * 5000, "           ", "12345678 9012345 67890",
])
def test_short_or_empty_rationales_are_refused(text: str) -> None:
    with pytest.raises(DecisionError, match=r"case 'C-001'.*rationale"):
        make_assessment("low").decide("off-1", "high", reason="serious_harm", rationale=text)


@given(st.text(max_size=MIN_RATIONALE_CHARS + 20).filter(
    lambda t: len("".join(t.split())) < MIN_RATIONALE_CHARS))
def test_any_rationale_under_the_minimum_is_refused(text: str) -> None:
    with pytest.raises(DecisionError):
        check_rationale(text)


def test_bad_reason_band_officer_and_times_are_refused_naming_the_case() -> None:
    a = make_assessment("medium", case_id="C-77")
    with pytest.raises(DecisionError, match=r"C-77.*reason must be one of"):
        a.decide("off-1", "high", reason="gut_feeling", rationale=GOOD_RATIONALE)
    with pytest.raises(DecisionError, match=r"C-77.*band must be one of"):
        a.decide("off-1", "extreme")
    with pytest.raises(DecisionError, match=r"C-77.*officer_id"):
        a.decide("Jane Smith")  # not a pseudonymous id
    with pytest.raises(DecisionError, match=r"C-77.*timezone-aware"):
        a.decide("off-1", decided_at=datetime(2024, 3, 2))
    with pytest.raises(DecisionError, match=r"C-77.*before the assessment"):
        a.decide("off-1", decided_at=CREATED - timedelta(seconds=1))


def test_decided_at_is_stored_in_utc_and_defaults_to_now() -> None:
    a = make_assessment()
    local = datetime(2024, 3, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    d = a.decide("off-1", decided_at=local)
    assert d.decided_at == local and d.decided_at.utcoffset() == timedelta(0)
    before = datetime.now(UTC)
    assert before <= a.decide("off-1").decided_at <= datetime.now(UTC)


def test_a_final_decision_cannot_be_made_except_by_decide() -> None:
    d = make_assessment("low").decide("off-1")
    data = d.model_dump()
    data.update(final_band="very high", override=True, direction="up")
    with pytest.raises(TypeError, match=r"Assessment.decide"):
        FinalDecision(**data)
    with pytest.raises(TypeError, match=r"Assessment.decide"):
        FinalDecision.model_validate(data)
    with pytest.raises(TypeError, match=r"Assessment.decide"):
        FinalDecision.model_validate_json(d.model_dump_json())
    with pytest.raises(TypeError, match="decide"):
        FinalDecision.model_construct(**data)
    with pytest.raises(TypeError, match="cannot be altered"):
        d.model_copy(update={"final_band": "high"})
    with pytest.raises(ValidationError):
        d.final_band = "high"  # type: ignore[misc]
    assert d.model_copy() == d


def test_assessment_is_frozen_and_round_trips_through_json() -> None:
    a = make_assessment(
        "high", p=0.8, horizon_years=2,
        probabilities=(HorizonProbability(years=1, probability=0.7),
                       HorizonProbability(years=2, probability=0.8)),
        warnings=(AssessmentWarning(code="out_of_range", feature="age", message="age 95 > 80"),),
        reasons=(ReasonRecord(text="Many previous sanctions", feature="previous_sanctions",
                              value=12.0, contribution=0.9),))
    with pytest.raises(ValidationError):
        a.band = "low"  # type: ignore[misc]
    assert Assessment.model_validate_json(a.model_dump_json()) == a
    assert json.loads(a.model_dump_json())["probabilities"][0] == {"years": 1, "probability": 0.7}


def test_explanation_must_add_up_to_the_probability() -> None:
    expl = ExplanationRecord(base_value=-0.5, link="logit", contributions=(
        FeatureContribution(feature="age", value=30.0, contribution=0.2),
        FeatureContribution(feature="sex", value="male", contribution=0.3)))
    ok = make_assessment(p=0.5, explanation=expl)  # logit 0 -> 0.5
    assert ok.explanation is not None and ok.explanation.probability == pytest.approx(0.5)
    with pytest.raises(ValidationError, match="adds up to"):
        make_assessment(p=0.6, explanation=expl)
    with pytest.raises(ValidationError, match="differs from"):
        make_assessment(p=0.6, horizon_years=2,
                        probabilities=(HorizonProbability(years=2, probability=0.7),))


@pytest.mark.parametrize("model", [Assessment, FinalDecision])
def test_every_schema_field_is_documented(model: type[Assessment] | type[FinalDecision]
                                          ) -> None:
    schema = model.model_json_schema()
    props = schema["properties"]
    assert props, "schema has no properties"
    missing = [name for name, spec in props.items() if "description" not in spec]
    assert not missing, f"fields without a description: {missing}"
    assert schema.get("additionalProperties") is False


def test_override_reason_codes_are_stable() -> None:
    assert {r.value for r in OverrideReason} == {
        "information_not_captured", "protective_factors", "recent_change", "record_error",
        "serious_harm", "policy"}
    assert all((r.label and r.label != r.value) or r.value == "policy" for r in OverrideReason)


# ---------------------------------------------------------------------------- assess


@pytest.fixture(scope="module")
def fitted() -> dict[str, object]:
    from riskassess.datasets._synthetic import make_cohort
    from riskassess.instruments._ogrs3 import OGRS3
    from riskassess.models import AdditiveRiskClassifier
    from riskassess.models._scorecard import ScorecardClassifier

    cohort = make_cohort(1000, seed=5)
    X = cohort.features()
    y = cohort.outcomes["reoffend_2y"].reindex(X.index)
    keep = y.notna().to_numpy()
    X, y = X[keep], y[keep].astype(int)
    cols = ["age", "sex", "copas_rate", "previous_custodial", "years_since_last_sanction",
            "index_offence", "violent_history"]
    additive = AdditiveRiskClassifier(
        max_bins=16, interactions=[("age", "sex")]).fit(X[cols], y)
    scorecard = ScorecardClassifier().fit(X[cols], y)
    return {"additive": additive, "scorecard": scorecard, "ogrs3": OGRS3(),
            "ogrs3_1y": OGRS3(horizon=1), "background": X.head(300)}


MODEL_KEYS = ["additive", "scorecard", "ogrs3", "ogrs3_1y"]


def _assess(fitted: dict[str, object], key: str, case: object, fast: bool = True) -> Assessment:
    from riskassess import assess

    bg = fitted["background"] if key.startswith("ogrs3") else None
    return assess(fitted[key], case, background=bg, fast=fast,  # type: ignore[arg-type]
                  assessed_at=CREATED)


@settings(max_examples=25)
@given(data=case_dicts(max_sanctions=6), key=st.sampled_from(MODEL_KEYS))
def test_assess_fast_route_equals_the_models_own_route(fitted: dict[str, object],
                                                      data: dict[str, object], key: str) -> None:
    import numpy as np

    from riskassess.features import build_features
    from riskassess.models import plan_of

    assert plan_of(fitted[key]).scalar, f"{key} should take the plan's scalar route"
    fast = _assess(fitted, key, data)
    slow = _assess(fitted, key, data, fast=False)
    X = build_features([data])
    model = fitted[key]
    p = float(model.predict_proba(X[list(model.feature_names_in_)])[0, 1])  # type: ignore[attr-defined]
    assert fast.probability == pytest.approx(p, abs=1e-12) and slow.probability == p
    assert fast.band == slow.band == model.predict_band(X[list(model.feature_names_in_)])[0]  # type: ignore[attr-defined]
    assert fast.probabilities == slow.probabilities
    assert fast.explanation is not None and slow.explanation is not None
    assert fast.explanation.base_value == pytest.approx(slow.explanation.base_value, abs=1e-12)
    for a, b in zip(fast.explanation.contributions, slow.explanation.contributions, strict=True):
        assert (a.feature, a.value) == (b.feature, b.value)
        assert a.contribution == pytest.approx(b.contribution, abs=1e-12)
    assert [r.text for r in fast.reasons] == [r.text for r in slow.reasons]
    assert fast.warnings == slow.warnings
    assert fast.input_sha256 == slow.input_sha256 and fast.model == slow.model
    logit = float(np.log(p / (1 - p)))
    assert fast.explanation.output == pytest.approx(logit, abs=1e-9)


def test_assess_provenance_reasons_and_decision_round_trip(fitted: dict[str, object],
                                                           tmp_path: object) -> None:
    from riskassess.cases import Case
    from riskassess.decisions import DecisionLog

    data = case_dicts().example()
    a = _assess(fitted, "ogrs3", data)
    assert a.case_id == data["case_id"] and a.model.name == "OGRS3"
    assert a.horizon_years == 2 and [h.years for h in a.probabilities] == [1, 2]
    assert a.probabilities[1].probability == a.probability
    assert len(a.reasons) <= 3 and all(r.text for r in a.reasons)
    assert _assess(fitted, "ogrs3", Case.model_validate(data)).input_sha256 == a.input_sha256
    other = dict(data, case_id=str(data["case_id"]) + "x")
    assert _assess(fitted, "ogrs3", other).input_sha256 != a.input_sha256
    from riskassess.models import model_fingerprint

    assert a.model.fingerprint == model_fingerprint(fitted["ogrs3"])  # type: ignore[arg-type]
    assert _assess(fitted, "ogrs3_1y", data).model.fingerprint != a.model.fingerprint
    d = a.decide("off-3")
    with DecisionLog(Path(str(tmp_path)) / "l.sqlite") as log:
        log.append(d)
        assert log.read() == [d]


def test_assess_refuses_bad_cases_and_missing_background(fitted: dict[str, object]) -> None:
    from riskassess import assess
    from riskassess.explain import BackgroundError

    data = case_dicts().example()
    bad = dict(data, assessment_date="2020-02-30")
    with pytest.raises(ValueError, match=str(data["case_id"])):
        assess(fitted["ogrs3"], bad)
    with pytest.raises(BackgroundError, match="background"):
        assess(fitted["ogrs3"], data)
    from sklearn.dummy import DummyClassifier

    with pytest.raises(TypeError, match="predict_band"):
        assess(DummyClassifier().fit([[0], [1]], [0, 1]), data)


def test_assess_warns_about_values_outside_the_training_range(fitted: dict[str, object]
                                                             ) -> None:
    model = fitted["additive"]
    top = model.training_ranges_["age"]["max"]  # type: ignore[attr-defined]
    data = case_dicts().example()
    data["person"] = dict(data["person"], date_of_birth="1920-01-02")
    data.update(assessment_date="2024-01-01", follow_up_start=None, sanctions=[],
                index_offence={"date": "2023-12-01", "offence": "violence",
                               "disposal": "fine", "violent": True})
    a = _assess(fitted, "additive", data)
    ages = [w for w in a.warnings if w.feature == "age"]
    assert top < 103 and ages and ages[0].code == "out_of_range"
    assert "outside the training range" in ages[0].message
    assert a == _assess(fitted, "additive", data, fast=False)


def test_a_refitted_or_reconfigured_model_is_never_served_from_the_cache(
        fitted: dict[str, object]) -> None:
    from riskassess.datasets._synthetic import make_cohort
    from riskassess.features import build_features
    from riskassess.instruments._ogrs3 import OGRS3
    from riskassess.models import AdditiveRiskClassifier

    data = case_dicts().example()
    X1 = make_cohort(600, seed=11).features()
    y1 = make_cohort(600, seed=11).outcomes["reoffend_2y"].reindex(X1.index)
    keep = y1.notna().to_numpy()
    cols = ["age", "copas_rate", "previous_custodial"]
    model = AdditiveRiskClassifier(max_bins=8)
    seen = []
    for seed in (1, 2, 3):  # refit three times: no stale compiled model, even if ids recur
        rng = __import__("numpy").random.default_rng(seed)
        y = rng.permutation(y1[keep].astype(int).to_numpy())
        model.fit(X1.loc[keep, cols], y)
        a = _assess({"m": model, "background": None}, "m", data)
        expected = model.predict_proba(build_features([data])[cols])[0, 1]
        assert a.probability == pytest.approx(expected, abs=1e-12)
        seen.append(a.model.fingerprint)
    assert len(set(seen)) == 3
    ogrs3 = OGRS3()
    two = _assess({"ogrs3": ogrs3, "background": fitted["background"]}, "ogrs3", data)
    ogrs3.set_params(horizon=1)
    one = _assess({"ogrs3": ogrs3, "background": fitted["background"]}, "ogrs3", data)
    assert one.horizon_years == 1 and one.probability == one.probabilities[0].probability
    assert two.probability == two.probabilities[1].probability
    assert one.band == two.band  # OGRS3 bands on the 2-year probability whatever the horizon


def test_probabilities_for_other_horizons_can_be_passed(fitted: dict[str, object]) -> None:
    from riskassess import assess
    from riskassess.features import build_features

    data = case_dicts().example()
    one_year = fitted["scorecard"]
    a = assess(fitted["additive"], data, horizon_models={1: one_year})
    cols = list(one_year.feature_names_in_)  # type: ignore[attr-defined]
    expected = one_year.predict_proba(build_features([data])[cols])[0, 1]  # type: ignore[attr-defined]
    assert [(h.years, h.probability) for h in a.probabilities] == [(1, expected)]
    with pytest.raises(ValueError, match="given twice"):
        assess(fitted["ogrs3"], data, background=fitted["background"],
               horizon_models={2: one_year})


def test_a_model_horizon_names_the_risk_and_is_recorded(fitted: dict[str, object]) -> None:
    from sklearn.base import clone

    from riskassess import assess

    data = case_dicts().example()
    plain = fitted["additive"]
    dated = clone(plain).set_params(horizon=2)  # type: ignore[attr-defined]
    fitted_state = {k: v for k, v in plain.__dict__.items() if k.endswith("_")}
    dated.__dict__.update(fitted_state)  # the same tables, now with a horizon
    for fast in (True, False):
        a = assess(plain, data, fast=fast, assessed_at=CREATED)
        b = assess(dated, data, fast=fast, assessed_at=CREATED)
        assert a.horizon_years is None and a.probabilities == ()
        assert b.horizon_years == 2
        assert [(h.years, h.probability) for h in b.probabilities] == [(2, b.probability)]
        assert b.probability == a.probability
        assert all("2-year risk" in r.text for r in b.reasons)
        assert not any("2-year" in r.text for r in a.reasons)
    with pytest.raises(ValueError, match="given twice"):
        assess(dated, data, horizon_models={2: fitted["scorecard"]})


# ------------------------------------------------------------- data minimisation


def _years_features() -> set[str]:
    from riskassess.features import FEATURES

    return {name for name, spec in FEATURES.items() if spec.unit == "years"}


@settings(max_examples=20, deadline=None)
@given(data=case_dicts(max_sanctions=6), key=st.sampled_from(["additive", "ogrs3"]))
def test_stored_explanations_hold_whole_years_and_no_dates(fitted: dict[str, object],
                                                          data: dict[str, object],
                                                          key: str) -> None:
    import math

    from riskassess.features import build_features

    a = _assess(fitted, key, data)
    X = build_features([data])
    years = _years_features()
    assert a.explanation is not None
    stored = [(c.feature, c.value) for c in a.explanation.contributions]
    stored += [(r.feature, r.value) for r in a.reasons if r.feature is not None]
    for feature, value in stored:
        if feature in years and value is not None:
            exact = float(X[feature].iloc[0])
            assert value == math.floor(exact), (feature, value, exact)
    text = a.decide("off-1").model_dump_json()
    person = data["person"]
    assert isinstance(person, dict) and str(person["date_of_birth"]) not in text
    for sanction in data["sanctions"]:  # type: ignore[attr-defined]
        assert str(sanction["date"]) not in text


def test_two_birthdays_in_the_same_year_of_age_store_the_same_explanation(
        fitted: dict[str, object]) -> None:
    data: dict[str, object] = {
        "case_id": "C-42", "assessment_date": "2024-03-01",
        "index_offence": {"date": "2024-02-01", "offence": "theft_non_motor",
                          "disposal": "community", "violent": False},
        "sanctions": [{"date": "2019-06-01", "kind": "conviction", "disposal": "fine",
                       "offence": "theft_non_motor", "violent": False}]}
    stored = []
    for dob in ("1990-03-05", "1990-09-20"):  # both 33 on 2024-03-01
        data["person"] = {"person_id": "P-42", "date_of_birth": dob, "sex": "male"}
        a = _assess(fitted, "additive", data)
        assert a.explanation is not None
        stored.append({c.feature: c.value for c in a.explanation.contributions}["age"])
    assert stored == [33.0, 33.0]


def test_feature_values_are_minimised_whatever_builds_the_record() -> None:
    c = FeatureContribution(feature="years_since_last_sanction", value=4.9999, contribution=0.1)
    r = ReasonRecord(text="Offence-free for 4 years.", feature="age_at_follow_up",
                     value=33.83436002737851)
    copas = FeatureContribution(feature="copas_rate", value=-1.998107503221249,
                                contribution=0.2)
    other = FeatureContribution(feature="priors_count", value=3.0, contribution=0.3)
    assert (c.value, r.value, copas.value, other.value) == (4.0, 33.0, -2.0, 3.0)
    again = FeatureContribution.model_validate_json(c.model_dump_json())
    assert again == c


@pytest.mark.parametrize("text, what", [
    ("Stable housing confirmed at home visit. " * 130_000, "characters"),  # 5 MB
    ("Stable housing confirmed \u202eat home visit by police.", "U+202E"),
    ("Stable housing confirmed \x1b[2J at home visit by police.", "U+001B"),
    ("Stable housing confirmed\rat home visit by police.", "U+000D"),
    ("Stable housing confirmed \u2066at\u2069 home visit by police.", "U+2066"),
    ("Stable housing confirmed \u200fat home visit by police.", "U+200F"),
])
def test_long_or_control_character_rationales_are_refused(text: str, what: str) -> None:
    a = make_assessment("low", case_id="C-55")
    pattern = rf"case 'C-55', field 'rationale': .*{re.escape(what)}"
    with pytest.raises(DecisionError, match=pattern):
        a.decide("off-1", "high", reason="serious_harm", rationale=text)
    with pytest.raises(DecisionError, match=pattern):
        a.decide("off-1", rationale=text)  # agreeing: the rationale is optional, still plain


def test_windows_line_ends_tabs_and_newlines_are_kept_as_plain_text() -> None:
    d = make_assessment("low").decide(
        "off-1", "high", reason="serious_harm",
        rationale="Police report of threats.\r\n\tVictim confirmed by phone today.")
    assert d.rationale == "Police report of threats.\n\tVictim confirmed by phone today."


@given(st.text(min_size=1, max_size=60))
def test_any_refused_character_names_the_field(text: str) -> None:
    import unicodedata

    from riskassess.decisions._parts import check_free_text

    try:
        out = check_free_text(text, case_id="C-1", field="rationale")
    except DecisionError as exc:
        assert "case 'C-1', field 'rationale'" in str(exc)
        return
    for ch in out:
        assert ch in "\n\t" or unicodedata.category(ch) not in {"Cc", "Cs", "Zl", "Zp"}
        assert ch not in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f"
