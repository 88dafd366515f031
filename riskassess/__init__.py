"""riskassess: transparent probation risk assessment with the officer's judgement final.

Public names are re-exported here and loaded lazily, so ``import riskassess`` stays
fast (shap and matplotlib are only imported when an explanation or a plot is asked for).

Examples
--------
>>> import riskassess as ra
>>> "Case" in ra.__all__ and "assess" in ra.__all__
True
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from riskassess._version import __version__

# public name -> module that defines it
_LAZY_NAMES: dict[str, str] = {
    "Person": "riskassess.cases",
    "Sanction": "riskassess.cases",
    "IndexOffence": "riskassess.cases",
    "Case": "riskassess.cases",
    "assess": "riskassess.decisions",
    "Assessment": "riskassess.decisions",
    "FinalDecision": "riskassess.decisions",
    "OverrideReason": "riskassess.decisions",
    "DecisionLog": "riskassess.decisions",
    "RiskAssessError": "riskassess.exceptions",
}

_LAZY_MODULES: tuple[str, ...] = (
    "cases",
    "datasets",
    "decisions",
    "distributed",
    "exceptions",
    "explain",
    "features",
    "instruments",
    "models",
    "testing",
    "transparency",
    "types",
    "validation",
    "vocabulary",
)

__all__ = sorted([*_LAZY_NAMES, *_LAZY_MODULES, "__version__"])

if TYPE_CHECKING:  # pragma: no cover - imports for type checkers only
    from riskassess import (
        cases,
        datasets,
        decisions,
        distributed,
        exceptions,
        explain,
        features,
        instruments,
        models,
        testing,
        transparency,
        types,
        validation,
        vocabulary,
    )
    from riskassess.cases import Case, IndexOffence, Person, Sanction
    from riskassess.decisions import Assessment, DecisionLog, FinalDecision, OverrideReason, assess
    from riskassess.exceptions import RiskAssessError


def __getattr__(name: str) -> Any:
    if name in _LAZY_NAMES:
        value = getattr(importlib.import_module(_LAZY_NAMES[name]), name)
        globals()[name] = value
        return value
    if name in _LAZY_MODULES:
        module = importlib.import_module(f"riskassess.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'riskassess' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
