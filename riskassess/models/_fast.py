"""Scalar fast path of ``decision_function`` for a few rows (a case system scores one case).

The vectorised path (:meth:`TransparentModel.decision_function`) validates the frame with
scikit-learn and pandas and bins every column with numpy: right for a million rows, but
about 2 ms for one. For a frame of at most :data:`MAX_ROWS` rows whose columns are
exactly the fitted columns in the fitted order, this module reads each value once and
bins it with :func:`bisect.bisect_left` / :func:`bisect.bisect_right` (numeric axes) or a
dict (categorical axes), adding the table entries in the same order as the vectorised
path, so the result is bit-for-bit the same.

Anything unusual (a value that is neither a finite real number, a string nor a plain
missing value, an infinite value, a missing value the model refuses, an unseen category,
other columns or column order, more rows) returns ``None``: the caller then takes the
vectorised path, which raises the usual error. The fast path never raises on bad input.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from riskassess.models import AdditiveRiskClassifier
>>> rng = np.random.default_rng(0)
>>> X = pd.DataFrame({"age": rng.integers(18, 70, 300).astype(float),
...                   "sex": rng.choice(["F", "M"], 300)})
>>> y = (rng.random(300) < 0.4).astype(int)
>>> model = AdditiveRiskClassifier().fit(X, y)
>>> one = X.iloc[[0]]
>>> fast = fast_decision(model, one)
>>> bool(fast[0] == model.form_.decision_function(one)[0])
True
>>> fast_decision(model, one.assign(sex="X")) is None  # unseen: vectorised path raises
True
"""

from __future__ import annotations

import math
import weakref
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from riskassess.models._terms import AdditiveForm, CategoricalAxis, LinearTerm, NumericAxis

__all__ = ["MAX_ROWS", "fast_decision", "small_frame_rows"]

#: Frames with at most this many rows take the scalar path.
MAX_ROWS = 16

_NUM = 0
_CAT = 1
_MISSING = object()  # a plain missing value: None or float NaN
_BIG = 2**53

# (kind, column index, thresholds or dict, bisect, missing code)
_AxisPlan = tuple[int, int, Any, Callable[..., int] | None, int]


class _Plan:
    """Everything the scalar path needs, read once from a fitted model's ``form_``."""

    __slots__ = ("__weakref__", "allowed", "columns", "form", "intercept", "missing_ok",
                 "names", "terms")

    def __init__(self, form: AdditiveForm, names: Any, columns: list[str],
                 missing_allowed: dict[str, bool]) -> None:
        self.form = weakref.ref(form)
        self.names = names  # the model's feature_names_in_ object (checked by identity)
        self.allowed = dict(missing_allowed)
        self.columns = columns
        self.intercept = float(form.intercept)
        index = {c: i for i, c in enumerate(columns)}
        self.missing_ok = [bool(missing_allowed.get(c, False)) for c in columns]
        terms: list[tuple[Any, ...]] = []
        for t in form.terms:
            if isinstance(t, LinearTerm):
                terms.append(("linear", index[t.feature], float(t.coef)))
                continue
            axes: list[_AxisPlan] = []
            for a in t.axes:
                j = index[a.feature]
                if isinstance(a, NumericAxis):
                    side = bisect_left if a.closed == "right" else bisect_right
                    axes.append((_NUM, j, tuple(float(v) for v in a.thresholds), side,
                                 a.n_bins - 1))
                else:
                    assert isinstance(a, CategoricalAxis)
                    axes.append((_CAT, j, {c: i for i, c in enumerate(a.categories)}, None,
                                 a.n_bins - 1))
            terms.append(("table", tuple(axes), t.table.tolist()))
        self.terms = terms


_PLANS: dict[int, _Plan] = {}


def _plan(model: Any, form: AdditiveForm) -> _Plan | None:
    names = model.__dict__.get("feature_names_in_")
    allowed = model.__dict__.get("missing_allowed_")
    if names is None or not isinstance(allowed, dict):
        return None
    plan = _PLANS.get(id(form))
    if plan is not None and plan.form() is form and plan.names is names and \
            plan.allowed == allowed:
        return plan
    columns = [str(c) for c in names]
    if not set(form.features) <= set(columns) or set(allowed) != set(columns):
        return None
    plan = _Plan(form, names, columns, allowed)
    key = id(form)
    if key not in _PLANS:
        weakref.finalize(form, _PLANS.pop, key, None)
    _PLANS[key] = plan
    return plan


def _scalar(v: Any) -> Any:
    """A finite float, a str, ``_MISSING``, or ``None`` when the value is unusual."""
    if isinstance(v, str):
        return v
    if v is None:
        return _MISSING
    if isinstance(v, float | np.floating):
        f = float(v)
        if math.isnan(f):
            return _MISSING
        return f if math.isfinite(f) else None
    if isinstance(v, int | np.integer) and not isinstance(v, bool | np.bool_):
        return float(v) if -_BIG <= v <= _BIG else None
    return None


def small_frame_rows(X: pd.DataFrame) -> list[list[Any]]:
    """The cells of a small frame as Python lists, one list per row, read once.

    One row is read cell by cell (much cheaper than converting the frame to objects);
    more rows go through one object-dtype conversion. Cells keep their pandas/numpy
    types (e.g. ``numpy.float64``, ``str``, ``None`` or ``nan``).

    Parameters
    ----------
    X : pandas.DataFrame
        Any frame; meant for at most :data:`MAX_ROWS` rows.

    Returns
    -------
    list of list
        ``rows[i][j]`` is the cell in row ``i``, column ``j``.

    Examples
    --------
    >>> import pandas as pd
    >>> rows = small_frame_rows(pd.DataFrame({"age": [30.0, 41.0], "sex": ["M", "F"]}))
    >>> [[float(age), sex] for age, sex in rows]
    [[30.0, 'M'], [41.0, 'F']]
    """
    if len(X) == 1:
        n_cols = X.shape[1]
        return [[X.iat[0, j] for j in range(n_cols)]]
    rows: list[list[Any]] = X.to_numpy(dtype=object).tolist()
    return rows


def fast_decision(model: Any, X: Any, rows: list[list[Any]] | None = None
                  ) -> np.ndarray | None:
    """Log-odds of the rows of ``X`` by the scalar path, or ``None`` to take the other.

    Parameters
    ----------
    model : fitted transparent model (fitted on a DataFrame)
    X : pandas.DataFrame
        At most :data:`MAX_ROWS` rows, exactly the fitted columns in the fitted order.
    rows : list of list, optional
        ``small_frame_rows(X)`` when the caller has already read the cells (the
        explanation does, so one case is read once); read here otherwise.

    Returns
    -------
    numpy.ndarray of shape (n_rows,) or None
    """
    if type(X) is not pd.DataFrame:
        return None
    n = len(X)
    if not 0 < n <= MAX_ROWS:
        return None
    form = model.__dict__.get("form_")
    if not isinstance(form, AdditiveForm):
        return None
    plan = _plan(model, form)
    if plan is None or X.columns.tolist() != plan.columns:
        return None
    n_cols = len(plan.columns)
    if rows is None:
        rows = small_frame_rows(X)
    elif len(rows) != n or any(len(r) != n_cols for r in rows):
        return None
    out = np.empty(n, dtype=np.float64)
    missing_ok = plan.missing_ok
    for r, raw in enumerate(rows):
        vals = []
        for j in range(n_cols):
            v = _scalar(raw[j])
            if v is None or (v is _MISSING and not missing_ok[j]):
                return None
            vals.append(v)
        acc = plan.intercept
        for term in plan.terms:
            if term[0] == "linear":
                x = vals[term[1]]
                if not isinstance(x, float):
                    return None
                acc += term[2] * x
                continue
            cell: Any = term[2]
            for kind, j, lookup, side, miss in term[1]:
                x = vals[j]
                if x is _MISSING:
                    code = miss
                elif kind == _NUM:
                    if not isinstance(x, float):
                        return None
                    code = side(lookup, x)
                else:
                    if not isinstance(x, str):
                        return None
                    code = lookup.get(x, -1)
                    if code < 0:
                        return None
                cell = cell[code]
            acc += cell
        out[r] = acc
    return out
