"""The display's plain-Python link arithmetic equals the vectorised one of the models and
the explanations, for every link; a survival (cloglog) assessment's waterfall is in
probabilities.

``riskassess.decisions`` converts one case at a time without numpy
(:func:`~riskassess.decisions._parts.link_probability`,
:func:`~riskassess.decisions._display.secant`); ``riskassess.models.inverse_link`` and
``riskassess.explain``'s secant slope do the same over whole columns. The two spellings
are one rule, held equal here.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from riskassess.decisions import Assessment, ExplanationRecord, FeatureContribution, ModelInfo
from riskassess.decisions._display import _waterfall_steps, secant
from riskassess.decisions._parts import link_probability
from riskassess.explain._probability import secant_slope
from riskassess.models import inverse_link

LINKS = st.sampled_from(["logit", "cloglog"])
Z = st.floats(-8.0, 3.0)
STEP = st.one_of(st.floats(-4.0, 4.0), st.floats(-1e-7, 1e-7))


@given(LINKS, Z)
def test_link_probability_is_the_models_inverse_link(link: str, z: float) -> None:
    expected = float(inverse_link(link)(np.array([z]))[0])
    assert math.isclose(link_probability(link, z), expected, rel_tol=1e-12, abs_tol=1e-15)


@given(LINKS, Z, STEP)
def test_secant_is_the_explanations_secant_slope(link: str, z0: float, dz: float) -> None:
    expected = float(secant_slope(np.array(z0), np.array(dz), link=link))
    # the secant of two nearly equal probabilities loses digits to cancellation: compare
    # at the precision the difference of the two probabilities keeps
    assert math.isclose(secant(link, z0, dz), expected, rel_tol=1e-7, abs_tol=1e-9)


def _assessment(link: str, base: float, contributions: list[float]) -> Assessment:
    e = ExplanationRecord(base_value=base, link=link, contributions=tuple(
        FeatureContribution(feature=f"x{i}", value=i, contribution=c)
        for i, c in enumerate(contributions)))
    return Assessment(case_id="C-1", assessment_date=date(2024, 3, 1),
                      probability=e.probability, band="low",
                      model=ModelInfo(name="m", version="1", fingerprint="f" * 64),
                      input_sha256="0" * 64, created_at=datetime(2024, 3, 1, tzinfo=UTC),
                      explanation=e)


@given(LINKS, st.floats(-4.0, 1.0),
       st.lists(st.floats(-1.5, 1.5), min_size=1, max_size=12))
def test_waterfall_runs_from_the_average_probability_to_the_cases(
        link: str, base: float, contributions: list[float]) -> None:
    a = _assessment(link, base, contributions)
    steps = _waterfall_steps(a)
    assert steps is not None
    start, bars = steps
    assert math.isclose(start, link_probability(link, base), rel_tol=1e-12)
    assert 0.0 <= start <= 1.0
    end = start + sum(change for _, change in bars)
    assert a.explanation is not None
    assert math.isclose(end, a.explanation.probability, rel_tol=1e-6, abs_tol=1e-9)
