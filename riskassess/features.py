"""Point-in-time risk features: the one module that knows feature column names.

The catalogue :data:`FEATURES` documents every feature a model may read: its meaning,
unit, kind, and the direction theory expects it to move risk (``monotone``: +1 risk never
falls as the value rises, -1 never rises, 0 no expectation). Models read their default
monotone constraints from here (:func:`monotone_defaults`).

Protected characteristics (:data:`PROTECTED_ATTRIBUTES`) are audit variables: they are
refused as model inputs unless a caller opts in (:func:`check_no_protected`).

Two ways to build the :data:`CASE_FEATURES` frame, with identical results (property-tested):

* :func:`build_features` -- per case, from :class:`riskassess.cases.Case` records or
  JSON-like dicts (the readable reference, for case systems and small batches);
* :func:`build_features_from_tables` -- vectorised, from the people / sanctions /
  assessments tables of :data:`TABLE_COLUMNS` (for analysts and millions of rows); it
  checks the same validity rules row by row and drops (and counts) sanctions dated on
  or after the assessment date. :func:`cases_to_tables` converts between the two.

Every age and duration is exact: days between the two dates / :data:`DAYS_PER_YEAR`.
Categorical columns carry the full vocabulary of :data:`CATEGORIES` as categories, so
frames built from different data always have the same dtypes.

Examples
--------
>>> FEATURES["previous_sanctions"].monotone
1
>>> monotone_defaults(["age", "previous_sanctions", "unknown_column"])
{'age': -1, 'previous_sanctions': 1, 'unknown_column': 0}
>>> check_no_protected(["age", "race"])
Traceback (most recent call last):
...
riskassess.exceptions.FeatureError: protected characteristic(s) ['race'] among model ...
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from riskassess.exceptions import CaseValidationError, FeatureError
from riskassess.vocabulary import Disposal, OffenceCategory, SanctionKind, Sex

if TYPE_CHECKING:  # pragma: no cover
    from riskassess.cases import Case

__all__ = [
    "CASE_FEATURES",
    "CATEGORIES",
    "COMPAS_FEATURES",
    "DAYS_PER_YEAR",
    "FEATURES",
    "FOLLOW_UP_WINDOW_DAYS",
    "PROTECTED_ATTRIBUTES",
    "TABLE_COLUMNS",
    "FeatureSpec",
    "FeatureTable",
    "build_features",
    "build_features_from_tables",
    "case_feature_names",
    "cases_to_tables",
    "check_no_protected",
    "describe_features",
    "monotone_defaults",
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
        What it measures, in plain English (used in reasons read to officers).
    unit : str
        Unit of the value ("years", "sanctions", "" for categories).
    kind : {"numeric", "count", "binary", "categorical"}
        Value type.
    monotone : {-1, 0, 1}
        Direction theory expects: +1 more means higher risk, -1 lower, 0 none.
    source : {"case", "compas"}
        Where the feature comes from: our case records or the COMPAS layout.
    """

    name: str
    meaning: str
    unit: str
    kind: FeatureKind
    monotone: Literal[-1, 0, 1]
    source: Literal["case", "compas"] = "case"


def _spec(*args: object, **kwargs: object) -> FeatureSpec:
    return FeatureSpec(*args, **kwargs)  # type: ignore[arg-type]


#: Features built from case records by :func:`build_features`, in column order.
CASE_FEATURES: tuple[FeatureSpec, ...] = (
    _spec("age", "age at the assessment date (days / 365.25)", "years", "numeric", -1),
    _spec(
        "age_at_follow_up",
        "age at the start of follow-up (the follow-up start if within 2 years (730 days) "
        "of the assessment, otherwise the assessment date)",
        "years",
        "numeric",
        -1,
    ),
    _spec("sex", "sex as recorded", "", "categorical", 0),
    _spec(
        "previous_sanctions",
        "sanctions (cautions and convictions) before the index offence (same-day "
        "sanctions count)",
        "sanctions",
        "count",
        1,
    ),
    _spec("previous_convictions", "convictions before the index offence", "convictions",
          "count", 1),
    _spec("previous_cautions", "cautions before the index offence", "cautions", "count", 1),
    _spec("previous_custodial", "custodial sentences before the index offence",
          "custodial sentences", "count", 1),
    _spec("age_first_sanction", "age at the first sanction (the index one if none before)",
          "years", "numeric", -1),
    _spec("career_length", "years from the first sanction (the index one if none before) to "
          "the assessment", "years", "numeric", 0),
    _spec(
        "copas_rate",
        "Copas rate: ln((1 + previous sanctions) / (10 + age - age at first sanction)), "
        "the rate of offending over the criminal career (age at the assessment)",
        "log sanctions per year",
        "numeric",
        1,
    ),
    _spec(
        "years_since_last_sanction",
        "offence-free time: years from the last previous sanction to the assessment "
        "(missing when there is no previous sanction)",
        "years",
        "numeric",
        -1,
    ),
    _spec("index_offence", "offence category of the index offence (OGRS3 code)", "",
          "categorical", 0),
    _spec("index_kind", "whether the index sanction is a caution or a conviction", "",
          "categorical", 0),
    _spec(
        "sanction_history",
        "OGRS3 sanction-history group, counting the index sanction: first_caution, "
        "second_caution, multiple_cautions (no conviction), first_conviction, repeat_offender",
        "",
        "categorical",
        0,
    ),
    _spec("violent_history", "any previous sanction for a violent offence", "", "binary", 1),
    _spec("breach_history", "any previous sanction for absconding or a bail offence", "",
          "binary", 1),
)

#: Model inputs of the ProPublica COMPAS layout (:func:`riskassess.datasets.load_compas`).
COMPAS_FEATURES: tuple[FeatureSpec, ...] = (
    _spec("priors_count", "prior offences", "priors", "count", 1, "compas"),
    _spec("juv_fel_count", "juvenile felonies", "felonies", "count", 1, "compas"),
    _spec("juv_misd_count", "juvenile misdemeanours", "misdemeanours", "count", 1, "compas"),
    _spec("juv_other_count", "other juvenile offences", "offences", "count", 1, "compas"),
    _spec("c_charge_degree", "degree of the current charge (F felony, M misdemeanour)", "",
          "categorical", 0, "compas"),
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


def check_no_protected(columns: Sequence[str], allow_protected: Iterable[str] = ()) -> None:
    """Refuse protected characteristics among model inputs unless explicitly allowed.

    Parameters
    ----------
    columns : sequence of str
        Model input columns.
    allow_protected : iterable of str, default ()
        Protected columns the caller has explicitly opted in to use.

    Raises
    ------
    FeatureError
        If a protected column is present and not allowed.

    Examples
    --------
    >>> check_no_protected(["age", "race"], allow_protected=["race"])
    """
    allowed = set(allow_protected)
    bad = sorted(c for c in columns if str(c).lower() in PROTECTED_ATTRIBUTES and c not in allowed)
    if bad:
        raise FeatureError(
            f"protected characteristic(s) {bad} among model inputs; they are audit "
            "variables (pass allow_protected=... to opt in explicitly)"
        )


def describe_features(source: Literal["case", "compas", "all"] = "all") -> pd.DataFrame:
    """The feature documentation as a table.

    Parameters
    ----------
    source : {"case", "compas", "all"}, default "all"
        Which catalogue.

    Returns
    -------
    pandas.DataFrame
        One row per feature, indexed by name, columns meaning, unit, kind, monotone, source.

    Examples
    --------
    >>> describe_features("case").loc["copas_rate", "monotone"]
    np.int64(1)
    """
    specs = [s for s in FEATURES.values() if source == "all" or s.source == source]
    if source in ("case", "all"):
        specs = [*CASE_FEATURES, *(s for s in specs if s.source == "compas")]
    frame = pd.DataFrame(
        [
            {"name": s.name, "meaning": s.meaning, "unit": s.unit, "kind": s.kind,
             "monotone": s.monotone, "source": s.source}
            for s in specs
            if source == "all" or s.source == source
        ]
    )
    return frame.set_index("name")


# ----------------------------------------------------------------------------- building

#: Days per year for every age and duration (ages are exact day counts / 365.25).
DAYS_PER_YEAR = 365.25

#: A follow-up start at most this many days from the assessment sets ``age_at_follow_up``.
FOLLOW_UP_WINDOW_DAYS = 730

#: Full category list of each categorical feature, in pandas category order.
CATEGORIES: dict[str, tuple[str, ...]] = {
    "sex": tuple(m.value for m in Sex),
    "index_offence": tuple(m.value for m in OffenceCategory),
    "index_kind": tuple(m.value for m in SanctionKind),
    "sanction_history": (
        "first_caution", "second_caution", "multiple_cautions", "first_conviction",
        "repeat_offender",
    ),
}

_CAUTION = CATEGORIES["index_kind"].index("caution")
_CONVICTION = CATEGORIES["index_kind"].index("conviction")
_EPOCH_ORDINAL = 719163  # date(1970, 1, 1).toordinal(): day numbers are days since 1970


def case_feature_names() -> list[str]:
    """Columns of :func:`build_features`, in order.

    Examples
    --------
    >>> case_feature_names()[:3]
    ['age', 'age_at_follow_up', 'sex']
    """
    return [s.name for s in CASE_FEATURES]


def _assemble(case_ids: Any, c: Mapping[str, np.ndarray], check_unique: bool = True,
              ) -> pd.DataFrame:
    """Per-case day numbers and counts -> the feature frame (both paths end here).

    ``c`` holds int64 arrays: dob, assessment, index_date, follow_up_start (any value where
    has_follow_up_start is False), n_prev, n_conv, n_caut, n_cust, first_prev, last_prev
    (any value where n_prev == 0), violent, breach (0/1), sex, index_offence, index_kind
    (category codes).
    """
    dob, ad, idx, n_prev = c["dob"], c["assessment"], c["index_date"], c["n_prev"]
    has_prev = n_prev > 0
    first = np.where(has_prev, np.minimum(c["first_prev"], idx), idx)
    near = c["has_follow_up_start"] & (np.abs(c["follow_up_start"] - ad) <= FOLLOW_UP_WINDOW_DAYS)
    start = np.where(near, c["follow_up_start"], ad)
    age = (ad - dob) / DAYS_PER_YEAR
    age_first = (first - dob) / DAYS_PER_YEAR
    copas = np.log((1.0 + n_prev) / (10.0 + age - age_first))
    since = np.where(has_prev, (ad - c["last_prev"]) / DAYS_PER_YEAR, np.nan)
    index_caution = c["index_kind"] == _CAUTION
    convictions_total = c["n_conv"] + ~index_caution
    total = n_prev + 1
    history = np.where(convictions_total == 0, np.minimum(total, 3) - 1,
                       np.where(total == 1, 3, 4))

    def cat(name: str, codes: np.ndarray) -> Any:
        return pd.Categorical.from_codes(codes.astype(np.int8),
                                         categories=pd.Index(list(CATEGORIES[name])))

    i64 = np.int64
    columns: dict[str, Any] = {
        "age": age,
        "age_at_follow_up": (start - dob) / DAYS_PER_YEAR,
        "sex": cat("sex", c["sex"]),
        "previous_sanctions": n_prev.astype(i64),
        "previous_convictions": c["n_conv"].astype(i64),
        "previous_cautions": c["n_caut"].astype(i64),
        "previous_custodial": c["n_cust"].astype(i64),
        "age_first_sanction": age_first,
        "career_length": (ad - first) / DAYS_PER_YEAR,
        "copas_rate": copas,
        "years_since_last_sanction": since,
        "index_offence": cat("index_offence", c["index_offence"]),
        "index_kind": cat("index_kind", c["index_kind"]),
        "sanction_history": cat("sanction_history", history),
        "violent_history": c["violent"].astype(i64),
        "breach_history": c["breach"].astype(i64),
    }
    index = pd.Index(case_ids, name="case_id", dtype="str")
    if check_unique and not index.is_unique:
        dup = index[index.duplicated()].unique().tolist()[:10]
        raise CaseValidationError([(str(d), "case_id", "case id is not unique") for d in dup])
    return pd.DataFrame(columns, index=index)


def build_features(cases: Iterable[Case | Mapping[str, Any]]) -> pd.DataFrame:
    """Point-in-time features of each case, one row per case (the per-case path).

    Parameters
    ----------
    cases : iterable of Case or mapping
        Cases, or JSON-like dicts validated into :class:`riskassess.cases.Case`.

    Returns
    -------
    pandas.DataFrame
        Index ``case_id`` (in input order); columns :func:`case_feature_names`, meanings
        in :data:`CASE_FEATURES`. Ages and durations are float years (days / 365.25),
        counts and binary flags int64, categoricals pandas ``Categorical`` with the full
        vocabulary of :data:`CATEGORIES`. ``years_since_last_sanction`` is NaN when there
        is no previous sanction.

    Raises
    ------
    pydantic.ValidationError
        If a dict is not a valid case (every problem, naming case id and field).
    riskassess.exceptions.CaseValidationError
        If a case id appears twice.

    Examples
    --------
    >>> X = build_features([{
    ...     "case_id": "C1",
    ...     "person": {"person_id": "P1", "date_of_birth": "1990-01-01", "sex": "male"},
    ...     "assessment_date": "2020-01-01",
    ...     "index_offence": {"date": "2019-12-01", "offence": "violence",
    ...                       "disposal": "community", "violent": True},
    ...     "sanctions": [{"date": "2010-01-01", "kind": "caution",
    ...                    "offence": "absconding_bail", "violent": False}],
    ... }])
    >>> X["previous_sanctions"].tolist(), X["breach_history"].tolist()
    ([1], [1])
    >>> X["sanction_history"].tolist()
    ['repeat_offender']
    >>> round(float(X.loc["C1", "age_first_sanction"]), 2)
    20.0
    """
    from riskassess.cases import Case, validate_cases

    items = list(cases)
    valid: list[Case] = (
        items if all(type(x) is Case for x in items) else validate_cases(items)  # type: ignore[assignment]
    )
    sex_code = {m: i for i, m in enumerate(Sex)}
    offence_code = {m: i for i, m in enumerate(OffenceCategory)}
    kind_code = {m: i for i, m in enumerate(SanctionKind)}
    names = ("dob", "assessment", "index_date", "follow_up_start", "has_follow_up_start",
             "n_prev", "n_conv", "n_caut", "n_cust", "first_prev", "last_prev", "violent",
             "breach", "sex", "index_offence", "index_kind")
    rows: list[tuple[int, ...]] = []
    ep = _EPOCH_ORDINAL
    for case in valid:
        conv = caut = cust = violent = breach = 0
        first = last = 0
        days = [s.date.toordinal() - ep for s in case.sanctions]
        for s in case.sanctions:
            if s.kind is SanctionKind.CONVICTION:
                conv += 1
                cust += s.disposal == "custody"
            else:
                caut += 1
            violent |= s.violent
            breach |= s.offence.is_breach
        if days:
            first, last = min(days), max(days)
        fus = case.follow_up_start
        rows.append((
            case.person.date_of_birth.toordinal() - ep,
            case.assessment_date.toordinal() - ep,
            case.index_offence.date.toordinal() - ep,
            0 if fus is None else fus.toordinal() - ep,
            fus is not None,
            len(days), conv, caut, cust, first, last, violent, breach,
            sex_code[case.person.sex],
            offence_code[case.index_offence.offence],
            kind_code[case.index_offence.kind],
        ))
    table = np.array(rows, dtype=np.int64).reshape(len(rows), len(names))
    cols = {name: table[:, j] for j, name in enumerate(names)}
    cols["has_follow_up_start"] = cols["has_follow_up_start"].astype(bool)
    return _assemble([c.case_id for c in valid], cols)


# ----------------------------------------------------------------------------- table path

#: Column layout of the three tables read by :func:`build_features_from_tables`, written
#: by :func:`cases_to_tables` and :func:`riskassess.datasets.make_cohort`.
#:
#: ``people``: one row per person. ``person_id`` (str id), ``date_of_birth`` (date),
#: ``sex`` ("male"/"female").
#: ``sanctions``: one row per previous sanction of a person (not the index sanction,
#: which is described in ``assessments``). ``person_id``, ``date``, ``kind``
#: ("caution"/"conviction"), ``disposal`` (a :class:`~riskassess.vocabulary.Disposal`
#: code for a conviction, missing for a caution), ``offence`` (an OGRS3 code), ``violent``
#: (bool). A row counts for every assessment of that person dated after it; rows on or
#: after an assessment date are ignored for it (leakage) and counted.
#: ``assessments``: one row per case. ``case_id``, ``person_id``, ``assessment_date``,
#: ``index_date``, ``index_offence``, ``index_kind``, ``index_disposal``,
#: ``index_violent``, ``follow_up_start`` (date or missing).
#:
#: Dates are ``datetime64`` columns at midnight, :class:`datetime.date` objects (or
#: timestamps at midnight) or ISO ``YYYY-MM-DD`` strings; codes are strings or
#: ``Categorical``; flags are bool (not 0/1).
#: Extra columns are ignored.
TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "people": ("person_id", "date_of_birth", "sex"),
    "sanctions": ("person_id", "date", "kind", "disposal", "offence", "violent"),
    "assessments": (
        "case_id", "person_id", "assessment_date", "index_date", "index_offence",
        "index_kind", "index_disposal", "index_violent", "follow_up_start",
    ),
}

_MAX_REPORTED = 1000
_ID_RE = r"[A-Za-z0-9][A-Za-z0-9._:\-]{0,63}"


@dataclass(frozen=True)
class FeatureTable:
    """Result of :func:`build_features_from_tables`.

    Attributes
    ----------
    features : pandas.DataFrame
        The same frame :func:`build_features` gives for the valid cases.
    dropped_events : int
        Sanction rows (per case) dated on or after the assessment date, ignored.
    rejected : pandas.DataFrame
        Columns ``case_id``, ``field``, ``problem``: one row per problem of a case left
        out (only with ``invalid="drop"``; empty otherwise).
    """

    features: pd.DataFrame
    dropped_events: int
    rejected: pd.DataFrame


def _require(frame: pd.DataFrame, name: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise FeatureError(f"{name} must be a pandas DataFrame, got {type(frame).__name__}")
    missing = [c for c in TABLE_COLUMNS[name] if c not in frame.columns]
    if missing:
        raise FeatureError(
            f"{name} table lacks column(s) {missing}; expected {list(TABLE_COLUMNS[name])} "
            "(see riskassess.features.TABLE_COLUMNS)"
        )


def _is_text(col: pd.Series) -> bool:
    return bool(pd.api.types.is_string_dtype(col.dtype) and col.dtype != object)


def _iso_or_none(value: object) -> str | None:
    """ISO text of a date, a string as is; a datetime only at midnight without time zone."""
    if type(value) is date:
        return value.isoformat()
    if isinstance(value, datetime):
        midnight = value.tzinfo is None and value == datetime(value.year, value.month, value.day)
        return value.date().isoformat() if midnight else None
    return value if isinstance(value, str) else None


def _days(col: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Day numbers (days since 1970), valid mask and missing mask of a date column."""
    missing = col.isna().to_numpy()
    if pd.api.types.is_datetime64_dtype(col.dtype):
        values = col.to_numpy()
        day = values.astype("datetime64[D]")
        ok = ~missing & (day == values)  # midnight only
        days = day.astype(np.int64)
    elif col.dtype == object or _is_text(col):
        text = col.map(_iso_or_none) if col.dtype == object else col
        parsed = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce").to_numpy()
        ok = ~np.isnat(parsed)
        days = parsed.astype("datetime64[D]").astype(np.int64)
    else:
        ok = np.zeros(len(col), dtype=bool)
        days = np.zeros(len(col), dtype=np.int64)
    return np.where(ok, days, 0), ok, missing


def _codes(col: pd.Series, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Category codes (-1 when unknown or missing) and the missing mask."""
    missing = col.isna().to_numpy()
    if isinstance(col.dtype, pd.CategoricalDtype) or col.dtype == object or _is_text(col):
        codes = _lookup(col, pd.Series(list(_VOCAB[name]), dtype=object))
    else:
        codes = np.full(len(col), -1, dtype=np.int64)
    return codes, missing


def _bools(col: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Values and valid mask of a flag column (real booleans only)."""
    if col.dtype == bool:
        return col.to_numpy(), np.ones(len(col), dtype=bool)
    if isinstance(col.dtype, pd.BooleanDtype):
        return col.fillna(False).to_numpy(dtype=bool), col.notna().to_numpy()
    if col.dtype == object:
        ok = np.fromiter((type(v) is bool or type(v) is np.bool_ for v in col), bool, len(col))
        return ok & np.fromiter((v is True or v is np.True_ for v in col), bool, len(col)), ok
    return np.zeros(len(col), dtype=bool), np.zeros(len(col), dtype=bool)


def _ids_ok(col: pd.Series) -> np.ndarray:
    text = col if _is_text(col) else col.map(lambda v: v if isinstance(v, str) else None)
    return text.astype("str").str.fullmatch(_ID_RE).fillna(False).to_numpy(dtype=bool) & (
        col.notna().to_numpy()
    )


def _tenth_days(dob: np.ndarray) -> np.ndarray:
    """Day number of the 10th birthday (29 February -> 1 March)."""
    d = dob.astype("datetime64[D]")
    month = d.astype("datetime64[M]")
    offset = (d - month.astype("datetime64[D]")).astype(np.int64)
    return (month + 120).astype("datetime64[D]").astype(np.int64) + offset


_VOCAB: dict[str, tuple[str, ...]] = {
    "sex": CATEGORIES["sex"],
    "offence": CATEGORIES["index_offence"],
    "kind": CATEGORIES["index_kind"],
    "disposal": tuple(m.value for m in Disposal),
}
_CUSTODY = _VOCAB["disposal"].index("custody")
_BREACH = tuple(i for i, m in enumerate(OffenceCategory) if m.is_breach)


def _iso(day: Any) -> str:
    return str(np.datetime64(int(day), "D"))


class _Problems:
    """Problems found in the tables, collected as (case positions, field, messages)."""

    def __init__(self, n_cases: int) -> None:
        self.bad = np.zeros(n_cases, dtype=bool)
        self.items: list[tuple[np.ndarray, str, list[str]]] = []

    def add(self, mask: np.ndarray, field: str, message: Any, case_of: np.ndarray | None = None,
            ) -> None:
        """Record ``message(i)`` for each row ``i`` in ``mask`` (rows map to cases)."""
        rows = np.flatnonzero(mask)
        if rows.size == 0:
            return
        cases = rows if case_of is None else case_of[rows]
        self.bad[cases] = True
        self.items.append((cases, field, [message(int(i)) for i in rows]))

    def frame(self, case_ids: pd.Series) -> pd.DataFrame:
        if not self.items:
            return pd.DataFrame({"case_id": pd.Series([], dtype=object),
                                 "field": pd.Series([], dtype=object),
                                 "problem": pd.Series([], dtype=object)})
        pos = np.concatenate([c for c, _, _ in self.items])
        order = np.argsort(pos, kind="stable")
        fields = np.concatenate([np.full(len(c), f, dtype=object) for c, f, _ in self.items])
        msgs = np.concatenate([np.array(m, dtype=object) for _, _, m in self.items])
        ids = np.array([str(v) for v in case_ids.iloc[pos[order]]], dtype=object)
        return pd.DataFrame({"case_id": ids, "field": fields[order], "problem": msgs[order]})


def _expand(a_person: np.ndarray, s_person: np.ndarray, n_people: int,
            ) -> tuple[np.ndarray, np.ndarray, int]:
    """Pair each sanction row with each case of its person.

    Returns (sanction rows, case rows, number of sanction rows with no case).
    """
    found = a_person >= 0
    per_person = np.bincount(a_person[found], minlength=n_people)
    matched = s_person >= 0
    rep = np.zeros(len(s_person), dtype=np.int64)
    rep[matched] = per_person[s_person[matched]]
    if per_person.size == 0 or per_person.max() <= 1:  # one case per person: no repeat
        case_of_person = np.full(n_people, -1, dtype=np.int64)
        case_of_person[a_person[found]] = np.flatnonzero(found)
        rows = np.flatnonzero(rep > 0)
        return rows, case_of_person[s_person[rows]], len(s_person) - rows.size
    order = np.argsort(np.where(found, a_person, -1), kind="stable")
    start = np.searchsorted(np.where(found, a_person, -1)[order], np.arange(n_people))
    rows = np.repeat(np.arange(len(s_person)), rep)
    offset = np.arange(rows.size) - np.repeat(np.cumsum(rep) - rep, rep)
    return rows, order[start[s_person[rows]] + offset], int((rep == 0).sum())


def _as_text(col: pd.Series) -> Any:
    """The column as a pyarrow large_string array (non-strings become null), or None."""
    try:
        import pyarrow as pa
    except ImportError:  # pragma: no cover - pandas without pyarrow
        return None
    if col.dtype == object or not _is_text(col):
        col = col.map(lambda v: v if isinstance(v, str) else None).astype(object)
        return pa.array(col.to_numpy(), type=pa.large_string(), from_pandas=True)
    return pa.array(col).cast(pa.large_string())


def _lookup(keys: pd.Series, reference: pd.Series) -> np.ndarray:
    """Row of the first occurrence of each key in ``reference`` (-1 when absent)."""
    if isinstance(keys.dtype, pd.CategoricalDtype):  # look up the categories only
        per_category = _lookup(pd.Series(keys.cat.categories), reference)
        codes = np.asarray(keys.cat.codes, dtype=np.int64)
        return np.where(codes >= 0, per_category[np.maximum(codes, 0)] if codes.size else codes,
                        -1)
    k, r = _as_text(keys), _as_text(reference)
    if k is not None and r is not None:
        import pyarrow.compute as pc

        found = pc.index_in(k, value_set=r, skip_nulls=True).fill_null(-1)
        return np.asarray(found.to_numpy(zero_copy_only=False), dtype=np.int64)
    return _lookup_pandas(keys, reference)  # pragma: no cover - pandas without pyarrow


def _lookup_pandas(keys: pd.Series, reference: pd.Series) -> np.ndarray:
    """:func:`_lookup` with pandas hashing only (strings only; slower)."""
    def text(col: pd.Series) -> np.ndarray:
        return np.array([v if isinstance(v, str) else None for v in col], dtype=object)

    ref = pd.Index(text(reference))
    first = ~ref.duplicated() & ref.notna()
    rows = np.flatnonzero(first)
    pos = pd.Index(ref[first]).get_indexer(pd.Index(text(keys)))
    return np.asarray(np.where(pos >= 0, rows[np.maximum(pos, 0)], -1), dtype=np.int64)


def _duplicated(col: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(first occurrence row of each row's value, mask of values that occur more than once)."""
    first = _lookup(col, col)
    first = np.where(first >= 0, first, np.arange(len(col)))  # nulls: their own row
    later = first != np.arange(len(col))
    dup = later.copy()
    dup[first[later]] = True
    return first, dup


def _check_sanction_kind(probs: _Problems, kind: np.ndarray, disp: np.ndarray,
                         disp_missing: np.ndarray, where: np.ndarray, field: str,
                         raw_kind: Any, raw_disp: Any, label: Any,
                         case_of: np.ndarray | None = None) -> None:
    """Kind known, disposal known, and present exactly for convictions.

    ``raw_kind(i)`` and ``raw_disp(i)`` give the raw value of row ``i`` for messages.
    """
    probs.add(where & (kind < 0), f"{field}kind",
              lambda i: f"{label(i)}expected 'caution' or 'conviction', got {raw_kind(i)!r}",
              case_of)
    unknown = where & ~disp_missing & (disp < 0)
    probs.add(unknown, f"{field}disposal",
              lambda i: f"{label(i)}unknown disposal {raw_disp(i)!r}", case_of)
    probs.add(where & (kind == _CONVICTION) & disp_missing, f"{field}disposal",
              lambda i: f"{label(i)}a conviction needs a disposal", case_of)
    probs.add(where & (kind == _CAUTION) & ~disp_missing & ~unknown, f"{field}disposal",
              lambda i: f"{label(i)}a caution has no disposal, got {raw_disp(i)!r}", case_of)


def build_features_from_tables(
    people: pd.DataFrame,
    sanctions: pd.DataFrame,
    assessments: pd.DataFrame,
    *,
    invalid: Literal["raise", "drop"] = "raise",
) -> FeatureTable:
    """Features for every assessment from three tables (the vectorised path).

    Gives exactly the frame :func:`build_features` gives for the same cases (see
    :func:`cases_to_tables`), checking the same validity rules row by row, with numpy
    and pandas operations only (no per-person Python loop).

    Parameters
    ----------
    people, sanctions, assessments : pandas.DataFrame
        Layouts in :data:`TABLE_COLUMNS`.
    invalid : {"raise", "drop"}, default "raise"
        What to do with cases that break a rule: raise one error listing every problem,
        or leave them out and list the problems in ``rejected``.

    Returns
    -------
    FeatureTable
        ``features`` (index ``case_id``, in the order of ``assessments``),
        ``dropped_events`` and ``rejected``.

    Raises
    ------
    riskassess.exceptions.FeatureError
        If a table lacks a column.
    riskassess.exceptions.CaseValidationError
        With ``invalid="raise"``, every problem as (case id, field, message) (the
        message lists at most the first 1,000).

    Warns
    -----
    UserWarning
        When sanction rows dated on or after their assessment date are ignored, or
        sanction rows belong to nobody assessed.

    Examples
    --------
    >>> people = pd.DataFrame({"person_id": ["P1"], "date_of_birth": ["1990-01-01"],
    ...                        "sex": ["female"]})
    >>> sanctions = pd.DataFrame({"person_id": ["P1", "P1"],
    ...     "date": ["2012-05-01", "2021-01-01"], "kind": ["conviction", "caution"],
    ...     "disposal": ["custody", None], "offence": ["robbery", "other"],
    ...     "violent": [True, False]})
    >>> assessments = pd.DataFrame({"case_id": ["C1"], "person_id": ["P1"],
    ...     "assessment_date": ["2020-01-01"], "index_date": ["2019-11-01"],
    ...     "index_offence": ["fraud_forgery"], "index_kind": ["conviction"],
    ...     "index_disposal": ["community"], "index_violent": [False],
    ...     "follow_up_start": [None]})
    >>> import warnings
    >>> with warnings.catch_warnings(record=True):
    ...     out = build_features_from_tables(people, sanctions, assessments)
    >>> out.dropped_events, out.features["previous_custodial"].tolist()
    (1, [1])
    """
    if invalid not in ("raise", "drop"):
        raise ValueError(f"invalid must be 'raise' or 'drop', got {invalid!r}")
    for frame, name in ((people, "people"), (sanctions, "sanctions"),
                        (assessments, "assessments")):
        _require(frame, name)
    n = len(assessments)
    today = date.today().toordinal() - _EPOCH_ORDINAL
    A, P, S = assessments, people, sanctions
    probs = _Problems(n)
    case_ids = A["case_id"]

    # people
    pid = P["person_id"]
    _, p_dup = _duplicated(pid)
    p_id_ok = _ids_ok(pid)
    dob_all, dob_ok_all, _ = _days(P["date_of_birth"])
    sex_all, _ = _codes(P["sex"], "sex")

    # assessments -> person row
    a_person = _lookup(A["person_id"], pid)
    found = a_person >= 0
    p = np.maximum(a_person, 0)
    if len(P) == 0:
        dob, dob_ok, sex = (np.zeros(n, np.int64), np.zeros(n, bool), np.full(n, -1))
        pid_ok = np.zeros(n, bool)
    else:
        dob, dob_ok = dob_all[p], found & dob_ok_all[p]
        sex, pid_ok = sex_all[p], p_id_ok[p] & ~p_dup[p]
    tenth = _tenth_days(dob)

    raw = {c: A[c] for c in TABLE_COLUMNS["assessments"]}
    probs.add(~_ids_ok(A["case_id"]), "case_id",
              lambda i: f"expected 1-64 letters, digits or ._:- (pseudonymous id), "
                        f"got {case_ids.iat[i]!r}")
    probs.add(_duplicated(A["case_id"])[1], "case_id",
              lambda i: "case id appears more than once in assessments")
    probs.add(~found, "person_id",
              lambda i: f"no row for person {raw['person_id'].iat[i]!r} in people")
    probs.add(found & ~pid_ok, "person.person_id",
              lambda i: f"person id {pid.iat[int(a_person[i])]!r} is not a valid id or appears "
                        "more than once in people")
    probs.add(found & ~dob_ok, "person.date_of_birth",
              lambda i: f"expected a date, got {P['date_of_birth'].iat[int(a_person[i])]!r}")
    probs.add(found & (sex < 0), "person.sex",
              lambda i: f"expected 'male' or 'female', got {P['sex'].iat[int(a_person[i])]!r}")

    ad, ad_ok, _ = _days(A["assessment_date"])
    idx, idx_ok, _ = _days(A["index_date"])
    fus, fus_ok, fus_missing = _days(A["follow_up_start"])
    offence, _ = _codes(A["index_offence"], "offence")
    kind, _ = _codes(A["index_kind"], "kind")
    disp, disp_missing = _codes(A["index_disposal"], "disposal")
    _, iviolent_ok = _bools(A["index_violent"])

    probs.add(~ad_ok, "assessment_date",
              lambda i: f"expected a date, got {raw['assessment_date'].iat[i]!r}")
    probs.add(ad_ok & (ad > today), "assessment_date",
              lambda i: f"{_iso(ad[i])} is in the future (today is {_iso(today)})")
    from riskassess.cases import MAX_AGE_YEARS

    probs.add(ad_ok & dob_ok & ((ad - dob) / DAYS_PER_YEAR > MAX_AGE_YEARS),
              "person.date_of_birth",
              lambda i: f"{_iso(dob[i])} makes the person older than {MAX_AGE_YEARS:g} "
                        f"years on the assessment date {_iso(ad[i])}")
    probs.add(~idx_ok, "index_offence.date",
              lambda i: f"expected a date, got {raw['index_date'].iat[i]!r}")
    probs.add(idx_ok & ad_ok & (idx > ad), "index_offence.date",
              lambda i: f"dated {_iso(idx[i])}, after the assessment date {_iso(ad[i])}")
    probs.add(idx_ok & dob_ok & (idx < tenth), "index_offence.date",
              lambda i: f"dated {_iso(idx[i])}, before the person's 10th birthday "
                        f"{_iso(tenth[i])} (age of criminal responsibility)")
    probs.add(offence < 0, "index_offence.offence",
              lambda i: f"unknown offence category {raw['index_offence'].iat[i]!r}")
    _check_sanction_kind(probs, kind, disp, disp_missing, np.ones(n, bool), "index_offence.",
                         raw["index_kind"].iat.__getitem__, raw["index_disposal"].iat.__getitem__,
                         lambda i: "")
    probs.add(~iviolent_ok, "index_offence.violent",
              lambda i: f"expected true or false, got {raw['index_violent'].iat[i]!r}")
    probs.add(~fus_missing & ~fus_ok, "follow_up_start",
              lambda i: f"expected a date or nothing, got {raw['follow_up_start'].iat[i]!r}")
    probs.add(fus_ok & idx_ok & (fus < idx), "follow_up_start",
              lambda i: f"{_iso(fus[i])} is before the index offence date {_iso(idx[i])}")

    # sanctions, paired with the cases of their person
    s_person = _lookup(S["person_id"], pid)
    rows, case, unmatched = _expand(a_person, s_person, len(P))
    identity = rows.size == len(S) and (rows.size == 0 or rows[-1] == rows.size - 1)

    def take(values: np.ndarray) -> np.ndarray:
        return values if identity else values[rows]

    s_day, s_ok, _ = _days(S["date"])
    d, d_ok = take(s_day), take(s_ok)
    k = take(_codes(S["kind"], "kind")[0])
    s_disp, s_disp_missing = (take(a) for a in _codes(S["disposal"], "disposal"))
    s_offence = take(_codes(S["offence"], "offence")[0])
    s_violent, s_violent_ok = (take(a) for a in _bools(S["violent"]))
    ad_c = ad[case]
    leak = d_ok & ad_ok[case] & (d >= ad_c)
    keep = ~leak
    dropped = int(leak.sum())
    sl = S.index

    def label(j: int) -> str:
        return f"sanctions row {sl[rows[j]]!r}: "

    def raw_s(column: str) -> Any:
        return lambda j: S[column].iat[int(rows[j])]

    probs.add(keep & ~d_ok, "sanctions.date",
              lambda j: f"{label(j)}expected a date, got {raw_s('date')(j)!r}", case)
    idx_c = idx[case]
    probs.add(keep & d_ok & idx_ok[case] & (d > idx_c), "sanctions.date",
              lambda j: f"{label(j)}dated {_iso(d[j])}, after the index offence date "
                        f"{_iso(idx[case[j]])} (previous sanctions are on or before it)", case)
    probs.add(keep & d_ok & dob_ok[case] & (d < tenth[case]), "sanctions.date",
              lambda j: f"{label(j)}dated {_iso(d[j])}, before the person's 10th birthday "
                        f"{_iso(tenth[case[j]])} (age of criminal responsibility)", case)
    _check_sanction_kind(probs, k, s_disp, s_disp_missing, keep, "sanctions.",
                         raw_s("kind"), raw_s("disposal"), label, case)
    probs.add(keep & (s_offence < 0), "sanctions.offence",
              lambda j: f"{label(j)}unknown offence category {raw_s('offence')(j)!r}", case)
    probs.add(keep & ~s_violent_ok, "sanctions.violent",
              lambda j: f"{label(j)}expected true or false, got {raw_s('violent')(j)!r}", case)

    if probs.items and invalid == "raise":
        rej = probs.frame(case_ids)
        problems = list(rej.itertuples(index=False, name=None))
        if len(problems) > _MAX_REPORTED:
            more = len(problems) - _MAX_REPORTED
            problems = [*problems[:_MAX_REPORTED],
                        ("...", "...", f"{more} more problem(s); use invalid='drop' to list "
                                       "them all in FeatureTable.rejected")]
        raise CaseValidationError(problems)

    # aggregate previous sanctions per case
    if dropped:
        case, d, k, s_disp, s_violent, s_offence = (
            a[keep] for a in (case, d, k, s_disp, s_violent, s_offence))
    c, dk = case, d
    conv = k == _CONVICTION
    breach = s_offence == _BREACH[0] if len(_BREACH) == 1 else np.isin(s_offence, _BREACH)
    agg: dict[str, np.ndarray] = {
        "n_prev": np.bincount(c, minlength=n),
        "n_conv": np.bincount(c[conv], minlength=n),
        "n_caut": np.bincount(c[~conv], minlength=n),
        "n_cust": np.bincount(c[conv & (s_disp == _CUSTODY)], minlength=n),
        "violent": np.bincount(c[s_violent], minlength=n) > 0,
        "breach": np.bincount(c[breach], minlength=n) > 0,
    }
    first = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    last = np.full(n, np.iinfo(np.int64).min, dtype=np.int64)
    np.minimum.at(first, c, dk)
    np.maximum.at(last, c, dk)

    good = ~probs.bad
    cols = {key: v[good] for key, v in agg.items()}
    cols.update(
        dob=dob[good], assessment=ad[good], index_date=idx[good],
        follow_up_start=fus[good], has_follow_up_start=fus_ok[good],
        first_prev=first[good], last_prev=last[good], sex=sex[good],
        index_offence=offence[good], index_kind=kind[good],
    )
    features = _assemble(case_ids.array[good], cols, check_unique=False)
    if dropped:
        warnings.warn(f"{dropped} sanction row(s) dated on or after their case's assessment "
                      "date were ignored (later events are leakage)", UserWarning, stacklevel=2)
    if unmatched:
        warnings.warn(f"{unmatched} sanction row(s) belong to no assessed person and were "
                      "ignored", UserWarning, stacklevel=2)
    return FeatureTable(features=features, dropped_events=dropped, rejected=probs.frame(case_ids))


def cases_to_tables(
    cases: Iterable[Case | Mapping[str, Any]],
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Write cases as the three tables of :data:`TABLE_COLUMNS` (people, sanctions, assessments).

    Each person may appear in one case only: a sanctions table cannot say which of a
    person's sanctions belong to which of several assessments.

    Parameters
    ----------
    cases : iterable of Case or mapping

    Returns
    -------
    people, sanctions, assessments : pandas.DataFrame
        Dates as ``datetime64``, codes as ``Categorical`` with the full vocabulary,
        flags as bool, ids as strings; in the cases' order.

    Raises
    ------
    riskassess.exceptions.CaseValidationError
        If a person appears in more than one case.

    Examples
    --------
    >>> people, sanctions, assessments = cases_to_tables([])
    >>> list(assessments.columns) == list(TABLE_COLUMNS["assessments"])
    True
    """
    from riskassess.cases import Case, validate_cases

    items = list(cases)
    valid: list[Case] = (
        items if all(type(x) is Case for x in items) else validate_cases(items)  # type: ignore[assignment]
    )
    seen: dict[str, str] = {}
    problems = []
    for case in valid:
        pid = case.person.person_id
        if pid in seen:
            problems.append((case.case_id, "person.person_id",
                             f"person {pid!r} also in case {seen[pid]!r}; cases_to_tables "
                             "needs one case per person"))
        seen.setdefault(pid, case.case_id)
    if problems:
        raise CaseValidationError(problems)

    def dates(values: list[Any]) -> pd.Series:
        return pd.Series(pd.to_datetime(pd.Series(values, dtype=object)).astype("datetime64[s]"))

    def cat(values: list[Any], name: str) -> pd.Categorical:
        return pd.Categorical(values, categories=list(_VOCAB[name]))

    people = pd.DataFrame({
        "person_id": pd.Series([c.person.person_id for c in valid], dtype=object).astype(str),
        "date_of_birth": dates([c.person.date_of_birth for c in valid]),
        "sex": cat([c.person.sex.value for c in valid], "sex"),
    })
    sanc = [(c.person.person_id, s) for c in valid for s in c.sanctions]
    sanctions = pd.DataFrame({
        "person_id": pd.Series([p for p, _ in sanc], dtype=object).astype(str),
        "date": dates([s.date for _, s in sanc]),
        "kind": cat([s.kind.value for _, s in sanc], "kind"),
        "disposal": cat([s.disposal.value if s.disposal else None for _, s in sanc], "disposal"),
        "offence": cat([s.offence.value for _, s in sanc], "offence"),
        "violent": np.array([s.violent for _, s in sanc], dtype=bool),
    })
    idx = [c.index_offence for c in valid]
    assessments = pd.DataFrame({
        "case_id": pd.Series([c.case_id for c in valid], dtype=object).astype(str),
        "person_id": people["person_id"],
        "assessment_date": dates([c.assessment_date for c in valid]),
        "index_date": dates([i.date for i in idx]),
        "index_offence": cat([i.offence.value for i in idx], "offence"),
        "index_kind": cat([i.kind.value for i in idx], "kind"),
        "index_disposal": cat([i.disposal.value if i.disposal else None for i in idx],
                              "disposal"),
        "index_violent": np.array([i.violent for i in idx], dtype=bool),
        "follow_up_start": dates([c.follow_up_start for c in valid]),
    })
    return people, sanctions, assessments
