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

import itertools
import math
from bisect import bisect_left, bisect_right
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

import numpy as np
import pandas as pd

from riskassess.exceptions import FeatureError, UnseenCategoryError

__all__ = [
    "AdditiveForm",
    "CategoricalAxis",
    "LinearTerm",
    "NumericAxis",
    "TableTerm",
    "Term",
    "column_as_float",
]


def column_as_float(X: pd.DataFrame, name: str) -> np.ndarray:
    """Column ``name`` of ``X`` as float64 (booleans become 0/1, missing becomes NaN)."""
    if name not in X.columns:
        raise FeatureError(f"missing column {name!r}; got columns {list(map(str, X.columns))}")
    col = X[name]
    try:
        return np.asarray(pd.to_numeric(col, errors="raise"), dtype=np.float64)
    except (TypeError, ValueError) as exc:
        bad = pd.to_numeric(col, errors="coerce").isna() & col.notna()
        where = f"case {col.index[bad.to_numpy()][0]!r}: " if bad.any() else ""
        raise FeatureError(
            f"{where}column {name!r} must be numeric; got dtype {col.dtype} ({exc})"
        ) from None


@dataclass(frozen=True)
class NumericAxis:
    """A numeric input cut at thresholds; see the module docstring for the bin rule.

    Parameters
    ----------
    feature : str
        Input column name.
    thresholds : tuple of float
        Finite, strictly increasing cut-points.
    closed : {"right", "left"}, default "right"
        ``"right"``: a value equal to a threshold falls in the bin below it (tree models);
        ``"left"``: in the bin above it (age bands such as "18-20").

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> axis = NumericAxis("age", (21.0, 25.0), closed="left")
    >>> axis.labels()
    ['< 21', '[21, 25)', '>= 25', 'missing']
    >>> axis.codes(pd.DataFrame({"age": [18.0, 21.0, 30.0, np.nan]})).tolist()
    [0, 1, 2, 3]
    """

    feature: str
    thresholds: tuple[float, ...]
    closed: Literal["right", "left"] = "right"
    kind: Literal["numeric"] = field(default="numeric", init=False)

    def __post_init__(self) -> None:
        t = np.asarray(self.thresholds, dtype=float)
        if t.ndim != 1 or not np.all(np.isfinite(t)) or np.any(np.diff(t) <= 0):
            raise ValueError(f"thresholds of {self.feature!r} must be finite and increasing")
        if self.closed not in ("right", "left"):
            raise ValueError(f"closed must be 'right' or 'left', got {self.closed!r}")

    @property
    def n_bins(self) -> int:
        """Number of bins including the missing-value bin."""
        return len(self.thresholds) + 2

    def codes(self, X: pd.DataFrame) -> np.ndarray:
        """Bin index of every row of ``X`` (the column read as float; NaN is missing)."""
        col = X[self.feature] if self.feature in X.columns else None
        if isinstance(col, pd.Series) and isinstance(col.dtype, np.dtype) and \
                col.dtype.kind in "biuf":
            values = col.to_numpy(dtype=np.float64)  # plain numbers: skip pd.to_numeric
        else:
            values = column_as_float(X, self.feature)
        return self.codes_of(values)

    def codes_of(self, values: np.ndarray) -> np.ndarray:
        """Bin index of every float in ``values`` (NaN to the missing bin).

        This and :meth:`code` are the one statement of the bin rule; every path that
        bins (prediction, explanation, assessment, distributed scoring) goes through them.
        """
        edges = np.asarray(self.thresholds, dtype=np.float64)
        side: Literal["left", "right"] = "left" if self.closed == "right" else "right"
        if len(values) >= 10_000:
            # Counts and whole-year ages: bin each distinct whole number once, then gather
            # (a gather is several times cheaper than a binary search per row).
            lo, hi = float(np.min(values)), float(np.max(values))
            if math.isfinite(lo) and math.isfinite(hi) and hi - lo <= 100_000:
                whole = values.astype(np.intp)
                if np.array_equal(whole, values):
                    start = int(lo)
                    grid = np.arange(start, int(hi) + 1, dtype=np.float64)
                    lut = np.searchsorted(edges, grid, side=side)
                    out: np.ndarray = lut[whole - start]
                    return out
        codes = np.searchsorted(edges, values, side=side)
        codes[np.isnan(values)] = self.n_bins - 1
        return codes

    def code(self, value: float) -> int:
        """Bin index of one float (NaN to the missing bin): :meth:`codes_of` for a scalar."""
        if value != value:  # NaN
            return self.n_bins - 1
        if self.closed == "right":
            return bisect_left(self.thresholds, value)
        return bisect_right(self.thresholds, value)

    def labels(self) -> list[str]:
        """Human-readable label of every bin, in bin order."""
        t = [f"{v:g}" for v in self.thresholds]
        if not t:
            return ["all values", "missing"]
        if self.closed == "left":
            out = [f"< {t[0]}"]
            out += [f"[{a}, {b})" for a, b in itertools.pairwise(t)]
            return [*out, f">= {t[-1]}", "missing"]
        out = [f"<= {t[0]}"]
        out += [f"({a}, {b}]" for a, b in itertools.pairwise(t)]
        return [*out, f"> {t[-1]}", "missing"]

    def to_dict(self) -> dict[str, Any]:
        return {"kind": "numeric", "feature": self.feature,
                "thresholds": list(self.thresholds), "closed": self.closed}


@dataclass(frozen=True)
class CategoricalAxis:
    """A categorical input; one bin per category plus a missing bin.

    Parameters
    ----------
    feature : str
        Input column name.
    categories : tuple of str
        The known values, unique; bin ``i`` is ``categories[i]``.

    Examples
    --------
    >>> import pandas as pd
    >>> axis = CategoricalAxis("sex", ("female", "male"))
    >>> axis.codes(pd.DataFrame({"sex": ["male", None, "female"]})).tolist()
    [1, 2, 0]
    >>> axis.codes(pd.DataFrame({"sex": ["other"]}))
    Traceback (most recent call last):
    ...
    riskassess.exceptions.UnseenCategoryError: column 'sex': value(s) ['other'] not seen ...
    """

    feature: str
    categories: tuple[str, ...]
    kind: Literal["categorical"] = field(default="categorical", init=False)

    def __post_init__(self) -> None:
        if len(set(self.categories)) != len(self.categories):
            raise ValueError(f"categories of {self.feature!r} must be unique")

    @property
    def n_bins(self) -> int:
        """Number of bins including the missing-value bin."""
        return len(self.categories) + 1

    def codes(self, X: pd.DataFrame) -> np.ndarray:
        """Bin index of every row of ``X``; unseen categories raise.

        Values are matched by their string form (``str(value)``), so a category stored
        as ``"F"`` matches an object, string or Categorical column holding ``"F"``.
        Vectorised through :func:`pandas.factorize`: one hash pass over the rows, then
        a lookup per distinct value.
        """
        if self.feature not in X.columns:
            raise FeatureError(
                f"missing column {self.feature!r}; got columns {list(map(str, X.columns))}"
            )
        col = X[self.feature]
        if isinstance(col.dtype, pd.CategoricalDtype):
            src = np.asarray(col.cat.codes, dtype=np.intp)
            uniques = np.asarray(col.cat.categories.astype(object))
        else:
            src, uniq = pd.factorize(col, use_na_sentinel=True)
            src = np.asarray(src, dtype=np.intp)
            uniques = np.asarray(uniq.astype(object) if hasattr(uniq, "astype") else uniq,
                                 dtype=object)
        lookup = pd.Index(list(self.categories), dtype=object).get_indexer(
            pd.Index([str(v) for v in uniques], dtype=object)
        ).astype(np.intp)
        missing = src < 0
        # append the missing bin so that code -1 (missing) maps to it
        table = np.append(lookup, self.n_bins - 1)
        codes = table[src]
        unseen_u = np.flatnonzero(lookup < 0)
        if unseen_u.size:
            present = np.zeros(len(uniques), dtype=bool)
            present[src[~missing]] = True
            bad_idx = unseen_u[present[unseen_u]]
            if bad_idx.size:
                bad = sorted(str(uniques[i]) for i in bad_idx)[:5]
                raise UnseenCategoryError(
                    f"column {self.feature!r}: value(s) {bad} not seen when the model was "
                    f"fitted; expected one of {list(self.categories)} or missing"
                )
        return codes

    @cached_property
    def _lookup(self) -> dict[str, int]:
        return {c: i for i, c in enumerate(self.categories)}

    def code(self, value: object) -> int:
        """Bin index of one value: its category's bin, the missing bin for ``None`` or
        NaN, and ``-1`` for a value not among the categories (the caller decides)."""
        if value is None or (isinstance(value, float) and value != value):
            return self.n_bins - 1
        return self._lookup.get(value, -1) if isinstance(value, str) else -1

    def labels(self) -> list[str]:
        """Human-readable label of every bin, in bin order."""
        return [*self.categories, "missing"]

    def to_dict(self) -> dict[str, Any]:
        return {"kind": "categorical", "feature": self.feature,
                "categories": list(self.categories)}


Axis = NumericAxis | CategoricalAxis


def _axis_from_dict(d: Mapping[str, Any]) -> Axis:
    if d["kind"] == "numeric":
        return NumericAxis(str(d["feature"]), tuple(float(v) for v in d["thresholds"]),
                           closed=d.get("closed", "right"))
    if d["kind"] == "categorical":
        return CategoricalAxis(str(d["feature"]), tuple(str(v) for v in d["categories"]))
    raise ValueError(f"unknown axis kind {d['kind']!r}")


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
                raise ValueError(f"term {self.name!r}: counts must be >= 0, shaped as table")
            object.__setattr__(self, "counts", counts)
        if not 1 <= len(self.axes) <= 2:
            raise ValueError("a term has one or two axes")
        if table.shape != tuple(a.n_bins for a in self.axes):
            raise ValueError(
                f"term {self.name!r}: table shape {table.shape} does not match bins "
                f"{tuple(a.n_bins for a in self.axes)}"
            )
        if not np.all(np.isfinite(table)):
            raise ValueError(f"term {self.name!r}: table has non-finite entries")

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
            raise ValueError(f"term names must be unique, got {names}")

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
                axes = tuple(_axis_from_dict(a) for a in t["axes"])
                counts = t.get("counts")
                terms.append(TableTerm(str(t["name"]), axes, np.asarray(t["table"], float),
                                       None if counts is None else np.asarray(counts, float)))
            elif t["type"] == "linear":
                mean = t.get("mean")
                terms.append(LinearTerm(str(t["name"]), str(t["feature"]), float(t["coef"]),
                                        None if mean is None else float(mean)))
            else:
                raise ValueError(f"unknown term type {t['type']!r}")
        return cls(float(d["intercept"]), tuple(terms))
