"""The weighted engine behind the censored-outcome metrics (point estimates and bootstrap).

Every metric is a function of one case weight per case: weight 1 for all gives the point
estimate, Poisson(1) weights give a case-level Poisson bootstrap replicate. Weights come
as a matrix (replicates x cases) **in time order** (cases sorted by follow-up time): the
Poisson weights are independent of everything, so drawing them in time order is the same
bootstrap, and the censoring distribution then needs no reordering at all.

What is sorted or searched is sorted or searched once, in :meth:`CaseWeightedSurvival.plan`:

* the censoring survival ``G`` is a reverse Kaplan-Meier over the distinct days, two
  ``reduceat`` sums per replicate;
* the cases of a horizon are a *prefix* of the time order (time <= h) and the controls a
  suffix (time > h); the AUC needs, for each case, the control weight below its score:
  the controls are put in score order once, each case's place among them (``left`` /
  ``right`` of equal scores) found once by binary search, and a replicate is then a
  cumulative sum of whole-number weights (exact, in integers) read at those places;
* the Brier score at many times is two matrix products with loss matrices built once.

Examples
--------
>>> import numpy as np
>>> from riskassess.validation._survival_inputs import check_survival_outcome
>>> y = np.rec.fromarrays([[True, False, True, False], [100.0, 200.0, 300.0, 500.0]],
...                       names="event,time")
>>> engine = CaseWeightedSurvival.from_outcome(check_survival_outcome(y))
>>> weights = engine.weigh(np.ones((1, 4), dtype=np.uint8), stop=4)
>>> weights.g.round(3).tolist()   # G drops on the censored days
[[1.0, 0.667, 0.667, 0.0]]
>>> engine.auc(weights, engine.horizon_plan(np.array([0.9, 0.5, 0.6, 0.1]), 365.25)).tolist()
[1.0]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from riskassess.validation._survival_inputs import SurvivalOutcome

__all__ = ["BrierPlan", "CaseWeightedSurvival", "HorizonPlan", "Weights"]


@dataclass(frozen=True)
class HorizonPlan:
    """What the AUC at one horizon needs, computed once (positions are in time order)."""

    days: float
    case_pos: np.ndarray       # events on or before the horizon
    control_order: np.ndarray  # controls (time > horizon), in increasing score order
    left: np.ndarray           # per case: number of controls with a lower score
    right: np.ndarray          # per case: ... with a lower or equal score


@dataclass(frozen=True)
class BrierPlan:
    """Loss matrices of the Brier score at several times (rows in time order)."""

    days: np.ndarray
    case_pos: np.ndarray       # events on or before the last of ``days``
    case_loss: np.ndarray      # (times, cases): (1 - p)^2 while the event is by the time
    control_loss: np.ndarray   # (times, n): p^2 while the case is followed past the time
    g_index: np.ndarray        # index of G at each time (-1: before the first day, G = 1)


@dataclass(frozen=True)
class Weights:
    """One chunk of replicates' case weights and what every metric derives from them."""

    w: np.ndarray              # (replicates, n) whole numbers, time order
    as_float: np.ndarray       # the same as float64, for the matrix products
    g: np.ndarray              # censoring survival after each distinct day
    case: np.ndarray           # w_i / G(t_i) for events among the first positions, else 0


@dataclass(frozen=True)
class CaseWeightedSurvival:
    """The outcome in time order, grouped by distinct day; builds plans and runs them.

    Replicates whose statistic is undefined (no cases or no controls, or a zero censoring
    survival where one is needed) give NaN.
    """

    time_order: np.ndarray     # original row of each time-ordered position
    time: np.ndarray           # in time order
    event: np.ndarray          # in time order
    unique_times: np.ndarray
    starts: np.ndarray         # first position of each distinct day
    group: np.ndarray          # distinct-day index of each position

    @classmethod
    def from_outcome(cls, outcome: SurvivalOutcome) -> CaseWeightedSurvival:
        """Sort the cases by time (once) and group them by distinct time."""
        order = np.argsort(outcome.time, kind="stable")
        time = outcome.time[order]
        starts = np.flatnonzero(np.r_[True, time[1:] != time[:-1]])
        group = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, len(time)]))
        return cls(order, time, outcome.event[order], time[starts], starts, group)

    @property
    def n(self) -> int:
        """Number of cases."""
        return len(self.time)

    def censoring_survival(self, w: np.ndarray) -> np.ndarray:
        """Reverse Kaplan-Meier ``G`` after each distinct day, shape (replicates, days)."""
        total = np.add.reduceat(w, self.starts, axis=1, dtype=np.float64)
        events = np.add.reduceat(w * self.event, self.starts, axis=1, dtype=np.float64)
        censored = total - events
        # at risk on a day = weight of the cases followed to that day or later
        at_risk = np.cumsum(total[:, ::-1], axis=1)[:, ::-1]
        # censorings tied with events happen just after them: the events leave first
        remaining = at_risk - events
        with np.errstate(invalid="ignore", divide="ignore"):
            hazard = np.where(censored > 0, censored / remaining, 0.0)
        return np.cumprod(1.0 - hazard, axis=1)

    def _g_index(self, days: np.ndarray) -> np.ndarray:
        # G is right-continuous: G(d) includes the censorings of day d
        return np.searchsorted(self.unique_times, days, side="right") - 1

    def _g_at(self, g: np.ndarray, index: np.ndarray) -> np.ndarray:
        return np.where(index[None, :] >= 0, g[:, np.maximum(index, 0)], 1.0)

    def prefix(self, days: float) -> int:
        """Number of cases followed for at most ``days`` (a prefix of the time order)."""
        return int(np.searchsorted(self.time, days, side="right"))

    def weigh(self, w: np.ndarray, stop: int) -> Weights:
        """The chunk's ``G`` and IPCW case weights over the first ``stop`` positions."""
        g = self.censoring_survival(w)
        head = w[:, :stop]
        use = (head > 0) & self.event[:stop]
        case = np.zeros(head.shape)
        with np.errstate(divide="ignore"):
            # a zero G at an event with weight is a replicate with nobody left to
            # represent it: the division gives inf and the statistic NaN, as it should
            np.divide(head, g[:, self.group[:stop]], out=case, where=use)
        return Weights(w, w.astype(np.float64), g, case)

    def horizon_plan(self, scores: np.ndarray, days: float) -> HorizonPlan:
        """Prepare the AUC at ``days`` for ``scores`` (given in the original row order)."""
        s = scores[self.time_order]
        stop = self.prefix(days)
        case_pos = np.flatnonzero(self.event[:stop])
        by_score = np.argsort(s[stop:], kind="stable")
        control_scores = s[stop:][by_score]
        case_scores = s[case_pos]
        return HorizonPlan(days, case_pos, stop + by_score,
                           np.searchsorted(control_scores, case_scores, side="left"),
                           np.searchsorted(control_scores, case_scores, side="right"))

    def auc(self, weights: Weights, plan: HorizonPlan) -> np.ndarray:
        """Cumulative/dynamic AUC of a plan, one value per replicate."""
        w = weights.w
        case_w = weights.case[:, plan.case_pos]
        # whole-number weights: the running control weight is exact in integers
        # (uint8 weights are at most 8, so int32 holds it up to 2**28 cases)
        acc = np.int32 if w.dtype == np.uint8 and 8 * self.n < 2**31 else np.int64
        below = np.zeros((len(w), len(plan.control_order) + 1), dtype=acc)
        np.cumsum(w[:, plan.control_order], axis=1, dtype=acc, out=below[:, 1:])
        # a tie counts one half: the mean of "strictly below" and "below or equal"
        half = below[:, plan.left].astype(np.float64)
        half += below[:, plan.right]
        numer = np.einsum("ij,ij->i", case_w, half) * 0.5
        with np.errstate(invalid="ignore", divide="ignore"):
            value = numer / (case_w.sum(axis=1) * below[:, -1])
        return np.where(np.isfinite(value), value, np.nan)

    def brier_plan(self, proba: np.ndarray, days: np.ndarray) -> BrierPlan:
        """Prepare the Brier score at ``days``; row ``k`` of ``proba`` (original row order
        along it): P(event by ``days[k]``).

        The loss matrices are built in place, one row per time (contiguous: at a million
        cases and 24 times each is 190 MB, and a column-wise layout would be several
        times slower to build).
        """
        stops = np.searchsorted(self.time, days, side="right")
        case_pos = np.flatnonzero(self.event[: int(stops.max())])
        # events are in time order, so "event by day d" is a prefix of them too
        case_stops = np.searchsorted(case_pos, stops)
        case_loss = 1.0 - proba[:, self.time_order[case_pos]]
        case_loss **= 2
        control_loss = proba[:, self.time_order]
        control_loss **= 2
        for k, (case_stop, stop) in enumerate(zip(case_stops, stops, strict=True)):
            case_loss[k, case_stop:] = 0.0
            control_loss[k, :stop] = 0.0
        return BrierPlan(days, case_pos, case_loss, control_loss, self._g_index(days))

    def brier(self, weights: Weights, plan: BrierPlan) -> np.ndarray:
        """IPCW Brier score at each of the plan's times: shape (replicates, times).

        Cases weigh ``w_i / G(t_i)`` (events by the time), controls ``w_i / G(time)``;
        the mean is over the total weight of all cases.
        """
        cases = weights.case[:, plan.case_pos] @ plan.case_loss.T
        with np.errstate(invalid="ignore", divide="ignore"):
            controls = (weights.as_float @ plan.control_loss.T) / self._g_at(weights.g,
                                                                             plan.g_index)
            value = (cases + controls) / weights.as_float.sum(axis=1)[:, None]
        return np.where(np.isfinite(value), value, np.nan)
