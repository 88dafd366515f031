"""Sphinx directives and autodoc hooks of the riskassess documentation.

* ``case-fields``: the field tables of the case records (``Case`` and the records nested
  in it), built from ``Case.model_json_schema()`` when the site is built, so the page is
  the schema the code enforces rather than a copy of it.
* ``cli-help``: the ``--help`` text of the ``riskassess`` command and of every
  sub-command, as the parser prints it (80 columns), under a rubric per command.

Both run in the build's process; an import or generation failure is reported as a Sphinx
warning, which ``-W`` turns into a failed build. The text itself comes from
:mod:`docgen` (pure functions, tested without Sphinx).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from docgen import case_field_tables, command_helps, public_home
from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective


class CaseFieldsDirective(SphinxDirective):
    """``case-fields``: the generated field tables of the case records."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        try:
            text = case_field_tables()
        except Exception as exc:  # any failure must surface as a build warning
            return [self.state.document.reporter.warning(
                f"case-fields: cannot build the field tables: {exc!r}", line=self.lineno)]
        return self.parse_text_to_nodes(text)


class CliHelpDirective(SphinxDirective):
    """``cli-help``: a rubric and the ``--help`` text of every command."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        try:
            helps = command_helps()
        except Exception as exc:  # any failure must surface as a build warning
            return [self.state.document.reporter.warning(
                f"cli-help: cannot build the parser: {exc!r}", line=self.lineno)]
        out: list[nodes.Node] = []
        for prog, text in helps:
            rubric = nodes.rubric("", "")
            rubric += nodes.literal(prog, prog)
            rubric["ids"].append(nodes.make_id(prog))
            block = nodes.literal_block(text, text)
            block["language"] = "text"
            out += [rubric, block]
        return out


# -- autodoc hooks --------------------------------------------------------------------

_UNDERLINE = re.compile(r"^([-=~^])\1{2,}$")


def module_headings_to_rubrics(
    app: Sphinx, what: str, name: str, obj: Any, options: Any, lines: list[str]
) -> None:
    """Turn the section headings of a *module* docstring into rubrics.

    numpydoc rewrites the sections of class and function docstrings but leaves module
    docstrings alone, so their ``Examples`` / ``--------`` headings would become real
    document sections: every API page would then define the same "examples" target
    twice, and a heading whose underline is shorter than its title is a reST error. A
    rubric looks the same and defines no target.
    """
    if what != "module":
        return
    i = 0
    while i < len(lines) - 1:
        title, under = lines[i], lines[i + 1].strip()
        if (title.strip() and not title.startswith(" ") and _UNDERLINE.match(under)
                and (i == 0 or not lines[i - 1].strip())):
            lines[i : i + 2] = [f".. rubric:: {title.strip()}", ""]
        i += 1


#: sklearn generates ``set_fit_request``-style methods on every estimator class; their
#: docstrings point into sklearn's own glossary and say nothing about our models.
_SKLEARN_ROUTING = re.compile(r"^set_\w+_request$")

#: Modules that have an ``automodule`` somewhere in docs/api (filled when the build starts)
#: and the module whose members autodoc is documenting right now.
_DOCUMENTED: set[str] = set()
_CURRENT: dict[str, str] = {}


def find_documented_modules(app: Sphinx) -> None:
    """Record every module the API pages document (``.. automodule:: name``)."""
    _DOCUMENTED.clear()
    for page in (Path(app.srcdir) / "api").glob("*.md"):
        _DOCUMENTED.update(re.findall(r"^\.\. automodule:: (\S+)", page.read_text("utf-8"),
                                      flags=re.M))


def note_current_module(
    app: Sphinx, what: str, name: str, obj: Any, options: Any, lines: list[str]
) -> None:
    """Remember which module autodoc is on (its members are processed next)."""
    if what == "module":
        _CURRENT["module"] = name


def skip_generated_members(
    app: Sphinx, what: str, name: str, obj: Any, skip: bool, options: Any
) -> bool | None:
    """Leave out sklearn's metadata-routing setters, and names a package re-exports from
    another documented package (documented there, once: two descriptions of one object
    are a Sphinx error). The top-level ``riskassess`` page lists its re-exports as links,
    so it is never the home that takes a name away from a package."""
    if _SKLEARN_ROUTING.match(name):
        return True
    current = _CURRENT.get("module")
    if what == "module" and current:
        home = public_home(getattr(obj, "__module__", None))
        if home and home != current and home != "riskassess" and home in _DOCUMENTED:
            return True
    return None


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the directives and hooks (Sphinx extension entry point)."""
    app.add_directive("case-fields", CaseFieldsDirective)
    app.add_directive("cli-help", CliHelpDirective)
    app.connect("builder-inited", find_documented_modules)
    app.connect("autodoc-process-docstring", note_current_module)
    app.connect("autodoc-process-docstring", module_headings_to_rubrics)
    app.connect("autodoc-skip-member", skip_generated_members)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
