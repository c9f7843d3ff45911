"""What every request model shares: strict types, no unknown fields, and only safe text.

Strict: JSON `0` is not `false`, `1.0` is not `1`, and a day is written `YYYY-MM-DD` (never a
number, nor a string of digits read as seconds since 1970). Every request body, query string and
vendor-portal text answer goes through `unsafe_character`, so NUL (which PostgreSQL cannot store),
other control characters, lone surrogates and the bidirectional overrides that can make a
contract read differently from what it says (U+202A–U+202E, U+2066–U+2069) are refused with a 422
naming the field, the same on every database. Tab, line feed and carriage return stay allowed.
"""

from __future__ import annotations

import re
import types
import typing
from datetime import date, datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

# The characters refused in text. The same class, as a regular expression, is the `pattern` the
# OpenAPI document gives every request string. Lone surrogates are refused too, but stay out of
# the documented pattern: valid UTF-8 cannot carry them, and regex engines other than Python's
# refuse them in a pattern.
UNSAFE_CHARACTER_CLASS = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"
SAFE_TEXT_PATTERN = f"^[^{UNSAFE_CHARACTER_CLASS}]*$"
_UNSAFE = re.compile(f"[{UNSAFE_CHARACTER_CLASS}\\ud800-\\udfff]")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}")
# Deeper than this, a request's JSON is refused before it is looked at (service/routing.py).
MAX_JSON_DEPTH = 32


def unsafe_character(text: str) -> str | None:
    """The first refused character of `text` as 'U+XXXX', or None when the text is fine."""
    found = _UNSAFE.search(text)
    return f"U+{ord(found.group()):04X}" if found else None


def unsafe_text_problem(value: Any, path: str = "") -> str | None:
    """Why `value` (text, or lists and mappings of it, keys included) is refused, or None."""
    stack: list[tuple[str, Any]] = [(path, value)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, str):
            found = unsafe_character(item)
            if found:
                at = f" (at {where})" if where else ""
                return (
                    f"contains {found}, a control or text-direction character that is not "
                    f"accepted{at} / 制御文字・書字方向制御文字 {found} は入力できません"
                )
        elif isinstance(item, dict):
            for key, inner in item.items():
                stack.append((f"{where}.{key}" if where else str(key), key))
                stack.append((f"{where}.{key}" if where else str(key), inner))
        elif isinstance(item, list | tuple):
            stack.extend((f"{where}[{index}]", inner) for index, inner in enumerate(item))
    return None


def _value_kind(annotation: Any) -> type | None:
    """date, datetime or int when the field holds one (optionally None), list for a list of
    integers, else None."""
    candidates = (
        typing.get_args(annotation)
        if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union
        else (annotation,)
    )
    for candidate in candidates:
        if candidate in (datetime, date, int):
            return candidate  # type: ignore[no-any-return]
        if typing.get_origin(candidate) is list:
            (item,) = typing.get_args(candidate)
            if item is int or (
                typing.get_origin(item) is typing.Annotated and typing.get_args(item)[0] is int
            ):
                return list
        if typing.get_origin(candidate) is typing.Literal and all(
            type(arg) is int for arg in typing.get_args(candidate)
        ):
            return int
    return None


def _document_safe_text(schema: dict[str, Any]) -> None:
    """Give every text property (and text item) the pattern the validator enforces."""
    for prop in schema.get("properties", {}).values():
        for variant in [prop, prop.get("items", {}), *prop.get("anyOf", [])]:
            plain_text = not {"enum", "format", "pattern"} & set(variant)
            if variant.get("type") == "string" and plain_text:
                variant["pattern"] = SAFE_TEXT_PATTERN
            if variant.get("type") == "array":
                _document_safe_text({"properties": {"items": variant.get("items", {})}})


def _integral(value: Any) -> Any:
    return int(value) if isinstance(value, float) and value.is_integer() else value


class RequestModel(BaseModel):
    """The base of every model the API reads from a request (body or query string)."""

    model_config = ConfigDict(extra="forbid", strict=True, json_schema_extra=_document_safe_text)
    _kinds: ClassVar[dict[str, type]] = {}
    # Fields this body no longer takes, each with where it is set now: the 422 says so.
    moved_fields: ClassVar[dict[str, str]] = {}

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        cls._kinds = {
            name: kind
            for name, field in cls.model_fields.items()
            if (kind := _value_kind(field.annotation)) is not None
        }

    @field_validator("*", mode="before")
    @classmethod
    def _as_json_means_it(cls, value: Any, info: ValidationInfo) -> Any:
        kind = cls._kinds.get(info.field_name or "")
        if kind is int:
            # JSON has one kind of number: 250.0 is the integer 250 (as JSON Schema says), 250.5
            # is not, and neither is "250" or true.
            return _integral(value)
        if kind is list:
            return [_integral(item) for item in value] if isinstance(value, list) else value
        # Days are read here rather than by pydantic: even strict, it takes "0" for 1970-01-01.
        if kind is None or not isinstance(value, str):
            return value
        try:
            if kind is date and _DAY.fullmatch(value):
                return date.fromisoformat(value)
            if kind is datetime and _MOMENT.match(value):
                return datetime.fromisoformat(value)
        except ValueError:
            pass
        if kind is date:
            raise PydanticCustomError(
                "date_format", "write a real day as YYYY-MM-DD / 日付は YYYY-MM-DD 形式で"
            )
        raise PydanticCustomError(
            "datetime_format",
            "write the time as RFC 3339, e.g. 2027-04-01T09:00:00+09:00 / 日時は RFC 3339 形式",
        )

    @field_validator("*", mode="after")
    @classmethod
    def _only_safe_text(cls, value: Any) -> Any:
        problem = unsafe_text_problem(value)
        if problem is not None:
            # Through the context: the message may quote a mapping key with braces in it.
            raise PydanticCustomError("unsafe_character", "{problem}", {"problem": problem})
        return value
