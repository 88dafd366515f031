"""The table path refuses exactly what the Case path refuses (issue 14, item 8)."""

from __future__ import annotations

import copy
import warnings
from typing import Any

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from riskassess.cases import Case
from riskassess.exceptions import CaseValidationError
from riskassess.features import build_features_from_tables, cases_to_tables
from riskassess.testing._strategies import case_dicts

_BAD_DATES = ["2021-02-29", "2020-13-01", "1985-4-1",
              "\u0661\u0669\u0668\u0665-\u0660\u0664-\u0660\u0661",  # Arabic-Indic digits
              "\uff11\uff19\uff18\uff15-\uff10\uff14-\uff10\uff11", "2020-01-01T00:00:00",
              "20200101", "", "2020-01-01\ud800", "\ud800", 17, 3.5, True, None, pd.NaT]
_BAD_CODES = ["arson", "Male", "", "\ud800", "caution\ud800", 3, None, pd.NaT]
_BAD_FLAGS = [1, 0, "true", None, pd.NaT]
_BAD_IDS = ["bad id!", "\ud800", "", 17, "C\ud800", None]

# Case field path -> (table, column)
_ASSESSMENT_CELLS = {
    ("case_id",): "case_id", ("assessment_date",): "assessment_date",
    ("index_offence", "date"): "index_date", ("index_offence", "offence"): "index_offence",
    ("index_offence", "kind"): "index_kind", ("index_offence", "disposal"): "index_disposal",
    ("index_offence", "violent"): "index_violent", ("follow_up_start",): "follow_up_start",
}


def _values_for(leaf: str) -> list[Any]:
    if leaf in ("date", "date_of_birth", "assessment_date", "follow_up_start"):
        return _BAD_DATES
    if leaf == "violent":
        return _BAD_FLAGS
    if leaf == "case_id":
        return _BAD_IDS
    return _BAD_CODES


def _object_tables(data: dict[str, Any]) -> dict[str, pd.DataFrame]:
    tables = dict(zip(("people", "sanctions", "assessments"), cases_to_tables([data]),
                      strict=True))
    out = {}
    for name, frame in tables.items():
        columns = {}
        for column in frame.columns:
            values = list(frame[column])
            if pd.api.types.is_datetime64_any_dtype(frame[column]):
                values = [None if pd.isna(v) else v.date().isoformat() for v in values]
            columns[column] = pd.Series(values, dtype=object, index=frame.index)
        out[name] = pd.DataFrame(columns, index=frame.index)
    return out


@st.composite
def mutants(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, pd.DataFrame], tuple]:
    """A valid case as a dict and as object tables, with one cell changed in both."""
    data = draw(case_dicts(max_sanctions=3))
    tables = _object_tables(data)
    leaves: list[tuple[Any, ...]] = [*_ASSESSMENT_CELLS, ("person", "date_of_birth"),
                                     ("person", "sex")]
    leaves += [("sanctions", i, k) for i in range(len(data["sanctions"]))
               for k in ("date", "kind", "disposal", "offence", "violent")]
    loc = draw(st.sampled_from(leaves))
    value = draw(st.sampled_from(_values_for(str(loc[-1]))))
    mutated = copy.deepcopy(data)
    target: Any = mutated
    for part in loc[:-1]:
        target = target[part]
    target[loc[-1]] = None if value is pd.NaT else value  # NaT is a table's "missing"
    if loc[0] == "person":
        table, row, column = "people", 0, str(loc[1])
    elif loc[0] == "sanctions":
        table, row, column = "sanctions", int(loc[1]), str(loc[2])
    else:
        table, row, column = "assessments", 0, _ASSESSMENT_CELLS[loc]
    tables[table].iat[row, tables[table].columns.get_loc(column)] = value
    return mutated, tables, loc


@settings(max_examples=300, deadline=None)
@given(mutants())
def test_table_path_refuses_what_the_case_path_refuses(
        mutant: tuple[dict[str, Any], dict[str, pd.DataFrame], tuple]) -> None:
    data, tables, loc = mutant
    try:
        Case.model_validate(data)
    except ValidationError:
        case_refused = True
    else:
        case_refused = False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            build_features_from_tables(tables["people"], tables["sanctions"],
                                       tables["assessments"])
    except CaseValidationError as exc:
        table_problems = exc.problems
    else:
        table_problems = []
    assert case_refused == bool(table_problems), (loc, data, table_problems)
    if table_problems:
        # the error names the case (its id, or the bad id itself) and the field
        fields = {field for _, field, _ in table_problems}
        path = ".".join(str(p) for p in loc if not isinstance(p, int))
        assert path in fields or (loc[-1] == "date" and "sanctions.date" in fields) or \
            any(f.endswith("date") for f in fields), (loc, table_problems)
        assert all(str(case_id) == str(data["case_id"]) for case_id, _, _ in table_problems)
