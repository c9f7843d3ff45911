"""Reviews API: rounds, verdicts, decisions and the timeline."""

from __future__ import annotations

from uuid import UUID

from service.accounts.permissions import Permission, roles_for
from service.accounts.principal import Principal
from service.accounts.roles import Role
from service.catalog.loader import current_catalog
from service.checks.models import Verdict
from service.reviews import decisions, service
from service.reviews.approvals import approval_progress
from service.reviews.models import Review
from service.reviews.schemas import (
    ApprovalsOut,
    ApprovalStepOut,
    DecisionCreate,
    OverrideCreate,
    ReviewOut,
    SourceOut,
    TimelineEntry,
    VerdictOut,
)
from service.reviews.states import ReviewEvent
from service.routing import endpoint

TAG = "reviews"
DECIDERS = {Role.security, Role.approver}


def review_out(review: Review) -> ReviewOut:
    return ReviewOut.model_validate(review, from_attributes=True)


def verdict_out(verdict: Verdict, review: Review) -> VerdictOut:
    # A review's verdicts stand under its profile version (a verdict carried over from an older
    # version says what that version would say); once the file left policies/, the latest.
    version = review.profile_version or verdict.profile_version
    catalog = current_catalog()
    profile = catalog.profiles.get((verdict.profile_id, version)) or catalog.latest_profile(
        verdict.profile_id
    )
    requirement = profile.requirement(verdict.requirement_id) if profile else None
    unknown = {"ja": verdict.requirement_id, "en": verdict.requirement_id}
    return VerdictOut(
        requirement_id=verdict.requirement_id,
        title=requirement.title.model_dump() if requirement else unknown,
        outcome=verdict.outcome,
        effective_outcome=verdict.effective_outcome,
        severity=verdict.severity,
        on_fail=verdict.on_fail,
        reason=verdict.reason,
        remediation=requirement.remediation.model_dump() if requirement else {"ja": "", "en": ""},
        sources=[SourceOut(**s) for s in verdict.sources],
        inputs=verdict.inputs,
        profile_id=verdict.profile_id,
        profile_version=version,
        evaluated_profile_version=verdict.profile_version,
        evaluated_at=verdict.evaluated_at,
        override_reason=verdict.override_reason,
        overridden_by_id=verdict.overridden_by_id,
        overridden_at=verdict.overridden_at,
    )


@endpoint(
    "POST",
    "/api/engagements/{engagement_id}/reviews",
    summary="Open a review round / 審査ラウンドを開始",
    tag=TAG,
    status=201,
    roles={Role.procurement},
)
async def open_review(principal: Principal, engagement_id: UUID) -> ReviewOut:
    return review_out(
        await service.open_review(principal=principal, engagement_id=str(engagement_id))
    )


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
    "/api/reviews/{review_id}/verdicts",
    summary="Automatic verdicts with their policy clauses / 自動判定結果",
    tag=TAG,
    roles=roles_for(Permission.read_answers),
)
async def list_verdicts(principal: Principal, review_id: UUID) -> list[VerdictOut]:
    review = await service.get_review(principal, str(review_id))
    verdicts = await Verdict.filter(review_id=review.id).order_by("requirement_id")
    return [verdict_out(v, review) for v in verdicts]


@endpoint(
    "POST",
    "/api/reviews/{review_id}/verdicts/{requirement_id}/override",
    summary="Override a verdict with a reason / 判定の上書き",
    tag=TAG,
    roles={Role.security},
)
async def override_verdict(
    principal: Principal, review_id: UUID, requirement_id: str, body: OverrideCreate
) -> VerdictOut:
    review, verdict = await decisions.override_verdict(
        principal=principal,
        review_id=str(review_id),
        requirement_id=requirement_id,
        outcome=body.outcome,
        reason=body.reason,
    )
    return verdict_out(verdict, review)


@endpoint(
    "POST",
    "/api/reviews/{review_id}/decision",
    summary="Approve, approve with conditions, or reject / 審査結果の決定",
    tag=TAG,
    roles=DECIDERS,
)
async def decide(principal: Principal, review_id: UUID, body: DecisionCreate) -> ReviewOut:
    review = await decisions.decide(
        principal=principal,
        review_id=str(review_id),
        decision=ReviewEvent(body.decision),
        reason=body.reason,
        conditions=body.conditions,
    )
    return review_out(review)


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
    review = await service.get_review(principal, str(review_id))
    progress = await approval_progress(review)
    steps = []
    for position, step in enumerate(progress.chain.steps):
        record = progress.signed[position] if position < len(progress.signed) else None
        status = "pending"
        if record is not None:
            status = "rejected" if record.decision == "reject" else "approved"
        steps.append(
            ApprovalStepOut(
                position=position + 1,
                role=step.role,
                title=step.title.model_dump(),
                status=status,
                decision=record.decision if record else None,
                reason=record.reason if record else "",
                conditions=list(record.conditions) if record else [],
                decided_by_id=record.decided_by_id if record else None,
                decided_at=record.decided_at if record else None,
            )
        )
    return ApprovalsOut(chain_id=progress.chain.id, steps=steps)
