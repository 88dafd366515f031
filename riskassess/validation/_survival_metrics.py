"""Censored-outcome accuracy: time-dependent AUC, IPCW Brier score, integrated Brier score.

All three are computed by one weighted engine (:mod:`._survival_engine`) that takes a
matrix of case weights (replicates x cases). The point estimate is the engine at weight 1
for every case; a Poisson-bootstrap replicate is the engine at that replicate's Poisson(1)
weights (drawn by :func:`riskassess.validation._bootstrap.cell_poisson`), with the
censoring distribution re-estimated inside every replicate. One code path for both keeps
the interval honest about the estimate it surrounds.

Conventions (the same as scikit-survival 0.28, which the tests check to 1e-10):

* **Censoring distribution** ``G``: the reverse Kaplan-Meier estimate on the validation
  data itself. Where a censoring and an event share a day, the censoring is taken to
  happen just after the event (it is removed from the censoring risk set along with the
  events of that day). ``G`` is right-continuous: ``G(t)`` includes the censorings on day
  ``t``. An event on day ``t_i`` gets weight ``1 / G(t_i)``.
* **Cases and controls at horizon** ``h`` (days): a *case* had the event on or before
  ``h``; a *control* was still followed, event-free, after ``h`` (time > h). Cases
  censored on or before ``h`` count in neither (their share is carried by the weights).
* **Time-dependent AUC** (cumulative/dynamic, Uno et al. 2007; Hung & Chiang 2010): the
  IPCW-weighted share of (case, control) pairs the score ranks correctly, a tie counting
  one half. Controls all have the same weight ``1 / G(h)``, which cancels.
* **Brier score at h** (Graf et al. 1999): mean over *all* cases of
  ``(1 - p)^2 / G(t_i)`` for cases, ``p^2 / G(h)`` for controls, 0 for cases censored
  before ``h``; ``p`` is the predicted probability of the event by ``h``.
* **Integrated Brier score**: the trapezoidal integral of the Brier score over the
  given times divided by the span of those times (scikit-survival's definition).

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> risk = rng.random(2000)
>>> event_time = rng.exponential(400 / (0.2 + risk))
>>> censor = rng.uniform(100, 1500, 2000)
>>> y = np.rec.fromarrays([event_time <= censor, np.minimum(event_time, censor)],
...                       names="event,time")
>>> est = time_dependent_auc(y, risk, 1.0, n_bootstrap=200)
>>> 0.6 < est.value < 0.8, est.lower < est.value < est.upper
(True, True)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from riskassess.exceptions import ValidationInputError
from riskassess.validation._bootstrap import (
    ProgressArg,
    _progress_bar,
    cell_poisson,
    percentile_interval,
)
from riskassess.validation._inputs import check_count, check_scores
from riskassess.validation._metrics import Estimate
from riskassess.validation._survival_engine import CaseWeightedSurvival
from riskassess.validation._survival_inputs import (
    DAYS_PER_YEAR,
    SurvivalOutcome,
    check_horizons,
    check_survival_outcome,
)

__all__ = ["SurvivalReplicates", "censored_brier_score", "checked_rows",
           "integrated_brier_score", "survival_replicates", "time_dependent_auc"]

#: Replicates are drawn in chunks of about this many (replicate, case) cells: the memory
#: bound of the bootstrap (a few float64 arrays of this size are alive at once).
_CHUNK_CELLS = 4_000_000


def integrate_brier(brier: np.ndarray, days: np.ndarray) -> np.ndarray:
    """Trapezoidal integral of Brier scores over ``days``, divided by their span."""
    if len(days) < 2:
        raise ValidationInputError("an integrated Brier score needs at least two times")
    widths = np.diff(days)
    area = ((brier[:, 1:] + brier[:, :-1]) * 0.5 * widths).sum(axis=1)
    return np.asarray(area / (days[-1] - days[0]))


@dataclass(frozen=True)
class SurvivalReplicates:
    """Point estimates (weight 1) and bootstrap replicates of the censored metrics.

    ``auc`` and ``brier`` have one column per horizon; ``ibs`` is empty when no grid of
    predictions was given. Row 0 of every array is the point estimate; rows 1.. are the
    bootstrap replicates.
    """

    horizons: tuple[float, ...]
    auc: np.ndarray
    brier: np.ndarray
    ibs: np.ndarray

    def estimate(self, values: np.ndarray, level: float, method: str) -> Estimate:
        """An :class:`Estimate` from a column: point estimate and percentile interval."""
        value = float(values[0])
        reps = values[1:]
        if reps.size == 0:
            return Estimate(value, math.nan, math.nan, method, level, "bootstrap turned off")
        lo, hi = percentile_interval(reps, level)
        note = "" if math.isfinite(lo) else "fewer than 10 usable bootstrap replicates"
        return Estimate(value, lo, hi, method, level, note)


def survival_replicates(
    outcome: SurvivalOutcome,
    horizon_scores: np.ndarray,
    horizons: Sequence[float],
    *,
    grid_proba: np.ndarray | None = None,
    grid_years: np.ndarray | None = None,
    n_bootstrap: int,
    seed: int,
    progress: ProgressArg = False,
) -> SurvivalReplicates:
    """Point estimates and Poisson-bootstrap replicates of td-AUC, Brier and IBS.

    Parameters
    ----------
    outcome : SurvivalOutcome
        Checked outcomes.
    horizon_scores : ndarray, shape (len(horizons), n)
        Row ``k``: predicted probability of the event by ``horizons[k]`` (one row per
        time: contiguous rows make every per-time step a contiguous pass).
    horizons : sequence of float
        Horizons in years.
    grid_proba, grid_years : ndarray, optional
        Predictions on a grid of times (years) for the integrated Brier score, one row
        per time.
    n_bootstrap, seed : int
        Replicates (0: point estimates only) and the seed of the generator.
    progress : None, bool or callable
        Progress bar, as for the other bootstrap.
    """
    engine = CaseWeightedSurvival.from_outcome(outcome)
    days = np.asarray(horizons, dtype=float) * DAYS_PER_YEAR
    auc_plans = [engine.horizon_plan(horizon_scores[k], float(d))
                 for k, d in enumerate(days)]
    brier_plan = engine.brier_plan(horizon_scores, days)
    grid_plan = None
    if grid_proba is not None and grid_years is not None:
        grid_plan = engine.brier_plan(grid_proba, np.asarray(grid_years) * DAYS_PER_YEAR)
    n = engine.n
    # every metric needs IPCW weights only for cases followed up to the last time used
    stop = engine.prefix(float(max(days.max(), grid_plan.days.max() if grid_plan else 0.0)))
    rows = 1 + n_bootstrap
    auc = np.empty((rows, len(days)))
    brier = np.empty((rows, len(days)))
    ibs = np.empty(rows if grid_plan is not None else 0)
    rng = np.random.default_rng(seed)
    chunk = max(1, min(max(n_bootstrap, 1), _CHUNK_CELLS // max(1, n)))
    tick = _progress_bar(progress, n_bootstrap)
    ones = np.ones(n, dtype=np.int64)
    start = 0
    while start < rows:
        # row 0: every case once (the point estimate); then Poisson(1) weights, drawn
        # directly in time order (they are independent of the data, so any order is the
        # same bootstrap)
        w = (np.ones((1, n), dtype=np.uint8) if start == 0
             else cell_poisson(rng, ones, min(chunk, rows - start)))
        sl = slice(start, start + len(w))
        weights = engine.weigh(w, stop)
        for k, plan in enumerate(auc_plans):
            auc[sl, k] = engine.auc(weights, plan)
        brier[sl] = engine.brier(weights, brier_plan)
        if grid_plan is not None:
            ibs[sl] = integrate_brier(engine.brier(weights, grid_plan), grid_plan.days)
        if start:
            tick(len(w))
        start += len(w)
    return SurvivalReplicates(tuple(horizons), auc, brier, ibs)


def _prepare(y: Any, scores: Any, horizons: Any, n_bootstrap: int,
             name: str) -> tuple[SurvivalOutcome, tuple[float, ...], np.ndarray, int]:
    outcome = check_survival_outcome(y, scores)
    checked = check_horizons(horizons, outcome)
    n_bootstrap = check_count(n_bootstrap, "n_bootstrap", 0)
    arr = np.asarray(scores)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2 or arr.shape[0] != outcome.n or arr.shape[1] != len(checked):
        raise ValidationInputError(
            f"{name}: expected {outcome.n} rows and one column per horizon "
            f"({len(checked)}); got shape {arr.shape}")
    return outcome, checked, checked_rows(arr.T, outcome.ids, name), n_bootstrap


def checked_rows(rows: Any, ids: Sequence[str], name: str) -> np.ndarray:
    """Probabilities, one row per time, checked at once; a contiguous float64 copy.

    The whole matrix is checked in one vectorised pass; only when something is wrong is
    the offending row checked on its own, for the message naming the case.
    """
    try:
        num = np.asarray(rows, dtype=np.float64)
    except (TypeError, ValueError):
        num = None
    bad = None if num is None else (~np.isfinite(num)) | (num < 0.0) | (num > 1.0)
    if num is None or bad is None or bad.any():
        first = 0 if bad is None else int(np.flatnonzero(bad.any(axis=1))[0])
        check_scores(np.asarray(rows)[first], ids, name)  # raises, naming the case
        raise ValidationInputError(f"{name}: probabilities must be numbers in [0, 1]")
    return np.ascontiguousarray(num)


def _method(n_bootstrap: int, seed: int) -> str:
    return f"Poisson bootstrap percentile ({n_bootstrap} replicates, seed {seed})"


def time_dependent_auc(
    y: Any, scores: Any, horizon: float, *, n_bootstrap: int = 1000, seed: int = 0,
    level: float = 0.95,
) -> Estimate:
    """Cumulative/dynamic time-dependent AUC at ``horizon`` years, with IPCW weights.

    Parameters
    ----------
    y : structured array or DataFrame
        Outcomes with ``event`` (bool) and ``time`` (days).
    scores : array-like of float
        Predicted probability of the event by the horizon (any risk score ranks the same).
    horizon : float
        Years (1 year = 365.25 days); must be before the longest follow-up.
    n_bootstrap, seed, level
        Poisson-bootstrap replicates (0: no interval), seed and confidence level.

    Returns
    -------
    Estimate

    Examples
    --------
    >>> import pandas as pd
    >>> y = pd.DataFrame({"event": [True, True, False, False, True],
    ...                   "time": [100.0, 300.0, 500.0, 800.0, 900.0]})
    >>> round(time_dependent_auc(y, [0.9, 0.4, 0.5, 0.1, 0.3], 1.0, n_bootstrap=0).value, 4)
    0.8333
    """
    outcome, (h,), s, n_bootstrap = _prepare(y, scores, [horizon], n_bootstrap, "scores")
    reps = survival_replicates(outcome, s, (h,), n_bootstrap=n_bootstrap, seed=seed)
    return reps.estimate(reps.auc[:, 0], level, _method(n_bootstrap, seed))


def censored_brier_score(
    y: Any, probabilities: Any, horizon: float, *, n_bootstrap: int = 1000, seed: int = 0,
    level: float = 0.95,
) -> Estimate:
    """IPCW Brier score at ``horizon`` years (Graf et al. 1999).

    ``probabilities`` are predicted probabilities of the event by the horizon (scikit-
    survival's ``brier_score`` takes the survival probability, one minus these; the loss
    is the same).

    Examples
    --------
    >>> import pandas as pd
    >>> y = pd.DataFrame({"event": [True, False, False, True],
    ...                   "time": [100.0, 200.0, 500.0, 700.0]})
    >>> round(censored_brier_score(y, [0.8, 0.5, 0.3, 0.3], 1.0, n_bootstrap=0).value, 4)
    0.0775
    """
    outcome, (h,), p, n_bootstrap = _prepare(y, probabilities, [horizon], n_bootstrap,
                                              "probabilities")
    reps = survival_replicates(outcome, p, (h,), n_bootstrap=n_bootstrap, seed=seed)
    return reps.estimate(reps.brier[:, 0], level, _method(n_bootstrap, seed))


def integrated_brier_score(
    y: Any, probabilities: Any, horizons: Any, *, n_bootstrap: int = 1000,
    seed: int = 0, level: float = 0.95,
) -> Estimate:
    """Integrated Brier score over ``horizons`` (years): trapezoid rule over their span.

    Parameters
    ----------
    y : structured array or DataFrame
        Outcomes with ``event`` and ``time`` (days).
    probabilities : array-like, shape (n, len(horizons))
        Column ``k``: predicted probability of the event by ``horizons[k]``.
    horizons : array-like of float
        At least two increasing times in years, before the longest follow-up.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> y = pd.DataFrame({"event": [True, False, False, True],
    ...                   "time": [100.0, 200.0, 500.0, 700.0]})
    >>> p = np.array([[0.5, 0.8], [0.2, 0.5], [0.1, 0.3], [0.1, 0.3]])
    >>> est = integrated_brier_score(y, p, [0.5, 1.0], n_bootstrap=0)
    >>> round(est.value, 4)
    0.0775
    """
    outcome, checked, p, n_bootstrap = _prepare(y, probabilities, horizons, n_bootstrap,
                                                 "probabilities")
    if len(checked) < 2:
        raise ValidationInputError("horizons: an integrated Brier score needs at least two")
    grid = np.asarray(checked)
    reps = survival_replicates(outcome, p[:1], checked[:1], grid_proba=p, grid_years=grid,
                               n_bootstrap=n_bootstrap, seed=seed)
    return reps.estimate(reps.ibs, level, _method(n_bootstrap, seed))
