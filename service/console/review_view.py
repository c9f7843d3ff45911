"""The 審査 page's content: the form's questions by section, each with the vendor's answer and
files beside the verdicts it feeds. Pure: the page handler reads, this arranges."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from service.catalog.forms import Form, Question, Section
from service.checks.models import Outcome
from service.checks.schemas import SourceOut, VerdictOut
from service.evidence.models import Evidence
from service.portal.view import display_value

# What the reader looks for first: what fails, then what needs a person, then the rest.
PROBLEMS = (Outcome.failed, Outcome.needs_review)


@dataclass
class QuestionRow:
    question: Question
    answer: str
    files: list[Evidence] = field(default_factory=list)
    verdicts: list[VerdictOut] = field(default_factory=list)


@dataclass
class SectionRows:
    section: Section
    rows: list[QuestionRow]


@dataclass(frozen=True)
class ReviewContent:
    sections: list[SectionRows]
    # Verdicts that read no question of the form (engagement facts, registry look-ups only).
    other_verdicts: list[VerdictOut]
    counts: dict[str, int]


def source_label(source: SourceOut) -> str:
    """How a verdict's policy source reads on the page (one place: the catalog's document titles
    plug in here)."""
    return f"{source.document} {source.section}".strip()


def arrange(
    form: Form,
    answers: Mapping[str, Any],
    evidence: Iterable[Evidence],
    verdicts: list[VerdictOut],
    *,
    language: str,
    only_problems: bool,
) -> ReviewContent:
    counts = {outcome.value: 0 for outcome in Outcome}
    for verdict in verdicts:
        counts[verdict.effective_outcome.value] += 1
    files: dict[str, list[Evidence]] = {}
    for item in evidence:
        files.setdefault(item.question_id, []).append(item)
    question_ids = {q.id for q in form.questions}
    placed: dict[str, list[VerdictOut]] = {}
    others: list[VerdictOut] = []
    for verdict in verdicts:
        if only_problems and verdict.effective_outcome not in PROBLEMS:
            continue
        # A verdict shows beside the first question of the form it reads.
        read = [q.id for q in form.questions if q.id in verdict.inputs]
        if read:
            placed.setdefault(read[0], []).append(verdict)
        elif not question_ids.intersection(verdict.inputs):
            others.append(verdict)
    sections = []
    for section in form.sections:
        rows = [
            QuestionRow(
                question=q,
                answer=display_value(q, answers.get(q.id), language),
                files=files.get(q.id, []),
                verdicts=placed.get(q.id, []),
            )
            for q in section.questions
            if not only_problems or q.id in placed
        ]
        if rows:
            sections.append(SectionRows(section=section, rows=rows))
    return ReviewContent(sections=sections, other_verdicts=others, counts=counts)
