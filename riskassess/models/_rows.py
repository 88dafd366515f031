"""A small sketch of the rows a model was fitted on, to notice validation on them.

Validating a model on the data it was fitted on overstates its accuracy (the README's
example once reported AUC 0.773 in-sample against 0.747 on held-out cases). At fit time a
model keeps a **bottom-k sketch** of its training rows: the ``k`` smallest 64-bit row
hashes. Every training row whose hash is at most the largest kept hash is in the sketch,
so for any other set of rows, those hashing at or below that threshold are a uniform
random sample of it, and the share of them found in the sketch estimates the share of
its rows that were training rows, from ``k`` numbers whatever the training size.

Rows are hashed on the model's input columns only, numbers as float64 (so ``3`` and
``3.0`` agree) and everything else as text, with :func:`pandas.util.hash_pandas_object`.

Examples
--------
>>> import pandas as pd
>>> train = pd.DataFrame({"age": range(1000), "sex": ["m", "f"] * 500})
>>> sketch = row_sketch(train)
>>> in_sample_share(sketch, train)
1.0
>>> in_sample_share(sketch, train.assign(age=train["age"] + 5000))
0.0
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["IN_SAMPLE_WARN_SHARE", "SKETCH_SIZE", "in_sample_share", "row_hashes", "row_sketch",
           "warn_if_in_sample"]

#: Hashes kept: the estimate's standard error is at most 1 / (2 sqrt(k)), about 3%.
SKETCH_SIZE = 256


def row_hashes(frame: pd.DataFrame, columns: list[str] | None = None) -> np.ndarray:
    """One uint64 hash per row of ``frame`` (on ``columns``, in that order)."""
    cols = list(frame.columns) if columns is None else columns
    normal = {}
    for name in cols:
        col = frame[name]
        if pd.api.types.is_bool_dtype(col) or pd.api.types.is_numeric_dtype(col):
            normal[str(name)] = pd.to_numeric(col).astype(np.float64)
        else:  # categories, strings and mixed columns compare as their text
            normal[str(name)] = col.astype(object).where(col.notna(), None).map(
                lambda v: None if v is None else str(v))
    hashed = pd.util.hash_pandas_object(pd.DataFrame(normal, index=frame.index),
                                        index=False)
    return np.asarray(hashed, dtype=np.uint64)


def row_sketch(frame: pd.DataFrame, k: int = SKETCH_SIZE) -> dict[str, Any]:
    """The bottom-k sketch of ``frame``'s rows (JSON-ready).

    Returns
    -------
    dict
        ``columns`` (hashed, in order), ``hashes`` (the k smallest distinct row hashes,
        as decimal strings: JSON numbers lose precision beyond 2**53) and ``n_rows``.
    """
    hashes = np.unique(row_hashes(frame))[:k]
    return {"columns": [str(c) for c in frame.columns], "hashes": [str(h) for h in hashes],
            "n_rows": len(frame)}


def in_sample_share(sketch: dict[str, Any], frame: pd.DataFrame) -> float | None:
    """Estimated share of ``frame``'s rows that were training rows (None: cannot tell).

    None when ``frame`` lacks a sketched column, or no row of it hashes at or below the
    sketch's threshold (too few rows to estimate from).
    """
    columns = list(sketch.get("columns", []))
    kept = np.array([int(h) for h in sketch.get("hashes", [])], dtype=np.uint64)
    if kept.size == 0 or any(c not in frame.columns for c in columns):
        return None
    hashes = row_hashes(frame, columns)
    threshold = kept.max()
    if kept.size < SKETCH_SIZE:  # the whole training set is in the sketch
        threshold = np.iinfo(np.uint64).max
    sample = hashes[hashes <= threshold]
    if sample.size == 0:
        return None
    return float(np.isin(sample, kept).mean())


#: Share of validation rows seen in training from which validate() warns.
IN_SAMPLE_WARN_SHARE = 0.1


def warn_if_in_sample(model: Any, X: Any, *, stacklevel: int = 3) -> float | None:
    """Warn when ``X`` holds a sizeable share of ``model``'s training rows.

    Returns the estimated share (None when the model kept no sketch or ``X`` is not a
    DataFrame with its columns).

    Warns
    -----
    InSampleValidationWarning
        When at least :data:`IN_SAMPLE_WARN_SHARE` of the rows look like training rows.

    Examples
    --------
    >>> import warnings
    >>> import pandas as pd
    >>> from riskassess.exceptions import InSampleValidationWarning
    >>> class Fitted:  # any model with a sketch of its training rows
    ...     training_rows_ = row_sketch(pd.DataFrame({"x": range(500)}))
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     share = warn_if_in_sample(Fitted(), pd.DataFrame({"x": range(500)}))
    >>> share, caught[0].category is InSampleValidationWarning
    (1.0, True)
    """
    import warnings

    from riskassess.exceptions import InSampleValidationWarning

    sketch = getattr(model, "training_rows_", None)
    if not isinstance(sketch, dict) or not isinstance(X, pd.DataFrame):
        return None
    share = in_sample_share(sketch, X)
    if share is not None and share >= IN_SAMPLE_WARN_SHARE:
        warnings.warn(
            f"about {share:.0%} of the {len(X)} rows validated on look like rows "
            f"{type(model).__name__} was fitted on: in-sample validation overstates "
            "accuracy; validate on held-out cases (e.g. sklearn's train_test_split)",
            InSampleValidationWarning, stacklevel=stacklevel)
    return share
