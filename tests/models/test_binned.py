"""The look-up route of binning (``Binned``) against the scalar bin rule, row by row.

Columns of 10,000 rows or more of whole numbers are binned by a look-up (each distinct
whole number binned once); Categoricals by their category numbers. These tests hold the
codes and the one-pass gather of a per-bin table equal to the scalar rule (``code``) on
every row, with missing values, negative numbers, thresholds on and between whole
numbers, and columns that are not whole.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from riskassess.models._axes import Binned, CategoricalAxis, NumericAxis

_N = 10_000  # the look-up route's threshold


@st.composite
def _numeric_case(draw: st.DrawFn) -> tuple[NumericAxis, np.ndarray]:
    cuts = draw(st.lists(st.sampled_from([-3.0, 0.0, 0.5, 1.0, 2.0, 2.5, 7.0, 20.0, 21.0]),
                         min_size=1, max_size=5, unique=True))
    axis = NumericAxis("x", tuple(sorted(cuts)), draw(st.sampled_from(["right", "left"])))
    low = draw(st.integers(-5, 3))
    values = draw(arrays(np.float64, 40, elements=st.integers(low, low + 30).map(float)))
    column = np.resize(values, _N + draw(st.integers(0, 50)))
    if draw(st.booleans()):
        column[draw(st.integers(0, len(column) - 1))] = np.nan
    if draw(st.booleans()):  # one value that is not whole: the look-up must not be used
        column[draw(st.integers(0, len(column) - 1))] = low + 0.75
    return axis, column


@settings(max_examples=60, deadline=None)
@given(_numeric_case())
def test_numeric_look_up_matches_the_scalar_rule_on_every_row(
        case: tuple[NumericAxis, np.ndarray]) -> None:
    axis, column = case
    binned = axis.binned_of(column)
    expected = np.array([axis.code(float(v)) for v in column])
    np.testing.assert_array_equal(binned.codes, expected)
    table = np.arange(axis.n_bins, dtype=np.float64) * 1.5 - 2.0
    np.testing.assert_array_equal(binned.gather(table), table[expected])
    rows = np.array([0, len(column) // 2, len(column) - 1])
    np.testing.assert_array_equal(binned.rows(rows), expected[rows])


@settings(max_examples=30, deadline=None)
@given(st.lists(st.sampled_from(["F", "M", None]), min_size=1, max_size=30),
       st.booleans())
def test_categorical_look_up_matches_the_scalar_rule(values: list[str | None],
                                                     as_category: bool) -> None:
    axis = CategoricalAxis("c", ("F", "M"))
    column = pd.Series(values * (_N // len(values) + 1), dtype="category" if as_category
                       else object)
    binned = axis.binned(pd.DataFrame({"c": column}))
    expected = np.array([axis.code(v) for v in column])
    np.testing.assert_array_equal(binned.codes, expected)
    table = np.array([0.25, -1.0, 3.0])
    np.testing.assert_array_equal(binned.gather(table), table[expected])


def test_plain_codes_are_their_own_index() -> None:
    codes = np.array([2, 0, 1])
    binned = Binned(codes)
    assert binned.codes is codes
    np.testing.assert_array_equal(binned.gather(np.array([5.0, 6.0, 7.0])), [7.0, 5.0, 6.0])
