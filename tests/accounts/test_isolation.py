"""Tenant isolation: organization A sees nothing of organization B, and changes nothing of it.

The sweep is driven by `service.routing.REGISTRY`, so a route added later is covered (or makes
this test fail until it gets a valid body here) without anyone remembering to add it.
"""

from __future__ import annotations

import json
import re
from typing import Any

import httpx

from service.questionnaire.models import Invitation
from service.routing import REGISTRY, Endpoint
from tests.factories import Org, auth, engagement_body
from tests.world import VALID_BODIES, Tenant, all_roles_user, build_tenant

# Public by design: an organization's published list of official accounts, which anyone may read
# once the organization turns it on (tests/social/test_public.py covers who sees what).
PUBLIC_ROUTES = {"public_social_accounts"}
# snapshot_id: ISMAP list snapshots are public reference data, shared by every organization
# (service/ismap/models.py); tests/ismap/test_api.py reads one as another organization.
HANDLED_SEPARATELY = {"organization_id", "token", "snapshot_id"}
PATH_PARAM = re.compile(r"\{(\w+)\}")


def path_params(spec: Endpoint) -> list[str]:
    return PATH_PARAM.findall(spec.path)


def routes_with(param: str) -> list[Endpoint]:
    return [
        spec
        for spec in REGISTRY
        if param in path_params(spec) and spec.operation_id not in PUBLIC_ROUTES
    ]


def object_routes() -> list[Endpoint]:
    """Routes naming an object by id, other than the vendor-link and organization routes."""
    return [
        spec
        for spec in REGISTRY
        if path_params(spec) and not HANDLED_SEPARATELY & set(path_params(spec))
    ]


def fill(spec: Endpoint, ids: dict[str, str]) -> str:
    missing = [name for name in path_params(spec) if name not in ids]
    assert not missing, f"{spec.operation_id}: no id of B's for path parameter(s) {missing}"
    return PATH_PARAM.sub(lambda m: ids[m.group(1)], spec.path)


def body_for(spec: Endpoint) -> dict[str, Any] | None:
    if spec.body_model is None:
        return None
    assert spec.operation_id in VALID_BODIES, (
        f"{spec.method} {spec.path} takes a body: add a valid one for '{spec.operation_id}' "
        "to VALID_BODIES so the isolation sweep covers it"
    )
    body = VALID_BODIES[spec.operation_id]
    spec.body_model.model_validate_json(json.dumps(body))  # really valid, or this raises
    return body


async def send(
    client: httpx.AsyncClient, spec: Endpoint, url: str, headers: dict[str, str]
) -> httpx.Response:
    body = body_for(spec)
    if body is None:
        return await client.request(spec.method, url, headers=headers)
    return await client.request(spec.method, url, json=body, headers=headers)


def assert_not_found(response: httpx.Response, what: str, tenant: Tenant) -> None:
    assert response.status_code == 404, f"{what}: {response.status_code} {response.text}"
    body = response.json()
    assert body["error"] == "not_found", f"{what}: {body}"
    assert set(body) == {"error", "detail", "fields"}, f"{what}: {body}"
    # The answer names nothing of B's.
    for secret in [tenant.org.id, tenant.name, *tenant.ids.values()]:
        if len(secret) > 8:
            assert secret not in response.text, f"{what} leaks {secret!r}"


async def snapshot(client: httpx.AsyncClient, tenant: Tenant) -> dict[str, Any]:
    """Everything of B's that one of A's requests could have changed, as B itself sees it."""
    b, ids = tenant.org, tenant.ids

    async def get(path: str, role: str = "auditor") -> Any:
        response = await client.get(path, headers=b.h(role))
        assert response.status_code == 200, f"{path}: {response.text}"
        return response.json()

    state: dict[str, Any] = {
        "audit": await get("/api/audit/verification"),
        "organization": await get(f"/api/organizations/{b.id}"),
        "users": await get("/api/users"),
        "vendors": await get("/api/vendors"),
        "engagements": await get("/api/engagements"),
        "rounds": await get(f"/api/engagements/{ids['engagement_id']}/reviews"),
        "webhooks": await get("/api/webhooks", "admin"),
        "cadence": await get(f"/api/organizations/{b.id}/review-cadence"),
        "social_accounts": await get("/api/social/accounts"),
        "social_incidents": await get(f"/api/social/accounts/{ids['account_id']}/incidents"),
        "social_tasks": await get("/api/social/tasks"),
        "social_settings": await get(f"/api/organizations/{b.id}/social-settings"),
        "checkpoint_settings": await get(f"/api/organizations/{b.id}/checkpoint-settings"),
    }
    for review_id in (tenant.decided_review_id, tenant.pending_review_id):
        state[review_id] = {
            "review": await get(f"/api/reviews/{review_id}"),
            "verdicts": await get(f"/api/reviews/{review_id}/verdicts"),
            "contracts": await get(f"/api/reviews/{review_id}/contracts"),
        }
    invitation = await Invitation.get(id=ids["invitation_id"])
    state["invitation_revoked_at"] = invitation.revoked_at
    # B's extra token was not revoked: it still authenticates.
    me = await client.get("/api/me", headers=auth(b.tokens["extra"]))
    state["extra_token_works"] = me.status_code == 200
    return state


async def test_a_gets_404_on_every_object_of_b_and_writes_nothing(
    client: httpx.AsyncClient, operator_token: str, org: Org
) -> None:
    a = org
    tenant = await build_tenant(client, operator_token)
    b = tenant.org
    a_all = auth((await all_roles_user(client, a, "all-a@example.jp"))[0])
    me = await client.get("/api/me", headers=a_all)
    assert me.json()["organization"]["id"] == a.id  # a real, working token of A's

    routes = object_routes()
    # The sweep reaches every kind of object (a registry change that empties it fails here).
    swept_params = {name for spec in routes for name in path_params(spec)}
    assert set(tenant.ids) >= swept_params
    assert {"review_id", "contract_id", "invitation_id", "token_id", "user_id"} <= swept_params

    before = await snapshot(client, tenant)
    assert before["audit"]["ok"] is True and before["audit"]["events"] > 0
    assert len(before[tenant.decided_review_id]["contracts"]) == 1
    a_events = (await client.get("/api/audit/verification", headers=a.h("auditor"))).json()

    for spec in routes:
        response = await send(client, spec, fill(spec, tenant.ids), a_all)
        assert_not_found(response, f"{spec.method} {spec.path}", tenant)
        # The decided review as well as the pending one.
        if "review_id" in path_params(spec):
            ids = {**tenant.ids, "review_id": tenant.decided_review_id}
            response = await send(client, spec, fill(spec, ids), a_all)
            assert_not_found(response, f"{spec.method} {spec.path} (decided)", tenant)

    organization_routes = routes_with("organization_id")
    assert {spec.method for spec in organization_routes} >= {"GET", "PATCH", "POST"}
    for spec in organization_routes:
        for token_name, headers in (("admin", a.h("admin")), ("all roles", a_all)):
            response = await send(client, spec, fill(spec, {"organization_id": b.id}), headers)
            assert_not_found(response, f"{spec.method} {spec.path} as A's {token_name}", tenant)
    # …while A's admin does reach A's own organization through the same route.
    own = await client.get(f"/api/organizations/{a.id}", headers=a.h("admin"))
    assert own.status_code == 200

    after = await snapshot(client, tenant)
    assert after["audit"]["events"] == before["audit"]["events"]
    assert after == before
    assert after[tenant.pending_review_id]["review"]["status"] == "evaluated"
    assert after[tenant.decided_review_id]["review"]["status"] == "approved"
    assert all(v["overridden_by_id"] is None for v in after[tenant.pending_review_id]["verdicts"])
    assert after["invitation_revoked_at"] is None and after["extra_token_works"]
    # A's failed attempts wrote nothing to A's trail either.
    a_after = (await client.get("/api/audit/verification", headers=a.h("auditor"))).json()
    assert a_after["events"] == a_events["events"]

    # Control: the same requests from B's own all-roles user do reach the objects, so the 404s
    # above came from the tenant check, not from a wrong path, id or body. (A token is minted
    # only by its owner, so that user names itself where a user id goes.)
    b_all = auth(tenant.all_roles_token)
    own = {"organization_id": b.id, "user_id": tenant.all_roles_user_id}
    # Removals last: after DELETE a webhook, its deliveries are 404 to B as well.
    for spec in sorted(routes + organization_routes, key=lambda spec: spec.method == "DELETE"):
        url = fill(spec, {**tenant.ids, **own})
        response = await send(client, spec, url, b_all)
        assert response.status_code in (200, 201, 204, 409), (
            f"B's own {spec.method} {spec.path}: {response.status_code} {response.text}"
        )


async def test_vendor_links_are_not_object_ids_or_api_tokens(
    client: httpx.AsyncClient, operator_token: str, org: Org
) -> None:
    tenant = await build_tenant(client, operator_token)
    before = await snapshot(client, tenant)
    vendor_routes = routes_with("token")
    assert {spec.operation_id for spec in vendor_routes} >= {
        "vendor_questionnaire",
        "vendor_save_answers",
        "vendor_submit",
    }
    guesses = [
        tenant.pending_review_id,
        tenant.ids["invitation_id"],
        tenant.ids["engagement_id"],
        tenant.org.tokens["procurement"],  # an API token of B's is not a vendor link
        org.tokens["admin"],
    ]
    for spec in vendor_routes:
        for guess in guesses:
            response = await send(client, spec, fill(spec, {"token": guess}), org.h("admin"))
            assert_not_found(response, f"{spec.method} {spec.path} with {guess[:6]}…", tenant)
    assert await snapshot(client, tenant) == before


async def test_lists_of_a_never_contain_b(
    client: httpx.AsyncClient, operator_token: str, org: Org
) -> None:
    a = org
    tenant = await build_tenant(client, operator_token)
    b_vendor = await client.get(
        f"/api/vendors/{tenant.ids['vendor_id']}", headers=tenant.org.h("procurement")
    )
    # A registers a vendor with the very same 法人番号: numbers are unique per organization only.
    a_vendor = await client.post(
        "/api/vendors",
        json={"name": "株式会社同番号", "corporate_number": b_vendor.json()["corporate_number"]},
        headers=a.h("procurement"),
    )
    assert a_vendor.status_code == 201, a_vendor.text
    a_engagement = await client.post(
        "/api/engagements",
        json=engagement_body(a_vendor.json()["id"]),
        headers=a.h("procurement"),
    )
    assert a_engagement.status_code == 201, a_engagement.text
    a_all = auth((await all_roles_user(client, a, "all-a@example.jp"))[0])

    b_ids = {tenant.org.id, *tenant.ids.values(), *tenant.org.user_ids.values()}
    b_ids.discard(tenant.ids["requirement_id"])  # a catalog id, the same for everyone
    expected_own = {
        "/api/vendors": a_vendor.json()["id"],
        "/api/engagements": a_engagement.json()["id"],
        "/api/users": a.user_ids["auditor"],
        "/api/organizations": a.id,
    }
    for path, own_id in expected_own.items():
        for headers in (a_all, a.h("auditor"), a.h("admin")):
            response = await client.get(path, headers=headers)
            assert response.status_code == 200, response.text
            listed = {item["id"] for item in response.json()}
            assert own_id in listed, f"{path} misses A's own {own_id}"
            assert not listed & b_ids, f"{path} lists B's {listed & b_ids}"
            assert tenant.org.id not in response.text
            assert tenant.name not in response.text
