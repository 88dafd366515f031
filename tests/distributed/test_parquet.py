"""Co-partitioned Parquet layout: writing, checking, reading back aligned."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from riskassess.distributed import (
    DistributedArgumentError,
    PartitioningError,
    bucket_of,
    check_partition,
    co_partition,
    open_partitioned,
    write_chunks,
    write_partitioned,
)

Tables = tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]


def _tables(n_people: int = 300, seed: int = 0) -> Tables:
    rng = np.random.default_rng(seed)
    pids = [f"P{i:05d}" for i in range(n_people)]
    people = pd.DataFrame({"person_id": pids, "sex": rng.choice(["male", "female"], n_people)})
    sanctions = pd.DataFrame({"person_id": rng.choice(pids, 4 * n_people),
                              "n": np.arange(4 * n_people)})
    assessments = pd.DataFrame({"case_id": [f"C{i}" for i in range(n_people)],
                                "person_id": rng.permutation(pids)})
    return people, sanctions, assessments


def test_write_partitioned_keeps_every_row_and_person_together(tmp_path: Path) -> None:
    people, sanctions, assessments = _tables()
    data = write_partitioned(tmp_path, people, sanctions, assessments, 5)
    assert data.n_partitions == 5
    seen: dict[str, int] = {}
    total = [0, 0, 0]
    for i in range(5):
        p, s, a = data.read_partition(i)
        check_partition(p, s, partition=i)
        assert set(a["person_id"]) <= set(p["person_id"])
        for pid in p["person_id"]:
            assert pid not in seen
            seen[pid] = i
        for k, t in enumerate((p, s, a)):
            total[k] += len(t)
        np.testing.assert_array_equal(bucket_of(p["person_id"], 5), i)
    assert total == [len(people), len(sanctions), len(assessments)]
    layout = json.loads((tmp_path / "_layout.json").read_text())
    assert layout["partitions"] == 5


def test_open_partitioned_refuses_mismatched_files(tmp_path: Path) -> None:
    write_partitioned(tmp_path, *_tables(50), 3)
    (tmp_path / "sanctions" / "part-00001.parquet").unlink()
    with pytest.raises(PartitioningError, match=r"'sanctions' has different part files"):
        open_partitioned(tmp_path)


def test_open_partitioned_refuses_missing_table(tmp_path: Path) -> None:
    with pytest.raises(PartitioningError, match="missing table directory 'people'"):
        open_partitioned(tmp_path)


def test_open_partitioned_checks_declared_count(tmp_path: Path) -> None:
    write_partitioned(tmp_path, *_tables(50), 3)
    for table in ("people", "sanctions", "assessments"):
        (tmp_path / table / "part-00002.parquet").unlink()
    with pytest.raises(PartitioningError, match="declares 3 partitions, found 2"):
        open_partitioned(tmp_path)


def test_to_dask_is_one_partition_per_file(tmp_path: Path) -> None:
    people, sanctions, assessments = _tables()
    data = write_partitioned(tmp_path, people, sanctions, assessments, 4)
    p, s, a = data.to_dask()
    assert p.npartitions == s.npartitions == a.npartitions == 4
    for i in range(4):
        expected = data.read_partition(i)
        got = (p.partitions[i].compute(), s.partitions[i].compute(),
               a.partitions[i].compute())
        for e, g in zip(expected, got, strict=True):
            # dask turns text columns into its own string dtype; values must match
            pd.testing.assert_frame_equal(e.reset_index(drop=True), g.reset_index(drop=True),
                                          check_dtype=False)


def test_write_chunks_streams_chunks(tmp_path: Path) -> None:
    def make(i: int) -> Tables:
        people, sanctions, assessments = _tables(20, seed=i)
        pre = f"k{i}-"
        return (people.assign(person_id=pre + people["person_id"]),
                sanctions.assign(person_id=pre + sanctions["person_id"]),
                assessments.assign(person_id=pre + assessments["person_id"]))

    data, counts = write_chunks(tmp_path, 3, make)
    assert data.n_partitions == 3
    assert counts[["people", "sanctions", "assessments"]].sum().tolist() == [60, 240, 60]
    for i in range(3):
        p, _, _ = data.read_partition(i)
        assert p["person_id"].str.startswith(f"k{i}-").all()


def _independent_bucket(person_ids: pd.Series, n: int) -> np.ndarray:
    """The documented bucketing, recomputed here without bucket_of."""
    text = np.asarray([str(v) for v in person_ids], dtype=object)
    return (pd.util.hash_array(text, categorize=False) % np.uint64(n)).astype(np.int64)


def _assert_bucket_aligned(original: Tables, parts: list[Tables], n: int) -> None:
    """Partition i of every table holds exactly the rows whose bucket is i."""
    assert len(parts) == n
    for k, table in enumerate(original):
        expected_sizes = np.bincount(_independent_bucket(table["person_id"], n), minlength=n)
        assert [len(p[k]) for p in parts] == expected_sizes.tolist(), k
        for i, p in enumerate(parts):
            got = _independent_bucket(p[k]["person_id"], n)
            assert (got == i).all(), (k, i)
        # no row lost, none duplicated, none altered
        cols = list(table.columns)
        back = pd.concat([p[k] for p in parts], ignore_index=True)[cols]
        key = cols
        pd.testing.assert_frame_equal(
            back.astype(str).sort_values(key).reset_index(drop=True),
            table.astype(str).sort_values(key).reset_index(drop=True))


def _computed_parts(frames: tuple[Any, Any, Any]) -> list[Tables]:
    import dask

    with dask.config.set(scheduler="synchronous"):
        people, sanctions, assessments = dask.compute(*(f.to_delayed() for f in frames))
    return list(zip(people, sanctions, assessments, strict=True))


def test_co_partition_puts_bucket_i_in_partition_i() -> None:
    import dask.dataframe as dd

    tables = _tables(400, seed=3)
    # Partitioned by row order, not by person: sanctions of a person are scattered.
    frames = [dd.from_pandas(t, npartitions=3, sort=False) for t in tables]
    aligned = co_partition(frames[0], frames[1], frames[2], n_partitions=4)
    assert [f.npartitions for f in aligned] == [4, 4, 4]
    parts = _computed_parts(aligned)
    for i, (pp, ss, aa) in enumerate(parts):
        check_partition(pp, ss, partition=i)
        assert set(aa["person_id"]) <= set(pp["person_id"])
    _assert_bucket_aligned(tables, parts, 4)
    # the same people as write_partitioned's partition i
    for i, (pp, _, _) in enumerate(parts):
        assert set(pp["person_id"]) == set(tables[0]["person_id"][bucket_of(
            tables[0]["person_id"], 4) == i])


@settings(max_examples=15, deadline=None)
@given(n_people=st.integers(0, 60), n_in=st.integers(1, 4), n_out=st.integers(1, 7),
       seed=st.integers(0, 2**16))
def test_co_partition_routes_every_row_by_bucket(n_people: int, n_in: int, n_out: int,
                                                 seed: int) -> None:
    import dask.dataframe as dd

    rng = np.random.default_rng(seed)
    people, sanctions, assessments = _tables(max(n_people, 1), seed=seed)
    people = people.iloc[:n_people]
    sanctions = sanctions[sanctions["person_id"].isin(people["person_id"])]
    assessments = assessments[assessments["person_id"].isin(people["person_id"])]
    tables = (people, sanctions.iloc[rng.permutation(len(sanctions))], assessments)
    frames = [dd.from_pandas(t, npartitions=n_in, sort=False) for t in tables]
    parts = _computed_parts(co_partition(frames[0], frames[1], frames[2], n_out))
    _assert_bucket_aligned(tables, parts, n_out)


def test_co_partition_refuses_zero_partitions() -> None:
    import dask.dataframe as dd

    frames = [dd.from_pandas(t, npartitions=1) for t in _tables(5)]
    with pytest.raises(DistributedArgumentError, match="n_partitions must be >= 1"):
        co_partition(frames[0], frames[1], frames[2], 0)


def test_read_part_gives_the_values_pandas_reads(tmp_path: Path) -> None:
    from riskassess.distributed import DICTIONARY_COLUMNS, TABLES, read_part, write_cohort_parquet
    from riskassess.features import TABLE_COLUMNS

    data = write_cohort_parquet(tmp_path, 40, people_per_partition=40, outcomes=True)
    for table, path in zip(TABLES, data.partitions()[0], strict=True):
        got = read_part(path, table)
        full = pd.read_parquet(path)
        assert list(got.columns) == list(TABLE_COLUMNS[table])  # extra columns not read
        assert len(full.columns) >= len(got.columns)
        for column in got.columns:
            assert got[column].astype(object).where(got[column].notna(), None).tolist() == \
                full[column].astype(object).where(full[column].notna(), None).tolist(), column
            if column in DICTIONARY_COLUMNS[table]:
                assert isinstance(got[column].dtype, pd.CategoricalDtype), column


def test_read_part_turns_plain_text_codes_into_categoricals(tmp_path: Path) -> None:
    from riskassess.distributed import read_part

    path = str(tmp_path / "s.parquet")
    kinds = ["caution", "conviction", None, "conviction"]
    pd.DataFrame({"person_id": ["a", "b", "c", "d"], "kind": pd.Series(kinds, dtype="str"),
                  "other": [1, 2, 3, 4]}).to_parquet(path)
    got = read_part(path, "sanctions")
    assert list(got.columns) == ["person_id", "kind"]  # only what the table has
    assert isinstance(got["kind"].dtype, pd.CategoricalDtype)
    assert got["kind"].astype(object).where(got["kind"].notna(), None).tolist() == kinds
    with pytest.raises(DistributedArgumentError, match="table must be one of"):
        read_part(path, "convictions")


def test_write_frame_round_trips(tmp_path: Path) -> None:
    from riskassess.distributed import write_frame

    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {"probability": rng.random(50), "band": pd.Categorical(rng.choice(["low", "high"], 50),
                                                               categories=["low", "high"]),
         "shap_age": rng.normal(size=50)},
        index=pd.Index([f"C{i}" for i in range(50)], name="case_id", dtype="str"))
    for compression in ("none", "snappy"):
        path = str(tmp_path / f"{compression}.parquet")
        write_frame(frame, path, compression=compression)
        pd.testing.assert_frame_equal(pd.read_parquet(path), frame)
    write_frame(frame.reset_index(), str(tmp_path / "flat.parquet"), index=False)
    assert list(pd.read_parquet(tmp_path / "flat.parquet").columns) == [
        "case_id", "probability", "band", "shap_age"]
