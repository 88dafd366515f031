"""An Algorithmic Transparency Recording Standard (ATRS) record of a model in use.

Central government bodies publish an ATRS record for each algorithmic tool they use.
:func:`atrs_record` fills the fields the library can know from the fitted model and its
validation report (what the model is, its inputs and outputs, its performance and group
metrics, the data quantities and sensitive inputs, how the officer's decision works);
the fields only the deploying body knows (who owns it, why it is used, how often, the
training and appeals, the data's provenance) come from ``deployment=``. A field the body
has not given is listed as missing and left empty, never invented: a publishable record
with a required field missing raises :class:`~riskassess.exceptions.TransparencyError`
naming every missing field; ``draft=True`` returns the record with the missing list.

Template: CDDO / DSIT, Algorithmic Transparency Recording Standard v3.0,
https://www.gov.uk/government/publications/algorithmic-transparency-template
(field list in :data:`riskassess.transparency.ATRS_FIELDS`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import riskassess.decisions as decisions
from riskassess._version import __version__
from riskassess.exceptions import TransparencyError
from riskassess.models import TransparentModel, model_fingerprint
from riskassess.transparency._atrs_fields import (
    ATRS_FIELDS,
    ATRS_SECTIONS,
    ATRS_VERSION,
    FIELDS_BY_KEY,
)
from riskassess.transparency._facts import (
    check_report,
    fairness_lines,
    input_table,
    md_text,
    performance_lines,
)
from riskassess.validation import ValidationReport, model_card

__all__ = ["ATRS_TEMPLATE_URL", "AtrsRecord", "atrs_record"]

#: Where the template is published.
ATRS_TEMPLATE_URL = "https://www.gov.uk/government/publications/algorithmic-transparency-template"

#: Optional fields that become required when "Third party involvement" starts with "Yes".
THIRD_PARTY_DETAILS = ("third_party", "companies_house_number", "third_party_role",
                       "procurement_procedure_type", "third_party_data_access_terms")

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True, init=False, eq=False)
class AtrsRecord:
    """An ATRS record: every template field, who filled it, and what is still missing.

    Make one with :func:`atrs_record`. ``values`` maps each field key of
    :data:`~riskassess.transparency.ATRS_FIELDS` to its text (None when not given);
    ``missing`` lists the required fields the deploying body has not given (empty in a
    publishable record).

    Examples
    --------
    Made directly here to show the parts; :func:`atrs_record` fills it from a model.

    >>> record = AtrsRecord({"name": "Reoffending predictor"}, missing=("description",),
    ...                     draft=True)
    >>> record.publishable, record.to_dict()["tier_1"]["description"]
    (False, None)
    """

    values: Mapping[str, str | None]
    missing: tuple[str, ...]
    draft: bool

    def __init__(self, values: Mapping[str, str | None], missing: tuple[str, ...],
                 draft: bool) -> None:
        object.__setattr__(self, "values", MappingProxyType(dict(values)))
        object.__setattr__(self, "missing", tuple(missing))
        object.__setattr__(self, "draft", bool(draft))

    @property
    def publishable(self) -> bool:
        """True when no required field is missing."""
        return not self.missing

    def to_dict(self) -> dict[str, Any]:
        """The record as a JSON-ready dict, sections in the template's order."""
        sections: dict[str, dict[str, str | None]] = {key: {} for key in ATRS_SECTIONS}
        for field in ATRS_FIELDS:
            sections[field.section][field.key] = self.values.get(field.key)
        return {
            "standard": "Algorithmic Transparency Recording Standard",
            "standard_version": ATRS_VERSION,
            "template": ATRS_TEMPLATE_URL,
            "status": "publishable" if self.publishable else "draft",
            "missing": list(self.missing),
            "filled_by_library": [f.key for f in ATRS_FIELDS if f.filled_by == "library"],
            "tier_1": sections.pop("tier_1"),
            "tier_2": sections,
        }

    def to_json(self, indent: int | None = 2) -> str:
        """The record as JSON text."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    def to_markdown(self) -> str:
        """The record as Markdown, one heading per section and field, template order.

        A missing field reads "MISSING: to be supplied by the deploying body", so a draft
        cannot be mistaken for a finished record. Body-written text is escaped.
        """
        name = self.values.get("name") or "(name missing)"
        lines = [f"# Algorithmic transparency record: {md_text(name)}", "",
                 f"Algorithmic Transparency Recording Standard v{ATRS_VERSION} "
                 f"({ATRS_TEMPLATE_URL}).", ""]
        if self.missing:
            lines += ["**DRAFT: not publishable.** Required fields missing: "
                      + ", ".join(FIELDS_BY_KEY[k].label for k in self.missing) + ".", ""]
        for section, title in ATRS_SECTIONS.items():
            lines += [f"## {title}", ""]
            for field in (f for f in ATRS_FIELDS if f.section == section):
                text = self.values.get(field.key)
                if text is None:
                    body = ("_MISSING: to be supplied by the deploying body._" if field.required
                            else "_Not given (optional)._")
                elif field.filled_by == "library":
                    body = _library_markdown(text)
                else:
                    body = md_text(text)
                lines += [f"### {field.label}", "", body, ""]
        return "\n".join(lines)


def _library_markdown(text: str) -> str:
    """A library field as Markdown: its "- " lines a list, other lines paragraphs.

    The text is escaped all the same: it holds column names, group labels and notes that
    came from the data.
    """
    out: list[str] = []
    previous_bullet = False
    for line in text.split("\n"):
        bullet = line.startswith("- ")
        if out and not (bullet and previous_bullet):  # a blank line ends a paragraph/list
            out.append("")
        out.append(f"- {md_text(line[2:])}" if bullet else md_text(line))
        previous_bullet = bullet
    return "\n".join(out)


def _deployment_values(deployment: Mapping[str, object] | None) -> dict[str, str]:
    """Check the body's fields: known keys, plain non-blank text, a valid email and URL."""
    if deployment is None:
        return {}
    if not isinstance(deployment, Mapping):
        raise TransparencyError(f"deployment must be a mapping of ATRS field keys to text, "
                                f"got {type(deployment).__name__}")
    unknown = sorted(str(k) for k in deployment if k not in FIELDS_BY_KEY)
    if unknown:
        raise TransparencyError(f"deployment has unknown field(s) {unknown}; the ATRS fields "
                                f"are {[f.key for f in ATRS_FIELDS]}")
    out = {}
    for key, value in deployment.items():
        if value is None:
            continue
        if not isinstance(value, str):
            raise TransparencyError(f"deployment field {key!r} must be text, got "
                                    f"{type(value).__name__}")
        if value.strip():  # blank text counts as not given, so it is listed as missing
            out[str(key)] = value.strip()
    email = out.get("contact_email")
    if email is not None and not _EMAIL.match(email):
        raise TransparencyError(f"deployment field 'contact_email' must be an email "
                                f"address, got {email!r}")
    website = out.get("website")
    if website is not None and not website.startswith(("https://", "http://")):
        raise TransparencyError(f"deployment field 'website' must be an http(s) URL, got "
                                f"{website!r}")
    return out


def _horizon(model: Any) -> int | None:
    horizon = getattr(model, "horizon", None)
    return horizon if isinstance(horizon, int) and not isinstance(horizon, bool) else None


def _outcome(model: Any) -> str:
    horizon = _horizon(model)
    within = f"within {horizon} year{'s' if horizon != 1 else ''}" if horizon else \
        "within the model's follow-up period"
    return f"the probability of a proven reoffence {within}"


def _bands_text(report: ValidationReport) -> str:
    bands = report.bands
    edges = [f"{c:.0%}" for c in bands.cut_points]
    parts = [f"{bands.labels[0]} (below {edges[0]})"]
    parts += [f"{label} ({lo} to below {hi})" for label, lo, hi in
              zip(bands.labels[1:-1], edges[:-1], edges[1:], strict=True)]
    parts.append(f"{bands.labels[-1]} ({edges[-1]} or more)")
    return ", ".join(parts)


def _listed(fairness: list[str]) -> list[str]:
    """Fairness lines with the per-group lines as a list (between the lead and trade-off)."""
    if len(fairness) < 3:
        return fairness
    return [fairness[0], *(f"- {line}" for line in fairness[1:-1]), fairness[-1]]


def _library_values(model: Any, report: ValidationReport) -> dict[str, str]:
    """Every field the library can fill, from the model and the report only."""
    name = type(model).__name__
    card = model_card(model, report, intended_use="(not used)", data_description="(not used)")
    table = input_table(model, report, card)
    rows = table.to_dict("index")  # feature -> meaning, monotone, marking, equality_act
    transparent = isinstance(model, TransparentModel)
    additive = ("a transparent additive model: the score is an intercept plus one "
                "contribution per input, read from a lookup table or a linear term, so each "
                "input's part in every score is exact and can be shown" if transparent
                else f"a {name} classifier")
    inputs = "\n".join(f"- {feature}: {row['meaning']}"
                       + (f" [{row['marking']}]" if row["marking"] else "")
                       for feature, row in rows.items())
    sensitive = [f"{feature} (Equality Act 2010 characteristic: {row['equality_act']})"
                 for feature, row in rows.items() if row["equality_act"]]
    sensitive += [f"{feature} ({row['marking']})" for feature, row in rows.items()
                  if row["marking"] and not row["equality_act"]]
    fairness = report.fairness
    countersigning = hasattr(decisions, "Countersignature")
    info = getattr(model, "training_info_", None)
    training = (f" The model was trained on {info['n_rows']} cases." if isinstance(info, dict)
                and "n_rows" in info else "")
    fingerprint = model_fingerprint(model) if transparent else "not available"
    reasons = ", ".join(r.label for r in decisions.OverrideReason)
    return {
        "detailed_description": (
            f"The tool estimates {_outcome(model)} for one person's case from their "
            f"recorded criminal history, using {additive}. The probability is placed in a "
            f"risk band. The tool recommends; a probation officer decides."),
        "provided_information": (
            f"For each case: {_outcome(model)}; the risk band ({_bands_text(report)}); the "
            "main reasons for the score in plain English, each with the size of its "
            "effect; and warnings about missing or unusual inputs."),
        "human_decisions_and_review": (
            "Every assessment is a recommendation; the probation officer's band is the "
            "final band. An officer may agree, or override the band with a coded reason ("
            f"{reasons}) and a written rationale. Every decision is stored in a "
            "tamper-evident, hash-chained decision log with the model's band, the "
            "officer's band, the reason and the rationale, and override rates and the "
            "outcomes of overridden cases are monitored."
            + (" Decisions named by the countersignature policy need a second officer "
               "with a supervisor role and stay pending until countersigned."
               if countersigning else "")),
        "system_architecture": (
            f"riskassess {__version__} (Python library): case records are validated, turned "
            "into point-in-time features, scored by the model and explained exactly; the "
            "officer's decision is recorded in an append-only decision log (SQLite or "
            "PostgreSQL). Models are stored as fingerprinted JSON files, never pickled."),
        "models": f"{name}: {_outcome(model)}.",
        "model_name": name,
        "model_version": f"riskassess {__version__}; model fingerprint (SHA-256) {fingerprint}",
        "model_task": f"Estimate {_outcome(model)} (binary classification).",
        "model_input": inputs,
        "model_output": (f"A probability between 0 and 1 and a risk band: "
                         f"{_bands_text(report)}."),
        "model_architecture": (
            f"{name}, {additive}." + (" Inputs where criminological evidence fixes the "
                                      "direction of risk are constrained to be monotone."
                                      if transparent else "")),
        "model_performance": "\n".join(performance_lines(report) + _listed(fairness_lines(report))),
        "data_modality": "Tabular: structured case records (person, index offence, "
                         "previous sanctions).",
        "data_quantities": (f"Validation: {report.n} cases, {report.n_positive} with a proven "
                            f"reoffence.{training}"),
        "sensitive_attributes": (
            ("Used as inputs: " + "; ".join(sensitive) + "." if sensitive
             else "No protected characteristic is used as an input.")
            + (f" Group metrics were computed by {fairness.attribute} (an attribute used "
               "for checking, not necessarily as an input)." if fairness is not None
               else " No group metrics were computed in the validation given.")),
        "risks_and_mitigations": "\n".join(
            ["Risks identified from the model and its validation:"]
            + [f"- {line}" for line in card.limitations]
            + ["Mitigations built into the tool: the officer makes the decision; every "
               "override carries a coded reason and a rationale; decisions are kept in a "
               "tamper-evident log; overrides and group metrics are monitored."]),
    }


def atrs_record(
    model: Any,
    report: ValidationReport,
    *,
    deployment: Mapping[str, object] | None = None,
    draft: bool = False,
) -> AtrsRecord:
    """The ATRS record of a model in use: library fields filled, body fields from deployment.

    Parameters
    ----------
    model : fitted estimator
        The model in use (a riskassess model, or an estimator fitted on a DataFrame).
    report : ValidationReport
        Its validation report (:func:`riskassess.validation.validate`); performance, group
        metrics and data quantities are read from it.
    deployment : mapping of str to str, optional
        The deploying body's text for the fields only it knows, keyed by field key (see
        :data:`~riskassess.transparency.ATRS_FIELDS`, ``filled_by == "deployment"``). Text
        given for a library field is added after the library's facts. Blank text counts
        as not given. When ``third_party_involvement`` starts with "Yes", the third
        party's details (``THIRD_PARTY_DETAILS``) are required too.
    draft : bool, default False
        False: refuse a record with a required field missing. True: return it with the
        missing fields listed in ``missing`` (and marked in every rendering).

    Returns
    -------
    AtrsRecord

    Raises
    ------
    TransparencyError
        A required deployment field is missing and ``draft`` is False (the message and
        ``missing`` list every one); an unknown field key; text that is not text; a
        contact email or website that is not one.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from sklearn.linear_model import LogisticRegression
    >>> from riskassess.validation import validate
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame({"age": rng.integers(18, 70, 300), "priors": rng.poisson(2, 300)})
    >>> y = (rng.random(300) < 1 / (1 + np.exp((X["age"] - 35) / 10))).astype(int)
    >>> model = LogisticRegression().fit(X, y)
    >>> report = validate(model, X, y, n_bootstrap=0)
    >>> record = atrs_record(model, report, deployment={"name": "Reoffending predictor"},
    ...                      draft=True)
    >>> record.missing[:3]
    ('description', 'website', 'contact_email')
    >>> record.to_dict()["tier_1"]["name"], record.to_dict()["status"]
    ('Reoffending predictor', 'draft')
    >>> atrs_record(model, report)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    riskassess.exceptions.TransparencyError: the ATRS record is missing 28 required ...
    """
    check_report(report)
    given = _deployment_values(deployment)
    values: dict[str, str | None] = {}
    library = _library_values(model, report)
    for field in ATRS_FIELDS:
        if field.filled_by == "library":
            extra = given.get(field.key)
            values[field.key] = (library[field.key] if extra is None else
                                 f"{library[field.key]}\nFrom the deploying body: {extra}")
        else:
            values[field.key] = given.get(field.key)
    # The template's third-party details are needed only when a third party is involved.
    involved = (values["third_party_involvement"] or "").lower().startswith("yes")
    missing = tuple(f.key for f in ATRS_FIELDS if values[f.key] is None and (
        f.required or (involved and f.key in THIRD_PARTY_DETAILS)))
    if missing and not draft:
        raise TransparencyError(
            f"the ATRS record is missing {len(missing)} required field(s) only the deploying "
            f"body can give (pass them in deployment=, or draft=True for a draft): "
            + ", ".join(missing), missing=missing)
    return AtrsRecord(values, missing, draft)
