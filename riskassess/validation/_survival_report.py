"""Validation with time-to-event outcomes: the censored part of the report.

:func:`~riskassess.validation.validate` hands over here when ``y`` has ``event`` and
``time``. Every case counts, censored or not:

* at each horizon: the time-dependent AUC and the IPCW Brier score with Poisson-bootstrap
  intervals, and calibration against Kaplan-Meier observed rates by band and by decile;
* over the follow-up: the integrated Brier score, when the model predicts at any horizon;
* the binary part of the report (AUC, calibration, fairness...) at the first horizon,
  on the cases whose outcome by then is known (an event by the horizon, or followed
  past it), as a note in the report says.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from riskassess.validation import validate
>>> rng = np.random.default_rng(0)
>>> risk = rng.uniform(0.05, 0.6, 3000)                   # P(event within 1 year)
>>> onset = rng.exponential(365.25 / -np.log1p(-risk))
>>> follow = rng.uniform(200, 1000, 3000)
>>> y = pd.DataFrame({"event": onset <= follow, "time": np.minimum(onset, follow)})
>>> report = validate(risk, y=y, horizons=1, n_bootstrap=100)
>>> at_one = report.survival.at(1)
>>> print(at_one.auc.method)
Poisson bootstrap percentile (100 replicates, seed 0)
>>> 0.6 < at_one.auc.value < 0.75, at_one.auc.lower < at_one.auc.value
(True, True)
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from riskassess.exceptions import ValidationInputError
from riskassess.validation._bootstrap import ProgressArg
from riskassess.validation._calibration import Bands, resolve_bands
from riskassess.validation._inputs import check_length
from riskassess.validation._results import ValidationReport
from riskassess.validation._survival_calibration import (
    build_horizon_calibration,
)
from riskassess.validation._survival_inputs import (
    DAYS_PER_YEAR,
    SurvivalOutcome,
    check_horizons,
    check_survival_outcome,
)
from riskassess.validation._survival_metrics import checked_rows, survival_replicates
from riskassess.validation._survival_results import HorizonMetrics, SurvivalValidation

__all__ = ["SURVIVAL_METHODS", "score_at_horizons", "survival_validation",
           "validate_time_to_event"]

#: Default horizons (years) for a model that predicts at any horizon.
DEFAULT_HORIZONS = (1.0, 2.0)

#: Number of equally spaced times (up to the last horizon) of the integrated Brier score.
IBS_GRID_POINTS = 24


def _accepts_horizon(model: Any) -> bool:
    try:
        params = inspect.signature(model.predict_proba).parameters
    except (TypeError, ValueError):  # pragma: no cover - builtins without a signature
        return False
    # only a declared ``horizon``: a wrapper taking ``**kwargs`` (a Pipeline) would pass it
    # on to an estimator that does not know it
    return "horizon" in params


def _column(proba: Any) -> np.ndarray:
    arr = np.asarray(proba, dtype=np.float64)
    return arr[:, 1] if arr.ndim == 2 else arr


@dataclass(frozen=True)
class _Scores:
    horizons: tuple[float, ...]
    at_horizons: np.ndarray                 # (len(horizons), n): one row per horizon
    grid: tuple[np.ndarray, np.ndarray] | None   # (years, (len(years), n)) for the IBS
    name: str


def score_at_horizons(model_or_scores: Any, X: Any, outcome: SurvivalOutcome, horizons: Any,
                      *, grid: bool = True) -> _Scores:
    """Predicted probabilities at every horizon (and on the IBS grid when ``grid`` and the
    model predicts at any horizon)."""
    if hasattr(model_or_scores, "predict_proba"):
        model = model_or_scores
        name = type(model).__name__
        if X is None:
            raise ValidationInputError("model_or_scores: a fitted model needs X to score")
        if _accepts_horizon(model):
            hs = check_horizons(DEFAULT_HORIZONS if horizons is None else horizons, outcome)
            cols = [_column(model.predict_proba(X, horizon=h)) for h in hs]
            if not grid:
                return _Scores(hs, _checked(cols, outcome), None, name)
            # an even grid up to the last horizon: the IBS integrates the Brier curve
            years = np.linspace(hs[-1] / IBS_GRID_POINTS, hs[-1], IBS_GRID_POINTS)
            on_grid = [_column(model.predict_proba(X, horizon=float(t))) for t in years]
            return _Scores(hs, _checked(cols, outcome), (years, _checked(on_grid, outcome)),
                           name)
        own = getattr(model, "horizon", None)
        if own is None:
            raise ValidationInputError(
                f"{name}: predict_proba takes no horizon and the model has no 'horizon' "
                "attribute, so the horizon its probabilities refer to is unknown; score it "
                "yourself and pass the probabilities with horizons=<years>")
        if horizons is not None and check_horizons(horizons, outcome) != (float(own),):
            raise ValidationInputError(
                f"{name} predicts at its own horizon ({own} years) only; got horizons="
                f"{horizons!r} (leave horizons out, or pass horizons={own})")
        hs = check_horizons(own, outcome)
        return _Scores(hs, _checked([_column(model.predict_proba(X))], outcome), None, name)
    if horizons is None:
        raise ValidationInputError(
            "horizons: with time-to-event outcomes and scores (not a model), say which "
            "horizon (years) the probabilities refer to, e.g. horizons=2")
    hs = check_horizons(horizons, outcome)
    arr = np.asarray(model_or_scores, dtype=np.float64)
    arr = arr[:, None] if arr.ndim == 1 else arr
    if arr.ndim != 2 or arr.shape[1] != len(hs):
        raise ValidationInputError(
            f"scores: expected one column per horizon ({len(hs)}); got shape {arr.shape}")
    return _Scores(hs, _checked(arr.T, outcome), None, "scores")


def _checked(rows: Any, outcome: SurvivalOutcome) -> np.ndarray:
    for row in rows:
        check_length(outcome.n, row, "scores")
    return checked_rows(np.stack([np.asarray(r) for r in rows]), outcome.ids, "scores")


def survival_validation(
    model_or_scores: Any, X: Any, y: Any, *, horizons: Any = None, bands: Any = None,
    n_bootstrap: int = 1000, seed: int = 0, level: float = 0.95,
    progress: ProgressArg = False, integrated_brier: bool = True,
) -> SurvivalValidation:
    """The censored-outcome metrics of a model (or of probabilities) at ``horizons``.

    Parameters
    ----------
    model_or_scores, X, y, bands, n_bootstrap, seed, level, progress
        As for :func:`~riskassess.validation.validate`; ``y`` has ``event`` and ``time``
        (days).
    horizons : float or sequence of float, optional
        Years. Default 1 and 2 for a model whose ``predict_proba`` takes a ``horizon``,
        the model's own ``horizon`` for a fixed-horizon classifier; required for scores
        (one column per horizon).
    integrated_brier : bool, default True
        Also compute the integrated Brier score (a model with a ``horizon`` argument is
        then scored at 24 more times).

    Returns
    -------
    SurvivalValidation

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(4)
    >>> p = rng.uniform(0.1, 0.6, 1500)                    # P(event within 2 years)
    >>> onset = rng.exponential(2 * 365.25 / -np.log1p(-p))
    >>> y = pd.DataFrame({"event": onset <= 900, "time": np.minimum(onset, 900)})
    >>> result = survival_validation(p, None, y, horizons=2, n_bootstrap=200)
    >>> m = result.at(2)
    >>> m.auc.lower < m.auc.value < m.auc.upper
    True
    >>> m.calibration.observed_lower < m.calibration.mean_predicted < m.calibration.observed_upper
    True
    """
    return _survival_parts(model_or_scores, X, y, horizons=horizons, bands=bands,
                           n_bootstrap=n_bootstrap, seed=seed, level=level,
                           progress=progress, integrated=integrated_brier)[0]


def _survival_parts(
    model_or_scores: Any, X: Any, y: Any, *, horizons: Any, bands: Any, n_bootstrap: int,
    seed: int, level: float, progress: ProgressArg, integrated: bool = True,
) -> tuple[SurvivalValidation, SurvivalOutcome, _Scores]:
    outcome = check_survival_outcome(y, X, model_or_scores)
    scores = score_at_horizons(model_or_scores, X, outcome, horizons, grid=integrated)
    band_spec = resolve_bands(bands, model_or_scores if scores.name != "scores" else None)
    grid_years, grid_proba = scores.grid if scores.grid is not None else (None, None)
    reps = survival_replicates(outcome, scores.at_horizons, scores.horizons,
                               grid_proba=grid_proba, grid_years=grid_years,
                               n_bootstrap=n_bootstrap, seed=seed, progress=progress)
    method = (f"Poisson bootstrap percentile ({n_bootstrap} replicates, seed {seed})"
              if n_bootstrap else "none (n_bootstrap=0)")
    metrics = []
    for k, h in enumerate(scores.horizons):
        days = h * DAYS_PER_YEAR
        metrics.append(HorizonMetrics(
            h, int((outcome.event & (outcome.time <= days)).sum()),
            int((outcome.time > days).sum()),
            reps.estimate(reps.auc[:, k], level, method),
            reps.estimate(reps.brier[:, k], level, method),
            build_horizon_calibration(outcome.event, outcome.time, scores.at_horizons[k],
                                      h, band_spec, level)))
    ibs = None if grid_years is None else reps.estimate(reps.ibs, level, method)
    result = SurvivalValidation(
        outcome.n, int(outcome.event.sum()), float(outcome.time.max()), tuple(metrics), ibs,
        () if grid_years is None else (float(grid_years[0]), float(grid_years[-1])))
    return result, outcome, scores


SURVIVAL_METHODS = {
    "time-dependent AUC": (
        "cumulative/dynamic (Uno et al. 2007): cases had the event on or before the "
        "horizon, controls were followed event-free past it; cases weighted 1/G(t_i), G the "
        "reverse Kaplan-Meier of censoring on these data; ties in the score count 1/2"),
    "censored Brier score": (
        "IPCW Brier score (Graf et al. 1999) over all cases: (1-p)^2/G(t_i) for cases, "
        "p^2/G(h) for controls, 0 for cases censored before the horizon"),
    "integrated Brier score": (
        f"trapezoid rule over {IBS_GRID_POINTS} equally spaced times up to the last "
        "horizon, divided by their span"),
    "calibration at a horizon": (
        "1 - Kaplan-Meier survival at the horizon within each band / decile; log-log "
        "(exponential Greenwood) interval"),
    "censored-metric intervals": (
        "case-level Poisson bootstrap: G re-estimated inside every replicate"),
}


def validate_time_to_event(
    validate: Callable[..., Any], model_or_scores: Any, X: Any, y: Any, groups: Any,
    incumbent: Any, *, horizons: Any, bands: Any, n_bootstrap: int, seed: int,
    level: float, progress: ProgressArg, **options: Any,
) -> ValidationReport:
    """:func:`validate` for time-to-event ``y``: the binary report plus the censored part.

    The binary part is ``validate`` itself, at the first horizon, on the cases whose
    outcome by then is known; groups, incumbent and ``X`` are subset to the same cases.
    """
    survival, outcome, scored = _survival_parts(
        model_or_scores, X, y, horizons=horizons, bands=bands, n_bootstrap=n_bootstrap,
        seed=seed, level=level, progress=progress)
    first = survival.horizons[0].horizon
    days = first * DAYS_PER_YEAR
    known = outcome.event & (outcome.time <= days) | (outcome.time > days)
    labels = (outcome.event & (outcome.time <= days))[known].astype(np.int8)
    scores = scored.at_horizons[0]
    index = _subset_index(y, X, known)

    def subset(values: Any) -> Any:
        if values is None or hasattr(values, "predict_proba"):
            return values
        if isinstance(values, pd.Series | pd.DataFrame):
            return values.iloc[np.flatnonzero(known)]
        return np.asarray(values)[known]

    x_known = None if X is None else (X.iloc[np.flatnonzero(known)]
                                      if isinstance(X, pd.DataFrame) else np.asarray(X)[known])
    inc = subset(incumbent)
    if hasattr(incumbent, "predict_proba"):
        inc = _column(incumbent.predict_proba(x_known))
    band_spec: Bands = resolve_bands(
        bands, model_or_scores if hasattr(model_or_scores, "predict_proba") else None)
    binary = validate(pd.Series(scores[known], index=index), x_known,
                      pd.Series(labels, index=index), subset(groups), inc, bands=band_spec,
                      n_bootstrap=n_bootstrap, seed=seed, level=level, progress=progress,
                      **options)
    parts = dict(binary._d)
    parts["model_name"] = scored.name
    parts["survival"] = survival
    parts["methods"] = {**binary.methods, **SURVIVAL_METHODS}
    parts["notes"] = [
        f"time-to-event outcomes: the binary metrics are at {first:g} year(s), on the "
        f"{int(known.sum())} of {outcome.n} cases whose outcome by then is known; the "
        "censored metrics use every case", *binary.notes]
    return ValidationReport(**parts)


def _subset_index(y: Any, X: Any, known: np.ndarray) -> pd.Index:
    for obj in (y, X):
        if isinstance(obj, pd.Series | pd.DataFrame) and not (
                isinstance(obj.index, pd.RangeIndex) and obj.index.start == 0):
            return obj.index[known]
    return pd.Index(np.flatnonzero(known))
