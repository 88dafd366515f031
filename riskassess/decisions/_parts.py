"""The parts of an assessment as plain data, what they may hold, and free-text rules.

Horizon probabilities, the explanation (per-feature contributions), the reasons read to
the officer, the model's identity and bands, and warnings: each a frozen record that
checks itself. Two rules protect what is stored in a decision log:

* **Data minimisation.** A feature value in an explanation or a reason is stored only as
  precisely as an officer needs: features measured in years (age, age at follow-up, age
  at first sanction, career length, years since the last sanction; unit ``"years"`` in
  :data:`riskassess.features.FEATURES`) in whole years, rounded down, and the Copas rate
  to two decimals, so no date of birth or sanction date can be worked back from a record.
  Dates themselves are never part of an explanation.
* **Free text.** Rationales and other text are refused when they hold control characters
  (Unicode Cc other than tab and newline, including ANSI escapes; lone surrogates; line
  and paragraph separators) or invisible bidirectional and zero-width format characters
  (U+061C, U+200B, U+200E-U+200F, U+202A-U+202E, U+2060-U+2064, U+2066-U+2069, U+FEFF),
  which can make a log display something other than what it holds. A rationale is at
  most :data:`MAX_RATIONALE_CHARS` characters; Windows line ends become ``\\n``.

Examples
--------
>>> FeatureContribution(feature="age", value=33.83436, contribution=-0.18).value
33.0
>>> check_free_text("Seen at home.\\u202eevil", case_id="C-1", field="rationale")
Traceback (most recent call last):
...
riskassess.exceptions.DecisionError: case 'C-1', field 'rationale': character U+202E ...
"""

from __future__ import annotations

import math
import re
import unicodedata
from bisect import bisect_right
from enum import StrEnum
from itertools import pairwise
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from riskassess.exceptions import DecisionError
from riskassess.features import FEATURES
from riskassess.types import RISK_BANDS, Probability

__all__ = [
    "MAX_RATIONALE_CHARS",
    "MIN_RATIONALE_CHARS",
    "MIN_RATIONALE_DISTINCT",
    "MIN_RATIONALE_WORDS",
    "AssessmentWarning",
    "ExplanationRecord",
    "FeatureContribution",
    "HorizonProbability",
    "ModelInfo",
    "OverrideReason",
    "ReasonRecord",
    "check_free_text",
    "check_rationale",
    "link_probability",
    "minimised_value",
]

#: An override rationale needs at least this many non-whitespace characters.
MIN_RATIONALE_CHARS = 20
#: ... at least this many words (runs of non-space characters containing a letter) ...
MIN_RATIONALE_WORDS = 3
#: ... and at least this many distinct characters (case-insensitive, spaces ignored).
MIN_RATIONALE_DISTINCT = 8
#: Longest rationale accepted (characters).
MAX_RATIONALE_CHARS = 4000

# Cc except tab and newline; surrogates; line/paragraph separators; bidi and zero-width
# format characters. One compiled class: a 4,000-character text is checked in microseconds.
_FORBIDDEN = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b\u200e\u200f\u2028-\u202e"
    "\u2060-\u2064\u2066-\u2069\ufeff\ud800-\udfff]")


def check_free_text(text: str, *, case_id: str = "?", field: str = "text",
                    max_chars: int = MAX_RATIONALE_CHARS) -> str:
    """Refuse over-long text and control or invisible characters; return it normalised.

    Parameters
    ----------
    text : str
        The text (e.g. a rationale).
    case_id, field : str
        Named in the error.
    max_chars : int, default MAX_RATIONALE_CHARS
        Longest accepted, after stripping surrounding whitespace.

    Returns
    -------
    str
        Stripped, with ``\\r\\n`` turned into ``\\n``.

    Raises
    ------
    DecisionError
        Naming the case id, the field and the first offending character.

    Examples
    --------
    >>> check_free_text("  Two lines\\r\\nof text ")
    'Two lines\\nof text'
    >>> check_free_text("\\x1b[31mred", case_id="C-2", field="rationale")
    Traceback (most recent call last):
    ...
    riskassess.exceptions.DecisionError: case 'C-2', field 'rationale': character U+001B ...
    """
    where = f"case {case_id!r}, field {field!r}"
    if not isinstance(text, str):
        raise DecisionError(f"{where}: must be text, got {type(text).__name__}")
    # The length check comes first, so a 5 MB text costs one len() before it is refused.
    if len(text) > max_chars and len(text.strip()) > max_chars:
        raise DecisionError(f"{where}: {len(text.strip())} characters, at most {max_chars} "
                            "allowed")
    out = text.strip().replace("\r\n", "\n")
    bad = _FORBIDDEN.search(out)
    if bad is not None:
        ch = bad.group()
        name = unicodedata.name(ch, "control character")
        raise DecisionError(f"{where}: character U+{ord(ch):04X} ({name}) at position "
                            f"{bad.start()} is not allowed (control, bidirectional or "
                            "invisible characters)")
    return out


def _plain_text(value: str) -> str:
    return check_free_text(value, field="text", max_chars=1000)


def minimised_value(feature: str, value: Any) -> Any:
    """A feature value as precisely as it is stored (see the module docstring).

    Examples
    --------
    >>> minimised_value("years_since_last_sanction", 4.7501711)
    4.0
    >>> minimised_value("copas_rate", -1.998107503), minimised_value("priors_count", 3.0)
    (-2.0, 3.0)
    """
    spec = FEATURES.get(feature)
    if spec is None or isinstance(value, bool) or not isinstance(value, int | float):
        return value
    if not math.isfinite(value):
        return None
    if spec.unit == "years":
        return float(math.floor(value))
    if spec.unit == "log sanctions per year":
        return round(float(value), 2)
    return value


_Text = Annotated[str, StringConstraints(min_length=1, max_length=1000),
                  AfterValidator(_plain_text)]


def _nan_to_none(value: Any) -> Any:
    """A missing numeric value is stored as None (NaN would not survive JSON)."""
    return None if isinstance(value, float) and not math.isfinite(value) else value


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class OverrideReason(StrEnum):
    """Coded reason for an override; each value is a stable code stored in the log.

    Examples
    --------
    >>> OverrideReason("protective_factors").label
    'protective factors'
    """

    INFORMATION_NOT_CAPTURED = "information_not_captured"
    PROTECTIVE_FACTORS = "protective_factors"
    RECENT_CHANGE = "recent_change"
    RECORD_ERROR = "record_error"
    SERIOUS_HARM = "serious_harm"
    POLICY = "policy"

    @property
    def label(self) -> str:
        """Plain-English label."""
        return _REASON_LABELS[self.value]


_REASON_LABELS = {
    "information_not_captured": "information the tool does not capture",
    "protective_factors": "protective factors",
    "recent_change": "recent change in circumstances",
    "record_error": "error in the record",
    "serious_harm": "professional judgement of serious harm",
    "policy": "policy",
}


class HorizonProbability(_Frozen):
    """Probability of proven reoffending within ``years`` years.

    Examples
    --------
    >>> HorizonProbability(years=2, probability=0.31)
    HorizonProbability(years=2, probability=0.31)
    >>> HorizonProbability(years=2, probability=1.3)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    pydantic_core._pydantic_core.ValidationError: 1 validation error for HorizonProbability
    ...
    """

    years: int = Field(ge=1, le=10, description="Follow-up horizon in years.")
    probability: Probability = Field(description="Predicted probability for that horizon.")


class FeatureContribution(_Frozen):
    """One feature's exact contribution to the score (on the explanation's scale).

    Examples
    --------
    >>> FeatureContribution(feature="age", value=float("nan"), contribution=-0.25)
    FeatureContribution(feature='age', value=None, contribution=-0.25)
    >>> FeatureContribution(feature="career_length", value=4.75, contribution=-0.16).value
    4.0
    """

    feature: str = Field(min_length=1, description="Feature (or term) name.")
    value: float | str | None = Field(description=(
        "The case's value of the feature, as stored: years in whole years (rounded down), "
        "the Copas rate to 2 decimals."))
    contribution: float = Field(allow_inf_nan=False, description="Contribution to the score.")

    _value_nan_is_none = field_validator("value")(lambda v: _nan_to_none(v))

    @model_validator(mode="after")
    def _minimise(self) -> Self:
        # Frozen model: the validated value is replaced in place, once, at construction.
        self.__dict__["value"] = minimised_value(self.feature, self.value)
        return self


class ExplanationRecord(_Frozen):
    """The explanation as plain data: base value plus per-feature contributions.

    ``base_value + sum(contributions)`` is the model's output on the ``link`` scale
    (log-odds for ``"logit"``, log cumulative hazard for ``"cloglog"``, probability for
    ``"identity"``).

    Examples
    --------
    >>> e = ExplanationRecord(base_value=-1.0, link="logit", contributions=(
    ...     FeatureContribution(feature="age", value=23, contribution=0.6),
    ...     FeatureContribution(feature="priors", value=4, contribution=0.4)))
    >>> round(e.output, 6), round(e.probability, 3)
    (0.0, 0.5)
    """

    base_value: float = Field(allow_inf_nan=False, description="Expected model output.")
    link: Literal["logit", "cloglog", "identity"] = Field(description="Scale of the values.")
    contributions: tuple[FeatureContribution, ...] = Field(
        description="Per-feature contributions, in the model's feature order."
    )

    @property
    def output(self) -> float:
        """Base value plus all contributions (the model's output on the link scale)."""
        return self.base_value + math.fsum(c.contribution for c in self.contributions)

    @property
    def probability(self) -> float:
        """The output mapped to a probability."""
        return link_probability(self.link, self.output)


def link_probability(link: str, z: float) -> float:
    """A value on the ``link`` scale as a probability (plain Python: one case at a time).

    The scalar spelling of :func:`riskassess.models.inverse_link`, for records and their
    displays, which must not need numpy; tests/decisions/test_waterfall_links.py holds
    the two equal.

    Examples
    --------
    >>> link_probability("logit", 0.0), link_probability("identity", 0.3)
    (0.5, 0.3)
    >>> round(link_probability("cloglog", 0.0), 4)  # 1 - exp(-1)
    0.6321
    """
    if link == "identity":
        return z
    if link == "cloglog":  # log cumulative hazard: p = 1 - exp(-exp(z))
        return -math.expm1(-math.exp(min(z, 700.0)))
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


class ReasonRecord(_Frozen):
    """One plain-English reason read to the officer, with the numbers behind it.

    Examples
    --------
    >>> r = ReasonRecord(text="Four prior convictions raise the risk by 9 percentage points.",
    ...                  feature="priors", value=4, contribution=0.4, change=9.0)
    >>> r.feature, r.change
    ('priors', 9.0)
    >>> ReasonRecord(text="Age lowers the risk.").contribution is None
    True
    """

    text: _Text = Field(description="The reason in plain English.")
    feature: str | None = Field(default=None, description="Feature the reason is about.")
    value: float | str | None = Field(
        default=None, description="The case's value (as precise as FeatureContribution's).")
    contribution: float | None = Field(
        default=None, allow_inf_nan=False, description="Contribution on the explanation scale."
    )
    change: float | None = Field(
        default=None, allow_inf_nan=False,
        description="Signed change in risk, percentage points, against the average case.",
    )

    _value_nan_is_none = field_validator("value")(lambda v: _nan_to_none(v))

    @model_validator(mode="after")
    def _minimise(self) -> Self:
        if self.feature is not None:
            self.__dict__["value"] = minimised_value(self.feature, self.value)
        return self


class ModelInfo(_Frozen):
    """Which model produced an assessment.

    Examples
    --------
    >>> info = ModelInfo(name="OGRS3", version="0.1.0", fingerprint="ab12")
    >>> info.name, info.fingerprint
    ('OGRS3', 'ab12')
    >>> info.model_dump()  # doctest: +NORMALIZE_WHITESPACE
    {'name': 'OGRS3', 'version': '0.1.0', 'fingerprint': 'ab12', 'cut_points': None,
     'band_labels': None, 'band_horizon_years': None}
    >>> ogrs3 = ModelInfo(name="OGRS3", version="1", fingerprint="ab12",
    ...                   cut_points=(0.5, 0.75, 0.9),
    ...                   band_labels=("low", "medium", "high", "very high"),
    ...                   band_horizon_years=2)
    >>> ogrs3.band_of(0.75)
    'high'
    """

    name: str = Field(min_length=1, max_length=200, description="Model class or name.")
    version: str = Field(min_length=1, max_length=100, description="Model / library version.")
    fingerprint: str = Field(
        min_length=1, max_length=128, description="Fingerprint of the fitted model's content."
    )
    cut_points: tuple[float, ...] | None = Field(default=None, description=(
        "The model's band cut-points (a cut-point belongs to the band above it); None when "
        "not recorded."))
    band_labels: tuple[str, ...] | None = Field(default=None, description=(
        "Band labels, lowest risk first (one more than cut-points)."))
    band_horizon_years: int | None = Field(default=None, ge=1, le=10, description=(
        "Horizon (years) of the probability the bands apply to (OGRS3: 2, whatever its "
        "horizon); None: the assessment's own probability."))

    @model_validator(mode="after")
    def _bands_make_sense(self) -> Self:
        if (self.cut_points is None) != (self.band_labels is None):
            raise DecisionError("cut_points and band_labels are given together or not at all")
        if self.cut_points is not None and self.band_labels is not None:
            cuts = self.cut_points
            if not all(0 < c < 1 and math.isfinite(c) for c in cuts) or any(
                    b <= a for a, b in pairwise(cuts)):
                raise DecisionError(f"cut_points must increase strictly inside (0, 1); got {cuts}")
            if len(self.band_labels) != len(cuts) + 1:
                raise DecisionError(f"{len(cuts)} cut-points need {len(cuts) + 1} band labels; "
                                 f"got {self.band_labels}")
        return self

    def band_of(self, probability: float) -> str | None:
        """The band these cut-points give ``probability`` (None when none are recorded)."""
        if self.cut_points is None or self.band_labels is None:
            return None
        return self.band_labels[bisect_right(self.cut_points, probability)]


class AssessmentWarning(_Frozen):
    """Something the officer should know about the input of an assessment.

    Examples
    --------
    >>> w = AssessmentWarning(code="out_of_range", feature="age",
    ...                       message="age 97 is above the training range (18 to 80)")
    >>> w.code, w.feature
    ('out_of_range', 'age')
    """

    code: Literal["out_of_range", "missing"] = Field(
        description="out_of_range: value outside the training range; missing: item missing."
    )
    feature: str = Field(min_length=1, description="The feature concerned.")
    message: _Text = Field(description="Plain-English description.")


def check_rationale(rationale: object, *, case_id: str = "?") -> str:
    """Check an override rationale has real length and plain text; return it normalised.

    A rationale is accepted when it passes :func:`check_free_text` (at most
    :data:`MAX_RATIONALE_CHARS` characters, no control or invisible characters) and,
    after stripping, has at least :data:`MIN_RATIONALE_CHARS` non-whitespace characters,
    at least :data:`MIN_RATIONALE_WORDS` words containing a letter and at least
    :data:`MIN_RATIONALE_DISTINCT` distinct characters (ignoring case and whitespace).

    Raises
    ------
    DecisionError
        Naming the case id and saying which rule failed.

    Examples
    --------
    >>> check_rationale("  Protective family support confirmed at home visit. ")
    'Protective family support confirmed at home visit.'
    >>> check_rationale("see file see file see file")
    Traceback (most recent call last):
    ...
    riskassess.exceptions.DecisionError: case '?': rationale needs at least 8 distinct ...
    """
    if not isinstance(rationale, str):
        raise DecisionError(f"case {case_id!r}: rationale must be text, got {type(rationale)}")
    text = check_free_text(rationale, case_id=case_id, field="rationale")
    compact = "".join(text.split())
    if len(compact) < MIN_RATIONALE_CHARS:
        raise DecisionError(
            f"case {case_id!r}: rationale needs at least {MIN_RATIONALE_CHARS} non-space "
            f"characters, got {len(compact)}: {text!r}"
        )
    words = [w for w in text.split() if any(ch.isalpha() for ch in w)]
    if len(words) < MIN_RATIONALE_WORDS:
        raise DecisionError(
            f"case {case_id!r}: rationale needs at least {MIN_RATIONALE_WORDS} words, "
            f"got {len(words)}: {text!r}"
        )
    distinct = len(set(compact.lower()))
    if distinct < MIN_RATIONALE_DISTINCT:
        raise DecisionError(
            f"case {case_id!r}: rationale needs at least {MIN_RATIONALE_DISTINCT} distinct "
            f"characters, got {distinct}: {text!r}"
        )
    return text


def _direction(model_band: str, final_band: str) -> Literal["up", "down"] | None:
    """Direction of a move between bands: ``"up"``, ``"down"`` or None (the same band)."""
    i, j = RISK_BANDS.index(model_band), RISK_BANDS.index(final_band)
    return None if i == j else ("up" if j > i else "down")
