"""When the next review falls due and when to remind: pure date logic, no database.

- The interval depends on the engagement's tier: `sensitive` (機密性3 or 特定個人情報) gets the
  organization's shorter interval, everything else the standard one.
- Alignment, when the organization asks for it:
  `fiscal_year`: due at the end of the 年度 (April–March) in which the interval runs out, so that
  every 年度 holds one review; `contract_end`: due when the contract ends, if that comes before the
  interval runs out (a renewal is re-vetted), never later.
- A deadline that falls on a day the office is closed moves back to the previous 開庁日.
- Reminders go out `offset` days before the deadline (0 = on the day), each moved back to a 開庁日;
  while overdue, an escalation every `escalation_days` after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from service.jst import add_months
from service.reminders.business_days import previous_office_day

DEFAULT_OFFSETS = (60, 30, 7, 0)


class Tier(StrEnum):
    standard = "standard"
    sensitive = "sensitive"  # 機密性3 or My Number (特定個人情報)


class Alignment(StrEnum):
    none = "none"
    fiscal_year = "fiscal_year"  # 年度末 (3月31日)
    contract_end = "contract_end"


def tier_for(*, confidentiality: int, my_number: bool) -> Tier:
    return Tier.sensitive if confidentiality >= 3 or my_number else Tier.standard


def fiscal_year_end(day: date) -> date:
    """3月31日 closing the 年度 that holds `day` (a 年度 runs from April 1 to March 31)."""
    return date(day.year + 1 if day.month >= 4 else day.year, 3, 31)


def contract_end(start: date, term_months: int) -> date:
    """The last day of a term of `term_months` from `start` (民法143条2項)."""
    end = add_months(start, term_months)
    return end - timedelta(days=1) if end.day == start.day else end


@dataclass(frozen=True)
class DuePlan:
    interval_end: date  # approval + interval
    aligned: date  # after alignment, before the 開庁日 shift
    due: date  # the deadline: a 開庁日

    @property
    def shifted(self) -> bool:
        return self.due != self.aligned


def plan_due_date(
    *,
    approved_on: date,
    interval_months: int,
    alignment: Alignment,
    contract_ends: date | None = None,
) -> DuePlan:
    interval_end = add_months(approved_on, interval_months)
    aligned = interval_end
    if alignment == Alignment.fiscal_year:
        aligned = fiscal_year_end(interval_end)
    elif (
        alignment == Alignment.contract_end
        and contract_ends is not None
        and approved_on < contract_ends < interval_end
    ):
        aligned = contract_ends
    due = previous_office_day(aligned)
    if due <= approved_on:  # a deadline must lie ahead of the approval it follows
        due = aligned
    return DuePlan(interval_end=interval_end, aligned=aligned, due=due)


def reminder_send_date(deadline: date, offset_days: int) -> date:
    """The 開庁日 on which the reminder `offset_days` before `deadline` goes out."""
    return previous_office_day(deadline - timedelta(days=offset_days))


def reminder_schedule(
    deadline: date, offsets: list[int] | tuple[int, ...], *, today: date
) -> list[tuple[int, date]]:
    """(offset, send date) for each offset still ahead of `today`, farthest first.

    A reminder whose day has already passed is dropped, but the nearest passed one is kept (sent
    today) when nothing else would tell anyone before the deadline.
    """
    planned = sorted(
        ((offset, reminder_send_date(deadline, offset)) for offset in set(offsets)),
        key=lambda item: -item[0],
    )
    ahead = [(offset, day) for offset, day in planned if day >= today]
    passed = [(offset, today) for offset, day in planned if day < today and today <= deadline]
    if passed and (not ahead or ahead[0][0] == 0):
        ahead.insert(0, passed[-1])
    return ahead


def escalation_send_date(deadline: date, weeks_overdue: int, escalation_days: int = 7) -> date:
    """The day of the `weeks_overdue`-th escalation after `deadline` (never before it)."""
    day = deadline + timedelta(days=escalation_days * weeks_overdue)
    shifted = previous_office_day(day)
    return shifted if shifted > deadline else day
