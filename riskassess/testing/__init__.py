"""For downstream model-validation suites: hypothesis strategies and pytest checks.

Strategies generate case records for fuzzing an integration (valid ones, and broken ones
that must be refused); checks raise ``AssertionError`` with a readable message, so they
can be called straight from a pytest test.

Examples
--------
>>> from hypothesis import given, settings
>>> from riskassess.testing import cases
>>> @settings(max_examples=5)
... @given(cases())
... def test_case_ids_are_pseudonymous(case):
...     assert case.case_id == case.case_id.strip()
>>> test_case_ids_are_pseudonymous()
"""

from __future__ import annotations

from riskassess.testing._checks import (
    assert_additive_explanations,
    assert_calibrated,
    assert_group_gap_within,
    assert_monotone,
    assert_no_protected_inputs,
)
from riskassess.testing._strategies import (
    bad_case_dicts,
    case_dicts,
    case_ids,
    case_lists,
    cases,
)

__all__ = [
    "assert_additive_explanations",
    "assert_calibrated",
    "assert_group_gap_within",
    "assert_monotone",
    "assert_no_protected_inputs",
    "bad_case_dicts",
    "case_dicts",
    "case_ids",
    "case_lists",
    "cases",
]
