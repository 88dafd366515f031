"""Report plots as base64 PNG strings (matplotlib is imported here, lazily, and only here
within :mod:`riskassess.validation`).

Figures are built with :class:`matplotlib.figure.Figure` directly (no pyplot, no global
state), so rendering is safe in servers and threads.

Examples
--------
>>> import pandas as pd
>>> t = pd.DataFrame({"bin": ["a", "b"], "n": [10, 10], "mean_predicted": [0.2, 0.7],
...                   "observed": [0.25, 0.6], "observed_lower": [0.1, 0.3],
...                   "observed_upper": [0.5, 0.85]})
>>> reliability_png(t, t).startswith("iVBOR")
True
"""

from __future__ import annotations

import base64
import io
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["group_rates_png", "reliability_png", "stability_png"]


def _figure(width: float, height: float) -> Any:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=96, layout="constrained")


def _encode(fig: Any) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return base64.b64encode(buf.getvalue()).decode("ascii")


def reliability_axes(ax: Any, table: pd.DataFrame, title: str, *,
                     label: str = "observed (Wilson CI)",
                     ylabel: str = "observed rate") -> None:
    """Observed against predicted, with the observed rates' intervals (the bins with cases).

    ``table`` has ``n``, ``mean_predicted``, ``observed``, ``observed_lower`` and
    ``observed_upper``; ``label`` names the observed rates and their interval."""
    t = table[table["n"] > 0]
    x = t["mean_predicted"].to_numpy(dtype=float)
    yv = t["observed"].to_numpy(dtype=float)
    err = np.vstack([yv - t["observed_lower"].to_numpy(dtype=float),
                     t["observed_upper"].to_numpy(dtype=float) - yv])
    ax.plot([0, 1], [0, 1], color="0.6", linestyle="--", linewidth=1, label="perfect")
    ax.errorbar(x, yv, yerr=err, fmt="o", capsize=3, label=label)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("mean predicted probability")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(loc="upper left", fontsize="small")


def reliability_png(by_decile: pd.DataFrame, by_band: pd.DataFrame) -> str:
    """Reliability diagrams by decile and by band, side by side."""
    fig = _figure(9, 4)
    left, right = fig.subplots(1, 2)
    reliability_axes(left, by_decile, "by decile of predicted risk")
    reliability_axes(right, by_band, "by risk band")
    return _encode(fig)


def group_rates_png(groups: pd.DataFrame) -> str:
    """FPR, FNR, PPV and selection rate per group with Wilson intervals."""
    metrics = [("fpr", "false positive rate"), ("fnr", "false negative rate"),
               ("ppv", "positive predictive value"), ("selection_rate", "selection rate")]
    fig = _figure(10, 1.2 + 0.45 * len(groups) * 2)
    axes = fig.subplots(1, len(metrics), sharey=True)
    pos = np.arange(len(groups))
    for ax, (m, title) in zip(axes, metrics, strict=True):
        v = groups[m].to_numpy(dtype=float)
        lo = v - groups[f"{m}_lower"].to_numpy(dtype=float)
        hi = groups[f"{m}_upper"].to_numpy(dtype=float) - v
        ax.errorbar(v, pos, xerr=np.vstack([lo, hi]), fmt="o", capsize=3)
        ax.set_xlim(0, 1)
        ax.set_title(title, fontsize="small")
        ax.grid(axis="x", alpha=0.3)
    axes[0].set_yticks(pos, [str(g) for g in groups["group"]])
    axes[0].set_ylim(-0.6, len(groups) - 0.4)
    return _encode(fig)


def stability_png(table: pd.DataFrame) -> str:
    """Reference and current shares per PSI bin."""
    fig = _figure(7, 3.5)
    ax = fig.subplots()
    pos = np.arange(len(table))
    ax.bar(pos - 0.2, table["reference_share"], width=0.4, label="reference")
    ax.bar(pos + 0.2, table["current_share"], width=0.4, label="current")
    ax.set_xticks(pos, [f"{i + 1}" for i in pos])
    ax.set_xlabel("bin (reference quantiles)")
    ax.set_ylabel("share of cases")
    ax.legend(fontsize="small")
    return _encode(fig)
