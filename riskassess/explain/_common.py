"""What both explanation routes share: the additivity check, the explained data, labels.

Examples
--------
>>> from riskassess.instruments import OGRS3
>>> horizon_label(OGRS3(horizon=1))
'1-year risk'
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from riskassess.exceptions import ExplanationError
from riskassess.models import CategoricalAxis

__all__ = ["ADDITIVITY_TOLERANCE", "MAX_NAMED_ROWS", "check_additivity", "frame_data",
           "horizon_label", "instance_names"]

#: Largest allowed ``|base + sum(values) - model.decision_function(X)|`` (log-odds).
ADDITIVITY_TOLERANCE = 1e-9

#: Frames with more rows than this get no ``instance_names`` (shap builds a slicer alias
#: of one Python object per row: seconds per million rows); rows follow ``X``'s order.
MAX_NAMED_ROWS = 1000


def frame_data(X: pd.DataFrame, names: Sequence[str],
                categorical: dict[str, tuple[CategoricalAxis, np.ndarray]] | None = None,
                whole: dict[str, tuple[np.ndarray, np.ndarray]] | None = None
                ) -> np.ndarray:
    """The explained values, ``(n, p)``: float if every column is numeric, else object.

    A column the model reads as categorical is rebuilt from its codes (the category as
    the model matched it, ``None`` when missing): much faster than converting strings.
    A float column the binning found to hold whole numbers (``whole``: the value each
    index stands for, and every row's index, as the binning kept them) is boxed once per
    value of its range and gathered by the index, without reading the column again.
    """
    categorical = categorical or {}
    whole = whole or {}
    columns = [X[name] for name in names]
    if all(isinstance(c.dtype, np.dtype) and c.dtype.kind in "biuf" for c in columns):
        return X[list(names)].to_numpy(dtype=np.float64)
    # Filled feature by feature into contiguous rows of a (p, n) array and returned
    # transposed: writing a column of an (n, p) object array strides across every row's
    # cache line, which took twice as long. Each gather writes its row in place.
    out = np.empty((len(columns), len(X)), dtype=object)
    for j, (name, col) in enumerate(zip(names, columns, strict=True)):
        if name in categorical:
            axis, codes = categorical[name]
            # a missing value's code is -1: "wrap" reads it as the last entry, None
            np.take(np.array([*axis.categories, None], dtype=object), codes, out=out[j],
                    mode="wrap")
        elif name in whole and col.dtype == np.float64:
            points, index = whole[name]
            np.take(points.astype(object), index, out=out[j], mode="wrap")
        else:
            out[j] = _boxed(col.to_numpy())
    return out.T


def _boxed(values: np.ndarray) -> np.ndarray:
    """``values`` as Python objects; a discrete column boxes each distinct value once."""
    if values.dtype == object or len(values) < 10_000:
        return values
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    if len(uniques) > len(values) // 8:  # nearly continuous: boxing each value is cheaper
        return values
    boxed: np.ndarray = np.asarray(uniques, dtype=object)[codes]
    return boxed


def horizon_label(model: object) -> str:
    """What the explanation explains, e.g. ``"2-year risk"`` (``"risk"`` if no horizon).

    Examples
    --------
    >>> from riskassess.instruments import OGRS3
    >>> horizon_label(OGRS3(horizon=1)), horizon_label(object())
    ('1-year risk', 'risk')
    """
    h = getattr(model, "horizon", None)
    if isinstance(h, bool) or h is None:
        return "risk"
    if isinstance(h, int | float | np.integer | np.floating):
        return f"{float(h):g}-year risk"
    if isinstance(h, str) and h.strip():
        return f"{h.strip()} risk"
    return "risk"


def check_additivity(values: np.ndarray, base: np.ndarray, prediction: np.ndarray,
                     index: Any, tolerance: float = ADDITIVITY_TOLERANCE) -> None:
    """Raise :class:`ExplanationError` unless ``base + sum(values) == prediction``."""
    prediction = np.asarray(prediction, dtype=np.float64).reshape(-1)
    if prediction.shape[0] != values.shape[0]:
        raise ExplanationError(f"the model returned {prediction.shape[0]} scores for "
                               f"{values.shape[0]} rows")
    gap = np.abs(base + values.sum(axis=1) - prediction)
    worst = int(np.argmax(gap)) if len(gap) else 0
    if len(gap) and not gap[worst] <= tolerance:
        raise ExplanationError(
            f"explanation of case {index[worst]!r} does not add up: base value + "
            f"contributions = {base[worst] + values[worst].sum():.12g}, but the model's "
            f"decision_function = {prediction[worst]:.12g} (difference {gap[worst]:.3g} > "
            f"{tolerance:g}); {int((gap > tolerance).sum())} row(s) affected"
        )


def instance_names(X: pd.DataFrame) -> list[str] | None:
    if isinstance(X.index, pd.RangeIndex) or len(X) > MAX_NAMED_ROWS:
        return None
    return [str(i) for i in X.index]


