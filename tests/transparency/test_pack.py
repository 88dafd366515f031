"""The per-case explanation pack: six kinds, numbers from the inputs, escaped, honest status."""

from __future__ import annotations

import html.parser
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

import riskassess.decisions as decisions
from riskassess.exceptions import DecisionError, TransparencyError
from riskassess.transparency import DEFAULT_BAND_MEANINGS, explanation_pack

T0 = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)  # the assessment fixture's creation time
RATIONALE = "Recent threats to a former partner were reported by the police last week."
SIX_KINDS = ("rationale", "responsibility", "data", "fairness", "safety_and_performance",
             "impact")
ALLOWED_TAGS = {"html", "head", "meta", "title", "body", "h1", "h2", "p", "ul", "li",
                "section", "br"}


class _Page(html.parser.HTMLParser):
    """Collects the tags and the text of a page as a browser would see them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.add(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parse(page: str) -> _Page:
    parser = _Page()
    parser.feed(page)
    return parser


def _override(assessment, band: str = "very high", rationale: str = RATIONALE,
              officer: str = "OFFICER-17"):
    return assessment.decide(officer, band, reason="serious_harm", rationale=rationale,
                             decided_at=T0 + timedelta(hours=1))


def _agree(assessment, officer: str = "OFFICER-17"):
    return assessment.decide(officer, decided_at=T0 + timedelta(hours=1))


def test_the_pack_has_the_six_kinds_in_order(assessment, report) -> None:
    pack = explanation_pack(_agree(assessment), report)
    assert pack.kinds == SIX_KINDS
    page = pack.to_html()
    for kind in SIX_KINDS:
        assert f'<section id="{kind}">' in page


def test_html_escapes_a_hostile_rationale(assessment, report) -> None:
    hostile = "Threats made <script>alert('x')</script> to a former partner last week."
    pack = explanation_pack(_override(assessment, rationale=hostile), report)
    page = pack.to_html()
    assert "<script>" not in page and "&lt;script&gt;" in page
    parsed = _parse(page)
    assert parsed.tags <= ALLOWED_TAGS
    assert hostile in "".join(parsed.text)  # shown to the person as the officer wrote it
    assert "<script>" not in pack.to_markdown()


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Cf",
                                                                         "Zl", "Zp")),
               min_size=1, max_size=200))
def test_any_rationale_is_shown_as_text_never_as_markup(assessment, report, text) -> None:
    try:
        decision = _override(assessment, rationale="Threat reported by police: " + text)
    except DecisionError:  # the decision rules refuse it (too short, ...): nothing to show
        return
    page = explanation_pack(decision, report).to_html()
    parsed = _parse(page)
    assert parsed.tags <= ALLOWED_TAGS
    # line breaks become <br> tags, so the text the page shows has none
    assert decision.rationale.replace("\n", "") in "".join(parsed.text)


def test_no_internal_ids_only_the_case_id(assessment, report) -> None:
    decision = _override(assessment)
    pack = explanation_pack(decision, report)
    for text in (pack.to_markdown(), pack.to_html()):
        assert assessment.case_id in text
        assert "OFFICER-17" not in text
        assert assessment.model.fingerprint not in text
        assert assessment.input_sha256 not in text


def test_the_numbers_come_from_the_decision(assessment, report) -> None:
    agreed = explanation_pack(_agree(assessment), report)
    raised = explanation_pack(_override(assessment, band="very high"), report)
    rationale = dict(zip(agreed.kinds, agreed.sections, strict=True))["rationale"]
    assert f"{assessment.probability:.0%} chance" in rationale.blocks[0]
    assert f"'{assessment.band}' band" in rationale.blocks[0]
    assert "The final band is 'very high'." in raised.to_markdown()
    assert f"The final band is '{assessment.band}'." in agreed.to_markdown()
    assert RATIONALE in raised.to_markdown()
    assert raised.to_markdown() != agreed.to_markdown()
    for reason in assessment.reasons:
        assert reason.text in agreed.to_dict()["sections"]["rationale"]["blocks"][2]


def test_the_numbers_come_from_the_report(assessment, report, other_report) -> None:
    decision = _agree(assessment)
    ours = explanation_pack(decision, report).to_dict()["sections"]
    theirs = explanation_pack(decision, other_report).to_dict()["sections"]
    assert ours["fairness"] != theirs["fairness"]
    assert ours["safety_and_performance"] != theirs["safety_and_performance"]
    for rep, sections in ((report, ours), (other_report, theirs)):
        groups = sections["fairness"]["blocks"][1]
        for row in rep.fairness.groups.itertuples():
            assert any(line.startswith(f"sex {row.group}: {row.n} cases") for line in groups)
        performance = " ".join(sections["safety_and_performance"]["blocks"][1])
        assert f"Checked on {rep.n} past cases" in performance
        assert str(rep.auc) in performance
        band = rep.calibration.by_band.set_index("bin").loc[assessment.band]
        assert (f"Of the {int(band['n'])} checked cases in the '{assessment.band}' band, "
                f"{band['observed']:.1%}") in sections["safety_and_performance"]["blocks"][2]


def test_the_data_section_lists_every_input_used(assessment, report) -> None:
    data = explanation_pack(_agree(assessment), report).to_dict()["sections"]["data"]
    assert len(data["blocks"][1]) == len(assessment.explanation.contributions)
    assert any("protected characteristics" in b for b in data["blocks"] if isinstance(b, str))


def test_an_undecided_assessment_says_no_decision_is_made(assessment, report) -> None:
    pack = explanation_pack(assessment, report)
    assert pack.status == "no decision"
    text = pack.to_markdown()
    assert "No officer has decided yet" in text and "the decision is pending" in text


def test_a_decision_awaiting_countersignature_says_pending(assessment, report) -> None:
    decision = _override(assessment, band="very high")
    if not getattr(decision, "countersignature_required", False):
        pytest.skip("this decisions package has no countersignature policy yet")
    pack = explanation_pack(decision, report)
    assert pack.status == "pending"
    text = pack.to_markdown()
    assert "This decision is pending" in text
    assert "has not been countersigned yet" in text


def _countersignature(officer: str, decision_hash: str = "ab" * 32):
    cls = getattr(decisions, "Countersignature", None)
    if cls is None:
        pytest.skip("riskassess.decisions does not export Countersignature yet")
    return cls(decision_hash=decision_hash, officer_id=officer, role="supervisor",
               signed_at=datetime(2024, 3, 2, 10, 0, tzinfo=UTC))


def test_a_countersigned_decision_is_effective_and_names_the_role(assessment, report) -> None:
    decision = _override(assessment)
    pack = explanation_pack(decision, report, countersignature=_countersignature("SUP-2"))
    assert pack.status == "effective"
    text = pack.to_markdown()
    assert "countersigned by a second officer (role: supervisor) on 2024-03-02" in text
    assert "SUP-2" not in text and "pending" not in text


def test_a_countersignature_by_the_deciding_officer_is_refused(assessment, report) -> None:
    decision = _override(assessment, officer="OFFICER-17")
    with pytest.raises(TransparencyError, match=r"countersignature\.officer_id"):
        explanation_pack(decision, report, countersignature=_countersignature("OFFICER-17"))


def test_a_countersignature_of_another_decision_is_refused(assessment, report) -> None:
    class Receipt:
        hash = "cd" * 32

    with pytest.raises(TransparencyError, match="decision_hash"):
        explanation_pack(_override(assessment), report,
                         countersignature=_countersignature("SUP-2"), receipt=Receipt())


def test_default_band_meanings_are_marked_as_defaults(assessment, report) -> None:
    decision = _override(assessment, band="high")
    default = explanation_pack(decision, report).to_dict()["sections"]["impact"]["blocks"][1]
    assert DEFAULT_BAND_MEANINGS["high"] in default and "Standard wording" in default
    own = explanation_pack(decision, report, band_meanings={"high": "Weekly visits."})
    impact = own.to_dict()["sections"]["impact"]["blocks"][1]
    assert impact.endswith("Weekly visits.") and "Standard wording" not in impact


@pytest.mark.parametrize("kwargs", [{"band_meanings": {"purple": "x"}}, {"contact": "  "},
                                    {"organisation": 3}])
def test_bad_body_text_is_refused(assessment, report, kwargs) -> None:
    with pytest.raises(TransparencyError):
        explanation_pack(_agree(assessment), report, **kwargs)


def test_a_decision_of_the_wrong_type_is_refused(report) -> None:
    with pytest.raises(TransparencyError, match="FinalDecision or an Assessment"):
        explanation_pack({"case_id": "C-1"}, report)


def test_html_is_written_to_a_file(assessment, report, tmp_path) -> None:
    pack = explanation_pack(_agree(assessment), report)
    page = pack.to_html(tmp_path / "pack.html")
    assert (tmp_path / "pack.html").read_text(encoding="utf-8") == page
