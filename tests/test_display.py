"""Jupyter displays: assessments, decisions, models and instruments, validation reports and
model cards render as well-formed HTML fragments that style nothing outside themselves,
with short reprs, and never show a band without its cut points."""

from __future__ import annotations

import itertools
import re
import warnings
from datetime import UTC, date, datetime
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import riskassess as ra
from riskassess.decisions import Assessment, ModelInfo, OverrideReason
from riskassess.exceptions import InSampleValidationWarning
from riskassess.instruments import ARP, OGRS3, SVRP, VRP
from riskassess.models import AdditiveRiskClassifier, RiskBands, ScorecardClassifier
from riskassess.models._display import band_ranges
from riskassess.validation import model_card, validate

VOID = {"br", "hr", "img", "input", "meta", "link", "col", "area", "base", "source", "wbr"}
SVG_LEAVES = {"line", "rect", "path", "circle", "polyline"}


class _Checker(HTMLParser):
    """Records tags, checks nesting, collects <style> text."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.tags: list[str] = []
        self.page_tags: list[str] = []  # outside <svg> (an SVG <title> is a tooltip)
        self.styles: list[str] = []
        self.problems: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if "svg" not in self.stack:
            self.page_tags.append(tag)
        if tag not in VOID:
            self.stack.append(tag)
        self._in_style = tag == "style"

    def handle_startendtag(self, tag, attrs):
        self.tags.append(tag)

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
            return
        self.stack.pop()
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.styles.append(data)


def parse(html: str) -> _Checker:
    checker = _Checker()
    checker.feed(html)
    checker.close()
    assert not checker.problems, checker.problems
    assert not checker.stack, f"unclosed: {checker.stack}"
    return checker


def assert_fragment(html: str) -> _Checker:
    """A notebook fragment: one element, no document parts, no script."""
    checker = parse(html)
    assert not {"html", "head", "body", "title", "script"} & set(checker.page_tags)
    assert "<!DOCTYPE" not in html.upper().replace("<!doctype", "<!DOCTYPE")
    return checker


def selectors(css: str) -> list[str]:
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    out = []
    for block in re.findall(r"([^{}]+)\{[^{}]*\}", css):
        out += [s.strip() for s in block.split(",") if s.strip()]
    return out


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def data():
    cohort = ra.datasets.make_cohort(900, seed=3)
    X = cohort.features()
    y = cohort.outcomes["reoffend_2y"].reindex(X.index)
    known = y.notna().to_numpy()
    X, y = X[known], y[known].astype(int)
    half = len(X) // 2
    return cohort, X.iloc[:half], y.iloc[:half], X.iloc[half:], y.iloc[half:]


@pytest.fixture(scope="module")
def additive(data):
    _, X, y, _, _ = data
    return AdditiveRiskClassifier(horizon=2).fit(X, y)


@pytest.fixture(scope="module")
def assessment(data, additive):
    cohort = data[0]
    return ra.assess(additive, next(cohort.cases()))


# ---------------------------------------------------------------- bands


@settings(max_examples=100, deadline=None)
@given(cuts=st.lists(st.floats(0.01, 0.99), min_size=1, max_size=4, unique=True),
       p=st.floats(0.0, 1.0))
def test_band_range_words_agree_with_the_band_rule(cuts, p):
    cuts = sorted(round(c, 2) for c in cuts)
    if len(set(cuts)) != len(cuts):
        return
    labels = tuple(f"band{j}" for j in range(len(cuts) + 1))
    label = str(RiskBands(cut_points=tuple(cuts), labels=labels).assign([p])[0])
    words = dict(band_ranges(cuts, labels))[label]
    numbers = [float(x) / 100 for x in re.findall(r"([\d.]+)%", words)]
    if words.startswith("below"):
        assert p < numbers[0]
    elif words.endswith("or more"):
        assert p >= numbers[0]
    else:
        assert numbers[0] <= p < numbers[1]


def _assessment(case_id: str, p: float, cuts: tuple[float, ...]) -> Assessment:
    labels = ("low", "medium", "high", "very high")[: len(cuts) + 1]
    info = ModelInfo(name="m" * 200, version="1", fingerprint="f" * 64, cut_points=cuts,
                     band_labels=labels)
    return Assessment(case_id=case_id, assessment_date=date(2024, 3, 1), probability=p,
                      band=info.band_of(p), horizon_years=2, model=info,
                      input_sha256="0" * 64, created_at=datetime(2024, 3, 1, tzinfo=UTC))


@settings(max_examples=50, deadline=None)
@given(case_id=st.from_regex(r"[A-Za-z0-9][A-Za-z0-9-]{0,63}", fullmatch=True),
       p=st.floats(0.0, 1.0), cuts=st.sampled_from([(0.5,), (0.3, 0.6), (0.5, 0.75, 0.9)]))
def test_assessment_repr_is_short_and_never_shows_a_band_without_its_range(case_id, p, cuts):
    a = _assessment(case_id, p, cuts)
    text = repr(a)
    assert len(text) <= 220, text
    assert dict(band_ranges(cuts, a.model.band_labels))[a.band] in text
    html = a._repr_html_()
    assert_fragment(html)
    for label, words in band_ranges(cuts, a.model.band_labels):  # every band's range
        assert f"{label}: {words}" in html


# ---------------------------------------------------------------- assessment


def test_assessment_display_shows_probability_band_reasons_and_waterfall(assessment):
    html = assessment._repr_html_()
    checker = assert_fragment(html)
    assert "style" not in checker.tags  # inline styles only: nothing leaks
    assert f"{assessment.probability:.0%}" in html
    for r in assessment.reasons:
        assert r.text.replace("'", "&#x27;") in html
    assert checker.tags.count("svg") == 1
    # one bar per explained feature (the rest summed in one bar)
    n = len(assessment.explanation.contributions)
    assert checker.tags.count("rect") == min(n, 8) + (n > 8)
    assert "average case" in html


def test_the_waterfall_adds_up_to_the_probability(assessment):
    from riskassess.decisions._display import _waterfall_steps

    start, steps = _waterfall_steps(assessment)
    z0 = assessment.explanation.base_value
    assert start == pytest.approx(1 / (1 + np.exp(-z0)), abs=1e-12)
    assert start + sum(d for _, d in steps) == pytest.approx(assessment.probability,
                                                             abs=1e-9)


def test_assessment_repr_replaces_the_nested_record(assessment):
    assert len(repr(assessment)) < 300
    assert repr(assessment).startswith("Assessment(case ")


# ---------------------------------------------------------------- final decision


def test_final_decision_display_shows_who_what_why_and_when(assessment):
    up = {"low": "medium", "medium": "high", "high": "very high", "very high": "high"}
    band = up[assessment.band]
    rationale = "Threats <b>reported</b> by police & partner agencies last week."
    d = assessment.decide("OFFICER-7", band, reason=OverrideReason.SERIOUS_HARM,
                          rationale=rationale)
    html = d._repr_html_()
    assert_fragment(html)
    assert "OFFICER-7" in html and OverrideReason.SERIOUS_HARM.label in html
    assert "<b>reported</b>" not in html and "&lt;b&gt;reported&lt;/b&gt;" in html
    assert f">{assessment.band}<" in html and f"<b>{band}</b>" in html
    assert d.decided_at.strftime("%Y-%m-%d %H:%M UTC") in html
    status_row = re.search(r">status</th><td[^>]*>([^<]*)<", html).group(1)
    assert status_row.startswith("override (up)") or status_row.startswith("override (down)")
    assert getattr(d, "status", "") in status_row
    for field in ("effective_date", "review_date"):
        if getattr(d, field, None) is not None:
            assert str(getattr(d, field)) in html
    text = repr(d)
    assert len(text) < 250 and "override" in text and repr(band) in text
    agreed = assessment.decide("OFFICER-7")
    assert "agreed" in repr(agreed) and "agreed with the model" in agreed._repr_html_()


# ---------------------------------------------------------------- models


def _arns_frame():
    from riskassess.instruments.arns._terms import INPUT_COLUMNS

    rng = np.random.default_rng(1)
    n = 60
    frame = pd.DataFrame({c: rng.integers(0, 2, n).astype(float) for c in INPUT_COLUMNS})
    frame["age_at_followup"] = rng.integers(20, 60, n).astype(float)
    frame["age_at_conviction"] = frame["age_at_followup"]
    frame["age_at_first_sanction"] = frame["age_at_conviction"] - rng.integers(0, 10, n)
    frame["n_sanctions"] = rng.integers(1, 9, n).astype(float)
    frame["n_violent_sanctions"] = 0.0
    frame["offence_category"] = "OTHER_OFFENCES"
    frame["offence_free_months"] = rng.integers(0, 37, n).astype(float)
    return frame


@pytest.fixture(scope="module")
def models(data, additive):
    _, X, y, _, _ = data
    frame = _arns_frame()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        arns = [cls().fit(frame) for cls in (ARP, VRP, SVRP)]
    return [additive, ScorecardClassifier().fit(X, y), OGRS3(), OGRS3().fit(X), *arns]


def test_every_model_and_instrument_shows_its_tables_and_shape_plots(models):
    for model in models:
        html = model._repr_html_()
        checker = assert_fragment(html)
        assert "style" not in checker.tags, type(model).__name__
        bands = model._bands()
        for label, words in band_ranges(bands.cut_points, bands.labels):
            assert f"{label}: {words}" in html
        for term in model.form_.terms:
            assert f">{term.name}<" in html, term.name  # a row per term
        tables = [t for t in model.form_.terms if hasattr(t, "table")]
        assert checker.tags.count("svg") == min(len(tables), 40)
        assert model._repr_mimebundle_()["text/html"] == html


def test_a_scorecard_shows_its_points(models):
    scorecard = models[1]
    html = scorecard._repr_html_()
    frame = scorecard.points_frame()
    assert "points of every bin" in html
    assert html.count("<tr>") >= len(frame)


@pytest.mark.parametrize("model", [AdditiveRiskClassifier(), ScorecardClassifier(),
                                   AdditiveRiskClassifier(bands=RiskBands((0.2,),
                                                                          ("lo", "hi")))])
def test_an_unfitted_model_says_so(model):
    html = model._repr_html_()
    assert_fragment(html)
    assert "not fitted" in html and type(model).__name__ in html
    assert "svg" not in html


# ---------------------------------------------------------------- validation


@pytest.fixture(scope="module")
def report(data, additive):
    _, X_fit, y_fit, X, y = data
    ogrs3 = OGRS3().fit(X_fit, y_fit)
    with warnings.catch_warnings():
        warnings.simplefilter("error", InSampleValidationWarning)  # held out: no warning
        return validate(additive, X, y, groups=X["sex"], incumbent=ogrs3, n_bootstrap=50)


def test_report_display_scopes_its_style_and_shows_its_plots(report):
    html = report._repr_html_()
    checker = assert_fragment(html)
    chosen = selectors("".join(checker.styles))
    assert chosen, "the report keeps its style"
    for selector in chosen:
        assert selector.startswith(".riskassess-report"), selector
    assert 'class="riskassess-report"' in html.split(">")[0]
    pytest.importorskip("matplotlib")
    assert checker.tags.count("img") >= 2  # reliability diagrams, group error rates


def test_report_file_is_a_whole_page(report, tmp_path):
    page = report.to_html(tmp_path / "report.html", plots=False)
    checker = parse(page.split("\n", 1)[1])
    assert {"html", "head", "body", "title"} <= set(checker.page_tags)


def test_reports_and_cards_name_the_incumbent(report, additive, data):
    html = report.to_html(plots=False)
    assert "Comparison with the incumbent (OGRS3)" in html
    assert "incumbent (incumbent)" not in html
    card = model_card(additive, report, intended_use="Tests.", data_description="Synthetic.")
    assert any("the incumbent (OGRS3)" in line for line in card.performance)
    _, _, _, X, y = data
    scores = OGRS3().fit(X).predict_proba(X)[:, 1]
    unnamed = validate(additive.predict_proba(X)[:, 1], y=y, incumbent=scores, n_bootstrap=0)
    text = unnamed.to_html(plots=False) + model_card(
        additive, unnamed, intended_use="T.", data_description="S.").to_markdown()
    assert "incumbent (incumbent)" not in text and "Comparison with the incumbent<" in text
    named = validate(additive.predict_proba(X)[:, 1], y=y, incumbent=scores, n_bootstrap=0,
                     incumbent_name="OGRS3 v3")
    assert "the incumbent (OGRS3 v3)" in named.to_html(plots=False)


def test_model_card_display_is_a_fragment_and_its_file_a_page(report, additive, tmp_path):
    card = model_card(additive, report, intended_use="Tests.", data_description="Synthetic.")
    fragment = card._repr_html_()
    assert_fragment(fragment)
    assert "Model card" in fragment
    page = card.to_html(tmp_path / "card.html")
    assert page.startswith("<!DOCTYPE html>") and "<title>" in page
    assert len(repr(card)) < 200


def test_validating_on_the_training_rows_warns(data, additive):
    _, X_fit, y_fit, X, y = data
    with pytest.warns(InSampleValidationWarning, match="fitted on"):
        validate(additive, X_fit, y_fit, n_bootstrap=0)
    mixed = pd.concat([X_fit.iloc[:200], X.iloc[:200]])
    labels = pd.concat([y_fit.iloc[:200], y.iloc[:200]])
    with pytest.warns(InSampleValidationWarning, match=r"about \d+%"):
        validate(additive, mixed, labels, n_bootstrap=0)


@given(values=st.lists(st.sampled_from([-0.5, 0.0, 0.25, 1.0]), min_size=1, max_size=60),
       data=st.data())
def test_shape_bars_cover_every_bin_once_and_merge_only_equal_neighbours(values, data):
    from riskassess.models._display import _runs, shape_svg

    counts = data.draw(st.lists(st.sampled_from([0, 3]), min_size=len(values),
                                max_size=len(values)))
    runs = _runs(np.asarray(values), counts)
    covered = [i for first, last in runs for i in range(first, last + 1)]
    assert covered == list(range(len(values)))
    for first, last in runs:
        assert len({values[i] for i in range(first, last + 1)}) == 1
        assert len({counts[i] > 0 for i in range(first, last + 1)}) == 1
    for (_, end), (start, _) in itertools.pairwise(runs):
        assert (values[end], counts[end] > 0) != (values[start], counts[start] > 0)
    svg = shape_svg([f"b{i}" for i in range(len(values))], values, counts)
    assert svg.count("<rect") == len(runs)
