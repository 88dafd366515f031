"""Constrained type aliases, defined once and used by every record and result.

Examples
--------
>>> from pydantic import TypeAdapter
>>> TypeAdapter(Probability).validate_python(0.25)
0.25
>>> TypeAdapter(Count).validate_python(3)
3
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

__all__ = [
    "RISK_BANDS",
    "CaseId",
    "Count",
    "OfficerId",
    "PersonId",
    "Probability",
    "RiskBand",
]

#: A probability in [0, 1].
Probability = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]

#: A non-negative whole number.
Count = Annotated[int, Field(ge=0, strict=True)]

_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:\-]*$"

#: A pseudonymous case identifier: 1–64 characters of letters, digits and ``._:-``.
CaseId = Annotated[
    str, StringConstraints(min_length=1, max_length=64, pattern=_ID_PATTERN, strict=True)
]

#: A pseudonymous person identifier (same alphabet as :data:`CaseId`).
PersonId = Annotated[
    str, StringConstraints(min_length=1, max_length=64, pattern=_ID_PATTERN, strict=True)
]

#: A pseudonymous officer identifier (same alphabet as :data:`CaseId`).
OfficerId = Annotated[
    str, StringConstraints(min_length=1, max_length=64, pattern=_ID_PATTERN, strict=True)
]

#: The four OGRS3 risk bands, lowest first.
RISK_BANDS: tuple[str, ...] = ("low", "medium", "high", "very high")

#: One of :data:`RISK_BANDS`.
RiskBand = Literal["low", "medium", "high", "very high"]
