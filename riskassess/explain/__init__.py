"""Per-case explanations: exact SHAP values, plain-English reasons, plots.

* :func:`explain` -- log-odds contributions per feature as a ``shap.Explanation``; exact
  (straight from the lookup tables) for riskassess models, shap's own explainers for any
  other scikit-learn classifier. Additivity is checked on every call (on a spread of
  8,192 rows for frames over 65,536 rows). A time-to-event model's values add up on
  the complementary log-log scale; ``horizon=`` moves the base value to that horizon.
* :func:`shap_values` -- the same exact values as plain arrays (values, base value),
  without building a ``shap.Explanation``: the fastest route.
* :func:`scored_values` -- probabilities, bands and the exact values of many cases, the
  frame read and binned once (batch scoring).
* :func:`to_probability` -- the same contributions in probability units (secant method,
  through the model's link).
* :func:`reasons` -- the largest contributions of one case as :class:`Reason` objects
  whose ``text`` an officer can read out.
* :mod:`riskassess.explain.plot` -- shape, importance, waterfall and per-case bar charts,
  and interaction heat maps (matplotlib, imported only when a plot is drawn).

Examples
--------
>>> import riskassess.explain as rx
>>> sorted(rx.__all__)[:3]
['ADDITIVITY_TOLERANCE', 'BackgroundError', 'Reason']
"""

from __future__ import annotations

from riskassess.explain._exact import (
    ADDITIVITY_TOLERANCE,
    BackgroundError,
    ScoredValues,
    explain,
    horizon_label,
    scored_values,
    shap_values,
)
from riskassess.explain._probability import to_probability
from riskassess.explain._reasons import Reason, reasons

__all__ = [
    "ADDITIVITY_TOLERANCE",
    "BackgroundError",
    "Reason",
    "ScoredValues",
    "explain",
    "horizon_label",
    "reasons",
    "scored_values",
    "shap_values",
    "to_probability",
]
