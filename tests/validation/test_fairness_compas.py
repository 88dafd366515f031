"""Validators' fairness on the real ProPublica COMPAS data (skipped when ../shared is absent).

The COMPAS decile score, cut at 5 (ProPublica's "Medium or High"), against the two-year
recidivism label: the disparity ratios must equal the ratios of ProPublica's published
error rates (numbers from outside this library), and every race × sex group, however
small, must appear in the intersectional table.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_predict

from riskassess.datasets import load_compas
from riskassess.validation import decision_curve, disparity_ratios, validate

pytestmark = [pytest.mark.compas]

# ProPublica, compas-analysis notebook: "Black defendants" / "White defendants"
PUBLISHED_FPR = {"African-American": 0.4485, "Caucasian": 0.2345}
PUBLISHED_FNR = {"African-American": 0.2799, "Caucasian": 0.4772}


@pytest.fixture(scope="module")
def compas(compas_csv: Path) -> tuple[pd.DataFrame, pd.Series, pd.DataFrame]:
    return load_compas(compas_csv, propublica_filter=True)


def test_disparity_ratios_equal_the_ratios_of_propublicas_rates(compas) -> None:
    _, y, frame = compas
    decile = frame["decile_score"].to_numpy(dtype=float) / 10.0  # >= 0.5: Medium or High
    d = disparity_ratios(y, decile, frame["race"], reference_group="African-American",
                         threshold=0.5)
    rows = d.table[d.table["group"] == "Caucasian"].set_index("metric")
    # exactly the ratio of the rates counted with pandas alone
    high = frame["score_text"].isin(["Medium", "High"]).to_numpy()
    outcome, race = y.to_numpy(), frame["race"].to_numpy()

    def rate(group: str, label: int) -> float:
        sel = (race == group) & (outcome == label)
        return float(high[sel].mean() if label == 0 else (~high[sel]).mean())

    assert rows.loc["fpr", "ratio"] == pytest.approx(
        rate("Caucasian", 0) / rate("African-American", 0), rel=1e-12)
    assert rows.loc["fnr", "ratio"] == pytest.approx(
        rate("Caucasian", 1) / rate("African-American", 1), rel=1e-12)
    # and close to the ratio of ProPublica's published rates (their notebook's counts
    # differ slightly from this file's filter, as in tests/test_propublica.py)
    fpr_ratio = PUBLISHED_FPR["Caucasian"] / PUBLISHED_FPR["African-American"]
    fnr_ratio = PUBLISHED_FNR["Caucasian"] / PUBLISHED_FNR["African-American"]
    assert rows.loc["fpr", "ratio"] == pytest.approx(fpr_ratio, abs=0.02)
    assert rows.loc["fnr", "ratio"] == pytest.approx(fnr_ratio, abs=0.05)
    assert rows.loc["fpr", "upper"] < 1 < rows.loc["fnr", "lower"]  # both clearly unequal
    # thousands of cases per group: the data could detect far smaller differences
    assert rows.loc["fpr", "detectable_ratio_low"] > 0.8 > rows.loc["fpr", "ratio"]


def test_every_race_by_sex_group_is_shown_and_small_ones_flagged(compas) -> None:
    X, y, frame = compas
    # out-of-fold probabilities: validating on the people a model was fitted on flatters it
    numeric = X.assign(sex=(X["sex"].astype(str) == "male").astype(int),
                       c_charge_degree=(X["c_charge_degree"].astype(str) == "F").astype(int))
    p = cross_val_predict(LogisticRegression(max_iter=1000), numeric, y, cv=5,
                          method="predict_proba")[:, 1]
    report = validate(p, y=y, groups=frame["race"], intersections=[("race", "sex")],
                      attributes=frame, n_bootstrap=0)
    inter = report.intersections[0].groups
    counts = frame.groupby(["race", "sex"], observed=False).size()
    races, sexes = frame["race"].unique(), frame["sex"].unique()
    assert len(inter) == len(races) * len(sexes)  # every combination, empty ones too
    for (race, sex), n in counts.items():
        row = inter[(inter["race"] == race) & (inter["sex"] == sex)]
        assert int(row["n"].iloc[0]) == n
        assert bool(row["small"].iloc[0]) == (n < 30)
    assert inter["small"].any()  # e.g. Native American women: a handful of cases
    assert report.disparity.reference == frame["race"].value_counts().index[0]
    assert set(report.disparity.table["group"]) == set(races) - {report.disparity.reference}


def test_decision_curve_on_compas_per_race(compas) -> None:
    _, y, frame = compas
    decile = frame["decile_score"].to_numpy(dtype=float) / 10.0
    curve = decision_curve(y, decile, frame["race"], operating_threshold=0.5)
    at = curve.at_operating.set_index("group")
    # recomputed by hand from the frame for one group, at the one shared threshold
    aa = frame["race"].to_numpy() == "African-American"
    treat = decile[aa] >= 0.5
    tp = int((treat & (y.to_numpy()[aa] == 1)).sum())
    fp = int((treat & (y.to_numpy()[aa] == 0)).sum())
    expected = (tp - fp) / aa.sum()  # odds 1 at t = 0.5
    assert at.loc["African-American", "net_benefit"] == pytest.approx(expected)
    assert np.isfinite(curve.useful_range["lowest_useful"]).any()
