"""Persistence: JSON only, fingerprinted, any changed byte refused, bit-identical."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from riskassess.exceptions import ModelFileError
from riskassess.instruments import OGRS3
from riskassess.models import (
    AdditiveRiskClassifier,
    RiskBands,
    ScorecardClassifier,
    load_model,
    model_fingerprint,
    model_from_json,
    model_to_json,
    save_model,
)


def _data(n=400):
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"age": rng.integers(18, 70, n).astype(float),
                      "priors_count": rng.poisson(2, n).astype(float),
                      "sex": pd.Categorical(rng.choice(["male", "female"], n))})
    y = (rng.random(n) < 1 / (1 + np.exp(0.04 * (X["age"] - 35)))).astype(int).to_numpy()
    return X, y


@pytest.fixture(scope="module")
def models():
    X, y = _data()
    return X, [
        AdditiveRiskClassifier(interactions=(("priors_count", "sex"),),
                               bands=RiskBands(cut_points=(0.3, 0.6),
                                               labels=("a", "b", "c"))).fit(X, y),
        ScorecardClassifier(max_bins=3).fit(X, y),
    ]


def test_round_trip_bit_identical(models, tmp_path):
    X, fitted = models
    for model in fitted:
        path = tmp_path / f"{type(model).__name__}.json"
        save_model(model, path)
        loaded = load_model(path)
        assert type(loaded) is type(model)
        np.testing.assert_array_equal(loaded.decision_function(X), model.decision_function(X))
        np.testing.assert_array_equal(loaded.predict_band(X), model.predict_band(X))
        assert loaded.form_.to_dict() == model.form_.to_dict()
        assert model_fingerprint(loaded) == model_fingerprint(model)
        assert loaded.get_params() == model.get_params()
        doc = json.loads(path.read_text())
        assert doc["content"]["features"]["age"]["monotone"] == -1
        assert doc["content"]["fitted"]["training_info_"]["n_rows"] == len(X)
        assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_ogrs3_round_trip(tmp_path):
    path = tmp_path / "o.json"
    save_model(OGRS3(horizon=1), path)
    assert load_model(path).horizon == 1


def test_fingerprint_changes_with_content(models):
    X, (additive, _) = models
    other = AdditiveRiskClassifier(smoothing=1.0).fit(X, additive.predict(X))
    assert model_fingerprint(other) != model_fingerprint(additive)
    assert len(model_fingerprint(additive)) == 64


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_changed_byte_is_refused(models, tmp_path, data):
    _, (model, _) = models
    path = tmp_path / "m.json"
    save_model(model, path)
    raw = bytearray(path.read_bytes())
    pos = data.draw(st.integers(0, len(raw) - 1))
    new = data.draw(st.integers(0, 255).filter(lambda b: b != raw[pos]))
    raw[pos] = new
    path.write_bytes(bytes(raw))
    with pytest.raises(ModelFileError):
        load_model(path)


def test_edited_value_with_valid_json_refused(models, tmp_path):
    _, (model, _) = models
    path = tmp_path / "m.json"
    save_model(model, path)
    doc = json.loads(path.read_text())
    doc["content"]["form"]["intercept"] += 0.5
    path.write_text(json.dumps(doc, sort_keys=True, indent=1) + "\n")
    with pytest.raises(ModelFileError, match="fingerprint"):
        load_model(path)


def test_failed_write_leaves_old_file(models, tmp_path, monkeypatch):
    _, (model, card) = models
    path = tmp_path / "m.json"
    save_model(model, path)
    before = path.read_bytes()

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("riskassess.models._io.os.replace", boom)
    with pytest.raises(OSError, match="disk full"):
        save_model(card, path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.json"]


def test_not_a_model_file(tmp_path):
    path = tmp_path / "x.json"
    path.write_text('{"hello": 1}')
    with pytest.raises(ModelFileError):
        load_model(path)
    with pytest.raises(ModelFileError):
        load_model(tmp_path / "absent.json")


def test_json_round_trip_in_memory(models, tmp_path):
    X, fitted = models
    for model in [*fitted, OGRS3(horizon=1)]:
        text = model_to_json(model)
        assert isinstance(text, str)
        again = model_from_json(text)
        assert type(again) is type(model)
        assert model_fingerprint(again) == model_fingerprint(model)
        assert model_to_json(again) == text
        path = tmp_path / "m.json"
        save_model(model, path)
        assert path.read_text(encoding="ascii") == text  # one implementation, same bytes
        if not isinstance(model, OGRS3):
            np.testing.assert_array_equal(again.decision_function(X),
                                          model.decision_function(X))
            np.testing.assert_array_equal(again.predict_proba(X), model.predict_proba(X))


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_json_any_changed_character_is_refused(models, data):
    _, (model, _) = models
    text = model_to_json(model)
    pos = data.draw(st.integers(0, len(text) - 1))
    new = data.draw(st.characters(codec="utf-8").filter(lambda c: c != text[pos]))
    changed = text[:pos] + new + text[pos + 1:]
    with pytest.raises(ModelFileError):
        model_from_json(changed)


def test_json_refuses_non_text_and_edited_value(models):
    _, (model, _) = models
    with pytest.raises(ModelFileError):
        model_from_json(model_to_json(model).encode("ascii"))  # type: ignore[arg-type]
    doc = json.loads(model_to_json(model))
    doc["content"]["form"]["intercept"] += 0.5
    with pytest.raises(ModelFileError, match="fingerprint"):
        model_from_json(json.dumps(doc, sort_keys=True, indent=1) + "\n")
