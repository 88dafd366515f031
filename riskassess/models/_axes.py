"""Axes: how one input column is cut into bins (the one statement of the bin rule).

A :class:`NumericAxis` cuts a number at thresholds (NaN to a last "missing" bin); a
:class:`CategoricalAxis` gives each known category a bin (missing to a last bin, an unseen
category refused). Each has a vectorised spelling (``codes``) and a scalar one (``code``)
side by side; every route that bins reads them.

Examples
--------
>>> import pandas as pd
>>> NumericAxis("age", (21.0, 25.0), closed="left").code(21.0)
1
>>> CategoricalAxis("sex", ("female", "male")).codes(pd.DataFrame({"sex": ["male"]})).tolist()
[1]
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

from riskassess.exceptions import FeatureError, FormError, UnseenCategoryError

__all__ = ["Axis", "Binned", "CategoricalAxis", "NumericAxis", "axis_from_dict",
           "column_as_float"]


def column_as_float(X: pd.DataFrame, name: str) -> np.ndarray:
    """Column ``name`` of ``X`` as float64 (booleans become 0/1, missing becomes NaN).

    Examples
    --------
    >>> import pandas as pd
    >>> column_as_float(pd.DataFrame({"n": [1, None]}), "n").tolist()
    [1.0, nan]
    """
    if name not in X.columns:
        raise FeatureError(f"missing column {name!r}; got columns {list(map(str, X.columns))}")
    col = X[name]
    if isinstance(col, pd.Series) and isinstance(col.dtype, np.dtype) and \
            col.dtype.kind in "biuf":  # plain numbers: no pd.to_numeric pass (a copy)
        return col.to_numpy(dtype=np.float64)
    try:
        return np.asarray(pd.to_numeric(col, errors="raise"), dtype=np.float64)
    except (TypeError, ValueError) as exc:
        bad = pd.to_numeric(col, errors="coerce").isna() & col.notna()
        where = f"case {col.index[bad.to_numpy()][0]!r}: " if bad.any() else ""
        raise FeatureError(
            f"{where}column {name!r} must be numeric; got dtype {col.dtype} ({exc})"
        ) from None


class Binned:
    """Bin codes of one axis for many rows, kept as a look-up when that is cheaper.

    ``codes == lut[index]``: binning whole numbers (counts, ages) or a pandas Categorical
    is a look-up, each row's whole value or category number selecting an entry of a
    small table of bins. A reader that wants a per-bin table's value for every row (an
    exact SHAP share) then gathers ``table[lut]`` by ``index`` in one pass, instead of
    building the codes and gathering again. Without a look-up (``lut`` None) the index is
    the codes. For whole numbers, ``points`` holds the value each index stands for
    (``points[index]`` is the column itself), so the values can be boxed without reading
    the column again.

    The gathers run in ``mode="wrap"``: every index is in range by construction (a
    category's -1, missing, reads the last entry, the missing bin), and numpy's default
    ``"raise"`` checks each index again at twice the cost of the gather.

    Examples
    --------
    >>> b = Binned(np.array([0, 2, -1]), np.array([0, 1, 1, 2]))
    >>> b.codes.tolist(), b.gather(np.array([10.0, 20.0, 30.0])).tolist()
    ([0, 1, 2], [10.0, 20.0, 30.0])
    """

    __slots__ = ("_codes", "index", "lut", "points")

    def __init__(self, index: np.ndarray, lut: np.ndarray | None = None,
                 points: np.ndarray | None = None) -> None:
        self.index = index
        self.lut = lut
        self.points = points
        self._codes: np.ndarray | None = index if lut is None else None

    @property
    def codes(self) -> np.ndarray:
        """Bin index of every row (built on first use)."""
        if self._codes is None:
            self._codes = self._look_up(self.index)
        return self._codes

    def rows(self, rows: np.ndarray) -> np.ndarray:
        """Bin index of the given rows only."""
        if self._codes is not None:
            return self._codes[rows]
        return self._look_up(self.index[rows])

    def gather(self, table: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """``table[codes]``: one value per row from a table with one entry per bin."""
        if self.lut is None:
            return np.take(table, self.index, out=out, mode="wrap")
        return np.take(np.take(table, self.lut), self.index, out=out, mode="wrap")

    def _look_up(self, index: np.ndarray) -> np.ndarray:
        if self.lut is None:
            return index
        return np.take(self.lut, index, mode="wrap")


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
            raise FormError(f"thresholds of {self.feature!r} must be finite and increasing")
        if self.closed not in ("right", "left"):
            raise FormError(f"closed must be 'right' or 'left', got {self.closed!r}")

    @property
    def n_bins(self) -> int:
        """Number of bins including the missing-value bin."""
        return len(self.thresholds) + 2

    def codes(self, X: pd.DataFrame) -> np.ndarray:
        """Bin index of every row of ``X`` (the column read as float; NaN is missing)."""
        return self.binned(X).codes

    def binned(self, X: pd.DataFrame) -> Binned:
        """:meth:`codes` of ``X``, kept as a look-up when that is cheaper (:class:`Binned`)."""
        col = X[self.feature] if self.feature in X.columns else None
        if isinstance(col, pd.Series) and isinstance(col.dtype, np.dtype) and \
                col.dtype.kind in "biuf":
            values = col.to_numpy(dtype=np.float64)  # plain numbers: skip pd.to_numeric
        else:
            values = column_as_float(X, self.feature)
        return self.binned_of(values)

    def codes_of(self, values: np.ndarray) -> np.ndarray:
        """Bin index of every float in ``values`` (NaN to the missing bin).

        This, :meth:`binned_of` and :meth:`code` are the one statement of the bin rule;
        every path that bins (prediction, explanation, assessment, distributed scoring)
        goes through them.
        """
        return self.binned_of(values).codes

    def binned_of(self, values: np.ndarray) -> Binned:
        """:meth:`codes_of`, as a :class:`Binned` (a look-up for many whole numbers)."""
        edges = np.asarray(self.thresholds, dtype=np.float64)
        side: Literal["left", "right"] = "left" if self.closed == "right" else "right"
        if len(values) >= 10_000:
            # Counts and whole-year ages: bin each distinct whole number once, then gather
            # (a gather is several times cheaper than a binary search per row).
            lo, hi = float(np.min(values)), float(np.max(values))
            # whole numbers: truncation changes nothing (a float comparison, three times
            # cheaper than comparing with the integer copy)
            if math.isfinite(lo) and math.isfinite(hi) and hi - lo <= 100_000 and \
                    np.array_equal(np.trunc(values), values):
                whole = values.astype(np.intp)
                # counts and ages start at 0 or above: a grid from 0 is indexed by
                # the value itself (no shifted copy of the column)
                start = min(int(lo), 0)
                grid = np.arange(start, int(hi) + 1, dtype=np.float64)
                return Binned(whole if start == 0 else whole - start,
                              np.searchsorted(edges, grid, side=side), grid)
        codes = np.searchsorted(edges, values, side=side)
        codes[np.isnan(values)] = self.n_bins - 1
        return Binned(codes)

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
            raise FormError(f"categories of {self.feature!r} must be unique")

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
        return self.binned(X).codes

    def binned(self, X: pd.DataFrame) -> Binned:
        """:meth:`codes` as a :class:`Binned`: the rows' value numbers and a bin per value."""
        if self.feature not in X.columns:
            raise FeatureError(
                f"missing column {self.feature!r}; got columns {list(map(str, X.columns))}"
            )
        col = X[self.feature]
        if isinstance(col.dtype, pd.CategoricalDtype):
            src = np.asarray(col.cat.codes)  # int8/int16: np.take below reads them as is
            uniques = np.asarray(col.cat.categories.astype(object))
        else:
            src, uniq = pd.factorize(col, use_na_sentinel=True)
            src = np.asarray(src, dtype=np.intp)
            uniques = np.asarray(uniq.astype(object) if hasattr(uniq, "astype") else uniq,
                                 dtype=object)
        lookup = pd.Index(list(self.categories), dtype=object).get_indexer(
            pd.Index([str(v) for v in uniques], dtype=object)
        ).astype(np.intp)
        # append the missing bin so that value number -1 (missing) maps to it (a gather
        # in mode "wrap" reads -1 as the last entry)
        table = np.append(lookup, self.n_bins - 1)
        unseen_u = np.flatnonzero(lookup < 0)
        if unseen_u.size:
            missing = src < 0
            present = np.zeros(len(uniques), dtype=bool)
            present[src[~missing]] = True
            bad_idx = unseen_u[present[unseen_u]]
            if bad_idx.size:
                bad = sorted(str(uniques[i]) for i in bad_idx)[:5]
                raise UnseenCategoryError(
                    f"column {self.feature!r}: value(s) {bad} not seen when the model was "
                    f"fitted; expected one of {list(self.categories)} or missing"
                )
        # an unseen value no row holds keeps -1 in the table; no index selects it
        return Binned(src, table)

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


def axis_from_dict(d: Mapping[str, Any]) -> Axis:
    if d["kind"] == "numeric":
        return NumericAxis(str(d["feature"]), tuple(float(v) for v in d["thresholds"]),
                           closed=d.get("closed", "right"))
    if d["kind"] == "categorical":
        return CategoricalAxis(str(d["feature"]), tuple(str(v) for v in d["categories"]))
    raise FormError(f"unknown axis kind {d['kind']!r}")


