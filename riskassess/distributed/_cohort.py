"""Synthetic cohorts of any size written as co-partitioned Parquet, chunk by chunk."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from riskassess.distributed._parquet import PartitionedDataset

__all__ = ["write_cohort_parquet"]


def write_cohort_parquet(
    path: str | Path, n_people: int, *, seed: int = 0, people_per_partition: int = 100_000,
    parallel: bool = False, client: Any = None,
) -> PartitionedDataset:
    """Placeholder until riskassess.datasets.make_cohort is chunkable."""
    raise NotImplementedError(str(pd))
