"""Files the library writes get ordinary permissions and clear errors (issue 15)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from riskassess._atomic import atomic_write_bytes, atomic_write_text
from riskassess.exceptions import OutputPathError


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@settings(max_examples=20, deadline=None)
@given(umask=st.sampled_from([0o022, 0o002, 0o077, 0o027]))
def test_new_files_get_what_open_would_give(umask: int, tmp_path_factory) -> None:
    folder = tmp_path_factory.mktemp("modes")
    old = os.umask(umask)
    try:
        atomic_write_text(folder / "atomic.txt", "x")
        (folder / "plain.txt").write_text("x", encoding="utf-8")
    finally:
        os.umask(old)
    assert _mode(folder / "atomic.txt") == _mode(folder / "plain.txt") == 0o666 & ~umask


def test_a_replaced_file_keeps_its_permissions(tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o640)
    atomic_write_bytes(target, b"new")
    assert target.read_bytes() == b"new" and _mode(target) == 0o640


def test_report_card_and_model_get_the_same_permissions(cli_files: dict[str, Path]) -> None:
    """The demo's outputs, written through different writers, all look alike."""
    from riskassess.models import load_model, save_model

    model = load_model(cli_files["cohort_model"])
    save_model(model, cli_files["folder"] / "again.json")
    plain = cli_files["folder"] / "plain.txt"
    plain.write_text("x", encoding="utf-8")
    assert _mode(cli_files["folder"] / "again.json") == _mode(plain)


def test_a_missing_folder_is_named_without_the_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "missing" / "report.html"
    with pytest.raises(OutputPathError) as exc:
        atomic_write_text(target, "x")
    assert str(tmp_path / "missing") in str(exc.value) and ".tmp" not in str(exc.value)
    assert isinstance(exc.value, FileNotFoundError)
