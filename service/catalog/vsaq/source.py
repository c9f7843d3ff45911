"""Read a Google VSAQ questionnaire file into a tree of items.

The files are JSON with two JavaScript habits: `//` licence comment lines at the top, and long
strings written as concatenations (`"..." +` then `"..."` on the next line). A small scanner that
knows where strings begin and end removes both, so a `//` or `+` inside a string stays untouched.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

# Item types VSAQ renders (vsaq/static/questionnaire/*item.js) that this importer understands.
VALUE_TYPES = frozenset({"radio", "check", "yesno", "line", "box", "tip", "upload"})
GROUP_TYPES = frozenset({"radiogroup", "checkgroup"})
CONTAINER_TYPES = frozenset({"block"}) | GROUP_TYPES
STATIC_TYPES = frozenset({"info", "spacer"})


class VsaqError(ValueError):
    """The VSAQ file cannot be converted; the message names the item and the problem."""


@dataclass(eq=False)
class Item:
    type: str
    id: str | None  # as written in the file; None when VSAQ would make up a unique one
    cond: str
    text: str
    parent: Item | None
    raw: dict[str, Any] = field(repr=False)
    children: list[Item] = field(default_factory=list, repr=False)

    @property
    def is_value_item(self) -> bool:
        return self.type in VALUE_TYPES

    @property
    def is_group(self) -> bool:
        return self.type in GROUP_TYPES

    @property
    def is_finding(self) -> bool:
        return self.type == "tip" and self.raw.get("warn") == "yes"

    @property
    def clarification(self) -> str:
        """A tip's `why`: when set, VSAQ shows a text area (the tip holds a value)."""
        why = self.raw.get("why")
        return why if self.type == "tip" and isinstance(why, str) else ""

    def describe(self) -> str:
        return f"{self.type} '{self.id}'" if self.id else f"{self.type} (no id) '{self.text[:40]}'"


@dataclass
class Questionnaire:
    root: Item
    by_id: dict[str, Item]
    licence_lines: list[str]  # the `//` comment lines, as written

    def walk(self) -> list[Item]:
        """Every item in document order (VSAQ's own order: a container before its contents)."""
        found: list[Item] = []
        stack = [self.root]
        while stack:
            item = stack.pop()
            found.append(item)
            stack.extend(reversed(item.children))
        return found


def strip_javascript(text: str) -> tuple[str, list[str]]:
    """Plain JSON from a VSAQ file, and the `//` comment lines it held."""
    out: list[str] = []
    comments: list[str] = []
    i, n = 0, len(text)
    in_string = False
    line = 1
    while i < n:
        char = text[i]
        if char == "\n":
            line += 1
        if in_string:
            out.append(char)
            if char == "\\" and i + 1 < n:
                out.append(text[i + 1])
                i += 2
                continue
            if char == '"':
                in_string = False
            i += 1
            continue
        if char == '"':
            in_string = True
            out.append(char)
        elif text.startswith("//", i):
            end = text.find("\n", i)
            end = n if end == -1 else end
            comments.append(text[i:end])
            i = end
            continue
        elif char == "+":
            # "a" + "b": drop the closing quote before and the opening quote after.
            while out and out[-1].isspace():
                out.pop()
            if not out or out[-1] != '"':
                raise VsaqError(f"line {line}: '+' must join two strings")
            out.pop()
            i += 1
            while i < n and text[i].isspace():
                line += text[i] == "\n"
                i += 1
            if i >= n or text[i] != '"':
                raise VsaqError(f"line {line}: '+' must join two strings")
            in_string = True
        else:
            out.append(char)
        i += 1
    if in_string:
        raise VsaqError("a string is not closed at the end of the file")
    return "".join(out), comments


def read_questionnaire(text: str) -> Questionnaire:
    plain, comments = strip_javascript(text)
    try:
        data = json.loads(plain)
    except json.JSONDecodeError as exc:
        raise VsaqError(f"not valid JSON once comments and '+' are removed: {exc}") from None
    items = data.get("questionnaire") if isinstance(data, dict) else None
    if not isinstance(items, list) or len(items) != 1 or not isinstance(items[0], dict):
        raise VsaqError("'questionnaire' must hold exactly one root block")
    if items[0].get("type") != "block":
        raise VsaqError("the root item must be a block")
    by_id: dict[str, Item] = {}
    root = _build(items[0], None, by_id)
    return Questionnaire(root=root, by_id=by_id, licence_lines=comments)


def _text(raw: dict[str, Any], key: str) -> str:
    value = raw.get(key, "")
    if not isinstance(value, str):
        raise VsaqError(f"item '{raw.get('id')}': '{key}' must be a string")
    return value


def _register(item: Item, by_id: dict[str, Item]) -> None:
    if item.id is None:
        return
    if item.id in by_id:
        raise VsaqError(f"duplicate item id '{item.id}'")
    by_id[item.id] = item


def _build(raw: dict[str, Any], parent: Item | None, by_id: dict[str, Item]) -> Item:
    kind = raw.get("type")
    known = VALUE_TYPES | CONTAINER_TYPES | STATIC_TYPES
    if kind not in known or kind in ("radio",):
        raise VsaqError(f"item '{raw.get('id')}': unsupported item type {kind!r}")
    raw_id = raw.get("id")
    if raw_id is not None and (not isinstance(raw_id, str) or not raw_id):
        raise VsaqError(f"{kind} item: 'id' must be a non-empty string")
    if kind in VALUE_TYPES and raw_id is None:
        raise VsaqError(f"{kind} item without an id (VSAQ requires one): {raw.get('text')!r}")
    item = Item(
        type=kind,
        id=raw_id,
        cond=_text(raw, "cond"),
        text=_text(raw, "text"),
        parent=parent,
        raw=raw,
    )
    _register(item, by_id)
    if kind == "block":
        children = raw.get("items", [])
        if not isinstance(children, list):
            raise VsaqError(f"block '{raw_id}': 'items' must be a list")
        item.children = [_build(child, item, by_id) for child in children]
    elif kind in GROUP_TYPES:
        item.children = _choices(item, raw, by_id)
    return item


def _choices(group: Item, raw: dict[str, Any], by_id: dict[str, Item]) -> list[Item]:
    if raw.get("defaultChoice") in (True, "true"):
        # VSAQ appends "None of the above." under a made-up id nobody can refer to.
        raise VsaqError(f"{group.describe()}: defaultChoice is not supported")
    conditions: dict[str, str] = {}
    for entry in raw.get("choicesConds") or []:
        (choice_id, condition), *rest = entry.items()
        if rest or not isinstance(condition, str):
            raise VsaqError(f"{group.describe()}: each choicesConds entry maps one id to a string")
        conditions[choice_id] = condition
    choices = raw.get("choices")
    if not isinstance(choices, list) or not choices:
        raise VsaqError(f"{group.describe()}: needs choices")
    kind = "radio" if group.type == "radiogroup" else "check"
    built: list[Item] = []
    for entry in choices:
        if not isinstance(entry, dict) or len(entry) != 1:
            raise VsaqError(f"{group.describe()}: each choice maps one id to its text")
        ((choice_id, text),) = entry.items()
        if not isinstance(text, str):
            raise VsaqError(f"{group.describe()}: choice '{choice_id}' needs a text")
        choice = Item(
            type=kind,
            id=choice_id,
            cond=conditions.pop(choice_id, ""),
            text=text,
            parent=group,
            raw={"id": choice_id, "text": text},
        )
        _register(choice, by_id)
        built.append(choice)
    if conditions:
        raise VsaqError(
            f"{group.describe()}: choicesConds for unknown choice(s) {sorted(conditions)}"
        )
    return built
