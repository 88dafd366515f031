"""Shared fixtures: the path to the shared COMPAS data (skipped cleanly when absent)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=30, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

REPO = Path(__file__).resolve().parents[1]
COMPAS_CSV = REPO.parent / "shared" / "data" / "compas" / "compas-scores-two-years.csv"


@pytest.fixture(scope="session")
def compas_csv() -> Path:
    """Path to the shared COMPAS CSV; skips when ``../shared/data`` is absent."""
    if not COMPAS_CSV.exists():
        pytest.skip(
            f"COMPAS data not found at {COMPAS_CSV}: a user's checkout has no ../shared; "
            "these checks need the real ProPublica file"
        )
    return COMPAS_CSV
