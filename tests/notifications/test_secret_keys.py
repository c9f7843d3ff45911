"""Webhook signing keys are encrypted at rest; keys come from settings or a generated key file,
and rotate without losing a secret."""

from __future__ import annotations

import stat
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet

from service import secretbox
from service.config import Settings
from service.notifications.service import reencrypt_secrets
from service.outbox.models import WebhookEndpoint
from tests.factories import Org


def settings_with(tmp_path: Path, secret_key: str | None = None) -> Settings:
    return Settings(secret_key=secret_key, secret_key_file=tmp_path / "keys" / "secret.key")


async def test_the_signing_key_is_stored_encrypted(client: httpx.AsyncClient, org: Org) -> None:
    response = await client.post(
        "/api/webhooks", json={"url": "https://hooks.example.jp/in"}, headers=org.h("admin")
    )
    assert response.status_code == 201, response.text
    shown = response.json()["secret"]
    row = await WebhookEndpoint.get(id=response.json()["id"])
    assert row.secret.startswith("fernet:") and shown not in row.secret
    assert secretbox.decrypt(row.secret) == shown


def test_without_a_configured_key_one_is_generated_once_and_kept_private(tmp_path: Path) -> None:
    settings = settings_with(tmp_path)
    stored = secretbox.encrypt("whsec_abc", settings)
    key_file = settings.secret_key_file
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    [key] = key_file.read_text().split()
    Fernet(key)  # a valid key
    # Another process (a new Settings, same file) reads the same key back.
    again = settings_with(tmp_path)
    assert secretbox.decrypt(stored, again) == "whsec_abc"
    assert key_file.read_text().split() == [key]
    assert list(key_file.parent.iterdir()) == [key_file]  # no draft left behind


def test_rotation_keeps_old_secrets_readable_then_rewraps_them(tmp_path: Path) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    stored = secretbox.encrypt("whsec_rotate", settings_with(tmp_path, old))
    both = settings_with(tmp_path, f"{new},{old}")
    assert secretbox.decrypt(stored, both) == "whsec_rotate"
    rewrapped = secretbox.rewrap(stored, both)
    assert rewrapped is not None and secretbox.rewrap(rewrapped, both) is None
    assert secretbox.decrypt(rewrapped, settings_with(tmp_path, new)) == "whsec_rotate"
    with pytest.raises(secretbox.SecretKeyError, match="復号できません"):
        secretbox.decrypt(stored, settings_with(tmp_path, new))


def test_a_malformed_key_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(secretbox.SecretKeyError, match="VETTING_SECRET_KEY: each key must be"):
        secretbox.encrypt("x", settings_with(tmp_path, "not-a-fernet-key"))


async def test_plain_keys_from_before_are_read_then_encrypted_by_migrate(
    client: httpx.AsyncClient, org: Org
) -> None:
    created = await client.post(
        "/api/webhooks", json={"url": "https://hooks.example.jp/old"}, headers=org.h("admin")
    )
    endpoint_id = created.json()["id"]
    # As a row written before encryption looks.
    await WebhookEndpoint.filter(id=endpoint_id).update(secret="whsec_plain-old")
    assert secretbox.decrypt("whsec_plain-old") == "whsec_plain-old"

    assert (await reencrypt_secrets()).changed >= 1
    row = await WebhookEndpoint.get(id=endpoint_id)
    assert row.secret.startswith("fernet:") and secretbox.decrypt(row.secret) == "whsec_plain-old"
    assert (await reencrypt_secrets()).changed == 0  # nothing left to do


async def test_a_key_that_opens_no_secret_leaves_the_delivery_pending_with_the_reason(
    client: httpx.AsyncClient, org: Org, monkeypatch: pytest.MonkeyPatch
) -> None:
    from service.config import get_settings
    from service.outbox.models import DeliveryStatus, Notification
    from tests.receivers import free_port
    from workers import runtime

    monkeypatch.setattr(get_settings(), "webhook_allow_private_addresses", True)
    created = await client.post(
        "/api/webhooks",
        json={"url": f"http://127.0.0.1:{free_port()}/in"},
        headers=org.h("admin"),
    )
    endpoint_id = created.json()["id"]
    foreign = Fernet(Fernet.generate_key()).encrypt(b"whsec_other").decode()
    await WebhookEndpoint.filter(id=endpoint_id).update(secret=f"fernet:{foreign}")
    # Re-encrypting at start-up reports it and leaves it alone (other tenants' keys still work).
    assert endpoint_id in (await reencrypt_secrets()).unreadable
    assert (await WebhookEndpoint.get(id=endpoint_id)).secret == f"fernet:{foreign}"

    ping = await client.post(f"/api/webhooks/{endpoint_id}/ping", headers=org.h("admin"))
    assert ping.status_code == 204, ping.text
    await runtime.wait_idle()
    row = await Notification.get(endpoint_id=endpoint_id)
    assert row.status == DeliveryStatus.pending and "復号できません" in row.last_error
    assert row.last_status_code is None  # nothing was sent unsigned
