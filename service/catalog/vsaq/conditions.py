"""VSAQ's condition language, parsed and translated to CEL with VSAQ's own meaning.

The grammar (vsaq/static/questionnaire/utils.js): names, `!`, `&&`, `||` and parentheses. There
is no precedence: operators apply strictly left to right (`a || b && c` is `(a || b) && c`), and
`!` binds to the one name or group after it. What a name means is defined by the resolver in
items.js `evaluateConditions`:

- `false` is false;
- `x/value` on an item that holds a value is that value (truthy when set), whatever is visible;
- `^x` is whether item x is shown: its own condition and every enclosing container's hold;
- otherwise x counts only while its parent's condition and its own condition hold, and then:
  a radio or checkbox counts when it is selected; a yes/no item counts for `x/yes` or `x/no`
  when answered so; a radio or checkbox group counts when any of its choices is selected;
  a text field or a tip never counts.

Function calls (`matches`, `contains`) and `,` exist in the grammar but no shipped questionnaire
uses them; they are refused with a clear message rather than guessed at.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from service.catalog.vsaq.source import VsaqError

_SPECIAL = " ()!&|,"


@dataclass(frozen=True)
class Name:
    token: str


@dataclass(frozen=True)
class Not:
    operand: Node


@dataclass(frozen=True)
class Chain:
    """operand (op operand)*, applied left to right; an empty chain is true."""

    first: Node | None
    rest: tuple[tuple[str, Node], ...] = ()


Node = Name | Not | Chain


def tokenize(source: str) -> list[str]:
    tokens: list[str] = []
    i = 0
    while i < len(source):
        char = source[i]
        if char in " \t\r\n":
            i += 1
        elif char in "()!":
            tokens.append(char)
            i += 1
        elif char in "&|":
            if source[i : i + 2] != char * 2:
                raise VsaqError(f"condition {source!r}: a single '{char}' (write '{char * 2}')")
            tokens.append(char * 2)
            i += 2
        elif char in ',"':
            raise VsaqError(f"condition {source!r}: function calls and strings are not supported")
        else:
            start = i
            while i < len(source) and source[i] not in _SPECIAL and source[i] != '"':
                i += 1
            tokens.append(source[start:i])
    return tokens


def parse(source: str) -> Chain:
    tokens = tokenize(source)
    chain, position = _chain(tokens, 0, source)
    if position != len(tokens):
        raise VsaqError(f"condition {source!r}: unexpected {tokens[position]!r}")
    return chain


def _chain(tokens: list[str], position: int, source: str) -> tuple[Chain, int]:
    if position == len(tokens) or tokens[position] == ")":
        return Chain(None), position
    first, position = _operand(tokens, position, source)
    rest: list[tuple[str, Node]] = []
    while position < len(tokens) and tokens[position] in ("&&", "||"):
        operator = tokens[position]
        operand, position = _operand(tokens, position + 1, source)
        rest.append((operator, operand))
    return Chain(first, tuple(rest)), position


def _operand(tokens: list[str], position: int, source: str) -> tuple[Node, int]:
    if position < len(tokens) and tokens[position] == "!":
        primary, position = _primary(tokens, position + 1, source)
        return Not(primary), position
    return _primary(tokens, position, source)


def _primary(tokens: list[str], position: int, source: str) -> tuple[Node, int]:
    if position == len(tokens):
        raise VsaqError(f"condition {source!r}: ends where a name was expected")
    token = tokens[position]
    if token == "(":  # noqa: S105 - a parenthesis, not a secret
        chain, position = _chain(tokens, position + 1, source)
        if position == len(tokens) or tokens[position] != ")":
            raise VsaqError(f"condition {source!r}: '(' is not closed")
        return chain, position + 1
    if token in ("&&", "||", "!", ")"):
        raise VsaqError(f"condition {source!r}: {token!r} where a name was expected")
    if token in ("matches", "contains"):
        raise VsaqError(f"condition {source!r}: function {token!r} is not supported")
    return Name(token), position + 1


def names(node: Node | None) -> list[str]:
    """Every name the condition reads, in order."""
    if node is None:
        return []
    if isinstance(node, Name):
        return [node.token]
    if isinstance(node, Not):
        return names(node.operand)
    return names(node.first) + [t for _, operand in node.rest for t in names(operand)]


class Resolver(Protocol):
    def __call__(self, token: str) -> str:
        """The CEL (over `answers`) that is true exactly when VSAQ resolves `token` truthy."""
        ...


def to_cel(node: Node | None, resolve: Resolver) -> str:
    """CEL with the same truth value as VSAQ's evaluation of `node`, for every answer set."""
    if node is None:
        return "true"
    if isinstance(node, Name):
        return resolve(node.token)
    if isinstance(node, Not):
        return negate(to_cel(node.operand, resolve))
    result = to_cel(node.first, resolve)
    for operator, operand in node.rest:
        result = f"({result} {operator} {to_cel(operand, resolve)})"
    return result


def negate(expression: str) -> str:
    if expression == "true":
        return "false"
    if expression == "false":
        return "true"
    return f"!{expression}" if _is_atomic(expression) else f"!({expression})"


def conjunction(*parts: str) -> str:
    """`a && b && …`, dropping `true`; false when any part is `false`."""
    kept = [p for p in parts if p != "true"]
    if "false" in kept:
        return "false"
    if not kept:
        return "true"
    if len(kept) == 1:
        return kept[0]
    return "(" + " && ".join(kept) + ")"


def _is_atomic(expression: str) -> bool:
    if not (expression.startswith("(") and expression.endswith(")")):
        return False
    depth = 0
    for index, char in enumerate(expression):
        depth += char == "("
        depth -= char == ")"
        if depth == 0 and index != len(expression) - 1:
            return False
    return True
