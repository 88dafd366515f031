"""Co-partitioned Parquet: the on-disk layout of the distributed pipeline.

A dataset is a directory with one sub-directory per table, holding the same file names::

    root/_layout.json                       {"format": ..., "partitions": N}
    root/people/part-00000.parquet ...      partition i of each table holds the rows
    root/sanctions/part-00000.parquet ...   of the same people; each person is in
    root/assessments/part-00000.parquet ... exactly one partition

:func:`write_partitioned` writes in-memory tables in this layout (bucketing people by
:func:`bucket_of`); :func:`write_cohort_parquet` writes a synthetic cohort of any size
chunk by chunk, holding one chunk in memory at a time; :func:`open_partitioned` checks a
directory and :meth:`PartitionedDataset.to_dask` reads it as three aligned dask
DataFrames (one partition per file).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from riskassess.distributed._contract import (
    DistributedArgumentError,
    PartitioningError,
    bucket_of,
)

__all__ = [
    "DICTIONARY_COLUMNS",
    "TABLES",
    "PartitionedDataset",
    "open_partitioned",
    "read_part",
    "write_chunks",
    "write_frame",
    "write_partitioned",
]

#: The three tables, in the order every function takes them.
TABLES: tuple[str, str, str] = ("people", "sanctions", "assessments")
_LAYOUT_FILE = "_layout.json"
_FORMAT = "riskassess.partitioned-by-person"


def _part_name(i: int) -> str:
    return f"part-{i:05d}.parquet"


#: Text columns read as categoricals by :func:`read_part`: codes from a short vocabulary.
#: Parquet stores them dictionary-encoded, so they decode to small integer codes and a
#: handful of distinct values, and the feature builder then checks the distinct values
#: only. (Ids are read as text: arrow hashes text faster than a per-file dictionary of
#: some 80,000 ids converts to a pandas Categorical.)
DICTIONARY_COLUMNS: dict[str, tuple[str, ...]] = {
    "people": ("sex",),
    "sanctions": ("kind", "disposal", "offence"),
    "assessments": ("index_offence", "index_kind", "index_disposal"),
}


def read_part(path: str, table: str) -> pd.DataFrame:
    """One part file of one table, read the way the scoring task needs it.

    Only the columns of :data:`riskassess.features.TABLE_COLUMNS` that the file has are
    read (a missing one is then reported by the feature builder, naming it); text
    columns in :data:`DICTIONARY_COLUMNS` come back as ``Categorical``, other text as
    pandas' string dtype. One thread (the worker's own). The values are those
    :func:`pandas.read_parquet` gives; only some dtypes differ.

    Parameters
    ----------
    path : str
        A Parquet file (local path or URL pyarrow can open).
    table : {"people", "sanctions", "assessments"}
        Which table the file belongs to.

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> import os, tempfile
    >>> from riskassess.distributed import write_cohort_parquet
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     data = write_cohort_parquet(tmp, 20, people_per_partition=10, outcomes=True)
    ...     files = data.partitions()[0]
    ...     sanctions = read_part(files[1], "sanctions")
    ...     assessments = read_part(files[2], "assessments")
    >>> str(sanctions["kind"].dtype), str(sanctions["date"].dtype)
    ('category', 'datetime64[ms]')
    >>> "reoffend_2y" in assessments.columns  # extra columns are not read
    False
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    from riskassess.features import TABLE_COLUMNS

    if table not in TABLE_COLUMNS:
        raise DistributedArgumentError(f"table must be one of {list(TABLE_COLUMNS)}, got {table!r}")
    schema = pq.read_schema(path)
    columns = [c for c in TABLE_COLUMNS[table] if c in schema.names]
    text = [c for c in DICTIONARY_COLUMNS[table]
            if c in columns and (pa.types.is_string(schema.field(c).type)
                                 or pa.types.is_large_string(schema.field(c).type))]
    arrow = pq.read_table(path, columns=columns, read_dictionary=text, use_threads=False)
    return arrow.to_pandas(use_threads=False)


def write_frame(frame: pd.DataFrame, path: str, *, index: bool = True,
                compression: str = "snappy") -> None:
    """Write a result frame as one Parquet file, cheaply.

    Float and text columns are written plain (no dictionary pages: scores and SHAP values
    have too many distinct values for a dictionary to pay off), categoricals with their
    dictionary, without column statistics, by pyarrow directly.

    Parameters
    ----------
    frame : pandas.DataFrame
        What to write.
    path : str
        Target file (local path or URL pyarrow can open).
    index : bool, default True
        Keep the index as a column (restored by :func:`pandas.read_parquet`).
    compression : str, default "snappy"
        Parquet codec (``"none"``, ``"snappy"``, ``"zstd"``, ...).

    Examples
    --------
    >>> import os, tempfile
    >>> frame = pd.DataFrame({"probability": [0.25, 0.5]},
    ...                      index=pd.Index(["C1", "C2"], name="case_id"))
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     write_frame(frame, os.path.join(tmp, "part.parquet"))
    ...     back = pd.read_parquet(os.path.join(tmp, "part.parquet"))
    >>> back.equals(frame)
    True
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    # one thread: pyarrow would start a thread pool per call for a frame this size, and a
    # worker's other core belongs to another worker (the columns convert without copies)
    arrow = pa.Table.from_pandas(frame, preserve_index=index, nthreads=1)
    dictionary = [f.name for f in arrow.schema if pa.types.is_dictionary(f.type)]
    pq.write_table(arrow, path, compression=compression, use_dictionary=dictionary or False,
                   write_statistics=False)


@dataclass(frozen=True)
class PartitionedDataset:
    """A checked co-partitioned directory (see the module docstring).

    Attributes
    ----------
    root : pathlib.Path
        The directory.
    files : tuple of str
        Part file names, the same in each table's sub-directory, in partition order.

    Examples
    --------
    >>> import tempfile, dask
    >>> from riskassess.distributed import write_cohort_parquet
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     data = write_cohort_parquet(tmp, 30, people_per_partition=10)
    ...     people, sanctions, assessments = data.read_partition(1)
    ...     with dask.config.set(scheduler="synchronous"):
    ...         ddf_people, _, _ = data.to_dask()
    ...         n_people = len(ddf_people)
    >>> data.n_partitions, data.files[0], len(people), n_people
    (3, 'part-00000.parquet', 10, 30)
    >>> ddf_people.npartitions  # one dask partition per file
    3
    """

    root: Path
    files: tuple[str, ...]

    @property
    def n_partitions(self) -> int:
        """Number of partitions."""
        return len(self.files)

    def partitions(self) -> list[tuple[str, str, str]]:
        """Paths ``(people, sanctions, assessments)`` of each partition, in order."""
        return [
            (str(self.root / TABLES[0] / f), str(self.root / TABLES[1] / f),
             str(self.root / TABLES[2] / f))
            for f in self.files
        ]

    def empty_tables(self) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        """Zero-row frames with each table's columns and dtypes (from the schema)."""
        import pyarrow.parquet as pq

        first = self.partitions()[0]
        people, sanctions, assessments = (
            pq.read_schema(p).empty_table().to_pandas() for p in first
        )
        return people, sanctions, assessments

    def read_partition(self, i: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        """Partition ``i`` of the three tables, in memory."""
        people, sanctions, assessments = (pd.read_parquet(p) for p in self.partitions()[i])
        return people, sanctions, assessments

    def to_dask(self) -> tuple[Any, Any, Any]:
        """The three tables as dask DataFrames with one partition per file, aligned."""
        from riskassess.distributed._deps import require_dask

        dd = require_dask()
        metas = self.empty_tables()
        out = []
        for k, (name, meta) in enumerate(zip(TABLES, metas, strict=True)):
            paths = [p[k] for p in self.partitions()]
            out.append(dd.from_map(pd.read_parquet, paths, meta=meta, label=f"read-{name}",
                                   enforce_metadata=False))
        return out[0], out[1], out[2]


def open_partitioned(path: str | Path) -> PartitionedDataset:
    """Check a co-partitioned directory and list its partitions.

    Parameters
    ----------
    path : str or pathlib.Path
        Root directory with ``people/``, ``sanctions/`` and ``assessments/``.

    Returns
    -------
    PartitionedDataset

    Raises
    ------
    PartitioningError
        A table directory is missing, or the tables do not have the same part files.

    Examples
    --------
    >>> import os, tempfile
    >>> from riskassess.distributed import write_cohort_parquet
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     _ = write_cohort_parquet(tmp, 20, people_per_partition=10)
    ...     n_partitions = open_partitioned(tmp).n_partitions
    ...     os.remove(os.path.join(tmp, "sanctions", "part-00001.parquet"))
    ...     try:
    ...         open_partitioned(tmp)
    ...     except PartitioningError as exc:
    ...         problem = str(exc).removeprefix(tmp + ": ")
    >>> n_partitions
    2
    >>> print(problem)
    table 'sanctions' has different part files from 'people' (e.g. ['part-00001.parquet']);
    partition i of every table must be the same file name
    """
    root = Path(path)
    names: dict[str, list[str]] = {}
    for table in TABLES:
        folder = root / table
        if not folder.is_dir():
            raise PartitioningError(f"{root}: missing table directory {table!r}")
        names[table] = sorted(p.name for p in folder.glob("*.parquet"))
    if not names["people"]:
        raise PartitioningError(f"{root}: no part files in 'people'")
    for table in TABLES[1:]:
        if names[table] != names["people"]:
            extra = sorted(set(names[table]) ^ set(names["people"]))[:5]
            raise PartitioningError(
                f"{root}: table {table!r} has different part files from 'people' "
                f"(e.g. {extra}); partition i of every table must be the same file name"
            )
    layout = root / _LAYOUT_FILE
    if layout.exists():
        declared = int(json.loads(layout.read_text(encoding="utf-8"))["partitions"])
        if declared != len(names["people"]):
            raise PartitioningError(
                f"{root}: {_LAYOUT_FILE} declares {declared} partitions, found "
                f"{len(names['people'])} part files"
            )
    return PartitionedDataset(root, tuple(names["people"]))


def _write_table(frame: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.reset_index(drop=True).to_parquet(path, index=False)


def _write_layout(root: Path, n_partitions: int, extra: dict[str, Any]) -> None:
    doc = {"format": _FORMAT, "version": 1, "partitions": n_partitions,
           "partition_key": "person_id", **extra}
    (root / _LAYOUT_FILE).write_text(json.dumps(doc, indent=2), encoding="utf-8")


def write_partitioned(
    path: str | Path,
    people: pd.DataFrame,
    sanctions: pd.DataFrame,
    assessments: pd.DataFrame,
    n_partitions: int,
) -> PartitionedDataset:
    """Write in-memory tables as co-partitioned Parquet, bucketing by person id.

    Parameters
    ----------
    path : str or pathlib.Path
        Output directory (created; existing part files are replaced).
    people, sanctions, assessments : pandas.DataFrame
        Tables with a ``person_id`` column.
    n_partitions : int
        Number of partitions (files per table); a partition may be empty.

    Returns
    -------
    PartitionedDataset

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> people = pd.DataFrame({"person_id": ["a", "b", "c"], "sex": ["male"] * 3})
    >>> sanctions = pd.DataFrame({"person_id": ["a", "a", "c"], "kind": ["caution"] * 3})
    >>> assessments = pd.DataFrame({"case_id": ["k1", "k2"], "person_id": ["a", "b"]})
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     data = write_partitioned(tmp, people, sanctions, assessments, 2)
    ...     parts = [data.read_partition(i) for i in range(data.n_partitions)]
    >>> sum(len(p[1]) for p in parts), data.n_partitions
    (3, 2)
    """
    root = Path(path)
    buckets = [bucket_of(t["person_id"], n_partitions)
               for t in (people, sanctions, assessments)]
    for i in range(n_partitions):
        for name, table, bucket in zip(TABLES, (people, sanctions, assessments), buckets,
                                       strict=True):
            _write_table(table[bucket == i], root / name / _part_name(i))
    _write_layout(root, n_partitions, {"bucketing": "riskassess.distributed.bucket_of"})
    return open_partitioned(root)


ChunkMaker = Callable[[int], tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]]


def _write_chunk(root: str, i: int, make: ChunkMaker) -> tuple[int, int, int]:
    tables = make(i)
    for name, table in zip(TABLES, tables, strict=True):
        _write_table(table, Path(root) / name / _part_name(i))
    return len(tables[0]), len(tables[1]), len(tables[2])


def write_chunks(
    path: str | Path, n_chunks: int, make: ChunkMaker, *, client: Any = None,
    parallel: bool = False, extra_layout: dict[str, Any] | None = None,
) -> tuple[PartitionedDataset, pd.DataFrame]:
    """Write ``make(i)`` for ``i < n_chunks`` as partition ``i``; one chunk in memory.

    Each chunk must hold whole people (every row of a person in one chunk) with ids that
    are unique across chunks. With ``parallel=True`` the chunks are written by dask tasks
    (``client``, else the current client, else local threads): each worker holds one
    chunk at a time.

    Returns
    -------
    (PartitionedDataset, pandas.DataFrame)
        The dataset and the rows written per partition (people, sanctions, assessments).

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> def make(i):
    ...     people = pd.DataFrame({"person_id": [f"P{i}a", f"P{i}b"]})
    ...     sanctions = pd.DataFrame({"person_id": [f"P{i}a"] * (i + 1)})
    ...     assessments = pd.DataFrame({"case_id": [f"C{i}"], "person_id": [f"P{i}a"]})
    ...     return people, sanctions, assessments
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     data, rows = write_chunks(tmp, 3, make)
    >>> data.n_partitions
    3
    >>> rows
       partition  people  sanctions  assessments
    0          0       2          1            1
    1          1       2          2            1
    2          2       2          3            1
    """
    root = Path(path)
    root.mkdir(parents=True, exist_ok=True)
    rows: Iterable[tuple[int, int, int]]
    if parallel:
        import dask

        from riskassess.distributed._deps import current_client, require_dask

        require_dask()
        client = current_client(client)
        tasks = [dask.delayed(_write_chunk, pure=False)(str(root), i, make)
                 for i in range(n_chunks)]
        kwargs = {"scheduler": client} if client is not None else {}
        rows = dask.compute(*tasks, **kwargs)
    else:
        rows = (_write_chunk(str(root), i, make) for i in range(n_chunks))
    counts = pd.DataFrame(list(rows), columns=list(TABLES))
    counts.insert(0, "partition", np.arange(n_chunks))
    _write_layout(root, n_chunks, extra_layout or {})
    return open_partitioned(root), counts
