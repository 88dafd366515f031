"""What probation records besides the history: Home Office offence codes and OASys needs.

NOTICE: Offence mapping from ministryofjustice/hmpps-arns-risk-actuarial-api, MIT licence,
Crown Copyright; see riskassess/data/hmpps/LICENSE-hmpps-arns.txt (read through
:mod:`riskassess._hmpps`).

* **Offence codes.** :class:`~riskassess.cases.IndexOffence` and
  :class:`~riskassess.cases.Sanction` take an optional ``offence_code`` (five digits, as
  the Home Office publishes them). It must be in HMPPS's mapping and not mapped to
  ``UNKNOWN``. When a code is given, ``offence`` (OGRS3 category) and ``violent`` may be
  omitted: they are derived from the code (:func:`riskassess._hmpps.ogrs3_category` and the
  mapping's violent-sanction flag). When they are given as well they must agree: an
  ``offence`` outside the OGRS3 categories compatible with the code's actuarial group, or
  a ``violent`` flag other than the code's, is refused naming both.
* **Need items** (:class:`NeedItems`, ``Case.needs``): the OASys answers that HMPPS's
  dynamic predictors read (``docs/arns.md`` section 1). Every item is optional: a record
  missing some is valid, and an instrument that needs a missing item says which.

Examples
--------
>>> NeedItems(accommodation=ProblemLevel.SOME_PROBLEMS, unemployed=True).accommodation.score
1
>>> MotivationLevel("no_motivation").score, PreviousConviction.ARSON.service_name
(2, 'ARSON')
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool
from pydantic_core import InitErrorDetails, PydanticCustomError

from riskassess._hmpps import compatible_ogrs3_categories, offence_category, ogrs3_category
from riskassess.exceptions import OffenceCodeError
from riskassess.vocabulary import OffenceCategory, _Vocabulary

__all__ = [
    "DrugUse",
    "MotivationLevel",
    "NeedItems",
    "PreviousConviction",
    "ProblemLevel",
    "RelationshipStatus",
    "offence_from_code",
]


class _ServiceVocabulary(_Vocabulary):
    """A vocabulary whose values HMPPS's service spells in upper case."""

    @property
    def service_name(self) -> str:
        """The value HMPPS's service uses (upper case), e.g. ``SOME_PROBLEMS``."""
        return self.value.upper()


class _Scored(_ServiceVocabulary):
    """A vocabulary whose members OASys scores 0, 1, 2 in declaration order."""

    @property
    def score(self) -> int:
        """OASys score of the answer (0, 1 or 2)."""
        return list(type(self)).index(self)


class ProblemLevel(_Scored):
    """An OASys problem level: no problems (0), some problems (1), significant problems (2).

    Examples
    --------
    >>> [(p.value, p.score) for p in ProblemLevel]
    [('no_problems', 0), ('some_problems', 1), ('significant_problems', 2)]
    """

    NO_PROBLEMS = "no_problems"
    SOME_PROBLEMS = "some_problems"
    SIGNIFICANT_PROBLEMS = "significant_problems"


class MotivationLevel(_Scored):
    """Motivation to tackle drug misuse (OASys 8.8): full (0), partial (1), none (2).

    Examples
    --------
    >>> MotivationLevel.PARTIAL_MOTIVATION.score
    1
    """

    FULL_MOTIVATION = "full_motivation"
    PARTIAL_MOTIVATION = "partial_motivation"
    NO_MOTIVATION = "no_motivation"


class RelationshipStatus(_ServiceVocabulary):
    """Current relationship status (OASys section 6).

    Examples
    --------
    >>> RelationshipStatus("in_relationship_living_together").service_name
    'IN_RELATIONSHIP_LIVING_TOGETHER'
    """

    NOT_IN_RELATIONSHIP = "not_in_relationship"
    IN_RELATIONSHIP_LIVING_TOGETHER = "in_relationship_living_together"
    IN_RELATIONSHIP_NOT_LIVING_TOGETHER = "in_relationship_not_living_together"


class PreviousConviction(_ServiceVocabulary):
    """A kind of serious previous conviction (HMPPS's ``previousConvictions`` list).

    Examples
    --------
    >>> len(PreviousConviction), PreviousConviction.WOUNDING_GBH.service_name
    (9, 'WOUNDING_GBH')
    """

    HOMICIDE = "homicide"
    WOUNDING_GBH = "wounding_gbh"
    KIDNAPPING = "kidnapping"
    FIREARMS = "firearms"
    ROBBERY = "robbery"
    AGGRAVATED_BURGLARY = "aggravated_burglary"
    WEAPON = "weapon"
    CRIMINAL_DAMAGE = "criminal_damage"
    ARSON = "arson"


class DrugUse(_Vocabulary):
    """A drug the person has used (OASys section 8 drug-use flags).

    Examples
    --------
    >>> DrugUse.CRACK_COCAINE.value
    'crack_cocaine'
    """

    HEROIN = "heroin"
    METHADONE = "methadone"
    OTHER_OPIATE = "other_opiate"
    CRACK_COCAINE = "crack_cocaine"
    POWDER_COCAINE = "powder_cocaine"
    MISUSED_PRESCRIPTION_DRUGS = "misused_prescription_drugs"
    BENZODIAZEPINES = "benzodiazepines"
    CANNABIS = "cannabis"
    STEROIDS = "steroids"
    OTHER_DRUGS = "other_drugs"
    KETAMINE = "ketamine"
    SPICE = "spice"
    HALLUCINOGENS = "hallucinogens"
    SOLVENTS = "solvents"


class NeedItems(BaseModel):
    """OASys need items read by HMPPS's dynamic predictors; every item is optional.

    ``None`` means "not recorded". ``drugs_used`` and ``previous_serious_convictions``
    are lists: an empty list records "none", ``None`` "not recorded".

    Examples
    --------
    >>> needs = NeedItems(relationship_status="in_relationship_living_together",
    ...                   drugs_used=["cannabis"], previous_serious_convictions=[])
    >>> needs.relationship_status.service_name, needs.drugs_used, needs.impulsivity
    ('IN_RELATIONSHIP_LIVING_TOGETHER', (<DrugUse.CANNABIS: 'cannabis'>,), None)
    """

    model_config = ConfigDict(frozen=True, extra="forbid", json_schema_extra={
        "description": "OASys need items read by HMPPS's dynamic predictors (ARP, VRP, "
                       "SVRP); every item is optional (absent: not recorded)."})

    accommodation: ProblemLevel | None = Field(
        default=None, description="Suitability of accommodation (OASys 3.4).")
    unemployed: StrictBool | None = Field(
        default=None, description="Currently unemployed (OASys 4.2).")
    relationship_with_partner: ProblemLevel | None = Field(
        default=None, description="Current relationship with partner (OASys 6.4).")
    relationship_status: RelationshipStatus | None = Field(
        default=None, description="Current relationship status.")
    domestic_abuse: StrictBool | None = Field(
        default=None, description="Evidence of domestic abuse as perpetrator (OASys 6.7).")
    regular_offending_activities: ProblemLevel | None = Field(
        default=None, description="Regular activities encourage offending (OASys 7.2).")
    drug_motivation: MotivationLevel | None = Field(
        default=None, description="Motivation to tackle drug misuse (OASys 8.8).")
    current_alcohol_use: ProblemLevel | None = Field(
        default=None, description="Current use of alcohol is a problem (OASys 9.1).")
    binge_drinking: ProblemLevel | None = Field(
        default=None, description="Binge drinking or excessive use of alcohol (OASys 9.2).")
    impulsivity: ProblemLevel | None = Field(
        default=None, description="Impulsivity (OASys 11.2).")
    temper_control: ProblemLevel | None = Field(
        default=None, description="Temper control (OASys 11.4).")
    pro_criminal_attitudes: ProblemLevel | None = Field(
        default=None, description="Pro-criminal attitudes (OASys 12.1).")
    drugs_used: tuple[DrugUse, ...] | None = Field(
        default=None, description="Drugs used (OASys section 8); [] records none.")
    previous_serious_convictions: tuple[PreviousConviction, ...] | None = Field(
        default=None,
        description="Kinds of serious previous conviction; [] records none.")


# (offence_code, offence, violent) triples already checked and found to agree (a code of
# None: the offence and the flag given without a code). A case system sends every
# sanction with all three, and a code's check (mapping look-up, the compatible OGRS3
# categories, two comparisons) was a large part of validating a case; a set look-up
# replaces it, in the records' validator itself (no call). Bounded: the mapping has a
# few thousand codes, each compatible with a handful of categories, so real traffic
# never fills it.
AGREEING: set[tuple[str | None, OffenceCategory, bool]] = set()
_AGREEING_MAX = 200_000


def _error(field: str, kind: str, message: str, value: Any) -> InitErrorDetails:
    return InitErrorDetails(type=PydanticCustomError(kind, "{problem}", {"problem": message}),
                            loc=(field,), input=value)


def offence_from_code(code: str | None, offence: OffenceCategory | None,
                      violent: bool | None
                      ) -> tuple[OffenceCategory | None, bool | None, list[InitErrorDetails]]:
    """``offence`` and ``violent`` of an offence record, filled or checked from its code.

    Used by :class:`~riskassess.cases.IndexOffence` and :class:`~riskassess.cases.Sanction`
    once their fields are validated (one check after the fields, not a pass over the raw
    record before them: a case has a dozen offence records).

    Parameters
    ----------
    code : str or None
        The Home Office offence code as given (its form is checked here, with the
        mapping: a malformed code is named like an unmapped one).
    offence, violent : OffenceCategory, bool or None
        As given (None: not given).

    Returns
    -------
    offence, violent : OffenceCategory, bool or None
        Derived from the code where not given; as given otherwise.
    problems : list of pydantic_core.InitErrorDetails
        Empty, or: the code unmapped or ``UNKNOWN`` (location ``offence_code``, the code
        named); ``offence`` / ``violent`` disagreeing with the code (both named); neither
        a code nor ``offence`` / ``violent`` given (location of the missing field).

    Examples
    --------
    >>> offence_from_code("11618", None, None)[:2]
    (<OffenceCategory.OTHER: 'other'>, False)
    >>> offence_from_code(None, None, False)[2][0]["loc"]
    ('offence',)
    """
    problems: list[InitErrorDetails] = []
    if (code, offence, violent) in AGREEING:
        return offence, violent, problems
    if code is None:
        for field, value in (("offence", offence), ("violent", violent)):
            if value is None:
                problems.append(_error(field, "missing", "required (or give an offence_code "
                                       "to derive it from)", value))
        if not problems:
            _remember(code, offence, violent)
        return offence, violent, problems
    try:
        category, code_violent = offence_category(code)
    except OffenceCodeError as exc:
        return offence, violent, [_error("offence_code", "offence_code", str(exc), code)]
    if offence is None:
        offence = ogrs3_category(category)
    else:
        allowed = compatible_ogrs3_categories(category)
        if offence not in allowed:
            problems.append(_error("offence", "offence_code_disagrees", (
                f"offence {offence.value!r} disagrees with offence_code {code!r} (actuarial "
                f"category {category}, OGRS3 categories {sorted(c.value for c in allowed)}): "
                "give one or make them agree"), offence.value))
    if violent is None:
        violent = code_violent
    elif violent is not code_violent:
        problems.append(_error("violent", "offence_code_disagrees", (
            f"violent={str(violent).lower()} disagrees with offence_code {code!r}, which "
            f"HMPPS's mapping flags as {'' if code_violent else 'not '}a violent sanction"),
            violent))
    if not problems:
        _remember(code, offence, violent)
    return offence, violent, problems


def _remember(code: str | None, offence: Any, violent: Any) -> None:
    if len(AGREEING) < _AGREEING_MAX:
        AGREEING.add((code, offence, violent))
