"""Decisions (審査結果): signing each step of a review's approval chain, or rejecting it.

Above checks (a failing must-requirement blocks approval) and reminders (the last approval plans
the re-review); overriding a verdict is the checks domain's (checks/service.py).
"""

from __future__ import annotations

from datetime import UTC, datetime

from tortoise.exceptions import IntegrityError

from service.accounts.duties import (
    consecutive_signer_refusal,
)
from service.accounts.principal import Principal
from service.accounts.roles import Role
from service.checks.models import Verdict
from service.checks.service import blocking_verdicts
from service.errors import Conflict, Forbidden, ValidationFailed
from service.jobs import transaction
from service.reminders import service as reminders
from service.reviews.models import ApprovalRecord, Review
from service.reviews.service import (
    approval_progress,
    duties_for_requester,
    get_review,
    transition,
)
from service.reviews.states import DECIDABLE, ReviewEvent


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
    duties = await duties_for_requester(principal, review)
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
