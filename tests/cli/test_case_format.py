"""``riskassess schema case`` and ``example case``, and where ``assess --help`` points."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from riskassess.cli import EXIT_OK, build_parser, main


def test_schema_case_is_the_case_json_schema(capsys: pytest.CaptureFixture[str]) -> None:
    from riskassess.cases import Case

    assert main(["schema", "case"]) == EXIT_OK
    assert json.loads(capsys.readouterr().out) == Case.model_json_schema()


def test_example_case_is_a_valid_case_written_to_a_file(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from riskassess.cases import Case

    target = tmp_path / "case.json"
    assert main(["example", "case", "--out", str(target)]) == EXIT_OK
    assert str(target.resolve()) in capsys.readouterr().out
    case = Case.model_validate(json.loads(target.read_text(encoding="utf-8")))
    # the example shows each kind of record a case system must send
    kinds = {s.kind.value for s in case.sanctions}
    assert {"conviction", "caution"} <= kinds and any(s.violent for s in case.sanctions)


def test_example_case_assesses(cli_files: dict[str, Path], tmp_path: Path,
                               capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["example", "case", "--out", str(tmp_path / "c.json")]) == EXIT_OK
    assert main(["assess", "--model", str(cli_files["cohort_model"]), "--case",
                 str(tmp_path / "c.json"), "--format", "json"]) == EXIT_OK
    text = capsys.readouterr().out  # after the line saying where the example was written
    out = json.loads(text[text.index("{"):])
    assert out["assessment"]["case_id"] == "C-EXAMPLE-1"
    # the example carries offence codes and need items: HMPPS's predictors, DYNAMIC
    assert [(p["predictor"], p["form"]) for p in out["predictors"]] == [
        ("ARP", "dynamic"), ("VRP", "dynamic"), ("SVRP", "dynamic")]


def test_assess_help_says_where_the_case_format_is(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["assess", "--help"])
    text = " ".join(capsys.readouterr().out.split())  # argparse wraps lines
    for pointer in ("docs/cases.md", "riskassess schema case", "riskassess example case"):
        assert pointer in text


def test_only_the_case_record_is_known() -> None:
    with pytest.raises(SystemExit) as exc:
        build_parser().parse_args(["schema", "decision"])
    assert exc.value.code == 2
