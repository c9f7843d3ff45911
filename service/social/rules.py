"""SNS-01…SNS-12 for one account: the facts the `account` root holds, and their evaluation.

The rules themselves are data (policies/*.yaml, `account_requirements`); this module only builds
the facts named in service.catalog.expressions.ACCOUNT_FIELDS and runs the shared CEL engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from tortoise.backends.base.client import BaseDBAsyncClient

from service.accounts.models import Organization, User
from service.catalog.loader import current_catalog
from service.catalog.policies import PolicyProfile
from service.checks.models import Outcome
from service.checks.service import Finding, evaluate_account
from service.reviews.models import Review
from service.reviews.states import ReviewStatus
from service.social.models import DEFAULT_DORMANCY_DAYS, SocialAccount, SocialSettings

# Hosts whose links hide where they lead (SNS-12). Platform-made links (t.co, lin.ee) included:
# a registry should hold the address itself.
URL_SHORTENERS = frozenset(
    {
        "bit.ly",
        "t.co",
        "goo.gl",
        "tinyurl.com",
        "ow.ly",
        "is.gd",
        "buff.ly",
        "x.gd",
        "t.ly",
        "lin.ee",
        "amzn.to",
        "rebrand.ly",
        "cutt.ly",
        "shorturl.at",
    }
)
APPROVED = (ReviewStatus.approved, ReviewStatus.approved_with_conditions)


def is_shortened(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower().removeprefix("www.")
    return host in URL_SHORTENERS


async def operator_engagement_approved(
    account: SocialAccount, conn: BaseDBAsyncClient | None = None
) -> bool:
    if not account.operator_engagement_id:
        return False
    latest = (
        await Review.filter(engagement_id=account.operator_engagement_id)
        .using_db(conn)
        .order_by("-round")
        .first()
    )
    return latest is not None and latest.status in APPROVED


def account_facts(
    account: SocialAccount,
    *,
    owner: User | None,
    engagement_approved: bool,
    dormancy_days: int,
    today: date,
) -> dict[str, Any]:
    """The `account` variables of the rules (names checked against ACCOUNT_FIELDS at load)."""
    return {
        "platform": str(account.platform),
        "status": str(account.status),
        "has_procedure_doc": bool(account.procedure_doc_ref.strip()),
        "has_hijack_runbook": bool(account.hijack_runbook_ref.strip()),
        "listing_page_url": account.listing_page_url,
        "profile_names_org": account.profile_names_org,
        "mfa_enabled": account.mfa_enabled,
        "mfa_method": account.mfa_method,
        "login_identifier_type": str(account.login_identifier_type),
        "credential_custodian": account.credential_custodian.strip(),
        "recovery_contacts_org_owned": account.recovery_contacts_org_owned,
        "allowed_content_categories": list(account.allowed_content_categories),
        "allowed_content_text": account.allowed_content_text.strip(),
        "posts_within_scope_attested": account.posts_within_scope_attested,
        "owner_active": owner is not None and owner.active,
        "owner_in_organization": owner is not None
        and str(owner.organization_id) == str(account.organization_id),
        "a2_use": account.a2_use,
        "mirror_page_url": account.mirror_page_url,
        "outsourced": account.outsourced,
        "operator_vendor_id": str(account.operator_vendor_id or ""),
        "operator_engagement_approved": engagement_approved,
        # -1: never recorded (the dormancy rule fails on it, as it should).
        "days_since_last_post": (today - account.last_post_on).days if account.last_post_on else -1,
        "dormancy_days": dormancy_days,
        "tos_reviewed_at": account.tos_reviewed_on.isoformat() if account.tos_reviewed_on else "",
        "days_since_tos_review": (
            (today - account.tos_reviewed_on).days if account.tos_reviewed_on else 100000
        ),
        "uses_url_shortener": any(
            is_shortened(u)
            for u in (account.url, account.listing_page_url, account.mirror_page_url)
        ),
    }


@dataclass(frozen=True)
class AccountVerdict:
    profile: PolicyProfile
    findings: list[Finding]

    @property
    def failed(self) -> list[Finding]:
        return [f for f in self.findings if f.outcome == Outcome.failed]


async def organization_profile(
    organization_id: str, conn: BaseDBAsyncClient | None = None
) -> PolicyProfile:
    organization = await Organization.filter(id=organization_id).using_db(conn).get()
    catalog = current_catalog()
    profile = catalog.latest_profile(organization.policy_profile) or catalog.latest_profile("base")
    assert profile is not None, "the catalog always holds the base profile"
    return profile


async def dormancy_days_for(organization_id: str, conn: BaseDBAsyncClient | None = None) -> int:
    row = await SocialSettings.filter(organization_id=organization_id).using_db(conn).get_or_none()
    return row.dormancy_days if row else DEFAULT_DORMANCY_DAYS


async def judge_account(
    account: SocialAccount, *, today: date, conn: BaseDBAsyncClient | None = None
) -> AccountVerdict:
    """Every account rule of the organization's profile, evaluated on the stored record."""
    owner = await User.filter(id=account.owner_id).using_db(conn).get_or_none()
    facts = account_facts(
        account,
        owner=owner,
        engagement_approved=await operator_engagement_approved(account, conn),
        dormancy_days=await dormancy_days_for(str(account.organization_id), conn),
        today=today,
    )
    profile = await organization_profile(str(account.organization_id), conn)
    return AccountVerdict(profile, evaluate_account(profile.account_requirements, facts))


def finding_json(profile: PolicyProfile, finding: Finding) -> dict[str, Any]:
    requirement = profile.requirement(finding.requirement_id)
    assert requirement is not None
    failed = finding.outcome == Outcome.failed
    return {
        "requirement_id": finding.requirement_id,
        "title": requirement.title.model_dump(),
        "outcome": finding.outcome.value,
        "severity": requirement.severity.value,
        "reason": finding.reason,
        "remediation": requirement.remediation.model_dump() if failed else None,
        "sources": [s.model_dump() for s in requirement.sources],
    }
