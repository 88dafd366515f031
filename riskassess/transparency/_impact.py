"""Equality impact assessment and data protection impact assessment skeletons.

A public body using a risk tool assesses its effect on people with protected
characteristics (the public sector equality duty, Equality Act 2010 s.149) and the risks
of the processing to people's rights (a DPIA: UK GDPR Article 35, or the Data Protection
Act 2018 s.64 for law-enforcement processing). Both need evidence the library has (group
metrics, the data used, which inputs are protected characteristics) and judgements only
the body can make (is using age or sex as an input justified, is the processing
necessary and proportionate). :func:`equality_impact_assessment` and
:func:`data_protection_impact_assessment` fill the first from the validation report and
leave every judgement marked :data:`TO_COMPLETE`, never written for the body.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from riskassess._atomic import atomic_write_text
from riskassess.transparency._facts import (
    EQUALITY_ACT_CHARACTERISTICS,
    check_report,
    fairness_lines,
    input_table,
    performance_lines,
)
from riskassess.transparency._render import Block
from riskassess.transparency._render import to_html as render_html
from riskassess.transparency._render import to_markdown as render_markdown
from riskassess.validation import ModelCard, ValidationReport, model_card

__all__ = ["TO_COMPLETE", "ImpactAssessment", "data_protection_impact_assessment",
           "equality_impact_assessment"]

#: The marker of every judgement left for the deploying body to write.
TO_COMPLETE = "TO COMPLETE"


def _todo(what: str) -> str:
    return f"{TO_COMPLETE}: {what}"


@dataclass(frozen=True)
class ImpactAssessment:
    """An impact assessment skeleton: sections of library facts and TO COMPLETE items.

    Make one with :func:`equality_impact_assessment` or
    :func:`data_protection_impact_assessment`.

    Examples
    --------
    Made directly here to show the parts; the two functions below fill it.

    >>> skeleton = ImpactAssessment("EIA", (("Sign-off", ("TO COMPLETE: name and date",)),))
    >>> skeleton.to_complete
    ('name and date',)
    """

    title: str
    sections: tuple[tuple[str, tuple[Block, ...]], ...]

    @property
    def to_complete(self) -> tuple[str, ...]:
        """Every item the body still has to write (the text after the marker)."""
        items: list[str] = []
        for _, blocks in self.sections:
            for block in blocks:
                for text in (block if isinstance(block, tuple) else (block,)):
                    if TO_COMPLETE + ":" in text:
                        items.append(text.split(TO_COMPLETE + ":", 1)[1].strip())
        return tuple(items)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict: title, sections (heading and blocks) and the open items."""
        return {"title": self.title, "to_complete": list(self.to_complete),
                "sections": [{"heading": h, "blocks": [list(b) if isinstance(b, tuple)
                                                       else b for b in blocks]}
                             for h, blocks in self.sections]}

    def to_markdown(self) -> str:
        """The skeleton as Markdown."""
        return render_markdown(self.title, self._status(), list(self.sections))

    def to_html(self, path: str | Path | None = None) -> str:
        """The skeleton as a self-contained HTML page; written atomically to ``path``."""
        page = render_html(self.title, self._status(), list(self.sections))
        if path is not None:
            atomic_write_text(path, page)
        return page

    def _status(self) -> str:
        return (f"skeleton, {len(self.to_complete)} item(s) marked {TO_COMPLETE}"
                if self.to_complete else "complete")


def _inputs(model: Any, report: ValidationReport,
            card: ModelCard | None = None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(every input with its meaning, the inputs that are or derive from age or sex)."""
    rows = input_table(model, report, card).to_dict("index")
    every = tuple(f"{name}: {row['meaning']}" for name, row in rows.items())
    protected = tuple(f"{name} [{row['equality_act']}]: {row['meaning']}"
                      for name, row in rows.items() if row["equality_act"])
    return every, protected


def equality_impact_assessment(model: Any, report: ValidationReport) -> ImpactAssessment:
    """An equality impact assessment skeleton filled from the model and its report.

    Parameters
    ----------
    model : fitted estimator
        The model in use.
    report : ValidationReport
        Its validation report; the evidence section is its group metrics.

    Returns
    -------
    ImpactAssessment
        Library facts (inputs, protected characteristics used as inputs, group metrics,
        characteristics with no evidence) and, marked ``TO COMPLETE``, the body's
        justification of each protected input, the impact, mitigations and sign-off.

    Raises
    ------
    TransparencyError
        If ``report`` is not a ValidationReport.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from sklearn.linear_model import LogisticRegression
    >>> from riskassess.validation import validate
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame({"age": rng.integers(18, 70, 300), "sex": rng.integers(0, 2, 300)})
    >>> y = (rng.random(300) < 0.4).astype(int)
    >>> model = LogisticRegression().fit(X, y)
    >>> eia = equality_impact_assessment(model, validate(model, X, y, n_bootstrap=0))
    >>> eia.to_complete[1]
    'why using age [age] as an input is a proportionate means of a legitimate aim'
    """
    check_report(report)
    _, protected = _inputs(model, report)
    fairness = report.fairness
    analysed = fairness.attribute if fairness is not None else None
    unexamined = [c for c in EQUALITY_ACT_CHARACTERISTICS if c != analysed]
    justification = tuple(
        _todo(f"why using {item.split(':')[0]} as an input is a proportionate means of a "
              "legitimate aim") for item in protected)
    sections: list[tuple[str, tuple[Block, ...]]] = [
        ("The tool", (f"Model: {type(model).__name__}. It estimates the probability of a "
                      "proven reoffence; a probation officer makes the decision.",
                      _todo("the tool's purpose, who it is used on, and the decisions it "
                            "informs"))),
        ("Protected characteristics used as inputs",
         (("Inputs that are, or are derived from, a protected characteristic:", protected)
          if protected else ("No input is, or is derived from, a protected "
                             "characteristic.",))
         + justification),
        ("Evidence: how the tool performs for each group",
         (*fairness_lines(report),
          f"No evidence in this validation for: {', '.join(unexamined)}.",
          _todo("evidence for the characteristics above with none (or why none is "
                "needed)"))),
        ("Impact on people with each protected characteristic",
         (_todo("the impact, positive or negative, on each group, from the evidence"),)),
        ("Mitigations and monitoring",
         ("Built into the tool: the officer makes the decision; every override has a "
          "coded reason and a rationale; decisions are kept in a tamper-evident log; "
          "override rates and group metrics can be monitored.",
          _todo("further mitigations, how often the group metrics are reviewed, and by "
                "whom"))),
        ("Decision and sign-off", (_todo("the decision, the name and role of the person "
                                         "signing off, and the date"),)),
    ]
    return ImpactAssessment(f"Equality impact assessment: {type(model).__name__}",
                            tuple(sections))


def data_protection_impact_assessment(model: Any,
                                      report: ValidationReport) -> ImpactAssessment:
    """A data protection impact assessment (DPIA) skeleton filled from the model and report.

    Parameters
    ----------
    model : fitted estimator
        The model in use.
    report : ValidationReport
        Its validation report (accuracy and group metrics are evidence for the risks).

    Returns
    -------
    ImpactAssessment
        Library facts (the personal data used, what the decision log keeps, accuracy,
        fairness, limitations) and, marked ``TO COMPLETE``, the lawful basis, necessity
        and proportionality of each sensitive input, the risk assessment and sign-off.

    Raises
    ------
    TransparencyError
        If ``report`` is not a ValidationReport.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from sklearn.linear_model import LogisticRegression
    >>> from riskassess.validation import validate
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame({"age": rng.integers(18, 70, 300), "priors": rng.poisson(2, 300)})
    >>> y = (rng.random(300) < 0.4).astype(int)
    >>> model = LogisticRegression().fit(X, y)
    >>> dpia = data_protection_impact_assessment(model, validate(model, X, y, n_bootstrap=0))
    >>> dpia.title, TO_COMPLETE in dpia.to_markdown()
    ('Data protection impact assessment: LogisticRegression', True)
    """
    check_report(report)
    card = model_card(model, report, intended_use="(not used)", data_description="(not used)")
    every, protected = _inputs(model, report, card)
    sections: list[tuple[str, tuple[Block, ...]]] = [
        ("Nature of the processing",
         ("Personal data used as model inputs (criminal offence data):", every,
          "The decision log keeps each assessment (probability, band, reasons, the inputs "
          "at reduced precision: ages and durations in whole years) and the officer's "
          "decision; of the case record itself it keeps only a SHA-256 hash, never names, "
          "dates of birth or sanction dates.",
          _todo("where the data comes from, who can see it, how long it is kept"))),
        ("Scope", (f"Validated on {report.n} cases.",
                   *(("Protected characteristics used as inputs:", protected) if protected
                     else ("No protected characteristic is used as an input.",)),
                   _todo("how many people are assessed each year, and the area covered"))),
        ("Context and purposes", (_todo("the purpose, the lawful basis (UK GDPR or Data "
                                        "Protection Act 2018 Part 3) and the condition "
                                        "for processing criminal offence data"),)),
        ("Necessity and proportionality",
         ("Accuracy of the tool (from its validation):", tuple(performance_lines(report)),
          *(_todo(f"why {item.split(':')[0]} is necessary and proportionate as an input")
            for item in protected),
          _todo("why a less intrusive approach would not do"))),
        ("Risks to individuals",
         (*fairness_lines(report), "Limitations of the model:", card.limitations,
          _todo("the likelihood and severity of each risk to the people assessed"))),
        ("Measures to reduce the risks",
         ("Built into the tool: the officer decides; overrides carry a coded reason and a "
          "rationale; decisions are kept in a tamper-evident log; the person can make "
          "representations and contest a decision, recorded against it.",
          _todo("further measures, and the residual risk"))),
        ("Sign-off", (_todo("data protection officer's advice, the decision, name, role "
                            "and date"),)),
    ]
    return ImpactAssessment(f"Data protection impact assessment: {type(model).__name__}",
                            tuple(sections))
