"""Save and load models as JSON: no pickle, nothing executed on load, fingerprinted.

A model file is canonical JSON (sorted keys, one-space indent, ASCII)::

    {"content": {...}, "fingerprint": "<sha256 of the canonical compact content>",
     "format": "riskassess-model", "format_version": 1}

``content`` holds the class name (one of a fixed list: no import by name), the
parameters, ``form_`` (the lookup tables), the documentation of each input feature,
training metadata (rows, base rate, date, ranges) and the library version. On load the
file must be byte-identical to the canonical serialisation of what it parses to, and
the fingerprint must match: any changed byte raises
:class:`~riskassess.exceptions.ModelFileError`. Files are written atomically
(a temporary file in the same folder, then :func:`os.replace`).

Examples
--------
>>> import tempfile, pathlib
>>> from riskassess.instruments import OGRS3
>>> with tempfile.TemporaryDirectory() as folder:
...     path = pathlib.Path(folder) / "ogrs3.json"
...     save_model(OGRS3(horizon=1), path)
...     loaded = load_model(path)
>>> loaded.horizon
1
>>> model_fingerprint(loaded) == model_fingerprint(OGRS3(horizon=1))
True
>>> model_from_json(model_to_json(loaded)).horizon  # the same, in memory
1
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
import json
import os
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.utils.validation import check_is_fitted

import riskassess
from riskassess._atomic import atomic_write_bytes
from riskassess.exceptions import ModelFileError
from riskassess.features import FEATURES
from riskassess.models._additive import AdditiveRiskClassifier
from riskassess.models._bands import RiskBands
from riskassess.models._base import TransparentModel
from riskassess.models._scorecard import ScorecardClassifier
from riskassess.models._terms import AdditiveForm

__all__ = ["load_model", "model_fingerprint", "model_from_json", "model_to_dict", "model_to_json",
           "register_model_class", "save_model"]

FORMAT = "riskassess-model"
FORMAT_VERSION = 1
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
    if name == "interactions":
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
        "library_version": riskassess.__version__,
    }


def _canonical(obj: Any, *, compact: bool) -> str:
    if compact:
        return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True,
                          allow_nan=False)
    return json.dumps(obj, sort_keys=True, indent=1, ensure_ascii=True, allow_nan=False) + "\n"


def _digest(content: dict[str, Any]) -> str:
    return hashlib.sha256(_canonical(content, compact=True).encode("ascii")).hexdigest()


def model_fingerprint(model: TransparentModel) -> str:
    """SHA-256 (hex) of the canonical JSON of the model's content.

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


def model_to_json(model: TransparentModel) -> str:
    """The model as fingerprinted canonical JSON text (what :func:`save_model` writes).

    Parameters
    ----------
    model : AdditiveRiskClassifier, ScorecardClassifier or OGRS3
        A fitted model (OGRS3 needs no fitting).

    Returns
    -------
    str
        Canonical JSON (sorted keys, one-space indent, ASCII, final newline); the same
        model always gives the same text.

    Raises
    ------
    ModelFileError
        The model is of a class that cannot be stored, or holds a non-JSON value.

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
    doc = {"format": FORMAT, "format_version": FORMAT_VERSION,
           "fingerprint": _digest(content), "content": content}
    try:
        return _canonical(doc, compact=False)
    except ValueError as exc:  # a NaN or infinity in the content
        raise ModelFileError(f"cannot store {type(model).__name__}: {exc}") from None


def model_from_json(text: str, *, source: str = "model JSON") -> TransparentModel:
    """Rebuild a model from :func:`model_to_json` text, verifying it character for character.

    Parameters
    ----------
    text : str
        Exactly the text :func:`model_to_json` returned.
    source : str, default "model JSON"
        How error messages name where the text came from (a file name, a table row).

    Returns
    -------
    AdditiveRiskClassifier, ScorecardClassifier or OGRS3
        Predicts bit-identically to the model that was serialised.

    Raises
    ------
    ModelFileError
        Not JSON, not canonical (edited), fingerprint mismatch, unknown class or format.

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
    """
    if not isinstance(text, str):
        raise ModelFileError(f"{source}: expected str, got {type(text).__name__}")
    try:
        doc = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise ModelFileError(f"{source} is not valid JSON: {exc}") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ModelFileError(f"{source} is not a riskassess model")
    if doc.get("format_version") != FORMAT_VERSION:
        raise ModelFileError(f"{source}: model format version {doc.get('format_version')!r}; "
                             f"this library reads version {FORMAT_VERSION}")
    try:
        canonical = _canonical(doc, compact=False)
    except ValueError as exc:  # e.g. a number edited into 1e999 (infinite)
        raise ModelFileError(f"{source} holds a non-finite number: {exc}") from None
    if canonical != text:
        raise ModelFileError(f"{source} was modified: it is not the canonical "
                             "serialisation written by model_to_json / save_model")
    content = doc.get("content")
    if not isinstance(content, dict) or _digest(content) != doc.get("fingerprint"):
        raise ModelFileError(f"{source}: fingerprint does not match the content "
                             "(it was altered)")
    try:
        return _build(content)
    except ModelFileError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ModelFileError(f"{source} has inconsistent content: {exc!r}") from None


def save_model(model: TransparentModel, path: str | os.PathLike[str]) -> None:
    """Write ``model`` to ``path`` as fingerprinted canonical JSON, atomically.

    The file holds exactly :func:`model_to_json` ``(model)``, written to a temporary
    file in the same folder and moved into place with :func:`os.replace`.

    Parameters
    ----------
    model : AdditiveRiskClassifier, ScorecardClassifier or OGRS3
        A fitted model (OGRS3 needs no fitting).
    path : str or path-like
        Destination; replaced atomically if it exists.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from riskassess.instruments import OGRS3
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = pathlib.Path(folder) / "ogrs3.json"
    ...     save_model(OGRS3(horizon=1), path)
    ...     path.read_text() == model_to_json(OGRS3(horizon=1))
    True
    """
    atomic_write_bytes(path, model_to_json(model).encode("ascii"))


def _reject_constant(name: str) -> None:
    raise ModelFileError(f"model JSON holds the non-JSON constant {name}")


def load_model(path: str | os.PathLike[str]) -> TransparentModel:
    """Read a model written by :func:`save_model`, verifying it byte for byte.

    Parameters
    ----------
    path : str or path-like
        A file written by :func:`save_model`.

    Returns
    -------
    AdditiveRiskClassifier, ScorecardClassifier or OGRS3

    Raises
    ------
    ModelFileError
        Unreadable, not canonical (edited), fingerprint mismatch, unknown class or format.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from riskassess.instruments import OGRS3
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = pathlib.Path(folder) / "ogrs3.json"
    ...     save_model(OGRS3(horizon=1), path)
    ...     load_model(path).horizon
    1
    """
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise ModelFileError(f"cannot read model file {str(path)!r}: {exc}") from None
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError as exc:
        raise ModelFileError(f"model file {str(path)!r} is not valid JSON: {exc}") from None
    return model_from_json(text, source=f"model file {str(path)!r}")


def _build(content: dict[str, Any]) -> TransparentModel:
    name = content["class"]
    cls = _registered(name)
    if cls is None:
        raise ModelFileError(f"unknown model class {name!r}; expected one of {sorted(_CLASSES)}")
    params = {k: _param_from_json(k, v) for k, v in content["params"].items()}
    model = cls(**params)
    model._restore_fitted_state(AdditiveForm.from_dict(content["form"]), content["fitted"])
    return model
