"""Options anywhere, help text on every option, a fast ``--help`` (issue 15), and every
sub-command's handler naming a function that exists.

``riskassess.cli`` imports a command's module only when the command runs, by name, so a
misspelt module or function would otherwise show only when a user runs that command.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import subprocess
import sys

import pytest

from riskassess import cli
from riskassess.cli import build_parser


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    out: dict[str, argparse.ArgumentParser] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                out[name] = sub
                out.update({f"{name} {k}": v for k, v in _subparsers(sub).items()})
    return out


@pytest.mark.parametrize("where", ["before", "after"])
def test_quiet_is_accepted_before_and_after_the_command(where: str) -> None:
    argv = ["fit", "--cohort", "500", "--out", "m.json"]
    argv = ["-q", *argv] if where == "before" else [*argv, "-q"]
    assert build_parser().parse_args(argv).quiet is True
    assert build_parser().parse_args(argv[1:] if where == "before" else argv[:-1]).quiet \
        is False


@pytest.mark.parametrize("command", ["demo", "fit", "assess", "validate", "schema",
                                     "example"])
def test_every_option_has_help_text(command: str) -> None:
    parser = _subparsers(build_parser())[command]
    assert parser.description, f"{command} has no description"
    missing = [a.option_strings or a.dest for a in parser._actions
               if not a.help or a.help == argparse.SUPPRESS]
    assert not missing, f"{command}: options without help: {missing}"


def test_starting_the_command_line_loads_nothing_heavy() -> None:
    """``riskassess --help`` stays fast because nothing heavy is imported to answer it."""
    code = ("import sys, riskassess.cli as cli\n"
            "try:\n    cli.main(['--help'])\nexcept SystemExit:\n    pass\n"
            "print(__import__('json').dumps(sorted(sys.modules)))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=True, env={**os.environ, "PYTHONWARNINGS": "ignore"})
    loaded = set(json.loads(proc.stdout.splitlines()[-1]))
    heavy = {"pandas", "numpy", "sklearn", "scipy", "pydantic", "matplotlib", "shap",
             "riskassess.exceptions"}
    assert not heavy & loaded, sorted(heavy & loaded)


COMMANDS = {name: sub.get_default("func") for name, sub in _subparsers(build_parser()).items()
            if sub.get_default("func") is not None}


def test_every_command_has_a_handler() -> None:
    assert set(COMMANDS) >= {"demo", "fit", "assess", "arns", "validate", "schema",
                             "example", "log verify", "log stats", "log pending"}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_lazy_handler_resolves(command: str) -> None:
    handler = COMMANDS[command]
    if not isinstance(handler, cli._Lazy):  # a handler written in cli.py itself
        assert callable(handler) and handler.__module__ == "riskassess.cli"
        return
    assert callable(getattr(importlib.import_module(handler.module), handler.function))
