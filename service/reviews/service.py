"""Review rounds: the one writer of their rows (created, then their status), and reading them."""

from __future__ import annotations

from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from service.accounts.duties import SeparationOfDuties, duties_of, requester_refusal
from service.accounts.models import Organization
from service.accounts.principal import Principal
from service.audit.models import AuditEvent
from service.audit.service import Actor, record
from service.catalog.forms import Form
from service.catalog.loader import current_catalog
from service.engagements.models import Engagement
from service.engagements.service import get_engagement
from service.errors import Conflict, NotFound
from service.outbox.service import emit_event

# Re-exported: decisions follow the approval chain through this module.
from service.reviews.approvals import approval_progress as approval_progress
from service.reviews.models import Review
from service.reviews.schemas import ApprovalsOut, ApprovalStepOut
from service.reviews.states import (
    ReviewEvent,
    ReviewStatus,
    TransitionNotAllowed,
    next_status,
)


async def transition(
    conn: BaseDBAsyncClient,
    review: Review,
    event: ReviewEvent,
    *,
    actor: Actor,
    data: dict[str, Any] | None = None,
    **changes: Any,
) -> ReviewStatus:
    """Move `review` on by `event`: one conditional UPDATE and its audit event, in `conn`.

    The UPDATE only matches while the status is still the one we read, so of two concurrent
    callers exactly one wins; the other gets 409 Conflict and writes nothing.
    """
    current = ReviewStatus(review.status)
    try:
        target = next_status(current, event)
    except TransitionNotAllowed as exc:
        raise Conflict(str(exc)) from None
    updated = (
        await Review.filter(id=review.id, status=current)
        .using_db(conn)
        .update(status=target, **changes)
    )
    if updated != 1:
        raise Conflict("the review changed meanwhile; reload it and try again")
    await record(
        conn,
        organization_id=str(review.organization_id),
        actor=actor,
        action=f"review.{event.value}",
        object_type="review",
        object_id=str(review.id),
        review_id=str(review.id),
        data={"from": current.value, "to": target.value, **(data or {})},
    )
    if target != current:  # webhooks hear of every change of status
        await emit_event(
            conn,
            organization_id=str(review.organization_id),
            event_type="review.status_changed",
            data={
                "review_id": str(review.id),
                "engagement_id": str(review.engagement_id),
                "round": review.round,
                "event": event.value,
                "from": current.value,
                "to": target.value,
            },
        )
    review.status = target
    for name, value in changes.items():
        setattr(review, name, value)
    return target


async def get_review(principal: Principal, review_id: str) -> Review:
    review = await Review.get_or_none(id=review_id, organization_id=principal.organization_id)
    if review is None:
        raise NotFound("no such review")
    return review


async def list_reviews(principal: Principal, engagement_id: str) -> list[Review]:
    engagement = await get_engagement(principal, engagement_id)
    return await Review.filter(engagement_id=engagement.id).order_by("round")


def form_for(engagement: Engagement) -> Form:
    form = current_catalog().latest_form_for_kind(engagement.kind.value)
    if form is None:
        raise Conflict(f"no questionnaire in forms/ covers engagements of kind '{engagement.kind}'")
    return form


async def create_round(
    conn: BaseDBAsyncClient,
    *,
    engagement: Engagement,
    form: Form,
    round_number: int,
    actor: Actor,
    audit_data: dict[str, Any],
) -> Review:
    """Create a round and audit it; questionnaire.service opens rounds with it (pre-filled)."""
    organization = await Organization.filter(id=engagement.organization_id).using_db(conn).get()
    review = await Review.create(
        organization_id=engagement.organization_id,
        engagement=engagement,
        round=round_number,
        form_id=form.id,
        form_version=form.version,
        profile_id=organization.policy_profile,
        using_db=conn,
    )
    await record(
        conn,
        organization_id=str(engagement.organization_id),
        actor=actor,
        action="review.opened",
        object_type="review",
        object_id=str(review.id),
        review_id=str(review.id),
        data={"round": review.round, "form": f"{form.id}@{form.version}", **audit_data},
    )
    return review


async def timeline(principal: Principal, review_id: str) -> list[AuditEvent]:
    review = await get_review(principal, review_id)
    return await AuditEvent.filter(
        organization_id=principal.organization_id, review_id=str(review.id)
    ).order_by("seq")


async def duties_for_requester(principal: Principal, review: Review) -> SeparationOfDuties:
    """The organization's rules, after refusing the engagement's requester if they say so."""
    organization = await Organization.get(id=review.organization_id)
    duties = duties_of(organization.separation_of_duties)
    if duties.requester_cannot_decide:
        engagement = await Engagement.get(id=review.engagement_id)
        if str(engagement.created_by_id) == principal.user_id:
            raise requester_refusal()
    return duties


async def reviews_waiting(
    principal: Principal, statuses: list[ReviewStatus], *, limit: int = 50
) -> tuple[int, list[Review]]:
    """How many of the organization's reviews are in these states, and the oldest `limit` of
    them (longest waiting first) with their engagement and vendor: a console work list."""
    query = Review.filter(organization_id=principal.organization_id, status__in=statuses)
    total = await query.count()
    reviews = await query.order_by("updated_at").limit(limit).prefetch_related("engagement__vendor")
    return total, reviews


async def approval_steps(review: Review) -> ApprovalsOut:
    """The review's approval chain, step by step: who signed it, when, and how."""
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
