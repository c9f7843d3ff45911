"""Reading posted strings into typed answers, with the vendor's own way of writing them. Pure."""

from __future__ import annotations

from typing import Any

import pytest

from service.catalog.forms import Form, Question
from service.catalog.loader import current_catalog
from service.portal.answer_input import (
    blank_row_slots,
    parse_date,
    parse_number,
    parse_text,
    read_section,
)


@pytest.fixture(scope="module")
def form() -> Form:
    return current_catalog().form("cloud-service", 1)


def q(form: Form, question_id: str) -> Question:
    return next(question for question in form.questions if question.id == question_id)


@pytest.mark.parametrize(
    ("raw", "value"),
    [("99.95", 99.95), ("９９．９５", 99.95), (" 100 ", 100), ("0", 0), ("1,00", 100), ("", None)],
)
def test_numbers(form: Form, raw: str, value: Any) -> None:
    parsed, error = parse_number(q(form, "availability_pct"), raw)
    assert error is None
    assert parsed == value
    assert type(parsed) is type(value)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("high", "数値で入力してください。"),
        ("NaN", "数値で入力してください。"),
        ("Infinity", "数値で入力してください。"),
        ("100.01", "0 以上 100 以下の数値を入力してください。"),
        ("-1", "0 以上 100 以下の数値を入力してください。"),
    ],
)
def test_numbers_refused(form: Form, raw: str, message: str) -> None:
    parsed, error = parse_number(q(form, "availability_pct"), raw)
    assert parsed is None
    assert error is not None and error.ja == message and error.en


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("2028-09-30", "2028-09-30"),
        ("2028/9/30", "2028-09-30"),
        ("２０２８年９月３０日", "2028-09-30"),
        ("2028.9.3", "2028-09-03"),
        ("", None),
    ],
)
def test_dates(raw: str, value: str | None) -> None:
    assert parse_date(raw) == (value, None)


@pytest.mark.parametrize("raw", ["2028-02-30", "30/09/2028", "来年"])
def test_dates_refused(raw: str) -> None:
    parsed, error = parse_date(raw)
    assert parsed is None and error is not None


def test_text_keeps_the_vendors_words_and_counts_line_breaks_once(form: Form) -> None:
    question = q(form, "legal_name")  # at most 200 characters
    assert parse_text(question, "  株式会社\r\nみなと  ") == ("株式会社\nみなと", None)
    assert parse_text(question, "   ") == (None, None)
    assert parse_text(question, "あ" * 200)[1] is None
    too_long = parse_text(question, "あ" * 201)[1]
    assert too_long is not None and "現在 201 文字" in too_long.ja


def test_a_section_reads_each_type_and_clears_what_was_emptied(form: Form) -> None:
    section = [q(form, i) for i in ("isms_certified", "isms_expiry", "isms_certificate")]
    fields = {
        "a.isms_certified": ["yes"],
        "a.isms_expiry": [""],
        "remove.isms_certificate": ["00000000-0000-4000-8000-000000000001", "not-attached"],
    }
    current = {"isms_certificate": ["00000000-0000-4000-8000-000000000001"]}
    result = read_section(section, fields, current=current)
    assert result.answers == {"isms_certified": True, "isms_expiry": None}
    assert result.detach == {"isms_certificate": ["00000000-0000-4000-8000-000000000001"]}
    assert result.errors == {}


def test_rows_skip_blank_and_deleted_rows(form: Form) -> None:
    question = q(form, "subcontractors")
    fields = {
        "r.subcontractors.count": ["4"],
        "r.subcontractors.0.name": ["株式会社A"],
        "r.subcontractors.0.country": ["jp"],
        "r.subcontractors.0.role": ["運用"],
        "r.subcontractors.1.name": [""],  # blank
        "r.subcontractors.2.name": ["株式会社B"],
        "r.subcontractors.2._delete": ["1"],
        "r.subcontractors.3.name": ["株式会社Ｃ"],
        "r.subcontractors.3.country": ["us"],
        "r.subcontractors.3.role": ["保守"],
    }
    result = read_section([question], fields, current={})
    assert result.errors == {}
    assert result.answers["subcontractors"] == [
        {"name": "株式会社A", "country": "jp", "role": "運用"},
        {"name": "株式会社Ｃ", "country": "us", "role": "保守"},
    ]
    assert blank_row_slots(question, fields) == 1
    empty = read_section([question], {"r.subcontractors.count": ["1"]}, current={})
    assert empty.answers == {"subcontractors": None}


def test_unknown_choices_are_errors_not_answers(form: Form) -> None:
    questions = [q(form, "export_formats"), q(form, "training_frequency"), q(form, "admin_mfa")]
    fields = {
        "a.export_formats": ["csv", "exe"],
        "a.training_frequency": ["never"],
        "a.admin_mfa": ["true"],
    }
    result = read_section(questions, fields, current={})
    assert set(result.errors) == {"export_formats", "training_frequency", "admin_mfa"}
    assert result.answers == {}
