"""Hijack reports: compromised, owner and CISO told, steps recorded, recovery re-verifies."""

from __future__ import annotations

import httpx

from service.accounts.models import User
from service.audit.models import AuditEvent
from service.outbox.models import Notification
from tests.factories import Org
from tests.receivers import SmtpServer
from tests.social.runs import latest_run, site_account
from tests.social.site import Site
from workers import runtime


async def test_a_hijack_is_reported_handled_step_by_step_and_recovered(
    client: httpx.AsyncClient, org: Org, site: Site, smtp: SmtpServer
) -> None:
    account = await site_account(client, org, site)
    # The owner (no registry role) may report it.
    reported = await client.post(
        f"/api/social/accounts/{account['id']}/incidents",
        json={"description": "身に覚えのない投稿が続いている"},
        headers=org.h("legal"),
    )
    assert reported.status_code == 201, reported.text
    incident = reported.json()
    assert incident["status"] == "open" and incident["steps"][0]["step"] == "reported"
    await runtime.wait_idle()

    state = await client.get(f"/api/social/accounts/{account['id']}", headers=org.h("auditor"))
    assert state.json()["status"] == "compromised"
    owner = await User.get(id=account["owner_id"])
    ciso = await User.get(id=org.user_ids["approver"])
    for address in (owner.email, ciso.email):
        [mail] = smtp.sink.to(address)
        assert "乗っ取り" in mail.text and account["handle"] in mail.text
    events = await Notification.filter(
        organization_id=org.id, event_type="social.account_compromised", channel="email"
    )
    assert {e.to_address for e in events} == {owner.email, ciso.email}
    tasks = await client.get("/api/social/tasks", headers=org.h("security"))
    assert any(
        t["kind"] == "compromised" and t["account_id"] == account["id"] for t in tasks.json()
    )
    twice = await client.post(
        f"/api/social/accounts/{account['id']}/incidents",
        json={"description": "again"},
        headers=org.h("security"),
    )
    assert twice.status_code == 409
    # Its status can only leave 'compromised' through the incident.
    shortcut = await client.patch(
        f"/api/social/accounts/{account['id']}", json={"status": "active"}, headers=org.h("admin")
    )
    assert shortcut.status_code == 409

    steps = [
        {"step": "password_reset", "note": "共用端末で再設定", "at": "2026-04-01T09:10:00+09:00"},
        {"step": "platform_contacted", "note": "問い合わせフォーム"},
        {"step": "residents_warned", "note": "市ウェブサイトとLINEで注意喚起"},
    ]
    for step in steps:
        recorded = await client.post(
            f"/api/social/incidents/{incident['id']}/steps", json=step, headers=org.h("security")
        )
        assert recorded.status_code == 200, recorded.text
    bad = await client.post(
        f"/api/social/incidents/{incident['id']}/steps",
        json={"step": "prayed"},
        headers=org.h("security"),
    )
    assert bad.status_code == 422 and "step" in bad.json()["fields"]
    naive = await client.post(
        f"/api/social/incidents/{incident['id']}/steps",
        json={"step": "other", "at": "2026-04-01T09:10:00"},
        headers=org.h("security"),
    )
    assert naive.status_code == 422 and "at" in naive.json()["fields"]

    recovered = await client.post(
        f"/api/social/incidents/{incident['id']}/steps",
        json={"step": "recovered", "note": "ログイン回復、連携アプリ解除"},
        headers=org.h("security"),
    )
    assert recovered.status_code == 200
    done = recovered.json()
    assert done["status"] == "recovered" and done["recovered_at"]
    assert [s["step"] for s in done["steps"]] == [
        "reported",
        "password_reset",
        "platform_contacted",
        "residents_warned",
        "recovered",
    ]
    assert done["steps"][1]["at"] == "2026-04-01T00:10:00+00:00"
    await runtime.wait_idle()

    state = await client.get(f"/api/social/accounts/{account['id']}", headers=org.h("auditor"))
    assert state.json()["status"] == "active"
    run = await latest_run(client, org, account["id"])
    assert run["trigger"] == "incident" and run["status"] == "awaiting_attestation"
    closed = await client.post(
        f"/api/social/incidents/{incident['id']}/steps",
        json={"step": "other"},
        headers=org.h("security"),
    )
    assert closed.status_code == 409
    actions = {
        e.action for e in await AuditEvent.filter(object_id=account["id"], organization_id=org.id)
    }
    assert {"social_account.compromised", "social_incident.step"} <= actions
    listed = await client.get(
        f"/api/social/accounts/{account['id']}/incidents", headers=org.h("auditor")
    )
    assert [i["id"] for i in listed.json()] == [incident["id"]]


async def test_auditors_read_incidents_but_do_not_respond(
    client: httpx.AsyncClient, org: Org, site: Site
) -> None:
    account = await site_account(client, org, site)
    refused = await client.post(
        f"/api/social/accounts/{account['id']}/incidents",
        json={"description": "監査からの報告"},
        headers=org.h("auditor"),
    )
    assert refused.status_code == 403
    # The CISO (approver) may report one.
    reported = await client.post(
        f"/api/social/accounts/{account['id']}/incidents",
        json={"description": "CISOが確認"},
        headers=org.h("approver"),
    )
    assert reported.status_code == 201, reported.text
    step = await client.post(
        f"/api/social/incidents/{reported.json()['id']}/steps",
        json={"step": "other"},
        headers=org.h("auditor"),
    )
    assert step.status_code == 403
    listed = await client.get(
        f"/api/social/accounts/{account['id']}/incidents", headers=org.h("auditor")
    )
    assert len(listed.json()) == 1 and listed.json()[0]["steps"][-1]["step"] == "reported"
    await runtime.wait_idle()
