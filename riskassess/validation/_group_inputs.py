"""Case names and group codes for the fairness modules, without a per-case Python loop.

:func:`riskassess.validation._inputs.ids_from` builds one string per case up front, and
:func:`~riskassess.validation._inputs.check_groups` converts every group label with
``str()``; at a million cases that is most of the run time of a decision curve. The
error messages only ever name a handful of cases, so :class:`CaseNames` formats a name
when one is asked for, and :func:`group_codes` skips the per-case conversion when the
labels are already strings (a numpy string array cannot hold a missing value).

Examples
--------
>>> import numpy as np, pandas as pd
>>> names = case_names(3, pd.Series([1, 2, 3], index=["p1", "p2", "p3"]))
>>> names[1], len(names)
("case 'p2'", 3)
>>> labels, codes = group_codes(np.array(["b", "a", "b"]), case_names(3))
>>> labels, codes.tolist()
(['a', 'b'], [1, 0, 1])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, overload

import numpy as np
import pandas as pd

from riskassess.validation._inputs import check_groups

__all__ = ["CaseNames", "case_names", "group_codes"]


class CaseNames(Sequence[str]):
    """The names :mod:`~riskassess.validation._inputs` uses in messages, made on demand.

    ``case '<index label>'`` when a pandas index is given, else ``row <i>``.

    Examples
    --------
    >>> CaseNames(2)[1], CaseNames(1, pd.Index(["C-9"]))[0]
    ('row 1', "case 'C-9'")
    """

    def __init__(self, n: int, index: pd.Index | None = None) -> None:
        self._n = n
        self._index = index

    @property
    def pandas_index(self) -> pd.Index | None:
        """The pandas index the names come from, or None (names are ``row <i>``)."""
        return self._index

    def __len__(self) -> int:
        return self._n

    @overload
    def __getitem__(self, i: int) -> str: ...

    @overload
    def __getitem__(self, i: slice) -> Sequence[str]: ...

    def __getitem__(self, i: int | slice) -> str | Sequence[str]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(self._n))]
        j = range(self._n)[i]  # IndexError past the end, like a list
        return f"row {j}" if self._index is None else f"case {self._index[j]!r}"


def case_names(n: int, *candidates: object) -> CaseNames:
    """Like ``ids_from``: the first pandas object with a non-default index names the cases."""
    for obj in candidates:
        if isinstance(obj, pd.Series | pd.DataFrame) and len(obj) == n:
            if isinstance(obj.index, pd.RangeIndex) and obj.index.start == 0:
                continue
            return CaseNames(n, obj.index)
    return CaseNames(n)


def group_codes(
    groups: Any, ids: Sequence[str], name: str = "groups"
) -> tuple[list[str], np.ndarray]:
    """Sorted distinct group labels (as str) and each case's code into them.

    Missing groups raise :class:`~riskassess.exceptions.ValidationInputError` naming the
    cases (through ``check_groups``), so nobody is dropped silently.
    """
    arr = groups.to_numpy() if isinstance(groups, pd.Series) else groups
    if isinstance(arr, np.ndarray) and arr.ndim == 1 and arr.dtype.kind == "U":
        labels, codes = np.unique(arr, return_inverse=True)
    else:
        checked = check_groups(groups, ids, name)
        labels, codes = np.unique(checked.astype(str), return_inverse=True)
    return [str(v) for v in labels], codes.astype(np.intp)
