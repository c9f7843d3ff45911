"""The public list of official accounts (the anti-impersonation list), off unless turned on.

Only public fields leave: platform, handle, URL, owning department and purpose. Closed accounts
are gone, and a compromised one is left out until it is recovered, so that residents are never
sent to an account someone else controls.
"""

from __future__ import annotations

from uuid import UUID

from service.accounts.models import Organization
from service.errors import NotFound
from service.social.models import AccountStatus, SocialAccount, SocialSettings
from service.social.schemas import PublicAccountOut, PublicListOut

LISTED = (AccountStatus.active, AccountStatus.dormant, AccountStatus.suspended)


async def public_list(organization_id: UUID) -> PublicListOut:
    """NotFound when the organization does not publish its list (same as no such organization)."""
    settings = await SocialSettings.filter(organization_id=organization_id).get_or_none()
    if settings is None or not settings.public_list_enabled:
        raise NotFound("no public list of official accounts here")
    organization = await Organization.get(id=organization_id)
    accounts = await SocialAccount.filter(
        organization_id=organization_id, status__in=LISTED
    ).order_by("platform", "handle")
    return PublicListOut(
        organization_name=organization.name,
        accounts=[
            PublicAccountOut(
                platform=a.platform,
                handle=a.handle,
                url=a.url,
                owning_department=a.owning_department,
                purpose=a.purpose,
            )
            for a in accounts
        ],
    )
