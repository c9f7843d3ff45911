"""The iCalendar feed of an organization's deadlines (RFC 5545, the icalendar library). Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from icalendar import Calendar, Event

from service.reminders.service import WHAT_JA

PRODID = "-//vetting-service//deadlines//JA"


@dataclass(frozen=True)
class CalendarEntry:
    uid: str
    kind: str
    day: date
    engagement_number: str
    service_name: str
    vendor_name: str
    link: str


def build_feed(*, organization_name: str, entries: list[CalendarEntry]) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", f"{organization_name} 審査期限")
    calendar.add("x-wr-timezone", "Asia/Tokyo")
    stamp = datetime.now(UTC)
    for entry in entries:
        what = WHAT_JA.get(entry.kind, entry.kind)  # type: ignore[call-overload]
        event = Event()
        event.add("uid", entry.uid)
        event.add("dtstamp", stamp)
        event.add("dtstart", entry.day)  # an all-day event
        event.add("dtend", entry.day + timedelta(days=1))
        event.add("summary", f"{what}：{entry.service_name}（{entry.vendor_name}）")
        event.add(
            "description",
            f"案件番号 / Engagement: {entry.engagement_number}\n{entry.link}",
        )
        event.add("url", entry.link)
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    return bytes(calendar.to_ical())
