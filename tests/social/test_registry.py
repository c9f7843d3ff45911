"""The registry over the API: create, read, change, roles, validation, tenant isolation."""

from __future__ import annotations

import httpx

from service.accounts.models import User
from service.audit.models import AuditEvent
from service.social.models import SocialAccount
from tests.factories import Org, new_org
from tests.social.accounts import compliant_body, new_account, new_user


async def test_an_account_is_registered_read_back_and_audited(
    client: httpx.AsyncClient, org: Org
) -> None:
    body = compliant_body(org)
    created = await client.post("/api/social/accounts", json=body, headers=org.h("procurement"))
    assert created.status_code == 201, created.text
    account = created.json()
    assert account["owner_id"] == org.user_ids["legal"]
    assert account["status"] == "active"
    assert account["allowed_content_categories"] == ["disaster", "events"]

    read = await client.get(f"/api/social/accounts/{account['id']}", headers=org.h("auditor"))
    assert read.status_code == 200
    assert read.json()["handle"] == body["handle"]
    events = await AuditEvent.filter(object_id=account["id"], action="social_account.created")
    assert len(events) == 1 and events[0].data["handle"] == body["handle"]


async def test_a_rename_keeps_the_platform_id_and_records_the_old_handle(
    client: httpx.AsyncClient, org: Org
) -> None:
    account = await new_account(client, org)
    renamed = await client.patch(
        f"/api/social/accounts/{account['id']}",
        json={"handle": "@city_new", "url": "https://x.com/city_new"},
        headers=org.h("security"),
    )
    assert renamed.status_code == 200, renamed.text
    out = renamed.json()
    assert out["platform_account_id"] == account["platform_account_id"]
    [change] = out["handle_history"]
    assert change["old_handle"] == account["handle"] and change["new_handle"] == "@city_new"
    assert change["old_url"] == account["url"]


async def test_the_same_platform_account_cannot_be_registered_twice(
    client: httpx.AsyncClient, org: Org
) -> None:
    account = await new_account(client, org)
    again = await client.post(
        "/api/social/accounts",
        json=compliant_body(org, platform_account_id=account["platform_account_id"]),
        headers=org.h("security"),
    )
    assert again.status_code == 409
    assert "platform_account_id" in again.json()["fields"]


async def test_bad_input_names_the_field_and_writes_nothing(
    client: httpx.AsyncClient, org: Org
) -> None:
    before = await SocialAccount.filter(organization_id=org.id).count()
    cases = [
        ({"url": "javascript:alert(1)"}, "url"),
        ({"listing_page_url": "ftp://city.example.jp/x"}, "listing_page_url"),
        ({"platform": "myspace"}, "platform"),
        ({"owning_department": ""}, "owning_department"),
        ({"status": "compromised"}, "status"),
        ({"owner_id": "not-a-uuid"}, "owner_id"),
        ({"unknown_field": 1}, "unknown_field"),
    ]
    for change, field in cases:
        response = await client.post(
            "/api/social/accounts", json=compliant_body(org, **change), headers=org.h("security")
        )
        assert response.status_code == 422, (change, response.text)
        assert field in response.json()["fields"], (change, response.json())
    body = compliant_body(org)
    del body["owner_id"]
    missing = await client.post("/api/social/accounts", json=body, headers=org.h("security"))
    assert missing.status_code == 422 and "owner_id" in missing.json()["fields"]
    assert await SocialAccount.filter(organization_id=org.id).count() == before


async def test_the_owner_must_be_an_active_user_of_the_same_organization(
    client: httpx.AsyncClient, org: Org, operator_token: str
) -> None:
    other = await new_org(client, operator_token)
    leaver = await new_user(client, org, "退職者")
    await User.filter(id=leaver["id"]).update(active=False)
    cases = [
        (other.user_ids["legal"], "must be a user of this organization"),
        (leaver["id"], "must be an active user"),
        ("00000000-0000-0000-0000-000000000000", "must be a user of this organization"),
    ]
    for owner_id, reason in cases:
        response = await client.post(
            "/api/social/accounts",
            json=compliant_body(org, owner_id=owner_id),
            headers=org.h("security"),
        )
        assert response.status_code == 422, response.text
        assert response.json()["fields"] == {"owner_id": reason}
    account = await new_account(client, org)
    moved = await client.patch(
        f"/api/social/accounts/{account['id']}",
        json={"owner_id": leaver["id"]},
        headers=org.h("security"),
    )
    assert moved.status_code == 422 and moved.json()["fields"] == {
        "owner_id": "must be an active user"
    }
    same = await client.patch(
        f"/api/social/accounts/{account['id']}",
        json={"deputy_id": account["owner_id"]},
        headers=org.h("security"),
    )
    assert same.status_code == 422 and "deputy_id" in same.json()["fields"]


async def test_the_operator_engagement_must_be_the_vendors(
    client: httpx.AsyncClient, org: Org
) -> None:
    from tests.factories import new_engagement, new_vendor

    engagement = await new_engagement(client, org)
    other_vendor = await new_vendor(client, org, corporate_number="5010401067252")
    mismatched = await client.post(
        "/api/social/accounts",
        json=compliant_body(
            org,
            outsourced=True,
            operator_vendor_id=other_vendor["id"]
            if other_vendor["id"] != engagement["vendor_id"]
            else None,
            operator_engagement_id=engagement["id"],
        ),
        headers=org.h("security"),
    )
    assert mismatched.status_code == 422
    assert "operator_engagement_id" in mismatched.json()["fields"]
    linked = await client.post(
        "/api/social/accounts",
        json=compliant_body(
            org,
            outsourced=True,
            operator_vendor_id=engagement["vendor_id"],
            operator_engagement_id=engagement["id"],
        ),
        headers=org.h("security"),
    )
    assert linked.status_code == 201, linked.text


async def test_roles_decide_who_writes_and_who_reads(client: httpx.AsyncClient, org: Org) -> None:
    body = compliant_body(org)
    for role in ("auditor", "approver", "legal"):
        refused = await client.post("/api/social/accounts", json=body, headers=org.h(role))
        assert refused.status_code == 403, role
    account = await new_account(client, org)  # owned by the legal user
    other = await new_account(client, org, owner_id=org.user_ids["admin"], deputy_id=None)
    # The owner (no registry role) sees their own account only, and cannot change it.
    mine = await client.get("/api/social/accounts", headers=org.h("legal"))
    ids = {a["id"] for a in mine.json()}
    assert account["id"] in ids and other["id"] not in ids
    hidden = await client.get(f"/api/social/accounts/{other['id']}", headers=org.h("legal"))
    assert hidden.status_code == 404
    change = await client.patch(
        f"/api/social/accounts/{account['id']}", json={"purpose": "x"}, headers=org.h("legal")
    )
    assert change.status_code == 403
    everything = await client.get("/api/social/accounts", headers=org.h("auditor"))
    assert {account["id"], other["id"]} <= {a["id"] for a in everything.json()}


async def test_another_organizations_accounts_are_invisible(
    client: httpx.AsyncClient, org: Org, operator_token: str
) -> None:
    account = await new_account(client, org)
    other = await new_org(client, operator_token)
    listing = await client.get("/api/social/accounts", headers=other.h("admin"))
    assert account["id"] not in {a["id"] for a in listing.json()}
    base = f"/api/social/accounts/{account['id']}"
    for method, path, body in [
        ("GET", base, None),
        ("PATCH", base, {"purpose": "乗っ取り"}),
        ("GET", f"{base}/findings", None),
        ("GET", f"{base}/runs", None),
        ("POST", f"{base}/runs", None),
        ("POST", f"{base}/incidents", {"description": "x"}),
    ]:
        response = await client.request(method, path, json=body, headers=other.h("security"))
        assert response.status_code == 404, (method, path, response.text)
    unchanged = await SocialAccount.get(id=account["id"])
    assert unchanged.purpose == account["purpose"] and unchanged.status == "active"
