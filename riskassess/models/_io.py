"""Save and load models as JSON: no pickle, nothing executed on load, fingerprinted, signable.

A model file is canonical JSON (sorted keys, one-space indent, ASCII)::

    {"content": {...}, "fingerprint": "<sha256>", "format": "riskassess-model",
     "format_version": 2, "signatures": [...]}

``content`` holds the class name (one of a fixed list: no import by name), the
parameters, ``form_`` (the lookup tables), the documentation of each input feature,
training metadata (rows, base rate, date, ranges) and the library version.

**What is covered.** The fingerprint is the SHA-256 of the canonical compact JSON of the
whole document except ``signatures``: format, version and content. No other top-level
key is accepted, no other key inside ``content``, and the rebuilt model must serialise
back to exactly the stored content, so nothing in a file is ignored. ``signatures`` (optional)
holds HMAC-SHA256 (shared key) and/or Ed25519 signatures of the fingerprint.

**What loading checks.** Before parsing: a regular file (not a FIFO, device or folder;
opened non-blocking), at most ``max_bytes`` (:data:`MAX_MODEL_BYTES` by default, read
at most one byte more), ASCII, nesting at most :data:`MAX_DEPTH` deep, no number literal
longer than :data:`MAX_NUMBER_CHARS` characters. Then: the file is byte-identical to
the canonical serialisation of what it parses to, the fingerprint matches, and, when
asked, the fingerprint equals ``expected_fingerprint`` and a signature verifies with one
of ``trusted_keys``. Every refusal is a :class:`~riskassess.exceptions.ModelFileError`.

**Unverified files still load.** Anyone can edit a file and recompute its fingerprint, so
without ``trusted_keys`` or ``expected_fingerprint`` a file proves nothing about who made
it; it still loads (unsigned files are common), and the model's ``provenance_``
(:class:`ModelProvenance`) says ``verified=False``. Published instruments (OGRS3) pin
their coefficients and bands in code and refuse a file with other numbers however it is
sealed. Files are written atomically (a temporary file in the same folder, then
:func:`os.replace`).

Examples
--------
>>> import tempfile, pathlib
>>> from riskassess.instruments import OGRS3
>>> key = b"a shared secret of 32 bytes!!!!!"
>>> with tempfile.TemporaryDirectory() as folder:
...     path = pathlib.Path(folder) / "ogrs3.json"
...     save_model(OGRS3(horizon=1), path, signing_key=key)
...     loaded = load_model(path, trusted_keys=[key])
>>> loaded.horizon, loaded.provenance_.verified
(1, True)
>>> model_fingerprint(loaded) == model_fingerprint(OGRS3(horizon=1))
True
>>> model_from_json(model_to_json(loaded)).provenance_.verified  # unsigned: unverified
False
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
import json
import os
from typing import Any

import numpy as np
from sklearn.utils.validation import check_is_fitted

from riskassess._atomic import atomic_write_bytes
from riskassess._version import __version__
from riskassess.exceptions import ModelFileError
from riskassess.features import FEATURES
from riskassess.models._additive import AdditiveRiskClassifier
from riskassess.models._bands import RiskBands
from riskassess.models._base import TransparentModel
from riskassess.models._io_guard import (
    MAX_DEPTH,
    MAX_NUMBER_CHARS,
    MAX_SIGNATURES,
    ModelProvenance,
    as_list,
    checked_signatures,
    prechecked,
    read_limited,
    sign,
    verifies,
)
from riskassess.models._scorecard import ScorecardClassifier
from riskassess.models._terms import AdditiveForm

__all__ = ["MAX_DEPTH", "MAX_MODEL_BYTES", "MAX_NUMBER_CHARS", "ModelProvenance", "load_model",
           "model_fingerprint", "model_from_json", "model_to_dict", "model_to_json",
           "register_model_class", "save_model"]

FORMAT = "riskassess-model"
FORMAT_VERSION = 2
#: Largest model file (bytes) :func:`load_model` reads unless told otherwise.
MAX_MODEL_BYTES = 16 * 1024 * 1024
_TOP_KEYS = frozenset({"content", "fingerprint", "format", "format_version"})
_CONTENT_KEYS = frozenset({"class", "params", "form", "fitted", "features", "library_version"})
_CLASSES: dict[str, type[TransparentModel]] = {
    "AdditiveRiskClassifier": AdditiveRiskClassifier,
    "ScorecardClassifier": ScorecardClassifier,
}
# Published instruments live in riskassess.instruments, a later stage of the flow than
# models; they register their classes here when imported (register_model_class), and a
# file naming a class not yet registered imports that package once to find it.
_PLUGIN_PACKAGES = ("riskassess.instruments",)


def _jsonable(value: Any) -> Any:
    if isinstance(value, RiskBands):
        return {"__bands__": value.to_dict()}
    if isinstance(value, np.ndarray):
        return [_jsonable(v) for v in value.tolist()]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if value is None or isinstance(value, str | bool | int | float):
        return value
    raise ModelFileError(f"cannot store a value of type {type(value).__name__} in a model file")


def _param_from_json(name: str, value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"__bands__"}:
        return RiskBands.from_dict(value["__bands__"])
    if name == "interactions" and not isinstance(value, str):  # "auto" is kept as text
        return tuple(tuple(p) for p in value)
    if isinstance(value, list):
        return tuple(value)
    return value


def register_model_class(cls: type[TransparentModel]) -> type[TransparentModel]:
    """Let :func:`load_model` rebuild ``cls`` from a file naming it (a class decorator).

    Parameters
    ----------
    cls : type
        A :class:`~riskassess.models.TransparentModel` subclass; its ``__name__`` is the
        ``class`` stored in the file, so two registered classes cannot share a name.

    Returns
    -------
    type
        ``cls`` itself.

    Examples
    --------
    >>> from riskassess.models import AdditiveRiskClassifier
    >>> register_model_class(AdditiveRiskClassifier) is AdditiveRiskClassifier
    True
    """
    if not (isinstance(cls, type) and issubclass(cls, TransparentModel)):
        raise ModelFileError(f"only TransparentModel subclasses can be registered, got {cls!r}")
    known = _CLASSES.get(cls.__name__)
    if known is not None and known is not cls:
        raise ModelFileError(f"a different model class named {cls.__name__!r} is registered")
    _CLASSES[cls.__name__] = cls
    return cls


def _registered(name: str) -> type[TransparentModel] | None:
    if name not in _CLASSES:
        for package in _PLUGIN_PACKAGES:
            importlib.import_module(package)
    return _CLASSES.get(name)


def model_to_dict(model: TransparentModel) -> dict[str, Any]:
    """The content stored in a model file (JSON-ready)."""
    name = type(model).__name__
    if _registered(name) is not type(model):
        raise ModelFileError(f"only {sorted(_CLASSES)} can be saved, got {name}")
    check_is_fitted(model, "form_")
    fitted = {k: _jsonable(v) for k, v in model._fitted_state().items()}
    features = {
        f: (dataclasses.asdict(FEATURES[f]) if f in FEATURES else None)
        for f in model.form_.features
    }
    return {
        "class": name,
        "params": _jsonable(model.get_params(deep=False)),
        "form": model.form_.to_dict(),
        "fitted": fitted,
        "features": features,
        "library_version": __version__,
    }


def _canonical(obj: Any, *, compact: bool) -> str:
    if compact:
        return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True,
                          allow_nan=False)
    return json.dumps(obj, sort_keys=True, indent=1, ensure_ascii=True, allow_nan=False) + "\n"


def _digest(content: dict[str, Any]) -> str:
    """The fingerprint: SHA-256 of everything in a file except its signatures."""
    covered = {"content": content, "format": FORMAT, "format_version": FORMAT_VERSION}
    return hashlib.sha256(_canonical(covered, compact=True).encode("ascii")).hexdigest()


def model_fingerprint(model: TransparentModel) -> str:
    """SHA-256 (hex) of the canonical JSON of the model's file, signatures excepted.

    Two models with the same class, parameters, tables and training metadata have the
    same fingerprint; a loaded model has the fingerprint stored in its file.

    Parameters
    ----------
    model : AdditiveRiskClassifier, ScorecardClassifier or OGRS3
        A fitted model.

    Returns
    -------
    str
        64 hexadecimal characters.

    Examples
    --------
    >>> from riskassess.instruments import OGRS3
    >>> fp = model_fingerprint(OGRS3(horizon=2))
    >>> len(fp), fp == model_fingerprint(OGRS3(horizon=2))
    (64, True)
    >>> fp == model_fingerprint(OGRS3(horizon=1))
    False
    """
    return _digest(model_to_dict(model))


# ------------------------------------------------------------------------ text

def model_to_json(model: TransparentModel, *, signing_key: Any = None) -> str:
    """The model as fingerprinted canonical JSON text (what :func:`save_model` writes).

    Parameters
    ----------
    model : AdditiveRiskClassifier, ScorecardClassifier or OGRS3
        A fitted model (OGRS3 needs no fitting).
    signing_key : bytes, Ed25519PrivateKey or a list of them, optional
        Sign the fingerprint: bytes (at least 16) with HMAC-SHA256, an
        ``cryptography`` ``Ed25519PrivateKey`` with Ed25519.

    Returns
    -------
    str
        Canonical JSON (sorted keys, one-space indent, ASCII, final newline); the same
        model and keys always give the same text.

    Raises
    ------
    ModelFileError
        The model is of a class that cannot be stored, or holds a non-JSON value, or a
        signing key is unusable.

    Examples
    --------
    >>> from riskassess.instruments import OGRS3
    >>> text = model_to_json(OGRS3(horizon=1))
    >>> text.splitlines()[:2]
    ['{', ' "content": {']
    >>> model_from_json(text).horizon
    1
    """
    content = model_to_dict(model)
    try:
        fingerprint = _digest(content)
    except ValueError as exc:  # a NaN or infinity in the content
        raise ModelFileError(f"cannot store {type(model).__name__}: {exc}") from None
    doc: dict[str, Any] = {"format": FORMAT, "format_version": FORMAT_VERSION,
                           "fingerprint": fingerprint, "content": content}
    keys = as_list(signing_key)
    if len(keys) > MAX_SIGNATURES:
        raise ModelFileError(f"at most {MAX_SIGNATURES} signing keys, got {len(keys)}")
    if keys:
        doc["signatures"] = [sign(k, fingerprint) for k in keys]
    return _canonical(doc, compact=False)


def model_from_json(text: str, *, source: str = "model JSON", trusted_keys: Any = None,
                    expected_fingerprint: str | None = None,
                    max_bytes: int = MAX_MODEL_BYTES) -> TransparentModel:
    """Rebuild a model from :func:`model_to_json` text, verifying it character for character.

    Parameters
    ----------
    text : str
        Exactly the text :func:`model_to_json` returned.
    source : str, default "model JSON"
        How error messages name where the text came from (a file name, a table row).
    trusted_keys : bytes, Ed25519PublicKey or a list of them, optional
        Require a signature that verifies with one of these keys (HMAC keys as bytes).
    expected_fingerprint : str, optional
        Require this fingerprint (e.g. the one recorded when the model was approved).
    max_bytes : int, default MAX_MODEL_BYTES
        Longest text accepted.

    Returns
    -------
    AdditiveRiskClassifier, ScorecardClassifier or OGRS3
        Predicts bit-identically to the model that was serialised; its ``provenance_``
        (:class:`ModelProvenance`) says whether it was verified.

    Raises
    ------
    ModelFileError
        Too large or too deep, not JSON, not canonical (edited), fingerprint mismatch,
        unknown key, class or format, missing or wrong signature or fingerprint.

    Examples
    --------
    >>> from riskassess.instruments import OGRS3
    >>> text = model_to_json(OGRS3())
    >>> model_from_json(text).horizon
    2
    >>> model_from_json(text.replace("2.121705678", "2.121705679"))  # an edited value
    Traceback (most recent call last):
    ...
    riskassess.exceptions.ModelFileError: model JSON: fingerprint does not match ...
    >>> model_from_json(text.replace(": ", ":"))  # any other change of form
    Traceback (most recent call last):
    ...
    riskassess.exceptions.ModelFileError: model JSON was modified: ...
    >>> model_from_json(text, trusted_keys=[b"0123456789abcdef"])  # unsigned
    Traceback (most recent call last):
    ...
    riskassess.exceptions.ModelFileError: model JSON: no signature verifies ...
    """
    if not isinstance(text, str):
        raise ModelFileError(f"{source}: expected str, got {type(text).__name__}")
    if len(text) > max_bytes or not text.isascii():
        raise ModelFileError(f"{source} is larger than {max_bytes} bytes or not ASCII")
    prechecked(text.encode("ascii"), source, max_bytes)
    return _from_checked_text(text, source, trusted_keys, expected_fingerprint)


def _from_checked_text(text: str, source: str, trusted_keys: Any,
                       expected_fingerprint: str | None) -> TransparentModel:
    try:
        doc = json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError is a ValueError
        raise ModelFileError(f"{source} is not valid JSON: {exc}") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ModelFileError(f"{source} is not a riskassess model")
    if doc.get("format_version") != FORMAT_VERSION:
        raise ModelFileError(f"{source}: model format version {doc.get('format_version')!r}; "
                             f"this library reads version {FORMAT_VERSION}")
    unknown = sorted(set(doc) - _TOP_KEYS - {"signatures"})
    if unknown:
        raise ModelFileError(f"{source} holds unknown top-level keys {unknown}")
    try:
        canonical = _canonical(doc, compact=False)
    except ValueError as exc:  # e.g. a number edited into 1e999 (infinite)
        raise ModelFileError(f"{source} holds a non-finite number: {exc}") from None
    if canonical != text:
        raise ModelFileError(f"{source} was modified: it is not the canonical "
                             "serialisation written by model_to_json / save_model")
    content = doc.get("content")
    if not isinstance(content, dict) or set(content) != _CONTENT_KEYS:
        raise ModelFileError(f"{source}: 'content' must hold exactly {sorted(_CONTENT_KEYS)}")
    fingerprint = _digest(content)
    if fingerprint != doc.get("fingerprint"):
        raise ModelFileError(f"{source}: fingerprint does not match the content "
                             "(it was altered)")
    sigs = checked_signatures(doc, source)
    if expected_fingerprint is not None and expected_fingerprint != fingerprint:
        raise ModelFileError(f"{source}: fingerprint {fingerprint} is not the expected "
                             f"{expected_fingerprint}")
    keys = as_list(trusted_keys)
    signed_by = tuple(s["key_id"] for s in sigs if any(verifies(s, k, fingerprint)
                                                       for k in keys))
    if keys and not signed_by:
        raise ModelFileError(f"{source}: no signature verifies with the {len(keys)} trusted "
                             f"key(s) ({len(sigs)} signature(s) in the file)")
    try:
        model = _build(content, source)
    except ModelFileError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ModelFileError(f"{source} has inconsistent content: {exc!r}") from None
    verified = bool(signed_by) or expected_fingerprint is not None
    model.provenance_ = ModelProvenance(source, fingerprint, verified, signed_by)
    return model


def save_model(model: TransparentModel, path: str | os.PathLike[str], *,
               signing_key: Any = None) -> None:
    """Write ``model`` to ``path`` as fingerprinted (optionally signed) canonical JSON.

    The file holds exactly :func:`model_to_json` ``(model, signing_key=...)``, written to
    a temporary file in the same folder and moved into place with :func:`os.replace`.

    Parameters
    ----------
    model : AdditiveRiskClassifier, ScorecardClassifier or OGRS3
        A fitted model (OGRS3 needs no fitting).
    path : str or path-like
        Destination; replaced atomically if it exists.
    signing_key : bytes, Ed25519PrivateKey or a list of them, optional
        See :func:`model_to_json`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    >>> from riskassess.instruments import OGRS3
    >>> private = Ed25519PrivateKey.generate()
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = pathlib.Path(folder) / "ogrs3.json"
    ...     save_model(OGRS3(horizon=1), path, signing_key=private)
    ...     model = load_model(path, trusted_keys=[private.public_key()])
    >>> model.provenance_.verified
    True
    """
    atomic_write_bytes(path, model_to_json(model, signing_key=signing_key).encode("ascii"))


def _reject_constant(name: str) -> None:
    raise ModelFileError(f"model JSON holds the non-JSON constant {name}")


def load_model(path: str | os.PathLike[str], *, trusted_keys: Any = None,
               expected_fingerprint: str | None = None,
               max_bytes: int = MAX_MODEL_BYTES) -> TransparentModel:
    """Read a model written by :func:`save_model`, verifying it byte for byte.

    Parameters
    ----------
    path : str or path-like
        A file written by :func:`save_model`.
    trusted_keys : bytes, Ed25519PublicKey or a list of them, optional
        Require a signature that verifies with one of these keys.
    expected_fingerprint : str, optional
        Require this fingerprint.
    max_bytes : int, default MAX_MODEL_BYTES
        Larger files are refused without being read.

    Returns
    -------
    AdditiveRiskClassifier, ScorecardClassifier or OGRS3
        With ``provenance_`` (:class:`ModelProvenance`): ``verified`` is False unless
        ``trusted_keys`` or ``expected_fingerprint`` were given and matched.

    Raises
    ------
    ModelFileError
        Not a regular file, too large, unreadable, too deep, not canonical (edited),
        fingerprint mismatch, unknown key, class or format, signature missing or wrong.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from riskassess.instruments import OGRS3
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = pathlib.Path(folder) / "ogrs3.json"
    ...     save_model(OGRS3(horizon=1), path)
    ...     load_model(path).horizon
    1
    >>> load_model("/dev/zero")
    Traceback (most recent call last):
    ...
    riskassess.exceptions.ModelFileError: model file '/dev/zero' is not a regular file
    """
    source = f"model file {os.fspath(path)!r}"
    text = prechecked(read_limited(path, max_bytes), source, max_bytes)
    return _from_checked_text(text, source, trusted_keys, expected_fingerprint)


def _build(content: dict[str, Any], source: str) -> TransparentModel:
    name = content["class"]
    cls = _registered(name) if isinstance(name, str) else None
    if cls is None:
        raise ModelFileError(f"unknown model class {name!r}; expected one of {sorted(_CLASSES)}")
    params = {k: _param_from_json(k, v) for k, v in content["params"].items()}
    model = cls(**params)
    model._restore_fitted_state(AdditiveForm.from_dict(content["form"]), content["fitted"])
    # Nothing in the file may be ignored: the model must serialise back to what was read.
    again = model_to_dict(model)
    for key in ("class", "params", "form", "fitted"):
        if again[key] != content[key]:
            raise ModelFileError(f"{source}: '{key}' holds values the model does not use "
                                 "or would store differently")
    return model
