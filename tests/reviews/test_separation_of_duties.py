"""Separation of duties (職務分離): who may not decide, sign twice in a row, or hold two roles."""

from __future__ import annotations

from typing import Any

import httpx

from service.audit.models import AuditEvent
from service.reviews.models import ApprovalRecord
from tests.factories import Org, auth, console_token, evaluated_review
from tests.social.accounts import new_user


async def staff(client: httpx.AsyncClient, org: Org, roles: list[str]) -> tuple[str, str]:
    """A person of `org` with `roles`, created by its admin: (user id, their token)."""
    user = await new_user(client, org, "兼務職員", roles)
    return user["id"], await console_token(user["id"])


def acting_as(org: Org, role: str, token: str) -> Org:
    """The same organization, with `token` doing `role`'s work."""
    return Org(id=org.id, tokens={**org.tokens, role: token}, user_ids=org.user_ids)


async def decide(
    client: httpx.AsyncClient, review_id: str, token: str, decision: str = "approve"
) -> httpx.Response:
    return await client.post(
        f"/api/reviews/{review_id}/decision",
        json={"decision": decision, "reason": "判断"},
        headers=auth(token),
    )


def assert_refused(response: httpx.Response, status: int, rule: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["rule"] == rule, body
    assert "職務分離" in body["detail"] and "separation of duties" in body["detail"]
    # Japanese first, then English.
    assert body["detail"].index("職務分離") < body["detail"].index("separation of duties")
    return body


async def set_duties(
    client: httpx.AsyncClient, org: Org, token: str | None = None, **rules: bool
) -> httpx.Response:
    return await client.patch(
        f"/api/organizations/{org.id}",
        json={"separation_of_duties": rules},
        headers=auth(token) if token else org.h("admin"),
    )


async def test_the_rules_default_on_except_exclusive_roles(
    client: httpx.AsyncClient, org: Org
) -> None:
    shown = await client.get(f"/api/organizations/{org.id}", headers=org.h("auditor"))
    assert shown.json()["separation_of_duties"] == {
        "requester_cannot_decide": True,
        "distinct_consecutive_signers": True,
        "exclusive_roles": False,
    }
    assert shown.json()["max_token_lifetime_days"] == 365


async def test_the_requester_neither_decides_nor_overrides(
    client: httpx.AsyncClient, org: Org
) -> None:
    requester_id, requester = await staff(client, org, ["procurement", "security"])
    review = await evaluated_review(client, acting_as(org, "procurement", requester))
    events = await AuditEvent.filter(review_id=review["id"]).count()

    for decision in ("approve", "reject"):
        refused = await decide(client, review["id"], requester, decision)
        assert_refused(refused, 403, "requester_cannot_decide")
    override = await client.post(
        f"/api/reviews/{review['id']}/verdicts/CLD2-SEL-10/override",
        json={"outcome": "fail", "reason": "自分の案件"},
        headers=auth(requester),
    )
    assert_refused(override, 403, "requester_cannot_decide")
    assert await AuditEvent.filter(review_id=review["id"]).count() == events
    assert await ApprovalRecord.filter(review_id=review["id"]).count() == 0

    # Another security manager decides it.
    decided = await decide(client, review["id"], org.tokens["security"])
    assert decided.status_code == 200, decided.text
    assert decided.json()["decided_by_id"] == org.user_ids["security"]
    assert decided.json()["decided_by_id"] != requester_id


async def test_the_requester_rule_can_be_turned_off(client: httpx.AsyncClient, org: Org) -> None:
    changed = await set_duties(client, org, requester_cannot_decide=False)
    assert changed.status_code == 200, changed.text
    assert changed.json()["separation_of_duties"]["requester_cannot_decide"] is False
    assert changed.json()["separation_of_duties"]["distinct_consecutive_signers"] is True
    requester_id, requester = await staff(client, org, ["procurement", "security"])
    review = await evaluated_review(client, acting_as(org, "procurement", requester))
    decided = await decide(client, review["id"], requester)
    assert decided.status_code == 200, decided.text
    assert decided.json()["decided_by_id"] == requester_id


async def test_consecutive_steps_need_two_people(client: httpx.AsyncClient, org: Org) -> None:
    signer_id, signer = await staff(client, org, ["security", "approver"])
    review = await evaluated_review(client, org, confidentiality=3)  # security, then the CISO
    first = await decide(client, review["id"], signer)
    assert first.status_code == 200 and first.json()["status"] == "in_approval", first.text

    for decision in ("approve", "reject"):
        refused = await decide(client, review["id"], signer, decision)
        body = assert_refused(refused, 403, "distinct_consecutive_signers")
        assert "第1段階" in body["detail"] and "step 1" in body["detail"]
    signed = await ApprovalRecord.filter(review_id=review["id"]).order_by("position")
    assert [str(r.decided_by_id) for r in signed] == [signer_id]

    second = await decide(client, review["id"], org.tokens["approver"])
    assert second.status_code == 200, second.text
    assert second.json()["status"] == "approved"


async def test_consecutive_rule_off_lets_one_person_sign_both(
    client: httpx.AsyncClient, org: Org
) -> None:
    assert (await set_duties(client, org, distinct_consecutive_signers=False)).status_code == 200
    signer_id, signer = await staff(client, org, ["security", "approver"])
    review = await evaluated_review(client, org, confidentiality=3)
    assert (await decide(client, review["id"], signer)).status_code == 200
    last = await decide(client, review["id"], signer)
    assert last.status_code == 200, last.text
    assert last.json()["status"] == "approved" and last.json()["decided_by_id"] == signer_id


async def test_exclusive_roles(client: httpx.AsyncClient, org: Org) -> None:
    # Off by default: one person may be procurement and approver.
    holder = await new_user(client, org, "兼務者", ["procurement", "approver"])
    # Turning it on while such a user exists is refused, naming them; nothing changes.
    refused = await set_duties(client, org, exclusive_roles=True)
    body = assert_refused(refused, 409, "exclusive_roles")
    assert holder["email"] in body["detail"]
    shown = await client.get(f"/api/organizations/{org.id}", headers=org.h("admin"))
    assert shown.json()["separation_of_duties"]["exclusive_roles"] is False


async def test_exclusive_roles_refuse_conflicting_users_and_service_tokens(
    client: httpx.AsyncClient, org: Org
) -> None:
    assert (await set_duties(client, org, exclusive_roles=True)).status_code == 200
    users_before = len((await client.get("/api/users", headers=org.h("admin"))).json())
    for roles in (
        ["procurement", "approver"],
        ["procurement", "security"],
        ["auditor", "legal"],
        ["admin", "auditor"],
    ):
        response = await client.post(
            f"/api/organizations/{org.id}/users",
            json={"name": "兼務", "email": f"{'-'.join(roles)}@example.jp", "roles": roles},
            headers=org.h("admin"),
        )
        body = assert_refused(response, 409, "exclusive_roles")
        assert set(roles) <= set(body["fields"]["roles"].replace("+", " ").split()), body
    service = await client.post(
        "/api/service-tokens",
        json={"name": "監査連携", "roles": ["procurement", "auditor"]},
        headers=org.h("admin"),
    )
    assert_refused(service, 409, "exclusive_roles")
    assert len((await client.get("/api/users", headers=org.h("admin"))).json()) == users_before
    # Pairs that do not conflict are still fine.
    allowed = await new_user(client, org, "調達・契約", ["procurement", "legal"])
    assert allowed["roles"] == ["legal", "procurement"]


async def test_only_the_organization_and_the_operator_change_the_rules(
    client: httpx.AsyncClient, org: Org, operator_token: str
) -> None:
    from tests.factories import new_org

    other = await new_org(client, operator_token)
    intruder = await set_duties(client, org, other.tokens["admin"], requester_cannot_decide=False)
    assert intruder.status_code == 404
    not_admin = await set_duties(client, org, org.tokens["security"], requester_cannot_decide=False)
    assert not_admin.status_code == 403
    # The operator manages organizations' settings.
    operator = await set_duties(client, org, operator_token, exclusive_roles=True)
    assert operator.status_code == 200, operator.text
    assert operator.json()["separation_of_duties"]["requester_cannot_decide"] is True
    unknown = await client.patch(
        f"/api/organizations/{org.id}",
        json={"separation_of_duties": {"nobody_decides": True}},
        headers=org.h("admin"),
    )
    assert unknown.status_code == 422
    assert "separation_of_duties.nobody_decides" in unknown.json()["fields"]
