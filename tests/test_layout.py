"""The package layout shows the flow, and imports follow it (docs/architecture.md).

cases -> features -> datasets -> models -> instruments -> explain -> decisions ->
validation -> testing, with distributed and the command line on the side. A module
imports only from its own package or from packages before it; never a private module of
another package; no import cycles (counting imports inside functions, which only hide a
cycle); no module over 500 lines.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "riskassess"

#: Position of each package in the flow; root modules (exceptions, types, vocabulary and
#: the shared private helpers) come first.
LAYERS = {
    "": 0, "cases": 1, "features": 2, "datasets": 3, "models": 4, "instruments": 5,
    "explain": 6, "decisions": 7, "validation": 8, "testing": 9, "transparency": 9,
    "distributed": 10,
    "cli": 11, "__init__": 11,
}
MAX_LINES = 500


def _modules() -> dict[str, Path]:
    out = {}
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _package(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1:
        return "__init__"
    if len(parts) == 2 and not (ROOT / parts[1]).is_dir():
        return "cli" if parts[1] == "cli" or parts[1].startswith("_cli") else ""
    return parts[1]


def _imports(path: Path, module: str) -> list[tuple[str, int]]:
    """Every riskassess module imported anywhere in the file (except TYPE_CHECKING)."""
    tree = ast.parse(path.read_text())
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip.update(id(n) for n in ast.walk(node))
    found = []
    is_package = path.name == "__init__.py"
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            found += [(a.name, node.lineno) for a in node.names if a.name.startswith("riskassess")]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")
                anchor = anchor if is_package else anchor[:-1]
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            if base.startswith("riskassess"):
                found.append((base, node.lineno))
                found += [(f"{base}.{a.name}", node.lineno) for a in node.names
                          if f"{base}.{a.name}" in MODULES]
    return found


MODULES = _modules()


def _target(name: str) -> str:
    while name not in MODULES and "." in name:
        name = name.rsplit(".", 1)[0]
    return name


def test_no_import_goes_against_the_flow() -> None:
    bad = []
    for module, path in MODULES.items():
        mine = _package(module)
        for name, line in _imports(path, module):
            target = _target(name)
            theirs = _package(target)
            if theirs != mine and LAYERS[theirs] > LAYERS[mine]:
                bad.append(f"{path.relative_to(ROOT.parent)}:{line} imports {target}")
    assert not bad, "imports against the flow:\n" + "\n".join(sorted(bad))


def test_no_private_module_of_another_package_is_imported() -> None:
    bad = []
    for module, path in MODULES.items():
        mine = _package(module)
        for name, line in _imports(path, module):
            target = _target(name)
            parts = target.split(".")
            theirs = _package(target)
            private = any(p.startswith("_") for p in parts[1:])
            if private and theirs not in (mine, ""):
                bad.append(f"{path.relative_to(ROOT.parent)}:{line} imports {target}")
    assert not bad, "private modules reached across packages:\n" + "\n".join(sorted(bad))


def test_private_modules_do_not_import_their_own_package_init() -> None:
    bad = []
    for module, path in MODULES.items():
        if path.name == "__init__.py" or _package(module) in ("", "cli", "__init__"):
            continue
        package = ".".join(module.split(".")[:2])
        for name, line in _imports(path, module):
            if name == package:
                bad.append(f"{path.relative_to(ROOT.parent)}:{line} imports {package}")
    assert not bad, "\n".join(sorted(bad))


def test_no_import_cycles() -> None:
    graph = {m: {_target(n) for n, _ in _imports(p, m)} - {m} for m, p in MODULES.items()}
    # a package __init__ re-exporting its modules is not a cycle with them; a module
    # importing a *different* package's __init__ depends on everything it re-exports
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append([*stack[stack.index(nxt):], nxt] if nxt in stack else [node, nxt])
            elif nxt not in state:
                visit(nxt, [*stack, nxt])
        state[node] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m, [m])
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_module_is_small(module: str) -> None:
    n = len(MODULES[module].read_text().splitlines())
    assert n <= MAX_LINES, f"{module} has {n} lines (limit {MAX_LINES}): split it"
