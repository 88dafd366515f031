"""The remembered agreements of offence records change no outcome, only its cost.

An offence record whose (code, offence, violent) was already found to agree skips the
code's check; its disposal is still checked. These properties hold the shortcut equal to
a full check: a record is accepted or refused the same way before and after records with
the same triple were seen, and a caution with a disposal (or a conviction without one)
is refused whatever was seen before.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from riskassess._hmpps import offence_mapping
from riskassess.cases import IndexOffence, Sanction
from riskassess.cases._oasys import AGREEING
from riskassess.cases._records import _disposal_problem
from riskassess.vocabulary import Disposal, OffenceCategory, SanctionKind

CODES = sorted(offence_mapping())[:400:7]  # a spread of codes, UNKNOWN ones included
CATEGORIES = [c.value for c in OffenceCategory]


def records() -> st.SearchStrategy[dict[str, Any]]:
    """Sanction dicts with any mix of code, category, flag, kind and disposal."""
    return st.fixed_dictionaries(
        {"date": st.just("2019-01-01"), "kind": st.sampled_from(["caution", "conviction"])},
        optional={"offence_code": st.sampled_from(CODES),
                  "offence": st.sampled_from(CATEGORIES),
                  "violent": st.booleans(),
                  "disposal": st.sampled_from([d.value for d in Disposal])})


def outcome(cls: type, data: dict[str, Any]) -> Any:
    try:
        record = cls.model_validate(data)
    except ValidationError as exc:
        return [(e["type"], e["loc"], e["msg"]) for e in exc.errors()]
    return record.model_dump()


@settings(max_examples=300, deadline=None)
@given(records(), st.lists(records(), max_size=4))
def test_outcome_is_the_same_after_other_records_were_seen(data: dict[str, Any],
                                                           seen: list[dict[str, Any]]) -> None:
    AGREEING.clear()
    fresh = outcome(Sanction, data)
    for other in seen:  # fills the memo with whatever agreed among them
        outcome(Sanction, other)
    outcome(Sanction, data)
    assert outcome(Sanction, data) == fresh


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(CODES), st.sampled_from([d.value for d in Disposal]))
def test_a_remembered_triple_still_has_its_disposal_checked(code: str, disposal: str) -> None:
    derived = outcome(IndexOffence, {"date": "2019-01-01", "offence_code": code,
                                     "disposal": disposal})
    if not isinstance(derived, dict):  # an UNKNOWN code: refused, nothing remembered
        return
    triple = {"offence_code": code, "offence": derived["offence"],
              "violent": derived["violent"]}
    assert (code, derived["offence"], derived["violent"]) in AGREEING
    for kind, given_disposal in (("caution", disposal), ("conviction", None)):
        refused = outcome(Sanction, {"date": "2019-01-01", "kind": kind,
                                     "disposal": given_disposal, **triple})
        expected = _disposal_problem(SanctionKind(kind),
                                     None if given_disposal is None else Disposal(disposal))
        assert isinstance(refused, list) and [e[1] for e in refused] == [("disposal",)]
        assert expected in refused[0][2]
