"""Every sub-command's handler names a function that exists (the imports are lazy).

``riskassess.cli`` imports a command's module only when the command runs, by name, so a
misspelt module or function would otherwise show only when a user runs that command.
"""

from __future__ import annotations

import argparse
import importlib

import pytest

from riskassess import cli


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    out: dict[str, argparse.ArgumentParser] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                out[name] = sub
                out.update({f"{name} {k}": v for k, v in _subparsers(sub).items()})
    return out


COMMANDS = {name: sub.get_default("func") for name, sub in _subparsers(cli.build_parser()).items()
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
