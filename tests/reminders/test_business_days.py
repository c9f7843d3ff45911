"""開庁日: weekends, national holidays (from the holidays package) and 年末年始 12/29–1/3."""

from __future__ import annotations

from datetime import date

import pytest

from service.reminders.business_days import holiday_name, is_office_closed, previous_office_day

SHIFTS = [
    # (deadline, the 開庁日 it moves to, why)
    (date(2027, 1, 1), date(2026, 12, 28), "元日 and 年末年始 12/29–1/3 close the office"),
    (date(2026, 12, 29), date(2026, 12, 28), "the first day of the year-end break"),
    (date(2027, 1, 4), date(2027, 1, 4), "the first 開庁日 of the year stays"),
    (date(2027, 7, 10), date(2027, 7, 9), "a Saturday moves to the Friday"),
    (date(2027, 7, 11), date(2027, 7, 9), "a Sunday moves to the Friday"),
    (date(2027, 1, 11), date(2027, 1, 8), "成人の日 (a Monday holiday) moves to the Friday"),
    (date(2027, 3, 22), date(2027, 3, 19), "振替休日 after 春分の日 on a Sunday"),
    (date(2026, 9, 22), date(2026, 9, 18), "国民の休日 between two holidays, then a weekend"),
    (date(2026, 5, 6), date(2026, 5, 1), "Golden Week: 5/3–5/6 and the weekend before"),
    (date(2027, 5, 5), date(2027, 4, 30), "Golden Week 2027: 5/3–5/5 and the weekend before"),
    (date(2027, 2, 24), date(2027, 2, 24), "an ordinary Wednesday stays"),
]


@pytest.mark.parametrize(("deadline", "expected", "why"), SHIFTS, ids=[s[2] for s in SHIFTS])
def test_a_deadline_moves_back_to_the_previous_office_day(
    deadline: date, expected: date, why: str
) -> None:
    assert previous_office_day(deadline) == expected, why
    assert not is_office_closed(expected)


def test_holidays_come_from_the_library_with_japanese_names() -> None:
    assert holiday_name(date(2027, 1, 11)) == "成人の日"
    assert holiday_name(date(2027, 3, 22)) == "振替休日"
    assert holiday_name(date(2027, 1, 12)) is None
    # Closed without being a national holiday: the municipal year-end break.
    assert holiday_name(date(2026, 12, 30)) is None
    assert is_office_closed(date(2026, 12, 30))
