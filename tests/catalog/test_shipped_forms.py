"""The three shipped questionnaires: they load, their examples are complete, their texts are
bilingual, and their conditional questions appear (and become required) when they should."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from service.catalog.forms import ENGAGEMENT_KINDS, Form, Question, QuestionType
from service.catalog.loader import Catalog, load_catalog
from service.checks.evaluate import evaluate_profile
from service.checks.models import Outcome
from service.engagements.models import EngagementKind
from tests.checks.ismap_lists import example_lookups
from tests.factories import EXAMPLES

FORMS = {"cloud-service": "cloud", "outsourcing": "outsourcing", "tos-cloud": "tos_cloud"}
LATEST = {"cloud-service": 2, "outsourcing": 2, "tos-cloud": 1}
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def example(form_id: str) -> dict[str, Any]:
    answers: dict[str, Any] = json.loads((EXAMPLES / f"{form_id}-answers.json").read_text())[
        "answers"
    ]
    return answers


def q(form: Form, question_id: str) -> Question:
    return next(question for question in form.questions if question.id == question_id)


def test_form_engagement_kinds_are_the_engagement_model_kinds() -> None:
    assert {k.value for k in EngagementKind} == ENGAGEMENT_KINDS


@pytest.mark.parametrize(("form_id", "kind"), FORMS.items())
def test_each_form_is_the_one_its_engagement_kind_gets(
    catalog: Catalog, form_id: str, kind: str
) -> None:
    form = catalog.latest_form_for_kind(kind)
    assert form is not None
    assert (form.id, form.version) == (form_id, LATEST[form_id])


@pytest.mark.parametrize("form_id", FORMS)
def test_the_example_answers_are_complete_and_all_shown(catalog: Catalog, form_id: str) -> None:
    form = catalog.form(form_id, LATEST[form_id])
    answers = example(form_id)
    assert form.validate_answers(answers, complete=True) == {}
    assert form.visible_answers(answers) == answers  # nothing answered that is hidden


@pytest.mark.parametrize("form_id", FORMS)
def test_every_text_is_in_japanese_and_english(catalog: Catalog, form_id: str) -> None:
    form = catalog.form(form_id, LATEST[form_id])
    texts = [form.title] + [s.title for s in form.sections]
    for question in form.questions:
        texts += [question.label, *([question.help] if question.help else [])]
        texts += [c.label for c in question.choices]
        for column in question.columns:
            texts += [column.label, *[c.label for c in column.choices]]
        if question.unit:
            texts.append(question.unit)
    for text in texts:
        assert text.ja.strip() and text.en.strip()
        if text.ja not in ("%", "CSV", "JSON", "XML"):
            assert JAPANESE.search(text.ja), text.ja
        assert not JAPANESE.search(
            text.en.replace("法人番号", "")
            .replace("プライバシーマーク", "")
            .replace("指定管理者・管理代行者", "")
        ), text.en


@pytest.mark.parametrize("form_id", FORMS)
def test_evidence_uploads_are_optional_for_now(catalog: Catalog, form_id: str) -> None:
    for question in catalog.form(form_id, LATEST[form_id]).questions:
        if question.type == QuestionType.file:
            assert question.required is False, question.id


def test_shared_ids_mean_the_same_in_every_form(catalog: Catalog) -> None:
    """A policy check reads answers by id, whichever form they came from."""
    seen: dict[str, Question] = {}
    for form_id in FORMS:
        for question in catalog.form(form_id, LATEST[form_id]).questions:
            first = seen.setdefault(question.id, question)
            assert question.type == first.type, question.id
            assert question.unit == first.unit, question.id
            if first.choices:
                # Forms may offer more or fewer choices, but share the values they have in common.
                assert {c.value for c in question.choices} & {c.value for c in first.choices}


def test_the_cloud_form_covers_the_sixty_reference_items(catalog: Catalog) -> None:
    form = catalog.form("cloud-service", 2)
    refs = {question.ref for question in form.questions}
    expected = {
        f"Q-{section}{number:02d}"
        for section, count in {
            "A": 4,
            "B": 8,
            "C": 4,
            "D": 3,
            "E": 6,
            "F": 10,
            "G": 7,
            "H": 4,
            "I": 2,
            "J": 4,
            "K": 4,
            "L": 6,
        }.items()
        for number in range(1, count + 1)
    } - {"Q-G06", "Q-L04", "Q-L05", "Q-L06"}  # not in the reference; L05/L06 are in F04/J02–J04
    assert expected <= refs
    assert [s.id for s in form.sections] == list("ABCDEFGHIJKL")


def test_the_tos_form_follows_the_reference_routing(catalog: Catalog) -> None:
    form = catalog.form("tos-cloud", 1)
    assert [s.id for s in form.sections] == ["A", "B", "E", "K", "L"]
    section_b = next(s for s in form.sections if s.id == "B")
    assert all(question.required is False for question in section_b.questions)
    assert (
        form.validate_answers(
            {
                k: v
                for k, v in example("tos-cloud").items()
                if k not in {q.id for q in section_b.questions}
            },
            complete=True,
        )
        == {}
    )


# --- conditional questions ------------------------------------------------------------------------


CONDITIONAL = [
    ("cloud-service", "subcontractor_approval", "subcontracting_planned", True, False),
    ("cloud-service", "serious_incidents_summary", "serious_incidents_3y", True, False),
    ("cloud-service", "deletion_certificate_days", "deletion_certificate", True, False),
    ("cloud-service", "personal_data_measures_summary", "personal_data_handled", True, False),
    ("cloud-service", "my_number_controls", "my_number_handled", True, False),
    ("outsourcing", "remote_access_method", "remote_access", True, False),
    ("outsourcing", "change_management", "system_work", True, False),
    ("outsourcing", "patch_deadline_critical_days", "system_work", True, False),
    ("outsourcing", "isms_expiry", "isms_certified", True, False),
    ("tos-cloud", "tos_change_notice_days", "tos_change_notice", "advance_notice", "posted_only"),
]


@pytest.mark.parametrize(("form_id", "follow_up", "trigger", "shows", "hides"), CONDITIONAL)
def test_follow_up_is_shown_and_required_only_when_triggered(
    catalog: Catalog, form_id: str, follow_up: str, trigger: str, shows: Any, hides: Any
) -> None:
    form = catalog.form(form_id, LATEST[form_id])
    question = q(form, follow_up)
    assert question.is_visible({trigger: shows}) and question.is_required({trigger: shows})
    assert not question.is_visible({trigger: hides})
    assert not question.is_required({trigger: hides})
    assert not question.is_visible({})

    answers = {**example(form_id), trigger: shows}
    answers.pop(follow_up, None)
    assert form.validate_answers(answers, complete=True) == {f"answers.{follow_up}": "required"}
    answers[trigger] = hides
    assert form.validate_answers(answers, complete=True) == {}


@pytest.mark.parametrize(
    ("form_id", "file_question", "trigger", "shows"),
    [
        ("cloud-service", "soc2_report_file", "soc2_report", True),
        ("cloud-service", "vulnerability_report", "vulnerability_testing_frequency", "yearly"),
        ("outsourcing", "vulnerability_report", "system_work", True),
    ],
)
def test_evidence_is_asked_for_only_when_it_can_exist(
    catalog: Catalog, form_id: str, file_question: str, trigger: str, shows: Any
) -> None:
    question = q(catalog.form(form_id, LATEST[form_id]), file_question)
    assert question.is_visible({trigger: shows})
    assert not question.is_required({trigger: shows})
    assert not question.is_visible({})


def test_a_hidden_follow_up_answer_is_dropped_on_submit(catalog: Catalog) -> None:
    form = catalog.form("outsourcing", 2)
    answers = {**example("outsourcing"), "system_work": False}
    visible = form.visible_answers(answers)
    assert "change_management" not in visible
    assert "admin_mfa" not in visible
    assert visible["system_work"] is False


# --- strong examples pass the base profile -------------------------------------------------------


def engagement(kind: str, **overrides: Any) -> dict[str, Any]:
    return {
        "kind": kind,
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


@pytest.mark.parametrize(
    ("form_id", "facts"),
    [
        ("cloud-service", engagement("cloud")),
        ("outsourcing", engagement("outsourcing", subcontracting=False)),
    ],
)
def test_the_strong_examples_pass_every_applicable_requirement(
    catalog: Catalog, form_id: str, facts: dict[str, Any]
) -> None:
    profile = catalog.latest_profile("base")
    assert profile is not None
    findings = evaluate_profile(
        profile.requirements, facts, example(form_id), lookups=example_lookups()
    )
    outcomes = {f.requirement_id: f.outcome for f in findings}
    assert set(outcomes.values()) <= {Outcome.passed, Outcome.not_applicable}, outcomes
    assert Outcome.passed in outcomes.values()


def test_the_weak_cloud_example_is_complete_and_fails_two_requirements(catalog: Catalog) -> None:
    weak = json.loads((EXAMPLES / "cloud-service-answers-weak.json").read_text())["answers"]
    form = catalog.form("cloud-service", 2)
    assert form.validate_answers(weak, complete=True) == {}
    profile = catalog.latest_profile("base")
    assert profile is not None
    failed = {
        f.requirement_id
        for f in evaluate_profile(
            profile.requirements, engagement("cloud"), weak, lookups=example_lookups()
        )
        if f.outcome not in (Outcome.passed, Outcome.not_applicable)
    }
    assert failed == {"CLD2-SEL-10", "CLD2-BLD-01"}
