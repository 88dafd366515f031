"""The README's two set-up commands stay true: CI runs the same install and test steps."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _bash_blocks() -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    return [b.strip() for b in re.findall(r"```bash\n(.*?)```", text, flags=re.S)]


def _setup_commands() -> tuple[str, str]:
    blocks = [b for b in _bash_blocks() if b.startswith("python3 -m venv")]
    assert len(blocks) == 2, f"README must give exactly two set-up commands, found {blocks}"
    return blocks[0], blocks[1]


def test_main_job_command_runs_the_installed_demo() -> None:
    main_job, _ = _setup_commands()
    assert main_job.endswith("riskassess demo"), main_job
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["riskassess"] == "riskassess.cli:main"


def test_ci_runs_the_readme_test_command() -> None:
    _, test_cmd = _setup_commands()
    steps = [s.strip() for s in test_cmd.split("&&")]
    # the venv creation and activation are done by .ci/run in a temporary directory
    install, run = steps[-2], steps[-1]
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert install in ci, f"{install!r} not in .ci/run"
    ci_test = [line for line in ci.splitlines() if "pytest" in line and not line.startswith("#")]
    assert run in [line.strip() for line in ci_test], f"CI does not run {run!r}: {ci_test}"
    assert run == "pytest", "README test command must end in plain `pytest`"


def test_extras_named_in_readme_exist() -> None:
    extras = tomllib.loads((REPO / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    for block in _bash_blocks():
        for name in re.findall(r'\.\[([a-z,]+)\]', block):
            for extra in name.split(","):
                assert extra in extras, f"README names extra {extra!r} missing in pyproject"


def test_readme_python_example_runs(tmp_path, monkeypatch) -> None:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert blocks, "README has no python example"
    monkeypatch.chdir(tmp_path)
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {"__name__": "__readme__"})
    assert (tmp_path / "decisions.sqlite").exists()
