"""Group codes for the fairness modules, without a per-case Python loop.

:func:`~riskassess.validation._inputs.check_groups` converts every group label with
``str()``; at a million cases that is most of the run time of a decision curve.
:func:`group_codes` skips the per-case conversion when the labels are already strings (a
numpy string array cannot hold a missing value). The cases are named by
:func:`~riskassess.validation._inputs.case_names`.

Examples
--------
>>> import numpy as np
>>> from riskassess.validation._inputs import case_names
>>> labels, codes = group_codes(np.array(["b", "a", "b"]), case_names(3))
>>> labels, codes.tolist()
(['a', 'b'], [1, 0, 1])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from riskassess.validation._inputs import check_groups

__all__ = ["group_codes"]


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
