"""Invitations and the vendor's answers: the only writer of these tables."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from service.accounts.models import Organization
from service.accounts.principal import Principal
from service.audit.service import Actor, record
from service.catalog.forms import Form, QuestionType
from service.catalog.loader import current_catalog
from service.config import get_settings
from service.errors import Conflict, Gone, NotFound, ValidationFailed
from service.jobs import enqueue_after_commit, transaction
from service.questionnaire.models import AnswerSet, Invitation
from service.questionnaire.schemas import InvitationCreate
from service.reviews.models import Review
from service.reviews.service import get_review, transition
from service.reviews.states import VENDOR_READABLE, VENDOR_WRITABLE, ReviewEvent
from service.tokens import hash_secret, new_secret

VENDOR_LINK_PREFIX = "vl_"


@dataclass(frozen=True)
class IssuedInvitation:
    invitation: Invitation
    url: str


async def create_invitation(
    *, principal: Principal, review_id: str, data: InvitationCreate
) -> IssuedInvitation:
    review = await get_review(principal, review_id)
    secret = new_secret(VENDOR_LINK_PREFIX)
    days = data.expires_in_days or get_settings().invitation_ttl_days
    async with transaction() as conn:
        invitation = await Invitation.create(
            organization_id=principal.organization_id,
            review=review,
            email=data.email or "",
            token_hash=hash_secret(secret),
            expires_at=datetime.now(UTC) + timedelta(days=days),
            created_by_id=principal.user_id,
            using_db=conn,
        )
        await transition(
            conn,
            review,
            ReviewEvent.invite,
            actor=principal.actor,
            data={"invitation_id": str(invitation.id), "expires_in_days": days},
        )
    base = get_settings().public_base_url.rstrip("/")
    return IssuedInvitation(invitation=invitation, url=f"{base}/api/vendor/{secret}")


async def revoke_invitation(*, principal: Principal, invitation_id: str) -> None:
    invitation = await Invitation.get_or_none(
        id=invitation_id, organization_id=principal.organization_id
    )
    if invitation is None:
        raise NotFound("no such invitation")
    async with transaction() as conn:
        updated = (
            await Invitation.filter(id=invitation.id, revoked_at__isnull=True)
            .using_db(conn)
            .update(revoked_at=datetime.now(UTC))
        )
        if updated:
            await record(
                conn,
                organization_id=principal.organization_id,
                actor=principal.actor,
                action="invitation.revoked",
                object_type="invitation",
                object_id=str(invitation.id),
                review_id=str(invitation.review_id),
            )


@dataclass(frozen=True)
class VendorSession:
    invitation: Invitation
    review: Review
    form: Form

    @property
    def actor(self) -> Actor:
        return Actor(type="vendor", id=str(self.invitation.id), label="vendor link")


async def open_link(secret: str) -> VendorSession:
    """The review behind a vendor link. Errors say nothing of the tenant or the review."""
    invitation = await Invitation.get_or_none(token_hash=hash_secret(secret))
    if invitation is None:
        raise NotFound("this link is not valid / このリンクは無効です")
    if invitation.revoked_at is not None or invitation.expires_at <= datetime.now(UTC):
        raise Gone(
            "this link has expired or was withdrawn / このリンクは期限切れか無効化されています"
        )
    review = await Review.get(id=invitation.review_id)
    if review.status not in VENDOR_READABLE:
        raise Gone("this questionnaire is closed / この質問票は締め切られています")
    form = current_catalog().form(review.form_id, review.form_version)
    return VendorSession(invitation=invitation, review=review, form=form)


async def saved_answers(review: Review) -> AnswerSet | None:
    return await AnswerSet.get_or_none(review_id=review.id)


async def organization_name(review: Review) -> str:
    organization = await Organization.get(id=review.organization_id)
    return organization.name


async def save_draft(*, session: VendorSession, answers: dict[str, Any]) -> AnswerSet:
    """Merge `answers` into the draft (null clears one); values are checked, not completeness."""
    review, form = session.review, session.form
    if review.status not in VENDOR_WRITABLE:
        raise Conflict("the answers were already submitted / 回答は提出済みです")
    errors = form.validate_answers(answers, complete=False)
    if errors:
        raise ValidationFailed("some answers are not valid / 回答に誤りがあります", fields=errors)
    async with transaction() as conn:
        answer_set = await AnswerSet.filter(review_id=review.id).using_db(conn).first()
        merged = dict(answer_set.answers) if answer_set else {}
        for key, value in answers.items():
            if value is None:
                merged.pop(key, None)
            else:
                merged[key] = value
        if answer_set is None:
            answer_set = await AnswerSet.create(
                organization_id=review.organization_id,
                review=review,
                form_id=form.id,
                form_version=form.version,
                answers=merged,
                using_db=conn,
            )
        else:
            answer_set.answers = merged
            await answer_set.save(using_db=conn, update_fields=["answers", "updated_at"])
        await transition(
            conn,
            review,
            ReviewEvent.save_draft,
            actor=session.actor,
            data={"questions": sorted(answers)},
        )
    return answer_set


def receipt_number(review: Review) -> str:
    return f"R-{review.id.hex[:12].upper()}" if hasattr(review.id, "hex") else str(review.id)


async def submit(*, session: VendorSession) -> Review:
    """Lock the answers and ask for the automatic checks (after commit)."""
    review, form = session.review, session.form
    if review.status not in VENDOR_WRITABLE:
        raise Conflict("the answers were already submitted / 回答は提出済みです")
    answer_set = await saved_answers(review)
    given = answer_set.answers if answer_set else {}
    errors = form.validate_answers(given, complete=True)
    if errors:
        raise ValidationFailed(
            "the questionnaire is not complete / 未回答の質問があります", fields=errors
        )
    now = datetime.now(UTC)
    async with transaction() as conn:
        await transition(
            conn,
            review,
            ReviewEvent.submit,
            actor=session.actor,
            data={"receipt_number": receipt_number(review)},
            submitted_at=now,
        )
        await (
            AnswerSet.filter(review_id=review.id)
            .using_db(conn)
            .update(answers=form.visible_answers(given), submitted_at=now)
        )
        enqueue_after_commit("evaluate_review", str(review.id))
    return review


async def issue_system_invitation(
    conn: BaseDBAsyncClient,
    *,
    review: Review,
    email: str,
    on_behalf_of_user_id: str,
    expires_in_days: int,
    actor: Actor,
) -> IssuedInvitation:
    """An invitation the service issues itself (re-review), in the caller's transaction.

    It is recorded as created by the engagement's owner, on whose behalf the service asks.
    """
    secret = new_secret(VENDOR_LINK_PREFIX)
    invitation = await Invitation.create(
        organization_id=review.organization_id,
        review=review,
        email=email,
        token_hash=hash_secret(secret),
        expires_at=datetime.now(UTC) + timedelta(days=expires_in_days),
        created_by_id=on_behalf_of_user_id,
        using_db=conn,
    )
    await transition(
        conn,
        review,
        ReviewEvent.invite,
        actor=actor,
        data={"invitation_id": str(invitation.id), "expires_in_days": expires_in_days},
    )
    base = get_settings().public_base_url.rstrip("/")
    return IssuedInvitation(invitation=invitation, url=f"{base}/api/vendor/{secret}")


async def prefill_answers(conn: BaseDBAsyncClient, *, review: Review, previous: Review) -> int:
    """Copy the previous round's answers into the new round's draft; returns how many.

    Answers the current form no longer accepts are left out, and so are file answers: evidence
    such as a certificate copy must be current, so the vendor uploads it again.
    """
    last = await AnswerSet.filter(review_id=previous.id).using_db(conn).get_or_none()
    if last is None:
        return 0
    form = current_catalog().form(review.form_id, review.form_version)
    file_questions = {q.id for q in form.questions if q.type == QuestionType.file}
    answers = {k: v for k, v in last.answers.items() if k not in file_questions}
    invalid = form.validate_answers(answers, complete=False)
    kept = {k: v for k, v in answers.items() if f"answers.{k}" not in invalid}
    await AnswerSet.create(
        organization_id=review.organization_id,
        review=review,
        form_id=form.id,
        form_version=form.version,
        answers=kept,
        using_db=conn,
    )
    return len(kept)
