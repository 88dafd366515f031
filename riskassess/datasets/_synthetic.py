"""Synthetic probation cohorts with a known true risk function.

Generative process (all vectorised; one random generator seeded by ``(seed, id_offset)``):

1. **People.** Sex male with probability 0.85. Assessment date uniform over
   2015-01-01 .. 2020-12-31. Age at assessment ``18 + Gamma(2, 7)`` years (mean 32,
   long right tail, capped at 85): the adult probation caseload.
2. **Criminal career.** About 22% are first-time offenders (the index sanction is their
   first). The others started at ``12 + Gamma(2, 3.5)`` years (teenage onset, the rising
   limb of the age-crime curve), never before their 10th birthday and never after the
   index offence. Each person has an offending rate ``lambda ~ LogNormal(log 1.3, 0.7)``
   sanctions a year, falling with age (``exp(-(age - 18) / 25)``: the falling limb),
   and ``1 + Poisson(lambda * career years)`` previous sanctions (capped at 150), one on
   the first-sanction date and the rest uniform between it and the index offence.
3. **Sanctions.** A caution with probability 0.55 under 18, 0.12 from 18; a conviction's
   disposal custody 15%, community 30%, suspended 10%, fine 30%, discharge 10%, other
   5%; offence categories with fixed national-like frequencies (theft most common);
   violent for violence, robbery, sexual offences and 20% of public order offences.
4. **Index offence.** 1-60 days before the assessment; 97% convictions (custody 30%,
   community 50%, suspended 20%). Follow-up starts at sentence, or on release for
   custody (sentence ``Gamma(1.5, 0.35)`` years later, so some start after the
   assessment).
5. **Outcome.** The true 2-year log-odds is additive in catalogue features
   (:data:`TRUE_SHAPES`): falling with age, rising with the Copas rate, previous
   custodial sentences and violent history, lower for women. The 1-year log-odds is
   the 2-year one minus 0.9. One uniform draw ``u`` per case gives reoffending within
   one and two years (``u < p``), so a 1-year reoffender is always a 2-year one.
   Data are extracted on :data:`EXTRACT_DATE` (recording lag included): cases with
   less follow-up than the horizon are censored (``<NA>``), never counted as
   non-reoffenders.

The 2-year base rate among uncensored cases is about 39% (1-year about 23%), about 18%
of cases are censored at two years (2% at one), people have about 9 previous sanctions
on average (median 6, heavy tail), and the true probabilities reach an AUC of about 0.75.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from riskassess.cases import tenth_birthdays
from riskassess.exceptions import DatasetArgumentError
from riskassess.features import (
    CATEGORIES,
    DAYS_PER_YEAR,
    FeatureTable,
    build_features_from_tables,
)
from riskassess.vocabulary import Disposal, OffenceCategory

__all__ = [
    "EXTRACT_DATE",
    "TRUE_INTERCEPTS",
    "TRUE_SHAPES",
    "Cohort",
    "make_cohort",
    "true_log_odds",
]

#: Date the outcome data are extracted (proven reoffending recorded up to here).
EXTRACT_DATE = date(2021, 12, 31)

_EPOCH = date(1970, 1, 1).toordinal()
_START, _END = date(2015, 1, 1).toordinal() - _EPOCH, date(2020, 12, 31).toordinal() - _EPOCH
_EXTRACT = EXTRACT_DATE.toordinal() - _EPOCH


def _age_shape(age: Any) -> np.ndarray:
    return 1.6 * np.exp(-(np.asarray(age, dtype=float) - 18.0) / 12.0) - 0.6


def _copas_shape(copas: Any) -> np.ndarray:
    return 1.2 * np.tanh(np.asarray(copas, dtype=float) + 1.0)


def _custodial_shape(n: Any) -> np.ndarray:
    return 0.35 * np.log1p(np.asarray(n, dtype=float))


def _violent_shape(flag: Any) -> np.ndarray:
    return 0.15 * np.asarray(flag, dtype=float)


def _sex_shape(sex: Any) -> np.ndarray:
    return np.where(np.asarray(sex, dtype=object) == "female", -0.35, 0.0)


#: The true additive effect of each feature on the log-odds of reoffending (both
#: horizons), as a function of the feature column's values. Every other feature has
#: no effect given these.
TRUE_SHAPES: dict[str, Callable[[Any], np.ndarray]] = {
    "age": _age_shape,
    "copas_rate": _copas_shape,
    "previous_custodial": _custodial_shape,
    "violent_history": _violent_shape,
    "sex": _sex_shape,
}

#: Intercept of the true log-odds per horizon in years.
TRUE_INTERCEPTS: dict[int, float] = {1: -1.55, 2: -0.65}


def true_log_odds(features: pd.DataFrame, horizon: int = 2) -> pd.Series:
    """The true log-odds of reoffending within ``horizon`` years given the features.

    Parameters
    ----------
    features : pandas.DataFrame
        Frame from :func:`riskassess.features.build_features` (needs the columns of
        :data:`TRUE_SHAPES`).
    horizon : {1, 2}

    Returns
    -------
    pandas.Series
        Same index as ``features``.

    Examples
    --------
    >>> cohort = make_cohort(50, seed=1)
    >>> z = true_log_odds(cohort.features())
    >>> bool(np.allclose(1 / (1 + np.exp(-z)), cohort.outcomes["true_p_2y"]))
    True
    """
    if horizon not in TRUE_INTERCEPTS:
        raise DatasetArgumentError(
            f"horizon must be one of {sorted(TRUE_INTERCEPTS)}, got {horizon!r}")
    total = np.full(len(features), TRUE_INTERCEPTS[horizon])
    for name, shape in TRUE_SHAPES.items():
        total = total + shape(features[name].to_numpy())
    return pd.Series(total, index=features.index, name=f"true_log_odds_{horizon}y")


_OFFENCE_FREQ = {
    "violence": 0.14, "robbery": 0.02, "public_order": 0.07, "sexual_not_child": 0.01,
    "sexual_child": 0.01, "soliciting": 0.003, "burglary_domestic": 0.04,
    "burglary_other": 0.03, "theft_non_motor": 0.20, "handling_stolen_goods": 0.03,
    "fraud_forgery": 0.04, "absconding_bail": 0.05, "taking_driving_away": 0.02,
    "theft_from_vehicles": 0.02, "other_motoring": 0.08, "drink_driving": 0.05,
    "criminal_damage": 0.06, "drug_import_export_production": 0.007,
    "drug_possession_supply": 0.06, "other": 0.05,
}
_OFFENCES = [m.value for m in OffenceCategory]
_P_OFFENCE = np.array([_OFFENCE_FREQ[o] for o in _OFFENCES]) / sum(_OFFENCE_FREQ.values())
_VIOLENT = np.isin(_OFFENCES, ["violence", "robbery", "sexual_not_child", "sexual_child"])
_PUBLIC_ORDER = _OFFENCES.index("public_order")
_DISPOSALS = [m.value for m in Disposal]
_P_DISPOSAL = np.array([0.15, 0.30, 0.10, 0.30, 0.10, 0.05])
_P_INDEX_DISPOSAL = np.array([0.30, 0.50, 0.20, 0.0, 0.0, 0.0])


def _offences(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    offence = rng.choice(len(_OFFENCES), size=n, p=_P_OFFENCE)
    violent = _VIOLENT[offence] | ((offence == _PUBLIC_ORDER) & (rng.random(n) < 0.2))
    return offence, violent


def _ids(prefix: str, start: int, n: int) -> Any:
    """``prefix`` + the numbers start+1 .. start+n, zero-padded to 7 digits (or more)."""
    numbers = np.arange(start + 1, start + n + 1, dtype=np.int64)
    text = pc.utf8_lpad(pc.cast(pa.array(numbers), pa.string()), 7, "0")
    return pd.array(pc.binary_join_element_wise(prefix, text, ""), dtype="str")


def _dates(days: np.ndarray) -> pd.Series:
    return pd.Series(days.astype("datetime64[D]").astype("datetime64[s]"))


def _cat(codes: np.ndarray, values: list[str]) -> Any:
    return pd.Categorical.from_codes(codes.astype(np.int8), categories=pd.Index(values))


@dataclass(frozen=True)
class Cohort:
    """A synthetic cohort: the three case tables, outcomes and the true risk.

    Attributes
    ----------
    people, sanctions, assessments : pandas.DataFrame
        Layouts of :data:`riskassess.features.TABLE_COLUMNS`, one assessment per person.
        ``sanctions.person_id`` is a ``Categorical`` over the people's ids.
    outcomes : pandas.DataFrame
        Index ``case_id``: ``follow_up_years`` (float, to :data:`EXTRACT_DATE`),
        ``reoffend_1y`` and ``reoffend_2y`` (``Int8``, ``<NA>`` when censored),
        ``true_p_1y`` and ``true_p_2y`` (the true probabilities).
    seed, id_offset : int
        What generated it.

    Examples
    --------
    >>> from riskassess.datasets import make_cohort
    >>> cohort = make_cohort(300, seed=0)
    >>> len(cohort.people), list(cohort.outcomes.columns)
    (300, ['follow_up_years', 'reoffend_1y', 'reoffend_2y', 'true_p_1y', 'true_p_2y'])
    >>> int(cohort.outcomes["reoffend_2y"].isna().sum())  # censored: never counted as 0
    51
    >>> next(cohort.cases()).case_id
    'C0000001'
    """

    people: pd.DataFrame
    sanctions: pd.DataFrame
    assessments: pd.DataFrame
    outcomes: pd.DataFrame
    seed: int
    id_offset: int
    # the FeatureTable make_cohort built from these very tables (for the outcomes)
    _built: tuple[Any, ...] | None = field(default=None, repr=False, compare=False)

    def features(self) -> pd.DataFrame:
        """Features of every case, built from the tables (the vectorised path)."""
        return self.feature_table().features

    def feature_table(self) -> FeatureTable:
        """The full :class:`riskassess.features.FeatureTable` of the tables.

        :func:`make_cohort` builds it once, to draw the outcomes; it is reused while the
        cohort holds the same table objects (edit copies of the tables, not the tables).
        """
        if self._built is not None:
            people, sanctions, assessments, table = self._built
            if (people is self.people and sanctions is self.sanctions
                    and assessments is self.assessments):
                return table
        return build_features_from_tables(self.people, self.sanctions, self.assessments)

    def true_log_odds(self, features: pd.DataFrame, horizon: int = 2) -> pd.Series:
        """The true log-odds (see :func:`true_log_odds`)."""
        return true_log_odds(features, horizon)

    def cases(self) -> Iterator[Any]:
        """Each assessment as a validated :class:`riskassess.cases.Case` (slow: small n)."""
        from riskassess.cases import Case

        for data in self.case_dicts():
            yield Case.model_validate(data)

    def case_dicts(self) -> Iterator[dict[str, Any]]:
        """Each assessment as a JSON-like case dict (what a case system would send)."""
        P, S, A = self.people, self.sanctions, self.assessments
        codes = np.asarray(S["person_id"].cat.codes) if len(S) else np.zeros(0, np.int64)
        order = np.argsort(codes, kind="stable")
        bounds = np.searchsorted(codes[order], np.arange(len(P) + 1))
        iso = {c: A[c].dt.strftime("%Y-%m-%d").to_numpy() for c in
               ("assessment_date", "index_date", "follow_up_start")}
        dob = P["date_of_birth"].dt.strftime("%Y-%m-%d").to_numpy()
        s_date = S["date"].dt.strftime("%Y-%m-%d").to_numpy()
        a_disp, s_disp = A["index_disposal"].tolist(), S["disposal"].tolist()
        s_kind, s_off, s_viol = S["kind"].tolist(), S["offence"].tolist(), S["violent"].tolist()
        for i in range(len(A)):
            rows = order[bounds[i]:bounds[i + 1]]
            yield {
                "case_id": A["case_id"].iat[i],
                "person": {"person_id": P["person_id"].iat[i], "date_of_birth": dob[i],
                           "sex": P["sex"].iat[i]},
                "assessment_date": iso["assessment_date"][i],
                "index_offence": {
                    "date": iso["index_date"][i], "offence": A["index_offence"].iat[i],
                    "kind": A["index_kind"].iat[i], "disposal": _code_or_none(a_disp[i]),
                    "violent": bool(A["index_violent"].iat[i]),
                },
                "sanctions": [
                    {"date": s_date[r], "kind": s_kind[r], "disposal": _code_or_none(s_disp[r]),
                     "offence": s_off[r], "violent": bool(s_viol[r])}
                    for r in rows
                ],
                "follow_up_start": iso["follow_up_start"][i],
            }


def _code_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None


def make_cohort(n_people: int, seed: int = 0, *, id_offset: int = 0) -> Cohort:
    """Generate a synthetic cohort (process in the module docstring).

    Parameters
    ----------
    n_people : int
        Number of people (one assessment each).
    seed : int, default 0
        Same seed and ``id_offset``, identical cohort.
    id_offset : int, default 0
        Ids start at ``id_offset + 1`` (``P0000001``, ``C0000001``, ...). To write a large
        cohort in independent chunks, call with ``id_offset=k * chunk_size`` for chunk
        ``k``: ids never collide and each chunk is reproducible on its own (the random
        stream depends on ``(seed, id_offset)``).

    Returns
    -------
    Cohort

    Examples
    --------
    >>> c = make_cohort(200, seed=3)
    >>> len(c.people), c.assessments["case_id"].iat[0], c.people["person_id"].iat[-1]
    (200, 'C0000001', 'P0000200')
    >>> make_cohort(5, seed=3, id_offset=1000).assessments["case_id"].iat[0]
    'C0001001'
    >>> c.outcomes["reoffend_2y"].dtype
    Int8Dtype()
    """
    if not isinstance(n_people, int | np.integer) or n_people < 0:
        raise DatasetArgumentError(f"n_people must be a non-negative int, got {n_people!r}")
    if not isinstance(id_offset, int | np.integer) or id_offset < 0:
        raise DatasetArgumentError(f"id_offset must be a non-negative int, got {id_offset!r}")
    n = int(n_people)
    rng = np.random.default_rng([int(seed), int(id_offset)])

    # 1. people and dates (day numbers since 1970)
    female = rng.random(n) < 0.15
    assessed = rng.integers(_START, _END + 1, size=n)
    age = np.minimum(18.0 + rng.gamma(2.0, 7.0, size=n), 85.0)
    born = assessed - np.round(age * DAYS_PER_YEAR).astype(np.int64)
    tenth = tenth_birthdays(born)
    index_day = assessed - rng.integers(1, 61, size=n)

    # 2. careers
    first_timer = rng.random(n) < 0.22
    onset_age = 12.0 + rng.gamma(2.0, 3.5, size=n)
    onset = np.clip(born + np.round(onset_age * DAYS_PER_YEAR).astype(np.int64), tenth,
                    index_day)
    career_years = (index_day - onset) / DAYS_PER_YEAR
    rate = np.exp(np.log(1.3) + 0.7 * rng.standard_normal(n)) * np.exp(-(age - 18.0) / 25.0)
    n_previous = np.where(first_timer, 0, np.minimum(1 + rng.poisson(rate * career_years), 150))

    # 3. sanctions: the first on the onset date, the others uniform up to the index offence
    owner = np.repeat(np.arange(n), n_previous)  # each sanction's person (and case)
    n_sanctions = owner.size
    span = (index_day - onset)[owner] + 1
    sanction_day = onset[owner] + np.minimum(
        (rng.random(n_sanctions) * span).astype(np.int64), span - 1)
    first_of_person = np.cumsum(n_previous) - n_previous
    sanction_day[first_of_person[n_previous > 0]] = onset[n_previous > 0]
    young = (sanction_day - born[owner]) / DAYS_PER_YEAR < 18.0
    caution = rng.random(n_sanctions) < np.where(young, 0.55, 0.12)
    disposal = np.where(caution, -1,
                        rng.choice(len(_DISPOSALS), size=n_sanctions, p=_P_DISPOSAL))
    offence, violent = _offences(rng, n_sanctions)

    # 4. index offence and follow-up
    index_caution = rng.random(n) < 0.03
    index_disposal = np.where(index_caution, -1,
                              rng.choice(len(_DISPOSALS), size=n, p=_P_INDEX_DISPOSAL))
    index_offence, index_violent = _offences(rng, n)
    custody = index_disposal == _DISPOSALS.index("custody")
    sentence_days = np.round(rng.gamma(1.5, 0.35, size=n) * DAYS_PER_YEAR).astype(np.int64)
    follow_up_day = np.where(custody, index_day + sentence_days, index_day)

    # the case tables, and their features through the public table path
    kinds = list(CATEGORIES["index_kind"])
    case_ids = _ids("C", id_offset, n)
    person_ids = _ids("P", id_offset, n)
    people = pd.DataFrame({
        "person_id": pd.Series(person_ids, dtype="str"),
        "date_of_birth": _dates(born),
        "sex": _cat(female.astype(np.int64), list(CATEGORIES["sex"])),
    })
    sanctions = pd.DataFrame({
        "person_id": pd.Categorical.from_codes(owner, categories=pd.Index(person_ids, dtype="str")),
        "date": _dates(sanction_day),
        "kind": _cat((~caution).astype(np.int64), kinds),
        "disposal": _cat(disposal, _DISPOSALS),
        "offence": _cat(offence, _OFFENCES),
        "violent": violent,
    })
    assessments = pd.DataFrame({
        "case_id": pd.Series(case_ids, dtype="str"),
        "person_id": people["person_id"],
        "assessment_date": _dates(assessed),
        "index_date": _dates(index_day),
        "index_offence": _cat(index_offence, _OFFENCES),
        "index_kind": _cat(np.where(index_caution, kinds.index("caution"),
                                    kinds.index("conviction")), kinds),
        "index_disposal": _cat(index_disposal, _DISPOSALS),
        "index_violent": index_violent,
        "follow_up_start": _dates(follow_up_day),
    })
    table = build_features_from_tables(people, sanctions, assessments)
    features = table.features

    # 5. outcomes
    true_p = {h: 1.0 / (1.0 + np.exp(-true_log_odds(features, h).to_numpy())) for h in (1, 2)}
    draw = rng.random(n)  # one draw per case: a 1-year reoffender is a 2-year one
    follow_years = np.maximum(_EXTRACT - follow_up_day, 0) / DAYS_PER_YEAR
    outcomes = pd.DataFrame(
        {
            "follow_up_years": follow_years,
            "reoffend_1y": _masked(draw < true_p[1], follow_years >= 1.0),
            "reoffend_2y": _masked(draw < true_p[2], follow_years >= 2.0),
            "true_p_1y": true_p[1],
            "true_p_2y": true_p[2],
        },
        index=pd.Index(case_ids, name="case_id"),
    )
    return Cohort(people, sanctions, assessments, outcomes, int(seed), int(id_offset),
                  (people, sanctions, assessments, table))


def _masked(hit: np.ndarray, observed: np.ndarray) -> pd.arrays.IntegerArray:
    """0/1 as nullable Int8, ``<NA>`` where not observed (censored)."""
    return pd.arrays.IntegerArray(hit.astype(np.int8), ~observed)
