"""Escaped Markdown renders back to exactly the text it escaped (no markup, no links)."""

from __future__ import annotations

import html.parser

import pytest
from hypothesis import given
from hypothesis import strategies as st

from riskassess.transparency._facts import md_text

markdown_it = pytest.importorskip(
    "markdown_it", reason="rendering checks need markdown-it-py (in the test extra)")


class _Text(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.add(tag)

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def _rendered(markdown: str) -> _Text:
    parser = _Text()
    parser.feed(markdown_it.MarkdownIt("commonmark").enable("table")
                .enable("strikethrough").render(markdown))
    return parser


# one line of printable text: Markdown folds line breaks and edge spaces by design
LINE = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=(
    "Cs", "Cc", "Cf", "Zl", "Zp", "Zs")) | st.just(" "), min_size=1, max_size=80).map(
    str.strip).filter(bool)


@given(LINE)
def test_escaped_text_renders_as_itself_in_one_paragraph(text: str) -> None:
    page = _rendered(md_text(text))
    assert page.tags <= {"p"}
    # a browser collapses runs of spaces; compare what a reader sees
    assert " ".join("".join(page.parts).split()) == " ".join(text.split())


@given(st.lists(LINE | st.just(""), min_size=2, max_size=6).map("\n".join))
def test_escaped_lines_render_as_paragraphs_of_the_same_words(text: str) -> None:
    page = _rendered(md_text(text))
    assert page.tags <= {"p"}
    assert "".join(page.parts).split() == text.split()


@pytest.mark.parametrize("hostile", [
    "<script>alert(1)</script>", "[click](javascript:alert(1))", "![x](http://e/x.png)",
    "# heading", "> quote", "- item", "1. item", "**bold** _em_ `code`", "| a | b |",
    "~~gone~~", "<img src=x onerror=alert(1)>", "&lt; already an entity",
    "first line\n\n    indented code", "title\n===", "text\n---",
])
def test_hostile_markdown_stays_text(hostile: str) -> None:
    page = _rendered(md_text(hostile))
    assert page.tags <= {"p"}
    assert "".join(page.parts).split() == hostile.split()
