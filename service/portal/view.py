"""What a portal page shows: progress, the questions asked now, and their values. Pure.

Visibility is re-evaluated from the saved answers on every page, so a question hidden by an
earlier answer is neither shown nor counted, and one that an answer brings up appears after
the save that gave that answer (no JavaScript needed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from service.catalog.forms import Form, Question, QuestionType, Section
from service.catalog.text import Text
from service.evidence.inspect import PICKER_HINTS, EvidenceKind
from service.portal.answer_input import (
    NO_ANSWER,
    answer_field,
    cell_field,
    row_count_field,
    row_delete_field,
)

RADIO_LIMIT = 7  # more choices than this become a drop-down list


def is_answered(value: Any) -> bool:
    return value is not None and value != [] and value != ""


def given(answers: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in answers.items() if is_answered(v)}


def visible_questions(section: Section, answers: dict[str, Any]) -> list[Question]:
    present = given(answers)
    return [q for q in section.questions if q.is_visible(present)]


@dataclass(frozen=True)
class Progress:
    answered: int
    total: int
    missing_required: int

    @property
    def complete(self) -> bool:
        return self.missing_required == 0


def section_progress(section: Section, answers: dict[str, Any]) -> Progress:
    """Answered of what is asked now: the required questions shown, and the optional ones once
    answered (so a complete submission reads as full, whatever optional questions were left)."""
    present = given(answers)
    shown = visible_questions(section, answers)
    answered = sum(1 for q in shown if q.id in present)
    missing = sum(1 for q in shown if q.is_required(present) and q.id not in present)
    return Progress(answered=answered, total=answered + missing, missing_required=missing)


def form_progress(form: Form, answers: dict[str, Any]) -> Progress:
    parts = [section_progress(s, answers) for s in form.sections]
    return Progress(
        answered=sum(p.answered for p in parts),
        total=sum(p.total for p in parts),
        missing_required=sum(p.missing_required for p in parts),
    )


def missing_required(form: Form, answers: dict[str, Any]) -> list[tuple[Section, Question]]:
    present = given(answers)
    return [
        (section, q)
        for section in form.sections
        for q in visible_questions(section, answers)
        if q.is_required(present) and q.id not in present
    ]


def next_section(form: Form, section: Section) -> Section | None:
    index = form.sections.index(section)
    return form.sections[index + 1] if index + 1 < len(form.sections) else None


def previous_section(form: Form, section: Section) -> Section | None:
    index = form.sections.index(section)
    return form.sections[index - 1] if index > 0 else None


# --- one question, ready for the template ----------------------------------------------------


@dataclass(frozen=True)
class Option:
    value: str
    label: Text
    checked: bool


@dataclass(frozen=True)
class AttachedFile:
    id: str
    name: str
    size: int
    sha256: str


@dataclass
class Cell:
    column: Question
    name: str
    input_id: str
    value: str
    options: list[Option] = field(default_factory=list)


@dataclass
class Row:
    number: int
    slot: int
    delete_name: str
    cells: list[Cell]


@dataclass
class QuestionView:
    question: Question
    required: bool
    error: Text | None
    clarify: bool
    widget: str  # radio | checkbox | select | input | textarea | date | number | file | rows
    name: str
    value: str = ""
    options: list[Option] = field(default_factory=list)
    files: list[AttachedFile] = field(default_factory=list)
    accept: str = ""
    rows: list[Row] = field(default_factory=list)
    row_count_name: str = ""
    row_slots: int = 0

    @property
    def id(self) -> str:
        return self.question.id

    @property
    def first_input_id(self) -> str:
        """Where the error summary's link for this question puts the focus."""
        if self.widget in ("radio", "checkbox"):
            return f"f-{self.id}-1"
        if self.widget == "rows" and self.rows:
            return self.rows[0].cells[0].input_id
        return f"f-{self.id}"

    @property
    def described_by(self) -> str:
        ids = []
        if self.question.help is not None:
            ids.append(f"h-{self.id}")
        if self.clarify:
            ids.append(f"c-{self.id}")
        if self.error is not None:
            ids.append(f"e-{self.id}")
        return " ".join(ids)


Posted = dict[str, list[str]]


def _raw(posted: Posted | None, name: str) -> str | None:
    if posted is None:
        return None
    values = posted.get(name)
    return values[0] if values else ""


def scalar_text(question: Question, value: Any) -> str:
    """A saved value as it goes back into an input."""
    if value is None:
        return ""
    if question.type == QuestionType.yes_no:
        return "yes" if value else "no"
    if question.type == QuestionType.number and isinstance(value, float):
        return f"{value:g}" if abs(value) < 1e15 else str(value)
    return str(value)


def _choice_options(question: Question, chosen: set[str], *, allow_none: bool) -> list[Option]:
    if question.type == QuestionType.yes_no:
        options = [
            Option("yes", Text(ja="はい", en="Yes"), "yes" in chosen),
            Option("no", Text(ja="いいえ", en="No"), "no" in chosen),
        ]
    else:
        options = [Option(c.value, c.label, c.value in chosen) for c in question.choices]
    if allow_none:
        none_label = Text(ja="未回答にする", en="No answer")
        options.append(Option(NO_ANSWER, none_label, not chosen))
    return options


def _widget(question: Question) -> str:
    match question.type:
        case QuestionType.yes_no:
            return "radio"
        case QuestionType.single_choice:
            return "radio" if len(question.choices) <= RADIO_LIMIT else "select"
        case QuestionType.multi_choice:
            return "checkbox"
        case QuestionType.number:
            return "number"
        case QuestionType.date:
            return "date"
        case QuestionType.text:
            return "textarea" if question.max_length > 200 else "input"
        case QuestionType.file:
            return "file"
        case QuestionType.rows:
            return "rows"


def question_view(
    question: Question,
    *,
    answers: dict[str, Any],
    posted: Posted | None,
    error: Text | None,
    clarify: bool,
    files: list[AttachedFile],
    extra_rows: int = 0,
) -> QuestionView:
    present = given(answers)
    required = question.is_required(present)
    saved = answers.get(question.id)
    view = QuestionView(
        question=question,
        required=required,
        error=error,
        clarify=clarify,
        widget=_widget(question),
        name=answer_field(question.id),
    )
    match view.widget:
        case "radio" | "select":
            raw = _raw(posted, view.name)
            current = raw if raw is not None else scalar_text(question, saved)
            chosen = {current} if current else set()
            view.options = _choice_options(
                question, chosen, allow_none=not required and view.widget == "radio"
            )
        case "checkbox":
            if posted is not None:
                chosen = set(posted.get(view.name, []))
            else:
                chosen = set(saved) if isinstance(saved, list) else set()
            view.options = _choice_options(question, chosen, allow_none=False)
        case "file":
            view.name = f"file.{question.id}"
            view.files = files
            view.accept = ",".join(PICKER_HINTS[EvidenceKind(k)] for k in question.accept)
        case "rows":
            _fill_rows(view, saved, posted, extra_rows)
        case _:
            raw = _raw(posted, view.name)
            view.value = raw if raw is not None else scalar_text(question, saved)
    return view


def _fill_rows(view: QuestionView, saved: Any, posted: Posted | None, extra_rows: int) -> None:
    question = view.question
    view.row_count_name = row_count_field(question.id)
    if posted is not None:
        try:
            slots = int(_raw(posted, view.row_count_name) or 0)
        except ValueError:
            slots = 0
        values = [
            {
                c.id: _raw(posted, cell_field(question.id, slot, c.id)) or ""
                for c in question.columns
            }
            for slot in range(min(slots, question.max_rows + 1))
        ]
    else:
        saved_rows = saved if isinstance(saved, list) else []
        values = [
            {c.id: scalar_text(c, row.get(c.id)) for c in question.columns} for row in saved_rows
        ]
        # One blank row to add to, more when "add row" was pressed, and at least min_rows.
        blanks = max(1 + extra_rows, question.min_rows - len(values))
        values += [{c.id: "" for c in question.columns}] * max(
            0, min(blanks, question.max_rows - len(values))
        )
    for slot, row_values in enumerate(values):
        cells = []
        for column in question.columns:
            name = cell_field(question.id, slot, column.id)
            cell = Cell(
                column=column,
                name=name,
                input_id=f"f-{question.id}-{slot + 1}-{column.id}",
                value=row_values[column.id],
            )
            if column.type in (QuestionType.single_choice, QuestionType.yes_no):
                chosen = {cell.value} if cell.value else set()
                cell.options = _choice_options(column, chosen, allow_none=False)
            cells.append(cell)
        view.rows.append(
            Row(
                number=slot + 1,
                slot=slot,
                delete_name=row_delete_field(question.id, slot),
                cells=cells,
            )
        )
    view.row_slots = len(values)


# --- answers as read back on the confirmation and the receipt --------------------------------


def display_value(question: Question, value: Any, language: str) -> str:
    def label(text: Text) -> str:
        return text.ja if language == "ja" else text.en

    if not is_answered(value):
        return ""
    match question.type:
        case QuestionType.yes_no:
            return label(Text(ja="はい", en="Yes") if value else Text(ja="いいえ", en="No"))
        case QuestionType.single_choice:
            return next((label(c.label) for c in question.choices if c.value == value), str(value))
        case QuestionType.multi_choice:
            labels = [label(c.label) for c in question.choices if c.value in value]
            return "、".join(labels) if language == "ja" else ", ".join(labels)
        case QuestionType.number:
            unit = label(question.unit) if question.unit else ""
            return f"{scalar_text(question, value)} {unit}".strip()
        case QuestionType.date:
            year, month, day = (int(part) for part in str(value).split("-"))
            if language == "ja":
                return f"{year}年{month}月{day}日"
            return f"{year}-{month:02d}-{day:02d}"
        case _:
            return str(value)
