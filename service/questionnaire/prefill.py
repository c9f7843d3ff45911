"""A re-review round starts from the previous round's answers, to be confirmed or changed."""

from __future__ import annotations

from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from service.audit.service import Actor, record
from service.catalog.forms import Form, QuestionType
from service.evidence import service as evidence
from service.questionnaire.models import AnswerSet, Submission
from service.reviews.models import Review


def carried_answers(form: Form, previous: dict[str, Any]) -> dict[str, Any]:
    """The previous answers that still fit the (possibly newer) form; files are handled apart."""
    carried: dict[str, Any] = {}
    for question in form.questions:
        value = previous.get(question.id)
        if value is None or question.type == QuestionType.file:
            continue
        if question.check_value(value) is None:
            carried[question.id] = value
    return carried


async def prefill_from_previous_round(
    conn: BaseDBAsyncClient, *, review: Review, form: Form, actor: Actor
) -> AnswerSet | None:
    """Copy the last submitted answers of an earlier round into `review`'s draft, in `conn`."""
    previous = (
        await Submission.filter(
            review__engagement_id=review.engagement_id, review__round__lt=review.round
        )
        .using_db(conn)
        .order_by("-review__round", "-number")
        .prefetch_related("review")
        .first()
    )
    if previous is None:
        return None
    answers = carried_answers(form, previous.answers)
    for question in form.questions:
        ids = previous.answers.get(question.id)
        if question.type != QuestionType.file or not isinstance(ids, list):
            continue
        copied = await evidence.copy_to_round(
            conn, review=review, question_id=question.id, source_ids=ids[: question.max_files]
        )
        if copied:
            answers[question.id] = copied
    from_round = previous.review.round
    answer_set = await AnswerSet.create(
        organization_id=review.organization_id,
        review=review,
        form_id=form.id,
        form_version=form.version,
        answers=answers,
        prefilled_from_round=from_round,
        using_db=conn,
    )
    await record(
        conn,
        organization_id=str(review.organization_id),
        actor=actor,
        action="answers.prefilled",
        object_type="review",
        object_id=str(review.id),
        review_id=str(review.id),
        data={
            "from_round": from_round,
            "from_receipt_number": previous.receipt_number,
            "questions": sorted(answers),
            "dropped": sorted(set(previous.answers) - set(answers)),
        },
    )
    return answer_set
