"""The ``riskassess`` command line: demo end to end, fit/assess/validate, log tools, errors."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from riskassess.cli import EXIT_BAD_INPUT, EXIT_CHECK_FAILED, EXIT_OK, main


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "riskassess.cli", *args],
                          capture_output=True, text=True, timeout=600, check=False,
                          stdin=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("demo")
    proc = _run("demo", "--out", str(out), "--people", "4000", "--seed", "3")
    assert proc.returncode == EXIT_OK, proc.stderr
    return out, proc.stdout


def test_demo_writes_report_model_and_a_verified_log(demo_dir: tuple[Path, str]) -> None:
    out, stdout = demo_dir
    for name in ("validation_additive.html", "additive_model.json", "decisions.sqlite",
                 "model_card.md", "decisions.jsonl", "log.key", "receipts.jsonl"):
        assert (out / name).stat().st_size > 0, name
        assert str((out / name).resolve()) in stdout, f"demo does not say where {name} is"
    html = (out / "validation_additive.html").read_text(encoding="utf-8")
    assert "<img" in html or "<svg" in html, "report has no plots"
    assert "decision log ok (keyed: every MAC checked): 2 records" in stdout
    assert (out / "log.key").stat().st_mode & 0o077 == 0, "the log key is readable by others"
    lines = (out / "decisions.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2
    assert "overrode" in stdout and "agreed" in stdout


def test_log_verify_and_stats_on_the_demo_log(demo_dir: tuple[Path, str], capsys) -> None:
    out, _ = demo_dir
    assert main(["log", "verify", str(out / "decisions.sqlite"), "--key-file",
                 str(out / "log.key"), "--receipts", str(out / "receipts.jsonl")]) == EXIT_OK
    assert main(["log", "stats", str(out / "decisions.sqlite"), "--by", "band"]) == EXIT_OK
    text = capsys.readouterr().out
    assert "ok" in text and "override" in text


def test_log_verify_fails_with_exit_1_on_a_tampered_log(demo_dir: tuple[Path, str],
                                                       tmp_path: Path) -> None:
    out, _ = demo_dir
    copy = tmp_path / "copy.sqlite"
    copy.write_bytes((out / "decisions.sqlite").read_bytes())
    with sqlite3.connect(copy) as db:
        # an attacker with file access first removes the append-only triggers
        for (trigger,) in db.execute("select name from sqlite_master where type='trigger'")\
                .fetchall():
            db.execute(f"drop trigger {trigger}")
        tables = [r[0] for r in db.execute("select name from sqlite_master where type='table'")]
        table = next(t for t in tables if "decision" in t or "record" in t)
        cols = [r[1] for r in db.execute(f"pragma table_info({table})")]
        payload = next(c for c in cols if c in ("payload", "record", "json", "data", "body"))
        db.execute(f"update {table} set {payload} = replace({payload}, 'OFFICER-001', "
                   f"'OFFICER-009')")
    proc = _run("log", "verify", str(copy))
    assert proc.returncode == EXIT_CHECK_FAILED, proc.stdout + proc.stderr
    assert "TAMPERED" in proc.stdout


def test_fit_assess_validate_round_trip(demo_dir: tuple[Path, str], tmp_path: Path) -> None:
    from riskassess.datasets import make_cohort

    model = tmp_path / "m.json"
    assert main(["-q", "fit", "--model", "scorecard", "--cohort", "3000", "--out",
                 str(model)]) == EXIT_OK
    case = next(make_cohort(5, seed=11).cases())
    case_file = tmp_path / "case.json"
    case_file.write_text(case.model_dump_json(), encoding="utf-8")
    proc = _run("assess", "--model", str(model), "--case", str(case_file), "--format", "json")
    assert proc.returncode == EXIT_OK, proc.stderr
    answer = json.loads(proc.stdout)
    assessment = answer["assessment"]
    assert assessment["case_id"] == case.case_id
    assert 0.0 <= assessment["probability"] <= 1.0
    proc = _run("assess", "--model", str(model), "--case", str(case_file))
    assert proc.returncode == EXIT_OK and "reasons:" in proc.stdout
    report = tmp_path / "r.html"
    assert main(["-q", "validate", "--model", str(model), "--cohort", "3000", "--seed", "5",
                 "--bootstrap", "50", "--out", str(report)]) == EXIT_OK
    assert report.stat().st_size > 0


def test_bad_case_gives_exit_3_naming_case_and_field(demo_dir: tuple[Path, str],
                                                    tmp_path: Path) -> None:
    out, _ = demo_dir
    from riskassess.datasets import make_cohort

    case = json.loads(next(make_cohort(5, seed=2).cases()).model_dump_json())
    case["sanctions"] = [*case["sanctions"], {**case["index_offence"], "date": "2999-01-01"}]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(case), encoding="utf-8")
    proc = _run("assess", "--model", str(out / "additive_model.json"), "--case", str(bad))
    assert proc.returncode == EXIT_BAD_INPUT
    assert case["case_id"] in proc.stderr and "sanctions" in proc.stderr


def test_tampered_model_file_is_refused_with_exit_3(demo_dir: tuple[Path, str],
                                                   tmp_path: Path) -> None:
    out, _ = demo_dir
    text = (out / "additive_model.json").read_text(encoding="utf-8")
    tampered = tmp_path / "m.json"
    i = text.index('"intercept"')
    j = i + text[i:].index(",")
    tampered.write_text(text[:i] + '"intercept": 0.5' + text[j:], encoding="utf-8")
    proc = _run("assess", "--model", str(tampered), "--case", "-")
    assert proc.returncode == EXIT_BAD_INPUT
    assert "error" in proc.stderr.lower()


def test_missing_file_and_usage_errors(tmp_path: Path) -> None:
    assert _run("log", "verify", str(tmp_path / "nope.sqlite")).returncode == EXIT_BAD_INPUT
    assert _run("fit", "--out", "x.json").returncode == 2  # argparse: no data source
