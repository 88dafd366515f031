"""The notebooks in notebooks/: stored with clean outputs, and they run from any folder.

They are run here as a reader would run them in Jupyter: in a kernel started in an
unrelated working directory (not notebooks/), with the inline matplotlib backend (CI's
``MPLBACKEND=Agg`` is removed for the kernel, or no figure would show), so a notebook
that finds its data through the working directory, or shows a figure twice or not at
all, fails.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

nbformat = pytest.importorskip("nbformat", reason="notebook tests need the [test] extra")
nbclient = pytest.importorskip("nbclient", reason="notebook tests need the [test] extra")

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
NAMES = ["quickstart", "officer_workflow", "compas_reanalysis"]
#: Where the COMPAS notebook looks when RISKASSESS_COMPAS is not set (see its first cell).
SHARED_COMPAS = NOTEBOOKS.parents[1] / "shared" / "data" / "compas" / "compas-scores-two-years.csv"
#: Cells that draw one figure each, by notebook: (cell index, number of figures).
FIGURES = {"quickstart": {3: 1, 6: 1}}
#: What must never be left in a stored output: tracebacks, warnings, progress-bar noise.
NOISE = ("Traceback", "Warning", "IProgress", "tqdm", "%|")


def _compas_path() -> Path | None:
    given = os.environ.get("RISKASSESS_COMPAS")
    path = Path(given) if given else SHARED_COMPAS
    return path if path.is_file() else None


def _code_cells(notebook: Any) -> list[Any]:
    return [c for c in notebook.cells if c.cell_type == "code"]


def _images(cell: Any) -> int:
    return sum("image/png" in o.get("data", {}) for o in cell.get("outputs", []))


def _text(cell: Any) -> str:
    parts = []
    for o in cell.get("outputs", []):
        parts.append(o.get("text", ""))
        parts.append(o.get("data", {}).get("text/plain", ""))
        parts.extend(o.get("traceback", []))
    return "".join(parts)


def _stderr(cell: Any) -> str:
    return "".join(o.get("text", "") for o in cell.get("outputs", [])
                   if o.get("output_type") == "stream" and o.get("name") == "stderr")


def _check_outputs(name: str, notebook: Any) -> None:
    cells = _code_cells(notebook)
    counts = [c.get("execution_count") for c in cells]
    assert counts == list(range(1, len(cells) + 1)), f"{name}: not run top to bottom: {counts}"
    for i, cell in enumerate(cells):
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        assert not errors, f"{name} cell {i}: {errors}"
        noisy = [n for n in NOISE if n in _stderr(cell)]
        assert not noisy, f"{name} cell {i} prints {noisy} on stderr:\n{_stderr(cell)}"
        expected = FIGURES.get(name, {}).get(i, 0)
        assert _images(cell) == expected, (
            f"{name} cell {i} shows {_images(cell)} figure(s), expected {expected}")
    last = cells[-1]
    assert last.get("outputs"), f"{name}: the last cell has no output"


@pytest.mark.parametrize("name", NAMES)
def test_stored_notebook_has_clean_outputs(name: str) -> None:
    """The notebooks in the repository were run and saved with their outputs."""
    notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    _check_outputs(name, notebook)


@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_from_any_folder(name: str, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    if name == "compas_reanalysis":
        compas = _compas_path()
        if compas is None:
            pytest.skip(f"COMPAS data not found (RISKASSESS_COMPAS unset, no {SHARED_COMPAS})")
        monkeypatch.setenv("RISKASSESS_COMPAS", str(compas))
    monkeypatch.delenv("MPLBACKEND", raising=False)  # the kernel's inline backend, as in Jupyter
    elsewhere = tmp_path / "somewhere" / "else"
    elsewhere.mkdir(parents=True)
    monkeypatch.chdir(elsewhere)
    notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    client = nbclient.NotebookClient(notebook, timeout=600, kernel_name="python3",
                                     resources={"metadata": {"path": str(elsewhere)}})
    client.execute()
    _check_outputs(name, notebook)


def _find_compas() -> Any:
    """The notebook's own ``find_compas``, taken from its first code cell."""
    notebook = nbformat.read(NOTEBOOKS / "compas_reanalysis.ipynb", as_version=4)
    source = _code_cells(notebook)[0].source
    definitions = source[: source.index("\nCSV = find_compas()")]
    namespace: dict[str, Any] = {}
    exec(compile(definitions, "compas_reanalysis.ipynb", "exec"), namespace)
    return namespace["find_compas"]


def test_compas_notebook_says_where_it_looked(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    find_compas = _find_compas()
    monkeypatch.setenv("RISKASSESS_COMPAS", str(tmp_path / "missing.csv"))
    with pytest.raises(FileNotFoundError, match="RISKASSESS_COMPAS"):
        find_compas()
    present = tmp_path / "compas.csv"
    present.write_text("id\n", encoding="utf-8")
    monkeypatch.setenv("RISKASSESS_COMPAS", str(present))
    monkeypatch.chdir(tmp_path)
    assert find_compas() == present
