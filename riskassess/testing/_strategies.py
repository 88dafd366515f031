"""Hypothesis strategies for case records, for downstream model-validation suites.

* :func:`case_dicts` -- valid JSON-like case dicts (dates as ISO strings);
* :func:`cases` -- valid :class:`riskassess.cases.Case` objects;
* :func:`case_lists` -- lists of valid case dicts with unique case and person ids
  (ready for :func:`riskassess.features.cases_to_tables`);
* :func:`bad_case_dicts` -- ``(data, loc)`` pairs: a case dict broken in one place
  (wrong type, impossible or future date, event before age 10 or after the
  assessment, negative number, unknown category, odd unicode id, extra or missing
  key) and the field path ``loc`` the error must name.

Every valid draw satisfies all rules of :mod:`riskassess.cases`.

In the examples below, ``given`` and ``settings`` come from hypothesis.

Examples
--------
>>> from hypothesis import given, settings
>>> @settings(max_examples=5)
... @given(case_dicts())
... def check(data):
...     assert Case.model_validate(data).case_id == data["case_id"]
>>> check()
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from hypothesis import strategies as st

from riskassess.cases import MAX_AGE_YEARS, Case, tenth_birthday
from riskassess.vocabulary import Disposal, OffenceCategory, SanctionKind, Sex

__all__ = ["bad_case_dicts", "case_dicts", "case_ids", "case_lists", "cases"]

_ID_PATTERN = r"[A-Za-z0-9][A-Za-z0-9._:\-]{0,20}"
_VALID_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:\-]{0,63}")
_EARLIEST_DOB = date(1935, 1, 1)
_DISPOSALS = [m.value for m in Disposal]
_OFFENCES = [m.value for m in OffenceCategory]


def case_ids() -> st.SearchStrategy[str]:
    """Valid pseudonymous ids (letters, digits and ``._:-``).

    Examples
    --------
    >>> from hypothesis import given, settings
    >>> @settings(max_examples=3)
    ... @given(case_ids())
    ... def check(x):
    ...     assert isinstance(x, str) and x
    >>> check()
    """
    return st.from_regex(_ID_PATTERN, fullmatch=True)


@st.composite
def _sanction(draw: st.DrawFn, lo: date, hi: date) -> dict[str, Any]:
    day = lo + timedelta(days=draw(st.integers(0, (hi - lo).days)))
    kind = draw(st.sampled_from([k.value for k in SanctionKind]))
    out: dict[str, Any] = {"date": day.isoformat(), "kind": kind,
                           "offence": draw(st.sampled_from(_OFFENCES)),
                           "violent": draw(st.booleans())}
    if kind == "conviction":
        out["disposal"] = draw(st.sampled_from(_DISPOSALS))
    elif draw(st.booleans()):
        out["disposal"] = None
    return out


@st.composite
def case_dicts(
    draw: st.DrawFn, *, max_sanctions: int = 8, today: date | None = None
) -> dict[str, Any]:
    """Valid JSON-like case dicts.

    Parameters
    ----------
    max_sanctions : int, default 8
        Longest history drawn.
    today : date, optional
        Latest assessment date (default ``date.today()``).

    Examples
    --------
    >>> from hypothesis import given, settings
    >>> @settings(max_examples=3)
    ... @given(case_dicts())
    ... def check(x):
    ...     assert Case.model_validate(x).case_id == x["case_id"]
    >>> check()
    """
    today = today or date.today()
    latest_dob = today - timedelta(days=3700)
    dob = _EARLIEST_DOB + timedelta(days=draw(st.integers(0, (latest_dob - _EARLIEST_DOB).days)))
    tenth = tenth_birthday(dob)
    oldest = dob + timedelta(days=int(MAX_AGE_YEARS * 365.25) - 1)
    last_ad = min(today, oldest)
    ad = tenth + timedelta(days=draw(st.integers(1, (last_ad - tenth).days)))
    idx = ad - timedelta(days=draw(st.integers(0, min((ad - tenth).days, 4000))))
    hi = min(idx, ad - timedelta(days=1))
    sanctions = draw(st.lists(_sanction(tenth, hi), max_size=max_sanctions))
    kind = draw(st.sampled_from(["conviction", "caution", None]))
    index: dict[str, Any] = {"date": idx.isoformat(), "offence": draw(st.sampled_from(_OFFENCES)),
                             "violent": draw(st.booleans())}
    if kind is not None:
        index["kind"] = kind
    if kind != "caution":
        index["disposal"] = draw(st.sampled_from(_DISPOSALS))
    fus = draw(st.one_of(st.none(), st.integers(0, 1500)))
    return {
        "case_id": draw(case_ids()),
        "person": {"person_id": draw(case_ids()), "date_of_birth": dob.isoformat(),
                   "sex": draw(st.sampled_from([s.value for s in Sex]))},
        "assessment_date": ad.isoformat(),
        "index_offence": index,
        "sanctions": sanctions,
        "follow_up_start": None if fus is None else (idx + timedelta(days=fus)).isoformat(),
    }


def cases(*, max_sanctions: int = 8) -> st.SearchStrategy[Case]:
    """Valid :class:`~riskassess.cases.Case` objects.

    Examples
    --------
    >>> from hypothesis import given, settings
    >>> @settings(max_examples=3)
    ... @given(cases())
    ... def check(x):
    ...     assert isinstance(x, Case)
    >>> check()
    """
    return case_dicts(max_sanctions=max_sanctions).map(Case.model_validate)


def case_lists(
    *, min_size: int = 0, max_size: int = 20, max_sanctions: int = 8
) -> st.SearchStrategy[list[dict[str, Any]]]:
    """Lists of valid case dicts with unique case ids and unique person ids.

    Examples
    --------
    >>> from hypothesis import given, settings
    >>> @settings(max_examples=3)
    ... @given(case_lists(min_size=2, max_size=2))
    ... def check(x):
    ...     assert len({c["case_id"] for c in x}) == 2
    >>> check()
    """
    return st.lists(
        case_dicts(max_sanctions=max_sanctions), min_size=min_size, max_size=max_size,
        unique_by=(lambda d: d["case_id"], lambda d: d["person"]["person_id"]),
    )


# ------------------------------------------------------------------------------- bad input

#: Values invalid for every field of a case (ids, dates, categories and flags).
_ALWAYS_BAD: list[Any] = [1.5, -1, 0, [], {}, b"2020-01-01", float("nan"), "", "??",
                          ["2020-01-01"], {"date": "2020-01-01"}, "3 years", 10**30]

_LEAVES: list[tuple[str | int, ...]] = [
    ("case_id",), ("person",), ("person", "person_id"), ("person", "date_of_birth"),
    ("person", "sex"), ("assessment_date",), ("index_offence",), ("index_offence", "date"),
    ("index_offence", "offence"), ("index_offence", "kind"), ("index_offence", "disposal"),
    ("index_offence", "violent"), ("follow_up_start",), ("sanctions",),
]
_SANCTION_LEAVES = ["date", "kind", "offence", "violent", "disposal"]
_DATE_LEAVES = [("person", "date_of_birth"), ("assessment_date",), ("index_offence", "date"),
                ("follow_up_start",)]
_CATEGORY_LEAVES = [("person", "sex"), ("index_offence", "offence"), ("index_offence", "kind"),
                    ("index_offence", "disposal")]
_IMPOSSIBLE_DATES = ["2021-02-29", "2020-13-01", "2020-00-10", "2020-04-31", "0000-01-01",
                     "9999-99-99", "2020-1-1", "20200101", "2020-01-01T00:00:00", "01/02/2020"]


_FIELD_NAMES = frozenset(
    name for model in (Case, Case.model_fields["person"].annotation,
                       Case.model_fields["index_offence"].annotation)
    for name in getattr(model, "model_fields", {})
) | {"kind", "disposal"}


def _set(data: dict[str, Any], loc: tuple[str | int, ...], value: Any) -> None:
    target: Any = data
    for part in loc[:-1]:
        target = target[part]
    target[loc[-1]] = value


def _odd_ids() -> st.SearchStrategy[str]:
    chars = st.characters(exclude_categories=())  # includes surrogates and controls
    return st.text(chars, min_size=0, max_size=80).filter(lambda s: not _VALID_ID.fullmatch(s))


@st.composite
def bad_case_dicts(draw: st.DrawFn, *, max_sanctions: int = 8) -> tuple[dict[str, Any], tuple]:
    """A case dict broken in exactly one way, and the field path its error must name.

    Returns
    -------
    (data, loc)
        ``Case.model_validate(data)`` must raise a pydantic ``ValidationError`` with an
        error whose location starts with ``loc``.

    Examples
    --------
    >>> from hypothesis import given, settings
    >>> @settings(max_examples=3)
    ... @given(bad_case_dicts())
    ... def check(x):
    ...     assert isinstance(x[0], dict) and isinstance(x[1], tuple)
    >>> check()
    """
    data = draw(case_dicts(max_sanctions=max_sanctions))
    n_s = len(data["sanctions"])
    leaves = list(_LEAVES) + [("sanctions", i, k) for i in range(n_s) for k in _SANCTION_LEAVES]
    kind = draw(st.sampled_from(
        ["wrong_type", "impossible_date", "future", "before_ten", "after_assessment",
         "negative", "unknown_category", "odd_id", "extra_key", "missing_key"]
    ))
    loc: tuple[str | int, ...]
    if kind == "wrong_type":
        loc = draw(st.sampled_from(leaves))
        if loc[-1] == "disposal" and loc[0] == "sanctions" and \
                data["sanctions"][loc[1]]["kind"] == "caution":
            value = draw(st.sampled_from(_DISPOSALS + _ALWAYS_BAD))  # any disposal is wrong
        else:  # an empty list is a valid (empty) history
            value = draw(st.sampled_from(_ALWAYS_BAD).filter(
                lambda v: not (loc == ("sanctions",) and v == [])))
        _set(data, loc, value)
    elif kind == "impossible_date":
        loc = draw(st.sampled_from(_DATE_LEAVES + [("sanctions", i, "date") for i in range(n_s)]))
        _set(data, loc, draw(st.sampled_from(_IMPOSSIBLE_DATES)))
    elif kind == "future":
        loc = ("assessment_date",)
        ahead = date.today() + timedelta(days=draw(st.integers(1, 3_000_000 // 1000)))
        _set(data, loc, ahead.isoformat())
    elif kind in ("before_ten", "after_assessment") and n_s == 0:
        loc = ("index_offence", "date")
        dob = date.fromisoformat(data["person"]["date_of_birth"])
        early = dob + timedelta(days=draw(st.integers(0, 3650)))
        if kind == "after_assessment":
            early = date.fromisoformat(data["assessment_date"]) + timedelta(
                days=draw(st.integers(1, 30)))
        _set(data, loc, early.isoformat())
    elif kind == "before_ten":
        loc = ("sanctions", draw(st.integers(0, n_s - 1)), "date")
        dob = date.fromisoformat(data["person"]["date_of_birth"])
        _set(data, loc, (dob + timedelta(days=draw(st.integers(-400, 3650)))).isoformat())
    elif kind == "after_assessment":
        loc = ("sanctions", draw(st.integers(0, n_s - 1)), "date")
        ad = date.fromisoformat(data["assessment_date"])
        _set(data, loc, (ad + timedelta(days=draw(st.integers(0, 400)))).isoformat())
    elif kind == "negative":
        loc = draw(st.sampled_from(leaves))
        _set(data, loc, -draw(st.integers(1, 10**12)))
    elif kind == "unknown_category":
        loc = draw(st.sampled_from(
            _CATEGORY_LEAVES + [("sanctions", i, k) for i in range(n_s)
                                for k in ("kind", "offence")]))
        known = {m.value for e in (Sex, SanctionKind, Disposal, OffenceCategory) for m in e}
        _set(data, loc, draw(st.text(max_size=30).filter(lambda s: s not in known)))
    elif kind == "odd_id":
        loc = draw(st.sampled_from([("case_id",), ("person", "person_id")]))
        _set(data, loc, draw(_odd_ids()))
    elif kind == "extra_key":
        where = draw(st.sampled_from([(), ("person",), ("index_offence",)]
                                     + [("sanctions", i) for i in range(n_s)]))
        target: Any = data
        for part in where:
            target = target[part]
        key = draw(st.text(min_size=1, max_size=20).filter(lambda k: k not in _FIELD_NAMES))
        target[key] = draw(st.sampled_from([1, "x", None]))
        loc = (*where, key)
    else:  # missing_key
        where, key = draw(st.sampled_from(
            [((), "case_id"), ((), "person"), ((), "assessment_date"), ((), "index_offence"),
             (("person",), "sex"), (("person",), "date_of_birth"), (("index_offence",), "date"),
             (("index_offence",), "violent")]
            + [(("sanctions", i), k) for i in range(n_s) for k in ("date", "kind", "violent")]))
        target = data
        for part in where:
            target = target[part]
        del target[key]
        loc = (*where, key)
    return data, loc
