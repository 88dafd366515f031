"""What the library knows for a transparency document: read once from a report or model.

The ATRS record, the per-case explanation pack and the impact assessment skeletons all
state the same facts (performance, group metrics, inputs, protected characteristics), so
the sentences are written here once. Every number comes from the
:class:`~riskassess.validation.ValidationReport` or the model given; nothing is a default.

The text helpers escape free text for the two output formats: ``md_text`` for Markdown
(so a rationale holding ``<script>`` or ``[link](...)`` stays literal text when the
Markdown is rendered) and :func:`html.escape` for HTML.

Examples
--------
>>> md_text("a <b> [c](d) *e*")
'a &lt;b&gt; \\\\[c\\\\](d) \\\\*e\\\\*'
>>> equality_characteristic("age_first_sanction"), equality_characteristic("sex")
('age', 'sex')
>>> equality_characteristic("priors_count") is None
True
"""

from __future__ import annotations

import functools
import math
import re
from typing import Any

import pandas as pd

from riskassess.exceptions import TransparencyError
from riskassess.features import FEATURES, is_protected
from riskassess.validation import ModelCard, ValidationReport, model_card

__all__ = [
    "EQUALITY_ACT_CHARACTERISTICS",
    "check_report",
    "equality_characteristic",
    "fairness_lines",
    "fairness_rows",
    "input_table",
    "md_text",
    "pct",
    "performance_lines",
]

#: The nine protected characteristics of the Equality Act 2010, s.4.
EQUALITY_ACT_CHARACTERISTICS: tuple[str, ...] = (
    "age", "disability", "gender reassignment", "marriage and civil partnership",
    "pregnancy and maternity", "race", "religion or belief", "sex", "sexual orientation",
)

# Inline Markdown syntax: emphasis, code, links (a '[' escaped means no link or image can
# form, so parentheses may stay as they are), strikethrough and table cells.
_MD_INLINE = re.compile(r"([\\`*_\[\]~|])")
# Syntax that only acts at the start of a line: headings, quotes, lists, setext rules.
_MD_LINE_START = re.compile(r"^(\s*)([#>+=-])")
# An ordered-list marker: CommonMark escapes only punctuation, so the '.' or ')' is escaped.
_MD_LIST_NUMBER = re.compile(r"^(\s*\d+)([.)])")


def md_text(text: str) -> str:
    """Text made safe for Markdown: HTML-escaped and Markdown syntax backslashed.

    Used on everything the library did not write itself (officers' rationales, the
    deploying body's text, values from case records and group names from data), so it
    reads as the same text when the Markdown is rendered.

    Examples
    --------
    >>> md_text("Risk & <harm>")
    'Risk &amp; &lt;harm&gt;'
    >>> md_text("# not a heading\\n1. not a list")
    '\\\\# not a heading\\n1\\\\. not a list'
    """
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    # leading spaces would make a line indented code; Markdown drops them when rendering
    lines = [_MD_INLINE.sub(r"\\\1", line.lstrip()) for line in escaped.split("\n")]
    lines = [_MD_LIST_NUMBER.sub(r"\1\\\2", line) for line in lines]
    return "\n".join(_MD_LINE_START.sub(r"\1\\\2", line) for line in lines)


def pct(value: float) -> str:
    """A share as a percentage with one decimal ('undefined' when NaN).

    Examples
    --------
    >>> pct(0.3714), pct(float("nan"))
    ('37.1%', 'undefined')
    """
    return "undefined" if value is None or math.isnan(value) else f"{value:.1%}"


def check_report(report: object) -> ValidationReport:
    """Refuse anything but a ValidationReport, with a message saying how to get one.

    Examples
    --------
    >>> check_report("report.html")
    Traceback (most recent call last):
    ...
    riskassess.exceptions.TransparencyError: report must be a ValidationReport ...
    """
    if not isinstance(report, ValidationReport):
        raise TransparencyError(
            "report must be a ValidationReport (riskassess.validation.validate(model, X, y, "
            f"groups=...)), got {type(report).__name__}")
    return report


def performance_lines(report: ValidationReport) -> list[str]:
    """The validation summary in plain sentences (numbers from the report).

    Examples
    --------
    >>> import numpy as np
    >>> from riskassess.validation import validate
    >>> rng = np.random.default_rng(0)
    >>> p = rng.uniform(0.05, 0.95, 400)
    >>> lines = performance_lines(validate(p, y=(rng.random(400) < p).astype(int),
    ...                                    n_bootstrap=0))
    >>> lines[0]
    'Checked on 400 past cases, of which 204 had a proven reoffence (51.0%).'
    """
    # worded for the public; the model card (validation/_card.py) states the same numbers
    # in validators' terms, so the two lists look alike but are not one text
    cal = report.calibration
    lines = [
        f"Checked on {report.n} past cases, of which {report.n_positive} had a proven "
        f"reoffence ({pct(report.base_rate)}).",
        f"Ranking (AUC): {report.auc}. 0.5 is no better than chance and 1 is perfect; "
        "published reoffending tools reach about 0.70.",
        f"Accuracy of the probabilities (Brier score, lower is better): {report.brier}.",
        f"Calibration: {pct(cal.observed_rate)} of these cases reoffended against "
        f"{pct(cal.mean_predicted)} predicted on average; calibration slope "
        f"{cal.recalibration.slope} (1 is ideal).",
    ]
    inc = report.incumbent
    if inc is not None:
        lines.append(f"Compared with the tool in use before ({inc.name}) on the same cases: "
                     f"AUC {inc.auc_model:.3f} against {inc.auc_incumbent:.3f}.")
    lines.extend(report.notes)
    return lines


def fairness_rows(report: ValidationReport) -> list[dict[str, Any]]:
    """One dict per group of the report's fairness table (empty when no groups).

    Keys: ``group``, ``n``, ``small``, ``base_rate``, ``auc``, ``fpr``, ``fnr``, ``ppv``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from riskassess.validation import validate
    >>> rng = np.random.default_rng(1)
    >>> p = rng.uniform(0.05, 0.95, 400)
    >>> g = pd.Series(np.where(rng.random(400) < 0.5, "a", "b"), name="area")
    >>> [r["group"] for r in fairness_rows(validate(p, y=(rng.random(400) < p).astype(int),
    ...                                             groups=g, n_bootstrap=0))]
    ['a', 'b']
    """
    fairness = report.fairness
    return [] if fairness is None else _rows(fairness.groups)


def _rows(groups: pd.DataFrame) -> list[dict[str, Any]]:
    keys = ["group", "n", "small", "base_rate", "auc", "fpr", "fnr", "ppv"]
    # column lists, not to_dict("records"): the report's table has ~25 columns and the
    # records route costs ~10 ms per call on it, more than the rest of a pack together
    columns = {k: groups[k].tolist() for k in keys}
    return [{"group": str(columns["group"][i]), **{k: columns[k][i] for k in keys[1:]}}
            for i in range(len(groups))]


def fairness_lines(report: ValidationReport) -> list[str]:
    """The report's group metrics and trade-off as sentences.

    Examples
    --------
    >>> import numpy as np
    >>> from riskassess.validation import validate
    >>> rng = np.random.default_rng(0)
    >>> p = rng.uniform(0.05, 0.95, 300)
    >>> fairness_lines(validate(p, y=(rng.random(300) < p).astype(int), n_bootstrap=0))[0]
    'The validation given did not compare groups of people, so fairness was not checked.'
    """
    fairness = report.fairness
    if fairness is None:
        return ["The validation given did not compare groups of people, so fairness was "
                "not checked."]
    lines = [f"The tool was checked for each group of {fairness.attribute}:"]
    for row in _rows(fairness.groups):
        auc = "undefined" if row["auc"] is None or math.isnan(row["auc"]) else f"{row['auc']:.3f}"
        lines.append(
            f"{fairness.attribute} {row['group']}: {row['n']} cases; reoffence rate "
            f"{pct(row['base_rate'])}; AUC {auc}; wrongly flagged as higher risk (false "
            f"positive rate) {pct(row['fpr'])}; missed (false negative rate) "
            f"{pct(row['fnr'])}" + (" (a small group: these numbers are uncertain)"
                                     if row["small"] else "") + ".")
    lines.append(fairness.tradeoff.statement)
    return lines


@functools.lru_cache(maxsize=1024)  # pure in the name; every pack asks for every input
def equality_characteristic(feature: str) -> str | None:
    """The Equality Act characteristic an input is, or is derived from (None if none).

    An input whose name has the word ``age`` in it is age; ``sex`` or ``gender`` is sex;
    names :func:`riskassess.features.is_protected` recognises (race, religion, ...) are
    named as they are. An input whose documented meaning is computed from age (the Copas
    rate) is marked "derived from age".

    Examples
    --------
    >>> equality_characteristic("copas_rate"), equality_characteristic("race")
    ('derived from age', 'race')
    """
    words = set(re.split(r"[^a-z]+", feature.lower()))
    if "age" in words:
        return "age"
    if words & {"sex", "gender"}:
        return "sex"
    if is_protected(feature):
        return next((c for c in EQUALITY_ACT_CHARACTERISTICS if c.split()[0] in words),
                    feature)
    spec = FEATURES.get(feature)
    if spec is not None and re.search(r"\bage\b", spec.meaning):
        return "derived from age"
    return None


def input_table(model: Any, report: ValidationReport,
                card: ModelCard | None = None) -> pd.DataFrame:
    """The model's inputs: meaning, monotone constraint, card marking, Equality Act link.

    Read through :func:`riskassess.validation.model_card`, the one place that lists a
    model's inputs and marks protected and declared-sensitive ones (pass ``card`` when
    the caller has made it already).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from sklearn.linear_model import LogisticRegression
    >>> from riskassess.validation import validate
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame({"age": rng.integers(18, 70, 200), "sex": rng.integers(0, 2, 200)})
    >>> y = (rng.random(200) < 0.4).astype(int)
    >>> model = LogisticRegression().fit(X, y)
    >>> input_table(model, validate(model, X, y, n_bootstrap=0))["equality_act"].tolist()
    ['age', 'sex']
    """
    if card is None:
        card = model_card(model, report, intended_use="(not used)",
                          data_description="(not used)")
    table = card.features.copy()
    table["equality_act"] = [equality_characteristic(str(name)) for name in table.index]
    return table
