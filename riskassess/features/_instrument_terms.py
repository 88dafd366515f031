"""The terms of HMPPS's ARP, VRP and SVRP, documented as features are.

An ARNS predictor's explanation is per term (``ageGenderPolynomialWeight``, ``copasScore``,
...) and a term's value is a log-odds weight, which an officer cannot say aloud. Each
term's :class:`~riskassess.features.FeatureSpec` here gives it a label, says what it
weighs (docs/arns.md, section 3), and names the columns of
:func:`riskassess.instruments.arns_inputs` a reason reads instead (``reads``), with the
phrasing that combines them (``phrase``).

Examples
--------
>>> spec_of("unemployedWeight").label, spec_of("unemployedWeight").reads
('Unemployed', ('unemployed',))
"""

from __future__ import annotations

from riskassess.features._catalogue import FEATURES, FeatureKind, FeatureSpec

__all__ = ["ARNS_TERMS", "spec_of"]

#: Need levels of an OASys item as ARNS encodes them (riskassess.instruments.arns).
_PROBLEM_LEVELS = (("0", "no problems"), ("1", "some problems"), ("2", "significant problems"))
_MOTIVATION_LEVELS = (("0", "full motivation"), ("1", "partial motivation"),
                      ("2", "no motivation"))
_YES_NO = (("0", "no"), ("1", "yes"))
_SANCTIONS = ("n_sanctions", "age_at_conviction", "age_at_first_sanction")
_VIOLENT = ("n_violent_sanctions", "age_at_conviction", "age_at_first_sanction")


def _arns(name: str, label: str, meaning: str, reads: tuple[str, ...] = (), *,
          kind: FeatureKind = "numeric", unit: str = "", phrase: str = "",
          levels: tuple[tuple[str, str], ...] = ()) -> FeatureSpec:
    return FeatureSpec(name, meaning, unit, kind, 0, "arns", label=label,
                       value_labels=levels, reads=reads, phrase=phrase)


def _need(name: str, label: str, column: str,
          levels: tuple[tuple[str, str], ...] = _PROBLEM_LEVELS) -> FeatureSpec:
    return _arns(name, label, f"OASys need item {column} (weight times its level)",
                 (column,), kind="categorical", phrase="level", levels=levels)


def _past(name: str, offence: str, column: str) -> FeatureSpec:
    return _need(name, f"Previous conviction for {offence}", column, _YES_NO)


#: The terms of HMPPS's ARP, VRP and SVRP (``featureValues`` keys; see docs/arns.md): what
#: each weighs and which of :func:`riskassess.instruments.arns_inputs`' columns it reads.
ARNS_TERMS: tuple[FeatureSpec, ...] = (
    _arns("twoYearInterceptWeight", "Starting point of the form used (static or dynamic)",
          "the intercept of the form scored: the dynamic one when the need items are "
          "recorded, else the static one"),
    _arns("ageGenderPolynomialWeight", "Age at the start of follow-up, by sex",
          "polynomial in the age at the start of follow-up, its coefficients by sex",
          ("age_at_followup", "female"), unit="years", phrase="age_and_sex"),
    _arns("genderWeight", "Sex", "the weight for a woman (0 for a man)", ("female",),
          kind="categorical", phrase="level", levels=(("0", "male"), ("1", "female"))),
    _arns("offenceGroupWeight", "Current offence group",
          "weight of the current offence's actuarial category", ("offence_category",),
          kind="categorical", phrase="offence_group"),
    _arns("firstSanctionWeight", "Current sanction is the first",
          "weight when the current sanction is the only one (n = 1)", ("n_sanctions",),
          phrase="flag"),
    _arns("secondSanctionWeight", "Current sanction is the second",
          "weight when there is one earlier sanction (n = 2)", ("n_sanctions",),
          phrase="flag"),
    _arns("totalNumberOfSanctionsForAllOffencesWeight", "Sanctions, the current one included",
          "number of sanctions (current included) times a weight", ("n_sanctions",),
          kind="count", unit="sanctions"),
    _arns("secondSanctionGapWeight", "Years from the first sanction to the second",
          "with two sanctions: years from the first to the current conviction times a weight",
          _SANCTIONS, unit="years", phrase="career"),
    _arns("offenceFreeMonthsWeight", "Offence-free time in the community",
          "polynomial in the completed months from the follow-up start to the assessment "
          "(at most 36)", ("offence_free_months",), unit="months", phrase="months"),
    _arns("copasScore", "Rate of offending over the career",
          "ln(sanctions / (career + 26)) for ARP, + 12 for VRP and SVRP, times a weight by "
          "sex (3 or more sanctions)", _SANCTIONS, phrase="sanctions_to_conviction"),
    _arns("copasScoreSquared", "Rate of offending over the career (squared term)",
          "the square of ARP's rate of offending, times a weight by sex", _SANCTIONS,
          phrase="sanctions_to_conviction"),
    _arns("neverViolentWeight", "No violent sanction",
          "weight by sex when no sanction was for violence", ("n_violent_sanctions",),
          phrase="flag"),
    _arns("onceViolentWeight", "One violent sanction",
          "weight when exactly one sanction was for violence", ("n_violent_sanctions",),
          phrase="flag"),
    _arns("totalNumberOfViolentSanctionsWeight", "Violent sanctions",
          "number of violent sanctions times a weight", ("n_violent_sanctions",),
          kind="count", unit="sanctions"),
    _arns("violentSanctionsWeight", "Violent sanctions",
          "number of violent sanctions times a weight", ("n_violent_sanctions",),
          kind="count", unit="sanctions"),
    _arns("copasViolentOffencesScore", "Rate of violent offending over the career",
          "ln(violent sanctions / (career + 30)) times a weight", _VIOLENT,
          phrase="violent_to_conviction"),
    _arns("violenceRateWeight", "Rate of violent offending over the career",
          "ln(violent sanctions / (career + 30)) times a weight", _VIOLENT,
          phrase="violent_to_conviction"),
    _need("suitableAccommodationWeight", "Accommodation", "accommodation"),
    _need("unemployedWeight", "Unemployed", "unemployed", _YES_NO),
    _need("liveInRelationshipWeight", "Living with a partner", "living_with_partner",
          _YES_NO),
    _need("relationshipQualityWeight", "Relationship with partner",
          "relationship_with_partner"),
    _need("multiplicativeRelationshipWeight",
          "Relationship with a partner they live with", "relationship_with_partner"),
    _need("domesticViolenceWeight", "Evidence of domestic abuse", "domestic_abuse", _YES_NO),
    _need("regularOffendingActivitiesWeight", "Regular activities that encourage offending",
          "regular_offending_activities"),
    _need("drugMotivationWeight", "Motivation to tackle drug misuse", "drug_motivation",
          _MOTIVATION_LEVELS),
    _need("chronicDrinkingProblemsWeight", "Current alcohol use", "chronic_drinking"),
    _need("bingeDrinkingProblemsWeight", "Binge drinking", "binge_drinking"),
    _need("impulsivityProblemsWeight", "Impulsivity", "impulsivity"),
    _need("proCriminalAttitudesWeight", "Pro-criminal attitudes", "pro_criminal_attitudes"),
    _need("temperControlWeight", "Temper control", "temper_control"),
    _need("heroinUsageWeight", "Heroin use", "heroin", _YES_NO),
    _need("methadoneUsageWeight", "Methadone use", "methadone", _YES_NO),
    _need("otherOpiateUsageWeight", "Other opiate use", "other_opiate", _YES_NO),
    _need("crackCocaineUsageWeight", "Crack cocaine use", "crack_cocaine", _YES_NO),
    _need("powderCocaineUsageWeight", "Powder cocaine use", "powder_cocaine", _YES_NO),
    _need("misusedPrescriptionDrugUsageWeight", "Misuse of prescription drugs",
          "misused_prescription_drugs", _YES_NO),
    _need("benzodiazepinesUsageWeight", "Benzodiazepine use", "benzodiazepines", _YES_NO),
    _need("cannabisUsageWeight", "Cannabis use", "cannabis", _YES_NO),
    _need("steroidUsageWeight", "Steroid use", "steroids", _YES_NO),
    _arns("otherDrugUsageWeight", "Other drug use (ketamine, spice, hallucinogens, "
          "solvents or other)", "weight when any of those drugs is used",
          ("other_drugs", "ketamine", "spice", "hallucinogens", "solvents"), phrase="any"),
    _need("offenceInvolveCarryingOrUsingWeaponsWeight",
          "Weapon carried or used in the current offence", "weapon_in_current_offence",
          _YES_NO),
    _past("pastHomicideOffenceWeight", "homicide", "past_homicide"),
    _past("pastWoundingGrievousBodilyHarmOffenceWeight", "wounding or GBH",
          "past_wounding_gbh"),
    _past("pastKidnappingOffenceWeight", "kidnapping", "past_kidnapping"),
    _past("pastFirearmsOffenceWeight", "a firearms offence", "past_firearms"),
    _past("pastRobberyOffenceWeight", "robbery", "past_robbery"),
    _past("pastAggravatedBurglaryOffenceWeight", "aggravated burglary",
          "past_aggravated_burglary"),
    _past("pastNonFirearmWeaponOffenceWeight", "a weapon offence (not a firearm)",
          "past_weapon"),
    _past("pastCriminalDamageOffenceWeight", "criminal damage endangering life",
          "past_criminal_damage"),
    _past("pastArsonOffenceWeight", "arson", "past_arson"),
)

_ARNS_BY_NAME: dict[str, FeatureSpec] = {s.name: s for s in ARNS_TERMS}


def spec_of(name: str) -> FeatureSpec | None:
    """The documentation of a feature or an instrument's term (None when undocumented).

    Looks in :data:`FEATURES`, then in :data:`ARNS_TERMS`.

    Examples
    --------
    >>> spec_of("ageGenderPolynomialWeight").label
    'Age at the start of follow-up, by sex'
    >>> spec_of("copas_rate").reads
    ('previous_sanctions', 'career_length')
    >>> spec_of("no_such_column") is None
    True
    """
    return FEATURES.get(name) or _ARNS_BY_NAME.get(name)
