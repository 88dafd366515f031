"""Small HTML pieces every report section uses (escaping, tables, embedded images).

They live apart from :mod:`riskassess.validation._render` so that a section renderer
(e.g. the survival section) can use them without importing the report renderer that
calls it back, which would be an import cycle.

Examples
--------
>>> _e("<b>")
'&lt;b&gt;'
>>> _img("AAAA", "a plot")
'<img alt="a plot" src="data:image/png;base64,AAAA">'
"""

from __future__ import annotations

import html

import pandas as pd

from riskassess.validation._metrics import Estimate

__all__ = ["_e", "_est_row", "_frame", "_img"]


def _e(text: object) -> str:
    return html.escape(str(text))


def _frame(frame: pd.DataFrame, index: bool = False) -> str:
    return frame.to_html(index=index, na_rep="–", float_format=lambda v: f"{v:.4f}",
                         escape=True, border=0)


def _est_row(name: str, est: Estimate) -> str:
    return f"<tr><th>{_e(name)}</th><td>{_e(est)}</td></tr>"


def _img(b64: str, alt: str) -> str:
    return f'<img alt="{_e(alt)}" src="data:image/png;base64,{b64}">'
