"""Webhooks: endpoints over the API, signed JSON events at a real HTTP receiver, retries, log."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from service.config import get_settings
from service.notifications import outbox, webhooks
from service.notifications.models import DeliveryStatus, Notification, WebhookEndpoint
from tests.factories import Org, evaluated_review, invited_review, new_org
from tests.receivers import HookReceiver, hook_receiver
from workers import runtime


@pytest.fixture
def loopback_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "webhook_allow_private_addresses", True)
    monkeypatch.setattr(get_settings(), "notify_retry_base_seconds", 0)


@pytest.fixture
def receiver(loopback_allowed: None) -> Iterator[HookReceiver]:
    with hook_receiver() as hooks:
        yield hooks


async def register(
    client: httpx.AsyncClient, org: Org, url: str, events: list[str] | None = None
) -> dict[str, str]:
    body: dict[str, object] = {"url": url, "description": "庁内連携"}
    if events is not None:
        body["events"] = events
    response = await client.post("/api/webhooks", json=body, headers=org.h("admin"))
    assert response.status_code == 201, response.text
    return dict(response.json())


def signature_is_valid(secret: str, header: str, body: bytes) -> bool:
    """Verify as a receiver would, independently of the service's own code."""
    parts = dict(item.split("=", 1) for item in header.split(","))
    expected = hmac.new(secret.encode(), parts["t"].encode() + b"." + body, hashlib.sha256)
    fresh = abs(time.time() - int(parts["t"])) < 300
    return fresh and hmac.compare_digest(expected.hexdigest(), parts["v1"])


async def test_every_status_change_reaches_the_endpoint_signed(
    client: httpx.AsyncClient, org: Org, receiver: HookReceiver
) -> None:
    hook = await register(client, org, receiver.url)
    assert hook["secret"].startswith("whsec_")
    review = await evaluated_review(client, org)
    await runtime.wait_idle()

    changes = [
        r.json["data"]
        for r in receiver.of_type("review.status_changed")
        if r.json["data"]["review_id"] == review["id"]
    ]
    assert [(c["from"], c["to"]) for c in changes] == [
        ("open", "invited"),
        ("invited", "answering"),
        ("answering", "submitted"),
        ("submitted", "evaluated"),
    ]
    assert any(
        r.json["data"]["review_id"] == review["id"] for r in receiver.of_type("review.opened")
    )
    for request in receiver.requests:
        assert request.headers["Content-Type"] == "application/json"
        assert signature_is_valid(
            hook["secret"], request.headers["Vetting-Signature"], request.body
        )
        assert request.headers["Vetting-Event-Id"] == request.json["id"]
        assert request.json["organization_id"] == org.id
        assert webhooks.verify(hook["secret"], request.headers["Vetting-Signature"], request.body)
        # A changed body, or another key, does not verify.
        assert not signature_is_valid(
            "whsec_other", request.headers["Vetting-Signature"], request.body
        )
        assert not webhooks.verify(
            hook["secret"], request.headers["Vetting-Signature"], request.body + b" "
        )

    # The secret is shown once: the list never carries it.
    listing = await client.get("/api/webhooks", headers=org.h("admin"))
    assert [h["id"] for h in listing.json()] == [hook["id"]]
    assert "secret" not in listing.json()[0] and hook["secret"] not in listing.text


async def test_failed_deliveries_are_retried_and_logged_per_endpoint(
    client: httpx.AsyncClient, org: Org, loopback_allowed: None
) -> None:
    with hook_receiver(script=[500, 503]) as receiver:
        hook = await register(client, org, receiver.url, events=["ping"])
        ping = await client.post(f"/api/webhooks/{hook['id']}/ping", headers=org.h("admin"))
        assert ping.status_code == 204
        await runtime.wait_idle()  # first attempt: 500
        for _ in range(2):  # what the outbox sweep does each minute
            for notification_id in await outbox.due_for_delivery():
                await outbox.deliver(notification_id)

        log = await client.get(f"/api/webhooks/{hook['id']}/deliveries", headers=org.h("admin"))
        assert log.status_code == 200
        [delivery] = log.json()
        assert delivery["status"] == "sent" and delivery["attempts"] == 3
        assert [a["status_code"] for a in delivery["attempt_log"]] == [500, 503, 200]
        assert delivery["event_type"] == "ping"
        # The same event id on every attempt, so the receiver can drop repeats.
        assert {r.headers["Vetting-Event-Id"] for r in receiver.requests} == {delivery["event_id"]}
        assert len(receiver.requests) == 3


async def test_an_endpoint_gets_only_the_events_it_asked_for(
    client: httpx.AsyncClient, org: Org, receiver: HookReceiver
) -> None:
    await register(client, org, receiver.url, events=["reminder.due"])
    await invited_review(client, org)
    await runtime.wait_idle()
    assert receiver.requests == []


async def test_a_removed_endpoint_gets_nothing_more(
    client: httpx.AsyncClient, org: Org, receiver: HookReceiver
) -> None:
    hook = await register(client, org, receiver.url)
    removed = await client.delete(f"/api/webhooks/{hook['id']}", headers=org.h("admin"))
    assert removed.status_code == 204
    await invited_review(client, org)
    await runtime.wait_idle()
    assert receiver.requests == []
    listing = await client.get("/api/webhooks", headers=org.h("admin"))
    assert listing.json()[0]["active"] is False
    # For the rest of the API it is gone.
    for method, path in [
        ("GET", f"/api/webhooks/{hook['id']}/deliveries"),
        ("POST", f"/api/webhooks/{hook['id']}/ping"),
        ("DELETE", f"/api/webhooks/{hook['id']}"),
    ]:
        response = await client.request(method, path, headers=org.h("admin"))
        assert response.status_code == 404, (method, path, response.text)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hooks",
        "http://localhost/hooks",  # a name: resolved, and every address checked
        "http://10.1.2.3/hooks",
        "http://[::1]/hooks",
        "http://[::ffff:192.168.0.1]/hooks",
        "https://169.254.169.254/latest/meta-data",
    ],
)
async def test_internal_addresses_are_refused_at_registration(
    client: httpx.AsyncClient, org: Org, monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    monkeypatch.setattr(get_settings(), "webhook_allow_private_addresses", False)
    refused = await client.post("/api/webhooks", json={"url": url}, headers=org.h("admin"))
    assert refused.status_code == 422, refused.text
    body = refused.json()
    assert body["error"] == "validation_failed" and "non-public" in body["fields"]["url"]
    assert body["detail"].startswith("Webhookの宛先")
    listing = await client.get("/api/webhooks", headers=org.h("admin"))
    assert url not in {hook["url"] for hook in listing.json()}  # nothing half-written


async def test_a_public_address_is_accepted_and_an_unresolvable_name_checked_at_delivery(
    client: httpx.AsyncClient, org: Org, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "webhook_allow_private_addresses", False)
    public = await register(client, org, "https://93.184.215.14/hooks", events=["ping"])
    assert public["url"] == "https://93.184.215.14/hooks"
    # A name that does not resolve (yet) is accepted; a delivery refuses it while it does not.
    unknown = await register(client, org, "https://hooks.invalid/in", events=["ping"])
    await client.post(f"/api/webhooks/{unknown['id']}/ping", headers=org.h("admin"))
    await runtime.wait_idle()
    row = await Notification.get(endpoint_id=unknown["id"])
    assert row.status == DeliveryStatus.failed and "cannot resolve hooks.invalid" in row.last_error


async def test_an_address_allowed_then_disallowed_is_refused_at_delivery(
    client: httpx.AsyncClient, org: Org, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "webhook_allow_private_addresses", True)
    with hook_receiver() as receiver:
        hook = await register(client, org, receiver.url, events=["ping"])
        monkeypatch.setattr(get_settings(), "webhook_allow_private_addresses", False)
        await client.post(f"/api/webhooks/{hook['id']}/ping", headers=org.h("admin"))
        await runtime.wait_idle()
        assert receiver.requests == []
    row = await Notification.get(endpoint_id=hook["id"])
    assert row.status == DeliveryStatus.failed
    assert "non-public address 127.0.0.1" in row.last_error


async def test_only_admins_manage_endpoints_and_bad_addresses_are_refused(
    client: httpx.AsyncClient, org: Org
) -> None:
    body = {"url": "https://hooks.example.jp/x"}
    refused = await client.post("/api/webhooks", json=body, headers=org.h("security"))
    assert refused.status_code == 403
    listed = await client.get("/api/webhooks", headers=org.h("procurement"))
    assert listed.status_code == 403
    bad = await client.post(
        "/api/webhooks", json={"url": "ftp://hooks.example.jp/x"}, headers=org.h("admin")
    )
    assert bad.status_code == 422 and "url" in bad.json()["fields"]
    unknown_event = await client.post(
        "/api/webhooks", json={**body, "events": ["everything"]}, headers=org.h("admin")
    )
    assert unknown_event.status_code == 422


async def test_a_slow_or_absent_receiver_is_a_failed_attempt_not_an_error(
    client: httpx.AsyncClient, org: Org, loopback_allowed: None
) -> None:
    from tests.receivers import free_port

    hook = await register(client, org, f"http://127.0.0.1:{free_port()}/nobody", events=["ping"])
    await client.post(f"/api/webhooks/{hook['id']}/ping", headers=org.h("admin"))
    await runtime.wait_idle()
    row = await Notification.get(endpoint_id=hook["id"])
    assert row.status == DeliveryStatus.pending and "ConnectError" in row.last_error
    assert row.next_attempt_at <= datetime.now(UTC)  # base 0 in this test: due again at once


async def test_an_organization_has_a_bounded_number_of_endpoints(
    client: httpx.AsyncClient, org: Org, operator_token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "webhook_max_per_organization", 3)
    hooks = [await register(client, org, f"https://hooks.example.jp/{n}") for n in range(3)]
    refused = await client.post(
        "/api/webhooks", json={"url": "https://hooks.example.jp/4"}, headers=org.h("admin")
    )
    assert refused.status_code == 409
    body = refused.json()
    assert body["error"] == "webhook_limit_reached"
    assert "3件まで" in body["detail"] and "at most 3 webhook endpoints" in body["detail"]
    listed = await client.get("/api/webhooks", headers=org.h("admin"))
    assert [h["url"] for h in listed.json()] == [f"https://hooks.example.jp/{n}" for n in range(3)]
    # Another organization has its own allowance; a removed endpoint frees a place.
    other = await new_org(client, operator_token)
    await register(client, other, "https://hooks.example.jp/other")
    removed = await client.delete(f"/api/webhooks/{hooks[0]['id']}", headers=org.h("admin"))
    assert removed.status_code == 204
    await register(client, org, "https://hooks.example.jp/4")


async def test_the_endpoint_limit_holds_when_admins_register_at_once(
    client: httpx.AsyncClient, org: Org, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "webhook_max_per_organization", 3)
    responses = await asyncio.gather(
        *(
            client.post(
                "/api/webhooks",
                json={"url": f"https://hooks.example.jp/at-once/{n}"},
                headers=org.h("admin"),
            )
            for n in range(8)
        )
    )
    assert sorted(r.status_code for r in responses) == [201] * 3 + [409] * 5
    assert await WebhookEndpoint.filter(organization_id=org.id, active=True).count() == 3
