"""Questionnaire forms (forms/*.yaml) and validation of vendor answers against them."""

from __future__ import annotations

import math
import re
from datetime import date
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from service.catalog.expressions import Expression, compile_expression
from service.catalog.text import Text

_ID = r"^[a-z][a-z0-9_]*$"


class QuestionType(StrEnum):
    yes_no = "yes_no"
    single_choice = "single_choice"
    multi_choice = "multi_choice"
    number = "number"
    date = "date"
    text = "text"
    file = "file"  # evidence uploads; the answer is the list of evidence ids
    rows = "rows"  # a repeating table, e.g. subcontractors: name, country, role


# Engagement kinds a form can be given to (service.engagements.models.EngagementKind).
ENGAGEMENT_KINDS = frozenset({"outsourcing", "cloud", "tos_cloud"})
# A form kept for reference only (e.g. an imported third-party questionnaire): never given
# to an engagement.
REFERENCE_ONLY = "reference_only"

EVIDENCE_KINDS = ("pdf", "png", "jpeg", "xlsx", "docx")
_EVIDENCE_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_COLUMN_TYPES = frozenset(
    {
        QuestionType.yes_no,
        QuestionType.single_choice,
        QuestionType.number,
        QuestionType.date,
        QuestionType.text,
    }
)


class Choice(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    value: str = Field(pattern=r"^[a-z0-9_]+$")
    label: Text


class Question(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=_ID, max_length=64)
    ref: str | None = None
    type: QuestionType
    label: Text
    help: Text | None = None
    required: bool | str = True
    visible_if: str | None = None
    choices: list[Choice] = Field(default_factory=list)
    unit: Text | None = None
    min: float | None = None
    max: float | None = None
    max_length: int = Field(default=2000, ge=1, le=100_000)
    accept: list[str] = Field(default_factory=lambda: list(EVIDENCE_KINDS))  # file only
    max_files: int = Field(default=5, ge=1, le=50)  # file only
    columns: list[Question] = Field(default_factory=list)  # rows only
    min_rows: int = Field(default=0, ge=0)  # rows only
    max_rows: int = Field(default=100, ge=1, le=1000)  # rows only

    _required_expr: Expression | None = PrivateAttr(default=None)
    _visible_expr: Expression | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _shape_fits_type(self) -> Question:
        has_choices = self.type in (QuestionType.single_choice, QuestionType.multi_choice)
        if has_choices and not self.choices:
            raise ValueError(f"question '{self.id}': {self.type.value} needs choices")
        if not has_choices and self.choices:
            raise ValueError(f"question '{self.id}': only choice questions take choices")
        values = [c.value for c in self.choices]
        repeated = sorted({v for v in values if values.count(v) > 1})
        if repeated:
            raise ValueError(f"question '{self.id}': duplicate choice value(s) {repeated}")
        if self.type != QuestionType.number and (
            self.min is not None or self.max is not None or self.unit is not None
        ):
            raise ValueError(f"question '{self.id}': min, max and unit are for numbers only")
        unknown_kinds = sorted(set(self.accept) - set(EVIDENCE_KINDS))
        if unknown_kinds:
            raise ValueError(f"question '{self.id}': unknown file kind(s) {unknown_kinds}")
        if self.type == QuestionType.rows:
            if not self.columns:
                raise ValueError(f"question '{self.id}': rows needs columns")
            if self.min_rows > self.max_rows:
                raise ValueError(f"question '{self.id}': min_rows is over max_rows")
            ids = [c.id for c in self.columns]
            if len(ids) != len(set(ids)):
                raise ValueError(f"question '{self.id}': duplicate column id")
            for column in self.columns:
                if column.type not in _COLUMN_TYPES:
                    raise ValueError(
                        f"question '{self.id}': column '{column.id}' cannot be {column.type.value}"
                    )
                if not isinstance(column.required, bool) or column.visible_if:
                    raise ValueError(
                        f"question '{self.id}': column '{column.id}' takes no conditions"
                    )
        elif self.columns:
            raise ValueError(f"question '{self.id}': only rows questions take columns")
        return self

    def is_visible(self, answers: dict[str, Any]) -> bool:
        return self._visible_expr is None or _truthy(self._visible_expr, answers)

    def is_required(self, answers: dict[str, Any]) -> bool:
        if not self.is_visible(answers):
            return False
        if self._required_expr is not None:
            return _truthy(self._required_expr, answers)
        return bool(self.required)

    def check_value(self, value: Any) -> str | None:
        """None when `value` fits this question, else the reason it does not."""
        match self.type:
            case QuestionType.yes_no:
                return None if isinstance(value, bool) else "must be true or false"
            case QuestionType.single_choice:
                allowed = [c.value for c in self.choices]
                return None if value in allowed else f"must be one of {allowed}"
            case QuestionType.multi_choice:
                allowed = [c.value for c in self.choices]
                ok = isinstance(value, list) and all(v in allowed for v in value)
                if ok and len(set(value)) == len(value):
                    return None
                return f"must be a list of distinct values from {allowed}"
            case QuestionType.number:
                if isinstance(value, bool) or not isinstance(value, int | float):
                    return "must be a number"
                if not math.isfinite(value):  # JSON parsers here accept NaN and Infinity
                    return "must be a finite number"
                if self.min is not None and value < self.min:
                    return f"must be at least {self.min:g}"
                if self.max is not None and value > self.max:
                    return f"must be at most {self.max:g}"
                return None
            case QuestionType.date:
                if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                    try:
                        date.fromisoformat(value)
                        return None
                    except ValueError:
                        pass
                return "must be a date written YYYY-MM-DD"
            case QuestionType.text:
                if not isinstance(value, str):
                    return "must be a string"
                if len(value) > self.max_length:
                    return f"must be at most {self.max_length} characters"
                return None
            case QuestionType.file:
                ok = isinstance(value, list) and all(
                    isinstance(v, str) and _EVIDENCE_ID.match(v) for v in value
                )
                if not ok or len(set(value)) != len(value):
                    return "must be a list of distinct evidence ids"
                if len(value) > self.max_files:
                    return f"must hold at most {self.max_files} files"
                return None
            case QuestionType.rows:
                return self._check_rows(value)

    def _check_rows(self, value: Any) -> str | None:
        if not isinstance(value, list) or not all(isinstance(row, dict) for row in value):
            return "must be a list of rows (objects keyed by column id)"
        if not self.min_rows <= len(value) <= self.max_rows:
            return f"must have {self.min_rows} to {self.max_rows} rows"
        columns = {c.id: c for c in self.columns}
        for number, row in enumerate(value, start=1):
            for key, cell in row.items():
                column = columns.get(key)
                if column is None:
                    return f"row {number}: unknown column '{key}'"
                if cell is not None and (reason := column.check_value(cell)):
                    return f"row {number}, {key}: {reason}"
            for column in self.columns:
                if column.required is True and row.get(column.id) is None:
                    return f"row {number}, {column.id}: required"
        return None


def _refuse_later_references(
    question_id: str, key: str, expression: Expression, earlier: frozenset[str]
) -> None:
    """Conditions read only questions asked before: a form is answered top to bottom, and this
    also rules out cycles (a question whose visibility depends, however indirectly, on itself)."""
    if question_id in expression.answer_refs:
        raise ValueError(
            f"question '{question_id}': {key}: refers to itself (a cycle) in {expression.source!r}"
        )
    later = sorted(expression.answer_refs - earlier)
    if later:
        raise ValueError(
            f"question '{question_id}': {key}: refers to question(s) {later} asked later in the "
            f"form (a forward reference; conditions may only read earlier questions) "
            f"in {expression.source!r}"
        )


def _truthy(expression: Expression, answers: dict[str, Any]) -> bool:
    try:
        return expression.evaluate({"answers": answers}) is True
    except (KeyError, TypeError, RuntimeError, ValueError):
        # A condition over an unanswered question is simply not met yet.
        return False


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[A-Z][A-Z0-9]*$")
    title: Text
    questions: list[Question] = Field(min_length=1)


class Form(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    version: int = Field(ge=1)
    title: Text
    engagement_kinds: list[str] = Field(min_length=1)
    sections: list[Section] = Field(min_length=1)

    @property
    def questions(self) -> list[Question]:
        return [q for s in self.sections for q in s.questions]

    @model_validator(mode="after")
    def _check_kinds(self) -> Form:
        unknown = sorted(set(self.engagement_kinds) - ENGAGEMENT_KINDS - {REFERENCE_ONLY})
        if unknown:
            raise ValueError(
                f"engagement_kinds: unknown kind(s) {unknown}; use "
                f"{sorted(ENGAGEMENT_KINDS)} or '{REFERENCE_ONLY}' alone"
            )
        if REFERENCE_ONLY in self.engagement_kinds and len(self.engagement_kinds) > 1:
            raise ValueError(f"engagement_kinds: '{REFERENCE_ONLY}' cannot be combined")
        return self

    @model_validator(mode="after")
    def _compile(self) -> Form:
        all_ids: set[str] = set()
        for question in self.questions:
            if question.id in all_ids:
                raise ValueError(f"question '{question.id}': duplicate id")
            all_ids.add(question.id)
        known = frozenset(all_ids)
        earlier: set[str] = set()
        for question in self.questions:
            for key, source in (
                ("visible_if", question.visible_if),
                ("required", question.required),
            ):
                if not isinstance(source, str) or not source:
                    continue
                try:
                    expression = compile_expression(
                        source, roots=frozenset({"answers"}), known_answers=known
                    )
                except ValueError as exc:
                    raise ValueError(f"question '{question.id}': {key}: {exc}") from None
                _refuse_later_references(question.id, key, expression, frozenset(earlier))
                if key == "visible_if":
                    question._visible_expr = expression
                else:
                    question._required_expr = expression
            earlier.add(question.id)
        return self

    def validate_answers(self, answers: dict[str, Any], *, complete: bool) -> dict[str, str]:
        """Field errors for `answers`; with `complete`, required visible questions must be there."""
        by_id = {q.id: q for q in self.questions}
        errors: dict[str, str] = {}
        for key, value in answers.items():
            question = by_id.get(key)
            if question is None:
                errors[f"answers.{key}"] = "unknown question"
            elif value is not None and (reason := question.check_value(value)):
                errors[f"answers.{key}"] = reason
        if complete and not errors:
            given = {k: v for k, v in answers.items() if v is not None}
            for question in self.questions:
                if question.is_required(given) and question.id not in given:
                    errors[f"answers.{question.id}"] = "required"
        return errors

    def visible_answers(self, answers: dict[str, Any]) -> dict[str, Any]:
        """Drop answers to questions that the other answers hide (and empty ones)."""
        given = {k: v for k, v in answers.items() if v is not None}
        return {q.id: given[q.id] for q in self.questions if q.id in given and q.is_visible(given)}


Question.model_rebuild()
