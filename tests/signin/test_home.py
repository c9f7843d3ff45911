"""ホーム: what waits for the signed-in person, by role, in JST dates and 和暦."""

from __future__ import annotations

from datetime import timedelta

import httpx

from service.jst import today_jst
from service.reminders.models import Deadline, DeadlineKind, DeadlineStatus
from tests.factories import Org, approved_review, evaluated_review
from tests.signin.helpers import StaffBrowser, text_of, with_password


async def test_each_role_sees_its_own_lists(
    org: Org, client: httpx.AsyncClient, browser: StaffBrowser
) -> None:
    waiting = await evaluated_review(client, org)
    approved = await approved_review(client, org)
    engagement = (
        await client.get(f"/api/engagements/{approved['engagement_id']}", headers=org.h("legal"))
    ).json()
    due = today_jst() + timedelta(days=10)
    await Deadline.filter(
        engagement_id=approved["engagement_id"],
        kind=DeadlineKind.review_due,
        status=DeadlineStatus.active,
    ).update(due_date=due)

    legal = await with_password(org.user_ids["legal"])
    await browser.sign_in(legal.email)
    page = text_of((await browser.get("/console/")).text)
    assert "契約書の作成待ち" in page and "1 件" in page
    assert engagement["number"] in page and engagement["service_name"] in page
    assert "判断・決裁待ち" not in page
    await browser.post("/console/signout", {})

    procurement = await with_password(org.user_ids["procurement"])
    await browser.sign_in(procurement.email)
    page = text_of((await browser.get("/console/")).text)
    assert "再審査期限（60日以内・期限超過）" in page
    era = f"令和{due.year - 2018}年{due.month}月{due.day}日"
    assert era in page  # 和暦 with the Gregorian year
    assert "契約書の作成待ち" not in page

    # English on request, kept in the session.
    await browser.post("/console/language", {"lang": "en", "next": "/console/"})
    page = text_of((await browser.get("/console/")).text)
    assert "Re-reviews due within 60 days or overdue" in page and due.isoformat() in page

    # Security sees the review awaiting a decision (no second factor required here, to be brief).
    await client.patch(
        f"/api/organizations/{org.id}/sign-in-policy",
        json={"mfa_required_roles": []},
        headers=org.h("admin"),
    )
    waiting_engagement = (
        await client.get(f"/api/engagements/{waiting['engagement_id']}", headers=org.h("legal"))
    ).json()
    await browser.post("/console/signout", {})
    security = await with_password(org.user_ids["security"])
    await browser.sign_in(security.email)
    page = text_of((await browser.get("/console/")).text)
    assert "判断・決裁待ちの審査" in page and waiting_engagement["number"] in page
    assert "判断待ち" in page  # the status, in words
