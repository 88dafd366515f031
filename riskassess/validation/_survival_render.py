"""The censored part of a validation report as HTML, and its calibration plot.

Called by :mod:`riskassess.validation._render` when the report carries a
:class:`~riskassess.validation.SurvivalValidation`; the renderer hands over its own table
and image helpers (:class:`Html`), so the two report sections format numbers one way and
this module does not import the renderer back. The plot is drawn on the figure helpers of
:mod:`riskassess.validation._plots`, so matplotlib is still imported there only.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from riskassess.validation import survival_validation
>>> rng = np.random.default_rng(0)
>>> p = rng.uniform(0.1, 0.5, 600)
>>> onset = rng.exponential(365.25 / -np.log1p(-p))
>>> y = pd.DataFrame({"event": onset <= 700, "time": np.minimum(onset, 700)})
>>> kit = Html(est_row=lambda name, est: f"<tr><th>{name}</th><td>{est}</td></tr>",
...           frame=lambda table: table.to_html(), img=lambda b64, alt: "")
>>> html = "".join(survival_html(survival_validation(p, None, y, horizons=1, n_bootstrap=0),
...                              plots=False, html=kit))
>>> "Time-dependent AUC" in html and "Kaplan-Meier" in html
True
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from riskassess.validation._metrics import Estimate
from riskassess.validation._plots import reliability_axes
from riskassess.validation._survival_calibration import HorizonCalibration
from riskassess.validation._survival_results import SurvivalValidation

__all__ = ["Html", "horizon_calibration_png", "survival_html"]


@dataclass(frozen=True)
class Html:
    """The report renderer's helpers: a row for an estimate, a table, an embedded image."""

    est_row: Callable[[str, Estimate], str]
    frame: Callable[[pd.DataFrame], str]
    img: Callable[[str, str], str]


def _km_axes(ax: Any, table: pd.DataFrame, title: str) -> None:
    # the reliability diagram, read against Kaplan-Meier rates (none where nobody is left)
    reliability_axes(ax, table[table["observed"].notna()], title,
                     label="1 - Kaplan-Meier (log-log CI)",
                     ylabel="observed rate (Kaplan-Meier)")


def horizon_calibration_png(calibration: HorizonCalibration) -> str:
    """Observed (Kaplan-Meier) against predicted by decile and by band, as base64 PNG.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from riskassess.validation import calibration_at_horizon
    >>> rng = np.random.default_rng(0)
    >>> p = rng.uniform(0.1, 0.9, 500)
    >>> onset = rng.exponential(365.25 / -np.log1p(-p))
    >>> y = pd.DataFrame({"event": onset <= 700, "time": np.minimum(onset, 700)})
    >>> horizon_calibration_png(calibration_at_horizon(y, p, 1)).startswith("iVBOR")
    True
    """
    from riskassess.validation._plots import _encode, _figure

    fig = _figure(9, 4)
    left, right = fig.subplots(1, 2)
    h = f"{calibration.horizon:g}-year"
    _km_axes(left, calibration.by_decile, f"{h} risk by decile")
    _km_axes(right, calibration.by_band, f"{h} risk by band")
    return _encode(fig)


def _plot(calibration: HorizonCalibration, html: Html) -> str:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return ('<p class="note">[calibration plot omitted, matplotlib is not installed '
                "(pip install 'riskassess[plot]'); the tables above have the same "
                "numbers]</p>")
    return html.img(horizon_calibration_png(calibration),
                    f"calibration at {calibration.horizon:g} years")


def survival_html(survival: SurvivalValidation, plots: bool, html: Html) -> list[str]:
    """HTML parts of the censored metrics: one table of metrics, calibration per horizon."""
    parts = [
        "<h2>Time-to-event validation (censored outcomes)</h2>",
        f"<p>{survival.n} cases, {survival.n_events} with a first proven reoffence during "
        f"follow-up (longest follow-up {survival.longest_follow_up_days:g} days). Every "
        "case counts, censored or not: cases and controls are weighted by the inverse "
        "probability of being still followed (IPCW).</p>",
        "<table>",
    ]
    for m in survival.horizons:
        h = f"{m.horizon:g} year(s)"
        parts += [html.est_row(f"Time-dependent AUC at {h}", m.auc),
                  html.est_row(f"Brier score (IPCW) at {h}", m.brier)]
    if survival.integrated_brier is not None:
        lo, hi = survival.ibs_years
        parts.append(html.est_row(f"Integrated Brier score, {lo:.3g} to {hi:g} years",
                              survival.integrated_brier))
    parts.append("</table>")
    parts.append(f"<p>Events by each horizon and controls (followed past it):</p>"
                 f"{html.frame(survival.summary()[['horizon', 'n_events', 'n_at_risk']])}")
    for m in survival.horizons:
        c = m.calibration
        level = f"{m.auc.level:.0%}"
        parts += [
            f"<h3>Calibration at {m.horizon:g} year(s) against Kaplan-Meier</h3>",
            f"<p>Observed {c.observed_rate:.1%} ({level} CI {c.observed_lower:.1%} to "
            f"{c.observed_upper:.1%}), mean predicted {c.mean_predicted:.1%}.</p>"
            if np.isfinite(c.observed_rate) else "<p>Observed rate undefined.</p>",
            "<h4>By risk band</h4>", html.frame(c.by_band),
            "<h4>By decile of predicted risk</h4>", html.frame(c.by_decile),
        ]
        if plots:
            parts.append(_plot(c, html))
    return parts
