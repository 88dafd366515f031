"""Checks for model-validation suites: call them from pytest; they raise AssertionError.

Each check returns None when the property holds and otherwise raises
:class:`AssertionError` whose message says what was expected, what was found, and where
(the case, the feature, the band or the groups). Bad arguments (e.g. no declared
direction to check) raise a :class:`ValueError` instead (a
:class:`~riskassess.exceptions.FeatureError` or
:class:`~riskassess.exceptions.ValidationInputError`), so a mistake in the suite is not
mistaken for a failing model.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from sklearn.linear_model import LogisticRegression
>>> rng = np.random.default_rng(0)
>>> X = pd.DataFrame({"age": rng.integers(18, 70, 500).astype(float),
...                   "priors_count": rng.integers(0, 10, 500).astype(float)})
>>> y = (rng.random(500) < 1 / (1 + np.exp(-(X["priors_count"] - X["age"] / 10)))).astype(int)
>>> model = LogisticRegression().fit(X, y)
>>> assert_monotone(model, X, "priors_count")
>>> assert_no_protected_inputs(model)
>>> assert_monotone(model, X, "priors_count", direction=-1)
Traceback (most recent call last):
...
AssertionError: priors_count: risk should never rise as priors_count rises...
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from riskassess.exceptions import FeatureError, ValidationInputError
from riskassess.features import check_no_protected, monotone_defaults
from riskassess.models import input_names

__all__ = [
    "assert_additive_explanations",
    "assert_calibrated",
    "assert_group_gap_within",
    "assert_monotone",
    "assert_no_protected_inputs",
]

_METRIC_NAMES = {"fpr": "false positive rate", "fnr": "false negative rate",
                 "ppv": "positive predictive value", "selection_rate": "selection rate",
                 "base_rate": "base rate", "auc": "AUC"}


def _score(model: Any, X: pd.DataFrame) -> np.ndarray:
    if hasattr(model, "decision_function"):
        return np.asarray(model.decision_function(X), dtype=float).reshape(-1)
    return np.asarray(model.predict_proba(X), dtype=float)[:, 1]


def _row_name(X: pd.DataFrame, i: int) -> str:
    return f"case {X.index[i]!r}"


def assert_calibrated(
    model_or_scores: Any, X: Any = None, y: Any = None, *, tolerance: float = 0.05,
    slope_tolerance: float = 0.2, min_bin_size: int = 30, bands: Any = None,
) -> None:
    """Assert calibration in the large, by band, and of the slope.

    Holds when ``|observed rate - mean predicted| <= tolerance`` overall; in every band
    with at least ``min_bin_size`` cases the observed rate is within ``tolerance`` of the
    mean predicted probability or its Wilson interval covers it; and the logistic
    recalibration slope is within ``1 ± slope_tolerance``.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(1)
    >>> p = rng.uniform(0.05, 0.95, 5000); y = (rng.random(5000) < p).astype(int)
    >>> assert_calibrated(p, y=y)
    >>> assert_calibrated(np.clip(p + 0.2, 0, 1), y=y)
    Traceback (most recent call last):
    ...
    AssertionError: not calibrated: observed rate ... is more than 5.0 points from ...
    """
    from riskassess.validation import validate

    report = validate(model_or_scores, X, y, n_bootstrap=0, bands=bands)
    cal = report.calibration
    problems = []
    if abs(cal.observed_rate - cal.mean_predicted) > tolerance:
        problems.append(f"observed rate {cal.observed_rate:.1%} is more than "
                        f"{100 * tolerance:.1f} points from the mean predicted "
                        f"{cal.mean_predicted:.1%}")
    for row in cal.by_band.to_dict("records"):
        if row["n"] >= min_bin_size and abs(row["difference"]) > tolerance \
                and not row["predicted_in_interval"]:
            problems.append(f"band {row['bin']!r} (n={row['n']}): observed "
                            f"{row['observed']:.1%} (CI {row['observed_lower']:.1%} to "
                            f"{row['observed_upper']:.1%}) vs predicted "
                            f"{row['mean_predicted']:.1%}")
    slope = cal.recalibration.slope.value
    if not math.isnan(slope) and abs(slope - 1.0) > slope_tolerance:
        problems.append(f"calibration slope {slope:.3f} outside 1 ± {slope_tolerance}")
    if problems:
        raise AssertionError("not calibrated: " + "; ".join(problems))


def assert_monotone(
    model: Any, X: pd.DataFrame, feature: str, direction: int | None = None, *,
    grid: Iterable[float] | None = None, max_rows: int = 200,
) -> None:
    """Assert that the model's risk moves with ``feature`` in the declared direction.

    Every row of ``X`` (the first ``max_rows``) is re-scored with ``feature`` set to each
    grid value (default: the distinct values of the column, at most 25 quantiles), other
    columns unchanged.

    Parameters
    ----------
    model : fitted classifier
        Scored with ``decision_function`` if it has one, else ``predict_proba[:, 1]``.
    X : DataFrame
        Cases to vary (the first ``max_rows`` rows are used).
    feature : str
        Column of ``X`` to vary.
    direction : {-1, 1}, optional
        +1 risk never falls as the feature rises, -1 never rises. Default: the fitted
        model's ``monotone_`` if it has one, else
        :func:`riskassess.features.monotone_defaults`.
    grid : iterable of float, optional
        Values to set the feature to (default: its distinct values, at most 25 quantiles).
    max_rows : int, default 200
        Number of rows of ``X`` re-scored.

    Raises
    ------
    AssertionError
        If the risk moves the wrong way for some row: names the case, the two grid values
        and the scores, and how many rows are affected.
    ValueError
        If ``feature`` is not a column of ``X`` or no direction is declared for it.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from sklearn.linear_model import LogisticRegression
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame({"age": rng.integers(18, 70, 200).astype(float),
    ...                   "priors_count": rng.integers(0, 10, 200).astype(float)})
    >>> y = (rng.random(200) < 1 / (1 + np.exp(-(X["priors_count"] - X["age"] / 10)))).astype(int)
    >>> model = LogisticRegression().fit(X, y)
    >>> assert_monotone(model, X, "age")  # default direction for age: -1
    >>> assert_monotone(model, X, "age", direction=1)
    Traceback (most recent call last):
    ...
    AssertionError: age: risk should never fall as age rises, but for case 0 it goes from ...
    >>> assert_monotone(model, X, "postcode")
    Traceback (most recent call last):
    ...
    riskassess.exceptions.FeatureError: feature 'postcode' is not a column of X; columns are ...
    """
    if feature not in X.columns:
        raise FeatureError(f"feature {feature!r} is not a column of X; columns are "
                           f"{list(map(str, X.columns))}")
    if direction is None:
        fitted = getattr(model, "monotone_", None)
        direction = (fitted.get(feature, 0) if isinstance(fitted, dict)
                     else monotone_defaults([feature])[feature])
    if direction not in (-1, 1):
        raise ValidationInputError(f"no monotone direction declared for {feature!r} (got "
                                   f"{direction}); pass direction=1 or -1")
    if grid is None:
        values = pd.to_numeric(X[feature], errors="coerce").dropna().unique()
        values = np.sort(values.astype(float))
        if len(values) > 25:
            values = np.unique(np.quantile(values, np.linspace(0, 1, 25)))
    else:
        values = np.sort(np.asarray(list(grid), dtype=float))
    rows = X.iloc[:max_rows]
    scores = []
    for v in values:
        varied = rows.copy()
        varied[feature] = v
        scores.append(_score(model, varied))
    s = np.column_stack(scores)  # rows x grid values
    step = np.diff(s, axis=1) * direction
    bad = step < -1e-9
    if bad.any():
        i, j = np.argwhere(bad)[0]
        word = "fall" if direction == 1 else "rise"
        raise AssertionError(
            f"{feature}: risk should never {word} as {feature} rises, but for "
            f"{_row_name(rows, int(i))} it goes from {s[i, j]:.4f} at {feature}="
            f"{values[j]:g} to {s[i, j + 1]:.4f} at {feature}={values[j + 1]:g} "
            f"({int(bad.any(axis=1).sum())} of {len(rows)} rows affected)"
        )


def assert_additive_explanations(model: Any, X: pd.DataFrame, *, atol: float = 1e-9) -> None:
    """Assert ``base_values + values.sum(1) == decision_function(X)`` for every row.

    Uses :func:`riskassess.explain.explain`; an :class:`ExplanationError` it raises is
    reported as an assertion failure.

    Parameters
    ----------
    model : fitted riskassess model
        A model :func:`riskassess.explain.explain` can explain without a background
        (``AdditiveRiskClassifier``, ``ScorecardClassifier``, ...).
    X : DataFrame
        Cases to explain.
    atol : float, default 1e-9
        Largest accepted absolute difference on the decision-function scale.

    Raises
    ------
    AssertionError
        If any row does not add up: names the worst case and the difference.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from riskassess.models import AdditiveRiskClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame({"age": rng.integers(18, 70, 200).astype(float),
    ...                   "priors_count": rng.integers(0, 10, 200).astype(float)})
    >>> y = (rng.random(200) < 1 / (1 + np.exp(-(X["priors_count"] - X["age"] / 10)))).astype(int)
    >>> assert_additive_explanations(AdditiveRiskClassifier().fit(X, y), X)

    A model whose score is shifted away from its own lookup tables is caught:

    >>> class Shifted(AdditiveRiskClassifier):
    ...     def decision_function(self, X):
    ...         return super().decision_function(X) + 0.1
    >>> assert_additive_explanations(Shifted().fit(X, y), X)
    Traceback (most recent call last):
    ...
    AssertionError: explanations do not add up: explanation of case ... does not add up: ...
    """
    from riskassess.exceptions import ExplanationError
    from riskassess.explain import explain

    try:
        e = explain(model, X)
    except ExplanationError as exc:
        raise AssertionError(f"explanations do not add up: {exc}") from exc
    total = np.asarray(e.base_values, dtype=float).reshape(-1) + np.asarray(
        e.values, dtype=float).reshape(len(X), -1).sum(axis=1)
    target = _score(model, X)
    gap = np.abs(total - target)
    if np.any(gap > atol):
        i = int(np.argmax(gap))
        raise AssertionError(
            f"explanations do not add up for {int((gap > atol).sum())} of {len(X)} rows; "
            f"worst {_row_name(X, i)}: base + contributions = {total[i]:.12g}, model score "
            f"= {target[i]:.12g} (difference {gap[i]:.3g} > {atol:g})"
        )


def assert_group_gap_within(
    model_or_scores: Any, X: Any = None, y: Any = None, groups: Any = None, *,
    metric: str = "fpr", tolerance: float = 0.1, threshold: float | None = None,
    min_group_size: int = 30,
) -> None:
    """Assert that ``metric`` differs by at most ``tolerance`` between groups.

    ``metric`` is one of ``fpr``, ``fnr``, ``ppv``, ``selection_rate``, ``base_rate``,
    ``auc``; the gap is the largest minus the smallest value among groups with at least
    ``min_group_size`` cases (point estimate).

    Examples
    --------
    >>> import numpy as np
    >>> p = np.array([0.9, 0.2] * 50 + [0.6, 0.4] * 50)
    >>> y = np.array([1, 0] * 100); g = ["a"] * 100 + ["b"] * 100
    >>> assert_group_gap_within(p, y=y, groups=g, metric="fpr", tolerance=0.1)
    >>> assert_group_gap_within(p, y=y, groups=g, metric="auc", tolerance=0.1)
    """
    from riskassess.validation import validate

    if metric not in _METRIC_NAMES:
        raise ValidationInputError(f"metric must be one of {sorted(_METRIC_NAMES)}; "
                                   f"got {metric!r}")
    if groups is None:
        raise ValidationInputError("groups are required")
    report = validate(model_or_scores, X, y, groups, n_bootstrap=0, threshold=threshold,
                      min_group_size=min_group_size)
    fairness = report.fairness
    if fairness is None:  # validate reports fairness whenever groups are given
        raise ValidationInputError("groups are required")
    row = fairness.gaps.loc[metric]
    if not np.isfinite(row["gap"]):
        raise AssertionError(f"{_METRIC_NAMES[metric]}: fewer than two groups with at least "
                             f"{min_group_size} cases and a defined value; nothing to compare")
    if row["gap"] > tolerance:
        values = fairness.groups.set_index("group")[metric]
        raise AssertionError(
            f"{_METRIC_NAMES[metric]} gap {100 * row['gap']:.1f} points exceeds the "
            f"tolerance {100 * tolerance:.1f}: {row['high_group']} "
            f"{values[row['high_group']]:.1%} vs {row['low_group']} "
            f"{values[row['low_group']]:.1%}"
        )


def assert_no_protected_inputs(model: Any, allow: Iterable[str] = ()) -> None:
    """Assert that no protected characteristic (race, religion, ...) is a model input.

    Parameters
    ----------
    model : fitted estimator
        Fitted on a DataFrame (``feature_names_in_``) or a transparent model (``form_``).
    allow : iterable of str, default ()
        Protected characteristics explicitly allowed as inputs.

    Raises
    ------
    AssertionError
        If a protected characteristic is an input and not allowed (names it).
    ValueError
        If the model exposes no input names.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from sklearn.linear_model import LogisticRegression
    >>> X = pd.DataFrame({"age": [20.0, 30, 40, 50], "race": [0, 1, 0, 1]})
    >>> model = LogisticRegression().fit(X, [1, 1, 0, 0])
    >>> assert_no_protected_inputs(model)
    Traceback (most recent call last):
    ...
    AssertionError: LogisticRegression: protected characteristic(s) ['race'] among model inputs; ...
    >>> assert_no_protected_inputs(model, allow=["race"])
    >>> assert_no_protected_inputs(LogisticRegression().fit(X[["age"]], [1, 1, 0, 0]))
    """
    names = input_names(model)
    if names is None:
        raise FeatureError(f"{type(model).__name__} exposes no input names (feature_names_in_ "
                           "or form_); fit it on a DataFrame")
    try:
        check_no_protected(names, allow_protected=allow)
    except FeatureError as exc:
        raise AssertionError(f"{type(model).__name__}: {exc}") from None
