"""The vectorised table path: :func:`build_features_from_tables`.

Private to :mod:`riskassess.features` (which re-exports the public names). Checks the
rules :class:`riskassess.cases.Case` checks, row by row with numpy and pandas, then hands
per-case day numbers and counts to the shared arithmetic (:func:`_assemble`).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

import numpy as np
import pandas as pd

from riskassess.exceptions import CaseValidationError, FeatureError
from riskassess.features._base import (
    _CAUTION,
    _CONVICTION,
    _EPOCH_ORDINAL,
    DAYS_PER_YEAR,
    _assemble,
)
from riskassess.features._columns import (
    _BREACH,
    _CUSTODY,
    _bools,
    _codes,
    _days,
    _duplicated,
    _ids_ok,
    _iso,
    _lookup,
    _tenth_days,
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
    ((300, 16), 1, 0)
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
