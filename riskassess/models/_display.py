"""Jupyter display of a transparent model or instrument: its tables and shape plots.

A fitted :class:`~riskassess.models.TransparentModel` *is* its lookup tables, so its
notebook display shows them: what it was fitted on (rows, base rate), its bands with
every band's range, one row per term (inputs, number of cells, the spread of its
contributions), and a shape plot per term drawn as inline SVG (no matplotlib, no
``<style>`` element: nothing leaks into the rest of the notebook). A scorecard adds its
points; an unfitted model says so and shows its parameters.

The band ranges are worded once, here (:func:`band_ranges`), and the assessment display
in :mod:`riskassess.decisions` reads them from here.

Examples
--------
>>> from riskassess.instruments import OGRS3
>>> html = model_html(OGRS3())
>>> "OGRS3" in html and "low: below 50%" in html
True
>>> band_ranges((0.5, 0.75, 0.9), ("low", "medium", "high", "very high"))[1]
('medium', '50% to below 75%')
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from riskassess.features import spec_of

__all__ = ["band_ranges", "model_html", "shape_svg"]

#: Terms drawn at most (the table lists them all); a dynamic ARNS form has 35.
MAX_PLOTS = 40

_BOX = ("font-family:system-ui,sans-serif;font-size:13px;line-height:1.4;max-width:900px;"
        "border:1px solid #ccc;border-radius:4px;padding:8px 12px")
_CELL = "padding:2px 8px;text-align:left;border-bottom:1px solid #eee"
_RAISE, _LOWER, _EMPTY = "#c0392b", "#2471a3", "#bbb"


def _e(text: object) -> str:
    return html.escape(str(text))


def _cut(c: float) -> str:
    # cut points such as 0.125 keep their decimals: rounding would misstate the band
    return f"{100 * c:.2f}".rstrip("0").rstrip(".") + "%"


def band_ranges(cut_points: Sequence[float], labels: Sequence[str]) -> list[tuple[str, str]]:
    """Each band with its range in words (``("low", "below 50%")``).

    A cut point belongs to the band above it, as in :class:`~riskassess.models.RiskBands`.

    Parameters
    ----------
    cut_points : sequence of float
        Increasing cut points in (0, 1).
    labels : sequence of str
        One more label than cut points, lowest risk first.

    Returns
    -------
    list of (str, str)
        ``(label, range)`` per band, lowest first.

    Examples
    --------
    >>> band_ranges((0.3,), ("lower", "higher"))
    [('lower', 'below 30%'), ('higher', '30% or more')]
    """
    cuts = list(cut_points)
    out = []
    for j, label in enumerate(labels):
        if not cuts:
            out.append((label, "any probability"))
        elif j == 0:
            out.append((label, f"below {_cut(cuts[0])}"))
        elif j == len(cuts):
            out.append((label, f"{_cut(cuts[-1])} or more"))
        else:
            out.append((label, f"{_cut(cuts[j - 1])} to below {_cut(cuts[j])}"))
    return out


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A table of already-escaped cells."""
    head = "".join(f'<th style="{_CELL};font-weight:600">{_e(h)}</th>' for h in header)
    body = "".join("<tr>" + "".join(f'<td style="{_CELL}">{c}</td>' for c in r) + "</tr>"
                   for r in rows)
    return (f'<table style="border-collapse:collapse;margin:4px 0"><tr>{head}</tr>'
            f"{body}</table>")


def _label(name: str) -> str:
    spec = spec_of(name)
    return spec.label if spec is not None and spec.label else name


def _term_label(term: Any) -> str:
    """The catalogue label of a term, else of its one input (OGRS3's ``copas_rate`` term
    reads ``copas_rate_at_index``), else its name."""
    if spec_of(term.name) is None and len(term.features) == 1:
        return _label(term.features[0])
    return _label(term.name)


def _runs(values: np.ndarray, counts: Sequence[float] | None) -> list[tuple[int, int]]:
    """(first, last) bin of each run of equal values: a monotone fit flattens long runs,
    and one bar per run keeps a 100-bin shape's SVG small."""
    runs: list[tuple[int, int]] = []
    for i in range(len(values)):
        empty = counts is not None and not counts[i] > 0
        if runs and values[i] == values[runs[-1][0]] and empty == (
                counts is not None and not counts[runs[-1][0]] > 0):
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    return runs


def shape_svg(labels: Sequence[str], values: Sequence[float],
              counts: Sequence[float] | None = None, *, width: int = 420,
              height: int = 120) -> str:
    """An inline SVG bar chart of one shape function (log-odds per bin).

    Bars go up (red) for bins that raise the risk and down (blue) for bins that lower it;
    bins no training case fell in are grey; neighbouring bins of equal value share one bar.
    Each bar's tooltip gives its bins and value.

    Parameters
    ----------
    labels : sequence of str
        Bin labels, in bin order.
    values : sequence of float
        Contribution (log-odds) of each bin.
    counts : sequence of float, optional
        Training count of each bin.
    width, height : int
        Size in pixels.

    Returns
    -------
    str
        An ``<svg>`` element (no script, no external reference).

    Examples
    --------
    >>> svg = shape_svg(["< 21", ">= 21", "missing"], [0.4, -0.2, 0.0], [10, 30, 0])
    >>> svg.count("<rect"), "&lt; 21" in svg
    (3, True)
    """
    v = np.asarray(values, dtype=float)
    n = len(v)
    top = max(float(v.max(initial=0.0)), 0.0)
    bottom = min(float(v.min(initial=0.0)), 0.0)
    span = (top - bottom) or 1.0
    pad = 14
    inner = height - 2 * pad
    zero = pad + inner * top / span
    step = (width - 2) / max(n, 1)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             'role="img" aria-label="shape function" style="font:10px system-ui,sans-serif">',
             f'<line x1="0" y1="{zero:.1f}" x2="{width}" y2="{zero:.1f}" stroke="#999"/>']
    for first, last in _runs(v, counts):
        value = float(v[first])
        empty = counts is not None and not counts[first] > 0
        colour = _EMPTY if empty else (_RAISE if value > 0 else _LOWER)
        h = inner * abs(value) / span
        y = zero - h if value > 0 else zero
        note = ", no training cases" if empty else ""
        label = labels[first] if first == last else f"{labels[first]} to {labels[last]}"
        parts.append(f'<rect x="{1 + first * step:.1f}" y="{y:.1f}" '
                     f'width="{max((last - first + 1) * step - 1, 0.5):.1f}" '
                     f'height="{max(h, 0.5):.1f}" fill="{colour}"><title>{_e(label)}: '
                     f"{value:+.3f}{_e(note)}</title></rect>")
    if n:
        parts.append(f'<text x="1" y="{height - 2}">{_e(labels[0])}</text>')
        parts.append(f'<text x="{width - 1}" y="{height - 2}" text-anchor="end">'
                     f"{_e(labels[-1])}</text>")
    parts.append(f'<text x="{width - 1}" y="10" text-anchor="end">log-odds {top:+.2f} / '
                 f"{bottom:+.2f}</text></svg>")
    return "".join(parts)


def _heat_svg(term: Any, *, cell: int = 14) -> str:
    """A two-axis term as a heat map (red raises, blue lowers)."""
    table = np.asarray(term.table, dtype=float)
    rows_lab, cols_lab = term.axes[0].labels(), term.axes[1].labels()
    peak = float(np.abs(table).max(initial=0.0)) or 1.0
    width, height = cell * table.shape[1] + 2, cell * table.shape[0] + 2
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             'role="img" aria-label="interaction table">']
    for i in range(table.shape[0]):
        for j in range(table.shape[1]):
            v = table[i, j]
            shade = int(255 * (1 - min(abs(v) / peak, 1.0)))
            fill = f"rgb(255,{shade},{shade})" if v > 0 else f"rgb({shade},{shade},255)"
            parts.append(f'<rect x="{1 + j * cell}" y="{1 + i * cell}" width="{cell - 1}" '
                         f'height="{cell - 1}" fill="{fill}"><title>{_e(rows_lab[i])} &amp; '
                         f"{_e(cols_lab[j])}: {v:+.3f}</title></rect>")
    parts.append("</svg>")
    return "".join(parts)


def _term_rows(form: Any) -> list[list[str]]:
    rows = [["(intercept)", "", "", "1", f"{form.intercept:+.3f}"]]
    for t in form.terms:
        inputs = ", ".join(t.features)
        if hasattr(t, "table"):
            table = np.asarray(t.table, dtype=float)
            kind = "shape" if table.ndim == 1 else "interaction"
            spread = f"{table.min():+.3f} to {table.max():+.3f}"
            cells = str(table.size)
        else:
            kind, cells, spread = "linear", "1", f"{t.coef:+.4g} per unit"
        rows.append([_e(t.name), _e(_term_label(t)), _e(f"{kind}: {inputs}"), cells, spread])
    return rows


def _plots(form: Any) -> list[str]:
    out = []
    for t in list(form.terms)[:MAX_PLOTS]:
        if not hasattr(t, "table"):
            continue
        table = np.asarray(t.table, dtype=float)
        if table.ndim == 1:
            counts = None if t.counts is None else np.asarray(t.counts).tolist()
            svg = shape_svg(t.axes[0].labels(), table.tolist(), counts)
        else:
            svg = _heat_svg(t)
        out.append(f'<div style="display:inline-block;margin:4px 12px 4px 0;'
                   f'vertical-align:top"><div>{_e(_term_label(t))}</div>{svg}</div>')
    return out


def _fitted(model: Any) -> bool:
    from sklearn.utils.validation import check_is_fitted

    try:
        check_is_fitted(model)
    except Exception:  # scikit-learn's NotFittedError (or ours, which subclasses it)
        return False
    return True


def _params(model: Any) -> str:
    params = model.get_params(deep=False)
    text = ", ".join(f"{k}={v!r}" for k, v in params.items())
    return _e(text if len(text) <= 400 else text[:399] + "…")


def _bands_line(model: Any) -> str:
    try:
        bands = model._bands()
    except Exception:  # a bad ``bands`` parameter: fit() reports it; the display must not
        return "bands: (invalid; fit() names the problem)"
    return "bands: " + "; ".join(f"{_e(label)}: {_e(rng)}"
                                 for label, rng in band_ranges(bands.cut_points, bands.labels))


def model_html(model: Any) -> str:
    """A transparent model as an HTML fragment: tables and shape plots (inline styles).

    Parameters
    ----------
    model : TransparentModel
        Fitted or not.

    Returns
    -------
    str
        One ``<div>``; no ``<style>`` or ``<script>`` element.

    Examples
    --------
    >>> from riskassess.models import AdditiveRiskClassifier
    >>> "not fitted" in model_html(AdditiveRiskClassifier())
    True
    """
    name = type(model).__name__
    head = f'<div class="riskassess-model" style="{_BOX}"><div style="font-weight:600">'
    if not _fitted(model):
        return (f"{head}{_e(name)} (not fitted: call fit(X, y) to see its tables)</div>"
                f"<div>parameters: {_params(model)}</div><div>{_bands_line(model)}</div>"
                "</div>")
    info = getattr(model, "training_info_", None) or {}
    fitted_on = ""
    if "n_rows" in info:
        rate = info.get("base_rate")
        fitted_on = (f" &mdash; fitted on {int(info['n_rows']):,} rows" + (
            f", base rate {rate:.1%}" if isinstance(rate, float) and math.isfinite(rate)
            else "") + (f", {_e(info['fitted_at'])}" if info.get("fitted_at") else ""))
    form = model.form_
    parts = [f"{head}{_e(name)}{fitted_on}</div>", f"<div>{_bands_line(model)}</div>",
             f"<div>parameters: {_params(model)}</div>",
             "<div style=\"font-weight:600;margin-top:6px\">Terms (log-odds; "
             "<code>model.to_frame()</code> has every cell)</div>",
             _table(["term", "label", "reads", "cells", "contribution"], _term_rows(form))]
    points = getattr(model, "points_frame", None)
    if callable(points):
        frame = points()
        parts.append("<details><summary>points of every bin</summary>"
                     + _table(list(frame.columns), [[_e(v) for v in r]
                                                    for r in frame.itertuples(index=False)])
                     + "</details>")
    plots = _plots(form)
    if plots:
        parts.append("<details open><summary>shape plots (red raises the risk, blue lowers "
                     "it, grey: no training cases)</summary>" + "".join(plots) + "</details>")
    parts.append("</div>")
    return "".join(parts)
