"""One compiled plan per fitted transparent model: binning, look-up, scores, SHAP, bands.

A transparent model's log-odds is an :class:`~riskassess.models.AdditiveForm` (an
intercept plus lookup tables and linear terms). Prediction, explanation, the one-case
assessment and the distributed path all need the same few things from it: the bin of
each input value, the table entries those bins select, their sum, the exact SHAP share of
each entry and the band of the resulting probability. :func:`plan_of` compiles them once
per model (and :meth:`Plan.shap` once per background) and every route reads the plan, so
each rule is written here and in the axis classes of :mod:`riskassess.models._terms`,
nowhere else.

Two spellings of every computation, kept bit-for-bit equal (property-tested):

* **vectorised** (:meth:`Plan.frame_codes`, :meth:`Plan.scores`, :meth:`ShapTables.values`)
  for frames of any size: numpy over whole columns;
* **scalar** (:meth:`Plan.row_codes`, :meth:`Plan.row_score`, :meth:`ShapTables.row_values`)
  for a case system scoring one case: plain Python over the row's cells, adding the
  same table entries in the same order. It returns ``None`` on anything unusual (a
  missing value the model refuses, an unseen category, a non-finite number), and the
  caller then takes the vectorised route, which raises the model's own error.

Exact SHAP values (interventional, against a background distribution of the inputs):

* a one-axis table or a linear term: its value minus its background mean;
* a two-axis table ``f(a, b)``: the exact Shapley split of the two-player game
  ``v(S) = E_bg[f(x_S, X_rest)]``::

      phi_a = ((g_a(x_a) - mu) + (f(x_a, x_b) - g_b(x_b))) / 2,   g_a(a) = E_bg[f(a, B)]
      phi_b = ((g_b(x_b) - mu) + (f(x_a, x_b) - g_a(x_a))) / 2,   g_b(b) = E_bg[f(A, b)]

  with ``mu = E_bg[f(A, B)]``, so ``phi_a + phi_b = f - mu``.

Shapley values are linear in the model, so a feature read by several terms gets the sum
of its shares, and ``base + sum(values)`` is the log-odds. Each share is precomputed per
cell, so explaining a row costs one look-up per term.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from riskassess.models import AdditiveRiskClassifier
>>> rng = np.random.default_rng(0)
>>> X = pd.DataFrame({"age": rng.integers(18, 70, 300).astype(float),
...                   "sex": rng.choice(["F", "M"], 300)})
>>> y = (rng.random(300) < 0.4).astype(int)
>>> plan = plan_of(AdditiveRiskClassifier().fit(X, y))
>>> codes = plan.row_codes([30.0, "F"])
>>> z = plan.row_score(plan.main, codes, [30.0, "F"])
>>> bool(z == plan.scores(plan.main, plan.frame_codes(X.iloc[[0]].assign(age=30.0,
...      sex="F")), X.iloc[[0]].assign(age=30.0, sex="F"))[0])
True
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from riskassess.exceptions import FeatureError, NotFittedError
from riskassess.models._axes import Binned, CategoricalAxis, NumericAxis, column_as_float
from riskassess.models._bands import RiskBands
from riskassess.models._shap_tables import (
    ShapTables,
    _ShapLinear,
    _ShapTable,
    cell_weights,
    cells_of,
    linear_mean,
)
from riskassess.models._terms import AdditiveForm, LinearTerm

__all__ = ["SMALL_FRAME", "CompiledForm", "Plan", "ShapTables", "frame_rows", "plan_of"]

#: Frames with at most this many rows may take the scalar route.
SMALL_FRAME = 16

Axis = NumericAxis | CategoricalAxis

_MISSING = object()  # a plain missing value (None or NaN) in a scalar row
_BIG = 2**53  # integers beyond this are not exactly representable as floats


@dataclass(frozen=True)
class _Table:
    axes: tuple[int, ...]  # indices into Plan.axes
    table: np.ndarray
    nested: list[Any]  # table.tolist(): indexing Python lists is cheaper for one row


@dataclass(frozen=True)
class _Linear:
    column: int  # index into Plan.columns
    coef: float


@dataclass(frozen=True)
class CompiledForm:
    """An :class:`AdditiveForm` with its axes resolved to the plan's axis list."""

    intercept: float
    terms: tuple[_Table | _Linear, ...]  # in the form's order: sums keep that order

    @property
    def linears(self) -> tuple[_Linear, ...]:
        return tuple(t for t in self.terms if isinstance(t, _Linear))


class Plan:
    """The compiled model: see the module docstring.

    Attributes
    ----------
    columns : tuple of str
        Columns of the frame the forms read, in the order scalar rows are given.
    axes : tuple of NumericAxis or CategoricalAxis
        Every distinct axis of every form.
    main, band : CompiledForm
        The model's own form and the form its bands are read from.
    horizons : dict of int to CompiledForm
        One form per horizon (years) the model gives.
    bands : RiskBands
    outputs : tuple of str
        Columns of an explanation.
    scalar : bool
        Whether the scalar route may be used (the model has no input checks beyond
        missing values and the bounds in ``row_bounds``).

    Examples
    --------
    >>> from riskassess.instruments import OGRS3
    >>> plan = Plan(OGRS3())
    >>> plan.columns
    ('copas_rate_at_index', 'sanction_history', 'age_at_follow_up', 'sex', 'index_offence')
    >>> row = plan.row_cells([0.0, "first_conviction", 30.0, "male", "violence"])
    >>> round(plan.row_score(plan.main, plan.row_codes(row), row), 6)
    0.921871
    """

    def __init__(self, model: Any) -> None:
        form: AdditiveForm = model.form_
        names = model._form_columns()
        self.columns: tuple[str, ...] = tuple(
            str(c) for c in (names if names is not None else form.features))
        self.outputs: tuple[str, ...] = tuple(model.explained_features_)
        position = {c: i for i, c in enumerate(self.columns)}
        self._position = position
        self._axis_index: dict[Axis, int] = {}
        axes: list[Axis] = []
        self.main = self._compile(form, axes)
        band_form = model.band_form()
        self.band = self.main if band_form is form else self._compile(band_form, axes)
        self.horizons = {int(h): self.main if f is form else self._compile(f, axes)
                         for h, f in model.horizon_forms().items()}
        self.axes: tuple[Axis, ...] = tuple(axes)
        self.axis_columns = tuple(position[a.feature] for a in self.axes)
        self.bands: RiskBands = model._bands()
        self.form = form
        allowed = getattr(model, "missing_allowed_", None) or {}
        self.missing_ok = tuple(bool(allowed.get(c, False)) for c in self.columns)
        rules = type(model)._scalar_rules()
        self.scalar = rules is not None and names is not None
        self.row_bounds = tuple((position[c], lo, hi) for c, (lo, hi) in (rules or {}).items()
                                if c in position)
        self._shap: dict[int, tuple[Any, ShapTables]] = {}

    # ------------------------------------------------------------------ compiling
    def _compile(self, form: AdditiveForm, axes: list[Axis]) -> CompiledForm:
        terms: list[_Table | _Linear] = []
        for term in form.terms:
            if isinstance(term, LinearTerm):
                terms.append(_Linear(self._column(term.feature), float(term.coef)))
                continue
            ids = []
            for axis in term.axes:
                self._column(axis.feature)
                if axis not in self._axis_index:
                    self._axis_index[axis] = len(axes)
                    axes.append(axis)
                ids.append(self._axis_index[axis])
            terms.append(_Table(tuple(ids), term.table, term.table.tolist()))
        return CompiledForm(float(form.intercept), tuple(terms))

    def _column(self, feature: str) -> int:
        if feature not in self._position:
            raise FeatureError(f"the model's terms read {feature!r}, which is not among its "
                               f"input features {list(self.columns)}")
        return self._position[feature]

    # ------------------------------------------------------------------ vectorised
    def frame_codes(self, X: pd.DataFrame) -> list[np.ndarray]:
        """Bin codes of every axis for every row of the (checked) frame ``X``."""
        return [axis.codes(X) for axis in self.axes]

    def frame_binned(self, X: pd.DataFrame) -> list[Binned]:
        """:meth:`frame_codes` as :class:`Binned` look-ups (for :meth:`ShapTables.values`)."""
        return [axis.binned(X) for axis in self.axes]

    def linear_columns(self, X: pd.DataFrame) -> list[np.ndarray | None]:
        """Float values of the columns linear terms read (``None`` for the others)."""
        wanted = sorted({lin.column for f in self._forms() for lin in f.linears})
        out: list[np.ndarray | None] = [None] * len(self.columns)
        names = [self.columns[j] for j in wanted]
        dtypes = dict(zip(X.columns, X.dtypes, strict=True))  # X.dtypes builds a Series
        if len(names) > 4 and set(names) <= set(dtypes) and all(
                isinstance(dtypes[n], np.dtype) and dtypes[n] == np.float64 for n in names):
            # many float columns (an instrument's terms): one block read, column views
            block = X[names].to_numpy(dtype=np.float64)
            if not np.isnan(block).any():
                for k, j in enumerate(wanted):
                    out[j] = block[:, k]
                return out
        for j in wanted:
            name = self.columns[j]
            values = column_as_float(X, name)
            if np.isnan(values).any():
                rows = X.index[np.isnan(values)][:5].tolist()
                raise FeatureError(f"column {name!r} has missing values (rows {rows}); a "
                                   "linear term needs a value for every row")
            out[j] = values
        return out

    def scores(self, form: CompiledForm, codes: Sequence[np.ndarray], X: pd.DataFrame,
               columns: Sequence[np.ndarray | None] | None = None) -> np.ndarray:
        """Log-odds of every row under ``form`` (terms added in the form's order)."""
        out = np.full(len(X), form.intercept, dtype=np.float64)
        cols = columns
        for t in form.terms:
            if isinstance(t, _Table):
                out += cells_of(t.table, t.axes, codes)
                continue
            if cols is None:
                cols = self.linear_columns(X)
            values = cols[t.column]
            if values is None:  # pragma: no cover - linear_columns reads them all
                raise FeatureError("a linear term's column was not read")
            out += t.coef * values
        return out

    def binned_scores(self, form: CompiledForm, binned: Sequence[Binned], X: pd.DataFrame,
                      columns: Sequence[np.ndarray | None]) -> np.ndarray:
        """:meth:`scores` from :meth:`frame_binned` look-ups, bit for bit: a one-axis
        table is gathered through the look-up (``table[lut][index]``), so the codes of an
        axis are built only if an interaction reads them."""
        out = np.full(len(X), form.intercept, dtype=np.float64)
        cells = np.empty(len(X), dtype=np.float64)
        for t in form.terms:
            if isinstance(t, _Linear):
                values = columns[t.column]
                if values is None:  # pragma: no cover - linear_columns reads them all
                    raise FeatureError("a linear term's column was not read")
                out += t.coef * values
            elif len(t.axes) == 1:
                out += binned[t.axes[0]].gather(t.table, out=cells)
            else:
                out += cells_of(t.table, t.axes, [b.codes if k in t.axes else b.index
                                                  for k, b in enumerate(binned)])
        return out

    # ------------------------------------------------------------------ scalar
    def row_cells(self, cells: Sequence[Any]) -> list[Any] | None:
        """Plain Python values of one row in :attr:`columns` order, or ``None`` when a
        cell is unusual (the vectorised route then decides, and raises if it must)."""
        if not self.scalar or len(cells) != len(self.columns):
            return None
        out: list[Any] = []
        for j, v in enumerate(cells):
            x = _plain(v)
            if x is None or (x is _MISSING and not self.missing_ok[j]):
                return None
            out.append(x)
        for j, lo, hi in self.row_bounds:
            x = out[j]
            if not (isinstance(x, float) and lo <= x <= hi):
                return None
        return out

    def read_row(self, cells: Sequence[Any]) -> tuple[list[Any], list[int]] | None:
        """:meth:`row_cells` then :meth:`row_codes`: the plain row and its bin codes, or
        ``None`` when either declines (the vectorised route then decides)."""
        row = self.row_cells(cells)
        codes = None if row is None else self.row_codes(row)
        return None if row is None or codes is None else (row, codes)

    def row_codes(self, row: Sequence[Any]) -> list[int] | None:
        """Bin codes of one row of plain cells (:meth:`row_cells`), or ``None``."""
        codes: list[int] = []
        for axis, j in zip(self.axes, self.axis_columns, strict=True):
            x = row[j]
            if x is _MISSING or x is None:
                codes.append(axis.n_bins - 1)
            elif isinstance(axis, NumericAxis):
                if not isinstance(x, float):
                    return None
                codes.append(axis.code(x))
            else:
                code = axis.code(x)
                if code < 0:
                    return None
                codes.append(code)
        return codes

    def row_score(self, form: CompiledForm, codes: Sequence[int], row: Sequence[Any]
                  ) -> float | None:
        """Log-odds of one row: :meth:`scores` for plain cells (same order of sums)."""
        z = form.intercept
        for t in form.terms:
            if isinstance(t, _Table):
                cell = t.nested[codes[t.axes[0]]]
                z += cell[codes[t.axes[1]]] if len(t.axes) == 2 else cell
                continue
            x = row[t.column]
            if not isinstance(x, float):
                return None
            z += t.coef * x
        return z

    # ------------------------------------------------------------------ SHAP
    def shap(self, background: pd.DataFrame | None = None,
             prepare: Callable[[pd.DataFrame], pd.DataFrame] | None = None) -> ShapTables:
        """Exact SHAP tables for ``background`` (the stored training distribution when
        ``None``), compiled once per background object.

        ``prepare`` turns the background's input columns into the frame the form reads
        (the model's ``_form_frame``: an instrument derives its terms there)."""
        key = id(background)
        hit = self._shap.get(key)
        if hit is not None and hit[0] is background:
            return hit[1]
        frame = background if background is None or prepare is None else prepare(background)
        tables = self._shap_tables(frame)
        if len(self._shap) >= 8:
            self._shap.pop(next(iter(self._shap)))
        self._shap[key] = (background, tables)
        return tables

    def _shap_tables(self, background: pd.DataFrame | None) -> ShapTables:
        out_pos = {f: i for i, f in enumerate(self.outputs)}
        unknown = [f for f in self.form.features if f not in out_pos]
        if unknown:
            raise FeatureError(f"the model's terms read {unknown}, which are not among its "
                               f"explained features {list(self.outputs)}")
        base = float(self.form.intercept)
        tables: list[_ShapTable] = []
        linears: list[_ShapLinear] = []
        for term in self.form.terms:
            if isinstance(term, LinearTerm):
                mean = linear_mean(term, background)
                base += term.coef * mean
                linears.append(_ShapLinear(out_pos[term.feature], self._position[term.feature],
                                           float(term.coef), mean))
                continue
            p = cell_weights(term, background)
            t = term.table
            mu = float((p * t).sum())
            base += mu
            ids = tuple(self._axis_index[a] for a in term.axes)
            if len(term.axes) == 1:
                centred = t - mu
                tables.append(_ShapTable(out_pos[term.features[0]], ids, centred,
                                         centred.tolist()))
                continue
            g_a = t @ p.sum(axis=0)  # E[f(a, B)], B from its background marginal
            g_b = p.sum(axis=1) @ t  # E[f(A, b)]
            phi_a = 0.5 * ((g_a[:, None] - mu) + (t - g_b[None, :]))
            phi_b = 0.5 * ((g_b[None, :] - mu) + (t - g_a[:, None]))
            fa, fb = term.features
            tables.append(_ShapTable(out_pos[fa], ids, phi_a, phi_a.tolist()))
            tables.append(_ShapTable(out_pos[fb], ids, phi_b, phi_b.tolist()))
        return ShapTables(base, tuple(tables), tuple(linears), len(self.outputs))

    def _forms(self) -> list[CompiledForm]:
        return [self.main, self.band, *self.horizons.values()]


def _plain(v: Any) -> Any:
    """A finite float, a str, ``_MISSING``, or ``None`` for anything unusual."""
    if isinstance(v, str):
        return v
    if v is None:
        return _MISSING
    if isinstance(v, float | np.floating):
        f = float(v)
        if f != f:
            return _MISSING
        return f if math.isfinite(f) else None
    if isinstance(v, int | np.integer) and not isinstance(v, bool | np.bool_):
        return float(v) if -_BIG <= v <= _BIG else None
    return None


def frame_rows(X: pd.DataFrame) -> list[list[Any]]:
    """The cells of a small frame, one list per row, read once (one row cell by cell,
    much cheaper than converting the frame to objects).

    Examples
    --------
    >>> import pandas as pd
    >>> rows = frame_rows(pd.DataFrame({"age": [30.0, 41.0], "sex": ["M", "F"]}))
    >>> [[float(age), sex] for age, sex in rows]
    [[30.0, 'M'], [41.0, 'F']]
    """
    if len(X) == 1:
        return [[X.iat[0, j] for j in range(X.shape[1])]]
    rows: list[list[Any]] = X.to_numpy(dtype=object).tolist()
    return rows


_PLANS: weakref.WeakKeyDictionary[Any, tuple[tuple[Any, ...], Plan]] = \
    weakref.WeakKeyDictionary()


_PARAM_NAMES: dict[type, tuple[str, ...]] = {}


def _token(model: Any) -> tuple[Any, ...]:
    # The stored form, the feature names and the missing rules are held (not just their
    # ids), so a refitted or reconfigured model is never served the plan of its past self.
    # Parameters are read from the instance (scikit-learn's get_params inspects the
    # signature on every call: ~50 us, more than scoring one case).
    cls = type(model)
    names = _PARAM_NAMES.get(cls)
    if names is None:
        names = _PARAM_NAMES[cls] = tuple(cls._get_param_names())
    d = model.__dict__
    return (d.get("form_"), d.get("feature_names_in_"), d.get("missing_allowed_"),
            tuple(d.get(n) for n in names), d.get("background_"))


def plan_of(model: Any) -> Plan:
    """The compiled plan of a fitted transparent model, cached until it is refitted.

    Parameters
    ----------
    model : TransparentModel
        A fitted riskassess model or instrument.

    Returns
    -------
    Plan

    Examples
    --------
    >>> from riskassess.instruments import OGRS3
    >>> plan = plan_of(OGRS3())
    >>> sorted(plan.horizons), plan.bands.cut_points
    ([1, 2], (0.5, 0.75, 0.9))
    >>> plan_of(OGRS3()) is not plan  # one plan per model object
    True
    """
    if getattr(model, "form_", None) is None:  # check_is_fitted costs ~30 us a call
        raise NotFittedError(f"This {type(model).__name__} instance is not fitted yet; "
                             "call 'fit' with appropriate arguments first")
    token = _token(model)
    hit = _PLANS.get(model)
    if hit is not None and _same(hit[0], token):
        return hit[1]
    plan = Plan(model)
    _PLANS[model] = (token, plan)
    return plan


def _same(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
    if not (a[0] is b[0] and a[1] is b[1] and a[4] is b[4]):
        return False
    try:
        return bool(a[2] == b[2] and a[3] == b[3])
    except (TypeError, ValueError):  # a parameter whose == is not a truth value
        return False
