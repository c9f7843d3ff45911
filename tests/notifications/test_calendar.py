"""The iCalendar feed of due dates at a secret address."""

from __future__ import annotations

from datetime import date

import httpx
from icalendar import Calendar

from tests.factories import Org, approved_review, good_answers


async def test_the_feed_lists_due_dates_at_a_secret_address(
    client: httpx.AsyncClient, org: Org
) -> None:
    review = await approved_review(client, org)
    engagement = (
        await client.get(f"/api/engagements/{review['engagement_id']}", headers=org.h("auditor"))
    ).json()
    refused = await client.post(
        f"/api/organizations/{org.id}/calendar-feed", headers=org.h("procurement")
    )
    assert refused.status_code == 403
    issued = await client.post(f"/api/organizations/{org.id}/calendar-feed", headers=org.h("admin"))
    assert issued.status_code == 201, issued.text
    url = issued.json()["url"]
    assert url.startswith("http://testserver/api/calendar/cal_")

    feed = await client.get(url.removeprefix("http://testserver"))  # no Authorization header
    assert feed.status_code == 200
    assert feed.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(feed.content)
    events = {
        str(event.get("summary")): event.decoded("dtstart") for event in calendar.walk("VEVENT")
    }
    due = date.fromisoformat(engagement["next_review_due"])
    review_event = f"定期再審査の期限：{engagement['service_name']}"
    assert any(s.startswith(review_event) and d == due for s, d in events.items()), events
    isms = date.fromisoformat(good_answers()["isms_expiry"])
    assert any(s.startswith("ISMS認証の有効期限") and d == isms for s, d in events.items())

    # A new address replaces the old one; a withdrawn one answers 404.
    again = await client.post(f"/api/organizations/{org.id}/calendar-feed", headers=org.h("admin"))
    old = await client.get(url.removeprefix("http://testserver"))
    assert old.status_code == 404
    withdrawn = await client.delete(
        f"/api/organizations/{org.id}/calendar-feed", headers=org.h("admin")
    )
    assert withdrawn.status_code == 204
    assert (
        await client.get(again.json()["url"].removeprefix("http://testserver"))
    ).status_code == 404
