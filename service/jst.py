"""Japan Standard Time: the zone every date of the service is counted in, and month arithmetic."""

from __future__ import annotations

import calendar
from datetime import date, datetime
from zoneinfo import ZoneInfo

JST = ZoneInfo("Asia/Tokyo")


def today_jst() -> date:
    return datetime.now(JST).date()


def add_months(day: date, months: int) -> date:
    """Same day `months` later, clamped to the month's end (1/31 + 1 month = 2/28 or 2/29)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
