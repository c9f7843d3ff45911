"""The link is exchanged for a session cookie; the session lives only as long as its link."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from service.config import get_settings
from service.portal.models import PortalSession
from service.questionnaire.models import Invitation
from tests.factories import Org, invited_review
from tests.portal.conftest import Invited
from tests.portal.helpers import Vendor, csrf_of, text_of

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)


def assert_portal_headers(response: httpx.Response, *, page: bool = True) -> None:
    what = f"{response.request.method} {response.request.url.path} ({response.status_code})"
    assert response.headers["content-security-policy"] == CSP, what
    assert "unsafe-inline" not in response.headers["content-security-policy"]
    assert response.headers["referrer-policy"] == "no-referrer", what
    assert response.headers["x-content-type-options"] == "nosniff", what
    assert response.headers["x-frame-options"] == "DENY", what
    if page:
        assert response.headers["cache-control"] == "no-store", what
    if response.headers.get("content-type", "").startswith("text/html") and response.text:
        assert "<script" not in response.text.lower(), what
        assert " style=" not in response.text, what  # the CSP allows no inline style


async def test_the_link_becomes_a_cookie_and_the_token_leaves_the_address(
    app: object, client: httpx.AsyncClient, org: Org
) -> None:
    review, token = await invited_review(client, org)
    vendor = Vendor(app)
    response = await vendor.http.get(f"/v/{token}")
    assert response.status_code == 303
    assert response.headers["location"] == "/v/"
    assert_portal_headers(response)

    cookie = response.headers["set-cookie"]
    name, _, rest = cookie.partition("=")
    secret = rest.split(";", 1)[0]
    assert name == "vendor_session"
    assert secret.startswith("vs_") and token not in cookie
    flags = [part.strip().lower() for part in cookie.split(";")[1:]]
    assert "httponly" in flags
    assert "samesite=lax" in flags
    assert "path=/" in flags
    assert "secure" not in flags  # this deployment is reached over http
    assert not any(flag.startswith("domain") for flag in flags)
    max_age = int(next(f for f in flags if f.startswith("max-age")).split("=")[1])
    assert 11 * 3600 < max_age <= 12 * 3600

    # The server keeps the session: its hash, its expiry, its link.
    session = await PortalSession.get(token_hash=hashlib.sha256(secret.encode()).hexdigest())
    invitation = await Invitation.get(review_id=review["id"])
    assert session.invitation_id == invitation.id
    assert session.expires_at <= invitation.expires_at
    assert session.expires_at - datetime.now(UTC) < timedelta(hours=12, minutes=1)
    assert session.ended_at is None

    home = await vendor.get("/v/")
    assert home.status_code == 200
    assert_portal_headers(home)
    assert '<html lang="ja">' in home.text
    assert '<meta name="referrer" content="no-referrer">' in home.text
    assert token not in home.text
    assert re.search(r"\d+ 問中 0 問回答済み", text_of(home.text))

    timeline = await client.get(f"/api/reviews/{review['id']}/timeline", headers=org.h("auditor"))
    opened = [e for e in timeline.json() if e["action"] == "portal.session_started"]
    assert len(opened) == 1 and opened[0]["actor_type"] == "vendor"
    await vendor.aclose()


async def test_https_deployments_get_a_secure_host_only_cookie(
    app: object, client: httpx.AsyncClient, org: Org, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, token = await invited_review(client, org)
    monkeypatch.setattr(get_settings(), "public_base_url", "https://vetting.city.example.jp")
    vendor = Vendor(app, base_url="https://testserver")
    response = await vendor.open(token)
    cookie = response.headers["set-cookie"]
    flags = [part.strip().lower() for part in cookie.split(";")]
    assert cookie.startswith("__Host-vendor_session=vs_")
    assert {"secure", "httponly", "samesite=lax", "path=/"} <= set(flags)
    assert (await vendor.get("/v/")).status_code == 200  # sent back over https
    await vendor.aclose()


async def test_every_portal_response_carries_the_security_headers(invited: Invited) -> None:
    vendor = invited.vendor
    for path in (
        "/v/",
        "/v/s/A",
        "/v/confirm",
        "/v/nowhere/at/all",
        "/v/vl_not-a-real-link-at-all",
    ):
        response = await vendor.get(path)
        assert response.status_code in (200, 404), path
        assert_portal_headers(response)
    css = await vendor.get("/v/static/portal.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert_portal_headers(css, page=False)
    refused = await vendor.post("/v/s/A", {"csrf_token": "wrong"})
    assert refused.status_code == 403
    assert_portal_headers(refused)
    stranger = Vendor(invited.vendor.http._transport.app)  # type: ignore[attr-defined]
    ended = await stranger.get("/v/")
    assert ended.status_code == 401
    assert_portal_headers(ended)
    await stranger.aclose()


async def test_without_a_valid_session_the_portal_asks_for_the_link(invited: Invited) -> None:
    app = invited.vendor.http._transport.app  # type: ignore[attr-defined]
    stranger = Vendor(app)
    for cookie in (None, "nonsense", "vs_" + "A" * 43):
        if cookie:
            stranger.http.cookies.set("vendor_session", cookie)
        response = await stranger.get("/v/s/A")
        assert response.status_code == 401
        assert "メールで届いたリンク" in response.text
        assert 'lang="en"' in response.text  # said in both languages: no session, no choice
    await stranger.aclose()


async def test_unknown_links_say_nothing_of_anyone(invited: Invited) -> None:
    response = await invited.vendor.get("/v/vl_" + "x" * 43)
    assert response.status_code == 404
    assert "このリンクは無効です" in response.text
    assert invited.review["id"] not in response.text


async def test_revoking_the_link_ends_its_sessions(
    client: httpx.AsyncClient, org: Org, invited: Invited
) -> None:
    assert (await invited.vendor.get("/v/")).status_code == 200
    invitation = await Invitation.get(review_id=invited.review["id"])
    revoked = await client.delete(f"/api/invitations/{invitation.id}", headers=org.h("security"))
    assert revoked.status_code == 204
    for path in ("/v/", "/v/s/A", f"/v/{invited.token}"):
        response = await invited.vendor.get(path)
        assert response.status_code == 410, path
        assert "このリンクは使えません" in response.text


async def test_an_expired_link_ends_its_sessions(invited: Invited) -> None:
    past = datetime.now(UTC) - timedelta(minutes=1)
    assert await Invitation.filter(review_id=invited.review["id"]).update(expires_at=past) == 1
    assert (await invited.vendor.get("/v/")).status_code == 410


async def test_a_session_expires_on_its_own(invited: Invited) -> None:
    past = datetime.now(UTC) - timedelta(seconds=1)
    invitation = await Invitation.get(review_id=invited.review["id"])
    assert await PortalSession.filter(invitation_id=invitation.id).update(expires_at=past) >= 1
    assert (await invited.vendor.get("/v/")).status_code == 401
    # The link itself still works: opening it again starts a new session.
    await invited.vendor.open(invited.token)
    assert (await invited.vendor.get("/v/")).status_code == 200


async def test_opening_the_link_again_replaces_the_browser_session(invited: Invited) -> None:
    invitation = await Invitation.get(review_id=invited.review["id"])
    await invited.vendor.open(invited.token)
    sessions = await PortalSession.filter(invitation_id=invitation.id).order_by("created_at")
    assert len(sessions) == 2
    assert sessions[0].ended_at is not None and sessions[1].ended_at is None


async def test_resend_gives_a_new_link_and_stops_the_old_one(
    app: object, client: httpx.AsyncClient, org: Org, invited: Invited
) -> None:
    invitation = await Invitation.get(review_id=invited.review["id"])
    denied = await client.post(
        f"/api/invitations/{invitation.id}/resend", json={}, headers=org.h("auditor")
    )
    assert denied.status_code == 403
    resent = await client.post(
        f"/api/invitations/{invitation.id}/resend",
        json={"expires_in_days": 7},
        headers=org.h("security"),
    )
    assert resent.status_code == 201, resent.text
    new_token = resent.json()["url"].rsplit("/", 1)[1]
    assert new_token != invited.token
    assert resent.json()["api_url"].endswith(f"/api/vendor/{new_token}")
    lifetime = datetime.fromisoformat(resent.json()["expires_at"]) - datetime.now(UTC)
    assert timedelta(days=6, hours=23) < lifetime <= timedelta(days=7)

    assert (await invited.vendor.get("/v/")).status_code == 410  # the old session
    assert (await invited.vendor.get(f"/v/{invited.token}")).status_code == 410  # the old link
    fresh = Vendor(app)
    await fresh.open(new_token)
    assert (await fresh.get("/v/")).status_code == 200
    await fresh.aclose()

    listed = await client.get(
        f"/api/reviews/{invited.review['id']}/invitations", headers=org.h("procurement")
    )
    assert [i["revoked_at"] is None for i in listed.json()] == [False, True]
    timeline = await client.get(
        f"/api/reviews/{invited.review['id']}/timeline", headers=org.h("auditor")
    )
    events = timeline.json()
    revoked = [e for e in events if e["action"] == "invitation.revoked"]
    assert revoked[-1]["data"] == {"reason": "resent"}
    reinvite = [e for e in events if e["action"] == "review.invite"][-1]
    assert reinvite["data"]["replaces"] == str(invitation.id)
    assert events.index(reinvite) > events.index(revoked[-1])


async def test_links_expire_after_30_days_by_default(client: httpx.AsyncClient, org: Org) -> None:
    review, _ = await invited_review(client, org)
    invitation = await Invitation.get(review_id=review["id"])
    lifetime = invitation.expires_at - datetime.now(UTC)
    assert timedelta(days=29, hours=23) < lifetime <= timedelta(days=30)


async def test_invitations_give_the_portal_and_the_api_link(
    client: httpx.AsyncClient, org: Org
) -> None:
    review, _ = await invited_review(client, org)
    created = await client.post(
        f"/api/reviews/{review['id']}/invitations", json={}, headers=org.h("procurement")
    )
    token = created.json()["url"].removeprefix("http://testserver/v/")
    assert token.startswith("vl_") and "/" not in token
    assert created.json()["api_url"] == f"http://testserver/api/vendor/{token}"


async def test_signing_out_ends_the_session(invited: Invited) -> None:
    vendor = invited.vendor
    csrf = await vendor.csrf()
    response = await vendor.post("/v/logout", {"csrf_token": csrf})
    assert response.status_code == 200
    assert "終了しました" in response.text
    assert 'vendor_session=""' in response.headers["set-cookie"]
    invitation = await Invitation.get(review_id=invited.review["id"])
    session = await PortalSession.get(invitation_id=invitation.id)
    assert session.ended_at is not None
    vendor.http.cookies.clear()
    assert (await vendor.get("/v/")).status_code == 401


async def test_the_language_switch_keeps_the_place(invited: Invited) -> None:
    vendor = invited.vendor
    page = await vendor.page("/v/confirm")
    assert '<html lang="ja">' in page and "回答内容の確認と提出" in page
    switched = await vendor.post(
        "/v/language", {"csrf_token": csrf_of(page), "lang": "en", "next": "/v/confirm"}
    )
    assert switched.status_code == 303
    assert switched.headers["location"] == "/v/confirm"
    page = await vendor.page("/v/confirm")
    assert '<html lang="en">' in page and "Review and submit" in page
    # The form's own texts switch too (labels come from the form definition in both languages).
    section = await vendor.page("/v/s/C")
    assert "How often staff working on this service receive security training" in section

    # On a section page the switch is a button of the answers form: it saves, then stays.
    response = await vendor.save(
        "C", {"a.security_contact": "情報セキュリティ部長 山田"}, action="language"
    )
    assert response.status_code == 303
    assert response.headers["location"].startswith("/v/s/C?saved=1")
    page = await vendor.page("/v/s/C")
    assert '<html lang="ja">' in page
    assert 'value="情報セキュリティ部長 山田"' in page

    # `next` never leads away from the portal.
    for elsewhere in ("https://evil.example/", "//evil.example/v/", "/api/me", "/v/\\evil"):
        response = await vendor.post(
            "/v/language", {"csrf_token": csrf_of(page), "lang": "en", "next": elsewhere}
        )
        assert response.headers["location"] == "/v/", elsewhere
