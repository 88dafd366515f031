"""Score one partition with the in-memory functions (pure pandas: no dask here).

:func:`score_partition` is the unit of work of every engine: dask runs it once per
partition, Spark's ``mapInPandas`` once per Spark partition. It builds features with
:func:`riskassess.features.build_features_from_tables`, then scores, bands and explains
with a model rebuilt from its JSON text, and checks that no row is lost::

    assessments in == scored + rejected (assessment rows)

Examples
--------
The columns of the two side outputs (constants, documented here):

>>> REJECTED_COLUMNS
('case_id', 'person_id', 'field', 'problem', 'partition')
>>> COUNT_COLUMNS
('partition', 'people', 'sanctions', 'assessments', 'scored', 'rejected',
 'ignored_sanctions')
"""

from __future__ import annotations

import warnings
from typing import Any, Literal, NamedTuple

import numpy as np
import pandas as pd

from riskassess.distributed._contract import (
    PartitioningError,
    _is_in,
    check_partition,
    require_person_ids,
)
from riskassess.distributed._model import model_from_json
from riskassess.exceptions import ExplanationError, UnknownPersonError
from riskassess.models import input_names
from riskassess.types import RISK_BANDS

__all__ = [
    "COUNT_COLUMNS",
    "REJECTED_COLUMNS",
    "PartitionOutput",
    "score_frame",
    "score_partition",
]

#: Columns of the side output listing rejected cases, one row per problem.
REJECTED_COLUMNS: tuple[str, ...] = ("case_id", "person_id", "field", "problem", "partition")

#: Columns of the per-partition row accounting.
COUNT_COLUMNS: tuple[str, ...] = (
    "partition", "people", "sanctions", "assessments", "scored", "rejected",
    "ignored_sanctions",
)

BAND_DTYPE = pd.CategoricalDtype(list(RISK_BANDS), ordered=True)


class PartitionOutput(NamedTuple):
    """What one partition produces: ``scores``, ``rejected`` and ``counts``.

    Returned by :func:`score_partition`; a named tuple, so it also unpacks.

    Examples
    --------
    >>> from riskassess.datasets import make_cohort
    >>> from riskassess.models import AdditiveRiskClassifier
    >>> cohort = make_cohort(50, seed=0)
    >>> X, y = cohort.features(), cohort.outcomes["reoffend_2y"]
    >>> seen = y.notna().to_numpy()  # censored outcomes are not labels
    >>> cols = ["age", "previous_sanctions", "copas_rate"]
    >>> model = AdditiveRiskClassifier(max_bins=8).fit(X.loc[seen, cols], y[seen].astype(int))
    >>> from riskassess.distributed import model_to_json
    >>> out = score_partition(cohort.people, cohort.sanctions, cohort.assessments,
    ...                       model_json=model_to_json(model), explain=False)
    >>> scores, rejected, counts = out
    >>> list(out._fields), len(scores), len(rejected)
    (['scores', 'rejected', 'counts'], 50, 0)
    """

    scores: pd.DataFrame
    """One row per scored case, indexed by ``case_id``."""
    rejected: pd.DataFrame
    """One row per problem of a rejected case (:data:`REJECTED_COLUMNS`)."""
    counts: pd.DataFrame
    """One row of row accounting (:data:`COUNT_COLUMNS`)."""


def _model_columns(model: Any, features: pd.DataFrame) -> list[str]:
    names = input_names(model)
    return names if names is not None else list(map(str, features.columns))


def shap_columns(model: Any, features: pd.DataFrame) -> list[str]:
    """Output column names of the SHAP values: ``shap_<feature>`` per model input."""
    return [f"shap_{c}" for c in _model_columns(model, features)]


def score_frame(
    model: Any, features: pd.DataFrame, *, explain: bool = True, include_features: bool = False
) -> pd.DataFrame:
    """Probability, band and (optionally) SHAP values for a feature table.

    Parameters
    ----------
    model : estimator
        Fitted riskassess model.
    features : pandas.DataFrame
        Feature table indexed by ``case_id``.
    explain : bool, default True
        Add ``shap_<feature>`` columns (exact SHAP values in log-odds, from
        :func:`riskassess.explain.shap_values`) and ``shap_base`` (the base value).
    include_features : bool, default False
        Keep the feature columns in front of the scores.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``features``: [features...], ``probability``, ``band``,
        [``shap_base``, ``shap_<feature>``...].

    Examples
    --------
    >>> from riskassess.datasets import make_cohort
    >>> from riskassess.models import AdditiveRiskClassifier
    >>> cohort = make_cohort(50, seed=0)
    >>> X, y = cohort.features(), cohort.outcomes["reoffend_2y"]
    >>> seen = y.notna().to_numpy()  # censored outcomes are not labels
    >>> cols = ["age", "previous_sanctions", "copas_rate"]
    >>> model = AdditiveRiskClassifier(max_bins=8).fit(X.loc[seen, cols], y[seen].astype(int))
    >>> out = score_frame(model, X.head(3))
    >>> list(out.columns)
    ['probability', 'band', 'shap_base', 'shap_age', 'shap_previous_sanctions',
     'shap_copas_rate']
    >>> out[["probability", "band"]].round(3)
              probability    band
    case_id
    C0000001        0.691  medium
    C0000002        0.692  medium
    C0000003        0.334     low
    >>> import numpy as np  # base + SHAP values = the model's log-odds
    >>> logit = out["shap_base"] + out.filter(like="shap_").drop(columns="shap_base").sum(axis=1)
    >>> bool(np.allclose(1 / (1 + np.exp(-logit)), out["probability"]))
    True
    """
    columns = _model_columns(model, features)
    # the model sees rows by position (its outputs are arrays): numpy probes each column
    # it converts for ``__array_interface__``, pandas looks that name up among the index
    # labels, and with text case ids that hashes every id (~20 ms per 100,000 rows)
    X = features[columns].set_axis(pd.RangeIndex(len(features)), axis=0)
    # text ids as the string dtype (not object), so Parquet writers know the type
    index = pd.Index(features.index.astype("str"), name=features.index.name or "case_id")
    n = len(X)
    names = shap_columns(model, features) if explain else []
    values = np.empty((0, len(names)), dtype=np.float64)
    base = np.empty(0, dtype=np.float64)
    if n and explain:  # scores, bands and values from one binning of the frame
        proba, band, values, base = _explanation(model, X, names)
    elif n:
        proba = np.asarray(model.predict_proba(X), dtype=np.float64)[:, 1]
        band = pd.Categorical(np.asarray(model.predict_band(X)).astype(str), dtype=BAND_DTYPE)
    else:  # sklearn refuses 0 rows; an empty partition still has the full schema
        proba, band = np.empty(0, dtype=np.float64), pd.Categorical([], dtype=BAND_DTYPE)
    scores: dict[str, Any] = {"probability": proba, "band": band}
    if explain:
        scores["shap_base"] = base
        scores.update(zip(names, values.T, strict=True))
    # built at once from its columns (one copy into blocks), not column by column
    out = pd.DataFrame(scores, index=index, copy=False)
    if include_features:
        kept = features.set_axis(index, axis=0)
        out = pd.concat([kept, out], axis=1)
    return out


def _band_categorical(codes: np.ndarray, labels: tuple[str, ...]) -> pd.Categorical:
    """``pd.Categorical(labels[codes], dtype=BAND_DTYPE)`` (a label outside it is missing)
    from the band numbers: pandas would hash a string per row (~30 ms per 100,000)."""
    categories = list(BAND_DTYPE.categories)
    position = np.array([categories.index(b) if b in categories else -1 for b in labels],
                        dtype=np.int8)
    return pd.Categorical.from_codes(position[codes], dtype=BAND_DTYPE)


def _explanation(model: Any, X: pd.DataFrame, names: list[str]
                 ) -> tuple[np.ndarray, pd.Categorical, np.ndarray, np.ndarray]:
    """Probabilities, bands (categorical), SHAP values ``(n, n_features)`` (columns
    ``names``) and base values ``(n,)`` of ``X``.

    All four come from :func:`riskassess.explain.scored_values`: the frame is checked and
    binned once, not once for each of ``predict_proba``, ``predict_band`` and the values.
    The values are plain arrays (the numbers :func:`riskassess.explain.explain` gives):
    no ``shap.Explanation`` is built, and a worker never imports shap (about a CPU-second
    per fresh worker process).
    """
    from riskassess.explain import scored_values

    out = scored_values(model, X)
    got = [f"shap_{c}" for c in model.explained_features_]
    if got != names:
        raise ExplanationError(f"explanation columns {got} differ from inputs {names}")
    return (out.probability, _band_categorical(out.band_codes, out.band_labels), out.values,
            np.full(len(X), out.base_value, dtype=np.float64))


def _empty_rejected() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "case_id": pd.Series([], dtype="str"),
            "person_id": pd.Series([], dtype="str"),
            "field": pd.Series([], dtype="str"),
            "problem": pd.Series([], dtype="str"),
            "partition": pd.Series([], dtype="int64"),
        }
    )


def _rejected_frame(
    rejected: pd.DataFrame, assessments: pd.DataFrame, partition: int
) -> pd.DataFrame:
    if rejected is None or len(rejected) == 0:
        return _empty_rejected()
    person_of = pd.Series(
        assessments["person_id"].astype(str).to_numpy(), index=assessments["case_id"].astype(str)
    )
    person_of = person_of[~person_of.index.duplicated()]
    case_ids = rejected["case_id"].astype(str)
    return pd.DataFrame(
        {
            "case_id": case_ids.to_numpy(),
            "person_id": case_ids.map(person_of).astype("str").to_numpy(),
            "field": rejected["field"].astype(str).to_numpy(),
            "problem": rejected["problem"].astype(str).to_numpy(),
            "partition": np.full(len(rejected), partition, dtype=np.int64),
        }
    ).astype({"case_id": "str", "person_id": "str", "field": "str", "problem": "str"})


def _count(events: Any) -> int:
    return int(events) if np.ndim(events) == 0 else len(events)


def _contract_checked_features(people: pd.DataFrame, sanctions: pd.DataFrame,
                               assessments: pd.DataFrame, *, invalid: Any,
                               partition: int) -> Any:
    """The partition's features, its co-partitioning contract checked first.

    The contract is checked on the feature builder's own join of sanctions to people
    (``unknown_people="raise"``), so the two tables are joined once: a second join was
    about 7% of a task's CPU. Only when the builder finds a sanction of an unknown person
    does :func:`check_partition` run, to decide and word the error: it compares ids as
    text, so ids the builder tells apart (``1`` and ``"1"``) may still pass it, and their
    rows are then ignored, as they always were.
    """
    from riskassess.features import build_features_from_tables

    require_person_ids(people, sanctions, partition=partition)
    with warnings.catch_warnings():
        # counted in ``ignored_sanctions``; people without an assessment are expected
        warnings.filterwarnings("ignore", message=r".*sanction row\(s\)", category=UserWarning)
        try:
            return build_features_from_tables(people, sanctions, assessments,
                                              invalid=invalid, unknown_people="raise")
        except UnknownPersonError:
            check_partition(people, sanctions, partition=partition)
            return build_features_from_tables(people, sanctions, assessments,
                                              invalid=invalid)


def score_partition(
    people: pd.DataFrame,
    sanctions: pd.DataFrame,
    assessments: pd.DataFrame,
    *,
    model_json: str,
    explain: bool = True,
    invalid: Literal["raise", "drop"] = "raise",
    include_features: bool = False,
    partition: int = 0,
) -> PartitionOutput:
    """Features, scores, bands and explanations of one co-partitioned slice of the tables.

    Parameters
    ----------
    people, sanctions, assessments : pandas.DataFrame
        The rows of one partition; every person's rows are all here (checked).
    model_json : str
        The model as JSON text (:func:`~riskassess.distributed.model_to_json`).
    explain : bool, default True
        Add SHAP value columns.
    invalid : {"raise", "drop"}, default "raise"
        Invalid rows raise, or their cases are dropped and listed in ``rejected``.
    include_features : bool, default False
        Keep the feature columns in the scores.
    partition : int, default 0
        Partition number, for messages and the side outputs.

    Returns
    -------
    PartitionOutput
        ``scores``, ``rejected`` and ``counts``.

    Raises
    ------
    PartitioningError
        A sanction's person is not in this partition, or rows were lost.

    Examples
    --------
    >>> from riskassess.datasets import make_cohort
    >>> from riskassess.models import AdditiveRiskClassifier
    >>> cohort = make_cohort(50, seed=0)
    >>> X, y = cohort.features(), cohort.outcomes["reoffend_2y"]
    >>> seen = y.notna().to_numpy()  # censored outcomes are not labels
    >>> cols = ["age", "previous_sanctions", "copas_rate"]
    >>> model = AdditiveRiskClassifier(max_bins=8).fit(X.loc[seen, cols], y[seen].astype(int))
    >>> from riskassess.distributed import model_to_json
    >>> bad = cohort.assessments.copy()
    >>> bad.loc[0, "person_id"] = "P9999999"  # nobody in the people table
    >>> out = score_partition(cohort.people, cohort.sanctions, bad, invalid="drop",
    ...                       model_json=model_to_json(model), partition=7)
    >>> out.counts[["partition", "assessments", "scored", "rejected"]]
       partition  assessments  scored  rejected
    0          7           50      49         1
    >>> out.rejected.iloc[0].to_dict()  # who, which field, why
    {'case_id': 'C0000001', 'person_id': 'P9999999', 'field': 'person_id',
     'problem': "no row for person 'P9999999' in people", 'partition': 7}
    """
    table = _contract_checked_features(people, sanctions, assessments, invalid=invalid,
                                       partition=partition)
    model = model_from_json(model_json)
    scores = score_frame(model, table.features, explain=explain,
                         include_features=include_features)
    rejected = _rejected_frame(table.rejected, assessments, partition)
    n_rejected = (int(_is_in(assessments["case_id"], table.rejected["case_id"]).sum())
                  if len(table.rejected) else 0)
    if len(scores) + n_rejected != len(assessments):
        raise PartitioningError(
            f"partition {partition}: {len(assessments)} assessment row(s) in but "
            f"{len(scores)} scored + {n_rejected} rejected out; rows were lost"
        )
    counts = pd.DataFrame(
        {
            "partition": [partition],
            "people": [len(people)],
            "sanctions": [len(sanctions)],
            "assessments": [len(assessments)],
            "scored": [len(scores)],
            "rejected": [n_rejected],
            "ignored_sanctions": [_count(table.dropped_events)],
        },
        dtype=np.int64,
    )
    return PartitionOutput(scores, rejected, counts)
