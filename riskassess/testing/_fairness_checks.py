"""Fairness checks for validation suites: disparity ratios and net benefit by group.

Like the other checks, each returns None when the property holds and raises
:class:`AssertionError` naming the groups and numbers when it does not; a bad argument
raises :class:`~riskassess.exceptions.ValidationInputError` (a ``ValueError``), so a
mistake in the suite is not mistaken for a failing model.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> p = rng.uniform(0.05, 0.95, 4000); y = (rng.random(4000) < p).astype(int)
>>> g = np.where(rng.random(4000) < 0.5, "a", "b")  # groups unrelated to the score
>>> assert_disparity_ratio_within(p, y=y, groups=g, metric="fpr", bounds=(0.8, 1.25))
>>> assert_net_benefit_above_defaults(p, y=y, groups=g, threshold=0.5)
"""

from __future__ import annotations

from numbers import Real
from typing import Any

import numpy as np

from riskassess.exceptions import ValidationInputError
from riskassess.validation import decision_curve, disparity_ratios

__all__ = ["assert_disparity_ratio_within", "assert_net_benefit_above_defaults"]

#: The ratios ``disparity_ratios`` reports (its documented metrics).
DISPARITY_METRICS = ("fpr", "fnr", "selection_rate", "calibration")
_NAMES = {"fpr": "false positive rate", "fnr": "false negative rate",
          "selection_rate": "selection rate", "calibration": "observed/expected"}


def _probabilities(model_or_scores: Any, X: Any) -> Any:
    if hasattr(model_or_scores, "predict_proba"):
        if X is None:
            raise ValidationInputError("model_or_scores: a fitted model needs X to score")
        proba = np.asarray(model_or_scores.predict_proba(X), dtype=float)
        return proba[:, 1] if proba.ndim == 2 else proba
    return model_or_scores


def assert_disparity_ratio_within(
    model_or_scores: Any, X: Any = None, y: Any = None, groups: Any = None, *,
    metric: str = "fpr", bounds: tuple[float, float] = (0.8, 1.25),
    reference_group: Any = None, threshold: float = 0.5, on: str = "estimate",
    min_group_size: int = 30, level: float = 0.95,
) -> None:
    """Assert that every group's ratio to the reference group lies within ``bounds``.

    Parameters
    ----------
    model_or_scores : fitted classifier or array-like of float
        A model with ``predict_proba`` (scored on ``X``) or probabilities.
    X : DataFrame, optional
        Model inputs, when a model is given.
    y : array-like of {0, 1}
        Observed outcomes.
    groups : array-like
        Group of every case.
    metric : {"fpr", "fnr", "selection_rate", "calibration"}
        The ratio to check (``calibration``: observed/expected of the group over the
        reference's).
    bounds : (float, float), default (0.8, 1.25)
        Accepted ratios, ``low < 1 < high`` (the default is symmetric on the log scale).
    reference_group : str, optional
        Default the largest group.
    threshold : float, default 0.5
        Predicted positive at or above this probability (one threshold for every group).
    on : {"estimate", "interval"}
        ``"estimate"``: the point ratio must lie within ``bounds``; ``"interval"``: its
        whole Katz interval must (the data must *show* the ratio is within bounds: a
        stricter check that small samples fail).
    min_group_size : int, default 30
        Groups smaller than this are not checked (their ratios are too noisy to fail a
        model on); the failure message lists them, so none is skipped silently.
    level : float, default 0.95
        Confidence level of the intervals.

    Raises
    ------
    AssertionError
        A group's ratio (or interval) outside ``bounds``, or a ratio that is undefined.
    ValidationInputError
        Bad arguments (unknown metric, bounds not around 1, bad data naming the case).

    Examples
    --------
    >>> import numpy as np
    >>> y = np.array([0, 1] * 100)
    >>> p = np.array([0.7, 0.8] * 50 + [0.2, 0.8] * 50)   # group b: no false positives
    >>> g = ["a"] * 100 + ["b"] * 100
    >>> assert_disparity_ratio_within(p, y=y, groups=g, metric="fnr", reference_group="a")
    Traceback (most recent call last):
    ...
    AssertionError: false negative rate ratio vs 'a': undefined for 'b' ...
    >>> assert_disparity_ratio_within(p, y=y, groups=g, metric="selection_rate",
    ...                               reference_group="a")
    Traceback (most recent call last):
    ...
    AssertionError: selection rate ratio vs 'a' outside [0.8, 1.25]: 'b' 0.500 (no interval...
    """
    if metric not in DISPARITY_METRICS:
        raise ValidationInputError(
            f"metric must be one of {list(DISPARITY_METRICS)}; got {metric!r}")
    if on not in ("estimate", "interval"):
        raise ValidationInputError(f"on must be 'estimate' or 'interval'; got {on!r}")
    try:
        low, high = (float(b) for b in bounds)
    except (TypeError, ValueError):
        raise ValidationInputError(f"bounds must be two numbers (low, high); got {bounds!r}"
                                   ) from None
    if not 0 < low < 1 < high:
        raise ValidationInputError(f"bounds must satisfy 0 < low < 1 < high; got {bounds!r}")
    if groups is None:
        raise ValidationInputError("groups are required")
    if isinstance(min_group_size, bool) or not isinstance(min_group_size, Real):
        raise ValidationInputError(f"min_group_size must be a whole number; got "
                                   f"{min_group_size!r}")
    result = disparity_ratios(y, _probabilities(model_or_scores, X), groups,
                              reference_group=reference_group, threshold=threshold,
                              level=level, min_group_size=int(min_group_size))
    rows = result.table[result.table["metric"] == metric]
    checked = rows[~rows["small"]]
    skipped = rows.loc[rows["small"], "group"].tolist()
    head = f"{_NAMES[metric]} ratio vs {result.reference!r}"
    tail = (f" (groups under {min_group_size} cases not checked: {skipped})"
            if skipped else "")
    undefined = checked[~np.isfinite(checked["ratio"].to_numpy(dtype=float))]
    if len(undefined):
        first = undefined.iloc[0]
        raise AssertionError(f"{head}: undefined for {first['group']!r} ({first['note']})"
                             f"{tail}")
    lo_col, hi_col = ("ratio", "ratio") if on == "estimate" else ("lower", "upper")
    lower = checked[lo_col].to_numpy(dtype=float)
    upper = checked[hi_col].to_numpy(dtype=float)
    # an interval that could not be computed (NaN) cannot show the ratio is within bounds
    bad = ~((lower >= low) & (upper <= high))
    if bad.any():
        shown = "; ".join(_describe(r, result.level) for r in checked[bad].to_dict("records"))
        raise AssertionError(f"{head} outside [{low:g}, {high:g}]: {shown}{tail}")


def _describe(row: dict[str, Any], level: float) -> str:
    interval = (f"{level:.0%} CI {row['lower']:.3f} to {row['upper']:.3f}"
                if np.isfinite(row["lower"]) else "no interval: " + row["note"])
    return f"{row['group']!r} {row['ratio']:.3f} ({interval}, n={row['n']})"


def assert_net_benefit_above_defaults(
    model_or_scores: Any, X: Any = None, y: Any = None, groups: Any = None, *,
    threshold: float = 0.5, min_group_size: int = 30,
) -> None:
    """Assert that, at ``threshold``, the model's net benefit beats treat-all and treat-none.

    Checked for all cases and, when ``groups`` are given, in every group of at least
    ``min_group_size`` cases, at the *same* threshold for every group (see
    :mod:`riskassess.validation` on why there are no group-specific thresholds).

    Raises
    ------
    AssertionError
        Net benefit at or below treat-all or treat-none (names the group and numbers).
    ValidationInputError
        Bad arguments or data.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.array([1, 0] * 50); useless = np.full(100, 0.6)
    >>> assert_net_benefit_above_defaults(useless, y=y, threshold=0.3)
    Traceback (most recent call last):
    ...
    AssertionError: net benefit at threshold 0.3 does not beat treat-all ...
    """
    curve = decision_curve(y, _probabilities(model_or_scores, X), groups,
                           thresholds=[threshold], operating_threshold=threshold)
    at = curve.at_operating
    # the first row is the whole cohort (always checked), then one row per group
    at = at[(at.index == 0) | (at["n"] >= min_group_size)]
    failing = at[~at["useful"]]
    if len(failing):
        shown = "; ".join(
            f"{r['group']}: model {r['net_benefit']:.4f}, treat-all "
            f"{r['net_benefit_all']:.4f}, treat-none 0 (n={r['n']})"
            for r in failing.to_dict("records"))
        raise AssertionError(f"net benefit at threshold {threshold:g} does not beat "
                             f"treat-all and treat-none: {shown}")
