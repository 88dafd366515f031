"""Home Office offence codes as HMPPS's actuarial service maps them (base layer).

NOTICE: Coefficients and offence mapping from ministryofjustice/hmpps-arns-risk-actuarial-api,
MIT licence, Crown Copyright (Ministry of Justice); see
``riskassess/data/hmpps/LICENSE-hmpps-arns.txt``, shipped with the numbers.

The case record (:mod:`riskassess.cases`) maps an offence code to its category before any
instrument exists, so the mapping lives here, below every package of the flow, with the
service's package data (``riskassess/data/hmpps/``: ``actuarial-mapping.json``,
``coefficients.json`` and the licence). Two vocabularies meet here:

* the **24 actuarial categories** of the service (:data:`ACTUARIAL_CATEGORIES`), which
  ARP, VRP and SVRP score, plus ``UNKNOWN``, which the service refuses;
* our **20 OGRS3 categories** (:class:`riskassess.vocabulary.OffenceCategory`), which the
  case record and our own features keep.

:func:`ogrs3_category` maps the first onto the second (one documented choice per row),
and :func:`compatible_ogrs3_categories` lists every OGRS3 category a record may state
next to a code of that actuarial category (the actuarial groups cut the offences
differently, e.g. ``VEHICLE_RELATED_THEFT`` holds both OGRS3 "taking and driving away"
and "theft from vehicles").

Examples
--------
>>> offence_category("11618")
('OTHER_OFFENCES', False)
>>> ogrs3_category("VIOLENCE_AGAINST_THE_PERSON_SUB_ABH")
<OffenceCategory.VIOLENCE: 'violence'>
>>> len(ACTUARIAL_CATEGORIES)
24
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any

from riskassess.exceptions import OffenceCodeError
from riskassess.vocabulary import OffenceCategory

__all__ = [
    "ACTUARIAL_CATEGORIES",
    "compatible_ogrs3_categories",
    "hmpps_json",
    "offence_category",
    "offence_mapping",
    "ogrs3_category",
]

_CODE = re.compile(r"[0-9]{5}")
_O = OffenceCategory

# Actuarial category -> (default OGRS3 category, other OGRS3 categories a record may state
# with a code of this group). Why each row (group contents read from the mapping's
# parentGroupDescription / categoryDescription of its codes):
_TO_OGRS3: dict[str, tuple[OffenceCategory, tuple[OffenceCategory, ...]]] = {
    # breach of bail, absconding: the same group in both vocabularies
    "ABSCONDING_OR_BAIL": (_O.ABSCONDING_BAIL, ()),
    # robbery and assault with intent to rob, plus aggravated burglary (dwelling or not):
    # robbery is the OGRS3 group of most of its codes; the burglaries may be recorded so
    "ACQUISITIVE_VIOLENCE": (_O.ROBBERY, (_O.BURGLARY_DOMESTIC, _O.BURGLARY_OTHER)),
    "BURGLARY_DOMESTIC": (_O.BURGLARY_DOMESTIC, ()),
    "BURGLARY_OTHER": (_O.BURGLARY_OTHER, ()),
    # criminal damage incl. arson and endangering life: OGRS3 counts arson as damage
    "CRIMINAL_DAMAGE": (_O.CRIMINAL_DAMAGE, ()),
    "DRINK_DRIVING": (_O.DRINK_DRIVING, ()),
    "DRUG_IMPORT_EXPORT_OR_PRODUCTION": (_O.DRUG_IMPORT_EXPORT_PRODUCTION, ()),
    "DRUG_POSSESSION_OR_SUPPLY": (_O.DRUG_POSSESSION_SUPPLY, ()),
    # simple and aggravated drunkenness are summary "other" offences (OGRS3 has no
    # drunkenness group); drunk and disorderly may be recorded as public order
    "DRUNKENNESS": (_O.OTHER, (_O.PUBLIC_ORDER,)),
    # wounding / endangering life with a firearm: violence against the person
    "FIREARMS_MOST_SERIOUS": (_O.VIOLENCE, ()),
    # possession and Firearms Acts offences, mostly "other indictable / summary"
    "FIREARMS_OTHER": (_O.OTHER, (_O.VIOLENCE,)),
    "FRAUD_AND_FORGERY": (_O.FRAUD_FORGERY, ()),
    "HANDLING_STOLEN_GOODS": (_O.HANDLING_STOLEN_GOODS, ()),
    # summary motoring offences other than drink driving and vehicle theft
    "MOTORING_OFFENCES": (_O.OTHER_MOTORING, ()),
    # the residual group; it holds the exploitation-of-prostitution codes (soliciting)
    "OTHER_OFFENCES": (_O.OTHER, (_O.SOLICITING,)),
    # public order, riot, harassment; a few malicious-wounding codes sit here too
    "PUBLIC_ORDER_AND_HARRASSMENT": (_O.PUBLIC_ORDER, (_O.VIOLENCE,)),
    "SEXUAL_AGAINST_CHILD": (_O.SEXUAL_CHILD, ()),
    # sexual offences not against a child; prostitution-related ones may be soliciting
    "SEXUAL_NOT_AGAINST_CHILD": (_O.SEXUAL_NOT_CHILD, (_O.SOLICITING,)),
    "THEFT_NON_MOTOR": (_O.THEFT_NON_MOTOR, ()),
    # taking / aggravated taking of vehicles and stealing from vehicles: OGRS3 splits
    # them; "taking and driving away and related" is the group of most of its codes
    "VEHICLE_RELATED_THEFT": (_O.TAKING_DRIVING_AWAY, (_O.THEFT_FROM_VEHICLES,)),
    "VIOLENCE_AGAINST_THE_PERSON_ABH_PLUS": (_O.VIOLENCE, ()),
    "VIOLENCE_AGAINST_THE_PERSON_SUB_ABH": (_O.VIOLENCE, ()),
    # threats with and use of offensive weapons (violence); bare possession under the
    # Knives / Offensive Weapons Acts may be recorded as "other"
    "WEAPONS_NON_FIREARM": (_O.VIOLENCE, (_O.OTHER,)),
    # social security offences are frauds
    "WELFARE_FRAUD": (_O.FRAUD_FORGERY, ()),
}

#: The service's 24 scored actuarial categories (``UNKNOWN`` is not scored), sorted.
ACTUARIAL_CATEGORIES: tuple[str, ...] = tuple(sorted(_TO_OGRS3))


def hmpps_json(name: str) -> Any:
    """One JSON file of ``riskassess/data/hmpps/``, decoded (not cached: callers cache).

    Parameters
    ----------
    name : str
        ``"coefficients.json"`` or ``"actuarial-mapping.json"``.

    Returns
    -------
    object

    Examples
    --------
    >>> hmpps_json("coefficients.json")["licence"]
    'MIT, Crown Copyright (Ministry of Justice)'
    """
    text = resources.files("riskassess").joinpath("data", "hmpps", name).read_text(
        encoding="utf-8")
    return json.loads(text)


@cache
def offence_mapping() -> MappingProxyType[str, tuple[str, bool]]:
    """The service's offence-code mapping: code -> (actuarial category, violent flag).

    Returns
    -------
    mapping of str to (str, bool)
        All 3,039 Home Office codes of ``actuarial-mapping.json``, ``UNKNOWN`` ones
        included (refused when used), with ``flags.isViolentSanction``.

    Examples
    --------
    >>> m = offence_mapping()
    >>> len(m), m["00000"]
    (3039, ('UNKNOWN', False))
    """
    raw = hmpps_json("actuarial-mapping.json")
    return MappingProxyType({
        code: (str(entry["actuarialCategory"]), bool(entry["flags"]["isViolentSanction"]))
        for code, entry in raw.items()})


def offence_category(code: str) -> tuple[str, bool]:
    """Actuarial category and violent-sanction flag of a Home Office offence code.

    Parameters
    ----------
    code : str
        Five ASCII digits, e.g. ``"11618"`` (a string: leading zeros matter).

    Returns
    -------
    (str, bool)
        One of :data:`ACTUARIAL_CATEGORIES` and the code's ``isViolentSanction`` flag.

    Raises
    ------
    OffenceCodeError
        The code is not a string of exactly five digits, is not in the mapping, or maps
        to ``UNKNOWN``; the message names the code (the service's
        ``OFFENCE_CODE_INCORRECT_FORMAT`` / ``OFFENCE_CODE_MAPPING_NOT_FOUND``).

    Examples
    --------
    >>> offence_category("02700")
    ('OTHER_OFFENCES', False)
    >>> offence_category("00000")
    Traceback (most recent call last):
    ...
    riskassess.exceptions.OffenceCodeError: offence code '00000' maps to the actuarial category UNKNOWN, which the service refuses
    """  # noqa: E501
    if not isinstance(code, str) or _CODE.fullmatch(code) is None:
        raise OffenceCodeError(
            f"offence code {code!r} is malformed: expected a string of exactly 5 digits",
            code=code)
    found = offence_mapping().get(code)
    if found is None:
        raise OffenceCodeError(
            f"offence code {code!r} has no actuarial mapping in the service's offence table",
            code=code)
    if found[0] == "UNKNOWN":
        raise OffenceCodeError(
            f"offence code {code!r} maps to the actuarial category UNKNOWN, "
            "which the service refuses", code=code)
    return found


def _row(actuarial_category: str) -> tuple[OffenceCategory, tuple[OffenceCategory, ...]]:
    row = _TO_OGRS3.get(actuarial_category)
    if row is None:
        raise OffenceCodeError(
            f"actuarial category {actuarial_category!r} is not one of the service's 24 "
            f"scored categories {list(ACTUARIAL_CATEGORIES)}", code=None)
    return row


def ogrs3_category(actuarial_category: str) -> OffenceCategory:
    """The OGRS3 category (our vocabulary) of one of the service's 24 actuarial categories.

    The mapping, with the reason for each row, is the table ``_TO_OGRS3`` in this module:
    same-named groups map one to one; ``ACQUISITIVE_VIOLENCE`` -> robbery;
    ``DRUNKENNESS``, ``FIREARMS_OTHER`` and ``OTHER_OFFENCES`` -> other;
    ``FIREARMS_MOST_SERIOUS``, both violence groups and ``WEAPONS_NON_FIREARM`` ->
    violence; ``MOTORING_OFFENCES`` -> other motoring; ``VEHICLE_RELATED_THEFT`` -> taking
    and driving away; ``WELFARE_FRAUD`` -> fraud and forgery.

    Parameters
    ----------
    actuarial_category : str
        One of :data:`ACTUARIAL_CATEGORIES`.

    Returns
    -------
    OffenceCategory

    Raises
    ------
    OffenceCodeError
        Not one of the 24 categories (``UNKNOWN`` included).

    Examples
    --------
    >>> ogrs3_category("WELFARE_FRAUD").value, ogrs3_category("DRUNKENNESS").value
    ('fraud_forgery', 'other')
    >>> sorted({ogrs3_category(c) for c in ACTUARIAL_CATEGORIES}) == sorted(
    ...     set(OffenceCategory) - {OffenceCategory.SOLICITING,
    ...                             OffenceCategory.THEFT_FROM_VEHICLES})
    True
    """
    return _row(actuarial_category)[0]


def compatible_ogrs3_categories(actuarial_category: str) -> frozenset[OffenceCategory]:
    """Every OGRS3 category a record may state together with a code of this group.

    :func:`ogrs3_category` first, plus the OGRS3 groups that some of its codes belong to
    (a case record that states both an offence code and a category is refused only when
    the category is not among these).

    Parameters
    ----------
    actuarial_category : str
        One of :data:`ACTUARIAL_CATEGORIES`.

    Returns
    -------
    frozenset of OffenceCategory

    Examples
    --------
    >>> sorted(c.value for c in compatible_ogrs3_categories("VEHICLE_RELATED_THEFT"))
    ['taking_driving_away', 'theft_from_vehicles']
    """
    default, others = _row(actuarial_category)
    return frozenset((default, *others))
