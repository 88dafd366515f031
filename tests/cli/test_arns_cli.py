"""``riskassess arns`` and the HMPPS predictors in ``riskassess assess``.

The command line is checked against the service's own fixtures (``../shared/data/arns``)
and, for ``assess``, against the exact decimal request path (:func:`score_request` on the
request :func:`case_to_request` writes), which shares no code with the float path the
command prints.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from riskassess.cli import main

FIXTURES = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "arns" / "fixtures"
KEYS = {"allReoffendingPredictor": "allPredictor",
        "violentReoffendingPredictor": "violentPredictor",
        "seriousViolentReoffendingPredictor": "seriousViolentPredictor"}


def _case(**index: Any) -> dict[str, Any]:
    return {
        "case_id": "C-ARNS-1", "assessment_date": "2024-03-01",
        "person": {"person_id": "P-ARNS-1", "date_of_birth": "1990-05-01", "sex": "male"},
        "index_offence": {"date": "2024-02-01", "disposal": "community", **index},
        "sanctions": [{"date": "2012-06-01", "kind": "caution", "offence_code": "11618"},
                      {"date": "2019-01-15", "kind": "conviction", "disposal": "custody",
                       "offence_code": "00501"}],
        "follow_up_start": "2024-02-01",
    }


def _fixtures() -> list[Path]:
    if not FIXTURES.is_dir():
        return []
    return sorted(FIXTURES.rglob("*.json"))


@pytest.mark.skipif(not FIXTURES.is_dir(), reason="../shared/data/arns (HMPPS's fixtures) is "
                    "not in this checkout; the conformance of score_request itself is tested "
                    "in tests/instruments")
@pytest.mark.parametrize("path", _fixtures(), ids=lambda p: p.stem)
def test_arns_command_prints_the_services_response(path: Path, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    # fixtures without assessmentDate reproduce only when "today" is at least 36 months after
    # their follow-up start (2021-12-12): tests/instruments/test_arns_request.py uses the same
    fixture = json.loads(path.read_text(encoding="utf-8"))
    request = tmp_path / "request.json"
    request.write_text(json.dumps(fixture["request"]), encoding="utf-8")
    assert main(["arns", str(request), "--today", "2026-01-01"]) == 0
    printed = json.loads(capsys.readouterr().out)
    key = KEYS[path.parent.name]
    expected = fixture["response"]
    got = printed[key]
    assert got["output"] == expected["output"]
    assert got["type"] == expected["type"]
    def errors(response: dict[str, Any]) -> list[tuple[Any, Any]]:
        return [(e.get("type"), e.get("fields")) for e in response["validationErrors"] or []]

    assert errors(got) == errors(expected)
    assert got["featureValues"].keys() == (expected["featureValues"] or {}).keys()
    for name, value in (expected["featureValues"] or {}).items():
        assert got["featureValues"][name] == pytest.approx(value, abs=1e-9), name


def test_assess_without_model_prints_all_three_predictors_as_the_request_path(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from riskassess.instruments.arns import case_to_request, score_request

    case = _case(offence_code="02700")
    path = tmp_path / "case.json"
    path.write_text(json.dumps(case), encoding="utf-8")
    assert main(["assess", "--case", str(path), "--format", "json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["assessment"] is None
    service = score_request(case_to_request(case))
    by_key = {"ARP": "allPredictor", "VRP": "violentPredictor",
              "SVRP": "seriousViolentPredictor"}
    assert [r["predictor"] for r in answer["predictors"]] == list(by_key)
    for row in answer["predictors"]:
        expected = service[by_key[row["predictor"]]]
        # the service rounds the percentage to 2 decimals (HALF_UP)
        assert round(row["probability"] * 100, 2) == pytest.approx(expected["output"]["score"],
                                                                   abs=0.0100001)
        assert row["band"].upper().replace(" ", "_") == expected["output"]["band"]
        assert row["form"].upper() == expected["type"]
    assert main(["assess", "--case", str(path)]) == 0
    text = capsys.readouterr().out
    for name in by_key:
        assert f"\n  {name} " in text
    assert "need items are not recorded: accommodation" in text


def test_assess_with_neither_model_nor_codes_names_the_field(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "case.json"
    path.write_text(json.dumps(_case(offence="burglary_domestic", kind="conviction",
                                     violent=False)), encoding="utf-8")
    assert main(["assess", "--case", str(path)]) == 3
    err = capsys.readouterr().err
    assert "C-ARNS-1" in err and "index_offence.offence_code" in err


@pytest.mark.parametrize("content", ["{not json", "[1, 2]", '{"gender": "MALE", "x": 1}'])
def test_arns_command_refuses_bad_requests_with_exit_3(
        content: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "request.json"
    path.write_text(content, encoding="utf-8")
    assert main(["arns", str(path)]) == 3
    assert str(path) in capsys.readouterr().err


def test_arns_command_refuses_a_folder_and_a_bad_date(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["arns", str(tmp_path)]) == 3
    assert "is a folder" in capsys.readouterr().err
    with pytest.raises(SystemExit) as stop:
        main(["arns", str(tmp_path), "--today", "31/12/2025"])
    assert stop.value.code == 2
