"""From contributions on the model's scale to percentage points: the secant method.

A transparent model's contributions add up on its link scale (log-odds, or the
complementary log-log of a time-to-event model). An officer hears percentage points, so
each case's contributions are scaled by one factor, the slope of the inverse link between
the base value and the case's value: signs and ranking are kept and the points add up
exactly to the change in probability.

Examples
--------
>>> import numpy as np
>>> round(float(secant_slope(np.array(0.0), np.array(2.0))), 4)  # (0.8808 - 0.5) / 2
0.1904
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    import shap

__all__ = ["secant_slope", "to_probability"]


def _expit(z: np.ndarray) -> np.ndarray:
    out: np.ndarray = 0.5 * (1.0 + np.tanh(0.5 * z))
    return out


def _inverse(link: str) -> Callable[[np.ndarray], np.ndarray]:
    if link == "logit":
        return _expit
    from riskassess.models import inverse_link

    return inverse_link(link)  # refuses an unknown link by name


def _derivative(link: str, z: np.ndarray) -> np.ndarray:
    """d p / d z of the inverse link at ``z``."""
    if link == "cloglog":  # p = 1 - exp(-exp(z))
        out: np.ndarray = np.exp(z - np.exp(z))
        return out
    mid = _inverse(link)(z)
    return mid * (1 - mid)


def secant_slope(z0: np.ndarray, dz: np.ndarray, *, link: str = "logit") -> np.ndarray:
    """``(g(z0 + dz) - g(z0)) / dz`` for the inverse link ``g`` (the logistic sigmoid by
    default); ``g'`` at the midpoint for tiny dz.

    Examples
    --------
    >>> float(secant_slope(np.array(0.0), np.array(0.0)))
    0.25
    >>> round(float(secant_slope(np.array(0.0), np.array(0.0), link="cloglog")), 4)
    0.3679
    """
    z0, dz = np.asarray(z0, dtype=np.float64), np.asarray(dz, dtype=np.float64)
    g = _inverse(link)
    p0, p = g(z0), g(z0 + dz)
    with np.errstate(divide="ignore", invalid="ignore"):
        out: np.ndarray = np.where(np.abs(dz) > 1e-6, (p - p0) / dz,
                                   _derivative(link, z0 + dz / 2))
    return out


def to_probability(explanation: shap.Explanation, *, link: str = "logit") -> shap.Explanation:
    """Convert log-odds contributions to probability contributions (secant method).

    Each contribution is scaled by the same per-case factor, the slope of the logistic
    curve between the base log-odds ``z0`` and the case's log-odds ``z``::

        dp_i = phi_i * (sigmoid(z) - sigmoid(z0)) / (z - z0)

    (the derivative ``sigmoid'`` at the midpoint when ``z`` is within 1e-6 of ``z0``).
    Signs and ranking are kept and the contributions add up exactly to the change in
    probability: ``sigmoid(z0) + sum(dp) == sigmoid(z)``.

    Parameters
    ----------
    explanation : shap.Explanation
        On the log-odds scale, as returned by :func:`explain` (one row or many).
    link : {"logit", "cloglog"}, default "logit"
        The model's link: a time-to-event model's values add up on the cloglog scale.

    Returns
    -------
    shap.Explanation
        ``values`` in probability units, ``base_values`` the base probability.

    Examples
    --------
    >>> import numpy as np, shap
    >>> e = shap.Explanation(np.array([[1.0, -0.5]]), base_values=np.array([0.0]))
    >>> p = to_probability(e)
    >>> bool(np.isclose(p.base_values[0] + p.values.sum(), 1 / (1 + np.exp(-0.5))))
    True
    """
    from riskassess.explain._shap import make_explanation

    values = np.asarray(explanation.values, dtype=np.float64)
    z0 = np.asarray(explanation.base_values, dtype=np.float64)
    slope = secant_slope(z0, values.sum(axis=-1), link=link)
    dp = values * np.asarray(slope)[..., None]
    p0 = _inverse(link)(z0)
    output = explanation.output_names
    return make_explanation(dp, p0, explanation.data, explanation.feature_names,
                            output if isinstance(output, str) else None,
                            explanation.instance_names)
