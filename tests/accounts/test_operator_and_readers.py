"""The operator manages organizations, not their work; which roles read answers, evidence and
contracts (the table in service/accounts/permissions.py, written out here on its own)."""

from __future__ import annotations

import httpx
import pytest

from service.accounts.models import User
from service.accounts.permissions import Permission, may
from service.accounts.roles import Role
from service.accounts.schemas import UserCreate
from service.accounts.service import console_principal, create_user
from service.openapi import build_openapi
from tests.accounts.test_isolation import (
    assert_not_found,
    fill,
    object_routes,
    send,
    snapshot,
)
from tests.evidence.samples import pdf_bytes
from tests.factories import (
    Org,
    approve_through_the_chain,
    auth,
    good_answers,
    invited_review,
    upload_evidence,
)
from tests.world import Tenant, build_tenant

# The decision, per role: may it read the vendor's answers (and the verdicts quoting them), the
# evidence files, the contracts?
READS: dict[str, dict[str, bool]] = {
    "admin": {"answers": False, "evidence": False, "contracts": False},
    "procurement": {"answers": True, "evidence": True, "contracts": True},
    "security": {"answers": True, "evidence": True, "contracts": True},
    "approver": {"answers": True, "evidence": True, "contracts": True},
    "legal": {"answers": False, "evidence": False, "contracts": True},
    "auditor": {"answers": True, "evidence": True, "contracts": True},
}
ROUTES = {
    "answers": [
        ("/api/reviews/{review_id}/submissions", "list_submissions"),
        ("/api/reviews/{review_id}/verdicts", "list_verdicts"),
        ("/api/reviews/{review_id}/evaluations", "list_evaluations"),
    ],
    "evidence": [
        ("/api/reviews/{review_id}/evidence", "list_evidence"),
        ("/api/evidence/{evidence_id}/content", "download_evidence"),
    ],
    "contracts": [
        ("/api/reviews/{review_id}/contracts", "list_contracts"),
        ("/api/contracts/{contract_id}", "get_contract"),
        ("/api/contracts/{contract_id}/document", "download_contract"),
        ("/api/contracts/{contract_id}/diff/{contract_id}", "diff_contracts"),
    ],
}
PERMISSION = {
    "answers": Permission.read_answers,
    "evidence": Permission.read_evidence,
    "contracts": Permission.read_contracts,
}


async def contracted_review_with_evidence(client: httpx.AsyncClient, org: Org) -> dict[str, str]:
    review, link = await invited_review(client, org)
    evidence_id = await upload_evidence(client, link, pdf_bytes("読取権限"))
    # Merged into the draft, which keeps the uploaded file's answer.
    saved = await client.patch(f"/api/vendor/{link}/answers", json={"answers": good_answers()})
    assert saved.status_code == 200, saved.text
    assert (await client.post(f"/api/vendor/{link}/submit")).status_code == 200
    from workers import runtime

    await runtime.wait_idle()
    await approve_through_the_chain(client, org, review["id"])
    contract = await client.post(f"/api/reviews/{review['id']}/contracts", headers=org.h("legal"))
    assert contract.status_code == 201, contract.text
    return {
        "review_id": review["id"],
        "evidence_id": evidence_id,
        "contract_id": contract.json()["id"],
    }


async def test_each_role_reads_what_the_table_says(client: httpx.AsyncClient, org: Org) -> None:
    ids = await contracted_review_with_evidence(client, org)
    service = await client.post(
        "/api/service-tokens", json={"name": "文書管理", "roles": ["legal"]}, headers=org.h("admin")
    )
    assert service.status_code == 201, service.text
    callers = {role: org.h(role) for role in READS}
    callers["legal service token"] = auth(service.json()["token"])
    for caller, headers in callers.items():
        expected = READS[caller.split()[0]]
        for what, routes in ROUTES.items():
            for path, _ in routes:
                url = path.format(**ids)
                response = await client.get(url, headers=headers)
                if expected[what]:
                    assert response.status_code == 200, f"{caller} {url}: {response.text}"
                else:
                    assert response.status_code == 403, f"{caller} {url}: {response.status_code}"
                    assert response.json()["error"] == "forbidden"


def test_the_api_and_the_console_share_one_rule() -> None:
    document = build_openapi()
    operations = {
        op["operationId"]: op for item in document["paths"].values() for op in item.values()
    }
    for what, routes in ROUTES.items():
        readers = sorted(role for role, reads in READS.items() if reads[what])
        for role, reads in READS.items():
            assert may({Role(role)}, PERMISSION[what]) is reads[what], (role, what)
        for _, operation_id in routes:
            assert operations[operation_id]["x-roles"] == readers, operation_id


async def test_the_operator_reads_nothing_of_an_organizations_work(
    client: httpx.AsyncClient, operator_token: str
) -> None:
    tenant: Tenant = await build_tenant(client, operator_token)
    before = await snapshot(client, tenant)
    operator = auth(operator_token)
    for spec in object_routes():
        response = await send(client, spec, fill(spec, tenant.ids), operator)
        if spec.operation_id == "create_token":  # said plainly: never for another user
            assert response.status_code == 403, response.text
            assert response.json()["rule"] == "tokens_minted_by_owner"
            continue
        what = f"operator {spec.method} {spec.path}"
        if response.status_code == 403:  # a role the operator's admin lacks stops it first
            assert spec.roles is not None and Role.admin not in spec.roles, what
            assert tenant.org.id not in response.text and tenant.name not in response.text
            continue
        assert_not_found(response, what, tenant)
    for path in ("/api/vendors", "/api/engagements", "/api/users", "/api/tokens"):
        listing = await client.get(path, headers=operator)
        assert listing.status_code == 200
        listed = {item["id"] for item in listing.json()}
        assert not listed & {*tenant.ids.values(), *tenant.org.user_ids.values()}, path
    assert await snapshot(client, tenant) == before
    # It does manage the organization itself: its settings.
    settings = await client.get(f"/api/organizations/{tenant.org.id}", headers=operator)
    assert settings.status_code == 200


@pytest.mark.parametrize("roles", [["procurement"], ["security"], ["admin", "approver"]])
async def test_the_operator_creates_only_admins_elsewhere(
    client: httpx.AsyncClient, operator_token: str, org: Org, roles: list[str]
) -> None:
    count = await User.filter(organization_id=org.id).count()
    refused = await client.post(
        f"/api/organizations/{org.id}/users",
        json={"name": "運用者の分身", "email": "operator-twin@example.jp", "roles": roles},
        headers=auth(operator_token),
    )
    assert refused.status_code == 403, refused.text
    assert refused.json()["rule"] == "operator_manages_organizations"
    assert "roles" in refused.json()["fields"]
    assert await User.filter(organization_id=org.id).count() == count
    # An admin it may create (the first, or one to replace a lost one) …
    admin = await client.post(
        f"/api/organizations/{org.id}/users",
        json={
            "name": "新管理者",
            "email": f"admin-{'-'.join(roles)}@example.jp",
            "roles": ["admin"],
        },
        headers=auth(operator_token),
    )
    assert admin.status_code == 201, admin.text
    # … but not act as it.
    minted = await client.post(
        f"/api/users/{admin.json()['id']}/tokens", json={"name": "x"}, headers=auth(operator_token)
    )
    assert minted.status_code == 403 and minted.json()["rule"] == "tokens_minted_by_owner"
    # The server console (recovery) still creates any user.
    user = await create_user(
        principal=await console_principal(),
        organization_id=org.id,
        data=UserCreate(name="復旧", email=f"console-{roles[0]}@example.jp", roles=[Role.security]),
    )
    assert user.roles == ["security"]
