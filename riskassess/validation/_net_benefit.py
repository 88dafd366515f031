"""Net benefit and decision curves (Vickers & Elkin 2006), overall and per group.

Acting on a case (e.g. more intensive supervision) when its probability is at least a
threshold ``t`` has net benefit

    NB(t) = TP(t) / n  -  FP(t) / n  *  t / (1 - t)

in true positives per case: the threshold states how many false positives a service
accepts for one true positive (``t / (1 - t)``, 1 at ``t = 0.5``). The model is compared
with the two default policies, *treat all* (``NB = prevalence - (1 - prevalence) t /
(1 - t)``) and *treat none* (``NB = 0``). A model is worth using at ``t`` only when its
net benefit beats both.

The threshold comes from the service's judgement of harms and benefits, not from the data:
maximising net benefit over ``t`` is meaningless, because ``t`` changes what net benefit
measures. So the decision curve shows the range of thresholds where the model helps, and
the net benefit at the operating threshold, for everyone and for each group, at **one
threshold for all groups**.

Why no group-specific thresholds by default
-------------------------------------------
Using a different threshold for a group defined by a protected characteristic (race,
sex, ...) treats two people with the same assessed risk differently because of that
characteristic. Under the Equality Act 2010 (s.13), less favourable treatment because of
a protected characteristic is direct discrimination; except for age (s.13(2)), direct
discrimination cannot be justified as a proportionate means of a legitimate aim. The
library therefore computes per-group curves to *show* how the one threshold works in each
group, and never proposes per-group thresholds. This is a statement of the design choice,
not legal advice: a body that considers anything else needs its own legal advice, and
also has the public sector equality duty (s.149) to consider.

Computation: one pass over the cases. Each case's score is placed among the sorted
thresholds (``searchsorted``); one ``bincount`` over (group, position, outcome) gives, per
group, how many cases first become "treated" at each threshold, and a reversed cumulative
sum gives TP and FP at every threshold. Cost O(n log k) for n cases and k thresholds, not
O(n k) as a loop over thresholds would be.

Examples
--------
>>> import numpy as np
>>> y = np.array([1, 0, 1, 0])
>>> p = np.array([0.9, 0.6, 0.4, 0.1])
>>> net_benefit(y, p, [0.5]).round(4).tolist()  # TP 1, FP 1 at 0.5: 1/4 - 1/4 * 1
[0.0]
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from riskassess.exceptions import ValidationInputError
from riskassess.validation._group_inputs import group_codes
from riskassess.validation._inputs import checked_outcomes

__all__ = ["ALL_CASES", "GROUP_THRESHOLD_NOTE", "DecisionCurve", "decision_curve",
           "default_thresholds", "net_benefit"]

#: The label of the whole-cohort rows of a decision curve (brackets: no group is called so).
ALL_CASES = "(all cases)"

#: Why the library uses one threshold for every group (shown in reports and docs).
GROUP_THRESHOLD_NOTE = (
    "One threshold is used for every group. A different threshold for a group defined by "
    "a protected characteristic would treat two people with the same assessed risk "
    "differently because of that characteristic: under the Equality Act 2010 (s.13) that "
    "is direct discrimination, which (except for age) cannot be justified. Per-group "
    "curves show how the one threshold works in each group; they do not propose "
    "per-group thresholds. (A design statement, not legal advice.)"
)


def default_thresholds() -> np.ndarray:
    """Thresholds 0.01, 0.02, ..., 0.99 (99 values).

    Examples
    --------
    >>> t = default_thresholds()
    >>> len(t), float(t[0]), float(t[-1])
    (99, 0.01, 0.99)
    """
    return np.round(np.arange(1, 100) / 100.0, 2)


def _check_thresholds(thresholds: Any) -> np.ndarray:
    try:
        t = np.asarray(thresholds, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        raise ValidationInputError(
            f"thresholds must be numbers in (0, 1); got {thresholds!r}") from None
    if t.size == 0:
        raise ValidationInputError("thresholds: give at least one threshold in (0, 1)")
    # t = 1 has infinite odds t / (1 - t), and t = 0 treats everyone whatever the score
    bad = ~np.isfinite(t) | (t <= 0.0) | (t >= 1.0)
    if bad.any():
        raise ValidationInputError(
            f"thresholds must lie strictly within (0, 1); got {float(t[bad][0])!r}")
    if t.size > 1 and not (np.diff(t) > 0).all():
        raise ValidationInputError("thresholds must be strictly increasing")
    return t


def _treated_counts(
    y: np.ndarray, p: np.ndarray, codes: np.ndarray, n_groups: int, t: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """TP and FP per group and threshold, each of shape ``(n_groups, len(t))``."""
    k = len(t)
    # position = number of thresholds at or below the score: the case is treated
    # (p >= t_j) exactly for the thresholds j < position
    position = _positions(t, p)
    cell = (codes * (k + 1) + position) * 2 + y  # one id per (group, position, outcome)
    counts = np.bincount(cell, minlength=n_groups * (k + 1) * 2).reshape(n_groups, k + 1, 2)
    # treated at threshold j = cases whose position exceeds j: a reversed cumulative sum
    above = np.cumsum(counts[:, ::-1, :], axis=1)[:, ::-1, :]
    treated = above[:, 1:, :]  # (groups, k, outcome)
    return treated[:, :, 1], treated[:, :, 0]


def _positions(t: np.ndarray, p: np.ndarray) -> np.ndarray:
    """``searchsorted(t, p, side="right")`` for p in [0, 1], by table lookup when it can.

    A binary search per case is slow (branchy, cache-unfriendly): at a million cases it
    is most of a decision curve's run time. Instead [0, 1] is cut into ``m`` equal bins,
    ``m`` a power of two (so ``floor(p * m)`` is exact) with bins narrower than the
    smallest gap between thresholds: then a bin holds at most one threshold, and the
    count of thresholds at or below ``p`` is the count at or below its bin's left edge
    plus one comparison with the next threshold.
    """
    gap = float(np.min(np.diff(t))) if len(t) > 1 else 1.0
    m = 1 << max(1, math.ceil(math.log2(1.0 / gap)) + 1)
    if m > 1 << 20:  # thresholds closer than 1e-6: the table would be too big
        return np.asarray(np.searchsorted(t, p, side="right"))
    edges = np.arange(m + 1, dtype=np.float64) / m
    below = np.searchsorted(t, edges, side="right")  # thresholds <= each bin's left edge
    bins = (p * m).astype(np.intp)  # exact: m is a power of two; p = 1 is bin m
    start = below[bins]
    upper = np.append(t, np.inf)  # the next threshold after the edge (inf: none left)
    return np.asarray(start + (p >= upper[start]))


def net_benefit(y_true: Any, y_prob: Any, thresholds: Any) -> np.ndarray:
    """Net benefit of treating the cases whose probability is at least each threshold.

    Parameters
    ----------
    y_true : array-like of {0, 1}
        Observed outcomes.
    y_prob : array-like of float
        Predicted probabilities in [0, 1].
    thresholds : array-like of float
        Strictly increasing thresholds within (0, 1).

    Returns
    -------
    numpy.ndarray
        ``TP/n - FP/n * t/(1-t)`` at every threshold (true positives per case).

    Raises
    ------
    ValidationInputError
        Labels not 0/1, probabilities outside [0, 1], mismatched lengths (the message
        names the case), thresholds outside (0, 1) or not increasing.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> p = rng.uniform(size=1000); y = (rng.random(1000) < p).astype(int)
    >>> nb = net_benefit(y, p, [0.2, 0.5, 0.8])
    >>> bool(nb[1] > 0)  # a calibrated score beats treat-none at 0.5
    True
    >>> net_benefit(y, p, [0.5, 1.0])
    Traceback (most recent call last):
    ...
    riskassess.exceptions.ValidationInputError: thresholds must lie strictly within (0, 1); got 1.0
    """
    _, y, p = checked_outcomes(y_true, y_prob)
    n = len(y)
    t = _check_thresholds(thresholds)
    tp, fp = _treated_counts(y, p, np.zeros(n, dtype=np.intp), 1, t)
    return np.asarray((tp[0] - fp[0] * (t / (1.0 - t))) / n)


@dataclass(frozen=True)
class DecisionCurve:
    """Net benefit of the model, treat-all and treat-none at each threshold, per group.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per group and threshold: ``group, threshold, n, prevalence, tp, fp,
        net_benefit, net_benefit_all, net_benefit_none, useful``. The whole cohort is the
        group :data:`ALL_CASES`. ``useful`` is True where the model's net benefit exceeds
        both treat-all and treat-none.
    useful_range : pandas.DataFrame
        Per group: the lowest and highest useful threshold and the share of thresholds
        that are useful (NaN bounds when none is).
    operating_threshold : float or None
        The threshold the service uses (the report's ``threshold``), the same for every
        group.
    at_operating : pandas.DataFrame
        Per group, the net benefits at the operating threshold (empty when none).
    note : str
        Why one threshold is used for every group (:data:`GROUP_THRESHOLD_NOTE`).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> p = rng.uniform(size=2000); y = (rng.random(2000) < p).astype(int)
    >>> g = np.where(rng.random(2000) < 0.5, "a", "b")
    >>> dc = decision_curve(y, p, g, operating_threshold=0.5)
    >>> dc.useful_range["group"].tolist()
    ['(all cases)', 'a', 'b']
    >>> bool(dc.at_operating["net_benefit"].gt(dc.at_operating["net_benefit_all"]).all())
    True
    >>> "Equality Act 2010" in dc.note
    True
    """

    table: pd.DataFrame
    useful_range: pd.DataFrame
    operating_threshold: float | None
    at_operating: pd.DataFrame
    note: str = GROUP_THRESHOLD_NOTE

    def copy(self) -> DecisionCurve:
        """A copy whose tables can be edited without changing this one."""
        return dataclasses.replace(self, table=self.table.copy(),
                                   useful_range=self.useful_range.copy(),
                                   at_operating=self.at_operating.copy())


def decision_curve(
    y_true: Any,
    y_prob: Any,
    groups: Any = None,
    *,
    thresholds: Any = None,
    operating_threshold: float | None = None,
) -> DecisionCurve:
    """Decision curves (net benefit against threshold) for everyone and for each group.

    Parameters
    ----------
    y_true : array-like of {0, 1}
        Observed outcomes.
    y_prob : array-like of float
        Predicted probabilities in [0, 1].
    groups : array-like, optional
        Group of every case; each group gets its own curve, at the same thresholds.
    thresholds : array-like of float, optional
        Strictly increasing, within (0, 1); default 0.01 to 0.99 by 0.01. The operating
        threshold is added when it is not among them.
    operating_threshold : float, optional
        The threshold in use, the same for every group (see the module notes for why
        there are no group-specific thresholds).

    Returns
    -------
    DecisionCurve

    Raises
    ------
    ValidationInputError
        Bad labels, probabilities or groups (the message names the case), bad thresholds.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.array([1, 1, 0, 0, 1, 0])
    >>> p = np.array([0.8, 0.7, 0.6, 0.2, 0.3, 0.1])
    >>> dc = decision_curve(y, p, thresholds=[0.25, 0.5])
    >>> dc.table[["threshold", "tp", "fp", "net_benefit", "net_benefit_all"]].round(3)
       threshold  tp  fp  net_benefit  net_benefit_all
    0       0.25   3   1        0.444            0.333
    1       0.50   2   1        0.167            0.000
    """
    ids, y, p = checked_outcomes(y_true, y_prob, (groups, "groups"))
    n = len(y)
    t = _check_thresholds(default_thresholds() if thresholds is None else thresholds)
    if operating_threshold is not None:
        op = float(_check_thresholds([operating_threshold])[0])
        t = np.union1d(t, [op])
    else:
        op = None
    names: list[str] = [ALL_CASES]
    codes = np.zeros(n, dtype=np.intp)
    if groups is not None:
        group_names, codes = group_codes(groups, ids)
        names += group_names
        codes = codes + 1
    k = len(names)
    tp, fp = _treated_counts(y, p, codes, k, t)
    if groups is not None:  # the whole cohort is the sum of its groups
        tp[0], fp[0] = tp[1:].sum(axis=0), fp[1:].sum(axis=0)
    sizes = np.bincount(codes, minlength=k)
    positives = np.bincount(codes, weights=y, minlength=k)
    if groups is not None:
        sizes[0], positives[0] = n, float(y.sum())
    odds = t / (1.0 - t)
    size = sizes[:, None].astype(np.float64)
    prevalence = positives / sizes
    nb = (tp - fp * odds) / size
    nb_all = prevalence[:, None] - (1.0 - prevalence[:, None]) * odds
    useful = (nb > nb_all) & (nb > 0.0)
    table = pd.DataFrame({
        "group": np.repeat(names, len(t)),
        "threshold": np.tile(t, k),
        "n": np.repeat(sizes, len(t)),
        "prevalence": np.repeat(prevalence, len(t)),
        "tp": tp.reshape(-1),
        "fp": fp.reshape(-1),
        "net_benefit": nb.reshape(-1),
        "net_benefit_all": nb_all.reshape(-1),
        "net_benefit_none": 0.0,
        "useful": useful.reshape(-1),
    })
    return DecisionCurve(table, _useful_range(names, t, useful), op,
                         table[table["threshold"] == op].reset_index(drop=True)
                         if op is not None else table.iloc[0:0].reset_index(drop=True))


def _useful_range(names: Sequence[str], t: np.ndarray, useful: np.ndarray) -> pd.DataFrame:
    rows = []
    for name, row in zip(names, useful, strict=True):
        hit = t[row]
        rows.append({
            "group": name,
            "lowest_useful": float(hit.min()) if hit.size else math.nan,
            "highest_useful": float(hit.max()) if hit.size else math.nan,
            "share_useful": float(row.mean()),
            # a gap inside the range (useful, then not, then useful again) is worth seeing
            "contiguous": bool(hit.size == 0
                               or int(np.ptp(np.flatnonzero(row))) + 1 == hit.size),
        })
    return pd.DataFrame(rows)
