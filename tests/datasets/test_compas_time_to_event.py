"""load_compas(outcome="time_to_event"): ProPublica's start/end/event as (event, time)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from riskassess.datasets import load_compas
from riskassess.datasets._compas import COMPAS_BAD_TIME_ROWS
from riskassess.exceptions import DatasetArgumentError, FeatureError

HEADER = (
    "id,sex,age,race,juv_fel_count,juv_misd_count,juv_other_count,priors_count,"
    "days_b_screening_arrest,c_charge_degree,is_recid,score_text,two_year_recid,"
    "start,end,event"
)


def _write(tmp_path: Path, rows: list[str], header: str = HEADER) -> Path:
    p = tmp_path / "compas.csv"
    p.write_text("\n".join([header, *rows]) + "\n")
    return p


@pytest.mark.compas
def test_real_file_times_are_end_minus_start(compas_csv: Path) -> None:
    raw = pd.read_csv(compas_csv)
    with pytest.warns(UserWarning, match=f"dropped {COMPAS_BAD_TIME_ROWS} row"):
        X, y, frame = load_compas(compas_csv, outcome="time_to_event")
    bad = int((raw["end"] <= raw["start"]).sum())
    assert bad == COMPAS_BAD_TIME_ROWS
    assert len(X) == len(y) == len(frame) == len(raw) - bad
    assert list(y.columns) == ["event", "time"]
    assert y["event"].dtype == bool and y["time"].dtype == float
    assert (y["time"] > 0).all()
    kept = raw[raw["end"] > raw["start"]].reset_index(drop=True)
    np.testing.assert_array_equal(y["time"], (kept["end"] - kept["start"]).to_numpy())
    np.testing.assert_array_equal(y["event"], kept["event"].astype(bool))
    assert (frame["id"].to_numpy() == kept["id"].to_numpy()).all()
    assert X.index.equals(y.index) and X.index.equals(frame.index)


@pytest.mark.compas
def test_real_file_events_agree_with_the_two_year_label(compas_csv: Path) -> None:
    """ProPublica's event within 730 days of follow-up is (mostly) the two-year label."""
    with pytest.warns(UserWarning):
        _, y, frame = load_compas(compas_csv, propublica_filter=True,
                                  outcome="time_to_event")
    assert len(y) == 6172 - COMPAS_BAD_TIME_ROWS
    early = y["event"] & (y["time"] <= 730)
    label = frame["two_year_recid"].astype(bool)
    # every event within two years of the start is a two-year recidivist
    assert (label[early]).mean() > 0.99


def test_rows_with_no_time_at_risk_are_dropped_and_counted(tmp_path: Path) -> None:
    rows = [
        "1,Male,30,A,0,0,0,1,0,F,1,Low,1,0,100,1",
        "2,Male,30,A,0,0,0,1,0,F,1,Low,1,5,5,1",  # end == start
        "3,Male,30,A,0,0,0,1,0,F,0,Low,0,9,3,0",  # end < start
        "4,Female,40,B,0,0,0,0,0,M,0,Low,0,2,800,0",
    ]
    with pytest.warns(UserWarning, match=r"dropped 2 row\(s\).*\[2, 3\]"):
        X, y, frame = load_compas(_write(tmp_path, rows), outcome="time_to_event")
    assert frame["id"].tolist() == [1, 4]
    assert y["time"].tolist() == [100.0, 798.0] and y["event"].tolist() == [True, False]
    assert len(X) == 2


def test_missing_time_columns_and_bad_outcome_are_refused(tmp_path: Path) -> None:
    header = HEADER.removesuffix(",start,end,event")
    path = _write(tmp_path, ["1,Male,30,A,0,0,0,1,0,F,1,Low,1"], header)
    with pytest.raises(FeatureError, match=r"start', 'end', 'event'"):
        load_compas(path, outcome="time_to_event")
    _, y, _ = load_compas(path)  # the two-year label does not need them
    assert y.tolist() == [1]
    with pytest.raises(DatasetArgumentError, match="outcome"):
        load_compas(path, outcome="three_year")  # type: ignore[arg-type]
    bad = _write(tmp_path, ["1,Male,30,A,0,0,0,1,0,F,1,Low,1,0,10,2"])
    with pytest.raises(FeatureError, match="'event'"):
        load_compas(bad, outcome="time_to_event")
