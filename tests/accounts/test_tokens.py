"""API tokens: owners mint their own, admins make service tokens, lifetimes are capped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from service.accounts.models import ApiToken, User
from service.accounts.service import console_principal, console_token
from service.audit.models import AuditEvent
from service.errors import Forbidden, ValidationFailed
from tests.factories import Org, auth, new_org

VENDOR = {"name": "株式会社連携", "corporate_number": "7000012050002"}


async def mint(client: httpx.AsyncClient, org: Org, role: str, **body: Any) -> httpx.Response:
    return await client.post(
        f"/api/users/{org.user_ids[role]}/tokens",
        json={"name": "自分用", **body},
        headers=org.h(role),
    )


async def service_token(
    client: httpx.AsyncClient, org: Org, roles: list[str], **body: Any
) -> httpx.Response:
    return await client.post(
        "/api/service-tokens",
        json={"name": "財務会計システム", "roles": roles, **body},
        headers=org.h("admin"),
    )


async def issued_events(token_id: str) -> list[AuditEvent]:
    return await AuditEvent.filter(object_type="api_token", object_id=token_id).order_by("seq")


async def test_a_user_mints_and_revokes_their_own_token(
    client: httpx.AsyncClient, org: Org
) -> None:
    minted = await mint(client, org, "legal", expires_in_days=30)
    assert minted.status_code == 201, minted.text
    body = minted.json()
    assert body["kind"] == "personal" and body["roles"] == ["legal"]
    assert body["user_id"] == org.user_ids["legal"]
    [issued] = await issued_events(body["id"])
    assert issued.action == "api_token.issued"
    assert issued.data == {
        "kind": "personal",
        "user_id": org.user_ids["legal"],
        "roles": ["legal"],
        "name": "自分用",
        "expires_in_days": 30,
        "via": "api",
    }
    assert issued.actor_id == org.user_ids["legal"]
    revoked = await client.delete(f"/api/tokens/{body['id']}", headers=org.h("legal"))
    assert revoked.status_code == 204
    events = await issued_events(body["id"])
    assert [e.action for e in events] == ["api_token.issued", "api_token.revoked"]
    assert events[1].data == {"kind": "personal", "user_id": org.user_ids["legal"]}
    assert (await client.get("/api/me", headers=auth(body["token"]))).status_code == 401


async def test_another_organizations_admin_reaches_no_token(
    client: httpx.AsyncClient, org: Org, operator_token: str
) -> None:
    other = await new_org(client, operator_token)
    minted = await client.post(
        f"/api/users/{org.user_ids['legal']}/tokens",
        json={"name": "他団体"},
        headers=other.h("admin"),
    )
    assert minted.status_code == 404
    own = (await mint(client, org, "legal")).json()
    revoked = await client.delete(f"/api/tokens/{own['id']}", headers=other.h("admin"))
    assert revoked.status_code == 404
    listing = await client.get("/api/tokens", headers=other.h("admin"))
    assert own["id"] not in {t["id"] for t in listing.json()}
    assert (await client.get("/api/me", headers=auth(own["token"]))).status_code == 200


async def test_admins_list_and_revoke_every_token_others_only_their_own(
    client: httpx.AsyncClient, org: Org
) -> None:
    personal = (await mint(client, org, "procurement")).json()
    service = (await service_token(client, org, ["auditor"])).json()

    everything = await client.get("/api/tokens", headers=org.h("admin"))
    assert everything.status_code == 200, everything.text
    kinds = {t["id"]: t["kind"] for t in everything.json()}
    assert kinds[personal["id"]] == "personal" and kinds[service["id"]] == "service"
    assert {t["user_id"] for t in everything.json()} >= set(org.user_ids.values())

    mine = await client.get("/api/tokens", headers=org.h("procurement"))
    assert {t["user_id"] for t in mine.json()} == {org.user_ids["procurement"]}
    assert personal["id"] in {t["id"] for t in mine.json()}

    # Somebody else's token: not found for a non-admin, revoked by the admin.
    refused = await client.delete(f"/api/tokens/{personal['id']}", headers=org.h("security"))
    assert refused.status_code == 404
    assert (await client.get("/api/me", headers=auth(personal["token"]))).status_code == 200
    for token in (personal, service):
        revoked = await client.delete(f"/api/tokens/{token['id']}", headers=org.h("admin"))
        assert revoked.status_code == 204
        assert (await client.get("/api/me", headers=auth(token["token"]))).status_code == 401
    events = await issued_events(service["id"])
    assert [(e.action, e.data["kind"]) for e in events] == [
        ("api_token.issued", "service"),
        ("api_token.revoked", "service"),
    ]
    assert events[1].actor_id == org.user_ids["admin"]
    # The service token's account went with it.
    assert (await User.get(id=service["user_id"])).active is False


async def test_a_service_token_acts_with_its_roles_only(
    client: httpx.AsyncClient, org: Org
) -> None:
    created = await service_token(client, org, ["procurement", "legal"], expires_in_days=90)
    assert created.status_code == 201, created.text
    token = created.json()
    assert token["kind"] == "service" and token["roles"] == ["legal", "procurement"]
    assert token["user_name"] == "財務会計システム"
    headers = auth(token["token"])

    account = await User.get(id=token["user_id"])
    assert account.kind == "service" and str(account.organization_id) == org.id
    users = (await client.get("/api/users", headers=org.h("admin"))).json()
    assert {u["id"]: u["kind"] for u in users}[token["user_id"]] == "service"
    [issued] = await issued_events(token["id"])
    assert issued.data["kind"] == "service" and issued.data["roles"] == ["legal", "procurement"]
    assert issued.actor_id == org.user_ids["admin"]

    vendor = await client.post("/api/vendors", json=VENDOR, headers=headers)
    assert vendor.status_code == 201, vendor.text
    [created_event] = await AuditEvent.filter(object_id=vendor.json()["id"])
    assert (created_event.actor_type, created_event.actor_label) == (
        "service",
        "service token: 財務会計システム",
    )
    # Not an auditor, nor an admin; and it mints no tokens, not even for its own account.
    assert (await client.get("/api/audit/verification", headers=headers)).status_code == 403
    assert (await client.get("/api/tokens", headers=headers)).json()[0]["id"] == token["id"]
    more = await client.post(
        f"/api/users/{token['user_id']}/tokens", json={"name": "増殖"}, headers=headers
    )
    assert more.status_code == 403 and more.json()["rule"] == "tokens_minted_by_owner"
    # Nor does the console hand out a token of a service account.
    with pytest.raises(Forbidden, match="service token"):
        await console_token(
            principal=await console_principal(),
            user_id=token["user_id"],
            name="x",
            expires_in_days=None,
        )


@pytest.mark.parametrize("roles", [["security"], ["approver"], ["admin"], ["auditor", "admin"]])
async def test_a_service_token_never_decides_nor_administers(
    client: httpx.AsyncClient, org: Org, roles: list[str]
) -> None:
    users = await User.filter(organization_id=org.id).count()
    refused = await service_token(client, org, roles)
    assert refused.status_code == 422, refused.text
    assert refused.json()["rule"] == "service_token_roles"
    assert "roles" in refused.json()["fields"]
    assert await User.filter(organization_id=org.id).count() == users
    # Only an admin makes one.
    by_security = await client.post(
        "/api/service-tokens", json={"name": "x", "roles": ["auditor"]}, headers=org.h("security")
    )
    assert by_security.status_code == 403


async def test_an_operator_service_token_has_no_operator_powers(
    client: httpx.AsyncClient, operator_token: str
) -> None:
    created = await client.post(
        "/api/service-tokens",
        json={"name": "監視", "roles": ["auditor"]},
        headers=auth(operator_token),
    )
    assert created.status_code == 201, created.text
    headers = auth(created.json()["token"])
    body = {"name": "無断作成市", "jurisdiction_court": "東京地方裁判所"}
    assert (await client.post("/api/organizations", json=body, headers=headers)).status_code == 403
    listing = await client.get("/api/organizations", headers=headers)
    assert len(listing.json()) == 1  # its own organization only


async def test_lifetime_is_capped_per_organization(
    client: httpx.AsyncClient, org: Org, operator_token: str
) -> None:
    for days in (366, 3650):
        refused = await mint(client, org, "security", expires_in_days=days)
        assert refused.status_code == 422, refused.text
        assert refused.json()["rule"] == "max_token_lifetime"
        assert "expires_in_days" in refused.json()["fields"]
        assert "365" in refused.json()["detail"]
    assert (await mint(client, org, "security", expires_in_days=365)).status_code == 201
    refused = await service_token(client, org, ["auditor"], expires_in_days=400)
    assert refused.status_code == 422 and "expires_in_days" in refused.json()["fields"]

    # The operator's own organization has its maximum too.
    me = (await client.get("/api/me", headers=auth(operator_token))).json()
    operator_mint = await client.post(
        f"/api/users/{me['user']['id']}/tokens",
        json={"name": "長期", "expires_in_days": 3650},
        headers=auth(operator_token),
    )
    assert operator_mint.status_code == 422 and operator_mint.json()["rule"] == "max_token_lifetime"

    lowered = await client.patch(
        f"/api/organizations/{org.id}", json={"max_token_lifetime_days": 30}, headers=org.h("admin")
    )
    assert lowered.status_code == 200 and lowered.json()["max_token_lifetime_days"] == 30
    assert (await mint(client, org, "security", expires_in_days=31)).status_code == 422
    default = await mint(client, org, "security")
    assert default.status_code == 201
    expires = datetime.fromisoformat(default.json()["expires_at"])
    assert timedelta(days=29) < expires - datetime.now(UTC) <= timedelta(days=30)
    # The console's recovery path keeps to it as well.
    with pytest.raises(ValidationFailed) as refused_console:
        await console_token(
            principal=await console_principal(),
            user_id=org.user_ids["security"],
            name="console",
            expires_in_days=31,
        )
    assert "expires_in_days" in refused_console.value.fields
    for bad in (0, 3651):
        response = await client.patch(
            f"/api/organizations/{org.id}",
            json={"max_token_lifetime_days": bad},
            headers=org.h("admin"),
        )
        assert (
            response.status_code == 422 and "max_token_lifetime_days" in response.json()["fields"]
        )


async def test_lowering_the_maximum_shortens_existing_tokens(
    client: httpx.AsyncClient, org: Org
) -> None:
    old = (await mint(client, org, "auditor", expires_in_days=365)).json()
    await ApiToken.filter(id=old["id"]).update(created_at=datetime.now(UTC) - timedelta(days=40))
    assert (await client.get("/api/me", headers=auth(old["token"]))).status_code == 200
    lowered = await client.patch(
        f"/api/organizations/{org.id}", json={"max_token_lifetime_days": 30}, headers=org.h("admin")
    )
    assert lowered.status_code == 200
    assert (await client.get("/api/me", headers=auth(old["token"]))).status_code == 401
    listed = await client.get("/api/tokens", headers=org.h("admin"))
    [shown] = [t for t in listed.json() if t["id"] == old["id"]]
    assert datetime.fromisoformat(shown["expires_at"]) < datetime.now(UTC)
    # Raised again, the token lives to its own expiry.
    await client.patch(
        f"/api/organizations/{org.id}",
        json={"max_token_lifetime_days": 365},
        headers=org.h("admin"),
    )
    assert (await client.get("/api/me", headers=auth(old["token"]))).status_code == 200


async def test_a_service_account_owns_no_social_account(
    client: httpx.AsyncClient, org: Org
) -> None:
    from tests.social.accounts import compliant_body

    token = (await service_token(client, org, ["procurement"])).json()
    response = await client.post(
        "/api/social/accounts",
        json=compliant_body(org, owner_id=token["user_id"]),
        headers=org.h("security"),
    )
    assert response.status_code == 422, response.text
    assert response.json()["fields"] == {"owner_id": "must be a person"}
