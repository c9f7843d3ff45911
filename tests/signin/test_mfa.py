"""The second factor: enrolment, TOTP codes from pyotp, recovery codes, the organization's rule."""

from __future__ import annotations

import re
import time

import httpx
import pyotp

from service.audit.models import AuditEvent
from service.secretbox import PREFIX as SECRETBOX_PREFIX
from service.signin.models import Credential, StaffSession
from service.tokens import hash_secret
from tests.factories import Org
from tests.signin.helpers import StaffBrowser, text_of, with_password


def _secret_on(page: str) -> str:
    match = re.search(r'id="totp-secret">([A-Z2-7]+)<', page)
    assert match, "the enrolment page shows no key"
    return match.group(1)


def _recovery_codes(page: str) -> list[str]:
    return re.findall(r"<code>([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4})</code>", page)


def _later_code(secret: str, steps: int = 1) -> str:
    # The step after the one used at enrolment: each code is accepted once.
    return pyotp.TOTP(secret).at(time.time() + 30 * steps)


async def _enrol(browser: StaffBrowser, email: str) -> tuple[str, list[str]]:
    """Sign in with the password and enrol as the organization requires; returns key and codes."""
    response = await browser.sign_in(email)
    assert response.headers["location"] == "/console/mfa"
    page = await browser.get("/console/mfa")
    assert "二要素認証が必須です" in page.text
    assert "<svg" in page.text  # the QR code, inline
    secret = _secret_on(page.text)
    done = await browser.post("/console/mfa", {"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200, done.text
    codes = _recovery_codes(done.text)
    assert len(codes) == 10
    return secret, codes


async def test_a_security_user_must_enrol_before_anything_else(
    org: Org, browser: StaffBrowser
) -> None:
    user = await with_password(org.user_ids["security"])
    await browser.sign_in(user.email)
    home = await browser.get("/console/")
    assert home.status_code == 303 and home.headers["location"] == "/console/mfa"
    page = await browser.get("/console/mfa")
    wrong = await browser.post("/console/mfa", {"code": "000000"})
    assert wrong.status_code == 422
    assert "確認コードが正しくありません" in text_of(wrong.text)
    done = await browser.post("/console/mfa", {"code": pyotp.TOTP(_secret_on(page.text)).now()})
    assert done.status_code == 200
    assert (await browser.get("/console/")).status_code == 200
    credential = await Credential.get(user_id=user.id)
    assert credential.totp_enrolled_at is not None
    assert credential.totp_secret.startswith(SECRETBOX_PREFIX)  # encrypted at rest
    assert _secret_on(page.text) not in credential.totp_secret
    assert len(credential.recovery_code_hashes) == 10
    assert await AuditEvent.filter(object_id=str(user.id), action="mfa.enrolled").exists()


async def test_password_then_totp_signs_in_and_rotates_the_session(
    app: object, org: Org, browser: StaffBrowser
) -> None:
    user = await with_password(org.user_ids["approver"])
    secret, _ = await _enrol(browser, user.email)
    await browser.post("/console/signout", {})

    second = StaffBrowser(app)
    try:
        response = await second.sign_in(user.email, next_path="/console/mfa")
        assert response.headers["location"].startswith("/console/signin/code")
        halfway = second.session_cookie
        assert halfway
        # After the password only: no page of the console, no enrolment of another device.
        assert (await second.get("/console/")).headers["location"] == "/console/signin/code"
        assert (await second.get("/console/mfa")).headers["location"] == "/console/signin/code"

        wrong = await second.enter_code("123456")
        assert wrong.status_code == 401
        response = await second.enter_code(_later_code(secret), next_path="/console/mfa")
        assert response.status_code == 303 and response.headers["location"] == "/console/mfa"
        signed_in = second.session_cookie
        assert signed_in and signed_in != halfway  # rotated at the second factor
        old = await StaffSession.get(token_hash=hash_secret(halfway))
        assert old.ended_at is not None
        assert (await second.get("/console/")).status_code == 200
        credential = await Credential.get(user_id=user.id)
        assert credential.failed_attempts == 0  # reset once fully signed in
    finally:
        await second.aclose()


async def test_a_totp_code_is_accepted_once(app: object, org: Org, browser: StaffBrowser) -> None:
    user = await with_password(org.user_ids["approver"])
    secret, _ = await _enrol(browser, user.email)
    code = _later_code(secret)
    first, second = StaffBrowser(app), StaffBrowser(app)
    try:
        await first.sign_in(user.email)
        assert (await first.enter_code(code)).status_code == 303
        await second.sign_in(user.email)
        assert (await second.enter_code(code)).status_code == 401  # replayed
    finally:
        await first.aclose()
        await second.aclose()


async def test_a_recovery_code_works_once(app: object, org: Org, browser: StaffBrowser) -> None:
    user = await with_password(org.user_ids["admin"])
    _, codes = await _enrol(browser, user.email)
    first, second = StaffBrowser(app), StaffBrowser(app)
    try:
        await first.sign_in(user.email)
        assert (await first.enter_code(codes[0].upper())).status_code == 303
        await second.sign_in(user.email)
        assert (await second.enter_code(codes[0])).status_code == 401
        assert (await second.enter_code(codes[1])).status_code == 303
    finally:
        await first.aclose()
        await second.aclose()
    credential = await Credential.get(user_id=user.id)
    assert len(credential.recovery_code_hashes) == 8
    assert codes[2] not in str(credential.recovery_code_hashes)  # only hashes are stored
    used = await AuditEvent.filter(object_id=str(user.id), action="mfa.recovery_code_used")
    assert [e.data["remaining"] for e in used] == [9, 8]


async def test_wrong_codes_count_towards_the_lockout(
    app: object, org: Org, browser: StaffBrowser
) -> None:
    user = await with_password(org.user_ids["security"])
    secret, _ = await _enrol(browser, user.email)
    other = StaffBrowser(app)
    try:
        await other.sign_in(user.email)
        for _ in range(3):
            await other.enter_code("999999")
        locked = await other.enter_code(_later_code(secret))
        assert locked.status_code == 403
        assert "ロックされています" in text_of(locked.text)
    finally:
        await other.aclose()
    assert (await Credential.get(user_id=user.id)).locked_at is not None


async def test_the_organization_decides_who_needs_a_second_factor(
    org: Org, browser: StaffBrowser, client: httpx.AsyncClient
) -> None:
    policy = await client.get(f"/api/organizations/{org.id}/sign-in-policy", headers=org.h("legal"))
    assert policy.json()["mfa_required_roles"] == ["admin", "approver", "security"]
    refused = await client.patch(
        f"/api/organizations/{org.id}/sign-in-policy",
        json={"mfa_required_roles": ["legal"]},
        headers=org.h("legal"),
    )
    assert refused.status_code == 403
    changed = await client.patch(
        f"/api/organizations/{org.id}/sign-in-policy",
        json={"mfa_required_roles": ["legal", "admin"]},
        headers=org.h("admin"),
    )
    assert changed.status_code == 200
    assert changed.json()["mfa_required_roles"] == ["admin", "legal"]
    user = await with_password(org.user_ids["legal"])
    response = await browser.sign_in(user.email)
    assert response.headers["location"] == "/console/mfa"
    security = await with_password(org.user_ids["security"])
    other = await browser.sign_in(security.email)
    assert other.headers["location"] == "/console/"
    assert await AuditEvent.filter(organization_id=org.id, action="signin.policy_updated").exists()
