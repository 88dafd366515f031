"""Co-partition dask DataFrames by person: bucket ``i`` of every table in partition ``i``."""

from __future__ import annotations

from typing import Any

import pandas as pd

from riskassess.distributed._contract import DistributedArgumentError, bucket_of
from riskassess.distributed._deps import require_dask

__all__ = ["co_partition"]


def co_partition(
    people: Any, sanctions: Any, assessments: Any, n_partitions: int
) -> tuple[Any, Any, Any]:
    """Shuffle three dask DataFrames so that partition ``i`` holds bucket ``i``.

    Every row goes to partition ``bucket_of(person_id, n_partitions)``: partition ``i``
    of each table holds exactly the people whose :func:`~riskassess.distributed.bucket_of`
    is ``i``, so the tables are co-partitioned by person and partition ``i`` is the same
    set of people as partition ``i`` written by :func:`write_partitioned`. Partition sizes
    are as even as the hash (a partition is empty only when no id falls in its bucket).
    Use it when the tables come partitioned some other way (by date, by file); it costs
    one shuffle of each table.

    Parameters
    ----------
    people, sanctions, assessments : dask.dataframe.DataFrame
        Tables with a ``person_id`` column.
    n_partitions : int
        Number of output partitions.

    Returns
    -------
    tuple of dask.dataframe.DataFrame
        ``(people, sanctions, assessments)``, co-partitioned, ``n_partitions`` partitions
        each. The row index is reset (0, 1, ... within each partition) and the row
        order within a partition is not specified.

    Notes
    -----
    The bucket goes to dask as a sort key with explicit divisions
    ``[0, 1, ..., n_partitions - 1, n_partitions - 1]`` (``set_index``), so dask routes
    bucket ``i`` to partition ``i`` itself; a hash shuffle on the bucket would hash it
    again and scatter the buckets unevenly.

    Examples
    --------
    >>> import dask, dask.dataframe as dd
    >>> from riskassess.datasets import make_cohort
    >>> cohort = make_cohort(50, seed=0)
    >>> tables = [dd.from_pandas(t, npartitions=2)  # split by row, not by person
    ...           for t in (cohort.people, cohort.sanctions, cohort.assessments)]
    >>> people, sanctions, assessments = co_partition(*tables, 2)
    >>> with dask.config.set(scheduler="synchronous"):
    ...     parts = dask.compute(people.to_delayed(), sanctions.to_delayed())
    >>> [len(p) for p in parts[0]], [len(s) for s in parts[1]]  # people, sanctions
    ([31, 19], [237, 190])
    >>> import numpy as np  # the same sizes, counted in memory: bucket i -> partition i
    >>> np.bincount(bucket_of(cohort.people["person_id"], 2)).tolist()
    [31, 19]
    >>> [np.unique(bucket_of(p["person_id"], 2)).tolist() for p in parts[0]]
    [[0], [1]]
    >>> all(set(s["person_id"]) <= set(p["person_id"]) for p, s in zip(*parts))
    True
    """
    require_dask()
    if n_partitions < 1:
        raise DistributedArgumentError(f"n_partitions must be >= 1, got {n_partitions}")
    divisions = [*range(n_partitions), n_partitions - 1]  # bucket i -> partition i

    def add_bucket(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.assign(_bucket=bucket_of(frame["person_id"], n_partitions))

    out = []
    for table in (people, sanctions, assessments):
        meta = table._meta.assign(_bucket=pd.Series([], dtype="int64"))
        with_bucket = table.map_partitions(add_bucket, meta=meta)
        routed = with_bucket.set_index("_bucket", divisions=divisions, sort=True)
        out.append(routed.reset_index(drop=True))
    return out[0], out[1], out[2]
