"""The dask pipeline on a 2-process LocalCluster: same numbers as the in-memory path."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("dask.dataframe")
pytest.importorskip("distributed")

from riskassess.distributed import (
    PartitioningError,
    bucket_of,
    co_partition,
    model_to_json,
    open_partitioned,
    score_parquet,
    score_tables,
    write_partitioned,
)
from riskassess.exceptions import CaseValidationError
from riskassess.explain import explain
from riskassess.features import build_features_from_tables, case_feature_names


def in_memory(model: Any, people: pd.DataFrame, sanctions: pd.DataFrame,
              assessments: pd.DataFrame, invalid: str = "raise") -> tuple[pd.DataFrame, Any]:
    """The in-memory path, straight from the public functions."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        table = build_features_from_tables(people, sanctions, assessments,
                                           invalid=invalid)  # type: ignore[arg-type]
    X = table.features[list(model.feature_names_in_)]
    expl = explain(model, X)
    out = table.features.copy()
    out["probability"] = model.predict_proba(X)[:, 1]
    out["band"] = np.asarray(model.predict_band(X)).astype(str)
    out["shap_base"] = expl.base_values
    for j, name in enumerate(expl.feature_names):
        out[f"shap_{name}"] = expl.values[:, j]
    return out, table


def assert_same(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    assert sorted(got.index) == sorted(expected.index)
    got = got.loc[expected.index]
    assert list(got.columns) == list(expected.columns)
    for col in expected.columns:
        e, g = expected[col], got[col]
        if isinstance(e.dtype, pd.CategoricalDtype) or e.dtype == object or col == "band":
            assert g.astype(str).tolist() == e.astype(str).tolist(), col
        else:
            np.testing.assert_allclose(g.to_numpy(float), e.to_numpy(float), rtol=0,
                                       atol=1e-12, err_msg=col)


@pytest.fixture(scope="module")
def dataset(tables: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    return write_partitioned(tmp_path_factory.mktemp("cohort"), tables[0], tables[1],
                             tables[2], 4)


def test_parquet_job_equals_in_memory(cluster_client: Any, model: Any, tables: Any,
                                      dataset: Any) -> None:
    expected, _ = in_memory(model, *tables)
    result = score_parquet(model, dataset, include_features=True).compute(
        client=cluster_client)
    assert_same(result.scores, expected)
    assert result.rejected.empty
    counts = result.counts
    assert counts["assessments"].sum() == len(tables[2]) == counts["scored"].sum()
    assert counts["sanctions"].sum() == len(tables[1])


def test_dask_frames_job_equals_in_memory(cluster_client: Any, model: Any, tables: Any,
                                          dataset: Any) -> None:
    expected, _ = in_memory(model, *tables)
    result = score_tables(model, *dataset.to_dask()).compute(client=cluster_client)
    assert_same(result.scores, expected.drop(columns=case_feature_names()))


def test_co_partitioned_frames_on_the_current_client(cluster_client: Any, model: Any,
                                                     tables: Any) -> None:
    import dask.dataframe as dd

    expected, _ = in_memory(model, *tables)
    frames = [dd.from_pandas(t, npartitions=3, sort=False) for t in tables]
    aligned = co_partition(frames[0], frames[1], frames[2], 5)
    # on the cluster (its default shuffle): partition i holds exactly bucket i
    for frame, table in zip(aligned, tables, strict=True):
        buckets = frame.map_partitions(
            lambda part: pd.Series([sorted(set(bucket_of(part["person_id"], 5)))])
        ).compute().tolist()
        assert all(b in ([], [i]) for i, b in enumerate(buckets)), buckets
        sizes = frame.map_partitions(len).compute().tolist()
        assert sizes == np.bincount(bucket_of(table["person_id"], 5), minlength=5).tolist()
    job = score_tables(model, *aligned, explain=False)
    result = job.compute()  # no client given: the current one (cluster_client)
    keep = ["probability", "band"]
    assert list(result.scores.columns) == keep
    assert_same(result.scores, expected[keep])
    # The model was rebuilt from JSON on the workers, at most once per worker process.
    caches = cluster_client.run(_model_cache_info)
    assert sum(info[1] for info in caches.values()) >= 1  # misses: rebuilt there
    assert all(info[1] <= 1 for info in caches.values())


def _model_cache_info() -> tuple[int, int]:
    from riskassess.distributed._model import model_from_json

    info = model_from_json.cache_info()
    return info.hits, info.misses


def test_task_graph_holds_model_json_not_the_model(model: Any, dataset: Any) -> None:
    job = score_parquet(model, dataset)
    graph = dict(job.scores.__dask_graph__())
    text = model_to_json(model)
    found_json = False
    for task in graph.values():
        blob = repr(task)
        assert type(model).__name__ + "(" not in blob
        found_json = found_json or text[:200] in blob or repr(text)[:200] in blob
    assert found_json


def _corrupt(tables: Any) -> tuple[Any, dict[str, str]]:
    people, sanctions, assessments = (t.copy() for t in tables)
    bad: dict[str, str] = {}
    # a sanction before the 10th birthday
    pid = assessments["person_id"].iat[3]
    row = sanctions.index[sanctions["person_id"] == pid][0]
    sanctions.loc[row, "date"] = people.loc[people["person_id"] == pid,
                                            "date_of_birth"].iat[0] + pd.Timedelta(days=30)
    bad[assessments["case_id"].iat[3]] = "sanctions.date"
    # unknown offence category on an assessment
    assessments.loc[assessments.index[10], "index_offence"] = "jaywalking"
    bad[assessments["case_id"].iat[10]] = "index_offence.offence"
    # assessment of a person nobody knows
    assessments.loc[assessments.index[20], "person_id"] = "NOBODY"
    bad[assessments["case_id"].iat[20]] = "person_id"
    return (people, sanctions, assessments), bad


def test_invalid_rows_go_to_the_side_output(cluster_client: Any, model: Any, tables: Any,
                                            tmp_path: Path) -> None:
    corrupted, bad = _corrupt(tables)
    data = write_partitioned(tmp_path / "in", corrupted[0], corrupted[1], corrupted[2], 3)
    counts = score_parquet(model, data, invalid="drop").to_parquet(tmp_path / "out",
                                                                   client=cluster_client)
    scores = pd.read_parquet(tmp_path / "out" / "scores")
    rejected = pd.read_parquet(tmp_path / "out" / "rejected")
    assert dict(zip(rejected["case_id"], rejected["field"], strict=True)) == bad
    assert set(rejected.loc[rejected["field"] == "person_id", "person_id"]) == {"NOBODY"}
    assert rejected["problem"].str.len().min() > 10
    # nothing lost: every case is scored or rejected, and the counts say so
    all_cases = set(corrupted[2]["case_id"])
    assert set(scores.index) | set(rejected["case_id"]) == all_cases
    assert not set(scores.index) & set(rejected["case_id"])
    assert (counts["assessments"] == counts["scored"] + counts["rejected"]).all()
    assert counts["rejected"].sum() == len(bad)
    # the valid cases score exactly as in memory, with the same rejections
    expected, table = in_memory(model, corrupted[0], corrupted[1], corrupted[2], "drop")
    assert_same(scores, expected.drop(columns=case_feature_names()))
    assert set(table.rejected["case_id"]) == set(bad)


def test_invalid_rows_raise_by_default(cluster_client: Any, model: Any, tables: Any,
                                       tmp_path: Path) -> None:
    corrupted, bad = _corrupt(tables)
    data = write_partitioned(tmp_path, corrupted[0], corrupted[1], corrupted[2], 3)
    # whichever partition fails first is reported: its message names case and field
    pattern = "|".join(rf"case '{case}', field '{field}'" for case, field in bad.items())
    with pytest.raises(CaseValidationError, match=pattern):
        score_parquet(model, data).compute(client=cluster_client)


def test_sanction_in_the_wrong_partition_raises(cluster_client: Any, model: Any,
                                                tables: Any, tmp_path: Path) -> None:
    data = write_partitioned(tmp_path, tables[0], tables[1], tables[2], 3)
    _, s0, _ = data.read_partition(0)
    _, s1, _ = data.read_partition(1)
    moved = s0.iloc[:2]
    s1 = pd.concat([s1, moved], ignore_index=True)
    s1.to_parquet(Path(data.partitions()[1][1]), index=False)
    s0.iloc[2:].to_parquet(Path(data.partitions()[0][1]), index=False)
    victim = moved["person_id"].iat[0]
    with pytest.raises(PartitioningError, match=rf"partition 1: .*{victim}"):
        score_parquet(model, open_partitioned(tmp_path)).compute(client=cluster_client)


def test_person_in_two_partitions_raises(cluster_client: Any, model: Any, tables: Any,
                                         tmp_path: Path) -> None:
    data = write_partitioned(tmp_path, tables[0], tables[1], tables[2], 3)
    p0, _, _ = data.read_partition(0)
    p2, _, _ = data.read_partition(2)
    pd.concat([p2, p0.iloc[:1]], ignore_index=True).to_parquet(
        Path(data.partitions()[2][0]), index=False)
    who = p0["person_id"].iat[0]
    with pytest.raises(PartitioningError, match=rf"'{who}': \[0, 2\]"):
        score_parquet(model, data, explain=False).compute(client=cluster_client)


def test_synthetic_cohort_on_the_cluster(cluster_client: Any, model: Any,
                                         tmp_path: Path) -> None:
    from riskassess.distributed import write_cohort_parquet

    data = write_cohort_parquet(tmp_path / "par", 1_300, seed=4, people_per_partition=400,
                                parallel=True, client=cluster_client)
    serial = write_cohort_parquet(tmp_path / "ser", 1_300, seed=4, people_per_partition=400)
    assert data.n_partitions == 4  # 400 + 400 + 400 + 100
    tables = []
    for i in range(data.n_partitions):
        a, b = data.read_partition(i), serial.read_partition(i)
        for x, y in zip(a, b, strict=True):  # chunk i is reproducible wherever it runs
            pd.testing.assert_frame_equal(x, y)
        tables.append(a)
    people, sanctions, assessments = (pd.concat([t[k] for t in tables], ignore_index=True)
                                      for k in range(3))
    assert people["person_id"].is_unique and len(people) == 1_300
    expected, _ = in_memory(model, people, sanctions, assessments)
    result = score_parquet(model, data).compute(client=cluster_client)
    assert_same(result.scores, expected.drop(columns=case_feature_names()))


def test_case_in_two_partitions_raises(cluster_client: Any, model: Any, tables: Any,
                                       tmp_path: Path) -> None:
    data = write_partitioned(tmp_path, tables[0], tables[1], tables[2], 3)
    p0, _, a0 = data.read_partition(0)
    _, _, a1 = data.read_partition(1)
    # partition 1 gets a second case with the id of a case in partition 0 (another person)
    twin = a1.iloc[:1].assign(case_id=str(a0["case_id"].iat[0]))
    pd.concat([a1, twin], ignore_index=True).to_parquet(Path(data.partitions()[1][2]),
                                                          index=False)
    who = a0["case_id"].iat[0]
    with pytest.raises(PartitioningError, match=rf"case id.*'{who}': \[0, 1\]"):
        score_parquet(model, data, invalid="drop").compute(client=cluster_client)
    assert len(p0) > 0


def test_frames_job_writes_what_it_computes(cluster_client: Any, model: Any,
                                            dataset: Any, tmp_path: Path) -> None:
    job = score_tables(model, *dataset.to_dask(), invalid="drop")
    computed = job.compute(client=cluster_client)
    counts = job.to_parquet(tmp_path, client=cluster_client, compression="none")
    written = pd.read_parquet(tmp_path / "scores")
    assert_same(written, computed.scores)
    assert list(written.columns) == list(computed.scores.columns)
    assert counts["scored"].sum() == len(written) == len(computed.scores)
    assert pd.read_parquet(tmp_path / "rejected").empty
