"""Organization with one object of every kind a path parameter can name, built over the API.

Shared by the tenant-isolation sweep (tests/accounts/test_isolation.py), the authorization
matrix (tests/test_authorization_matrix.py) and the fuzzing run (tests/test_fuzz.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from service.questionnaire.models import Invitation
from tests.evidence.samples import pdf_bytes
from tests.factories import (
    ROLES,
    Org,
    console_token,
    evaluated_review,
    invited_review,
    new_org,
    upload_evidence,
)

# A valid body for every route that takes one and has a path parameter: with an invalid body the
# request would stop at 422 before reaching the ownership check, proving nothing.
VALID_BODIES: dict[str, dict[str, Any]] = {
    "create_token": {"name": "他団体のトークン"},
    "create_invitation": {"email": "intruder@example.jp"},
    "override_verdict": {"outcome": "pass", "reason": "他団体からの上書き"},
    "decide": {"decision": "reject", "reason": "他団体からの決定"},
    "update_organization": {"name": "乗っ取られた団体"},
    "create_user": {"name": "侵入者", "email": "intruder@example.jp", "roles": ["admin"]},
    "vendor_save_answers": {"answers": {"legal_name": "株式会社侵入"}},
    "resend_invitation": {},
    "request_clarification": {"question_ids": ["admin_mfa"], "message": "他団体からの依頼"},
    "update_review_cadence": {"sensitive_interval_months": 1},
    "update_contract_settings": {"cure_days": 1},
    "update_social_account": {"purpose": "他団体からの変更"},
    "close_social_task": {"resolution": "他団体からの完了"},
    "report_social_hijack": {"description": "他団体からの報告"},
    "record_social_incident_step": {"step": "other", "note": "他団体からの記録"},
    "update_social_settings": {"public_list_enabled": True},
    "update_audit_settings": {"checkpoint_email": "intruder@example.jp"},
    "update_sign_in_policy": {"mfa_required_roles": []},
    "answer_social_attestation": {
        "still_responsible": True,
        "mfa_still_on": True,
        "credentials_held_by_organization": True,
        "posts_within_allowed_content": True,
    },
}


@dataclass
class Tenant:
    """Organization B with one object of every kind a path parameter can name."""

    org: Org
    name: str
    ids: dict[str, str]  # path parameter name → an id of B's
    decided_review_id: str
    pending_review_id: str  # evaluated, not decided: writes to it would still be possible
    all_roles_token: str
    all_roles_user_id: str
    vendor_link: str  # the secret of a link whose round is still open for answers
    calendar_token: str  # the secret of the organization's calendar feed
    # Ids of objects a role's user holds in person (x-also): their own user, the account they own.
    held: dict[str, set[str]]


async def all_roles_user(client: httpx.AsyncClient, org: Org, email: str) -> tuple[str, str]:
    """A user of `org` holding every role, created by the org's admin: its token and id."""
    user = await client.post(
        f"/api/organizations/{org.id}/users",
        json={"name": "全権限", "email": email, "roles": ROLES},
        headers=org.h("admin"),
    )
    assert user.status_code == 201, user.text
    assert sorted(user.json()["roles"]) == sorted(ROLES)
    return await console_token(user.json()["id"], "all"), str(user.json()["id"])


async def build_tenant(client: httpx.AsyncClient, operator_token: str) -> Tenant:
    b = await new_org(client, operator_token)
    organization = await client.get(f"/api/organizations/{b.id}", headers=b.h("admin"))

    # A full round: invited, answered, submitted, evaluated, approved, contract generated.
    review = await evaluated_review(client, b)
    approved = await client.post(
        f"/api/reviews/{review['id']}/decision",
        json={"decision": "approve", "reason": "適合"},
        headers=b.h("security"),
    )
    assert approved.status_code == 200, approved.text
    contract = await client.post(f"/api/reviews/{review['id']}/contracts", headers=b.h("legal"))
    assert contract.status_code == 201, contract.text
    engagement = await client.get(
        f"/api/engagements/{review['engagement_id']}", headers=b.h("procurement")
    )
    invitation = await Invitation.filter(review_id=review["id"]).first()
    assert invitation is not None

    # A second round still waiting for its decision, so writes to it would succeed for B.
    pending = await evaluated_review(client, b)
    verdicts = await client.get(f"/api/reviews/{pending['id']}/verdicts", headers=b.h("security"))
    assert verdicts.status_code == 200 and verdicts.json(), verdicts.text

    # Evidence a vendor uploaded for a third round, whose link stays open.
    _, vendor_link = await invited_review(client, b)
    evidence_id = await upload_evidence(client, vendor_link, pdf_bytes("B"))
    feed = await client.post(f"/api/organizations/{b.id}/calendar-feed", headers=b.h("admin"))
    assert feed.status_code == 201, feed.text
    webhook = await client.post(
        "/api/webhooks", json={"url": "https://hooks.example.jp/b"}, headers=b.h("admin")
    )
    assert webhook.status_code == 201, webhook.text

    # An official account with an open hijack incident (and so a follow-up task). Its URL is one
    # the probe refuses at once (loopback), so a run started here never leaves the machine.
    account = await client.post(
        "/api/social/accounts",
        json={
            "platform": "x",
            "handle": "@b_city",
            "url": "https://127.0.0.1/@b_city",
            "platform_account_id": "b-1",
            "owning_department": "広報課",
            "owner_id": b.user_ids["legal"],
        },
        headers=b.h("security"),
    )
    assert account.status_code == 201, account.text
    incident = await client.post(
        f"/api/social/accounts/{account.json()['id']}/incidents",
        json={"description": "B の乗っ取り"},
        headers=b.h("security"),
    )
    assert incident.status_code == 201, incident.text
    tasks = await client.get("/api/social/tasks", headers=b.h("security"))
    [task] = tasks.json()

    extra = await client.post(
        f"/api/users/{b.user_ids['auditor']}/tokens", json={"name": "b"}, headers=b.h("auditor")
    )
    assert extra.status_code == 201, extra.text
    b.tokens["extra"] = extra.json()["token"]
    ids = {
        "user_id": b.user_ids["auditor"],
        "token_id": extra.json()["id"],
        "review_id": pending["id"],
        "requirement_id": verdicts.json()[0]["requirement_id"],
        "contract_id": contract.json()["id"],
        "base_contract_id": contract.json()["id"],
        "engagement_id": review["engagement_id"],
        "invitation_id": str(invitation.id),
        "vendor_id": engagement.json()["vendor_id"],
        "evidence_id": evidence_id,
        "webhook_id": webhook.json()["id"],
        "account_id": account.json()["id"],
        "incident_id": incident.json()["id"],
        "task_id": task["id"],
    }
    all_roles_token, all_roles_user_id = await all_roles_user(client, b, "all-b@example.jp")
    return Tenant(
        org=b,
        name=organization.json()["name"],
        ids=ids,
        decided_review_id=review["id"],
        pending_review_id=pending["id"],
        all_roles_token=all_roles_token,
        all_roles_user_id=all_roles_user_id,
        vendor_link=vendor_link,
        calendar_token=feed.json()["url"].rsplit("/", 1)[1],
        held={
            "auditor": {ids["user_id"], ids["token_id"]},
            "legal": {ids["account_id"], ids["incident_id"]},
        },
    )
