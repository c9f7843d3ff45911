"""Factories for social-media accounts, over the real API."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from typing import Any

import httpx

from tests.factories import Org

_numbers = itertools.count(1)


def compliant_body(org: Org, **overrides: Any) -> dict[str, Any]:
    """An account that meets every SNS rule that the record alone can satisfy."""
    n = next(_numbers)
    return {
        "platform": "x",
        "handle": f"@city_official_{n}",
        "url": f"https://x.com/city_official_{n}",
        "platform_account_id": f"10000{n}",
        "purpose": "市政情報と防災情報の発信",
        "allowed_content_categories": ["disaster", "events"],
        "allowed_content_text": "防災情報、市のイベント、窓口の案内",
        "owning_department": "総務部広報課",
        "owner_id": org.user_ids["legal"],
        "deputy_id": org.user_ids["approver"],
        "login_identifier_type": "organizational",
        "mfa_enabled": True,
        "mfa_method": "totp",
        "credential_custodian": "広報課長",
        "recovery_contacts_org_owned": True,
        "listing_page_url": "https://www.city.example.jp/sns.html",
        "profile_names_org": True,
        "a2_use": True,
        "mirror_page_url": "https://www.city.example.jp/bousai/",
        "procedure_doc_ref": "広報-SNS-001",
        "hijack_runbook_ref": "広報-SNS-002",
        "last_post_on": (date.today() - timedelta(days=3)).isoformat(),
        "tos_reviewed_on": (date.today() - timedelta(days=30)).isoformat(),
        **overrides,
    }


async def new_account(client: httpx.AsyncClient, org: Org, **overrides: Any) -> dict[str, Any]:
    response = await client.post(
        "/api/social/accounts", json=compliant_body(org, **overrides), headers=org.h("security")
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def new_user(
    client: httpx.AsyncClient, org: Org, name: str, roles: list[str] | None = None
) -> dict[str, Any]:
    n = next(_numbers)
    response = await client.post(
        f"/api/organizations/{org.id}/users",
        json={
            "name": name,
            "email": f"staff{n}-{org.id[:8]}@example.jp",
            "roles": roles or ["legal"],
        },
        headers=org.h("admin"),
    )
    assert response.status_code == 201, response.text
    return dict(response.json())
