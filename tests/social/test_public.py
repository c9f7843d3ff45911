"""The public list: off by default, only public fields, only listed accounts."""

from __future__ import annotations

import httpx

from tests.factories import Org, new_org
from tests.social.accounts import new_account


async def test_the_public_list_is_off_until_the_organization_turns_it_on(
    client: httpx.AsyncClient, org: Org, operator_token: str
) -> None:
    shown = await new_account(client, org, purpose="観光情報の発信")
    closed = await new_account(client, org)
    await client.patch(
        f"/api/social/accounts/{closed['id']}", json={"status": "closed"}, headers=org.h("admin")
    )
    hijacked = await new_account(client, org)
    await client.post(
        f"/api/social/accounts/{hijacked['id']}/incidents",
        json={"description": "乗っ取り"},
        headers=org.h("security"),
    )
    web = httpx.AsyncClient(transport=client._transport, base_url="http://testserver")
    assert (await client.get(f"/api/public/social/{org.id}")).status_code == 404
    assert (await web.get(f"/sns/public/{org.id}")).status_code == 404

    settings = await client.get(
        f"/api/organizations/{org.id}/social-settings", headers=org.h("admin")
    )
    assert settings.json()["public_list_enabled"] is False
    assert settings.json()["public_page_url"] is None
    refused = await client.patch(
        f"/api/organizations/{org.id}/social-settings",
        json={"public_list_enabled": True},
        headers=org.h("security"),
    )
    assert refused.status_code == 403
    enabled = await client.patch(
        f"/api/organizations/{org.id}/social-settings",
        json={"public_list_enabled": True},
        headers=org.h("admin"),
    )
    assert enabled.status_code == 200
    assert enabled.json()["public_page_url"].endswith(f"/sns/public/{org.id}")

    listing = await client.get(f"/api/public/social/{org.id}")
    assert listing.status_code == 200
    accounts = listing.json()["accounts"]
    assert [a["handle"] for a in accounts] == [shown["handle"]]
    assert set(accounts[0]) == {"platform", "handle", "url", "owning_department", "purpose"}
    assert accounts[0]["purpose"] == "観光情報の発信"

    page = await web.get(f"/sns/public/{org.id}")
    assert page.status_code == 200
    assert shown["handle"] in page.text and shown["url"] in page.text
    for private in (closed["handle"], hijacked["handle"], shown["credential_custodian"]):
        assert private not in page.text and private not in listing.text
    assert "noindex" not in page.text

    # Another organization that did not turn it on stays invisible.
    other = await new_org(client, operator_token)
    await new_account(client, other, owner_id=other.user_ids["legal"], deputy_id=None)
    assert (await client.get(f"/api/public/social/{other.id}")).status_code == 404
    assert (await web.get("/sns/public/not-an-id")).status_code == 404
    await web.aclose()


async def test_settings_validate_and_belong_to_the_caller(
    client: httpx.AsyncClient, org: Org, operator_token: str
) -> None:
    for body, field in [
        ({"reverification_interval_months": 0}, "reverification_interval_months"),
        ({"dormancy_days": "180"}, "dormancy_days"),
        ({"public_list": True}, "public_list"),
    ]:
        response = await client.patch(
            f"/api/organizations/{org.id}/social-settings", json=body, headers=org.h("admin")
        )
        assert response.status_code == 422 and field in response.json()["fields"], body
    other = await new_org(client, operator_token)
    response = await client.get(
        f"/api/organizations/{org.id}/social-settings", headers=other.h("admin")
    )
    assert response.status_code == 404
    changed = await client.patch(
        f"/api/organizations/{org.id}/social-settings",
        json={"reverification_interval_months": 12},
        headers=org.h("admin"),
    )
    assert changed.json()["reverification_interval_months"] == 12
    account = await new_account(client, org)
    from datetime import date

    due = date.fromisoformat(account["next_verification_due"])
    assert 360 <= (due - date.today()).days <= 370
