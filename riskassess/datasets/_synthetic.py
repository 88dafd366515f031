"""Synthetic probation cohorts with a known true risk function.

Generative process (all vectorised; one random generator seeded by ``(seed, id_offset)``
for the history and the outcome draw, a second one for the offence codes, need items,
recording lags and the violent draws, so the histories are those of earlier versions):

1. **People.** Sex male with probability 0.85. Assessment date uniform over
   ``assessment_dates`` (default 2015-01-01 .. 2020-12-31). Age at assessment
   ``18 + Gamma(2, 7)`` years (mean 32, long right tail, capped at 85): the adult
   probation caseload.
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
   violent for violence, robbery and 20% of public order offences (HMPPS's mapping flags
   no sexual offence code as a violent sanction, so neither do we). Each sanction carries
   a Home Office offence code drawn from the codes consistent with its category and
   violent flag (:mod:`riskassess.datasets._codes`).
4. **Index offence.** 1-60 days before the assessment; 97% convictions (custody 30%,
   community 50%, suspended 20%). Follow-up starts at sentence, or on release for
   custody (sentence ``Gamma(1.5, 0.35)`` years later, so some start after the
   assessment).
5. **Need items.** OASys need items with signal, some not recorded
   (:mod:`riskassess.datasets._needs`).
6. **Outcomes** (:mod:`riskassess.datasets._truth`). The true log-odds is additive in
   catalogue features (:data:`TRUE_SHAPES`) and need items (:data:`TRUE_NEED_WEIGHTS`);
   the time ``T`` to the first proven reoffence is drawn from its proportional-odds law
   by one uniform ``u`` per case, so reoffending within 1 and 2 years (``T <= h``) has
   exactly the probabilities ``true_p_1y`` and ``true_p_2y``, and a 1-year reoffender is
   a 2-year one. The reoffence is convicted a recording lag later (14 days to 6 months).
   Convictions are extracted on :data:`EXTRACT_DATE`; offences are followed up to
   :data:`CENSOR_DATE`, six months earlier (the proven-reoffending measure's waiting
   period), so every offence up to the censoring date has its conviction in the extract
   and the censoring does not depend on the outcome. ``time`` is ``min(T, censoring)``
   in days; a case with less follow-up than a horizon is censored at it (``<NA>``),
   never counted as a non-reoffender. Violent and serious violent reoffending follow
   with an independent draw (:mod:`riskassess.datasets._truth`).

The 2-year base rate among uncensored cases is about 39% (1-year about 23%), about 18%
of cases are censored at two years (2% at one), people have about 9 previous sanctions
on average (median 6, heavy tail), and the true probabilities reach an AUC of about 0.75.
For a recent cohort, in which most cases are censored, pass e.g.
``assessment_dates=(date(2020, 7, 1), date(2021, 6, 30))``.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from riskassess.cases import EPOCH_ORDINAL, tenth_birthdays
from riskassess.datasets._codes import OFFENCE_CODES, draw_offence_codes
from riskassess.datasets._cohort import Cohort
from riskassess.datasets._needs import NEED_COLUMNS, draw_true_needs, recorded_mask
from riskassess.datasets._truth import (
    TIME_SLOPE,
    serious_share,
    true_log_odds,
    violent_share,
)
from riskassess.exceptions import DatasetArgumentError
from riskassess.features import CATEGORIES, DAYS_PER_YEAR, build_features_from_tables
from riskassess.vocabulary import Disposal, OffenceCategory

__all__ = ["CENSOR_DATE", "EXTRACT_DATE", "WAITING_DAYS", "make_cohort"]

#: Date the conviction data are extracted (convictions recorded up to here).
EXTRACT_DATE = date(2022, 6, 30)
#: The proven-reoffending waiting period: a reoffence counts when its conviction comes
#: at most this many days after the offence (the recording lag never exceeds it).
WAITING_DAYS = 181
#: Offences are followed up to here (``EXTRACT_DATE - WAITING_DAYS``): every offence up to
#: this date has its conviction in the extract, so censoring does not depend on the lag.
CENSOR_DATE = EXTRACT_DATE - timedelta(days=WAITING_DAYS)

_DEFAULT_DATES = (date(2015, 1, 1), date(2020, 12, 31))
_CENSOR = CENSOR_DATE.toordinal() - EPOCH_ORDINAL

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
# violent as HMPPS's mapping flags the codes (isViolentSanction): never a sexual offence
_VIOLENT = np.isin(_OFFENCES, ["violence", "robbery"])
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


def _cat(codes: np.ndarray, values: list[str] | tuple[str, ...]) -> Any:
    return pd.Categorical.from_codes(codes, categories=pd.Index(values))


def _masked(hit: np.ndarray, observed: np.ndarray) -> pd.arrays.IntegerArray:
    """0/1 as nullable Int8, ``<NA>`` where not observed (censored)."""
    return pd.arrays.IntegerArray(hit.astype(np.int8), ~observed)


def _assessment_days(assessment_dates: Any) -> tuple[int, int]:
    try:
        first, last = assessment_dates
    except (TypeError, ValueError):
        first = last = None
    if not (type(first) is date and type(last) is date and first <= last):
        raise DatasetArgumentError(
            "assessment_dates must be two datetime.date objects (first, last) with first <= "
            f"last, got {assessment_dates!r}")
    if last >= CENSOR_DATE:
        raise DatasetArgumentError(
            f"assessment_dates must end before the censoring date {CENSOR_DATE} (offences "
            f"are followed up to it), got last={last}")
    if first.year < 1950:
        raise DatasetArgumentError(f"assessment_dates start in {first.year}: before 1950")
    return first.toordinal() - EPOCH_ORDINAL, last.toordinal() - EPOCH_ORDINAL


def _history_counts(n: int, owner: np.ndarray, offence: np.ndarray,
                    violent: np.ndarray) -> dict[str, np.ndarray]:
    """Per-case counts of previous sanctions of the kinds the need items look at."""
    def count(mask: np.ndarray) -> np.ndarray:
        return np.bincount(owner[mask], minlength=n)

    burglary = np.isin(offence, [_OFFENCES.index("burglary_domestic"),
                                 _OFFENCES.index("burglary_other")])
    return {"robbery": count(offence == _OFFENCES.index("robbery")),
            "burglary": count(burglary),
            "damage": count(offence == _OFFENCES.index("criminal_damage")),
            "violent": count(violent)}


def make_cohort(n_people: int, seed: int = 0, *, id_offset: int = 0,
                assessment_dates: tuple[date, date] = _DEFAULT_DATES) -> Cohort:
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
    assessment_dates : (datetime.date, datetime.date), default (2015-01-01, 2020-12-31)
        First and last assessment date (uniform in between); the last must be before
        :data:`CENSOR_DATE`. A window close to it makes a recent cohort in which most
        cases are censored.

    Returns
    -------
    Cohort

    Raises
    ------
    DatasetArgumentError
        A negative or non-integer ``n_people`` or ``id_offset``, or bad
        ``assessment_dates``.

    Examples
    --------
    >>> c = make_cohort(200, seed=3)
    >>> len(c.people), c.assessments["case_id"].iat[0], c.people["person_id"].iat[-1]
    (200, 'C0000001', 'P0000200')
    >>> make_cohort(5, seed=3, id_offset=1000).assessments["case_id"].iat[0]
    'C0001001'
    >>> c.outcomes["reoffend_2y"].dtype, c.outcomes["event"].dtype
    (Int8Dtype(), dtype('bool'))
    >>> recent = make_cohort(200, seed=3, assessment_dates=(date(2020, 7, 1),
    ...                                                     date(2021, 6, 30)))
    >>> bool(recent.outcomes["reoffend_2y"].isna().mean() > 0.9)
    True
    """
    if isinstance(n_people, bool) or not isinstance(n_people, int | np.integer) \
            or n_people < 0:
        raise DatasetArgumentError(f"n_people must be a non-negative int, got {n_people!r}")
    if isinstance(id_offset, bool) or not isinstance(id_offset, int | np.integer) \
            or id_offset < 0:
        raise DatasetArgumentError(f"id_offset must be a non-negative int, got {id_offset!r}")
    first_day, last_day = _assessment_days(assessment_dates)
    n = int(n_people)
    rng = np.random.default_rng([int(seed), int(id_offset)])
    # codes, needs, lags and violent draws: a stream of their own, so the histories (and
    # the features every doctest shows) stay those of the main stream
    extra = np.random.default_rng([int(seed), int(id_offset), 1])

    # 1. people and dates (day numbers since 1970)
    female = rng.random(n) < 0.15
    assessed = rng.integers(first_day, last_day + 1, size=n)
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
        "sex": _cat(female.astype(np.int8), list(CATEGORIES["sex"])),
    })
    sanctions = pd.DataFrame({
        "person_id": pd.Categorical.from_codes(owner, categories=pd.Index(person_ids, dtype="str")),
        "date": _dates(sanction_day),
        "kind": _cat((~caution).astype(np.int8), kinds),
        "disposal": _cat(disposal.astype(np.int8), _DISPOSALS),
        "offence": _cat(offence.astype(np.int8), _OFFENCES),
        "violent": violent,
        "offence_code": _cat(draw_offence_codes(extra, offence, violent), OFFENCE_CODES),
    })
    assessments = pd.DataFrame({
        "case_id": pd.Series(case_ids, dtype="str"),
        "person_id": people["person_id"],
        "assessment_date": _dates(assessed),
        "index_date": _dates(index_day),
        "index_offence": _cat(index_offence.astype(np.int8), _OFFENCES),
        "index_kind": _cat(np.where(index_caution, kinds.index("caution"),
                                    kinds.index("conviction")).astype(np.int8), kinds),
        "index_disposal": _cat(index_disposal.astype(np.int8), _DISPOSALS),
        "index_violent": index_violent,
        "follow_up_start": _dates(follow_up_day),
        "index_offence_code": _cat(draw_offence_codes(extra, index_offence, index_violent),
                                   OFFENCE_CODES),
    })
    table = build_features_from_tables(people, sanctions, assessments)
    features = table.features

    # 5. need items: true values, then what the record holds
    history = _history_counts(n, owner, offence, violent)
    history["index_violent"] = index_violent
    true_needs = draw_true_needs(extra, features, history)
    true_needs.index = pd.Index(case_ids, name="case_id")
    held = recorded_mask(extra, n)
    needs = pd.DataFrame({c: pd.arrays.IntegerArray(true_needs[c].to_numpy(), ~held[:, k])
                          for k, c in enumerate(NEED_COLUMNS)}, index=true_needs.index)

    # 6. outcomes
    draw = rng.random(n)  # the main stream's last draw, as before need items existed
    outcomes = _outcomes(features.set_axis(true_needs.index), true_needs, follow_up_day,
                         draw, extra)
    return Cohort(people, sanctions, assessments, outcomes, needs, true_needs, int(seed),
                  int(id_offset), (people, sanctions, assessments, table))


def _outcomes(features: pd.DataFrame, true_needs: pd.DataFrame, follow_up_day: np.ndarray,
              draw: np.ndarray, extra: np.random.Generator) -> pd.DataFrame:
    """Dated first proven reoffence, censoring, and the yearly (violent) outcomes."""
    n = len(features)
    logit = {h: true_log_odds(features, h, needs=true_needs).to_numpy() for h in (1, 2)}
    true_p = {h: 1.0 / (1.0 + np.exp(-logit[h])) for h in (1, 2)}
    # inverse of P(T <= t) = sigmoid(logit_1y + TIME_SLOPE * log t) at the uniform draw;
    # draw is in [0, 1): a draw of exactly 0 would give T = 0, so it is nudged up
    u = np.maximum(draw, np.finfo(float).tiny)
    with np.errstate(over="ignore"):
        years = np.exp((np.log(u) - np.log1p(-u) - logit[1]) / TIME_SLOPE)
    reoffence_days = years * DAYS_PER_YEAR
    censor_days = (_CENSOR - follow_up_day).astype(float)
    started = censor_days > 0
    event = started & (reoffence_days <= censor_days)
    time = np.where(event, reoffence_days, np.where(started, censor_days, np.nan))
    lag = 14 + np.floor(extra.beta(2.0, 3.0, size=n) * (WAITING_DAYS - 14)).astype(np.int64)
    # whole days: the offence is on day ceil(T) (at least 1) after the start
    offence_day = follow_up_day + np.ceil(np.where(event, reoffence_days, 1.0)).astype(np.int64)
    follow_years = np.maximum(censor_days, 0.0) / DAYS_PER_YEAR
    share = violent_share(features, true_needs)
    serious = share * serious_share(true_needs)
    w = extra.random(n)
    columns: dict[str, Any] = {"follow_up_years": follow_years}
    hits = {h: reoffence_days <= h * DAYS_PER_YEAR for h in (1, 2)}
    observed = {h: follow_years >= h for h in (1, 2)}
    for h in (1, 2):
        columns[f"reoffend_{h}y"] = _masked(hits[h], observed[h])
    for h in (1, 2):
        columns[f"true_p_{h}y"] = true_p[h]
    columns["time"] = time
    columns["event"] = event
    columns["censor_date"] = _dates(np.full(n, _CENSOR, dtype=np.int64)).to_numpy()
    columns["reoffence_date"] = _dates(offence_day).where(event).to_numpy()
    columns["conviction_date"] = _dates(offence_day + lag).where(event).to_numpy()
    for name, limit in (("violent", share), ("serious_violent", serious)):
        for h in (1, 2):
            columns[f"{name}_{h}y"] = _masked(hits[h] & (w < limit), observed[h])
    for name, limit in (("violent", share), ("serious_violent", serious)):
        for h in (1, 2):
            columns[f"true_p_{name}_{h}y"] = true_p[h] * limit
    return pd.DataFrame(columns, index=features.index)
