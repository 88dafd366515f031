"""Tests for the COMPAS loader: real file (skipped when absent) and small synthetic files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from riskassess.datasets import COMPAS_X_COLUMNS, load_compas
from riskassess.exceptions import FeatureError

HEADER = (
    "id,sex,age,race,juv_fel_count,juv_misd_count,juv_other_count,priors_count,"
    "days_b_screening_arrest,c_charge_degree,is_recid,score_text,decile_score,two_year_recid"
)


def _write(tmp_path: Path, rows: list[str], header: str = HEADER) -> Path:
    p = tmp_path / "compas.csv"
    p.write_text("\n".join([header, *rows]) + "\n")
    return p


@pytest.mark.compas
def test_real_file_shapes_and_types(compas_csv: Path) -> None:
    X, y, frame = load_compas(compas_csv)
    assert len(X) == len(y) == len(frame) == 7214
    assert list(X.columns) == list(COMPAS_X_COLUMNS)
    assert "race" not in X.columns and "race" in frame.columns
    assert list(X["sex"].cat.categories) == ["male", "female"]
    assert list(X["c_charge_degree"].cat.categories) == ["F", "M"]
    assert y.name == "two_year_recid" and set(y.unique()) == {0, 1}
    assert X.index.equals(y.index) and X.index.equals(frame.index)
    # values come straight from the file: compare against a plain read
    raw = pd.read_csv(compas_csv)
    assert (X["priors_count"].to_numpy() == raw["priors_count"].to_numpy()).all()
    assert (X["sex"].astype(str).str.capitalize().to_numpy() == raw["sex"].to_numpy()).all()
    assert y.mean() == pytest.approx(raw["two_year_recid"].mean())


@pytest.mark.compas
def test_real_file_propublica_filter(compas_csv: Path) -> None:
    X, y, frame = load_compas(compas_csv, propublica_filter=True)
    assert len(X) == len(frame) == 6172  # domain.md §5
    assert frame["days_b_screening_arrest"].between(-30, 30).all()
    assert (frame["is_recid"] != -1).all()
    assert y.mean() == pytest.approx(0.455, abs=0.001)


def test_filter_rules_each_drop_a_row(tmp_path: Path) -> None:
    rows = [
        "1,Male,30,A,0,0,0,1,0,F,1,Low,3,1",  # kept
        "2,Male,30,A,0,0,0,1,31,F,1,Low,3,1",  # too far from arrest
        "3,Male,30,A,0,0,0,1,,F,1,Low,3,1",  # missing days
        "4,Male,30,A,0,0,0,1,0,F,-1,Low,3,1",  # is_recid -1
        "5,Male,30,A,0,0,0,1,0,O,1,Low,3,1",  # ordinary traffic
        "6,Female,30,A,0,0,0,1,-30,M,0,N/A,3,0",  # no score
        "7,Female,22,B,1,0,0,0,30,M,0,High,9,0",  # kept
    ]
    X, y, frame = load_compas(_write(tmp_path, rows), propublica_filter=True)
    assert frame["id"].tolist() == [1, 7]
    assert X["sex"].tolist() == ["male", "female"]
    assert y.tolist() == [1, 0]
    assert list(X.index) == [0, 1]


def test_missing_file() -> None:
    with pytest.raises(FileNotFoundError, match="not found"):
        load_compas("/nonexistent/compas.csv")


def test_missing_columns(tmp_path: Path) -> None:
    header = HEADER.replace("priors_count,", "")
    p = _write(tmp_path, ["1,Male,30,A,0,0,0,0,F,1,Low,3,1"], header=header)
    with pytest.raises(FeatureError, match="priors_count"):
        load_compas(p)


@pytest.mark.parametrize(
    ("row", "column"),
    [
        ("1,Other,30,A,0,0,0,1,0,F,1,Low,3,1", "sex"),
        ("1,Male,30,A,0,0,0,-2,0,F,1,Low,3,1", "priors_count"),
        ("1,Male,,A,0,0,0,1,0,F,1,Low,3,1", "age"),
        ("1,Male,30,A,0,0,0,1,0,X,1,Low,3,1", "c_charge_degree"),
        ("1,Male,30,A,0,0,0,1,0,F,1,Low,3,2", "two_year_recid"),
    ],
)
def test_bad_values_name_the_column(tmp_path: Path, row: str, column: str) -> None:
    with pytest.raises(FeatureError, match=column):
        load_compas(_write(tmp_path, [row]))
