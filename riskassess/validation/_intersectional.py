"""Intersectional groups (e.g. race × sex): every combination shown, small ones marked.

A combination of attributes (``("race", "sex")``) makes one group per combination of
their values: ``African-American × Female``, ... . Intersections are where groups get
small, and a small group is exactly the one a validator must not lose: every combination
of the values seen is a row of the table, including combinations with no cases at all,
and one under the minimum size is marked ``small`` with a note. Small groups are left out
of nothing: they get their rates and (wide) intervals like the others; only statements
that need a reliable estimate (the trade-off, ``distinct``) leave them out, and say so.

Examples
--------
>>> import numpy as np, pandas as pd
>>> attrs = pd.DataFrame({"race": ["A"] * 100 + ["B"] * 100 + ["C"] * 10,
...                       "sex": ["F", "M"] * 100 + ["M"] * 10})
>>> rng = np.random.default_rng(0)
>>> p = rng.uniform(0.1, 0.9, 210); y = (rng.random(210) < p).astype(int)
>>> inter = intersectional_groups(y, p, attrs, min_group_size=30)
>>> inter.groups[["group", "race", "sex", "n", "small"]]
   group race sex   n  small
0  A × F    A   F  50  False
1  A × M    A   M  50  False
2  B × F    B   F  50  False
3  B × M    B   M  50  False
4  C × F    C   F   0   True
5  C × M    C   M  10   True
>>> inter.groups.loc[4, "note"]
'no cases with this combination'
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from riskassess.exceptions import ValidationInputError
from riskassess.validation._disparity import (
    Disparity,
    _check_power_args,
    _method,
    calibration_rows,
    disparity_table,
    resolve_reference,
)
from riskassess.validation._fairness import group_table
from riskassess.validation._group_inputs import group_codes
from riskassess.validation._inputs import checked_outcomes

__all__ = ["SEPARATOR", "Intersection", "intersection_columns", "intersectional_groups"]

#: Joins the values of the attributes in an intersectional group's name.
SEPARATOR = " × "


@dataclass(frozen=True)
class Intersection:
    """Per-group metrics and disparity ratios of one intersection of attributes.

    Attributes
    ----------
    attributes : tuple of str
        The attributes crossed, e.g. ``("race", "sex")``.
    groups : pandas.DataFrame
        One row per combination of the attributes' values (combinations without cases
        included, with ``n = 0``): ``group``, one column per attribute, then the per-group
        metrics of :attr:`Fairness.groups <riskassess.validation.Fairness.groups>` (``n,
        small, base_rate, fpr, fnr, ppv, selection_rate`` with Wilson intervals, ``auc``
        with DeLong, ``note``).
    disparity : Disparity or None
        Ratios of every non-empty combination against the reference combination; None
        when fewer than two combinations have cases.
    min_group_size : int
        Combinations with fewer cases are marked ``small``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> attrs = pd.DataFrame({"race": list("AABB") * 100, "sex": list("FMFM") * 100})
    >>> p = np.tile([0.2, 0.4, 0.6, 0.8], 100); y = np.tile([0, 0, 1, 1], 100)
    >>> inter = intersectional_groups(y, p, attrs, reference_group="A × F")
    >>> inter.name, inter.disparity.reference
    ('race × sex', 'A × F')
    """

    attributes: tuple[str, ...]
    groups: pd.DataFrame
    disparity: Disparity | None
    min_group_size: int

    @property
    def name(self) -> str:
        """The attributes joined by " × " (e.g. ``"race × sex"``)."""
        return SEPARATOR.join(self.attributes)

    def copy(self) -> Intersection:
        """A copy whose tables can be edited without changing this one."""
        disparity = None if self.disparity is None else self.disparity.copy()
        return dataclasses.replace(self, groups=self.groups.copy(), disparity=disparity)


def _frame_of(attributes: Any) -> pd.DataFrame:
    if isinstance(attributes, pd.DataFrame):
        return attributes
    if isinstance(attributes, Mapping):
        return pd.DataFrame({str(k): pd.Series(v).to_numpy() for k, v in attributes.items()})
    raise ValidationInputError(
        "attributes must be a pandas DataFrame or a mapping of name to values; got "
        f"{type(attributes).__name__}")


def intersection_columns(
    names: Sequence[str], *sources: Any
) -> pd.DataFrame:
    """The columns ``names``, each from the first source that has it.

    A source is a DataFrame (its columns), a named Series (its name), a mapping or None.
    A name no source has raises :class:`~riskassess.exceptions.ValidationInputError`
    naming it.

    Examples
    --------
    >>> import pandas as pd
    >>> X = pd.DataFrame({"sex": ["F", "M"], "age": [30, 40]})
    >>> race = pd.Series(["A", "B"], name="race")
    >>> intersection_columns(("race", "sex"), race, X).columns.tolist()
    ['race', 'sex']
    >>> intersection_columns(("ethnicity",), race, X)
    Traceback (most recent call last):
    ...
    riskassess.exceptions.ValidationInputError: intersections: no column 'ethnicity' ...
    """
    if isinstance(names, str) or len(names) < 1:
        raise ValidationInputError(
            f"intersections: each entry is a tuple of column names, e.g. ('race', 'sex'); "
            f"got {names!r}")
    columns: dict[str, Any] = {}
    for name in names:
        for source in sources:
            if isinstance(source, pd.Series) and source.name == name:
                columns[name] = source.to_numpy()
                break
            if isinstance(source, pd.DataFrame | Mapping) and name in source:
                columns[name] = np.asarray(source[name])
                break
        else:
            raise ValidationInputError(
                f"intersections: no column {name!r} in attributes, groups or X; pass "
                "attributes=<DataFrame with that column, one row per case>")
    return pd.DataFrame(columns)


def intersectional_groups(
    y_true: Any, y_prob: Any, attributes: Any, *, threshold: float = 0.5,
    min_group_size: int = 30, level: float = 0.95, reference_group: Any = None,
    alpha: float = 0.05, power: float = 0.8,
) -> Intersection:
    """Metrics and disparity ratios for every combination of the attributes' values.

    Parameters
    ----------
    y_true : array-like of {0, 1}
        Observed outcomes.
    y_prob : array-like of float
        Predicted probabilities in [0, 1].
    attributes : DataFrame or mapping of name to array-like
        The attributes to cross (every column), one row per case. A missing value raises
        (name it, e.g. "unknown", so that no case is dropped silently).
    threshold : float, default 0.5
        Predicted positive when the probability is at least this (the same for everyone).
    min_group_size : int, default 30
        Combinations with fewer cases are marked ``small`` (never dropped).
    level : float, default 0.95
        Confidence level.
    reference_group : str, optional
        The reference combination for the disparity ratios, written with " × " (e.g.
        ``"Caucasian × Male"``); default the largest.
    alpha, power : float
        Level and power of the minimum detectable differences.

    Returns
    -------
    Intersection

    Raises
    ------
    ValidationInputError
        Bad labels, probabilities or attribute values (the message names the case and the
        attribute), an unknown reference, a parameter out of range.

    Examples
    --------
    >>> import numpy as np
    >>> intersectional_groups([0, 1], [0.2, 0.7], {"race": ["A", None], "sex": ["F", "M"]})
    Traceback (most recent call last):
    ...
    riskassess.exceptions.ValidationInputError: race: group is missing at row 1; ...
    """
    _check_power_args(level, alpha, power)
    frame = _frame_of(attributes)
    if frame.shape[1] < 1:
        raise ValidationInputError("attributes: give at least one column to cross")
    ids, y, p = checked_outcomes(y_true, y_prob, (frame, "attributes"))
    n = len(y)
    names = tuple(str(c) for c in frame.columns)
    levels: list[list[str]] = []
    combined = np.zeros(n, dtype=np.intp)
    for name in names:
        labels, codes = group_codes(frame[name], ids, name)
        levels.append(labels)
        combined = combined * len(labels) + codes  # mixed radix: one code per combination
    combos = list(itertools.product(*levels))  # in the same (mixed radix) order
    sizes = np.bincount(combined, minlength=len(combos))
    present = np.flatnonzero(sizes)
    labels_all = [SEPARATOR.join(c) for c in combos]
    pred = (p >= float(threshold)).astype(np.int8)
    g = np.asarray(labels_all, dtype=object)[combined]
    table, _, _ = group_table(y, p, pred, g, min_group_size=min_group_size, level=level,
                              small_note="shown and marked small; intervals are wide")
    table = table.set_index("group").reindex(labels_all)
    empty = sizes == 0
    table.loc[empty, "n"] = 0
    table.loc[empty, "small"] = True
    table.loc[empty, "note"] = "no cases with this combination"
    table = table.reset_index().rename(columns={"index": "group"})
    for i, name in enumerate(names):
        table.insert(1 + i, name, [c[i] for c in combos])
    table["n"] = table["n"].astype(int)
    table["small"] = table["small"].astype(bool)
    disparity = None
    if len(present) >= 2:
        kept = [labels_all[j] for j in present]
        remap = np.full(len(combos), -1, dtype=np.intp)
        remap[present] = np.arange(len(present))
        codes_kept = remap[combined]
        reference = resolve_reference(kept, sizes[present], reference_group)
        rows = disparity_table(y, p, pred, kept, codes_kept, reference, level=level,
                               min_group_size=min_group_size, alpha=alpha, power=power)
        calibration = calibration_rows(y, p, kept, codes_kept, "decile", level)
        disparity = Disparity(SEPARATOR.join(names), reference, rows, level, alpha, power,
                              _method(level, alpha, power), calibration)
    elif reference_group is not None:
        raise ValidationInputError(
            "reference_group: fewer than two combinations have cases; nothing to compare")
    return Intersection(names, table, disparity, min_group_size)
