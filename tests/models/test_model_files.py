"""Model files an insider edits, or hostile files, are refused (issue 14, part 4).

Each test replays an attack that used to succeed: an edited file resealed with a
recomputed fingerprint, a top-level key outside the fingerprint, a file claiming OGRS3
with other numbers, and files built to exhaust the parser (huge, deep, long numbers,
/dev/zero, a FIFO, a folder).
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

import numpy as np
import pandas as pd
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from riskassess.exceptions import ModelFileError
from riskassess.instruments import OGRS3
from riskassess.models import (
    AdditiveRiskClassifier,
    _io,
    load_model,
    model_fingerprint,
    model_from_json,
    model_to_json,
    save_model,
)

HMAC_KEY = b"deployment shared secret, 32 b!!"


@pytest.fixture(scope="module")
def additive() -> AdditiveRiskClassifier:
    rng = np.random.default_rng(1)
    n = 400
    X = pd.DataFrame({"age": rng.integers(18, 70, n).astype(float),
                      "priors_count": rng.poisson(2, n).astype(float)})
    y = (rng.random(n) < 1 / (1 + np.exp(0.04 * (X["age"] - 35)))).astype(int).to_numpy()
    return AdditiveRiskClassifier(max_bins=6).fit(X, y)


def _doc(text: str) -> dict[str, Any]:
    return json.loads(text)


def _reseal(doc: dict[str, Any]) -> str:
    """What an insider does after editing: recompute the fingerprint with the library."""
    doc = dict(doc)
    doc["fingerprint"] = _io._digest(doc["content"])
    return _io._canonical(doc, compact=False)


# ---------------------------------------------------------------- resealed edits


def test_a_resealed_edit_loads_only_as_unverified_and_keys_refuse_it(additive, tmp_path):
    signed = model_to_json(additive, signing_key=HMAC_KEY)
    approved = model_fingerprint(additive)
    doc = _doc(signed)
    doc["content"]["form"]["intercept"] += 3.0
    path = tmp_path / "edited.json"
    path.write_text(_reseal(doc), encoding="ascii")
    with pytest.raises(ModelFileError, match="no signature verifies"):
        load_model(path, trusted_keys=[HMAC_KEY])
    with pytest.raises(ModelFileError, match="not the expected"):
        load_model(path, expected_fingerprint=approved)
    loaded = load_model(path)  # unsigned files are common: it loads, but says so
    assert loaded.provenance_.verified is False and loaded.provenance_.signed_by == ()
    path.write_text(signed, encoding="ascii")
    good = load_model(path, trusted_keys=[HMAC_KEY], expected_fingerprint=approved)
    assert good.provenance_.verified and len(good.provenance_.signed_by) == 1


def test_an_added_term_resealed_is_refused_with_keys(additive, tmp_path):
    private = Ed25519PrivateKey.generate()
    doc = _doc(model_to_json(additive, signing_key=private))
    term = json.loads(json.dumps(doc["content"]["form"]["terms"][0]))
    term["features"] = ["race"] if "features" in term else term.get("features")
    doc["content"]["form"]["terms"].append(term)
    path = tmp_path / "race.json"
    path.write_text(_reseal(doc), encoding="ascii")
    with pytest.raises(ModelFileError):
        load_model(path, trusted_keys=[private.public_key()])


def test_a_top_level_key_outside_the_fingerprint_is_refused(additive, tmp_path):
    doc = _doc(model_to_json(additive))
    doc["bands_override"] = {"cut_points": [0.01, 0.02, 0.03]}
    path = tmp_path / "extra.json"
    path.write_text(_io._canonical(doc, compact=False), encoding="ascii")  # no resealing
    with pytest.raises(ModelFileError, match="unknown top-level keys"):
        load_model(path)


@pytest.mark.parametrize("where", ["content", "fitted", "params"])
def test_keys_the_model_would_ignore_are_refused_even_resealed(additive, where):
    doc = _doc(model_to_json(additive))
    target = doc["content"] if where == "content" else doc["content"][where]
    target["race_weight_"] = 1.5
    with pytest.raises(ModelFileError):
        model_from_json(_reseal(doc))


@pytest.mark.parametrize("edit", ["intercept", "cut_points", "upper_cut_point"])
def test_a_file_claiming_ogrs3_with_other_numbers_is_refused_however_sealed(edit):
    doc = _doc(model_to_json(OGRS3()))
    if edit == "intercept":
        doc["content"]["form"]["intercept"] += 3.0
    else:
        cuts = [0.2, 0.5, 0.8] if edit == "cut_points" else [0.5, 0.75, 0.95]
        doc["content"]["params"]["bands"] = {"__bands__": {
            "cut_points": cuts, "labels": ["low", "medium", "high", "very high"]}}
    text = _reseal(doc)
    with pytest.raises(ModelFileError, match="published"):
        model_from_json(text)
    with pytest.raises(ModelFileError, match="published"):
        model_from_json(text, expected_fingerprint=_doc(text)["fingerprint"])


def test_a_fitted_ogrs3_round_trips_with_its_background():
    from riskassess.datasets import make_cohort

    model = OGRS3().fit(make_cohort(200, seed=3).features())
    text = model_to_json(model, signing_key=HMAC_KEY)
    again = model_from_json(text, trusted_keys=HMAC_KEY)
    assert model_to_json(again, signing_key=HMAC_KEY) == text
    assert again.provenance_.verified


# ---------------------------------------------------------------- signatures


def test_hmac_and_ed25519_signatures_verify_only_with_their_keys(additive):
    private = Ed25519PrivateKey.generate()
    text = model_to_json(additive, signing_key=[HMAC_KEY, private])
    assert [s["alg"] for s in _doc(text)["signatures"]] == ["hmac-sha256", "ed25519"]
    by_hmac = model_from_json(text, trusted_keys=HMAC_KEY).provenance_
    by_ed = model_from_json(text, trusted_keys=[private.public_key()]).provenance_
    assert by_hmac.verified and by_ed.verified and by_hmac.signed_by != by_ed.signed_by
    for wrong in (b"another secret of sixteen+", Ed25519PrivateKey.generate().public_key()):
        with pytest.raises(ModelFileError, match="no signature verifies"):
            model_from_json(text, trusted_keys=[wrong])
    with pytest.raises(ModelFileError, match="at least 16"):
        model_to_json(additive, signing_key=b"short")
    with pytest.raises(ModelFileError, match="signing_key"):
        model_to_json(additive, signing_key="a password")


def test_signatures_cannot_be_moved_to_another_file_or_stripped(additive):
    donor = _doc(model_to_json(OGRS3(), signing_key=HMAC_KEY))
    doc = _doc(model_to_json(additive))
    doc["signatures"] = donor["signatures"]
    with pytest.raises(ModelFileError, match="no signature verifies"):
        model_from_json(_io._canonical(doc, compact=False), trusted_keys=HMAC_KEY)
    with pytest.raises(ModelFileError, match="no signature verifies"):
        model_from_json(model_to_json(additive), trusted_keys=HMAC_KEY)
    doc["signatures"] = [{"alg": "none", "key_id": "00", "value": "00"}]
    with pytest.raises(ModelFileError, match="signatures"):
        model_from_json(_io._canonical(doc, compact=False))


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_changed_byte_of_a_signed_file_is_refused_with_keys(additive, data):
    text = model_to_json(additive, signing_key=HMAC_KEY)
    raw = bytearray(text.encode("ascii"))
    pos = data.draw(st.integers(0, len(raw) - 1))
    raw[pos] = data.draw(st.integers(0, 255).filter(lambda b: b != raw[pos]))
    try:
        changed = raw.decode("ascii")
    except UnicodeDecodeError:
        changed = raw.decode("latin-1")
    with pytest.raises(ModelFileError):
        model_from_json(changed, trusted_keys=HMAC_KEY)


# ---------------------------------------------------------------- hostile files


def _wrap(filler: str) -> str:
    return '{"content": ' + filler + ', "format": "riskassess-model", "format_version": 2}'


@pytest.mark.parametrize("text", [
    _wrap("1" * 5000),                      # int() refuses > 4300 digits with ValueError
    _wrap("1." + "1" * 5000),
    _wrap("[" * 100_000 + "]" * 100_000),   # json.loads recursed into RecursionError
    _wrap('{"a":' * 50_000 + "1" + "}" * 50_000),
], ids=["long-int", "long-float", "deep-list", "deep-object"])
def test_files_built_to_break_the_parser_raise_model_file_error(text, tmp_path):
    with pytest.raises(ModelFileError):
        model_from_json(text)
    path = tmp_path / "hostile.json"
    path.write_text(text, encoding="ascii")
    with pytest.raises(ModelFileError):
        load_model(path)


def test_brackets_and_digits_inside_strings_do_not_count():
    doc = {"content": "[" * 200 + "9" * 200, "fingerprint": "0", "format": "riskassess-model",
           "format_version": 2}
    text = _io._canonical(doc, compact=False)
    with pytest.raises(ModelFileError, match="'content' must hold"):  # not "too deep"
        model_from_json(text)


def test_a_file_over_the_limit_is_refused_before_it_is_read(additive, tmp_path):
    path = tmp_path / "big.json"
    with open(path, "wb") as fh:
        fh.truncate(50 * 1024 * 1024)  # sparse: 50 MB of zeros
    with pytest.raises(ModelFileError, match="larger than"):
        load_model(path)
    small = tmp_path / "small.json"
    save_model(additive, small)
    size = small.stat().st_size
    with pytest.raises(ModelFileError, match="larger than"):
        load_model(small, max_bytes=size - 1)
    assert load_model(small, max_bytes=size).provenance_.verified is False
    with pytest.raises(ModelFileError, match="larger than"):
        model_from_json(model_to_json(additive), max_bytes=size - 1)


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_dev_zero_and_folders_are_not_model_files(tmp_path):
    for path in ("/dev/zero", tmp_path):
        with pytest.raises(ModelFileError, match="not a regular file"):
            load_model(path)


@pytest.mark.timeout(20)
@pytest.mark.skipif(sys.platform == "win32", reason="FIFOs are POSIX")
def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path):
    fifo = tmp_path / "model.json"
    os.mkfifo(fifo)
    with pytest.raises(ModelFileError, match="not a regular file"):
        load_model(fifo)


def test_non_ascii_and_old_format_versions_are_refused(additive):
    text = model_to_json(additive)
    with pytest.raises(ModelFileError):
        model_from_json(text.replace('"riskassess-model"', '"riskassess-modèl"'))
    doc = _doc(text)
    doc["format_version"] = 1
    with pytest.raises(ModelFileError, match="version 1"):
        model_from_json(_io._canonical(doc, compact=False))
