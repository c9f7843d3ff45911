"""Re-review cadence API: the organization's settings and an engagement's deadlines."""

from __future__ import annotations

from dataclasses import asdict
from uuid import UUID

from service.accounts.principal import Principal
from service.accounts.roles import Role
from service.engagements.service import get_engagement
from service.errors import NotFound
from service.reminders import service
from service.reminders.models import Deadline, Reminder
from service.reminders.schemas import CadenceOut, CadenceUpdate, DeadlineOut, ReminderOut
from service.routing import endpoint

TAG = "re-review"


def _own(principal: Principal, organization_id: UUID) -> str:
    if str(organization_id) != principal.organization_id:
        raise NotFound("no such organization")
    return str(organization_id)


@endpoint(
    "GET",
    "/api/organizations/{organization_id}/review-cadence",
    summary="Re-review intervals, alignment and reminder days / 再審査の周期と通知",
    tag=TAG,
)
async def get_review_cadence(principal: Principal, organization_id: UUID) -> CadenceOut:
    cadence = await service.get_cadence(_own(principal, organization_id))
    return CadenceOut(**asdict(cadence))


@endpoint(
    "PATCH",
    "/api/organizations/{organization_id}/review-cadence",
    summary="Change re-review settings (applies from the next approval) / 再審査設定の変更",
    tag=TAG,
    roles={Role.admin},
)
async def update_review_cadence(
    principal: Principal, organization_id: UUID, body: CadenceUpdate
) -> CadenceOut:
    changes = body.model_dump(exclude_none=True, mode="json")
    if "reminder_offsets" in changes:
        changes["reminder_offsets"] = sorted(set(changes["reminder_offsets"]), reverse=True)
    cadence = await service.update_cadence(
        organization_id=_own(principal, organization_id), actor=principal.actor, changes=changes
    )
    return CadenceOut(**asdict(cadence))


@endpoint(
    "GET",
    "/api/engagements/{engagement_id}/deadlines",
    summary="Re-review and certificate deadlines with their reminders / 期限と通知予定",
    tag=TAG,
)
async def list_deadlines(principal: Principal, engagement_id: UUID) -> list[DeadlineOut]:
    engagement = await get_engagement(principal, str(engagement_id))
    deadlines = await Deadline.filter(engagement_id=engagement.id).order_by("due_date", "kind")
    reminders = await Reminder.filter(deadline_id__in=[d.id for d in deadlines]).order_by("send_on")
    return [
        DeadlineOut(
            id=d.id,
            kind=d.kind,
            due_date=d.due_date,
            status=d.status,
            source=d.source,
            reminders=[
                ReminderOut.model_validate(r, from_attributes=True)
                for r in reminders
                if r.deadline_id == d.id
            ],
        )
        for d in deadlines
    ]
