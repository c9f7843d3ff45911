"""Engagements (intake): the only writer of the engagement table."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import Enum
from typing import Any
from uuid import UUID

from tortoise.expressions import F

from service.accounts.models import Organization, User
from service.accounts.principal import Principal
from service.audit.service import record
from service.catalog.expressions import ENGAGEMENT_FIELDS
from service.engagements.models import Engagement
from service.engagements.schemas import EngagementCreate
from service.errors import NotFound, ValidationFailed
from service.jobs import transaction
from service.vendors.models import Vendor


async def create_engagement(*, principal: Principal, data: EngagementCreate) -> Engagement:
    vendor = await Vendor.get_or_none(id=data.vendor_id, organization_id=principal.organization_id)
    if vendor is None:
        raise ValidationFailed("no such vendor", fields={"vendor_id": "no such vendor"})
    contact_user_id = await _contact_user(principal, data.contact_user_id)
    async with transaction() as conn:
        await (
            Organization.filter(id=principal.organization_id)
            .using_db(conn)
            .update(engagement_counter=F("engagement_counter") + 1)
        )
        organization = await Organization.filter(id=principal.organization_id).using_db(conn).get()
        number = f"ENG-{datetime.now(UTC).year}-{organization.engagement_counter:04d}"
        fields = data.model_dump(exclude={"vendor_id", "contact_user_id"})
        engagement = await Engagement.create(
            organization_id=principal.organization_id,
            vendor=vendor,
            number=number,
            created_by_id=principal.user_id,
            contact_user_id=contact_user_id,
            **fields,
            using_db=conn,
        )
        await record(
            conn,
            organization_id=principal.organization_id,
            actor=principal.actor,
            action="engagement.created",
            object_type="engagement",
            object_id=str(engagement.id),
            data={
                "number": number,
                **data.model_dump(mode="json"),
                "contact_user_id": contact_user_id,
            },
        )
    return engagement


async def _contact_user(principal: Principal, chosen: UUID | None) -> str | None:
    """The person in charge: the one named, if an active person of the organization, else the
    submitter when the submitter is a person (a service token's account is nobody to write to)."""
    if chosen is None:
        submitter = await User.get_or_none(id=principal.user_id, kind="person", active=True)
        return str(submitter.id) if submitter is not None else None
    person = await User.get_or_none(
        id=chosen, organization_id=principal.organization_id, kind="person", active=True
    )
    if person is None:
        raise ValidationFailed(
            "no such person",
            fields={
                "contact_user_id": (
                    "この組織の有効な職員ではありません / not an active person of this organization"
                )
            },
        )
    return str(person.id)


async def get_engagement(principal: Principal, engagement_id: str) -> Engagement:
    engagement = await Engagement.get_or_none(
        id=engagement_id, organization_id=principal.organization_id
    )
    if engagement is None:
        raise NotFound("no such engagement")
    return engagement


async def list_engagements(principal: Principal) -> list[Engagement]:
    return await Engagement.filter(organization_id=principal.organization_id).order_by("number")


def engagement_facts(engagement: Engagement) -> dict[str, Any]:
    """The engagement as policy expressions and contract rules see it (`engagement.*`): the
    fields CEL knows (ENGAGEMENT_FIELDS, the one list), enumerations as their values."""
    facts: dict[str, Any] = {}
    for name in sorted(ENGAGEMENT_FIELDS):
        value = getattr(engagement, name)
        facts[name] = value.value if isinstance(value, Enum) else value
    return facts
