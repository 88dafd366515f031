"""Exact reproduction of the service's ARP, VRP and SVRP responses with :mod:`decimal`.

NOTICE: Coefficients and offence mapping from ministryofjustice/hmpps-arns-risk-actuarial-api,
MIT licence, Crown Copyright; see riskassess/data/hmpps/LICENSE-hmpps-arns.txt.

Arithmetic as the service's ``java.math.BigDecimal`` code (arns.md section 4): products,
powers and sums exact; the Copas / violent-rate division and ``ln`` to 34 significant
digits HALF_UP; ``exp`` to 34 digits; ``sigmoid = e / (1 + e)`` kept at the scale of ``e``
and rounded HALF_EVEN (Kotlin's ``/``); the percent rounded to 2 decimals HALF_UP, then
clamped (<= 0 -> 0.0, >= 100 -> 99.99) and banded; every ``featureValues`` entry rounded
to 15 decimals HALF_UP as the service's JSON serialiser does.

Examples
--------
>>> import datetime as dt
>>> out = score_request({"gender": "MALE", "dateOfBirth": "1991-07-17",
...                      "dateOfCurrentConviction": "2021-08-05",
...                      "dateAtStartOfFollowup": "2021-12-12", "ageAtFirstSanction": 21,
...                      "totalNumberOfSanctionsForAllOffences": 2,
...                      "currentOffenceCode": "11618"}, today=dt.date(2025, 6, 1))
>>> arp = out["allPredictor"]
>>> arp["type"], arp["output"], arp["featureValues"]["totalWeight"]
('STATIC', {'band': 'LOW', 'score': 4.27}, -3.109291542898093)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import (
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    Inexact,
    InvalidOperation,
    Overflow,
    Rounded,
)
from fractions import Fraction
from typing import Any

from riskassess.exceptions import FormError, RiskAssessError
from riskassess.instruments.arns._data import (
    PREDICTORS,
    FormCoefficients,
    FormName,
    PredictorName,
    bands,
    form_coefficients,
    offence_mapping,
)
from riskassess.instruments.arns._request import (
    ParsedRequest,
    age_at,
    months_between,
    parse_request,
)
from riskassess.instruments.arns._terms import NEED_SOURCES, TERMS, Term
from riskassess.instruments.arns._validation import validate_dynamic, validate_static

__all__ = [
    "ALGORITHMS",
    "OFM_CAP",
    "ScoringFailure",
    "band_for_score",
    "derive_inputs",
    "exact_terms",
    "percent_score",
    "score_request",
]

OFM_CAP = 36
ALGORITHMS: dict[str, tuple[str, str]] = {
    "arp": ("allPredictor", "ALL_REOFFENDING_PREDICTOR"),
    "vrp": ("violentPredictor", "VIOLENT_REOFFENDING_PREDICTOR"),
    "svrp": ("seriousViolentPredictor", "SERIOUS_VIOLENT_REOFFENDING_PREDICTOR"),
}
_EXACT = Context(
    prec=5000,
    rounding=ROUND_HALF_UP,
    Emax=999_999,
    Emin=-999_999,
    traps=[Inexact, Rounded, InvalidOperation, Overflow, DivisionByZero],
)
_BIG_MATH = Context(prec=34, rounding=ROUND_HALF_UP, traps=[InvalidOperation, DivisionByZero])
_ROUNDING = Context(prec=5000, rounding=ROUND_HALF_UP, Emax=999_999, Emin=-999_999)
_WIRE = Decimal("1e-15")
_CENT = Decimal("0.01")
_PROBLEM = {"NO_PROBLEMS": 0, "SOME_PROBLEMS": 1, "SIGNIFICANT_PROBLEMS": 2}
_MOTIVATION = {"FULL_MOTIVATION": 0, "PARTIAL_MOTIVATION": 1, "NO_MOTIVATION": 2}
_UNEXPECTED = "Unexpected error thrown during calculation, see logs for further details: "


class ScoringFailure(RiskAssessError, ArithmeticError):
    """The service's calculation threw: reported as one UNEXPECTED_ERROR (not public)."""


def _need_value(request: ParsedRequest, field: str, encoding: str) -> int:
    value = request[field]
    if value is None:
        return 0
    if encoding == "problem":
        return _PROBLEM[value]
    if encoding == "motivation":
        return _MOTIVATION[value]
    if encoding == "bool":
        return int(value)
    if encoding == "living_together":
        return int(value == "IN_RELATIONSHIP_LIVING_TOGETHER")
    return int(encoding.split(":", 1)[1] in value)  # conviction:<VALUE>


def derive_inputs(request: ParsedRequest) -> dict[str, int | str | None]:
    """Input columns of one request whose static fields are valid (see :data:`INPUT_COLUMNS`).

    Parameters
    ----------
    request : ParsedRequest
        Must have dateOfBirth, dateOfCurrentConviction (after the birth date), gender,
        ageAtFirstSanction, totalNumberOfSanctionsForAllOffences and a mapped
        currentOffenceCode.

    Returns
    -------
    dict
        Whole-year ages, counts, the actuarial category, capped offence-free months and
        every need item scored (absent items 0). ``n_violent_sanctions`` is None when
        absent.

    Raises
    ------
    ScoringFailure
        The start of follow-up is on or before the birth date (only SVRP gets this far).

    Examples
    --------
    >>> import datetime as dt
    >>> r = parse_request({"gender": "FEMALE", "dateOfBirth": "1980-01-01",
    ...     "dateOfCurrentConviction": "2020-01-01", "ageAtFirstSanction": 18,
    ...     "totalNumberOfSanctionsForAllOffences": 3, "currentOffenceCode": "02700",
    ...     "assessmentDate": "2021-03-15"})
    >>> d = derive_inputs(r)
    >>> d["female"], d["age_at_followup"], d["offence_free_months"], d["accommodation"]
    (1, 40, 14, 0)
    """
    dob = request["dateOfBirth"]
    conviction = request["dateOfCurrentConviction"]
    followup = request["dateAtStartOfFollowup"] or conviction
    age_conviction = age_at(dob, conviction)
    if followup <= dob:
        raise ScoringFailure(
            "Date at start of followup calculated cannot be on or before date of birth."
        )
    assessment = request.assessment_date
    # 0 when the assessment precedes follow-up: "not in the community"
    ofm = 0 if assessment < followup else min(months_between(followup, assessment), OFM_CAP)
    out: dict[str, int | str | None] = {
        "female": int(request["gender"] == "FEMALE"),
        "age_at_followup": age_at(dob, followup),
        "age_at_conviction": age_conviction,
        "age_at_first_sanction": request["ageAtFirstSanction"],
        "n_sanctions": request["totalNumberOfSanctionsForAllOffences"],
        "n_violent_sanctions": request["totalNumberOfViolentSanctions"],
        "offence_category": offence_mapping()[request["currentOffenceCode"]][0],
        "offence_free_months": ofm,
    }
    for column, (field, encoding) in NEED_SOURCES.items():
        out[column] = _need_value(request, field, encoding)
    return out


def _poly(coefficients: tuple[Decimal, ...], x: int) -> Decimal:
    total = Decimal(0)
    xd = Decimal(x)
    for k, c in enumerate(coefficients, start=1):
        total = _EXACT.add(total, _EXACT.multiply(c, _EXACT.power(xd, k)))
    return total


def _ln_ratio(numerator: int, denominator: int) -> Decimal:
    ratio = _BIG_MATH.divide(Decimal(numerator), Decimal(denominator))
    return ratio.ln(_BIG_MATH)


def _term_value(term: Term, c: FormCoefficients, row: Mapping[str, Any]) -> Decimal:
    sex = "female" if row["female"] else "male"
    coef_name = term.coef.format(sex=sex)
    kind = term.kind
    if kind == "intercept":
        return c.coefficients[coef_name]
    if kind == "age":
        return _poly(c.age_female if row["female"] else c.age_male, row["age_at_followup"])
    if kind == "female":
        return c.coefficients[coef_name] if row["female"] else Decimal(0)
    if kind == "offence":
        return c.offence_categories[row["offence_category"]]
    if kind == "equals":
        return c.coefficients[coef_name] if row[term.columns[0]] == term.value else Decimal(0)
    if kind == "linear":
        factor = Decimal(row[term.columns[0]] * term.value)
        return _EXACT.multiply(factor, c.coefficients[coef_name])
    if kind == "product":
        factor = Decimal(row[term.columns[0]] * row[term.columns[1]])
        return _EXACT.multiply(factor, c.coefficients[coef_name])
    if kind == "any":
        hit = any(row[col] for col in term.columns)
        return c.coefficients[coef_name] if hit else Decimal(0)
    if kind == "ofm":
        return _poly(c.offence_free_months, row["offence_free_months"])
    career = row["age_at_conviction"] - row["age_at_first_sanction"]
    if kind == "gap":
        if row["n_sanctions"] != 2:
            return Decimal(0)
        return _EXACT.multiply(Decimal(career), c.coefficients[coef_name])
    if kind == "copas":
        if row["n_sanctions"] < 3:
            return Decimal(0)
        log = _ln_ratio(row["n_sanctions"], career + c.copas_boost)
        return _EXACT.multiply(_EXACT.power(log, term.value), c.coefficients[coef_name])
    if kind == "violent_rate":
        if row["n_violent_sanctions"] == 0:
            return Decimal(0)
        boost = c.violent_rate_boost or 0  # every form with this term has one (30)
        log = _ln_ratio(row["n_violent_sanctions"], career + boost)
        return _EXACT.multiply(log, c.coefficients[coef_name])
    raise FormError(f"unknown term kind {kind!r}")  # pragma: no cover


def exact_terms(
    inputs: Mapping[str, Any], predictor: PredictorName, form: FormName
) -> dict[str, Decimal]:
    """Every term of ``predictor``/``form`` and ``totalWeight``, exact (not wire-rounded).

    Parameters
    ----------
    inputs : mapping
        Input columns (integers and the category), as :func:`derive_inputs` makes them.
    predictor : {"arp", "vrp", "svrp"}
    form : {"static", "dynamic"}

    Returns
    -------
    dict of str to Decimal
        In the service's ``featureValues`` order, ``totalWeight`` last.

    Examples
    --------
    >>> row = {"female": 0, "age_at_followup": 30, "age_at_conviction": 30,
    ...        "age_at_first_sanction": 30, "n_sanctions": 1, "n_violent_sanctions": 0,
    ...        "offence_category": "OTHER_OFFENCES", "offence_free_months": 0}
    >>> t = exact_terms(row, "svrp", "static")
    >>> t["firstSanctionWeight"] == form_coefficients("svrp", "static").coefficients[
    ...     "first_sanction"]
    True
    """
    c = form_coefficients(predictor, form)
    out: dict[str, Decimal] = {}
    total = Decimal(0)
    for term in TERMS[predictor, form]:
        value = _term_value(term, c, inputs)
        out[term.name] = value
        total = _EXACT.add(total, value)
    out["totalWeight"] = total
    return out


def percent_score(total_weight: Decimal) -> float:
    """The service's percent score of a total weight, before banding.

    ``100 * e / (1 + e)`` with ``e = exp(total)`` to 34 digits, the quotient at the scale
    of ``e`` (HALF_EVEN), then 2 decimals HALF_UP, as a double; <= 0 gives 0.0 and
    >= 100 gives 99.99.

    Parameters
    ----------
    total_weight : Decimal

    Returns
    -------
    float

    Examples
    --------
    >>> from decimal import Decimal
    >>> percent_score(Decimal("-3.109291542898093")), percent_score(Decimal(-20))
    (4.27, 0.0)
    """
    e = total_weight.exp(_BIG_MATH)
    scale = -int(e.as_tuple().exponent)  # a finite exp() always has an int exponent
    ratio = Fraction(e) / (1 + Fraction(e))
    quotient = round(ratio * Fraction(10) ** scale)  # HALF_EVEN, as Kotlin's BigDecimal "/"
    sigmoid = Decimal(quotient).scaleb(-scale)
    percent = float((sigmoid * 100).quantize(_CENT, rounding=ROUND_HALF_UP))
    if percent <= 0.0:
        return 0.0
    if percent >= 100.0:
        return 99.99
    return percent


def band_for_score(predictor: PredictorName, score: float) -> str:
    """The service's band of a 2-decimal percent score.

    Parameters
    ----------
    predictor : {"arp", "vrp", "svrp"}
    score : float

    Returns
    -------
    str

    Raises
    ------
    ScoringFailure
        ARP / VRP score of 0.0 or less (the service throws: UNEXPECTED_ERROR).

    Examples
    --------
    >>> band_for_score("svrp", 6.9), band_for_score("arp", 49.99)
    ('VERY_HIGH', 'LOW')
    """
    table = bands(predictor)
    if score < 0.0 or (score == 0.0 and not table[0].lower_inclusive):
        raise ScoringFailure(f"Percentage score cannot be less than 0%: {score!r}")
    for band in table:
        if score < band.upper:
            return band.name
    raise ScoringFailure(f"Percentage score cannot exceed 100%: {score!r}")  # pragma: no cover


def _wire(value: Decimal) -> Decimal:
    return value.quantize(_WIRE, rounding=ROUND_HALF_UP, context=_ROUNDING)


def _predictor_response(
    predictor: PredictorName,
    form: FormName | None,
    score: float | None,
    band: str | None,
    features: dict[str, Decimal],
    errors: list[dict[str, Any]],
) -> dict[str, Any]:
    return {
        "algorithm": ALGORITHMS[predictor][1],
        "type": form.upper() if form else None,
        "modelVersion": "1.0",
        "thresholdsVersion": "1.0",
        "output": {"band": band, "score": score},
        "featureValues": features,
        "validationErrors": errors,
    }


def _score_one(
    predictor: PredictorName, request: ParsedRequest
) -> dict[str, Any]:
    static_errors = validate_static(predictor, request)
    dynamic_errors = validate_dynamic(predictor, request)
    if static_errors:
        return _predictor_response(predictor, None, None, None, {}, static_errors + dynamic_errors)
    form: FormName = "static" if dynamic_errors else "dynamic"
    try:
        inputs = derive_inputs(request)
        terms = exact_terms(inputs, predictor, form)
        score = percent_score(terms["totalWeight"])
        band = band_for_score(predictor, score)
    except ScoringFailure as exc:
        error = {"type": "UNEXPECTED_ERROR", "message": _UNEXPECTED + str(exc), "fields": []}
        return _predictor_response(predictor, None, None, None, {}, [error])
    features = {name: _wire(value) for name, value in terms.items()}
    return _predictor_response(predictor, form, score, band, features, dynamic_errors)


def score_request_decimal(
    request: Mapping[str, Any], *, today: dt.date | None = None
) -> dict[str, Any]:
    """As :func:`score_request`, with ``featureValues`` as the 15-decimal :class:`Decimal`.

    These are digit for digit the numbers the service writes into its JSON.

    Parameters
    ----------
    request : mapping
    today : datetime.date, optional

    Returns
    -------
    dict

    Examples
    --------
    >>> out = score_request_decimal({"version": "V1_0"})
    >>> out["seriousViolentPredictor"]["featureValues"]
    {}
    """
    parsed = parse_request(request, today=today)
    return {ALGORITHMS[p][0]: _score_one(p, parsed) for p in PREDICTORS}


def score_request(request: Mapping[str, Any], *, today: dt.date | None = None) -> dict[str, Any]:
    """Score one request as ``/risk-scores/v1`` does: the ``actuarialPredictors`` object.

    Parameters
    ----------
    request : mapping
        The decoded JSON body (camelCase fields of the service's ``RiskScoreRequest``).
    today : datetime.date, optional
        The server's "today", used only when the request has no ``assessmentDate``
        (offence-free months and the three-month conviction rule depend on it, so such a
        request is not reproducible unless ``today`` is fixed). Default
        :meth:`datetime.date.today`.

    Returns
    -------
    dict
        ``{"allPredictor", "violentPredictor", "seriousViolentPredictor"}``, each
        ``{"algorithm", "type", "modelVersion", "thresholdsVersion",
        "output": {"band", "score"}, "featureValues", "validationErrors"}`` with the
        service's key order, types and nulls: ``type`` "STATIC" / "DYNAMIC" / None,
        ``score`` a float such as 4.27 or None, ``featureValues`` floats (the service's
        15-decimal values) or ``{}``, errors as ``{"type", "message", "fields"}``.

    Raises
    ------
    RequestError
        Where the service answers HTTP 400: not an object, unknown field, wrong JSON
        type, number for an enum, non-boolean for a boolean, unknown enum value, bad date,
        explicit null for ``version`` or ``assessmentDate``.

    Examples
    --------
    >>> out = score_request({"version": "V1_0"})
    >>> [e["type"] for e in out["violentPredictor"]["validationErrors"]]
    ['MISSING_MANDATORY_INPUT', 'DATE_OF_START_OF_FOLLOWUP_REQUIRED', 'MISSING_DYNAMIC_INPUT']
    >>> out["violentPredictor"]["output"]
    {'band': None, 'score': None}
    """
    out = score_request_decimal(request, today=today)
    for block in out.values():
        block["featureValues"] = {k: float(v) for k, v in block["featureValues"].items()}
    return out
