"""Review rounds: opening them, reading them, and the one function that writes their status."""

from __future__ import annotations

from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError

from service.accounts.models import Organization
from service.accounts.principal import Principal
from service.audit.models import AuditEvent
from service.audit.service import Actor, record
from service.catalog.forms import Form
from service.catalog.loader import current_catalog
from service.engagements.models import Engagement
from service.engagements.service import get_engagement
from service.errors import Conflict, NotFound
from service.jobs import transaction
from service.notifications.outbox import emit_event
from service.reviews.models import Review
from service.reviews.states import (
    FINAL_STATUSES,
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


def _form_for(engagement: Engagement) -> Form:
    form = current_catalog().latest_form_for_kind(engagement.kind.value)
    if form is None:
        raise Conflict(f"no questionnaire in forms/ covers engagements of kind '{engagement.kind}'")
    return form


async def _create_round(
    conn: BaseDBAsyncClient,
    *,
    engagement: Engagement,
    form: Form,
    round_number: int,
    actor: Actor,
    audit_data: dict[str, Any],
) -> Review:
    """Create a round, audit it and pre-fill it from the previous round: the one way rounds open."""
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
    # Imported here: the questionnaire domain builds on reviews, not the other way.
    from service.questionnaire.prefill import prefill_from_previous_round

    await prefill_from_previous_round(conn, review=review, form=form, actor=actor)
    return review


async def open_review(*, principal: Principal, engagement_id: str) -> Review:
    """Open the next review round; one open round per engagement at a time."""
    engagement = await get_engagement(principal, engagement_id)
    form = _form_for(engagement)
    rounds = await Review.filter(engagement_id=engagement.id).order_by("-round")
    if rounds and rounds[0].status not in FINAL_STATUSES:
        raise Conflict(f"round {rounds[0].round} of this engagement is still open")
    try:
        async with transaction() as conn:
            review = await _create_round(
                conn,
                engagement=engagement,
                form=form,
                round_number=(rounds[0].round + 1) if rounds else 1,
                actor=principal.actor,
                audit_data={},
            )
            await emit_event(
                conn,
                organization_id=principal.organization_id,
                event_type="review.opened",
                data={
                    "review_id": str(review.id),
                    "engagement_id": str(engagement.id),
                    "engagement_number": engagement.number,
                    "round": review.round,
                    "reason": "opened by procurement",
                },
            )
    except IntegrityError:
        raise Conflict("another round of this engagement was opened at the same time") from None
    return review


async def timeline(principal: Principal, review_id: str) -> list[AuditEvent]:
    review = await get_review(principal, review_id)
    return await AuditEvent.filter(
        organization_id=principal.organization_id, review_id=str(review.id)
    ).order_by("seq")


async def open_next_round(
    conn: BaseDBAsyncClient, *, engagement: Engagement, previous: Review, actor: Actor
) -> Review:
    """Open the round after `previous` (re-review), in the caller's transaction."""
    return await _create_round(
        conn,
        engagement=engagement,
        form=_form_for(engagement),
        round_number=previous.round + 1,
        actor=actor,
        audit_data={"reason": "re-review due", "previous_review_id": str(previous.id)},
    )


async def reviews_waiting(
    principal: Principal, statuses: list[ReviewStatus], *, limit: int = 50
) -> tuple[int, list[Review]]:
    """How many of the organization's reviews are in these states, and the oldest `limit` of
    them (longest waiting first) with their engagement and vendor: a console work list."""
    query = Review.filter(organization_id=principal.organization_id, status__in=statuses)
    total = await query.count()
    reviews = await query.order_by("updated_at").limit(limit).prefetch_related("engagement__vendor")
    return total, reviews
