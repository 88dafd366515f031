"""Controlled vocabularies shared by case records, features and models.

Each member's value is its stable code: what case systems send, what tables hold and
what model files store. Codes never change meaning; new members may be added.

Examples
--------
>>> OffenceCategory("burglary_domestic").label
'burglary (domestic)'
>>> len(OffenceCategory)
20
>>> OffenceCategory.ABSCONDING_BAIL.is_breach
True
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

__all__ = ["Disposal", "OffenceCategory", "SanctionKind", "Sex"]


class _Vocabulary(StrEnum):
    """Base of the vocabularies: the JSON schema shows only the docstring's first paragraph.

    The case schema is the contract case systems code against; doctest examples belong in
    the documentation, not in it.
    """

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: Any, handler: Any) -> dict[str, Any]:
        schema: dict[str, Any] = handler(core_schema)
        doc = (cls.__doc__ or "").strip()
        if doc:
            schema["description"] = doc.split("\n\n")[0].strip()
        return schema


class Sex(_Vocabulary):
    """Sex as recorded (an input of OGRS3; a fitted model that uses it says so).

    Examples
    --------
    >>> Sex("female") is Sex.FEMALE, [s.value for s in Sex]
    (True, ['male', 'female'])
    """

    MALE = "male"
    FEMALE = "female"


class SanctionKind(_Vocabulary):
    """Kind of sanction: an out-of-court caution or a court conviction.

    Examples
    --------
    >>> SanctionKind("caution") == "caution", SanctionKind.CONVICTION.value
    (True, 'conviction')
    """

    CAUTION = "caution"
    CONVICTION = "conviction"


class Disposal(_Vocabulary):
    """What the court imposed on a conviction (cautions have none).

    Examples
    --------
    >>> [d.value for d in Disposal]
    ['custody', 'community', 'suspended', 'fine', 'discharge', 'other']
    >>> Disposal("prison")
    Traceback (most recent call last):
    ...
    ValueError: 'prison' is not a valid Disposal
    """

    CUSTODY = "custody"
    COMMUNITY = "community"
    SUSPENDED = "suspended"
    FINE = "fine"
    DISCHARGE = "discharge"
    OTHER = "other"


_OFFENCE_LABELS: dict[str, str] = {
    "violence": "violence",
    "robbery": "robbery",
    "public_order": "public order",
    "sexual_not_child": "sexual, not against a child",
    "sexual_child": "sexual against a child",
    "soliciting": "soliciting or prostitution",
    "burglary_domestic": "burglary (domestic)",
    "burglary_other": "burglary (other)",
    "theft_non_motor": "theft (non-motor)",
    "handling_stolen_goods": "handling stolen goods",
    "fraud_forgery": "fraud and forgery",
    "absconding_bail": "absconding or bail offences",
    "taking_driving_away": "taking and driving away and related",
    "theft_from_vehicles": "theft from vehicles",
    "other_motoring": "other motoring",
    "drink_driving": "drink driving",
    "criminal_damage": "criminal damage",
    "drug_import_export_production": "drug import/export/production",
    "drug_possession_supply": "drug possession/supply",
    "other": "other offence",
}


class OffenceCategory(_Vocabulary):
    """The 20 offence categories of OGRS3 (Howard et al. 2009), with stable codes.

    Examples
    --------
    >>> OffenceCategory.THEFT_NON_MOTOR.label
    'theft (non-motor)'
    >>> OffenceCategory("drink_driving").is_breach, OffenceCategory("absconding_bail").is_breach
    (False, True)
    """

    VIOLENCE = "violence"
    ROBBERY = "robbery"
    PUBLIC_ORDER = "public_order"
    SEXUAL_NOT_CHILD = "sexual_not_child"
    SEXUAL_CHILD = "sexual_child"
    SOLICITING = "soliciting"
    BURGLARY_DOMESTIC = "burglary_domestic"
    BURGLARY_OTHER = "burglary_other"
    THEFT_NON_MOTOR = "theft_non_motor"
    HANDLING_STOLEN_GOODS = "handling_stolen_goods"
    FRAUD_FORGERY = "fraud_forgery"
    ABSCONDING_BAIL = "absconding_bail"
    TAKING_DRIVING_AWAY = "taking_driving_away"
    THEFT_FROM_VEHICLES = "theft_from_vehicles"
    OTHER_MOTORING = "other_motoring"
    DRINK_DRIVING = "drink_driving"
    CRIMINAL_DAMAGE = "criminal_damage"
    DRUG_IMPORT_EXPORT_PRODUCTION = "drug_import_export_production"
    DRUG_POSSESSION_SUPPLY = "drug_possession_supply"
    OTHER = "other"

    @property
    def label(self) -> str:
        """Plain-English name, as printed in OGRS3 guidance."""
        return _OFFENCE_LABELS[self.value]

    @property
    def is_breach(self) -> bool:
        """True for breach / bail offences (the ``breach_history`` feature)."""
        return self is OffenceCategory.ABSCONDING_BAIL
