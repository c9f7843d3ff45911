"""The values contract variables take: 和暦 dates, the term's end, the incident deadline."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from service.catalog.contract_templates import KNOWN_VARIABLES
from service.contracts.values import contract_values, wareki
from tests.contracts.sample import FACTS


@pytest.mark.parametrize(
    ("day", "written"),
    [
        (date(2019, 5, 1), "令和元年5月1日"),
        (date(2019, 12, 31), "令和元年12月31日"),
        (date(2020, 1, 1), "令和2年1月1日"),
        (date(2026, 4, 1), "令和8年4月1日"),
        (date(2027, 4, 1), "令和9年4月1日"),
        (date(2019, 4, 30), "平成31年4月30日"),
        (date(1989, 1, 8), "平成元年1月8日"),
        (date(1990, 1, 1), "平成2年1月1日"),
    ],
)
def test_wareki(day: date, written: str) -> None:
    assert wareki(day) == written


def test_wareki_before_heisei_falls_back_to_the_western_year() -> None:
    assert wareki(date(1989, 1, 7)) == "1989年1月7日"


def test_every_known_variable_has_a_value() -> None:
    values = contract_values(FACTS)
    assert set(values) == KNOWN_VARIABLES
    assert all(value.strip() for value in values.values())
    assert values["engagement.number"] == FACTS.engagement_number
    assert values["vendor.name"] == FACTS.vendor_name
    assert values["organization.jurisdiction_court"] == "熊本地方裁判所"


@pytest.mark.parametrize(
    ("confidentiality", "my_number", "hours"),
    [(1, False, "24"), (2, False, "24"), (3, False, "1"), (2, True, "1"), (1, True, "1")],
)
def test_incident_first_report_hours(confidentiality: int, my_number: bool, hours: str) -> None:
    facts = replace(FACTS, confidentiality=confidentiality, my_number=my_number)
    assert contract_values(facts)["terms.incident_first_report_hours"] == hours


@pytest.mark.parametrize(
    ("start", "months", "start_written", "end_written"),
    [
        (date(2027, 4, 1), 36, "令和9年4月1日", "令和12年3月31日"),
        (date(2027, 4, 1), 12, "令和9年4月1日", "令和10年3月31日"),
        (date(2027, 1, 15), 1, "令和9年1月15日", "令和9年2月14日"),
        (date(2027, 3, 1), 1, "令和9年3月1日", "令和9年3月31日"),
        (date(2028, 2, 1), 1, "令和10年2月1日", "令和10年2月29日"),  # leap year
        (date(2019, 4, 15), 1, "平成31年4月15日", "令和元年5月14日"),  # across the era change
        (date(2027, 12, 1), 1, "令和9年12月1日", "令和9年12月31日"),  # across the year end
    ],
)
def test_end_date_is_the_day_before_start_plus_term(
    start: date, months: int, start_written: str, end_written: str
) -> None:
    values = contract_values(replace(FACTS, start_date=start, term_months=months))
    assert values["engagement.start_date"] == start_written
    assert values["engagement.end_date"] == end_written


@pytest.mark.parametrize(
    ("start", "months", "end_written"),
    [
        # The last month has no day matching the start: the term ends on its last day
        # (民法143条2項), not on the day before the clamped date.
        (date(2027, 1, 31), 1, "令和9年2月28日"),
        (date(2027, 1, 30), 1, "令和9年2月28日"),
        (date(2027, 5, 31), 1, "令和9年6月30日"),
        (date(2028, 2, 29), 12, "令和11年2月28日"),
        # A matching day exists: the day before it.
        (date(2027, 1, 28), 1, "令和9年2月27日"),
        (date(2027, 1, 31), 2, "令和9年3月30日"),
    ],
)
def test_end_date_when_the_last_month_is_shorter(
    start: date, months: int, end_written: str
) -> None:
    values = contract_values(replace(FACTS, start_date=start, term_months=months))
    assert values["engagement.end_date"] == end_written


def test_availability_target_and_report_interval_follow_the_engagement() -> None:
    target = "terms.availability_target_pct"
    assert contract_values(replace(FACTS, availability=1))[target] == "99.5"
    assert contract_values(replace(FACTS, availability=2))[target] == "99.9"
    monthly = contract_values(replace(FACTS, confidentiality=2))
    assert monthly["terms.periodic_report_interval"] == "毎月"
    quarterly = contract_values(replace(FACTS, confidentiality=1, kind="tos_cloud"))
    assert quarterly["terms.periodic_report_interval"] == "四半期ごと"
