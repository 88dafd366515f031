"""A per-case explanation pack in the ICO's six kinds, to hand to the person assessed.

The ICO and the Alan Turing Institute's guidance "Explaining decisions made with AI"
(https://ico.org.uk/for-organisations/uk-gdpr-guidance-and-resources/artificial-
intelligence/explaining-decisions-made-with-artificial-intelligence/) names six kinds of
explanation. :func:`explanation_pack` writes each for one case, from the assessment, the
officer's decision (and its countersignature) and the model's validation report:

* **rationale**: the tool's result, its main reasons, and what the officer decided and why;
* **responsibility**: who decided (the officer, by role: no internal ids), and the
  countersignature;
* **data**: the facts used, their source, which are protected characteristics;
* **fairness**: the model's metrics for each group, from the report;
* **safety and performance**: the validation summary, and how often people in the same band
  reoffended in the checked cases;
* **impact**: what the band means for supervision (the deploying body's wording, or the
  library's default wording, marked as such), dates, and the person's rights.

Plain English; the only identifier is the pseudonymous case id. Everything not written
by the library (rationales, values from the record, the body's wording) is escaped in
both Markdown and HTML.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from riskassess._atomic import atomic_write_text
from riskassess.decisions import Assessment, FinalDecision
from riskassess.exceptions import TransparencyError
from riskassess.features import FEATURES
from riskassess.transparency._facts import (
    check_report,
    equality_characteristic,
    fairness_lines,
    pct,
    performance_lines,
)
from riskassess.transparency._render import to_html as render_html
from riskassess.transparency._render import to_markdown as render_markdown
from riskassess.types import RISK_BANDS
from riskassess.validation import ValidationReport

__all__ = ["DEFAULT_BAND_MEANINGS", "ICO_EXPLANATION_TYPES", "ExplanationPack", "PackSection",
           "explanation_pack"]

#: The ICO's six kinds of explanation, in the guidance's order: key -> heading.
ICO_EXPLANATION_TYPES: dict[str, str] = {
    "rationale": "Why: the reasons for the result",
    "responsibility": "Who is responsible",
    "data": "What information was used",
    "fairness": "Fairness",
    "safety_and_performance": "How reliable the tool is",
    "impact": "What this means for you",
}

#: The library's default wording of each band's meaning for supervision. A deploying body
#: should give its own (``band_meanings=``); a pack using these says so.
DEFAULT_BAND_MEANINGS: dict[str, str] = {
    "low": "Supervision at the standard level for your order, with appointments at the "
           "usual frequency.",
    "medium": "Supervision somewhat more frequent than the standard level, with attention "
              "to the areas linked to the risk.",
    "high": "More frequent supervision and closer checking of how your order is going; a "
            "manager may review your case.",
    "very high": "The most intensive supervision available for your order, reviewed by a "
                 "manager.",
}

_DEFAULT_NOTE = ("(Standard wording from the riskassess library: the probation service has "
                 "not given its own description.)")


@dataclass(frozen=True)
class PackSection:
    """One of the six kinds: paragraphs and bullet lists, in order.

    Each block is a paragraph (``str``) or a bullet list (``tuple`` of ``str``).

    Examples
    --------
    >>> s = PackSection("fairness", "Fairness", ("Checked by sex.", ("a", "b")))
    >>> s.kind, len(s.blocks)
    ('fairness', 2)
    """

    kind: str
    title: str
    blocks: tuple[str | tuple[str, ...], ...]


@dataclass(frozen=True)
class ExplanationPack:
    """One case's explanation in the ICO's six kinds; render with :meth:`to_markdown` or
    :meth:`to_html`.

    Make one with :func:`explanation_pack`. ``status`` is ``"effective"``, ``"pending"``
    (awaiting a countersignature) or ``"no decision"`` (the tool's recommendation only).

    Examples
    --------
    Made directly here to show the parts; :func:`explanation_pack` fills it for a case.

    >>> pack = ExplanationPack("C-1", "effective", (
    ...     PackSection("impact", "What this means for you", ("The final band is 'low'.",)),))
    >>> pack.kinds, pack.to_markdown().splitlines()[0]
    (('impact',), '# Explanation of the risk assessment for case C-1')
    """

    case_id: str
    status: str
    sections: tuple[PackSection, ...]

    @property
    def kinds(self) -> tuple[str, ...]:
        """The kinds of explanation in the pack, in order."""
        return tuple(s.kind for s in self.sections)

    def _title(self) -> str:
        return f"Explanation of the risk assessment for case {self.case_id}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict: case id, status and each kind's blocks (unescaped text)."""
        return {"case_id": self.case_id, "status": self.status,
                "sections": {s.kind: {"title": s.title,
                                      "blocks": [list(b) if isinstance(b, tuple) else b
                                                 for b in s.blocks]}
                             for s in self.sections}}

    def to_markdown(self) -> str:
        """The pack as Markdown, every text escaped."""
        return render_markdown(self._title(), self.status,
                               [(s.title, s.blocks) for s in self.sections])

    def to_html(self, path: str | Path | None = None) -> str:
        """A self-contained HTML page, every text escaped; written atomically to ``path``."""
        page = render_html(self._title(), self.status,
                           [(s.title, s.blocks) for s in self.sections],
                           ids=[s.kind for s in self.sections])
        if path is not None:
            atomic_write_text(path, page)
        return page

    def _repr_html_(self) -> str:
        return self.to_html()


def _plain_meaning(meaning: str) -> str:
    """The catalogue's meaning without its technical parts: parentheses and ': formula'."""
    previous = None
    while previous != meaning:  # nested parentheses come off from the inside out
        previous, meaning = meaning, re.sub(r"\s*\([^()]*\)", "", meaning)
    return meaning.split(":")[0].strip()


def _fact(feature: str, value: object) -> str:
    """One input as the person would read it: its short label and its value in words."""
    spec = FEATURES.get(feature)
    label = (spec.label or _plain_meaning(spec.meaning)) if spec else feature.replace("_", " ")
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return f"{label}: not recorded"
    if spec is not None and spec.kind == "binary":
        return f"{label}: {'yes' if value else 'no'}"
    if spec is not None and spec.kind == "categorical":
        text = dict(spec.value_labels).get(str(value), str(value).replace("_", " "))
        return f"{label}: {text}"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    unit = " years" if spec is not None and spec.unit == "years" else ""
    return f"{label}: {value}{unit}"


def _horizon_text(assessment: Assessment) -> str:
    years = assessment.horizon_years
    return f"within {years} year{'s' if years != 1 else ''}" if years else \
        "within the tool's follow-up period"


def _status(decision: FinalDecision | None, countersignature: Any) -> str:
    if decision is None:
        return "no decision"
    if countersignature is not None:
        return "effective"
    recorded = getattr(decision, "status", None)  # the decisions package's own answer
    if recorded in ("pending", "effective"):
        return str(recorded)
    return "pending" if getattr(decision, "countersignature_required", False) else "effective"


def _rationale(a: Assessment, d: FinalDecision | None, status: str) -> PackSection:
    blocks: list[str | tuple[str, ...]] = [
        f"The tool estimated a {a.probability:.0%} chance of a proven reoffence "
        f"{_horizon_text(a)}. This is in the '{a.band}' band."]
    if a.reasons:
        blocks += ["The main reasons the tool gave:", tuple(r.text for r in a.reasons)]
    if d is None:
        blocks.append("No officer has decided yet: this is only the tool's recommendation, "
                      "and the decision is pending.")
    elif d.override:
        blocks.append(f"Your probation officer changed the band from '{d.model_band}' to "
                      f"'{d.final_band}'. The reason recorded: "
                      f"{d.reason.label if d.reason else 'none'}.")
        blocks.append(f"The officer wrote: \"{d.rationale}\"")
    else:
        blocks.append(f"Your probation officer reviewed the result and agreed with the "
                      f"'{d.final_band}' band.")
        if d.rationale:
            blocks.append(f"The officer wrote: \"{d.rationale}\"")
    if status == "pending":
        blocks.append("This decision is pending: it needs a countersignature by a second "
                      "officer with a supervisor role before it takes effect.")
    return PackSection("rationale", ICO_EXPLANATION_TYPES["rationale"], tuple(blocks))


def _responsibility(d: FinalDecision | None, countersignature: Any, status: str,
                    organisation: str | None, contact: str | None) -> PackSection:
    body = organisation or "the probation service"
    blocks: list[str | tuple[str, ...]] = [
        f"The tool is used by {body}. It gives a recommendation; a probation officer makes "
        "the decision, and is responsible for it."]
    if d is not None:
        blocks.append(f"Your probation officer made the decision on "
                      f"{d.decided_at.date().isoformat()}.")
    if countersignature is not None:
        blocks.append(f"It was countersigned by a second officer (role: "
                      f"{countersignature.role}) on "
                      f"{countersignature.signed_at.date().isoformat()}.")
    elif status == "pending":
        blocks.append("It needs a countersignature by a second officer with a supervisor "
                      "role, and has not been countersigned yet.")
    blocks.append(f"To ask about it: {contact}" if contact else
                  f"To ask about it, speak to your probation officer. {_DEFAULT_NOTE}")
    return PackSection("responsibility", ICO_EXPLANATION_TYPES["responsibility"],
                       tuple(blocks))


def _data(a: Assessment, data_source: str | None) -> PackSection:
    if a.explanation is not None:
        used = [(c.feature, c.value) for c in a.explanation.contributions]
    else:
        used = [(r.feature, r.value) for r in a.reasons if r.feature is not None]
    blocks: list[str | tuple[str, ...]] = []
    if used:
        blocks += ["The tool used these facts from your record:",
                   tuple(_fact(f, v) for f, v in used)]
    protected = sorted({c for f, _ in used if (c := equality_characteristic(f))
                        in ("age", "sex")})
    if protected:
        blocks.append(f"Of these, {' and '.join(protected)} are protected characteristics "
                      "under the Equality Act 2010.")
    blocks.append(f"Where the information comes from: {data_source}" if data_source else
                  "Where the information comes from: your case record held by the "
                  "probation service (your current offence and previous cautions and "
                  f"convictions). {_DEFAULT_NOTE}")
    if a.warnings:
        blocks += ["Some information was missing or unusual:",
                   tuple(w.message for w in a.warnings)]
    return PackSection("data", ICO_EXPLANATION_TYPES["data"], tuple(blocks))


def _fairness(report: ValidationReport) -> PackSection:
    lines = fairness_lines(report)
    fairness = report.fairness
    if fairness is None:
        return PackSection("fairness", ICO_EXPLANATION_TYPES["fairness"], (lines[0],))
    # The report's own trade-off statement is written for validators (intervals, papers);
    # the person gets its two conclusions in plain words instead.
    tradeoff = fairness.tradeoff
    same_meaning = ("A given probability means about the same risk in every group."
                    if tradeoff.calibrated_within_groups else
                    "A given probability does not mean the same risk in every group.")
    errors = ("The shares of people wrongly flagged as higher risk, and of people missed, "
              "are about the same in every group." if tradeoff.equal_error_rates else
              "The shares of people wrongly flagged as higher risk, and of people missed, "
              "differ between groups (the numbers are above).")
    blocks = (lines[0], tuple(lines[1:-1]), f"{same_meaning} {errors}")
    return PackSection("fairness", ICO_EXPLANATION_TYPES["fairness"], blocks)


def _performance(a: Assessment, report: ValidationReport) -> PackSection:
    lines = performance_lines(report)
    blocks: list[str | tuple[str, ...]] = [
        "The tool was checked on past cases before use:", tuple(lines)]
    by_band = report.calibration.by_band
    row = by_band[by_band["bin"] == a.band]
    if len(row) and int(row["n"].iloc[0]) > 0:
        blocks.append(f"Of the {int(row['n'].iloc[0])} checked cases in the '{a.band}' band, "
                      f"{pct(float(row['observed'].iloc[0]))} had a proven reoffence. A "
                      "band describes a group of people; it cannot say what any one person "
                      "will do.")
    return PackSection("safety_and_performance",
                       ICO_EXPLANATION_TYPES["safety_and_performance"], tuple(blocks))


def _impact(a: Assessment, d: FinalDecision | None, status: str,
            meanings: Mapping[str, str], contact: str | None) -> PackSection:
    band = d.final_band if d is not None else a.band
    given = meanings.get(band)
    meaning = given if given is not None else \
        f"{DEFAULT_BAND_MEANINGS.get(band, 'No description of this band.')} {_DEFAULT_NOTE}"
    lead = (f"The final band is '{band}'." if d is not None else
            f"No decision has been made yet; the tool recommended the '{band}' band.")
    blocks: list[str | tuple[str, ...]] = [lead, f"What the '{band}' band means for "
                                                 f"supervision: {meaning}"]
    if status == "pending":
        blocks.append("The decision is pending and has no effect until it is "
                      "countersigned.")
    for name, label in (("effective_date", "It takes effect on"),
                        ("review_date", "It will be reviewed by")):
        when = getattr(d, name, None)
        if when is not None:
            blocks.append(f"{label} {when.isoformat()}.")
    blocks.append("You can tell us what you think about this decision, ask for it to be "
                  "looked at again by another person, and challenge it."
                  + (f" Contact: {contact}" if contact else ""))
    return PackSection("impact", ICO_EXPLANATION_TYPES["impact"], tuple(blocks))


def _check_text(name: str, value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise TransparencyError(f"{name} must be non-blank text, got {value!r}")
    return value.strip()


def _check_meanings(band_meanings: Mapping[str, str] | None) -> dict[str, str]:
    if band_meanings is None:
        return {}
    if not isinstance(band_meanings, Mapping):
        raise TransparencyError(f"band_meanings must map band names to text, got "
                                f"{type(band_meanings).__name__}")
    out = {}
    for band, text in band_meanings.items():
        checked = _check_text(f"band_meanings[{band!r}]", text)
        if checked is not None:
            out[str(band)] = checked
    return out


def explanation_pack(
    decision: FinalDecision | Assessment,
    report: ValidationReport,
    *,
    countersignature: Any = None,
    receipt: Any = None,
    organisation: str | None = None,
    contact: str | None = None,
    data_source: str | None = None,
    band_meanings: Mapping[str, str] | None = None,
) -> ExplanationPack:
    """Explain one case in the ICO's six kinds, for the person assessed.

    Parameters
    ----------
    decision : FinalDecision or Assessment
        The officer's decision (with its assessment), or an assessment not yet decided (the
        pack then says no decision has been made).
    report : ValidationReport
        The model's validation report: the fairness and performance sections come from it.
    countersignature : riskassess.decisions.Countersignature, optional
        The decision's countersignature; without it, a decision that needs one is pending.
    receipt : riskassess.decisions.Receipt, optional
        The decision's log receipt: when given, the countersignature must be for it.
    organisation, contact, data_source : str, optional
        The deploying body's name, how the person can ask or challenge, where the data
        comes from. When absent, standard wording is used and marked as such.
    band_meanings : mapping of band to str, optional
        What each band means for supervision, in the body's words (the library's
        :data:`DEFAULT_BAND_MEANINGS` otherwise, marked as defaults).

    Returns
    -------
    ExplanationPack

    Raises
    ------
    TransparencyError
        A decision of the wrong type; a countersignature by the deciding officer or for
        another decision; blank text; an unknown band in ``band_meanings``.

    Examples
    --------
    >>> from datetime import UTC, date, datetime
    >>> import numpy as np
    >>> from riskassess.decisions import Assessment, ModelInfo
    >>> from riskassess.validation import validate
    >>> rng = np.random.default_rng(0)
    >>> p = rng.uniform(0.05, 0.95, 300)
    >>> report = validate(p, y=(rng.random(300) < p).astype(int), n_bootstrap=0)
    >>> a = Assessment(case_id="C-7", assessment_date=date(2024, 3, 1), probability=0.62,
    ...                band="medium", model=ModelInfo(name="m", version="1", fingerprint="f"),
    ...                input_sha256="0" * 64, created_at=datetime(2024, 3, 1, tzinfo=UTC))
    >>> pack = explanation_pack(a.decide("off-1"), report)
    >>> pack.kinds  # doctest: +NORMALIZE_WHITESPACE
    ('rationale', 'responsibility', 'data', 'fairness', 'safety_and_performance',
     'impact')
    >>> pack.status, "off-1" in pack.to_markdown()
    ('effective', False)
    >>> explanation_pack(a, report).status
    'no decision'
    """
    check_report(report)
    if isinstance(decision, FinalDecision):
        final: FinalDecision | None = decision
        assessment = decision.assessment
    elif isinstance(decision, Assessment):
        final, assessment = None, decision
    else:
        raise TransparencyError(f"decision must be a FinalDecision or an Assessment, got "
                                f"{type(decision).__name__}")
    cid = assessment.case_id
    if countersignature is not None:
        if final is None:
            raise TransparencyError(f"case {cid!r}: a countersignature was given but no "
                                    "decision (pass the FinalDecision)")
        if getattr(countersignature, "officer_id", None) == final.officer_id:
            raise TransparencyError(f"case {cid!r}, field 'countersignature.officer_id': "
                                    "the deciding officer cannot countersign their own "
                                    "decision")
        expected = getattr(receipt, "hash", None)
        if expected is not None and countersignature.decision_hash != expected:
            raise TransparencyError(f"case {cid!r}, field 'countersignature.decision_hash': "
                                    "the countersignature is for another decision (it does "
                                    "not match the receipt's hash)")
    meanings = _check_meanings(band_meanings)
    labels = report.bands.labels if report.bands is not None else RISK_BANDS
    unknown = sorted(set(meanings) - set(labels) - set(RISK_BANDS))
    if unknown:
        raise TransparencyError(f"band_meanings names unknown band(s) {unknown}; the bands "
                                f"are {list(labels)}")
    organisation = _check_text("organisation", organisation)
    contact = _check_text("contact", contact)
    data_source = _check_text("data_source", data_source)
    status = _status(final, countersignature)
    sections = (
        _rationale(assessment, final, status),
        _responsibility(final, countersignature, status, organisation, contact),
        _data(assessment, data_source),
        _fairness(report),
        _performance(assessment, report),
        _impact(assessment, final, status, meanings, contact),
    )
    return ExplanationPack(case_id=cid, status=status, sections=sections)
