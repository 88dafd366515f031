"""Rendering a :class:`ValidationReport`: JSON-ready dict, JSON text, self-contained HTML.

The HTML file embeds its plots as base64 PNG and its style inline, so it can be mailed or
archived as one file; it is written atomically (a temporary file in the same directory,
then :func:`os.replace`), so a reader never sees half a report.

Every rule of the report's style starts with its container's class (:data:`SCOPE`), so
the notebook fragment (``_repr_html_``) styles the report and nothing else on the page;
only the whole-page file adds a ``body`` rule.

Every fairness quantity is shown, whichever way it points, together with the trade-off
statement.
"""

from __future__ import annotations

import json
import math
from dataclasses import is_dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from riskassess._atomic import atomic_write_text

# the shared pieces (the survival section imports them from _html, not from here)
from riskassess.validation._html import _e, _est_row, _frame, _img
from riskassess.validation._metrics import Estimate

if TYPE_CHECKING:  # pragma: no cover
    from riskassess.validation._results import ValidationReport

__all__ = ["SCOPE", "clean", "incumbent_title", "report_to_dict", "report_to_html",
           "report_to_json"]

#: Class of the report's container; every style rule is scoped under it.
SCOPE = "riskassess-report"


def clean(obj: Any) -> Any:
    """Make ``obj`` JSON-ready: NaN and infinity become None, numpy scalars Python ones."""
    if isinstance(obj, pd.DataFrame):
        flat = obj if isinstance(obj.index, pd.RangeIndex) else obj.reset_index()
        return [clean(r) for r in flat.to_dict("records")]
    if isinstance(obj, Estimate):
        return clean(obj.to_dict())
    if is_dataclass(obj) and not isinstance(obj, type):
        return {k: clean(getattr(obj, k)) for k in obj.__dataclass_fields__}
    if isinstance(obj, dict):
        return {str(k): clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [clean(v) for v in obj]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def report_to_dict(report: ValidationReport) -> dict[str, Any]:
    """Everything in the report as plain JSON types."""
    cal = report.calibration
    fair = report.fairness
    out: dict[str, Any] = {
        "model": report.model_name,
        "n": report.n,
        "n_positive": report.n_positive,
        "base_rate": report.base_rate,
        "level": report.level,
        "n_bootstrap": report.n_bootstrap,
        "threshold": report.threshold,
        "bands": {"cut_points": list(report.bands.cut_points),
                  "labels": list(report.bands.labels)},
        "auc": report.auc,
        "auc_bootstrap": report.auc_bootstrap,
        "brier": report.brier,
        "calibration": {
            "observed_rate": cal.observed_rate,
            "mean_predicted": cal.mean_predicted,
            "in_the_large": cal.in_the_large,
            "observed_expected": cal.observed_expected,
            "slope": cal.recalibration.slope,
            "intercept": cal.recalibration.intercept,
            "recalibration_converged": cal.recalibration.converged,
            "by_decile": cal.by_decile,
            "by_band": cal.by_band,
        },
        "incumbent": report.incumbent,
        "fairness": None if fair is None else {
            "attribute": fair.attribute, "min_group_size": fair.min_group_size,
            "tolerance": fair.tolerance, "groups": fair.groups, "by_band": fair.by_band,
            "gaps": fair.gaps, "tradeoff": fair.tradeoff,
        },
        "survival": None if report.survival is None else {
            "summary": report.survival.summary(), "detail": report.survival},
        "stability": None if report.stability is None else {
            "value": report.stability.value,
            "interpretation": report.stability.interpretation,
            "binning": report.stability.binning, "note": report.stability.note,
            "table": report.stability.table,
        },
        "methods": report.methods,
        "notes": list(report.notes),
    }
    # validators' fairness parts (disparity, intersections, decision curve): one block,
    # built by _fairness_report, which owns their logic
    from riskassess.validation._fairness_report import parts_to_dict

    out.update(parts_to_dict(report))
    result: dict[str, Any] = clean(out)
    return result


def report_to_json(report: ValidationReport, indent: int | None = 2) -> str:
    """The report as JSON text (strict: no NaN literals)."""
    return json.dumps(report_to_dict(report), indent=indent, allow_nan=False)


_RULES = (
    ("", "font-family:system-ui,sans-serif;max-width:1100px;color:#222"),
    (" table", "border-collapse:collapse;margin:.5em 0 1.2em;font-size:.85em"),
    (" td, .{scope} th", "border:1px solid #ccc;padding:.2em .5em;text-align:right"),
    (" th", "background:#f3f3f3"),
    (" .statement", "background:#fff8e1;padding:.8em;border-left:4px solid #f0b400"),
    (" .note", "color:#8a4b00"),
    (" img", "max-width:100%"),
)
# a notebook page holds many outputs: an unscoped "table" or "img" rule would restyle them
_STYLE = "\n".join(f".{SCOPE}{sel.format(scope=SCOPE)}{{{rule}}}" for sel, rule in _RULES)
_PAGE_STYLE = "body{margin:2em auto;max-width:1100px}"


def incumbent_title(name: str) -> str:
    """How the report names the incumbent: "the incumbent (OGRS3)", or "the incumbent"
    when its scores came without a name (never "incumbent (incumbent)").

    Examples
    --------
    >>> incumbent_title("OGRS3"), incumbent_title("incumbent")
    ('the incumbent (OGRS3)', 'the incumbent')
    """
    return "the incumbent" if name.strip().lower() in ("", "incumbent", "scores") \
        else f"the incumbent ({name})"


def _plot(name: str, alt: str, *tables: pd.DataFrame) -> str:
    """An embedded plot, or a visible note when matplotlib is not installed."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return (f'<p class="note">[{_e(alt)}: plot omitted, matplotlib is not installed '
                "(pip install 'riskassess[plot]'); the table above has the same numbers]</p>")
    import riskassess.validation._plots as _plots

    return _img(getattr(_plots, name)(*tables), alt)


def _body(report: ValidationReport, plots: bool) -> list[str]:
    cal = report.calibration
    parts = [
        f"<h1>Validation report: {_e(report.model_name)}</h1>",
        f"<p>{report.n} cases, {report.n_positive} with the outcome (base rate "
        f"{report.base_rate:.1%}). Intervals at {report.level:.0%}. Predicted positive: "
        f"probability &ge; {report.threshold:g}. Bands: "
        f"{_e(', '.join(report.bands.labels))} at cut-points "
        f"{_e(', '.join(f'{c:g}' for c in report.bands.cut_points))}.</p>",
        "<h2>Discrimination and accuracy</h2><table>",
        _est_row("AUC", report.auc), _est_row("AUC (bootstrap)", report.auc_bootstrap),
        _est_row("Brier score", report.brier), "</table>",
        "<h2>Calibration</h2><table>",
        _est_row("observed minus mean predicted", cal.in_the_large),
        _est_row("observed / expected", cal.observed_expected),
        _est_row("calibration slope", cal.recalibration.slope),
        _est_row("calibration intercept", cal.recalibration.intercept), "</table>",
        "<h3>By decile of predicted risk</h3>", _frame(cal.by_decile),
        "<h3>By risk band</h3>", _frame(cal.by_band),
    ]
    if plots:
        parts.append(_plot("reliability_png", "reliability diagrams", cal.by_decile,
                           cal.by_band))
    inc = report.incumbent
    if inc is not None:
        parts += [
            f"<h2>Comparison with {_e(incumbent_title(inc.name))}</h2><table>",
            f"<tr><th>AUC, model</th><td>{inc.auc_model:.4f}</td></tr>",
            f"<tr><th>AUC, {_e(incumbent_title(inc.name).removeprefix('the '))}</th>"
            f"<td>{inc.auc_incumbent:.4f}</td></tr>",
            _est_row("difference (model minus incumbent)", inc.difference),
            f"<tr><th>p-value (equal AUC)</th><td>{inc.p_value:.3g}</td></tr></table>",
        ]
    fair = report.fairness
    if fair is not None:
        t = fair.tradeoff
        parts += [
            f"<h2>Fairness by {_e(fair.attribute)}</h2>",
            f'<p class="statement">{_e(t.statement)}</p>',
            "<table>",
            f"<tr><th>base rates differ</th><td>{t.base_rates_differ}</td></tr>",
            f"<tr><th>calibrated within groups</th><td>{t.calibrated_within_groups}</td></tr>",
            f"<tr><th>equal error rates</th><td>{t.equal_error_rates}</td></tr></table>",
            "<h3>Per group</h3>",
            _frame(fair.groups.drop(columns=["auc_variance"])),
            "<h3>Gaps between groups</h3>", _frame(fair.gaps, index=True),
            "<h3>Calibration by band within group</h3>", _frame(fair.by_band),
        ]
        if plots:
            parts.append(_plot("group_rates_png", "error rates by group", fair.groups))
    st = report.stability
    if st is not None:
        parts += [
            "<h2>Population stability</h2>",
            f"<p>PSI {st.value:.4f}: {_e(st.interpretation)} ({_e(st.binning)}). "
            "Below 0.10 stable; 0.10 to 0.25 moderate shift; above 0.25 major shift.</p>",
            _frame(st.table),
        ]
        if plots:
            parts.append(_plot("stability_png", "score distribution by cohort", st.table))
    if report.survival is not None:
        from riskassess.validation._survival_render import Html, survival_html

        parts += survival_html(report.survival, plots, Html(_est_row, _frame, _img))
    # validators' fairness parts: one block, built by _fairness_report
    from riskassess.validation._fairness_report import parts_to_html

    parts += parts_to_html(report)
    parts.append("<h2>Methods</h2><table>")
    parts += [f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in report.methods.items()]
    parts.append("</table>")
    if report.notes:
        parts.append("<h2>Notes</h2><ul>")
        parts += [f'<li class="note">{_e(n)}</li>' for n in report.notes]
        parts.append("</ul>")
    return parts


def report_to_html(
    report: ValidationReport, path: str | Path | None = None, *, plots: bool = True,
    fragment: bool = False,
) -> str:
    """HTML of the report; a whole page written atomically to ``path`` when given.

    ``fragment=True`` gives one ``<div class="riskassess-report">`` whose style applies
    inside it only (the notebook display); otherwise a whole page.
    """
    body = "\n".join(_body(report, plots))
    if fragment:
        return f'<div class="{SCOPE}"><style>{_STYLE}</style>{body}</div>'
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    page = (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>Validation report: {_e(report.model_name)}</title>"
        f"<style>{_PAGE_STYLE}\n{_STYLE}</style></head><body>\n<div class=\"{SCOPE}\">"
        f"{body}\n<p><small>Generated {stamp} by riskassess.</small></p></div>"
        "</body></html>\n"
    )
    if path is not None:
        atomic_write_text(path, page)
    return page
