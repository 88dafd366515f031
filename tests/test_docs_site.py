"""The documentation site (docs/) stays true to the code.

The site itself is built in CI by ``sphinx-build -W`` (see CONTRIBUTING.md); these tests
hold what a build does not check: every page is reachable, every API object a page names
exists, the public packages all have a reference page, the examples of the guides run,
the example case record is valid and each documented case rule is enforced, the
architecture page's layers are the ones tests/test_layout.py enforces, and the
generated command-line help is what the command prints.
"""

from __future__ import annotations

import copy
import doctest
import importlib
import importlib.util
import json
import os
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
PAGES = sorted(p for p in DOCS.rglob("*.md") if not {"_build", "_ext"} & set(p.parts))

#: Packages the API reference must cover (issue 15).
PUBLIC_PACKAGES = [
    "riskassess", "riskassess.cases", "riskassess.features", "riskassess.models",
    "riskassess.instruments", "riskassess.explain", "riskassess.decisions",
    "riskassess.validation", "riskassess.datasets", "riskassess.testing",
    "riskassess.distributed", "riskassess.exceptions", "riskassess.transparency",
]


def _load(path: Path, name: str) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _fences(text: str, language: str) -> list[str]:
    """Bodies of the fenced code blocks of one language (```language ... ```)."""
    return re.findall(rf"^```{re.escape(language)}[ \t]*\n(.*?)^```[ \t]*$", text,
                      flags=re.S | re.M)


# -- structure ------------------------------------------------------------------------


def test_every_page_is_in_a_toctree() -> None:
    listed: set[Path] = set()
    for page in PAGES:
        for body in _fences(page.read_text(encoding="utf-8"), "{toctree}"):
            for line in body.splitlines():
                entry = line.strip()
                if entry and not entry.startswith(":"):
                    listed.add((page.parent / f"{entry}.md").resolve())
    orphans = [str(p.relative_to(DOCS)) for p in PAGES
               if p.resolve() not in listed and p != DOCS / "index.md"]
    assert not orphans, f"pages in no toctree (unreachable from index.md): {orphans}"


def test_every_public_package_has_a_reference_page() -> None:
    documented = set()
    for page in (DOCS / "api").glob("*.md"):
        documented |= set(re.findall(r"^\.\. automodule:: (\S+)", page.read_text("utf-8"),
                                     flags=re.M))
    missing = sorted(set(PUBLIC_PACKAGES) - documented)
    assert not missing, f"public packages without an API page: {missing}"
    for name in sorted(documented):
        importlib.import_module(name)  # a page documenting a module that does not exist


def test_the_top_level_page_lists_every_re_export() -> None:
    import riskassess

    text = (DOCS / "api" / "index.md").read_text(encoding="utf-8")
    names = [n for n in riskassess.__all__ if not n.startswith("_")
             and not isinstance(getattr(riskassess, n), type(riskassess))]
    missing = [n for n in names if f"`ra.{n} <" not in text]
    assert not missing, f"docs/api/index.md does not list riskassess.{missing}"


_ROLE = re.compile(r"\{(?:mod|class|func|meth|data|attr|exc)\}`([^`]+)`")


def _resolve(target: str) -> object:
    """Import the longest module prefix of a dotted name, then walk the attributes."""
    parts = target.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj: object = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attr in parts[cut:]:
            obj = getattr(obj, attr)
        return obj
    raise ImportError(target)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(DOCS)))
def test_api_names_on_the_page_exist(page: Path) -> None:
    missing = []
    for ref in _ROLE.findall(page.read_text(encoding="utf-8")):
        target = ref.split("<", 1)[1].rstrip(">") if "<" in ref else ref
        try:
            _resolve(target.lstrip("~"))
        except (ImportError, AttributeError):
            missing.append(target)
    assert not missing, f"{page.name} names objects that do not exist: {missing}"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(DOCS)))
def test_links_to_other_pages_exist(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    broken = [link for link in re.findall(r"\]\(([^)#:]+\.md)(?:#[^)]*)?\)", text)
              if not (page.parent / link).exists()]
    assert not broken, f"{page.name} links to missing pages: {broken}"


# -- architecture ---------------------------------------------------------------------


def _architecture_layers() -> list[tuple[int, str]]:
    text = (DOCS / "architecture.md").read_text(encoding="utf-8")
    return [(int(n), name) for n, name in
            re.findall(r"^\| (\d+) \| `?([a-z_ ]+?)`? \|", text, flags=re.M)]


def test_architecture_layers_are_the_enforced_ones() -> None:
    enforced = _load(REPO / "tests" / "test_layout.py", "_layout_for_docs").LAYERS
    expected = {"root modules" if name == "" else name: n
                for name, n in enforced.items() if name != "__init__"}
    assert dict((name, n) for n, name in _architecture_layers()) == expected


def test_architecture_names_every_package() -> None:
    packages = {p.parent.name for p in (REPO / "riskassess").glob("*/__init__.py")}
    on_page = {name for _, name in _architecture_layers()}
    assert packages <= on_page, f"packages missing from docs/architecture.md: " \
                                f"{sorted(packages - on_page)}"


def test_extras_named_in_the_docs_exist() -> None:
    extras = set(tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))
                 ["project"]["optional-dependencies"])
    named = set()
    for page in PAGES:
        named |= set(re.findall(r"riskassess\[([a-z]+)\]", page.read_text("utf-8")))
    text = (DOCS / "architecture.md").read_text("utf-8")
    section = text.split("## Optional dependencies", 1)[1]
    named |= set(re.findall(r"`([a-z]+)` \(", section))
    assert named <= extras, f"extras named in docs/ but not in pyproject: {named - extras}"
    unnamed = extras - set(re.findall(r"`([a-z]+)` \(", section))
    assert not unnamed, f"extras missing from docs/architecture.md: {sorted(unnamed)}"


def test_notice_names_files_that_exist() -> None:
    notice = (REPO / "NOTICE").read_text(encoding="utf-8")
    paths = re.findall(r"riskassess/[\w/.-]+", notice)
    assert paths, "NOTICE names no shipped third-party material"
    missing = [p for p in paths if not (REPO / p.rstrip("./")).exists()]
    assert not missing, f"NOTICE names files that do not exist: {missing}"


# -- case records ---------------------------------------------------------------------


def _example_case() -> dict[str, Any]:
    blocks = _fences((DOCS / "cases.md").read_text(encoding="utf-8"), "json")
    assert len(blocks) == 1, "docs/cases.md should hold exactly one JSON example"
    return json.loads(blocks[0])


def test_the_example_case_is_valid() -> None:
    from riskassess.cases import Case

    case = Case.model_validate(_example_case())
    assert case.case_id == _example_case()["case_id"]


def _set(data: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    out = copy.deepcopy(data)
    *head, last = [int(p) if p.isdigit() else p for p in path.split(".")]
    node: Any = out
    for key in head:
        node = node[key]
    node[last] = value
    return out


#: One breach of each rule in the "Rules across fields" table of docs/cases.md:
#: (field changed, new value, field the error must name).
RULE_BREACHES = [
    ("assessment_date", "2999-01-01", "assessment_date"),
    ("person.date_of_birth", "1900-01-01", "person.date_of_birth"),
    ("index_offence.date", "2024-03-02", "index_offence.date"),
    ("sanctions.0.date", "1999-05-01", "sanctions.0.date"),  # aged 9
    ("sanctions.2.date", "2024-03-01", "sanctions.2.date"),  # on the assessment date
    ("sanctions.2.date", "2024-02-20", "sanctions.2.date"),  # after the index offence
    ("follow_up_start", "2024-01-01", "follow_up_start"),
    ("sanctions.1.disposal", None, "sanctions.1.disposal"),  # a conviction without one
    ("sanctions.0.disposal", "fine", "sanctions.0.disposal"),  # a caution with one
]


@pytest.mark.parametrize(("path", "value", "named"), RULE_BREACHES)
def test_each_documented_case_rule_is_enforced(path: str, value: Any, named: str) -> None:
    from riskassess.cases import Case

    example = _example_case()
    with pytest.raises(ValidationError) as info:
        Case.model_validate(_set(example, path, value))
    message = str(info.value)
    assert f"case {example['case_id']!r}" in message
    assert named in message


def test_every_rule_of_the_page_has_a_breach_above() -> None:
    text = (DOCS / "cases.md").read_text(encoding="utf-8")
    table = text.split("## Rules across fields", 1)[1].split("\n\n", 2)[1]
    rows = [line for line in table.splitlines() if line.startswith("| ") and "---" not in line]
    named_fields = {re.sub(r"\.\d+\.", ".N.", named) for _, _, named in RULE_BREACHES}
    for row in rows[1:]:  # after the header
        fields = set(re.findall(r"`([a-z_.N]+)`", row.split("|")[2]))
        assert fields & named_fields, f"no test breaks the rule: {row}"


def test_field_tables_list_every_field_of_every_record() -> None:
    from riskassess.cases import Case

    text = _load(DOCS / "_ext" / "docgen.py", "_docgen").case_field_tables()
    schema = Case.model_json_schema()
    records = {"Case": schema} | {k: v for k, v in schema.get("$defs", {}).items()
                                  if "properties" in v}
    for name, record in records.items():
        section = text.split(f"**`{name}`**", 1)[1].split("**`", 1)[0]
        for field in record["properties"]:
            assert f"| `{field}` |" in section, f"{name}.{field} missing from the table"


# -- command line ---------------------------------------------------------------------


def test_generated_help_is_what_the_command_prints() -> None:
    helps = _load(DOCS / "_ext" / "docgen.py", "_docgen").command_helps(width=80)
    progs = [prog for prog, _ in helps]
    assert progs[0] == "riskassess" and "riskassess log verify" in progs
    env = {**os.environ, "COLUMNS": "80"}
    for prog, text in (helps[0], helps[progs.index("riskassess log verify")]):
        args = [*prog.split()[1:], "--help"]
        printed = subprocess.run(
            [sys.executable, "-c", "import sys; from riskassess.cli import main; "
             "sys.exit(main(sys.argv[1:]))", *args],
            capture_output=True, text=True, env=env, cwd=REPO, timeout=120, check=True,
        ).stdout
        assert printed == text


def _subcommands(parser: Any) -> dict[str, Any]:
    import argparse

    for action in parser._actions:  # argparse exposes sub-parsers only this way
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(DOCS)))
def test_commands_named_in_the_docs_exist(page: Path) -> None:
    from riskassess.cli import build_parser

    text = page.read_text(encoding="utf-8")
    bad = []
    # complete command lines in shell blocks must parse (sub-commands and options)
    for block in _fences(text, "bash"):
        for line in block.splitlines():
            words = shlex.split(line, comments=True)
            if words[:1] == ["riskassess"]:
                try:
                    build_parser().parse_args(words[1:])
                except SystemExit:
                    bad.append(line.strip())
    # commands quoted inline: every sub-command word must exist
    for quoted in re.findall(r"`riskassess ([^`]+)`", text):
        parser = build_parser()
        for word in quoted.split():
            choices = _subcommands(parser)
            if word.startswith("-") or not choices:
                break
            if word not in choices:
                bad.append(f"riskassess {quoted}")
                break
            parser = choices[word]
    assert not bad, f"{page.name} shows commands the CLI does not accept: {bad}"


# -- guides ---------------------------------------------------------------------------


@pytest.mark.parametrize("page", ["validating.md", "validating-survival.md", "survival.md",
                                  "fairness.md", "interactions.md"])
def test_guide_examples_run(page: str) -> None:
    text = (DOCS / page).read_text(encoding="utf-8")
    blocks = _fences(text, "pycon")
    assert blocks, f"{page} has no runnable examples"
    parser = doctest.DocTestParser()
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    runner = doctest.DocTestRunner(optionflags=flags)
    namespace: dict[str, Any] = {}
    for i, block in enumerate(blocks):
        test = parser.get_doctest(block, namespace, f"{page}[{i}]", page, 0)
        runner.run(test, clear_globs=False)
        namespace = test.globs  # DocTest copies its globals: carry them to the next block
    failed, attempted = runner.summarize(verbose=False)
    assert attempted > 0
    assert failed == 0, f"{failed} of {attempted} examples of docs/{page} failed (see above)"
