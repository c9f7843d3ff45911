"""所管課 and 担当者 at intake: who the engagement's person in charge is, and who cannot be."""

from __future__ import annotations

import httpx

from service.accounts.models import User
from service.audit.models import AuditEvent
from service.engagements.models import Engagement
from tests.factories import Org, engagement_body, new_org, new_vendor


async def test_the_submitter_is_in_charge_unless_someone_is_named(
    client: httpx.AsyncClient, org: Org
) -> None:
    vendor = await new_vendor(client, org)
    by_default = await client.post(
        "/api/engagements",
        json=engagement_body(vendor["id"], department="情報政策課"),
        headers=org.h("procurement"),
    )
    assert by_default.status_code == 201, by_default.text
    assert by_default.json()["department"] == "情報政策課"
    assert by_default.json()["contact_user_id"] == org.user_ids["procurement"]

    named = await client.post(
        "/api/engagements",
        json=engagement_body(vendor["id"], contact_user_id=org.user_ids["security"]),
        headers=org.h("procurement"),
    )
    assert named.status_code == 201, named.text
    assert named.json()["contact_user_id"] == org.user_ids["security"]
    assert named.json()["department"] == ""
    read = await client.get(f"/api/engagements/{named.json()['id']}", headers=org.h("auditor"))
    assert read.json()["contact_user_id"] == org.user_ids["security"]
    event = await AuditEvent.get(object_id=named.json()["id"], action="engagement.created")
    assert event.data["contact_user_id"] == org.user_ids["security"]


async def test_nobody_outside_the_organization_or_inactive_is_put_in_charge(
    client: httpx.AsyncClient, org: Org, operator_token: str
) -> None:
    other = await new_org(client, operator_token)
    await User.filter(id=org.user_ids["legal"]).update(active=False)
    vendor = await new_vendor(client, org)
    before = await Engagement.filter(organization_id=org.id).count()
    for someone in (other.user_ids["procurement"], org.user_ids["legal"]):
        refused = await client.post(
            "/api/engagements",
            json=engagement_body(vendor["id"], contact_user_id=someone),
            headers=org.h("procurement"),
        )
        assert refused.status_code == 422, refused.text
        assert "contact_user_id" in refused.text
        assert "有効な職員ではありません" in refused.text
    assert await Engagement.filter(organization_id=org.id).count() == before


async def test_a_department_name_has_a_length_limit(client: httpx.AsyncClient, org: Org) -> None:
    vendor = await new_vendor(client, org)
    refused = await client.post(
        "/api/engagements",
        json=engagement_body(vendor["id"], department="課" * 101),
        headers=org.h("procurement"),
    )
    assert refused.status_code == 422
    assert "department" in refused.text
