"""Synthetic cohorts of any size, written as co-partitioned Parquet chunk by chunk.

Chunk ``k`` is :func:`riskassess.datasets.make_cohort` with
``id_offset = k * people_per_partition``: ids never collide, each chunk is reproducible on
its own, and a chunk holds whole people, so chunk ``k`` *is* partition ``k``. Only one
chunk per process is in memory at a time, so the cohort can be far larger than RAM.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import pandas as pd

from riskassess.distributed._contract import DistributedArgumentError
from riskassess.distributed._parquet import PartitionedDataset, write_chunks

__all__ = ["cohort_chunk", "write_cohort_parquet"]


def cohort_chunk(
    k: int, *, n_people: int, people_per_partition: int, seed: int, outcomes: bool = False
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Tables of chunk ``k`` (people, sanctions, assessments).

    With ``outcomes=True`` the assessments also carry the outcome columns of the cohort
    (``reoffend_2y`` etc.), for fitting; the scoring pipeline ignores extra columns.

    Parameters
    ----------
    k : int
        Chunk (= partition) number; its people are ``k * people_per_partition + 1`` on.
    n_people : int
        People in the whole cohort (the last chunk may be smaller).
    people_per_partition : int
        People per chunk.
    seed : int
        Seed of the cohort; chunk ``k`` depends only on ``(seed, k)``.
    outcomes : bool, default False
        Join the outcome columns onto the assessments.

    Returns
    -------
    tuple of pandas.DataFrame
        ``(people, sanctions, assessments)`` of chunk ``k``.

    Examples
    --------
    >>> people, sanctions, assessments = cohort_chunk(
    ...     2, n_people=250, people_per_partition=100, seed=0)
    >>> len(people), people["person_id"].iat[0], assessments["case_id"].iat[-1]
    (50, 'P0000201', 'C0000250')
    >>> bool(sanctions["person_id"].isin(people["person_id"]).all())  # whole people
    True
    """
    from riskassess.datasets import make_cohort

    start = k * people_per_partition
    size = min(people_per_partition, n_people - start)
    cohort = make_cohort(size, seed, id_offset=start)
    sanctions = cohort.sanctions
    # plain text ids: a per-chunk Categorical would carry the chunk's whole id list
    sanctions = sanctions.assign(person_id=sanctions["person_id"].astype("str"))
    assessments = cohort.assessments
    if outcomes:
        assessments = assessments.join(cohort.outcomes, on="case_id")
    return cohort.people, sanctions, assessments


def write_cohort_parquet(
    path: str | Path,
    n_people: int,
    *,
    seed: int = 0,
    people_per_partition: int = 100_000,
    outcomes: bool = False,
    parallel: bool = False,
    client: Any = None,
) -> PartitionedDataset:
    """Write a synthetic cohort of ``n_people`` as co-partitioned Parquet.

    Parameters
    ----------
    path : str or pathlib.Path
        Output directory (see :func:`~riskassess.distributed.open_partitioned`).
    n_people : int
        People in the cohort (one assessment each; about nine sanctions each).
    seed : int, default 0
        Same seed and ``people_per_partition``, same files.
    people_per_partition : int, default 100_000
        People per chunk (= per partition). 100,000 people is about 0.9 million
        sanctions, some 40 MB in memory.
    outcomes : bool, default False
        Also write the outcome columns next to the assessments.
    parallel : bool, default False
        Generate the chunks as dask tasks (on ``client``, else the current client, else
        local threads) instead of one after another in this process.
    client : distributed.Client, optional
        With ``parallel=True``.

    Returns
    -------
    PartitionedDataset

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     data = write_cohort_parquet(tmp, 250, people_per_partition=100)
    ...     people, sanctions, assessments = data.read_partition(2)
    >>> data.n_partitions, len(people), people["person_id"].iat[0]
    (3, 50, 'P0000201')
    """
    if n_people < 1 or people_per_partition < 1:
        raise DistributedArgumentError(f"n_people and people_per_partition must be >= 1, got "
                                       f"{n_people} and {people_per_partition}")
    n_chunks = -(-n_people // people_per_partition)
    make = functools.partial(cohort_chunk, n_people=n_people,
                             people_per_partition=people_per_partition, seed=seed,
                             outcomes=outcomes)
    data, _ = write_chunks(
        path, n_chunks, make, parallel=parallel, client=client,
        extra_layout={"generator": "riskassess.datasets.make_cohort", "seed": seed,
                      "n_people": n_people, "people_per_partition": people_per_partition},
    )
    return data
