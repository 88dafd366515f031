"""The per-case path: :func:`build_features`, :func:`case_feature_row`, :func:`cases_to_tables`.

Private to :mod:`riskassess.features` (which re-exports the public names). The cases'
previous sanctions are laid out as rows and go through the shared aggregation and
arithmetic of :mod:`riskassess.features._base`, as a table (:func:`_assemble`) or, for
one case, as Python numbers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from riskassess.cases import EPOCH_ORDINAL, Case, ensure_valid, validate_cases
from riskassess.exceptions import CaseValidationError
from riskassess.features._base import (
    _LIST_REDUCTIONS,
    _SCALAR_OPS,
    _array_reductions,
    _assemble,
    _features,
    _summarise_sanctions,
)
from riskassess.features._columns import _VOCAB
from riskassess.vocabulary import Disposal, OffenceCategory, SanctionKind, Sex

__all__ = ["build_features", "case_feature_row", "cases_to_tables"]

_SEX_CODE = {m: i for i, m in enumerate(Sex)}
_OFFENCE_CODE = {m: i for i, m in enumerate(OffenceCategory)}
_KIND_CODE = {m: i for i, m in enumerate(SanctionKind)}
_DISPOSAL_CODE: dict[Disposal | None, int] = {None: -1, **{m: i for i, m in enumerate(Disposal)}}


def _case_numbers(cases: Sequence[Case]) -> dict[str, np.ndarray]:
    """The per-case numbers of :data:`_NUMBERS` for validated cases, as int64 arrays."""
    # one row per previous sanction: (case position, day, kind, disposal, offence, violent)
    rows = [
        (position, sanction.date.toordinal(), _KIND_CODE[sanction.kind],
         _DISPOSAL_CODE[sanction.disposal], _OFFENCE_CODE[sanction.offence], sanction.violent)
        for position, case in enumerate(cases) for sanction in case.sanctions
    ]
    sanctions = np.array(rows, dtype=np.int64).reshape(len(rows), 6)
    numbers = _summarise_sanctions(
        sanctions[:, 1] - EPOCH_ORDINAL, sanctions[:, 2], sanctions[:, 3], sanctions[:, 4],
        sanctions[:, 5].astype(bool), _array_reductions(sanctions[:, 0], len(cases)))
    per_case = np.array([_case_values(case) for case in cases],
                        dtype=np.int64).reshape(len(cases), len(_CASE_VALUES))
    for column, name in enumerate(_CASE_VALUES):
        numbers[name] = per_case[:, column]
    numbers["has_follow_up_start"] = numbers["has_follow_up_start"].astype(bool)
    return numbers


_CASE_VALUES = ("birth_day", "assessment_day", "index_day", "follow_up_day",
                "has_follow_up_start", "sex", "index_offence", "index_kind")


def _case_values(case: Case) -> tuple[int, ...]:
    """The numbers of :data:`_CASE_VALUES` for one case (day numbers since 1970)."""
    follow_up = case.follow_up_start
    return (
        case.person.date_of_birth.toordinal() - EPOCH_ORDINAL,
        case.assessment_date.toordinal() - EPOCH_ORDINAL,
        case.index_offence.date.toordinal() - EPOCH_ORDINAL,
        (case.assessment_date if follow_up is None else follow_up).toordinal()
        - EPOCH_ORDINAL,
        follow_up is not None,
        _SEX_CODE[case.person.sex],
        _OFFENCE_CODE[case.index_offence.offence],
        _KIND_CODE[case.index_offence.kind],
    )


def case_feature_row(case: Case | Mapping[str, Any]) -> dict[str, Any]:
    """One case's features as a plain dict, without building a DataFrame.

    The fast single-case path: the same rules as :func:`build_features` (one
    implementation, applied to Python numbers), so the values are exactly those of
    ``build_features([case])`` (a test holds them equal on random cases).

    Parameters
    ----------
    case : Case or mapping
        A case, or a JSON-like dict validated into :class:`riskassess.cases.Case`.

    Returns
    -------
    dict of str to Any
        Keys :func:`case_feature_names` in order. Ages and durations are float years,
        counts and flags int, categoricals their code (str);
        ``years_since_last_sanction`` is NaN when there is no previous sanction.

    Raises
    ------
    pydantic.ValidationError
        If the case is not valid (a dict, or a Case edited or constructed without
        validation; see :func:`riskassess.cases.ensure_valid`).

    Examples
    --------
    >>> row = case_feature_row({
    ...     "case_id": "C1",
    ...     "person": {"person_id": "P1", "date_of_birth": "1990-01-01", "sex": "male"},
    ...     "assessment_date": "2020-01-01",
    ...     "index_offence": {"date": "2019-12-01", "offence": "violence",
    ...                       "disposal": "community", "violent": True},
    ...     "sanctions": [{"date": "2010-01-01", "kind": "caution",
    ...                    "offence": "absconding_bail", "violent": False}],
    ... })
    >>> row["previous_sanctions"], row["sanction_history"], round(row["age"], 2)
    (1, 'repeat_offender', 30.0)
    """
    valid = ensure_valid(case)
    # the same aggregation and arithmetic as build_features, on Python lists and numbers
    # (numpy would cost more than the whole case)
    history = valid.sanctions
    numbers = _summarise_sanctions(
        [sanction.date.toordinal() - EPOCH_ORDINAL for sanction in history],
        [_KIND_CODE[sanction.kind] for sanction in history],
        [_DISPOSAL_CODE[sanction.disposal] for sanction in history],
        [_OFFENCE_CODE[sanction.offence] for sanction in history],
        [sanction.violent for sanction in history],
        _LIST_REDUCTIONS)
    numbers.update(zip(_CASE_VALUES, _case_values(valid), strict=True))
    return _features(numbers, _SCALAR_OPS)


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
        If a case is not valid (every problem, naming case id and field): a dict, or a
        Case edited or constructed without validation.
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
    # validated, unchanged cases pass at the cost of a look-up; anything else is validated
    valid = validate_cases(cases)
    return _assemble([case.case_id for case in valid], _case_numbers(valid))


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
    >>> from riskassess.features import TABLE_COLUMNS
    >>> people, sanctions, assessments = cases_to_tables([])
    >>> list(assessments.columns) == list(TABLE_COLUMNS["assessments"])
    True
    """
    valid = validate_cases(cases)
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
