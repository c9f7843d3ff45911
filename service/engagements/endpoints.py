"""Engagements API (intake)."""

from __future__ import annotations

from uuid import UUID

from service.accounts.permissions import Permission, roles_for
from service.accounts.principal import Principal
from service.engagements import service
from service.engagements.models import Engagement
from service.engagements.schemas import EngagementCreate, EngagementOut
from service.routing import endpoint

TAG = "engagements"


def engagement_out(engagement: Engagement) -> EngagementOut:
    return EngagementOut.model_validate(engagement, from_attributes=True)


@endpoint(
    "POST",
    "/api/engagements",
    summary="Submit an engagement for approval / 利用申請",
    tag=TAG,
    status=201,
    roles=roles_for(Permission.submit_engagement),
)
async def create_engagement(principal: Principal, body: EngagementCreate) -> EngagementOut:
    return engagement_out(await service.create_engagement(principal=principal, data=body))


@endpoint("GET", "/api/engagements", summary="Engagements of the organization", tag=TAG)
async def list_engagements(principal: Principal) -> list[EngagementOut]:
    return [engagement_out(e) for e in await service.list_engagements(principal)]


@endpoint("GET", "/api/engagements/{engagement_id}", summary="One engagement", tag=TAG)
async def get_engagement(principal: Principal, engagement_id: UUID) -> EngagementOut:
    return engagement_out(await service.get_engagement(principal, str(engagement_id)))
