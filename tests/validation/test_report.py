"""validate(): inputs, the report's properties, and its renderings."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.linear_model import LogisticRegression

from riskassess import validation
from riskassess.exceptions import ValidationInputError
from riskassess.validation import ValidationReport, validate


@pytest.fixture(scope="module")
def data() -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    rng = np.random.default_rng(0)
    n = 1500
    ids = [f"C-{i}" for i in range(n)]
    X = pd.DataFrame({"age": rng.integers(18, 70, n).astype(float),
                      "priors_count": rng.poisson(2, n).astype(float)}, index=ids)
    logit = -0.5 + 0.4 * X["priors_count"] - 0.04 * (X["age"] - 35)
    y = pd.Series((rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int), index=ids)
    race = pd.Series(np.where(rng.random(n) < 0.4, "x", "y"), index=ids, name="race")
    return X, y, race


@pytest.fixture(scope="module")
def report(data: tuple[pd.DataFrame, pd.Series, pd.Series]) -> ValidationReport:
    X, y, race = data
    model = LogisticRegression().fit(X, y)
    incumbent = pd.Series(np.clip(X["priors_count"], 0, 9) + 1, name="decile_score")
    return validate(model, X, y, groups=race, incumbent=incumbent.to_numpy(), n_bootstrap=200,
                    reference_scores=np.random.default_rng(9).random(800))


def test_public_surface_is_pinned() -> None:
    assert sorted(validation.__all__) == [
        "Bands", "Calibration", "DecisionCurve", "Disparity", "Estimate", "Fairness",
        "HorizonCalibration", "HorizonMetrics", "IncumbentComparison", "Intersection",
        "ModelCard", "Recalibration", "StabilityIndex", "SurvivalValidation", "Tradeoff",
        "ValidationReport", "calibration_at_horizon", "censored_brier_score",
        "decision_curve", "disparity_ratios", "group_calibration", "group_error_rates",
        "integrated_brier_score", "intersectional_groups", "kaplan_meier",
        "minimum_detectable_difference", "model_card", "net_benefit",
        "population_stability", "survival_validation", "time_dependent_auc", "validate",
    ]


def test_model_and_its_scores_give_the_same_report(data, report) -> None:
    X, y, _ = data
    model = LogisticRegression().fit(X, y)
    direct = validate(model.predict_proba(X)[:, 1], y=y.to_numpy(), n_bootstrap=0)
    assert report.model_name == "LogisticRegression" and direct.model_name == "scores"
    assert report.auc == direct.auc
    assert report.brier.value == pytest.approx(direct.brier.value)


def test_report_contents(report: ValidationReport) -> None:
    assert report.n == 1500 and 0 < report.base_rate < 1
    assert report.auc.method == "DeLong" and report.auc.lower < report.auc.value
    assert "bootstrap" in report.auc_bootstrap.method
    assert report.auc_bootstrap.lower < report.auc.value < report.auc_bootstrap.upper
    cal = report.calibration
    assert cal.by_band["bin"].tolist() == ["low", "medium", "high", "very high"]
    assert cal.by_band["n"].sum() == cal.by_decile["n"].sum() == 1500
    assert cal.recalibration.slope.lower < 1.0 < cal.recalibration.slope.upper
    inc = report.incumbent
    assert inc is not None
    assert inc.difference.value == pytest.approx(inc.auc_model - inc.auc_incumbent)
    assert report.stability is not None and report.stability.value > 0
    assert report.threshold == 0.5
    for key in ("auc", "proportions", "bootstrap", "incumbent", "group gaps", "stability"):
        assert key in report.methods


def test_report_is_read_only(report: ValidationReport) -> None:
    with pytest.raises(AttributeError):
        report.auc = None  # type: ignore[misc]
    assert report.fairness is not None
    groups = report.fairness.groups
    groups.loc[:, "n"] = -1
    assert (report.fairness.groups["n"] > 0).all()


def test_json_is_strict_and_complete(report: ValidationReport) -> None:
    text = report.to_json()
    assert "NaN" not in text
    d = json.loads(text)
    assert d["auc"]["method"] == "DeLong" and d["n"] == 1500
    assert d["fairness"]["tradeoff"]["statement"] == report.fairness.tradeoff.statement
    assert {g["group"] for g in d["fairness"]["groups"]} == {"x", "y"}
    assert d == report.to_dict()


def test_html_file_is_self_contained_and_written_atomically(report, tmp_path) -> None:
    path = tmp_path / "report.html"
    page = report.to_html(path)
    assert path.read_text(encoding="utf-8") == page
    assert page.count("data:image/png;base64,") == 3  # reliability, groups, stability
    assert "<script" not in page and "http" not in page.split("<body>")[1].split("Generated")[0]
    assert report.fairness.tradeoff.statement.split(" (")[0] in page
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]
    # the notebook display shows the same plots, inside its own scoped container
    fragment = report._repr_html_()
    assert fragment.count("data:image/png;base64,") == 3 and "<body" not in fragment


def test_no_bootstrap_says_so() -> None:
    rng = np.random.default_rng(2)
    p = rng.random(300)
    y = (rng.random(300) < p).astype(int)
    r = validate(p, y=y, n_bootstrap=0)
    assert math.isnan(r.auc_bootstrap.lower) and r.auc_bootstrap.note
    assert r.fairness is None and r.incumbent is None and r.stability is None


def test_model_bands_are_used() -> None:
    from riskassess.models import RiskBands

    rng = np.random.default_rng(3)
    p = rng.random(400)
    y = (rng.random(400) < p).astype(int)
    r = validate(p, y=y, bands=RiskBands(cut_points=(0.3, 0.6), labels=("l", "m", "h")),
                 n_bootstrap=0)
    assert r.calibration.by_band["bin"].tolist() == ["l", "m", "h"]
    assert r.threshold == 0.3


ids = pd.Index(["A-1", "A-2", "A-3", "A-4"])


@pytest.mark.parametrize(
    ("scores", "y", "groups", "match"),
    [
        ([0.1, 0.2, 0.3, 0.4], pd.Series([0, 1, 2, 0], index=ids), None,
         r"labels must be 0 or 1; got 2 at case 'A-3'"),
        (pd.Series([0.1, np.nan, 0.3, 0.4], index=ids), [0, 1, 1, 0], None,
         r"NaN or infinity at case 'A-2'"),
        (pd.Series([0.1, 1.2, 0.3, 0.4], index=ids), [0, 1, 1, 0], None,
         r"must lie in \[0, 1\]; got 1.2 at case 'A-2'"),
        ([0.1, 0.2, 0.3], [0, 1, 1, 0], None, r"mismatched lengths: scores has 3 rows"),
        ([0.1, 0.2, 0.3, 0.4], [0, 1, 1, 0], ["a", "b"], r"groups has 2 rows"),
        ([0.1, 0.2, 0.3, 0.4], [1, 1, 1, 1], None, r"every case has outcome 1"),
        ([0.1, 0.2, 0.3, 0.4], pd.Series([0, 1, 1, 0], index=ids), ["a", None, "b", "b"],
         r"group is missing at case 'A-2'"),
        ([0.1, 0.2, 0.3, 0.4], None, None, r"y: observed outcomes are required"),
        (["a", "b", "c", "d"], [0, 1, 1, 0], None, r"scores must be numbers"),
    ],
)
def test_bad_input_names_the_case(scores, y, groups, match) -> None:
    with pytest.raises(ValidationInputError, match=match):
        validate(scores, y=y, groups=groups, n_bootstrap=0)


def test_model_without_x_is_refused(data) -> None:
    X, y, _ = data
    model = LogisticRegression().fit(X, y)
    with pytest.raises(ValidationInputError, match="needs X"):
        validate(model, y=y)


@settings(max_examples=15)
@given(st.integers(0, 2**32 - 1))
def test_report_is_invariant_to_row_order_and_monotone_incumbent_transforms(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 300
    p = rng.random(n).round(2)  # ties on purpose
    y = (rng.random(n) < p).astype(int)
    if y.min() == y.max():
        return
    g = rng.choice(["a", "b"], n)
    inc = rng.random(n)
    perm = rng.permutation(n)
    a = validate(p, y=y, groups=g, incumbent=inc, n_bootstrap=0)
    b = validate(p[perm], y=y[perm], groups=g[perm], incumbent=np.exp(3 * inc[perm]),
                 n_bootstrap=0)
    assert a.auc.value == pytest.approx(b.auc.value, abs=1e-12)
    assert a.auc.lower == pytest.approx(b.auc.lower, abs=1e-12)
    assert a.brier.value == pytest.approx(b.brier.value, abs=1e-12)
    assert a.incumbent.difference.value == pytest.approx(b.incumbent.difference.value,
                                                         abs=1e-12)
    cols = ["n", "fpr", "fnr", "ppv", "selection_rate", "auc"]
    pd.testing.assert_frame_equal(a.fairness.groups[cols], b.fairness.groups[cols])


def test_html_without_matplotlib_says_plots_are_omitted(report, monkeypatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import now raises ImportError
    page = report.to_html()
    assert "data:image/png" not in page
    assert page.count("plot omitted, matplotlib is not installed") == 3
