"""The same per-partition scoring for Spark's ``mapInPandas`` (pure pandas, no pyspark).

Spark has no three-way co-grouping, so the three tables are stacked into one Spark
DataFrame with a ``_table`` column (``unionByName(..., allowMissingColumns=True)``) and
repartitioned by ``person_id``: every row of a person then lands in one Spark partition.
:func:`spark_scorer` returns the function for ``mapInPandas``: it gathers the partition's
batches, splits them back into the three tables and runs
:func:`~riskassess.distributed.score_partition`. :func:`spark_schema` gives the output
schema. See ``docs/distributed.md`` for the recipe.

Examples
--------
>>> import pandas as pd
>>> people = pd.DataFrame({"person_id": ["P1"], "sex": ["male"]})
>>> stacked = stack_tables(people, people.iloc[:0], people.iloc[:0].assign(case_id=[]))
>>> stacked["_table"].tolist()
['people']
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Literal

import pandas as pd

from riskassess.distributed._model import model_from_json, model_to_json
from riskassess.distributed._parquet import TABLES
from riskassess.distributed._partition import REJECTED_COLUMNS, score_frame, score_partition

__all__ = ["spark_schema", "spark_scorer", "stack_tables"]

Output = Literal["scores", "rejected"]


def stack_tables(people: pd.DataFrame, sanctions: pd.DataFrame,
                 assessments: pd.DataFrame) -> pd.DataFrame:
    """The three tables as one frame with a ``_table`` column (what Spark's union gives).

    Parameters
    ----------
    people, sanctions, assessments : pandas.DataFrame
        The input tables (any columns; missing ones become nulls).

    Returns
    -------
    pandas.DataFrame
        The rows of all three, in that order, with ``_table`` naming each row's table;
        :func:`spark_scorer` splits them apart again.

    Examples
    --------
    >>> from riskassess.datasets import make_cohort
    >>> cohort = make_cohort(5, seed=0)
    >>> stacked = stack_tables(cohort.people, cohort.sanctions, cohort.assessments)
    >>> stacked["_table"].value_counts(sort=False).to_dict()
    {'people': 5, 'sanctions': 23, 'assessments': 5}
    >>> int(stacked["person_id"].isna().sum())  # every row keeps its person
    0
    """
    frames = [t.assign(_table=name) for name, t in
              zip(TABLES, (people, sanctions, assessments), strict=True)]
    return pd.concat(frames, ignore_index=True)


def _split(stacked: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    from riskassess.features import TABLE_COLUMNS

    out = []
    for name in TABLES:
        rows = stacked[stacked["_table"] == name]
        cols = [c for c in TABLE_COLUMNS[name] if c in rows.columns]
        out.append(rows[cols].reset_index(drop=True))
    return out[0], out[1], out[2]


def _empty_tables() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    from riskassess.features import TABLE_COLUMNS

    empty = [pd.DataFrame({c: pd.Series([], dtype=object) for c in TABLE_COLUMNS[t]})
             for t in TABLES]
    return empty[0], empty[1], empty[2]


def _to_spark_frame(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.reset_index() if frame.index.name == "case_id" else frame
    for col in frame.columns:
        if isinstance(frame[col].dtype, pd.CategoricalDtype) or frame[col].dtype == "str":
            frame[col] = frame[col].astype(object).where(frame[col].notna(), None)
    return frame


def spark_scorer(
    model: Any, *, output: Output = "scores", explain: bool = True,
    invalid: Literal["raise", "drop"] = "drop", include_features: bool = False,
) -> Callable[[Iterator[pd.DataFrame]], Iterator[pd.DataFrame]]:
    """The function to give ``mapInPandas`` over the stacked, repartitioned tables.

    Parameters
    ----------
    model : estimator or str
        Fitted model or its JSON text; the closure holds only the JSON text.
    output : {"scores", "rejected"}, default "scores"
        Which output this pass yields (run one ``mapInPandas`` per output, on a cached
        input).
    explain, invalid, include_features
        As in :func:`~riskassess.distributed.score_tables`.

    Returns
    -------
    callable
        ``Iterator[pandas.DataFrame] -> Iterator[pandas.DataFrame]``.

    Examples
    --------
    Building the function needs no pyspark, and it is plain pandas, so it can be called
    here on one stacked "partition" exactly as ``mapInPandas`` would call it:

    >>> from riskassess.datasets import make_cohort
    >>> from riskassess.models import AdditiveRiskClassifier
    >>> cohort = make_cohort(50, seed=0)
    >>> X, y = cohort.features(), cohort.outcomes["reoffend_2y"]
    >>> seen = y.notna().to_numpy()  # censored outcomes are not labels
    >>> cols = ["age", "previous_sanctions", "copas_rate"]
    >>> model = AdditiveRiskClassifier(max_bins=8).fit(X.loc[seen, cols], y[seen].astype(int))
    >>> score = spark_scorer(model, explain=False)
    >>> stacked = stack_tables(cohort.people, cohort.sanctions, cohort.assessments)
    >>> (out,) = score(iter([stacked.iloc[:100], stacked.iloc[100:]]))  # two batches
    >>> out.shape, list(out.columns)
    ((50, 3), ['case_id', 'probability', 'band'])

    On Spark (not run here: CI does not install pyspark; see ``docs/distributed.md``)::

        tagged = [df.withColumn("_table", F.lit(name)) for name, df in
                  (("people", people), ("sanctions", sanctions),
                   ("assessments", assessments))]
        stacked = (tagged[0].unionByName(tagged[1], allowMissingColumns=True)
                            .unionByName(tagged[2], allowMissingColumns=True))
        parts = stacked.repartition(400, "person_id").cache()
        scores = parts.mapInPandas(spark_scorer(model), spark_schema(model))
    """
    text = model if isinstance(model, str) else model_to_json(model)
    options: dict[str, Any] = {"model_json": text, "explain": explain, "invalid": invalid,
               "include_features": include_features}

    def run(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        frames = list(batches)  # a person's rows may span batches: take the whole partition
        if not frames:
            return
        stacked = pd.concat(frames, ignore_index=True)
        partition = _spark_partition_id()
        result = score_partition(*_split(stacked), partition=partition, **options)
        yield _to_spark_frame(result.scores if output == "scores" else result.rejected)

    return run


def _spark_partition_id() -> int:
    try:
        from pyspark import TaskContext

        ctx = TaskContext.get()
        return int(ctx.partitionId()) if ctx is not None else 0
    except ImportError:  # pragma: no cover - only called inside Spark
        return 0


_SPARK_TYPES = {"f": "double", "i": "bigint", "b": "boolean", "u": "bigint"}


def spark_schema(model: Any, *, output: Output = "scores", explain: bool = True,
                 include_features: bool = False) -> str:
    """DDL schema of :func:`spark_scorer`'s output, e.g. ``"case_id string, ..."``.

    Examples
    --------
    >>> spark_schema(None, output="rejected")
    'case_id string, person_id string, field string, problem string, partition bigint'
    """
    if output == "rejected":
        return ", ".join(f"{c} {'bigint' if c == 'partition' else 'string'}"
                         for c in REJECTED_COLUMNS)
    from riskassess.features import build_features_from_tables

    fitted = model_from_json(model) if isinstance(model, str) else model
    features = build_features_from_tables(*_empty_tables()).features
    meta = _to_spark_frame(score_frame(fitted, features, explain=explain,
                                       include_features=include_features))
    parts = []
    for col in meta.columns:
        kind = meta[col].dtype.kind
        parts.append(f"`{col}` {_SPARK_TYPES.get(kind, 'string')}")
    return ", ".join(parts)
