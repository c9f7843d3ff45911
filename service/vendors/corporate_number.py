"""法人番号 (corporate number): 13 digits, the first being a check digit over the other 12."""

from __future__ import annotations


def corporate_number_problem(value: str) -> str | None:
    """None when `value` is a valid 法人番号, else why not."""
    if len(value) != 13 or not value.isascii() or not value.isdigit():
        return "must be 13 digits (半角数字13桁)"
    base = value[1:]
    # Digits are weighted 1, 2, 1, 2 … counting from the rightmost of the twelve.
    total = sum(int(d) * (1 if i % 2 == 0 else 2) for i, d in enumerate(reversed(base)))
    if int(value[0]) != 9 - total % 9:
        return "check digit does not match (チェックデジットが一致しません)"
    return None
