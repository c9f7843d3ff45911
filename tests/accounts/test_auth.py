"""Authentication (401) and role checks (403), and how API tokens are stored."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from service.accounts.models import ApiToken
from service.audit.models import AuditEvent
from tests.factories import Org, auth, engagement_body, evaluated_review, new_vendor

VENDOR = {"name": "株式会社認証テスト", "corporate_number": "1180301018771"}


def assert_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == {"error", "detail", "fields"}, body
    assert body["error"] == code
    assert isinstance(body["detail"], str) and body["detail"]
    assert body["fields"] == {}
    return body


async def audit_events(client: httpx.AsyncClient, org: Org) -> int:
    response = await client.get("/api/audit/verification", headers=org.h("auditor"))
    assert response.status_code == 200, response.text
    return int(response.json()["events"])


async def vendor_ids(client: httpx.AsyncClient, org: Org) -> list[str]:
    response = await client.get("/api/vendors", headers=org.h("auditor"))
    assert response.status_code == 200, response.text
    return [v["id"] for v in response.json()]


async def issue(client: httpx.AsyncClient, org: Org, role: str) -> dict[str, Any]:
    """A fresh token for the org's `role` user, minted by that user (id and secret)."""
    response = await client.post(
        f"/api/users/{org.user_ids[role]}/tokens", json={"name": "t"}, headers=org.h(role)
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def test_no_header_is_401_and_checked_before_the_body(
    client: httpx.AsyncClient, org: Org
) -> None:
    events, vendors = await audit_events(client, org), await vendor_ids(client, org)
    assert_error(await client.get("/api/me"), 401, "unauthorized")
    # A valid body does not help, and an invalid one is not even looked at: 401, not 422.
    assert_error(await client.post("/api/vendors", json=VENDOR), 401, "unauthorized")
    assert_error(await client.post("/api/vendors", content=b"{oops"), 401, "unauthorized")
    assert (await audit_events(client, org), await vendor_ids(client, org)) == (events, vendors)


@pytest.mark.parametrize(
    "header",
    [
        "{secret}",  # the right secret without a scheme
        "Token {secret}",
        "Basic {secret}",
        "Bearer",
        "Bearer ",
        "Bearer{secret}",
        "Bearer {secret}x",
        "",
    ],
)
async def test_malformed_header_is_401(client: httpx.AsyncClient, org: Org, header: str) -> None:
    secret = org.tokens["procurement"]
    events, vendors = await audit_events(client, org), await vendor_ids(client, org)
    headers = {"Authorization": header.format(secret=secret)}
    assert_error(await client.get("/api/me", headers=headers), 401, "unauthorized")
    response = await client.post("/api/vendors", json=VENDOR, headers=headers)
    assert_error(response, 401, "unauthorized")
    assert (await audit_events(client, org), await vendor_ids(client, org)) == (events, vendors)
    # The same secret in a well-formed header is accepted (the scheme is case-insensitive).
    for good in (f"Bearer {secret}", f"bearer {secret}"):
        assert (await client.get("/api/me", headers={"Authorization": good})).status_code == 200


async def test_unknown_token_is_401(client: httpx.AsyncClient, org: Org) -> None:
    for secret in (f"vt_{secrets.token_urlsafe(32)}", "vt_", secrets.token_hex(32)):
        response = await client.get("/api/me", headers=auth(secret))
        body = assert_error(response, 401, "unauthorized")
        assert secret not in body["detail"]


async def test_revoked_token_is_401_and_other_tokens_keep_working(
    client: httpx.AsyncClient, org: Org
) -> None:
    issued = await issue(client, org, "procurement")
    assert (await client.get("/api/me", headers=auth(issued["token"]))).status_code == 200

    revoked = await client.delete(f"/api/tokens/{issued['id']}", headers=org.h("admin"))
    assert revoked.status_code == 204, revoked.text
    assert revoked.content == b""
    row = await ApiToken.get(id=issued["id"])
    assert row.revoked_at is not None

    events, vendors = await audit_events(client, org), await vendor_ids(client, org)
    assert_error(await client.get("/api/me", headers=auth(issued["token"])), 401, "unauthorized")
    response = await client.post("/api/vendors", json=VENDOR, headers=auth(issued["token"]))
    assert_error(response, 401, "unauthorized")
    assert (await audit_events(client, org), await vendor_ids(client, org)) == (events, vendors)
    # The user's other token is untouched.
    assert (await client.get("/api/me", headers=org.h("procurement"))).status_code == 200


async def test_a_user_revokes_their_own_token_with_it(client: httpx.AsyncClient, org: Org) -> None:
    issued = await issue(client, org, "auditor")
    own = await client.delete(f"/api/tokens/{issued['id']}", headers=auth(issued["token"]))
    assert own.status_code == 204, own.text
    assert_error(await client.get("/api/me", headers=auth(issued["token"])), 401, "unauthorized")


async def test_expired_token_is_401(client: httpx.AsyncClient, org: Org) -> None:
    issued = await issue(client, org, "auditor")
    assert (await client.get("/api/me", headers=auth(issued["token"]))).status_code == 200
    past = datetime.now(UTC) - timedelta(seconds=1)
    await ApiToken.filter(id=issued["id"]).update(expires_at=past)
    assert_error(await client.get("/api/me", headers=auth(issued["token"])), 401, "unauthorized")


async def test_missing_role_is_403_and_writes_nothing(client: httpx.AsyncClient, org: Org) -> None:
    review = await evaluated_review(client, org)
    vendor = await new_vendor(client, org)

    async def state() -> dict[str, Any]:
        """What any of the attempts below could have changed."""
        reads = {
            "vendors": "/api/vendors",
            "engagements": "/api/engagements",
            "users": "/api/users",
            "organization": f"/api/organizations/{org.id}",
            "review": f"/api/reviews/{review['id']}",
            "verdicts": f"/api/reviews/{review['id']}/verdicts",
            "contracts": f"/api/reviews/{review['id']}/contracts",
            "audit": "/api/audit/verification",
        }
        return {
            key: (await client.get(path, headers=org.h("auditor"))).json()
            for key, path in reads.items()
        }

    before = await state()
    attempts = [
        ("auditor", "POST", "/api/vendors", VENDOR, "procurement"),
        (
            "procurement",
            "POST",
            f"/api/reviews/{review['id']}/decision",
            {"decision": "approve", "reason": "適合"},
            "security",
        ),
        ("legal", "POST", "/api/engagements", engagement_body(vendor["id"]), "procurement"),
        ("security", "POST", f"/api/reviews/{review['id']}/contracts", None, "legal"),
        (
            "auditor",
            "POST",
            f"/api/reviews/{review['id']}/verdicts/CLD2-SEL-10/override",
            {"outcome": "fail", "reason": "x"},
            "security",
        ),
        (
            "procurement",
            "POST",
            f"/api/organizations/{org.id}/users",
            {"name": "x", "email": "x@example.jp", "roles": ["admin"]},
            "admin",
        ),
        ("approver", "PATCH", f"/api/organizations/{org.id}", {"name": "x"}, "admin"),
        ("security", "GET", "/api/audit/verification", None, "auditor"),
    ]
    for role, method, path, body, needed in attempts:
        response = await client.request(method, path, json=body, headers=org.h(role))
        detail = assert_error(response, 403, "forbidden")["detail"]
        assert needed in detail, f"{role} {method} {path}: {detail}"

    after = await state()
    assert after["audit"]["events"] == before["audit"]["events"]
    assert after == before
    assert after["review"]["status"] == "evaluated" and after["review"]["decided_by_id"] is None
    assert after["contracts"] == []
    assert all(v["overridden_by_id"] is None for v in after["verdicts"])
    # The role that is needed does get through (the 403s above were about the role).
    allowed = await client.post(
        f"/api/reviews/{review['id']}/decision",
        json={"decision": "approve", "reason": "適合"},
        headers=org.h("security"),
    )
    assert allowed.status_code == 200, allowed.text


async def test_only_the_owner_mints_a_token(
    client: httpx.AsyncClient, org: Org, operator_token: str
) -> None:
    events = await audit_events(client, org)
    # Another user, the organization's admin and the operator's admin are all refused.
    for headers in (org.h("security"), org.h("admin"), auth(operator_token)):
        response = await client.post(
            f"/api/users/{org.user_ids['legal']}/tokens", json={"name": "他人用"}, headers=headers
        )
        assert response.status_code == 403, response.text
        body = response.json()
        assert body["error"] == "forbidden" and body["rule"] == "tokens_minted_by_owner"
        assert body["detail"].startswith("APIトークンは本人だけが発行できます")
        assert "minted only by its owner" in body["detail"]
    assert await ApiToken.filter(user_id=org.user_ids["legal"]).count() == 1
    assert await audit_events(client, org) == events
    # Any user may issue one for themselves.
    own = await client.post(
        f"/api/users/{org.user_ids['security']}/tokens",
        json={"name": "自分用"},
        headers=org.h("security"),
    )
    assert own.status_code == 201, own.text


async def test_only_operator_admins_create_organizations(
    client: httpx.AsyncClient, operator_token: str, org: Org
) -> None:
    async def organizations() -> list[str]:
        listing = await client.get("/api/organizations", headers=auth(operator_token))
        return [o["id"] for o in listing.json()]

    before = await organizations()
    body = {"name": "無断作成市", "jurisdiction_court": "東京地方裁判所"}
    response = await client.post("/api/organizations", json=body, headers=org.h("admin"))
    assert_error(response, 403, "forbidden")
    assert await organizations() == before
    own = await client.get("/api/organizations", headers=org.h("admin"))
    assert [o["id"] for o in own.json()] == [org.id]
    # The operator's admin may.
    created = await client.post("/api/organizations", json=body, headers=auth(operator_token))
    assert created.status_code == 201, created.text
    assert await organizations() == [*before, created.json()["id"]]


async def test_tokens_are_stored_only_as_their_sha256(client: httpx.AsyncClient, org: Org) -> None:
    issued = await issue(client, org, "legal")
    secret = issued["token"]
    assert secret.startswith("vt_") and len(secret) >= 40

    row = await ApiToken.get(id=issued["id"])
    assert row.token_hash != secret
    assert row.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in repr(row.__dict__)
    # The fixture's tokens too: every one of them is found by its hash, none by itself.
    for token in org.tokens.values():
        digest = hashlib.sha256(token.encode()).hexdigest()
        assert await ApiToken.filter(token_hash=digest).count() == 1
        assert await ApiToken.filter(token_hash=token).count() == 0
    # The audit trail records the issue, not the secret.
    events = await AuditEvent.filter(object_type="api_token", object_id=issued["id"])
    assert [e.action for e in events] == ["api_token.issued"]
    assert all(secret not in repr(e.data) for e in events)
    # Nor does anything the token's user reads afterwards.
    me = await client.get("/api/me", headers=auth(secret))
    assert secret not in me.text
