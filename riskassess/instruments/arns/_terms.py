"""The terms of ARP, VRP and SVRP in the service's ``featureValues`` order, as data.

One table drives both the exact scorer (:mod:`._exact`, ``decimal``) and the vectorised
one (:mod:`._vector`, float64), so the two cannot drift apart. Each :class:`Term` reads
the snake_case input columns of :data:`INPUT_COLUMNS`; ``{sex}`` in a coefficient name
stands for ``male`` or ``female``.

Examples
--------
>>> [t.name for t in TERMS["svrp", "static"]][-4:]
['neverViolentWeight', 'onceViolentWeight', 'violentSanctionsWeight', 'violenceRateWeight']
>>> len(TERMS["arp", "dynamic"]), len(TERMS["vrp", "dynamic"]), len(TERMS["svrp", "dynamic"])
(32, 35, 29)
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "DERIVED_COLUMNS",
    "INPUT_COLUMNS",
    "NEED_COLUMNS",
    "NEED_SOURCES",
    "TERMS",
    "Term",
]

#: Columns derived from the history fields of a request (all numeric except the category).
DERIVED_COLUMNS: tuple[str, ...] = (
    "female",
    "age_at_followup",
    "age_at_conviction",
    "age_at_first_sanction",
    "n_sanctions",
    "n_violent_sanctions",
    "offence_category",
    "offence_free_months",
)

#: Need-item column -> (request field, encoding). Encodings: "problem" (NO_PROBLEMS 0,
#: SOME_PROBLEMS 1, SIGNIFICANT_PROBLEMS 2), "motivation" (FULL 0, PARTIAL 1, NO 2),
#: "bool" (false 0, true 1), "living_together" (1 iff currentRelationshipStatus is
#: IN_RELATIONSHIP_LIVING_TOGETHER), "conviction:<VALUE>" (1 iff previousConvictions
#: contains VALUE). An absent item is 0.
NEED_SOURCES: dict[str, tuple[str, str]] = {
    "accommodation": ("suitabilityOfAccommodation", "problem"),
    "unemployed": ("isUnemployed", "bool"),
    "relationship_with_partner": ("currentRelationshipWithPartner", "problem"),
    "living_with_partner": ("currentRelationshipStatus", "living_together"),
    "domestic_abuse": ("evidenceOfDomesticAbuse", "bool"),
    "regular_offending_activities": ("regularOffendingActivities", "problem"),
    "drug_motivation": ("motivationToTackleDrugMisuse", "motivation"),
    "chronic_drinking": ("currentAlcoholUseProblems", "problem"),
    "binge_drinking": ("excessiveAlcoholUse", "problem"),
    "impulsivity": ("impulsivityProblems", "problem"),
    "temper_control": ("temperControl", "problem"),
    "pro_criminal_attitudes": ("proCriminalAttitudes", "problem"),
    "heroin": ("hasHeroinUsage", "bool"),
    "methadone": ("hasMethadoneUsage", "bool"),
    "other_opiate": ("hasOtherOpiateUsage", "bool"),
    "crack_cocaine": ("hasCrackCocaineUsage", "bool"),
    "powder_cocaine": ("hasPowderCocaineUsage", "bool"),
    "misused_prescription_drugs": ("hasMisusedPrescriptionDrugUsage", "bool"),
    "benzodiazepines": ("hasBenzodiazepinesUsage", "bool"),
    "cannabis": ("hasCannabisUsage", "bool"),
    "steroids": ("hasSteroidsUsage", "bool"),
    "other_drugs": ("hasOtherDrugsUsage", "bool"),
    "ketamine": ("hasKetamineUsage", "bool"),
    "spice": ("hasSpiceUsage", "bool"),
    "hallucinogens": ("hasHallucinogensUsage", "bool"),
    "solvents": ("hasSolventsUsage", "bool"),
    "weapon_in_current_offence": ("didOffenceInvolveCarryingOrUsingWeapon", "bool"),
    "past_homicide": ("previousConvictions", "conviction:HOMICIDE"),
    "past_wounding_gbh": ("previousConvictions", "conviction:WOUNDING_GBH"),
    "past_kidnapping": ("previousConvictions", "conviction:KIDNAPPING"),
    "past_firearms": ("previousConvictions", "conviction:FIREARMS"),
    "past_robbery": ("previousConvictions", "conviction:ROBBERY"),
    "past_aggravated_burglary": ("previousConvictions", "conviction:AGGRAVATED_BURGLARY"),
    "past_weapon": ("previousConvictions", "conviction:WEAPON"),
    "past_criminal_damage": ("previousConvictions", "conviction:CRIMINAL_DAMAGE"),
    "past_arson": ("previousConvictions", "conviction:ARSON"),
}
NEED_COLUMNS: tuple[str, ...] = tuple(NEED_SOURCES)
INPUT_COLUMNS: tuple[str, ...] = DERIVED_COLUMNS + NEED_COLUMNS


@dataclass(frozen=True)
class Term:
    """One additive term of a predictor.

    Attributes
    ----------
    name : str
        The service's ``featureValues`` key.
    kind : str
        ``intercept`` | ``age`` | ``female`` | ``offence`` | ``equals`` (coef if
        ``columns[0] == value``) | ``linear`` (``value * column * coef``) | ``gap``
        (n == 2: career years * coef) | ``ofm`` | ``copas`` (n >= 3:
        coef * ln(n / (career + boost)) ** value) | ``violent_rate`` (v >= 1:
        coef * ln(v / (career + boost))) | ``product`` (product of columns * coef) |
        ``any`` (coef if any column is non-zero).
    columns : tuple of str
        Input columns read (besides ``female`` for sex-specific coefficients).
    coef : str
        Coefficient key; ``{sex}`` is replaced by ``male`` / ``female``.
    value : int
        The compared value (``equals``), multiplier (``linear``) or power (``copas``).

    Examples
    --------
    >>> TERMS["arp", "dynamic"][12]
    Term(name='unemployedWeight', kind='linear', columns=('unemployed',), coef='unemployed', value=2)
    """  # noqa: E501

    name: str
    kind: str
    columns: tuple[str, ...] = ()
    coef: str = ""
    value: int = 1


_N, _V = "n_sanctions", "n_violent_sanctions"
_HEAD = (
    Term("twoYearInterceptWeight", "intercept", (), "intercept"),
    Term("ageGenderPolynomialWeight", "age", ("age_at_followup",)),
    Term("genderWeight", "female", ("female",), "female"),
    Term("offenceGroupWeight", "offence", ("offence_category",)),
    Term("firstSanctionWeight", "equals", (_N,), "first_sanction", 1),
    Term("secondSanctionWeight", "equals", (_N,), "second_sanction", 2),
    Term("totalNumberOfSanctionsForAllOffencesWeight", "linear", (_N,), "per_sanction"),
)
_CAREER = ("age_at_conviction", "age_at_first_sanction")
_GAP = Term("secondSanctionGapWeight", "gap", (_N, *_CAREER), "second_sanction_gap_{sex}")
_OFM = Term("offenceFreeMonthsWeight", "ofm", ("offence_free_months",))
_COPAS = Term("copasScore", "copas", (_N, *_CAREER), "copas_{sex}", 1)
_NEVER = Term("neverViolentWeight", "equals", (_V,), "never_violent_{sex}", 0)
_ONCE = Term("onceViolentWeight", "equals", (_V,), "once_violent", 1)
_VRATE_COLS = (_V, *_CAREER)


def _lin(name: str, column: str, coef: str | None = None, times: int = 1) -> Term:
    return Term(name, "linear", (column,), coef or column, times)


_ARP_VRP_NEEDS_HEAD = (
    _lin("suitableAccommodationWeight", "accommodation"),
    _lin("unemployedWeight", "unemployed", times=2),
    _lin("liveInRelationshipWeight", "living_with_partner"),
    _lin("relationshipQualityWeight", "relationship_with_partner"),
    Term(
        "multiplicativeRelationshipWeight",
        "product",
        ("living_with_partner", "relationship_with_partner"),
        "living_with_partner_x_relationship",
    ),
    _lin("domesticViolenceWeight", "domestic_abuse"),
    _lin(
        "regularOffendingActivitiesWeight",
        "regular_offending_activities",
        "regular_activities_encourage_offending",
    ),
    _lin("drugMotivationWeight", "drug_motivation"),
    _lin("chronicDrinkingProblemsWeight", "chronic_drinking"),
    _lin("bingeDrinkingProblemsWeight", "binge_drinking"),
    _lin("impulsivityProblemsWeight", "impulsivity"),
)
_DRUGS_TAIL = (
    _lin("otherOpiateUsageWeight", "other_opiate"),
    _lin("crackCocaineUsageWeight", "crack_cocaine"),
    _lin("powderCocaineUsageWeight", "powder_cocaine"),
    _lin("misusedPrescriptionDrugUsageWeight", "misused_prescription_drugs"),
    _lin("benzodiazepinesUsageWeight", "benzodiazepines"),
    _lin("cannabisUsageWeight", "cannabis"),
    _lin("steroidUsageWeight", "steroids"),
    Term(
        "otherDrugUsageWeight",
        "any",
        ("other_drugs", "ketamine", "spice", "hallucinogens", "solvents"),
        "other_drugs",
    ),
)

_ARP_STATIC = (
    *_HEAD,
    _GAP,
    _OFM,
    _COPAS,
    Term("copasScoreSquared", "copas", (_N, *_CAREER), "copas_squared_{sex}", 2),
)
_VRP_STATIC = (
    *_HEAD,
    _NEVER,
    _ONCE,
    _lin("totalNumberOfViolentSanctionsWeight", _V, "per_violent_sanction"),
    _GAP,
    _OFM,
    _COPAS,
    Term("copasViolentOffencesScore", "violent_rate", _VRATE_COLS, "violent_rate"),
)
_SVRP_STATIC = (
    *_HEAD,
    _GAP,
    _OFM,
    _COPAS,
    _NEVER,
    _ONCE,
    _lin("violentSanctionsWeight", _V, "per_violent_sanction"),
    Term("violenceRateWeight", "violent_rate", _VRATE_COLS, "violent_rate"),
)

TERMS: dict[tuple[str, str], tuple[Term, ...]] = {
    ("arp", "static"): _ARP_STATIC,
    ("arp", "dynamic"): (
        *_ARP_STATIC,
        *_ARP_VRP_NEEDS_HEAD,
        _lin("proCriminalAttitudesWeight", "pro_criminal_attitudes"),
        _lin("heroinUsageWeight", "heroin"),
        *_DRUGS_TAIL,
    ),
    ("vrp", "static"): _VRP_STATIC,
    ("vrp", "dynamic"): (
        *_VRP_STATIC,
        *_ARP_VRP_NEEDS_HEAD,
        _lin("temperControlWeight", "temper_control", "temper_control"),
        _lin("methadoneUsageWeight", "methadone"),
        *_DRUGS_TAIL,
    ),
    ("svrp", "static"): _SVRP_STATIC,
    ("svrp", "dynamic"): (
        *_SVRP_STATIC,
        _lin("offenceInvolveCarryingOrUsingWeaponsWeight", "weapon_in_current_offence"),
        _lin("suitableAccommodationWeight", "accommodation"),
        _lin("unemployedWeight", "unemployed", times=2),
        _lin("chronicDrinkingProblemsWeight", "chronic_drinking"),
        _lin("temperControlWeight", "temper_control"),
        _lin("proCriminalAttitudesWeight", "pro_criminal_attitudes"),
        _lin("pastHomicideOffenceWeight", "past_homicide"),
        _lin("pastWoundingGrievousBodilyHarmOffenceWeight", "past_wounding_gbh"),
        _lin("pastKidnappingOffenceWeight", "past_kidnapping"),
        _lin("pastFirearmsOffenceWeight", "past_firearms"),
        _lin("pastRobberyOffenceWeight", "past_robbery"),
        _lin("pastAggravatedBurglaryOffenceWeight", "past_aggravated_burglary"),
        _lin("pastNonFirearmWeaponOffenceWeight", "past_weapon"),
        _lin(
            "pastCriminalDamageOffenceWeight", "past_criminal_damage", "past_criminal_damage_life"
        ),
        _lin("pastArsonOffenceWeight", "past_arson"),
    ),
}
