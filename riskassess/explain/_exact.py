"""Exact interventional SHAP values for additive models, read straight from the tables.

A transparent model's log-odds is an :class:`~riskassess.models._terms.AdditiveForm`:
``intercept + sum_t term_t(x)``. For such a model the interventional Shapley value of a
feature is, term by term:

* a one-axis table term or a linear term: its contribution minus the term's mean over the
  background, ``term(x) - E_bg[term]``;
* a pairwise table term ``f(a, b)``: the exact Shapley split of the two-player game
  ``v(S) = E_bg[f(x_S, X_rest)]`` (background marginals for the absent player)::

      phi_a = ((g_a(x_a) - mu) + (f(x_a, x_b) - g_b(x_b))) / 2,   g_a(a) = E_bg[f(a, B)]
      phi_b = ((g_b(x_b) - mu) + (f(x_a, x_b) - g_a(x_a))) / 2,   g_b(b) = E_bg[f(A, b)]

  with ``mu = E_bg[f(A, B)]`` under the joint background, so ``phi_a + phi_b = f - mu``.

Shapley values are linear in the model, so a feature read by several terms gets the sum
of its shares. The base value is ``intercept + sum_t E_bg[term_t]``, and
``base + sum(values)`` equals the model's log-odds: this is checked on every call against
``model.decision_function(X)``.

Every per-cell share is precomputed once per (model, background) as a small "centred"
table, so explaining ``n`` rows costs one table look-up per term and row.
"""

from __future__ import annotations

import bisect
import math
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from riskassess.exceptions import BackgroundError, ExplanationError, FeatureError
from riskassess.models._fast import fast_decision, small_frame_rows
from riskassess.models._terms import (
    AdditiveForm,
    CategoricalAxis,
    LinearTerm,
    NumericAxis,
    TableTerm,
    column_as_float,
)

if TYPE_CHECKING:  # pragma: no cover
    import shap

__all__ = ["ADDITIVITY_TOLERANCE", "BackgroundError", "explain"]

#: Largest allowed ``|base + sum(values) - model.decision_function(X)|`` (log-odds).
ADDITIVITY_TOLERANCE = 1e-9

#: Frames with at most this many rows take the per-row (pure Python) column path.
_SMALL = 16

Axis = NumericAxis | CategoricalAxis


# ----------------------------------------------------------------------------- codes


@lru_cache(maxsize=256)
def _category_lookup(axis: CategoricalAxis) -> dict[str, int]:
    return {c: i for i, c in enumerate(axis.categories)}


@lru_cache(maxsize=256)
def _category_index(axis: CategoricalAxis) -> pd.Index:
    return pd.Index(list(axis.categories), dtype=object)


def _is_missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def _frame_codes(axis: Axis, X: pd.DataFrame) -> np.ndarray:
    """Bin codes of ``axis`` for every row, identical to ``axis.codes(X)`` but faster.

    Anything unusual (unseen categories, non-string categories, mistyped columns) is
    handed to the form's own ``axis.codes``, which is the authority on values and errors.
    """
    if isinstance(axis, NumericAxis):
        col = X[axis.feature] if axis.feature in X.columns else None
        if (col is not None and isinstance(col, pd.Series) and isinstance(col.dtype, np.dtype)
                and col.dtype.kind in "biuf"):
            values = col.to_numpy(dtype=np.float64)
        else:
            values = column_as_float(X, axis.feature)
        return _numeric_codes(axis, values)
    if axis.feature not in X.columns or not isinstance(X[axis.feature], pd.Series):
        return axis.codes(X)
    # one hash pass over the rows, then a look-up per distinct value
    src, uniques = pd.factorize(X[axis.feature], use_na_sentinel=True)
    found = _category_index(axis).get_indexer(pd.Index(np.asarray(uniques, dtype=object)))
    if (found < 0).any():
        return axis.codes(X)  # raises UnseenCategoryError, or maps by str(value)
    return np.append(found, axis.n_bins - 1).astype(np.intp)[src]


def _numeric_codes(axis: NumericAxis, values: np.ndarray) -> np.ndarray:
    """Bin codes of float ``values`` (NaN to the missing bin), as ``NumericAxis.codes``."""
    edges = np.asarray(axis.thresholds, dtype=np.float64)
    side: Literal["left", "right"] = "left" if axis.closed == "right" else "right"
    if len(values) >= 10_000:  # whole numbers in a short range: bin each number once
        lo, hi = float(values.min()), float(values.max())
        if math.isfinite(lo) and math.isfinite(hi) and hi - lo <= 100_000:
            whole = values.astype(np.intp)
            if np.array_equal(whole, values):
                start = int(lo)
                table = np.searchsorted(edges, np.arange(start, int(hi) + 1, dtype=np.float64),
                                        side=side)
                codes: np.ndarray = table[whole - start]
                return codes
    codes = np.searchsorted(edges, values, side=side)
    codes[np.isnan(values)] = axis.n_bins - 1
    return codes


def _small_codes(axis: Axis, values: Sequence[Any]) -> np.ndarray | None:
    """Codes for a few rows from Python values; ``None`` means "use the frame path"."""
    out = np.empty(len(values), dtype=np.intp)
    if isinstance(axis, NumericAxis):
        t = axis.thresholds
        find = bisect.bisect_left if axis.closed == "right" else bisect.bisect_right
        for i, v in enumerate(values):
            if not isinstance(v, int | float | np.integer | np.floating):
                return None
            f = float(v)
            out[i] = axis.n_bins - 1 if math.isnan(f) else find(t, f)
        return out
    lookup = _category_lookup(axis)
    for i, v in enumerate(values):
        if _is_missing(v):
            out[i] = axis.n_bins - 1
        elif isinstance(v, str) and v in lookup:
            out[i] = lookup[v]
        else:
            return None
    return out


# ----------------------------------------------------------------------------- plan


@dataclass(frozen=True)
class _TablePiece:
    column: int  # output column (feature) index
    axes: tuple[Axis, ...]
    table: np.ndarray  # this feature's share of the term, per cell, background-centred


@dataclass(frozen=True)
class _LinearPiece:
    column: int
    term: LinearTerm
    mean: float


@dataclass(frozen=True)
class _Plan:
    feature_names: tuple[str, ...]
    base_value: float
    tables: tuple[_TablePiece, ...]
    linears: tuple[_LinearPiece, ...]


def _table_weights(term: TableTerm, background: pd.DataFrame | None) -> np.ndarray:
    if background is None:
        if term.counts is None:
            raise BackgroundError(
                f"term {term.name!r} stores no background counts; pass background=<a "
                "DataFrame of representative cases with the model's input columns>"
            )
        weights = np.asarray(term.counts, dtype=np.float64)
    else:
        codes = tuple(_frame_codes(a, background) for a in term.axes)
        flat = np.ravel_multi_index(codes, term.table.shape)
        weights = np.bincount(flat, minlength=term.table.size).astype(np.float64)
        weights = weights.reshape(term.table.shape)
    total = weights.sum()
    if not total > 0:
        raise BackgroundError(f"term {term.name!r}: the background is empty")
    return weights / total


def _linear_mean(term: LinearTerm, background: pd.DataFrame | None) -> float:
    if background is not None:
        x = column_as_float(background, term.feature)
        if np.isnan(x).any() or len(x) == 0:
            raise BackgroundError(f"background column {term.feature!r} is empty or has "
                                  f"missing values; term {term.name!r} needs every value")
        return float(x.mean())
    if term.mean is None:
        raise BackgroundError(
            f"term {term.name!r} stores no training mean; pass background=<a DataFrame of "
            "representative cases with the model's input columns>"
        )
    return float(term.mean)


def _make_plan(form: AdditiveForm, feature_names: Sequence[str],
               background: pd.DataFrame | None) -> _Plan:
    position = {f: i for i, f in enumerate(feature_names)}
    unknown = [f for f in form.features if f not in position]
    if unknown:
        raise FeatureError(f"the model's terms read {unknown}, which are not among its "
                           f"input features {list(feature_names)}")
    base = float(form.intercept)
    tables: list[_TablePiece] = []
    linears: list[_LinearPiece] = []
    for term in form.terms:
        if isinstance(term, LinearTerm):
            mean = _linear_mean(term, background)
            base += term.coef * mean
            linears.append(_LinearPiece(position[term.feature], term, mean))
            continue
        p = _table_weights(term, background)
        t = term.table
        mu = float((p * t).sum())
        base += mu
        if len(term.axes) == 1:
            tables.append(_TablePiece(position[term.features[0]], term.axes, t - mu))
            continue
        g_a = t @ p.sum(axis=0)  # E[f(a, B)], B from its background marginal
        g_b = p.sum(axis=1) @ t  # E[f(A, b)]
        phi_a = 0.5 * ((g_a[:, None] - mu) + (t - g_b[None, :]))
        phi_b = 0.5 * ((g_b[None, :] - mu) + (t - g_a[:, None]))
        fa, fb = term.features
        tables.append(_TablePiece(position[fa], term.axes, phi_a))
        tables.append(_TablePiece(position[fb], term.axes, phi_b))
    return _Plan(tuple(feature_names), base, tuple(tables), tuple(linears))


_PLAN_CACHE: dict[int, tuple[AdditiveForm, tuple[str, ...], _Plan]] = {}


def _plan(form: AdditiveForm, feature_names: Sequence[str],
          background: pd.DataFrame | None) -> _Plan:
    """The plan for the stored background is cached per form object."""
    if background is not None:
        return _make_plan(form, feature_names, background)
    names = tuple(feature_names)
    hit = _PLAN_CACHE.get(id(form))
    if hit is not None and hit[0] is form and hit[1] == names:
        return hit[2]
    plan = _make_plan(form, names, None)
    if len(_PLAN_CACHE) >= 64:
        _PLAN_CACHE.pop(next(iter(_PLAN_CACHE)))
    _PLAN_CACHE[id(form)] = (form, names, plan)
    return plan


# ----------------------------------------------------------------------------- values


def _small_columns(X: pd.DataFrame, rows: list[list[Any]]) -> dict[str, list[Any]] | None:
    """The cells of a small frame by column name, numpy scalars as Python values."""
    cols = [str(c) for c in X.columns]
    if len(set(cols)) != len(cols):
        return None
    return {c: [r[j].item() if isinstance(r[j], np.generic) else r[j] for r in rows]
            for j, c in enumerate(cols)}


def _values(plan: _Plan, X: pd.DataFrame, rows: list[list[Any]] | None = None
            ) -> tuple[np.ndarray, np.ndarray]:
    """SHAP values ``(n, p)`` and the explained data ``(n, p)``.

    ``rows`` are the cells of a small frame (:func:`small_frame_rows`), when already read.
    """
    n, p = len(X), len(plan.feature_names)
    missing = [f for f in plan.feature_names if f not in X.columns]
    if missing:
        raise FeatureError(f"missing column(s) {missing}; got columns {list(map(str, X.columns))}")
    if rows is None and n <= _SMALL:
        rows = small_frame_rows(X)
    small = _small_columns(X, rows) if rows is not None else None
    cache: dict[Axis, np.ndarray] = {}

    def codes(axis: Axis) -> np.ndarray:
        c = cache.get(axis)
        if c is None:
            c = _small_codes(axis, small[axis.feature]) if small is not None else None
            if c is None:
                c = _frame_codes(axis, X)
            cache[axis] = c
        return c

    out = np.zeros((p, n))
    for piece in plan.tables:
        idx = tuple(codes(a) for a in piece.axes)
        out[piece.column] += piece.table[idx]
    for lin in plan.linears:
        x = column_as_float(X, lin.term.feature)
        if np.isnan(x).any():
            lin.term.evaluate(X)  # raises the form's own error
        out[lin.column] += lin.term.coef * (x - lin.mean)
    if small is not None:
        data = np.array([small[f] for f in plan.feature_names], dtype=object).T
    else:
        read = {a.feature: (a, c) for a, c in cache.items() if isinstance(a, CategoricalAxis)}
        data = _frame_data(X, plan.feature_names, read)
    return out.T, data


def _frame_data(X: pd.DataFrame, names: Sequence[str],
                categorical: dict[str, tuple[CategoricalAxis, np.ndarray]] | None = None
                ) -> np.ndarray:
    """The explained values, ``(n, p)``: float if every column is numeric, else object.

    A column the model reads as categorical is rebuilt from its codes (the category as
    the model matched it, ``None`` when missing): much faster than converting strings.
    """
    categorical = categorical or {}
    columns = [X[name] for name in names]
    if all(isinstance(c.dtype, np.dtype) and c.dtype.kind in "biuf" for c in columns):
        return X[list(names)].to_numpy(dtype=np.float64)
    out = np.empty((len(X), len(columns)), dtype=object)
    for j, (name, col) in enumerate(zip(names, columns, strict=True)):
        if name in categorical:
            axis, codes = categorical[name]
            out[:, j] = np.array([*axis.categories, None], dtype=object)[codes]
        else:
            out[:, j] = _boxed(col.to_numpy())
    return out


def _boxed(values: np.ndarray) -> np.ndarray:
    """``values`` as Python objects; a discrete column boxes each distinct value once."""
    if values.dtype == object or len(values) < 10_000:
        return values
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    if len(uniques) > len(values) // 8:  # nearly continuous: boxing each value is cheaper
        return values
    boxed: np.ndarray = np.asarray(uniques, dtype=object)[codes]
    return boxed


def horizon_label(model: object) -> str:
    """What the explanation explains, e.g. ``"2-year risk"`` (``"risk"`` if no horizon)."""
    h = getattr(model, "horizon", None)
    if isinstance(h, bool) or h is None:
        return "risk"
    if isinstance(h, int | float | np.integer | np.floating):
        return f"{float(h):g}-year risk"
    if isinstance(h, str) and h.strip():
        return f"{h.strip()} risk"
    return "risk"


def check_additivity(values: np.ndarray, base: np.ndarray, prediction: np.ndarray,
                     index: Any, tolerance: float = ADDITIVITY_TOLERANCE) -> None:
    """Raise :class:`ExplanationError` unless ``base + sum(values) == prediction``."""
    prediction = np.asarray(prediction, dtype=np.float64).reshape(-1)
    if prediction.shape[0] != values.shape[0]:
        raise ExplanationError(f"the model returned {prediction.shape[0]} scores for "
                               f"{values.shape[0]} rows")
    gap = np.abs(base + values.sum(axis=1) - prediction)
    worst = int(np.argmax(gap)) if len(gap) else 0
    if len(gap) and not gap[worst] <= tolerance:
        raise ExplanationError(
            f"explanation of case {index[worst]!r} does not add up: base value + "
            f"contributions = {base[worst] + values[worst].sum():.12g}, but the model's "
            f"decision_function = {prediction[worst]:.12g} (difference {gap[worst]:.3g} > "
            f"{tolerance:g}); {int((gap > tolerance).sum())} row(s) affected"
        )


def _instance_names(X: pd.DataFrame) -> list[str] | None:
    if isinstance(X.index, pd.RangeIndex):
        return None
    return [str(i) for i in X.index]


# ----------------------------------------------------------------------------- public


def explain(model: Any, X: pd.DataFrame, *, background: pd.DataFrame | None = None
            ) -> shap.Explanation:
    """Explain each row of ``X``: log-odds contributions that add up to the model's score.

    For a transparent model (anything with a ``form_`` lookup-table form: the additive
    model, the scorecard, OGRS3) the values are exact interventional SHAP values computed
    straight from the tables. Any other fitted scikit-learn classifier is explained by
    shap's own explainers (linear, tree-interventional, or model-agnostic), through the
    same call and with the same return type.

    Parameters
    ----------
    model : fitted estimator
        A riskassess model, or any scikit-learn classifier.
    X : pandas.DataFrame
        Cases to explain, with the model's input columns.
    background : pandas.DataFrame, optional
        The reference population ("the average case"). Defaults to the training
        distribution stored in the model's terms; required when the model stores none
        (OGRS3) or is not a riskassess model.

    Returns
    -------
    shap.Explanation
        ``values`` (n, n_features) log-odds contributions, ``base_values`` (n,) the
        background's mean log-odds, ``data`` the explained values, ``feature_names`` the
        model's input features, ``output_names`` what is explained (e.g. ``"2-year risk"``).
        ``base_values + values.sum(1)`` equals ``model.decision_function(X)``.

    Raises
    ------
    FeatureError, UnseenCategoryError
        Bad input columns, as from the model's ``predict``.
    BackgroundError
        No background given and none stored in the model.
    ExplanationError
        The explanation does not add up to the model's score (never silently returned).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from riskassess.models._terms import AdditiveForm, NumericAxis, TableTerm
    >>> age = NumericAxis("age", (25.0,))
    >>> form = AdditiveForm(-1.0, (TableTerm("age", (age,), np.array([0.6, -0.2, 0.0]),
    ...                                      counts=np.array([1.0, 3.0, 0.0])),))
    >>> class Model:  # any estimator exposing form_ and decision_function
    ...     form_, feature_names_in_ = form, np.array(["age"])
    ...     def decision_function(self, X):
    ...         return form.decision_function(X)
    >>> e = explain(Model(), pd.DataFrame({"age": [19.0, 40.0]}))
    >>> e.base_values  # -1 + (0.6 * 1 - 0.2 * 3) / 4
    array([-1., -1.])
    >>> e.values
    array([[ 0.6],
           [-0.2]])
    """
    form = getattr(model, "form_", None)
    if not isinstance(form, AdditiveForm):
        from riskassess.explain._shap import explain_with_shap

        return explain_with_shap(model, X, background=background)
    return _explain_additive(model, form, X, background)


def _explain_additive(model: Any, form: AdditiveForm, X: pd.DataFrame,
                      background: pd.DataFrame | None) -> shap.Explanation:
    from riskassess.explain._shap import make_explanation

    # the model's own scoring first: bad input raises exactly what predict raises
    rows = (small_frame_rows(X) if type(X) is pd.DataFrame and 0 < len(X) <= _SMALL
            else None)
    prediction = _model_score(model, X, rows)
    names = getattr(model, "feature_names_in_", None)
    if not isinstance(X, pd.DataFrame):
        if names is not None:
            raise FeatureError(f"expected a pandas DataFrame with columns {list(names)}; "
                               f"got {type(X).__name__}")
        # fitted on an array: columns are named x0, x1, ... (as the models do)
        arr = np.asarray(X, dtype=np.float64)
        X = pd.DataFrame(arr, columns=[f"x{i}" for i in range(arr.shape[1])])
    feature_names = [str(f) for f in names] if names is not None else form.features
    plan = _plan(form, feature_names, background)
    values, data = _values(plan, X, rows)
    base = np.full(len(X), plan.base_value)
    check_additivity(values, base, prediction, X.index)
    return make_explanation(values, base, data, feature_names, horizon_label(model),
                            _instance_names(X))


def _model_score(model: Any, X: Any, rows: list[list[Any]] | None) -> np.ndarray:
    """``model.decision_function(X)``, reusing the cells already read for a small frame.

    A riskassess model that keeps the library's own ``decision_function`` and input
    checks scores a small frame with :func:`fast_decision`; given the same cells it
    returns what its ``decision_function`` would (bit for bit), without reading them
    twice. Any other model, or anything the fast path declines, calls the model.
    """
    if rows is not None and _keeps_library_scoring(type(model)):
        out = fast_decision(model, X, rows)
        if out is not None:
            return out
    return np.asarray(model.decision_function(X))


_LIBRARY_SCORING: weakref.WeakKeyDictionary[type, bool] = weakref.WeakKeyDictionary()


def _keeps_library_scoring(cls: type) -> bool:
    known = _LIBRARY_SCORING.get(cls)
    if known is None:
        known = _LIBRARY_SCORING[cls] = _scores_like_the_library(cls)
    return known


def _scores_like_the_library(cls: type) -> bool:
    from riskassess.models._base import TransparentModel

    return (issubclass(cls, TransparentModel)
            and getattr(cls, "decision_function", None) is TransparentModel.decision_function
            and getattr(cls, "_checked", None) is TransparentModel._checked)
