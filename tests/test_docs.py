"""Every public name carries a numpydoc docstring with a runnable Examples section.

The examples themselves run as doctests (``pytest --doctest-modules`` over the package).
"""

from __future__ import annotations

import importlib
import inspect

import pytest

PUBLIC_MODULES = [
    "riskassess", "riskassess.cases", "riskassess.cli", "riskassess.datasets",
    "riskassess.decisions", "riskassess.distributed", "riskassess.instruments",
    "riskassess.exceptions", "riskassess.explain", "riskassess.explain.plot",
    "riskassess.features", "riskassess.models", "riskassess.testing", "riskassess.types",
    "riskassess.transparency", "riskassess.validation", "riskassess.vocabulary",
]


def _public_objects(module_name: str) -> list[tuple[str, object]]:
    module = importlib.import_module(module_name)
    out = [(module_name, module)]
    for name in getattr(module, "__all__", []):
        obj = getattr(module, name)
        if inspect.isclass(obj) or inspect.isfunction(obj):
            out.append((f"{module_name}.{name}", obj))
    return out


@pytest.mark.parametrize("module_name", PUBLIC_MODULES)
def test_public_names_have_examples(module_name: str) -> None:
    lacking = [name for name, obj in _public_objects(module_name)
               if "Examples\n--------" not in (inspect.getdoc(obj) or "")]
    assert not lacking, f"public names without an Examples section: {lacking}"
