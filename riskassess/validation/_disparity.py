"""Disparity ratios against a reference group, the difference the data could detect,
and calibration within each group.

Disparity ratios
    For each group and each metric, the group's value divided by the reference group's:
    false positive rate, false negative rate, selection rate (share predicted positive)
    and the calibration ratio (the group's observed/expected divided by the
    reference's). A ratio of 1 is parity; the reference defaults to the largest group
    (the most precise denominator) and can be named.

Intervals: Katz log interval
    All four ratios are ratios of two proportions from *independent* groups (different
    people), so the Katz et al. (1978) log interval applies: ``log(r) ± z * se`` with
    ``se**2 = 1/a - 1/n + 1/b - 1/m`` for ``a`` events out of ``n`` in the group and
    ``b`` out of ``m`` in the reference. For the calibration ratio the proportions are the
    observed rates and the expected counts (the sums of the predicted probabilities) are
    taken as fixed, so the same formula holds. It is analytic (no bootstrap replicates,
    so it costs nothing at a million cases) and has good coverage unless a count is very
    small; when the group or the reference has no events (or no non-events) the log
    ratio has no finite standard error, and the row says so instead of inventing a
    continuity correction.

Minimum detectable difference
    For each comparison, the smallest difference in the metric that a two-sided test at
    level ``alpha`` (default 0.05) would detect with probability ``power`` (default 0.8)
    given the two groups' denominators ``n1`` (group) and ``n0`` (reference) and the
    reference's rate ``p0``. It is the ``d`` solving the usual normal-approximation
    power equation for two independent proportions (the pooled z-test, i.e. the
    chi-squared test without continuity correction; Fleiss, Levin & Paik 2003, ch. 4)::

        d = z(1 - alpha/2) * sqrt(pbar (1 - pbar) (1/n1 + 1/n0))
            + z(power) * sqrt(p1 (1 - p1) / n1 + p0 (1 - p0) / n0)

    with ``p1 = p0 ± d`` and ``pbar = (n1 p1 + n0 p0) / (n1 + n0)``, solved by fixed-point
    iteration, once upwards and once downwards. Reported as ``detectable_difference``
    (upwards, in the metric's units) and as the ratios ``detectable_ratio_low`` /
    ``detectable_ratio_high`` outside which a ratio could be detected: an observed ratio
    of 1.2 with ``detectable_ratio_high`` 1.5 says the data cannot tell a disparity of
    that size from none. For the calibration ratio ``p0`` is the observed rate the group
    would have if its observed/expected equalled the reference's (an approximation that
    treats the expected counts as fixed).

Calibration within each group
    Observed against predicted per decile (of the *whole* cohort's scores, so every
    group is binned on the same scale) or per risk band, per group, with Wilson intervals
    for the observed rates.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> p = rng.uniform(0.05, 0.95, 4000); y = (rng.random(4000) < p).astype(int)
>>> g = np.where(rng.random(4000) < 0.7, "big", "small")
>>> d = disparity_ratios(y, p, g, threshold=0.5)
>>> d.reference
'big'
>>> row = d.table.set_index("metric").loc["fpr"]
>>> row["group"], int(row["n"]), int(row["n_reference"])  # negatives in each group
('small', 599, 1375)
>>> bool(row["lower"] < 1 < row["upper"]), bool(row["detectable_ratio_high"] > 1.1)
(True, True)
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from numbers import Real
from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd

from riskassess.exceptions import ValidationInputError
from riskassess.validation._calibration import (
    Bands,
    assign_bands,
    decile_codes,
    reliability_table,
)
from riskassess.validation._group_inputs import group_codes
from riskassess.validation._inputs import checked_outcomes
from riskassess.validation._metrics import z_value

__all__ = [
    "DISPARITY_METRICS",
    "Disparity",
    "calibration_rows",
    "disparity_ratios",
    "disparity_table",
    "group_calibration",
    "minimum_detectable_difference",
]

#: The metrics compared as ratios, in report order.
DISPARITY_METRICS: tuple[str, ...] = ("fpr", "fnr", "selection_rate", "calibration")

_ITERATIONS = 60
_NORMAL = NormalDist()


def minimum_detectable_difference(
    n_group: Any, n_reference: Any, reference_rate: Any, *, alpha: float = 0.05,
    power: float = 0.8, direction: int = 1,
) -> np.ndarray:
    """Smallest difference in a proportion a two-sided test could detect with this power.

    Solves the normal-approximation power equation of the pooled two-proportion z-test
    (see the module notes) for ``d``, with the group's rate ``p0 + direction * d``.
    Vectorised over its array arguments.

    Parameters
    ----------
    n_group, n_reference : array-like of int
        Denominators of the proportion in the group and in the reference group.
    reference_rate : array-like of float
        The reference group's rate ``p0`` in [0, 1].
    alpha : float, default 0.05
        Two-sided significance level.
    power : float, default 0.8
        Probability of detecting a difference of the returned size.
    direction : {1, -1}
        Detect an increase (1) or a decrease (-1) of the group's rate.

    Returns
    -------
    numpy.ndarray of float
        ``d >= 0``; NaN where a denominator is 0 or no difference in that direction
        keeps the rate within [0, 1] (e.g. an increase from a rate near 1).

    Raises
    ------
    ValidationInputError
        ``alpha`` or ``power`` outside (0, 1), or ``direction`` not 1 or -1.

    Examples
    --------
    >>> round(float(minimum_detectable_difference(500, 500, 0.3)), 4)
    0.084
    >>> float(minimum_detectable_difference(0, 500, 0.3))
    nan
    """
    for name, value in (("alpha", alpha), ("power", power)):
        if isinstance(value, bool) or not isinstance(value, Real) or not 0 < value < 1:
            raise ValidationInputError(f"{name} must be a number in (0, 1); got {value!r}")
    if direction not in (1, -1):
        raise ValidationInputError(f"direction must be 1 or -1; got {direction!r}")
    n1 = np.asarray(n_group, dtype=np.float64)
    n0 = np.asarray(n_reference, dtype=np.float64)
    p0 = np.asarray(reference_rate, dtype=np.float64)
    z_alpha, z_power = _NORMAL.inv_cdf(1 - alpha / 2), _NORMAL.inv_cdf(power)
    with np.errstate(divide="ignore", invalid="ignore"):
        d = (z_alpha + z_power) * np.sqrt(p0 * (1 - p0) * (1 / n1 + 1 / n0))
        # the right-hand side changes slowly with d (through p1 and pbar only), so the
        # iteration contracts: it stops when no value moves by more than 1e-13
        for _ in range(_ITERATIONS):
            p1 = np.minimum(np.maximum(p0 + direction * d, 0.0), 1.0)
            pbar = (n1 * p1 + n0 * p0) / (n1 + n0)
            new = (z_alpha * np.sqrt(pbar * (1 - pbar) * (1 / n1 + 1 / n0))
                   + z_power * np.sqrt(p1 * (1 - p1) / n1 + p0 * (1 - p0) / n0))
            moved = np.abs(new - d)
            d = new
            if not np.any(moved > 1e-13):  # NaN (an empty group) never blocks the stop
                break
        end = p0 + direction * d
        bad = (n1 <= 0) | (n0 <= 0) | ~np.isfinite(d) | (end > 1.0) | (end < 0.0)
    return np.asarray(np.where(bad, np.nan, d))


@dataclass(frozen=True)
class Disparity:
    """Disparity ratios of every group against one reference group.

    Attributes
    ----------
    attribute : str
        The audit attribute (e.g. ``"race"`` or ``"race × sex"``).
    reference : str
        The reference group.
    table : pandas.DataFrame
        One row per (non-reference group, metric): ``group, metric, value,
        reference_value, ratio, lower, upper, events, n, events_reference, n_reference,
        small, distinct, detectable_difference, detectable_ratio_low,
        detectable_ratio_high, note``. ``n`` is the metric's denominator (negatives for
        the FPR, positives for the FNR, every case otherwise); ``distinct`` is True when
        the interval excludes 1; ``small`` marks a group under the minimum size (shown,
        never dropped).
    level, alpha, power : float
        Confidence level of the intervals; level and power of the detectable difference.
    method : str
        How the intervals and detectable differences were computed.
    calibration_by_decile : pandas.DataFrame or None
        Calibration within each group: observed against predicted per decile of the
        whole cohort's scores, with Wilson intervals (see :func:`group_calibration`).

    Examples
    --------
    >>> import numpy as np
    >>> y = np.tile([0, 1], 100); p = np.tile([0.4, 0.6], 100)
    >>> g = np.repeat(["a", "b"], 100)
    >>> d = disparity_ratios(y, p, g, reference_group="a")
    >>> d.table["ratio"].tolist()  # identical groups: parity on every metric
    [nan, nan, 1.0, 1.0]
    >>> d.table["note"].iloc[0]
    'ratio undefined: the reference has a rate of 0'
    """

    attribute: str
    reference: str
    table: pd.DataFrame
    level: float
    alpha: float
    power: float
    method: str
    calibration_by_decile: pd.DataFrame | None = None

    def copy(self) -> Disparity:
        """A copy whose tables can be edited without changing this one."""
        calibration = (None if self.calibration_by_decile is None
                       else self.calibration_by_decile.copy())
        return dataclasses.replace(self, table=self.table.copy(),
                                   calibration_by_decile=calibration)


def _method(level: float, alpha: float, power: float) -> str:
    return (f"Katz log interval ({level:.0%}) for ratios of independent proportions; "
            f"minimum detectable difference: pooled two-proportion z-test, two-sided "
            f"alpha {alpha:g}, power {power:.0%}, normal approximation")


def disparity_table(
    y: np.ndarray, p: np.ndarray, pred: np.ndarray, labels: Sequence[str],
    codes: np.ndarray, reference: str, *, level: float, min_group_size: int,
    alpha: float = 0.05, power: float = 0.8,
) -> pd.DataFrame:
    """Disparity rows for checked arrays (see :class:`Disparity` for the columns)."""
    k = len(labels)
    size = np.bincount(codes, minlength=k).astype(np.float64)
    pos = np.bincount(codes, weights=y, minlength=k)
    neg = size - pos
    tp = np.bincount(codes, weights=y * pred, minlength=k)
    fp = np.bincount(codes, weights=(1 - y) * pred, minlength=k)
    expected = np.bincount(codes, weights=p, minlength=k)
    # (events, denominator) per group and metric; calibration: observed positives over
    # cases, divided below by the mean prediction to give observed/expected
    parts = {"fpr": (fp, neg), "fnr": (pos - tp, pos), "selection_rate": (tp + fp, size),
             "calibration": (pos, size)}
    r = labels.index(reference)
    z = z_value(level)
    events_all = np.stack([parts[m][0] for m in DISPARITY_METRICS])  # (metrics, groups)
    den_all = np.stack([parts[m][1] for m in DISPARITY_METRICS])
    with np.errstate(divide="ignore", invalid="ignore"):
        scale_all = np.stack([expected / size if m == "calibration" else np.ones(k)
                              for m in DISPARITY_METRICS])
        value_all = np.where(den_all > 0, events_all / den_all, np.nan) / scale_all
        # the reference's rate carried over to each group's scale: for the calibration
        # ratio, the observed rate a group would have at the reference's observed/expected
        null_all = np.clip(value_all[:, r:r + 1] * scale_all, 0.0, 1.0)
    # every metric and group in one call per direction (the solver iterates)
    up_all = minimum_detectable_difference(den_all, den_all[:, r:r + 1], null_all,
                                           alpha=alpha, power=power)
    down_all = minimum_detectable_difference(den_all, den_all[:, r:r + 1], null_all,
                                             alpha=alpha, power=power, direction=-1)
    rows = []
    for i, metric in enumerate(DISPARITY_METRICS):
        events, den, value = events_all[i], den_all[i], value_all[i]
        p_null, up, down = null_all[i], up_all[i], down_all[i]
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = value / value[r]
            se = np.sqrt(1 / events - 1 / den + 1 / events[r] - 1 / den[r])
        for j, name in enumerate(labels):
            if j == r:
                continue
            finite = bool(np.isfinite(se[j]) and 0 < events[j] < den[j]
                          and 0 < events[r] < den[r])
            lower = float(ratio[j] * math.exp(-z * se[j])) if finite else math.nan
            upper = float(ratio[j] * math.exp(z * se[j])) if finite else math.nan
            rows.append({
                "group": name, "metric": metric, "value": float(value[j]),
                "reference_value": float(value[r]), "ratio": float(ratio[j]),
                "lower": lower, "upper": upper, "events": int(events[j]),
                "n": int(den[j]), "events_reference": int(events[r]),
                "n_reference": int(den[r]), "small": bool(size[j] < min_group_size),
                "distinct": bool(finite and (lower > 1.0 or upper < 1.0)),
                "detectable_difference": float(up[j]),
                "detectable_ratio_low": float(1 - down[j] / p_null[j]) if p_null[j] else
                math.nan,
                "detectable_ratio_high": float(1 + up[j] / p_null[j]) if p_null[j] else
                math.nan,
                "note": _note(metric, events[j], den[j], events[r], den[r], value[r],
                              size[j], min_group_size),
            })
    return pd.DataFrame(rows)


def _note(metric: str, a: float, n: float, b: float, m: float, ref_value: float,
          size: float, min_group_size: int) -> str:
    notes = []
    if size < min_group_size:
        notes.append(f"fewer than {min_group_size} cases: shown, but the interval is wide")
    if n == 0 or m == 0:
        notes.append("no cases in the denominator" + (" of the reference" if m == 0 else ""))
    elif not ref_value or not math.isfinite(ref_value):
        notes.append("ratio undefined: the reference has a rate of 0")
    elif not (0 < a < n and 0 < b < m):
        notes.append("no interval: a rate of 0 or 1 in the group or the reference "
                     "(the Katz log interval needs events and non-events in both)")
    return "; ".join(notes)


def _check_power_args(level: float, alpha: float, power: float) -> None:
    for name, value in (("level", level), ("alpha", alpha), ("power", power)):
        if isinstance(value, bool) or not isinstance(value, Real) or not 0 < value < 1:
            raise ValidationInputError(f"{name} must be within (0, 1); got {value!r}")


def resolve_reference(labels: Sequence[str], sizes: np.ndarray, reference_group: Any) -> str:
    """The named reference group, or the largest group; unknown names raise."""
    if reference_group is None:
        return labels[int(np.argmax(sizes))]  # ties: the first in sorted order
    name = str(reference_group)
    if name not in labels:
        raise ValidationInputError(
            f"reference_group: {name!r} is not one of the groups {list(labels)}")
    return name


def disparity_ratios(
    y_true: Any, y_prob: Any, groups: Any, *, reference_group: Any = None,
    threshold: float = 0.5, level: float = 0.95, min_group_size: int = 30,
    alpha: float = 0.05, power: float = 0.8,
) -> Disparity:
    """Disparity ratios of every group against a reference, with Katz intervals.

    Parameters
    ----------
    y_true : array-like of {0, 1}
        Observed outcomes.
    y_prob : array-like of float
        Predicted probabilities in [0, 1].
    groups : array-like
        Group of every case; a pandas Series' name labels the attribute.
    reference_group : str, optional
        The group every other is compared with; default the largest.
    threshold : float, default 0.5
        Predicted positive when the probability is at least this (one threshold for
        every group).
    level : float, default 0.95
        Confidence level of the intervals.
    min_group_size : int, default 30
        Groups smaller than this are kept and marked ``small``.
    alpha, power : float
        Level and power of the minimum detectable difference.

    Returns
    -------
    Disparity

    Raises
    ------
    ValidationInputError
        Bad labels, probabilities or groups (the message names the case and the input),
        an unknown ``reference_group``, fewer than two groups, or a parameter out of range.

    Examples
    --------
    >>> import numpy as np
    >>> disparity_ratios([0, 1], [0.2, 0.8], ["a", "b"], reference_group="c")
    Traceback (most recent call last):
    ...
    riskassess.exceptions.ValidationInputError: reference_group: 'c' is not one of the ...
    """
    _check_power_args(level, alpha, power)
    if isinstance(threshold, bool) or not isinstance(threshold, Real) or not 0 < threshold <= 1:
        raise ValidationInputError(f"threshold must be a number in (0, 1]; got {threshold!r}")
    ids, y, p = checked_outcomes(y_true, y_prob, (groups, "groups"))
    labels, codes = group_codes(groups, ids)
    if len(labels) < 2:
        raise ValidationInputError(
            f"groups: disparity ratios need at least two groups; got only {labels}")
    reference = resolve_reference(labels, np.bincount(codes), reference_group)
    pred = (p >= float(threshold)).astype(np.int8)
    table = disparity_table(y, p, pred, labels, codes, reference, level=level,
                            min_group_size=min_group_size, alpha=alpha, power=power)
    attribute = str(getattr(groups, "name", None) or "group")
    return Disparity(attribute, reference, table, level, alpha, power,
                     _method(level, alpha, power),
                     calibration_rows(y, p, labels, codes, "decile", level))


def group_calibration(
    y_true: Any, y_prob: Any, groups: Any, *, bins: Any = "decile", level: float = 0.95,
) -> pd.DataFrame:
    """Observed against predicted within each group, per decile or band, with Wilson CIs.

    Parameters
    ----------
    y_true : array-like of {0, 1}
        Observed outcomes.
    y_prob : array-like of float
        Predicted probabilities in [0, 1].
    groups : array-like
        Group of every case.
    bins : "decile" or sequence of float
        ``"decile"``: deciles of the whole cohort's scores (the same bins in every
        group); or increasing band cut-points within (0, 1).
    level : float, default 0.95
        Confidence level of the Wilson intervals.

    Returns
    -------
    pandas.DataFrame
        One row per group and bin (empty bins kept with ``n = 0``): ``group, bin, n,
        mean_predicted, observed, observed_lower, observed_upper, difference,
        predicted_in_interval``.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> p = rng.uniform(size=3000); y = (rng.random(3000) < p).astype(int)
    >>> g = np.where(rng.random(3000) < 0.5, "a", "b")
    >>> t = group_calibration(y, p, g)
    >>> t.groupby("group").size().tolist()
    [10, 10]
    >>> t.loc[0, "group"], t.loc[0, "bin"], int(t.loc[0, "n"])
    ('a', '[0.000, 0.094)', 146)
    """
    _check_power_args(level, 0.5, 0.5)
    ids, y, p = checked_outcomes(y_true, y_prob, (groups, "groups"))
    labels, codes = group_codes(groups, ids)
    return calibration_rows(y, p, labels, codes, bins, level)


def calibration_rows(
    y: np.ndarray, p: np.ndarray, labels: Sequence[str], codes: np.ndarray, bins: Any,
    level: float,
) -> pd.DataFrame:
    """:func:`group_calibration` on checked arrays."""
    if isinstance(bins, str):
        if bins != "decile":
            raise ValidationInputError(f"bins must be 'decile' or cut-points; got {bins!r}")
        bin_codes, bin_labels = decile_codes(p)
    else:
        cuts = tuple(float(c) for c in bins)
        names = tuple(f"band {i + 1}" for i in range(len(cuts) + 1))
        band_spec = Bands(cuts, names)  # checks the cut-points
        bin_codes, bin_labels = assign_bands(p, band_spec.cut_points), list(names)
    parts = []
    for j, name in enumerate(labels):
        mask = codes == j
        t = reliability_table(y[mask], p[mask], bin_codes[mask], bin_labels, level)
        t.insert(0, "group", name)
        parts.append(t)
    return pd.concat(parts, ignore_index=True)
