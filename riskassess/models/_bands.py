"""Risk bands: probability cut-points and labels (OGRS3's by default).

Examples
--------
>>> bands = RiskBands()
>>> bands.assign([0.1, 0.5, 0.8, 0.95]).tolist()
['low', 'medium', 'high', 'very high']
>>> RiskBands(cut_points=(0.3,), labels=("lower", "higher")).assign([0.29, 0.3]).tolist()
['lower', 'higher']
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from riskassess.exceptions import FormError, ValidationInputError
from riskassess.types import RISK_BANDS

__all__ = ["OGRS3_CUT_POINTS", "RiskBands"]

#: OGRS3's bands on the 2-year probability: low < 50%, medium 50-74%, high 75-89%,
#: very high >= 90% (domain.md section 3).
OGRS3_CUT_POINTS: tuple[float, ...] = (0.50, 0.75, 0.90)


@dataclass(frozen=True)
class RiskBands:
    """Probability cut-points and the label of each band.

    A probability ``p`` falls in band ``j`` when ``cut_points[j-1] <= p < cut_points[j]``
    (a cut-point belongs to the band above it, as in "medium 50-74%").

    Parameters
    ----------
    cut_points : tuple of float, default (0.50, 0.75, 0.90)
        Strictly increasing, inside (0, 1).
    labels : tuple of str, default riskassess.types.RISK_BANDS
        One more label than cut-points, lowest risk first.

    Examples
    --------
    >>> bands = RiskBands()
    >>> bands.cut_points, bands.labels
    ((0.5, 0.75, 0.9), ('low', 'medium', 'high', 'very high'))
    >>> bands.assign([0.49, 0.5, 0.9]).tolist()  # a cut-point belongs to the band above
    ['low', 'medium', 'very high']
    >>> RiskBands.from_dict(bands.to_dict()) == bands
    True
    """

    cut_points: tuple[float, ...] = OGRS3_CUT_POINTS
    labels: tuple[str, ...] = RISK_BANDS

    def __post_init__(self) -> None:
        cuts = tuple(float(c) for c in self.cut_points)
        labels = tuple(str(label) for label in self.labels)
        object.__setattr__(self, "cut_points", cuts)
        object.__setattr__(self, "labels", labels)
        c = np.asarray(cuts, dtype=float)
        if c.ndim != 1 or np.any(~np.isfinite(c)) or np.any(c <= 0) or np.any(c >= 1) or \
                np.any(np.diff(c) <= 0):
            raise FormError(f"cut_points must be strictly increasing inside (0, 1); got {cuts}")
        if len(labels) != len(cuts) + 1:
            raise FormError(f"need {len(cuts) + 1} labels for {len(cuts)} cut-points; "
                             f"got {len(labels)}: {labels}")
        if len(set(labels)) != len(labels):
            raise FormError(f"band labels must be unique; got {labels}")

    def assign(self, proba: Sequence[float] | np.ndarray) -> np.ndarray:
        """Band label of every probability.

        Parameters
        ----------
        proba : array-like of float
            Probabilities in [0, 1].

        Returns
        -------
        numpy.ndarray of str
        """
        # gathered from a str array directly: through an object array, the conversion
        # back to str cost ten times the gather
        return np.asarray(self.labels, dtype=str)[self.index(proba)]

    def index(self, proba: Sequence[float] | np.ndarray) -> np.ndarray:
        """Band number of every probability: its label is ``labels[number]``.

        The rule of :meth:`assign`, without building a string per row (for callers that
        keep bands as codes, such as a categorical column).

        Parameters
        ----------
        proba : array-like of float
            Probabilities in [0, 1].

        Returns
        -------
        numpy.ndarray of int

        Examples
        --------
        >>> RiskBands().index([0.49, 0.5, 0.9]).tolist()
        [0, 1, 3]
        """
        p = np.asarray(proba, dtype=float)
        if np.isnan(p).any() or (p < 0).any() or (p > 1).any():
            raise ValidationInputError("probabilities must lie in [0, 1] and not be missing")
        return np.searchsorted(np.asarray(self.cut_points), p, side="right")

    def label_of(self, p: float) -> str:
        """Band label of one probability: :meth:`assign` for a scalar (same rule).

        Examples
        --------
        >>> RiskBands().label_of(0.75)
        'high'
        """
        if not 0.0 <= p <= 1.0:  # also refuses NaN
            raise ValidationInputError("probabilities must lie in [0, 1] and not be missing")
        return self.labels[bisect_right(self.cut_points, p)]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary."""
        return {"cut_points": list(self.cut_points), "labels": list(self.labels)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> RiskBands:
        """Inverse of :meth:`to_dict`."""
        return cls(tuple(d["cut_points"]), tuple(d["labels"]))
