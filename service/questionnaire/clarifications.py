"""The reviewer's clarification requests: the questionnaire goes back to the vendor for answers."""

from __future__ import annotations

from service.accounts.principal import Principal
from service.catalog.loader import current_catalog
from service.errors import Conflict, ValidationFailed
from service.jobs import transaction
from service.questionnaire.models import Clarification
from service.reviews.service import get_review, transition
from service.reviews.states import ReviewEvent, ReviewStatus


async def request_clarification(
    *, principal: Principal, review_id: str, question_ids: list[str], message: str
) -> Clarification:
    """Send the evaluated answers back with `message` on the chosen questions."""
    review = await get_review(principal, review_id)
    form = current_catalog().form(review.form_id, review.form_version)
    known = {q.id for q in form.questions}
    unknown = [q for q in question_ids if q not in known]
    if unknown:
        raise ValidationFailed(
            f"not questions of {form.id} v{form.version}: {', '.join(unknown)}",
            fields={"question_ids": f"unknown question(s): {', '.join(unknown)}"},
        )
    if len(set(question_ids)) != len(question_ids):
        raise ValidationFailed(
            "a question is named twice", fields={"question_ids": "duplicate question id"}
        )
    if review.status != ReviewStatus.evaluated:
        raise Conflict(
            f"clarification can be asked only of evaluated answers (now '{review.status}') / "
            "確認依頼は自動判定後にのみ送れます"
        )
    ordered = [q.id for q in form.questions if q.id in set(question_ids)]
    async with transaction() as conn:
        clarification = await Clarification.create(
            organization_id=principal.organization_id,
            review=review,
            question_ids=ordered,
            message=message,
            requested_by_id=principal.user_id,
            using_db=conn,
        )
        await transition(
            conn,
            review,
            ReviewEvent.request_clarification,
            actor=principal.actor,
            data={
                "clarification_id": str(clarification.id),
                "question_ids": ordered,
                "message": message,
            },
        )
    return clarification


async def list_clarifications(principal: Principal, review_id: str) -> list[Clarification]:
    review = await get_review(principal, review_id)
    return await Clarification.filter(review_id=review.id).order_by("requested_at")
