"""Re-review end to end: approval plans the deadline and reminders; on their 開庁日 the reminders
reach the right people by email and webhook, the next round opens pre-filled and the vendor is
asked; an overdue review escalates weekly to the approvers until it is approved again.
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from email.header import decode_header, make_header
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from service.accounts.models import Organization
from service.config import get_settings
from service.jst import add_months
from service.questionnaire.models import AnswerSet
from service.reminders import service as reminders
from service.reminders.business_days import is_office_closed
from service.reminders.cadence import Alignment, plan_due_date
from service.reminders.models import (
    Deadline,
    DeadlineKind,
    Reminder,
    ReminderStatus,
    ReviewCadence,
)
from tests.factories import Org, approved_review, good_answers
from tests.receivers import HookReceiver, Received, SmtpServer, hook_receiver, smtp_server
from workers import runtime

VENDOR = "sales@minato-cloud.example.jp"


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpServer]:
    with smtp_server() as server:
        monkeypatch.setattr(get_settings(), "smtp_host", server.host)
        monkeypatch.setattr(get_settings(), "smtp_port", server.port)
        yield server


@pytest.fixture
def hooks(monkeypatch: pytest.MonkeyPatch) -> Iterator[HookReceiver]:
    monkeypatch.setattr(get_settings(), "webhook_allow_private_addresses", True)
    with hook_receiver() as receiver:
        yield receiver


def today() -> date:
    return datetime.now(ZoneInfo("Asia/Tokyo")).date()


def subject(message: Received) -> str:
    return str(make_header(decode_header(message.message["Subject"])))


async def emails(client: httpx.AsyncClient, org: Org) -> dict[str, str]:
    users = (await client.get("/api/users", headers=org.h("admin"))).json()
    return {user["roles"][0]: user["email"] for user in users}


async def deadlines(client: httpx.AsyncClient, org: Org, engagement_id: str) -> list[Any]:
    response = await client.get(
        f"/api/engagements/{engagement_id}/deadlines", headers=org.h("auditor")
    )
    assert response.status_code == 200, response.text
    return list(response.json())


async def reminder(engagement_id: str, kind: DeadlineKind, offset: int) -> Reminder:
    deadline = await Deadline.get(engagement_id=engagement_id, kind=kind, status="active")
    return await Reminder.get(deadline_id=deadline.id, offset_days=offset)


async def fire(row: Reminder, on: date | None = None) -> str:
    day = on or row.send_on
    assert str(row.id) in await reminders.due_reminder_ids(today=day)
    result = await reminders.fire_reminder(str(row.id), today=day)
    await runtime.wait_idle()  # the in-process jobs deliver the outbox
    return result


async def test_approval_sets_the_due_date_by_tier_and_plans_reminders(
    client: httpx.AsyncClient, org: Org
) -> None:
    review = await approved_review(client, org)
    engagement = await client.get(
        f"/api/engagements/{review['engagement_id']}", headers=org.h("auditor")
    )
    due = date.fromisoformat(engagement.json()["next_review_due"])
    expected = plan_due_date(approved_on=today(), interval_months=12, alignment=Alignment.none)
    assert due == expected.due and not is_office_closed(due)

    planned = {d["kind"]: d for d in await deadlines(client, org, review["engagement_id"])}
    assert planned["review_due"]["due_date"] == due.isoformat()
    offsets = [r["offset_days"] for r in planned["review_due"]["reminders"]]
    assert offsets == [60, 30, 7, 0]
    assert all(
        not is_office_closed(date.fromisoformat(r["send_on"]))
        for r in planned["review_due"]["reminders"]
    )
    # The ISMS certificate's expiry from the answers raises its own deadline.
    assert planned["isms_expiry"]["due_date"] == good_answers()["isms_expiry"]
    assert [r["offset_days"] for r in planned["isms_expiry"]["reminders"]] == [60, 30, 7, 0]

    timeline = await client.get(f"/api/reviews/{review['id']}/timeline", headers=org.h("auditor"))
    [planned_event] = [e for e in timeline.json() if e["action"] == "review_schedule.planned"]
    assert planned_event["data"]["tier"] == "standard"
    assert planned_event["data"]["next_review_due"] == due.isoformat()


async def test_my_number_and_confidentiality_3_get_the_shorter_interval(
    client: httpx.AsyncClient, org: Org
) -> None:
    for overrides in ({"confidentiality": 3}, {"my_number": True}):
        review = await approved_review(client, org, **overrides)
        engagement = await client.get(
            f"/api/engagements/{review['engagement_id']}", headers=org.h("auditor")
        )
        due = date.fromisoformat(engagement.json()["next_review_due"])
        six_months = add_months(today(), 6)
        assert (six_months - due).days in range(0, 7), overrides


async def test_cadence_is_configured_per_organization(client: httpx.AsyncClient, org: Org) -> None:
    url = f"/api/organizations/{org.id}/review-cadence"
    defaults = await client.get(url, headers=org.h("auditor"))
    assert defaults.json() == {
        "standard_interval_months": 12,
        "sensitive_interval_months": 6,
        "alignment": "none",
        "reminder_offsets": [60, 30, 7, 0],
        "escalation_days": 7,
    }
    assert (
        await client.patch(url, json={"alignment": "fiscal_year"}, headers=org.h("security"))
    ).status_code == 403
    bad = await client.patch(url, json={"reminder_offsets": [-3]}, headers=org.h("admin"))
    # The field, and the item in it (the schema bounds each offset).
    assert bad.status_code == 422 and "reminder_offsets.0" in bad.json()["fields"]
    changed = await client.patch(
        url,
        json={"alignment": "fiscal_year", "reminder_offsets": [0, 30, 30]},
        headers=org.h("admin"),
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["reminder_offsets"] == [30, 0]

    review = await approved_review(client, org)
    [due] = [
        d
        for d in await deadlines(client, org, review["engagement_id"])
        if d["kind"] == "review_due"
    ]
    expected = plan_due_date(
        approved_on=today(), interval_months=12, alignment=Alignment.fiscal_year
    ).due
    assert due["due_date"] == expected.isoformat()
    assert expected.month == 3 and expected.day >= 25  # 年度末, or the 開庁日 before it
    assert [r["offset_days"] for r in due["reminders"]] == [30, 0]


async def test_the_first_reminder_opens_the_next_round_prefilled_and_asks_the_vendor(
    client: httpx.AsyncClient, org: Org, smtp: SmtpServer, hooks: HookReceiver
) -> None:
    await client.post("/api/webhooks", json={"url": hooks.url}, headers=org.h("admin"))
    first = await approved_review(client, org, vendor_email=VENDOR)
    engagement_id = first["engagement_id"]
    people = await emails(client, org)
    row = await reminder(engagement_id, DeadlineKind.review_due, 60)

    assert await fire(row) == "sent"

    rounds = (
        await client.get(f"/api/engagements/{engagement_id}/reviews", headers=org.h("auditor"))
    ).json()
    assert [(r["round"], r["status"]) for r in rounds] == [(1, "approved"), (2, "invited")]
    previous = await AnswerSet.get(review_id=first["id"])
    copied = await AnswerSet.get(review_id=rounds[1]["id"])
    assert copied.submitted_at is None  # a draft
    assert copied.answers == {k: v for k, v in previous.answers.items() if k != "isms_certificate"}

    # The vendor got a link that opens the new round with the last answers filled in.
    [to_vendor] = smtp.sink.to(VENDOR)
    assert "定期再審査" in subject(to_vendor) and "第2回" in to_vendor.text
    link = re.search(r"http://testserver/v/(vl_\S+)", to_vendor.text)
    assert link, to_vendor.text
    questionnaire = await client.get(f"/api/vendor/{link.group(1)}")
    assert questionnaire.status_code == 200
    assert questionnaire.json()["editable"] is True
    assert questionnaire.json()["answers"]["legal_name"] == good_answers()["legal_name"]

    # Procurement (the engagement's owner) heard of it, in Japanese, on the day planned.
    [to_owner] = smtp.sink.to(people["procurement"])
    assert subject(to_owner).startswith("【再審査】") and "あと" in subject(to_owner)
    assert "第2回" in to_owner.text and "事業者へ回答の依頼" in to_owner.text
    assert f"http://testserver/api/engagements/{engagement_id}" in to_owner.text
    assert smtp.sink.to(people["approver"]) == []

    # Webhooks: the reminder, the new round, and its invitation.
    [due_event] = [
        r for r in hooks.of_type("reminder.due") if r.json["data"]["reminder_id"] == str(row.id)
    ]
    assert due_event.json["data"]["opened_review_id"] == rounds[1]["id"]
    assert any(
        r.json["data"]["review_id"] == rounds[1]["id"] for r in hooks.of_type("review.opened")
    )

    # Safe twice: the reminder and the round exist once, nothing more is sent.
    sent = smtp.sink.count()
    assert await reminders.fire_reminder(str(row.id), today=row.send_on) == "nothing to do"
    await runtime.wait_idle()
    assert smtp.sink.count() == sent
    # The next reminder tells procurement again but opens no third round.
    thirty = await reminder(engagement_id, DeadlineKind.review_due, 30)
    assert await fire(thirty) == "sent"
    rounds_after = (
        await client.get(f"/api/engagements/{engagement_id}/reviews", headers=org.h("auditor"))
    ).json()
    assert len(rounds_after) == 2
    assert len(smtp.sink.to(people["procurement"])) == 2 and len(smtp.sink.to(VENDOR)) == 1


async def test_overdue_escalates_weekly_to_the_approver_until_approved_again(
    client: httpx.AsyncClient, org: Org, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = await approved_review(client, org, vendor_email=VENDOR)
    engagement_id = first["engagement_id"]
    people = await emails(client, org)
    await fire(await reminder(engagement_id, DeadlineKind.review_due, 60))
    on_the_day = await reminder(engagement_id, DeadlineKind.review_due, 0)
    assert await fire(on_the_day) == "sent"
    assert subject(smtp.sink.to(people["security"])[-1]).startswith("【本日期限】")

    week_one = await reminder(engagement_id, DeadlineKind.review_due, -7)
    assert week_one.send_on > on_the_day.send_on and not is_office_closed(week_one.send_on)
    assert await fire(week_one) == "sent"
    [escalation] = smtp.sink.to(people["approver"])
    assert subject(escalation).startswith("【期限超過】") and "日過ぎています" in escalation.text
    week_two = await reminder(engagement_id, DeadlineKind.review_due, -14)
    assert week_two.status == ReminderStatus.pending

    # The vendor answers the pre-filled round 2; security approves it.
    link = re.search(r"/v/(vl_\S+)", smtp.sink.to(VENDOR)[0].text)
    assert link
    assert (await client.post(f"/api/vendor/{link.group(1)}/submit")).status_code == 200
    await runtime.wait_idle()
    rounds = (
        await client.get(f"/api/engagements/{engagement_id}/reviews", headers=org.h("auditor"))
    ).json()
    # The approval comes 8 days late (the service's clock, moved for this test).
    late = week_one.send_on + timedelta(days=1)
    monkeypatch.setattr(reminders, "today_jst", lambda: late)
    approve = await client.post(
        f"/api/reviews/{rounds[1]['id']}/decision",
        json={"decision": "approve", "reason": "再確認済み"},
        headers=org.h("security"),
    )
    assert approve.status_code == 200, approve.text

    # The old deadline is met, its escalation cancelled; a new deadline a year on.
    await week_two.refresh_from_db()
    assert week_two.status == ReminderStatus.cancelled
    assert (
        await reminders.fire_reminder(str(week_two.id), today=week_two.send_on) == "nothing to do"
    )
    planned = await deadlines(client, org, engagement_id)
    due_dates = [(d["status"], d["due_date"]) for d in planned if d["kind"] == "review_due"]
    new_due = plan_due_date(approved_on=late, interval_months=12, alignment=Alignment.none).due
    old = await Deadline.get(id=week_one.deadline_id)
    assert sorted(due_dates) == [("active", new_due.isoformat()), ("met", old.due_date.isoformat())]


async def test_a_certificate_expiry_reminds_procurement_and_security(
    client: httpx.AsyncClient, org: Org, smtp: SmtpServer
) -> None:
    review = await approved_review(client, org)
    people = await emails(client, org)
    row = await reminder(review["engagement_id"], DeadlineKind.isms_expiry, 30)
    assert await fire(row) == "sent"
    for role in ("procurement", "security"):
        [message] = smtp.sink.to(people[role])
        assert subject(message).startswith("【認証期限】")
        assert "ISMS認証の有効期限" in message.text and "2028年9月30日" in message.text


async def test_a_rejected_first_round_plans_nothing(client: httpx.AsyncClient, org: Org) -> None:
    from tests.factories import evaluated_review

    review = await evaluated_review(client, org)
    rejected = await client.post(
        f"/api/reviews/{review['id']}/decision",
        json={"decision": "reject", "reason": "不適合"},
        headers=org.h("security"),
    )
    assert rejected.status_code == 200
    assert await deadlines(client, org, review["engagement_id"]) == []


async def test_the_standard_interval_is_part_of_the_cadence(
    client: httpx.AsyncClient, org: Org, operator_token: str
) -> None:
    url = f"/api/organizations/{org.id}/review-cadence"
    changed = await client.patch(url, json={"standard_interval_months": 24}, headers=org.h("admin"))
    assert changed.status_code == 200, changed.text
    assert changed.json()["standard_interval_months"] == 24
    too_long = await client.patch(
        url, json={"standard_interval_months": 61}, headers=org.h("admin")
    )
    assert too_long.status_code == 422 and "standard_interval_months" in too_long.json()["fields"]

    review = await approved_review(client, org)
    engagement = await client.get(
        f"/api/engagements/{review['engagement_id']}", headers=org.h("auditor")
    )
    due = date.fromisoformat(engagement.json()["next_review_due"])
    expected = plan_due_date(approved_on=today(), interval_months=24, alignment=Alignment.none)
    assert due == expected.due

    # The organization's own endpoints point the old field at its new home.
    for method, path, body in [
        ("PATCH", f"/api/organizations/{org.id}", {"review_interval_months": 6}),
        (
            "POST",
            "/api/organizations",
            {"name": "移行町", "jurisdiction_court": "東京地方裁判所", "review_interval_months": 6},
        ),
    ]:
        token = (
            org.h("admin") if method == "PATCH" else {"Authorization": f"Bearer {operator_token}"}
        )
        refused = await client.request(method, path, json=body, headers=token)
        assert refused.status_code == 422, refused.text
        assert "review-cadence" in refused.json()["fields"]["review_interval_months"]
    read = (await client.get(f"/api/organizations/{org.id}", headers=org.h("admin"))).json()
    assert "review_interval_months" not in read
    assert (await client.get(url, headers=org.h("admin"))).json()["standard_interval_months"] == 24


async def test_vetting_org_create_sets_the_standard_interval_in_the_cadence() -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(Path(sys.executable).with_name("vetting")), "org", "create", *args],
            capture_output=True,
            text=True,
            env=dict(os.environ),
            timeout=120,
        )

    made = await asyncio.to_thread(
        run, "--name", "十八月市", "--court", "東京地方裁判所", "--review-interval-months", "18"
    )
    assert made.returncode == 0, made.stderr
    cadence = await ReviewCadence.get(organization_id=made.stdout.strip())
    assert cadence.standard_interval_months == 18

    refused = await asyncio.to_thread(
        run, "--name", "零月市", "--court", "東京地方裁判所", "--review-interval-months", "0"
    )
    assert refused.returncode == 2
    assert "standard_interval_months" in refused.stderr and "Traceback" not in refused.stderr
    assert not await Organization.exists(name="零月市")
