"""Population stability index (PSI) between a reference cohort's scores and a new one's.

``PSI = sum_b (a_b - e_b) * ln(a_b / e_b)`` over bins ``b``, where ``e_b`` and ``a_b`` are
the shares of the reference and the new cohort in the bin. Bins are the reference deciles
(fewer when the reference has few distinct scores) or the risk bands. An empty bin share is
replaced by 0.0001 (the usual convention) and the report says so. Reading (Siddiqi 2006):
below 0.10 stable, 0.10 to 0.25 a moderate shift worth investigating, above 0.25 a major
shift.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> ref = rng.beta(2, 5, 5000)
>>> population_stability(ref, rng.beta(2, 5, 5000)).interpretation
'stable'
>>> population_stability(ref, rng.beta(3, 3, 5000)).interpretation
'major shift'
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from riskassess.validation._inputs import case_names, check_count, check_scores

__all__ = ["StabilityIndex", "population_stability"]

_FLOOR = 1e-4


@dataclass(frozen=True)
class StabilityIndex:
    """PSI with its per-bin table.

    Examples
    --------
    >>> import numpy as np
    >>> ref = np.random.default_rng(0).beta(2, 5, 2000)
    >>> psi = population_stability(ref, np.full(500, 0.9), n_bins=4)  # everyone moved up
    >>> psi.interpretation, psi.binning
    ('major shift', "4 bins at the reference cohort's quantiles")
    >>> psi.note
    '3 empty bin share(s) replaced by 0.0001'
    >>> psi.table["current_share"].tolist()
    [0.0, 0.0, 0.0, 1.0]
    """

    value: float
    interpretation: str
    table: pd.DataFrame
    binning: str
    note: str = ""


def _interpret(psi: float) -> str:
    if psi < 0.10:
        return "stable"
    if psi < 0.25:
        return "moderate shift"
    return "major shift"


def population_stability(
    reference: Any, current: Any, *, n_bins: int = 10
) -> StabilityIndex:
    """PSI of ``current`` scores against ``reference`` scores on reference quantile bins.

    Parameters
    ----------
    reference : array-like of float
        Scores of the reference (e.g. development) cohort; its quantiles are the bins.
    current : array-like of float
        Scores of the cohort being checked.
    n_bins : int, default 10
        Number of quantile bins (fewer when the reference has few distinct scores).

    Returns
    -------
    StabilityIndex
        The PSI, its reading (stable / moderate shift / major shift) and per-bin table.

    Raises
    ------
    ValidationInputError
        An empty cohort, a missing or infinite score (the message names the cohort and
        the case), or ``n_bins`` below 2.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> ref = rng.beta(2, 5, 2000)
    >>> psi = population_stability(ref, rng.beta(2, 5, 2000), n_bins=4)
    >>> round(psi.value, 4), psi.interpretation
    (0.0008, 'stable')
    >>> psi.table[["reference_share", "current_share"]]
       reference_share  current_share
    0             0.25         0.2485
    1             0.25         0.2550
    2             0.25         0.2395
    3             0.25         0.2570
    >>> population_stability(ref, np.array([0.2, np.nan]))
    Traceback (most recent call last):
    ...
    riskassess.exceptions.ValidationInputError: current: scores must be finite numbers; ...
    """
    n_bins = check_count(n_bins, "n_bins", 2)
    reference = check_scores(reference, case_names(len(reference), reference), "reference",
                             probability=False)
    current = check_scores(current, case_names(len(current), current), "current",
                           probability=False)
    edges = np.unique(np.quantile(reference, np.linspace(0, 1, n_bins + 1)[1:-1]))
    ref_codes = np.searchsorted(edges, reference, side="right")
    cur_codes = np.searchsorted(edges, current, side="right")
    k = len(edges) + 1
    e = np.bincount(ref_codes, minlength=k) / len(reference)
    a = np.bincount(cur_codes, minlength=k) / len(current)
    floored = (e == 0) | (a == 0)
    e_f, a_f = np.maximum(e, _FLOOR), np.maximum(a, _FLOOR)
    contrib = (a_f - e_f) * np.log(a_f / e_f)
    bounds = [-math.inf, *edges.tolist(), math.inf]
    table = pd.DataFrame({
        "lower": bounds[:-1], "upper": bounds[1:], "reference_share": e,
        "current_share": a, "contribution": contrib,
    })
    psi = float(contrib.sum())
    note = (f"{int(floored.sum())} empty bin share(s) replaced by {_FLOOR}"
            if floored.any() else "")
    return StabilityIndex(psi, _interpret(psi), table,
                          f"{k} bins at the reference cohort's quantiles", note)
