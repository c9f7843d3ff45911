"""Signing in with a password, lockout and unlock, the console's session rules, CSRF, next=."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from service.audit.models import AuditEvent
from service.config import get_settings
from service.signin.models import Credential, StaffSession
from service.tokens import hash_secret
from tests.factories import Org, auth
from tests.signin.helpers import PASSWORD, StaffBrowser, csrf_of, text_of, with_password

# procurement, legal and auditor need no second factor by default; admin, security, approver do.


async def _actions(user_id: str) -> list[str]:
    events = await AuditEvent.filter(object_id=user_id).order_by("seq")
    return [e.action for e in events]


async def test_a_password_signs_in_and_lands_on_home(org: Org, browser: StaffBrowser) -> None:
    user = await with_password(org.user_ids["procurement"])
    response = await browser.sign_in(user.email)
    assert response.status_code == 303
    assert response.headers["location"] == "/console/"
    home = await browser.get("/console/")
    assert home.status_code == 200
    assert "ホーム" in home.text and "procurement担当" in home.text
    assert "事業者の回答・確認依頼への回答待ち" in home.text
    # The cookie's secret is not stored; its hash is.
    secret = browser.session_cookie
    assert secret and await StaffSession.filter(token_hash=hash_secret(secret)).exists()
    assert not await StaffSession.filter(token_hash=secret).exists()
    assert "signin.succeeded" in await _actions(str(user.id))


async def test_the_cookie_is_httponly_and_samesite_lax(org: Org, browser: StaffBrowser) -> None:
    user = await with_password(org.user_ids["legal"])
    response = await browser.sign_in(user.email)
    cookie = next(
        v for k, v in response.headers.multi_items() if k == "set-cookie" and "staff_session" in v
    )
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie


async def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(
    org: Org, browser: StaffBrowser
) -> None:
    user = await with_password(org.user_ids["legal"])
    response = await browser.sign_in(user.email, "not the password at all")
    assert response.status_code == 401
    assert "メールアドレスまたはパスワードが正しくありません" in text_of(response.text)
    unknown = await browser.sign_in("nobody@example.jp", "not the password at all")
    assert unknown.status_code == 401
    assert text_of(unknown.text).count("正しくありません") == 1
    assert browser.session_cookie is None
    credential = await Credential.get(user_id=user.id)
    assert credential.failed_attempts == 1
    assert "signin.failed" in await _actions(str(user.id))


async def test_repeated_failures_lock_the_account_until_an_admin_unlocks_it(
    org: Org, browser: StaffBrowser, client: httpx.AsyncClient
) -> None:
    user = await with_password(org.user_ids["auditor"])
    for _ in range(3):  # the limit in these tests
        assert (await browser.sign_in(user.email, "wrong password again")).status_code == 401
    locked = await browser.sign_in(user.email)  # even the right password now
    assert locked.status_code == 403
    assert "ロックされています" in text_of(locked.text)
    assert (await _actions(str(user.id))).count("signin.locked") == 1

    refused = await client.post(f"/api/users/{user.id}/unlock", headers=org.h("procurement"))
    assert refused.status_code == 403
    unlocked = await client.post(f"/api/users/{user.id}/unlock", headers=org.h("admin"))
    assert unlocked.status_code == 200 and unlocked.json()["was_locked"] is True
    events = await AuditEvent.filter(object_id=str(user.id), action="signin.unlocked")
    assert [e.actor_id for e in events] == [org.user_ids["admin"]]
    assert (await browser.sign_in(user.email)).status_code == 303
    again = await client.post(f"/api/users/{user.id}/unlock", headers=org.h("admin"))
    assert again.json()["was_locked"] is False


async def test_failures_from_one_address_are_throttled(
    org: Org, monkeypatch: pytest.MonkeyPatch
) -> None:
    from service.app import create_app
    from service.config import Settings

    user = await with_password(org.user_ids["legal"])
    monkeypatch.setenv("VETTING_RATE_LIMIT_SIGN_IN", "2/minute")
    application = create_app(Settings())  # its own throttle, with a small sign-in budget
    transport = httpx.ASGITransport(app=application, client=("192.0.2.77", 40000))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as other:

            async def attempt(email: str, password: str) -> httpx.Response:
                page = await other.get("/console/signin")
                return await other.post(
                    "/console/signin",
                    data={"csrf_token": csrf_of(page.text), "email": email, "password": password},
                )

            for _ in range(2):
                assert (await attempt("x@example.jp", "wrong")).status_code == 401
            refused = await attempt(user.email, PASSWORD)  # even the right password now
            assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
            assert "失敗した試行が多すぎます" in text_of(refused.text)
            assert other.cookies.get("staff_session") is None
    finally:
        await application.state.throttle.close()


async def test_an_idle_session_ends(org: Org, browser: StaffBrowser) -> None:
    user = await with_password(org.user_ids["procurement"])
    await browser.sign_in(user.email)
    secret = browser.session_cookie
    assert secret
    idle = get_settings().console_session_idle_minutes
    await StaffSession.filter(token_hash=hash_secret(secret)).update(
        last_seen_at=datetime.now(UTC) - timedelta(minutes=idle - 1)
    )
    assert (await browser.get("/console/")).status_code == 200  # still within the idle time
    await StaffSession.filter(token_hash=hash_secret(secret)).update(
        last_seen_at=datetime.now(UTC) - timedelta(minutes=idle, seconds=1)
    )
    response = await browser.get("/console/")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/console/signin")
    assert "ended=1" in response.headers["location"]
    assert (await StaffSession.get(token_hash=hash_secret(secret))).ended_at is not None


async def test_a_session_ends_at_its_absolute_lifetime_even_when_busy(
    org: Org, browser: StaffBrowser
) -> None:
    user = await with_password(org.user_ids["procurement"])
    await browser.sign_in(user.email)
    secret = browser.session_cookie
    assert secret
    session = await StaffSession.get(token_hash=hash_secret(secret))
    hours = get_settings().console_session_hours
    assert session.expires_at - session.created_at == pytest.approx(
        timedelta(hours=hours), abs=timedelta(seconds=5)
    )
    await StaffSession.filter(id=session.id).update(
        expires_at=datetime.now(UTC) - timedelta(seconds=1), last_seen_at=datetime.now(UTC)
    )
    assert (await browser.get("/console/")).status_code == 303


async def test_sign_out_ends_the_session(org: Org, browser: StaffBrowser) -> None:
    user = await with_password(org.user_ids["procurement"])
    await browser.sign_in(user.email)
    secret = browser.session_cookie
    await browser.get("/console/")
    response = await browser.post("/console/signout", {})
    assert response.status_code == 303
    assert "signed_out=1" in response.headers["location"]
    assert browser.session_cookie is None
    assert (await StaffSession.get(token_hash=hash_secret(secret or ""))).ended_at is not None
    assert "signin.signed_out" in await _actions(str(user.id))


async def test_sign_out_everywhere_ends_every_browser(
    app: object, org: Org, browser: StaffBrowser
) -> None:
    user = await with_password(org.user_ids["procurement"])
    other = StaffBrowser(app)
    try:
        await browser.sign_in(user.email)
        await other.sign_in(user.email)
        assert (await other.get("/console/")).status_code == 200
        await browser.get("/console/mfa")
        response = await browser.post("/console/signout-everywhere", {})
        assert response.status_code == 303
        assert (await other.get("/console/")).status_code == 303
        assert not await StaffSession.filter(user_id=user.id, ended_at__isnull=True).exists()
        assert "signin.signed_out_everywhere" in await _actions(str(user.id))
    finally:
        await other.aclose()


async def test_forms_without_the_csrf_token_are_refused(org: Org, browser: StaffBrowser) -> None:
    user = await with_password(org.user_ids["procurement"])
    await browser.get("/console/signin")
    refused = await browser.post(
        "/console/signin", {"email": user.email, "password": PASSWORD}, csrf="forged"
    )
    assert refused.status_code == 403 and browser.session_cookie is None
    await browser.sign_in(user.email)
    await browser.get("/console/")
    refused = await browser.post("/console/signout", {}, csrf="forged")
    assert refused.status_code == 403
    assert (await browser.get("/console/")).status_code == 200  # still signed in


@pytest.mark.parametrize(
    "target",
    ["//evil.example/x", "https://evil.example/", "/\\evil.example", "\\\\evil", "javascript:x"],
)
async def test_next_goes_only_to_a_path_on_this_site(
    org: Org, browser: StaffBrowser, target: str
) -> None:
    user = await with_password(org.user_ids["procurement"])
    response = await browser.sign_in(user.email, next_path=target)
    assert response.headers["location"] == "/console/"


async def test_next_to_a_console_path_is_followed(org: Org, browser: StaffBrowser) -> None:
    user = await with_password(org.user_ids["procurement"])
    response = await browser.sign_in(user.email, next_path="/console/mfa")
    assert response.headers["location"] == "/console/mfa"


async def test_a_page_asked_for_before_sign_in_comes_back_after_it(
    org: Org, browser: StaffBrowser
) -> None:
    response = await browser.get("/console/mfa")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/console/signin?next=/console/mfa")


async def test_the_server_root_leads_a_browser_to_the_console(browser: StaffBrowser) -> None:
    response = await browser.get("/")
    assert response.status_code == 303 and response.headers["location"] == "/console/"
    response = await browser.get("/console/")
    assert response.headers["location"].startswith("/console/signin")
    page = await browser.get("/console/signin")
    assert page.headers["content-security-policy"].startswith("default-src 'none'")
    assert page.headers["cache-control"] == "no-store"
    assert 'lang="ja"' in page.text and "サインイン" in page.text


async def test_the_api_stays_bearer_only(
    org: Org, browser: StaffBrowser, client: httpx.AsyncClient
) -> None:
    user = await with_password(org.user_ids["procurement"])
    await browser.sign_in(user.email)
    assert browser.session_cookie
    me = await browser.client.get("/api/me")  # the session cookie alone
    assert me.status_code == 401
    assert (await client.get("/api/me", headers=auth(org.tokens["procurement"]))).status_code == 200


async def test_over_https_the_cookie_is_secure_with_the_host_prefix(
    org: Org, browser: StaffBrowser, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "public_base_url", "https://vetting.city.example.jp")
    user = await with_password(org.user_ids["procurement"])
    page = await browser.get("/console/signin")
    response = await browser.client.post(
        "/console/signin",
        data={"csrf_token": csrf_of(page.text), "email": user.email, "password": PASSWORD},
        # The test client speaks plain http, so it holds no Secure cookie: send it as a browser
        # on https would.
        headers={"cookie": f"__Host-staff_signin={csrf_of(page.text)}"},
    )
    assert response.status_code == 303
    cookie = next(
        v
        for k, v in response.headers.multi_items()
        if k == "set-cookie" and v.startswith("__Host-staff_session=")
    )
    assert "Secure" in cookie and "HttpOnly" in cookie and "Path=/" in cookie
    assert "Domain" not in cookie


def test_set_up_links_are_kept_out_of_access_logs(app: object) -> None:
    import logging

    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        "",
        0,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1", "GET", "/console/setup/ps_SECRETsecret-_123", "1.1", 200),
        None,
    )
    for installed in logging.getLogger("uvicorn.access").filters:
        assert isinstance(installed, logging.Filter)
        installed.filter(record)
    assert "SECRET" not in record.getMessage()
    assert "/console/setup/ps_…" in record.getMessage()
