"""The email delivery log over the API: what was sent to whom, what failed and why, per review."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from service.config import get_settings
from service.jobs import transaction
from service.outbox import service as outbox
from service.reminders import service as reminders
from service.reminders.models import Deadline, DeadlineKind, Reminder
from tests.factories import Org, approved_review, invited_review, new_org
from tests.receivers import SmtpServer, free_port, smtp_server
from workers import runtime

VENDOR = "sales@minato-cloud.example.jp"


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpServer]:
    with smtp_server() as server:
        monkeypatch.setattr(get_settings(), "smtp_host", server.host)
        monkeypatch.setattr(get_settings(), "smtp_port", server.port)
        monkeypatch.setattr(get_settings(), "mail_from", "shinsa@city.example.jp")
        yield server


async def queue(org: Org, key: str, *, to: str, review_id: str | None = None) -> None:
    async with transaction() as conn:
        await outbox.queue_email(
            conn,
            organization_id=org.id,
            dedupe_key=key,
            event_type="test",
            to_address=to,
            subject="【審査】テスト件名 / test subject",
            body="本文 / body\n",
            review_id=review_id,
        )
    await runtime.wait_idle()


async def deliveries(
    client: httpx.AsyncClient, org: Org, role: str = "auditor", **params: Any
) -> list[dict[str, Any]]:
    response = await client.get("/api/email-deliveries", params=params, headers=org.h(role))
    assert response.status_code == 200, response.text
    return list(response.json())


async def test_a_sent_email_is_listed_with_recipient_subject_and_sent_time(
    client: httpx.AsyncClient, org: Org, smtp: SmtpServer
) -> None:
    await queue(org, "log-sent", to="tanto@city.example.jp")

    [row] = [d for d in await deliveries(client, org) if d["to_address"] == "tanto@city.example.jp"]
    assert row["status"] == "sent" and row["attempts"] == 1 and row["last_error"] == ""
    assert row["subject"] == "【審査】テスト件名 / test subject"
    assert row["sent_at"] is not None and row["event_type"] == "test"
    # The Message-ID the receiver saw, so a complaint about a message can be traced to its row.
    [received] = smtp.sink.to("tanto@city.example.jp")
    assert received.message_id == row["message_id"] == f"<{row['id']}@city.example.jp>"
    assert "body" not in row and "secret_link" not in row


async def test_a_failing_server_shows_attempts_and_the_last_error(
    client: httpx.AsyncClient, org: Org, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = get_settings()
    monkeypatch.setattr(settings, "smtp_host", "127.0.0.1")
    monkeypatch.setattr(settings, "smtp_port", free_port())  # nothing listens there
    monkeypatch.setattr(settings, "notify_retry_base_seconds", 0)
    await queue(org, "log-refused", to="kakari@city.example.jp")
    [failing] = await deliveries(client, org, status="pending")
    assert failing["to_address"] == "kakari@city.example.jp"
    assert failing["attempts"] == 1 and failing["sent_at"] is None
    assert failing["last_error"] and failing["attempt_log"][0]["error"] == failing["last_error"]

    # Another attempt, still refused: the log says so and counts it.
    await outbox.deliver(failing["id"])
    [again] = await deliveries(client, org, status="pending")
    assert again["attempts"] == 2 and len(again["attempt_log"]) == 2
    assert await deliveries(client, org, status="sent") == []


async def test_filter_by_review_finds_the_reminder_and_the_vendor_invitation(
    client: httpx.AsyncClient, org: Org, smtp: SmtpServer
) -> None:
    first = await approved_review(client, org, vendor_email=VENDOR)
    other, _ = await invited_review(client, org)
    await queue(org, "log-other-review", to="other@city.example.jp", review_id=other["id"])
    deadline = await Deadline.get(
        engagement_id=first["engagement_id"], kind=DeadlineKind.review_due, status="active"
    )
    row = await Reminder.get(deadline_id=deadline.id, offset_days=60)
    assert await reminders.fire_reminder(str(row.id), today=row.send_on) == "sent"
    await runtime.wait_idle()

    about_first = await deliveries(client, org, review_id=first["id"])
    assert about_first and {d["review_id"] for d in about_first} == {first["id"]}
    assert all(d["event_type"] == "reminder.due" for d in about_first)
    assert "other@city.example.jp" not in {d["to_address"] for d in about_first}
    # The vendor's invitation belongs to the round the reminder opened.
    rounds = (
        await client.get(
            f"/api/engagements/{first['engagement_id']}/reviews", headers=org.h("auditor")
        )
    ).json()
    [invitation] = await deliveries(client, org, review_id=rounds[1]["id"])
    assert invitation["to_address"] == VENDOR and invitation["status"] == "sent"
    [only_other] = await deliveries(client, org, review_id=other["id"], status="sent")
    assert only_other["to_address"] == "other@city.example.jp"


async def test_newest_first_and_limited(
    client: httpx.AsyncClient, org: Org, smtp: SmtpServer
) -> None:
    for n in range(3):
        await queue(org, f"log-order-{n}", to=f"n{n}@city.example.jp")
    listed = await deliveries(client, org, limit=2)
    assert [d["to_address"] for d in listed] == ["n2@city.example.jp", "n1@city.example.jp"]


@pytest.mark.parametrize("role", ["admin", "security", "auditor"])
async def test_admin_security_and_auditor_may_read(
    client: httpx.AsyncClient, org: Org, role: str
) -> None:
    await deliveries(client, org, role)


@pytest.mark.parametrize("role", ["procurement", "approver", "legal"])
async def test_other_roles_may_not(client: httpx.AsyncClient, org: Org, role: str) -> None:
    response = await client.get("/api/email-deliveries", headers=org.h(role))
    assert response.status_code == 403, response.text


async def test_another_organizations_emails_and_reviews_stay_hidden(
    client: httpx.AsyncClient, org: Org, operator_token: str, smtp: SmtpServer
) -> None:
    other = await new_org(client, operator_token)
    their_review, _ = await invited_review(client, other)
    await queue(other, "log-tenant", to="secret@other.example.jp", review_id=their_review["id"])

    assert "secret@other.example.jp" not in {d["to_address"] for d in await deliveries(client, org)}
    response = await client.get(
        "/api/email-deliveries", params={"review_id": their_review["id"]}, headers=org.h("admin")
    )
    assert response.status_code == 404, response.text
    assert [d["to_address"] for d in await deliveries(client, other, review_id=their_review["id"])]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "lost"}, "status"),
        ({"review_id": "not-a-uuid"}, "review_id"),
        ({"limit": "0"}, "limit"),
        ({"limit": "501"}, "limit"),
        ({"colour": "red"}, "colour"),
    ],
)
async def test_bad_filters_are_clear_errors(
    client: httpx.AsyncClient, org: Org, params: dict[str, str], field: str
) -> None:
    response = await client.get("/api/email-deliveries", params=params, headers=org.h("admin"))
    assert response.status_code == 422, response.text
    assert field in response.text
