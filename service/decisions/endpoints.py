"""Decisions API: a review's approval steps are signed, or the review is rejected."""

from __future__ import annotations

from uuid import UUID

from service.accounts.permissions import Permission, roles_for
from service.accounts.principal import Principal
from service.decisions import service
from service.decisions.schemas import DecisionCreate
from service.reviews.schemas import ReviewOut
from service.reviews.states import ReviewEvent
from service.routing import endpoint


@endpoint(
    "POST",
    "/api/reviews/{review_id}/decision",
    summary="Approve, approve with conditions, or reject / 審査結果の決定",
    tag="reviews",
    roles=roles_for(Permission.decide),
)
async def decide(principal: Principal, review_id: UUID, body: DecisionCreate) -> ReviewOut:
    review = await service.decide(
        principal=principal,
        review_id=str(review_id),
        decision=ReviewEvent(body.decision),
        reason=body.reason,
        conditions=body.conditions,
    )
    return ReviewOut.model_validate(review, from_attributes=True)
