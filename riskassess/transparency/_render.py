"""Rendering of sectioned documents (explanation packs, impact assessments) to Markdown and HTML.

A document is a title, a status line and sections; a section is a heading and blocks; a
block is a paragraph (``str``) or a bullet list (``tuple`` of ``str``). All text is
escaped on the way out (:func:`~riskassess.transparency._facts.md_text` for Markdown,
:func:`html.escape` for HTML), so a rationale holding ``<script>`` is shown, never run.

Examples
--------
>>> print(to_markdown("T", "draft", [("S", ("para <b>", ("x", "y")))]))
# T
<BLANKLINE>
Status: draft.
<BLANKLINE>
## S
<BLANKLINE>
para &lt;b&gt;
<BLANKLINE>
- x
- y
<BLANKLINE>
>>> "<li>y</li>" in to_html("T", "draft", [("S", (("x", "y"),))])
True
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from riskassess.transparency._facts import md_text

__all__ = ["Block", "to_html", "to_markdown"]

Block = str | tuple[str, ...]


def to_markdown(title: str, status: str,
                sections: Sequence[tuple[str, Sequence[Block]]]) -> str:
    """The document as Markdown (every text escaped)."""
    lines = [f"# {md_text(title)}", "", f"Status: {md_text(status)}.", ""]
    for heading, blocks in sections:
        lines += [f"## {md_text(heading)}", ""]
        for block in blocks:
            if isinstance(block, tuple):
                lines += [f"- {md_text(item)}" for item in block] + [""]
            else:
                lines += [md_text(block), ""]
    return "\n".join(lines)


def _text(value: str) -> str:
    return html.escape(value, quote=True).replace("\n", "<br>")


def to_html(title: str, status: str, sections: Sequence[tuple[str, Sequence[Block]]],
            ids: Sequence[str] | None = None) -> str:
    """The document as a self-contained HTML page (every text escaped)."""
    body = [f"<h1>{_text(title)}</h1>", f"<p>Status: {_text(status)}.</p>"]
    for i, (heading, blocks) in enumerate(sections):
        anchor = f' id="{_text(ids[i])}"' if ids is not None else ""
        body.append(f"<section{anchor}><h2>{_text(heading)}</h2>")
        for block in blocks:
            if isinstance(block, tuple):
                body.append("<ul>" + "".join(f"<li>{_text(item)}</li>" for item in block)
                            + "</ul>")
            else:
                body.append(f"<p>{_text(block)}</p>")
        body.append("</section>")
    return ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f"<title>{_text(title)}</title></head><body>{''.join(body)}</body></html>\n")
