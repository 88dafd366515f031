"""Shared fixtures of the command-line tests: saved models and a valid case file."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest


@pytest.fixture(scope="session")
def cli_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A scorecard fitted on a synthetic cohort, a model reading COMPAS's columns, a case."""
    from riskassess._cli_demo import cohort_training_data
    from riskassess.models import AdditiveRiskClassifier, ScorecardClassifier, save_model

    folder = tmp_path_factory.mktemp("cli")
    X, y, cohort = cohort_training_data(800, seed=4)
    save_model(ScorecardClassifier(horizon=2).fit(X, y), folder / "cohort_model.json")
    # what `fit --compas` produces: a model over COMPAS's columns, which a case lacks
    rng = np.random.default_rng(0)
    compas_like = pd.DataFrame({"priors_count": rng.integers(0, 10, 300),
                                "juv_fel_count": rng.integers(0, 3, 300),
                                "age": rng.integers(18, 70, 300)})
    labels = pd.Series((rng.random(300) < 0.4).astype(int))
    save_model(AdditiveRiskClassifier(horizon=2).fit(compas_like, labels),
               folder / "compas_model.json")
    case = next(cohort.cases())
    (folder / "case.json").write_text(case.model_dump_json(), encoding="utf-8")
    _fake_compas_csv(folder / "compas.csv", rng)
    return {"folder": folder, "cohort_model": folder / "cohort_model.json",
            "compas_model": folder / "compas_model.json", "case": folder / "case.json",
            "compas_csv": folder / "compas.csv"}


def _fake_compas_csv(path: Path, rng: np.random.Generator, n: int = 400) -> None:
    """A file in ProPublica's two-year layout (random values): the real one may be absent."""
    pd.DataFrame({
        "id": range(1, n + 1), "sex": rng.choice(["Male", "Female"], n),
        "age": rng.integers(18, 70, n), "race": rng.choice(["Other", "Caucasian"], n),
        "juv_fel_count": rng.integers(0, 3, n), "juv_misd_count": rng.integers(0, 3, n),
        "juv_other_count": rng.integers(0, 3, n), "priors_count": rng.integers(0, 12, n),
        "days_b_screening_arrest": rng.integers(-5, 5, n),
        "c_charge_degree": rng.choice(["F", "M"], n), "is_recid": rng.integers(0, 2, n),
        "score_text": rng.choice(["Low", "Medium", "High"], n),
        "two_year_recid": rng.integers(0, 2, n),
    }).to_csv(path, index=False)


@pytest.fixture()
def case_data(cli_files: dict[str, Path]) -> dict:
    """The valid case record as JSON data, to be spoiled by a test."""
    data: dict = json.loads(cli_files["case"].read_text(encoding="utf-8"))
    return data
