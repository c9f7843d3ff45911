"""An independent reading of a VSAQ questionnaire and of its conditions, for tests.

A line-by-line transliteration of VSAQ's own JavaScript (utils.js `tokenizeExpression_`,
`evalTokenizedExpression_`; items.js `evaluateConditions`, `isVisible`), evaluated directly over
VSAQ's own state (which radio or checkbox is checked, what a text field holds). It shares no code
with service/catalog/vsaq, so the tests compare two separate readings of the same source.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

VALUE_TYPES = {"radio", "check", "yesno", "line", "box", "tip", "upload"}
GROUP_TYPES = {"radiogroup", "checkgroup"}


def load_source(path: Path) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    text = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("//"))
    text = re.sub(r'"\s*\+\s*\n\s*"', "", text)
    data: dict[str, Any] = json.loads(text)
    return data


@dataclass(eq=False)
class VItem:
    type: str
    id: str | None
    cond: str
    raw: dict[str, Any]
    parent: VItem | None
    children: list[VItem] = field(default_factory=list)


class Vsaq:
    """One questionnaire and the state of its answers, as VSAQ holds them."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.items: dict[str, VItem] = {}
        self.order: list[VItem] = []
        self.root = self._build(data["questionnaire"][0], None)
        self.values: dict[int, Any] = {}  # id(item) -> getValue()

    def _build(self, raw: dict[str, Any], parent: VItem | None) -> VItem:
        item = VItem(raw["type"], raw.get("id"), raw.get("cond", ""), raw, parent)
        self.order.append(item)
        if item.id:
            self.items[item.id] = item
        for child in raw.get("items", []):
            item.children.append(self._build(child, item))
        if item.type in GROUP_TYPES:
            kind = "radio" if item.type == "radiogroup" else "check"
            for choice in raw["choices"]:
                ((choice_id, text),) = choice.items()
                child = VItem(kind, choice_id, "", {"id": choice_id, "text": text}, item)
                item.children.append(child)
                self.order.append(child)
                self.items[choice_id] = child
        return item

    # --- getValue / isChecked, per item class ------------------------------------------------

    def get_value(self, item: VItem) -> Any:
        if item.type == "tip" and not item.raw.get("why"):
            return None
        return self.values.get(id(item), "")

    def is_checked(self, item: VItem, opt_value: str) -> bool:
        if item.type in ("radio", "check"):
            return bool(self.get_value(item) == "checked")
        if item.type == "yesno":
            expected = opt_value[opt_value.rfind("/") + 1 :]
            return bool(self.get_value(item) == expected)
        return False

    # --- items.js ----------------------------------------------------------------------------

    def evaluate_conditions(self, item: VItem) -> bool:
        def resolver(token: str) -> Any:
            if token == "false":
                return False
            ref_id = re.sub(r"(/yes|/no|/value)$", "", re.sub(r"^\^?", "", token))
            ref = self.items[ref_id]
            if ref.type in VALUE_TYPES and "/value" in token:
                return self.get_value(ref)
            if token[0] == "^":
                return self.is_visible(ref)
            block_visible = True
            if ref.parent is not None:
                block_visible = self.evaluate_conditions(ref.parent)
            if not block_visible or not self.evaluate_conditions(ref):
                return False
            if ref.type in VALUE_TYPES:
                return self.is_checked(ref, token)
            if ref.type in GROUP_TYPES:
                return any(self.get_value(c) for c in ref.children)
            raise ValueError(f"operator illegal: {token}")

        return eval_expression(item.cond, resolver)

    def is_visible(self, item: VItem) -> bool:
        """Steady state of reevaluateConditions_: shown when its conditions hold and its
        container is shown."""
        if not self.evaluate_conditions(item):
            return False
        return self.is_visible(item.parent) if item.parent is not None else True


# --- utils.js --------------------------------------------------------------------------------


def _is_operator(character: Any) -> bool:
    return isinstance(character, str) and len(character) == 1 and character in "&|!,"


def tokenize(expression: str, position: int = 0) -> tuple[list[Any], int]:
    special = " ()!&|,"
    group: list[Any] = []
    current = ""
    i = position
    while i < len(expression):
        char = expression[i]
        if special.find(char) == -1:
            current += char
        else:
            if current:
                if group and not _is_operator(group[-1]):
                    raise ValueError("invalid expression")
                group.append(current)
                current = ""
            if char == "(":
                inner, i = tokenize(expression, i + 1)
                group.append(inner)
                if i == -1:
                    raise ValueError("invalid expression")
            elif char == ")":
                if position == 0 or expression[position - 1] != "(":
                    raise ValueError("invalid expression")
                if position:
                    return group, i
            elif char in "&|":
                i += 1
                if i >= len(expression) or expression[i] != char:
                    raise ValueError("invalid expression")
                if group and _is_operator(group[-1]):
                    raise ValueError("invalid expression")
                group.append(char)
            elif char == "!":
                group.append(char)
        i += 1
    if current:
        group.append(current)
    return group, -1


def _evaluate_tokens(tokens: list[Any], resolver: Any) -> Any:
    if not tokens:
        return True
    results: list[Any] = []
    for item in tokens:
        if isinstance(item, list):
            results.append(_evaluate_tokens(item, resolver))
        elif _is_operator(item):
            results.append(item)
        else:
            results.append(resolver(item))
    negated: list[Any] = []
    i = 0
    while i < len(results):
        if results[i] == "!" and isinstance(results[i], str):
            i += 1
            negated.append(not results[i])
        else:
            negated.append(results[i])
        i += 1
    result = negated[0]
    i = 0
    while i < len(negated):
        item = negated[i]
        if _is_operator(item):
            i += 1
            argument = negated[i]
            result = (result and argument) if item == "&" else (result or argument)
        elif i:
            raise ValueError("invalid expression")
        i += 1
    return result


def eval_expression(expression: str, resolver: Any) -> bool:
    tokens, _ = tokenize(expression)
    return bool(_evaluate_tokens(tokens, resolver))
