"""Turn what a browser posts for one section into typed answers, with errors per question. Pure.

HTML forms send strings; this is where "９９．９５" becomes 99.95, "2028/9/30" becomes
"2028-09-30", an unticked checkbox group becomes "no answer", and a repeating table's blank
rows are dropped. Every error is written for the vendor in Japanese and English and belongs to
one question, so the page can show it next to that question.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from service.catalog.forms import Question, QuestionType
from service.catalog.text import Text
from service.request_model import unsafe_character

NO_ANSWER = ""  # the value of the "no answer" radio and of an empty select


def answer_field(question_id: str) -> str:
    return f"a.{question_id}"


def remove_field(question_id: str) -> str:
    return f"remove.{question_id}"


def row_count_field(question_id: str) -> str:
    return f"r.{question_id}.count"


def cell_field(question_id: str, row: int, column_id: str) -> str:
    return f"r.{question_id}.{row}.{column_id}"


def row_delete_field(question_id: str, row: int) -> str:
    return f"r.{question_id}.{row}._delete"


MAX_ROW_SLOTS = 1000


@dataclass
class SectionInput:
    """The outcome of reading one section's post."""

    answers: dict[str, Any] = field(default_factory=dict)  # question id -> value, None = clear
    errors: dict[str, Text] = field(default_factory=dict)  # question id -> message
    detach: dict[str, list[str]] = field(default_factory=dict)  # file question -> evidence ids


Fields = dict[str, list[str]]


def _first(fields: Fields, name: str) -> str:
    values = fields.get(name)
    return values[0] if values else ""


def normalise(raw: str) -> str:
    """Full-width digits and letters to their plain forms; CRLF to LF; outer spaces dropped."""
    return unicodedata.normalize("NFKC", raw).replace("\r\n", "\n").replace("\r", "\n").strip()


def _text(ja: str, en: str) -> Text:
    return Text(ja=ja, en=en)


def _fmt(value: float) -> str:
    return f"{value:g}"


def parse_number(question: Question, raw: str) -> tuple[int | float | None, Text | None]:
    cleaned = normalise(raw).replace(",", "").replace(" ", "")
    if not cleaned:
        return None, None
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        return None, _text("数値で入力してください。", "Enter a number.")
    if not number.is_finite():
        return None, _text("数値で入力してください。", "Enter a number.")
    value: int | float = int(number) if number == number.to_integral_value() else float(number)
    if not math.isfinite(value):
        return None, _text("数値が大きすぎます。", "The number is too large.")
    low, high = question.min, question.max
    if (low is not None and value < low) or (high is not None and value > high):
        if low is not None and high is not None:
            return None, _text(
                f"{_fmt(low)} 以上 {_fmt(high)} 以下の数値を入力してください。",
                f"Enter a number from {_fmt(low)} to {_fmt(high)}.",
            )
        if low is not None:
            return None, _text(
                f"{_fmt(low)} 以上の数値を入力してください。",
                f"Enter a number of at least {_fmt(low)}.",
            )
        assert high is not None
        return None, _text(
            f"{_fmt(high)} 以下の数値を入力してください。",
            f"Enter a number of at most {_fmt(high)}.",
        )
    return value, None


_DATE = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?")


def parse_date(raw: str) -> tuple[str | None, Text | None]:
    cleaned = normalise(raw)
    if not cleaned:
        return None, None
    match = _DATE.fullmatch(cleaned)
    if match:
        try:
            year, month, day = (int(part) for part in match.groups())
            return date(year, month, day).isoformat(), None
        except ValueError:
            return None, _text("存在しない日付です。", "That date does not exist.")
    return None, _text(
        "日付は 2028-09-30 のように入力してください。", "Enter the date like 2028-09-30."
    )


def parse_text(question: Question, raw: str) -> tuple[str | None, Text | None]:
    # Checked before stripping: Python counts U+001C–U+001F and U+0085 as outer white space.
    found = unsafe_character(raw)
    cleaned = raw.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not cleaned:
        return None, None
    if found:  # the same rule as every API body (service/request_model.py)
        return None, _text(
            f"制御文字・書字方向制御文字（{found}）は入力できません。",
            f"Control and text-direction characters ({found}) are not accepted.",
        )
    if len(cleaned) > question.max_length:
        return None, _text(
            f"{question.max_length} 文字以内で入力してください（現在 {len(cleaned)} 文字）。",
            f"Use at most {question.max_length} characters (now {len(cleaned)}).",
        )
    return cleaned, None


def parse_yes_no(raw: str) -> tuple[bool | None, Text | None]:
    if raw == "yes":
        return True, None
    if raw == "no":
        return False, None
    if raw == NO_ANSWER:
        return None, None
    return None, _text("「はい」か「いいえ」を選んでください。", "Choose yes or no.")


def parse_choice(question: Question, raw: str) -> tuple[str | None, Text | None]:
    if raw == NO_ANSWER:
        return None, None
    if raw in {c.value for c in question.choices}:
        return raw, None
    return None, _text("選択肢の中から選んでください。", "Choose one of the options.")


def parse_scalar(question: Question, raw: str) -> tuple[Any, Text | None]:
    """One value of a yes_no, single_choice, number, date or text question (or table column)."""
    match question.type:
        case QuestionType.yes_no:
            return parse_yes_no(raw)
        case QuestionType.single_choice:
            return parse_choice(question, raw)
        case QuestionType.number:
            return parse_number(question, raw)
        case QuestionType.date:
            return parse_date(raw)
        case _:
            return parse_text(question, raw)


def parse_multi(question: Question, raws: list[str]) -> tuple[list[str] | None, Text | None]:
    allowed = [c.value for c in question.choices]
    if any(raw not in allowed for raw in raws):
        return None, _text("選択肢の中から選んでください。", "Choose from the options.")
    chosen = [value for value in allowed if value in set(raws)]  # the form's order, no repeats
    return (chosen or None), None


def _slots(question: Question, fields: Fields) -> int:
    try:
        return min(int(_first(fields, row_count_field(question.id)) or 0), MAX_ROW_SLOTS)
    except ValueError:
        return 0


def blank_row_slots(question: Question, fields: Fields) -> int:
    """How many of the posted rows were left entirely blank (and not marked for deletion)."""
    return sum(
        1
        for slot in range(_slots(question, fields))
        if not _first(fields, row_delete_field(question.id, slot))
        and not any(
            normalise(_first(fields, cell_field(question.id, slot, c.id))) for c in question.columns
        )
    )


def parse_rows(
    question: Question, fields: Fields
) -> tuple[list[dict[str, Any]] | None, Text | None]:
    slots = _slots(question, fields)
    rows: list[dict[str, Any]] = []
    problems_ja: list[str] = []
    problems_en: list[str] = []
    for slot in range(slots):
        if _first(fields, row_delete_field(question.id, slot)):
            continue
        raws = {c.id: _first(fields, cell_field(question.id, slot, c.id)) for c in question.columns}
        if not any(normalise(raw) for raw in raws.values()):
            continue  # a blank row: nothing to keep
        number = len(rows) + 1
        row: dict[str, Any] = {}
        for column in question.columns:
            value, error = parse_scalar(column, raws[column.id])
            if error is None and value is None and column.required is True:
                error = _text("入力してください。", "Required.")
            if error is not None:
                problems_ja.append(f"{number}行目の「{column.label.ja}」: {error.ja}")
                problems_en.append(f"Row {number}, {column.label.en}: {error.en}")
            elif value is not None:
                row[column.id] = value
        rows.append(row)
    if problems_ja:
        return None, _text(" ".join(problems_ja), " ".join(problems_en))
    if len(rows) > question.max_rows:
        return None, _text(
            f"行は {question.max_rows} 行までです。", f"At most {question.max_rows} rows."
        )
    if rows and len(rows) < question.min_rows:
        return None, _text(
            f"{question.min_rows} 行以上入力してください。",
            f"Enter at least {question.min_rows} rows.",
        )
    return (rows or None), None


def read_section(
    questions: list[Question], fields: Fields, *, current: dict[str, Any]
) -> SectionInput:
    """Answers for `questions` (those the page showed) from the posted `fields`."""
    result = SectionInput()
    for question in questions:
        value: Any = None
        error: Text | None = None
        match question.type:
            case QuestionType.multi_choice:
                value, error = parse_multi(question, fields.get(answer_field(question.id), []))
            case QuestionType.rows:
                value, error = parse_rows(question, fields)
            case QuestionType.file:
                attached = current.get(question.id) or []
                removed = [i for i in fields.get(remove_field(question.id), []) if i in attached]
                if removed:
                    result.detach[question.id] = removed
                continue  # new files arrive as uploads, not as field values
            case _:
                value, error = parse_scalar(question, _first(fields, answer_field(question.id)))
        if error is None and value is not None and (reason := question.check_value(value)):
            # A last guard: the form's own rule, should this reading have missed one.
            error = _text(
                f"入力内容を確認してください（{reason}）。", f"Check this answer ({reason})."
            )
        if error is not None:
            result.errors[question.id] = error
        else:
            result.answers[question.id] = value
    return result
