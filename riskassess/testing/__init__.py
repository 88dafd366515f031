"""For downstream model-validation suites: hypothesis strategies and pytest checks.

Strategies generate case records for fuzzing an integration (valid ones, and broken ones
that must be refused); checks raise ``AssertionError`` with a readable message, so they
can be called straight from a pytest test.

The strategies need hypothesis, an optional dependency: ``pip install
"riskassess[testing]"``. The checks do not; without hypothesis, using a strategy raises
:class:`~riskassess.exceptions.MissingExtraError` naming the extra.

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

import importlib
from typing import TYPE_CHECKING, Any

from riskassess.exceptions import MissingExtraError
from riskassess.testing._checks import (
    assert_additive_explanations,
    assert_calibrated,
    assert_group_gap_within,
    assert_monotone,
    assert_no_protected_inputs,
)
from riskassess.testing._fairness_checks import (
    assert_disparity_ratio_within,
    assert_net_benefit_above_defaults,
)
from riskassess.testing._survival_checks import (
    assert_brier_score_at_most,
    assert_calibrated_at_horizon,
    assert_time_dependent_auc_at_least,
)

if TYPE_CHECKING:
    from riskassess.testing._strategies import (
        bad_case_dicts,
        case_dicts,
        case_ids,
        case_lists,
        cases,
    )

__all__ = [
    "assert_additive_explanations",
    "assert_brier_score_at_most",
    "assert_calibrated",
    "assert_calibrated_at_horizon",
    "assert_disparity_ratio_within",
    "assert_group_gap_within",
    "assert_monotone",
    "assert_net_benefit_above_defaults",
    "assert_no_protected_inputs",
    "assert_time_dependent_auc_at_least",
    "bad_case_dicts",
    "case_dicts",
    "case_ids",
    "case_lists",
    "cases",
]

_STRATEGIES = frozenset({"bad_case_dicts", "case_dicts", "case_ids", "case_lists", "cases"})


def __getattr__(name: str) -> Any:
    # The strategies are imported on first use, so that the checks (and the rest of
    # riskassess) work without hypothesis, which only the strategies need.
    if name not in _STRATEGIES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    try:
        strategies = importlib.import_module("riskassess.testing._strategies")
    except ModuleNotFoundError as exc:
        if exc.name is None or exc.name.split(".")[0] != "hypothesis":
            raise
        raise MissingExtraError(
            f"riskassess.testing.{name} is a hypothesis strategy and hypothesis is not "
            'installed: pip install "riskassess[testing]"') from exc
    value = getattr(strategies, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | _STRATEGIES)
