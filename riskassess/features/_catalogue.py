"""The feature catalogue: every feature's meaning, unit, kind and expected direction.

Examples
--------
>>> FEATURES["previous_sanctions"].monotone
1
>>> monotone_defaults(["age", "previous_sanctions", "unknown_column"])
{'age': -1, 'previous_sanctions': 1, 'unknown_column': 0}
"""


from __future__ import annotations

import re
import unicodedata
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import pandas as pd

from riskassess.exceptions import FeatureError
from riskassess.vocabulary import OffenceCategory

__all__ = [
    "CASE_FEATURES",
    "COMPAS_FEATURES",
    "FEATURES",
    "PROTECTED_ATTRIBUTES",
    "FeatureSpec",
    "case_feature_names",
    "check_no_protected",
    "describe_features",
    "is_protected",
    "monotone_defaults",
    "normalise_column_name",
]

FeatureKind = Literal["numeric", "count", "binary", "categorical"]


@dataclass(frozen=True)
class FeatureSpec:
    """Documentation of one feature.

    Parameters
    ----------
    name : str
        Column name.
    meaning : str
        What it measures and how it is computed, in plain English (the long
        documentation).
    unit : str
        Unit of the value ("years", "sanctions", "" for categories).
    kind : {"numeric", "count", "binary", "categorical"}
        Value type.
    monotone : {-1, 0, 1}
        Direction theory expects: +1 more means higher risk, -1 lower, 0 none.
    source : {"case", "compas", "arns"}
        Where the feature comes from: our case records, the COMPAS layout, or a term of
        HMPPS's ARP / VRP / SVRP (:data:`riskassess.features.ARNS_TERMS`).
    label : str, default ""
        Short name an officer reads out in a reason ("Previous sanctions"); "" falls
        back to the start of ``meaning``.
    value_labels : tuple of (str, str), default ()
        Readable label of each code of a categorical feature (codes not listed are read
        as they are).
    spoken_unit : str or None, default None
        Unit read after a numeric value in reasons (None: ``unit``; "" for none). Counts
        are read as bare numbers: the label says what is counted.
    decimals : int or None, default None
        Decimal places a numeric value is read with (None: 3 significant figures).
    reads : tuple of str, default ()
        For a derived feature or an instrument's term: the case inputs a reason reads
        out instead of the feature's own value (an ARNS term's value is a log-odds
        weight, which no officer can say aloud; the input it weighs can be).
    phrase : str, default ""
        Name of a phrasing that combines several inputs (``"sanctions_over_career"``:
        "7 previous sanctions in the 12 years since the first"); "" reads ``reads[0]``
        (or the value itself). :mod:`riskassess.explain` words each phrasing.

    Examples
    --------
    >>> spec = FEATURES["sanction_history"]
    >>> spec.label, spec.value_label("repeat_offender")
    ('Sanction history', 'repeat offender')
    >>> FEATURES["index_offence"].value_label("drug_possession_supply")
    'drug possession/supply'
    """

    name: str
    meaning: str
    unit: str
    kind: FeatureKind
    monotone: Literal[-1, 0, 1]
    source: Literal["case", "compas", "arns"] = "case"
    label: str = ""
    value_labels: tuple[tuple[str, str], ...] = ()
    spoken_unit: str | None = None
    decimals: int | None = None
    reads: tuple[str, ...] = ()
    phrase: str = ""

    def value_label(self, value: str) -> str:
        """The readable label of a category code (the code itself if none is listed)."""
        return dict(self.value_labels).get(value, value)


def _spec(*args: object, **kwargs: object) -> FeatureSpec:
    return FeatureSpec(*args, **kwargs)  # type: ignore[arg-type]


_HISTORY_LABELS = (
    ("first_caution", "first caution"),
    ("second_caution", "second caution"),
    ("multiple_cautions", "three or more cautions, no conviction"),
    ("first_conviction", "first conviction"),
    ("repeat_offender", "repeat offender"),
)

#: Features built from case records by :func:`build_features`, in column order.
CASE_FEATURES: tuple[FeatureSpec, ...] = (
    _spec("age", "age at the assessment date (days / 365.25)", "years", "numeric", -1,
          label="Age"),
    _spec(
        "age_at_follow_up",
        "age at the start of follow-up (the follow-up start if within 2 years (730 days) "
        "of the assessment, otherwise the assessment date)",
        "years",
        "numeric",
        -1,
        label="Age at the start of follow-up",
    ),
    _spec("sex", "sex as recorded", "", "categorical", 0, label="Sex"),
    _spec(
        "previous_sanctions",
        "sanctions (cautions and convictions) before the index offence (same-day "
        "sanctions count)",
        "sanctions",
        "count",
        1,
        label="Previous sanctions",
    ),
    _spec("previous_convictions", "convictions before the index offence", "convictions",
          "count", 1, label="Previous convictions"),
    _spec("previous_cautions", "cautions before the index offence", "cautions", "count", 1,
          label="Previous cautions"),
    _spec("previous_custodial", "custodial sentences before the index offence",
          "custodial sentences", "count", 1, label="Previous custodial sentences"),
    _spec("age_first_sanction", "age at the first sanction (the index one if none before)",
          "years", "numeric", -1, label="Age at first sanction"),
    _spec("career_length", "years from the first sanction (the index one if none before) to "
          "the assessment", "years", "numeric", 0, label="Length of criminal career"),
    _spec(
        "copas_rate",
        "Copas rate: ln((1 + previous sanctions) / (10 + age - age at first sanction)), "
        "the rate of offending over the criminal career (age at the assessment)",
        "log sanctions per year",
        "numeric",
        1,
        label="Rate of offending over the career (Copas rate)",
        spoken_unit="",
        decimals=2,
        reads=("previous_sanctions", "career_length"),
        phrase="sanctions_over_career",
    ),
    _spec(
        "copas_rate_at_index",
        "Copas rate at the index offence: ln((1 + previous sanctions) / (10 + age at the "
        "index offence - age at first sanction)), OGRS3's rate (Howard et al. 2009)",
        "log sanctions per year",
        "numeric",
        1,
        label="Copas rate up to the current offence",
        spoken_unit="",
        decimals=2,
        reads=("previous_sanctions",),
        phrase="sanctions_to_index",
    ),
    _spec(
        "years_since_last_sanction",
        "offence-free time: years from the last previous sanction to the assessment "
        "(missing when there is no previous sanction)",
        "years",
        "numeric",
        -1,
        label="Offence-free time",
    ),
    _spec("index_offence", "offence category of the index offence (OGRS3 code)", "",
          "categorical", 0, label="Index offence",
          value_labels=tuple((m.value, m.label) for m in OffenceCategory)),
    _spec("index_kind", "whether the index sanction is a caution or a conviction", "",
          "categorical", 0, label="Index sanction"),
    _spec(
        "sanction_history",
        "OGRS3 sanction-history group, counting the index sanction: first_caution, "
        "second_caution, multiple_cautions (no conviction), first_conviction, repeat_offender",
        "",
        "categorical",
        0,
        label="Sanction history",
        value_labels=_HISTORY_LABELS,
    ),
    _spec("violent_history", "any previous sanction for a violent offence", "", "binary", 1,
          label="Previous violent offence"),
    _spec("breach_history", "any previous sanction for absconding or a bail offence", "",
          "binary", 1, label="Previous breach or bail offence"),
)

#: Model inputs of the ProPublica COMPAS layout (:func:`riskassess.datasets.load_compas`).
COMPAS_FEATURES: tuple[FeatureSpec, ...] = (
    _spec("priors_count", "prior offences", "priors", "count", 1, "compas",
          label="Prior offences"),
    _spec("juv_fel_count", "juvenile felonies", "felonies", "count", 1, "compas",
          label="Juvenile felonies"),
    _spec("juv_misd_count", "juvenile misdemeanours", "misdemeanours", "count", 1, "compas",
          label="Juvenile misdemeanours"),
    _spec("juv_other_count", "other juvenile offences", "offences", "count", 1, "compas",
          label="Other juvenile offences"),
    _spec("c_charge_degree", "degree of the current charge (F felony, M misdemeanour)", "",
          "categorical", 0, "compas", label="Degree of the current charge",
          value_labels=(("F", "felony"), ("M", "misdemeanour"))),
)

#: Every documented feature by name (``age`` and ``sex`` are shared by both layouts).
FEATURES: dict[str, FeatureSpec] = {s.name: s for s in (*CASE_FEATURES, *COMPAS_FEATURES)}

#: Protected characteristics: audit variables, never model inputs unless opted in.
PROTECTED_ATTRIBUTES: frozenset[str] = frozenset(
    {"race", "ethnicity", "religion", "nationality", "disability", "sexual_orientation"}
)


def monotone_defaults(columns: Iterable[str]) -> dict[str, int]:
    """Expected direction of each column's effect on risk (0 for undocumented columns).

    Parameters
    ----------
    columns : iterable of str
        Column names.

    Returns
    -------
    dict of str to int
        -1, 0 or +1 per column, in the order given.

    Examples
    --------
    >>> monotone_defaults(["priors_count", "sex"])
    {'priors_count': 1, 'sex': 0}
    """
    return {c: (FEATURES[c].monotone if c in FEATURES else 0) for c in columns}


# Letters from other scripts that look like Latin ones: a column named with a Cyrillic
# "а" in "rаce" reads as "race" to a reviewer and must be matched as "race".
_CONFUSABLES = str.maketrans({
    "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "х": "x", "у": "y", "і": "i",
    "ј": "j", "ѕ": "s", "ԁ": "d", "һ": "h", "к": "k", "м": "m", "т": "t", "в": "b",
    "н": "h", "ο": "o", "α": "a", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ρ": "p",
    "τ": "t", "υ": "u", "χ": "x", "ѵ": "v", "ɡ": "g", "ı": "i",
})
_SEPARATORS = re.compile(r"[\s_\-.:/]+")
_INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u2060-\u2064\ufeff]")

#: Word stems of protected characteristics: a column whose name has a word starting
#: with one of them is refused (``race_black``, ``ethnic_group``, ``religious_belief``).
_PROTECTED_STEMS = ("race", "racial", "ethnic", "religio", "nationalit", "disabilit",
                    "disabled", "sexuality", "gender", "transgender", "pregnan", "maternity",
                    "marital", "civil partner", "belief", "skin colour", "skin color",
                    "sexual orientation")
#: Names that often stand in for a protected characteristic: a warning, not a refusal.
_PROXY_STEMS = ("postcode", "post code", "zip", "country of birth", "birth country",
                "birthplace", "place of birth", "first language", "language", "mother tongue",
                "name", "surname", "forename", "first name", "last name", "citizenship",
                "immigration", "passport", "neighbourhood", "neighborhood")


def normalise_column_name(name: object) -> str:
    """A column name as compared with the protected list: NFKC, case-folded, confusable
    letters mapped to Latin, separators (spaces, ``_``, ``-``, ``.``) made single spaces.

    Examples
    --------
    >>> normalise_column_name("  Ethnic_Group ")
    'ethnic group'
    >>> normalise_column_name("r\u0430ce")  # Cyrillic a
    'race'
    """
    text = unicodedata.normalize("NFKC", str(name)).casefold()
    text = _INVISIBLE.sub("", text).translate(_CONFUSABLES)
    # strip accents left after NFKC (a combining mark on a Latin letter)
    text = "".join(c for c in unicodedata.normalize("NFKD", text)
                   if not unicodedata.combining(c))
    return _SEPARATORS.sub(" ", text).strip()


def _matches(normalised: str, stems: Iterable[str]) -> bool:
    """Whether a stem starts a word (a multi-word stem: a run of words) of the name."""
    padded = " " + normalised
    # "sexualorientation" as well as "sexual orientation": a run of words written joined
    return any((" " + stem) in padded or (" " + stem.replace(" ", "")) in padded
               for stem in stems)


def is_protected(name: object) -> bool:
    """Whether a column name denotes a protected characteristic (however it is spelt).

    Examples
    --------
    >>> [is_protected(n) for n in ["race ", "race_black", "ethnic_group", "age", "sex"]]
    [True, True, True, False, False]
    """
    normalised = normalise_column_name(name)
    return normalised in {normalise_column_name(p) for p in PROTECTED_ATTRIBUTES} or _matches(
        normalised, _PROTECTED_STEMS)


def _is_proxy(name: object) -> bool:
    return _matches(normalise_column_name(name), _PROXY_STEMS)


def check_no_protected(columns: Sequence[str], allow_protected: Iterable[str] = ()) -> None:
    """Refuse protected characteristics among model inputs unless explicitly allowed.

    Names are compared after :func:`normalise_column_name` and matched by word stem
    (race..., ethnic..., religio..., nationalit..., disabilit..., sexual orientation,
    ...), so ``'race '``, a Cyrillic ``'rаce'``, ``race_black`` and ``ethnic_group`` are
    all refused. Known proxies (postcode, country of birth, first language, name, ...)
    raise a warning.

    Parameters
    ----------
    columns : sequence of str
        Model input columns.
    allow_protected : iterable of str, default ()
        Columns the caller has explicitly opted in to use (exact column names): they are
        neither refused nor warned about.

    Raises
    ------
    FeatureError
        If a protected column is present and not allowed.

    Warns
    -----
    UserWarning
        For each column that is a known proxy of a protected characteristic.

    Examples
    --------
    >>> check_no_protected(["age", "race"], allow_protected=["race"])
    >>> check_no_protected(["age", "Ethnic-Group"])
    Traceback (most recent call last):
    ...
    riskassess.exceptions.FeatureError: protected characteristic(s) ['Ethnic-Group'] ...
    """
    allowed = {str(c) for c in allow_protected}
    chosen = [c for c in columns if str(c) not in allowed]
    bad = sorted(str(c) for c in chosen if is_protected(c))
    if bad:
        raise FeatureError(
            f"protected characteristic(s) {bad} among model inputs; they are audit "
            "variables (pass allow_protected=... to opt in explicitly)"
        )
    proxies = sorted(str(c) for c in chosen if _is_proxy(c))
    if proxies:
        warnings.warn(
            f"column(s) {proxies} often stand in for a protected characteristic; check "
            "that the model does not use them as one (allow_protected=... silences this)",
            UserWarning, stacklevel=2)


def describe_features(source: Literal["case", "compas", "all"] = "all") -> pd.DataFrame:
    """The feature documentation as a table.

    Parameters
    ----------
    source : {"case", "compas", "all"}, default "all"
        Which catalogue.

    Returns
    -------
    pandas.DataFrame
        One row per feature, indexed by name, columns label, meaning, unit, kind,
        monotone, source.

    Examples
    --------
    >>> int(describe_features("case").loc["copas_rate", "monotone"])
    1
    """
    specs = [s for s in FEATURES.values() if source == "all" or s.source == source]
    if source in ("case", "all"):
        specs = [*CASE_FEATURES, *(s for s in specs if s.source == "compas")]
    frame = pd.DataFrame(
        [
            {"name": s.name, "label": s.label, "meaning": s.meaning, "unit": s.unit,
             "kind": s.kind,
             "monotone": s.monotone, "source": s.source}
            for s in specs
            if source == "all" or s.source == source
        ]
    )
    return frame.set_index("name")



def case_feature_names() -> list[str]:
    """Columns of :func:`build_features`, in order.

    Examples
    --------
    >>> case_feature_names()[:3]
    ['age', 'age_at_follow_up', 'sex']
    """
    return [s.name for s in CASE_FEATURES]


