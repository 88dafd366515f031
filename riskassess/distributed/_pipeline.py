"""Features, scores, bands and explanations on dask, partition by partition.

Build a lazy :class:`ScoringJob` from dask DataFrames co-partitioned by person
(:func:`score_tables`) or from a co-partitioned Parquet directory (:func:`score_parquet`),
then :meth:`ScoringJob.compute` (results in memory) or :meth:`ScoringJob.to_parquet`
(results written by the workers, nothing large gathered). Each partition runs
:func:`~riskassess.distributed.score_partition`; the model travels as its JSON text.

The job runs on whatever dask scheduler is in force: a ``distributed.Client`` passed in,
else the current client (a ``LocalCluster`` or any existing cluster), else dask's local
threads.
"""

from __future__ import annotations

import functools
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from riskassess.distributed._contract import (
    DistributedArgumentError,
    PartitioningError,
    duplicate_people,
    person_hashes,
    repeated_hashes,
)
from riskassess.distributed._deps import current_client, require_dask
from riskassess.distributed._model import model_from_json, model_to_json
from riskassess.distributed._parquet import (
    TABLES,
    PartitionedDataset,
    open_partitioned,
    read_part,
    write_frame,
)
from riskassess.distributed._partition import PartitionOutput, score_partition

__all__ = ["ScoringJob", "ScoringResult", "score_parquet", "score_tables"]


@dataclass(frozen=True)
class ScoringResult:
    """In-memory outcome of a job.

    Attributes
    ----------
    scores : pandas.DataFrame
        One row per scored case, indexed by ``case_id``.
    rejected : pandas.DataFrame
        One row per problem of a case that was not scored (who and why).
    counts : pandas.DataFrame
        Row accounting per partition; ``assessments == scored + rejected``.

    Examples
    --------
    >>> from riskassess.datasets import make_cohort
    >>> from riskassess.models import AdditiveRiskClassifier
    >>> cohort = make_cohort(50, seed=0)
    >>> X, y = cohort.features(), cohort.outcomes["reoffend_2y"]
    >>> seen = y.notna().to_numpy()  # censored outcomes are not labels
    >>> cols = ["age", "previous_sanctions", "copas_rate"]
    >>> model = AdditiveRiskClassifier(max_bins=8).fit(X.loc[seen, cols], y[seen].astype(int))
    >>> import dask, tempfile
    >>> from riskassess.distributed import write_cohort_parquet
    >>> with tempfile.TemporaryDirectory() as tmp, dask.config.set(scheduler="synchronous"):
    ...     data = write_cohort_parquet(tmp, 50, people_per_partition=25)
    ...     result = score_parquet(model, data, explain=False).compute()
    >>> result.scores.shape, result.rejected.shape
    ((50, 2), (0, 5))
    >>> result.counts[["partition", "assessments", "scored", "rejected"]]
       partition  assessments  scored  rejected
    0          0           25      25         0
    1          1           25      25         0
    """

    scores: pd.DataFrame
    rejected: pd.DataFrame
    counts: pd.DataFrame


@dataclass(frozen=True)
class ScoringJob:
    """A lazy scoring job: three dask DataFrames computed together.

    Attributes
    ----------
    scores : dask.dataframe.DataFrame
        Scores (and explanations) per case, indexed by ``case_id``.
    rejected : dask.dataframe.DataFrame
        Side output: rejected cases, with person, field and problem.
    counts : dask.dataframe.DataFrame
        Row accounting, one row per partition.
    n_partitions : int
        Number of partitions.

    Examples
    --------
    >>> from riskassess.datasets import make_cohort
    >>> from riskassess.models import AdditiveRiskClassifier
    >>> cohort = make_cohort(50, seed=0)
    >>> X, y = cohort.features(), cohort.outcomes["reoffend_2y"]
    >>> seen = y.notna().to_numpy()  # censored outcomes are not labels
    >>> cols = ["age", "previous_sanctions", "copas_rate"]
    >>> model = AdditiveRiskClassifier(max_bins=8).fit(X.loc[seen, cols], y[seen].astype(int))
    >>> import dask, os, tempfile
    >>> import pandas as pd
    >>> from riskassess.distributed import write_cohort_parquet
    >>> with tempfile.TemporaryDirectory() as tmp, dask.config.set(scheduler="synchronous"):
    ...     data = write_cohort_parquet(os.path.join(tmp, "in"), 50, people_per_partition=25)
    ...     job = score_parquet(model, data)  # lazy: nothing has run yet
    ...     counts = job.to_parquet(os.path.join(tmp, "out"))  # workers write the outputs
    ...     written = sorted(os.listdir(os.path.join(tmp, "out")))
    ...     scores = pd.read_parquet(os.path.join(tmp, "out", "scores"))
    >>> job.n_partitions, written, len(scores)
    (2, ['counts.csv', 'rejected', 'scores'], 50)
    >>> counts[["partition", "people", "sanctions", "scored"]]
       partition  people  sanctions  scored
    0          0      25        192      25
    1          1      25        225      25
    """

    scores: Any
    rejected: Any
    counts: Any
    n_partitions: int
    #: Per checked table: its name, each partition's ids, each partition's id hashes.
    _ids: tuple[tuple[str, tuple[Any, ...], tuple[Any, ...]], ...]
    _parts: tuple[Any, ...]
    check_partitioning: bool = True
    #: Makes one task per partition that scores *and* writes it (``root, compression``);
    #: None: write the outputs of ``_parts``.
    _write_tasks: Callable[[str, str], list[Any]] | None = field(default=None, repr=False)

    def _run(self, collections: Sequence[Any], client: Any) -> tuple[Any, ...]:
        import dask

        client = current_client(client)
        kwargs = {"scheduler": client} if client is not None else {}
        if self.check_partitioning:
            self._check_unique(client)
        return tuple(dask.compute(*collections, **kwargs))

    def _check_unique(self, client: Any) -> None:
        """People and case ids must each be in one partition only (hashes, then exact)."""
        import dask

        kwargs = {"scheduler": client} if client is not None else {}
        suspects = [dask.delayed(repeated_hashes)(list(hashes)) for _, _, hashes in self._ids]
        found_hashes = dask.compute(*suspects, **kwargs)
        for (table, parts, _), hashes in zip(self._ids, found_hashes, strict=True):
            if len(hashes) == 0:
                continue
            (dups,) = dask.compute(dask.delayed(duplicate_people)(list(parts), hashes),
                                   **kwargs)
            if dups:
                key = "person" if table == "people" else "case"
                listed = dict(list(dups.items())[:10])
                raise PartitioningError(
                    f"{len(dups)} {key} id(s) in more than one partition of the {table} "
                    f"table ({key}: partitions) {listed}; every {key} must be in exactly "
                    "one partition"
                )

    def compute(self, *, client: Any = None) -> ScoringResult:
        """Run the job and gather every output into memory.

        Parameters
        ----------
        client : distributed.Client, optional
            Defaults to the current client, else dask's local scheduler.

        Returns
        -------
        ScoringResult
        """
        scores, rejected, counts = self._run([self.scores, self.rejected, self.counts], client)
        return ScoringResult(scores, rejected.reset_index(drop=True),
                             counts.reset_index(drop=True))

    def to_parquet(self, path: str | Path, *, client: Any = None,
                   compression: str = "snappy") -> pd.DataFrame:
        """Run the job; workers write ``scores/`` and ``rejected/`` under ``path``.

        Only the small row accounting comes back to the caller. A job from
        :func:`score_parquet` reads, scores and writes each partition in one task, so a
        partition's results never leave the worker that computed them.

        Parameters
        ----------
        path : str or pathlib.Path
            Output directory (created; ``scores/`` and ``rejected/`` are replaced) or a
            URL pyarrow can write to, where existing files are overwritten.
        client : distributed.Client, optional
            Defaults to the current client, else dask's local scheduler.
        compression : str, default "snappy"
            Parquet codec of the output files (see :func:`write_frame`); ``"none"`` is
            a little cheaper to write and some five times larger.

        Returns
        -------
        pandas.DataFrame
            Row accounting per partition (:data:`~riskassess.distributed.COUNT_COLUMNS`).
        """
        import dask

        root = str(path).rstrip("/")
        if "://" not in root:  # local: fresh output folders; remote stores need none
            for sub in ("scores", "rejected"):
                folder = Path(root) / sub
                if folder.exists():
                    shutil.rmtree(folder)
                folder.mkdir(parents=True)
        # each task writes its own partition: results never leave the worker
        if self._write_tasks is not None:
            writes = self._write_tasks(root, compression)
        else:
            writes = [dask.delayed(_write_partition, pure=False)(part, root, i, compression)
                      for i, part in enumerate(self._parts)]
        counts = pd.concat(self._run(writes, client), ignore_index=True)
        counts.to_csv(f"{root}/counts.csv", index=False)
        return counts


def _write_partition(output: PartitionOutput, root: str, i: int,
                     compression: str = "snappy") -> pd.DataFrame:
    name = f"part.{i}.parquet"
    write_frame(output.scores, f"{root}/scores/{name}", index=True, compression=compression)
    write_frame(output.rejected, f"{root}/rejected/{name}", index=False,
                compression=compression)
    return output.counts


def _meta(
    people: pd.DataFrame, sanctions: pd.DataFrame, assessments: pd.DataFrame, **kwargs: Any
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    out = score_partition(people.iloc[:0], sanctions.iloc[:0], assessments.iloc[:0],
                          partition=-1, **kwargs)
    return out.scores, out.rejected, out.counts.iloc[:0]


def _job(
    parts: list[Any], metas: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame],
    people_ids: list[Any], case_ids: list[Any], check_partitioning: bool,
    write_tasks: Callable[[str, str], list[Any]] | None = None,
    id_hashes: tuple[list[Any], list[Any]] | None = None,
) -> ScoringJob:
    import dask

    dd = require_dask()
    scores = dd.from_delayed([p[0] for p in parts], meta=metas[0], verify_meta=True)
    rejected = dd.from_delayed([p[1] for p in parts], meta=metas[1], verify_meta=True)
    counts = dd.from_delayed([p[2] for p in parts], meta=metas[2], verify_meta=True)
    if id_hashes is None:
        id_hashes = ([dask.delayed(person_hashes)(ids) for ids in people_ids],
                     [dask.delayed(person_hashes)(ids) for ids in case_ids])
    ids = (("people", tuple(people_ids), tuple(id_hashes[0])),
           ("assessments", tuple(case_ids), tuple(id_hashes[1])))
    return ScoringJob(scores, rejected, counts, len(parts), ids, tuple(parts),
                      check_partitioning, write_tasks)


def _options(model: Any, explain: bool, invalid: str, include_features: bool) -> dict[str, Any]:
    if invalid not in ("raise", "drop"):
        raise DistributedArgumentError(f"invalid must be 'raise' or 'drop', got {invalid!r}")
    text = model if isinstance(model, str) else model_to_json(model)
    model_from_json(text)  # fail here, on the client, if the JSON does not load
    return {"model_json": text, "explain": explain, "invalid": invalid,
            "include_features": include_features}


def _in_graph(options: dict[str, Any]) -> dict[str, Any]:
    """Options with the model JSON as one graph node that every task depends on.

    The text is then stored once in the graph and shipped once to each worker, instead
    of once per task.
    """
    import hashlib

    import dask

    text = options["model_json"]
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    node = dask.delayed(text, name=f"riskassess-model-json-{digest}", pure=True)
    return {**options, "model_json": node}


def score_tables(
    model: Any,
    people: Any,
    sanctions: Any,
    assessments: Any,
    *,
    explain: bool = True,
    invalid: Literal["raise", "drop"] = "raise",
    include_features: bool = False,
    check_partitioning: bool = True,
) -> ScoringJob:
    """Lazy scoring job over dask DataFrames co-partitioned by person.

    Parameters
    ----------
    model : estimator or str
        A fitted riskassess model, or its JSON text. Only the JSON text enters the task
        graph.
    people, sanctions, assessments : dask.dataframe.DataFrame
        The input tables (layouts of :func:`riskassess.features.build_features_from_tables`),
        with the same number of partitions, partition ``i`` of each holding the rows of
        the same people (see :func:`co_partition` to arrange that).
    explain : bool, default True
        Add ``shap_base`` and ``shap_<feature>`` columns.
    invalid : {"raise", "drop"}, default "raise"
        Invalid rows raise, or their cases go to the ``rejected`` side output.
    include_features : bool, default False
        Keep the feature columns in the scores.
    check_partitioning : bool, default True
        Before running, check that no person id is in two partitions of the people table
        and no case id in two partitions of the assessments table (one extra read of the
        ids). Within a partition, repeated case ids are invalid rows like any other.

    Returns
    -------
    ScoringJob
        Lazy: nothing runs until :meth:`ScoringJob.compute` or
        :meth:`ScoringJob.to_parquet`.

    Examples
    --------
    Tables partitioned some other way are first co-partitioned by person; the scores
    are the in-memory ones.

    >>> from riskassess.datasets import make_cohort
    >>> from riskassess.models import AdditiveRiskClassifier
    >>> cohort = make_cohort(50, seed=0)
    >>> X, y = cohort.features(), cohort.outcomes["reoffend_2y"]
    >>> seen = y.notna().to_numpy()  # censored outcomes are not labels
    >>> cols = ["age", "previous_sanctions", "copas_rate"]
    >>> model = AdditiveRiskClassifier(max_bins=8).fit(X.loc[seen, cols], y[seen].astype(int))
    >>> import dask, dask.dataframe as dd, numpy as np
    >>> import riskassess.distributed as rd
    >>> from riskassess.distributed import score_frame
    >>> people, sanctions, assessments = (
    ...     dd.from_pandas(t, npartitions=2)
    ...     for t in (cohort.people, cohort.sanctions, cohort.assessments))
    >>> with dask.config.set(scheduler="synchronous"):
    ...     job = score_tables(model, *rd.co_partition(people, sanctions, assessments, 2))
    ...     result = job.compute()
    >>> int(result.counts["scored"].sum()), len(result.rejected)
    (50, 0)
    >>> expected = score_frame(model, X).loc[result.scores.index]
    >>> bool(np.allclose(result.scores["probability"], expected["probability"]))
    True
    """
    import dask

    require_dask()
    options = _options(model, explain, invalid, include_features)
    tables = {"people": people, "sanctions": sanctions, "assessments": assessments}
    # optimize_graph=False keeps one delayed per declared partition: dask's optimiser may
    # otherwise fuse partitions of each table differently and break the alignment.
    delayed = {k: v.to_delayed(optimize_graph=False) for k, v in tables.items()}
    sizes = {k: len(v) for k, v in delayed.items()}
    if len(set(sizes.values())) != 1:
        raise PartitioningError(
            f"the tables must have the same number of partitions; got {sizes} "
            "(co_partition(people, sanctions, assessments, n) aligns them)"
        )
    metas = _meta(people._meta, sanctions._meta, assessments._meta, **options)
    run = dask.delayed(score_partition, nout=3, pure=True)
    parts = [
        run(p, s, a, partition=i, **_in_graph(options))
        for i, (p, s, a) in enumerate(zip(delayed["people"], delayed["sanctions"],
                                           delayed["assessments"], strict=True))
    ]
    people_ids = [dask.delayed(_column)(p, "person_id") for p in delayed["people"]]
    case_ids = [dask.delayed(_column)(a, "case_id") for a in delayed["assessments"]]
    return _job(parts, metas, people_ids, case_ids, check_partitioning)


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    return frame[name]


def _read_ids(path: str, column: str) -> pd.Series:
    import pyarrow.parquet as pq

    ids = pq.read_table(path, columns=[column], use_threads=False).column(0)
    return ids.to_pandas()


def _hash_ids(people_path: str, assessments_path: str) -> tuple[Any, Any]:
    """Hashes of one partition's person ids and case ids, read and hashed in one task.

    Only 8 bytes per id leave the task.
    """
    return (person_hashes(_read_ids(people_path, "person_id")),
            person_hashes(_read_ids(assessments_path, "case_id")))


def _score_files(paths: tuple[str, str, str], partition: int, **options: Any) -> Any:
    people, sanctions, assessments = (read_part(p, t) for p, t in zip(paths, TABLES,
                                                                       strict=True))
    return score_partition(people, sanctions, assessments, partition=partition, **options)


def _score_files_to_parquet(paths: tuple[str, str, str], partition: int, root: str,
                            compression: str, **options: Any) -> pd.DataFrame:
    output = _score_files(paths, partition, **options)
    return _write_partition(output, root, partition, compression)


def _parquet_write_tasks(files: list[tuple[str, str, str]], options: dict[str, Any],
                         root: str, compression: str) -> list[Any]:
    import dask

    run = dask.delayed(_score_files_to_parquet, pure=False)
    return [run(paths, i, root, compression, **options) for i, paths in enumerate(files)]


def score_parquet(
    model: Any,
    path: str | Path | PartitionedDataset,
    *,
    explain: bool = True,
    invalid: Literal["raise", "drop"] = "raise",
    include_features: bool = False,
    check_partitioning: bool = True,
) -> ScoringJob:
    """Lazy scoring job over a co-partitioned Parquet directory.

    Each task reads partition ``i`` of the three tables itself, so a worker holds one
    partition at a time and nothing passes through the client.

    Parameters
    ----------
    model : estimator or str
        A fitted riskassess model, or its JSON text.
    path : str, pathlib.Path or PartitionedDataset
        Directory written by :func:`write_partitioned` or :func:`write_cohort_parquet`
        (layout checked by :func:`open_partitioned`).
    explain, invalid, include_features, check_partitioning
        As in :func:`score_tables`.

    Returns
    -------
    ScoringJob

    Examples
    --------
    >>> from riskassess.datasets import make_cohort
    >>> from riskassess.models import AdditiveRiskClassifier
    >>> cohort = make_cohort(50, seed=0)
    >>> X, y = cohort.features(), cohort.outcomes["reoffend_2y"]
    >>> seen = y.notna().to_numpy()  # censored outcomes are not labels
    >>> cols = ["age", "previous_sanctions", "copas_rate"]
    >>> model = AdditiveRiskClassifier(max_bins=8).fit(X.loc[seen, cols], y[seen].astype(int))
    >>> import dask, tempfile
    >>> from riskassess.distributed import write_cohort_parquet
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     _ = write_cohort_parquet(tmp, 50, people_per_partition=20)
    ...     job = score_parquet(model, tmp, explain=False)
    ...     with dask.config.set(scheduler="synchronous"):
    ...         result = job.compute()
    >>> job.n_partitions, list(result.scores.columns)
    (3, ['probability', 'band'])
    >>> result.counts["assessments"].tolist()
    [20, 20, 10]
    """
    import dask

    require_dask()
    data = path if isinstance(path, PartitionedDataset) else open_partitioned(path)
    options = _options(model, explain, invalid, include_features)
    metas = _meta(*data.empty_tables(), **options)
    run = dask.delayed(_score_files, nout=3, pure=True)
    graph_options = _in_graph(options)
    parts = [run(files, i, **graph_options) for i, files in enumerate(data.partitions())]
    people_ids, case_ids = (
        [dask.delayed(_read_ids, pure=True)(files[k], column) for files in data.partitions()]
        for k, column in ((0, "person_id"), (2, "case_id"))
    )
    hashed = [dask.delayed(_hash_ids, pure=True, nout=2)(files[0], files[2])
              for files in data.partitions()]
    people_hashes, case_hashes = [h[0] for h in hashed], [h[1] for h in hashed]
    write_tasks = functools.partial(_parquet_write_tasks, data.partitions(), graph_options)
    return _job(parts, metas, people_ids, case_ids, check_partitioning, write_tasks,
                (people_hashes, case_hashes))
