"""Jupyter displays of an :class:`Assessment` and a :class:`FinalDecision`.

A notebook shows an object through its ``_repr_html_``; a terminal through ``__repr__``.
Both are built here, so :mod:`riskassess.decisions._records` only forwards to them.

What an officer must never see alone is a probability and a band without the cut points
that turned one into the other ("45% 2-year risk, band low" reads as alarming or
reassuring depending on them), so the band always comes with every band's range, and
the probability with the average case's probability against which the reasons are
measured.

The HTML is a fragment with inline styles only: no ``<style>`` element, so nothing can
leak into the rest of the notebook. The waterfall is an inline SVG (no matplotlib).

Examples
--------
>>> from datetime import UTC, date, datetime
>>> from riskassess.decisions import Assessment, ModelInfo
>>> a = Assessment(
...     case_id="C-1", assessment_date=date(2024, 3, 1), probability=0.45, band="low",
...     horizon_years=2, model=ModelInfo(
...         name="OGRS3", version="1", fingerprint="f" * 64, cut_points=(0.5, 0.75, 0.9),
...         band_labels=("low", "medium", "high", "very high")),
...     input_sha256="0" * 64, created_at=datetime(2024, 3, 1, tzinfo=UTC))
>>> assessment_repr(a)
"Assessment(case 'C-1', 2-year risk 45%, band 'low' (below 50%), model OGRS3)"
>>> band_ranges((0.5, 0.75, 0.9), ("low", "medium", "high", "very high"))[0]
('low', 'below 50%')
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from riskassess.decisions._parts import link_probability

# the band ranges are worded once, with the model display (models come before decisions)
from riskassess.models import band_ranges

if TYPE_CHECKING:  # pragma: no cover
    from riskassess.decisions._records import Assessment, FinalDecision

__all__ = ["assessment_html", "assessment_repr", "decision_html",
           "decision_repr", "secant", "waterfall_svg"]

#: Features drawn one by one in the waterfall; the rest are summed into one bar.
WATERFALL_FEATURES = 8

#: Longest a value is allowed to run inside a ``__repr__`` (ids are at most 64 characters).
_REPR_FIELD = 64

_BOX = ("font-family:system-ui,sans-serif;font-size:13px;line-height:1.4;max-width:720px;"
        "border:1px solid #ccc;border-radius:4px;padding:8px 12px")
_CELL = "padding:2px 8px;text-align:left;border-bottom:1px solid #eee"
_RAISE, _LOWER = "#c0392b", "#2471a3"


def _e(text: object) -> str:
    return html.escape(str(text))


def _percent(p: float) -> str:
    """A probability as an officer reads it: whole percent, "<1%" rather than "0%"."""
    if 0 < p < 0.005:
        return "less than 1%"
    if 0.995 < p < 1:
        return "more than 99%"
    return f"{p:.0%}"


def _band_range(a: Assessment) -> str | None:
    cuts, labels = a.model.cut_points, a.model.band_labels
    if cuts is None or labels is None:
        return None
    return dict(band_ranges(cuts, labels)).get(a.band)


def _risk_name(years: int | None) -> str:
    return f"{years}-year risk" if years is not None else "risk"


def _short(text: str) -> str:
    return text if len(text) <= _REPR_FIELD else text[: _REPR_FIELD - 1] + "…"


def assessment_repr(a: Assessment) -> str:
    """A one-line summary: case, probability, band with its range, model.

    Examples
    --------
    See the module docstring.
    """
    rng = _band_range(a)
    band = f"band {a.band!r}" + (f" ({rng})" if rng else "")
    return (f"Assessment(case {_short(a.case_id)!r}, {_risk_name(a.horizon_years)} "
            f"{_percent(a.probability)}, {band}, model {_short(a.model.name)})")


def decision_repr(d: FinalDecision) -> str:
    """A one-line summary: case, officer, model band and final band, override reason.

    Examples
    --------
    >>> from datetime import UTC, date, datetime
    >>> from riskassess.decisions import Assessment, ModelInfo
    >>> a = Assessment(
    ...     case_id="C-2", assessment_date=date(2024, 3, 1), probability=0.8, band="high",
    ...     model=ModelInfo(name="m", version="1", fingerprint="abc"),
    ...     input_sha256="0" * 64, created_at=datetime(2024, 3, 1, tzinfo=UTC))
    >>> decision_repr(a.decide("off-1", decided_at=datetime(2024, 3, 2, tzinfo=UTC)))
    "FinalDecision(case 'C-2', officer 'off-1', agreed: 'high', 2024-03-02 00:00 UTC)"
    """
    when = d.decided_at.strftime("%Y-%m-%d %H:%M UTC")
    if d.override:
        what = (f"override {d.model_band!r} -> {d.final_band!r} "
                f"({d.reason.value if d.reason else '?'})")
    else:
        what = f"agreed: {d.final_band!r}"
    return f"FinalDecision(case {_short(d.case_id)!r}, officer {_short(d.officer_id)!r}, " \
           f"{what}, {when})"


def secant(link: str, z0: float, dz: float) -> float:
    """``(p(z0 + dz) - p(z0)) / dz`` for the inverse link ``p``; ``p'`` at the midpoint
    when ``dz`` is too small to divide by.

    The plain-Python spelling of ``secant_slope`` in :mod:`riskassess.explain` (numpy,
    whole columns): a display converts one case and must not need numpy or shap.
    tests/decisions/test_waterfall_links.py holds the two equal.

    Examples
    --------
    >>> round(secant("logit", 0.0, 2.0), 4)  # (0.8808 - 0.5) / 2
    0.1904
    >>> secant("logit", 0.0, 0.0), secant("identity", 0.3, 0.2)
    (0.25, 1.0)
    """
    if link == "identity":
        return 1.0
    if abs(dz) > 1e-6:
        return (link_probability(link, z0 + dz) - link_probability(link, z0)) / dz
    z = z0 + dz / 2
    if link == "cloglog":  # p = 1 - exp(-exp(z))
        return math.exp(z - math.exp(z))
    mid = link_probability(link, z)
    return mid * (1 - mid)


def _waterfall_steps(a: Assessment) -> tuple[float, list[tuple[str, float]]] | None:
    """(average case's probability, [(label, change in probability)]) or None.

    Contributions are on the model's scale (log-odds, log cumulative hazard or
    probability); each is converted with the same per-case secant slope as the reasons
    use, so the steps add up exactly from the average case's probability to this case's.
    """
    e = a.explanation
    if e is None or not e.contributions:
        return None
    from riskassess.features import spec_of

    z0 = e.base_value
    total = sum(c.contribution for c in e.contributions)
    start = link_probability(e.link, z0)
    # one slope per case, so the steps add up exactly from the average case's probability
    # to this case's
    slope = secant(e.link, z0, total)
    ordered = sorted(e.contributions, key=lambda c: -abs(c.contribution))
    steps: list[tuple[str, float]] = []
    for c in ordered[:WATERFALL_FEATURES]:
        spec = spec_of(c.feature)
        steps.append(((spec.label if spec and spec.label else c.feature), slope * c.contribution))
    rest = ordered[WATERFALL_FEATURES:]
    if rest:
        steps.append((f"{len(rest)} other features",
                      slope * sum(c.contribution for c in rest)))
    return start, steps


def waterfall_svg(start: float, steps: Sequence[tuple[str, float]], *, width: int = 560,
                  row_height: int = 20) -> str:
    """An inline SVG waterfall from ``start`` through each step (probabilities).

    Parameters
    ----------
    start : float
        The average case's probability.
    steps : sequence of (str, float)
        Label and signed change in probability of each bar, in the order drawn.
    width, row_height : int
        Size in pixels.

    Returns
    -------
    str
        An ``<svg>`` element (no script, no external reference).

    Examples
    --------
    >>> svg = waterfall_svg(0.4, [("Age", -0.1), ("Previous sanctions", 0.25)])
    >>> svg.startswith("<svg") and svg.count("<rect") == 2
    True
    """
    label_w, value_w = 200, 70
    plot_w = width - label_w - value_w
    levels = [start]
    for _, d in steps:
        levels.append(levels[-1] + d)
    lo, hi = min(0.0, *levels), max(levels)
    hi = max(hi, lo + 1e-9)
    x = lambda p: label_w + plot_w * (p - lo) / (hi - lo)  # noqa: E731
    height = row_height * (len(steps) + 2)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'role="img" aria-label="waterfall of contributions to the probability" '
             f'style="font:12px system-ui,sans-serif">']

    def text(xpos: float, y: float, s: str, anchor: str = "start") -> str:
        return (f'<text x="{xpos:.1f}" y="{y:.1f}" text-anchor="{anchor}" '
                f'dominant-baseline="middle">{_e(s)}</text>')

    y = row_height / 2
    parts.append(text(label_w - 6, y, "average case", "end"))
    parts.append(f'<line x1="{x(start):.1f}" y1="2" x2="{x(start):.1f}" '
                 f'y2="{height - 2}" stroke="#999" stroke-dasharray="3,3"/>')
    parts.append(text(width - value_w + 6, y, _percent(start)))
    for i, (label, d) in enumerate(steps):
        y0 = row_height * (i + 1)
        a, b = sorted((levels[i], levels[i + 1]))
        colour = _RAISE if d > 0 else _LOWER
        parts.append(text(label_w - 6, y0 + row_height / 2, label, "end"))
        parts.append(f'<rect x="{x(a):.1f}" y="{y0 + 3}" width="{max(x(b) - x(a), 1):.1f}" '
                     f'height="{row_height - 6}" fill="{colour}"><title>{_e(label)}: '
                     f'{100 * d:+.1f} percentage points</title></rect>')
        parts.append(text(width - value_w + 6, y0 + row_height / 2, f"{100 * d:+.1f} pp"))
    y_end = row_height * (len(steps) + 1) + row_height / 2
    parts.append(text(label_w - 6, y_end, "this case", "end"))
    parts.append(text(width - value_w + 6, y_end, _percent(levels[-1])))
    parts.append("</svg>")
    return "".join(parts)


def _table(rows: Sequence[tuple[str, str]]) -> str:
    """Rows of (heading, already-escaped HTML)."""
    body = "".join(f'<tr><th style="{_CELL};font-weight:600">{_e(k)}</th>'
                   f'<td style="{_CELL}">{v}</td></tr>' for k, v in rows)
    return f'<table style="border-collapse:collapse;margin:4px 0">{body}</table>'


def _bands_html(a: Assessment) -> str:
    cuts, labels = a.model.cut_points, a.model.band_labels
    if cuts is None or labels is None:
        return f"<b>{_e(a.band)}</b> (the model's cut points were not recorded)"
    items = []
    for label, rng in band_ranges(cuts, labels):
        text = f"{_e(label)}: {_e(rng)}"
        items.append(f"<b>{text}</b>" if label == a.band else
                     f'<span style="color:#666">{text}</span>')
    horizon = a.model.band_horizon_years
    on = f" (on the {horizon}-year probability)" if horizon and horizon != a.horizon_years \
        else ""
    return f"<b>{_e(a.band)}</b>{on} &mdash; " + "; ".join(items)


def assessment_html(a: Assessment) -> str:
    """The assessment as an HTML fragment (inline styles only).

    Shows the probability per horizon, the band with every band's range, the average
    case's probability (and the training base rate when the model info records one),
    the reasons, warnings and a waterfall of the exact contributions.

    Examples
    --------
    >>> from datetime import UTC, date, datetime
    >>> from riskassess.decisions import Assessment, ModelInfo
    >>> a = Assessment(
    ...     case_id="C-1", assessment_date=date(2024, 3, 1), probability=0.45, band="low",
    ...     model=ModelInfo(name="OGRS3", version="1", fingerprint="f" * 64,
    ...                     cut_points=(0.5,), band_labels=("low", "medium")),
    ...     input_sha256="0" * 64, created_at=datetime(2024, 3, 1, tzinfo=UTC))
    >>> "low: below 50%" in assessment_html(a)
    True
    """
    risk = _risk_name(a.horizon_years)
    rows: list[tuple[str, str]] = [
        ("case", _e(a.case_id)), ("assessment date", _e(a.assessment_date.isoformat()))]
    shown = {h.years for h in a.probabilities}
    if a.horizon_years is None or a.horizon_years not in shown:
        rows.append((risk, f"<b>{_percent(a.probability)}</b>"))
    for h in a.probabilities:
        value = _percent(h.probability)
        rows.append((_risk_name(h.years), f"<b>{value}</b>" if h.years == a.horizon_years
                     else value))
    rows.append(("band", _bands_html(a)))
    steps = _waterfall_steps(a)
    if steps is not None:
        rows.append(("average case", f"{_percent(steps[0])} (the reasons are measured "
                                     "against it)"))
    base_rate = getattr(a.model, "base_rate", None)
    if isinstance(base_rate, float):
        rows.append(("training base rate", _percent(base_rate)))
    rows.append(("model", _e(f"{a.model.name} {a.model.version}")))
    parts = [f'<div class="riskassess-assessment" style="{_BOX}">',
             "<div style=\"font-weight:600\">Assessment: a recommendation, not a "
             "decision</div>", _table(rows)]
    if a.reasons:
        parts.append("<div style=\"font-weight:600\">Reasons</div><ol style=\"margin:2px 0\">")
        parts += [f"<li>{_e(r.text)}</li>" for r in a.reasons]
        parts.append("</ol>")
    if a.warnings:
        parts.append('<ul style="margin:2px 0;color:#8a4b00">')
        parts += [f"<li>{_e(w.message)}</li>" for w in a.warnings]
        parts.append("</ul>")
    if steps is not None:
        parts.append(f"<div style=\"font-weight:600\">Contributions to the {_e(risk)}"
                     "</div>")
        parts.append(waterfall_svg(*steps))
    parts.append("</div>")
    return "".join(parts)


def _status(d: FinalDecision) -> str:
    """Agreed / override, plus a countersignature state when the record carries one."""
    text = "override (" + (d.direction or "") + ")" if d.override else "agreed with the model"
    status = getattr(d, "status", None)
    if status == "pending":
        text += "; pending a supervisor's countersignature"
    elif isinstance(status, str) and status:
        text += f"; {status}"
    return text


def decision_html(d: FinalDecision) -> str:
    """The final decision as an HTML fragment (inline styles only).

    Examples
    --------
    >>> from datetime import UTC, date, datetime
    >>> from riskassess.decisions import Assessment, ModelInfo
    >>> a = Assessment(
    ...     case_id="C-2", assessment_date=date(2024, 3, 1), probability=0.8, band="high",
    ...     model=ModelInfo(name="m", version="1", fingerprint="abc"),
    ...     input_sha256="0" * 64, created_at=datetime(2024, 3, 1, tzinfo=UTC))
    >>> d = a.decide("off-1", "medium", reason="protective_factors",
    ...              rationale="Stable housing and full-time work since release.")
    >>> "Stable housing" in decision_html(d)
    True
    """
    rows: list[tuple[str, str]] = [
        ("case", _e(d.case_id)), ("decided by", _e(d.officer_id)),
        ("decided at", _e(d.decided_at.strftime("%Y-%m-%d %H:%M UTC"))),
        ("model band", _e(d.model_band)), ("final band", f"<b>{_e(d.final_band)}</b>"),
        ("status", _e(_status(d)))]
    if d.reason is not None:
        rows.append(("override reason", _e(d.reason.label)))
    if d.rationale:
        rows.append(("rationale", _e(d.rationale)))
    # fields of the safeguards (older records read back without them: None)
    for field in ("effective_date", "review_date"):
        value = getattr(d, field, None)
        if value is not None:
            rows.append((field.replace("_", " "), _e(value)))
    return (f'<div class="riskassess-decision" style="{_BOX}">'
            "<div style=\"font-weight:600\">Final decision (the officer's band is the final "
            f"one)</div>{_table(rows)}<details><summary>the assessment decided on</summary>"
            f"{assessment_html(d.assessment)}</details></div>")
