"""Bulk owner reassignment for personnel transfers: all or nothing, audited, re-verifies."""

from __future__ import annotations

import httpx

from service.accounts.models import User
from service.audit.models import AuditEvent
from service.social.models import SocialAccount, VerificationRun
from tests.factories import Org, new_org
from tests.social.accounts import new_account, new_user
from workers import runtime


async def test_every_account_moves_from_a_to_b_and_each_is_re_verified(
    client: httpx.AsyncClient, org: Org
) -> None:
    leaving = await new_user(client, org, "異動する課長")
    arriving = await new_user(client, org, "着任する課長")
    deputy_leaving = await new_user(client, org, "異動する係長")
    deputy_arriving = await new_user(client, org, "着任する係長")
    first = await new_account(client, org, owner_id=leaving["id"], deputy_id=deputy_leaving["id"])
    second = await new_account(client, org, owner_id=leaving["id"], deputy_id=None)
    untouched = await new_account(client, org)

    moved = await client.post(
        "/api/social/owner-reassignments",
        json={
            "mappings": [
                {"from_user_id": leaving["id"], "to_user_id": arriving["id"]},
                {"from_user_id": deputy_leaving["id"], "to_user_id": deputy_arriving["id"]},
            ],
            "reason": "令和9年4月1日付人事異動",
        },
        headers=org.h("admin"),
    )
    assert moved.status_code == 200, moved.text
    result = moved.json()
    assert set(result["moved"]) == {first["id"], second["id"]}
    assert result["deputies_moved"] == [first["id"]]
    assert result["runs_opened"] == 2
    await runtime.wait_idle()

    for account_id in (first["id"], second["id"]):
        stored = await SocialAccount.get(id=account_id)
        assert str(stored.owner_id) == arriving["id"]
        runs = await VerificationRun.filter(account_id=account_id)
        assert [r.trigger for r in runs] == ["owner_change"]
    assert str((await SocialAccount.get(id=first["id"])).deputy_id) == deputy_arriving["id"]
    assert str((await SocialAccount.get(id=untouched["id"])).owner_id) == untouched["owner_id"]
    [event] = await AuditEvent.filter(
        organization_id=org.id, action="social_account.owners_reassigned"
    )
    assert event.data["reason"] == "令和9年4月1日付人事異動"
    assert set(event.data["moved"]) == {first["id"], second["id"]}


async def test_one_bad_mapping_moves_nothing(
    client: httpx.AsyncClient, org: Org, operator_token: str
) -> None:
    a = await new_user(client, org, "A")
    b = await new_user(client, org, "B")
    c = await new_user(client, org, "C")
    gone = await new_user(client, org, "退職者")
    await User.filter(id=gone["id"]).update(active=False)
    other = await new_org(client, operator_token)
    account = await new_account(client, org, owner_id=a["id"], deputy_id=None)
    cases = [
        ([(a, b), (c, gone)], "mappings.1.to_user_id", "must be an active user"),
        (
            [(a, b), (c, {"id": other.user_ids["legal"]})],
            "mappings.1.to_user_id",
            "must be a user of this organization",
        ),
        ([(a, b), (a, c)], "mappings", "from_user_id appears more than once"),
        ([(a, a)], "mappings.0.to_user_id", "must differ from from_user_id"),
    ]
    for pairs, field, reason in cases:
        response = await client.post(
            "/api/social/owner-reassignments",
            json={"mappings": [{"from_user_id": f["id"], "to_user_id": t["id"]} for f, t in pairs]},
            headers=org.h("security"),
        )
        assert response.status_code == 422, response.text
        assert response.json()["fields"] == {field: reason}
        assert str((await SocialAccount.get(id=account["id"])).owner_id) == a["id"]
    assert await VerificationRun.filter(account_id=account["id"]).count() == 0
    refused = await client.post(
        "/api/social/owner-reassignments",
        json={"mappings": [{"from_user_id": a["id"], "to_user_id": b["id"]}]},
        headers=org.h("procurement"),
    )
    assert refused.status_code == 403
