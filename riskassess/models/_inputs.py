"""The input column names of a fitted model, read the same way everywhere.

The model card lists them, :func:`riskassess.testing.assert_no_protected_inputs` checks them
and :func:`riskassess.decisions.assess` selects a case's columns by them, so one function
decides what they are.
"""

from __future__ import annotations

from typing import Any

__all__ = ["input_names"]


def input_names(model: Any) -> list[str] | None:
    """The names of the columns a fitted model reads, or None when it does not say.

    scikit-learn's ``feature_names_in_`` (set when the model was fitted on a DataFrame)
    comes first; else, for a riskassess model, the features of its additive form
    (``form_.features``: ``x0``, ``x1``, ... when it was fitted on an array). A model with
    neither, such as a scikit-learn estimator fitted on an array, gives None, and the
    caller decides whether that is an error.

    Parameters
    ----------
    model : fitted estimator
        Any fitted model: a riskassess model or a scikit-learn estimator.

    Returns
    -------
    list of str or None
        The input names in the model's column order, as strings.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from sklearn.linear_model import LogisticRegression
    >>> X = pd.DataFrame({"age": [20.0, 30, 40, 50], "priors": [0, 3, 1, 4]})
    >>> input_names(LogisticRegression().fit(X, [1, 1, 0, 0]))
    ['age', 'priors']
    >>> input_names(LogisticRegression().fit(X.to_numpy(), [1, 1, 0, 0])) is None
    True
    """
    names = getattr(model, "feature_names_in_", None)
    if names is None:
        form = getattr(model, "form_", None)
        names = None if form is None else form.features
    return None if names is None else [str(n) for n in names]
