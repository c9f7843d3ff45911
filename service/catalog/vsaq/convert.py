"""Turn a parsed VSAQ questionnaire into our form (forms/ format) and policy profile (policies/).

Questions: radiogroup → single_choice (the radio ids are the choice values), checkgroup →
multi_choice, line/box → text, yesno and a lone check → yes_no, upload → file, and a tip with a
`why` text area → an optional text question (the vendor's explanation). Blocks become sections
(one per run of questions directly inside the same block); their conditions fold into each
question's `visible_if`. Findings (tips with `"warn": "yes"`) become requirements whose check is
the negation of "the tip is shown", so the requirement fails exactly when VSAQ raises the finding.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from service.catalog.forms import REFERENCE_ONLY
from service.catalog.vsaq.conditions import conjunction, parse, to_cel
from service.catalog.vsaq.plaintext import plain_text
from service.catalog.vsaq.source import Item, Questionnaire, VsaqError

_ID_MAX = 64
QUESTION_TYPES = {
    "radiogroup": "single_choice",
    "checkgroup": "multi_choice",
    "line": "text",
    "box": "text",
    "yesno": "yes_no",
    "check": "yes_no",
    "upload": "file",
    "tip": "text",
}
# VSAQ severities → ours. Critical findings block approval; high ones allow approval with a
# condition; medium (and unrated) ones ask the vendor to explain.
SEVERITY = {
    "critical": ("must", "reject"),
    "high": ("must", "condition"),
    "medium": ("should", "clarify"),
    "": ("should", "clarify"),
}


def sanitize_id(raw: str) -> str:
    """A VSAQ id as one of ours (^[a-z][a-z0-9_]*$, at most 64 characters)."""
    cleaned = re.sub(r"[^a-z0-9_]", "_", raw.lower())
    if not re.match(r"^[a-z]", cleaned):
        cleaned = f"q_{cleaned}"
    if len(cleaned) > _ID_MAX:
        digest = hashlib.sha1(raw.encode(), usedforsecurity=False).hexdigest()[:8]
        cleaned = f"{cleaned[: _ID_MAX - 9]}_{digest}"
    return cleaned


def _both(text: str) -> dict[str, str]:
    # VSAQ is published in English only: the Japanese field carries the original until translated.
    return {"ja": text, "en": text}


def _quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


@dataclass
class Conversion:
    form: dict[str, Any]
    profile: dict[str, Any]
    renamed: dict[str, str]  # our id → what it stands for in VSAQ
    not_carried: list[str]  # VSAQ items with neither a question nor a finding
    question_count: int = 0
    finding_count: int = 0
    severities: dict[str, str] = field(default_factory=dict)


class Converter:
    def __init__(self, questionnaire: Questionnaire, form_id: str, source_name: str) -> None:
        self.q = questionnaire
        self.form_id = form_id
        self.source_name = source_name
        self.question_ids: dict[int, str] = {}
        self.choice_values: dict[int, str] = {}
        self.renamed: dict[str, str] = {}
        self._memo: dict[tuple[str, int], str] = {}
        self._busy: set[tuple[str, int]] = set()
        self._assign_ids()

    # --- ids ---------------------------------------------------------------------------------

    def _assign_ids(self) -> None:
        taken = {sanitize_id(i) for i in self.q.by_id}
        used: set[str] = set()
        for item in self.q.walk():
            if not self._is_question(item):
                continue
            if item.id is not None:
                ours = sanitize_id(item.id)
                if ours != item.id:
                    self.renamed[ours] = item.id
            else:
                ours = self._group_id(item, taken | used)
                choices = ", ".join(c.id or "" for c in item.children)
                self.renamed[ours] = f"{item.type} without an id (choices: {choices})"
            if ours in used:
                raise VsaqError(f"{item.describe()}: id '{ours}' is used twice once converted")
            used.add(ours)
            self.question_ids[id(item)] = ours
            for choice in item.children:
                assert choice.id is not None
                value = sanitize_id(choice.id)
                if value != choice.id:
                    self.renamed[value] = choice.id
                self.choice_values[id(choice)] = value

    @staticmethod
    def _group_id(group: Item, taken: set[str]) -> str:
        """A stable id for a group VSAQ left unnamed: the common stem of its choice ids."""
        split = [sanitize_id(c.id or "").split("_") for c in group.children]
        stem: list[str] = []
        for parts in zip(*split, strict=False):
            if len(set(parts)) != 1:
                break
            stem.append(parts[0])
        base = sanitize_id("_".join(stem) or "choice")
        candidate = base if base not in taken else f"{base}_group"
        number = 2
        while candidate in taken:
            candidate = f"{base}_group_{number}"
            number += 1
        return candidate

    @staticmethod
    def _is_question(item: Item) -> bool:
        if item.type == "tip":
            return bool(item.clarification)
        if item.type in ("radio",):
            return False
        if item.type == "check":
            return item.parent is None or not item.parent.is_group
        return item.type in QUESTION_TYPES

    def qid(self, item: Item) -> str:
        return self.question_ids[id(item)]

    # --- VSAQ meaning in CEL ----------------------------------------------------------------

    def _memoized(self, kind: str, item: Item, build: Callable[[], str]) -> str:
        key = (kind, id(item))
        if key in self._memo:
            return self._memo[key]
        if key in self._busy:
            raise VsaqError(f"{item.describe()}: its condition depends on itself (a cycle)")
        self._busy.add(key)
        try:
            result = build()
        finally:
            self._busy.discard(key)
        self._memo[key] = result
        return result

    def condition(self, item: Item) -> str:
        """The item's own `cond`, in CEL."""

        def build() -> str:
            try:
                return to_cel(parse(item.cond), self.resolve)
            except VsaqError as exc:
                raise VsaqError(f"{item.describe()}: {exc}") from None

        return self._memoized("cond", item, build)

    def visible(self, item: Item) -> str:
        """Whether VSAQ shows the item: its condition and every enclosing container's."""

        def build() -> str:
            parent = self.visible(item.parent) if item.parent is not None else "true"
            return conjunction(parent, self.condition(item))

        return self._memoized("visible", item, build)

    def resolve(self, token: str) -> str:
        if token == "false":  # noqa: S105 - VSAQ's literal, not a secret
            return "false"
        ref_id = re.sub(r"(/yes|/no|/value)$", "", token.removeprefix("^"))
        item = self.q.by_id.get(ref_id)
        if item is None:
            raise VsaqError(f"unknown reference '{ref_id}'")
        if item.is_value_item and "/value" in token:
            return self._value_is_set(item)
        if token.startswith("^"):
            return self.visible(item)
        parent = self.condition(item.parent) if item.parent is not None else "true"
        if item.is_value_item:
            held = self._checked(item, token)
        elif item.is_group:
            held = self._any_selected(item)
        else:
            raise VsaqError(f"'{token}' names a {item.type}, which holds no answer")
        return conjunction(parent, self.condition(item), held)

    def _selected(self, choice: Item) -> str:
        assert choice.parent is not None
        question = self.qid(choice.parent)
        value = _quote(self.choice_values[id(choice)])
        if choice.type == "radio":
            return f"(has(answers.{question}) && answers.{question} == {value})"
        return f"(has(answers.{question}) && {value} in answers.{question})"

    def _checked(self, item: Item, token: str) -> str:
        if item.type in ("radio", "check") and id(item) in self.choice_values:
            return self._selected(item)
        if item.type == "check":  # a lone checkbox
            return f"(has(answers.{self.qid(item)}) && answers.{self.qid(item)} == true)"
        if item.type == "yesno":
            wanted = token[token.rfind("/") + 1 :]
            if wanted not in ("yes", "no"):
                return "false"  # VSAQ compares the answer with the whole name: never equal
            answer = "true" if wanted == "yes" else "false"
            return f"(has(answers.{self.qid(item)}) && answers.{self.qid(item)} == {answer})"
        return "false"  # text fields, uploads and tips are never "checked"

    def _any_selected(self, group: Item) -> str:
        question = self.qid(group)
        if group.type == "radiogroup":
            return f"has(answers.{question})"
        return f"(has(answers.{question}) && size(answers.{question}) > 0)"

    def _value_is_set(self, item: Item) -> str:
        if item.type in ("radio", "check") and id(item) in self.choice_values:
            return self._selected(item)
        if item.type == "tip" and not item.clarification:
            return "false"  # a tip without a text area has no value
        question = self.qid(item)
        if item.type in ("check", "yesno"):
            yes_no = f"answers.{question} == true" if item.type == "check" else "true"
            return f"(has(answers.{question}) && {yes_no})"
        if item.type == "upload":
            return f"(has(answers.{question}) && size(answers.{question}) > 0)"
        return f"(has(answers.{question}) && answers.{question} != '')"

    # --- the form -------------------------------------------------------------------------------

    def build(self) -> Conversion:
        sections: list[dict[str, Any]] = []
        current_block: Item | None = None
        notes: list[str] = []
        not_carried: list[str] = []
        asked: set[str] = set()
        question_count = 0
        for item in self.q.walk():
            if item.type == "info":
                text = plain_text(item.text)
                if text:
                    notes.append(text)
                continue
            if item.type == "tip" and not item.is_finding and not item.clarification:
                not_carried.append(item.id or item.text[:40])
                continue
            if not self._is_question(item):
                continue
            block = _enclosing_block(item)
            if block is not current_block or not sections:
                sections.append(
                    {
                        "id": f"S{len(sections) + 1:02d}",
                        "title": _both(self._section_title(block)),
                        "questions": [],
                    }
                )
                current_block = block
            question = self._question(item, notes)
            notes = []
            self._refuse_forward_references(item, question, asked)
            asked.add(question["id"])
            sections[-1]["questions"].append(question)
            question_count += 1
        if notes and sections:
            last = sections[-1]["questions"][-1]
            last["help"] = _both(
                "\n\n".join([*([last["help"]["en"]] if "help" in last else []), *notes])
            )
        root_title = plain_text(self.q.root.text) or self.form_id
        form = {
            "id": self.form_id,
            "version": 1,
            "title": {
                "ja": f"{root_title}（Google VSAQ・英語原文）",
                "en": f"{root_title} (Google VSAQ)",
            },
            "engagement_kinds": [REFERENCE_ONLY],
            "sections": sections,
        }
        requirements, severities = self._requirements()
        profile = {
            "id": self.form_id,
            "version": 1,
            "title": {
                "ja": f"{root_title}の指摘事項（Google VSAQ・英語原文）",
                "en": f"{root_title}: findings (Google VSAQ)",
            },
            "requirements": requirements,
        }
        return Conversion(
            form=form,
            profile=profile,
            renamed=dict(sorted(self.renamed.items())),
            not_carried=not_carried,
            question_count=question_count,
            finding_count=len(requirements),
            severities=severities,
        )

    def _section_title(self, block: Item) -> str:
        path: list[str] = []
        node: Item | None = block
        while node is not None and node.parent is not None:
            path.append(plain_text(node.text) or node.id or "")
            node = node.parent
        return " › ".join(reversed([p for p in path if p])) or plain_text(self.q.root.text)

    def _question(self, item: Item, notes: list[str]) -> dict[str, Any]:
        question: dict[str, Any] = {"id": self.qid(item)}
        if item.id is not None:
            question["ref"] = item.id
        question["type"] = QUESTION_TYPES[item.type]
        if item.type == "tip":
            label, help_parts = plain_text(item.clarification), [plain_text(item.text)]
        else:
            label, help_parts = plain_text(item.text), []
        question["label"] = _both(label or question["id"])
        help_text = "\n\n".join([*notes, *help_parts])
        if help_text:
            question["help"] = _both(help_text)
        question["required"] = bool(item.raw.get("required")) and item.type in ("line", "box")
        visible = self.visible(item)
        if visible != "true":
            question["visible_if"] = visible
        if item.is_group:
            question["choices"] = [
                {
                    "value": self.choice_values[id(c)],
                    "label": _both(plain_text(c.text) or c.id or ""),
                }
                for c in item.children
            ]
        if item.type == "box":
            question["max_length"] = 20000
        maxlength = item.raw.get("maxlength")
        if item.type == "line" and isinstance(maxlength, int) and 0 < maxlength <= 100_000:
            question["max_length"] = maxlength
        return question

    def _refuse_forward_references(
        self, item: Item, question: dict[str, Any], asked: set[str]
    ) -> None:
        condition = question.get("visible_if", "")
        read = set(re.findall(r"answers\.([a-z][a-z0-9_]*)", condition))
        later = sorted(read - asked)
        if later:
            raise VsaqError(
                f"{item.describe()}: shown depending on {later}, asked later in the "
                "questionnaire; our forms only let a condition read earlier questions"
            )

    # --- the policy profile ------------------------------------------------------------------

    def _requirements(self) -> tuple[list[dict[str, Any]], dict[str, str]]:
        requirements: list[dict[str, Any]] = []
        severities: dict[str, str] = {}
        used: set[str] = set()
        for tip in self.q.walk():
            if not tip.is_finding:
                continue
            assert tip.id is not None
            severity_raw = str(tip.raw.get("severity") or "")
            if severity_raw not in SEVERITY:
                raise VsaqError(f"{tip.describe()}: unknown severity {severity_raw!r}")
            severity, on_fail = SEVERITY[severity_raw]
            requirement_id = _requirement_id(tip.id)
            if requirement_id in used:
                raise VsaqError(f"{tip.describe()}: requirement id {requirement_id} used twice")
            used.add(requirement_id)
            severities[requirement_id] = severity_raw or "(none)"
            text = plain_text(tip.text)
            name = plain_text(str(tip.raw.get("name") or "")) or _first_sentence(text)
            remediation_en = (
                f"Ask the vendor to fix this, or to explain in “{plain_text(tip.clarification)}” "
                "what compensating controls they have; the reviewer judges the answer."
                if tip.clarification
                else "Ask the vendor to fix this or to describe compensating controls; "
                "the reviewer judges the answer."
            )
            requirements.append(
                {
                    "id": requirement_id,
                    "title": _both(name),
                    "sources": [
                        {
                            "document": f"Google VSAQ {self.source_name}",
                            "section": f"{tip.id} (severity: {severity_raw or 'none'})",
                        }
                    ],
                    "applies_if": "true",
                    "check": _negated(self.visible(tip)),
                    "severity": severity,
                    "on_fail": on_fail,
                    "fail_reason": _both(text or name),
                    "remediation": {
                        "ja": "事業者に是正を求めるか、代替となる管理策の説明を求め、"
                        "審査担当者が判断してください。"
                        + (
                            f"（VSAQの記入欄: {plain_text(tip.clarification)}）"
                            if tip.clarification
                            else ""
                        ),
                        "en": remediation_en,
                    },
                }
            )
        return requirements, severities


def _negated(expression: str) -> str:
    if expression in ("true", "false"):
        return "false" if expression == "true" else "true"
    return f"!({expression})"


def _requirement_id(tip_id: str) -> str:
    base = "VSAQ-" + re.sub(r"[^A-Z0-9]+", "-", tip_id.upper()).strip("-")
    if len(base) <= _ID_MAX:
        return base
    digest = hashlib.sha1(tip_id.encode(), usedforsecurity=False).hexdigest()[:8].upper()
    return f"{base[: _ID_MAX - 9]}-{digest}"


def _first_sentence(text: str) -> str:
    first = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0]
    return first if len(first) <= 120 else first[:119] + "…"


def _enclosing_block(item: Item) -> Item:
    node = item.parent
    while node is not None and node.type != "block":
        node = node.parent
    assert node is not None, "every item sits in the root block"
    return node
