"""``assess(model, case)``: one case in, an :class:`~riskassess.decision.Assessment` out.

Two routes give the same numbers (a test holds them equal on random cases):

* the **general route** for any fitted classifier: :func:`riskassess.features.build_features`,
  the model's own ``predict_proba`` / ``predict_band``, :func:`riskassess.explain.explain`
  and :func:`riskassess.explain.reasons`;
* the **fast route** (well under a millisecond) for riskassess transparent models that
  predict through their lookup-table form without overriding it: the form, the bands, the
  exact SHAP tables and the fingerprint are compiled once per model (and background) and a
  case costs a few dictionary look-ups. Anything unusual in a case (a missing value the
  model was not trained with, an unseen category, a non-finite number) is handed to the
  general route, so errors are always the model's own.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import math
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import expit

from riskassess.decisions._records import (
    Assessment,
    AssessmentWarning,
    ExplanationRecord,
    FeatureContribution,
    HorizonProbability,
    ModelInfo,
    ReasonRecord,
)
from riskassess.exceptions import FeatureError
from riskassess.features import FEATURES, case_feature_row

__all__ = ["assess", "input_sha256", "model_info"]

def input_sha256(case: Any) -> str:
    """SHA-256 of the canonical JSON (sorted keys, no spaces) of a validated case."""
    data = case.model_dump(mode="json")
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    to_dict = getattr(value, "to_dict", None)
    return _jsonable(to_dict()) if callable(to_dict) else repr(value)


def _fingerprint(model: Any) -> str:
    """riskassess models: :func:`riskassess.models.model_fingerprint`. Other estimators
    (best effort): SHA-256 of class, parameters and fitted ``*_`` attributes."""
    from riskassess.models._base import TransparentModel

    if isinstance(model, TransparentModel):
        from riskassess.models import model_fingerprint

        return str(model_fingerprint(model))
    params = model.get_params(deep=False) if hasattr(model, "get_params") else {}
    fitted = {k: _jsonable(v) for k, v in sorted(vars(model).items())
              if k.endswith("_") and not k.startswith("_")}
    payload = {"class": f"{type(model).__module__}.{type(model).__qualname__}",
               "params": _jsonable(params), "fitted": fitted}
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), allow_nan=True)
    return hashlib.sha256(text.encode()).hexdigest()


def model_info(model: Any) -> ModelInfo:
    """Name, version and fingerprint of a model (the fingerprint hashes its content)."""
    import riskassess

    version = getattr(model, "version_", None) or getattr(model, "version", None)
    return ModelInfo(name=type(model).__name__,
                     version=str(version or f"riskassess {riskassess.__version__}"),
                     fingerprint=_fingerprint(model))


# ------------------------------------------------------------------------ compiled model


@dataclass(frozen=True)
class _Axis:
    feature: str
    numeric: bool
    thresholds: tuple[float, ...]
    left: bool  # closed="left"
    lookup: dict[str, int]
    n_bins: int


@dataclass(frozen=True)
class _Form:
    intercept: float
    # (kind, payload): ("table", (axes indices, nested table)) or ("linear", (feature, coef))
    terms: tuple[tuple[str, Any], ...]


@dataclass(frozen=True)
class _Compiled:
    features: tuple[str, ...]
    axes: tuple[_Axis, ...]
    form: _Form
    band_form: _Form | None  # OGRS3: bands from the 2-year form
    horizons: tuple[tuple[int, _Form], ...]
    cut_points: tuple[float, ...]
    labels: tuple[str, ...]
    base_value: float
    shap_tables: tuple[tuple[int, tuple[int, ...], Any], ...]  # column, axes, centred table
    shap_linears: tuple[tuple[int, str, float, float], ...]  # column, feature, coef, mean
    missing_ok: dict[str, bool]
    ranges: dict[str, tuple[float, float]]
    checks_ogrs3: bool
    info: ModelInfo
    output_name: str


def _fast_capable(model: Any) -> bool:
    from riskassess.instruments._ogrs3 import OGRS3
    from riskassess.models._base import TransparentModel
    from riskassess.models._terms import AdditiveForm

    if not isinstance(model, TransparentModel):
        return False
    if not isinstance(getattr(model, "form_", None), AdditiveForm):
        return False
    cls = type(model)
    same = all(getattr(cls, m) is getattr(TransparentModel, m)
               for m in ("predict_proba", "decision_function"))
    band_same = cls.predict_band is TransparentModel.predict_band or cls is OGRS3
    return same and band_same and (cls is OGRS3 or "_checked" not in cls.__dict__)


def _compile_form(form: Any, axis_index: dict[Any, int], axes: list[_Axis]) -> _Form:
    from riskassess.models._terms import LinearTerm, NumericAxis

    terms: list[tuple[str, Any]] = []
    for t in form.terms:
        if isinstance(t, LinearTerm):
            terms.append(("linear", (t.feature, float(t.coef))))
            continue
        ids = []
        for a in t.axes:
            if a not in axis_index:
                axis_index[a] = len(axes)
                numeric = isinstance(a, NumericAxis)
                axes.append(_Axis(a.feature, numeric,
                                  tuple(a.thresholds) if numeric else (),
                                  numeric and a.closed == "left",
                                  {} if numeric else {c: i for i, c in enumerate(a.categories)},
                                  a.n_bins))
            ids.append(axis_index[a])
        terms.append(("table", (tuple(ids), t.table.tolist())))
    return _Form(float(form.intercept), tuple(terms))


def _shap_plan(form: Any, names: list[str], background: pd.DataFrame | None,
               axis_index: dict[Any, int]) -> tuple[float, list[Any], list[Any]]:
    from riskassess.explain import BackgroundError
    from riskassess.models._terms import LinearTerm, column_as_float

    pos = {f: i for i, f in enumerate(names)}
    base = float(form.intercept)
    tables: list[Any] = []
    linears: list[Any] = []
    for t in form.terms:
        if isinstance(t, LinearTerm):
            if background is not None:
                mean = float(column_as_float(background, t.feature).mean())
            elif t.mean is not None:
                mean = float(t.mean)
            else:
                raise BackgroundError(f"term {t.name!r} stores no training mean; pass "
                                      "background=<representative cases' features>")
            base += t.coef * mean
            linears.append((pos[t.feature], t.feature, float(t.coef), mean))
            continue
        if background is not None:
            codes = tuple(a.codes(background) for a in t.axes)
            flat = np.ravel_multi_index(codes, t.table.shape)
            w = np.bincount(flat, minlength=t.table.size).astype(float).reshape(t.table.shape)
        elif t.counts is not None:
            w = np.asarray(t.counts, dtype=float)
        else:
            raise BackgroundError(f"term {t.name!r} stores no background counts; pass "
                                  "background=<representative cases' features>")
        if not w.sum() > 0:
            raise BackgroundError(f"term {t.name!r}: the background is empty")
        p = w / w.sum()
        tab = t.table
        mu = float((p * tab).sum())
        base += mu
        ids = tuple(axis_index[a] for a in t.axes)
        if len(t.axes) == 1:
            tables.append((pos[t.features[0]], ids, (tab - mu).tolist()))
            continue
        g_a = tab @ p.sum(axis=0)
        g_b = p.sum(axis=1) @ tab
        phi_a = 0.5 * ((g_a[:, None] - mu) + (tab - g_b[None, :]))
        phi_b = 0.5 * ((g_b[None, :] - mu) + (tab - g_a[:, None]))
        tables.append((pos[t.features[0]], ids, phi_a.tolist()))
        tables.append((pos[t.features[1]], ids, phi_b.tolist()))
    return base, tables, linears


_CACHE: weakref.WeakKeyDictionary[Any, tuple[Any, _Compiled]] = weakref.WeakKeyDictionary()


def _token(model: Any, background: pd.DataFrame | None) -> tuple[Any, ...]:
    # the stored form and the background are held (not just their ids), so a refitted
    # model can never be mistaken for the one compiled before
    stored = model.__dict__.get("form_")
    params = tuple(sorted((k, repr(v)) for k, v in model.get_params(deep=False).items()))
    return (stored, params, background)


def _same(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
    return a[0] is b[0] and a[2] is b[2] and a[1] == b[1]


def _compiled(model: Any, background: pd.DataFrame | None) -> _Compiled:
    """The compiled model, cached per model object until it is refitted or reconfigured."""
    token = _token(model, background)
    hit = _CACHE.get(model)
    if hit is not None and _same(hit[0], token):
        return hit[1]
    compiled = _compile(model, background)
    _CACHE[model] = (token, compiled)
    return compiled


def _compile(model: Any, background: pd.DataFrame | None) -> _Compiled:
    from riskassess.explain._exact import horizon_label
    from riskassess.instruments._ogrs3 import OGRS3, ogrs3_form

    form = model.form_
    names = [str(f) for f in model.feature_names_in_]
    axis_index: dict[Any, int] = {}
    axes: list[_Axis] = []
    main = _compile_form(form, axis_index, axes)
    is_ogrs3 = isinstance(model, OGRS3)
    band_form = _compile_form(ogrs3_form(2), axis_index, axes) if is_ogrs3 else None
    horizons: tuple[tuple[int, _Form], ...] = ()
    if is_ogrs3:
        horizons = tuple((h, _compile_form(ogrs3_form(h), axis_index, axes)) for h in (1, 2))
    base, tables, linears = _shap_plan(form, names, background, axis_index)
    bands = model._bands()
    ranges_raw = getattr(model, "training_ranges_", {}) or {}
    ranges = {k: (float(r["min"]), float(r["max"])) for k, r in ranges_raw.items()
              if r.get("kind") == "numeric" and r.get("min") is not None}
    missing_ok = dict(getattr(model, "missing_allowed_", {}) or {})
    return _Compiled(tuple(names), tuple(axes), main, band_form, horizons,
                     tuple(bands.cut_points), tuple(bands.labels), base, tuple(tables),
                     tuple(linears), missing_ok, ranges, is_ogrs3, model_info(model),
                     horizon_label(model))


class _Fallback(Exception):
    """The fast route cannot take this case; use the general route."""


def _missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def _codes(c: _Compiled, row: Mapping[str, Any]) -> list[int]:
    out = []
    for ax in c.axes:
        v = row[ax.feature]
        if _missing(v):
            if not c.missing_ok.get(ax.feature, False) or c.checks_ogrs3:
                raise _Fallback
            out.append(ax.n_bins - 1)
        elif ax.numeric:
            f = float(v)
            if not math.isfinite(f):
                raise _Fallback
            find = bisect.bisect_right if ax.left else bisect.bisect_left
            out.append(find(ax.thresholds, f))
        else:
            code = ax.lookup.get(v) if isinstance(v, str) else None
            if code is None:
                raise _Fallback
            out.append(code)
    return out


def _z(form: _Form, codes: list[int], row: Mapping[str, Any]) -> float:
    z = form.intercept
    for kind, payload in form.terms:
        if kind == "table":
            ids, table = payload
            cell = table[codes[ids[0]]]
            z += cell[codes[ids[1]]] if len(ids) == 2 else cell
        else:
            feature, coef = payload
            v = row[feature]
            if _missing(v) or not math.isfinite(float(v)):
                raise _Fallback
            z += coef * float(v)
    return z


def _fast(c: _Compiled, row: Mapping[str, Any], top: int | None
          ) -> tuple[float, str, list[tuple[int, float]], ExplanationRecord, list[Any]]:
    from riskassess.explain import reasons

    if c.checks_ogrs3 and (float(row["age_at_follow_up"]) < 10
                           or not math.isfinite(float(row["copas_rate"]))):
        raise _Fallback
    codes = _codes(c, row)
    p = float(expit(_z(c.form, codes, row)))
    p_band = p if c.band_form is None else float(expit(_z(c.band_form, codes, row)))
    band = c.labels[bisect.bisect_right(c.cut_points, p_band)]
    per_h = [(h, float(expit(_z(f, codes, row)))) for h, f in c.horizons]
    values = [0.0] * len(c.features)
    for col, ids, table in c.shap_tables:
        cell = table[codes[ids[0]]]
        values[col] += cell[codes[ids[1]]] if len(ids) == 2 else cell
    for col, feature, coef, mean in c.shap_linears:
        values[col] += coef * (float(row[feature]) - mean)
    data = [row[f] for f in c.features]
    expl = ExplanationRecord(base_value=c.base_value, link="logit", contributions=tuple(
        FeatureContribution(feature=f, value=_plain(d), contribution=v)
        for f, d, v in zip(c.features, data, values, strict=True)))
    shim = SimpleNamespace(values=np.asarray(values), base_values=np.asarray([c.base_value]),
                           data=np.asarray(data, dtype=object), feature_names=list(c.features),
                           output_names=c.output_name)
    return p, band, per_h, expl, reasons(shim, top=top)


def _plain(v: Any) -> float | str | None:
    if _missing(v):
        return None
    if isinstance(v, str):
        return v
    if isinstance(v, bool | np.bool_):
        return float(v)
    return float(v)


def _general(model: Any, X: pd.DataFrame, background: pd.DataFrame | None, top: int | None
             ) -> tuple[float, str, list[tuple[int, float]], ExplanationRecord, list[Any]]:
    from sklearn.base import clone

    from riskassess.explain import explain, reasons
    from riskassess.instruments._ogrs3 import OGRS3

    if not (hasattr(model, "predict_proba") and hasattr(model, "predict_band")):
        raise TypeError(f"assess needs a fitted model with predict_proba and predict_band "
                        f"(a riskassess model); got {type(model).__name__}")
    p = float(model.predict_proba(X)[0, 1])
    band = str(model.predict_band(X)[0])
    per_h: list[tuple[int, float]] = []
    if isinstance(model, OGRS3):
        per_h = [(h, float(clone(model).set_params(horizon=h).predict_proba(X)[0, 1]))
                 for h in (1, 2)]
    e = explain(model, X, background=background)
    names = [str(f) for f in e.feature_names]
    vals = np.asarray(e.values, dtype=float)[0]
    data = list(np.asarray(e.data, dtype=object)[0])
    expl = ExplanationRecord(
        base_value=float(np.asarray(e.base_values).reshape(-1)[0]), link="logit",
        contributions=tuple(FeatureContribution(feature=f, value=_plain(d), contribution=float(v))
                            for f, d, v in zip(names, data, vals, strict=True)))
    return p, band, per_h, expl, reasons(e[0], top=top)


def _warnings(model: Any, row: Mapping[str, Any], features: list[str]
              ) -> tuple[AssessmentWarning, ...]:
    out: list[AssessmentWarning] = []
    ranges = getattr(model, "training_ranges_", {}) or {}
    for f in features:
        v = row.get(f)
        spec = FEATURES.get(f)
        if _missing(v):
            if spec is None or "missing when" not in spec.meaning:
                out.append(AssessmentWarning(code="missing", feature=f, message=(
                    f"{f} is not recorded for this case; the model used its estimate for a "
                    "missing value")))
            continue
        r = ranges.get(f)
        if (r and r.get("kind") == "numeric" and r.get("min") is not None
                and isinstance(v, int | float)):
            lo, hi, x = float(r["min"]), float(r["max"]), float(v)
            if x < lo or x > hi:
                out.append(AssessmentWarning(code="out_of_range", feature=f, message=(
                    f"{f} = {x:g} is outside the training range [{lo:g}, {hi:g}]; the model "
                    "extrapolates")))
    return tuple(out)


def _other_horizons(case: Any, per_h: list[tuple[int, float]], model: Any,
                    horizon_models: Mapping[int, Any]) -> list[tuple[int, float]]:
    from riskassess.features import build_features

    out = dict(per_h)
    own = getattr(model, "horizon", None)
    X = build_features([case])
    for years, other in sorted(horizon_models.items()):
        if years in out or years == own:
            raise ValueError(f"case {case.case_id!r}: a {years}-year probability is given "
                             "twice (by the model and by horizon_models)")
        cols = [str(f) for f in getattr(other, "feature_names_in_", X.columns)]
        out[int(years)] = float(other.predict_proba(X[cols])[0, 1])
    return sorted(out.items())


def assess(model: Any, case: Any, *, background: pd.DataFrame | None = None, top: int = 3,
           assessed_at: datetime | None = None, fast: bool = True,
           horizon_models: Mapping[int, Any] | None = None) -> Assessment:
    """Assess one case: probability, band, exact explanation, reasons and provenance.

    Parameters
    ----------
    model : fitted classifier
        A riskassess model (``AdditiveRiskClassifier``, ``ScorecardClassifier``,
        ``OGRS3``) or any scikit-learn classifier with ``predict_band``.
    case : Case or dict
        The case; a dict is validated into :class:`riskassess.cases.Case` (a bad record
        raises a ``ValidationError`` naming the case id and field).
    background : pandas.DataFrame, optional
        Features of the reference population for the explanation ("the average case");
        needed when the model stores none (OGRS3).
    top : int, default 3
        Number of reasons.
    assessed_at : datetime, optional
        Timezone-aware creation time (default now, UTC).
    fast : bool, default True
        Use the compiled route when the model allows it (same numbers).
    horizon_models : mapping of int to fitted model, optional
        Models for other horizons (years): their probabilities are added to
        ``probabilities`` (OGRS3 gives its 1- and 2-year probabilities by itself).

    Returns
    -------
    Assessment
        A recommendation; the officer decides with :meth:`Assessment.decide`.

    Examples
    --------
    >>> from riskassess.datasets import make_cohort
    >>> from riskassess.instruments._ogrs3 import OGRS3
    >>> background = make_cohort(300, seed=0).features()
    >>> case = {"case_id": "C-42",
    ...         "person": {"person_id": "P-42", "date_of_birth": "1990-05-01", "sex": "male"},
    ...         "assessment_date": "2024-03-01",
    ...         "index_offence": {"date": "2024-02-01", "offence": "theft_non_motor",
    ...                           "disposal": "community", "violent": False},
    ...         "sanctions": [{"date": "2019-06-01", "kind": "conviction", "disposal": "fine",
    ...                        "offence": "theft_non_motor", "violent": False}]}
    >>> a = assess(OGRS3(), case, background=background)
    >>> a.band, round(a.probability, 3), [h.years for h in a.probabilities]
    ('low', 0.4, [1, 2])
    >>> print(a.reasons[0].text)  # doctest: +ELLIPSIS
    Rate of offending over the career (Copas rate): -2.00. Lowers the 2-year risk by ...
    """
    from riskassess.cases import Case

    valid = case if type(case) is Case else Case.model_validate(case)
    row = case_feature_row(valid)
    result = None
    c = None
    if fast and _fast_capable(model):
        c = _compiled(model, background)
        try:
            result = _fast(c, row, top)
        except _Fallback:
            result = None
    if result is None:
        from riskassess.features import build_features

        X = build_features([valid])
        cols = getattr(model, "feature_names_in_", None)
        if cols is not None:
            missing = [str(f) for f in cols if f not in X.columns]
            if missing:
                raise FeatureError(f"case {valid.case_id!r}: the model reads columns "
                                   f"{missing} that case features do not have")
            X = X[[str(f) for f in cols]]
        result = _general(model, X, background, top)
        info = model_info(model) if c is None else c.info
    else:
        info = c.info if c is not None else model_info(model)
    p, band, per_h, expl, rs = result
    horizon = getattr(model, "horizon", None)
    if not isinstance(horizon, int) or isinstance(horizon, bool):
        horizon = None
    if horizon is not None and horizon not in dict(per_h):  # the model's own horizon
        per_h = sorted([*per_h, (horizon, p)])
    if horizon_models:
        per_h = _other_horizons(valid, per_h, model, horizon_models)
    names = [str(f) for f in getattr(model, "feature_names_in_", list(row))]
    created = assessed_at or datetime.now(UTC)
    return Assessment(
        case_id=valid.case_id, assessment_date=valid.assessment_date, probability=p,
        horizon_years=horizon,
        probabilities=tuple(HorizonProbability(years=h, probability=q) for h, q in per_h),
        band=band, explanation=expl,
        reasons=tuple(ReasonRecord(text=r.text, feature=r.feature, value=_plain(r.value),
                                   contribution=r.contribution, change=r.change) for r in rs),
        model=info, input_sha256=input_sha256(valid), warnings=_warnings(model, row, names),
        created_at=created)
