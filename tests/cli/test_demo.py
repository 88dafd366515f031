"""``riskassess demo`` never destroys an earlier run, and says what to do next (issue 15)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from riskassess._cli_demo import DEMO_FILES
from riskassess.cli import EXIT_BAD_INPUT, EXIT_OK, main


def _log_rows(path: Path) -> int:
    """Officer decisions in the log (a countersignature, when the demo's override needs
    one, is a record of another kind)."""
    with sqlite3.connect(path) as db:
        return int(db.execute("select count(*) from decisions where record like "
                              "'{\"assessment\":%'").fetchone()[0])


@pytest.mark.parametrize("present", ["decisions.sqlite", "report.html", ".hidden"])
def test_demo_refuses_a_folder_that_holds_files(present: str, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    kept = tmp_path / present
    kept.write_bytes(b"someone's work")
    assert main(["-q", "demo", "--out", str(tmp_path), "--people", "300"]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "--force" in err and present in err and "Traceback" not in err
    assert kept.read_bytes() == b"someone's work"
    assert sorted(p.name for p in tmp_path.iterdir()) == [present]


def test_demo_refuses_a_file_as_its_folder(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "out"
    target.write_text("x", encoding="utf-8")
    assert main(["demo", "--out", str(target)]) == EXIT_BAD_INPUT
    assert "is a file" in capsys.readouterr().err


def test_force_replaces_only_the_demo_files_and_the_demo_says_what_next(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "demo"
    assert main(["-q", "demo", "--out", str(out), "--people", "300", "--seed", "1"]) == EXIT_OK
    first = capsys.readouterr().out
    assert _log_rows(out / "decisions.sqlite") == 2
    (out / "notes.txt").write_text("keep me", encoding="utf-8")

    assert main(["demo", "--out", str(out), "--people", "300", "-q"]) == EXIT_BAD_INPUT
    assert _log_rows(out / "decisions.sqlite") == 2

    assert main(["demo", "--out", str(out), "--people", "300", "--seed", "2", "-q",
                 "--force"]) == EXIT_OK
    assert (out / "notes.txt").read_text(encoding="utf-8") == "keep me"
    assert _log_rows(out / "decisions.sqlite") == 2  # replaced, not appended to
    assert set(DEMO_FILES.values()) <= {p.name for p in out.iterdir()}

    # the summary ends with what to open and what to try, with commands that work
    tail = first[first.index("open next:"):]
    assert str(out / DEMO_FILES["report"]) in tail
    commands = [line.strip() for line in tail.splitlines()
                if line.strip().startswith("riskassess ")]
    assess = next(c for c in commands if c.startswith("riskassess assess"))
    assert main(assess.split()[1:]) == EXIT_OK
    assert "reasons:" in capsys.readouterr().out
    stats = next(c for c in commands if c.startswith("riskassess log stats"))
    assert main(stats.split()[1:]) == EXIT_OK
