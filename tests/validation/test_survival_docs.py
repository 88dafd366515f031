"""The examples of docs/validating-survival.md run (as docs/validating.md's do)."""

from __future__ import annotations

import doctest
import re
from pathlib import Path
from typing import Any

PAGE = Path(__file__).resolve().parents[2] / "docs" / "validating-survival.md"


def test_validating_survival_examples_run() -> None:
    blocks = re.findall(r"```pycon\n(.*?)```", PAGE.read_text(encoding="utf-8"), re.S)
    assert blocks, "docs/validating-survival.md has no runnable examples"
    parser = doctest.DocTestParser()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    namespace: dict[str, Any] = {}
    for i, block in enumerate(blocks):
        test = parser.get_doctest(block, namespace, f"validating-survival.md[{i}]",
                                  str(PAGE), 0)
        runner.run(test, clear_globs=False)
        namespace = test.globs  # carry names from one block to the next
    failed, attempted = runner.summarize(verbose=False)
    assert attempted > 0
    assert failed == 0, f"{failed} of {attempted} examples failed (see above)"
