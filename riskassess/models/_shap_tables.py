"""Exact SHAP shares of every table cell for one background (built by the plan).

See :mod:`riskassess.models._plan` for the formulas; this module holds the compiled
shares and how they are read for many rows and for one.

Examples
--------
>>> from riskassess.instruments import OGRS3
>>> from riskassess.datasets import make_cohort
>>> from riskassess.models import plan_of
>>> X = make_cohort(300, seed=0).features()
>>> tables = plan_of(OGRS3().fit(X)).shap()
>>> tables.n_outputs
5
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from riskassess.exceptions import BackgroundError, FeatureError
from riskassess.models._axes import Binned, column_as_float
from riskassess.models._terms import LinearTerm, TableTerm

__all__ = ["ShapTables", "cell_weights", "linear_mean"]


@dataclass(frozen=True)
class _ShapTable:
    output: int  # explanation column
    axes: tuple[int, ...]
    table: np.ndarray  # this feature's centred share of the term, per cell
    nested: list[Any]


@dataclass(frozen=True)
class _ShapLinear:
    output: int
    column: int
    coef: float
    mean: float


class ShapTables:
    """Exact SHAP shares of every cell for one background (see the module docstring).

    Examples
    --------
    >>> from riskassess.instruments import OGRS3
    >>> from riskassess.datasets import make_cohort
    >>> from riskassess.models import plan_of
    >>> X = make_cohort(300, seed=0).features()
    >>> plan = plan_of(OGRS3().fit(X))
    >>> tables = plan.shap()
    >>> codes = plan.frame_codes(X)
    >>> values = tables.values(codes, plan.linear_columns(X))
    >>> bool(abs(tables.base_value + values[0].sum()
    ...          - plan.scores(plan.main, codes, X)[0]) < 1e-9)
    True
    """

    __slots__ = ("base_value", "linears", "n_outputs", "tables")

    def __init__(self, base_value: float, tables: tuple[_ShapTable, ...],
                 linears: tuple[_ShapLinear, ...], n_outputs: int) -> None:
        self.base_value = base_value
        self.tables = tables
        self.linears = linears
        self.n_outputs = n_outputs

    def values(self, codes: Sequence[np.ndarray | Binned],
               columns: Sequence[np.ndarray | None]) -> np.ndarray:
        """SHAP values ``(n, n_outputs)`` from per-axis codes and linear-term columns.

        ``codes`` may hold :class:`Binned` look-ups (:meth:`Plan.frame_binned`): a
        feature's first share is then gathered from its look-up in one pass.
        """
        n = len(codes[0].index if isinstance(codes[0], Binned) else codes[0]) if codes else 0
        for c in columns:
            if c is not None:
                n = len(c)
                break
        out = np.empty((self.n_outputs, n))  # every output is written below (or zeroed)
        written = [False] * self.n_outputs
        arrays: list[np.ndarray] | None = None
        for piece in self.tables:
            binned = codes[piece.axes[0]]
            if not written[piece.output] and len(piece.axes) == 1:
                # the first share of a feature is gathered straight into its row (no
                # temporary, one pass less)
                if isinstance(binned, Binned):
                    binned.gather(piece.table, out=out[piece.output])
                else:
                    np.take(piece.table, binned, out=out[piece.output], mode="wrap")
                written[piece.output] = True
                continue
            if arrays is None:
                arrays = [c.codes if isinstance(c, Binned) else c for c in codes]
            cells = cells_of(piece.table, piece.axes, arrays)
            if written[piece.output]:
                out[piece.output] += cells
            else:
                out[piece.output] = cells
                written[piece.output] = True
        for lin in self.linears:
            values = columns[lin.column]
            if values is None:  # pragma: no cover - Plan.linear_columns reads them all
                raise FeatureError("a linear term's column was not read")
            share = lin.coef * (values - lin.mean)
            if written[lin.output]:
                out[lin.output] += share
            else:
                out[lin.output] = share
                written[lin.output] = True
        for output, done in enumerate(written):
            if not done:  # an input no term reads: its share is 0
                out[output] = 0.0
        return out.T

    def row_values(self, codes: Sequence[int], row: Sequence[Any]) -> list[float]:
        """SHAP values of one row: :meth:`values` for plain Python cells."""
        out = [0.0] * self.n_outputs
        for piece in self.tables:
            cell = piece.nested[codes[piece.axes[0]]]
            out[piece.output] += cell[codes[piece.axes[1]]] if len(piece.axes) == 2 else cell
        for lin in self.linears:
            out[lin.output] += lin.coef * (row[lin.column] - lin.mean)
        return out


def cell_weights(term: TableTerm, background: pd.DataFrame | None) -> np.ndarray:
    if background is None:
        if term.counts is None:
            raise BackgroundError(
                f"term {term.name!r} stores no background counts; pass background=<a "
                "DataFrame of representative cases with the model's input columns>")
        weights = np.asarray(term.counts, dtype=np.float64)
    else:
        codes = tuple(a.codes(background) for a in term.axes)
        flat = np.ravel_multi_index(codes, term.table.shape)
        weights = np.bincount(flat, minlength=term.table.size).astype(np.float64)
        weights = weights.reshape(term.table.shape)
    total = weights.sum()
    if not total > 0:
        raise BackgroundError(f"term {term.name!r}: the background is empty")
    return weights / total


def linear_mean(term: LinearTerm, background: pd.DataFrame | None) -> float:
    if background is not None:
        x = column_as_float(background, term.feature)
        if len(x) == 0 or np.isnan(x).any():
            raise BackgroundError(f"background column {term.feature!r} is empty or has "
                                  f"missing values; term {term.name!r} needs every value")
        return float(x.mean())
    if term.mean is None:
        raise BackgroundError(
            f"term {term.name!r} stores no training mean; pass background=<a DataFrame of "
            "representative cases with the model's input columns>")
    return float(term.mean)




def cells_of(table: np.ndarray, axes: tuple[int, ...], codes: Sequence[np.ndarray]
             ) -> np.ndarray:
    """The table entries the codes select (``np.take`` on the flat table: a plain gather,
    several times cheaper than fancy indexing with a tuple of index arrays).

    Codes are bin indices, in range by construction (:meth:`NumericAxis.codes_of`,
    :meth:`CategoricalAxis.codes`), so the gathers run in ``mode="wrap"``: numpy's default
    ``"raise"`` checks every index again and costs twice the gather itself.
    """
    if len(axes) == 1:
        return np.take(table, codes[axes[0]], mode="wrap")
    flat = codes[axes[0]] * table.shape[1] + codes[axes[1]]
    return np.take(table.ravel(), flat, mode="wrap")
