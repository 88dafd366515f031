"""The notebooks in notebooks/ execute top to bottom without error."""

from __future__ import annotations

from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat", reason="notebook tests need the [test] extra")
nbclient = pytest.importorskip("nbclient", reason="notebook tests need the [test] extra")

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
COMPAS = NOTEBOOKS.parents[1] / "shared" / "data" / "compas" / "compas-scores-two-years.csv"


@pytest.mark.parametrize("name", ["quickstart", "officer_workflow", "compas_reanalysis"])
def test_notebook_executes(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    if name == "compas_reanalysis" and not COMPAS.exists():
        pytest.skip(f"COMPAS data not found at {COMPAS} (a user's checkout has no ../shared)")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    client = nbclient.NotebookClient(notebook, timeout=600, kernel_name="python3",
                                     resources={"metadata": {"path": str(NOTEBOOKS)}})
    client.execute()
    errors = [o for c in notebook.cells if c.cell_type == "code"
              for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors, errors
    # every code cell ran
    assert all(c.get("execution_count") for c in notebook.cells if c.cell_type == "code")
