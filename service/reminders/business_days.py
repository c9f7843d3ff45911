"""開庁日: the days a Japanese municipal office is open. Pure: no database, no I/O.

Closed are Saturdays, Sundays, national holidays (the `holidays` package, which follows the
祝日法 including 振替休日 and 国民の休日), and the year-end break 12/29–1/3 that municipal
offices close for by their own ordinances (地方自治法4条の2).
"""

from __future__ import annotations

from datetime import date, timedelta

import holidays

_NATIONAL_HOLIDAYS = holidays.country_holidays("JP", language="ja")


def is_year_end_break(day: date) -> bool:
    return (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3)


def holiday_name(day: date) -> str | None:
    name = _NATIONAL_HOLIDAYS.get(day)
    return str(name) if name else None


def is_office_closed(day: date) -> bool:
    return day.weekday() >= 5 or is_year_end_break(day) or day in _NATIONAL_HOLIDAYS


def previous_office_day(day: date) -> date:
    """`day` itself when the office is open, else the last open day before it."""
    while is_office_closed(day):
        day -= timedelta(days=1)
    return day
