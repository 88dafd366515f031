"""The in-partition contract check rides on the feature builder's own join.

``score_partition`` used to look every sanction's person up in the people table
(``check_partition``) and then let the feature builder join the same two columns again.
It now asks the builder to refuse sanctions of unknown people
(``unknown_people="raise"``) and, only when it does, lets ``check_partition`` decide and
word the error. These tests hold that the partition is accepted or refused exactly as
``check_partition`` alone decides, with the same message, for ids of any dtype.
"""

from __future__ import annotations

import warnings
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from riskassess.distributed import PartitioningError, check_partition, model_to_json
from riskassess.distributed._partition import score_partition
from riskassess.exceptions import CaseValidationError, UnknownPersonError
from riskassess.features import build_features_from_tables


def _outcome(call: Any) -> tuple[str, str]:
    try:
        call()
    except PartitioningError as exc:
        return ("PartitioningError", str(exc))
    except Exception as exc:  # any other failure must also be the same
        return (type(exc).__name__, str(exc))
    return ("ok", "")


ID_POOL = ["P1", "P2", "P3", "p10", "X-9", None]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stray_ids=st.lists(st.sampled_from(ID_POOL), min_size=1, max_size=12),
       data=st.data(), dtype=st.sampled_from(["str", "object", "category"]),
       grouped=st.booleans())
def test_score_partition_decides_like_the_separate_check(
    stray_ids: list[str | None], data: Any, dtype: str, grouped: bool, tables: Any,
    model: Any,
) -> None:
    people, sanctions, assessments = tables
    # some sanction rows moved to ids of the pool: absent people, or missing ids
    rows = data.draw(st.lists(st.integers(0, len(sanctions) - 1), min_size=len(stray_ids),
                              max_size=len(stray_ids), unique=True))
    ids = sanctions["person_id"].astype(object).to_numpy(copy=True)
    ids[rows] = stray_ids
    if grouped:  # sanctions grouped by person: the builder's look-up takes runs
        ids = sorted(ids, key=lambda v: (v is None, v or ""))
    moved = sanctions.assign(person_id=pd.Series(ids, dtype=dtype))
    alone = _outcome(lambda: check_partition(people, moved, partition=4))
    joined = _outcome(lambda: score_partition(people, moved, assessments,
                                              model_json=model_to_json(model),
                                              invalid="drop", partition=4))
    if alone[0] == "ok":
        assert joined[0] == "ok"
    else:
        assert joined == alone


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(strays=st.lists(st.integers(0, 2000), max_size=3))
def test_integer_ids_are_decided_by_the_separate_check(strays: list[int], tables: Any,
                                                       model: Any) -> None:
    # the builder's look-up only matches text: integer ids all miss it, and the decision
    # falls to check_partition, which compares them as text, as it always did
    people, sanctions, assessments = tables
    number = {pid: i for i, pid in enumerate(people["person_id"])}
    people = people.assign(person_id=[number[p] for p in people["person_id"]])
    ids = [number[p] for p in sanctions["person_id"]] + strays
    sanctions = pd.concat([sanctions, sanctions.iloc[:len(strays)]], ignore_index=True)
    sanctions = sanctions.assign(person_id=pd.Series(ids, dtype="int64"))
    assessments = assessments.assign(person_id=[number[p] for p in assessments["person_id"]])
    alone = _outcome(lambda: check_partition(people, sanctions, partition=4))
    joined = _outcome(lambda: score_partition(people, sanctions, assessments,
                                              model_json=model_to_json(model),
                                              invalid="drop", partition=4))
    if alone[0] == "PartitioningError":
        assert joined == alone
    else:  # the contract holds: whatever else happens, it is not a contract error
        assert joined[0] != "PartitioningError"


def test_score_partition_names_the_partition_and_people(tables: Any, model: Any) -> None:
    people, sanctions, assessments = tables
    stray = sanctions.iloc[:2].assign(person_id=["NOBODY1", "NOBODY2"])
    broken = pd.concat([sanctions, stray], ignore_index=True)
    expected = _outcome(lambda: check_partition(people, broken, partition=4))
    assert expected[0] == "PartitioningError"
    for invalid in ("raise", "drop"):
        with pytest.raises(PartitioningError) as caught:
            score_partition(people, broken, assessments, model_json=model_to_json(model),
                            invalid=invalid, partition=4)
        assert str(caught.value) == expected[1]


def test_the_contract_error_comes_before_case_errors(tables: Any, model: Any) -> None:
    # a broken layout is reported as such, even when some cases are invalid too
    people, sanctions, assessments = tables
    stray = sanctions.iloc[:1].assign(person_id="NOBODY")
    bad_cases = assessments.assign(index_offence="not an offence")
    with pytest.raises(CaseValidationError):  # the bad cases alone: a case error
        score_partition(people, sanctions, bad_cases, model_json=model_to_json(model))
    with pytest.raises(PartitioningError, match="'NOBODY'"):
        score_partition(people, pd.concat([sanctions, stray], ignore_index=True), bad_cases,
                        model_json=model_to_json(model))


def test_a_missing_person_id_column_is_still_a_partitioning_error(tables: Any,
                                                                  model: Any) -> None:
    people, sanctions, assessments = tables
    with pytest.raises(PartitioningError, match="'sanctions' has no 'person_id'"):
        score_partition(people, sanctions.rename(columns={"person_id": "pid"}), assessments,
                        model_json=model_to_json(model))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(strays=st.lists(st.sampled_from(["NOBODY", "P-none", None]), max_size=4))
def test_refusing_unknown_people_changes_nothing_else(strays: list[str | None],
                                                      tables: Any) -> None:
    # "raise" refuses exactly the tables with a sanction of someone not in people; on any
    # other tables it gives the features and warnings "ignore" gives
    people, sanctions, assessments = tables
    extra = pd.DataFrame([sanctions.iloc[0]] * len(strays)).assign(person_id=strays)
    tables_with = pd.concat([sanctions, extra], ignore_index=True)
    with warnings.catch_warnings(record=True) as ignored_warnings:
        warnings.simplefilter("always")
        ignored = build_features_from_tables(people, tables_with, assessments)
    if strays:
        with pytest.raises(UnknownPersonError, match=r"^\d+ sanction row\(s\)") as caught:
            build_features_from_tables(people, tables_with, assessments,
                                       unknown_people="raise")
        assert str(len(strays)) == str(caught.value).split()[0]
        return
    with warnings.catch_warnings(record=True) as refused_warnings:
        warnings.simplefilter("always")
        refused = build_features_from_tables(people, tables_with, assessments,
                                             unknown_people="raise")
    pd.testing.assert_frame_equal(ignored.features, refused.features)
    assert [str(w.message) for w in ignored_warnings] == [
        str(w.message) for w in refused_warnings]
    assert all(w.filename == __file__ for w in refused_warnings)  # at the caller


def test_a_bad_unknown_people_argument_is_refused(tables: Any) -> None:
    people, sanctions, assessments = tables
    with pytest.raises(ValueError, match="unknown_people must be 'ignore' or 'raise'"):
        build_features_from_tables(people, sanctions, assessments,
                                   unknown_people="warn")  # type: ignore[arg-type]
