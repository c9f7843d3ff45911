"""Vendor answers checked against the shipped questionnaire: value types, required, visible_if."""

from __future__ import annotations

from typing import Any

import pytest

from service.catalog.forms import Form, Question, QuestionType
from service.catalog.loader import load_catalog
from tests.factories import good_answers


@pytest.fixture(scope="module")
def form() -> Form:
    return load_catalog().form("cloud-service", 2)


def q(form: Form, question_id: str) -> Question:
    return next(question for question in form.questions if question.id == question_id)


def test_the_shipped_form_uses_every_question_type(form: Form) -> None:
    assert {question.type for question in form.questions} == set(QuestionType)


def test_the_good_example_is_complete_and_valid(form: Form) -> None:
    assert form.validate_answers(good_answers(), complete=True) == {}


# --- one value, per type ------------------------------------------------------------------------


@pytest.mark.parametrize("value", [True, False])
def test_yes_no_accepts_booleans(form: Form, value: bool) -> None:
    assert q(form, "admin_mfa").check_value(value) is None


@pytest.mark.parametrize("value", [1, 0, "true", "yes", "はい", None, [True]])
def test_yes_no_refuses_anything_else(form: Form, value: Any) -> None:
    assert q(form, "admin_mfa").check_value(value) == "must be true or false"


@pytest.mark.parametrize("value", ["jp", "us", "eu", "other"])
def test_single_choice_accepts_each_choice(form: Form, value: str) -> None:
    assert q(form, "data_center_country").check_value(value) is None


@pytest.mark.parametrize("value", ["JP", "japan", "", ["jp"], True, 1, None])
def test_single_choice_refuses_other_values(form: Form, value: Any) -> None:
    reason = q(form, "data_center_country").check_value(value)
    assert reason is not None
    assert reason.startswith("must be one of")
    assert "'jp'" in reason


@pytest.mark.parametrize("value", [[], ["csv"], ["csv", "json", "xml"], ["none"]])
def test_multi_choice_accepts_lists_of_choices(form: Form, value: list[str]) -> None:
    assert q(form, "export_formats").check_value(value) is None


@pytest.mark.parametrize(
    "value",
    [
        ["csv", "csv"],  # duplicates
        ["csv", "json", "csv"],
        ["csv", "pdf"],  # unknown choice
        "csv",  # not a list
        ("csv",),
        [["csv"]],
        None,
    ],
)
def test_multi_choice_refuses_duplicates_unknowns_and_non_lists(form: Form, value: Any) -> None:
    reason = q(form, "export_formats").check_value(value)
    assert reason is not None
    assert reason.startswith("must be a list of distinct values")


@pytest.mark.parametrize("value", [0, 100, 99.95, 50])
def test_number_accepts_values_within_min_and_max(form: Form, value: float) -> None:
    assert q(form, "availability_pct").check_value(value) is None


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (-0.01, "must be at least 0"),
        (100.5, "must be at most 100"),
        (101, "must be at most 100"),
        (True, "must be a number"),  # bool is an int in Python, but not a number here
        (False, "must be a number"),
        ("99.9", "must be a number"),
        (None, "must be a number"),
        (float("nan"), "must be a finite number"),
        (float("inf"), "must be a finite number"),
        (float("-inf"), "must be a finite number"),
    ],
)
def test_number_refuses_out_of_range_bool_text_and_non_finite(
    form: Form, value: Any, reason: str
) -> None:
    assert q(form, "availability_pct").check_value(value) == reason


def test_number_bounds_are_those_of_the_question(form: Form) -> None:
    hours = q(form, "incident_first_report_hours")
    assert hours.check_value(720) is None
    assert hours.check_value(721) == "must be at most 720"
    assert hours.check_value(-1) == "must be at least 0"


@pytest.mark.parametrize("value", ["2026-02-28", "2028-02-29", "2030-12-31"])
def test_date_accepts_real_dates(form: Form, value: str) -> None:
    assert q(form, "isms_expiry").check_value(value) is None


@pytest.mark.parametrize(
    "value",
    [
        "2026-02-30",  # no such day
        "2027-02-29",  # not a leap year
        "2026-13-01",
        "2026-1-5",
        "2026/01/05",
        "20260105",
        "2026-01-05T00:00:00",
        " 2026-01-05",
        "２０２６-０１-０５",  # full-width digits
        "令和8年1月5日",
        20260105,
        None,
    ],
)
def test_date_refuses_other_forms_and_impossible_days(form: Form, value: Any) -> None:
    assert q(form, "isms_expiry").check_value(value) == "must be a date written YYYY-MM-DD"


def test_text_max_length_counts_characters(form: Form) -> None:
    legal_name = q(form, "legal_name")
    assert legal_name.max_length == 200
    assert legal_name.check_value("株" * 200) is None
    assert legal_name.check_value("株" * 201) == "must be at most 200 characters"
    assert legal_name.check_value("") is None
    assert legal_name.check_value(123) == "must be a string"


def test_text_without_max_length_takes_2000_characters() -> None:
    note = Question.model_validate(
        {"id": "note", "type": "text", "label": {"ja": "備考", "en": "Note"}}
    )
    assert note.check_value("あ" * 2000) is None
    assert note.check_value("あ" * 2001) == "must be at most 2000 characters"


# --- whole answer sets --------------------------------------------------------------------------


def test_validate_answers_reports_each_bad_field_and_unknown_questions(form: Form) -> None:
    answers = {
        **good_answers(),
        "admin_mfa": "yes",
        "export_formats": ["csv", "csv"],
        "isms_expiry": "2026-02-30",
        "favourite_colour": "blue",
    }
    errors = form.validate_answers(answers, complete=False)
    assert set(errors) == {
        "answers.admin_mfa",
        "answers.export_formats",
        "answers.isms_expiry",
        "answers.favourite_colour",
    }
    assert errors["answers.favourite_colour"] == "unknown question"


def test_a_draft_need_not_be_complete(form: Form) -> None:
    assert form.validate_answers({"legal_name": "株式会社テスト"}, complete=False) == {}


def test_complete_lists_every_missing_required_question(form: Form) -> None:
    errors = form.validate_answers({"legal_name": "株式会社テスト"}, complete=True)
    assert errors["answers.admin_mfa"] == "required"
    assert "answers.legal_name" not in errors
    # Optional, or hidden because nothing was answered that shows them.
    assert "answers.ismap_registration" not in errors
    assert "answers.isms_expiry" not in errors
    assert "answers.subcontractor_flowdown" not in errors
    assert set(errors) == {
        f"answers.{question.id}"
        for question in form.questions
        if question.required is True and question.visible_if is None and question.id != "legal_name"
    }


def test_empty_values_count_as_not_answered(form: Form) -> None:
    answers = {**good_answers(), "admin_mfa": None}
    assert form.validate_answers(answers, complete=False) == {}
    assert form.validate_answers(answers, complete=True) == {"answers.admin_mfa": "required"}


def test_isms_expiry_is_required_only_when_isms_certified_is_true(form: Form) -> None:
    expiry = q(form, "isms_expiry")
    assert expiry.is_required({"isms_certified": True})
    assert not expiry.is_required({"isms_certified": False})
    assert not expiry.is_required({})

    certified = {k: v for k, v in good_answers().items() if k != "isms_expiry"}
    assert certified["isms_certified"] is True
    assert form.validate_answers(certified, complete=True) == {"answers.isms_expiry": "required"}

    not_certified = {**certified, "isms_certified": False}
    assert form.validate_answers(not_certified, complete=True) == {}


def test_subcontractor_flowdown_is_hidden_when_no_subcontracting_is_planned(form: Form) -> None:
    flowdown = q(form, "subcontractor_flowdown")
    assert flowdown.is_visible({"subcontracting_planned": True})
    assert flowdown.is_required({"subcontracting_planned": True})
    assert not flowdown.is_visible({"subcontracting_planned": False})
    assert not flowdown.is_required({"subcontracting_planned": False})
    assert not flowdown.is_visible({})

    planned = {k: v for k, v in good_answers().items() if k != "subcontractor_flowdown"}
    assert form.validate_answers(planned, complete=True) == {
        "answers.subcontractor_flowdown": "required"
    }
    none_planned = {**planned, "subcontracting_planned": False}
    assert form.validate_answers(none_planned, complete=True) == {}


def test_visible_answers_drops_hidden_and_empty_answers(form: Form) -> None:
    answers = {
        **good_answers(),
        "subcontracting_planned": False,
        "subcontractor_flowdown": True,  # left over from an earlier draft
        "isms_certified": False,
        "isms_expiry": "2028-09-30",
        "ismap_registration": None,
    }
    visible = form.visible_answers(answers)
    assert "subcontractor_flowdown" not in visible
    assert "subcontractors" not in visible
    assert "subcontractor_approval" not in visible
    assert "isms_expiry" not in visible
    assert "ismap_registration" not in visible
    assert visible["subcontracting_planned"] is False
    assert visible["isms_certified"] is False
    expected = {
        k: v
        for k, v in answers.items()
        if k
        not in (
            "subcontractor_flowdown",
            "subcontractor_approval",
            "subcontractors",
            "isms_expiry",
            "ismap_registration",
        )
    }
    assert visible == expected
    # In form order, whatever order they came in.
    assert list(visible) == [q.id for q in form.questions if q.id in visible]


def test_visible_answers_keeps_shown_follow_up_answers(form: Form) -> None:
    answers = good_answers()
    assert form.visible_answers(answers) == answers
