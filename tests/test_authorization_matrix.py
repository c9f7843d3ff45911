"""The authorization matrix, generated from the OpenAPI document the app serves.

Every operation x every role (and no token at all), with real ids of the caller's organization
and a valid body: a role the operation's `x-roles` names gets through the role check (any answer
but 401/403), every other role gets 403 (unless the operation's `x-also` lets a user act on what
they hold in person, e.g. their own user, and the object is theirs). Then the same role of
another organization, with the first organization's ids: 404 where the role is allowed (never
the data), 403 where it is not.
Operations marked `x-operator-only` refuse every tenant's admin and serve the operator's.

Nothing here lists the routes: a new operation is covered as soon as it is in the document (and
fails here until it has a valid body below, if it takes one).
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx

from service.openapi import build_openapi
from tests.factories import ROLES, auth, engagement_body
from tests.world import VALID_BODIES, Tenant, build_tenant

PATH_PARAM = re.compile(r"\{(\w+)\}")
# Reference data every organization shares: an id of it names nothing of a tenant's.
SHARED = {"snapshot_id"}
# Answers that mean "the role check passed": success, or a refusal about the data or the state.
AFTER_THE_ROLE_CHECK = {200, 201, 204, 404, 409, 410, 422}


def bodies(tenant: Tenant) -> dict[str, dict[str, Any]]:
    """A valid body for every operation that takes one."""
    ids, users = tenant.ids, tenant.org.user_ids
    return {
        **VALID_BODIES,
        "create_organization": {"name": "新設市", "jurisdiction_court": "東京地方裁判所"},
        "reload": {"reevaluate": False},
        "reevaluate": {"dry_run": True},
        "create_engagement": engagement_body(ids["vendor_id"]),
        "import_ismap_list": {"filename": "empty.csv", "content_base64": ""},
        "create_webhook": {"url": "https://hooks.example.jp/matrix", "events": ["ping"]},
        "create_social_account": {
            "platform": "x",
            "handle": f"@matrix_{uuid.uuid4().hex[:8]}",
            "url": "https://127.0.0.1/@matrix",
            "platform_account_id": uuid.uuid4().hex,
            "owning_department": "広報課",
            "owner_id": users["legal"],
        },
        "reassign_social_owners": {
            "mappings": [{"from_user_id": users["auditor"], "to_user_id": users["auditor"]}],
        },
        "create_vendor": {"name": "株式会社マトリクス", "corporate_number": "5010401067252"},
        "create_service_token": {"name": "マトリクス連携", "roles": ["auditor"]},
    }


# A valid query string for every operation that requires one.
QUERIES: dict[str, dict[str, str]] = {
    "ismap_status": {"number": "C21-0008-2"},
    "ismap_candidates": {"provider": "さくら"},
}


def operations() -> list[tuple[str, str, dict[str, Any]]]:
    """(method, path, operation) of every operation behind an API token."""
    document = build_openapi()
    found = [
        (method.upper(), path, op)
        for path, ops in document["paths"].items()
        for method, op in ops.items()
        if op.get("security")
    ]
    assert len(found) > 60  # the whole API, not a filtered part of it
    return found


def url_for(path: str, tenant: Tenant) -> str:
    ids = {**tenant.ids, "organization_id": tenant.org.id}
    return PATH_PARAM.sub(lambda m: ids.get(m.group(1), str(uuid.uuid4())), path)


def allowed_roles(op: dict[str, Any]) -> set[str]:
    return set() if op.get("x-operator-only") else set(op["x-roles"])


async def call(
    client: httpx.AsyncClient,
    method: str,
    url: str,
    op: dict[str, Any],
    headers: dict[str, str],
    tenant: Tenant,
) -> httpx.Response:
    operation_id = op["operationId"]
    body: dict[str, Any] | None = None
    if "requestBody" in op:
        known = bodies(tenant)
        assert operation_id in known, (
            f"{method} {url} takes a body: add a valid one for '{operation_id}' to the matrix"
        )
        body = known[operation_id]
    return await client.request(
        method, url, json=body, params=QUERIES.get(operation_id), headers=headers
    )


async def test_every_operation_admits_exactly_its_roles_and_no_other_organization(
    client: httpx.AsyncClient, operator_token: str
) -> None:
    own = await build_tenant(client, operator_token)
    other = await build_tenant(client, operator_token)
    wrong: list[str] = []
    checked = 0
    for method, path, op in operations():
        allowed = allowed_roles(op)
        url = url_for(path, own)
        nobody = await call(client, method, url, op, {}, own)
        if nobody.status_code != 401:
            wrong.append(f"{method} {path} without a token: {nobody.status_code}")
        names = set(PATH_PARAM.findall(path))
        for role in ROLES:
            mine = await call(client, method, url, op, own.org.h(role), own)
            held = bool(op.get("x-also")) and any(
                own.ids.get(name) in own.held.get(role, set()) for name in names
            )
            if role in allowed or held:
                expected, right = "through", mine.status_code in AFTER_THE_ROLE_CHECK
            else:
                expected, right = "403", mine.status_code == 403
            if not right:
                wrong.append(
                    f"{method} {path} as {role}: {mine.status_code} (expected {expected}) "
                    f"{mine.text[:200]}"
                )
            if not names or names <= SHARED:
                continue
            theirs = await call(client, method, url, op, other.org.h(role), other)
            # x-also: whether the object is the caller's is known only after it is found: 404.
            if theirs.status_code != (404 if role in allowed or op.get("x-also") else 403):
                wrong.append(
                    f"{method} {path} as another organization's {role}: "
                    f"{theirs.status_code} {theirs.text[:200]}"
                )
            elif role in allowed:
                for secret in (own.org.id, own.name, *own.ids.values()):
                    if len(secret) > 8 and secret in theirs.text:
                        wrong.append(f"{method} {path}: another organization's 404 names {secret}")
            checked += 1
    assert checked > 100
    assert not wrong, f"{len(wrong)} cell(s) of the matrix are wrong:\n" + "\n".join(wrong)


async def test_operator_only_operations_serve_the_operator_admin_alone(
    client: httpx.AsyncClient, operator_token: str
) -> None:
    tenant = await build_tenant(client, operator_token)
    marked = [(m, p, op) for m, p, op in operations() if op.get("x-operator-only")]
    assert {op["operationId"] for _, _, op in marked} >= {"create_organization", "reload"}
    for method, path, op in marked:
        assert op["x-roles"] == ["admin"]
        response = await call(client, method, path, op, auth(operator_token), tenant)
        assert response.status_code in AFTER_THE_ROLE_CHECK, (path, response.text)
        refused = await call(client, method, path, op, tenant.org.h("admin"), tenant)
        assert refused.status_code == 403, (path, refused.text)
