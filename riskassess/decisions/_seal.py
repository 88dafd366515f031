"""Seals: how an Assessment or a FinalDecision changed after it was made is detected.

* An :class:`~riskassess.decisions.Assessment` carries ``seal``: the SHA-256 of a fixed
  label and the assessment's canonical JSON (pydantic's serialisation in field order,
  every field but the seal: case id, probabilities, band, explanation, reasons, model
  name, version, fingerprint and bands, input hash, warnings, time). It is computed when
  the assessment is validated and checked again by ``decide()`` and by the decision log.
* The band is checked against the probability and the model's recorded cut-points
  (:func:`band_problem`), on the horizon the model bands (OGRS3 bands its 2-year
  probability whatever its horizon).
* A :class:`~riskassess.decisions.FinalDecision` keeps the digest of its own JSON taken
  when it was made (:func:`decision_digest`) and compares it again before it is stored.

These digests are not keyed: they catch an object altered after validation
(``object.__setattr__``, ``model_construct``, an edited record read back without a
recomputed seal), not someone who recomputes them with this module. The decision log's
keyed chain (HMAC / signed checkpoints) is what protects stored records against that.
One SHA-256 over a few kilobytes: a few microseconds per assessment.

Examples
--------
>>> from datetime import UTC, date, datetime
>>> from riskassess.decisions import Assessment, ModelInfo
>>> a = Assessment(
...     case_id="C-1", assessment_date=date(2024, 3, 1), probability=0.81, band="high",
...     model=ModelInfo(name="OGRS3", version="1", fingerprint="f" * 64,
...                     cut_points=(0.5, 0.75, 0.9),
...                     band_labels=("low", "medium", "high", "very high")),
...     input_sha256="0" * 64, created_at=datetime(2024, 3, 1, tzinfo=UTC))
>>> a.seal == assessment_seal(a), band_problem(a) is None
(True, True)
>>> object.__setattr__(a, "band", "low")  # what an insider with the object could do
>>> a.seal == assessment_seal(a), band_problem(a) is None
(False, False)
"""

from __future__ import annotations

import hashlib
from typing import Any

__all__ = ["assessment_seal", "band_problem", "decision_digest", "digest_of_json"]

# Labels keep an assessment's seal and a decision's digest from ever being equal.
_ASSESSMENT_LABEL = b"riskassess-assessment-seal-v1\n"
_DECISION_LABEL = b"riskassess-final-decision-digest-v1\n"
#: A probability this close to a cut-point may be banded either side of it.
CUT_TOLERANCE = 1e-12


def assessment_seal(assessment: Any) -> str:
    """SHA-256 (hex) of an assessment's canonical JSON without its ``seal`` field."""
    body = type(assessment).__pydantic_serializer__.to_json(assessment, exclude={"seal"})
    return hashlib.sha256(_ASSESSMENT_LABEL + body).hexdigest()


def decision_digest(decision: Any) -> str:
    """SHA-256 (hex) of a final decision's canonical JSON (its assessment included)."""
    return digest_of_json(type(decision).__pydantic_serializer__.to_json(decision))


def digest_of_json(body: bytes) -> str:
    """SHA-256 (hex) of a final decision's canonical JSON bytes (:func:`decision_digest`)."""
    digest = hashlib.sha256(_DECISION_LABEL)
    digest.update(body)  # not label + body: that copies every record once more to hash it
    return digest.hexdigest()


def band_problem(assessment: Any) -> str | None:
    """Why the assessment's band disagrees with its probability and cut-points, or None.

    None also when the model recorded no cut-points (nothing to check against).
    """
    info = assessment.model
    cuts, labels = info.cut_points, info.band_labels
    if cuts is None or labels is None:
        return None
    years = info.band_horizon_years
    if years is None or years == assessment.horizon_years:
        p = assessment.probability
    else:
        found = [h.probability for h in assessment.probabilities if h.years == years]
        if not found:
            return (f"the model bands the {years}-year probability, which the assessment "
                    "does not give")
        p = found[0]
    expected = info.band_of(p)
    if assessment.band == expected:
        return None
    # Floating-point noise at a cut-point must not turn a correct band into an error.
    for i, cut in enumerate(cuts):
        if abs(p - cut) <= CUT_TOLERANCE and assessment.band in labels[i:i + 2]:
            return None
    horizon = f"{years}-year " if years is not None else ""
    return (f"band {assessment.band!r} disagrees with the model's cut-points {list(cuts)}: "
            f"the {horizon}probability {p!r} is in band {expected!r}")
