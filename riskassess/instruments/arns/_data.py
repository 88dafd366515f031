"""Coefficients and offence mapping of HMPPS's ARP, VRP and SVRP, loaded from package data.

NOTICE: Coefficients and offence mapping from ministryofjustice/hmpps-arns-risk-actuarial-api,
MIT licence, Crown Copyright; see riskassess/data/hmpps/LICENSE-hmpps-arns.txt.

The files live in the base layer (``riskassess/data/hmpps/``, read through
:mod:`riskassess._hmpps`, which the case record also uses for offence codes).
``coefficients.json`` keeps every coefficient as the service holds it: for the
``BigDecimal(double)`` ones the exact binary value of the double (``exact_value``), for
the offence categories the decimal literal (SVRP's violence groups as the exact sum of
their two literals). Everything is read once and cached.

Examples
--------
>>> from riskassess.instruments.arns import offence_category
>>> offence_category("11618")
('OTHER_OFFENCES', False)
>>> c = form_coefficients("vrp", "dynamic")
>>> len(c.age_male), len(c.age_female), len(c.offence_free_months)
(2, 4, 2)
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from types import MappingProxyType
from typing import Any, Literal

from riskassess._hmpps import hmpps_json, offence_category, offence_mapping
from riskassess.exceptions import FeatureError, FormError

__all__ = [
    "BAND_NAMES",
    "FORMS",
    "PREDICTORS",
    "Band",
    "FormCoefficients",
    "bands",
    "form_coefficients",
    "offence_category",
    "offence_mapping",
]

PredictorName = Literal["arp", "vrp", "svrp"]
FormName = Literal["static", "dynamic"]
PREDICTORS: tuple[PredictorName, ...] = ("arp", "vrp", "svrp")
FORMS: tuple[FormName, ...] = ("static", "dynamic")
BAND_NAMES = ("LOW", "MEDIUM", "HIGH", "VERY_HIGH")
_JSON_KEY = {"arp": "ARP", "vrp": "VRP", "svrp": "SVRP"}


@cache
def _coefficients_json() -> dict[str, Any]:
    data: dict[str, Any] = hmpps_json("coefficients.json")
    return data


@dataclass(frozen=True)
class FormCoefficients:
    """One predictor's coefficients in one form (STATIC or DYNAMIC), exactly as the service.

    Attributes
    ----------
    predictor : {"arp", "vrp", "svrp"}
    form : {"static", "dynamic"}
    coefficients : mapping of str to Decimal
        Every scalar coefficient under its clear key of ``coefficients.json``
        (``intercept``, ``female``, ``copas_male``, ``accommodation``, ...), as the exact
        value the service multiplies with.
    age_male, age_female, offence_free_months : tuple of Decimal
        Polynomial coefficients c_1..c_K (term k is c_k * x**k, no constant term).
    offence_categories : mapping of str to Decimal
        Coefficient of each of the 24 actuarial categories.
    copas_boost : int
        Years added to the career length in the Copas rate (ARP 26, VRP/SVRP 12).
    violent_rate_boost : int or None
        Years added in the violent rate (30), None for ARP.

    Examples
    --------
    >>> c = form_coefficients("arp", "static")
    >>> str(c.coefficients["intercept"])[:20], c.copas_boost, c.violent_rate_boost
    ('5.017022924990720333', 26, None)
    >>> c.float("intercept")
    5.01702292499072
    """

    predictor: PredictorName
    form: FormName
    coefficients: MappingProxyType[str, Decimal]
    age_male: tuple[Decimal, ...]
    age_female: tuple[Decimal, ...]
    offence_free_months: tuple[Decimal, ...]
    offence_categories: MappingProxyType[str, Decimal]
    copas_boost: int
    violent_rate_boost: int | None

    def float(self, name: str) -> float:
        """The coefficient ``name`` as the nearest double (the service's double literal).

        Parameters
        ----------
        name : str
            A key of :attr:`coefficients`.

        Returns
        -------
        float

        Examples
        --------
        >>> form_coefficients("svrp", "dynamic").float("past_arson")
        0.0073649024927637
        """
        return float(self.coefficients[name])


def _exact(entry: dict[str, Any]) -> Decimal:
    construction = entry["construction"]
    if construction == "BigDecimal(double)":
        value = Decimal(entry["exact_value"])
        if value != Decimal(float(entry["value"])):  # pragma: no cover - data integrity
            raise FormError(f"exact_value of {entry} is not the double of its literal")
        return value
    if construction == "BigDecimal(String)":
        return Decimal(entry["value"])
    if construction == "BigDecimal(String).add(BigDecimal(String))":
        total = sum((Decimal(t) for t in entry["terms"]), Decimal(0))
        return total
    raise FormError(f"unknown construction {construction!r}")  # pragma: no cover


@cache
def form_coefficients(predictor: PredictorName, form: FormName) -> FormCoefficients:
    """The coefficients of ``predictor`` in ``form``, cached.

    Parameters
    ----------
    predictor : {"arp", "vrp", "svrp"}
    form : {"static", "dynamic"}

    Returns
    -------
    FormCoefficients

    Raises
    ------
    FeatureError
        Unknown predictor or form.

    Examples
    --------
    >>> sorted(form_coefficients("svrp", "static").offence_categories)[:2]
    ['ABSCONDING_OR_BAIL', 'ACQUISITIVE_VIOLENCE']
    """
    if predictor not in _JSON_KEY or form not in FORMS:
        raise FeatureError(
            f"predictor must be one of {PREDICTORS} and form one of {FORMS}, "
            f"got {predictor!r}, {form!r}"
        )
    block = _coefficients_json()["predictors"][_JSON_KEY[predictor]]
    raw = block[form]
    coefs = {name: _exact(entry) for name, entry in raw["coefficients"].items()}
    polys = raw["polynomials"]
    boost = block["career_boost"]
    return FormCoefficients(
        predictor=predictor,
        form=form,
        coefficients=MappingProxyType(coefs),
        age_male=tuple(coefs[k] for k in polys["age_male"]),
        age_female=tuple(coefs[k] for k in polys["age_female"]),
        offence_free_months=tuple(coefs[k] for k in polys["offence_free_months"]),
        offence_categories=MappingProxyType(
            {cat: _exact(entry) for cat, entry in raw["offence_category_coefficients"].items()}
        ),
        copas_boost=int(boost["copas"]),
        violent_rate_boost=int(boost["violent_rate"]) if "violent_rate" in boost else None,
    )


@dataclass(frozen=True)
class Band:
    """A risk band on the 2-decimal percent score: ``lower <= score < upper``.

    ``lower_inclusive`` is False for the LOW band of ARP and VRP, whose score 0.00 the
    service refuses (UNEXPECTED_ERROR).

    Examples
    --------
    >>> bands("svrp")[-1]
    Band(name='VERY_HIGH', lower=6.9, lower_inclusive=True, upper=100.0)
    """

    name: str
    lower: float
    lower_inclusive: bool
    upper: float


@cache
def bands(predictor: PredictorName) -> tuple[Band, ...]:
    """The service's four bands of ``predictor``, LOW first.

    Parameters
    ----------
    predictor : {"arp", "vrp", "svrp"}

    Returns
    -------
    tuple of Band

    Examples
    --------
    >>> [(b.name, b.lower) for b in bands("arp")]
    [('LOW', 0.0), ('MEDIUM', 50.0), ('HIGH', 75.0), ('VERY_HIGH', 90.0)]
    """
    if predictor not in _JSON_KEY:
        raise FeatureError(f"predictor must be one of {PREDICTORS}, got {predictor!r}")
    raw = _coefficients_json()["predictors"][_JSON_KEY[predictor]]["bands"]
    return tuple(
        Band(
            name=name,
            lower=float(raw[name]["from"]),
            lower_inclusive=bool(raw[name]["from_inclusive"]),
            upper=float(raw[name]["to"]),
        )
        for name in BAND_NAMES
    )
