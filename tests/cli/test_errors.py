"""Ordinary mistakes give a clear message and an exit code, never a traceback (issue 15).

Exit codes: 2 for a bad option value (argparse), 3 for bad input, with the file, the
case id and the field named.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from riskassess.cli import EXIT_BAD_INPUT, EXIT_USAGE, main


def _main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """Exit code and stderr of the command line run in this process."""
    try:
        code = main(list(args))
    except SystemExit as exc:  # argparse's usage errors
        code = int(exc.code or 0)
    err = capsys.readouterr().err
    assert "Traceback" not in err, err
    return code, err


def test_assess_with_a_model_fitted_on_compas_names_case_and_columns(
        cli_files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    model = cli_files["folder"] / "fitted_on_compas.json"
    assert main(["-q", "fit", "--compas", str(cli_files["compas_csv"]),
                 "--out", str(model)]) == 0
    case_id = json.loads(cli_files["case"].read_text())["case_id"]
    code, err = _main(capsys, "assess", "--model", str(model), "--case", str(cli_files["case"]))
    assert code == EXIT_BAD_INPUT
    assert case_id in err and "priors_count" in err and "--cohort" in err


def test_validate_on_compas_with_a_model_fitted_on_a_cohort(
        cli_files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    code, err = _main(capsys, "validate", "--model", str(cli_files["cohort_model"]),
                      "--compas", str(cli_files["compas_csv"]), "--bootstrap", "10",
                      "--out", str(cli_files["folder"] / "r.html"))
    assert code == EXIT_BAD_INPUT
    assert "previous_sanctions" in err and "fitted on other data" in err
    code, err = _main(capsys, "validate", "--model", str(cli_files["compas_model"]),
                      "--cohort", "200", "--bootstrap", "10",
                      "--out", str(cli_files["folder"] / "r.html"))
    assert code == EXIT_BAD_INPUT and "priors_count" in err


@pytest.mark.parametrize("kind", ["folder", "binary", "missing", "latin-1", "empty"])
def test_case_argument_that_is_not_a_case_file(kind: str, cli_files: dict[str, Path],
                                               tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "case.json"
    if kind == "folder":
        target.mkdir()
    elif kind == "binary":
        target.write_bytes(bytes(range(256)) * 4)
    elif kind == "latin-1":
        target.write_bytes('{"case_id": "C-\xe9"}'.encode("latin-1"))
    elif kind == "empty":
        target.write_bytes(b"")
    code, err = _main(capsys, "assess", "--model", str(cli_files["cohort_model"]),
                      "--case", str(target))
    assert code == EXIT_BAD_INPUT
    assert str(target) in err
    expected = {"folder": "folder", "binary": "binary", "missing": "no such file",
                "latin-1": "UTF-8", "empty": "not valid JSON"}[kind]
    assert expected in err


@pytest.mark.parametrize("argv", [
    ["demo", "--people", "0"], ["demo", "--people", "-5"], ["demo", "--people", "many"],
    ["fit", "--cohort", "0", "--out", "m.json"],
    ["validate", "--model", "m.json", "--cohort", "-1", "--out", "r.html"],
    ["validate", "--model", "m.json", "--cohort", "500", "--bootstrap", "0", "--out", "r"],
])
def test_counts_that_are_not_positive_are_usage_errors(
        argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, err = _main(capsys, *argv)
    assert code == EXIT_USAGE
    assert "expected a whole number of at least" in err


def _spoiled_case(case_data: dict, path: Path, kind: str) -> str:
    text = json.dumps(case_data)
    if kind == "deep":
        # valid JSON nested far beyond any case record (and beyond json's recursion limit)
        text = text[:-1] + ', "notes": ' + "[" * 100_000 + "]" * 100_000 + "}"
    elif kind == "moderately deep":
        text = text[:-1] + ', "notes": ' + "[" * 300 + "]" * 300 + "}"
    elif kind == "long number":
        text = text.replace('"sanctions"', '"score": ' + "9" * 5000 + ', "sanctions"', 1)
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("kind", ["deep", "moderately deep", "long number"])
def test_pathological_case_files(kind: str, case_data: dict, cli_files: dict[str, Path],
                                 tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    case_file = _spoiled_case(case_data, tmp_path / "case.json", kind)
    code, err = _main(capsys, "assess", "--model", str(cli_files["cohort_model"]),
                      "--case", case_file)
    assert code == EXIT_BAD_INPUT
    assert case_file in err
    if kind == "long number":
        assert case_data["case_id"] in err and "'score'" in err and "5000 digits" in err
    else:
        assert "nested" in err


def test_invalid_case_gives_one_clean_line_per_problem(
        case_data: dict, cli_files: dict[str, Path], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    case_data["person"]["sex"] = "x"
    case_data["colour"] = "red"
    n = len(case_data["sanctions"])
    case_data["sanctions"].append({"date": "2999-01-01", "kind": "caution", "disposal": None,
                                   "offence": "theft_non_motor", "violent": False})
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(case_data), encoding="utf-8")
    code, err = _main(capsys, "assess", "--model", str(cli_files["cohort_model"]),
                      "--case", str(bad))
    assert code == EXIT_BAD_INPUT
    for noise in ("[type=", "input_value", "errors.pydantic.dev", "For further information"):
        assert noise not in err, err
    problems = [line for line in err.splitlines() if line.startswith("  case ")]
    fields = {"person.sex", "colour", f"sanctions.{n}.date"}
    assert len(problems) == len(fields)
    for field in fields:
        lines = [p for p in problems if f"field {field!r}" in p]
        assert len(lines) == 1, err
        assert f"case {case_data['case_id']!r}" in lines[0]


@settings(max_examples=30, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5),
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=4), inner, max_size=3),
                    max_leaves=20))
def test_any_json_value_as_a_case_is_bad_input_not_a_crash(payload: object) -> None:
    """Whatever JSON a case file holds, assess answers 0 or 3, never with a traceback."""
    from riskassess._cli_input import CommandInputError, read_case_json_text
    from riskassess._cli_models import _validated_case

    try:
        read_case_json_text(json.dumps(payload), "case.json")
        _validated_case(payload)
    except CommandInputError as exc:
        assert str(exc) and "Traceback" not in str(exc)


def test_missing_output_folder_is_named_not_a_temporary_file(
        cli_files: dict[str, Path], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "no-such-folder"
    for argv in (["fit", "--cohort", "200", "--out", str(missing / "m.json")],
                 ["validate", "--model", str(cli_files["cohort_model"]), "--cohort", "200",
                  "--out", str(missing / "r.html")],
                 ["example", "case", "--out", str(missing / "case.json")]):
        code, err = _main(capsys, *argv)
        assert code == EXIT_BAD_INPUT, argv
        assert str(missing) in err and ".tmp" not in err


def test_the_installed_command_prints_no_traceback(cli_files: dict[str, Path],
                                                   tmp_path: Path) -> None:
    """The same through a real process: stderr has one message, the exit code is 3."""
    proc = subprocess.run([sys.executable, "-m", "riskassess.cli", "assess", "--model",
                           str(cli_files["cohort_model"]), "--case", str(tmp_path)],
                          capture_output=True, text=True, timeout=300, check=False,
                          env={**os.environ, "PYTHONWARNINGS": "ignore"})
    assert proc.returncode == EXIT_BAD_INPUT
    assert "Traceback" not in proc.stderr and "is a folder" in proc.stderr
