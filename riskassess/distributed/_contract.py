"""The partitioning contract: every row of one person lives in one partition.

The three input tables (people, sanctions, assessments) are *co-partitioned by person*:
partition ``i`` of each table holds the rows of the same set of people, and each person
belongs to exactly one partition. Features are then computed partition by partition with
the in-memory function, which sees a person's whole history.

Two checks guard the contract, so a broken layout is an error, never a silent wrong
score:

* within a partition (:func:`check_partition`, run by every task): every sanction's
  person is in that partition's people table, otherwise a person's history would be
  split and their counts silently too low;
* across partitions (:func:`check_unique_people`): no person id is in two partitions.

:func:`bucket_of` is the stable bucketing used by :func:`~riskassess.distributed.
write_partitioned` and :func:`~riskassess.distributed.co_partition` (any other bucketing
that keeps a person in one partition is fine).

Examples
--------
>>> import pandas as pd
>>> b = bucket_of(pd.Series(["p1", "p2", "p1"]), 4)
>>> bool(b[0] == b[2]), b.dtype
(True, dtype('int64'))
>>> people = pd.DataFrame({"person_id": ["p1"]})
>>> sanctions = pd.DataFrame({"person_id": ["p1", "p9"]})
>>> check_partition(people, sanctions, partition=7)
Traceback (most recent call last):
...
riskassess.distributed._contract.PartitioningError: partition 7: 1 sanction row(s) ...
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from riskassess.exceptions import RiskAssessError

__all__ = [
    "DistributedArgumentError",
    "PartitioningError",
    "bucket_of",
    "check_partition",
    "duplicate_people",
    "person_hashes",
    "repeated_hashes",
    "require_person_ids",
]


class DistributedArgumentError(RiskAssessError, ValueError):
    """A bad argument to a distributed function (``n_partitions=0``, an unknown table
    name, an unknown ``invalid=`` policy): the message names the argument and the value.

    Examples
    --------
    >>> try:
    ...     bucket_of(pd.Series(["p1"]), 0)
    ... except DistributedArgumentError as exc:
    ...     print(exc)
    n_partitions must be >= 1, got 0
    """


class PartitioningError(RiskAssessError, ValueError):
    """Input tables break the contract "all rows of one person in one partition".

    The message names the partition(s) and up to ten person ids. It is a
    :class:`~riskassess.exceptions.RiskAssessError` and a :class:`ValueError`.

    Examples
    --------
    >>> import pandas as pd
    >>> try:
    ...     check_partition(pd.DataFrame({"person_id": ["p1"]}),
    ...                     pd.DataFrame({"person_id": ["p2"]}), partition=3)
    ... except PartitioningError as exc:
    ...     print(str(exc)[:60])
    partition 3: 1 sanction row(s) of person(s) ['p2'] not in th
    >>> issubclass(PartitioningError, ValueError)
    True
    """


def bucket_of(person_ids: pd.Series, n_partitions: int) -> np.ndarray:
    """Stable partition number in ``[0, n_partitions)`` for each person id.

    The hash is pandas' fixed-key :func:`pandas.util.hash_array` of the id as text, so it
    is the same in every process, on every machine and in every release of pandas that
    keeps that hash stable.

    Parameters
    ----------
    person_ids : pandas.Series
        Person ids (any dtype; compared as text).
    n_partitions : int
        Number of partitions, >= 1.

    Returns
    -------
    numpy.ndarray of int64
        Partition of each id.

    Examples
    --------
    >>> import pandas as pd
    >>> b = bucket_of(pd.Series([f"p{i}" for i in range(1000)]), 8)
    >>> int(b.min()), int(b.max())
    (0, 7)
    """
    if n_partitions < 1:
        raise DistributedArgumentError(f"n_partitions must be >= 1, got {n_partitions}")
    text = np.asarray(person_ids.astype(str), dtype=object)
    hashes = pd.util.hash_array(text, categorize=False)
    return (hashes % np.uint64(n_partitions)).astype(np.int64)


def _preview(ids: Iterable[object], limit: int = 10) -> str:
    ids = sorted({str(v) for v in ids})
    more = f" and {len(ids) - limit} more" if len(ids) > limit else ""
    return f"{ids[:limit]}{more}"


def _text(ids: pd.Series) -> Any:
    """Ids as an arrow string array (categoricals decoded without a Python loop)."""
    import pyarrow as pa

    if isinstance(ids.dtype, pd.CategoricalDtype):
        categories = pa.array(np.asarray(ids.cat.categories.astype(str), dtype=object),
                              type=pa.string())
        codes = np.asarray(ids.cat.codes)
        return categories.take(pa.array(codes, mask=codes < 0))
    arr = pa.array(ids, from_pandas=True)
    return arr if pa.types.is_string(arr.type) else arr.cast(pa.string())


def _id_text(ids: pd.Series) -> Any:
    """Ids as arrow text for hashing; a Python-object column of any values via ``str``."""
    return _text(ids.astype("str") if ids.dtype == object else ids)


def _is_in(values: pd.Series, known: pd.Series) -> np.ndarray:
    """``values.isin(known)`` for id columns, hashed in arrow (fast on text)."""
    if isinstance(values.dtype, pd.CategoricalDtype):  # test each distinct value once
        per_category = _is_in(pd.Series(values.cat.categories), known)
        codes = np.asarray(values.cat.codes, dtype=np.int64)
        present = codes >= 0
        hit = np.full(len(codes), bool(known.isna().any()))  # a missing id: as arrow does
        hit[present] = per_category[codes[present]]
        return hit
    try:
        import pyarrow.compute as pc
    except ImportError:  # the check still works, only slower
        return np.asarray(values.astype(str).isin(known.astype(str)), dtype=bool)
    out = pc.is_in(_text(values), value_set=_text(known).unique())
    return np.asarray(out.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)


def check_partition(people: pd.DataFrame, sanctions: pd.DataFrame, *, partition: int) -> None:
    """Raise if a sanction's person is not in the same partition's people table.

    A sanction whose person sits in another partition (or nowhere) cannot be told apart
    locally; either way the person's history would be incomplete, so it is an error.
    Assessments of an unknown person are left to the feature builder (rejected with a
    reason under ``invalid="drop"``), since they cannot produce a wrong score.

    Parameters
    ----------
    people, sanctions : pandas.DataFrame
        One partition of each table (``person_id`` column required).
    partition : int
        Partition number, for the message.

    Raises
    ------
    PartitioningError
        Naming the partition and the person ids.

    Examples
    --------
    >>> import pandas as pd
    >>> people = pd.DataFrame({"person_id": ["p1", "p2"]})
    >>> check_partition(people, pd.DataFrame({"person_id": ["p1", "p1", "p2"]}),
    ...                 partition=0)  # every sanction's person is here: no error
    >>> check_partition(people, pd.DataFrame({"person_id": ["p1", "p7"]}), partition=4)
    Traceback (most recent call last):
    ...
    riskassess.distributed._contract.PartitioningError: partition 4: ... ['p7'] not in this ...
    """
    require_person_ids(people, sanctions, partition=partition)
    orphan = ~_is_in(sanctions["person_id"], people["person_id"])
    if orphan.any():
        raise PartitioningError(
            f"partition {partition}: {int(orphan.sum())} sanction row(s) of person(s) "
            f"{_preview(sanctions['person_id'][orphan])} not in this partition's people "
            "table; every row of a person must be in the same partition (see "
            "riskassess.distributed's partitioning contract; co_partition or "
            "write_partitioned produce it)"
        )


def require_person_ids(people: pd.DataFrame, sanctions: pd.DataFrame, *, partition: int
                       ) -> None:
    """Raise unless both tables have a ``person_id`` column (the first part of
    :func:`check_partition`).

    Examples
    --------
    >>> require_person_ids(pd.DataFrame({"person_id": ["p1"]}), pd.DataFrame({"pid": ["p1"]}),
    ...                    partition=5)
    Traceback (most recent call last):
    ...
    riskassess.distributed._contract.PartitioningError: partition 5: table 'sanctions' has ...
    """
    for name, frame in (("people", people), ("sanctions", sanctions)):
        if "person_id" not in frame.columns:
            raise PartitioningError(
                f"partition {partition}: table {name!r} has no 'person_id' column; got "
                f"columns {list(map(str, frame.columns))}"
            )


def person_hashes(person_ids: pd.Series) -> np.ndarray:
    """Unique 64-bit hashes of the person ids of one partition (in no particular order).

    Eight bytes per person: the global check of 10 million people moves 80 MB, not the
    ids themselves.
    """
    return pd.unique(text_hashes(_id_text(person_ids)))


_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


def _mix(h: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser, elementwise (wrapping uint64 arithmetic)."""
    h = (h ^ (h >> np.uint64(30))) * _MIX1
    h = (h ^ (h >> np.uint64(27))) * _MIX2
    return h ^ (h >> np.uint64(31))


def text_hashes(text: Any) -> np.ndarray:
    """A 64-bit hash of each string of an arrow string array, vectorised.

    Reads the UTF-8 bytes from arrow's buffers (no Python object per string): each string
    is zero-padded to whole 8-byte words, and the words are mixed in with its length.
    Equal strings get equal hashes, in every process; every missing value gets one
    fixed hash. Only a pre-filter: callers confirm suspects by comparing the text.
    """
    import pyarrow as pa

    if isinstance(text, pa.ChunkedArray):
        text = text.combine_chunks()
    text = text.cast(pa.large_string())
    n = len(text)
    if n == 0:
        return np.empty(0, dtype=np.uint64)
    _, offsets_buffer, data_buffer = text.buffers()
    offsets = np.frombuffer(offsets_buffer, dtype=np.int64, count=n + 1, offset=text.offset * 8)
    starts, lengths = offsets[:-1], np.diff(offsets)
    width = max(8, -(-int(lengths.max()) // 8) * 8)
    padded = np.zeros(n * width, dtype=np.uint8)
    total = int(lengths.sum())
    if total and int(lengths.min()) * n == total:  # all the same length (fixed-format ids)
        data = np.frombuffer(data_buffer, dtype=np.uint8)
        size = total // n
        padded.reshape(n, width)[:, :size] = data[starts[0]:starts[0] + total].reshape(n, size)
    elif total:
        data = np.frombuffer(data_buffer, dtype=np.uint8)
        source = np.arange(starts[0], starts[0] + total, dtype=np.int64)
        # byte j of string i goes to i * width + j; strings are contiguous in arrow
        shift = np.repeat(np.arange(n, dtype=np.int64) * width - starts, lengths)
        padded[source + shift] = data[source]
    words = padded.view(np.uint64).reshape(n, width // 8)
    h = _mix(lengths.astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15))
    n_words = (lengths + 7) // 8  # a string's own words only: the hash ignores the width
    for j in range(words.shape[1]):
        h = np.where(n_words > j, _mix(h ^ words[:, j]), h)
    if text.null_count:
        h[np.asarray(text.is_null().to_numpy(zero_copy_only=False), dtype=bool)] = \
            np.uint64(0x6E756C6C)
    return h


def repeated_hashes(hashes_by_partition: list[np.ndarray]) -> np.ndarray:
    """Hashes present in more than one partition (inputs from :func:`person_hashes`)."""
    if not hashes_by_partition:
        return np.empty(0, dtype=np.uint64)
    ordered = np.concatenate(hashes_by_partition)
    ordered.sort()  # in place: 10 million hashes in ~0.1 s (np.unique takes ~10 times that)
    return np.unique(ordered[1:][ordered[1:] == ordered[:-1]])


def duplicate_people(
    people_ids_by_partition: list[pd.Series], among_hashes: np.ndarray | None = None
) -> dict[str, list[int]]:
    """Person ids found in more than one partition, with the partitions holding them.

    Parameters
    ----------
    people_ids_by_partition : list of pandas.Series
        The ``person_id`` column of each partition of the people table, in order.
    among_hashes : numpy.ndarray, optional
        Only consider ids with these hashes (from :func:`repeated_hashes`); the exact
        comparison then touches only the suspects.

    Returns
    -------
    dict of str to list of int
        Empty when every person is in one partition.

    Examples
    --------
    >>> import pandas as pd
    >>> duplicate_people([pd.Series(["a", "b"]), pd.Series(["c", "a"])])
    {'a': [0, 1]}
    """
    pieces = []
    for i, ids in enumerate(people_ids_by_partition):
        if among_hashes is not None:  # the suspects only: same hash as person_hashes
            ids = ids[np.isin(text_hashes(_id_text(ids)), among_hashes)]
        text = pd.Series(np.asarray(ids.astype(str), dtype=object)).drop_duplicates()
        pieces.append(pd.DataFrame({"person_id": text.to_numpy(object), "partition": i}))
    if not pieces:
        return {}
    frame = pd.concat(pieces, ignore_index=True)
    dup = frame[frame.duplicated("person_id", keep=False)]
    return {
        str(pid): sorted(int(p) for p in group["partition"])
        for pid, group in dup.groupby("person_id", sort=True)
    }
