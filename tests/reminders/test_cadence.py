"""Due dates by tier, fiscal year (年度) and contract end; reminder days. Table-driven."""

from __future__ import annotations

from datetime import date

import pytest

from service.reminders.cadence import (
    Alignment,
    Tier,
    contract_end,
    escalation_send_date,
    fiscal_year_end,
    plan_due_date,
    reminder_schedule,
    tier_for,
)

A, N, FY, CE = Alignment, Alignment.none, Alignment.fiscal_year, Alignment.contract_end

DUE_DATES = [
    # (approved on, months, alignment, contract ends, due, why)
    (date(2026, 7, 12), 12, N, None, date(2027, 7, 12), "12 months on a Monday"),
    (date(2026, 7, 10), 12, N, None, date(2027, 7, 9), "a Saturday moves to the Friday"),
    (date(2026, 1, 1), 12, N, None, date(2026, 12, 28), "年末年始 moves to 12/28"),
    (date(2026, 1, 11), 12, N, None, date(2027, 1, 8), "成人の日 moves to the Friday"),
    (date(2026, 8, 31), 6, N, None, date(2027, 2, 26), "8/31 + 6 months = 2/28 (Sun) → 2/26"),
    (date(2026, 7, 10), 12, FY, None, date(2028, 3, 31), "the end of the 年度 holding 2027-07"),
    (date(2026, 7, 10), 6, FY, None, date(2027, 3, 31), "6 months: still inside 年度 2026"),
    (date(2026, 2, 10), 12, FY, None, date(2027, 3, 31), "2027-02 belongs to 年度 2026"),
    (date(2027, 4, 1), 12, FY, None, date(2029, 3, 30), "2028-04 → 年度 2028 → 3/31 Sat → Fri"),
    (date(2026, 7, 10), 12, CE, date(2027, 3, 31), date(2027, 3, 31), "contract ends first"),
    (date(2026, 7, 10), 12, CE, date(2029, 3, 31), date(2027, 7, 9), "never later than 12 mo"),
    (date(2026, 7, 10), 12, CE, date(2026, 6, 30), date(2027, 7, 9), "an ended contract: no"),
]


@pytest.mark.parametrize(
    ("approved", "months", "alignment", "ends", "due", "why"),
    DUE_DATES,
    ids=[d[5] for d in DUE_DATES],
)
def test_next_review_due(
    approved: date, months: int, alignment: Alignment, ends: date | None, due: date, why: str
) -> None:
    plan = plan_due_date(
        approved_on=approved, interval_months=months, alignment=alignment, contract_ends=ends
    )
    assert plan.due == due, why
    assert plan.shifted == (plan.due != plan.aligned)


@pytest.mark.parametrize(
    ("day", "end"),
    [
        (date(2026, 4, 1), date(2027, 3, 31)),
        (date(2027, 3, 31), date(2027, 3, 31)),
        (date(2026, 12, 31), date(2027, 3, 31)),
        (date(2027, 1, 1), date(2027, 3, 31)),
    ],
)
def test_fiscal_year_runs_from_april_to_march(day: date, end: date) -> None:
    assert fiscal_year_end(day) == end


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        (date(2027, 4, 1), 36, date(2030, 3, 31)),
        (date(2027, 1, 31), 1, date(2027, 2, 28)),
        (date(2027, 4, 15), 12, date(2028, 4, 14)),
    ],
)
def test_contract_end(start: date, months: int, end: date) -> None:
    assert contract_end(start, months) == end


@pytest.mark.parametrize(
    ("confidentiality", "my_number", "tier"),
    [
        (1, False, Tier.standard),
        (2, False, Tier.standard),
        (3, False, Tier.sensitive),
        (2, True, Tier.sensitive),
    ],
)
def test_tier(confidentiality: int, my_number: bool, tier: Tier) -> None:
    assert tier_for(confidentiality=confidentiality, my_number=my_number) == tier


def test_reminders_before_the_deadline_fall_on_office_days() -> None:
    deadline = date(2027, 7, 12)  # a Monday
    schedule = reminder_schedule(deadline, [60, 30, 7, 0], today=date(2026, 7, 10))
    assert schedule == [
        (60, date(2027, 5, 13)),  # 5/13 Thu
        (30, date(2027, 6, 11)),  # 6/12 Sat → Fri
        (7, date(2027, 7, 5)),
        (0, date(2027, 7, 12)),
    ]


def test_a_late_approval_keeps_the_nearest_passed_reminder_for_today() -> None:
    deadline = date(2027, 7, 12)
    today = date(2027, 7, 8)  # 7 days before is already past
    assert reminder_schedule(deadline, [60, 30, 7, 0], today=today) == [
        (7, today),
        (0, deadline),
    ]
    # With 40 days to go the 30-day reminder still lies ahead: nothing is sent early.
    assert [o for o, _ in reminder_schedule(deadline, [60, 30, 7, 0], today=date(2027, 6, 2))] == [
        30,
        7,
        0,
    ]


@pytest.mark.parametrize(
    ("deadline", "weeks", "expected"),
    [
        (date(2027, 7, 12), 1, date(2027, 7, 16)),  # 7/19 海の日 (Mon) → Fri 7/16
        (date(2027, 7, 12), 2, date(2027, 7, 26)),
        (date(2026, 12, 25), 1, date(2026, 12, 28)),  # 1/1 → 12/28, still after the deadline
        (date(2026, 12, 28), 1, date(2027, 1, 4)),  # 1/4 is the first 開庁日 of the year
    ],
)
def test_escalation_days(deadline: date, weeks: int, expected: date) -> None:
    assert escalation_send_date(deadline, weeks) == expected
