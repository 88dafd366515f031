"""Model card from a fitted transparent model and its report."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from riskassess.models import AdditiveRiskClassifier
from riskassess.validation import ModelCard, model_card, validate


@pytest.fixture(scope="module")
def fitted() -> tuple[AdditiveRiskClassifier, pd.DataFrame, pd.Series, pd.Series]:
    rng = np.random.default_rng(0)
    n = 1200
    X = pd.DataFrame({
        "age": rng.integers(18, 70, n).astype(float),
        "priors_count": rng.poisson(2, n).astype(float),
        "sex": rng.choice(["male", "female"], n),
        "race": rng.choice(["p", "q"], n),
    })
    logit = -0.5 + 0.35 * X["priors_count"] - 0.04 * (X["age"] - 35)
    y = pd.Series((rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int))
    model = AdditiveRiskClassifier(allow_protected=("race",), max_bins=16).fit(X, y)
    return model, X, y, X["race"]


def test_card_marks_protected_and_declared_inputs(fitted) -> None:
    model, X, y, race = fitted
    report = validate(model, X, y, groups=race, n_bootstrap=0)
    card = model_card(model, report, intended_use="Test use.", data_description="Synthetic.")
    assert isinstance(card, ModelCard)
    marks = card.features["marking"]
    assert marks["race"] == "protected characteristic, explicitly allowed"
    assert marks["sex"] == "declared sensitive input"
    assert marks["age"] == "" and marks["priors_count"] == ""
    assert card.features.loc["priors_count", "monotone"] == "risk never falls as it rises"
    assert any("It uses race as an input" in s for s in card.limitations)
    assert any("It uses sex as an input" in s for s in card.limitations)
    assert any("trained on 1200 cases" in s for s in card.limitations)
    assert card.fairness[0] == report.fairness.tradeoff.statement


def test_card_renders_every_section(fitted, tmp_path) -> None:
    model, X, y, _ = fitted
    report = validate(model, X, y, n_bootstrap=0)
    card = model_card(model, report, intended_use="Use <b>only</b> here.",
                      data_description="Synthetic.", limitations=("Extra limit.",))
    md = card.to_markdown()
    for section in ("## Intended use", "## Data", "## Features", "## Performance",
                    "## Fairness", "## Limitations"):
        assert section in md
    assert "It was not checked for fairness" in md and "- Extra limit." in md
    page = card.to_html(tmp_path / "card.html")
    assert "&lt;b&gt;only&lt;/b&gt;" in page and "<b>only</b>" not in page
    assert (tmp_path / "card.html").read_text(encoding="utf-8") == page
