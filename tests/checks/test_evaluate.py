"""`evaluate_requirement` over the shipped base profile and the documented example answers."""

from __future__ import annotations

from typing import Any

import pytest

from service.catalog.expressions import ExpressionError
from service.catalog.loader import load_catalog
from service.catalog.policies import PolicyProfile, Requirement
from service.checks.evaluate import Finding, evaluate_profile, evaluate_requirement
from service.checks.models import Outcome
from tests.checks.ismap_lists import example_lookups
from tests.factories import good_answers, weak_answers


@pytest.fixture(scope="module")
def profile() -> PolicyProfile:
    base = load_catalog().latest_profile("base")
    assert base is not None
    return base


def engagement(**overrides: Any) -> dict[str, Any]:
    """Engagement facts as policy expressions see them (see engagement_facts)."""
    return {
        "kind": "cloud",
        "confidentiality": 2,
        "integrity": 2,
        "availability": 1,
        "personal_data": True,
        "my_number": False,
        "network_segment": "lgwan",
        "subcontracting": True,
        "term_months": 36,
        **overrides,
    }


def req(profile: PolicyProfile, requirement_id: str) -> Requirement:
    return next(r for r in profile.requirements if r.id == requirement_id)


def evaluate_all(
    profile: PolicyProfile, facts: dict[str, Any], answers: dict[str, Any]
) -> dict[str, Finding]:
    lookups = example_lookups()  # the example answers' ISMAP number is on this list
    return {
        r.id: evaluate_requirement(r, facts, answers, lookups=lookups) for r in profile.requirements
    }


def custom(
    check: str, applies_if: str = "true", answers: frozenset[str] | None = None
) -> Requirement:
    requirement = Requirement.model_validate(
        {
            "id": "TEST-01",
            "title": {"ja": "試験", "en": "Test"},
            "sources": [{"document": "GL", "section": "8.3"}],
            "applies_if": applies_if,
            "check": check,
            "severity": "must",
            "on_fail": "reject",
            "fail_reason": {"ja": "不適合", "en": "Not met"},
            "remediation": {"ja": "確認", "en": "Check"},
        }
    )
    requirement.compile(answers or frozenset({"admin_mfa", "availability_pct", "legal_name"}))
    return requirement


PASSED_MESSAGE = {"ja": "回答は要件を満たしています。", "en": "The answers meet the requirement."}


@pytest.mark.parametrize(
    "facts",
    [
        engagement(),
        engagement(confidentiality=3),
        engagement(my_number=True, network_segment="my_number"),
        engagement(personal_data=False),
        engagement(availability=2, subcontracting=True),
    ],
    ids=["conf2", "conf3", "my-number", "no-personal-data", "availability2"],
)
def test_good_answers_pass_every_applicable_requirement(
    profile: PolicyProfile, facts: dict[str, Any]
) -> None:
    answers = good_answers()
    if facts["network_segment"] == "my_number":
        # From the My Number segment only a closed network will do (SEG-01).
        answers["network_connection"] = "closed_network"
    findings = evaluate_all(profile, facts, answers)
    applicable = {rid: f for rid, f in findings.items() if f.outcome != Outcome.not_applicable}
    assert len(applicable) >= 10
    assert {rid: f.outcome for rid, f in applicable.items()} == dict.fromkeys(
        applicable, Outcome.passed
    )
    for finding in applicable.values():
        if finding.requirement_id == "CLD2-SEL-14":  # the look-up names the snapshot it used
            assert finding.reason["ja"].startswith(PASSED_MESSAGE["ja"] + "C99-9999-1")
            assert "test-snapshot" in finding.reason["en"]
        else:
            assert finding.reason == PASSED_MESSAGE


def test_weak_answers_fail_data_location_and_admin_mfa_with_their_reasons(
    profile: PolicyProfile,
) -> None:
    findings = evaluate_all(profile, engagement(), weak_answers())
    failed = {rid for rid, f in findings.items() if f.outcome == Outcome.failed}
    assert failed == {"CLD2-SEL-10", "CLD2-BLD-01"}
    for requirement_id in failed:
        requirement = req(profile, requirement_id)
        assert findings[requirement_id].reason == {
            "ja": requirement.fail_reason.ja,
            "en": requirement.fail_reason.en,
        }
        assert findings[requirement_id].requirement_id == requirement_id
    others = {f.outcome for rid, f in findings.items() if rid not in failed}
    assert others == {Outcome.passed, Outcome.not_applicable}  # segment rules for other segments


def test_inputs_record_the_answers_the_check_read(profile: PolicyProfile) -> None:
    answers = weak_answers()
    location = evaluate_requirement(req(profile, "CLD2-SEL-10"), engagement(), answers)
    assert location.inputs == {
        "data_center_country": "us",
        "backup_country": "jp",
        "governing_law_japan": True,
    }
    end = evaluate_requirement(req(profile, "OUT-END-01"), engagement(), answers)
    assert end.inputs == {"deletion_certificate": True, "export_formats": ["csv", "json"]}
    mfa = evaluate_requirement(req(profile, "CLD2-BLD-01"), engagement(), answers)
    assert mfa.inputs == {"admin_mfa": False}


def test_pii_02_does_not_apply_without_personal_data(profile: PolicyProfile) -> None:
    pii = req(profile, "PII-02")
    # Even answers that would fail it do not matter when it does not apply.
    answers = {**good_answers(), "incident_first_report_hours": 72}
    finding = evaluate_requirement(pii, engagement(personal_data=False), answers)
    assert finding.outcome == Outcome.not_applicable
    assert finding.inputs == {}
    assert finding.reason["en"] == "Does not apply to this engagement."
    applies = evaluate_requirement(pii, engagement(personal_data=True), answers)
    assert applies.outcome == Outcome.failed


def test_cloud_only_requirements_do_not_apply_to_outsourcing(profile: PolicyProfile) -> None:
    findings = evaluate_all(profile, engagement(kind="outsourcing"), weak_answers())
    for requirement_id in ("CLD2-SEL-10", "CLD2-BLD-01", "CLD2-SEL-14", "CLD2-SEL-01"):
        assert findings[requirement_id].outcome == Outcome.not_applicable, requirement_id
    assert findings["OUT-INC-01"].outcome == Outcome.passed


def test_a_missing_answer_needs_review_naming_the_question(profile: PolicyProfile) -> None:
    answers = good_answers()
    del answers["admin_mfa"]
    finding = evaluate_requirement(req(profile, "CLD2-BLD-01"), engagement(), answers)
    assert finding.outcome == Outcome.needs_review
    assert "admin_mfa" in finding.reason["en"]
    assert "admin_mfa" in finding.reason["ja"]
    assert finding.inputs == {"admin_mfa": None}


def test_a_missing_answer_never_passes(profile: PolicyProfile) -> None:
    for question_id in ("incident_first_report_hours", "export_formats", "data_center_country"):
        answers = good_answers()
        del answers[question_id]
        findings = evaluate_all(profile, engagement(), answers)
        reading = [
            f
            for f in findings.values()
            if question_id in f.inputs and f.outcome != "not_applicable"
        ]
        assert reading, question_id
        for finding in reading:
            assert finding.outcome == Outcome.needs_review, (question_id, finding)
            assert question_id in finding.reason["en"]
            assert finding.inputs[question_id] is None


def test_an_unanswered_optional_question_guarded_by_has_fails_instead(
    profile: PolicyProfile,
) -> None:
    answers = good_answers()
    del answers["ismap_registration"]
    ismap = req(profile, "CLD2-SEL-14")
    finding = evaluate_requirement(ismap, engagement(), answers)
    assert finding.outcome == Outcome.failed
    assert finding.reason["en"] == ismap.fail_reason.en


@pytest.mark.parametrize(
    ("facts", "hours", "outcome"),
    [
        (engagement(confidentiality=3), 1, Outcome.passed),
        (engagement(confidentiality=3), 0.5, Outcome.passed),
        (engagement(confidentiality=3), 1.5, Outcome.failed),
        (engagement(confidentiality=3), 24, Outcome.failed),
        (engagement(my_number=True), 24, Outcome.failed),
        (engagement(my_number=True), 1, Outcome.passed),
        (engagement(confidentiality=2), 24, Outcome.passed),
        (engagement(confidentiality=2), 25, Outcome.failed),
        (engagement(confidentiality=1, kind="outsourcing"), 24, Outcome.passed),
    ],
)
def test_incident_first_report_limit_is_1h_for_confidentiality_3_or_my_number(
    profile: PolicyProfile, facts: dict[str, Any], hours: float, outcome: Outcome
) -> None:
    answers = {**good_answers(), "incident_first_report_hours": hours}
    for requirement_id in ("OUT-INC-01", "PII-02"):
        requirement = req(profile, requirement_id)
        finding = evaluate_requirement(requirement, facts, answers)
        assert finding.outcome == outcome, requirement_id
        assert finding.inputs == {"incident_first_report_hours": hours}
        if outcome == Outcome.failed:
            assert finding.reason["ja"] == requirement.fail_reason.ja


@pytest.mark.parametrize(
    ("availability", "pct", "outcome"),
    [(1, 99.5, Outcome.passed), (1, 99.4, Outcome.failed), (2, 99.5, Outcome.failed)],
)
def test_availability_level_follows_the_engagement(
    profile: PolicyProfile, availability: int, pct: float, outcome: Outcome
) -> None:
    answers = {**good_answers(), "availability_pct": pct}
    finding = evaluate_requirement(
        req(profile, "CLD2-SEL-09-SLA"), engagement(availability=availability), answers
    )
    assert finding.outcome == outcome


def test_subcontracting_needs_flowdown_and_the_engagement_flag(profile: PolicyProfile) -> None:
    sub = req(profile, "OUT-SUB-01")
    answers = good_answers()
    assert evaluate_requirement(sub, engagement(), answers).outcome == Outcome.passed
    unflagged = evaluate_requirement(sub, engagement(subcontracting=False), answers)
    assert unflagged.outcome == Outcome.failed
    none_planned = {
        **{k: v for k, v in answers.items() if k != "subcontractor_flowdown"},
        "subcontracting_planned": False,
    }
    finding = evaluate_requirement(sub, engagement(subcontracting=False), none_planned)
    assert finding.outcome == Outcome.passed


def test_a_check_that_gives_no_boolean_needs_review() -> None:
    finding = evaluate_requirement(
        custom("answers.availability_pct"), engagement(), {"availability_pct": 99.9}
    )
    assert finding.outcome == Outcome.needs_review
    assert "99.9" in finding.reason["en"]
    assert finding.inputs == {"availability_pct": 99.9}


def test_a_check_that_cannot_run_on_the_answer_given_needs_review() -> None:
    finding = evaluate_requirement(
        custom("answers.legal_name > 3"), engagement(), {"legal_name": "株式会社テスト"}
    )
    assert finding.outcome == Outcome.needs_review
    assert finding.reason["en"].startswith("Could not check automatically")


def test_an_applies_if_that_cannot_run_needs_review() -> None:
    requirement = custom("true", applies_if="engagement.confidentiality > 'x'")
    finding = evaluate_requirement(requirement, engagement(), {})
    assert finding.outcome == Outcome.needs_review
    assert finding.reason["en"].startswith("Could not evaluate whether this applies")
    assert finding.inputs == {}


@pytest.mark.parametrize(
    "answers", [good_answers(), weak_answers(), {}], ids=["good", "weak", "none"]
)
def test_evaluate_profile_gives_the_findings_one_by_one_evaluation_gives(
    profile: PolicyProfile, answers: dict[str, Any]
) -> None:
    facts = engagement(confidentiality=3)
    together = evaluate_profile(profile.requirements, facts, answers)
    assert together == [evaluate_requirement(r, facts, answers) for r in profile.requirements]
    if not answers:
        # Nothing answered: nothing passes; only the check guarded by has() can fail outright.
        assert Outcome.passed not in {f.outcome for f in together}
        failed = [f.requirement_id for f in together if f.outcome == Outcome.failed]
        assert failed == ["CLD2-SEL-14"]


def test_from_the_my_number_segment_an_lgwan_asp_service_is_rejected(
    profile: PolicyProfile,
) -> None:
    facts = engagement(my_number=True, network_segment="my_number")
    finding = evaluate_requirement(req(profile, "SEG-01"), facts, good_answers())
    assert good_answers()["network_connection"] == "lgwan_asp"
    assert finding.outcome == Outcome.failed
    assert finding.inputs["network_connection"] == "lgwan_asp"


_MISSING = object()


@pytest.mark.parametrize("value", ["株式会社", " x ", "", "  \u3000\t", "\u200b", _MISSING])
def test_filled_gives_what_the_regular_expression_gives(value: Any) -> None:
    answers = {} if value is _MISSING else {"legal_name": value}
    plain = custom("filled(answers.legal_name)")
    regex = custom(r'answers.legal_name.matches("\\S")')
    got = evaluate_requirement(plain, engagement(), answers)
    expected = evaluate_requirement(regex, engagement(), answers)
    assert (got.outcome, got.reason, got.inputs) == (
        expected.outcome,
        expected.reason,
        expected.inputs,
    )


@pytest.mark.parametrize("value", [5, None, ["a"]])
def test_filled_on_what_is_not_text_is_for_a_person(value: Any) -> None:
    finding = evaluate_requirement(
        custom("filled(answers.legal_name)"), engagement(), {"legal_name": value}
    )
    assert finding.outcome == Outcome.needs_review
    assert "filled() takes text" in finding.reason["en"]


def test_filled_is_known_to_the_loader_with_its_arity() -> None:
    with pytest.raises(ExpressionError, match=r"'filled\(\)' takes 1 argument\(s\), not 2"):
        custom("filled(answers.legal_name, answers.legal_name)")
