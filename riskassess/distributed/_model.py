"""A fitted model as JSON text: what travels to the workers (never a pickled object).

The task graph carries the model's JSON string; each worker process rebuilds the model
once per distinct string (:func:`model_from_json` is cached) and reuses it for every
partition it scores.
"""

from __future__ import annotations

import functools
from typing import Any

__all__ = ["model_from_json", "model_to_json"]


def model_to_json(model: Any) -> str:
    """The JSON text of a fitted model, as :func:`riskassess.models.save_model` writes it.

    Parameters
    ----------
    model : estimator
        A fitted riskassess model.

    Returns
    -------
    str
        JSON text; :func:`model_from_json` rebuilds the model from it.

    Examples
    --------
    >>> from riskassess.datasets import make_cohort
    >>> from riskassess.models import AdditiveRiskClassifier
    >>> cohort = make_cohort(50, seed=0)
    >>> X, y = cohort.features(), cohort.outcomes["reoffend_2y"]
    >>> seen = y.notna().to_numpy()  # censored outcomes are not labels
    >>> cols = ["age", "previous_sanctions", "copas_rate"]
    >>> model = AdditiveRiskClassifier(max_bins=8).fit(X.loc[seen, cols], y[seen].astype(int))
    >>> text = model_to_json(model)
    >>> import json
    >>> json.loads(text)["content"]["class"]
    'AdditiveRiskClassifier'
    """
    from riskassess.models import model_to_json as dumps

    return dumps(model)


@functools.lru_cache(maxsize=8)
def model_from_json(text: str) -> Any:
    """Rebuild a model from :func:`model_to_json` text (cached per process).

    Parameters
    ----------
    text : str
        JSON text of a saved model.

    Returns
    -------
    estimator
        The fitted model. The same object is returned for the same text, so a worker
        parses the model once, not once per partition.

    Examples
    --------
    >>> from riskassess.datasets import make_cohort
    >>> from riskassess.models import AdditiveRiskClassifier
    >>> cohort = make_cohort(50, seed=0)
    >>> X, y = cohort.features(), cohort.outcomes["reoffend_2y"]
    >>> seen = y.notna().to_numpy()  # censored outcomes are not labels
    >>> cols = ["age", "previous_sanctions", "copas_rate"]
    >>> model = AdditiveRiskClassifier(max_bins=8).fit(X.loc[seen, cols], y[seen].astype(int))
    >>> text = model_to_json(model)
    >>> again = model_from_json(text)
    >>> again is model_from_json(text)  # cached: parsed once per process
    True
    >>> import numpy as np
    >>> bool(np.allclose(again.predict_proba(X[cols]), model.predict_proba(X[cols])))
    True
    """
    from riskassess.models import model_from_json as loads

    return loads(text)
