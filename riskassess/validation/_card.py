"""Model card (Mitchell et al. 2019) from a fitted model and its validation report.

The card states the data, the intended use, every input feature (protected
characteristics and declared sensitive inputs such as sex marked), performance, fairness
with the trade-off the model makes, and limitations in plain language.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from sklearn.linear_model import LogisticRegression
>>> from riskassess.validation import validate
>>> rng = np.random.default_rng(0)
>>> X = pd.DataFrame({"age": rng.integers(18, 70, 400), "sex": rng.integers(0, 2, 400)})
>>> y = (rng.random(400) < 1 / (1 + np.exp((X["age"] - 35) / 10))).astype(int)
>>> model = LogisticRegression().fit(X, y)
>>> card = model_card(model, validate(model, X, y, n_bootstrap=0),
...                   intended_use="Demonstration only.", data_description="Synthetic.")
>>> card.features.loc["sex", "marking"]
'declared sensitive input'
>>> "## Limitations" in card.to_markdown()
True
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from riskassess._atomic import atomic_write_text
from riskassess.exceptions import UnsupportedModelError
from riskassess.features import FEATURES, is_protected
from riskassess.models import input_names
from riskassess.validation._render import incumbent_title
from riskassess.validation._results import ValidationReport

__all__ = ["DECLARED_SENSITIVE", "ModelCard", "model_card"]

#: Inputs that are not protected characteristics but that a card must flag when used.
DECLARED_SENSITIVE: frozenset[str] = frozenset({"sex", "gender"})


@dataclass(frozen=True)
class ModelCard:
    """A model card; render with :meth:`to_markdown` or :meth:`to_html`.

    Make one with :func:`model_card`.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from sklearn.linear_model import LogisticRegression
    >>> from riskassess.validation import validate
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame({"age": rng.integers(18, 70, 300), "priors": rng.poisson(2, 300)})
    >>> y = (rng.random(300) < 1 / (1 + np.exp((X["age"] - 35) / 10))).astype(int)
    >>> model = LogisticRegression().fit(X, y)
    >>> card = model_card(model, validate(model, X, y, n_bootstrap=0), name="demo",
    ...                   intended_use="Demonstration only.", data_description="Synthetic.")
    >>> card.to_markdown().splitlines()[:5]
    ['# Model card: demo', '', 'Model type: LogisticRegression', '', '## Intended use']
    >>> import tempfile
    >>> from pathlib import Path
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     page = card.to_html(Path(tmp) / "card.html")
    ...     print((Path(tmp) / "card.html").read_text() == page, "<h2>Fairness</h2>" in page)
    True True
    """

    name: str
    model_type: str
    intended_use: str
    data_description: str
    features: pd.DataFrame
    performance: tuple[str, ...]
    fairness: tuple[str, ...]
    limitations: tuple[str, ...]

    def to_markdown(self) -> str:
        """The card as Markdown."""
        feats = self.features.reset_index()
        head = "| " + " | ".join(feats.columns) + " |"
        rule = "|" + "---|" * len(feats.columns)
        rows = ["| " + " | ".join(str(v).replace("|", "/") for v in r) + " |"
                for r in feats.itertuples(index=False)]
        bullets = lambda items: "\n".join(f"- {s}" for s in items) or "- (none)"  # noqa: E731
        return "\n".join([
            f"# Model card: {self.name}", "", f"Model type: {self.model_type}", "",
            "## Intended use", "", self.intended_use, "",
            "## Data", "", self.data_description, "",
            "## Features", "", head, rule, *rows, "",
            "## Performance", "", bullets(self.performance), "",
            "## Fairness", "", bullets(self.fairness), "",
            "## Limitations", "", bullets(self.limitations), "",
        ])

    def _body(self) -> str:
        e = html.escape
        lis = lambda items: "".join(f"<li>{e(s)}</li>" for s in items)  # noqa: E731
        return (
            f"<h1>Model card: {e(self.name)}</h1><p>Model type: {e(self.model_type)}</p>"
            f"<h2>Intended use</h2><p>{e(self.intended_use)}</p>"
            f"<h2>Data</h2><p>{e(self.data_description)}</p>"
            f"<h2>Features</h2>{self.features.to_html(escape=True, border=0)}"
            f"<h2>Performance</h2><ul>{lis(self.performance)}</ul>"
            f"<h2>Fairness</h2><ul>{lis(self.fairness)}</ul>"
            f"<h2>Limitations</h2><ul>{lis(self.limitations)}</ul>"
        )

    def to_html(self, path: str | Path | None = None) -> str:
        """The card as a self-contained HTML page (written atomically to ``path``)."""
        page = (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
                f"<title>Model card: {html.escape(self.name)}</title></head><body>"
                f"{self._body()}</body></html>\n")
        if path is not None:
            atomic_write_text(path, page)
        return page

    def _repr_html_(self) -> str:
        # a notebook output is part of a page: one <div>, no <html>, <head> or <title>
        return f'<div class="riskassess-model-card">{self._body()}</div>'

    def __repr__(self) -> str:
        return (f"ModelCard({self.name!r}, {self.model_type}, {len(self.features)} features, "
                f"{len(self.limitations)} limitations)")


def _feature_names(model: Any) -> list[str]:
    names = input_names(model)
    if names is None:
        raise UnsupportedModelError(f"{type(model).__name__} has no feature_names_in_ or "
                                    "form_: fit it on a DataFrame so its inputs can be listed")
    return names


def _features_table(model: Any) -> pd.DataFrame:
    fitted_dirs = getattr(model, "monotone_", None) or {}
    allowed = set(getattr(model, "allow_protected", ()) or ())
    rows = []
    for name in _feature_names(model):
        spec = FEATURES.get(name)
        if is_protected(name):
            marking = ("protected characteristic, explicitly allowed" if name in allowed
                       else "protected characteristic")
        elif name.lower() in DECLARED_SENSITIVE:
            marking = "declared sensitive input"
        else:
            marking = ""
        direction = fitted_dirs.get(name, spec.monotone if spec else 0)
        rows.append({
            "feature": name,
            "meaning": spec.meaning if spec else "(undocumented)",
            "monotone": {1: "risk never falls as it rises", -1: "risk never rises as it rises",
                         0: "no constraint"}[int(direction)],
            "marking": marking,
        })
    return pd.DataFrame(rows).set_index("feature")


def _performance(report: ValidationReport) -> list[str]:
    cal = report.calibration
    out = [
        f"Validated on {report.n} cases, {report.n_positive} with the outcome "
        f"(base rate {report.base_rate:.1%}).",
        f"Discrimination: AUC {report.auc}. An AUC of 0.5 is chance; published tools on "
        "reoffending data reach about 0.70.",
        f"Brier score {report.brier}.",
        f"Calibration: observed {cal.observed_rate:.1%} against mean predicted "
        f"{cal.mean_predicted:.1%}; slope {cal.recalibration.slope}; intercept "
        f"{cal.recalibration.intercept}.",
    ]
    inc = report.incumbent
    if inc is not None:
        out.append(f"Against {incumbent_title(inc.name)} on the same people: AUC "
                   f"{inc.auc_model:.3f} vs {inc.auc_incumbent:.3f}, difference "
                   f"{inc.difference}.")
    if report.stability is not None:
        out.append(f"Population stability index against the reference cohort: "
                   f"{report.stability.value:.3f} ({report.stability.interpretation}).")
    return out


def _limitations(model: Any, report: ValidationReport, table: pd.DataFrame) -> list[str]:
    out = [
        "It predicts recorded reoffending (a new proven offence in the follow-up), not "
        "offending: recorded outcomes depend on policing and prosecution, which differ "
        "between places and groups.",
        "It is decision support: the officer's judgement is final, and an override is "
        "recorded with its reason.",
        f"Its performance was measured on {report.n} cases; in another area, period or "
        "population it may differ, so it should be revalidated there (check the "
        "population stability index and calibration).",
    ]
    slope = report.calibration.recalibration.slope
    if not math.isnan(slope.lower) and slope.upper < 1.0:
        out.append("Its probabilities are too extreme (calibration slope below 1): high "
                   "risks are overstated and low risks understated.")
    elif not math.isnan(slope.lower) and slope.lower > 1.0:
        out.append("Its probabilities are too cautious (calibration slope above 1): they "
                   "sit closer to the average than the outcomes do.")
    marked = table[table["marking"] != ""]
    for name, row in marked.iterrows():
        out.append(f"It uses {name} as an input ({row['marking']}).")
    if report.fairness is None:
        out.append("It was not checked for fairness between groups in this report.")
    if report.incumbent is None:
        out.append("It was not compared with the score in use today.")
    out.extend(report.notes)
    info = getattr(model, "training_info_", None)
    if isinstance(info, dict) and "n_rows" in info:
        out.append(f"It was trained on {info['n_rows']} cases (base rate "
                   f"{info.get('base_rate', float('nan')):.1%}).")
    return out


def model_card(
    model: Any,
    report: ValidationReport,
    *,
    intended_use: str,
    data_description: str,
    name: str | None = None,
    limitations: tuple[str, ...] = (),
) -> ModelCard:
    """Write the model card of a fitted model from its validation report.

    Parameters
    ----------
    model : fitted estimator
        Fitted on a DataFrame (``feature_names_in_``) or a transparent model (``form_``).
    report : ValidationReport
        Its validation report (:func:`riskassess.validation.validate`).
    intended_use : str
        Who uses it, for which decision, and what it must not be used for.
    data_description : str
        Where the training and validation data come from, period, population, outcome.
    name : str, optional
        Name of the model (default its class name).
    limitations : tuple of str
        Further limitations, added after those derived from the model and report.

    Returns
    -------
    ModelCard
        Features table (protected and declared sensitive inputs marked), performance,
        fairness and limitations as plain-language sentences.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from sklearn.linear_model import LogisticRegression
    >>> from riskassess.validation import validate
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame({"age": rng.integers(18, 70, 300), "priors": rng.poisson(2, 300)})
    >>> y = (rng.random(300) < 1 / (1 + np.exp((X["age"] - 35) / 10))).astype(int)
    >>> model = LogisticRegression().fit(X, y)
    >>> card = model_card(model, validate(model, X, y, n_bootstrap=0), name="demo",
    ...                   intended_use="Demonstration only.", data_description="Synthetic.")
    >>> card.features.index.tolist()
    ['age', 'priors']
    >>> card.performance[0]
    'Validated on 300 cases, 122 with the outcome (base rate 40.7%).'
    >>> card.limitations[-1]  # no incumbent score was given to validate
    'It was not compared with the score in use today.'
    """
    table = _features_table(model)
    fair: list[str] = []
    if report.fairness is not None:
        f = report.fairness
        fair.append(f.tradeoff.statement)
        for r in f.groups.itertuples():
            fair.append(
                f"{f.attribute} {r.group}: n={r.n}, base rate {r.base_rate:.1%}, AUC "
                f"{r.auc:.3f}, false positive rate {r.fpr:.1%}, false negative rate "
                f"{r.fnr:.1%}, PPV {r.ppv:.1%}, selection rate {r.selection_rate:.1%}"
                + (" (small group: wide intervals)" if r.small else ""))
    return ModelCard(
        name=name or type(model).__name__,
        model_type=type(model).__name__,
        intended_use=intended_use,
        data_description=data_description,
        features=table,
        performance=tuple(_performance(report)),
        fairness=tuple(fair),
        limitations=tuple([*_limitations(model, report, table), *limitations]),
    )
