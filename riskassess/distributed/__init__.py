"""National scale: features, scores and explanations on dask, partition by partition.

Needs the optional extra ``riskassess[dask]`` (dask[dataframe], distributed, pyarrow);
this package imports without it and names the extra when a function needs it.

The contract: the people, sanctions and assessments tables are *co-partitioned by
person* (partition ``i`` of each holds all rows of the same people; each person is in
one partition). :func:`write_partitioned`, :func:`write_cohort_parquet` and
:func:`co_partition` produce that layout; every task checks it.

Each partition runs :func:`score_partition`: the in-memory
:func:`riskassess.features.build_features_from_tables`, then probability, band and exact
SHAP values from a model rebuilt from its JSON text (the only form of the model in the
task graph). Invalid rows (``invalid="drop"``) go to a ``rejected`` side output naming
the case, the person, the field and the problem; per-partition ``counts`` show
``assessments == scored + rejected``.

Examples
--------
>>> import riskassess.distributed as rd
>>> "score_parquet" in rd.__all__
True
>>> rd.TABLES
('people', 'sanctions', 'assessments')

A full run (see ``docs/distributed.md``)::

    from dask.distributed import Client, LocalCluster
    with LocalCluster(n_workers=2, threads_per_worker=1) as cluster, Client(cluster):
        data = rd.write_cohort_parquet("/tmp/cohort", n_people=1_000_000, seed=0)
        counts = rd.score_parquet(model, data, invalid="drop").to_parquet("/tmp/scores")
"""

from __future__ import annotations

from riskassess.distributed._cohort import cohort_chunk, write_cohort_parquet
from riskassess.distributed._contract import (
    DistributedArgumentError,
    PartitioningError,
    bucket_of,
    check_partition,
    duplicate_people,
)
from riskassess.distributed._copartition import co_partition
from riskassess.distributed._deps import EXTRA_HINT, require_dask
from riskassess.distributed._model import model_from_json, model_to_json
from riskassess.distributed._parquet import (
    DICTIONARY_COLUMNS,
    TABLES,
    PartitionedDataset,
    open_partitioned,
    read_part,
    write_chunks,
    write_frame,
    write_partitioned,
)
from riskassess.distributed._partition import (
    COUNT_COLUMNS,
    REJECTED_COLUMNS,
    PartitionOutput,
    score_frame,
    score_partition,
)
from riskassess.distributed._pipeline import (
    ScoringJob,
    ScoringResult,
    score_parquet,
    score_tables,
)
from riskassess.distributed._spark import spark_schema, spark_scorer, stack_tables

__all__ = [
    "COUNT_COLUMNS",
    "DICTIONARY_COLUMNS",
    "EXTRA_HINT",
    "REJECTED_COLUMNS",
    "TABLES",
    "DistributedArgumentError",
    "PartitionOutput",
    "PartitionedDataset",
    "PartitioningError",
    "ScoringJob",
    "ScoringResult",
    "bucket_of",
    "check_partition",
    "co_partition",
    "cohort_chunk",
    "duplicate_people",
    "model_from_json",
    "model_to_json",
    "open_partitioned",
    "read_part",
    "require_dask",
    "score_frame",
    "score_parquet",
    "score_partition",
    "score_tables",
    "spark_schema",
    "spark_scorer",
    "stack_tables",
    "write_chunks",
    "write_cohort_parquet",
    "write_frame",
    "write_partitioned",
]
