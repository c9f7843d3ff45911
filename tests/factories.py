"""Plain async factory functions that build test data over the real HTTP API."""

from __future__ import annotations

import itertools
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

EXAMPLES = Path(__file__).resolve().parent.parent / "docs" / "examples"
ROLES = ["admin", "procurement", "security", "approver", "legal", "auditor"]
# Real, valid 法人番号 (check digit included); numbers are only checked for form here.
CORPORATE_NUMBERS = ["1180301018771", "7000012050002", "5010401067252"]
_counter = itertools.count(1)
# What an organization must set before its contracts can be generated.
CONTRACT_SETTINGS = {
    "address": "熊本県人吉市麓町16番地",
    "representative": "人吉市長　山田　太郎",
    "security_policy_name": "人吉市情報セキュリティポリシー（令和8年3月改定）",
    "incident_contact": "総務部情報政策課（電話 0966-22-2111）",
}


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def good_answers() -> dict[str, Any]:
    return dict(json.loads((EXAMPLES / "cloud-service-answers.json").read_text())["answers"])


def weak_answers() -> dict[str, Any]:
    return dict(json.loads((EXAMPLES / "cloud-service-answers-weak.json").read_text())["answers"])


@dataclass
class Org:
    id: str
    tokens: dict[str, str]
    user_ids: dict[str, str] = field(default_factory=dict)

    def h(self, role: str) -> dict[str, str]:
        return auth(self.tokens[role])


async def new_org(
    client: httpx.AsyncClient,
    operator_token: str,
    *,
    issue_token: Callable[[str], Awaitable[str]] | None = None,
    contract_settings: dict[str, Any] | None = None,
    **settings: Any,
) -> Org:
    """An organization with one user and token per role: the operator creates the
    organization and its admin, the admin the others; each token comes from the console (of the
    test's own database, or `issue_token` for a server with its own).
    The admin sets the contract settings (CONTRACT_SETTINGS unless given; {} sets none)."""
    issue = issue_token or console_token
    n = next(_counter)
    body = {"name": f"テスト市{n}", "jurisdiction_court": "熊本地方裁判所", **settings}
    response = await client.post("/api/organizations", json=body, headers=auth(operator_token))
    assert response.status_code == 201, response.text
    org_id = response.json()["id"]
    admin = await client.post(
        f"/api/organizations/{org_id}/users",
        json={"name": "管理者", "email": f"admin{n}@example.jp", "roles": ["admin"]},
        headers=auth(operator_token),
    )
    assert admin.status_code == 201, admin.text
    admin_token = await issue(admin.json()["id"])
    org = Org(id=org_id, tokens={"admin": admin_token}, user_ids={"admin": admin.json()["id"]})
    for role in ROLES[1:]:
        user = await client.post(
            f"/api/organizations/{org_id}/users",
            json={"name": f"{role}担当", "email": f"{role}{n}@example.jp", "roles": [role]},
            headers=auth(admin_token),
        )
        assert user.status_code == 201, user.text
        org.user_ids[role] = user.json()["id"]
        org.tokens[role] = await issue(user.json()["id"])
    chosen = CONTRACT_SETTINGS if contract_settings is None else contract_settings
    if chosen:
        response = await client.patch(
            f"/api/organizations/{org_id}/contract-settings", json=chosen, headers=org.h("admin")
        )
        assert response.status_code == 200, response.text
    return org


async def console_token(user_id: str, name: str = "test") -> str:
    """A person's first token, as `vetting token create` issues it on the server (no one can
    mint a token for another user through the API)."""
    from service.accounts.service import console_principal, console_token

    issued = await console_token(
        principal=await console_principal(), user_id=user_id, name=name, expires_in_days=None
    )
    return issued.secret


async def new_vendor(client: httpx.AsyncClient, org: Org, **overrides: Any) -> dict[str, Any]:
    n = next(_counter)
    body = {
        "name": f"株式会社テストクラウド{n}",
        "corporate_number": CORPORATE_NUMBERS[n % len(CORPORATE_NUMBERS)],
        "address": "東京都千代田区霞が関1-1-1",
        **overrides,
    }
    response = await client.post("/api/vendors", json=body, headers=org.h("procurement"))
    if response.status_code == 409:  # the same number again in this organization
        listing = await client.get("/api/vendors", headers=org.h("procurement"))
        return next(v for v in listing.json() if v["corporate_number"] == body["corporate_number"])
    assert response.status_code == 201, response.text
    return dict(response.json())


def engagement_body(vendor_id: str, **overrides: Any) -> dict[str, Any]:
    return {
        "vendor_id": vendor_id,
        "kind": "cloud",
        "service_name": "電子申請クラウド",
        "purpose": "住民からの電子申請の受付と審査",
        "confidentiality": 2,
        "integrity": 2,
        "availability": 1,
        "personal_data": True,
        "my_number": False,
        "network_segment": "lgwan",
        "subcontracting": True,
        "start_date": "2027-04-01",
        "term_months": 36,
        **overrides,
    }


async def new_engagement(client: httpx.AsyncClient, org: Org, **overrides: Any) -> dict[str, Any]:
    vendor = await new_vendor(client, org)
    response = await client.post(
        "/api/engagements",
        json=engagement_body(vendor["id"], **overrides),
        headers=org.h("procurement"),
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def invited_review(
    client: httpx.AsyncClient, org: Org, **overrides: Any
) -> tuple[dict[str, Any], str]:
    """An open review round with its vendor link (the review, the link's token)."""
    engagement = await new_engagement(client, org, **overrides)
    review = await client.post(
        f"/api/engagements/{engagement['id']}/reviews", headers=org.h("procurement")
    )
    assert review.status_code == 201, review.text
    invitation = await client.post(
        f"/api/reviews/{review.json()['id']}/invitations", json={}, headers=org.h("procurement")
    )
    assert invitation.status_code == 201, invitation.text
    token = invitation.json()["url"].rsplit("/", 1)[1]
    return dict(review.json()), token


async def evaluated_review(
    client: httpx.AsyncClient, org: Org, answers: dict[str, Any] | None = None, **overrides: Any
) -> dict[str, Any]:
    """A review whose vendor answered and submitted, with its checks run."""
    from workers import runtime

    review, token = await invited_review(client, org, **overrides)
    saved = await client.patch(
        f"/api/vendor/{token}/answers", json={"answers": answers or good_answers()}
    )
    assert saved.status_code == 200, saved.text
    submitted = await client.post(f"/api/vendor/{token}/submit")
    assert submitted.status_code == 200, submitted.text
    await runtime.wait_idle()
    refreshed = await client.get(f"/api/reviews/{review['id']}", headers=org.h("security"))
    assert refreshed.json()["status"] == "evaluated", refreshed.text
    return dict(refreshed.json())


async def approve_through_the_chain(
    client: httpx.AsyncClient, org: Org, review_id: str, conditions: list[str] | None = None
) -> dict[str, Any]:
    """Sign every step of the review's approval chain with the role each step asks for."""
    chain = await client.get(f"/api/reviews/{review_id}/approvals", headers=org.h("auditor"))
    assert chain.status_code == 200, chain.text
    decided: httpx.Response | None = None
    for step in chain.json()["steps"]:
        body: dict[str, Any] = {"decision": "approve", "reason": "適合"}
        if conditions and step["position"] == 1:
            body = {
                "decision": "approve_with_conditions",
                "reason": "適合",
                "conditions": conditions,
            }
        decided = await client.post(
            f"/api/reviews/{review_id}/decision", json=body, headers=org.h(step["role"])
        )
        assert decided.status_code == 200, decided.text
    assert decided is not None
    return dict(decided.json())


def portal_client(
    client: httpx.AsyncClient, base_url: str = "http://testserver"
) -> httpx.AsyncClient:
    """A browser-like client of the vendor portal (HTML, so not checked against the OpenAPI)."""
    return httpx.AsyncClient(transport=client._transport, base_url=base_url, follow_redirects=False)


async def upload_evidence(
    client: httpx.AsyncClient,
    token: str,
    content: bytes,
    *,
    name: str = "ISMS登録証.pdf",
    question_id: str = "isms_certificate",
) -> str:
    """Upload one file through the portal, as a vendor does; returns the new evidence id."""
    import re

    saved = await client.patch(
        f"/api/vendor/{token}/answers", json={"answers": {"isms_certified": True}}
    )
    assert saved.status_code == 200, saved.text
    before = set(saved.json()["answers"].get(question_id, []))
    async with portal_client(client) as vendor:
        opened = await vendor.get(f"/v/{token}")
        assert opened.status_code == 303, opened.text
        page = await vendor.get("/v/s/B")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert csrf, page.text
        posted = await vendor.post(
            "/v/s/B",
            data={"csrf_token": csrf.group(1), "shown": question_id, "action": "save"},
            files=[(f"file.{question_id}", (name, content, "application/pdf"))],
        )
        assert posted.status_code == 303, posted.text
    after = await client.get(f"/api/vendor/{token}")
    added = set(after.json()["answers"].get(question_id, [])) - before
    assert len(added) == 1, after.text
    return added.pop()


async def approved_review(
    client: httpx.AsyncClient,
    org: Org,
    *,
    vendor_email: str | None = None,
    answers: dict[str, Any] | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    """A first round approved by security, its vendor invited at `vendor_email` (if given)."""
    from workers import runtime

    engagement = await new_engagement(client, org, **overrides)
    review = await client.post(
        f"/api/engagements/{engagement['id']}/reviews", headers=org.h("procurement")
    )
    assert review.status_code == 201, review.text
    review_id = review.json()["id"]
    invitation = await client.post(
        f"/api/reviews/{review_id}/invitations",
        json={"email": vendor_email} if vendor_email else {},
        headers=org.h("procurement"),
    )
    assert invitation.status_code == 201, invitation.text
    token = invitation.json()["api_url"].rsplit("/", 1)[1]
    saved = await client.patch(
        f"/api/vendor/{token}/answers", json={"answers": answers or good_answers()}
    )
    assert saved.status_code == 200, saved.text
    assert (await client.post(f"/api/vendor/{token}/submit")).status_code == 200
    await runtime.wait_idle()
    return await approve_through_the_chain(client, org, review_id)
