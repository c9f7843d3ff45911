"""Reviewer decisions: overriding a verdict, and approving or rejecting a review."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from tortoise.exceptions import IntegrityError

from service.accounts.duties import (
    SeparationOfDuties,
    consecutive_signer_refusal,
    duties_of,
    requester_refusal,
)
from service.accounts.models import Organization
from service.accounts.principal import Principal
from service.accounts.roles import Role
from service.audit.service import record
from service.checks.models import Outcome, Verdict
from service.checks.service import blocking_verdicts
from service.engagements.models import Engagement
from service.errors import Conflict, Forbidden, NotFound, ValidationFailed
from service.jobs import transaction
from service.reminders import service as reminders
from service.reviews.approvals import approval_progress
from service.reviews.models import ApprovalRecord, Review
from service.reviews.service import get_review, transition
from service.reviews.states import DECIDABLE, ReviewEvent

JST = ZoneInfo("Asia/Tokyo")
__all__ = ["JST", "decide", "override_verdict"]


async def _duties_for_requester(principal: Principal, review: Review) -> SeparationOfDuties:
    """The organization's rules, after refusing the engagement's requester if they say so."""
    organization = await Organization.get(id=review.organization_id)
    duties = duties_of(organization.separation_of_duties)
    if duties.requester_cannot_decide:
        engagement = await Engagement.get(id=review.engagement_id)
        if str(engagement.created_by_id) == principal.user_id:
            raise requester_refusal()
    return duties


async def override_verdict(
    *, principal: Principal, review_id: str, requirement_id: str, outcome: Outcome, reason: str
) -> tuple[Review, Verdict]:
    review = await get_review(principal, review_id)
    # Part-way through the approval chain too: a re-evaluation under a newer profile may make a
    # requirement fail there, and the reviewer must be able to answer it (see reevaluation.py).
    if review.status not in DECIDABLE:
        raise Conflict(
            f"verdicts can be overridden only before the decision (now '{review.status}')"
        )
    verdict = await Verdict.get_or_none(review_id=review.id, requirement_id=requirement_id)
    if verdict is None:
        raise NotFound("no such verdict")
    await _duties_for_requester(principal, review)
    async with transaction() as conn:
        verdict.override_outcome = outcome
        verdict.override_reason = reason
        verdict.overridden_by_id = principal.user_id
        verdict.overridden_at = datetime.now(UTC)
        await verdict.save(
            using_db=conn,
            update_fields=[
                "override_outcome",
                "override_reason",
                "overridden_by_id",
                "overridden_at",
            ],
        )
        await record(
            conn,
            organization_id=principal.organization_id,
            actor=principal.actor,
            action="verdict.overridden",
            object_type="verdict",
            object_id=str(verdict.id),
            review_id=str(review.id),
            data={
                "requirement_id": requirement_id,
                "from": verdict.outcome.value,
                "to": outcome.value,
                "reason": reason,
            },
        )
    return review, verdict


async def decide(
    *,
    principal: Principal,
    review_id: str,
    decision: ReviewEvent,
    reason: str,
    conditions: list[str],
) -> Review:
    """Sign the next step of the review's approval chain, or reject at any step.

    The last approval makes the review approved (with conditions when any step set some).
    """
    review = await get_review(principal, review_id)
    if decision == ReviewEvent.approve_with_conditions and not conditions:
        raise ValidationFailed(
            "approval with conditions needs at least one condition",
            fields={"conditions": "at least one condition is required"},
        )
    if decision != ReviewEvent.approve_with_conditions and conditions:
        raise ValidationFailed(
            "conditions belong to 'approve_with_conditions' only",
            fields={"conditions": "only with approve_with_conditions"},
        )
    if review.status not in DECIDABLE:
        raise Conflict(f"the review cannot be decided while it is '{review.status.value}'")
    progress = await approval_progress(review)
    if progress.next_position >= len(progress.chain.steps):
        raise Conflict("every step was signed meanwhile; reload the review")
    step = progress.chain.steps[progress.next_position]
    approving = decision != ReviewEvent.reject
    if approving and Role(step.role) not in principal.roles:
        raise Forbidden(
            f"step {progress.next_position + 1} of the approval chain is signed by "
            f"{step.title.ja} / {step.title.en} (role '{step.role}')"
        )
    # A rejection is a signature too: the same person may not stop what they could not approve.
    duties = await _duties_for_requester(principal, review)
    previous = progress.signed[-1] if progress.signed else None
    if (
        duties.distinct_consecutive_signers
        and previous is not None
        and str(previous.decided_by_id) == principal.user_id
    ):
        raise consecutive_signer_refusal(progress.next_position + 1)
    if approving:
        blocking = blocking_verdicts(await Verdict.filter(review_id=review.id))
        if blocking:
            ids = ", ".join(sorted(v.requirement_id for v in blocking))
            raise Conflict(
                f"must-requirements fail without an override: {ids} / "
                f"必須要件が不適合です（上書き理由の記録が必要）: {ids}",
                fields={v.requirement_id: "fail" for v in blocking},
            )

    all_conditions = progress.conditions + conditions
    final = not approving or progress.is_last_step
    if not final:
        event = ReviewEvent.approve_step
    elif approving:
        event = ReviewEvent.approve_with_conditions if all_conditions else ReviewEvent.approve
    else:
        event = ReviewEvent.reject
    data: dict[str, object] = {
        "reason": reason,
        "conditions": conditions,
        "step": progress.next_position + 1,
        "steps": len(progress.chain.steps),
        "step_title": step.title.ja,
    }
    next_review: reminders.NextReview | None = None
    if final and approving:
        next_review = await reminders.plan_next_review(review)
        data["next_review_due"] = next_review.plan.due.isoformat()
    changes: dict[str, object] = {"conditions": all_conditions}
    if final:
        changes.update(
            decision_reason=reason, decided_by_id=principal.user_id, decided_at=datetime.now(UTC)
        )
    try:
        async with transaction() as conn:
            # The status change goes first: a concurrent decision loses here and writes nothing.
            await transition(conn, review, event, actor=principal.actor, data=data, **changes)
            await ApprovalRecord.create(
                organization_id=review.organization_id,
                review=review,
                position=progress.next_position,
                role=step.role,
                title=step.title.model_dump(),
                decision=decision.value,
                reason=reason,
                conditions=conditions,
                decided_by_id=principal.user_id,
                using_db=conn,
            )
            if next_review is not None:
                await reminders.schedule_after_approval(
                    conn, review=review, next_review=next_review, actor=principal.actor
                )
            elif not approving:
                await reminders.close_after_rejection(conn, review=review)
    except IntegrityError:
        raise Conflict("this step was signed by someone else meanwhile; reload") from None
    return review
