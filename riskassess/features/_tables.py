"""The vectorised table path: :func:`build_features_from_tables`.

Private to :mod:`riskassess.features` (which re-exports the public names). Checks the
rules :class:`riskassess.cases.Case` checks, row by row with numpy and pandas, then hands
the sanction rows to the shared aggregation (:func:`_summarise_sanctions`) and the per-case
numbers to the shared arithmetic (:func:`_assemble`).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

import numpy as np
import pandas as pd

from riskassess.cases import EPOCH_ORDINAL, MAX_AGE_YEARS, tenth_birthdays
from riskassess.exceptions import CaseValidationError, FeatureError, UnknownPersonError
from riskassess.features._base import (
    _CAUTION,
    _CONVICTION,
    DAYS_PER_YEAR,
    _array_reductions,
    _assemble,
    _summarise_sanctions,
)
from riskassess.features._columns import (
    _bools,
    _codes,
    _days,
    _duplicated,
    _ids_ok,
    _iso,
    _lookup,
)

__all__ = ["TABLE_COLUMNS", "FeatureTable", "build_features_from_tables"]

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

    Examples
    --------
    A sanction dated after the assessment is leakage: it is ignored, counted and warned
    about, never used.

    >>> import warnings
    >>> import pandas as pd
    >>> from riskassess.datasets import make_cohort
    >>> from riskassess.features import build_features_from_tables
    >>> cohort = make_cohort(300, seed=0)
    >>> late = cohort.sanctions.iloc[[0]].assign(date=pd.Timestamp("2030-01-01"))
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     table = build_features_from_tables(
    ...         cohort.people, pd.concat([cohort.sanctions, late]), cohort.assessments)
    >>> table.features.shape, table.dropped_events, len(table.rejected)
    ((300, 17), 1, 0)
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
        # object columns, not pandas' str: a bad id may hold a lone surrogate, which the
        # error must still be able to quote
        return pd.DataFrame({"case_id": pd.Series(ids, dtype=object),
                             "field": pd.Series(fields[order], dtype=object),
                             "problem": pd.Series(msgs[order], dtype=object)})


def _expand(case_person: np.ndarray, sanction_person: np.ndarray, n_people: int,
            ) -> tuple[np.ndarray, np.ndarray, int]:
    """Pair each sanction row with each case of its person.

    ``case_person`` and ``sanction_person`` are people rows (-1: no such person).
    Returns (sanction rows, case rows, number of sanction rows with no case).
    """
    found = case_person >= 0
    cases_per_person = np.bincount(case_person[found], minlength=n_people)
    matched = sanction_person >= 0
    every_row_matched = bool(matched.all())
    # cases each row counts for (boolean-mask indexing of millions of rows is slow: skip
    # it in the usual case where every sanction row belongs to a known person)
    if every_row_matched and n_people:
        copies = cases_per_person[sanction_person]
    else:
        copies = np.zeros(len(sanction_person), dtype=np.int64)
        copies[matched] = cases_per_person[sanction_person[matched]]
    if cases_per_person.size == 0 or cases_per_person.max() <= 1:  # no row is repeated
        case_of_person = np.full(n_people, -1, dtype=np.int64)
        case_of_person[case_person[found]] = np.flatnonzero(found)
        if every_row_matched and bool(copies.all()):  # every row counts, once
            return (np.arange(len(sanction_person)), case_of_person[sanction_person], 0)
        rows = np.flatnonzero(copies > 0)
        return rows, case_of_person[sanction_person[rows]], len(sanction_person) - rows.size
    # several cases per person: cases sorted by person, then each sanction row repeated
    # once per case of its person and sent to the k-th case of that person in turn
    person_or_none = np.where(found, case_person, -1)
    order = np.argsort(person_or_none, kind="stable")
    first_case = np.searchsorted(person_or_none[order], np.arange(n_people))
    rows = np.repeat(np.arange(len(sanction_person)), copies)
    kth = np.arange(rows.size) - np.repeat(np.cumsum(copies) - copies, copies)
    return rows, order[first_case[sanction_person[rows]] + kth], int((copies == 0).sum())


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


def _refuse_unknown_people(ids: pd.Series, person_row: np.ndarray) -> None:
    """Raise :class:`UnknownPersonError` if a sanction row found no person (``-1``)."""
    unknown = person_row < 0
    if len(unknown) and bool(unknown.any()):
        first = list(pd.unique(ids[unknown].to_numpy(dtype=object)))[:10]
        raise UnknownPersonError(
            f"{int(unknown.sum())} sanction row(s) of person(s) {first} not in the people "
            "table (unknown_people='raise')")


def build_features_from_tables(
    people: pd.DataFrame,
    sanctions: pd.DataFrame,
    assessments: pd.DataFrame,
    *,
    invalid: Literal["raise", "drop"] = "raise",
    unknown_people: Literal["ignore", "raise"] = "ignore",
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
    unknown_people : {"ignore", "raise"}, default "ignore"
        Sanction rows whose ``person_id`` is not in ``people``: ignored, with the rows of
        people nobody assesses (the warning counts both), or refused before any row is
        checked. Refuse them where the tables were split by person (a partition, an
        extract): such a row is a person's history kept apart from the person.

    Returns
    -------
    FeatureTable
        ``features`` (index ``case_id``, in the order of ``assessments``),
        ``dropped_events`` and ``rejected``.

    Raises
    ------
    riskassess.exceptions.FeatureError
        If a table lacks a column.
    riskassess.exceptions.UnknownPersonError
        With ``unknown_people="raise"``, if a sanction row's person is not in ``people``
        (the message counts the rows and names the first ids).
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
        raise FeatureError(f"invalid must be 'raise' or 'drop', got {invalid!r}")
    if unknown_people not in ("ignore", "raise"):
        raise FeatureError(f"unknown_people must be 'ignore' or 'raise', got "
                           f"{unknown_people!r}")
    for frame, name in ((people, "people"), (sanctions, "sanctions"),
                        (assessments, "assessments")):
        _require(frame, name)
    # each sanction row's person (-1: none), joined once; first, so that tables splitting
    # a person's history are refused (unknown_people="raise") before any row is checked
    sanction_person = _lookup(sanctions["person_id"], people["person_id"])
    if unknown_people == "raise":
        _refuse_unknown_people(sanctions["person_id"], sanction_person)
    n_cases = len(assessments)
    today = date.today().toordinal() - EPOCH_ORDINAL
    problems = _Problems(n_cases)
    case_ids = assessments["case_id"]
    raw = {column: assessments[column] for column in TABLE_COLUMNS["assessments"]}

    # people, then each assessment's row in people
    person_ids = people["person_id"]
    _, person_id_repeated = _duplicated(person_ids)
    person_id_valid = _ids_ok(person_ids)
    birth_day_of_person, birth_day_ok_of_person, _ = _days(people["date_of_birth"])
    sex_of_person, _ = _codes(people["sex"], "sex")
    person_row = _lookup(assessments["person_id"], person_ids)
    found = person_row >= 0
    row = np.maximum(person_row, 0)  # any row where not found: masked by `found`
    if len(people) == 0:
        birth_day, birth_day_ok = np.zeros(n_cases, np.int64), np.zeros(n_cases, bool)
        sex, person_ok = np.full(n_cases, -1), np.zeros(n_cases, bool)
    else:
        birth_day, birth_day_ok = birth_day_of_person[row], found & birth_day_ok_of_person[row]
        sex, person_ok = sex_of_person[row], person_id_valid[row] & ~person_id_repeated[row]
    tenth = tenth_birthdays(birth_day)

    problems.add(~_ids_ok(case_ids), "case_id",
                 lambda i: f"expected 1-64 letters, digits or ._:- (pseudonymous id), "
                           f"got {case_ids.iat[i]!r}")
    problems.add(_duplicated(case_ids)[1], "case_id",
                 lambda i: "case id appears more than once in assessments")
    problems.add(~found, "person_id",
                 lambda i: f"no row for person {raw['person_id'].iat[i]!r} in people")
    problems.add(found & ~person_ok, "person.person_id",
                 lambda i: f"person id {person_ids.iat[int(person_row[i])]!r} is not a valid "
                           "id or appears more than once in people")
    problems.add(found & ~birth_day_ok, "person.date_of_birth",
                 lambda i: "expected a date, got "
                           f"{people['date_of_birth'].iat[int(person_row[i])]!r}")
    problems.add(found & (sex < 0), "person.sex",
                 lambda i: "expected 'male' or 'female', got "
                           f"{people['sex'].iat[int(person_row[i])]!r}")

    # the assessments' own columns
    assessed, assessed_ok, _ = _days(raw["assessment_date"])
    index_day, index_day_ok, _ = _days(raw["index_date"])
    follow_up_day, follow_up_ok, follow_up_missing = _days(raw["follow_up_start"])
    index_offence, _ = _codes(raw["index_offence"], "offence")
    index_kind, _ = _codes(raw["index_kind"], "kind")
    index_disposal, index_disposal_missing = _codes(raw["index_disposal"], "disposal")
    _, index_violent_ok = _bools(raw["index_violent"])

    problems.add(~assessed_ok, "assessment_date",
                 lambda i: f"expected a date, got {raw['assessment_date'].iat[i]!r}")
    problems.add(assessed_ok & (assessed > today), "assessment_date",
                 lambda i: f"{_iso(assessed[i])} is in the future (today is {_iso(today)})")
    problems.add(assessed_ok & birth_day_ok
                 & ((assessed - birth_day) / DAYS_PER_YEAR > MAX_AGE_YEARS),
                 "person.date_of_birth",
                 lambda i: f"{_iso(birth_day[i])} makes the person older than "
                           f"{MAX_AGE_YEARS:g} years on the assessment date {_iso(assessed[i])}")
    problems.add(~index_day_ok, "index_offence.date",
                 lambda i: f"expected a date, got {raw['index_date'].iat[i]!r}")
    problems.add(index_day_ok & assessed_ok & (index_day > assessed), "index_offence.date",
                 lambda i: f"dated {_iso(index_day[i])}, after the assessment date "
                           f"{_iso(assessed[i])}")
    problems.add(index_day_ok & birth_day_ok & (index_day < tenth), "index_offence.date",
                 lambda i: f"dated {_iso(index_day[i])}, before the person's 10th birthday "
                           f"{_iso(tenth[i])} (age of criminal responsibility)")
    problems.add(index_offence < 0, "index_offence.offence",
                 lambda i: f"unknown offence category {raw['index_offence'].iat[i]!r}")
    _check_sanction_kind(problems, index_kind, index_disposal, index_disposal_missing,
                         np.ones(n_cases, bool), "index_offence.",
                         raw["index_kind"].iat.__getitem__,
                         raw["index_disposal"].iat.__getitem__, lambda i: "")
    problems.add(~index_violent_ok, "index_offence.violent",
                 lambda i: f"expected true or false, got {raw['index_violent'].iat[i]!r}")
    problems.add(~follow_up_missing & ~follow_up_ok, "follow_up_start",
                 lambda i: "expected a date or nothing, got "
                           f"{raw['follow_up_start'].iat[i]!r}")
    problems.add(follow_up_ok & index_day_ok & (follow_up_day < index_day), "follow_up_start",
                 lambda i: f"{_iso(follow_up_day[i])} is before the index offence date "
                           f"{_iso(index_day[i])}")

    # sanctions, each paired with every case of its person
    rows, case_of, unmatched = _expand(person_row, sanction_person, len(people))
    # one case per person and every sanction matched: the pairing is the identity, and
    # the (large) sanction columns need no reordering copy
    identity = rows.size == len(sanctions) and (rows.size == 0 or rows[-1] == rows.size - 1)

    def paired(values: np.ndarray) -> np.ndarray:
        return values if identity else values[rows]

    day_of_row, day_ok_of_row, _ = _days(sanctions["date"])
    day, day_ok = paired(day_of_row), paired(day_ok_of_row)
    kind = paired(_codes(sanctions["kind"], "kind")[0])
    disposal, disposal_missing = (paired(a) for a in _codes(sanctions["disposal"], "disposal"))
    offence = paired(_codes(sanctions["offence"], "offence")[0])
    violent, violent_ok = (paired(a) for a in _bools(sanctions["violent"]))
    # a sanction on or after its case's assessment date is not "previous": it is leakage,
    # dropped and counted (a person's later assessment may still count it)
    leak = day_ok & assessed_ok[case_of] & (day >= assessed[case_of])
    keep = ~leak
    dropped = int(leak.sum())
    sanction_labels = sanctions.index

    def label(j: int) -> str:
        return f"sanctions row {sanction_labels[rows[j]]!r}: "

    def raw_sanction(column: str) -> Any:
        return lambda j: sanctions[column].iat[int(rows[j])]

    problems.add(keep & ~day_ok, "sanctions.date",
                 lambda j: f"{label(j)}expected a date, got {raw_sanction('date')(j)!r}",
                 case_of)
    problems.add(keep & day_ok & index_day_ok[case_of] & (day > index_day[case_of]),
                 "sanctions.date",
                 lambda j: f"{label(j)}dated {_iso(day[j])}, after the index offence date "
                           f"{_iso(index_day[case_of[j]])} (previous sanctions are on or "
                           "before it)", case_of)
    problems.add(keep & day_ok & birth_day_ok[case_of] & (day < tenth[case_of]),
                 "sanctions.date",
                 lambda j: f"{label(j)}dated {_iso(day[j])}, before the person's 10th "
                           f"birthday {_iso(tenth[case_of[j]])} (age of criminal "
                           "responsibility)", case_of)
    _check_sanction_kind(problems, kind, disposal, disposal_missing, keep, "sanctions.",
                         raw_sanction("kind"), raw_sanction("disposal"), label, case_of)
    problems.add(keep & (offence < 0), "sanctions.offence",
                 lambda j: f"{label(j)}unknown offence category "
                           f"{raw_sanction('offence')(j)!r}", case_of)
    problems.add(keep & ~violent_ok, "sanctions.violent",
                 lambda j: f"{label(j)}expected true or false, got "
                           f"{raw_sanction('violent')(j)!r}", case_of)

    if problems.items and invalid == "raise":
        rejected = problems.frame(case_ids)
        listed = list(rejected.itertuples(index=False, name=None))
        if len(listed) > _MAX_REPORTED:
            more = len(listed) - _MAX_REPORTED
            listed = [*listed[:_MAX_REPORTED],
                      ("...", "...", f"{more} more problem(s); use invalid='drop' to list "
                                     "them all in FeatureTable.rejected")]
        raise CaseValidationError(listed)

    if dropped:
        case_of, day, kind, disposal, violent, offence = (
            a[keep] for a in (case_of, day, kind, disposal, violent, offence))
    numbers = _summarise_sanctions(day, kind, disposal, offence, violent,
                                   _array_reductions(case_of, n_cases))
    numbers.update(
        birth_day=birth_day, assessment_day=assessed, index_day=index_day,
        follow_up_day=follow_up_day, has_follow_up_start=follow_up_ok, sex=sex,
        index_offence=index_offence, index_kind=index_kind,
    )
    good = ~problems.bad
    if not good.all():  # invalid="drop": leave the rejected cases out
        numbers = {name: values[good] for name, values in numbers.items()}
    features = _assemble(case_ids.array[good], numbers, check_unique=False)
    if dropped:
        warnings.warn(f"{dropped} sanction row(s) dated on or after their case's assessment "
                      "date were ignored (later events are leakage)", UserWarning, stacklevel=2)
    if unmatched:
        warnings.warn(f"{unmatched} sanction row(s) belong to no assessed person and were "
                      "ignored", UserWarning, stacklevel=2)
    return FeatureTable(features=features, dropped_events=dropped,
                        rejected=problems.frame(case_ids))
