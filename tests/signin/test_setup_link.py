"""The e-mailed password set-up link: mailed through the outbox, single use, expiring."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from service.audit.models import AuditEvent
from service.config import get_settings
from service.outbox.models import Notification
from service.signin.models import PasswordSetupLink
from tests.factories import Org
from tests.receivers import SmtpServer, smtp_server
from tests.signin.helpers import PASSWORD, StaffBrowser, text_of
from workers import runtime


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpServer]:
    with smtp_server() as server:
        settings = get_settings()
        monkeypatch.setattr(settings, "smtp_host", server.host)
        monkeypatch.setattr(settings, "smtp_port", server.port)
        yield server


async def _mail_link(client: httpx.AsyncClient, org: Org, role: str, smtp: SmtpServer) -> str:
    user_id = org.user_ids[role]
    response = await client.post(f"/api/users/{user_id}/password-setup", headers=org.h("admin"))
    assert response.status_code == 201, response.text
    await runtime.wait_idle()
    [received] = smtp.sink.to(response.json()["sent_to"])[-1:]
    match = re.search(r"http://testserver(/console/setup/ps_[A-Za-z0-9_-]+)", received.text)
    assert match, received.text
    return match.group(1)


async def test_an_admin_mails_a_link_and_the_user_chooses_a_password(
    org: Org, client: httpx.AsyncClient, browser: StaffBrowser, smtp: SmtpServer
) -> None:
    path = await _mail_link(client, org, "legal", smtp)
    # The outbox keeps the link only until delivery; the database keeps only its hash.
    row = (
        await Notification.filter(event_type="user.password_setup").order_by("-created_at").first()
    )
    assert row is not None and row.secret_link == ""
    secret = path.rsplit("/", 1)[1]
    assert not await PasswordSetupLink.filter(token_hash=secret).exists()

    page = await browser.get(path)
    assert page.status_code == 200 and "パスワードの設定" in page.text
    assert page.headers["referrer-policy"] == "no-referrer"
    short = await browser.post(
        "/console/setup", {"token": secret, "password": "short1", "repeat": "short1"}
    )
    assert short.status_code == 422 and "12 文字以上" in text_of(short.text)
    common = await browser.post(
        "/console/setup", {"token": secret, "password": "password1234", "repeat": "password1234"}
    )
    assert common.status_code == 422 and "よく使われる" in text_of(common.text)
    differ = await browser.post(
        "/console/setup", {"token": secret, "password": PASSWORD, "repeat": PASSWORD + "x"}
    )
    assert differ.status_code == 422
    done = await browser.post(
        "/console/setup", {"token": secret, "password": PASSWORD, "repeat": PASSWORD}
    )
    assert done.status_code == 303 and "password_set=1" in done.headers["location"]

    email = (await client.get("/api/users", headers=org.h("admin"))).json()
    legal = next(u for u in email if u["id"] == org.user_ids["legal"])
    assert (await browser.sign_in(legal["email"])).status_code == 303
    # Single use: the link is spent.
    again = await browser.get(path)
    assert again.status_code == 410
    actions = [
        e.action for e in await AuditEvent.filter(object_id=org.user_ids["legal"]).order_by("seq")
    ]
    assert "user.password_setup_issued" in actions and "user.password_set" in actions


async def test_an_expired_or_replaced_link_does_not_work(
    org: Org, client: httpx.AsyncClient, browser: StaffBrowser, smtp: SmtpServer
) -> None:
    first = await _mail_link(client, org, "auditor", smtp)
    second = await _mail_link(client, org, "auditor", smtp)
    assert (await browser.get(first)).status_code == 410  # replaced by the newer link
    assert (await browser.get(second)).status_code == 200
    csrf = browser.client.cookies.get("staff_signin")  # the form's token, from that page
    await PasswordSetupLink.filter(user_id=org.user_ids["auditor"], used_at__isnull=True).update(
        expires_at=datetime.now(UTC) - timedelta(seconds=1)
    )
    assert (await browser.get(second)).status_code == 410
    refused = await browser.post(
        "/console/setup",
        {"token": second.rsplit("/", 1)[1], "password": PASSWORD, "repeat": PASSWORD},
        csrf=csrf,
    )
    assert refused.status_code == 410
    assert (await browser.get("/console/setup/ps_unknown")).status_code == 404


async def test_only_an_admin_of_the_organization_mails_links(
    org: Org, client: httpx.AsyncClient, operator_token: str
) -> None:
    user_id = org.user_ids["legal"]
    refused = await client.post(f"/api/users/{user_id}/password-setup", headers=org.h("security"))
    assert refused.status_code == 403
    from tests.factories import new_org

    other = await new_org(client, operator_token)
    hidden = await client.post(f"/api/users/{user_id}/password-setup", headers=other.h("admin"))
    assert hidden.status_code == 404
