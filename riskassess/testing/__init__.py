"""Helpers for downstream model-validation suites: hypothesis strategies and pytest checks.

Filled in as the strategies (``_strategies``) and checks (``_checks``) land.
"""

from __future__ import annotations

__all__: list[str] = []
