"""The floors CI tests (.ci/min-constraints.txt) are the floors pyproject.toml declares."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CONSTRAINTS = REPO / ".ci" / "min-constraints.txt"
# tools the floors run does not use: ruff and mypy run only on the newest versions
NOT_PINNED = {"ruff", "mypy", "pandas-stubs"}


def _floors(requirements: list[str]) -> dict[str, str]:
    out = {}
    for req in requirements:
        m = re.fullmatch(r"([A-Za-z0-9_.-]+)(?:\[[a-z,]+\])?>=([0-9][0-9.]*)", req.strip())
        assert m, f"pyproject requirement {req!r} is not of the form name>=floor"
        out[m.group(1).lower()] = m.group(2)
    return out


def _pins() -> dict[str, str]:
    out = {}
    for line in CONSTRAINTS.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, sep, version = line.partition("==")
            assert sep, f"{CONSTRAINTS.name}: {line!r} is not of the form name==version"
            out[name.strip().lower()] = version.strip()
    return out


def _release(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split("."))


def test_every_declared_floor_is_pinned_to_its_floor_release() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    floors = _floors(project["dependencies"])
    test_floors = _floors(project["optional-dependencies"]["test"])
    for name, floor in test_floors.items():
        assert floors.get(name, floor) == floor, f"{name}: base and test extra floors differ"
    floors.update({k: v for k, v in test_floors.items() if k not in NOT_PINNED})
    pins = _pins()
    assert set(pins) == set(floors), (
        f"{CONSTRAINTS.name} pins {sorted(pins)}, pyproject declares {sorted(floors)}"
    )
    for name, floor in floors.items():
        # ==floor, or the lowest patch release of it that has wheels (floor 1.11 -> 1.11.1)
        pin = _release(pins[name])
        assert pin >= _release(floor) and pin[: len(_release(floor))] == _release(floor), (
            f"{name}: pyproject says >={floor}, {CONSTRAINTS.name} pins {pins[name]}"
        )
