"""Reviews API: rounds, verdicts, decisions and the timeline."""

from __future__ import annotations

from uuid import UUID

from service.accounts.principal import Principal
from service.reviews import service
from service.reviews.models import Review
from service.reviews.schemas import (
    ApprovalsOut,
    ReviewOut,
    TimelineEntry,
)
from service.routing import endpoint

TAG = "reviews"


def review_out(review: Review) -> ReviewOut:
    return ReviewOut.model_validate(review, from_attributes=True)


@endpoint(
    "GET", "/api/engagements/{engagement_id}/reviews", summary="Rounds of an engagement", tag=TAG
)
async def list_reviews(principal: Principal, engagement_id: UUID) -> list[ReviewOut]:
    return [review_out(r) for r in await service.list_reviews(principal, str(engagement_id))]


@endpoint("GET", "/api/reviews/{review_id}", summary="One review", tag=TAG)
async def get_review(principal: Principal, review_id: UUID) -> ReviewOut:
    return review_out(await service.get_review(principal, str(review_id)))


@endpoint(
    "GET",
    "/api/reviews/{review_id}/timeline",
    summary="Every change to the review: who, when / 審査の経過",
    tag=TAG,
)
async def get_timeline(principal: Principal, review_id: UUID) -> list[TimelineEntry]:
    events = await service.timeline(principal, str(review_id))
    return [TimelineEntry.model_validate(e, from_attributes=True) for e in events]


@endpoint(
    "GET",
    "/api/reviews/{review_id}/approvals",
    summary="The approval chain and who signed each step / 承認経路",
    tag=TAG,
)
async def get_approvals(principal: Principal, review_id: UUID) -> ApprovalsOut:
    return await service.approval_steps(await service.get_review(principal, str(review_id)))
