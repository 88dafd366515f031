"""Documentation generated from the code: pure functions, no Sphinx needed.

The Sphinx extension ``riskassess_docs`` (beside this file) renders these at build time,
and ``tests/test_docs_site.py`` checks them in the ordinary test environment, where
Sphinx is not installed.

* :func:`case_field_tables`: one Markdown table per case record, from
  ``Case.model_json_schema()``, the contract case systems code against;
* :func:`command_helps`: the ``--help`` text of ``riskassess`` and every sub-command,
  from the parser the command itself uses;
* :func:`public_home`: the public module an object belongs to.
"""

from __future__ import annotations

import argparse
import contextlib
import os
from collections.abc import Iterator
from typing import Any

# -- case records ---------------------------------------------------------------------

#: Order in which the records are tabulated: the case, then what it contains.
RECORD_ORDER = ("Case", "Person", "IndexOffence", "Sanction")


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def _type_text(prop: dict[str, Any], defs: dict[str, Any]) -> str:
    """A short, human reading of one JSON-schema property's type and constraints."""
    if "$ref" in prop:
        name = _ref_name(prop["$ref"])
        target = defs.get(name, {})
        if "enum" in target:
            values = ", ".join(f"`{v}`" for v in target["enum"])
            return f"one of {values}"
        return f"`{name}` record (below)"
    if "anyOf" in prop:
        options = [o for o in prop["anyOf"] if o.get("type") != "null"]
        text = " or ".join(_type_text(o, defs) for o in options)
        return f"{text}, or null" if len(options) < len(prop["anyOf"]) else text
    kind = prop.get("type")
    if kind == "array":
        items = _type_text(prop.get("items", {}), defs)
        return f"list of {items.replace(' record ', ' records ')}"
    if kind == "string" and prop.get("format") == "date":
        return "date, ISO `YYYY-MM-DD`"
    if kind == "string":
        parts = ["string"]
        if "minLength" in prop or "maxLength" in prop:
            parts.append(f"{prop.get('minLength', 0)}–{prop.get('maxLength', '∞')} characters")
        if "pattern" in prop:
            parts.append(f"matching `{prop['pattern']}`")
        return ", ".join(parts)
    if kind == "boolean":
        return "`true` or `false`"
    if kind in ("integer", "number"):
        bounds = [f"{op} {prop[key]}" for key, op in
                  (("minimum", "≥"), ("exclusiveMinimum", ">"), ("maximum", "≤"),
                   ("exclusiveMaximum", "<")) if key in prop]
        return " ".join([kind, *bounds])
    return str(kind or "any")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _presence(name: str, prop: dict[str, Any], required: set[str]) -> str:
    if name in required:
        return "required"
    if "default" in prop:
        default = prop["default"]
        shown = "null" if default is None else ("[]" if default == [] else f"`{default}`")
        return f"optional (default {shown})"
    return "optional"


def case_field_tables() -> str:
    """Markdown tables of every case record's fields, from ``Case.model_json_schema()``.

    Returns
    -------
    str
        One section per record (heading, description, table); records the schema holds
        beyond :data:`RECORD_ORDER` follow in alphabetical order.

    Examples
    --------
    >>> "| `case_id` | string" in case_field_tables()
    True
    """
    from riskassess.cases import Case

    schema = Case.model_json_schema()
    defs: dict[str, Any] = schema.get("$defs", {})
    records = {"Case": schema} | {k: v for k, v in defs.items() if "properties" in v}
    order = [r for r in RECORD_ORDER if r in records]
    order += sorted(set(records) - set(order))
    out = []
    for name in order:
        record = records[name]
        required = set(record.get("required", ()))
        out += [f"**`{name}`**: {_cell(record.get('description', ''))}", "",
                "| field | type | presence | meaning and rules |",
                "|---|---|---|---|"]
        for field, prop in record["properties"].items():
            out.append(f"| `{field}` | {_cell(_type_text(prop, defs))} | "
                       f"{_presence(field, prop, required)} | "
                       f"{_cell(prop.get('description', ''))} |")
        extra = "no other field is accepted" if record.get("additionalProperties") is False \
            else "other fields are accepted"
        out += ["", f"*{name}*: {extra}.", ""]
    return "\n".join(out)


# -- command line ---------------------------------------------------------------------


@contextlib.contextmanager
def _columns(width: int) -> Iterator[None]:
    """argparse wraps help at the terminal width it reads from ``COLUMNS``."""
    old = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = str(width)
    try:
        yield
    finally:
        if old is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = old


def command_helps(width: int = 80) -> list[tuple[str, str]]:
    """``(command, help text)`` for ``riskassess`` and every sub-command, depth first.

    Parameters
    ----------
    width : int, default 80
        Terminal width the help is wrapped to.

    Returns
    -------
    list of (str, str)
        E.g. ``("riskassess log verify", "usage: riskassess log verify ...")``.

    Examples
    --------
    >>> helps = dict(command_helps())
    >>> helps["riskassess log verify"].startswith("usage: riskassess log verify")
    True
    """
    from riskassess.cli import build_parser

    out: list[tuple[str, str]] = []

    def walk(parser: argparse.ArgumentParser) -> None:
        out.append((parser.prog, parser.format_help()))
        for action in parser._actions:  # argparse exposes sub-parsers only this way
            if isinstance(action, argparse._SubParsersAction):
                for sub in dict.fromkeys(action.choices.values()):  # aliases once
                    walk(sub)

    with _columns(width):
        walk(build_parser())
    return out


# -- objects --------------------------------------------------------------------------


def public_home(module: str | None) -> str | None:
    """The public module an object belongs to: its module without the private parts.

    Examples
    --------
    >>> public_home("riskassess.instruments.arns._models")
    'riskassess.instruments.arns'
    """
    if not module:
        return None
    parts = module.split(".")
    while parts and parts[-1].startswith("_"):
        parts.pop()
    return ".".join(parts) or None
