"""Approval chains: 機密性3 or My Number needs the security manager, then the CISO."""

from __future__ import annotations

import asyncio

import httpx

from tests.factories import Org, evaluated_review


async def decide(
    client: httpx.AsyncClient, org: Org, review_id: str, role: str, decision: str, **extra: object
) -> httpx.Response:
    return await client.post(
        f"/api/reviews/{review_id}/decision",
        json={"decision": decision, "reason": f"{role}の判断", **extra},
        headers=org.h(role),
    )


async def test_confidentiality_3_needs_security_then_ciso(
    client: httpx.AsyncClient, org: Org
) -> None:
    review = await evaluated_review(client, org, confidentiality=3)
    chain = await client.get(f"/api/reviews/{review['id']}/approvals", headers=org.h("auditor"))
    assert chain.json()["chain_id"] == "strict"
    assert [s["role"] for s in chain.json()["steps"]] == ["security", "approver"]
    assert {s["status"] for s in chain.json()["steps"]} == {"pending"}

    first = await decide(client, org, review["id"], "security", "approve")
    assert first.status_code == 200, first.text
    assert first.json()["status"] == "in_approval"
    engagement = await client.get(
        f"/api/engagements/{review['engagement_id']}", headers=org.h("auditor")
    )
    assert engagement.json()["next_review_due"] is None  # not approved yet

    again = await decide(client, org, review["id"], "security", "approve")
    assert again.status_code == 403
    assert "CISO" in again.json()["detail"]

    last = await decide(client, org, review["id"], "approver", "approve")
    assert last.status_code == 200, last.text
    assert last.json()["status"] == "approved"
    assert last.json()["decided_by_id"] == org.user_ids["approver"]

    chain = await client.get(f"/api/reviews/{review['id']}/approvals", headers=org.h("auditor"))
    steps = chain.json()["steps"]
    assert [s["status"] for s in steps] == ["approved", "approved"]
    assert [s["decided_by_id"] for s in steps] == [
        org.user_ids["security"],
        org.user_ids["approver"],
    ]

    timeline = await client.get(f"/api/reviews/{review['id']}/timeline", headers=org.h("auditor"))
    signed = [
        e for e in timeline.json() if e["action"] in ("review.approve_step", "review.approve")
    ]
    assert [(e["action"], e["data"]["step"], e["actor_id"]) for e in signed] == [
        ("review.approve_step", 1, org.user_ids["security"]),
        ("review.approve", 2, org.user_ids["approver"]),
    ]
    assert signed[1]["data"]["step_title"].startswith("最高情報セキュリティ責任者")


async def test_conditions_of_an_earlier_step_carry_to_the_final_approval(
    client: httpx.AsyncClient, org: Org
) -> None:
    review = await evaluated_review(client, org, my_number=True, personal_data=True)
    first = await decide(
        client,
        org,
        review["id"],
        "security",
        "approve_with_conditions",
        conditions=["特定個人情報の取扱者名簿を提出すること。"],
    )
    assert first.json()["status"] == "in_approval"
    last = await decide(client, org, review["id"], "approver", "approve")
    assert last.json()["status"] == "approved_with_conditions"
    assert last.json()["conditions"] == ["特定個人情報の取扱者名簿を提出すること。"]


async def test_the_ciso_may_reject_at_any_step(client: httpx.AsyncClient, org: Org) -> None:
    review = await evaluated_review(client, org, confidentiality=3)
    rejected = await decide(client, org, review["id"], "approver", "reject")
    assert rejected.status_code == 200
    assert rejected.json()["status"] == "rejected"
    chain = await client.get(f"/api/reviews/{review['id']}/approvals", headers=org.h("auditor"))
    assert [s["status"] for s in chain.json()["steps"]] == ["rejected", "pending"]


async def test_two_people_signing_the_same_step_give_one_success(
    client: httpx.AsyncClient, org: Org
) -> None:
    review = await evaluated_review(client, org, confidentiality=3)
    assert (await decide(client, org, review["id"], "security", "approve")).status_code == 200
    responses = await asyncio.gather(
        decide(client, org, review["id"], "approver", "approve"),
        decide(client, org, review["id"], "approver", "reject"),
    )
    assert sorted(r.status_code for r in responses) == [200, 409]
    chain = await client.get(f"/api/reviews/{review['id']}/approvals", headers=org.h("auditor"))
    assert len([s for s in chain.json()["steps"] if s["status"] != "pending"]) == 2


async def test_an_ordinary_engagement_has_one_step(client: httpx.AsyncClient, org: Org) -> None:
    review = await evaluated_review(client, org)
    chain = await client.get(f"/api/reviews/{review['id']}/approvals", headers=org.h("auditor"))
    assert chain.json()["chain_id"] == "standard"
    approver_first = await decide(client, org, review["id"], "approver", "approve")
    assert approver_first.status_code == 403  # the single step is the security manager's
    done = await decide(client, org, review["id"], "security", "approve")
    assert done.json()["status"] == "approved"
