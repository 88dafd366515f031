"""Sealed assessments and final decisions (issue 14, part 5).

Each attack used to succeed: an Assessment edited with ``model_copy(update=...)``,
``object.__setattr__`` or ``model_construct`` was decided and logged; a FinalDecision
changed with ``object.__setattr__`` was appended (and the log could not be read back).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from riskassess.decisions import Assessment, DecisionLog, HorizonProbability, ModelInfo
from riskassess.decisions._records import _final_decision_from_json
from riskassess.decisions._seal import assessment_seal
from riskassess.exceptions import DecisionError, DecisionTypeError
from riskassess.models import RiskBands

CREATED = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
OGRS3_BANDS = {"cut_points": (0.5, 0.75, 0.9), "band_labels": ("low", "medium", "high",
                                                                "very high")}


def sealed(p: float = 0.81, band: str = "high", **kw: Any) -> Assessment:
    info = ModelInfo(name="OGRS3", version="1", fingerprint="ab" * 32, **OGRS3_BANDS)
    data: dict[str, Any] = {"case_id": "C-9", "assessment_date": date(2024, 3, 1),
                            "probability": p, "band": band, "model": info,
                            "input_sha256": "0" * 64, "created_at": CREATED}
    data.update(kw)
    return Assessment(**data)


# ------------------------------------------------------------------ the attacks


def test_model_copy_with_an_update_is_refused():
    a = sealed()
    with pytest.raises(DecisionTypeError, match=r"C-9.*cannot be altered"):
        a.model_copy(update={"band": "low"})
    assert a.model_copy() == a and a.model_copy(deep=True).decide("off-1").final_band == "high"


def test_an_assessment_edited_with_setattr_is_refused_at_decide():
    a = sealed()
    object.__setattr__(a, "band", "low")
    with pytest.raises(DecisionError, match=r"C-9.*changed after it was made"):
        a.decide("off-1")
    b = sealed()
    object.__setattr__(b, "probability", 0.2)  # the band no longer follows either
    with pytest.raises(DecisionError, match="C-9"):
        b.decide("off-1")


def test_an_assessment_built_with_model_construct_is_refused_at_decide():
    fields = dict(sealed())
    fields.pop("seal")
    forged = Assessment.model_construct(**{**fields, "band": "low"})
    with pytest.raises(DecisionError, match="not sealed"):
        forged.decide("off-1")
    resealed = Assessment.model_construct(**{**fields, "band": "low"})
    object.__setattr__(resealed, "seal", assessment_seal(resealed))  # a valid seal ...
    with pytest.raises(DecisionError, match=r"band 'low' disagrees"):  # ... a wrong band
        resealed.decide("off-1")


def test_a_band_that_disagrees_with_the_cut_points_is_refused_at_construction():
    with pytest.raises(ValidationError, match=r"band 'low' disagrees.*'high'"):
        sealed(0.81, "low")
    fields = {**dict(sealed()), "band": "low", "seal": None}  # re-validate, re-seal
    with pytest.raises(ValidationError, match="disagrees"):
        Assessment.model_validate(fields)


def test_an_edited_record_read_back_is_refused():
    d = sealed().decide("off-1", decided_at=CREATED)
    record = json.loads(d.model_dump_json())
    record["assessment"]["band"] = "low"
    record["final_band"] = "low"
    with pytest.raises(ValidationError, match="disagrees"):
        _final_decision_from_json(json.dumps(record))
    record = json.loads(d.model_dump_json())
    record["assessment"]["input_sha256"] = "1" * 64  # nothing to check it against but the seal
    with pytest.raises(ValidationError, match="seal does not match"):
        _final_decision_from_json(json.dumps(record))
    assert _final_decision_from_json(d.model_dump_json()) == d


def test_a_final_decision_changed_after_creation_fails_its_integrity_check():
    d = sealed().decide("off-1", decided_at=CREATED)
    d._check_integrity()
    object.__setattr__(d, "final_band", "low")
    with pytest.raises(DecisionError, match=r"C-9.*final decision was changed"):
        d._check_integrity()
    e = sealed().decide("off-1", decided_at=CREATED)
    object.__setattr__(e.assessment, "band", "medium")  # nested edit, same attack
    with pytest.raises(DecisionError, match="C-9"):
        e._check_integrity()


def test_the_log_refuses_a_changed_decision_and_still_reads_back(tmp_path):
    good = sealed().decide("off-1", decided_at=CREATED)
    bad = sealed().decide("off-1", decided_at=CREATED)
    object.__setattr__(bad, "final_band", "low")
    with DecisionLog(tmp_path / "log.sqlite") as log:
        log.append(good)
        with pytest.raises(DecisionError, match="changed"):
            log.append(bad)
        back = log.read()
    assert back == [good]
    back[0]._check_integrity()  # a decision read back from the log passes


# ------------------------------------------------------------------ properties

probabilities = st.floats(0.0, 1.0, allow_nan=False)


@settings(max_examples=200)
@given(p=probabilities, cuts=st.lists(st.floats(0.01, 0.99), min_size=1, max_size=3,
                                      unique=True).map(sorted))
def test_the_band_the_cut_points_give_is_always_accepted(p: float, cuts: list[float]):
    bands = RiskBands(tuple(cuts), ("low", "medium", "high", "very high")[:len(cuts) + 1])
    info = ModelInfo(name="m", version="1", fingerprint="f", cut_points=bands.cut_points,
                     band_labels=bands.labels)
    right = bands.label_of(p)
    a = Assessment(case_id="C-1", assessment_date=date(2024, 1, 1), probability=p, band=right,
                   model=info, input_sha256="0" * 64, created_at=CREATED)
    assert a.decide("off-1").final_band == right
    for wrong in set(bands.labels) - {right}:
        near_cut = any(abs(p - c) <= 1e-12 for c in cuts)
        if not near_cut:
            with pytest.raises(ValidationError, match="disagrees"):
                Assessment(**{**dict(a), "band": wrong, "seal": None})


@settings(max_examples=100)
@given(p=probabilities, field=st.sampled_from(["probability", "band", "case_id",
                                               "input_sha256", "created_at"]))
def test_the_seal_survives_json_and_any_field_change_breaks_it(p: float, field: str):
    a = sealed(p, RiskBands().label_of(p))
    again = Assessment.model_validate_json(a.model_dump_json())
    assert again == a and again.seal == a.seal == assessment_seal(a)
    new = {"probability": 1.0 - p if p != 0.5 else 0.25, "band": "very high",
           "case_id": "C-10", "input_sha256": "1" * 64,
           "created_at": datetime(2024, 3, 2, tzinfo=UTC)}[field]
    if new == getattr(a, field):
        return
    object.__setattr__(a, field, new)
    assert assessment_seal(a) != a.seal
    with pytest.raises(DecisionError):
        a.decide("off-1")


def test_ogrs3_bands_its_two_year_probability_whatever_its_horizon():
    two = sealed(0.4, "low", horizon_years=1, probabilities=(
        HorizonProbability(years=1, probability=0.4),
        HorizonProbability(years=2, probability=0.8)))
    # Without the band horizon the 1-year probability (0.4, "low") would be banded ...
    assert two.band == "low"
    info = ModelInfo(name="OGRS3", version="1", fingerprint="ab" * 32,
                     band_horizon_years=2, **OGRS3_BANDS)
    with pytest.raises(ValidationError, match=r"2-year probability 0.8 is in band 'high'"):
        Assessment(**{**dict(two), "model": info, "seal": None})
    ok = Assessment(**{**dict(two), "model": info, "band": "high", "seal": None})
    assert ok.decide("off-1").model_band == "high"
    with pytest.raises(ValidationError, match="does not give"):
        Assessment(**{**dict(ok), "probabilities": (), "seal": None})


@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_what_assess_produces_passes_the_band_check(data):
    from riskassess import assess
    from riskassess.datasets import make_cohort
    from riskassess.instruments import OGRS3
    from riskassess.testing._strategies import case_dicts

    background = _background(make_cohort)
    case = data.draw(case_dicts(max_sanctions=5))
    horizon = data.draw(st.sampled_from([1, 2]))
    model = OGRS3(horizon=horizon)
    a = assess(model, case, background=background, assessed_at=CREATED)
    bands = model._bands()
    info = ModelInfo(**{**a.model.model_dump(), "cut_points": bands.cut_points,
                        "band_labels": bands.labels, "band_horizon_years": 2})
    with_bands = Assessment(**{**dict(a), "model": info, "seal": None})
    assert with_bands.decide("off-1").final_band == a.band


_CACHE: dict[str, Any] = {}


def _background(make_cohort: Any) -> Any:
    if "bg" not in _CACHE:
        _CACHE["bg"] = make_cohort(300, seed=0).features()
    return _CACHE["bg"]
