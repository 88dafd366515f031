"""Population stability index."""

from __future__ import annotations

import numpy as np
import pytest

from riskassess.validation import population_stability


def test_identical_cohorts_have_zero_psi() -> None:
    s = np.random.default_rng(0).random(1000)
    psi = population_stability(s, s)
    assert psi.value == pytest.approx(0.0, abs=1e-12) and psi.interpretation == "stable"


def test_psi_is_the_textbook_sum() -> None:
    rng = np.random.default_rng(1)
    ref, cur = rng.random(2000), rng.random(1500) ** 1.5
    psi = population_stability(ref, cur)
    t = psi.table
    manual = ((t["current_share"] - t["reference_share"])
              * np.log(t["current_share"] / t["reference_share"])).sum()
    assert psi.value == pytest.approx(manual)
    assert t["reference_share"].sum() == pytest.approx(1.0)


def test_empty_bins_are_floored_and_said() -> None:
    ref = np.linspace(0, 1, 1000)
    psi = population_stability(ref, np.full(100, 0.95))
    assert psi.interpretation == "major shift" and "empty bin" in psi.note
