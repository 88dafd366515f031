"""Lookup-table form shared by every transparent model.

A fitted transparent model (additive model, scorecard, OGRS3) is an :class:`AdditiveForm`:
an intercept plus a list of terms, each a small table anyone can print and check by hand::

    log-odds(x) = intercept + sum_t term_t(x)

* :class:`TableTerm` looks a contribution up from one or two binned inputs (a shape
  function, or a pairwise interaction).
* :class:`LinearTerm` is ``coef * x`` for one numeric input (OGRS3's Copas rate).

Binning rules (stable, also used by saved model files):

* numeric axis with thresholds ``t_0 < ... < t_{k-1}``, ``closed="right"`` (the default,
  as in tree models): bin ``j`` holds ``t_{j-1} < x <= t_j`` (bin 0 is ``x <= t_0``, bin
  ``k`` is ``x > t_{k-1}``); with ``closed="left"`` (age bands): bin ``j`` holds
  ``t_{j-1} <= x < t_j``; a missing value (NaN) goes to the extra last bin ``k + 1``;
* categorical axis with categories ``c_0 .. c_{m-1}``: bin ``i`` is ``c_i``; missing goes to
  bin ``m``; a value never seen raises :class:`~riskassess.exceptions.UnseenCategoryError`.

Each term may carry its background: ``counts`` (training rows per table cell, the joint
counts for a pairwise term) for a table term, ``mean`` (training mean of the input) for a
linear term. Exact explanations use them as the default background.

Explanations (:mod:`riskassess.explain`) and persistence read this form and nothing else.

Examples
--------
>>> import numpy as np, pandas as pd
>>> age = NumericAxis("age", (25.0, 40.0))
>>> term = TableTerm("age", (age,), np.array([0.5, 0.0, -0.4, 0.1]))
>>> form = AdditiveForm(intercept=-1.0, terms=(term,))
>>> X = pd.DataFrame({"age": [19.0, 30.0, 60.0, np.nan]})
>>> form.decision_function(X)
array([-0.5, -1. , -1.4, -0.9])
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from riskassess.exceptions import FeatureError, FormError
from riskassess.models._axes import (
    Axis,
    CategoricalAxis,
    NumericAxis,
    axis_from_dict,
    column_as_float,
)

__all__ = [
    "AdditiveForm",
    "CategoricalAxis",
    "LinearTerm",
    "NumericAxis",
    "TableTerm",
    "Term",
    "column_as_float",
]


@dataclass(frozen=True, eq=False)
class TableTerm:
    """A shape function (one axis) or a pairwise interaction (two axes) as a table.

    ``table`` has one dimension per axis, of size ``axis.n_bins``, holding log-odds
    contributions. ``counts`` (optional, same shape) holds the number of training rows in
    each cell: the default background for exact explanations.

    Parameters
    ----------
    name : str
        Term name (unique within a form), e.g. ``"age"`` or ``"priors x sex"``.
    axes : tuple of NumericAxis or CategoricalAxis
        One or two axes.
    table : numpy.ndarray
        Finite log-odds contributions, shape ``tuple(a.n_bins for a in axes)``.
    counts : numpy.ndarray, optional
        Non-negative training counts, same shape as ``table``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> priors = NumericAxis("priors", (0.5, 3.5))
    >>> sex = CategoricalAxis("sex", ("female", "male"))
    >>> table = np.arange(12, dtype=float).reshape(4, 3) / 10  # 4 priors bins x 3 sex bins
    >>> term = TableTerm("priors x sex", (priors, sex), table)
    >>> term.features
    ('priors', 'sex')
    >>> term.evaluate(pd.DataFrame({"priors": [0.0, 5.0], "sex": ["male", "female"]}))
    array([0.1, 0.6])
    """

    name: str
    axes: tuple[Axis, ...]
    table: np.ndarray
    counts: np.ndarray | None = None

    def __post_init__(self) -> None:
        table = np.asarray(self.table, dtype=np.float64)
        object.__setattr__(self, "table", table)
        if self.counts is not None:
            counts = np.asarray(self.counts, dtype=np.float64)
            if counts.shape != table.shape or np.any(counts < 0):
                raise FormError(f"term {self.name!r}: counts must be >= 0, shaped as table")
            object.__setattr__(self, "counts", counts)
        if not 1 <= len(self.axes) <= 2:
            raise FormError("a term has one or two axes")
        if table.shape != tuple(a.n_bins for a in self.axes):
            raise FormError(
                f"term {self.name!r}: table shape {table.shape} does not match bins "
                f"{tuple(a.n_bins for a in self.axes)}"
            )
        if not np.all(np.isfinite(table)):
            raise FormError(f"term {self.name!r}: table has non-finite entries")

    @property
    def features(self) -> tuple[str, ...]:
        """Input column names, one per axis."""
        return tuple(a.feature for a in self.axes)

    def codes(self, X: pd.DataFrame) -> tuple[np.ndarray, ...]:
        """Bin index per axis for every row."""
        return tuple(a.codes(X) for a in self.axes)

    def evaluate(self, X: pd.DataFrame) -> np.ndarray:
        """Log-odds contribution of this term for every row of ``X``."""
        return self.table[self.codes(X)]

    def to_dict(self) -> dict[str, Any]:
        return {"type": "table", "name": self.name,
                "axes": [a.to_dict() for a in self.axes], "table": self.table.tolist(),
                "counts": None if self.counts is None else self.counts.tolist()}

    def __eq__(self, other: object) -> bool:
        if not (isinstance(other, TableTerm) and self.name == other.name
                and self.axes == other.axes and np.array_equal(self.table, other.table)):
            return False
        if self.counts is None or other.counts is None:
            return self.counts is None and other.counts is None
        return np.array_equal(self.counts, other.counts)

    def __hash__(self) -> int:
        return hash((self.name, self.axes, self.table.tobytes()))


@dataclass(frozen=True)
class LinearTerm:
    """``coef * x`` for one numeric input, which must not be missing.

    Parameters
    ----------
    name : str
        Term name (unique within a form).
    feature : str
        Input column name.
    coef : float
        Log-odds per unit of the input.
    mean : float, optional
        Training mean of the input: the default background for explanations.

    Examples
    --------
    >>> import pandas as pd
    >>> term = LinearTerm("copas_rate", "copas_rate", 1.25)
    >>> term.evaluate(pd.DataFrame({"copas_rate": [0.0, 2.0]}))
    array([0. , 2.5])
    """

    name: str
    feature: str
    coef: float
    mean: float | None = None

    @property
    def features(self) -> tuple[str, ...]:
        """Input column names (one)."""
        return (self.feature,)

    def evaluate(self, X: pd.DataFrame) -> np.ndarray:
        """Log-odds contribution of this term for every row of ``X``."""
        values = column_as_float(X, self.feature)
        if np.isnan(values).any():
            raise FeatureError(f"column {self.feature!r} has missing values; term "
                               f"{self.name!r} needs a value for every row")
        return self.coef * values

    def to_dict(self) -> dict[str, Any]:
        return {"type": "linear", "name": self.name, "feature": self.feature,
                "coef": self.coef, "mean": self.mean}


Term = TableTerm | LinearTerm


@dataclass(frozen=True)
class AdditiveForm:
    """Intercept plus terms: the whole of a transparent model's prediction.

    Parameters
    ----------
    intercept : float
        Log-odds when every term contributes 0.
    terms : tuple of Term
        The model's terms; term names are unique.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> age = TableTerm("age", (NumericAxis("age", (30.0,)),), np.array([0.4, -0.4, 0.0]))
    >>> copas = LinearTerm("copas_rate", "copas_rate", 1.0)
    >>> form = AdditiveForm(intercept=-0.5, terms=(age, copas))
    >>> X = pd.DataFrame({"age": [25.0, 50.0], "copas_rate": [0.5, 0.0]})
    >>> form.contributions(X)
    array([[ 0.4,  0.5],
           [-0.4,  0. ]])
    >>> form.decision_function(X)
    array([ 0.4, -0.9])
    >>> AdditiveForm.from_dict(form.to_dict()) == form
    True
    """

    intercept: float
    terms: tuple[Term, ...]

    def __post_init__(self) -> None:
        names = [t.name for t in self.terms]
        if len(set(names)) != len(names):
            raise FormError(f"term names must be unique, got {names}")

    @property
    def term_names(self) -> list[str]:
        """Names of the terms, in order."""
        return [t.name for t in self.terms]

    @property
    def features(self) -> list[str]:
        """Every input column read by some term, in first-use order."""
        seen: dict[str, None] = {}
        for t in self.terms:
            for f in t.features:
                seen.setdefault(f, None)
        return list(seen)

    def contributions(self, X: pd.DataFrame) -> np.ndarray:
        """Per-term log-odds contributions, shape ``(n_rows, n_terms)``."""
        if not self.terms:
            return np.zeros((len(X), 0))
        return np.column_stack([t.evaluate(X) for t in self.terms])

    def decision_function(self, X: pd.DataFrame) -> np.ndarray:
        """Log-odds for every row: intercept plus the sum of the terms."""
        out = np.full(len(X), self.intercept, dtype=np.float64)
        for t in self.terms:
            out += t.evaluate(X)
        return out

    def to_frame(self) -> pd.DataFrame:
        """Every table entry as one row: term, feature(s), bin label(s), contribution.

        Linear terms appear as one row with the coefficient in ``contribution`` and
        ``bin`` = ``"per unit"``.
        """
        rows: list[dict[str, Any]] = [
            {"term": "(intercept)", "feature": "", "bin": "", "contribution": self.intercept}
        ]
        for t in self.terms:
            if isinstance(t, LinearTerm):
                rows.append({"term": t.name, "feature": t.feature, "bin": "per unit",
                             "contribution": t.coef})
                continue
            labels = [a.labels() for a in t.axes]
            for idx in np.ndindex(t.table.shape):
                rows.append({
                    "term": t.name,
                    "feature": " x ".join(t.features),
                    "bin": " & ".join(lab[i] for lab, i in zip(labels, idx, strict=True)),
                    "contribution": float(t.table[idx]),
                })
        return pd.DataFrame(rows)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary (floats round-trip exactly through ``json``)."""
        return {"intercept": self.intercept, "terms": [t.to_dict() for t in self.terms]}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> AdditiveForm:
        """Inverse of :meth:`to_dict`."""
        terms: list[Term] = []
        for t in d["terms"]:
            if t["type"] == "table":
                axes = tuple(axis_from_dict(a) for a in t["axes"])
                counts = t.get("counts")
                terms.append(TableTerm(str(t["name"]), axes, np.asarray(t["table"], float),
                                       None if counts is None else np.asarray(counts, float)))
            elif t["type"] == "linear":
                mean = t.get("mean")
                terms.append(LinearTerm(str(t["name"]), str(t["feature"]), float(t["coef"]),
                                        None if mean is None else float(mean)))
            else:
                raise FormError(f"unknown term type {t['type']!r}")
        return cls(float(d["intercept"]), tuple(terms))
