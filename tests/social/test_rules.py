"""SNS-01…SNS-12: a compliant account passes every rule; each change breaks exactly its rule."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from service.catalog.loader import current_catalog, load_catalog
from service.config import get_settings
from service.errors import CatalogError
from tests.factories import Org, approved_review, new_engagement
from tests.social.accounts import new_account

OLD = (date.today() - timedelta(days=400)).isoformat()
# (what changes in the record, the rule it breaks, words its reason uses)
CASES: list[tuple[dict[str, Any], str, str]] = [
    ({"procedure_doc_ref": ""}, "SNS-01", "operating procedure"),
    ({"listing_page_url": ""}, "SNS-02", "official account"),
    ({"profile_names_org": False}, "SNS-02", "profile"),
    ({"mfa_enabled": False}, "SNS-03", "Multi-factor"),
    ({"login_identifier_type": "personal"}, "SNS-03", "personal"),
    ({"credential_custodian": ""}, "SNS-03", "keeping the credentials"),
    ({"recovery_contacts_org_owned": False}, "SNS-03", "recovery contacts"),
    ({"allowed_content_categories": []}, "SNS-06", "kinds of information"),
    ({"allowed_content_text": ""}, "SNS-06", "kinds of information"),
    ({"hijack_runbook_ref": ""}, "SNS-07", "taken over"),
    ({"mirror_page_url": ""}, "SNS-08", "availability-2"),
    ({"last_post_on": OLD}, "SNS-09", "dormancy limit"),
    ({"last_post_on": None}, "SNS-09", "No last post date"),
    ({"outsourced": True}, "SNS-10", "run by a vendor"),
    ({"tos_reviewed_on": None}, "SNS-11", "terms"),
    ({"tos_reviewed_on": OLD}, "SNS-11", "over a year old"),
    ({"url": "https://bit.ly/3abcdef"}, "SNS-12", "shortened"),
    ({"listing_page_url": "https://t.co/xyz"}, "SNS-12", "shortened"),
]


async def _findings(client: httpx.AsyncClient, org: Org, account_id: str) -> dict[str, Any]:
    response = await client.get(
        f"/api/social/accounts/{account_id}/findings", headers=org.h("auditor")
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


async def _attested(account_id: str) -> None:
    # SNS-04 rests on the owner's last attestation (test_verification covers the link itself).
    from service.social.models import SocialAccount

    await SocialAccount.filter(id=account_id).update(posts_within_scope_attested=True)


async def test_a_compliant_account_breaks_no_rule(client: httpx.AsyncClient, org: Org) -> None:
    account = await new_account(client, org)
    await _attested(account["id"])
    result = await _findings(client, org, account["id"])
    assert result["failed"] == []
    outcomes = {f["requirement_id"]: f["outcome"] for f in result["findings"]}
    assert set(outcomes) == {f"SNS-{n:02d}" for n in range(1, 13)}
    assert outcomes["SNS-10"] == "not_applicable"  # run by the organization itself
    assert all(v == "pass" for k, v in outcomes.items() if k != "SNS-10"), outcomes
    assert all(f["remediation"] is None for f in result["findings"])


async def test_before_the_owner_attests_sns_04_fails(client: httpx.AsyncClient, org: Org) -> None:
    account = await new_account(client, org)
    result = await _findings(client, org, account["id"])
    assert result["failed"] == ["SNS-04"]


@pytest.mark.parametrize(("change", "rule", "words"), CASES)
async def test_each_rule_fails_with_its_reason(
    client: httpx.AsyncClient, org: Org, change: dict[str, Any], rule: str, words: str
) -> None:
    account = await new_account(client, org, **change)
    await _attested(account["id"])
    result = await _findings(client, org, account["id"])
    assert result["failed"] == [rule], result["failed"]
    [finding] = [f for f in result["findings"] if f["requirement_id"] == rule]
    assert finding["outcome"] == "fail"
    assert words.lower() in finding["reason"]["en"].lower()
    assert finding["reason"]["ja"] and finding["remediation"]["ja"]
    assert any(s["document"] == "GL" or s["document"].endswith(".txt") for s in finding["sources"])


async def test_a_departed_owner_breaks_sns_05(client: httpx.AsyncClient, org: Org) -> None:
    from service.accounts.models import User
    from tests.social.accounts import new_user

    owner = await new_user(client, org, "異動予定者")
    account = await new_account(client, org, owner_id=owner["id"])
    await _attested(account["id"])
    await User.filter(id=owner["id"]).update(active=False)
    result = await _findings(client, org, account["id"])
    assert result["failed"] == ["SNS-05"]


async def test_sns_10_passes_only_with_an_approved_vendor_engagement(
    client: httpx.AsyncClient, org: Org
) -> None:
    pending = await new_engagement(client, org)
    account = await new_account(
        client,
        org,
        outsourced=True,
        operator_vendor_id=pending["vendor_id"],
        operator_engagement_id=pending["id"],
    )
    await _attested(account["id"])
    assert (await _findings(client, org, account["id"]))["failed"] == ["SNS-10"]

    approved = await approved_review(client, org)
    engagement = await client.get(
        f"/api/engagements/{approved['engagement_id']}", headers=org.h("auditor")
    )
    patched = await client.patch(
        f"/api/social/accounts/{account['id']}",
        json={
            "operator_vendor_id": engagement.json()["vendor_id"],
            "operator_engagement_id": approved["engagement_id"],
        },
        headers=org.h("security"),
    )
    assert patched.status_code == 200, patched.text
    assert (await _findings(client, org, account["id"]))["failed"] == []


async def test_the_dormancy_limit_is_the_organizations(client: httpx.AsyncClient, org: Org) -> None:
    quiet = (date.today() - timedelta(days=100)).isoformat()
    account = await new_account(client, org, last_post_on=quiet)
    await _attested(account["id"])
    assert (await _findings(client, org, account["id"]))["failed"] == []
    changed = await client.patch(
        f"/api/organizations/{org.id}/social-settings",
        json={"dormancy_days": 90},
        headers=org.h("admin"),
    )
    assert changed.status_code == 200, changed.text
    assert (await _findings(client, org, account["id"]))["failed"] == ["SNS-09"]


async def test_reviews_ignore_account_rules_and_accounts_ignore_engagement_rules() -> None:
    catalog = current_catalog()
    for profile in catalog.profiles.values():
        assert all(r.subject == "engagement" for r in profile.requirements)
        assert all(r.subject == "account" for r in profile.account_requirements)
        latest = catalog.latest_profile(profile.id)
        assert latest is not None
        # The SNS rules arrived with base v2; version 1 of each profile stays as it was.
        expected = {f"SNS-{n:02d}" for n in range(1, 13)} if profile is latest else set()
        assert {r.id for r in profile.account_requirements} == expected, profile.id


def _catalog_with(tmp_path: Path, requirement: dict[str, Any]) -> None:
    settings = get_settings()
    policies = tmp_path / "policies"
    policies.mkdir()
    base = yaml.safe_load((settings.policies_dir / "base.yaml").read_text(encoding="utf-8"))
    base["account_requirements"] = [*base["account_requirements"], requirement]
    (policies / "base.yaml").write_text(yaml.safe_dump(base, allow_unicode=True), "utf-8")
    load_catalog(settings.model_copy(update={"policies_dir": policies}))


def _requirement(**overrides: Any) -> dict[str, Any]:
    return {
        "id": "SNS-99",
        "title": {"ja": "試験", "en": "Test"},
        "sources": [{"document": "GL", "section": "8.5"}],
        "check": "account.mfa_enabled",
        "severity": "must",
        "on_fail": "condition",
        "fail_reason": {"ja": "x", "en": "x"},
        "remediation": {"ja": "x", "en": "x"},
        **overrides,
    }


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"check": "account.mfa_enabeld"}, "unknown account field 'mfa_enabeld'"),
        ({"applies_if": "account.a3_use"}, "unknown account field 'a3_use'"),
        ({"check": "engagement.confidentiality == 1"}, "unknown variable(s) ['engagement']"),
        ({"check": "answers.isms_certified"}, "unknown variable(s) ['answers']"),
        ({"subject": "engagement"}, "must have subject 'account'"),
    ],
)
def test_the_loader_refuses_a_broken_account_rule(
    tmp_path: Path, overrides: dict[str, Any], problem: str
) -> None:
    with pytest.raises(CatalogError) as raised:
        _catalog_with(tmp_path, _requirement(**overrides))
    assert raised.value.file.endswith("policies/base.yaml")
    assert problem in raised.value.problem
    if "subject" not in overrides:
        assert raised.value.item == "SNS-99"


def test_an_engagement_rule_cannot_read_the_account() -> None:
    from service.catalog.expressions import ExpressionError
    from service.catalog.policies import Requirement

    requirement = Requirement.model_validate(_requirement(check="account.mfa_enabled"))
    requirement.subject = requirement.subject.__class__("engagement")
    with pytest.raises(ExpressionError, match="unknown variable"):
        requirement.compile(frozenset())
