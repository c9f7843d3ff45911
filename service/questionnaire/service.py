"""Review rounds opening with their questionnaire, invitations and the vendor's answers: the only
writer of these tables."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError

from service.accounts.models import Organization
from service.accounts.principal import Principal
from service.audit.service import Actor, record
from service.catalog.forms import Form, QuestionType
from service.catalog.loader import current_catalog
from service.config import get_settings
from service.engagements.models import Engagement
from service.engagements.service import get_engagement
from service.errors import Conflict, Gone, NotFound, ValidationFailed
from service.evidence import service as evidence
from service.jobs import EVALUATE_REVIEW, enqueue_after_commit, transaction
from service.outbox.service import emit_event
from service.questionnaire.clarifications import request_clarification as request_clarification
from service.questionnaire.models import AnswerSet, Clarification, Invitation, Submission
from service.questionnaire.prefill import prefill_from_previous_round
from service.questionnaire.schemas import InvitationCreate
from service.reviews.models import Review
from service.reviews.service import create_round, form_for, get_review, transition
from service.reviews.states import FINAL_STATUSES, VENDOR_READABLE, VENDOR_WRITABLE, ReviewEvent
from service.tokens import hash_secret, new_secret

VENDOR_LINK_PREFIX = "vl_"


@dataclass(frozen=True)
class IssuedInvitation:
    invitation: Invitation
    url: str  # the vendor portal: opened in a browser
    api_url: str  # the same link for the JSON API


def _links(secret: str) -> tuple[str, str]:
    base = get_settings().public_base_url.rstrip("/")
    return f"{base}/v/{secret}", f"{base}/api/vendor/{secret}"


async def create_invitation(
    *, principal: Principal, review_id: str, data: InvitationCreate
) -> IssuedInvitation:
    review = await get_review(principal, review_id)
    async with transaction() as conn:
        issued = await _issue(conn, principal, review, data.email or "", data.expires_in_days)
    return issued


async def _issue(
    conn: BaseDBAsyncClient,
    principal: Principal,
    review: Review,
    email: str,
    expires_in_days: int | None,
    replaces: Invitation | None = None,
) -> IssuedInvitation:
    secret = new_secret(VENDOR_LINK_PREFIX)
    days = expires_in_days or get_settings().invitation_ttl_days
    invitation = await Invitation.create(
        organization_id=principal.organization_id,
        review=review,
        email=email,
        token_hash=hash_secret(secret),
        expires_at=datetime.now(UTC) + timedelta(days=days),
        created_by_id=principal.user_id,
        using_db=conn,
    )
    data: dict[str, Any] = {"invitation_id": str(invitation.id), "expires_in_days": days}
    if replaces is not None:
        data["replaces"] = str(replaces.id)
    await transition(conn, review, ReviewEvent.invite, actor=principal.actor, data=data)
    url, api_url = _links(secret)
    return IssuedInvitation(invitation=invitation, url=url, api_url=api_url)


async def list_invitations(principal: Principal, review_id: str) -> list[Invitation]:
    review = await get_review(principal, review_id)
    return await Invitation.filter(review_id=review.id).order_by("created_at")


async def _get_invitation(principal: Principal, invitation_id: str) -> Invitation:
    invitation = await Invitation.get_or_none(
        id=invitation_id, organization_id=principal.organization_id
    )
    if invitation is None:
        raise NotFound("no such invitation")
    return invitation


async def _revoke(
    conn: BaseDBAsyncClient, principal: Principal, invitation: Invitation, reason: str
) -> None:
    now = datetime.now(UTC)
    updated = (
        await Invitation.filter(id=invitation.id, revoked_at__isnull=True)
        .using_db(conn)
        .update(revoked_at=now)
    )
    if updated:
        invitation.revoked_at = now
        await record(
            conn,
            organization_id=principal.organization_id,
            actor=principal.actor,
            action="invitation.revoked",
            object_type="invitation",
            object_id=str(invitation.id),
            review_id=str(invitation.review_id),
            data={"reason": reason},
        )


async def resend_invitation(
    *, principal: Principal, invitation_id: str, expires_in_days: int | None
) -> IssuedInvitation:
    """A new link to the same contact; the old link (and every session it opened) stops working."""
    invitation = await _get_invitation(principal, invitation_id)
    review = await Review.get(id=invitation.review_id)
    async with transaction() as conn:
        await _revoke(conn, principal, invitation, "resent")
        issued = await _issue(
            conn, principal, review, invitation.email, expires_in_days, replaces=invitation
        )
    return issued


async def revoke_invitation(*, principal: Principal, invitation_id: str) -> None:
    invitation = await _get_invitation(principal, invitation_id)
    async with transaction() as conn:
        await _revoke(conn, principal, invitation, "revoked")


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
    return await vendor_session(invitation)


async def vendor_session(invitation: Invitation) -> VendorSession:
    """The questionnaire an invitation gives access to, while the invitation holds."""
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


async def open_clarification(review: Review) -> Clarification | None:
    return (
        await Clarification.filter(review_id=review.id, answered_at__isnull=True)
        .order_by("-requested_at")
        .first()
    )


def _file_answers(form: Form, answers: Mapping[str, Any]) -> dict[str, list[str]]:
    kinds = {q.id: q.type for q in form.questions}
    return {
        key: value
        for key, value in answers.items()
        if kinds.get(key) == QuestionType.file and isinstance(value, list)
    }


async def save_draft(
    *,
    session: VendorSession,
    answers: dict[str, Any],
    uploads: Sequence[tuple[str, evidence.CheckedUpload]] = (),
    detach: Mapping[str, Sequence[str]] | None = None,
) -> AnswerSet:
    """Merge `answers` into the draft (null clears one); values are checked, not completeness.

    `uploads` (question id, checked file) become evidence attached to their question, and
    `detach` takes evidence ids off a question's answer; all of it in one transaction.
    """
    review, form = session.review, session.form
    if review.status not in VENDOR_WRITABLE:
        raise Conflict("the answers were already submitted / 回答は提出済みです")
    errors = form.validate_answers(answers, complete=False)
    if not errors:
        errors = await evidence.foreign_references(review, _file_answers(form, answers))
    if errors:
        raise ValidationFailed("some answers are not valid / 回答に誤りがあります", fields=errors)
    placed: list[Path] = []
    try:
        async with transaction() as conn:
            answer_set = await AnswerSet.filter(review_id=review.id).using_db(conn).first()
            merged = dict(answer_set.answers) if answer_set else {}
            for key, value in answers.items():
                if value is None:
                    merged.pop(key, None)
                else:
                    merged[key] = value
            changed = set(answers)
            for question_id, ids in (detach or {}).items():
                kept = [i for i in merged.get(question_id, []) if i not in set(ids)]
                if kept:
                    merged[question_id] = kept
                else:
                    merged.pop(question_id, None)
                changed.add(question_id)
            for question_id, checked in uploads:
                row = await evidence.create_evidence(
                    conn,
                    review=review,
                    question_id=question_id,
                    checked=checked,
                    actor=session.actor,
                )
                merged[question_id] = [*merged.get(question_id, []), str(row.id)]
                changed.add(question_id)
            errors = form.validate_answers({k: merged.get(k) for k in changed}, complete=False)
            if errors:  # e.g. more files than the question takes
                raise ValidationFailed(
                    "some answers are not valid / 回答に誤りがあります", fields=errors
                )
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
                data={"questions": sorted(changed)},
            )
            placed = evidence.place_files([checked for _, checked in uploads])
    except BaseException:
        evidence.remove_files(placed)  # rows rolled back: their files go too
        raise
    return answer_set


def receipt_number(review: Review, number: int) -> str:
    base = f"R-{review.id.hex[:12].upper()}"
    return base if number == 1 else f"{base}-{number}"


async def latest_submission(review: Review) -> Submission | None:
    return await Submission.filter(review_id=review.id).order_by("-number").first()


async def submit(*, session: VendorSession) -> Submission:
    """Lock the answers as a numbered submission and ask for the automatic checks (after commit).

    A submission that answers a clarification request closes that request and records which
    answers changed since the previous submission.
    """
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
    visible = form.visible_answers(given)
    previous = await latest_submission(review)
    clarification = await open_clarification(review)
    number = previous.number + 1 if previous else 1
    receipt = receipt_number(review, number)
    data: dict[str, Any] = {"receipt_number": receipt, "submission": number}
    if previous is not None:
        keys = set(visible) | set(previous.answers)
        data["changed"] = sorted(k for k in keys if visible.get(k) != previous.answers.get(k))
    if clarification is not None:
        data["clarification_id"] = str(clarification.id)
    now = datetime.now(UTC)
    async with transaction() as conn:
        await transition(
            conn, review, ReviewEvent.submit, actor=session.actor, data=data, submitted_at=now
        )
        submission = await Submission.create(
            organization_id=review.organization_id,
            review=review,
            number=number,
            receipt_number=receipt,
            form_id=form.id,
            form_version=form.version,
            answers=visible,
            clarification=clarification,
            submitted_at=now,
            using_db=conn,
        )
        await (
            AnswerSet.filter(review_id=review.id)
            .using_db(conn)
            .update(answers=visible, submitted_at=now)
        )
        if clarification is not None:
            await (
                Clarification.filter(id=clarification.id, answered_at__isnull=True)
                .using_db(conn)
                .update(answered_at=now)
            )
        enqueue_after_commit(EVALUATE_REVIEW, str(review.id))
    return submission


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
    url, api_url = _links(secret)
    return IssuedInvitation(invitation=invitation, url=url, api_url=api_url)


async def _open_round(
    conn: BaseDBAsyncClient,
    *,
    engagement: Engagement,
    form: Form,
    round_number: int,
    actor: Actor,
    audit_data: dict[str, Any],
) -> Review:
    """Create a round and pre-fill it from the previous round: the one way rounds open."""
    review = await create_round(
        conn,
        engagement=engagement,
        form=form,
        round_number=round_number,
        actor=actor,
        audit_data=audit_data,
    )
    await prefill_from_previous_round(conn, review=review, form=form, actor=actor)
    return review


async def open_review(*, principal: Principal, engagement_id: str) -> Review:
    """Open the next review round; one open round per engagement at a time."""
    engagement = await get_engagement(principal, engagement_id)
    form = form_for(engagement)
    rounds = await Review.filter(engagement_id=engagement.id).order_by("-round")
    if rounds and rounds[0].status not in FINAL_STATUSES:
        raise Conflict(f"round {rounds[0].round} of this engagement is still open")
    try:
        async with transaction() as conn:
            review = await _open_round(
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


async def open_next_round(
    conn: BaseDBAsyncClient, *, engagement: Engagement, previous: Review, actor: Actor
) -> Review:
    """Open the round after `previous` (re-review), in the caller's transaction."""
    return await _open_round(
        conn,
        engagement=engagement,
        form=form_for(engagement),
        round_number=previous.round + 1,
        actor=actor,
        audit_data={"reason": "re-review due", "previous_review_id": str(previous.id)},
    )
