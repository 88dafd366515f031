"""Features: hand-checked values, dtypes, the table path, and per-case == table path."""

from __future__ import annotations

import math
import warnings
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from riskassess.cases import Case
from riskassess.exceptions import CaseValidationError, FeatureError
from riskassess.features import (
    CASE_FEATURES,
    CATEGORIES,
    TABLE_COLUMNS,
    build_features,
    build_features_from_tables,
    case_feature_names,
    case_feature_row,
    cases_to_tables,
)
from riskassess.features._columns import _duplicated, _lookup
from riskassess.testing._strategies import case_lists


def person(pid: str = "P1", dob: str = "1990-01-01", sex: str = "male") -> dict[str, Any]:
    return {"person_id": pid, "date_of_birth": dob, "sex": sex}


def sanction(day: str, kind: str = "conviction", disposal: str | None = "fine",
             offence: str = "theft_non_motor", violent: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {"date": day, "kind": kind, "offence": offence, "violent": violent}
    if kind == "conviction":
        out["disposal"] = disposal
    return out


def case(cid: str = "C1", sanctions: list[dict[str, Any]] | None = None, **kw: Any
         ) -> dict[str, Any]:
    out: dict[str, Any] = {
        "case_id": cid,
        "person": kw.pop("person", person(pid="P" + cid)),
        "assessment_date": kw.pop("assessment_date", "2020-01-01"),
        "index_offence": kw.pop("index_offence", {
            "date": "2019-12-01", "offence": "violence", "disposal": "community",
            "violent": True}),
        "sanctions": sanctions or [],
    }
    out.update(kw)
    return out


def quiet_tables(*tables: pd.DataFrame, **kw: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return build_features_from_tables(*tables, **kw)


# ------------------------------------------------------------------- per-case semantics

def test_columns_dtypes_and_index() -> None:
    X = build_features([case()])
    assert list(X.columns) == case_feature_names() == [s.name for s in CASE_FEATURES]
    assert X.index.name == "case_id" and X.index.tolist() == ["C1"]
    for spec in CASE_FEATURES:
        dtype = X[spec.name].dtype
        if spec.kind == "categorical":
            assert isinstance(dtype, pd.CategoricalDtype), spec.name
            assert list(dtype.categories) == list(CATEGORIES[spec.name])
        elif spec.kind in ("count", "binary"):
            assert dtype == np.int64, spec.name
        else:
            assert dtype == np.float64, spec.name


def test_hand_computed_values() -> None:
    # born 1990-01-01, assessed 2020-01-01 (10957 days); first sanction 2006-01-01
    sanctions = [
        sanction("2006-01-01", kind="caution", offence="absconding_bail"),
        sanction("2010-06-01", disposal="custody", offence="robbery", violent=True),
        sanction("2015-03-01", disposal="fine"),
    ]
    X = build_features([case(sanctions=sanctions, follow_up_start="2019-12-01")])
    row = X.iloc[0]
    age = (date(2020, 1, 1) - date(1990, 1, 1)).days / 365.25
    age_first = (date(2006, 1, 1) - date(1990, 1, 1)).days / 365.25
    assert row["age"] == age
    assert row["age_at_follow_up"] == (date(2019, 12, 1) - date(1990, 1, 1)).days / 365.25
    assert (row["previous_sanctions"], row["previous_convictions"], row["previous_cautions"],
            row["previous_custodial"]) == (3, 2, 1, 1)
    assert row["age_first_sanction"] == age_first
    assert row["career_length"] == pytest.approx(age - age_first)
    assert row["copas_rate"] == pytest.approx(math.log(4 / (10 + age - age_first)))
    assert row["years_since_last_sanction"] == pytest.approx(
        (date(2020, 1, 1) - date(2015, 3, 1)).days / 365.25)
    assert (row["violent_history"], row["breach_history"]) == (1, 1)
    assert (row["index_offence"], row["index_kind"], row["sanction_history"]) == (
        "violence", "conviction", "repeat_offender")


def test_first_offender_and_far_follow_up() -> None:
    X = build_features([case(follow_up_start="2023-01-01")])  # > 2 years after assessment
    row = X.iloc[0]
    assert row["previous_sanctions"] == 0
    assert math.isnan(row["years_since_last_sanction"])
    assert row["age_first_sanction"] == (date(2019, 12, 1) - date(1990, 1, 1)).days / 365.25
    assert row["age_at_follow_up"] == row["age"]
    assert row["sanction_history"] == "first_conviction"
    assert row["copas_rate"] == pytest.approx(math.log(1 / (10 + row["career_length"])))


@pytest.mark.parametrize(
    ("kinds", "index_kind", "group"),
    [
        ([], "caution", "first_caution"),
        (["caution"], "caution", "second_caution"),
        (["caution", "caution"], "caution", "multiple_cautions"),
        ([], "conviction", "first_conviction"),
        (["caution"], "conviction", "repeat_offender"),
        (["conviction"], "caution", "repeat_offender"),
    ],
)
def test_sanction_history_groups(kinds: list[str], index_kind: str, group: str) -> None:
    index = {"date": "2019-12-01", "offence": "other", "kind": index_kind, "violent": False}
    if index_kind == "conviction":
        index["disposal"] = "fine"
    sanctions = [sanction(f"201{i}-01-01", kind=k) for i, k in enumerate(kinds)]
    X = build_features([case(sanctions=sanctions, index_offence=index)])
    assert X["sanction_history"].iat[0] == group


def test_empty_and_duplicate_ids() -> None:
    X = build_features([])
    assert X.shape == (0, len(CASE_FEATURES)) and list(X.columns) == case_feature_names()
    with pytest.raises(CaseValidationError, match="C1"):
        build_features([case(), case()])


def test_invalid_dict_raises_validation_error() -> None:
    from pydantic import ValidationError

    bad = case(sanctions=[sanction("2020-01-01")])  # on the assessment date: leakage
    with pytest.raises(ValidationError, match=r"sanctions\.0\.date"):
        build_features([bad])


def test_case_feature_row_hand_values_and_errors() -> None:
    from pydantic import ValidationError

    sanctions = [sanction("2006-01-01", kind="caution", offence="absconding_bail"),
                 sanction("2010-06-01", disposal="custody", violent=True)]
    row = case_feature_row(case(sanctions=sanctions, follow_up_start="2019-12-01"))
    assert list(row) == case_feature_names()
    age = (date(2020, 1, 1) - date(1990, 1, 1)).days / 365.25
    age_first = (date(2006, 1, 1) - date(1990, 1, 1)).days / 365.25
    assert row["age"] == age and row["age_first_sanction"] == age_first
    assert row["copas_rate"] == pytest.approx(math.log(3 / (10 + age - age_first)))
    assert (row["previous_sanctions"], row["previous_custodial"], row["breach_history"],
            row["sanction_history"]) == (2, 1, 1, "repeat_offender")
    first = case_feature_row(case())
    assert math.isnan(first["years_since_last_sanction"])
    assert first["sanction_history"] == "first_conviction"
    with pytest.raises(ValidationError, match=r"sanctions\.0\.date"):
        case_feature_row(case(sanctions=[sanction("2020-01-01")]))


@settings(max_examples=25, deadline=None)
@given(case_lists(min_size=1, max_size=1, max_sanctions=8))
def test_case_feature_row_equals_build_features(dicts: list[dict[str, Any]]) -> None:
    valid = Case.model_validate(dicts[0])
    expected = build_features([valid]).iloc[0].to_dict()
    for row in (case_feature_row(valid), case_feature_row(dicts[0])):
        assert list(row) == list(expected)
        for k, v in expected.items():
            got = row[str(k)]
            if isinstance(v, float) and math.isnan(v):
                assert math.isnan(got), k
            else:
                assert got == v and type(got) in (int, float, str), k


# ------------------------------------------------------------------------- table path

def test_tables_layout_and_round_trip() -> None:
    cases = [case("A1", [sanction("2012-01-01")]), case("A2")]
    people, sanctions, assessments = cases_to_tables(cases)
    for name, frame in zip(TABLE_COLUMNS, (people, sanctions, assessments), strict=True):
        assert tuple(frame.columns) == TABLE_COLUMNS[name]
    out = build_features_from_tables(people, sanctions, assessments)
    pd.testing.assert_frame_equal(out.features, build_features(cases), check_exact=True)
    assert out.dropped_events == 0 and out.rejected.empty


def test_later_events_are_dropped_and_counted() -> None:
    people, sanctions, assessments = cases_to_tables([case("A1", [sanction("2012-01-01")])])
    later = sanctions.copy()
    later["date"] = pd.to_datetime(["2020-01-01"]).astype("datetime64[s]")  # = assessment
    both = pd.concat([sanctions, later], ignore_index=True)
    with pytest.warns(UserWarning, match="1 sanction row"):
        out = build_features_from_tables(people, both, assessments)
    assert out.dropped_events == 1
    assert out.features["previous_sanctions"].tolist() == [1]


def test_string_dates_and_plain_columns_are_accepted() -> None:
    people, sanctions, assessments = cases_to_tables([case("A1", [sanction("2012-01-01")])])
    plain = [t.astype({c: object for c in t.columns if c != "violent" and
                       c != "index_violent"}) for t in (people, sanctions, assessments)]
    for t in plain:
        for c in t.columns:
            if pd.api.types.is_datetime64_any_dtype(people.get(c, pd.Series(dtype=object))) or \
                    c in ("date", "assessment_date", "index_date", "follow_up_start",
                          "date_of_birth"):
                t[c] = [None if pd.isna(v) else pd.Timestamp(v).date().isoformat()
                        for v in t[c]]
    out = build_features_from_tables(*plain)
    pd.testing.assert_frame_equal(
        out.features, build_features_from_tables(people, sanctions, assessments).features)


def test_missing_column_is_a_feature_error() -> None:
    people, sanctions, assessments = cases_to_tables([case()])
    with pytest.raises(FeatureError, match="index_kind"):
        build_features_from_tables(people, sanctions, assessments.drop(columns="index_kind"))


def _broken_tables() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    cases = [case("A1", [sanction("2012-01-01")]), case("A2", [sanction("2013-01-01")]),
             case("A3")]
    people, sanctions, assessments = cases_to_tables(cases)
    assessments = assessments.astype({"index_offence": object, "index_kind": object})
    assessments.loc[0, "index_offence"] = "arson"  # unknown category
    sanctions = sanctions.astype({"date": object})
    sanctions.loc[1, "date"] = "2013-02-30"  # not a real date (case A2)
    people = people.astype({"sex": object})
    people.loc[2, "sex"] = "M"  # case A3
    return people, sanctions, assessments


def test_invalid_raise_lists_every_problem() -> None:
    with pytest.raises(CaseValidationError) as info:
        quiet_tables(*_broken_tables())
    got = {(cid, field) for cid, field, _ in info.value.problems}
    assert got == {("A1", "index_offence.offence"), ("A2", "sanctions.date"),
                   ("A3", "person.sex")}
    assert "arson" in str(info.value) and "2013-02-30" in str(info.value)


def test_invalid_drop_keeps_the_rest() -> None:
    people, sanctions, assessments = cases_to_tables([case("A4", [sanction("2011-01-01")])])
    tables = [pd.concat([a, b], ignore_index=True)
              for a, b in zip(_broken_tables(), (people, sanctions, assessments), strict=True)]
    out = quiet_tables(*tables, invalid="drop")
    assert out.features.index.tolist() == ["A4"]
    assert sorted(out.rejected["case_id"]) == ["A1", "A2", "A3"]
    assert list(out.rejected.columns) == ["case_id", "field", "problem"]


@pytest.mark.parametrize(
    ("table", "column", "value", "field"),
    [
        ("assessments", "case_id", "bad id!", "case_id"),
        ("assessments", "person_id", "nobody", "person_id"),
        ("assessments", "index_violent", 1, "index_offence.violent"),
        ("assessments", "index_date", "2020-02-01", "index_offence.date"),  # after assessment
        ("assessments", "follow_up_start", "2019-01-01", "follow_up_start"),  # before index
        ("assessments", "index_disposal", None, "index_offence.disposal"),  # conviction w/o
        ("assessments", "assessment_date", "2999-01-01", "assessment_date"),  # future
        ("people", "date_of_birth", "2011-01-01", "index_offence.date"),  # index before age 10
        ("sanctions", "kind", "warning", "sanctions.kind"),
        ("sanctions", "disposal", None, "sanctions.disposal"),
        ("sanctions", "offence", "arson", "sanctions.offence"),
        ("sanctions", "violent", "yes", "sanctions.violent"),
        ("sanctions", "date", "2019-12-15", "sanctions.date"),  # after the index offence
        ("sanctions", "date", "1995-01-01", "sanctions.date"),  # before age 10
    ],
)
def test_each_table_rule(table: str, column: str, value: Any, field: str) -> None:
    tables = dict(zip(("people", "sanctions", "assessments"),
                      cases_to_tables([case("A1", [sanction("2012-01-01")])]), strict=True))
    frame = tables[table].astype({column: object})
    frame.loc[0, column] = value
    tables[table] = frame
    with pytest.raises(CaseValidationError) as info:
        quiet_tables(tables["people"], tables["sanctions"], tables["assessments"])
    assert field in {f for _, f, _ in info.value.problems}
    # the same data as a Case is refused for the same field (the two paths agree)
    if table == "assessments" and column == "person_id":
        return
    assert info.value.problems[0][0] in ("A1", "bad id!")


def _text(value: Any) -> str | None:
    """What the table path reads as text: a string storable as UTF-8, else missing."""
    if not isinstance(value, str):
        return None
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return None
    return value


def _first_row(keys: list[Any], reference: list[Any]) -> list[int]:
    """Plain-Python reference for _lookup: first row of each text key, -1 if absent."""
    first: dict[str, int] = {}
    for row, value in enumerate(reference):
        if _text(value) is not None:
            first.setdefault(value, row)
    return [first.get(k, -1) if _text(k) is not None else -1 for k in keys]


def test_lookup_small_cases() -> None:
    ref = pd.Series(["a", "b", "a", None, "c"], dtype=object)
    keys = pd.Series(["c", "a", "zz", None, 3, "b"], dtype=object)
    assert _lookup(keys, ref).tolist() == _first_row(list(keys), list(ref))
    cat = pd.Series(pd.Categorical(["b", "c", None, "b"]))
    assert _lookup(cat, ref).tolist() == [1, 4, -1, 1]


_ID_TEXT = st.one_of(st.none(), st.sampled_from(["P1", "P2", "P3", "P10", "\ud800", ""]),
                     st.integers(0, 3))


@settings(max_examples=80, deadline=None)
@given(st.lists(_ID_TEXT, max_size=12), st.lists(_ID_TEXT, max_size=40), st.booleans())
def test_lookup_equals_a_plain_dictionary(reference: list[Any], keys: list[Any],
                                          grouped: bool) -> None:
    """Every route of _lookup (aligned, runs, hashing) gives the first occurrence."""
    if grouped:  # runs of equal keys, as sanctions grouped by person
        keys = sorted(keys, key=repr)
    for key_list in (keys, reference):  # reference against itself: the aligned route
        expected = _first_row(key_list, reference)
        got = _lookup(pd.Series(key_list, dtype=object), pd.Series(reference, dtype=object))
        assert got.tolist() == expected
    first, repeated = _duplicated(pd.Series(reference, dtype=object))
    texts = [_text(v) for v in reference]
    assert repeated.tolist() == [v is not None and texts.count(v) > 1 for v in texts]
    assert all(texts[f] == texts[i] for i, f in enumerate(first) if texts[i] is not None)


def test_several_assessments_of_one_person() -> None:
    """Each sanction counts for every later assessment of its person."""
    people, sanctions, assessments = cases_to_tables([case("A1", [sanction("2012-01-01")])])
    second = assessments.copy()
    second["case_id"] = "A2"
    second["index_date"] = pd.to_datetime(["2011-06-01"]).astype("datetime64[s]")
    second["assessment_date"] = pd.to_datetime(["2011-07-01"]).astype("datetime64[s]")
    second["follow_up_start"] = pd.NaT
    both = pd.concat([assessments, second], ignore_index=True)
    with pytest.warns(UserWarning, match="1 sanction row"):  # 2012 sanction is later for A2
        out = build_features_from_tables(people, sanctions, both)
    assert out.features["previous_sanctions"].to_dict() == {"A1": 1, "A2": 0}


# ------------------------------------------------------------------------- properties

@settings(max_examples=40, deadline=None)
@given(case_lists(max_size=12, max_sanctions=6))
def test_per_case_path_equals_table_path(dicts: list[dict[str, Any]]) -> None:
    cases = [Case.model_validate(d) for d in dicts]
    expected = build_features(cases)
    out = build_features_from_tables(*cases_to_tables(cases))
    pd.testing.assert_frame_equal(out.features, expected, check_exact=True)
    assert out.dropped_events == 0 and out.rejected.empty


@settings(max_examples=25, deadline=None)
@given(case_lists(min_size=1, max_size=6, max_sanctions=4), st.data())
def test_shuffled_tables_give_the_same_features(dicts: list[dict[str, Any]],
                                                data: st.DataObject) -> None:
    people, sanctions, assessments = cases_to_tables(dicts)
    perm = data.draw(st.permutations(range(len(sanctions))))
    shuffled = sanctions.iloc[list(perm)]
    out = build_features_from_tables(people.iloc[::-1], shuffled, assessments)
    pd.testing.assert_frame_equal(out.features, build_features(dicts), check_exact=True)


@settings(max_examples=25, deadline=None)
@given(case_lists(min_size=1, max_size=5, max_sanctions=4))
def test_monotone_counts_adding_an_earlier_sanction(dicts: list[dict[str, Any]]) -> None:
    """One more previous sanction never lowers the counts or the sanction total."""
    before = build_features(dicts)
    grown = []
    for d in dicts:
        d = {**d, "sanctions": [*d["sanctions"], {
            "date": d["index_offence"]["date"], "kind": "caution", "offence": "other",
            "violent": False}]}
        if d["index_offence"]["date"] >= d["assessment_date"]:
            d["sanctions"] = d["sanctions"][:-1]
        grown.append(d)
    after = build_features(grown)
    assert (after["previous_sanctions"] >= before["previous_sanctions"]).all()
    assert (after["previous_cautions"] >= before["previous_cautions"]).all()
