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

import hashlib
import json
import math
import weakref
from collections.abc import Mapping
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd

from riskassess._version import __version__
from riskassess.cases import Case, ensure_valid
from riskassess.decisions._records import (
    Assessment,
    AssessmentWarning,
    ExplanationRecord,
    FeatureContribution,
    HorizonProbability,
    ModelInfo,
    ReasonRecord,
)
from riskassess.exceptions import ExplanationError, FeatureError, UnsupportedModelError
from riskassess.explain import explain, horizon_label, reasons
from riskassess.features import FEATURES, build_features, case_feature_row
from riskassess.models import (
    Plan,
    TransparentModel,
    input_names,
    inverse_link,
    model_fingerprint,
    plan_of,
)

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
    if isinstance(model, TransparentModel):
        return str(model_fingerprint(model))
    params = model.get_params(deep=False) if hasattr(model, "get_params") else {}
    fitted = {k: _jsonable(v) for k, v in sorted(vars(model).items())
              if k.endswith("_") and not k.startswith("_")}
    payload = {"class": f"{type(model).__module__}.{type(model).__qualname__}",
               "params": _jsonable(params), "fitted": fitted}
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), allow_nan=True)
    return hashlib.sha256(text.encode()).hexdigest()


def model_info(model: Any) -> ModelInfo:
    """Name, version, fingerprint and bands of a model (the fingerprint hashes its content;
    the bands let a decision re-check the assessment's band against its probability)."""
    version = getattr(model, "version_", None) or getattr(model, "version", None)
    bands: dict[str, Any] = {}
    if isinstance(model, TransparentModel):
        b = model._bands()
        band_form = model.band_form()
        years = [h for h, f in model.horizon_forms().items() if f is band_form]
        bands = {"cut_points": b.cut_points, "band_labels": b.labels,
                 "band_horizon_years": years[0] if years else None}
    return ModelInfo(name=type(model).__name__,
                     version=str(version or f"riskassess {__version__}"),
                     fingerprint=_fingerprint(model), **bands)


# ------------------------------------------------------------------------ routes

# A model's name, version and fingerprint are computed once per compiled plan: the
# fingerprint hashes the whole model, far more than one case costs.
_INFO: weakref.WeakKeyDictionary[Any, tuple[Plan, ModelInfo]] = weakref.WeakKeyDictionary()


def _cached_info(model: TransparentModel, plan: Plan) -> ModelInfo:
    hit = _INFO.get(model)
    if hit is not None and hit[0] is plan:
        return hit[1]
    info = model_info(model)
    _INFO[model] = (plan, info)
    return info


_Result = tuple[float, str, list[tuple[int, float]], ExplanationRecord, list[Any]]


def _scalar_route(model: TransparentModel, plan: Plan, features: Mapping[str, Any],
                  background: pd.DataFrame | None, top: int | None) -> _Result | None:
    """One case (its feature row) through the plan's scalar route, or ``None`` to take the
    frame route."""
    if not plan.scalar or type(model).case_frame is not TransparentModel.case_frame:
        return None
    try:
        cells = [features[c] for c in plan.columns]
    except KeyError:
        return None  # the frame route names the missing columns
    read = plan.read_row(cells)
    if read is None:
        return None
    row, codes = read
    z = plan.row_score(plan.main, codes, row)
    z_band = z if plan.band is plan.main else plan.row_score(plan.band, codes, row)
    per_h = [(h, plan.row_score(f, codes, row)) for h, f in plan.horizons.items()]
    if z is None or z_band is None or any(q is None for _, q in per_h):
        return None
    tables = plan.shap(background, model._background_preparer())
    values = tables.row_values(codes, row)
    data = [None if v is _MISSING_CELL else v for v in (_cell(x) for x in cells)]
    inv = inverse_link(model.link)
    return _result(model, plan, float(inv(z)), float(inv(z_band)),
                   [(h, float(inv(q))) for h, q in per_h if q is not None],
                   tables.base_value, values, data, top, features)


def _frame_route(model: TransparentModel, plan: Plan, case: Case, features: Mapping[str, Any],
                 background: pd.DataFrame | None, top: int | None) -> _Result:
    X = model.case_frame([case])
    names = input_names(model)
    if names is not None:
        missing = [f for f in names if f not in X.columns]
        if missing:
            raise FeatureError(f"case {case.case_id!r}: the model reads columns {missing} "
                               "that this case's features do not have")
        X = X[names]
    # the model's own probability (its checks and warnings); the form frame is read once
    # more for the bands, the other horizons and the explanation
    p = float(model.predict_proba(X)[0, 1])
    frame = model._form_frame(X)
    codes = plan.frame_codes(frame)
    columns = plan.linear_columns(frame)  # read once for every form below
    z = float(plan.scores(plan.main, codes, frame, columns)[0])
    z_band = z if plan.band is plan.main else float(
        plan.scores(plan.band, codes, frame, columns)[0])
    inv = inverse_link(model.link)
    per_h = [(h, float(inv(plan.scores(f, codes, frame, columns)[0])))
             for h, f in plan.horizons.items()]
    tables = plan.shap(background, model._background_preparer())
    values = tables.values(codes, columns)[0].tolist()
    # the exact explanation adds up to the plan's score; the plan's score must be the
    # model's own probability (a model whose scoring drifted from its tables is refused)
    total = tables.base_value + math.fsum(values)
    if not (abs(total - z) <= 1e-9 and abs(float(inv(z)) - p) <= 1e-9):
        raise ExplanationError(
            f"case {case.case_id!r}: the explanation does not add up: base value + "
            f"contributions = {total:.12g}, plan score {z:.12g}, model probability {p:.12g}")
    data = [_cell(v) for v in frame[list(plan.outputs)].iloc[0].tolist()]
    data = [None if v is _MISSING_CELL else v for v in data]
    context = {**features, **{str(k): v for k, v in X.iloc[0].to_dict().items()}}
    return _result(model, plan, p, float(inv(z_band)), per_h, tables.base_value, values, data,
                   top, context)


def _result(model: TransparentModel, plan: Plan, p: float, p_band: float,
            per_h: list[tuple[int, float]], base: float, values: list[float],
            data: list[Any], top: int | None, context: Mapping[str, Any]) -> _Result:
    band = plan.bands.label_of(p_band)
    expl = ExplanationRecord(base_value=base, link=model.link, contributions=tuple(
        FeatureContribution(feature=f, value=_plain(d), contribution=v)
        for f, d, v in zip(plan.outputs, data, values, strict=True)))
    shim = SimpleNamespace(values=np.asarray(values), base_values=np.asarray([base]),
                           data=np.asarray(data, dtype=object), feature_names=list(plan.outputs),
                           output_names=horizon_label(model))
    return p, band, sorted(per_h), expl, reasons(shim, top=top, case_features=context,
                                                 link=model.link)


_MISSING_CELL = object()


def _missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def _cell(v: Any) -> Any:
    if isinstance(v, np.generic):
        v = v.item()
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return _MISSING_CELL
    return v


def _plain(v: Any) -> float | str | None:
    if _missing(v):
        return None
    if isinstance(v, str):
        return v
    if isinstance(v, bool | np.bool_):
        return float(v)
    return float(v)


def _general(model: Any, X: pd.DataFrame, background: pd.DataFrame | None, top: int | None
             ) -> _Result:
    """Any other fitted classifier: its own ``predict_proba`` / ``predict_band`` and shap."""
    if not (hasattr(model, "predict_proba") and hasattr(model, "predict_band")):
        raise UnsupportedModelError(f"assess needs a fitted model with predict_proba and "
                                    "predict_band "
                           f"(a riskassess model); got {type(model).__name__}")
    p = float(model.predict_proba(X)[0, 1])
    band = str(model.predict_band(X)[0])
    e = explain(model, X, background=background)
    names = [str(f) for f in e.feature_names]
    vals = np.asarray(e.values, dtype=float)[0]
    data = list(np.asarray(e.data, dtype=object)[0])
    expl = ExplanationRecord(
        base_value=float(np.asarray(e.base_values).reshape(-1)[0]), link="logit",
        contributions=tuple(FeatureContribution(feature=f, value=_plain(d), contribution=float(v))
                            for f, d, v in zip(names, data, vals, strict=True)))
    context = {str(k): v for k, v in X.iloc[0].to_dict().items()}
    return p, band, [], expl, reasons(e[0], top=top, case_features=context)


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
                shown = _shown(spec, x)
                out.append(AssessmentWarning(code="out_of_range", feature=f, message=(
                    f"{f} = {shown} is outside the training range [{_shown(spec, lo)}, "
                    f"{_shown(spec, hi)}]; the model extrapolates")))
    return tuple(out)


def _shown(spec: Any, x: float) -> str:
    """A value as a stored message shows it: whole years for ages and durations (an exact
    age would give away the date of birth)."""
    if spec is not None and spec.unit == "years":
        return f"{math.floor(x)} years"
    return f"{x:g}"


def _other_horizons(case: Any, per_h: list[tuple[int, float]], model: Any,
                    horizon_models: Mapping[int, Any]) -> list[tuple[int, float]]:
    from riskassess.features import build_features

    out = dict(per_h)
    own = getattr(model, "horizon", None)
    X = build_features([case])
    for years, other in sorted(horizon_models.items()):
        if years in out or years == own:
            raise FeatureError(f"case {case.case_id!r}: a {years}-year probability is given "
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
    >>> from riskassess.instruments import OGRS3
    >>> background = make_cohort(300, seed=0).features()
    >>> case = {"case_id": "C-42",
    ...         "person": {"person_id": "P-42", "date_of_birth": "1990-05-01", "sex": "male"},
    ...         "assessment_date": "2024-03-01",
    ...         "index_offence": {"date": "2024-02-01", "offence": "theft_non_motor",
    ...                           "disposal": "community", "violent": False},
    ...         "sanctions": [{"date": "2019-06-01", "kind": "conviction", "disposal": "fine",
    ...                        "offence": "theft_non_motor", "violent": False}]}
    >>> a = assess(OGRS3().fit(background), case)
    >>> a.band, round(a.probability, 3), [h.years for h in a.probabilities]
    ('low', 0.4, [1, 2])
    >>> print(a.reasons[0].text.split(": ", 1)[1].split(". ")[0])  # said aloud
    1 previous sanction in the 4 years from the first to the current offence
    """
    valid = ensure_valid(case) if isinstance(case, Case) else Case.model_validate(case)
    row = case_feature_row(valid)
    if isinstance(model, TransparentModel):
        plan = plan_of(model)
        result = _scalar_route(model, plan, row, background, top) if fast else None
        if result is None:
            result = _frame_route(model, plan, valid, row, background, top)
        info = _cached_info(model, plan)
    else:
        X = build_features([valid])
        cols = getattr(model, "feature_names_in_", None)
        if cols is not None:
            missing = [str(f) for f in cols if f not in X.columns]
            if missing:
                raise FeatureError(f"case {valid.case_id!r}: the model reads columns "
                                   f"{missing} that case features do not have")
            X = X[[str(f) for f in cols]]
        result = _general(model, X, background, top)
        info = model_info(model)
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
