"""Validation's contracts: parameters are checked, reports cannot change, extras are optional."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pandas as pd
import pytest

from riskassess.exceptions import MissingExtraError, ValidationInputError
from riskassess.validation import _bootstrap, population_stability, validate


@pytest.fixture(scope="module")
def scored() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    p = rng.uniform(0.05, 0.95, 400)
    y = (rng.random(400) < p).astype(int)
    groups = np.where(rng.random(400) < 0.5, "a", "b")
    return p, y, groups


@pytest.mark.parametrize(("param", "value"), [
    ("n_bootstrap", -5), ("n_bootstrap", 2.5), ("n_bootstrap", True), ("n_bootstrap", "10"),
    ("min_group_size", -1), ("min_group_size", 0), ("min_group_size", 1.5),
    ("tolerance", -3), ("tolerance", 1.0), ("tolerance", float("nan")), ("tolerance", "5%"),
    ("seed", -1), ("seed", 0.5),
    ("level", 0.0), ("level", 1.5), ("level", float("nan")), ("level", "95%"),
    ("threshold", 0.0), ("threshold", 1.5), ("threshold", float("nan")),
    ("threshold", "0.5"),
])
def test_bad_parameters_are_refused_by_name(scored, param, value) -> None:
    p, y, groups = scored
    with pytest.raises(ValidationInputError, match=param):
        validate(p, y=y, groups=groups, **{param: value})


@pytest.mark.parametrize(("param", "value"), [
    ("n_bootstrap", 0), ("n_bootstrap", np.int64(20)), ("min_group_size", 1),
    ("tolerance", 0), ("tolerance", 0.2), ("seed", 0), ("threshold", 1.0),
])
def test_boundary_parameters_are_accepted(scored, param, value) -> None:
    p, y, groups = scored
    kwargs = {"n_bootstrap": 0, param: value}
    report = validate(p, y=y, groups=groups, **kwargs)
    assert report.n == len(p)


def test_every_part_of_the_report_is_immutable(scored) -> None:
    p, y, groups = scored
    report = validate(p, y=y, groups=groups, incumbent=p ** 2, reference_scores=p[::-1],
                      n_bootstrap=30)
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.threshold = 0.9  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.extra = 1  # type: ignore[attr-defined]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del report.auc
    with pytest.raises(TypeError):
        report._d["n"] = 1  # type: ignore[index]
    parts = [report.auc, report.brier, report.calibration, report.incumbent,
             report.fairness, report.fairness.tradeoff, report.stability, report.bands,
             report.calibration.recalibration]
    for part in parts:
        field = dataclasses.fields(part)[0].name
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(part, field, None)
    # tables handed out are copies: editing one leaves the report as it was
    before = report.to_json()
    stability_table = report.stability.table
    stability_table.loc[:, "contribution"] = 99.0
    by_band = report.calibration.by_band
    by_band.loc[:, "n"] = -1
    gaps = report.fairness.gaps
    gaps.loc[:, "gap"] = -1.0
    methods = report.methods
    methods["auc"] = "edited"
    assert report.to_json() == before


@pytest.mark.parametrize(("reference", "current", "match"), [
    (np.array([]), np.array([0.1, 0.2]), "reference: no scores"),
    (np.array([0.1, 0.2]), np.array([]), "current: no scores"),
    (np.array([0.1, np.nan, 0.3]), np.array([0.1]), r"reference: .*NaN or infinity at row 1"),
    (np.array([0.1, 0.3]), pd.Series([0.2, np.inf], index=["C-1", "C-2"]),
     r"current: .*NaN or infinity at case 'C-2'"),
    (np.array([0.1, 0.3]), np.array(["a", "b"]), "current: scores must be numbers"),
])
def test_population_stability_refuses_unusable_cohorts(reference, current, match) -> None:
    with pytest.raises(ValidationInputError, match=match):
        population_stability(reference, current)


@pytest.mark.parametrize("n_bins", [1, 0, 2.5])
def test_population_stability_checks_n_bins(n_bins) -> None:
    with pytest.raises(ValidationInputError, match="n_bins"):
        population_stability(np.arange(10.0), np.arange(10.0), n_bins=n_bins)


def test_population_stability_takes_any_real_score() -> None:
    # PSI compares distributions: decile scores 1-10 are as valid as probabilities
    deciles = np.tile(np.arange(1.0, 11.0), 50)
    assert population_stability(deciles, deciles).value == pytest.approx(0.0, abs=1e-12)


def test_no_tqdm_means_no_bar(monkeypatch) -> None:
    monkeypatch.setattr(_bootstrap, "_bar_class", lambda: None)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tick = _bootstrap._progress_bar(None, 10)  # automatic: silent
        tick(10)
    with pytest.warns(UserWarning, match=r'pip install "riskassess\[progress\]"'):
        _bootstrap._progress_bar(True, 10)
    rng = np.random.default_rng(0)
    p = rng.random(200)
    y = (rng.random(200) < p).astype(int)
    with pytest.warns(UserWarning, match="tqdm is not installed"):
        report = validate(p, y=y, n_bootstrap=20, progress=True)
    assert report.n_bootstrap == 20


def test_bar_class_avoids_the_widget_without_ipywidgets(monkeypatch) -> None:
    pytest.importorskip("tqdm")
    import importlib.util

    from tqdm.std import tqdm as plain

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "ipywidgets" else real(name, *a))
    assert _bootstrap._bar_class() is plain


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=120)


def test_testing_checks_work_without_hypothesis() -> None:
    result = _run("""
        import sys
        sys.modules["hypothesis"] = None  # as if not installed
        import riskassess.testing as testing
        from riskassess.exceptions import MissingExtraError
        print(callable(testing.assert_monotone))
        try:
            testing.cases
        except MissingExtraError as exc:
            print(isinstance(exc, ImportError), exc)
    """)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "True"
    assert lines[1].startswith("True ") and 'pip install "riskassess[testing]"' in lines[1]


def test_validation_runs_without_tqdm() -> None:
    result = _run("""
        import sys
        sys.modules["tqdm"] = None  # as if not installed
        import numpy as np
        from riskassess.validation import validate
        p = np.linspace(0.05, 0.95, 200)
        y = (np.arange(200) % 3 == 0).astype(int)
        print(validate(p, y=y, n_bootstrap=20, progress=None).n_bootstrap)
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "20"


def test_missing_extra_error_is_an_import_error() -> None:
    assert issubclass(MissingExtraError, ImportError)
