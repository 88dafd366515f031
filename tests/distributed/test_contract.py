"""The partitioning contract: bucketing, in-partition and cross-partition checks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from riskassess.distributed import (
    DistributedArgumentError,
    PartitioningError,
    bucket_of,
    check_partition,
    duplicate_people,
)
from riskassess.distributed._contract import person_hashes, repeated_hashes

ids = st.lists(st.text(alphabet="abcXYZ019-._", min_size=1, max_size=8), max_size=40)


@given(ids, st.integers(1, 9))
def test_bucket_is_a_function_of_the_id(person_ids: list[str], n: int) -> None:
    s = pd.Series(person_ids, dtype="object")
    b = bucket_of(s, n)
    assert b.shape == (len(person_ids),)
    assert ((b >= 0) & (b < n)).all()
    # Same id, same bucket, whatever the dtype or position.
    again = bucket_of(pd.Series(person_ids[::-1], dtype="str"), n)[::-1]
    np.testing.assert_array_equal(b, again)


def test_bucket_spreads_ids() -> None:
    b = bucket_of(pd.Series([f"P{i:07d}" for i in range(20_000)]), 8)
    counts = np.bincount(b, minlength=8)
    assert counts.min() > 2_000  # roughly 2,500 each


def test_bucket_rejects_zero_partitions() -> None:
    with pytest.raises(DistributedArgumentError, match="n_partitions"):
        bucket_of(pd.Series(["a"]), 0)


def test_check_partition_names_partition_and_people() -> None:
    people = pd.DataFrame({"person_id": ["a", "b"]})
    sanctions = pd.DataFrame({"person_id": ["a", "x", "y", "x"]})
    with pytest.raises(PartitioningError, match=r"partition 3: 3 sanction row\(s\).*'x', 'y'"):
        check_partition(people, sanctions, partition=3)
    check_partition(people, sanctions.iloc[:1], partition=3)  # fine


def test_check_partition_requires_person_id() -> None:
    with pytest.raises(PartitioningError, match="'sanctions' has no 'person_id'"):
        check_partition(pd.DataFrame({"person_id": ["a"]}), pd.DataFrame({"pid": ["a"]}),
                        partition=0)


@given(st.lists(st.lists(st.sampled_from(list("abcdefghij")), max_size=6), max_size=5))
def test_duplicate_people_matches_brute_force(parts: list[list[str]]) -> None:
    series = [pd.Series(p, dtype="str") for p in parts]
    expected: dict[str, list[int]] = {}
    for pid in sorted({x for p in parts for x in p}):
        where = [i for i, p in enumerate(parts) if pid in p]
        if len(where) > 1:
            expected[pid] = where
    assert duplicate_people(series) == expected
    # The hash pre-filter finds the same people.
    suspects = repeated_hashes([person_hashes(s) for s in series])
    assert duplicate_people(series, suspects) == expected
    assert len(suspects) == len(expected)


@given(st.lists(st.sampled_from(["a", "b", "c", "dd", None]), max_size=30),
       st.lists(st.sampled_from(["a", "c", "dd", "e"]), max_size=6),
       st.sampled_from(["str", "object", "category"]))
def test_arrow_membership_matches_pandas(values: list[str | None], known: list[str],
                                         dtype: str) -> None:
    from riskassess.distributed._contract import _is_in

    v = pd.Series(values, dtype=dtype)
    expected = np.array([x is not None and x in known for x in values], dtype=bool)
    np.testing.assert_array_equal(_is_in(v, pd.Series(known, dtype="str")), expected)
    np.testing.assert_array_equal(_is_in(v, pd.Series(known, dtype="category")), expected)


@given(st.lists(st.lists(st.integers(0, 20), max_size=15, unique=True), max_size=6))
def test_repeated_hashes_are_those_in_two_partitions(parts: list[list[int]]) -> None:
    arrays = [np.array(p, dtype=np.uint64) for p in parts]
    expected = sorted({v for i, p in enumerate(parts) for v in p
                       if any(v in q for j, q in enumerate(parts) if j != i)})
    assert repeated_hashes(arrays).tolist() == expected


@given(st.lists(st.one_of(st.none(), st.text(max_size=20)), max_size=30),
       st.integers(0, 5))
def test_text_hashes_equal_for_equal_text(values: list[str | None], cut: int) -> None:
    import pyarrow as pa

    from riskassess.distributed._contract import text_hashes

    arr = pa.array(values, type=pa.string())
    h = text_hashes(arr)
    assert h.dtype == np.uint64 and h.shape == (len(values),)
    for i, a in enumerate(values):
        for j, b in enumerate(values):
            if a == b:
                assert h[i] == h[j]
    # an offset slice or a chunked array hashes the same strings the same way
    np.testing.assert_array_equal(text_hashes(arr.slice(min(cut, len(values)))),
                                  h[min(cut, len(values)):])
    k = min(cut, len(values))
    np.testing.assert_array_equal(
        text_hashes(pa.chunked_array([arr[:k], arr[k:]], type=pa.string())), h)
    # distinct short strings do not collide here (a pre-filter, but a useful one)
    distinct = {v for v in values if v is not None}
    assert len({int(h[i]) for i, v in enumerate(values) if v is not None}) == len(distinct)


@given(st.lists(st.text(alphabet="AB9é", min_size=3, max_size=3), min_size=1, max_size=20),
       st.integers(0, 3))
def test_text_hashes_fixed_width_path_matches_general_path(values: list[str],
                                                           cut: int) -> None:
    import pyarrow as pa

    from riskassess.distributed._contract import text_hashes

    # same characters, but byte lengths differ when 'é' (2 bytes) is present: both
    # paths run; a longer string appended forces the general path for the same values
    k = min(cut, len(values) - 1)
    arr = pa.array(values[k:], type=pa.string())
    longer = pa.array([*values[k:], "a much longer id"], type=pa.string())
    np.testing.assert_array_equal(text_hashes(arr), text_hashes(longer)[:-1])
