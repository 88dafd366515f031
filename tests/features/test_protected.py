"""Protected characteristics are refused however the column name is spelt."""

from __future__ import annotations

import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from riskassess.exceptions import FeatureError
from riskassess.features import CASE_FEATURES, COMPAS_FEATURES, check_no_protected, is_protected

_CYRILLIC = {"a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "x": "х"}


@st.composite
def respellings(draw: st.DrawFn, word: str) -> str:
    """``word`` with random case, look-alike letters, separators and padding."""
    out = []
    for letter in word:
        if letter == " ":
            out.append(draw(st.sampled_from([" ", "_", "-", "  ", ".", "\u00a0"])))
            continue
        if letter in _CYRILLIC and draw(st.booleans()):
            letter = _CYRILLIC[letter]
        elif letter == "o" and draw(st.booleans()):
            letter = "ο"  # Greek omicron
        out.append(letter.upper() if draw(st.booleans()) else letter)
    pad = st.sampled_from(["", " ", "\t", "_"])
    suffix = draw(st.sampled_from(["", "_black", " group", "_code", "s", "_flag"]))
    prefix = draw(st.sampled_from(["", "self_reported_", "recorded "]))
    return draw(pad) + prefix + "".join(out) + suffix + draw(pad)


_PROTECTED_WORDS = ["race", "ethnicity", "ethnic group", "religion", "religious belief",
                    "nationality", "disability", "sexual orientation", "sexuality"]


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(_PROTECTED_WORDS).flatmap(respellings))
def test_any_spelling_of_a_protected_name_is_refused(name: str) -> None:
    assert is_protected(name), name
    with pytest.raises(FeatureError, match="protected"):
        check_no_protected(["age", name])
    check_no_protected(["age", name], allow_protected=[name])  # explicit opt-in


def test_the_issue_examples_are_refused() -> None:
    for name in ["race ", "r\u0430ce", "race_black", "ethnic_group"]:
        with pytest.raises(FeatureError):
            check_no_protected([name])


def test_catalogue_features_are_not_protected() -> None:
    names = [s.name for s in (*CASE_FEATURES, *COMPAS_FEATURES)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_no_protected(names)
    for harmless in ["terrace", "grace_period", "age", "sex", "career_length"]:
        assert not is_protected(harmless)


@pytest.mark.parametrize("name", ["postcode", "Country_of_Birth", "first language",
                                  "surname", "post-code"])
def test_known_proxies_warn(name: str) -> None:
    with pytest.warns(UserWarning, match="stand in"):
        check_no_protected(["age", name])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_no_protected(["age", name], allow_protected=[name])
